/*
 * gateway.c - decode and validate one message, and prepare its receipt.
 *
 * A message is accepted whole or rejected whole: one bad document in an
 * interchange of fifty rejects the interchange, because a partner's
 * systems resend interchanges, not single documents.  Rejected messages
 * are stored as well, raw and with their errors, so nothing that arrived
 * is lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "ack_inbound.h"
#include "ack_intake.h"
#include "edi_unclaimed.h"
#include "gateway.h"
#include "gateway_int.h"
#include "log.h"
#include "partners.h"

/* More documents than this in one message is refused: it bounds memory
 * per request whatever the body holds. */
#define SG_MAX_DOCUMENTS 10000

void
sg_gateway_new_id(char *out, size_t outlen)
{
    unsigned char rnd[8];
    unsigned long long r = 0;
    size_t i;

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        /* Never expected; the time part still orders ids. */
        memset(rnd, 0, sizeof(rnd));
    }
    for (i = 0; i < sizeof(rnd); i++) {
        r = (r << 8) | rnd[i];
    }
    snprintf(out, outlen, "%lld-%016llx", sg_now_ms(), r);
}

/* --- the sink handed to the plugin ------------------------------------ */

static int
sg_sink_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct sg_intake *in = sink->core;
    struct sg_ingest_doc *d;

    if (in->n_docs >= SG_MAX_DOCUMENTS) {
        sg_errors_addf(&in->errs, "message.too_many_documents",
                       "more than %d documents in one message",
                       SG_MAX_DOCUMENTS);
        return -1;
    }
    if (in->n_docs == in->docs_cap) {
        in->docs_cap = in->docs_cap ? in->docs_cap * 2 : 4;
        in->docs = sg_xrealloc(in->docs, in->docs_cap * sizeof(*in->docs));
    }
    d = &in->docs[in->n_docs++];
    d->type = sg_xstrdup(doc->type != NULL ? doc->type : "");
    d->key = sg_xstrdup(doc->key != NULL ? doc->key : "");
    d->partner = doc->partner != NULL ? sg_xstrdup(doc->partner) : NULL;
    d->xml = sg_xstrndup(doc->xml != NULL ? doc->xml : "", doc->xml_len);
    d->xml_len = doc->xml_len;
    if (in->partner == NULL && doc->partner != NULL) {
        in->partner = sg_xstrdup(doc->partner);
    }
    return 0;
}

static int
sg_sink_error(struct sg_sink *sink, const struct sg_diag *diag)
{
    struct sg_intake *in = sink->core;

    return sg_errors_add(&in->errs, diag);
}

/* --- choosing the plugin ---------------------------------------------- */

const struct sg_loaded_plugin *
sg_gateway_choose(struct sg_gateway *gw, struct sg_intake *in,
                  const char *plugin_name)
{
    const struct sg_loaded_plugin *lp;

    if (plugin_name != NULL) {
        lp = sg_plugins_find(gw->plugins, plugin_name);
        if (lp == NULL) {
            sg_errors_addf(&in->errs, "plugin.unknown", "no plugin named "
                           "\"%s\" is loaded (GET /v1/plugins lists them)",
                           plugin_name);
        }
        return lp;
    }
    /* Partners' acknowledgements are the core's, whatever the type. */
    lp = sg_ack_inbound_plugin(in->raw, in->raw_len);
    if (lp == NULL) {
        lp = sg_plugins_for_body(gw->plugins, in->content_type, in->raw,
                                 in->raw_len);
    }
    if (lp == NULL) {
        lp = sg_plugins_sniff(gw->plugins, in->raw, in->raw_len);
    }
    if (lp == NULL && sg_edi_unclaimed(in->raw, in->raw_len, &in->errs) > 0) {
        /* EDI whose sets are nobody's: refused set by set, not as an
         * unknown format. */
        in->status = 422;
        return NULL;
    }
    if (lp == NULL) {
        /* A declared type that some plugin reads, on a body none of them
         * recognises (broken JSON, UTF-16 XML, garbage): that plugin says
         * what is wrong with it, and where. */
        lp = sg_plugins_for_type(gw->plugins, in->content_type);
    }
    if (lp == NULL) {
        sg_errors_addf(&in->errs, "message.unsupported_type",
                       "no plugin accepts content type \"%s\" and none "
                       "recognises the first bytes of the body (for EDI: "
                       "its transaction set or message type)",
                       in->content_type ? in->content_type : "(none)");
    }
    return lp;
}

/* --- validation of what the plugin produced ------------------------- */

static void
sg_gateway_validate(struct sg_gateway *gw, struct sg_intake *in)
{
    size_t i, before;

    for (i = 0; i < in->n_docs; i++) {
        const struct sg_ingest_doc *d = &in->docs[i];

        before = in->errs.n;
        if (!sg_schemas_has(gw->schemas, d->type)) {
            sg_errors_addf(&in->errs, "schema.unknown_type", "the plugin "
                           "produced a document of type \"%s\", which has "
                           "no schema", d->type);
        } else {
            sg_schemas_validate(gw->schemas, d->type, d->xml, d->xml_len,
                                &in->errs);
        }
        sg_errors_set_doc(&in->errs, before, (int)i + 1);
    }
}

/* --- answers ---------------------------------------------------------- */

static char *
sg_gateway_receipt(const struct sg_intake *in)
{
    json_t *o = json_object(), *docs = json_array();
    char when[32], *text;
    size_t i;

    sg_format_time(in->received_ms, when, sizeof(when));
    json_object_set_new(o, "message", json_string(in->id));
    json_object_set_new(o, "status", json_string("accepted"));
    json_object_set_new(o, "plugin", json_string(in->plugin));
    json_object_set_new(o, "received", json_string(when));
    for (i = 0; i < in->n_docs; i++) {
        json_t *d = json_object();

        json_object_set_new(d, "type", json_string(in->docs[i].type));
        json_object_set_new(d, "key", json_string(in->docs[i].key));
        if (in->docs[i].partner != NULL) {
            json_object_set_new(d, "partner",
                                json_string(in->docs[i].partner));
        }
        json_array_append_new(docs, d);
    }
    json_object_set_new(o, "documents", docs);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

char *
sg_gateway_rejection(const struct sg_intake *in)
{
    json_t *o = json_object();
    char *text;

    json_object_set_new(o, "message", json_string(in->id));
    json_object_set_new(o, "status", json_string("rejected"));
    if (in->plugin != NULL) {
        json_object_set_new(o, "plugin", json_string(in->plugin));
    }
    json_object_set_new(o, "errors", json_loads(in->errors_json, 0, NULL));
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void
sg_gateway_finish(struct sg_intake *in)
{
    struct sg_ingest_msg *m = &in->msg;

    if (in->status == 202) {
        in->answer = sg_gateway_receipt(in);
    } else {
        in->errors_json = sg_errors_to_json(&in->errs);
        in->answer = sg_gateway_rejection(in);
    }
    memset(m, 0, sizeof(*m));
    m->id = in->id;
    m->accepted = in->status == 202;
    m->plugin = in->plugin;
    m->content_type = in->content_type;
    m->partner = in->partner;
    m->received_ms = in->received_ms;
    m->raw = in->raw;
    m->raw_len = in->raw_len;
    m->errors_json = in->errors_json;
    m->receipt_json = m->accepted ? in->answer : NULL;
    m->n_docs = m->accepted ? in->n_docs : 0;
    m->docs = in->docs;
}

void
sg_gateway_log(const struct sg_intake *in)
{
    char where[600];

    if (in->status == 202) {
        sg_log(SG_LOG_INFO, "gateway", in->id, "decoded by %s: %zu "
               "document(s), first key %s", in->plugin, in->n_docs,
               in->n_docs ? in->docs[0].key : "-");
        return;
    }
    /* A partner's bad message is routine: notice, not error. */
    if (in->errs.n > 0) {
        sg_errors_describe(&in->errs.items[0], where, sizeof(where));
    } else {
        snprintf(where, sizeof(where), "no detail");
    }
    sg_log(SG_LOG_NOTICE, "gateway", in->id, "rejected with %d (%zu "
           "error(s)); first: %s", in->status, in->errs.n, where);
}

/*
 * A partner may only send what names it as sender: with a valid key of
 * A and an envelope of B, the message is refused (403) and kept.
 */
static int
sg_gateway_check_sender(const struct sg_partner *p, struct sg_intake *in)
{
    size_t i;

    for (i = 0; i < in->n_docs; i++) {
        const char *sender = in->docs[i].partner;

        /* XXX: a document whose envelope names no sender (an XML order
         * without source/@sender) passes, and the authenticated
         * partner is not recorded with the message. */
        if (sender != NULL && !sg_partner_owns(p, sender)) {
            sg_errors_addf(&in->errs, "auth.partner_mismatch", "document "
                           "%zu names sender \"%.100s\", which is not one "
                           "of partner %s's ids", i + 1, sender, p->name);
            sg_log(SG_LOG_WARN, "gateway", in->id, "authenticated as "
                   "partner %s but the envelope names sender %.100s: "
                   "refused with 403", p->name, sender);
            return -1;
        }
    }
    return 0;
}

struct sg_intake *
sg_gateway_decode(struct sg_gateway *gw, const char *plugin_name,
                  const char *content_type, const unsigned char *body,
                  size_t len)
{
    return sg_gateway_decode_as(gw, NULL, plugin_name, content_type, body,
                                len);
}

struct sg_intake *
sg_gateway_decode_as(struct sg_gateway *gw, const struct sg_partner *partner,
                     const char *plugin_name, const char *content_type,
                     const unsigned char *body, size_t len)
{
    struct sg_intake *in = sg_xcalloc(1, sizeof(*in));
    const struct sg_loaded_plugin *lp;
    struct sg_message msg;
    struct sg_sink sink;
    int rc;

    sg_gateway_new_id(in->id, sizeof(in->id));
    sg_errors_init(&in->errs, 200);
    in->received_ms = sg_now_ms();
    in->content_type = content_type ? sg_xstrdup(content_type) : NULL;
    in->raw = sg_xmalloc(len + 1);
    if (len > 0) {
        memcpy(in->raw, body, len);     /* an empty POST has no body */
    }
    in->raw[len] = '\0';
    in->raw_len = len;

    if (len == 0) {
        sg_errors_addf(&in->errs, "message.empty", "the request body is "
                       "empty");
        in->status = 400;
        goto done;
    }
    lp = sg_gateway_choose(gw, in, plugin_name);
    if (lp == NULL) {
        if (in->status == 0) {
            in->status = plugin_name != NULL ? 404 : 415;
        }
        goto done;
    }
    in->plugin = lp->name;
    if (partner != NULL && !sg_partner_may_use(partner, lp->name)) {
        sg_errors_addf(&in->errs, "auth.plugin_not_allowed", "partner %s "
                       "may not post messages for plugin %s (its "
                       "configuration lists the plugins it may use)",
                       partner->name, lp->name);
        sg_log(SG_LOG_WARN, "gateway", in->id, "partner %s posted a "
               "message for plugin %s, which it may not use: refused "
               "with 403", partner->name, lp->name);
        in->status = 403;
        goto done;
    }

    memset(&msg, 0, sizeof(msg));
    msg.id = in->id;
    msg.content_type = content_type;
    msg.data = in->raw;
    msg.len = len;
    sink.document = sg_sink_document;
    sink.error = sg_sink_error;
    sink.core = in;
    rc = lp->desc->decode(lp->ctx, &msg, &sink);
    if (rc != 0 && in->errs.n == 0) {
        sg_errors_addf(&in->errs, "message.undecodable", "plugin %s could "
                       "not decode the message and gave no reason",
                       lp->name);
    }
    if (in->errs.n == 0 && in->n_docs == 0) {
        sg_errors_addf(&in->errs, "message.no_documents", "the message "
                       "holds no document that plugin %s understands",
                       lp->name);
    }
    if (in->errs.n == 0 && partner != NULL &&
        sg_gateway_check_sender(partner, in) != 0) {
        in->status = 403;
        goto done;
    }
    if (in->errs.n == 0) {
        sg_gateway_validate(gw, in);
    }
    in->status = in->errs.n == 0 ? 202 : 422;
done:
    sg_gateway_finish(in);
    sg_ack_intake(gw, in);
    sg_gateway_log(in);
    return in;
}

void
sg_intake_free(struct sg_intake *in)
{
    size_t i;

    if (in == NULL) {
        return;
    }
    for (i = 0; i < in->n_docs; i++) {
        free((char *)in->docs[i].type);
        free((char *)in->docs[i].key);
        free((char *)in->docs[i].partner);
        free((char *)in->docs[i].xml);
    }
    free(in->docs);
    free(in->answer);
    free(in->errors_json);
    free(in->content_type);
    free(in->partner);
    free(in->raw);
    sg_errors_free(&in->errs);
    sg_ack_pending_free(in->ack);
    sg_spooled_free(in->spooled);
    free(in);
}
