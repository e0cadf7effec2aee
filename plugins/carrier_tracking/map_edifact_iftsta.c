/*
 * map_edifact_iftsta.c - one EDIFACT IFTSTA (international multimodal
 * status report) into tracking events, one per STS.
 *
 * The heading gives what every status shares: NAD+CA the carrier, RFF
 * references (CO or ON the buyer's order).  Each CNI opens a
 * consignment (its C503 document number is the shipment), and each STS
 * under it is a status whose scope runs to the next STS, CNI or UNT:
 * its RFF, DTM+334 (when the status happened) and first LOC belong to
 * it.  As for the 214, every status is checked before any is emitted.
 *
 * XXX: only the STS event codes of the EANCOM IFTSTA subset are mapped
 * (codes.c); carriers using UN/ECE Recommendation 24 codes or their own
 * lists get unknown_status until the table grows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carrier_tracking.h"

struct iftsta_state {
    struct ctrk_run *run;
    struct ctrk_event head;         /* heading: carrier, references */
    struct ctrk_event cons;         /* the current consignment (CNI) */
    const struct sg_edi_segment *cni;
    struct ctrk_event *events;
    size_t n_events, cap;
    struct ctrk_event *current;     /* the STS being read */
    const struct sg_edi_segment *current_sts;
    int has_time, has_loc;
    int errors;
};

static void
iftsta_envelope(struct ctrk_event *ev, const struct sg_edi_transaction *tx)
{
    const struct sg_edi_envelope *env = &tx->env;

    ev->sender = ctrk_partner(env->sender_qual, env->sender);
    ev->receiver = ctrk_partner(env->receiver_qual, env->receiver);
    ctrk_set(&ev->interchange, env->interchange_control);
    ctrk_set(&ev->group, env->group_control[0] ? env->group_control : NULL);
    ctrk_set(&ev->message, env->set_control);
    ctrk_set(&ev->message_type, env->set_type);
    ctrk_set(&ev->version, env->version);
}

/* RFF+qual:value into ev: the buyer's order, or a reference. */
static void
iftsta_rff(struct ctrk_event *ev, const struct sg_edi_segment *seg)
{
    const char *qual = sg_edi_value(seg, 1, 1);
    const char *value = sg_edi_value(seg, 1, 2);

    if (strcmp(qual, "CO") == 0 || strcmp(qual, "ON") == 0) {
        ctrk_set(&ev->order, value);
    } else {
        ctrk_add_ref(ev, qual, value);
    }
}

/* The value of reference qual in ev, or NULL. */
static const char *
iftsta_ref(const struct ctrk_event *ev, const char *qual)
{
    int i;

    for (i = 0; i < ev->n_refs; i++) {
        if (strcmp(ev->ref_qual[i], qual) == 0) {
            return ev->ref_value[i];
        }
    }
    return NULL;
}

static void
iftsta_nad(struct iftsta_state *st, const struct sg_edi_segment *seg)
{
    if (strcmp(sg_edi_value(seg, 1, 1), "CA") != 0) {
        return;
    }
    ctrk_set(&st->head.carrier_id, sg_edi_value(seg, 2, 1));
    ctrk_set(&st->head.carrier_qual, sg_edi_value(seg, 2, 3));
    ctrk_set(&st->head.carrier_name, sg_edi_value(seg, 4, 1));
    if (st->head.carrier_name == NULL) {
        ctrk_set(&st->head.carrier_name, sg_edi_value(seg, 3, 1));
    }
}

static void
iftsta_cni(struct iftsta_state *st, const struct sg_edi_segment *seg)
{
    ctrk_event_free(&st->cons);
    ctrk_event_copy_header(&st->cons, &st->head);
    ctrk_set(&st->cons.shipment, sg_edi_value(seg, 2, 1));
    st->cni = seg;
    st->current = NULL;
}

/* Close the status being read: it needs a time and a shipment. */
static void
iftsta_close(struct iftsta_state *st)
{
    struct ctrk_event *ev = st->current;
    const char *id;

    if (ev == NULL) {
        return;
    }
    st->current = NULL;
    if (ev->shipment == NULL) {
        /* No CNI document number: the consignment or bill of lading
         * number of the status, then of the heading. */
        id = iftsta_ref(ev, "CN");
        id = id != NULL ? id : iftsta_ref(ev, "BM");
        ctrk_set(&ev->shipment, id);
    }
    if (ev->shipment == NULL) {
        ctrk_diag(st->run, "carrier_tracking.missing_shipment",
                  st->cni != NULL ? st->cni : st->current_sts, NULL, 2, 1,
                  "the status names no shipment: no CNI document number, "
                  "no RFF+CN and no RFF+BM");
        st->errors++;
    } else if (!st->has_time) {
        ctrk_diag(st->run, "carrier_tracking.missing_time",
                  st->current_sts, NULL, 0, 0, "the STS has no DTM+334 "
                  "(status change date/time) before the next status");
        st->errors++;
    } else {
        st->n_events++;
        ev->sequence = (long)st->n_events;
        return;
    }
    ctrk_event_free(ev);
}

static void
iftsta_sts(struct iftsta_state *st, const struct sg_edi_segment *seg)
{
    const char *code = sg_edi_value(seg, 2, 1);
    const char *agency = sg_edi_value(seg, 2, 3);
    const char *reason = sg_edi_value(seg, 3, 1);
    const char *status, *why = NULL;
    struct ctrk_event *ev;
    int damaged = 0;

    iftsta_close(st);
    st->current_sts = seg;
    status = ctrk_edifact_status(code, &damaged);
    if (code[0] == '\0') {
        ctrk_diag(st->run, "carrier_tracking.missing_status", seg, NULL, 2,
                  1, "STS has no status event code (C555, first "
                  "component)");
        st->errors++;
        return;
    }
    if (status == NULL) {
        ctrk_diag(st->run, "carrier_tracking.unknown_status", seg, NULL, 2,
                  1, "STS status event code \"%s\"%s%s%s is not in the "
                  "EDIFACT status table (codes.c)", code,
                  agency[0] ? " (code list agency " : "", agency,
                  agency[0] ? ")" : "");
        st->errors++;
        return;
    }
    if (reason[0] != '\0' && (why = ctrk_edifact_reason(reason)) == NULL) {
        ctrk_diag(st->run, "carrier_tracking.unknown_reason", seg, NULL, 3,
                  1, "STS status reason code \"%s\" is not in the EDIFACT "
                  "reason table (codes.c)", reason);
        st->errors++;
        return;
    }
    if (st->n_events == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 4;
        st->events = sg_xrealloc(st->events, st->cap * sizeof(*st->events));
    }
    ev = &st->events[st->n_events];
    ctrk_event_copy_header(ev, st->cni != NULL ? &st->cons : &st->head);
    ev->status = status;
    ctrk_set(&ev->status_code, code);
    ev->code_list = "edifact-4405";
    ev->reason = why;
    ctrk_set(&ev->reason_code, reason[0] ? reason : NULL);
    ev->damaged = damaged;
    st->current = ev;
    st->has_time = 0;
    st->has_loc = 0;
}

/* The status being read is bad and already reported: forget it. */
static void
iftsta_drop(struct iftsta_state *st)
{
    ctrk_event_free(st->current);
    st->current = NULL;
    st->errors++;
}

/*
 * The zone part of formats 303/304: "+01", "-0530", "+05:30", "Z",
 * "UTC" or "GMT".  Returns 0 with the offset in minutes, or -1.
 */
static int
iftsta_zone(const char *z, int *offset)
{
    int h, m = 0, sign;
    size_t n = strlen(z);

    if (strcmp(z, "Z") == 0 || strcmp(z, "UTC") == 0 ||
        strcmp(z, "GMT") == 0) {
        *offset = 0;
        return 0;
    }
    if (n < 3 || (z[0] != '+' && z[0] != '-')) {
        return -1;
    }
    sign = z[0] == '-' ? -1 : 1;
    if (sscanf(z + 1, "%2d", &h) != 1) {
        return -1;
    }
    if (n == 5 && sscanf(z + 3, "%2d", &m) != 1) {
        return -1;
    }
    if (n == 6 && (z[3] != ':' || sscanf(z + 4, "%2d", &m) != 1)) {
        return -1;
    }
    if ((n != 3 && n != 5 && n != 6) || h > 14 || m > 59) {
        return -1;
    }
    *offset = sign * (h * 60 + m);
    return 0;
}

static void
iftsta_dtm(struct iftsta_state *st, const struct sg_edi_segment *seg)
{
    const char *qual = sg_edi_value(seg, 1, 1);
    const char *value = sg_edi_value(seg, 1, 2);
    const char *format = sg_edi_value(seg, 1, 3);
    struct ctrk_event *ev = st->current;
    char date[9], time[8], zone[8], text[32];
    int parts[5], offset = 0, zoned, ok = -1;
    size_t tlen;

    if (ev == NULL || strcmp(qual, "334") != 0 || st->has_time) {
        return;
    }
    zoned = strcmp(format, "303") == 0 || strcmp(format, "304") == 0;
    tlen = strcmp(format, "102") == 0 ? 0
           : (strcmp(format, "203") == 0 || strcmp(format, "303") == 0)
             ? 4 : 6;
    if (strcmp(format, "102") == 0 || strcmp(format, "203") == 0 ||
        strcmp(format, "204") == 0 || zoned) {
        if (strlen(value) >= 8 + tlen && strlen(value) < 8 + tlen + 7) {
            memcpy(date, value, 8);
            date[8] = '\0';
            memcpy(time, value + 8, tlen);
            time[tlen] = '\0';
            snprintf(zone, sizeof(zone), "%s", value + 8 + tlen);
            ok = (zoned || zone[0] == '\0') &&
                 (!zoned || iftsta_zone(zone, &offset) == 0) &&
                 ctrk_datetime(date, time, zoned, offset, text, parts) == 0
                 ? 0 : -1;
        }
    } else {
        ctrk_diag(st->run, "carrier_tracking.unknown_time_format", seg,
                  NULL, 1, 3, "DTM+334 format \"%s\" is not one of 102, "
                  "203, 204, 303, 304", format);
        iftsta_drop(st);
        return;
    }
    if (ok != 0) {
        ctrk_diag(st->run, "carrier_tracking.bad_time", seg, NULL, 1, 2,
                  "DTM+334 \"%s\" does not fit format %s", value, format);
        iftsta_drop(st);
        return;
    }
    ctrk_set(&ev->time, text);
    ctrk_set(&ev->zone, zoned ? zone : NULL);
    st->has_time = 1;
}

static void
iftsta_loc(struct iftsta_state *st, const struct sg_edi_segment *seg)
{
    struct ctrk_event *ev = st->current;

    if (ev == NULL || st->has_loc) {
        return;
    }
    ctrk_set(&ev->loc_code, sg_edi_value(seg, 2, 1));
    ctrk_set(&ev->loc_name, sg_edi_value(seg, 2, 4));
    /* A UN/LOCODE starts with the ISO country code. */
    if (ev->loc_code != NULL && strlen(ev->loc_code) == 5) {
        char country[3];

        memcpy(country, ev->loc_code, 2);
        country[2] = '\0';
        ctrk_set(&ev->loc_country, country);
    }
    st->has_loc = 1;
}

int
ctrk_map_edifact_iftsta(struct ctrk_run *run,
                        const struct sg_edi_transaction *tx)
{
    struct iftsta_state st;
    const struct sg_edi_segment *seg, *unt = NULL;
    size_t i;

    memset(&st, 0, sizeof(st));
    st.run = run;
    ctrk_event_init(&st.head, "edifact");
    ctrk_event_init(&st.cons, "edifact");
    iftsta_envelope(&st.head, tx);

    for (i = 0; i < tx->n_segments && !run->stop; i++) {
        seg = &tx->segments[i];
        if (strcmp(seg->tag, "NAD") == 0 && st.cni == NULL) {
            iftsta_nad(&st, seg);
        } else if (strcmp(seg->tag, "RFF") == 0) {
            iftsta_rff(st.current != NULL ? st.current
                       : st.cni != NULL ? &st.cons : &st.head, seg);
        } else if (strcmp(seg->tag, "CNI") == 0) {
            iftsta_close(&st);
            iftsta_cni(&st, seg);
        } else if (strcmp(seg->tag, "STS") == 0) {
            iftsta_sts(&st, seg);
        } else if (strcmp(seg->tag, "DTM") == 0) {
            iftsta_dtm(&st, seg);
        } else if (strcmp(seg->tag, "LOC") == 0) {
            iftsta_loc(&st, seg);
        } else if (strcmp(seg->tag, "UNT") == 0) {
            iftsta_close(&st);
            unt = seg;
        }
    }
    iftsta_close(&st);
    if (st.n_events == 0 && st.errors == 0) {
        ctrk_diag(run, "carrier_tracking.no_status", unt, NULL, 0, 0,
                  "the IFTSTA carries no STS status");
        st.errors++;
    }
    for (i = 0; i < st.n_events; i++) {
        struct ctrk_event *ev = &st.events[i];

        if (st.errors == 0 && !run->stop) {
            if (ev->carrier_id == NULL && ev->sender != NULL) {
                ctrk_set(&ev->carrier_id, ev->sender);
                ctrk_set(&ev->carrier_qual, "sender");
            }
            ctrk_emit(run, ev);
        }
        ctrk_event_free(ev);
    }
    free(st.events);
    ctrk_event_free(&st.head);
    ctrk_event_free(&st.cons);
    return st.errors == 0 ? 0 : -1;
}
