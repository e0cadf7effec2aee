/*
 * ingest.c - the batched durable writer between the HTTP threads and
 * Redis.  See ingest.h.
 *
 * HTTP threads format each message's commands themselves (so the costly
 * copying of bodies runs in parallel) and queue the result.  One writer
 * thread takes everything queued since its last round, writes it as one
 * pipeline, reads the replies in order and calls each message's done
 * callback.  With appendfsync always, Redis fsyncs once per event-loop
 * write batch, so one round of many messages costs about one fsync: a
 * client that waits for each reply gets about 4k XADD/s here, a pipeline
 * fed by many clients about 60k/s.
 *
 * Each message is one MULTI ... EXEC: its hash and its stream entries
 * are stored together or not at all.  Consumer groups are created by the
 * workers at id 0 (worker.c), so entries written before a group exists
 * are still delivered.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "ingest.h"
#include "ingest_guard.h"
#include "keys.h"
#include "log.h"
#include "redis.h"
#include "util.h"

/* Bounds of one round, so that the pipeline and its replies stay a
 * reasonable size however fast messages arrive. */
#define SG_INGEST_ROUND_MSGS    512
#define SG_INGEST_ROUND_BYTES   (32u * 1024 * 1024)

#define SG_INGEST_CONNECT_MS    2000
/* Generous: one round may carry 32 MiB and an fsync on a slow disk. */
#define SG_INGEST_COMMAND_MS    10000
#define SG_INGEST_BACKOFF_MIN   100
#define SG_INGEST_BACKOFF_MAX   2000

/* One queued message: its commands, already in the wire format. */
struct sg_ingest_item {
    struct sg_ingest_item *next;
    char *id;                   /* for log lines */
    char *cmds;                 /* MULTI ... EXEC, formatted */
    size_t cmds_len;
    int n_replies;              /* replies those commands produce */
    struct sg_ingest_guard *guard;  /* one EVAL instead of MULTI/EXEC */
    sg_ingest_done_fn done;
    void *arg;
};

struct sg_ingest {
    char *address;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;        /* work queued, or stop asked */
    struct sg_ingest_item *head, *tail;   /* under lock */
    int stopping;               /* under lock */
    atomic_int healthy;
    redisContext *c;            /* writer thread only, after start */

    /* Counters for tests and statistics, under lock. */
    unsigned long rounds;
    unsigned long messages;
};

/* Command building ----------------------------------------------------- */

/* An argument vector for one command; values are borrowed. */
struct sg_argv {
    const char **v;
    size_t *len;
    int n;
    int cap;
    char num[16][32];           /* storage for numbers we format */
    int n_num;
    struct sg_guard_cmds *collect;  /* gather for the guard instead */
};

static void
sg_argv_reset(struct sg_argv *a)
{
    a->n = 0;
    a->n_num = 0;
}

static void
sg_argv_add(struct sg_argv *a, const void *p, size_t len)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = sg_xrealloc(a->v, (size_t)a->cap * sizeof(*a->v));
        a->len = sg_xrealloc(a->len, (size_t)a->cap * sizeof(*a->len));
    }
    a->v[a->n] = p;
    a->len[a->n] = len;
    a->n++;
}

static void
sg_argv_adds(struct sg_argv *a, const char *s)
{
    if (s == NULL) {
        s = "";
    }
    sg_argv_add(a, s, strlen(s));
}

static void
sg_argv_addll(struct sg_argv *a, long long v)
{
    char *slot;

    /* Callers add few numbers per command; 16 slots is plenty. */
    if (a->n_num >= 16) {
        abort();
    }
    slot = a->num[a->n_num++];
    snprintf(slot, sizeof(a->num[0]), "%lld", v);
    sg_argv_adds(a, slot);
}

static void
sg_argv_free(struct sg_argv *a)
{
    free(a->v);
    free(a->len);
}

/* Format the vector and append it to out. */
static void
sg_argv_emit(struct sg_argv *a, struct sg_buf *out, int *n_replies)
{
    char *cmd = NULL;
    int len;

    if (a->collect != NULL) {
        sg_guard_add(a->collect, a->n, a->v, a->len);
        sg_argv_reset(a);
        return;
    }
    len = redisFormatCommandArgv(&cmd, a->n, a->v, a->len);
    if (len < 0 || cmd == NULL) {
        /* Only an allocation failure makes hiredis fail here. */
        sg_log(SG_LOG_ERROR, "ingest", NULL, "out of memory formatting "
               "a Redis command");
        abort();
    }
    sg_buf_add(out, cmd, (size_t)len);
    redisFreeCommand(cmd);
    (*n_replies)++;
    sg_argv_reset(a);
}

/* The code of the first error of a JSON error list, or "". */
static char *
sg_ingest_first_code(const char *errors_json)
{
    json_t *list, *code;
    char *out;

    if (errors_json == NULL) {
        return sg_xstrdup("");
    }
    list = json_loads(errors_json, 0, NULL);
    code = json_is_array(list) ?
           json_object_get(json_array_get(list, 0), "code") : NULL;
    out = sg_xstrdup(json_is_string(code) ? json_string_value(code) : "");
    json_decref(list);
    return out;
}

static void
sg_ingest_emit_hash(struct sg_argv *a, struct sg_buf *out, int *n,
                    const struct sg_ingest_msg *m, const char *key)
{
    sg_argv_adds(a, "HSET");
    sg_argv_adds(a, key);
    sg_argv_adds(a, "id");
    sg_argv_adds(a, m->id);
    sg_argv_adds(a, "status");
    sg_argv_adds(a, m->accepted ? "accepted" : "rejected");
    sg_argv_adds(a, "plugin");
    sg_argv_adds(a, m->plugin);
    sg_argv_adds(a, "content_type");
    sg_argv_adds(a, m->content_type);
    sg_argv_adds(a, "partner");
    sg_argv_adds(a, m->partner);
    sg_argv_adds(a, "received");
    sg_argv_addll(a, m->received_ms);
    sg_argv_adds(a, "raw");
    sg_argv_add(a, m->raw != NULL ? (const void *)m->raw : "", m->raw_len);
    if (m->accepted) {
        sg_argv_adds(a, "receipt");
        sg_argv_adds(a, m->receipt_json != NULL ? m->receipt_json : "{}");
        sg_argv_adds(a, "docs");
        sg_argv_addll(a, (long long)m->n_docs);
    } else {
        sg_argv_adds(a, "errors");
        sg_argv_adds(a, m->errors_json != NULL ? m->errors_json : "[]");
        sg_argv_adds(a, "docs");
        sg_argv_adds(a, "0");
    }
    if (m->ack != NULL) {
        sg_argv_adds(a, "ack");
        sg_argv_add(a, m->ack, m->ack_len);
        sg_argv_adds(a, "ack_type");
        sg_argv_adds(a, m->ack_type);
    }
    sg_argv_emit(a, out, n);
}

static void
sg_ingest_emit_docs(struct sg_argv *a, struct sg_buf *out, int *n,
                    const struct sg_ingest_msg *m)
{
    const struct sg_ingest_doc *d;
    char *stream;
    size_t i;

    for (i = 0; i < m->n_docs; i++) {
        d = &m->docs[i];
        stream = sg_xasprintf("%s%s", SG_KEY_STREAM, d->type);
        sg_argv_adds(a, "XADD");
        sg_argv_adds(a, stream);
        sg_argv_adds(a, "*");
        sg_argv_adds(a, "msg");
        sg_argv_adds(a, m->id);
        sg_argv_adds(a, "doc");
        sg_argv_addll(a, (long long)i + 1);
        sg_argv_adds(a, "type");
        sg_argv_adds(a, d->type);
        sg_argv_adds(a, "key");
        sg_argv_adds(a, d->key);
        sg_argv_adds(a, "partner");
        sg_argv_adds(a, d->partner != NULL ? d->partner : m->partner);
        sg_argv_adds(a, "received");
        sg_argv_addll(a, m->received_ms);
        sg_argv_adds(a, "xml");
        sg_argv_add(a, d->xml != NULL ? d->xml : "", d->xml_len);
        sg_argv_emit(a, out, n);
        free(stream);
    }
}

static void
sg_ingest_emit_rejected(struct sg_argv *a, struct sg_buf *out, int *n,
                        const struct sg_ingest_msg *m)
{
    char *code = sg_ingest_first_code(m->errors_json);

    sg_argv_adds(a, "XADD");
    sg_argv_adds(a, SG_KEY_REJECTED);
    sg_argv_adds(a, "*");
    sg_argv_adds(a, "msg");
    sg_argv_adds(a, m->id);
    sg_argv_adds(a, "code");
    sg_argv_adds(a, code);
    sg_argv_adds(a, "received");
    sg_argv_addll(a, m->received_ms);
    sg_argv_emit(a, out, n);
    free(code);
}

/* A guarded message: the accepted commands, then those of its duplicate
 * rejection, as one script call (ingest_guard.c). */
static struct sg_ingest_item *
sg_ingest_item_guarded(const struct sg_ingest_msg *m, const char *key)
{
    struct sg_ingest_item *it = sg_xcalloc(1, sizeof(*it));
    struct sg_ingest_msg dup = *m;
    struct sg_argv a;
    int unused = 0;

    memset(&a, 0, sizeof(a));
    a.collect = sg_guard_new();
    sg_ingest_emit_hash(&a, NULL, &unused, m, key);
    sg_ingest_emit_docs(&a, NULL, &unused, m);
    sg_guard_split(a.collect);
    dup.accepted = 0;
    dup.errors_json = m->guard->errors_json;
    dup.ack = m->guard->ack;
    dup.ack_len = m->guard->ack_len;
    sg_ingest_emit_hash(&a, NULL, &unused, &dup, key);
    sg_ingest_emit_rejected(&a, NULL, &unused, &dup);

    it->cmds = sg_guard_format(a.collect, m->guard, m->id, &it->cmds_len);
    it->n_replies = 1;
    it->guard = m->guard;
    it->id = sg_xstrdup(m->id);
    sg_guard_free(a.collect);
    sg_argv_free(&a);
    return it;
}

/* Build the item for msg: MULTI, HSET, XADD..., EXEC. */
static struct sg_ingest_item *
sg_ingest_item_new(const struct sg_ingest_msg *m)
{
    struct sg_ingest_item *it;
    struct sg_argv a;
    struct sg_buf out;
    char *key;

    key = sg_xasprintf("%s%s", SG_KEY_MSG, m->id);
    if (m->accepted && m->guard != NULL) {
        it = sg_ingest_item_guarded(m, key);
        free(key);
        return it;
    }
    it = sg_xcalloc(1, sizeof(*it));
    memset(&a, 0, sizeof(a));
    sg_buf_init(&out);

    sg_argv_adds(&a, "MULTI");
    sg_argv_emit(&a, &out, &it->n_replies);
    sg_ingest_emit_hash(&a, &out, &it->n_replies, m, key);
    if (m->accepted) {
        sg_ingest_emit_docs(&a, &out, &it->n_replies, m);
    } else {
        sg_ingest_emit_rejected(&a, &out, &it->n_replies, m);
    }
    sg_argv_adds(&a, "EXEC");
    sg_argv_emit(&a, &out, &it->n_replies);

    free(key);
    sg_argv_free(&a);
    it->id = sg_xstrdup(m->id);
    it->cmds_len = out.len;
    it->cmds = sg_buf_steal(&out);
    return it;
}

static void
sg_ingest_item_finish(struct sg_ingest_item *it, int status)
{
    it->done(it->arg, status);
    free(it->id);
    free(it->cmds);
    free(it);
}

/* Connection ----------------------------------------------------------- */

static redisContext *
sg_ingest_connect(const char *address, char *err, size_t errlen)
{
    struct timeval tv;
    redisContext *c;
    redisReply *r;

    c = sg_redis_connect(address, SG_INGEST_CONNECT_MS, err, errlen);
    if (c == NULL) {
        return NULL;
    }
    tv.tv_sec = SG_INGEST_COMMAND_MS / 1000;
    tv.tv_usec = (SG_INGEST_COMMAND_MS % 1000) * 1000;
    redisSetTimeout(c, tv);
    r = redisCommand(c, "PING");
    if (r == NULL || r->type != REDIS_REPLY_STATUS) {
        snprintf(err, errlen, "Redis at %s does not answer PING: %s",
                 address, r == NULL ? c->errstr :
                 (r->type == REDIS_REPLY_ERROR ? r->str : "odd reply"));
        if (r != NULL) {
            freeReplyObject(r);
        }
        redisFree(c);
        return NULL;
    }
    freeReplyObject(r);
    return c;
}

/* The writer thread ---------------------------------------------------- */

/* Did the replies of one message say it was stored?  The EXEC reply is
 * an array with one reply per queued command; an error anywhere (say,
 * WRONGTYPE from a key someone else wrote) means it was not, and a nil
 * or an error instead of the array means the transaction was aborted. */
static int
sg_ingest_exec_ok(const redisReply *exec, char *why, size_t whylen)
{
    size_t i;

    if (exec->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "%s", exec->str);
        return 0;
    }
    if (exec->type != REDIS_REPLY_ARRAY) {
        snprintf(why, whylen, "transaction aborted");
        return 0;
    }
    for (i = 0; i < exec->elements; i++) {
        if (exec->element[i]->type == REDIS_REPLY_ERROR) {
            snprintf(why, whylen, "%s", exec->element[i]->str);
            return 0;
        }
    }
    return 1;
}

/*
 * Read the replies of one item.  Returns 0 when it is stored, 1 when
 * Redis refused it (the connection is fine), -1 on an I/O error.
 */
static int
sg_ingest_read_item(redisContext *c, struct sg_ingest_item *it)
{
    redisReply *r = NULL;
    char why[256];
    int i, stored = 0;

    for (i = 0; i < it->n_replies; i++) {
        if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
            return -1;
        }
        if (i == it->n_replies - 1) {
            stored = sg_ingest_exec_ok(r, why, sizeof(why));
            if (stored && it->guard != NULL &&
                sg_guard_reply(r, it->guard) != 0) {
                snprintf(why, sizeof(why), "odd reply from the guard");
                stored = 0;
            }
            if (!stored) {
                sg_log(SG_LOG_ERROR, "ingest", it->id, "Redis did not "
                       "store the message: %s", why);
            }
        }
        freeReplyObject(r);
    }
    return stored ? 0 : 1;
}

/* Take the next round off the queue, or NULL when stopping and empty. */
static struct sg_ingest_item *
sg_ingest_take(struct sg_ingest *in, size_t *count)
{
    struct sg_ingest_item *first, *last;
    size_t n = 0, bytes = 0;

    pthread_mutex_lock(&in->lock);
    while (in->head == NULL && !in->stopping) {
        pthread_cond_wait(&in->wake, &in->lock);
    }
    first = in->head;
    last = NULL;
    while (in->head != NULL && n < SG_INGEST_ROUND_MSGS &&
           (n == 0 || bytes + in->head->cmds_len <= SG_INGEST_ROUND_BYTES)) {
        last = in->head;
        bytes += last->cmds_len;
        n++;
        in->head = last->next;
    }
    if (in->head == NULL) {
        in->tail = NULL;
    }
    if (last != NULL) {
        last->next = NULL;
        in->rounds++;
        in->messages += n;
    }
    pthread_mutex_unlock(&in->lock);
    *count = n;
    return first != NULL && n > 0 ? first : NULL;
}

/* Fail every item of a list with -1. */
static void
sg_ingest_fail_list(struct sg_ingest_item *it)
{
    struct sg_ingest_item *next;

    for (; it != NULL; it = next) {
        next = it->next;
        sg_ingest_item_finish(it, -1);
    }
}

/* Detach and fail everything queued. */
static void
sg_ingest_fail_queued(struct sg_ingest *in)
{
    struct sg_ingest_item *list;

    pthread_mutex_lock(&in->lock);
    list = in->head;
    in->head = in->tail = NULL;
    pthread_mutex_unlock(&in->lock);
    sg_ingest_fail_list(list);
}

static void
sg_ingest_lost(struct sg_ingest *in)
{
    sg_log(SG_LOG_WARN, "ingest", NULL, "lost Redis at %s: %s; answering "
           "503 until it is back (check that redis-server is running)",
           in->address, in->c->errstr);
    atomic_store(&in->healthy, 0);
    redisFree(in->c);
    in->c = NULL;
    sg_ingest_fail_queued(in);
}

/*
 * Write one round and settle every item in it.  If the connection
 * breaks, the items whose EXEC reply did not arrive are failed: such a
 * message may or may not have been stored.  The client sees a 503 and
 * sends again under a new message id, so at worst Redis holds the same
 * business document twice; the rules see the second as a duplicate order
 * and say so, which is better than losing one that was acknowledged.
 */
static void
sg_ingest_round(struct sg_ingest *in, struct sg_ingest_item *list)
{
    struct sg_ingest_item *it, *next;
    int rc;

    for (it = list; it != NULL; it = it->next) {
        redisAppendFormattedCommand(in->c, it->cmds, it->cmds_len);
    }
    for (it = list; it != NULL; it = next) {
        next = it->next;
        rc = sg_ingest_read_item(in->c, it);
        if (rc < 0) {
            /* Unhealthy first: a client woken by its failure must find
             * new submissions refused. */
            atomic_store(&in->healthy, 0);
            sg_ingest_fail_list(it);
            sg_ingest_lost(in);
            return;
        }
        sg_ingest_item_finish(it, rc == 0 ? 0 : -1);
    }
}

/*
 * Wait ms or until stop is asked, failing at once whatever is submitted
 * meanwhile (it raced with healthy going to 0).  Returns 1 when stopping.
 */
static int
sg_ingest_nap(struct sg_ingest *in, long ms)
{
    struct sg_ingest_item *list;
    struct timespec until;
    int stopping;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&in->lock);
    while (!in->stopping) {
        if (in->head != NULL) {
            list = in->head;
            in->head = in->tail = NULL;
            pthread_mutex_unlock(&in->lock);
            sg_ingest_fail_list(list);
            pthread_mutex_lock(&in->lock);
            continue;
        }
        if (pthread_cond_timedwait(&in->wake, &in->lock, &until) ==
            ETIMEDOUT) {
            break;
        }
    }
    stopping = in->stopping;
    pthread_mutex_unlock(&in->lock);
    return stopping;
}

/* Reconnect with backoff until it works or stop is asked. */
static void
sg_ingest_reconnect(struct sg_ingest *in)
{
    long backoff = SG_INGEST_BACKOFF_MIN;
    char err[256];

    while (in->c == NULL) {
        if (sg_ingest_nap(in, backoff)) {
            return;
        }
        in->c = sg_ingest_connect(in->address, err, sizeof(err));
        if (in->c == NULL) {
            sg_log(SG_LOG_DEBUG, "ingest", NULL, "reconnect: %s", err);
            backoff = backoff * 2 > SG_INGEST_BACKOFF_MAX ?
                      SG_INGEST_BACKOFF_MAX : backoff * 2;
        }
    }
    atomic_store(&in->healthy, 1);
    sg_log(SG_LOG_NOTICE, "ingest", NULL, "Redis at %s is back; accepting "
           "messages again", in->address);
}

static void *
sg_ingest_main(void *arg)
{
    struct sg_ingest *in = arg;
    struct sg_ingest_item *list;
    sigset_t pipe;
    size_t n;

    /* A write to a Redis that just died must fail with EPIPE, not kill
     * the daemon; the signal stays pending on this thread only. */
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);

    for (;;) {
        if (in->c == NULL) {
            sg_ingest_reconnect(in);
            if (in->c == NULL) {
                break;          /* stopping while Redis is down */
            }
        }
        list = sg_ingest_take(in, &n);
        if (list == NULL) {
            break;              /* stopping, queue drained */
        }
        sg_ingest_round(in, list);
    }
    sg_ingest_fail_queued(in);
    return NULL;
}

/* Public interface ----------------------------------------------------- */

struct sg_ingest *
sg_ingest_start(const char *address)
{
    struct sg_ingest *in = sg_xcalloc(1, sizeof(*in));
    char err[256];

    in->address = sg_xstrdup(address);
    pthread_mutex_init(&in->lock, NULL);
    pthread_cond_init(&in->wake, NULL);
    in->c = sg_ingest_connect(address, err, sizeof(err));
    if (in->c == NULL) {
        sg_log(SG_LOG_WARN, "ingest", NULL, "%s; answering 503 until "
               "Redis is reachable (check that redis-server is running)",
               err);
    }
    atomic_init(&in->healthy, in->c != NULL);
    if (pthread_create(&in->thread, NULL, sg_ingest_main, in) != 0) {
        sg_log(SG_LOG_ERROR, "ingest", NULL, "cannot start the writer "
               "thread: %s", strerror(errno));
        if (in->c != NULL) {
            redisFree(in->c);
        }
        pthread_cond_destroy(&in->wake);
        pthread_mutex_destroy(&in->lock);
        free(in->address);
        free(in);
        return NULL;
    }
    return in;
}

int
sg_ingest_submit(struct sg_ingest *in, const struct sg_ingest_msg *msg,
                 sg_ingest_done_fn done, void *arg)
{
    struct sg_ingest_item *it;

    if (!atomic_load(&in->healthy)) {
        return -1;
    }
    it = sg_ingest_item_new(msg);
    it->done = done;
    it->arg = arg;

    pthread_mutex_lock(&in->lock);
    if (in->stopping) {
        pthread_mutex_unlock(&in->lock);
        free(it->id);
        free(it->cmds);
        free(it);
        return -1;
    }
    if (in->tail != NULL) {
        in->tail->next = it;
    } else {
        in->head = it;
    }
    in->tail = it;
    pthread_cond_signal(&in->wake);
    pthread_mutex_unlock(&in->lock);
    return 0;
}

/* What sg_ingest_store waits on. */
struct sg_ingest_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int status;
};

static void
sg_ingest_wake(void *arg, int status)
{
    struct sg_ingest_wait *w = arg;

    pthread_mutex_lock(&w->lock);
    w->status = status;
    w->done = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int
sg_ingest_store(struct sg_ingest *in, const struct sg_ingest_msg *msg)
{
    struct sg_ingest_wait w;

    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    w.done = 0;
    w.status = -1;
    if (sg_ingest_submit(in, msg, sg_ingest_wake, &w) == 0) {
        pthread_mutex_lock(&w.lock);
        while (!w.done) {
            pthread_cond_wait(&w.cond, &w.lock);
        }
        pthread_mutex_unlock(&w.lock);
    }
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
    return w.status;
}

int
sg_ingest_healthy(struct sg_ingest *in)
{
    return atomic_load(&in->healthy);
}

void
sg_ingest_stats(struct sg_ingest *in, unsigned long *rounds,
                unsigned long *messages)
{
    pthread_mutex_lock(&in->lock);
    *rounds = in->rounds;
    *messages = in->messages;
    pthread_mutex_unlock(&in->lock);
}

void
sg_ingest_stop(struct sg_ingest *in)
{
    if (in == NULL) {
        return;
    }
    pthread_mutex_lock(&in->lock);
    in->stopping = 1;
    pthread_cond_broadcast(&in->wake);
    pthread_mutex_unlock(&in->lock);
    pthread_join(in->thread, NULL);

    if (in->c != NULL) {
        redisFree(in->c);
    }
    pthread_cond_destroy(&in->wake);
    pthread_mutex_destroy(&in->lock);
    free(in->address);
    free(in);
}
