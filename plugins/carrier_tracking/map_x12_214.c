/*
 * map_x12_214.c - one X12 214 Transportation Carrier Shipment Status
 * Message into tracking events, one per AT7.
 *
 * The reader (core/edi_x12.c) has checked the envelopes; here the
 * heading gives what every status shares (B10 shipment and SCAC, L11
 * references with PO as the order, N1 parties) and each AT7 of the
 * LX detail loops becomes an event, with the MS1 after it as location.
 * Every event is checked before any is emitted: a bad code anywhere
 * rejects the whole message, so half a 214 is never recorded.
 *
 * XXX: the driver is read from an N1 loop with entity code "DR" (N1-02
 * name, else N1-04 id), our convention; X12 214 has no driver segment
 * of its own, and a carrier naming drivers elsewhere is not read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_tracking.h"

#define X214_MAX_EVENTS 100000

struct x214_state {
    struct ctrk_run *run;
    const struct sg_edi_transaction *tx;
    struct ctrk_event head;         /* what every status shares */
    struct ctrk_event *events;
    size_t n_events, cap;
    struct ctrk_event *current;     /* the AT7 being read */
    int lx_first;                   /* first event of the current LX */
    int errors;
};

static void
x214_envelope(struct ctrk_event *ev, const struct sg_edi_transaction *tx)
{
    const struct sg_edi_envelope *env = &tx->env;

    ev->sender = ctrk_partner(env->sender_qual, env->sender);
    ev->receiver = ctrk_partner(env->receiver_qual, env->receiver);
    ctrk_set(&ev->interchange, env->interchange_control);
    ctrk_set(&ev->group, env->group_control);
    ctrk_set(&ev->message, env->set_control);
    ctrk_set(&ev->message_type, env->set_type);
    ctrk_set(&ev->version, env->version);
}

static void
x214_b10(struct x214_state *st, const struct sg_edi_segment *seg)
{
    const char *pro = sg_edi_value(seg, 1, 1);
    const char *sid = sg_edi_value(seg, 2, 1);
    const char *scac = sg_edi_value(seg, 3, 1);

    /* B10-01 is the carrier's own number (PRO), what a customer quotes
     * when asking where the goods are; B10-02 is the shipper's. */
    ctrk_set(&st->head.shipment, pro[0] != '\0' ? pro : sid);
    if (pro[0] != '\0' && sid[0] != '\0') {
        ctrk_add_ref(&st->head, "shipper_id", sid);
    }
    if (scac[0] != '\0') {
        ctrk_set(&st->head.carrier_id, scac);
        ctrk_set(&st->head.carrier_qual, "scac");
    }
    if (st->head.shipment == NULL) {
        ctrk_diag(st->run, "carrier_tracking.missing_shipment", seg, NULL,
                  1, 0, "B10 names no shipment: B10-01 (carrier reference) "
                  "and B10-02 (shipment id) are both empty");
        st->errors++;
    }
}

/* An L11 in the heading (applies to all) or in an LX loop (to its
 * statuses). */
static void
x214_l11(struct x214_state *st, const struct sg_edi_segment *seg)
{
    const char *value = sg_edi_value(seg, 1, 1);
    const char *qual = sg_edi_value(seg, 2, 1);
    size_t i;

    if (st->n_events == 0 || st->lx_first < 0) {
        if (strcmp(qual, "PO") == 0) {
            ctrk_set(&st->head.order, value);
        } else {
            ctrk_add_ref(&st->head, qual, value);
        }
        return;
    }
    for (i = (size_t)st->lx_first; i < st->n_events; i++) {
        if (strcmp(qual, "PO") == 0) {
            ctrk_set(&st->events[i].order, value);
        } else {
            ctrk_add_ref(&st->events[i], qual, value);
        }
    }
}

static void
x214_n1(struct x214_state *st, const struct sg_edi_segment *seg)
{
    const char *who = sg_edi_value(seg, 1, 1);
    const char *name = sg_edi_value(seg, 2, 1);
    const char *id = sg_edi_value(seg, 4, 1);

    if (strcmp(who, "CA") == 0) {
        ctrk_set(&st->head.carrier_name, name);
        if (st->head.carrier_id == NULL && id[0] != '\0') {
            ctrk_set(&st->head.carrier_id, id);
            ctrk_set(&st->head.carrier_qual, sg_edi_value(seg, 3, 1));
        }
    } else if (strcmp(who, "DR") == 0) {
        ctrk_set(&st->head.driver, name[0] != '\0' ? name : id);
    }
}

/* The time of an AT7: date (5), time (6), time code (7). */
static int
x214_time(struct x214_state *st, const struct sg_edi_segment *seg,
          struct ctrk_event *ev)
{
    const char *date = sg_edi_value(seg, 5, 1);
    const char *time = sg_edi_value(seg, 6, 1);
    const char *code = sg_edi_value(seg, 7, 1);
    int parts[5], offset = 0, known = 0;
    char text[32];

    if (date[0] == '\0') {
        ctrk_diag(st->run, "carrier_tracking.missing_date", seg, NULL, 5, 0,
                  "AT7-05 (date of the status) is empty");
        return -1;
    }
    if (ctrk_datetime(date, "", 0, 0, text, parts) != 0) {
        ctrk_diag(st->run, "carrier_tracking.bad_date", seg, NULL, 5, 0,
                  "AT7-05 \"%s\" is not a date (CCYYMMDD)", date);
        return -1;
    }
    if (ctrk_datetime(date, time, 0, 0, text, parts) != 0) {
        ctrk_diag(st->run, "carrier_tracking.bad_time", seg, NULL, 6, 0,
                  "AT7-06 \"%s\" is not a time (HHMM or HHMMSS)", time);
        return -1;
    }
    if (code[0] != '\0') {
        if (ctrk_x12_zone(code, parts[0], parts[1], parts[2], parts[3],
                          parts[4], &offset, &known) != 0) {
            ctrk_diag(st->run, "carrier_tracking.unknown_time_code", seg,
                      NULL, 7, 0, "AT7-07 time code \"%s\" is not in the "
                      "X12 623 table (codes.c)", code);
            return -1;
        }
        ctrk_set(&ev->zone, code);
    }
    ctrk_datetime(date, time, known, offset, text, parts);
    ctrk_set(&ev->time, text);
    return 0;
}

static struct ctrk_event *
x214_new_event(struct x214_state *st)
{
    if (st->n_events == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 4;
        st->events = sg_xrealloc(st->events, st->cap * sizeof(*st->events));
    }
    return &st->events[st->n_events];
}

static void
x214_at7(struct x214_state *st, const struct sg_edi_segment *seg)
{
    const char *code = sg_edi_value(seg, 1, 1);
    const char *reason = sg_edi_value(seg, 2, 1);
    struct ctrk_event *ev;
    int damaged = 0;
    const char *status = ctrk_x12_status(code, &damaged);
    const char *why = reason[0] != '\0' ? ctrk_x12_reason(reason) : NULL;

    st->current = NULL;
    if (code[0] == '\0') {
        ctrk_diag(st->run, "carrier_tracking.missing_status", seg, NULL, 1,
                  0, "AT7-01 (shipment status code) is empty; "
                  "appointment statuses (AT7-03) are not tracked");
        st->errors++;
        return;
    }
    if (status == NULL) {
        ctrk_diag(st->run, "carrier_tracking.unknown_status", seg, NULL, 1,
                  0, "AT7-01 shipment status code \"%s\" is not in the "
                  "X12 1650 table (codes.c)", code);
        st->errors++;
        return;
    }
    if (reason[0] != '\0' && why == NULL) {
        ctrk_diag(st->run, "carrier_tracking.unknown_reason", seg, NULL, 2,
                  0, "AT7-02 status reason code \"%s\" is not in the X12 "
                  "1651 table (codes.c)", reason);
        st->errors++;
        return;
    }
    if (st->n_events >= X214_MAX_EVENTS) {
        st->errors++;
        return;
    }
    ev = x214_new_event(st);
    ctrk_event_copy_header(ev, &st->head);
    ev->status = status;
    ctrk_set(&ev->status_code, code);
    ev->code_list = "x12-1650";
    ev->reason = why;
    ctrk_set(&ev->reason_code, reason[0] != '\0' ? reason : NULL);
    ev->damaged = damaged;
    if (x214_time(st, seg, ev) != 0) {
        ctrk_event_free(ev);
        st->errors++;
        return;
    }
    st->n_events++;
    ev->sequence = (long)st->n_events;
    st->current = ev;
}

static void
x214_ms1(struct x214_state *st, const struct sg_edi_segment *seg)
{
    struct ctrk_event *ev = st->current;

    if (ev == NULL) {
        return;
    }
    ctrk_set(&ev->loc_city, sg_edi_value(seg, 1, 1));
    ctrk_set(&ev->loc_region, sg_edi_value(seg, 2, 1));
    ctrk_set(&ev->loc_country, sg_edi_value(seg, 3, 1));
}

/* Heading values reach events made before them only through here. */
static void
x214_fill(struct x214_state *st, struct ctrk_event *ev)
{
    if (ev->carrier_id == NULL && st->head.carrier_id != NULL) {
        ctrk_set(&ev->carrier_id, st->head.carrier_id);
        ctrk_set(&ev->carrier_qual, st->head.carrier_qual);
    }
    if (ev->carrier_id == NULL && ev->sender != NULL) {
        /* No SCAC: the interchange sender is the carrier. */
        ctrk_set(&ev->carrier_id, ev->sender);
        ctrk_set(&ev->carrier_qual, "sender");
    }
}

int
ctrk_map_x12_214(struct ctrk_run *run, const struct sg_edi_transaction *tx)
{
    struct x214_state st;
    const struct sg_edi_segment *seg, *se = NULL;
    size_t i;

    memset(&st, 0, sizeof(st));
    st.run = run;
    st.tx = tx;
    st.lx_first = -1;
    ctrk_event_init(&st.head, "x12");
    x214_envelope(&st.head, tx);

    for (i = 0; i < tx->n_segments && !run->stop; i++) {
        seg = &tx->segments[i];
        if (strcmp(seg->tag, "B10") == 0) {
            x214_b10(&st, seg);
        } else if (strcmp(seg->tag, "L11") == 0) {
            x214_l11(&st, seg);
        } else if (strcmp(seg->tag, "N1") == 0) {
            x214_n1(&st, seg);
        } else if (strcmp(seg->tag, "LX") == 0) {
            st.lx_first = (int)st.n_events;
            st.current = NULL;
        } else if (strcmp(seg->tag, "AT7") == 0) {
            x214_at7(&st, seg);
        } else if (strcmp(seg->tag, "MS1") == 0) {
            x214_ms1(&st, seg);
        } else if (strcmp(seg->tag, "SE") == 0) {
            se = seg;
        }
    }
    if (st.head.shipment == NULL && st.errors == 0) {
        ctrk_diag(run, "carrier_tracking.missing_b10", tx->n_segments > 0
                  ? &tx->segments[0] : NULL, "B10", 0, 0, "the 214 has no "
                  "B10 segment naming the shipment");
        st.errors++;
    }
    if (st.n_events == 0 && st.errors == 0) {
        ctrk_diag(run, "carrier_tracking.no_status", se, NULL, 0, 0,
                  "the 214 carries no AT7 shipment status");
        st.errors++;
    }
    for (i = 0; i < st.n_events; i++) {
        if (st.errors == 0 && !run->stop) {
            x214_fill(&st, &st.events[i]);
            ctrk_emit(run, &st.events[i]);
        }
        ctrk_event_free(&st.events[i]);
    }
    free(st.events);
    ctrk_event_free(&st.head);
    return st.errors == 0 ? 0 : -1;
}
