/*
 * worker.c - the threads that take canonical documents off the streams,
 * hand them to the rules, reclaim what dead workers left behind and
 * move documents that keep failing to the dead-letter stream.  See
 * worker.h.
 *
 * Workers read with XREADGROUP in the group SG_GROUP, one consumer name
 * per thread ("<host>-<pid>-<n>").  An entry stays pending until the
 * rules acknowledge it together with its state change, so a worker that
 * dies, or a daemon that is killed, leaves its entries pending; the
 * reclaimer thread ("<host>-<pid>-reclaim") claims entries idle longer
 * than reclaim_idle_ms and runs them itself.  A failure is counted in
 * sg:attempts:<stream>:<entry>; after max_attempts failures, or after
 * more than max_attempts deliveries that never completed (an entry that
 * crashes whoever takes it), the entry goes to sg:dead and is acked.
 *
 * A redelivered entry may already have been applied by a worker that
 * was merely slow; the rules find their applied-marker and change
 * nothing, so running an entry twice is safe.
 *
 * XXX: acknowledged entries are never trimmed from the streams and the
 * consumer names of earlier runs stay in the group; a long-running
 * gateway's streams and XINFO CONSUMERS grow until someone trims them.
 * XXX: an entry the rules answer SG_RULES_RETRY waits reclaim_idle_ms
 * before anyone tries it again, and each retry counts as a delivery: if
 * Redis keeps refusing the rules' writes (say, maxmemory reached) while
 * still answering the reclaimer, a sound document lands in sg:dead as
 * "delivered N times without completing" and must be replayed by hand.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "errors.h"
#include "keys.h"
#include "log.h"
#include "redis.h"
#include "util.h"
#include "worker.h"

#define SG_WORKER_COUNT         32
#define SG_WORKER_BLOCK_MS      1000
/* Must exceed the BLOCK time of XREADGROUP. */
#define SG_WORKER_TIMEOUT_MS    5000
#define SG_WORKER_BACKOFF_MIN   100
#define SG_WORKER_BACKOFF_MAX   2000
#define SG_WORKER_PENDING_PAGE  100

struct sg_workers;

/* One thread: a worker or the reclaimer. */
struct sg_worker {
    struct sg_workers *w;
    pthread_t thread;
    int started;
    char consumer[300];
    redisContext *c;
};

struct sg_workers {
    char *address;
    char **streams;             /* "sg:stream:<type>" */
    size_t n_streams;
    struct sg_worker_handler h;
    int n_workers;
    long reclaim_idle_ms;
    int max_attempts;
    long sweep_interval;        /* seconds; 0 disables the sweep */

    struct sg_worker *threads;  /* n_workers + 1: the last reclaims */
    atomic_int stop;
    atomic_int outage;          /* Redis unreachable, logged once */
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* broadcast on stop */
};

/*
 * Record one failure of an entry, or dead-letter it.  All in one script
 * so that counting, merging the error lists, the dead-letter entry, its
 * XACK and the removal of the counter happen atomically.
 *
 * KEYS: attempts hash, dead-letter stream, the entry's stream.
 * ARGV: group, entry id, new errors (a JSON array, "" for none), count
 * this as a failure (1/0), max attempts (0: dead-letter now), reason
 * ("" for the default), attempts to report ("" for the count), msg, doc,
 * type, key, xml, now ms.
 * Returns {dead (0/1), failures so far}.
 */
static const char sg_worker_fail_lua[] =
    "local n = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')\n"
    "local old = redis.call('HGET', KEYS[1], 'errors')\n"
    "local list = {}\n"
    "if old then list = cjson.decode(old) end\n"
    "if ARGV[3] ~= '' then\n"
    "  for _, e in ipairs(cjson.decode(ARGV[3])) do\n"
    "    list[#list + 1] = e\n"
    "  end\n"
    "end\n"
    "if ARGV[4] == '1' then n = n + 1 end\n"
    "local text = '[]'\n"
    "if #list > 0 then text = cjson.encode(list) end\n"
    "local max = tonumber(ARGV[5])\n"
    "if max > 0 and n < max then\n"
    "  redis.call('HSET', KEYS[1], 'count', n, 'last', ARGV[3],\n"
    "             'errors', text, 'at', ARGV[13])\n"
    "  return {0, n}\n"
    "end\n"
    "local reason = ARGV[6]\n"
    "if reason == '' then reason = 'failed ' .. n .. ' times' end\n"
    "local attempts = ARGV[7]\n"
    "if attempts == '' then attempts = tostring(n) end\n"
    "redis.call('XADD', KEYS[2], '*', 'stream', KEYS[3],\n"
    "           'entry', ARGV[2], 'msg', ARGV[8], 'doc', ARGV[9],\n"
    "           'type', ARGV[10], 'key', ARGV[11], 'attempts', attempts,\n"
    "           'errors', text, 'xml', ARGV[12], 'reason', reason)\n"
    "redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])\n"
    "redis.call('DEL', KEYS[1])\n"
    "return {1, n}\n";

/* An entry as read, with the fields the rules do not need too. */
struct sg_worker_entry {
    struct sg_entry e;
    const char *doc;
};

/* Helpers -------------------------------------------------------------- */

/* Sleep ms or until stop.  Returns 1 when stopping. */
static int
sg_worker_nap(struct sg_workers *w, long ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    while (!atomic_load(&w->stop)) {
        if (pthread_cond_timedwait(&w->wake, &w->lock, &until) ==
            ETIMEDOUT) {
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return atomic_load(&w->stop);
}

/* Forget a broken connection; the loop reconnects. */
static void
sg_worker_drop(struct sg_worker *t)
{
    if (t->c == NULL) {
        return;
    }
    if (atomic_exchange(&t->w->outage, 1) == 0) {
        sg_log(SG_LOG_WARN, "worker", NULL, "lost Redis at %s: %s; "
               "documents wait in their streams until it is back (check "
               "that redis-server is running)", t->w->address,
               t->c->errstr);
    }
    redisFree(t->c);
    t->c = NULL;
}

/* Create every group at id 0, so that no entry written before the
 * group existed is skipped; BUSYGROUP means it is already there. */
static int
sg_worker_groups(struct sg_worker *t)
{
    redisReply *r;
    size_t i;

    for (i = 0; i < t->w->n_streams; i++) {
        r = redisCommand(t->c, "XGROUP CREATE %s %s 0 MKSTREAM",
                         t->w->streams[i], SG_GROUP);
        if (r == NULL) {
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR &&
            strncmp(r->str, "BUSYGROUP", 9) != 0) {
            sg_log(SG_LOG_ERROR, "worker", NULL, "cannot create group %s "
                   "on %s: %s", SG_GROUP, t->w->streams[i], r->str);
        }
        freeReplyObject(r);
    }
    return 0;
}

/* Connect with backoff until it works or stop is asked. */
static int
sg_worker_connect(struct sg_worker *t)
{
    long backoff = SG_WORKER_BACKOFF_MIN;
    char err[256];

    while (!atomic_load(&t->w->stop)) {
        t->c = sg_redis_connect(t->w->address, SG_WORKER_TIMEOUT_MS, err,
                                sizeof(err));
        if (t->c != NULL && sg_worker_groups(t) == 0) {
            if (atomic_exchange(&t->w->outage, 0) == 1) {
                sg_log(SG_LOG_NOTICE, "worker", NULL, "Redis at %s is "
                       "back; processing again", t->w->address);
            }
            return 0;
        }
        if (t->c != NULL) {
            sg_worker_drop(t);
        } else if (atomic_exchange(&t->w->outage, 1) == 0) {
            sg_log(SG_LOG_WARN, "worker", NULL, "%s; retrying (check "
                   "that redis-server is running)", err);
        }
        if (sg_worker_nap(t->w, backoff)) {
            break;
        }
        backoff = backoff * 2 > SG_WORKER_BACKOFF_MAX ?
                  SG_WORKER_BACKOFF_MAX : backoff * 2;
    }
    return -1;
}

/*
 * Fill out from one stream entry reply [id, [field, value, ...]].
 * Returns 0, or -1 when the entry has no fields (it was deleted from
 * the stream while pending).
 */
static int
sg_worker_parse(const char *stream, const redisReply *r,
                struct sg_worker_entry *out)
{
    const redisReply *f, *k, *v;
    size_t i;

    memset(out, 0, sizeof(*out));
    out->e.stream = stream;
    out->e.group = SG_GROUP;
    out->e.msg = out->e.type = out->e.key = out->e.partner = "";
    out->e.xml = "";
    out->doc = "";
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        return -1;
    }
    out->e.id = r->element[0]->str;
    f = r->element[1];
    if (f->type != REDIS_REPLY_ARRAY) {
        return -1;
    }
    for (i = 0; i + 1 < f->elements; i += 2) {
        k = f->element[i];
        v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            continue;
        }
        if (strcmp(k->str, "msg") == 0) {
            out->e.msg = v->str;
        } else if (strcmp(k->str, "doc") == 0) {
            out->doc = v->str;
        } else if (strcmp(k->str, "type") == 0) {
            out->e.type = v->str;
        } else if (strcmp(k->str, "key") == 0) {
            out->e.key = v->str;
        } else if (strcmp(k->str, "partner") == 0) {
            out->e.partner = v->str;
        } else if (strcmp(k->str, "received") == 0) {
            out->e.received_ms = strtoll(v->str, NULL, 10);
        } else if (strcmp(k->str, "xml") == 0) {
            out->e.xml = v->str;
            out->e.xml_len = v->len;
        }
    }
    return 0;
}

/* Acknowledge an entry that cannot be processed at all. */
static void
sg_worker_ack(struct sg_worker *t, const char *stream, const char *id)
{
    redisReply *r = redisCommand(t->c, "XACK %s %s %s", stream, SG_GROUP,
                                 id);

    if (r != NULL) {
        freeReplyObject(r);
    }
}

/* Failures and dead letters -------------------------------------------- */

/*
 * Run the failure script.  errors_json may be NULL (no new error),
 * max 0 dead-letters now.  Returns 1 dead-lettered, 0 counted, -1 on a
 * Redis error.
 */
static int
sg_worker_fail(struct sg_worker *t, const struct sg_worker_entry *x,
               const char *errors_json, int count_it, int max,
               const char *reason, const char *attempts, long long *n)
{
    const char *argv[20];
    size_t len[20];
    char *akey, snum[2][32];
    redisReply *r;
    int i, argc = 0, rc = -1;

    akey = sg_xasprintf("%s%s:%s", SG_KEY_ATTEMPTS, x->e.stream, x->e.id);
    snprintf(snum[0], sizeof(snum[0]), "%d", max);
    snprintf(snum[1], sizeof(snum[1]), "%lld", sg_now_ms());
    argv[argc++] = "EVAL";
    argv[argc++] = sg_worker_fail_lua;
    argv[argc++] = "3";
    argv[argc++] = akey;
    argv[argc++] = SG_KEY_DEAD;
    argv[argc++] = x->e.stream;
    argv[argc++] = SG_GROUP;
    argv[argc++] = x->e.id;
    argv[argc++] = errors_json != NULL ? errors_json : "";
    argv[argc++] = count_it ? "1" : "0";
    argv[argc++] = snum[0];
    argv[argc++] = reason != NULL ? reason : "";
    argv[argc++] = attempts != NULL ? attempts : "";
    argv[argc++] = x->e.msg;
    argv[argc++] = x->doc;
    argv[argc++] = x->e.type;
    argv[argc++] = x->e.key;
    argv[argc++] = x->e.xml;
    argv[argc++] = snum[1];
    for (i = 0; i < argc; i++) {
        len[i] = strlen(argv[i]);
    }
    len[17] = x->e.xml_len;     /* the XML may hold anything */

    r = redisCommandArgv(t->c, argc, argv, len);
    if (r == NULL) {
        sg_worker_drop(t);
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[0]->type == REDIS_REPLY_INTEGER) {
        rc = (int)r->element[0]->integer;
        *n = r->element[1]->integer;
    } else {
        sg_log(SG_LOG_ERROR, "worker", x->e.msg, "cannot record the "
               "failure of %s %s: %s", x->e.stream, x->e.id,
               r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    free(akey);
    return rc;
}

/* The rules said the document cannot be applied. */
static void
sg_worker_failed(struct sg_worker *t, const struct sg_worker_entry *x,
                 struct sg_errors *errs)
{
    char *json;
    long long n = 0;
    int rc;

    if (errs->n == 0) {
        sg_errors_addf(errs, "rules.failed", "the rules failed without "
                       "saying why");
    }
    json = sg_errors_to_json(errs);
    rc = sg_worker_fail(t, x, json, 1, t->w->max_attempts, NULL, NULL,
                        &n);
    if (rc == 1) {
        sg_log(SG_LOG_WARN, "worker", x->e.msg, "%s %s (%s %s) failed %lld "
               "times; moved to %s: %s", x->e.stream, x->e.id, x->e.type,
               x->e.key, n, SG_KEY_DEAD, errs->items[0].text);
    } else if (rc == 0) {
        sg_log(SG_LOG_NOTICE, "worker", x->e.msg, "%s %s (%s %s) failed "
               "(attempt %lld of %d): %s", x->e.stream, x->e.id,
               x->e.type, x->e.key, n, t->w->max_attempts,
               errs->items[0].text);
    }
    free(json);
}

/* Processing ----------------------------------------------------------- */

static void
sg_worker_process(struct sg_worker *t, const char *stream,
                  const redisReply *r)
{
    struct sg_worker_entry x;
    struct sg_errors errs;
    enum sg_rules_result res;

    if (sg_worker_parse(stream, r, &x) != 0) {
        if (x.e.id != NULL) {
            sg_log(SG_LOG_NOTICE, "worker", NULL, "%s %s was deleted "
                   "while pending; acknowledging it", stream, x.e.id);
            sg_worker_ack(t, stream, x.e.id);
        }
        return;
    }
    sg_errors_init(&errs, 0);
    res = t->w->h.apply(t->w->h.arg, t->c, &x.e, sg_now_ms(), &errs);
    switch (res) {
    case SG_RULES_OK:
        sg_log(SG_LOG_DEBUG, "worker", x.e.msg, "applied %s %s (%s %s)",
               stream, x.e.id, x.e.type, x.e.key);
        break;
    case SG_RULES_FAILED:
        sg_worker_failed(t, &x, &errs);
        break;
    case SG_RULES_RETRY:
    default:
        /* Left pending: the reclaimer hands it out again after
         * reclaim_idle_ms. */
        sg_log(SG_LOG_INFO, "worker", x.e.msg, "%s %s left pending for a "
               "retry%s%s", stream, x.e.id,
               t->c != NULL && t->c->err ? ": " : "",
               t->c != NULL && t->c->err ? t->c->errstr : "");
        if (t->c != NULL && t->c->err) {
            sg_worker_drop(t);
        }
        sg_worker_nap(t->w, SG_WORKER_BACKOFF_MIN);
        break;
    }
    sg_errors_free(&errs);
}

/* Run every entry of an XREADGROUP reply [[stream, [entry...]]...]. */
static void
sg_worker_process_reply(struct sg_worker *t, const redisReply *r)
{
    const redisReply *s, *entries;
    size_t i, j;

    for (i = 0; i < r->elements; i++) {
        s = r->element[i];
        if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
            s->element[0]->type != REDIS_REPLY_STRING) {
            continue;
        }
        entries = s->element[1];
        for (j = 0; j < entries->elements; j++) {
            /* A broken connection cannot ack what is left; those
             * entries stay pending and are reclaimed. */
            if (t->c == NULL) {
                return;
            }
            sg_worker_process(t, s->element[0]->str, entries->element[j]);
        }
    }
}

/* One XREADGROUP round. */
static void
sg_worker_read(struct sg_worker *t)
{
    struct sg_workers *w = t->w;
    const char **argv;
    redisReply *r;
    char count[16], block[16];
    size_t i;
    int argc = 0;

    argv = sg_xmalloc((9 + 2 * w->n_streams) * sizeof(*argv));
    snprintf(count, sizeof(count), "%d", SG_WORKER_COUNT);
    snprintf(block, sizeof(block), "%d", SG_WORKER_BLOCK_MS);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = SG_GROUP;
    argv[argc++] = t->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count;
    argv[argc++] = "BLOCK";
    argv[argc++] = block;
    argv[argc++] = "STREAMS";
    for (i = 0; i < w->n_streams; i++) {
        argv[argc++] = w->streams[i];
    }
    for (i = 0; i < w->n_streams; i++) {
        argv[argc++] = ">";
    }
    r = redisCommandArgv(t->c, argc, argv, NULL);
    free(argv);

    if (r == NULL) {
        sg_worker_drop(t);
        return;
    }
    if (r->type == REDIS_REPLY_ARRAY) {
        sg_worker_process_reply(t, r);
    } else if (r->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: someone deleted a stream; make the group again. */
        sg_log(SG_LOG_WARN, "worker", NULL, "XREADGROUP: %s", r->str);
        sg_worker_groups(t);
        sg_worker_nap(w, SG_WORKER_BACKOFF_MAX);
    }
    freeReplyObject(r);
}

static void
sg_worker_block_sigpipe(void)
{
    sigset_t pipe;

    /* A write to a Redis that just died must fail with EPIPE, not kill
     * the daemon; the signal stays pending on this thread only. */
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
}

static void *
sg_worker_main(void *arg)
{
    struct sg_worker *t = arg;

    sg_worker_block_sigpipe();
    while (!atomic_load(&t->w->stop)) {
        if (t->c == NULL && sg_worker_connect(t) != 0) {
            break;
        }
        sg_worker_read(t);
    }
    if (t->c != NULL) {
        redisFree(t->c);
        t->c = NULL;
    }
    return NULL;
}

/* The reclaimer -------------------------------------------------------- */

/* Dead-letter an entry that was delivered too often without an end. */
static void
sg_worker_poison(struct sg_worker *t, const struct sg_worker_entry *x,
                 long long deliveries)
{
    char reason[96], attempts[32], *json;
    struct sg_errors errs;
    long long n = 0;

    snprintf(reason, sizeof(reason), "delivered %lld times without "
             "completing", deliveries);
    snprintf(attempts, sizeof(attempts), "%lld", deliveries);
    sg_errors_init(&errs, 0);
    sg_errors_addf(&errs, "worker.poison", "%s", reason);
    json = sg_errors_to_json(&errs);
    if (sg_worker_fail(t, x, json, 0, 0, reason, attempts, &n) == 1) {
        sg_log(SG_LOG_WARN, "worker", x->e.msg, "%s %s (%s %s) was %s; "
               "moved to %s", x->e.stream, x->e.id, x->e.type, x->e.key,
               reason, SG_KEY_DEAD);
    }
    free(json);
    sg_errors_free(&errs);
}

/*
 * Claim one pending entry and run it, or dead-letter it when it was
 * delivered more than max_attempts times.  XCLAIM with the idle bound
 * makes sure that of two reclaimers (two daemons) only one gets it.
 */
static void
sg_worker_reclaim_one(struct sg_worker *t, const char *stream,
                      const char *id, long long deliveries)
{
    struct sg_worker_entry x;
    const redisReply *e;
    redisReply *r;

    r = redisCommand(t->c, "XCLAIM %s %s %s %ld %s", stream, SG_GROUP,
                     t->consumer, t->w->reclaim_idle_ms, id);
    if (r == NULL) {
        sg_worker_drop(t);
        return;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
        freeReplyObject(r);     /* taken by someone else, or acked */
        return;
    }
    e = r->element[0];
    if (e->type == REDIS_REPLY_NIL) {
        /* Deleted from the stream while pending (Redis < 7). */
        sg_worker_ack(t, stream, id);
    } else if (deliveries > t->w->max_attempts) {
        if (sg_worker_parse(stream, e, &x) == 0) {
            sg_worker_poison(t, &x, deliveries);
        }
    } else {
        sg_log(SG_LOG_INFO, "worker", NULL, "reclaimed %s %s (delivery "
               "%lld)", stream, id, deliveries + 1);
        sg_worker_process(t, stream, e);
    }
    freeReplyObject(r);
}

/* Look for entries idle too long in one stream. */
static void
sg_worker_reclaim_stream(struct sg_worker *t, const char *stream)
{
    const redisReply *p;
    redisReply *r;
    size_t i;

    r = redisCommand(t->c, "XPENDING %s %s IDLE %ld - + %d", stream,
                     SG_GROUP, t->w->reclaim_idle_ms,
                     SG_WORKER_PENDING_PAGE);
    if (r == NULL) {
        sg_worker_drop(t);
        return;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        sg_log(SG_LOG_WARN, "worker", NULL, "XPENDING %s: %s", stream,
               r->str);
        if (strncmp(r->str, "NOGROUP", 7) == 0) {
            sg_worker_groups(t);
        }
    }
    for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        p = r->element[i];
        if (t->c == NULL || atomic_load(&t->w->stop)) {
            break;
        }
        if (p->type != REDIS_REPLY_ARRAY || p->elements < 4 ||
            p->element[0]->type != REDIS_REPLY_STRING) {
            continue;
        }
        sg_worker_reclaim_one(t, stream, p->element[0]->str,
                              p->element[3]->integer);
    }
    freeReplyObject(r);
}

static void
sg_worker_sweep(struct sg_worker *t)
{
    long n;

    n = t->w->h.sweep(t->w->h.arg, t->c, sg_now_ms());
    if (n < 0) {
        sg_log(SG_LOG_WARN, "worker", NULL, "deadline sweep failed%s%s",
               t->c->err ? ": " : "", t->c->err ? t->c->errstr : "");
        if (t->c->err) {
            sg_worker_drop(t);
        }
    } else if (n > 0) {
        sg_log(SG_LOG_INFO, "worker", NULL, "deadline sweep: %ld "
               "breaches", n);
    }
}

static void *
sg_worker_reclaimer(void *arg)
{
    struct sg_worker *t = arg;
    struct sg_workers *w = t->w;
    long period = w->reclaim_idle_ms / 2;
    long long next_sweep;
    size_t i;

    sg_worker_block_sigpipe();
    if (period < 100) {
        period = 100;
    }
    next_sweep = sg_now_ms() + w->sweep_interval * 1000;
    while (!atomic_load(&w->stop)) {
        if (t->c == NULL && sg_worker_connect(t) != 0) {
            break;
        }
        for (i = 0; i < w->n_streams && t->c != NULL; i++) {
            sg_worker_reclaim_stream(t, w->streams[i]);
        }
        if (t->c != NULL && w->h.sweep != NULL && w->sweep_interval > 0 &&
            sg_now_ms() >= next_sweep) {
            next_sweep = sg_now_ms() + w->sweep_interval * 1000;
            sg_worker_sweep(t);
        }
        sg_worker_nap(w, period);
    }
    if (t->c != NULL) {
        redisFree(t->c);
        t->c = NULL;
    }
    return NULL;
}

/* Start and stop ------------------------------------------------------- */

static void
sg_workers_free(struct sg_workers *w)
{
    size_t i;

    for (i = 0; i < w->n_streams; i++) {
        free(w->streams[i]);
    }
    free(w->streams);
    free(w->threads);
    free(w->address);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

struct sg_workers *
sg_workers_start(const struct sg_config *cfg, const char *address,
                 const char *const *doc_types,
                 const struct sg_worker_handler *h)
{
    struct sg_workers *w = sg_xcalloc(1, sizeof(*w));
    struct sg_worker *t;
    char host[256];
    size_t i;
    int n;

    w->address = sg_xstrdup(address);
    w->h = *h;
    w->n_workers = cfg->workers > 0 ? cfg->workers : 1;
    w->reclaim_idle_ms = cfg->reclaim_idle_ms > 0 ?
                         cfg->reclaim_idle_ms : 30000;
    w->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 1;
    w->sweep_interval = cfg->sweep_interval;
    for (n = 0; doc_types[n] != NULL; n++) {
        continue;
    }
    w->streams = sg_xcalloc((size_t)n + 1, sizeof(*w->streams));
    for (i = 0; i < (size_t)n; i++) {
        w->streams[i] = sg_xasprintf("%s%s", SG_KEY_STREAM, doc_types[i]);
    }
    w->n_streams = (size_t)n;
    atomic_init(&w->stop, 0);
    atomic_init(&w->outage, 0);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    w->threads = sg_xcalloc((size_t)w->n_workers + 1, sizeof(*w->threads));
    for (n = 0; n <= w->n_workers; n++) {
        t = &w->threads[n];
        t->w = w;
        if (n < w->n_workers) {
            snprintf(t->consumer, sizeof(t->consumer), "%s-%ld-%d", host,
                     (long)getpid(), n);
        } else {
            snprintf(t->consumer, sizeof(t->consumer), "%s-%ld-reclaim",
                     host, (long)getpid());
        }
        if (pthread_create(&t->thread, NULL, n < w->n_workers ?
                           sg_worker_main : sg_worker_reclaimer, t) != 0) {
            sg_log(SG_LOG_ERROR, "worker", NULL, "cannot start a worker "
                   "thread: %s", strerror(errno));
            sg_workers_stop(w);
            return NULL;
        }
        t->started = 1;
    }
    sg_log(SG_LOG_INFO, "worker", NULL, "%d workers on %zu streams, "
           "reclaiming after %ld ms, dead letter after %d attempts",
           w->n_workers, w->n_streams, w->reclaim_idle_ms, w->max_attempts);
    return w;
}

void
sg_workers_stop(struct sg_workers *w)
{
    int n;

    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->stop, 1);
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    for (n = 0; n <= w->n_workers; n++) {
        if (w->threads[n].started) {
            pthread_join(w->threads[n].thread, NULL);
        }
    }
    sg_workers_free(w);
}
