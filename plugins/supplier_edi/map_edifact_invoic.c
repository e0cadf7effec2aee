/*
 * map_edifact_invoic.c - one UN/EDIFACT INVOIC message (D93A to D03B
 * and the EANCOM subsets of them) into the invoice model of invoice.h.
 *
 * The reader has checked the envelopes and removed release characters,
 * the segment map the structure; here each segment is read for what the
 * canonical invoice needs.  Groups are followed as far as they change
 * meaning: an RFF after NAD belongs to the party, an RFF, QTY, PRI or
 * MOA after LIN to the line, a MOA after UNS to the totals, and a MOA
 * after a summary ALC to that allowance or charge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoice.h"

struct inv_state {
    struct sedi_party *party;       /* the current NAD group, if ours */
    int in_nad;                     /* inside any NAD group */
    struct sedi_line *line;         /* the current LIN group */
    struct sedi_invoice_line *extra;
    int quantity_rank;              /* see inv_qty() */
    int price_rank;                 /* 0 none, 1 AAB gross, 2 AAA net */
    int in_summary;                 /* UNS has been seen */
    int summary_alc;                /* 'A', 'C' or 0: the open ALC */
    int total_rank;                 /* see inv_summary_moa() */
    int tax_total;                  /* MOA 176 set the tax */
    int date_rank;                  /* 1 DTM+137, 2 DTM+3 */
};

/* BGM 1001 (document name code) as the canonical invoiceType. */
static const struct {
    const char *code, *word;
} inv_types[] = {
    {"380", "invoice"}, {"381", "credit_note"}, {"383", "debit_note"},
    {"384", "corrected"}, {"386", "prepayment"}, {"389", "self_billed"},
    {"325", "proforma"}, {"393", "factored"}, {NULL, NULL}
};

/* Both marks are allowed by ISO 9735 whatever UNA says. */
static int
inv_decimal(const char *s, long long *out)
{
    return sedi_decimal(s, ',', out);
}

static void
inv_type(struct sedi_order *o, const char *code)
{
    int i;

    for (i = 0; inv_types[i].code != NULL; i++) {
        if (strcmp(inv_types[i].code, code) == 0) {
            sedi_set(&o->purpose, inv_types[i].word);
            return;
        }
    }
    sedi_set(&o->purpose, code[0] != '\0' ? code : "invoice");
}

/* DTM C507 2380 in format 2379 (102, 203, 204, 101); reports when bad. */
static int
inv_date(struct sedi_run *run, const struct sg_edi_segment *seg,
         char **field)
{
    const char *v = sg_edi_value(seg, 1, 2);
    const char *fmt = sg_edi_value(seg, 1, 3);
    size_t want = 0;
    char iso[11];

    if (fmt[0] == '\0' || strcmp(fmt, "102") == 0) {
        want = 8;
    } else if (strcmp(fmt, "203") == 0) {
        want = 12;
    } else if (strcmp(fmt, "204") == 0) {
        want = 14;
    } else if (strcmp(fmt, "101") == 0) {
        want = 6;
    }
    if (want == 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 3,
                  "DTM format %s is not a date format this plugin reads "
                  "(102, 203, 204, 101)", fmt);
        return -1;
    }
    /* Format 102 with a time appended (CCYYMMDDHHMM) is a common slip;
     * its date part is still plain. */
    if (!(strlen(v) == want || (want == 8 && strlen(v) == 12)) ||
        sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 2,
                  "DTM %s \"%s\" is not a date in format %s",
                  sg_edi_value(seg, 1, 1), v, fmt[0] ? fmt : "102");
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

/* BGM: 1001 type, then 1004 (alone, or first in C106 from D.94A). */
static void
inv_bgm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o)
{
    inv_type(o, sg_edi_value(seg, 1, 1));
    sedi_set(&o->number, sg_edi_value(seg, 2, 1));
    if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_invoice_number", seg, NULL, 2,
                  1, "BGM 1004 (invoice number) is empty");
    } else if (strchr(o->number, ':') != NULL) {
        sedi_diag(run, "supplier_edi.bad_invoice_number", seg, NULL, 2, 1,
                  "BGM 1004 \"%s\" holds ':', which no key may",
                  o->number);
    }
}

/* DTM: 3 (invoice date) beats 137 (document date); 13 and 140 are the
 * payment due date. */
static void
inv_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_invoice *inv, struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    int rank = strcmp(q, "3") == 0 ? 2 : strcmp(q, "137") == 0 ? 1 : 0;

    if (st->line != NULL || st->in_nad) {
        return;
    }
    if (rank > st->date_rank) {
        if (inv_date(run, seg, &inv->head.date) == 0) {
            st->date_rank = rank;
        }
    } else if ((strcmp(q, "13") == 0 || strcmp(q, "140") == 0) &&
               inv->due_date == NULL) {
        inv_date(run, seg, &inv->due_date);
    }
}

/* RFF C506: ON (order number) and AAK (despatch advice) in the heading,
 * ON on a line. */
static void
inv_rff(const struct sg_edi_segment *seg, struct sedi_invoice *inv,
        struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);

    if (st->in_nad || st->in_summary) {
        return;
    }
    if (st->line != NULL) {
        if (strcmp(q, "ON") == 0) {
            sedi_set_first(&st->extra->order_number, v);
        }
        return;
    }
    if (strcmp(q, "ON") == 0) {
        sedi_set_first(&inv->order_number, v);
    } else if (strcmp(q, "AAK") == 0) {
        sedi_set_first(&inv->ship_notice, v);
    }
    sedi_order_add_ref(&inv->head, q, v);
}

static void
inv_cux(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o)
{
    const char *c = sg_edi_value(seg, 1, 2);

    if (o->currency != NULL) {
        return;
    }
    if (strlen(c) != 3 || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
        sedi_diag(run, "supplier_edi.bad_currency", seg, NULL, 1, 2,
                  "CUX 6345 \"%s\" is not an ISO 4217 currency code", c);
        return;
    }
    sedi_set(&o->currency, c);
}

/* NAD: SU/SE/II sell, BY/IV/BT buy, ST/DP receive the goods. */
static void
inv_nad(const struct sg_edi_segment *seg, struct sedi_order *o,
        struct inv_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    st->in_nad = 1;
    st->party = NULL;
    if (strcmp(role, "SU") == 0 || strcmp(role, "SE") == 0 ||
        strcmp(role, "II") == 0) {
        p = &o->supplier;
    } else if (strcmp(role, "BY") == 0 || strcmp(role, "IV") == 0 ||
               strcmp(role, "BT") == 0) {
        p = &o->buyer;
    } else if (strcmp(role, "DP") == 0 || strcmp(role, "ST") == 0) {
        p = &o->ship_to;
    }
    st->party = sedi_edifact_nad_take(seg, p) ? p : NULL;
}

/* One C212 item number (7140) of type 7143 into the line. */
static void
inv_item_id(struct sedi_line *l, const char *id, const char *type)
{
    size_t n = strlen(id);

    if (id[0] == '\0') {
        return;
    }
    sedi_set_first(&l->first_id, id);
    if (strcmp(type, "IN") == 0 || strcmp(type, "BP") == 0) {
        sedi_set_first(&l->item, id);
    } else if (strcmp(type, "SA") == 0) {
        sedi_set_first(&l->supplier_item, id);
    } else if ((strcmp(type, "EN") == 0 || strcmp(type, "SRV") == 0 ||
                strcmp(type, "UP") == 0) &&
               n >= 8 && n <= 14 && strspn(id, "0123456789") == n) {
        sedi_set_first(&l->gtin, id);
    }
}

static void
inv_lin(const struct sg_edi_segment *seg, struct sedi_invoice *inv,
        struct inv_state *st)
{
    struct sedi_line *l = sedi_invoice_add_line(inv, &st->extra);
    char running[24];

    st->line = l;
    st->party = NULL;
    st->in_nad = 0;
    st->quantity_rank = 0;
    st->price_rank = 0;
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", inv->head.n_lines);
        sedi_set(&l->number, running);
    }
    inv_item_id(l, sg_edi_value(seg, 3, 1), sg_edi_value(seg, 3, 2));
}

static void
inv_pia(const struct sg_edi_segment *seg, struct inv_state *st)
{
    int e;

    if (st->line == NULL) {
        return;
    }
    for (e = 2; e <= 6; e++) {
        inv_item_id(st->line, sg_edi_value(seg, e, 1),
                    sg_edi_value(seg, e, 2));
    }
}

static void
inv_imd(const struct sg_edi_segment *seg, struct inv_state *st)
{
    const char *a = sg_edi_value(seg, 3, 4), *b = sg_edi_value(seg, 3, 5);
    char *both;

    if (st->line == NULL || a[0] == '\0' ||
        st->line->description != NULL) {
        return;
    }
    both = b[0] != '\0' ? sg_xasprintf("%s %s", a, b) : sg_xstrdup(a);
    sedi_set(&st->line->description, both);
    free(both);
}

/*
 * QTY: 47 (invoiced) is what the line bills; without it 12 (despatched)
 * or 46 (delivered), then 1 or 21 for partners that reuse their order's
 * qualifier.
 */
static void
inv_qty(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct sedi_line *l = st->line;
    int rank = strcmp(q, "47") == 0 ? 4 : strcmp(q, "12") == 0 ? 3 :
               strcmp(q, "46") == 0 ? 2 :
               (strcmp(q, "1") == 0 || strcmp(q, "21") == 0) ? 1 : 0;

    if (l == NULL || rank <= st->quantity_rank) {
        return;
    }
    st->quantity_rank = rank;
    if (inv_decimal(v, &l->quantity) != 0 || l->quantity <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 1, 2,
                  "QTY %s \"%s\" is not a positive quantity", q, v);
        l->has_quantity = 0;
        return;
    }
    l->has_quantity = 1;
    sedi_set(&l->unit, sg_edi_value(seg, 1, 3));
}

/*
 * Divide a scaled price by a scaled basis quantity, rounding half up:
 * "3630.1724 per 100" is 36.301724 a unit.  The 128-bit product keeps
 * twelve integer digits times 10^6 exact.
 */
static long long
inv_per_unit(long long price, long long basis)
{
    __int128 n = (__int128)price * SEDI_SCALE;

    return (long long)((n + basis / 2) / basis);
}

/* PRI C509: 5125 qualifier, 5118 price, 5284 unit price basis. */
static void
inv_pri(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    const char *basis = sg_edi_value(seg, 1, 5);
    struct sedi_line *l = st->line;
    int rank = strcmp(q, "AAA") == 0 ? 2 : strcmp(q, "AAB") == 0 ? 1 : 0;
    long long per = SEDI_SCALE;

    if (l == NULL || rank <= st->price_rank || v[0] == '\0') {
        return;
    }
    st->price_rank = rank;
    l->has_price = 0;
    if (inv_decimal(v, &l->unit_price) != 0 || l->unit_price < 0) {
        sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 1, 2,
                  "PRI %s \"%s\" is not a price (a decimal of zero or "
                  "more)", q, v);
        return;
    }
    if (basis[0] != '\0' && (inv_decimal(basis, &per) != 0 || per <= 0)) {
        sedi_diag(run, "supplier_edi.bad_price_basis", seg, NULL, 1, 5,
                  "PRI %s unit price basis \"%s\" is not a positive "
                  "quantity", q, basis);
        return;
    }
    if (per != SEDI_SCALE) {
        l->unit_price = inv_per_unit(l->unit_price, per);
    }
    l->has_price = 1;
}

/* A MOA amount of zero or more into *out; reports when it is not. */
static int
inv_moa_value(struct sedi_run *run, const struct sg_edi_segment *seg,
              long long *out)
{
    const char *v = sg_edi_value(seg, 1, 2);

    if (inv_decimal(v, out) != 0 || *out < 0) {
        sedi_diag(run, "supplier_edi.bad_amount", seg, NULL, 1, 2,
                  "MOA %s \"%s\" is not an amount of zero or more",
                  sg_edi_value(seg, 1, 1), v);
        return -1;
    }
    return 0;
}

/*
 * A MOA after UNS.  The total is 77 (invoice amount), else 86 (message
 * total), 39 (invoice total) or 79 (total of the lines), in that order
 * of preference; tax is 176 (total tax) or the sum of 124 (tax amount);
 * after an ALC the amount is that allowance or charge.
 * XXX: ALC groups of the heading and of the lines are not read, only
 * the summary's; an invoice that states its charges only there gets a
 * total_mismatch.
 */
static void
inv_summary_moa(struct sedi_run *run, const struct sg_edi_segment *seg,
                struct sedi_invoice *inv, struct inv_state *st)
{
    static const char *const totals[] = {"79", "39", "86", "77", NULL};
    const char *q = sg_edi_value(seg, 1, 1);
    long long v;
    int rank;

    for (rank = 0; totals[rank] != NULL; rank++) {
        if (strcmp(q, totals[rank]) == 0) {
            break;
        }
    }
    if (st->summary_alc != 0) {
        if (strcmp(q, "8") != 0 && strcmp(q, "23") != 0 &&
            strcmp(q, "204") != 0 && strcmp(q, "131") != 0) {
            return;
        }
        if (inv_moa_value(run, seg, &v) != 0) {
            return;
        }
        if (st->summary_alc == 'A') {
            inv->allowances += v;
            inv->has_allowances = 1;
        } else {
            inv->charges += v;
            inv->has_charges = 1;
        }
        /* One amount per ALC group: a second MOA restates it. */
        st->summary_alc = 0;
    } else if (totals[rank] != NULL && rank + 1 > st->total_rank) {
        if (inv_moa_value(run, seg, &inv->total) == 0) {
            inv->has_total = 1;
            st->total_rank = rank + 1;
        }
    } else if (strcmp(q, "176") == 0 ||
               (strcmp(q, "124") == 0 && !st->tax_total)) {
        if (inv_moa_value(run, seg, &v) != 0) {
            return;
        }
        if (strcmp(q, "176") == 0) {
            inv->tax = v;
            st->tax_total = 1;
        } else {
            inv->tax += v;
        }
        inv->has_tax = 1;
    }
}

/* MOA in a line: 203 is the line amount. */
static void
inv_line_moa(struct sedi_run *run, const struct sg_edi_segment *seg,
             struct inv_state *st)
{
    if (strcmp(sg_edi_value(seg, 1, 1), "203") != 0 ||
        st->extra->has_amount) {
        return;
    }
    if (inv_moa_value(run, seg, &st->extra->amount) == 0) {
        st->extra->has_amount = 1;
    }
}

static void
inv_cnt(struct sedi_run *run, const struct sg_edi_segment *seg,
        const struct sedi_order *o)
{
    const char *v = sg_edi_value(seg, 1, 2);
    long long n;

    if (strcmp(sg_edi_value(seg, 1, 1), "2") != 0) {
        return;
    }
    if (inv_decimal(v, &n) != 0 ||
        n != (long long)o->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.cnt_count", seg, NULL, 1, 2,
                  "CNT+2 says %s line items, the message has %zu LIN "
                  "segments", v, o->n_lines);
    }
}

static void
inv_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
{
    const struct sg_edi_envelope *env = &tx->env;

    o->sender = sedi_partner(env->sender_qual, env->sender);
    o->receiver = sedi_partner(env->receiver_qual, env->receiver);
    sedi_set(&o->interchange, env->interchange_control);
    sedi_set(&o->group, env->group_control);
    sedi_set(&o->message, env->set_control);
    sedi_set(&o->message_type, env->set_type);
    sedi_set(&o->version, env->version);
}

/* Lines need an item, a quantity and a price; say which lack them. */
static void
inv_check_lines(struct sedi_run *run, const struct sg_edi_transaction *tx,
                struct sedi_invoice *inv)
{
    size_t li = 0, s;

    for (s = 0; s < tx->n_segments && li < inv->head.n_lines; s++) {
        const struct sg_edi_segment *seg = &tx->segments[s];
        struct sedi_line *l;

        if (strcmp(seg->tag, "LIN") != 0) {
            continue;
        }
        l = &inv->head.lines[li++];
        sedi_set_first(&l->item, l->first_id);
        if (l->item == NULL) {
            sedi_diag(run, "supplier_edi.missing_item", seg, NULL, 3, 1,
                      "LIN %s has no item number (LIN C212 or PIA)",
                      l->number);
        } else if (strchr(l->item, ':') != NULL) {
            sedi_diag(run, "supplier_edi.bad_item", seg, NULL, 3, 1,
                      "LIN %s: item \"%s\" holds ':', which no key may",
                      l->number, l->item);
        }
        if (!l->has_quantity) {
            sedi_diag(run, "supplier_edi.missing_quantity", seg, "QTY", 0,
                      0, "LIN %s has no usable invoiced quantity (QTY+47)",
                      l->number);
        }
        if (!l->has_price) {
            sedi_diag(run, "supplier_edi.missing_price", seg, "PRI", 0, 0,
                      "LIN %s has no usable unit price (PRI+AAA)",
                      l->number);
        }
    }
}

/* Which group a segment leaves or enters, before it is read. */
static void
inv_track_groups(const char *t, struct inv_state *st)
{
    if (st->in_nad && strcmp(t, "NAD") != 0 && strcmp(t, "LOC") != 0 &&
        strcmp(t, "FII") != 0 && strcmp(t, "RFF") != 0 &&
        strcmp(t, "DTM") != 0 && strcmp(t, "CTA") != 0 &&
        strcmp(t, "COM") != 0 && strcmp(t, "DOC") != 0) {
        st->in_nad = 0;
        st->party = NULL;
    }
    if (st->in_summary && strcmp(t, "MOA") != 0) {
        st->summary_alc = 0;
    }
}

static void
inv_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
            struct sedi_invoice *inv, struct inv_state *st)
{
    const char *t = seg->tag;

    inv_track_groups(t, st);
    if (strcmp(t, "DTM") == 0) {
        inv_dtm(run, seg, inv, st);
    } else if (strcmp(t, "RFF") == 0) {
        inv_rff(seg, inv, st);
    } else if (strcmp(t, "NAD") == 0 && st->line == NULL &&
               !st->in_summary) {
        inv_nad(seg, &inv->head, st);
    } else if (strcmp(t, "CUX") == 0 && st->line == NULL) {
        inv_cux(run, seg, &inv->head);
    } else if (strcmp(t, "LIN") == 0) {
        inv_lin(seg, inv, st);
    } else if (strcmp(t, "PIA") == 0) {
        inv_pia(seg, st);
    } else if (strcmp(t, "IMD") == 0) {
        inv_imd(seg, st);
    } else if (strcmp(t, "QTY") == 0) {
        inv_qty(run, seg, st);
    } else if (strcmp(t, "PRI") == 0) {
        inv_pri(run, seg, st);
    } else if (strcmp(t, "MOA") == 0 && st->in_summary) {
        inv_summary_moa(run, seg, inv, st);
    } else if (strcmp(t, "MOA") == 0 && st->line != NULL) {
        inv_line_moa(run, seg, st);
    } else if (strcmp(t, "ALC") == 0 && st->in_summary) {
        const char *k = sg_edi_value(seg, 1, 1);

        st->summary_alc = strcmp(k, "A") == 0 ? 'A' :
                          strcmp(k, "C") == 0 ? 'C' : 0;
    } else if (strcmp(t, "UNS") == 0) {
        st->line = NULL;
        st->in_summary = 1;
    } else if (strcmp(t, "CNT") == 0) {
        inv_cnt(run, seg, &inv->head);
    }
}

int
sedi_map_edifact_invoic(struct sedi_run *run,
                        const struct sg_edi_transaction *tx,
                        struct sedi_invoice *inv)
{
    struct inv_state st;
    const struct sg_edi_segment *bgm = NULL, *end;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    inv_envelope(tx, &inv->head);
    if (tx->n_segments < 2) {
        return -1;
    }
    end = &tx->segments[tx->n_segments - 1];

    /* Segment 0 is UNH and the last is UNT. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        if (strcmp(seg->tag, "BGM") == 0) {
            if (bgm == NULL) {
                bgm = seg;
                inv_bgm(run, seg, &inv->head);
            }
            continue;
        }
        inv_segment(run, seg, inv, &st);
    }

    if (bgm == NULL) {
        sedi_diag(run, "supplier_edi.missing_bgm", &tx->segments[1], "BGM",
                  0, 0, "the INVOIC message has no BGM segment (expected "
                  "right after UNH, found %s)", tx->segments[1].tag);
    }
    if (inv->head.date == NULL && st.date_rank == 0) {
        sedi_diag(run, "supplier_edi.missing_date",
                  bgm != NULL ? bgm : &tx->segments[1], "DTM", 0, 0,
                  "the INVOIC message has no DTM+3 or DTM+137 (invoice "
                  "date)");
    }
    if (inv->head.n_lines == 0) {
        sedi_diag(run, "supplier_edi.no_lines", end, "LIN", 0, 0,
                  "the INVOIC message has no LIN line item");
    }
    inv_check_lines(run, tx, inv);

    /* No NAD+SU: the interchange sender is the supplier (see README). */
    if (inv->head.supplier.id == NULL && inv->head.supplier.name == NULL) {
        sedi_set(&inv->head.supplier.id, tx->env.sender);
        sedi_set(&inv->head.supplier.qualifier, tx->env.sender_qual);
    }
    sedi_party_settle(&inv->head.supplier);
    sedi_party_settle(&inv->head.buyer);
    sedi_party_settle(&inv->head.ship_to);
    return run->n_errors == errors ? 0 : -1;
}
