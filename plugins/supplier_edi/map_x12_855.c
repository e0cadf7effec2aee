/*
 * map_x12_855.c - one X12 855 purchase order acknowledgment (004010 and
 * the versions like it) into the order response model of response.h.
 *
 * The supplier answers our order: BAK says which order (BAK03) and what
 * it did with it as a whole (BAK02), each PO1 loop repeats an order line
 * and its ACK segments say what became of that line (ACK01), how much
 * is confirmed (ACK02) and when (ACK05; SCH or DTM in the loop say it
 * too).  Every value that cannot be used is reported at its segment and
 * element.  Segments an answer does not need (PER, FOB, TD5, SAC ...)
 * are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

struct x855_state {
    struct sedi_party *party;   /* the current N1 loop's, if one of ours */
    struct sedi_line *line;     /* the current PO1 loop */
    struct sedi_answer *answer;
    int n_acks;                 /* ACK segments in the current PO1 loop */
};

struct x855_code {
    const char *code, *word;
};

/* BAK01 (353), as the 850 mapper writes BEG01. */
static const struct x855_code x855_purposes[] = {
    {"00", "original"}, {"01", "cancel"}, {"04", "change"},
    {"05", "replace"}, {"06", "confirmation"}, {"07", "duplicate"},
    {NULL, NULL}
};

/* BAK02 (587): what the supplier did with the whole order. */
static const struct x855_code x855_ack_types[] = {
    {"AC", SEDI_CHANGED},       /* with detail and change */
    {"AD", SEDI_ACCEPTED},      /* with detail, no change */
    {"AE", SEDI_CHANGED},       /* with exception detail only */
    {"AH", SEDI_PENDING},       /* hold status */
    {"AK", SEDI_ACCEPTED},      /* no detail or change */
    {"AP", SEDI_ACCEPTED},      /* product replenishment */
    {"AT", SEDI_ACCEPTED},      /* accepted */
    {"NA", SEDI_ACCEPTED},      /* no acknowledgment needed */
    {"RD", SEDI_REJECTED},      /* reject with detail */
    {"RF", SEDI_REJECTED},      /* reject with exception detail only */
    {"RJ", SEDI_REJECTED},      /* rejected, no detail */
    {"RO", SEDI_CHANGED},       /* rejected with counter offer */
    {"ZZ", SEDI_PENDING},       /* mutually defined: someone must look */
    {NULL, NULL}
};

/* ACK01 (668): what became of one line. */
static const struct x855_code x855_line_codes[] = {
    {"AC", SEDI_ACCEPTED}, {"AR", SEDI_ACCEPTED}, {"IA", SEDI_ACCEPTED},
    {"BP", SEDI_CHANGED}, {"DR", SEDI_CHANGED}, {"IB", SEDI_CHANGED},
    {"IC", SEDI_CHANGED}, {"IP", SEDI_CHANGED}, {"IQ", SEDI_CHANGED},
    {"IS", SEDI_CHANGED}, {"SP", SEDI_CHANGED},
    {"ID", SEDI_REJECTED}, {"IR", SEDI_REJECTED}, {"R1", SEDI_REJECTED},
    {"R2", SEDI_REJECTED}, {"R3", SEDI_REJECTED}, {"R4", SEDI_REJECTED},
    {"IE", SEDI_PENDING}, {"IF", SEDI_PENDING}, {"IH", SEDI_PENDING},
    {"IW", SEDI_PENDING},
    {NULL, NULL}
};

/* Dates that promise delivery or shipment (374), in the header or a
 * PO1 loop: current schedule delivery and ship, estimated delivery,
 * promised for delivery, delivery requested. */
static const char *const x855_promise_dates[] = {
    "067", "068", "017", "069", "002", NULL
};

static const char *
x855_lookup(const struct x855_code *table, const char *code)
{
    for (; table->code != NULL; table++) {
        if (strcmp(table->code, code) == 0) {
            return table->word;
        }
    }
    return NULL;
}

/* A date element as ISO into *iso; reports and returns -1 when bad. */
static int
x855_date(struct sedi_run *run, const struct sg_edi_segment *seg,
          int element, char iso[11])
{
    const char *v = sg_edi_value(seg, element, 1);

    if (sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a date (CCYYMMDD)", seg->tag,
                  element, v);
        return -1;
    }
    return 0;
}

static void
x855_bak(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_response *r)
{
    struct sedi_order *o = &r->order;
    const char *purpose = sg_edi_value(seg, 1, 1);
    const char *type = sg_edi_value(seg, 2, 1), *word;
    char iso[11];

    word = x855_lookup(x855_purposes, purpose);
    sedi_set(&o->purpose, word != NULL ? word : purpose);
    r->status = x855_lookup(x855_ack_types, type);
    sedi_set(&r->status_code, type);
    if (r->status == NULL) {
        sedi_diag(run, "supplier_edi.bad_ack_type", seg, NULL, 2, 0,
                  "BAK02 \"%s\" is not an acknowledgment type (AC, AD, "
                  "AE, AH, AK, AP, AT, NA, RD, RF, RJ, RO, ZZ)", type);
    }
    sedi_set(&o->number, sg_edi_value(seg, 3, 1));
    if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_order_number", seg, NULL, 3,
                  0, "BAK03 (purchase order number) is empty");
    }
    if (sg_edi_value(seg, 4, 1)[0] == '\0') {
        sedi_diag(run, "supplier_edi.missing_date", seg, NULL, 4, 0,
                  "BAK04 (purchase order date) is empty");
    } else if (x855_date(run, seg, 4, iso) == 0) {
        sedi_set(&o->date, iso);
    }
    sedi_set(&r->number, sg_edi_value(seg, 8, 1));
    if (sg_edi_value(seg, 9, 1)[0] != '\0' &&
        x855_date(run, seg, 9, iso) == 0) {
        sedi_set(&r->date, iso);
    }
}

static void
x855_cur(struct sedi_run *run, const struct sg_edi_segment *seg,
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

/* DTM in the header or a PO1 loop: a promised date. */
static void
x855_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_response *r, struct x855_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    char iso[11];
    int i;

    for (i = 0; x855_promise_dates[i] != NULL; i++) {
        if (strcmp(q, x855_promise_dates[i]) == 0) {
            break;
        }
    }
    if (x855_promise_dates[i] == NULL ||
        x855_date(run, seg, 2, iso) != 0) {
        return;
    }
    sedi_set_later(st->answer != NULL ? &st->answer->promised
                                      : &r->promised, iso);
}

static void
x855_n1(const struct sg_edi_segment *seg, struct sedi_order *o,
        struct x855_state *st)
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

/* Product ID pairs (235, 234) from element first on, as in the 850. */
static void
x855_product_ids(const struct sg_edi_segment *seg, int first, int last,
                 struct sedi_line *l)
{
    int e;

    for (e = first; e + 1 <= last && e + 1 <= seg->n_elements; e += 2) {
        const char *q = sg_edi_value(seg, e, 1);
        const char *v = sg_edi_value(seg, e + 1, 1);
        size_t n = strlen(v);

        if (v[0] == '\0') {
            continue;
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
        }
    }
}

/* A quantity element: 0 and *out set, 1 when empty, -1 reported. */
static int
x855_quantity(struct sedi_run *run, const struct sg_edi_segment *seg,
              int element, int zero_ok, long long *out)
{
    const char *v = sg_edi_value(seg, element, 1);

    if (v[0] == '\0') {
        return 1;
    }
    if (sedi_decimal(v, '\0', out) != 0 || *out < 0 ||
        (*out == 0 && !zero_ok)) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a %s quantity", seg->tag,
                  element, v, zero_ok ? "zero or positive" : "positive");
        return -1;
    }
    return 0;
}

static void
x855_po1(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_response *r, struct x855_state *st)
{
    struct sedi_line *l = sedi_response_add_line(r, &st->answer);
    const char *v;
    char running[24];

    st->line = l;
    st->party = NULL;
    st->n_acks = 0;

    /* PO101 is the order line answered; a running number otherwise. */
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", r->order.n_lines);
        sedi_set(&l->number, running);
    }
    l->has_quantity = x855_quantity(run, seg, 2, 0, &l->quantity) == 0;
    sedi_set(&l->unit, sg_edi_value(seg, 3, 1));

    v = sg_edi_value(seg, 4, 1);
    if (v[0] != '\0') {
        if (sedi_decimal(v, '\0', &l->unit_price) != 0 ||
            l->unit_price < 0) {
            sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 4, 0,
                      "PO104 \"%s\" is not a unit price (a decimal of "
                      "zero or more)", v);
        } else {
            l->has_price = 1;
        }
    }
    x855_product_ids(seg, 6, 25, l);
    sedi_set_first(&l->item, l->first_id);
}

static void
x855_pid(const struct sg_edi_segment *seg, struct x855_state *st)
{
    const char *type = sg_edi_value(seg, 1, 1);
    const char *v = sg_edi_value(seg, 5, 1);

    if (st->line != NULL && (type[0] == 'F' || type[0] == 'X') &&
        st->line->description == NULL && v[0] != '\0') {
        sedi_set(&st->line->description, v);
    }
}

/*
 * ACK: the line's fate.  A line may carry several (part now, the rest
 * later): the quantities add up, the latest date is the promise, and
 * ACKs that disagree make the line "changed".
 */
static void
x855_ack(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct x855_state *st)
{
    struct sedi_answer *a = st->answer;
    const char *code = sg_edi_value(seg, 1, 1), *status;
    long long q;
    char iso[11];

    if (a == NULL) {
        return;
    }
    status = x855_lookup(x855_line_codes, code);
    if (status == NULL) {
        sedi_diag(run, "supplier_edi.bad_line_status", seg, NULL, 1, 0,
                  "ACK01 \"%s\" is not a line item status code", code);
        return;
    }
    if (st->n_acks++ == 0) {
        a->status = status;
        sedi_set(&a->status_code, code);
    } else if (strcmp(a->status, status) != 0) {
        a->status = SEDI_CHANGED;
    }
    if (x855_quantity(run, seg, 2, 1, &q) == 0) {
        a->confirmed += q;
        a->has_confirmed = 1;
        sedi_set_first(&a->confirmed_unit, sg_edi_value(seg, 3, 1));
    }
    if (sg_edi_value(seg, 5, 1)[0] != '\0' &&
        x855_date(run, seg, 5, iso) == 0) {
        sedi_set_later(&a->promised, iso);
    }
    x855_product_ids(seg, 7, 26, st->line);
    sedi_set_first(&st->line->item, st->line->first_id);
}

/* SCH: a scheduled quantity and its date, a promise too. */
static void
x855_sch(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct x855_state *st)
{
    char iso[11];

    if (st->answer != NULL && sg_edi_value(seg, 6, 1)[0] != '\0' &&
        x855_date(run, seg, 6, iso) == 0) {
        sedi_set_later(&st->answer->promised, iso);
    }
}

static void
x855_ctt(struct sedi_run *run, const struct sg_edi_segment *seg,
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

static void
x855_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
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

/* One segment of the set, in order. */
static void
x855_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
             struct sedi_response *r, struct x855_state *st,
             const struct sg_edi_segment **bak)
{
    struct sedi_order *o = &r->order;
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
    if (strcmp(t, "BAK") == 0 && *bak == NULL) {
        *bak = seg;
        x855_bak(run, seg, r);
    } else if (strcmp(t, "CUR") == 0 && st->line == NULL) {
        x855_cur(run, seg, o);
    } else if (strcmp(t, "REF") == 0 && st->party == NULL &&
               st->line == NULL) {
        const char *v = sg_edi_value(seg, 2, 1);

        sedi_order_add_ref(o, sg_edi_value(seg, 1, 1),
                           v[0] != '\0' ? v : sg_edi_value(seg, 3, 1));
    } else if (strcmp(t, "DTM") == 0) {
        x855_dtm(run, seg, r, st);
    } else if (strcmp(t, "N1") == 0 && st->line == NULL) {
        x855_n1(seg, o, st);
    } else if (strcmp(t, "PO1") == 0) {
        x855_po1(run, seg, r, st);
    } else if (strcmp(t, "PID") == 0) {
        x855_pid(seg, st);
    } else if (strcmp(t, "ACK") == 0) {
        x855_ack(run, seg, st);
    } else if (strcmp(t, "SCH") == 0) {
        x855_sch(run, seg, st);
    } else if (strcmp(t, "CTT") == 0) {
        st->line = NULL;
        st->answer = NULL;
        x855_ctt(run, seg, o);
    }
}

int
sedi_map_x12_855(struct sedi_run *run, const struct sg_edi_transaction *tx,
                 struct sedi_response *r)
{
    struct sedi_order *o = &r->order;
    const struct sg_edi_segment *bak = NULL;
    struct x855_state st;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    x855_envelope(tx, o);
    if (tx->n_segments < 2) {
        return -1;
    }
    /* Segment 0 is ST and the last is SE: the reader checked both. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        x855_segment(run, &tx->segments[i], r, &st, &bak);
    }
    if (bak == NULL) {
        sedi_diag(run, "supplier_edi.missing_bak", &tx->segments[1], "BAK",
                  0, 0, "the 855 has no BAK segment (expected right after "
                  "ST, found %s)", tx->segments[1].tag);
    }

    /* The answer comes from the supplier: with no N1 SU/SE/VN, the
     * interchange sender is the one answering. */
    if (o->supplier.id == NULL && o->supplier.name == NULL) {
        sedi_set(&o->supplier.id, tx->env.sender);
        sedi_set(&o->supplier.qualifier, tx->env.sender_qual);
    }
    sedi_party_settle(&o->supplier);
    sedi_party_settle(&o->buyer);
    sedi_party_settle(&o->ship_to);
    return run->n_errors == errors ? 0 : -1;
}
