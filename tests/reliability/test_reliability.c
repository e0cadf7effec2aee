/*
 * test_reliability.c - nothing accepted is ever lost or processed twice,
 * while the daemon and Redis are killed and restarted under load.
 *
 * The test owns a redis-server (AOF, appendfsync always, unix socket in
 * its scratch directory) and a supplygated pointed at it as an external
 * Redis, so it can restart either one by itself.  A few client threads
 * post a few thousand X12 850 orders, each with its own order number and
 * interchange control number, built from the corpus example
 * examples/01-x12-850-corpus-vics.edi.  Like a partner's system, a
 * client sends a message until it gets a 202: it retries on a refused
 * connection, on a 503 (after its Retry-After, shortened here to keep
 * the test short) and on an answer that never came.  Meanwhile the main
 * thread, at fixed points of progress:
 *   - kills the daemon with SIGKILL and starts it again,
 *   - shuts Redis down (SHUTDOWN: AOF flushed) and starts it on the same
 *     data directory,
 *   - stops Redis for three seconds (clients get 503 + Retry-After),
 *   - kills Redis with SIGKILL (appendfsync always: nothing acknowledged
 *     may be missing after the restart),
 *   - kills the daemon with SIGKILL once more.
 *
 * At the end it waits until the workers have applied every stored copy,
 * then checks in Redis, for each order:
 *   - an order answered 202 was applied exactly once: one order_received
 *     and one order_processed event in sg:events, state "processed";
 *   - every extra stored copy (a client that sent again after an answer
 *     that never came, or after a 503 from a round cut by a Redis crash,
 *     may have stored it twice) was reported as a duplicate_order event,
 *     not processed; an order sent once has no duplicate_order event.
 *     Mostly such a resend never gets that far: the interchange duplicate
 *     guard answers it 409 naming the stored copy, and the client counts
 *     the message accepted (its first attempt was).
 * It prints sent, accepted, processed, duplicates and lost.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "daemonlib.h"
#include "testlib.h"
#include "util.h"

enum {
    N_MSGS = 3000,          /* orders posted */
    N_CLIENTS = 3,          /* client threads */
    POST_SECONDS = 60,      /* the clients give up after this */
    SETTLE_SECONDS = 20     /* then the workers have this to finish */
};

#define SG_ORDER_FMT "RL%09d"

/* What happened to one order's message, as its client saw it. */
struct sg_rl_msg {
    int attempts;
    int maybe_stored;       /* attempts that may have stored it */
    int accepted;           /* got a 202 */
    long bad_status;        /* an answer other than 202 / 503 */
    int refused_as_duplicate;   /* a resend answered 409: stored before */
};

/* What Redis holds about one order at the end. */
struct sg_rl_seen {
    int copies;             /* entries in sg:stream:order */
    int received;           /* order_received events */
    int processed;          /* order_processed events */
    int duplicates;         /* duplicate_order events */
    int state_ok;           /* sg:order:<n> state is "processed" */
};

static struct sg_rl_msg msgs[N_MSGS];
static struct sg_rl_seen seen[N_MSGS];
static char *tmpl;          /* the corpus example */
static char *tmp;
static struct sg_td sgd;       /* the daemon */
static struct sg_redis_child redis;
static char *redis_dir;
static atomic_int next_msg;
static atomic_int n_accepted;
static atomic_int n_no_retry_after;
static atomic_int n_503, n_refused, n_no_answer;  /* attempts, by kind */
static long long post_deadline_ms;

static long long
sg_rl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the messages ------------------------------------------------------ */

/* s with every "from" replaced by "to"; caller frees. */
static char *
sg_rl_replace(const char *s, const char *from, const char *to)
{
    struct sg_buf b;
    const char *p;
    size_t n = strlen(from);

    sg_buf_init(&b);
    while ((p = strstr(s, from)) != NULL) {
        sg_buf_add(&b, s, (size_t)(p - s));
        sg_buf_adds(&b, to);
        s = p + n;
    }
    sg_buf_adds(&b, s);
    return sg_buf_steal(&b);
}

/*
 * The corpus 850 as order i: its own interchange control number (ISA13
 * and IEA02, nine digits, as the fixed-width ISA requires) and order
 * number (BEG03).
 */
static char *
sg_rl_make_850(int i)
{
    char ctrl[16], order[32];
    char *a, *b;

    snprintf(ctrl, sizeof(ctrl), "%09d", i + 1);
    snprintf(order, sizeof(order), SG_ORDER_FMT, i);
    a = sg_rl_replace(tmpl, "000003438", ctrl);
    b = sg_rl_replace(a, "08292233294", order);
    free(a);
    return b;
}

/* --- the clients ------------------------------------------------------- */

static void
sg_rl_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Send message i until a 202, a final refusal, or the deadline. */
static void
sg_rl_send(CURL *curl, int i)
{
    struct sg_rl_msg *m = &msgs[i];
    char *body = sg_rl_make_850(i);
    struct sg_td_reply r;
    int port;

    while (sg_rl_now_ms() < post_deadline_ms) {
        port = atomic_load(&sgd.port);
        if (port == 0) {
            sg_rl_sleep_ms(20);
            continue;
        }
        m->attempts++;
        sg_td_post(curl, port, "/v1/messages", "application/EDI-X12",
                   body, strlen(body), 10, &r);
        /* A resend of an interchange an earlier attempt stored: the
         * duplicate guard refuses it (409), naming the first message.
         * That first copy is the accepted one. */
        if (r.outcome != SG_TD_REFUSED && r.outcome != SG_TD_NO_ANSWER &&
            r.status == 409 && m->maybe_stored > 0 && r.body != NULL &&
            strstr(r.body, "interchange.duplicate") != NULL) {
            free(r.body);
            m->accepted = 1;
            m->refused_as_duplicate = 1;
            atomic_fetch_add(&n_accepted, 1);
            break;
        }
        free(r.body);
        if (r.outcome == SG_TD_REFUSED) {
            atomic_fetch_add(&n_refused, 1);
            sg_rl_sleep_ms(20);
            continue;
        }
        if (r.outcome == SG_TD_NO_ANSWER) {
            atomic_fetch_add(&n_no_answer, 1);
            m->maybe_stored++;
            continue;
        }
        if (r.status == 202) {
            m->accepted = 1;
            atomic_fetch_add(&n_accepted, 1);
            break;
        }
        if (r.status != 503) {
            m->bad_status = r.status;
            break;
        }
        /* A 503 cut short by a Redis crash may still have been stored:
         * the writer could not read the EXEC reply (see ingest.c). */
        m->maybe_stored++;
        atomic_fetch_add(&n_503, 1);
        if (r.retry_after <= 0) {
            atomic_fetch_add(&n_no_retry_after, 1);
        }
        /* Honour Retry-After, shortened: the test compresses time. */
        sg_rl_sleep_ms(r.retry_after > 0 ? 200 : 50);
    }
    free(body);
}

static void *
sg_rl_client(void *arg)
{
    CURL *curl = curl_easy_init();
    int i;

    while ((i = atomic_fetch_add(&next_msg, 1)) < N_MSGS) {
        sg_rl_send(curl, i);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

/* --- the trouble ------------------------------------------------------- */

static void
sg_rl_redis_start(void)
{
    const char *server = getenv("SG_REDIS_SERVER");
    char err[512];

    if (server == NULL || *server == '\0' || strcmp(server, "no") == 0) {
        server = "redis-server";
    }
    if (sg_redis_child_start(&redis, server, redis_dir, "always", err,
                             sizeof(err)) != 0) {
        fprintf(stderr, "cannot start redis-server: %s\n", err);
        exit(2);
    }
}

/* SHUTDOWN (Redis flushes the AOF and exits), then reap it. */
static void
sg_rl_redis_shutdown(void)
{
    char err[256];
    redisContext *c = sg_redis_connect(redis.address, 2000, err,
                                       sizeof(err));
    redisReply *rep;
    int status;

    if (c != NULL) {
        rep = redisCommand(c, "SHUTDOWN");
        if (rep != NULL) {
            freeReplyObject(rep);
        }
        redisFree(c);
    }
    waitpid(redis.pid, &status, 0);
    redis.pid = 0;
}

static void
sg_rl_redis_kill(void)
{
    int status;

    kill(redis.pid, SIGKILL);
    waitpid(redis.pid, &status, 0);
    redis.pid = 0;
}

static void
sg_rl_daemon_kill_and_restart(void)
{
    int old_port = atomic_load(&sgd.port);

    CU_ASSERT_EQUAL(sg_td_stop(&sgd, SIGKILL), 128 + SIGKILL);
    /* Until the new daemon has written its port, the clients keep
     * knocking at the old one and are refused, as a partner would be. */
    atomic_store(&sgd.port, old_port);
    CU_ASSERT_EQUAL_FATAL(sg_td_start(&sgd), 0);
}

/* Wait until share (in percent) of the orders were accepted. */
static int
sg_rl_wait_progress(int percent)
{
    while (atomic_load(&n_accepted) < N_MSGS * percent / 100) {
        if (sg_rl_now_ms() > post_deadline_ms) {
            return -1;
        }
        sg_rl_sleep_ms(10);
    }
    return 0;
}

static int
sg_rl_trouble(void)
{
    int done = 0;

    if (sg_rl_wait_progress(15) == 0) {
        sg_rl_daemon_kill_and_restart();
        done++;
    }
    if (sg_rl_wait_progress(30) == 0) {
        sg_rl_redis_shutdown();
        sg_rl_redis_start();
        done++;
    }
    if (sg_rl_wait_progress(45) == 0) {
        sg_redis_child_stop(&redis);
        sg_rl_sleep_ms(3000);
        sg_rl_redis_start();
        done++;
    }
    if (sg_rl_wait_progress(60) == 0) {
        sg_rl_redis_kill();
        sg_rl_redis_start();
        done++;
    }
    if (sg_rl_wait_progress(75) == 0) {
        sg_rl_daemon_kill_and_restart();
        done++;
    }
    return done;
}

/* --- what Redis holds at the end -------------------------------------- */

/* The order index of "RL000000123", or -1. */
static int
sg_rl_index(const char *order)
{
    int i;

    if (order == NULL || sscanf(order, "RL%9d", &i) != 1 || i < 0 ||
        i >= N_MSGS) {
        return -1;
    }
    return i;
}

static const char *
sg_rl_field(const redisReply *fields, const char *name)
{
    size_t k;

    for (k = 0; k + 1 < fields->elements; k += 2) {
        if (strcmp(fields->element[k]->str, name) == 0) {
            return fields->element[k + 1]->str;
        }
    }
    return NULL;
}

/*
 * Call visit(fields) for every entry of stream key, in pages.  Returns
 * the number of entries, -1 on a Redis error.
 */
static long
sg_rl_scan(redisContext *c, const char *key,
           void (*visit)(const redisReply *fields))
{
    char from[64] = "-";
    redisReply *rep;
    long total = 0;
    size_t k;

    for (;;) {
        rep = redisCommand(c, "XRANGE %s %s + COUNT 500", key, from);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
            if (rep != NULL) {
                freeReplyObject(rep);
            }
            return -1;
        }
        if (rep->elements == 0) {
            freeReplyObject(rep);
            return total;
        }
        for (k = 0; k < rep->elements; k++) {
            visit(rep->element[k]->element[1]);
        }
        total += (long)rep->elements;
        /* Next page starts after the last id: "(" is exclusive. */
        snprintf(from, sizeof(from), "(%s",
                 rep->element[rep->elements - 1]->element[0]->str);
        freeReplyObject(rep);
    }
}

static void
sg_rl_visit_copy(const redisReply *fields)
{
    int i = sg_rl_index(sg_rl_field(fields, "key"));

    if (i >= 0) {
        seen[i].copies++;
    }
}

static void
sg_rl_visit_event(const redisReply *fields)
{
    const char *type = sg_rl_field(fields, "type");
    int i = sg_rl_index(sg_rl_field(fields, "order"));

    if (i < 0 || type == NULL) {
        return;
    }
    if (strcmp(type, "order_received") == 0) {
        seen[i].received++;
    } else if (strcmp(type, "order_processed") == 0) {
        seen[i].processed++;
    } else if (strcmp(type, "duplicate_order") == 0) {
        seen[i].duplicates++;
    }
}

/* 1 once every stored entry was delivered and acknowledged. */
static int
sg_rl_settled(redisContext *c)
{
    redisReply *pend, *info, *last;
    int done = 0;

    pend = redisCommand(c, "XPENDING sg:stream:order sg-workers");
    info = redisCommand(c, "XINFO GROUPS sg:stream:order");
    last = redisCommand(c, "XREVRANGE sg:stream:order + - COUNT 1");
    if (pend != NULL && pend->type == REDIS_REPLY_ARRAY &&
        pend->element[0]->integer == 0 && info != NULL &&
        info->type == REDIS_REPLY_ARRAY && info->elements == 1 &&
        last != NULL && last->type == REDIS_REPLY_ARRAY &&
        last->elements == 1) {
        const char *delivered = sg_rl_field(info->element[0],
                                            "last-delivered-id");

        done = delivered != NULL &&
               strcmp(delivered, last->element[0]->element[0]->str) == 0;
    }
    if (pend != NULL) {
        freeReplyObject(pend);
    }
    if (info != NULL) {
        freeReplyObject(info);
    }
    if (last != NULL) {
        freeReplyObject(last);
    }
    return done;
}

static void
sg_rl_read_states(redisContext *c)
{
    redisReply *rep;
    char order[32];
    int i;

    for (i = 0; i < N_MSGS; i++) {
        snprintf(order, sizeof(order), SG_ORDER_FMT, i);
        redisAppendCommand(c, "HGET sg:order:%s state", order);
    }
    for (i = 0; i < N_MSGS; i++) {
        if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
            return;
        }
        seen[i].state_ok = rep->type == REDIS_REPLY_STRING &&
                           strcmp(rep->str, "processed") == 0;
        freeReplyObject(rep);
    }
}

/* The read API agrees with Redis: check every 100th order through it. */
static int
sg_rl_api_agrees(void)
{
    char path[64], *body;
    const char *state;
    int i, ok = 1;
    long st;
    json_t *j;

    for (i = 0; i < N_MSGS; i += 100) {
        if (!msgs[i].accepted) {
            continue;
        }
        snprintf(path, sizeof(path), "/v1/orders/" SG_ORDER_FMT, i);
        st = sg_td_get(atomic_load(&sgd.port), path, &body);
        j = json_loads(body, 0, NULL);
        state = json_string_value(json_object_get(j, "state"));
        if (st != 200 || state == NULL || strcmp(state, "processed") != 0) {
            fprintf(stderr, "GET %s: %ld %s\n", path, st, body);
            ok = 0;
        }
        json_decref(j);
        free(body);
    }
    return ok;
}

/* --- the test ---------------------------------------------------------- */

struct sg_rl_figures {
    int sent, attempts, accepted, processed, duplicates, retried, lost;
    int twice, unreported, unexpected_dup, bad_status, dead;
    int dup_refused;        /* resends answered 409 by the guard */
};

static void
sg_rl_count(struct sg_rl_figures *f)
{
    int i;

    memset(f, 0, sizeof(*f));
    for (i = 0; i < N_MSGS; i++) {
        const struct sg_rl_msg *m = &msgs[i];
        const struct sg_rl_seen *s = &seen[i];

        f->sent += m->attempts > 0;
        f->attempts += m->attempts;
        f->accepted += m->accepted;
        f->retried += m->maybe_stored > 0;
        f->bad_status += m->bad_status != 0;
        f->dup_refused += m->refused_as_duplicate;
        if (s->received == 1 && s->processed == 1 && s->state_ok) {
            f->processed++;
        }
        if (m->accepted && s->received == 0) {
            f->lost++;
            fprintf(stderr, "lost: " SG_ORDER_FMT " (202, never "
                    "applied)\n", i);
        }
        if (s->received > 1 || s->processed > 1) {
            f->twice++;
            fprintf(stderr, "processed twice: " SG_ORDER_FMT "\n", i);
        }
        if (s->copies > 1) {
            f->duplicates += s->copies - 1;
        }
        if (s->copies > 0 && s->duplicates != s->copies - 1) {
            f->unreported++;
            fprintf(stderr, SG_ORDER_FMT ": %d copies stored, %d "
                    "duplicate_order events\n", i, s->copies,
                    s->duplicates);
        }
        if (m->maybe_stored == 0 && (s->copies > 1 || s->duplicates > 0)) {
            f->unexpected_dup++;
            fprintf(stderr, SG_ORDER_FMT ": sent once, stored %d "
                    "times\n", i, s->copies);
        }
    }
}

static void
test_nothing_lost_nothing_twice(void)
{
    pthread_t th[N_CLIENTS];
    struct sg_rl_figures f;
    redisContext *c;
    redisReply *rep;
    long long t0 = sg_rl_now_ms(), t_posted;
    char err[256];
    int i, troubles;

    post_deadline_ms = t0 + POST_SECONDS * 1000LL;
    for (i = 0; i < N_CLIENTS; i++) {
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, sg_rl_client,
                                             NULL), 0);
    }
    troubles = sg_rl_trouble();
    for (i = 0; i < N_CLIENTS; i++) {
        pthread_join(th[i], NULL);
    }
    t_posted = sg_rl_now_ms();

    /* Let the workers apply what was stored: pending entries are
     * reclaimed after reclaim_idle (1 s here). */
    c = sg_redis_connect(redis.address, 5000, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (i = 0; i < SETTLE_SECONDS * 10 && !sg_rl_settled(c); i++) {
        sg_rl_sleep_ms(100);
    }
    CU_ASSERT_TRUE(sg_rl_settled(c));
    /* What the promise behind each 202 rests on. */
    rep = redisCommand(c, "CONFIG GET appendfsync");
    CU_ASSERT_TRUE(rep != NULL && rep->type == REDIS_REPLY_ARRAY &&
                   rep->elements == 2 &&
                   strcmp(rep->element[1]->str, "always") == 0);
    freeReplyObject(rep);
    CU_ASSERT_TRUE(sg_rl_scan(c, "sg:stream:order", sg_rl_visit_copy) > 0);
    CU_ASSERT_TRUE(sg_rl_scan(c, "sg:events", sg_rl_visit_event) > 0);
    sg_rl_read_states(c);
    sg_rl_count(&f);
    rep = redisCommand(c, "XLEN sg:dead");
    f.dead = rep != NULL && rep->type == REDIS_REPLY_INTEGER ?
             (int)rep->integer : -1;
    freeReplyObject(rep);
    redisFree(c);

    printf("\n    reliability: %d trouble steps; posted in %.1f s, settled "
           "in %.1f s\n", troubles, (t_posted - t0) / 1000.0,
           (sg_rl_now_ms() - t_posted) / 1000.0);
    printf("    reliability: sent %d (%d HTTP attempts), accepted %d, "
           "processed %d, duplicates %d (client retries %d), lost %d\n",
           f.sent, f.attempts, f.accepted, f.processed, f.duplicates,
           f.retried, f.lost);
    printf("    reliability: attempts answered 503 %d, refused %d, "
           "unanswered %d\n", atomic_load(&n_503), atomic_load(&n_refused),
           atomic_load(&n_no_answer));
    printf("    reliability: processed twice %d, copies not reported as "
           "duplicate_order %d, dead-lettered %d, resends refused as "
           "duplicate interchanges %d\n", f.twice, f.unreported, f.dead,
           f.dup_refused);

    CU_ASSERT_EQUAL(troubles, 5);
    CU_ASSERT_EQUAL(f.sent, N_MSGS);
    CU_ASSERT_EQUAL(f.accepted, N_MSGS);
    CU_ASSERT_EQUAL(f.processed, f.accepted);
    CU_ASSERT_EQUAL(f.lost, 0);
    CU_ASSERT_EQUAL(f.twice, 0);
    CU_ASSERT_EQUAL(f.unreported, 0);
    CU_ASSERT_EQUAL(f.unexpected_dup, 0);
    CU_ASSERT_EQUAL(f.bad_status, 0);
    CU_ASSERT_EQUAL(f.dead, 0);
    CU_ASSERT_EQUAL(atomic_load(&n_no_retry_after), 0);
    /* The outages were seen: 503s while Redis was away, refusals
     * while the daemon was. */
    CU_ASSERT_TRUE(atomic_load(&n_503) > 0);
    CU_ASSERT_TRUE(atomic_load(&n_refused) > 0);
    CU_ASSERT_TRUE(sg_rl_api_agrees());
}

/* --- setup ------------------------------------------------------------- */

static char *
sg_rl_write_conf(void)
{
    char *text, *path, *plugin, *schemas;

    plugin = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"notice\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n"
        " max_attempts = 5\n}\n"
        "delivery {\n processing_limit = \"2h\"\n"
        " dispatch_limit = \"4h\"\n sweep_interval = \"1h\"\n}\n"
        "approval \"default\" {\n manager_above = 1000000\n"
        " director_above = 10000000\n}\n"
        "supplier \"4405197800\" {\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.address, plugin);
    path = sg_test_write(tmp, "reliability.conf", text);
    free(text);
    free(plugin);
    free(schemas);
    return path;
}

int
main(void)
{
    CU_pSuite s;
    size_t len;
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmpl = (char *)sg_test_read(
        sg_test_srcpath("examples/01-x12-850-corpus-vics.edi"), &len);
    if (tmpl == NULL) {
        fprintf(stderr, "cannot read the corpus example\n");
        return 2;
    }
    tmp = sg_test_tmpdir("rel");
    redis_dir = sg_xasprintf("%s/redis", tmp);
    sg_rl_redis_start();
    sgd.dir = tmp;
    sgd.conf = sg_rl_write_conf();
    if (sg_td_start(&sgd) != 0) {
        return 2;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("delivery guarantees under crashes", NULL, NULL);
    CU_add_test(s, "daemon and Redis killed and restarted while posting: "
                "every 202 processed exactly once",
                test_nothing_lost_nothing_twice);
    rc = sg_test_run();

    /* Exit 0 also means no leak under LeakSanitizer. */
    if (sg_td_stop(&sgd, SIGTERM) != 0) {
        fprintf(stderr, "supplygated did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    sg_redis_child_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", tmp);
    }
    free(tmp);
    free(redis_dir);
    free(sgd.conf);
    free(tmpl);
    curl_global_cleanup();
    return rc;
}
