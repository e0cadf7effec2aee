/*
 * api.c - answer the read-only endpoints.
 *
 * Identifiers in URLs come from outside: they are checked against a
 * narrow alphabet before they become part of a Redis key, so a request
 * cannot reach keys it was not meant to.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "api.h"
#include "generation.h"
#include "keys.h"
#include "log.h"
#include "redis.h"
#include "rules_area.h"

#define SG_API_POOL 16

struct sg_api {
    char *address;
    const struct sg_plugins *plugins;
    struct sg_ingest *ingest;
    struct sg_generations *gens;    /* NULL: plugins above */
    pthread_mutex_t lock;
    redisContext *idle[SG_API_POOL];
    int n_idle;
};

struct sg_api *
sg_api_create(const char *redis_address, const struct sg_plugins *plugins,
              struct sg_ingest *ingest)
{
    struct sg_api *api = sg_xcalloc(1, sizeof(*api));

    api->address = sg_xstrdup(redis_address);
    api->plugins = plugins;
    api->ingest = ingest;
    pthread_mutex_init(&api->lock, NULL);
    return api;
}

void
sg_api_use_generations(struct sg_api *api, struct sg_generations *gens)
{
    api->gens = gens;
}

void
sg_api_free(struct sg_api *api)
{
    int i;

    if (api == NULL) {
        return;
    }
    for (i = 0; i < api->n_idle; i++) {
        redisFree(api->idle[i]);
    }
    pthread_mutex_destroy(&api->lock);
    free(api->address);
    free(api);
}

/* --- the connection pool ---------------------------------------------- */

static redisContext *
sg_api_borrow(struct sg_api *api)
{
    redisContext *c = NULL;
    char err[256];

    pthread_mutex_lock(&api->lock);
    if (api->n_idle > 0) {
        c = api->idle[--api->n_idle];
    }
    pthread_mutex_unlock(&api->lock);
    if (c == NULL) {
        c = sg_redis_connect(api->address, 2000, err, sizeof(err));
        if (c == NULL) {
            sg_log(SG_LOG_WARN, "api", NULL, "%s", err);
        }
    }
    return c;
}

/* Give a connection back; a broken one is closed instead. */
static void
sg_api_return(struct sg_api *api, redisContext *c)
{
    if (c == NULL) {
        return;
    }
    pthread_mutex_lock(&api->lock);
    if (c->err == 0 && api->n_idle < SG_API_POOL) {
        api->idle[api->n_idle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&api->lock);
    if (c != NULL) {
        redisFree(c);
    }
}

/* --- answers ------------------------------------------------------------ */

void
sg_answer_error(struct sg_answer *out, int status, const char *code,
                const char *text)
{
    json_t *o = json_pack("{s:s, s:s}", "error", code, "message", text);

    out->status = status;
    out->body = json_dumps(o, JSON_COMPACT);
    out->len = strlen(out->body);
    out->content_type = "application/json";
    json_decref(o);
}

static void
sg_answer_json(struct sg_answer *out, int status, json_t *o)
{
    out->status = status;
    out->body = json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
    out->len = strlen(out->body);
    out->content_type = "application/json";
    json_decref(o);
}

/*
 * Identifiers in URLs, as libmicrohttpd decoded them: printable ASCII,
 * at most 128 bytes.  Business keys never hold ":" (schemas/common.xsd,
 * type Key), so a ":" here can only reach an id with a ":" of its own
 * (acks are "<partner>:<control>") or a key of another type, which
 * Redis refuses with WRONGTYPE; nothing else becomes part of a key.
 * XXX: libmicrohttpd decodes %00 into the URL, so such an id ends there.
 */
static int
sg_api_safe_id(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++, n++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return n > 0 && n <= 128;
}

static void
sg_api_healthz(struct sg_api *api, struct sg_answer *out)
{
    int ok = sg_ingest_healthy(api->ingest);
    json_t *o = json_pack("{s:s, s:b}", "status", ok ? "ok" : "degraded",
                          "redis", ok);

    sg_answer_json(out, ok ? 200 : 503, o);
}

static void
sg_api_plugins(struct sg_api *api, struct sg_answer *out)
{
    struct sg_generation *g = api->gens != NULL ?
                              sg_generations_acquire(api->gens) : NULL;
    const struct sg_plugins *plugins = g != NULL ? g->plugins :
                                       api->plugins;
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < plugins->n; i++) {
        const struct sg_loaded_plugin *lp = &plugins->items[i];
        const struct sg_plugin *d = lp->desc;
        json_t *types = json_array(), *docs = json_array();
        const char *const *t;
        char abi[16];

        for (t = d->content_types; t != NULL && *t != NULL; t++) {
            json_array_append_new(types, json_string(*t));
        }
        for (t = d->document_types; t != NULL && *t != NULL; t++) {
            json_array_append_new(docs, json_string(*t));
        }
        snprintf(abi, sizeof(abi), "%u.%u", d->abi_major, d->abi_minor);
        json_array_append_new(arr, json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b}",
            "name", lp->name,
            "version", d->version ? d->version : "",
            "description", d->description ? d->description : "",
            "path", lp->path,
            "abi", abi,
            "content_types", types, "document_types", docs,
            "ready", lp->ready));
    }
    sg_answer_json(out, 200, json_pack("{s:o}", "plugins", arr));
    sg_generation_unref(g);
}

/* The field of an HGETALL reply, or NULL. */
static const redisReply *
sg_reply_field(const redisReply *r, const char *name)
{
    size_t i;

    for (i = 0; i + 1 < r->elements; i += 2) {
        if (strcmp(r->element[i]->str, name) == 0) {
            return r->element[i + 1];
        }
    }
    return NULL;
}

static json_t *
sg_reply_json_field(const redisReply *r, const char *name)
{
    const redisReply *f = sg_reply_field(r, name);
    json_t *v;

    if (f == NULL || f->type != REDIS_REPLY_STRING) {
        return json_null();
    }
    v = json_loadb(f->str, f->len, 0, NULL);
    return v != NULL ? v : json_stringn(f->str, f->len);
}

static json_t *
sg_reply_string_field(const redisReply *r, const char *name)
{
    const redisReply *f = sg_reply_field(r, name);

    if (f == NULL || f->type != REDIS_REPLY_STRING) {
        return json_null();
    }
    return json_stringn(f->str, f->len);
}

static void
sg_api_message(struct sg_api *api, const char *id, int raw,
               struct sg_answer *out)
{
    redisContext *c = sg_api_borrow(api);
    const redisReply *f;
    redisReply *r;
    char when[32];
    json_t *o;

    if (c == NULL) {
        sg_answer_error(out, 503, "redis.unavailable", "Redis is not "
                        "reachable; retry later");
        return;
    }
    r = redisCommand(c, "HGETALL %s%s", SG_KEY_MSG, id);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        sg_answer_error(out, 503, "redis.error", "could not read the "
                        "message");
    } else if (r->elements == 0) {
        sg_answer_error(out, 404, "message.not_found", "no message with "
                        "this id");
    } else if (raw && sg_reply_field(r, "raw_file") != NULL) {
        /* XXX: a spooled body is not served over HTTP: reading hundreds
         * of megabytes into an answer would defeat the spool. */
        sg_answer_error(out, 413, "message.raw_on_disk", "this body was "
                        "spooled (larger than body_limit); its raw bytes "
                        "are kept on the gateway host, in the file the "
                        "message's raw_file names");
    } else if (raw) {
        f = sg_reply_field(r, "raw");
        out->status = 200;
        out->len = f != NULL ? f->len : 0;
        out->body = sg_xstrndup(f != NULL ? f->str : "", out->len);
        out->content_type = "application/octet-stream";
    } else {
        f = sg_reply_field(r, "received");
        sg_format_time(f != NULL ? atoll(f->str) : 0, when, sizeof(when));
        f = sg_reply_field(r, "raw");
        o = json_object();
        json_object_set_new(o, "id", json_string(id));
        json_object_set_new(o, "status", sg_reply_string_field(r,
                                                               "status"));
        json_object_set_new(o, "plugin", sg_reply_string_field(r,
                                                               "plugin"));
        json_object_set_new(o, "content_type",
                            sg_reply_string_field(r, "content_type"));
        json_object_set_new(o, "partner", sg_reply_string_field(r,
                                                                "partner"));
        json_object_set_new(o, "received", json_string(when));
        json_object_set_new(o, "size", json_integer(f ? (long long)f->len
                                                      : 0));
        if (sg_reply_field(r, "raw_file") != NULL) {
            f = sg_reply_field(r, "raw_bytes");
            json_object_set_new(o, "size", json_integer(f ? atoll(f->str)
                                                          : 0));
            /* Where under state_dir, not the host's whole path. */
            f = sg_reply_field(r, "raw_file");
            if (f != NULL && strrchr(f->str, '/') != NULL) {
                char *rel = sg_xasprintf("raw/%s", strrchr(f->str, '/') + 1);

                json_object_set_new(o, "raw_file", json_string(rel));
                free(rel);
            }
        }
        json_object_set_new(o, "receipt", sg_reply_json_field(r,
                                                              "receipt"));
        json_object_set_new(o, "errors", sg_reply_json_field(r, "errors"));
        sg_answer_json(out, 200, o);
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    sg_api_return(api, c);
}

/* GET /v1/messages/<id>/ack: the acknowledgement sent for it. */
static void
sg_api_message_ack(struct sg_api *api, const char *id,
                   struct sg_answer *out)
{
    redisContext *c = sg_api_borrow(api);
    redisReply *r;

    if (c == NULL) {
        sg_answer_error(out, 503, "redis.unavailable", "Redis is not "
                        "reachable; retry later");
        return;
    }
    r = redisCommand(c, "HMGET %s%s ack ack_type", SG_KEY_MSG, id);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        sg_answer_error(out, 503, "redis.error", "could not read the "
                        "message");
    } else if (r->element[0]->type != REDIS_REPLY_STRING) {
        sg_answer_error(out, 404, "message.no_ack", "no message with "
                        "this id, or it was not EDI and got no "
                        "acknowledgement");
    } else {
        out->status = 200;
        out->len = r->element[0]->len;
        out->body = sg_xstrndup(r->element[0]->str, out->len);
        out->content_type = r->element[1]->type == REDIS_REPLY_STRING &&
            strcmp(r->element[1]->str, "application/EDIFACT") == 0 ?
            "application/EDIFACT" : "application/EDI-X12";
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    sg_api_return(api, c);
}

static void
sg_api_area(struct sg_api *api, const struct sg_area_route *rt,
            const char *id, struct sg_answer *out)
{
    redisContext *c = sg_api_borrow(api);
    char *text;
    int found = 0;

    if (c == NULL) {
        sg_answer_error(out, 503, "redis.unavailable", "Redis is not "
                        "reachable; retry later");
        return;
    }
    text = rt->json(c, id, &found);
    if (text != NULL) {
        out->status = 200;
        out->body = text;
        out->len = strlen(text);
        out->content_type = "application/json";
    } else if (found == 0) {
        sg_answer_error(out, 404, rt->not_found_code, rt->not_found_text);
    } else {
        sg_answer_error(out, 503, "redis.error", "could not read it");
    }
    sg_api_return(api, c);
}

/* The route of some area that path falls under, or NULL. */
static const struct sg_area_route *
sg_api_route(const char *path)
{
    const struct sg_rules_area *const *a;
    const struct sg_area_route *rt;

    for (a = sg_rules_areas; *a != NULL; a++) {
        for (rt = (*a)->routes; rt->prefix != NULL; rt++) {
            if (strncmp(path, rt->prefix, strlen(rt->prefix)) == 0) {
                return rt;
            }
        }
    }
    return NULL;
}

void
sg_api_get(struct sg_api *api, const char *path, struct sg_answer *out)
{
    const struct sg_area_route *rt;
    char id[160];
    size_t n;

    memset(out, 0, sizeof(*out));
    if (strcmp(path, "/healthz") == 0) {
        sg_api_healthz(api, out);
        return;
    }
    if (strcmp(path, "/v1/plugins") == 0) {
        sg_api_plugins(api, out);
        return;
    }
    if (strncmp(path, "/v1/messages/", 13) == 0) {
        snprintf(id, sizeof(id), "%s", path + 13);
        n = strlen(id);
        if (n > 4 && strcmp(id + n - 4, "/raw") == 0) {
            id[n - 4] = '\0';
            if (sg_api_safe_id(id)) {
                sg_api_message(api, id, 1, out);
                return;
            }
        } else if (n > 4 && strcmp(id + n - 4, "/ack") == 0) {
            id[n - 4] = '\0';
            if (sg_api_safe_id(id)) {
                sg_api_message_ack(api, id, out);
                return;
            }
        } else if (sg_api_safe_id(id)) {
            sg_api_message(api, id, 0, out);
            return;
        }
    }
    rt = sg_api_route(path);
    if (rt != NULL && sg_api_safe_id(path + strlen(rt->prefix))) {
        sg_api_area(api, rt, path + strlen(rt->prefix), out);
        return;
    }
    sg_answer_error(out, 404, "not_found", "no such resource");
}
