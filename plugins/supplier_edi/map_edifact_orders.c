/*
 * map_edifact_orders.c - one UN/EDIFACT ORDERS message (D96A, D01B,
 * D03B and the EANCOM subsets of them) into the order model of
 * supplier_edi.h.
 *
 * The reader (core/edi_edifact.c) has checked UNB/UNG/UNH and their
 * trailers and removed release characters; here each segment is read
 * for what the canonical order needs.  Group structure is followed only
 * as far as it changes meaning: an RFF after NAD belongs to the party,
 * an RFF or DTM after LIN to the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supplier_edi.h"

struct edf_state {
    struct sedi_party *party;   /* the current NAD group, if ours */
    int in_nad;                 /* inside any NAD group (SG2) */
    struct sedi_line *line;     /* the current LIN group (SG28) */
    int quantity_rank;          /* 0 none, 1 QTY+1, 2 QTY+21 */
    int price_rank;             /* 0 none, 1 AAB gross, 2 AAA net */
    int delivery_rank;          /* 0 none, 1 DTM+10, 2 DTM+2 */
};

static const struct {
    const char *code, *word;
} edf_purposes[] = {
    {"9", "original"}, {"1", "cancel"}, {"3", "delete"}, {"4", "change"},
    {"5", "replace"}, {"6", "confirmation"}, {"7", "duplicate"},
    {"31", "copy"}, {NULL, NULL}
}, edf_types[] = {
    {"220", "sa"}, {"221", "blanket"}, {"226", "release"},
    {"227", "consigned"}, {"224", "rush"}, {"402", "crossdock"},
    {NULL, NULL}
};

/* Both marks are allowed by ISO 9735 whatever UNA says. */
static int
edf_decimal(const char *s, long long *out)
{
    return sedi_decimal(s, ',', out);
}

static void
edf_word(char **field, const char *code, int purpose)
{
    int i;

    if (code[0] == '\0') {
        return;
    }
    for (i = 0; purpose ? edf_purposes[i].code != NULL
                        : edf_types[i].code != NULL; i++) {
        const char *c = purpose ? edf_purposes[i].code : edf_types[i].code;

        if (strcmp(c, code) == 0) {
            sedi_set(field, purpose ? edf_purposes[i].word
                                    : edf_types[i].word);
            return;
        }
    }
    sedi_set(field, code);
}

/*
 * DTM C507: 2380 value in format 2379.  Only the date part is kept;
 * 718 (a range) gives its first day.  Reports and returns -1 when bad.
 */
static int
edf_date(struct sedi_run *run, const struct sg_edi_segment *seg,
         char **field)
{
    const char *v = sg_edi_value(seg, 1, 2);
    const char *fmt = sg_edi_value(seg, 1, 3);
    char iso[11], first[9];
    size_t want = 0;

    if (fmt[0] == '\0' || strcmp(fmt, "102") == 0) {
        want = 8;
    } else if (strcmp(fmt, "203") == 0) {
        want = 12;
    } else if (strcmp(fmt, "204") == 0) {
        want = 14;
    } else if (strcmp(fmt, "101") == 0) {
        want = 6;
    } else if (strcmp(fmt, "718") == 0 && strlen(v) == 17 && v[8] == '-') {
        memcpy(first, v, 8);
        first[8] = '\0';
        v = first;
        want = 8;
    }
    if (want == 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 3,
                  "DTM format %s is not a date format this plugin reads "
                  "(102, 203, 204, 101, 718)", fmt);
        return -1;
    }
    if (strlen(v) != want || sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 2,
                  "DTM %s \"%s\" is not a date in format %s",
                  sg_edi_value(seg, 1, 1), v, fmt[0] ? fmt : "102");
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

/*
 * BGM.  From D.94A on, element 2 is C106 (document number first) and
 * 1225 is element 3; older directories have 1004 alone in element 2 and
 * a C507 date in element 3, pushing 1225 to element 4.  A composite
 * element 3 tells the old layout.
 */
static void
edf_bgm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o)
{
    int purpose_at = 3;

    edf_word(&o->order_type, sg_edi_value(seg, 1, 1), 0);
    sedi_set(&o->number, sg_edi_value(seg, 2, 1));
    if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_order_number", seg, NULL, 2,
                  1, "BGM 1004 (order number) is empty");
    }
    if (seg->n_elements >= 3 && seg->elements[2].n_components > 1) {
        purpose_at = 4;
    }
    edf_word(&o->purpose, sg_edi_value(seg, purpose_at, 1), 1);
}

static void
edf_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o, struct edf_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    int rank = strcmp(q, "2") == 0 ? 2 : strcmp(q, "10") == 0 ? 1 : 0;

    if (st->line != NULL) {
        if (rank > 0 && st->line->requested_delivery == NULL) {
            edf_date(run, seg, &st->line->requested_delivery);
        }
        return;
    }
    if (strcmp(q, "137") == 0) {
        if (o->date == NULL) {
            edf_date(run, seg, &o->date);
        }
    } else if (rank > st->delivery_rank) {
        if (edf_date(run, seg, &o->requested_delivery) == 0) {
            st->delivery_rank = rank;
        }
    }
}

static void
edf_cux(struct sedi_run *run, const struct sg_edi_segment *seg,
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

/* Name, street, city, postcode, country of NAD (elements 3 to 9). */
static void
edf_nad(const struct sg_edi_segment *seg, struct sedi_order *o,
        struct edf_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    st->in_nad = 1;
    st->party = NULL;
    if (strcmp(role, "SU") == 0 || strcmp(role, "SE") == 0) {
        p = &o->supplier;
    } else if (strcmp(role, "BY") == 0) {
        p = &o->buyer;
    } else if (strcmp(role, "DP") == 0 || strcmp(role, "ST") == 0) {
        p = &o->ship_to;
    }
    st->party = sedi_edifact_nad_take(seg, p) ? p : NULL;
}

/* One C212 item number (7140) of type 7143 into the line. */
static void
edf_item_id(struct sedi_line *l, const char *id, const char *type)
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
edf_lin(const struct sg_edi_segment *seg, struct sedi_order *o,
        struct edf_state *st)
{
    struct sedi_line *l = sedi_order_add_line(o);
    char running[24];

    st->line = l;
    st->party = NULL;
    st->in_nad = 0;
    st->quantity_rank = 0;
    st->price_rank = 0;
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", o->n_lines);
        sedi_set(&l->number, running);
    }
    edf_item_id(l, sg_edi_value(seg, 3, 1), sg_edi_value(seg, 3, 2));
}

static void
edf_pia(const struct sg_edi_segment *seg, struct edf_state *st)
{
    int e;

    if (st->line == NULL) {
        return;
    }
    for (e = 2; e <= 6; e++) {
        edf_item_id(st->line, sg_edi_value(seg, e, 1),
                    sg_edi_value(seg, e, 2));
    }
}

/* IMD C273: 7008 twice; a free-form (F) description beats a coded one. */
static void
edf_imd(const struct sg_edi_segment *seg, struct edf_state *st)
{
    const char *a = sg_edi_value(seg, 3, 4), *b = sg_edi_value(seg, 3, 5);
    int free_form = strcmp(sg_edi_value(seg, 1, 1), "F") == 0;
    char *both;

    if (st->line == NULL || a[0] == '\0' ||
        st->line->description_fixed ||
        (!free_form && st->line->description != NULL)) {
        return;
    }
    both = b[0] != '\0' ? sg_xasprintf("%s %s", a, b) : sg_xstrdup(a);
    sedi_set(&st->line->description, both);
    free(both);
    st->line->description_fixed = free_form;
}

static void
edf_qty(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct edf_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct sedi_line *l = st->line;
    int rank = strcmp(q, "21") == 0 ? 2 : strcmp(q, "1") == 0 ? 1 : 0;

    if (l == NULL || rank <= st->quantity_rank) {
        return;
    }
    st->quantity_rank = rank;
    if (edf_decimal(v, &l->quantity) != 0 || l->quantity <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 1, 2,
                  "QTY %s \"%s\" is not a positive quantity", q, v);
        l->has_quantity = 0;
        return;
    }
    l->has_quantity = 1;
    sedi_set(&l->unit, sg_edi_value(seg, 1, 3));
}

static void
edf_pri(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct edf_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct sedi_line *l = st->line;
    int rank = strcmp(q, "AAA") == 0 ? 2 : strcmp(q, "AAB") == 0 ? 1 : 0;

    if (l == NULL || rank <= st->price_rank || v[0] == '\0') {
        return;
    }
    st->price_rank = rank;
    /* XXX: C509 5284 (unit price basis, "per 100") is not applied; an
     * order priced per hundred shows a unit price 100 times too high. */
    if (edf_decimal(v, &l->unit_price) != 0 || l->unit_price < 0) {
        sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 1, 2,
                  "PRI %s \"%s\" is not a price (a decimal of zero or "
                  "more)", q, v);
        l->has_price = 0;
        return;
    }
    l->has_price = 1;
}

static void
edf_cnt(struct sedi_run *run, const struct sg_edi_segment *seg,
        const struct sedi_order *o)
{
    const char *v = sg_edi_value(seg, 1, 2);
    long long n;

    if (strcmp(sg_edi_value(seg, 1, 1), "2") != 0) {
        return;
    }
    if (edf_decimal(v, &n) != 0 ||
        n != (long long)o->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.cnt_count", seg, NULL, 1, 2,
                  "CNT+2 says %s line items, the message has %zu LIN "
                  "segments", v, o->n_lines);
    }
}

static void
edf_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
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

/* Lines need a quantity and an item; say which ones lack them. */
static void
edf_check_lines(struct sedi_run *run, const struct sg_edi_transaction *tx,
                struct sedi_order *o)
{
    size_t i, li = 0, s;

    for (s = 0; s < tx->n_segments && li < o->n_lines; s++) {
        const struct sg_edi_segment *seg = &tx->segments[s];
        struct sedi_line *l;

        if (strcmp(seg->tag, "LIN") != 0) {
            continue;
        }
        i = li++;
        l = &o->lines[i];
        sedi_set_first(&l->item, l->first_id);
        if (l->item == NULL) {
            sedi_diag(run, "supplier_edi.missing_item", seg, NULL, 3, 1,
                      "LIN %s has no item number (LIN C212 or PIA)",
                      l->number);
        }
        if (!l->has_quantity) {
            sedi_diag(run, "supplier_edi.missing_quantity", seg, "QTY",
                      0, 0, "LIN %s has no usable ordered quantity "
                      "(QTY+21)", l->number);
        }
    }
}

int
sedi_map_edifact_orders(struct sedi_run *run,
                        const struct sg_edi_transaction *tx,
                        struct sedi_order *o)
{
    struct edf_state st;
    const struct sg_edi_segment *bgm = NULL, *dtm_seen = NULL, *end;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    edf_envelope(tx, o);
    if (tx->n_segments < 2) {
        return -1;
    }
    end = &tx->segments[tx->n_segments - 1];

    /* Segment 0 is UNH and the last is UNT. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];
        const char *t = seg->tag;

        if (st.in_nad && strcmp(t, "NAD") != 0 && strcmp(t, "LOC") != 0 &&
            strcmp(t, "FII") != 0 && strcmp(t, "RFF") != 0 &&
            strcmp(t, "DTM") != 0 && strcmp(t, "CTA") != 0 &&
            strcmp(t, "COM") != 0 && strcmp(t, "DOC") != 0) {
            st.in_nad = 0;
            st.party = NULL;
        }
        if (strcmp(t, "BGM") == 0 && bgm == NULL) {
            bgm = seg;
            edf_bgm(run, seg, o);
        } else if (strcmp(t, "DTM") == 0) {
            if (strcmp(sg_edi_value(seg, 1, 1), "137") == 0) {
                dtm_seen = seg;
            }
            if (!st.in_nad) {
                edf_dtm(run, seg, o, &st);
            }
        } else if (strcmp(t, "RFF") == 0 && !st.in_nad && st.line == NULL) {
            sedi_order_add_ref(o, sg_edi_value(seg, 1, 1),
                               sg_edi_value(seg, 1, 2));
        } else if (strcmp(t, "NAD") == 0 && st.line == NULL) {
            edf_nad(seg, o, &st);
        } else if (strcmp(t, "CUX") == 0 && st.line == NULL) {
            edf_cux(run, seg, o);
        } else if (strcmp(t, "LIN") == 0) {
            edf_lin(seg, o, &st);
        } else if (strcmp(t, "PIA") == 0) {
            edf_pia(seg, &st);
        } else if (strcmp(t, "IMD") == 0) {
            edf_imd(seg, &st);
        } else if (strcmp(t, "QTY") == 0) {
            edf_qty(run, seg, &st);
        } else if (strcmp(t, "PRI") == 0) {
            edf_pri(run, seg, &st);
        } else if (strcmp(t, "UNS") == 0) {
            st.line = NULL;
        } else if (strcmp(t, "CNT") == 0) {
            edf_cnt(run, seg, o);
        }
    }

    if (bgm == NULL) {
        sedi_diag(run, "supplier_edi.missing_bgm", &tx->segments[1], "BGM",
                  0, 0, "the ORDERS message has no BGM segment (expected "
                  "right after UNH, found %s)", tx->segments[1].tag);
    }
    if (o->date == NULL && dtm_seen == NULL) {
        sedi_diag(run, "supplier_edi.missing_date",
                  bgm != NULL ? bgm : &tx->segments[1], "DTM", 0, 0,
                  "the ORDERS message has no DTM+137 (order date)");
    }
    if (o->n_lines == 0) {
        sedi_diag(run, "supplier_edi.no_lines", end, "LIN", 0, 0,
                  "the ORDERS message has no LIN line item");
    }
    edf_check_lines(run, tx, o);

    /* No NAD+SU: the interchange sender is the supplier (see README). */
    if (o->supplier.id == NULL && o->supplier.name == NULL) {
        sedi_set(&o->supplier.id, tx->env.sender);
        sedi_set(&o->supplier.qualifier, tx->env.sender_qual);
    }
    sedi_party_settle(&o->supplier);
    sedi_party_settle(&o->buyer);
    sedi_party_settle(&o->ship_to);
    return run->n_errors == errors ? 0 : -1;
}
