/*
 * test_queue.c - the durable ingest writer and the stream workers,
 * against a real redis-server.
 *
 * The workers run a handler written here instead of the rules: it
 * records every entry it is given in a Redis hash and acknowledges the
 * entry in the same transaction, as the real rules do, so the tests can
 * count deliveries exactly.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "ingest.h"
#include "keys.h"
#include "testlib.h"
#include "util.h"
#include "worker.h"

#define SEEN_KEY    "sg:test:seen"
#define FIELDS_KEY  "sg:test:fields"
#define ORDERS      SG_KEY_STREAM "order"

/* Redis helpers ----------------------------------------------------------- */

static redisReply *
cmd(redisContext *c, const char *fmt, ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        fprintf(stderr, "redis: %s\n", c->errstr);
        exit(2);
    }
    return r;
}

/* The integer reply of a command, or -1. */
static long long
cmd_int(redisContext *c, const char *fmt, ...)
{
    redisReply *r;
    long long v;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        fprintf(stderr, "redis: %s\n", c->errstr);
        exit(2);
    }
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

/* Poll an integer command until it equals want or ms pass. */
static long long
wait_int(redisContext *c, long long want, long ms, const char *fmt,
         const char *arg)
{
    long long v = -1;
    long waited;

    for (waited = 0; waited <= ms; waited += 20) {
        v = cmd_int(c, fmt, arg);
        if (v == want) {
            break;
        }
        usleep(20 * 1000);
    }
    return v;
}

/* The value of field in a flat [k, v, k, v...] reply, or NULL. */
static const redisReply *
field(const redisReply *kv, const char *name)
{
    size_t i;

    for (i = 0; i + 1 < kv->elements; i += 2) {
        if (strcmp(kv->element[i]->str, name) == 0) {
            return kv->element[i + 1];
        }
    }
    return NULL;
}

static int
field_is(const redisReply *kv, const char *name, const char *want)
{
    const redisReply *v = field(kv, name);

    return v != NULL && v->type == REDIS_REPLY_STRING &&
           v->len == strlen(want) && memcmp(v->str, want, v->len) == 0;
}

/* Total pending entries of the group on stream. */
static long long
pending(redisContext *c, const char *stream)
{
    redisReply *r = cmd(c, "XPENDING %s %s", stream, SG_GROUP);
    long long n = -1;

    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
        n = r->element[0]->integer;
    }
    freeReplyObject(r);
    return n;
}

/* A string member of a JSON object, or "" (never NULL). */
static const char *
json_text(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    return s != NULL ? s : "";
}

static long long
ms_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000LL +
           (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static const char *
redis_server(void)
{
    const char *s = getenv("SG_REDIS_SERVER");

    return s == NULL || *s == '\0' || strcmp(s, "no") == 0 ?
           "redis-server" : s;
}

/* Ingest ------------------------------------------------------------------ */

#define N_THREADS   8
#define PER_THREAD  25
#define N_MSGS      (N_THREADS * PER_THREAD)

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int n_done, n_ok, n_refused;

static void
count_done(void *arg, int status)
{
    (void)arg;
    pthread_mutex_lock(&done_lock);
    n_done++;
    if (status == 0) {
        n_ok++;
    }
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

/* Message i of thread t: raw bytes with a NUL and high bytes; every
 * fifth message carries two documents. */
static size_t
make_raw(int t, int i, unsigned char *raw)
{
    int n = snprintf((char *)raw, 64, "ISA*%d*%d", t, i);

    raw[n++] = '\0';
    raw[n++] = 0xff;
    raw[n++] = 0x80;
    raw[n++] = 'Z';
    raw[n++] = '\0';
    return (size_t)n;
}

static int
n_docs_of(int i)
{
    return i % 5 == 0 ? 2 : 1;
}

static void *
submitter(void *arg)
{
    struct sg_ingest *in = arg;
    static atomic_int next_thread;
    int t = atomic_fetch_add(&next_thread, 1);
    struct sg_ingest_doc docs[2];
    struct sg_ingest_msg m;
    unsigned char raw[64];
    char id[32], key[2][32], xml[2][64];
    int i, d;

    for (i = 0; i < PER_THREAD; i++) {
        memset(&m, 0, sizeof(m));
        snprintf(id, sizeof(id), "m-%d-%d", t, i);
        for (d = 0; d < n_docs_of(i); d++) {
            snprintf(key[d], sizeof(key[d]), "PO-%d-%d-%d", t, i, d + 1);
            snprintf(xml[d], sizeof(xml[d]), "<order n=\"%d-%d-%d\"/>", t,
                     i, d + 1);
            docs[d].type = "order";
            docs[d].key = key[d];
            docs[d].partner = NULL;
            docs[d].xml = xml[d];
            docs[d].xml_len = strlen(xml[d]);
        }
        m.id = id;
        m.accepted = 1;
        m.plugin = "supplier_edi";
        m.content_type = "application/edi-x12";
        m.partner = "ACME";
        m.received_ms = 1733312345000LL + t * 100 + i;
        m.raw = raw;
        m.raw_len = make_raw(t, i, raw);
        m.receipt_json = "{\"ok\":true}";
        m.n_docs = (size_t)n_docs_of(i);
        m.docs = docs;
        if (sg_ingest_submit(in, &m, count_done, NULL) != 0) {
            pthread_mutex_lock(&done_lock);
            n_refused++;
            pthread_mutex_unlock(&done_lock);
        }
    }
    return NULL;
}

/* Check the hash of message (t, i) field by field. */
static void
check_msg_hash(redisContext *c, int t, int i)
{
    unsigned char raw[64];
    size_t raw_len = make_raw(t, i, raw);
    const redisReply *v;
    redisReply *r;
    char id[32], rec[32], docs[8];

    snprintf(id, sizeof(id), "m-%d-%d", t, i);
    snprintf(rec, sizeof(rec), "%lld", 1733312345000LL + t * 100 + i);
    snprintf(docs, sizeof(docs), "%d", n_docs_of(i));
    r = cmd(c, "HGETALL %s%s", SG_KEY_MSG, id);
    CU_ASSERT_EQUAL(r->elements, 18);
    CU_ASSERT(field_is(r, "id", id));
    CU_ASSERT(field_is(r, "status", "accepted"));
    CU_ASSERT(field_is(r, "plugin", "supplier_edi"));
    CU_ASSERT(field_is(r, "content_type", "application/edi-x12"));
    CU_ASSERT(field_is(r, "partner", "ACME"));
    CU_ASSERT(field_is(r, "received", rec));
    CU_ASSERT(field_is(r, "receipt", "{\"ok\":true}"));
    CU_ASSERT(field_is(r, "docs", docs));
    CU_ASSERT_PTR_NULL(field(r, "errors"));
    v = field(r, "raw");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_EQUAL(v->len, raw_len);
    CU_ASSERT(v->len == raw_len && memcmp(v->str, raw, raw_len) == 0);
    freeReplyObject(r);
}

/* Every stream entry names a stored message and carries its document. */
static void
check_stream(redisContext *c)
{
    const redisReply *e, *kv, *msg;
    char key[48], xml[64], rec[32];
    redisReply *r;
    size_t i;
    int t, n, d, ok = 0;

    r = cmd(c, "XRANGE %s - +", ORDERS);
    CU_ASSERT_EQUAL(r->elements, N_MSGS + N_MSGS / 5);
    for (i = 0; i < r->elements; i++) {
        e = r->element[i];
        kv = e->element[1];
        msg = field(kv, "msg");
        if (msg == NULL || sscanf(msg->str, "m-%d-%d", &t, &n) != 2 ||
            field(kv, "doc") == NULL) {
            continue;
        }
        d = atoi(field(kv, "doc")->str);
        snprintf(key, sizeof(key), "PO-%d-%d-%d", t, n, d);
        snprintf(xml, sizeof(xml), "<order n=\"%d-%d-%d\"/>", t, n, d);
        snprintf(rec, sizeof(rec), "%lld", 1733312345000LL + t * 100 + n);
        if (kv->elements == 14 && d >= 1 && d <= n_docs_of(n) &&
            field_is(kv, "type", "order") && field_is(kv, "key", key) &&
            field_is(kv, "partner", "ACME") &&
            field_is(kv, "received", rec) && field_is(kv, "xml", xml)) {
            ok++;
        }
    }
    CU_ASSERT_EQUAL(ok, N_MSGS + N_MSGS / 5);
    freeReplyObject(r);
}

static void
test_ingest_concurrent(void)
{
    struct sg_test_redis redis;
    pthread_t threads[N_THREADS];
    unsigned long rounds, messages;
    struct sg_ingest *in;
    redisContext *c;
    struct timespec until;
    int i, t;

    sg_test_redis_start(&redis);
    in = sg_ingest_start(redis.child.address);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT_EQUAL(sg_ingest_healthy(in), 1);

    n_done = n_ok = n_refused = 0;
    for (i = 0; i < N_THREADS; i++) {
        pthread_create(&threads[i], NULL, submitter, in);
    }
    for (i = 0; i < N_THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&done_lock);
    while (n_done + n_refused < N_MSGS) {
        if (pthread_cond_timedwait(&done_cond, &done_lock, &until) != 0) {
            break;
        }
    }
    pthread_mutex_unlock(&done_lock);
    CU_ASSERT_EQUAL(n_refused, 0);
    CU_ASSERT_EQUAL(n_done, N_MSGS);
    CU_ASSERT_EQUAL(n_ok, N_MSGS);

    /* Batching: far fewer rounds (fsyncs) than messages. */
    sg_ingest_stats(in, &rounds, &messages);
    CU_ASSERT_EQUAL(messages, N_MSGS);
    CU_ASSERT(rounds >= 1);
    CU_ASSERT(rounds < messages);
    fprintf(stderr, "\n  %lu messages in %lu rounds ", messages, rounds);

    c = sg_test_redis_connect(&redis);
    for (t = 0; t < N_THREADS; t++) {
        for (i = 0; i < PER_THREAD; i++) {
            check_msg_hash(c, t, i);
        }
    }
    CU_ASSERT_EQUAL(cmd_int(c, "XLEN %s", ORDERS), N_MSGS + N_MSGS / 5);
    check_stream(c);
    CU_ASSERT_EQUAL(cmd_int(c, "XLEN %s", SG_KEY_REJECTED), 0);

    redisFree(c);
    sg_ingest_stop(in);
    sg_test_redis_stop(&redis);
}

static void
test_ingest_rejected(void)
{
    static const char errors[] =
        "[{\"code\":\"x12.se_count\",\"text\":\"SE01 says 7 segments, "
        "there are 9\",\"segment\":12}]";
    static const unsigned char raw[] = "ISA*00*\0bad\xfe";
    struct sg_test_redis redis;
    struct sg_ingest_msg m;
    struct sg_ingest *in;
    const redisReply *kv;
    redisContext *c;
    redisReply *r;

    sg_test_redis_start(&redis);
    in = sg_ingest_start(redis.child.address);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);

    memset(&m, 0, sizeof(m));
    m.id = "r-1";
    m.accepted = 0;
    m.plugin = NULL;
    m.content_type = "application/edi-x12";
    m.partner = NULL;
    m.received_ms = 1733312345678LL;
    m.raw = raw;
    m.raw_len = sizeof(raw) - 1;
    m.errors_json = errors;
    CU_ASSERT_EQUAL(sg_ingest_store(in, &m), 0);

    c = sg_test_redis_connect(&redis);
    r = cmd(c, "HGETALL %sr-1", SG_KEY_MSG);
    CU_ASSERT_EQUAL(r->elements, 18);
    CU_ASSERT(field_is(r, "status", "rejected"));
    CU_ASSERT(field_is(r, "plugin", ""));
    CU_ASSERT(field_is(r, "partner", ""));
    CU_ASSERT(field_is(r, "errors", errors));
    CU_ASSERT(field_is(r, "docs", "0"));
    CU_ASSERT(field_is(r, "received", "1733312345678"));
    CU_ASSERT_PTR_NULL(field(r, "receipt"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(field(r, "raw"));
    CU_ASSERT_EQUAL(field(r, "raw")->len, 12);
    CU_ASSERT(memcmp(field(r, "raw")->str, raw, 12) == 0);
    freeReplyObject(r);

    r = cmd(c, "XRANGE %s - +", SG_KEY_REJECTED);
    CU_ASSERT_EQUAL_FATAL(r->elements, 1);
    kv = r->element[0]->element[1];
    CU_ASSERT_EQUAL(kv->elements, 6);
    CU_ASSERT(field_is(kv, "msg", "r-1"));
    CU_ASSERT(field_is(kv, "code", "x12.se_count"));
    CU_ASSERT(field_is(kv, "received", "1733312345678"));
    freeReplyObject(r);
    CU_ASSERT_EQUAL(cmd_int(c, "EXISTS %s", ORDERS), 0);

    redisFree(c);
    sg_ingest_stop(in);
    sg_test_redis_stop(&redis);
}

static void
one_msg(struct sg_ingest_msg *m, struct sg_ingest_doc *d, const char *id)
{
    memset(m, 0, sizeof(*m));
    memset(d, 0, sizeof(*d));
    d->type = "order";
    d->key = id;
    d->xml = "<order/>";
    d->xml_len = 8;
    m->id = id;
    m->accepted = 1;
    m->received_ms = 1;
    m->raw = (const unsigned char *)"x";
    m->raw_len = 1;
    m->n_docs = 1;
    m->docs = d;
}

static void
never_called(void *arg, int status)
{
    *(int *)arg = 1;
}

static void
test_ingest_outage(void)
{
    struct sg_test_redis redis;
    struct sg_ingest_doc d;
    struct sg_ingest_msg m;
    struct sg_ingest *in;
    struct timespec t0;
    redisContext *c;
    char err[512];
    int called = 0, waited;

    sg_test_redis_start(&redis);
    in = sg_ingest_start(redis.child.address);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    one_msg(&m, &d, "before");
    CU_ASSERT_EQUAL(sg_ingest_store(in, &m), 0);

    /* Stop the server but keep its directory and AOF. */
    sg_redis_child_stop(&redis.child);
    one_msg(&m, &d, "during");
    CU_ASSERT_EQUAL(sg_ingest_store(in, &m), -1);
    CU_ASSERT_EQUAL(sg_ingest_healthy(in), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(sg_ingest_submit(in, &m, never_called, &called), -1);
    CU_ASSERT(ms_since(&t0) < 50);
    CU_ASSERT_EQUAL(called, 0);

    /* Same directory, same socket: the writer finds it by itself. */
    CU_ASSERT_EQUAL_FATAL(sg_redis_child_start(&redis.child,
                          redis_server(), redis.dir, "always", err,
                          sizeof(err)), 0);
    for (waited = 0; waited < 5000 && !sg_ingest_healthy(in); waited += 20) {
        usleep(20 * 1000);
    }
    CU_ASSERT_EQUAL(sg_ingest_healthy(in), 1);
    one_msg(&m, &d, "after");
    CU_ASSERT_EQUAL(sg_ingest_store(in, &m), 0);

    c = sg_test_redis_connect(&redis);
    CU_ASSERT_EQUAL(cmd_int(c, "EXISTS %sbefore", SG_KEY_MSG), 1);
    CU_ASSERT_EQUAL(cmd_int(c, "EXISTS %sduring", SG_KEY_MSG), 0);
    CU_ASSERT_EQUAL(cmd_int(c, "EXISTS %safter", SG_KEY_MSG), 1);
    CU_ASSERT_EQUAL(cmd_int(c, "XLEN %s", ORDERS), 2);
    redisFree(c);

    sg_ingest_stop(in);
    sg_test_redis_stop(&redis);
}

/* Workers ----------------------------------------------------------------- */

/* The handler the workers run in these tests. */
struct test_handler {
    int fail;               /* always answer SG_RULES_FAILED */
    atomic_int applies;
    atomic_int sweeps;
};

/* Record the entry and ack it in one transaction, as the rules do. */
static enum sg_rules_result
test_apply(void *arg, redisContext *c, const struct sg_entry *e,
           long long now_ms, struct sg_errors *errs)
{
    struct test_handler *h = arg;
    enum sg_rules_result res = SG_RULES_OK;
    redisReply *r;
    char *value;
    int n, i;

    n = atomic_fetch_add(&h->applies, 1) + 1;
    if (h->fail) {
        sg_errors_addf(errs, "test.fail", "attempt %d on %s", n, e->id);
        return SG_RULES_FAILED;
    }
    value = sg_xasprintf("%s|%s|%s|%s|%lld|%.*s", e->msg, e->type, e->key,
                         e->partner, e->received_ms, (int)e->xml_len,
                         e->xml);
    /* Two streams may hold the same entry id: key by both. */
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "HINCRBY %s %s/%s 1", SEEN_KEY, e->stream, e->id);
    redisAppendCommand(c, "HSET %s %s/%s %s", FIELDS_KEY, e->stream, e->id,
                       value);
    redisAppendCommand(c, "XACK %s %s %s", e->stream, e->group, e->id);
    redisAppendCommand(c, "EXEC");
    for (i = 0; i < 5; i++) {
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            res = SG_RULES_RETRY;
            break;
        }
        if (i == 4 && r->type != REDIS_REPLY_ARRAY) {
            res = SG_RULES_RETRY;
        }
        freeReplyObject(r);
    }
    free(value);
    return res;
}

static long
test_sweep(void *arg, redisContext *c, long long now_ms)
{
    struct test_handler *h = arg;

    atomic_fetch_add(&h->sweeps, 1);
    return 0;
}

static const char *const doc_types[] = { "order", "invoice", NULL };

static struct sg_workers *
start_workers(struct sg_test_redis *redis, struct test_handler *th,
              int fail, long reclaim_ms, long sweep_s)
{
    struct sg_worker_handler h;
    struct sg_config cfg;

    memset(th, 0, sizeof(*th));
    th->fail = fail;
    memset(&cfg, 0, sizeof(cfg));
    cfg.workers = 2;
    cfg.reclaim_idle_ms = reclaim_ms;
    cfg.max_attempts = 3;
    cfg.sweep_interval = sweep_s;
    h.apply = test_apply;
    h.sweep = test_sweep;
    h.arg = th;
    return sg_workers_start(&cfg, redis->child.address, doc_types, &h);
}

/* Stop the workers and check that it was prompt. */
static void
stop_workers(struct sg_workers *w)
{
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    sg_workers_stop(w);
    CU_ASSERT(ms_since(&t0) < 3000);
}

static char *
add_entry(redisContext *c, const char *stream, int n)
{
    redisReply *r;
    char *id;

    r = cmd(c, "XADD %s * msg m%d doc 1 type order key PO%d partner ACME "
            "received %d xml <order>%d</order>", stream, n, n, 1000 + n, n);
    id = sg_xstrdup(r->str);
    freeReplyObject(r);
    return id;
}

/* Every value of the seen-hash is 1: each entry ran exactly once. */
static int
all_once(redisContext *c)
{
    redisReply *r = cmd(c, "HVALS %s", SEEN_KEY);
    size_t i;
    int ok = r->elements > 0;

    for (i = 0; i < r->elements; i++) {
        if (strcmp(r->element[i]->str, "1") != 0) {
            ok = 0;
        }
    }
    freeReplyObject(r);
    return ok;
}

static void
test_workers_exactly_once(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    redisContext *c;
    redisReply *r;
    char *first;
    int i;

    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);

    /* Half before the group exists: created at 0, none is skipped. */
    first = add_entry(c, ORDERS, 0);
    for (i = 1; i < 50; i++) {
        free(add_entry(c, ORDERS, i));
    }
    w = start_workers(&redis, &th, 0, 5000, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    for (i = 50; i < 100; i++) {
        free(add_entry(c, ORDERS, i));
    }
    for (i = 0; i < 10; i++) {
        free(add_entry(c, SG_KEY_STREAM "invoice", 100 + i));
    }

    CU_ASSERT_EQUAL(wait_int(c, 110, 10000, "HLEN %s", SEEN_KEY), 110);
    CU_ASSERT(all_once(c));
    CU_ASSERT_EQUAL(atomic_load(&th.applies), 110);
    CU_ASSERT_EQUAL(pending(c, ORDERS), 0);
    CU_ASSERT_EQUAL(pending(c, SG_KEY_STREAM "invoice"), 0);

    /* The handler got the entry's fields. */
    r = cmd(c, "HGET %s %s/%s", FIELDS_KEY, ORDERS, first);
    CU_ASSERT_EQUAL(r->type, REDIS_REPLY_STRING);
    if (r->type == REDIS_REPLY_STRING) {
        CU_ASSERT_STRING_EQUAL(r->str,
                               "m0|order|PO0|ACME|1000|<order>0</order>");
    }
    freeReplyObject(r);

    /* Two consumers of ours are in the group. */
    r = cmd(c, "XINFO CONSUMERS %s %s", ORDERS, SG_GROUP);
    CU_ASSERT(r->type == REDIS_REPLY_ARRAY && r->elements >= 2);
    freeReplyObject(r);

    stop_workers(w);
    /* Nothing ran twice, even on the way out. */
    CU_ASSERT_EQUAL(cmd_int(c, "HLEN %s", SEEN_KEY), 110);
    CU_ASSERT(all_once(c));
    free(first);
    redisFree(c);
    sg_test_redis_stop(&redis);
}

static void
test_workers_dead_letter(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    const redisReply *kv;
    json_t *errs;
    redisContext *c;
    redisReply *r;
    char *id, text[64];
    size_t i;

    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);
    w = start_workers(&redis, &th, 1, 200, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    id = add_entry(c, ORDERS, 7);

    CU_ASSERT_EQUAL(wait_int(c, 1, 10000, "XLEN %s", SG_KEY_DEAD), 1);
    usleep(600 * 1000);         /* nothing more may happen to it */
    CU_ASSERT_EQUAL(atomic_load(&th.applies), 3);
    CU_ASSERT_EQUAL(pending(c, ORDERS), 0);
    CU_ASSERT_EQUAL(cmd_int(c, "EXISTS %s%s:%s", SG_KEY_ATTEMPTS, ORDERS,
                            id), 0);

    r = cmd(c, "XRANGE %s - +", SG_KEY_DEAD);
    CU_ASSERT_EQUAL_FATAL(r->elements, 1);
    kv = r->element[0]->element[1];
    CU_ASSERT(field_is(kv, "stream", ORDERS));
    CU_ASSERT(field_is(kv, "entry", id));
    CU_ASSERT(field_is(kv, "msg", "m7"));
    CU_ASSERT(field_is(kv, "doc", "1"));
    CU_ASSERT(field_is(kv, "type", "order"));
    CU_ASSERT(field_is(kv, "key", "PO7"));
    CU_ASSERT(field_is(kv, "attempts", "3"));
    CU_ASSERT(field_is(kv, "xml", "<order>7</order>"));
    CU_ASSERT(field_is(kv, "reason", "failed 3 times"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(field(kv, "errors"));

    /* Every attempt's error, in order. */
    errs = json_loads(field(kv, "errors")->str, 0, NULL);
    CU_ASSERT(json_is_array(errs));
    CU_ASSERT_EQUAL(json_array_size(errs), 3);
    for (i = 0; i < json_array_size(errs); i++) {
        snprintf(text, sizeof(text), "attempt %zu on %s", i + 1, id);
        CU_ASSERT_STRING_EQUAL(json_text(json_array_get(errs, i), "code"),
                               "test.fail");
        CU_ASSERT_STRING_EQUAL(json_text(json_array_get(errs, i),
                                         "message"), text);
    }
    json_decref(errs);
    freeReplyObject(r);

    stop_workers(w);
    free(id);
    redisFree(c);
    sg_test_redis_stop(&redis);
}

/* Entries read by a consumer that never acks: a worker that died. */
static void
test_workers_reclaim(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    redisContext *c;
    redisReply *r;
    struct timespec t0;
    int i;

    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);
    freeReplyObject(cmd(c, "XGROUP CREATE %s %s 0 MKSTREAM", ORDERS,
                        SG_GROUP));
    for (i = 0; i < 5; i++) {
        free(add_entry(c, ORDERS, i));
    }
    r = cmd(c, "XREADGROUP GROUP %s ghost COUNT 10 STREAMS %s >", SG_GROUP,
            ORDERS);
    CU_ASSERT_EQUAL(r->element[0]->element[1]->elements, 5);
    freeReplyObject(r);
    CU_ASSERT_EQUAL(pending(c, ORDERS), 5);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    w = start_workers(&redis, &th, 0, 300, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(wait_int(c, 5, 5000, "HLEN %s", SEEN_KEY), 5);
    /* Not before they were idle long enough. */
    CU_ASSERT(ms_since(&t0) >= 250);
    CU_ASSERT(all_once(c));
    CU_ASSERT_EQUAL(pending(c, ORDERS), 0);

    stop_workers(w);
    redisFree(c);
    sg_test_redis_stop(&redis);
}

/* An entry delivered more often than max_attempts without an outcome:
 * whoever takes it dies. */
static void
test_workers_poison(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    const redisReply *kv;
    redisContext *c;
    redisReply *r;
    char *id;
    int i;

    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);
    freeReplyObject(cmd(c, "XGROUP CREATE %s %s 0 MKSTREAM", ORDERS,
                        SG_GROUP));
    id = add_entry(c, ORDERS, 9);
    freeReplyObject(cmd(c, "XREADGROUP GROUP %s ghost STREAMS %s >",
                        SG_GROUP, ORDERS));
    for (i = 0; i < 4; i++) {
        freeReplyObject(cmd(c, "XCLAIM %s %s ghost 0 %s", ORDERS, SG_GROUP,
                            id));
    }
    r = cmd(c, "XPENDING %s %s - + 10", ORDERS, SG_GROUP);
    CU_ASSERT_EQUAL_FATAL(r->elements, 1);
    CU_ASSERT_EQUAL(r->element[0]->element[3]->integer, 5);
    freeReplyObject(r);

    w = start_workers(&redis, &th, 0, 200, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(wait_int(c, 1, 5000, "XLEN %s", SG_KEY_DEAD), 1);
    CU_ASSERT_EQUAL(pending(c, ORDERS), 0);
    CU_ASSERT_EQUAL(atomic_load(&th.applies), 0);
    CU_ASSERT_EQUAL(cmd_int(c, "HLEN %s", SEEN_KEY), 0);

    r = cmd(c, "XRANGE %s - +", SG_KEY_DEAD);
    CU_ASSERT_EQUAL_FATAL(r->elements, 1);
    kv = r->element[0]->element[1];
    CU_ASSERT(field_is(kv, "entry", id));
    CU_ASSERT(field_is(kv, "msg", "m9"));
    CU_ASSERT(field_is(kv, "key", "PO9"));
    CU_ASSERT(field_is(kv, "attempts", "5"));
    CU_ASSERT(field_is(kv, "reason",
                       "delivered 5 times without completing"));
    CU_ASSERT(field_is(kv, "xml", "<order>9</order>"));
    freeReplyObject(r);

    stop_workers(w);
    free(id);
    redisFree(c);
    sg_test_redis_stop(&redis);
}

static void
test_workers_sweep(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    int n;

    sg_test_redis_start(&redis);
    w = start_workers(&redis, &th, 0, 200, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    usleep(2500 * 1000);
    n = atomic_load(&th.sweeps);
    CU_ASSERT(n >= 2 && n <= 3);
    stop_workers(w);
    sg_test_redis_stop(&redis);
}

/* Workers started while Redis is down wait for it, then work. */
static void
test_workers_redis_down(void)
{
    struct sg_test_redis redis;
    struct test_handler th;
    struct sg_workers *w;
    redisContext *c;
    char err[512];

    sg_test_redis_start(&redis);
    sg_redis_child_stop(&redis.child);
    w = start_workers(&redis, &th, 0, 200, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    usleep(500 * 1000);
    CU_ASSERT_EQUAL_FATAL(sg_redis_child_start(&redis.child,
                          redis_server(), redis.dir, "always", err,
                          sizeof(err)), 0);
    c = sg_test_redis_connect(&redis);
    free(add_entry(c, ORDERS, 1));
    CU_ASSERT_EQUAL(wait_int(c, 1, 6000, "HLEN %s", SEEN_KEY), 1);
    CU_ASSERT(all_once(c));
    stop_workers(w);
    redisFree(c);
    sg_test_redis_stop(&redis);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("ingest", NULL, NULL);
    CU_add_test(s, "200 messages from 8 threads, batched",
                test_ingest_concurrent);
    CU_add_test(s, "a rejected message and its errors",
                test_ingest_rejected);
    CU_add_test(s, "Redis stopped and restarted", test_ingest_outage);
    s = CU_add_suite("workers", NULL, NULL);
    CU_add_test(s, "every entry exactly once with 2 workers",
                test_workers_exactly_once);
    CU_add_test(s, "failing entry to the dead letters",
                test_workers_dead_letter);
    CU_add_test(s, "a dead consumer's entries are reclaimed",
                test_workers_reclaim);
    CU_add_test(s, "an entry delivered too often is dead-lettered",
                test_workers_poison);
    CU_add_test(s, "the sweep runs periodically", test_workers_sweep);
    CU_add_test(s, "workers wait for Redis", test_workers_redis_down);
    return sg_test_run();
}
