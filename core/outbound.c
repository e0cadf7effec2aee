/*
 * outbound.c - post stored outbound messages to partners' endpoints
 * (see outbound.h): claim, post with libcurl, record the outcome.
 *
 * The worker thread that runs the sweep does the posting, so each try
 * is bounded (connect and total timeouts) and one sweep posts at most
 * budget messages: a dead endpoint delays that worker's next entries by
 * budget x timeout at worst, never forever.
 * XXX: deliveries share the sweeping worker's thread; a slow endpoint
 * slows that worker's queue by up to budget x timeout per sweep.
 * XXX: a message stored "unsent" (no endpoint) is never picked up when
 * an endpoint is configured later; an operator adds its id to
 * sg:outbound-due by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "keys.h"
#include "log.h"
#include "outbound.h"

/*
 * Claim one due id for a lease.  KEYS: due set.  ARGV: id, now, lease
 * end.  1 when claimed, 0 when not due (any more).
 */
static const char sg_claim_lua[] =
    "local s = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not s or tonumber(s) > tonumber(ARGV[2]) then return 0 end\n"
    "redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])\n"
    "return 1\n";

struct sg_try {
    int ok;
    long http_status;
    char error[256];
};

void
sg_outbound_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
sg_outbound_discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* One POST; fills t. */
static void
sg_outbound_post(const char *url, const char *body, const char *ctype,
                 long timeout, struct sg_try *t)
{
    struct curl_slist *h = NULL;
    char header[160];
    CURLcode rc;
    CURL *curl;

    memset(t, 0, sizeof(*t));
    curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(t->error, sizeof(t->error), "cannot create a libcurl "
                 "handle");
        return;
    }
    snprintf(header, sizeof(header), "Content-Type: %s", ctype);
    h = curl_slist_append(h, header);
    curl_easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sg_outbound_discard);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        snprintf(t->error, sizeof(t->error), "%s", curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t->http_status);
        t->ok = t->http_status >= 200 && t->http_status < 300;
        if (!t->ok) {
            snprintf(t->error, sizeof(t->error), "HTTP status %ld",
                     t->http_status);
        }
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
}

static const char *
sg_outbound_field(const redisReply *h, const char *name)
{
    size_t i;

    for (i = 0; i + 1 < h->elements; i += 2) {
        if (h->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(h->element[i]->str, name) == 0 &&
            h->element[i + 1]->type == REDIS_REPLY_STRING) {
            return h->element[i + 1]->str;
        }
    }
    return "";
}

/* Run one command of a MULTI; 0 when queued. */
static int
sg_outbound_cmd(redisContext *c, int argc, const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    int rc = r != NULL && r->type != REDIS_REPLY_ERROR ? 0 : -1;

    if (r != NULL) {
        freeReplyObject(r);
    }
    return rc;
}

/* Write the outcome of one try, the event and the next step at once. */
static int
sg_outbound_record(redisContext *c, const struct sg_config *cfg,
                   const char *id, const redisReply *h,
                   const struct sg_try *t, long long now_ms)
{
    long attempts = strtol(sg_outbound_field(h, "attempts"), NULL, 10) + 1;
    long long next = 0, delay;
    const char *status, *type;
    char *key = sg_xasprintf(SG_KEY_OUTBOUND "%s", id);
    char *log_key = sg_xasprintf(SG_KEY_OUTBOUND "%s:attempts", id);
    char n_att[24], at[24], next_s[24], http[24], *detail;
    json_t *d;
    int rc = 0;

    if (t->ok) {
        status = "delivered";
        type = "replenishment_delivered";
    } else if (attempts >= cfg->repl_max_attempts) {
        status = "failed";
        type = "replenishment_failed";
    } else {
        status = "pending";
        type = "replenishment_retry";
        delay = cfg->repl_backoff * 1000LL;
        for (long k = 1; k < attempts && delay < 86400000LL; k++) {
            delay *= 2;
        }
        next = now_ms + delay;
    }
    snprintf(n_att, sizeof(n_att), "%ld", attempts);
    snprintf(at, sizeof(at), "%lld", now_ms);
    snprintf(next_s, sizeof(next_s), "%lld", next);
    snprintf(http, sizeof(http), "%ld", t->http_status);
    d = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:I}", "outbound", id,
                  "order", sg_outbound_field(h, "order"), "supplier",
                  sg_outbound_field(h, "supplier"), "attempt",
                  (int)attempts, "http_status", (int)t->http_status,
                  "error", t->error, "next_ms", (json_int_t)next);
    detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    {
        const char *multi[] = {"MULTI"};
        const char *hset[] = {"HSET", key, "status", status, "attempts",
                              n_att, "last_at", at, "last_error", t->error,
                              "http_status", http, "next_at", next_s};
        const char *push[] = {"RPUSH", log_key, detail};
        const char *zadd[] = {"ZADD", SG_KEY_OUTBOUND_DUE, next_s, id};
        const char *zrem[] = {"ZREM", SG_KEY_OUTBOUND_DUE, id};
        const char *xadd[] = {"XADD", SG_KEY_EVENTS, "*", "type", type,
                              "subject", "stock", "item",
                              sg_outbound_field(h, "item"), "warehouse",
                              sg_outbound_field(h, "warehouse"), "order",
                              sg_outbound_field(h, "order"), "detail",
                              detail, "at", at};
        const char *exec[] = {"EXEC"};

        rc |= sg_outbound_cmd(c, 1, multi);
        rc |= sg_outbound_cmd(c, 14, hset);
        rc |= sg_outbound_cmd(c, 3, push);
        if (next != 0) {
            rc |= sg_outbound_cmd(c, 4, zadd);
        } else {
            rc |= sg_outbound_cmd(c, 3, zrem);
        }
        rc |= sg_outbound_cmd(c, 17, xadd);
        rc |= sg_outbound_cmd(c, 1, exec);
    }
    sg_log(t->ok ? SG_LOG_INFO : SG_LOG_WARN, "outbound", id, "%s to %s: "
           "%s%s", sg_outbound_field(h, "order"),
           sg_outbound_field(h, "endpoint"), status,
           t->ok ? "" : t->error);
    free(detail);
    free(key);
    free(log_key);
    return rc;
}

/* Claim, post and record one id; 1 tried, 0 not ours, -1 Redis. */
static int
sg_outbound_one(redisContext *c, const struct sg_config *cfg,
                const char *id, long long now_ms)
{
    long long lease = now_ms + (cfg->repl_timeout * 2 + 5) * 1000LL;
    redisReply *r, *h;
    struct sg_try t;
    int rc;

    r = redisCommand(c, "EVAL %s 1 %s %s %lld %lld", sg_claim_lua,
                     SG_KEY_OUTBOUND_DUE, id, now_ms, lease);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    rc = (int)r->integer;
    freeReplyObject(r);
    if (rc == 0) {
        return 0;
    }
    h = redisCommand(c, "HGETALL " SG_KEY_OUTBOUND "%s", id);
    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        if (h != NULL) {
            freeReplyObject(h);
        }
        return -1;
    }
    if (h->elements == 0) {
        /* A due id with no record: nothing to send, drop it. */
        freeReplyObject(h);
        r = redisCommand(c, "ZREM %s %s", SG_KEY_OUTBOUND_DUE, id);
        if (r != NULL) {
            freeReplyObject(r);
        }
        return 0;
    }
    sg_outbound_post(sg_outbound_field(h, "endpoint"),
                     sg_outbound_field(h, "body"),
                     sg_outbound_field(h, "content_type"),
                     cfg->repl_timeout, &t);
    rc = sg_outbound_record(c, cfg, id, h, &t, sg_now_ms());
    freeReplyObject(h);
    return rc == 0 ? 1 : -1;
}

long
sg_outbound_deliver(redisContext *c, const struct sg_config *cfg,
                    long long now_ms, int budget)
{
    redisReply *r;
    long tried = 0;
    size_t i;
    int rc;

    r = redisCommand(c, "ZRANGEBYSCORE %s -inf %lld LIMIT 0 %d",
                     SG_KEY_OUTBOUND_DUE, now_ms, budget);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    for (i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        rc = sg_outbound_one(c, cfg, r->element[i]->str, now_ms);
        if (rc < 0) {
            freeReplyObject(r);
            return -1;
        }
        tried += rc;
    }
    freeReplyObject(r);
    return tried;
}
