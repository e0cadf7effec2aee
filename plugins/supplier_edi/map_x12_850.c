/*
 * map_x12_850.c - one X12 850 purchase order (004010, 005010 and the
 * older 003010 style) into the order model of supplier_edi.h.
 *
 * The reader (core/edi_x12.c) has already checked the envelopes and cut
 * the set into segments; here each segment is read for what the
 * canonical order needs, and every value that cannot be used is
 * reported with its segment, element and position.  Segments the order
 * does not need (ITD, TD5, PKG, PO4, SAC ...) are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supplier_edi.h"

/* What the current N1 loop fills, if anything. */
struct x12_state {
    struct sedi_party *party;
    struct sedi_line *line;     /* the current PO1 loop */
    int in_detail;              /* a PO1 has been seen */
    int delivery_rank;          /* rank of the DTM that set delivery */
};

static const struct {
    const char *code, *word;
} x12_purposes[] = {
    {"00", "original"}, {"01", "cancel"}, {"04", "change"},
    {"05", "replace"}, {"06", "confirmation"}, {"07", "duplicate"},
    {NULL, NULL}
}, x12_types[] = {
    {"SA", "sa"}, {"NE", "new"}, {"BK", "blanket"}, {"RL", "release"},
    {"DS", "dropship"}, {"CN", "consigned"}, {"RO", "rush"},
    {"KN", "crossdock"}, {NULL, NULL}
};

/* Requested delivery qualifiers (DTM01/374), most specific first. */
static const char *const x12_delivery_dates[] = {
    "002", "106", "074", "010", "037", "038", NULL
};

static void
x12_word(char **field, const char *code, int purpose)
{
    int i;

    for (i = 0; purpose ? x12_purposes[i].code != NULL
                        : x12_types[i].code != NULL; i++) {
        const char *c = purpose ? x12_purposes[i].code : x12_types[i].code;

        if (strcmp(c, code) == 0) {
            sedi_set(field, purpose ? x12_purposes[i].word
                                    : x12_types[i].word);
            return;
        }
    }
    /* Codes we have no word for still tell the rules something. */
    sedi_set(field, code);
}

/* A date element into *field; reports and returns -1 when it is bad. */
static int
x12_date(struct sedi_run *run, const struct sg_edi_segment *seg,
         int element, char **field)
{
    const char *v = sg_edi_value(seg, element, 1);
    char iso[11];

    if (sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a date (CCYYMMDD)", seg->tag,
                  element, v);
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

static void
x12_beg(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o)
{
    x12_word(&o->purpose, sg_edi_value(seg, 1, 1), 1);
    x12_word(&o->order_type, sg_edi_value(seg, 2, 1), 0);
    sedi_set(&o->number, sg_edi_value(seg, 3, 1));
    if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_order_number", seg, NULL, 3,
                  0, "BEG03 (purchase order number) is empty");
    }
    if (sg_edi_value(seg, 5, 1)[0] == '\0') {
        sedi_diag(run, "supplier_edi.missing_date", seg, NULL, 5, 0,
                  "BEG05 (purchase order date) is empty");
    } else {
        x12_date(run, seg, 5, &o->date);
    }
}

static void
x12_cur(struct sedi_run *run, const struct sg_edi_segment *seg,
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

static void
x12_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o, struct x12_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    int rank;

    for (rank = 0; x12_delivery_dates[rank] != NULL; rank++) {
        if (strcmp(q, x12_delivery_dates[rank]) == 0) {
            break;
        }
    }
    if (x12_delivery_dates[rank] == NULL) {
        return;
    }
    if (st->line != NULL) {
        if (st->line->requested_delivery == NULL) {
            x12_date(run, seg, 2, &st->line->requested_delivery);
        }
    } else if (o->requested_delivery == NULL || rank < st->delivery_rank) {
        if (x12_date(run, seg, 2, &o->requested_delivery) == 0) {
            st->delivery_rank = rank;
        }
    }
}

static void
x12_n1(const struct sg_edi_segment *seg, struct sedi_order *o,
       struct x12_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    if (strcmp(role, "SU") == 0 || strcmp(role, "SE") == 0 ||
        strcmp(role, "VN") == 0) {
        p = &o->supplier;
    } else if (strcmp(role, "BY") == 0) {
        p = &o->buyer;
    } else if (strcmp(role, "ST") == 0) {
        p = &o->ship_to;
    }
    st->party = sedi_x12_n1_take(seg, p) ? p : NULL;
}

/* A product ID pair (235 qualifier, 234 value) of PO1 into the line. */
static void
x12_product_id(struct sedi_line *l, const char *q, const char *v)
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
x12_po1(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_order *o, struct x12_state *st)
{
    struct sedi_line *l = sedi_order_add_line(o);
    const char *v;
    char running[24];
    int e;

    st->line = l;
    st->party = NULL;
    st->in_detail = 1;

    /* PO101 is optional; a running number keeps lines apart. */
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", o->n_lines);
        sedi_set(&l->number, running);
    }

    v = sg_edi_value(seg, 2, 1);
    if (sedi_decimal(v, '\0', &l->quantity) != 0 || l->quantity <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 2, 0,
                  "PO102 \"%s\" is not a positive quantity", v);
    } else {
        l->has_quantity = 1;
    }
    sedi_set(&l->unit, sg_edi_value(seg, 3, 1));

    v = sg_edi_value(seg, 4, 1);
    if (v[0] != '\0') {
        /* A negative price would lower the order's amount below an
         * approval threshold; no purchase order line costs less than
         * nothing. */
        if (sedi_decimal(v, '\0', &l->unit_price) != 0 ||
            l->unit_price < 0) {
            sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 4, 0,
                      "PO104 \"%s\" is not a unit price (a decimal of "
                      "zero or more)", v);
        } else {
            l->has_price = 1;
        }
    }

    for (e = 6; e + 1 <= seg->n_elements; e += 2) {
        x12_product_id(l, sg_edi_value(seg, e, 1),
                       sg_edi_value(seg, e + 1, 1));
    }
    sedi_set_first(&l->item, l->first_id);
    if (l->item == NULL) {
        sedi_diag(run, "supplier_edi.missing_item", seg, NULL, 7, 0,
                  "PO1 line %s has no product ID (PO106/PO107)",
                  l->number);
    }
}

static void
x12_pid(const struct sg_edi_segment *seg, struct x12_state *st)
{
    const char *type = sg_edi_value(seg, 1, 1);

    if (st->line == NULL || (type[0] != 'F' && type[0] != 'X')) {
        return;
    }
    /* A free-form PID beats the PO1 "PD" pair; the first PID wins. */
    if (!st->line->description_fixed) {
        const char *v = sg_edi_value(seg, 5, 1);

        if (v[0] != '\0') {
            sedi_set(&st->line->description, v);
            st->line->description_fixed = 1;
        }
    }
}

static void
x12_ctt(struct sedi_run *run, const struct sg_edi_segment *seg,
        const struct sedi_order *o)
{
    const char *v = sg_edi_value(seg, 1, 1);
    long long n;

    if (sedi_decimal(v, '\0', &n) != 0 ||
        n != (long long)o->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.ctt_count", seg, NULL, 1, 0,
                  "CTT01 says %s line items, the set has %zu PO1 "
                  "segments", v, o->n_lines);
    }
}

/* Envelope data into the order's source and the supplier fallback. */
static void
x12_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
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
 * Whoever posts an 850 here is the supplier's own system (vendor-managed
 * replenishment) or a relay acting for it, so with no N1 SU/SE/VN the
 * supplier is the interchange sender.
 */
static void
x12_supplier_fallback(const struct sg_edi_transaction *tx,
                      struct sedi_order *o)
{
    if (o->supplier.id != NULL || o->supplier.name != NULL) {
        return;
    }
    sedi_set(&o->supplier.id, tx->env.sender);
    sedi_set(&o->supplier.qualifier, tx->env.sender_qual);
}

int
sedi_map_x12_850(struct sedi_run *run, const struct sg_edi_transaction *tx,
                 struct sedi_order *o)
{
    struct x12_state st;
    const struct sg_edi_segment *beg = NULL, *end;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    x12_envelope(tx, o);
    if (tx->n_segments < 2) {
        return -1;
    }
    end = &tx->segments[tx->n_segments - 1];

    /* Segment 0 is ST and the last is SE: the reader checked both. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];
        const char *t = seg->tag;

        if (st.party != NULL && (strcmp(t, "N3") == 0 ||
                                 strcmp(t, "N4") == 0)) {
            sedi_x12_address(seg, st.party);
            continue;
        }
        if (strcmp(t, "N2") != 0 && strcmp(t, "PER") != 0 &&
            !(st.party != NULL && strcmp(t, "REF") == 0)) {
            st.party = NULL;
        }
        if (strcmp(t, "BEG") == 0 && beg == NULL) {
            beg = seg;
            x12_beg(run, seg, o);
        } else if (strcmp(t, "CUR") == 0 && !st.in_detail) {
            x12_cur(run, seg, o);
        } else if (strcmp(t, "REF") == 0 && st.party == NULL &&
                   !st.in_detail) {
            const char *v = sg_edi_value(seg, 2, 1);

            sedi_order_add_ref(o, sg_edi_value(seg, 1, 1),
                               v[0] != '\0' ? v : sg_edi_value(seg, 3, 1));
        } else if (strcmp(t, "DTM") == 0) {
            x12_dtm(run, seg, o, &st);
        } else if (strcmp(t, "N1") == 0 && !st.in_detail) {
            x12_n1(seg, o, &st);
        } else if (strcmp(t, "PO1") == 0) {
            x12_po1(run, seg, o, &st);
        } else if (strcmp(t, "PID") == 0) {
            x12_pid(seg, &st);
        } else if (strcmp(t, "CTT") == 0) {
            st.line = NULL;
            x12_ctt(run, seg, o);
        }
    }

    if (beg == NULL) {
        sedi_diag(run, "supplier_edi.missing_beg", &tx->segments[1], "BEG",
                  0, 0, "the 850 has no BEG segment (expected right after "
                  "ST, found %s)", tx->segments[1].tag);
    }
    if (o->n_lines == 0) {
        sedi_diag(run, "supplier_edi.no_lines", end, "PO1", 0, 0,
                  "the 850 has no PO1 line item");
    }
    x12_supplier_fallback(tx, o);
    sedi_party_settle(&o->supplier);
    sedi_party_settle(&o->buyer);
    sedi_party_settle(&o->ship_to);
    return run->n_errors == errors ? 0 : -1;
}
