/*
 * admin.c - the operator's endpoints (admin.h): list and replay dead
 * letters, ask for a configuration reload.
 *
 * A replay copies the dead letter back onto the stream it came from as
 * a new entry, with the partner and receipt time of its message, and
 * removes it from sg:dead, in one Lua script: it is either replayed once
 * or not at all.  The workers then treat it like any new entry.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "admin.h"
#include "keys.h"
#include "log.h"
#include "pool.h"

#define SG_ADMIN_LIST_MAX 100
#define SG_DEAD_PREFIX "/v1/admin/dead-letters"

struct sg_admin {
    struct sg_pool *pool;
};

/*
 * KEYS: the dead-letter stream.  ARGV: its entry id, the message key
 * prefix, the stream key prefix.
 * Returns {0} not found, {-1} not from a document stream, or
 * {1, new entry id, stream}.
 */
static const char sg_admin_replay_lua[] =
    "local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
    "if #e == 0 then return {0} end\n"
    "local h = {}\n"
    "local f = e[1][2]\n"
    "for i = 1, #f, 2 do h[f[i]] = f[i + 1] end\n"
    "local s = h['stream'] or ''\n"
    "if string.sub(s, 1, #ARGV[3]) ~= ARGV[3] or not h['msg'] then\n"
    "  return {-1}\n"
    "end\n"
    "local m = ARGV[2] .. h['msg']\n"
    "local partner = redis.call('HGET', m, 'partner') or ''\n"
    "local received = redis.call('HGET', m, 'received') or '0'\n"
    "local id = redis.call('XADD', s, '*', 'msg', h['msg'],\n"
    "  'doc', h['doc'] or '1', 'type', h['type'] or '',\n"
    "  'key', h['key'] or '', 'partner', partner,\n"
    "  'received', received, 'xml', h['xml'] or '',\n"
    "  'replayed_from', ARGV[1])\n"
    "redis.call('XDEL', KEYS[1], ARGV[1])\n"
    "return {1, id, s}\n";

struct sg_admin *
sg_admin_create(const char *redis_address)
{
    struct sg_admin *ad = sg_xcalloc(1, sizeof(*ad));

    ad->pool = sg_pool_create(redis_address);
    return ad;
}

void
sg_admin_free(struct sg_admin *ad)
{
    if (ad == NULL) {
        return;
    }
    sg_pool_free(ad->pool);
    free(ad);
}

/* "<ms>-<seq>", the only shape of a stream entry id. */
static int
sg_admin_entry_ok(const char *s, size_t n)
{
    size_t digits = strspn(s, "0123456789");

    if (n == 0 || n > 40 || digits == 0 || digits >= n || s[digits] != '-') {
        return 0;
    }
    return strspn(s + digits + 1, "0123456789") == n - digits - 1 &&
           n - digits - 1 > 0;
}

/* The entry of ".../dead-letters/<entry>/replay" into out, or -1. */
static int
sg_admin_replay_entry(const char *path, char *out, size_t outlen)
{
    static const char tail[] = "/replay";
    const char *p = path + strlen(SG_DEAD_PREFIX);
    size_t n = strlen(p);

    if (p[0] != '/' || n < sizeof(tail) + 1 ||
        strcmp(p + n - (sizeof(tail) - 1), tail) != 0) {
        return -1;
    }
    n -= sizeof(tail) - 1 + 1;
    if (n >= outlen || !sg_admin_entry_ok(p + 1, n)) {
        return -1;
    }
    memcpy(out, p + 1, n);
    out[n] = '\0';
    return 0;
}

int
sg_admin_handles(int is_post, const char *path)
{
    char entry[48];

    if (!is_post) {
        return strcmp(path, SG_DEAD_PREFIX) == 0;
    }
    return strcmp(path, "/v1/admin/reload") == 0 ||
           (strncmp(path, SG_DEAD_PREFIX, strlen(SG_DEAD_PREFIX)) == 0 &&
            sg_admin_replay_entry(path, entry, sizeof(entry)) == 0);
}

/* --- answers ---------------------------------------------------------- */

static void
sg_admin_json(struct sg_answer *out, int status, json_t *o)
{
    out->status = status;
    out->body = json_dumps(o, JSON_COMPACT);
    out->len = strlen(out->body);
    out->content_type = "application/json";
    json_decref(o);
}

/* One dead letter as JSON: its fields but the XML, and its id. */
static json_t *
sg_admin_dead_json(const redisReply *e)
{
    const redisReply *f = e->element[1];
    json_t *o = json_object(), *errs;
    size_t i;

    json_object_set_new(o, "id", json_string(e->element[0]->str));
    for (i = 0; i + 1 < f->elements; i += 2) {
        const char *k = f->element[i]->str, *v = f->element[i + 1]->str;

        if (k == NULL || v == NULL || strcmp(k, "xml") == 0) {
            continue;
        }
        if (strcmp(k, "errors") == 0 &&
            (errs = json_loads(v, 0, NULL)) != NULL) {
            json_object_set_new(o, k, errs);
        } else {
            json_object_set_new(o, k, json_string(v));
        }
    }
    return o;
}

static void
sg_admin_list(redisContext *c, struct sg_answer *out)
{
    redisReply *r, *n;
    json_t *arr = json_array();
    size_t i;

    r = redisCommand(c, "XRANGE %s - + COUNT %d", SG_KEY_DEAD,
                     SG_ADMIN_LIST_MAX);
    n = redisCommand(c, "XLEN %s", SG_KEY_DEAD);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || n == NULL ||
        n->type != REDIS_REPLY_INTEGER) {
        sg_answer_error(out, 503, "redis.error", "could not read the "
                        "dead letters");
        json_decref(arr);
    } else {
        for (i = 0; i < r->elements; i++) {
            if (r->element[i]->type == REDIS_REPLY_ARRAY &&
                r->element[i]->elements == 2) {
                json_array_append_new(arr,
                                      sg_admin_dead_json(r->element[i]));
            }
        }
        /* XXX: only the oldest SG_ADMIN_LIST_MAX are listed, there is
         * no paging; "total" tells how many more wait. */
        sg_admin_json(out, 200, json_pack("{s:o, s:I}", "dead_letters",
                                          arr, "total",
                                          (json_int_t)n->integer));
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    if (n != NULL) {
        freeReplyObject(n);
    }
}

static void
sg_admin_replay(redisContext *c, const char *entry, struct sg_answer *out)
{
    redisReply *r;
    long long rc;

    r = redisCommand(c, "EVAL %s 1 %s %s %s %s", sg_admin_replay_lua,
                     SG_KEY_DEAD, entry, SG_KEY_MSG, SG_KEY_STREAM);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
        sg_answer_error(out, 503, "redis.error", "the replay could not "
                        "run; nothing was changed");
    } else if ((rc = r->element[0]->integer) == 0) {
        sg_answer_error(out, 404, "dead_letter.not_found", "no dead letter "
                        "with this entry id");
    } else if (rc < 0 || r->elements < 3) {
        sg_answer_error(out, 422, "dead_letter.unreplayable", "this dead "
                        "letter names no document stream to go back to");
    } else {
        sg_log(SG_LOG_NOTICE, "admin", NULL, "dead letter %s replayed "
               "onto %s as %s", entry, r->element[2]->str,
               r->element[1]->str);
        sg_admin_json(out, 200, json_pack("{s:s, s:s, s:s}", "replayed",
                                          entry, "stream",
                                          r->element[2]->str, "entry",
                                          r->element[1]->str));
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
}

/* The daemon's main thread waits for SIGHUP (main.c): raise it there. */
static void
sg_admin_reload(struct sg_answer *out)
{
    if (kill(getpid(), SIGHUP) != 0) {
        sg_answer_error(out, 500, "reload.failed", "could not signal the "
                        "daemon");
        return;
    }
    sg_log(SG_LOG_NOTICE, "admin", NULL, "reload requested over HTTP");
    sg_admin_json(out, 202, json_pack("{s:s}", "reload", "requested"));
}

void
sg_admin_answer(struct sg_admin *ad, int is_post, const char *path,
                struct sg_answer *out)
{
    redisContext *c;
    char entry[48];

    memset(out, 0, sizeof(*out));
    if (is_post && strcmp(path, "/v1/admin/reload") == 0) {
        sg_admin_reload(out);
        return;
    }
    c = sg_pool_borrow(ad->pool, "admin");
    if (c == NULL) {
        sg_answer_error(out, 503, "redis.unavailable", "Redis is not "
                        "reachable; retry later");
        return;
    }
    if (is_post && sg_admin_replay_entry(path, entry, sizeof(entry)) == 0) {
        sg_admin_replay(c, entry, out);
    } else {
        sg_admin_list(c, out);
    }
    sg_pool_return(ad->pool, c);
}
