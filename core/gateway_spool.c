/*
 * gateway_spool.c - decode, judge and store a body that was spooled to
 * disk because it is larger than http.body_limit.  See gateway_spool.h.
 *
 * The story is the one of gateway.c, told with files instead of memory:
 * choose the plugin from the first bytes; let it pull the body through
 * msg->read; validate each document the moment it arrives and append it
 * to <state_dir>/spool/<id>.docs; then store the whole message in one
 * Redis transaction streamed from that file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <jansson.h>

#include "ack.h"
#include "ack_intake.h"
#include "gateway_int.h"
#include "gateway_spool.h"
#include "keys.h"
#include "log.h"
#include "redis.h"

/* How many bytes of the body choose the plugin and name the sender. */
#define SG_SPOOL_HEAD           65536
/* A spooled body may hold many more documents than a small one. */
#define SG_SPOOL_MAX_DOCUMENTS  2000000
/* Redis command timeout: one EXEC may write a few hundred MB. */
#define SG_SPOOL_REDIS_MS       120000
/* Flush the command buffer to Redis past this size. */
#define SG_SPOOL_FLUSH_BYTES    (1u << 20)

struct sg_spooled {
    struct sg_spool_file body;
    struct sg_spool_file docs;      /* accepted documents, in order */
    int docs_open;
    size_t n_docs;
    struct sg_buf receipt_docs;     /* the receipt's "documents" items */
    char *first_key;
    int forbidden;                  /* a sender that is not the partner */
    const struct sg_partner *partner;
    struct sg_schemas *schemas;
    char *ich;                      /* "sender|receiver|control", or NULL */
    char *sender;                   /* "QUAL:ID" of the interchange */
};

void
sg_spooled_free(struct sg_spooled *sp)
{
    if (sp == NULL) {
        return;
    }
    sg_spool_discard(&sp->body);
    if (sp->docs_open) {
        sg_spool_discard(&sp->docs);
    }
    sg_buf_free(&sp->receipt_docs);
    free(sp->first_key);
    free(sp->ich);
    free(sp->sender);
    free(sp);
}

/* --- the document file --------------------------------------------- */

/*
 * One record per document: four native-endian uint32 lengths (type,
 * key, partner or UINT32_MAX for none, xml), then the four values.  The
 * file lives only between decoding and storing, on this machine.
 */
static int
sg_spool_put_doc(struct sg_spool_file *f, const struct sg_document *doc)
{
    const char *v[4] = {doc->type, doc->key, doc->partner, doc->xml};
    uint32_t len[4];
    int i;

    for (i = 0; i < 4; i++) {
        size_t n = v[i] == NULL ? 0 : i == 3 ? doc->xml_len : strlen(v[i]);

        if (n >= UINT32_MAX) {
            return -1;
        }
        len[i] = v[i] == NULL && i == 2 ? UINT32_MAX : (uint32_t)n;
    }
    if (sg_spool_write(f, len, sizeof(len)) != 0) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if (len[i] != UINT32_MAX && len[i] > 0 &&
            sg_spool_write(f, v[i], len[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* A read document: the strings are NUL-terminated, in one block. */
struct sg_spool_doc {
    char *block;
    const char *type, *key, *partner, *xml;
    size_t xml_len;
};

/* The next record: 1, 0 at the end, -1 when the file is damaged. */
static int
sg_spool_get_doc(struct sg_spool_file *f, struct sg_spool_doc *d)
{
    uint32_t len[4];
    size_t total = 0, at = 0;
    const char **out[4] = {&d->type, &d->key, &d->partner, &d->xml};
    long got;
    int i;

    got = sg_spool_read(f, (unsigned char *)len, sizeof(len));
    if (got == 0) {
        return 0;
    }
    if (got != (long)sizeof(len)) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        total += (len[i] == UINT32_MAX ? 0 : len[i]) + 1;
    }
    free(d->block);
    d->block = sg_xmalloc(total);
    for (i = 0; i < 4; i++) {
        size_t n = len[i] == UINT32_MAX ? 0 : len[i];

        if (n > 0 && sg_spool_read(f, (unsigned char *)d->block + at, n)
            != (long)n) {
            return -1;
        }
        d->block[at + n] = '\0';
        *out[i] = len[i] == UINT32_MAX ? NULL : d->block + at;
        at += n + 1;
    }
    d->xml_len = len[3];
    return 1;
}

/* --- the sink ------------------------------------------------------- */

/* ,{"type":..,"key":..[,"partner":..]} onto the receipt's list. */
static void
sg_spool_receipt_item(struct sg_buf *b, const struct sg_document *doc)
{
    json_t *o = json_object();
    char *text;

    json_object_set_new(o, "type", json_string(doc->type));
    json_object_set_new(o, "key", json_string(doc->key));
    if (doc->partner != NULL) {
        json_object_set_new(o, "partner", json_string(doc->partner));
    }
    text = json_dumps(o, JSON_COMPACT);
    if (b->len > 0) {
        sg_buf_adds(b, ",");
    }
    sg_buf_adds(b, text != NULL ? text : "{}");
    free(text);
    json_decref(o);
}

/* Judge one document now, and keep it on disk if all is well so far. */
static int
sg_spool_sink_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct sg_intake *in = sink->core;
    struct sg_spooled *sp = in->spooled;
    size_t before = in->errs.n;
    int index = (int)sp->n_docs + 1;

    if (doc->type == NULL || doc->key == NULL || doc->xml == NULL) {
        sg_errors_addf(&in->errs, "message.undecodable", "the plugin "
                       "handed over document %d without type, key or XML",
                       index);
        return -1;
    }
    if (sp->n_docs >= SG_SPOOL_MAX_DOCUMENTS) {
        sg_errors_addf(&in->errs, "message.too_many_documents", "more "
                       "than %d documents in one message",
                       SG_SPOOL_MAX_DOCUMENTS);
        return -1;
    }
    sp->n_docs++;
    if (!sg_schemas_has(sp->schemas, doc->type)) {
        sg_errors_addf(&in->errs, "schema.unknown_type", "the plugin "
                       "produced a document of type \"%s\", which has no "
                       "schema", doc->type);
    } else {
        sg_schemas_validate(sp->schemas, doc->type, doc->xml, doc->xml_len,
                            &in->errs);
    }
    if (sp->partner != NULL && doc->partner != NULL &&
        !sg_partner_owns(sp->partner, doc->partner)) {
        sg_errors_addf(&in->errs, "auth.partner_mismatch", "document %d "
                       "names sender \"%.100s\", which is not one of "
                       "partner %s's ids", index, doc->partner,
                       sp->partner->name);
        sp->forbidden = 1;
    }
    sg_errors_set_doc(&in->errs, before, index);
    if (in->partner == NULL && doc->partner != NULL) {
        in->partner = sg_xstrdup(doc->partner);
    }
    if (sp->first_key == NULL) {
        sp->first_key = sg_xstrdup(doc->key);
    }
    /* Once anything is wrong the message is rejected whole: stop
     * keeping documents, go on collecting errors. */
    if (in->errs.n > 0 || in->errs.dropped > 0) {
        return 0;
    }
    if (sg_spool_put_doc(&sp->docs, doc) != 0) {
        sg_errors_addf(&in->errs, "spool.write_failed", "document %d "
                       "could not be written to the spool", index);
        return -1;
    }
    sg_spool_receipt_item(&sp->receipt_docs, doc);
    return 0;
}

static int
sg_spool_sink_error(struct sg_sink *sink, const struct sg_diag *diag)
{
    struct sg_intake *in = sink->core;

    return sg_errors_add(&in->errs, diag);
}

/* --- decoding ------------------------------------------------------- */

static char *
sg_spool_receipt(const struct sg_intake *in)
{
    const struct sg_spooled *sp = in->spooled;
    char when[32];
    json_t *head = json_object();
    char *text, *out;
    size_t n;

    sg_format_time(in->received_ms, when, sizeof(when));
    json_object_set_new(head, "message", json_string(in->id));
    json_object_set_new(head, "status", json_string("accepted"));
    json_object_set_new(head, "plugin", json_string(in->plugin));
    json_object_set_new(head, "received", json_string(when));
    json_object_set_new(head, "bytes", json_integer((json_int_t)
                                                    sp->body.len));
    text = json_dumps(head, JSON_COMPACT);
    json_decref(head);
    /* {...,"documents":[...]}: the list was built as documents came. */
    n = strlen(text);
    text[n - 1] = '\0';
    out = sg_xasprintf("%s,\"documents\":[%.*s]}", text,
                       (int)sp->receipt_docs.len,
                       sp->receipt_docs.data != NULL ?
                       sp->receipt_docs.data : "");
    free(text);
    return out;
}

/* The plugin for the body, from its first bytes; NULL with the error
 * (and status) set. */
static const struct sg_loaded_plugin *
sg_spool_choose(struct sg_gateway *gw, struct sg_intake *in,
                const struct sg_partner *partner, const char *plugin_name)
{
    const struct sg_loaded_plugin *lp;

    lp = sg_gateway_choose(gw, in, plugin_name);
    if (lp == NULL) {
        if (in->status == 0) {
            in->status = plugin_name != NULL ? 404 : 415;
        }
        return NULL;
    }
    in->plugin = lp->name;
    if (partner != NULL && !sg_partner_may_use(partner, lp->name)) {
        sg_errors_addf(&in->errs, "auth.plugin_not_allowed", "partner %s "
                       "may not post messages for plugin %s (its "
                       "configuration lists the plugins it may use)",
                       partner->name, lp->name);
        in->status = 403;
        return NULL;
    }
    if (!sg_plugin_streams(lp->desc)) {
        sg_errors_addf(&in->errs, "message.too_large", "the body (%zu "
                       "bytes) exceeds body_limit, and plugin %s reads "
                       "only bodies that fit in memory", in->spooled->body.len,
                       lp->name);
        in->status = 413;
        return NULL;
    }
    return lp;
}

static void
sg_spool_verdict_log(const struct sg_intake *in)
{
    char where[600];

    if (in->status == 202) {
        sg_log(SG_LOG_INFO, "gateway", in->id, "spooled body of %zu bytes "
               "decoded by %s: %zu document(s), first key %s",
               in->spooled->body.len, in->plugin, in->spooled->n_docs,
               in->spooled->first_key ? in->spooled->first_key : "-");
        return;
    }
    if (in->errs.n > 0) {
        sg_errors_describe(&in->errs.items[0], where, sizeof(where));
    } else {
        snprintf(where, sizeof(where), "no detail");
    }
    sg_log(SG_LOG_NOTICE, "gateway", in->id, "spooled body of %zu bytes "
           "rejected with %d (%zu error(s)); first: %s",
           in->spooled->body.len, in->status, in->errs.n, where);
}

static void
sg_spool_finish(struct sg_intake *in)
{
    struct sg_ingest_msg *m = &in->msg;

    if (in->status == 202) {
        in->answer = sg_spool_receipt(in);
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
    m->errors_json = in->errors_json;
    m->receipt_json = m->accepted ? in->answer : NULL;
    m->n_docs = m->accepted ? in->spooled->n_docs : 0;
    sg_spool_verdict_log(in);
}

static void
sg_spool_decode(struct sg_gateway *gw, struct sg_intake *in,
                const struct sg_loaded_plugin *lp)
{
    struct sg_spooled *sp = in->spooled;
    struct sg_message msg;
    struct sg_sink sink;
    char err[256], *name, *dir;
    int rc;

    name = sg_xasprintf("%s.docs", in->id);
    dir = sg_xasprintf("%s/spool", gw->cfg->state_dir);
    rc = sg_spool_create(&sp->docs, dir, name, err, sizeof(err));
    free(name);
    free(dir);
    if (rc != 0) {
        sg_log(SG_LOG_ERROR, "gateway", in->id, "%s", err);
        sg_errors_addf(&in->errs, "spool.write_failed", "the documents "
                       "could not be spooled to disk");
        return;
    }
    sp->docs_open = 1;
    memset(&msg, 0, sizeof(msg));
    msg.id = in->id;
    msg.content_type = in->content_type;
    msg.len = sp->body.len;
    msg.read = sg_spool_read;
    msg.read_arg = &sp->body;
    sink.document = sg_spool_sink_document;
    sink.error = sg_spool_sink_error;
    sink.core = in;
    rc = lp->desc->decode_stream(lp->ctx, &msg, &sink);
    if (rc != 0 && in->errs.n == 0) {
        sg_errors_addf(&in->errs, "message.undecodable", "plugin %s could "
                       "not decode the message and gave no reason",
                       lp->name);
    }
    if (in->errs.n == 0 && sp->n_docs == 0) {
        sg_errors_addf(&in->errs, "message.no_documents", "the message "
                       "holds no document that plugin %s understands",
                       lp->name);
    }
}

struct sg_intake *
sg_gateway_decode_spooled(struct sg_gateway *gw,
                          const struct sg_partner *partner,
                          const char *plugin_name, const char *content_type,
                          struct sg_spool_file *body)
{
    struct sg_intake *in = sg_xcalloc(1, sizeof(*in));
    struct sg_spooled *sp = sg_xcalloc(1, sizeof(*sp));
    const struct sg_loaded_plugin *lp;
    long head;

    sg_gateway_new_id(in->id, sizeof(in->id));
    sg_errors_init(&in->errs, 200);
    in->received_ms = sg_now_ms();
    in->content_type = content_type ? sg_xstrdup(content_type) : NULL;
    in->spooled = sp;
    sp->body = *body;
    body->fd = -1;
    body->path = NULL;
    sp->docs.fd = -1;
    sp->partner = partner;
    sp->schemas = gw->schemas;
    sg_buf_init(&sp->receipt_docs);

    /* The first bytes stand for the body where only they matter. */
    in->raw = sg_xmalloc(SG_SPOOL_HEAD + 1);
    head = sg_spool_head(&sp->body, in->raw, SG_SPOOL_HEAD);
    in->raw_len = head > 0 ? (size_t)head : 0;
    in->raw[in->raw_len] = '\0';
    if (sg_ack_identify(in->raw, in->raw_len, &sp->sender, &sp->ich) != 0) {
        sp->sender = NULL;
        sp->ich = NULL;
    }

    lp = sg_spool_choose(gw, in, partner, plugin_name);
    if (lp != NULL) {
        sg_spool_decode(gw, in, lp);
        in->status = in->errs.n == 0 ? 202 : sp->forbidden ? 403 : 422;
    }
    sg_spool_finish(in);
    /* The 997/999/CONTRL reads the interchange again, from the file. */
    sp->body.read_at = 0;
    in->body_read = sg_spool_read;
    in->body_read_arg = &sp->body;
    sg_ack_intake(gw, in);
    in->body_read = NULL;
    return in;
}

/* --- storing -------------------------------------------------------- */

/* Send what hiredis has buffered once it is large: memory stays flat
 * however many documents follow. */
static int
sg_spool_flush(redisContext *c, int all)
{
    int done = 0;

    while (!done && (all || sdslen(c->obuf) > SG_SPOOL_FLUSH_BYTES)) {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            return -1;
        }
    }
    return 0;
}

static void
sg_spool_append_hash(redisContext *c, const struct sg_intake *in,
                     const char *key)
{
    const struct sg_ingest_msg *m = &in->msg;
    char received[24], bytes[24], docs[24];
    const char *argv[28];
    size_t argl[28];
    size_t n = 0, i;

    snprintf(received, sizeof(received), "%lld", m->received_ms);
    snprintf(bytes, sizeof(bytes), "%zu", in->spooled->body.len);
    snprintf(docs, sizeof(docs), "%zu", m->n_docs);
    argv[n++] = "HSET";
    argv[n++] = key;
    argv[n++] = "id";
    argv[n++] = m->id;
    argv[n++] = "status";
    argv[n++] = m->accepted ? "accepted" : "rejected";
    argv[n++] = "plugin";
    argv[n++] = m->plugin != NULL ? m->plugin : "";
    argv[n++] = "content_type";
    argv[n++] = m->content_type != NULL ? m->content_type : "";
    argv[n++] = "partner";
    argv[n++] = m->partner != NULL ? m->partner : "";
    argv[n++] = "received";
    argv[n++] = received;
    argv[n++] = "raw";
    argv[n++] = "";
    argv[n++] = "raw_file";
    argv[n++] = in->spooled->body.path;
    argv[n++] = "raw_bytes";
    argv[n++] = bytes;
    argv[n++] = m->accepted ? "receipt" : "errors";
    argv[n++] = m->accepted ? m->receipt_json : m->errors_json;
    argv[n++] = "docs";
    argv[n++] = docs;
    for (i = 0; i < n; i++) {
        argl[i] = strlen(argv[i]);
    }
    if (m->ack != NULL) {
        argv[n] = "ack";
        argl[n++] = 3;
        argv[n] = m->ack;
        argl[n++] = m->ack_len;
        argv[n] = "ack_type";
        argl[n++] = 8;
        argv[n] = m->ack_type;
        argl[n++] = strlen(m->ack_type);
    }
    redisAppendCommandArgv(c, (int)n, argv, argl);
}

static int
sg_spool_append_docs(redisContext *c, const struct sg_intake *in,
                     size_t *n_cmds)
{
    struct sg_spooled *sp = in->spooled;
    struct sg_spool_doc d;
    char received[24], index[24], *stream;
    const char *argv[17];
    size_t argl[17];
    size_t i = 0;
    int rc, k;

    memset(&d, 0, sizeof(d));
    snprintf(received, sizeof(received), "%lld", in->received_ms);
    sp->docs.read_at = 0;
    while ((rc = sg_spool_get_doc(&sp->docs, &d)) == 1) {
        snprintf(index, sizeof(index), "%zu", ++i);
        stream = sg_xasprintf("%s%s", SG_KEY_STREAM, d.type);
        argv[0] = "XADD"; argv[1] = stream; argv[2] = "*";
        argv[3] = "msg"; argv[4] = in->id;
        argv[5] = "doc"; argv[6] = index;
        argv[7] = "type"; argv[8] = d.type;
        argv[9] = "key"; argv[10] = d.key;
        argv[11] = "partner";
        argv[12] = d.partner != NULL ? d.partner :
                   in->partner != NULL ? in->partner : "";
        argv[13] = "received"; argv[14] = received;
        argv[15] = "xml"; argv[16] = d.xml;
        for (k = 0; k < 17; k++) {
            argl[k] = k == 16 ? d.xml_len : strlen(argv[k]);
        }
        redisAppendCommandArgv(c, 17, argv, argl);
        free(stream);
        (*n_cmds)++;
        if (sg_spool_flush(c, 0) != 0) {
            rc = -1;
            break;
        }
    }
    free(d.block);
    if (rc == 0 && i != sp->n_docs) {
        rc = -1;
    }
    return rc;
}

/* Read and check n QUEUED replies then the EXEC reply: 1 committed, 0
 * the WATCH fired (nothing written), -1 error. */
static int
sg_spool_replies(redisContext *c, size_t n_queued)
{
    redisReply *r = NULL;
    size_t i;
    int rc;

    for (i = 0; i < n_queued; i++) {
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            return -1;
        }
        rc = r->type == REDIS_REPLY_ERROR;
        if (rc) {
            sg_log(SG_LOG_ERROR, "gateway", NULL, "Redis refused a spooled "
                   "command: %s", r->str);
        }
        freeReplyObject(r);
        if (rc) {
            return -1;
        }
    }
    if (redisGetReply(c, (void **)&r) != REDIS_OK) {
        return -1;
    }
    rc = r->type == REDIS_REPLY_NIL ? 0 :
         r->type == REDIS_REPLY_ARRAY ? 1 : -1;
    if (r->type == REDIS_REPLY_ERROR) {
        sg_log(SG_LOG_ERROR, "gateway", NULL, "Redis refused the spooled "
               "message: %s", r->str);
    }
    freeReplyObject(r);
    return rc;
}

/* The message that already took this interchange, or NULL; the guard
 * key is watched from here to EXEC. */
static char *
sg_spool_watch(redisContext *c, const char *guard, int *err)
{
    redisReply *r;
    char *first = NULL;

    *err = 0;
    r = redisCommand(c, "WATCH %s", guard);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        *err = 1;
    }
    freeReplyObject(r);
    if (*err) {
        return NULL;
    }
    r = redisCommand(c, "GET %s", guard);
    if (r == NULL || (r->type != REDIS_REPLY_NIL &&
                      r->type != REDIS_REPLY_STRING)) {
        *err = 1;
    } else if (r->type == REDIS_REPLY_STRING) {
        first = sg_xstrdup(r->str);
    }
    freeReplyObject(r);
    return first;
}

/* Turn an accepted intake into the 409 of a repeated interchange. */
static void
sg_spool_duplicate(struct sg_intake *in, const char *first)
{
    const char *control = strrchr(in->spooled->ich, '|') + 1;
    char text[300];
    json_t *list;

    snprintf(text, sizeof(text), "interchange %.40s from %.60s was "
             "already accepted as message %.60s; it is not processed again",
             control, in->spooled->sender, first);
    list = json_pack("[{s:s, s:s, s:s}]", "code", "interchange.duplicate",
                     "message", text, "first", first);
    free(in->errors_json);
    free(in->answer);
    in->errors_json = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    in->status = 409;
    in->answer = sg_gateway_rejection(in);
    in->msg.accepted = 0;
    in->msg.errors_json = in->errors_json;
    in->msg.receipt_json = NULL;
    in->msg.n_docs = 0;
    /* What is stored and sent is the duplicate's acknowledgement. */
    if (in->ack != NULL && in->ack->dup_ack.text != NULL) {
        in->msg.ack = in->ack->dup_ack.text;
        in->msg.ack_len = in->ack->dup_ack.len;
        in->msg.ack_type = in->ack->dup_ack.content_type;
    }
    sg_log(SG_LOG_NOTICE, "gateway", in->id, "spooled interchange %s "
           "already accepted as %s: rejected with 409", control, first);
}

/* One attempt: 1 stored, 0 the guard changed under us, -1 error. */
static int
sg_spool_transaction(struct sg_gateway *gw, redisContext *c,
                     struct sg_intake *in, const char *key,
                     const char *guard)
{
    char *first = NULL;
    size_t n_cmds = 1;          /* the HSET */
    int err = 0;

    if (guard != NULL) {
        first = sg_spool_watch(c, guard, &err);
        if (err) {
            return -1;
        }
        if (first != NULL) {
            sg_spool_duplicate(in, first);
            free(first);
            guard = NULL;
        }
    }
    redisAppendCommand(c, "MULTI");
    sg_spool_append_hash(c, in, key);
    if (in->msg.accepted) {
        if (sg_spool_append_docs(c, in, &n_cmds) != 0) {
            return -1;
        }
        if (guard != NULL) {
            redisAppendCommand(c, "SET %s %s EX %ld", guard, in->id,
                               (long)gw->cfg->duplicate_window);
            n_cmds++;
        }
    } else {
        redisAppendCommand(c, "XADD %s * msg %s code %s received %lld",
                           SG_KEY_REJECTED, in->id,
                           in->errs.n > 0 ? in->errs.items[0].code :
                           "interchange.duplicate", in->received_ms);
        n_cmds++;
    }
    redisAppendCommand(c, "EXEC");
    if (sg_spool_flush(c, 1) != 0) {
        return -1;
    }
    /* MULTI's +OK counts as one more reply before the QUEUED ones. */
    return sg_spool_replies(c, n_cmds + 1);
}

int
sg_gateway_store_spooled(struct sg_gateway *gw, struct sg_intake *in)
{
    struct sg_spooled *sp = in->spooled;
    char err[256], *key, *guard = NULL, *raw_dir;
    redisContext *c;
    int rc = -1, attempt;

    /* XXX: a crash between this move and EXEC leaves a raw file no
     * message names; nothing sweeps state_dir/raw for such files.
     * XXX: raw files, of accepted and rejected bodies alike, are kept
     * for ever (as raw bodies are in Redis): the operator prunes them. */
    raw_dir = sg_xasprintf("%s/raw", gw->cfg->state_dir);
    if (sg_spool_keep(&sp->body, raw_dir, in->id) != 0) {
        free(raw_dir);
        return -1;
    }
    free(raw_dir);
    c = sg_redis_connect(gw->redis_address, SG_SPOOL_REDIS_MS, err,
                         sizeof(err));
    if (c == NULL) {
        sg_log(SG_LOG_WARN, "gateway", in->id, "spooled message not "
               "stored: %s", err);
        return -1;
    }
    key = sg_xasprintf("%s%s", SG_KEY_MSG, in->id);
    if (in->msg.accepted && sp->ich != NULL &&
        gw->cfg->duplicate_window > 0) {
        guard = sg_xasprintf("%s%s", SG_KEY_ICH, sp->ich);
    }
    /* The WATCH fires only when another post of the same interchange
     * committed in between: the next attempt then sees its marker. */
    for (attempt = 0; attempt < 3 && rc != 1; attempt++) {
        rc = sg_spool_transaction(gw, c, in, key, guard);
        if (rc < 0) {
            break;
        }
    }
    free(guard);
    free(key);
    redisFree(c);
    if (rc != 1) {
        sg_log(SG_LOG_WARN, "gateway", in->id, "spooled message not "
               "stored in Redis: nothing was accepted");
        return -1;
    }
    /* Kept: the hash names the raw file from now on. */
    sg_spool_close(&sp->body);
    return 0;
}
