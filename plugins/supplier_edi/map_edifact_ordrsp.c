/*
 * map_edifact_ordrsp.c - one UN/EDIFACT ORDRSP purchase order response
 * (D96A and the directories like it, EANCOM included) into the order
 * response model of response.h.
 *
 * The supplier answers our ORDERS: RFF+ON names the order answered, BGM
 * 1225 says what it did with it as a whole, and each LIN group repeats
 * an order line with its fate (LIN 1229), the quantity it will deliver
 * (QTY+113), its price (PRI) and dates (DTM).  The reader has removed
 * release characters; every value that cannot be used is reported at
 * its segment, element and component.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

struct ordrsp_state {
    struct sedi_party *party;   /* the current NAD group, if ours */
    int in_nad;                 /* inside any NAD group */
    int after_on;               /* the segment before was RFF+ON */
    struct sedi_line *line;     /* the current LIN group */
    struct sedi_answer *answer;
    int price_rank;             /* 0 none, 1 AAB gross, 2 AAA net */
    const struct sg_edi_segment *bgm;
};

struct ordrsp_code {
    const char *code, *word;
};

/* BGM 1225 as a purpose, as the ORDERS mapper writes it. */
static const struct ordrsp_code ordrsp_purposes[] = {
    {"9", "original"}, {"1", "cancel"}, {"3", "delete"}, {"4", "change"},
    {"5", "replace"}, {"6", "confirmation"}, {"7", "duplicate"},
    {"31", "copy"}, {NULL, NULL}
};

/* BGM 1225 codes that answer for the whole order. */
static const struct ordrsp_code ordrsp_answers[] = {
    {"27", SEDI_REJECTED},      /* not accepted */
    {"29", SEDI_ACCEPTED},      /* accepted without amendment */
    {"30", SEDI_CHANGED},       /* accepted with amendment */
    {"34", SEDI_CHANGED},       /* accepted with amendment, heading */
    {NULL, NULL}
};

/* BGM 4343 (response type), asked when 1225 does not answer. */
static const struct ordrsp_code ordrsp_response_types[] = {
    {"AP", SEDI_ACCEPTED},      /* accepted */
    {"CO", SEDI_ACCEPTED},      /* confirmed */
    {"NA", SEDI_ACCEPTED},      /* no acknowledgement needed */
    {"AC", SEDI_CHANGED},       /* acknowledge with detail and change */
    {"AI", SEDI_CHANGED},       /* acknowledge only changes */
    {"CA", SEDI_CHANGED},       /* conditionally accepted */
    {"RE", SEDI_REJECTED},      /* rejected */
    {"AB", SEDI_PENDING},       /* received, not yet judged */
    {NULL, NULL}
};

/*
 * LIN 1229 (action request): what became of one line.
 * XXX: other codes (8 schedule only, 9 amendments ...) are refused
 * (supplier_edi.bad_line_status); a partner sending them cannot answer
 * until this table knows them.
 */
static const struct ordrsp_code ordrsp_line_codes[] = {
    {"1", SEDI_CHANGED},        /* added */
    {"2", SEDI_REJECTED},       /* deleted */
    {"3", SEDI_CHANGED},        /* changed */
    {"4", SEDI_ACCEPTED},       /* no action: as ordered */
    {"5", SEDI_ACCEPTED},       /* accepted without amendment */
    {"6", SEDI_CHANGED},        /* accepted with amendment */
    {"7", SEDI_REJECTED},       /* not accepted */
    {"10", SEDI_REJECTED},      /* not found */
    {NULL, NULL}
};

/* DTM 2005 qualifiers that promise delivery or shipment: delivery
 * requested, promised for, estimated, current schedule, shipment
 * requested. */
static const char *const ordrsp_promise_dates[] = {
    "2", "69", "17", "67", "10", NULL
};

static const char *
ordrsp_lookup(const struct ordrsp_code *t, const char *code)
{
    for (; t->code != NULL; t++) {
        if (strcmp(t->code, code) == 0) {
            return t->word;
        }
    }
    return NULL;
}

/* DTM C507 2380 in format 2379 (102, 203, 204 or 101; the time is
 * dropped) into iso; reports and returns -1 when it is not a date. */
static int
ordrsp_date(struct sedi_run *run, const struct sg_edi_segment *seg,
            char iso[11])
{
    const char *v = sg_edi_value(seg, 1, 2);
    const char *fmt = sg_edi_value(seg, 1, 3);
    size_t want = 0;

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
    if (strlen(v) != want || sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 2,
                  "DTM %s \"%s\" is not a date in format %s",
                  sg_edi_value(seg, 1, 1), v, fmt[0] ? fmt : "102");
        return -1;
    }
    return 0;
}

/*
 * BGM: C002 1001, C106 1004 (the supplier's number), 1225, 4343.  The
 * answer is 1225 when it is one (27, 29, 30, 34), else 4343; the code
 * that gave it is the statusCode.
 */
static void
ordrsp_bgm(const struct sg_edi_segment *seg, struct sedi_response *r)
{
    const char *fn = sg_edi_value(seg, 3, 1);
    const char *type = sg_edi_value(seg, 4, 1), *word;

    sedi_set(&r->number, sg_edi_value(seg, 2, 1));
    sedi_set(&r->status_code, fn);
    r->status = ordrsp_lookup(ordrsp_answers, fn);
    if (r->status == NULL && type[0] != '\0') {
        r->status = ordrsp_lookup(ordrsp_response_types, type);
        if (r->status != NULL) {
            sedi_set(&r->status_code, type);
        }
    }
    word = ordrsp_lookup(ordrsp_purposes, fn);
    if (word != NULL) {
        sedi_set(&r->order.purpose, word);
    }
}

static void
ordrsp_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
           struct sedi_response *r, struct ordrsp_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    char iso[11];
    int i;

    if (st->after_on || strcmp(q, "4") == 0) {
        /* The date of the order answered (RFF+ON's DTM+171, DTM+4). */
        if (r->order.date == NULL && ordrsp_date(run, seg, iso) == 0) {
            sedi_set(&r->order.date, iso);
        }
        return;
    }
    if (strcmp(q, "137") == 0 && st->line == NULL) {
        if (r->date == NULL && ordrsp_date(run, seg, iso) == 0) {
            sedi_set(&r->date, iso);
        }
        return;
    }
    for (i = 0; ordrsp_promise_dates[i] != NULL; i++) {
        if (strcmp(q, ordrsp_promise_dates[i]) == 0) {
            break;
        }
    }
    if (ordrsp_promise_dates[i] != NULL && ordrsp_date(run, seg, iso) == 0) {
        sedi_set_later(st->answer != NULL ? &st->answer->promised
                                          : &r->promised, iso);
    }
}

/* RFF+ON is the order answered; other header RFF are references. */
static void
ordrsp_rff(const struct sg_edi_segment *seg, struct sedi_response *r,
           struct ordrsp_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);

    if (st->line != NULL || st->in_nad) {
        return;
    }
    if (strcmp(q, "ON") == 0 && r->order.number == NULL) {
        sedi_set(&r->order.number, v);
        st->after_on = 1;
    } else if (v[0] != '\0') {
        sedi_order_add_ref(&r->order, q, v);
    }
}

static void
ordrsp_cux(struct sedi_run *run, const struct sg_edi_segment *seg,
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

/* NAD: C082 id and agency, C080 name (else C058), C059, city, postcode,
 * country. */
static void
ordrsp_nad(const struct sg_edi_segment *seg, struct sedi_order *o,
           struct ordrsp_state *st)
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

/* One C212 item number (7140) of type 7143, as in ORDERS. */
static void
ordrsp_item(struct sedi_line *l, const char *id, const char *type)
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
ordrsp_lin(struct sedi_run *run, const struct sg_edi_segment *seg,
           struct sedi_response *r, struct ordrsp_state *st)
{
    struct sedi_line *l = sedi_response_add_line(r, &st->answer);
    const char *action = sg_edi_value(seg, 2, 1);
    char running[24];

    st->line = l;
    st->party = NULL;
    st->in_nad = 0;
    st->price_rank = 0;
    sedi_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        snprintf(running, sizeof(running), "%zu", r->order.n_lines);
        sedi_set(&l->number, running);
    }
    ordrsp_item(l, sg_edi_value(seg, 3, 1), sg_edi_value(seg, 3, 2));
    if (action[0] != '\0') {
        st->answer->status = ordrsp_lookup(ordrsp_line_codes, action);
        sedi_set(&st->answer->status_code, action);
        if (st->answer->status == NULL) {
            sedi_diag(run, "supplier_edi.bad_line_status", seg, NULL, 2, 0,
                      "LIN 1229 \"%s\" is not an action this plugin reads "
                      "(1 to 7, 10)", action);
        }
    }
}

static void
ordrsp_pia(const struct sg_edi_segment *seg, struct ordrsp_state *st)
{
    int e;

    for (e = 2; st->line != NULL && e <= 6; e++) {
        ordrsp_item(st->line, sg_edi_value(seg, e, 1),
                    sg_edi_value(seg, e, 2));
    }
}

/* IMD C273 7008: the first description wins. */
static void
ordrsp_imd(const struct sg_edi_segment *seg, struct ordrsp_state *st)
{
    const char *a = sg_edi_value(seg, 3, 4);

    if (st->line != NULL && st->line->description == NULL && a[0] != '\0') {
        sedi_set(&st->line->description, a);
    }
}

/* QTY+21 the ordered quantity, QTY+113 (or +12) what will be sent. */
static void
ordrsp_qty(struct sedi_run *run, const struct sg_edi_segment *seg,
           struct ordrsp_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    int ordered = strcmp(q, "21") == 0;
    long long n;

    if (st->line == NULL || (!ordered && strcmp(q, "113") != 0 &&
                             strcmp(q, "12") != 0)) {
        return;
    }
    if (sedi_decimal(v, ',', &n) != 0 || n < 0 || (ordered && n == 0)) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 1, 2,
                  "QTY+%s \"%s\" is not a %s quantity", q, v,
                  ordered ? "positive" : "zero or positive");
        return;
    }
    if (ordered) {
        st->line->quantity = n;
        st->line->has_quantity = 1;
        sedi_set(&st->line->unit, sg_edi_value(seg, 1, 3));
    } else if (!st->answer->has_confirmed) {
        st->answer->confirmed = n;
        st->answer->has_confirmed = 1;
        sedi_set(&st->answer->confirmed_unit, sg_edi_value(seg, 1, 3));
    }
}

/*
 * PRI C509: AAA (net) beats AAB (gross).
 * XXX: 5284 (unit price basis, "per 100") is not applied, as in ORDERS;
 * a price per hundred is compared with the ordered unit price as is.
 */
static void
ordrsp_pri(struct sedi_run *run, const struct sg_edi_segment *seg,
           struct ordrsp_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    int rank = strcmp(q, "AAA") == 0 ? 2 : strcmp(q, "AAB") == 0 ? 1 : 0;
    long long p;

    if (st->line == NULL || rank <= st->price_rank || v[0] == '\0') {
        return;
    }
    if (sedi_decimal(v, ',', &p) != 0 || p < 0) {
        sedi_diag(run, "supplier_edi.bad_price", seg, NULL, 1, 2,
                  "PRI %s \"%s\" is not a unit price (a decimal of zero or "
                  "more)", q, v);
        return;
    }
    st->line->unit_price = p;
    st->line->has_price = 1;
    st->price_rank = rank;
}

static void
ordrsp_cnt(struct sedi_run *run, const struct sg_edi_segment *seg,
           const struct sedi_order *o)
{
    const char *v = sg_edi_value(seg, 1, 2);
    long long n;

    if (strcmp(sg_edi_value(seg, 1, 1), "2") != 0) {
        return;
    }
    if (sedi_decimal(v, ',', &n) != 0 ||
        n != (long long)o->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.cnt_count", seg, NULL, 1, 2,
                  "CNT+2 says %s lines, the message has %zu LIN segments",
                  v, o->n_lines);
    }
}

/* One segment of the message, in order. */
static void
ordrsp_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
               struct sedi_response *r, struct ordrsp_state *st)
{
    const char *t = seg->tag;
    int after_on = st->after_on;

    st->after_on = 0;
    if (strcmp(t, "BGM") == 0 && st->bgm == NULL) {
        st->bgm = seg;
        ordrsp_bgm(seg, r);
    } else if (strcmp(t, "DTM") == 0) {
        st->after_on = after_on;
        ordrsp_dtm(run, seg, r, st);
        st->after_on = 0;
    } else if (strcmp(t, "RFF") == 0) {
        ordrsp_rff(seg, r, st);
    } else if (strcmp(t, "NAD") == 0 && st->line == NULL) {
        ordrsp_nad(seg, &r->order, st);
    } else if (strcmp(t, "CUX") == 0 && st->line == NULL) {
        ordrsp_cux(run, seg, &r->order);
    } else if (strcmp(t, "LIN") == 0) {
        ordrsp_lin(run, seg, r, st);
    } else if (strcmp(t, "PIA") == 0) {
        ordrsp_pia(seg, st);
    } else if (strcmp(t, "IMD") == 0) {
        ordrsp_imd(seg, st);
    } else if (strcmp(t, "QTY") == 0) {
        ordrsp_qty(run, seg, st);
    } else if (strcmp(t, "PRI") == 0) {
        ordrsp_pri(run, seg, st);
    } else if (strcmp(t, "UNS") == 0) {
        st->line = NULL;
        st->answer = NULL;
    } else if (strcmp(t, "CNT") == 0) {
        ordrsp_cnt(run, seg, &r->order);
    }
}

/*
 * With no BGM answer (1225 27, 29, 30, 34; 4343) the lines tell: all rejected
 * is a rejection, any line changed, rejected or pending is a change,
 * otherwise the order is accepted.
 */
static const char *
ordrsp_status_from_lines(const struct sedi_response *r)
{
    size_t i, rejected = 0, other = 0;

    for (i = 0; i < r->order.n_lines; i++) {
        const char *s = r->answers[i].status;

        if (s != NULL && strcmp(s, SEDI_REJECTED) == 0) {
            rejected++;
        } else if (s != NULL && strcmp(s, SEDI_ACCEPTED) != 0) {
            other++;
        }
    }
    if (rejected > 0 && rejected == r->order.n_lines) {
        return SEDI_REJECTED;
    }
    return rejected + other > 0 ? SEDI_CHANGED : SEDI_ACCEPTED;
}

static void
ordrsp_envelope(const struct sg_edi_transaction *tx, struct sedi_order *o)
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

int
sedi_map_edifact_ordrsp(struct sedi_run *run,
                        const struct sg_edi_transaction *tx,
                        struct sedi_response *r)
{
    struct sedi_order *o = &r->order;
    struct ordrsp_state st;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    ordrsp_envelope(tx, o);
    if (tx->n_segments < 2) {
        return -1;
    }
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        ordrsp_segment(run, &tx->segments[i], r, &st);
    }
    if (st.bgm == NULL) {
        sedi_diag(run, "supplier_edi.missing_bgm", &tx->segments[1], "BGM",
                  0, 0, "the ORDRSP has no BGM segment (expected right "
                  "after UNH, found %s)", tx->segments[1].tag);
    } else if (o->number == NULL) {
        sedi_diag(run, "supplier_edi.missing_order_number", st.bgm, "RFF",
                  1, 2, "no RFF+ON names the order this response answers");
    }
    if (r->status == NULL) {
        r->status = ordrsp_status_from_lines(r);
    }

    /* The answer comes from the supplier: without NAD+SU, the
     * interchange sender. */
    if (o->supplier.id == NULL && o->supplier.name == NULL) {
        sedi_set(&o->supplier.id, tx->env.sender);
        sedi_set(&o->supplier.qualifier, tx->env.sender_qual);
    }
    sedi_party_settle(&o->supplier);
    sedi_party_settle(&o->buyer);
    sedi_party_settle(&o->ship_to);
    return run->n_errors == errors ? 0 : -1;
}
