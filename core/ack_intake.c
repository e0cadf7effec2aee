/*
 * ack_intake.c - tie the acknowledgement builder (ack.c) and the
 * duplicate guard (ingest_guard.c) to one message of the gateway.  See
 * ack_intake.h for who calls what, and when.
 *
 * A duplicate is known only inside Redis, atomically with the store, so
 * both possible acks are built before the message is handed over: the
 * one for the verdict, and a TA1 025 / UCI 26 in case the interchange
 * turns out to be known.  Only one of them is stored and sent.
 * XXX: only the first interchange of a body is checked for duplicates;
 * a later interchange of the same body that was seen before is
 * accepted again (the order rules still flag the duplicate order).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ack_inbound.h"
#include "ack_intake.h"
#include "keys.h"
#include "log.h"

/* Partner input in a JSON text: printable ASCII only (JSON needs valid
 * UTF-8, and an envelope may hold anything). */
static void
sg_ack_printable(char *out, size_t size, const char *in)
{
    size_t n = 0;

    for (; *in != '\0' && n + 1 < size; in++) {
        out[n++] = *in >= 0x20 && *in < 0x7f ? *in : '?';
    }
    out[n] = '\0';
}

static char *
sg_ack_dup_errors(const char *partner, const char *control)
{
    char text[256], who[64], ctl[32];
    json_t *list;
    char *out;

    sg_ack_printable(who, sizeof(who), partner);
    sg_ack_printable(ctl, sizeof(ctl), control);
    snprintf(text, sizeof(text), "interchange %s from %s was already "
             "accepted as message %s; it is not processed again",
             ctl, who, SG_INGEST_FIRST);
    list = json_pack("[{s:s, s:s, s:s}]", "code", "interchange.duplicate",
                     "message", text, "first", SG_INGEST_FIRST);
    out = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return out;
}

/* Arm the guard of an accepted interchange. */
static void
sg_ack_intake_guard(struct sg_gateway *gw, struct sg_intake *in,
                    struct sg_ack_pending *p, const char *ich)
{
    const char *control = strrchr(ich, '|') + 1;

    if (p->dup_ack.text == NULL) {
        return;
    }
    p->key = sg_xasprintf("%s%s", SG_KEY_ICH, ich);
    p->dup_errors = sg_ack_dup_errors(p->partner, control);
    p->guard.key = p->key;
    p->guard.ttl = gw->cfg->duplicate_window;
    p->guard.errors_json = p->dup_errors;
    p->guard.ack = p->dup_ack.text;
    p->guard.ack_len = p->dup_ack.len;
    in->msg.guard = &p->guard;
}

void
sg_ack_intake(struct sg_gateway *gw, struct sg_intake *in)
{
    struct sg_ack_pending *p;
    struct sg_ack_request rq;
    char *partner, *ich;
    long long control;
    int guarded;

    /* An acknowledgement is never acknowledged. */
    if (gw->acks == NULL || (in->plugin != NULL &&
                             strcmp(in->plugin, SG_ACK_INBOUND_NAME) == 0) ||
        sg_ack_identify(in->raw, in->raw_len, &partner, &ich) != 0) {
        return;
    }
    control = sg_ack_counter_next(gw->acks, partner);
    if (control < 0) {
        sg_log(SG_LOG_WARN, "ack", in->id, "no control number for %s: "
               "the message gets no acknowledgement", partner);
        free(partner);
        free(ich);
        return;
    }
    p = sg_xcalloc(1, sizeof(*p));
    p->partner = partner;
    memset(&rq, 0, sizeof(rq));
    rq.raw = in->raw;
    rq.len = in->raw_len;
    rq.read = in->body_read;
    rq.read_arg = in->body_read_arg;
    rq.errs = &in->errs;
    rq.accepted = in->status == 202;
    rq.control = (unsigned long)control;
    rq.now_ms = in->received_ms;
    guarded = in->status == 202 && gw->cfg->duplicate_window > 0;
    if (sg_ack_build_pair(&rq, &p->ack, guarded ? &p->dup_ack : NULL)
        == 0) {
        in->msg.ack = p->ack.text;
        in->msg.ack_len = p->ack.len;
        in->msg.ack_type = p->ack.content_type;
    }
    if (guarded) {
        sg_ack_intake_guard(gw, in, p, ich);
    }
    free(ich);
    in->ack = p;
}

/* The error list of the duplicate, with the first message's id. */
static json_t *
sg_ack_dup_list(const struct sg_ack_pending *p)
{
    const char *tpl = p->dup_errors, *at;
    struct sg_buf b;
    json_t *list;

    sg_buf_init(&b);
    while ((at = strstr(tpl, SG_INGEST_FIRST)) != NULL) {
        sg_buf_add(&b, tpl, (size_t)(at - tpl));
        sg_buf_adds(&b, p->guard.first);
        tpl = at + strlen(SG_INGEST_FIRST);
    }
    sg_buf_adds(&b, tpl);
    list = json_loadb(b.data, b.len, 0, NULL);
    sg_buf_free(&b);
    return list;
}

void
sg_ack_intake_settle(struct sg_intake *in)
{
    struct sg_ack_pending *p = in->ack;
    json_t *o;

    if (p == NULL || in->msg.guard == NULL || p->guard.first[0] == '\0') {
        return;
    }
    sg_log(SG_LOG_NOTICE, "ack", in->id, "duplicate of message %s: "
           "rejected with 409", p->guard.first);
    o = json_object();
    json_object_set_new(o, "message", json_string(in->id));
    json_object_set_new(o, "status", json_string("rejected"));
    if (in->plugin != NULL) {
        json_object_set_new(o, "plugin", json_string(in->plugin));
    }
    json_object_set_new(o, "errors", sg_ack_dup_list(p));
    free(in->answer);
    in->answer = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    in->status = 409;
}

/* Does the Accept header name type (case aside)? */
static int
sg_ack_accepts(const char *accept, const char *type)
{
    size_t n = strlen(type);
    const char *p;

    for (p = accept; *p != '\0'; p++) {
        if (strncasecmp(p, type, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ';' || p[n] == ' ')) {
            return 1;
        }
    }
    return 0;
}

const char *
sg_ack_intake_body(const struct sg_intake *in, const char *accept,
                   size_t *len, const char **content_type)
{
    const struct sg_ack_pending *p = in->ack;
    const struct sg_ack *a;

    if (p == NULL || accept == NULL) {
        return NULL;
    }
    a = in->status == 409 ? &p->dup_ack : &p->ack;
    if (a->text == NULL || !sg_ack_accepts(accept, a->content_type)) {
        return NULL;
    }
    *len = a->len;
    *content_type = a->content_type;
    return a->text;
}

void
sg_ack_pending_free(struct sg_ack_pending *p)
{
    if (p == NULL) {
        return;
    }
    sg_ack_free(&p->ack);
    sg_ack_free(&p->dup_ack);
    free(p->partner);
    free(p->key);
    free(p->dup_errors);
    free(p);
}
