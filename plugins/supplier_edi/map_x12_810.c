/*
 * map_x12_810.c - one X12 810 invoice (004010 and its neighbours) into
 * the invoice model of invoice.h.
 *
 * The reader has checked the envelopes and the segment map the
 * structure; here each segment is read for what the canonical invoice
 * needs (BIG, CUR, REF, N1 loop, ITD, IT1 loop with PID and REF, TDS,
 * summary TXI and SAC, CTT), and every value that cannot be used is
 * reported at its segment and element.  What the invoice rules do not
 * read (FOB, PKG, CAD, ISS ...) is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoice.h"

struct x810_state {
    struct sedi_party *party;       /* the current N1 loop, if ours */
    struct sedi_party remit;        /* N1*RE: the supplier's fallback */
    struct sedi_line *line;         /* the current IT1 loop */
    struct sedi_invoice_line *extra;
    int in_summary;                 /* TDS has been seen */
};

/* BIG07 (transaction type code 640) as the canonical invoiceType. */
static const struct {
    const char *code, *word;
} x810_types[] = {
    {"CR", "credit_note"}, {"CN", "credit_note"}, {"DR", "debit_note"},
    {"DI", "invoice"}, {"PR", "invoice"}, {"FE", "invoice"},
    {NULL, NULL}
};

static void
x810_type(struct sedi_order *o, const char *code)
{
    int i;

    if (code[0] == '\0') {
        sedi_set(&o->purpose, "invoice");
        return;
    }
    for (i = 0; x810_types[i].code != NULL; i++) {
        if (strcmp(x810_types[i].code, code) == 0) {
            sedi_set(&o->purpose, x810_types[i].word);
            return;
        }
    }
    /* A code we have no word for still tells a person something. */
    sedi_set(&o->purpose, code);
}

/* A CCYYMMDD element into *field; reports and returns -1 when bad. */
static int
x810_date(struct sedi_run *run, const struct sg_edi_segment *seg,
          int element, char **field)
{
    const char *v = sg_edi_value(seg, element, 1);
    char iso[11];

    if (strlen(v) != 8 || sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a date (CCYYMMDD)", seg->tag,
                  element, v);
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

/*
 * An amount of type N2 (TDS, SAC05): digits with two implied decimals,
 * "255438" is 2554.38.  Reports and returns -1 when it is not one or is
 * negative (an invoice bills; credits are their own document type).
 */
static int
x810_n2(struct sedi_run *run, const struct sg_edi_segment *seg,
        int element, long long *out)
{
    const char *v = sg_edi_value(seg, element, 1);
    size_t n = strlen(v);
    char text[24];

    /* The decimal mark put back where N2 implies it: "2554.38". */
    if (n > 0 && n < 16 && strspn(v, "0123456789") == n) {
        if (n == 1) {
            snprintf(text, sizeof(text), "0.0%s", v);
        } else {
            snprintf(text, sizeof(text), "%.*s.%s", (int)(n - 2), v,
                     v + n - 2);
        }
        if (sedi_decimal(text, '\0', out) == 0) {
            return 0;
        }
    }
    sedi_diag(run, "supplier_edi.bad_amount", seg, NULL, element, 0,
              "%s%02d \"%s\" is not an amount of zero or more (N2: "
              "digits, two implied decimals)", seg->tag, element, v);
    return -1;
}

/* A decimal of type R, zero or more, for summary amounts (TXI02). */
static int
x810_r(struct sedi_run *run, const struct sg_edi_segment *seg,
       int element, long long *out)
{
    const char *v = sg_edi_value(seg, element, 1);

    if (sedi_decimal(v, '\0', out) != 0 || *out < 0) {
        sedi_diag(run, "supplier_edi.bad_amount", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not an amount of zero or more",
                  seg->tag, element, v);
        return -1;
    }
    return 0;
}

static void
x810_big(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv)
{
    struct sedi_order *o = &inv->head;

    if (sg_edi_value(seg, 1, 1)[0] == '\0') {
        sedi_diag(run, "supplier_edi.missing_date", seg, NULL, 1, 0,
                  "BIG01 (invoice date) is empty");
    } else {
        x810_date(run, seg, 1, &o->date);
    }
    sedi_set(&o->number, sg_edi_value(seg, 2, 1));
    if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_invoice_number", seg, NULL,
                  2, 0, "BIG02 (invoice number) is empty");
    } else if (strchr(o->number, ':') != NULL) {
        sedi_diag(run, "supplier_edi.bad_invoice_number", seg, NULL, 2, 0,
                  "BIG02 \"%s\" holds ':', which no key may", o->number);
    }
    sedi_set(&inv->order_number, sg_edi_value(seg, 4, 1));
    x810_type(o, sg_edi_value(seg, 7, 1));
}

static void
x810_cur(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_order *o)
{
    const char *c = sg_edi_value(seg, 2, 1);

    if (strlen(c) != 3 || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
        sedi_diag(run, "supplier_edi.bad_currency", seg, NULL, 2, 0,
                  "CUR02 \"%s\" is not an ISO 4217 currency code", c);
        return;
    }
    sedi_set(&o->currency, c);
}

/*
 * REF: in the heading, PO names the order when BIG04 did not, and SI
 * (shipper's identifying number, the 856's BSN02) the ship notice; in
 * an IT1 loop, PO names the line's own order.
 */
static void
x810_ref(const struct sg_edi_segment *seg, struct sedi_invoice *inv,
         struct x810_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 2, 1);

    if (v[0] == '\0') {
        v = sg_edi_value(seg, 3, 1);
    }
    if (st->line != NULL) {
        if (strcmp(q, "PO") == 0) {
            sedi_set_first(&st->extra->order_number, v);
        }
        return;
    }
    if (strcmp(q, "PO") == 0) {
        sedi_set_first(&inv->order_number, v);
    } else if (strcmp(q, "SI") == 0) {
        sedi_set_first(&inv->ship_notice, v);
    }
    sedi_order_add_ref(&inv->head, q, v);
}

static void
x810_n1(const struct sg_edi_segment *seg, struct sedi_order *o,
        struct x810_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    if (strcmp(role, "SU") == 0 || strcmp(role, "SE") == 0 ||
        strcmp(role, "VN") == 0 || strcmp(role, "II") == 0) {
        p = &o->supplier;
    } else if (strcmp(role, "RE") == 0 || strcmp(role, "RI") == 0) {
        p = &st->remit;
    } else if (strcmp(role, "BY") == 0 || strcmp(role, "BT") == 0) {
        p = &o->buyer;
    } else if (strcmp(role, "ST") == 0) {
        p = &o->ship_to;
    }
    st->party = sedi_x12_n1_take(seg, p) ? p : NULL;
}

/* ITD06: the net due date of the terms. */
static void
x810_itd(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv)
{
    if (inv->due_date == NULL && sg_edi_value(seg, 6, 1)[0] != '\0') {
        x810_date(run, seg, 6, &inv->due_date);
    }
}

/* A product ID pair (235 qualifier, 234 value) of IT1 into the line. */
static void
x810_product_id(struct sedi_line *l, const char *q, const char *v)
{
    size_t n = strlen(v);

    if (v[0] == '\0') {
        return;
    }
    sedi_set_first(&l->first_id, v);
    if (strcmp(q, "BP") == 0 || strcmp(q, "IN") == 0 ||
        strcmp(q, "CB") == 0 || strcmp(q, "SK") == 0 ||
        strcmp(q, "PI") == 0) {
        sedi_set_first(&l->item, v);
    } else if (strcmp(q, "VP") == 0 || strcmp(q, "VN") == 0 ||
               strcmp(q, "VA") == 0) {
        sedi_set_first(&l->supplier_item, v);
    } else if ((strcmp(q, "UP") == 0 || strcmp(q, "EN") == 0 ||
                strcmp(q, "UK") == 0 || strcmp(q, "UA") == 0) &&
               n >= 8 && n <= 14 && strspn(v, "0123456789") == n) {
        sedi_set_first(&l->gtin, v);
    } else if (strcmp(q, "PD") == 0) {
        sedi_set_first(&l->description, v);
    }
}

static void
x810_it1(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv, struct x810_state *st)
{
    struct sedi_line *l = sedi_invoice_add_line(inv, &st->extra);
    const char *v;
    char running[24];
    int e;

    st->line = l;
    st->party = NULL;

    /* IT101 is optional; a running number keeps lines apart. */
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", inv->head.n_lines);
        sedi_set(&l->number, running);
    }

    v = sg_edi_value(seg, 2, 1);
    if (sedi_decimal(v, '\0', &l->quantity) != 0 || l->quantity <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 2, 0,
                  "IT102 \"%s\" is not a positive quantity invoiced", v);
    } else {
        l->has_quantity = 1;
    }
    sedi_set(&l->unit, sg_edi_value(seg, 3, 1));

    /* An invoice line without a price bills nothing anyone can check. */
    v = sg_edi_value(seg, 4, 1);
    if (v[0] == '\0') {
        sedi_diag(run, "supplier_edi.missing_price", seg, NULL, 4, 0,
                  "IT104 (unit price) is empty on invoice line %s",
                  l->number);
    } else if (sedi_decimal(v, '\0', &l->unit_price) != 0 ||
               l->unit_price < 0) {
        sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 4, 0,
                  "IT104 \"%s\" is not a unit price (a decimal of zero or "
                  "more)", v);
    } else {
        l->has_price = 1;
    }

    for (e = 6; e + 1 <= seg->n_elements; e += 2) {
        x810_product_id(l, sg_edi_value(seg, e, 1),
                        sg_edi_value(seg, e + 1, 1));
    }
    sedi_set_first(&l->item, l->first_id);
    if (l->item == NULL) {
        sedi_diag(run, "supplier_edi.missing_item", seg, NULL, 7, 0,
                  "IT1 line %s has no product ID (IT106/IT107)",
                  l->number);
    } else if (strchr(l->item, ':') != NULL) {
        sedi_diag(run, "supplier_edi.bad_item", seg, NULL, 7, 0,
                  "IT1 line %s: item \"%s\" holds ':', which no key may",
                  l->number, l->item);
    }
}

static void
x810_pid(const struct sg_edi_segment *seg, struct x810_state *st)
{
    const char *type = sg_edi_value(seg, 1, 1), *v;

    if (st->line == NULL || (type[0] != 'F' && type[0] != 'X') ||
        st->line->description_fixed) {
        return;
    }
    v = sg_edi_value(seg, 5, 1);
    if (v[0] != '\0') {
        sedi_set(&st->line->description, v);
        st->line->description_fixed = 1;
    }
}

/* TDS01: the invoice total, charges in and allowances out. */
static void
x810_tds(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv, struct x810_state *st)
{
    st->line = NULL;
    st->in_summary = 1;
    if (x810_n2(run, seg, 1, &inv->total) == 0) {
        inv->has_total = 1;
    }
}

/*
 * Summary TXI02: tax billed on the whole invoice.
 * XXX: TXI inside an IT1 loop (tax given per line only) is not summed;
 * such an invoice comes out without taxAmount and its total mismatches.
 */
static void
x810_txi(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv)
{
    long long v;

    if (sg_edi_value(seg, 2, 1)[0] == '\0') {
        return;
    }
    if (x810_r(run, seg, 2, &v) == 0) {
        inv->tax += v;
        inv->has_tax = 1;
    }
}

/*
 * Summary SAC: SAC01 A (allowance) or C (charge), amount in SAC05.
 * XXX: SAC inside an IT1 loop (line charges and allowances) is not
 * read; an invoice that bills them there gets a total_mismatch.
 */
static void
x810_sac(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_invoice *inv)
{
    const char *kind = sg_edi_value(seg, 1, 1);
    long long v;

    if (sg_edi_value(seg, 5, 1)[0] == '\0' ||
        (strcmp(kind, "A") != 0 && strcmp(kind, "C") != 0)) {
        return;
    }
    if (x810_n2(run, seg, 5, &v) != 0) {
        return;
    }
    if (kind[0] == 'A') {
        inv->allowances += v;
        inv->has_allowances = 1;
    } else {
        inv->charges += v;
        inv->has_charges = 1;
    }
}

static void
x810_ctt(struct sedi_run *run, const struct sg_edi_segment *seg,
         const struct sedi_order *o)
{
    const char *v = sg_edi_value(seg, 1, 1);
    long long n;

    if (sedi_decimal(v, '\0', &n) != 0 ||
        n != (long long)o->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.ctt_count", seg, NULL, 1, 0,
                  "CTT01 says %s line items, the set has %zu IT1 "
                  "segments", v, o->n_lines);
    }
}

static void
x810_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
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

/*
 * The supplier is who sells: N1 SU/SE/VN/II, else the remit-to party
 * (N1 RE, whom the invoice asks to be paid), else the interchange
 * sender, who posts its own invoices here.
 */
static void
x810_supplier(const struct sg_edi_transaction *tx, struct sedi_order *o,
              struct x810_state *st)
{
    if (o->supplier.id == NULL && o->supplier.name == NULL) {
        if (st->remit.id != NULL || st->remit.name != NULL) {
            o->supplier = st->remit;
            memset(&st->remit, 0, sizeof(st->remit));
        } else {
            sedi_set(&o->supplier.id, tx->env.sender);
            sedi_set(&o->supplier.qualifier, tx->env.sender_qual);
        }
    }
    sedi_party_settle(&o->supplier);
    sedi_party_settle(&o->buyer);
    sedi_party_settle(&o->ship_to);
}

static void
x810_free_party(struct sedi_party *p)
{
    int i;

    free(p->id);
    free(p->qualifier);
    free(p->name);
    for (i = 0; i < p->n_address; i++) {
        free(p->address[i]);
    }
    free(p->city);
    free(p->postal_code);
    free(p->country);
}

/* One segment of the set body (not ST, not SE). */
static void
x810_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
             struct sedi_invoice *inv, struct x810_state *st)
{
    const char *t = seg->tag;

    if (st->party != NULL && (strcmp(t, "N3") == 0 ||
                              strcmp(t, "N4") == 0)) {
        sedi_x12_address(seg, st->party);
        return;
    }
    if (strcmp(t, "N2") != 0 && strcmp(t, "PER") != 0 &&
        strcmp(t, "REF") != 0) {
        st->party = NULL;
    }
    if (strcmp(t, "BIG") == 0) {
        x810_big(run, seg, inv);
    } else if (strcmp(t, "CUR") == 0 && st->line == NULL) {
        x810_cur(run, seg, &inv->head);
    } else if (strcmp(t, "REF") == 0 && st->party == NULL &&
               !st->in_summary) {
        x810_ref(seg, inv, st);
    } else if (strcmp(t, "N1") == 0 && st->line == NULL) {
        x810_n1(seg, &inv->head, st);
    } else if (strcmp(t, "ITD") == 0 && st->line == NULL) {
        x810_itd(run, seg, inv);
    } else if (strcmp(t, "IT1") == 0) {
        x810_it1(run, seg, inv, st);
    } else if (strcmp(t, "PID") == 0) {
        x810_pid(seg, st);
    } else if (strcmp(t, "TDS") == 0) {
        x810_tds(run, seg, inv, st);
    } else if (strcmp(t, "TXI") == 0 && st->in_summary) {
        x810_txi(run, seg, inv);
    } else if (strcmp(t, "SAC") == 0 && st->in_summary) {
        x810_sac(run, seg, inv);
    } else if (strcmp(t, "CTT") == 0) {
        x810_ctt(run, seg, &inv->head);
    }
}

int
sedi_map_x12_810(struct sedi_run *run, const struct sg_edi_transaction *tx,
                 struct sedi_invoice *inv)
{
    struct x810_state st;
    const struct sg_edi_segment *big = NULL, *end;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    x810_envelope(tx, &inv->head);
    if (tx->n_segments < 2) {
        return -1;
    }
    end = &tx->segments[tx->n_segments - 1];

    /* Segment 0 is ST and the last is SE: the reader checked both. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        if (strcmp(seg->tag, "BIG") == 0) {
            if (big != NULL) {
                continue;
            }
            big = seg;
        }
        x810_segment(run, seg, inv, &st);
    }

    if (big == NULL) {
        sedi_diag(run, "supplier_edi.missing_big", &tx->segments[1], "BIG",
                  0, 0, "the 810 has no BIG segment (expected right after "
                  "ST, found %s)", tx->segments[1].tag);
    }
    if (inv->head.n_lines == 0) {
        sedi_diag(run, "supplier_edi.no_lines", end, "IT1", 0, 0,
                  "the 810 has no IT1 line item");
    }
    if (!inv->has_total && !st.in_summary) {
        sedi_diag(run, "supplier_edi.missing_total", end, "TDS", 0, 0,
                  "the 810 has no TDS (total monetary value summary)");
    }
    x810_supplier(tx, &inv->head, &st);
    x810_free_party(&st.remit);
    return run->n_errors == errors ? 0 : -1;
}
