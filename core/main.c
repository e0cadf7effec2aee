/*
 * main.c - supplygated: start the pieces in order, wait for a signal,
 * stop them in reverse.
 *
 * Order matters for the promise behind a 202: Redis first (embedded or
 * remote), then the ingest writer, the workers and, last, the HTTP
 * listener; on SIGTERM the listener stops taking connections first, the
 * requests in flight are answered, the writer flushes, the workers finish
 * the entry in hand, and Redis stops last.
 *
 * SIGHUP reloads the configuration, schemas and plugins as a new
 * generation (generation.c); requests in flight finish on the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "gateway.h"
#include "generation.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "spool.h"
#include "plugin.h"
#include "redis.h"
#include "rules.h"
#include "schema.h"
#include "worker.h"

struct sg_daemon {
    const char *file;           /* the configuration, read again on HUP */
    struct sg_generations *gens;
    /* The first generation, pinned by gens: what only a restart
     * changes (listener, Redis, workers) is read from it. */
    struct sg_generation *boot;
    const struct sg_config *cfg;    /* boot->cfg */
    struct sg_redis_child redis;
    int redis_down;             /* the embedded one died; restart due */
    char *redis_address;
    struct sg_ingest *ingest;
    struct sg_workers *workers;
    struct sg_api *api;
    struct sg_gateway gw;
    struct sg_http *http;
    int lock_fd;                /* state_dir/supplygated.lock, held */
};

static void
sg_usage(FILE *out)
{
    fprintf(out,
        "usage: supplygated -c FILE [--check-config]\n"
        "\n"
        "  -c, --config FILE   configuration file (see conf/supplygate.conf)\n"
        "  -t, --check-config  load the configuration, every schema and\n"
        "                      every plugin, then exit 0, or 1 with errors\n"
        "  -h, --help          this text\n"
        "  -V, --version       print the version\n"
        "\n"
        "Runs in the foreground and logs to stderr.  SIGTERM or SIGINT\n"
        "stop it after answering the requests in flight; SIGHUP reloads\n"
        "the configuration, schemas and plugins (a broken file is\n"
        "refused and the running one kept).\n");
}

static void
sg_print_errors(const struct sg_errors *errs)
{
    size_t i;

    for (i = 0; i < errs->n; i++) {
        fprintf(stderr, "supplygated: %s\n", errs->items[i].text);
    }
}

/* --- loading: configuration, plugins, schemas -------------------------- */

static int
sg_daemon_load(struct sg_daemon *d, const char *file, int strict,
               struct sg_errors *errs)
{
    struct sg_generation *g = sg_generation_load(file, strict, errs);

    if (g == NULL) {
        return -1;
    }
    d->file = g->cfg->file;     /* absolute: the same file on reload */
    d->boot = g;
    d->cfg = g->cfg;
    d->gens = sg_generations_new(g);
    sg_log_set_level(d->cfg->log_level);
    return 0;
}

/* --- running ----------------------------------------------------------- */

/* Each entry runs on the rules of the generation current when it
 * starts; a reload meanwhile does not change its decision halfway. */
static enum sg_rules_result
sg_apply(void *arg, redisContext *c, const struct sg_entry *e,
         long long now_ms, struct sg_errors *errs)
{
    struct sg_generation *g = sg_generations_acquire(arg);
    enum sg_rules_result res;

    res = sg_rules_apply(g->rules, c, e, now_ms, errs);
    sg_generation_unref(g);
    return res;
}

static long
sg_sweep(void *arg, redisContext *c, long long now_ms)
{
    struct sg_generation *g = sg_generations_acquire(arg);
    long n;

    n = sg_rules_sweep(g->rules, c, now_ms);
    sg_generation_unref(g);
    return n;
}

static int
sg_daemon_redis(struct sg_daemon *d)
{
    char err[512];

    if (d->cfg->redis_address[0] != '\0') {
        d->redis_address = sg_xstrdup(d->cfg->redis_address);
        return 0;
    }
    if (sg_redis_child_start(&d->redis, d->cfg->redis_server,
                             d->cfg->state_dir, d->cfg->redis_appendfsync,
                             err, sizeof(err)) != 0) {
        sg_log(SG_LOG_ERROR, "redis", NULL, "embedded Redis: %s", err);
        return -1;
    }
    sg_log(SG_LOG_NOTICE, "redis", NULL, "embedded redis-server pid %d "
           "on %s (appendfsync %s)", (int)d->redis.pid, d->redis.address,
           d->cfg->redis_appendfsync);
    d->redis_address = sg_xstrdup(d->redis.address);
    return 0;
}

/* Tests and scripts find a port chosen by the kernel in this file. */
static void
sg_daemon_write_port(struct sg_daemon *d)
{
    char *path = sg_xasprintf("%s/http.port", d->cfg->state_dir);
    FILE *f;

    mkdir(d->cfg->state_dir, 0700);
    f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%d\n", sg_http_port(d->http));
        fclose(f);
    }
    free(path);
}

/*
 * One daemon per state_dir: two would share the spool, the port file
 * and, worst, start two redis-servers on one AOF.  The lock is an
 * flock on state_dir/supplygated.lock, taken before anything else and
 * held until exit.  The embedded redis-server inherits the descriptor,
 * so a Redis still shutting down after its daemon died holds the state
 * directory too.
 */
static int
sg_daemon_lock(struct sg_daemon *d)
{
    char *path;

    mkdir(d->cfg->state_dir, 0700);
    path = sg_xasprintf("%s/supplygated.lock", d->cfg->state_dir);
    d->lock_fd = open(path, O_RDWR | O_CREAT, 0600);
    if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        sg_log(SG_LOG_ERROR, "main", NULL, "%s: %s: another supplygated, "
               "or the redis-server of one that died, uses state_dir %s; "
               "stop it first", path,
               d->lock_fd < 0 ? strerror(errno) : "already locked",
               d->cfg->state_dir);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

static int
sg_daemon_start(struct sg_daemon *d)
{
    const char *const *types;

    if (sg_daemon_lock(d) != 0 || sg_daemon_redis(d) != 0) {
        return -1;
    }
    d->ingest = sg_ingest_start(d->redis_address);
    types = sg_schemas_types(d->boot->schemas);
    {
        struct sg_worker_handler h = {sg_apply, sg_sweep, d->gens};

        d->workers = sg_workers_start(d->cfg, d->redis_address, types, &h);
    }
    if (d->ingest == NULL || d->workers == NULL) {
        sg_log(SG_LOG_ERROR, "main", NULL, "cannot start the queue "
               "threads");
        return -1;
    }
    d->api = sg_api_create(d->redis_address, d->boot->plugins, d->ingest);
    sg_api_use_generations(d->api, d->gens);
    d->gw.cfg = d->cfg;
    d->gw.plugins = d->boot->plugins;
    d->gw.schemas = d->boot->schemas;
    d->gw.ingest = d->ingest;
    d->gw.redis_address = d->redis_address;
    d->gw.acks = sg_ack_counter_new(d->redis_address);
    d->gw.gens = d->gens;
    sg_spool_sweep(d->cfg->state_dir);
    d->http = sg_http_start(d->cfg, &d->gw, d->api);
    if (d->http == NULL) {
        return -1;
    }
    sg_daemon_write_port(d);
    return 0;
}

/* Answer what is in flight, for at most timeout seconds. */
static void
sg_daemon_drain(struct sg_daemon *d, int timeout)
{
    struct timespec pause = {0, 50 * 1000 * 1000};
    int i;

    sg_http_quiesce(d->http);
    for (i = 0; i < timeout * 20 && sg_http_in_flight(d->http) > 0; i++) {
        nanosleep(&pause, NULL);
    }
}

static void
sg_daemon_stop(struct sg_daemon *d)
{
    if (d->http != NULL) {
        char *port = sg_xasprintf("%s/http.port", d->cfg->state_dir);

        /* Scripts waiting for the port must not find the old one. */
        unlink(port);
        free(port);
        sg_daemon_drain(d, 10);
    }
    sg_http_stop(d->http);
    sg_ingest_stop(d->ingest);
    sg_workers_stop(d->workers);
    sg_api_free(d->api);
    sg_ack_counter_free(d->gw.acks);
    sg_redis_child_stop(&d->redis);
    sg_generations_free(d->gens);
    free(d->redis_address);
}

/*
 * Block the signals we handle in every thread, then wait for them here:
 * no async-signal-safety puzzles, and no thread is interrupted mid-write.
 * Code in another thread asks for a reload with kill(getpid(), SIGHUP):
 * raise() would aim at its own thread, where the signal stays blocked.
 */
/*
 * The embedded redis-server died (killed, out of memory): start it
 * again on the same socket and data directory, so the AOF is replayed
 * and the writer and workers reconnect by themselves.  Until it answers,
 * POSTs get 503 as for any Redis outage.
 * XXX: the writer learns its old connection is gone only by writing on
 * it, so the first POST after the restart may get 503 too.
 * Returns 0 when it runs again (or was never ours), -1 to try again
 * later.
 */
static int
sg_daemon_revive_redis(struct sg_daemon *d)
{
    char err[512];
    int status;

    if (d->redis.pid > 0) {
        if (waitpid(d->redis.pid, &status, WNOHANG) != d->redis.pid) {
            return 0;           /* another child, or still running */
        }
        sg_log(SG_LOG_ERROR, "redis", NULL, "embedded redis-server (pid "
               "%d) %s %d; starting it again", (int)d->redis.pid,
               WIFSIGNALED(status) ? "was killed by signal" : "exited with",
               WIFSIGNALED(status) ? WTERMSIG(status)
                                   : WEXITSTATUS(status));
        d->redis.pid = 0;
        d->redis_down = 1;
    }
    if (!d->redis_down) {
        return 0;
    }
    if (sg_redis_child_start(&d->redis, d->cfg->redis_server,
                             d->cfg->state_dir, d->cfg->redis_appendfsync,
                             err, sizeof(err)) != 0) {
        sg_log(SG_LOG_ERROR, "redis", NULL, "embedded Redis: %s; trying "
               "again", err);
        return -1;
    }
    d->redis_down = 0;
    sg_log(SG_LOG_NOTICE, "redis", NULL, "embedded redis-server running "
           "again, pid %d", (int)d->redis.pid);
    return 0;
}

static int
sg_daemon_wait(struct sg_daemon *d)
{
    struct timespec retry = {1, 0};
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    for (;;) {
        /* With a restart pending, wake every second to try again. */
        sig = d->redis_down ? sigtimedwait(&set, NULL, &retry)
                            : sigwaitinfo(&set, NULL);
        if (sig < 0 || sig == SIGCHLD) {
            sg_daemon_revive_redis(d);
            continue;
        }
        if (sig == SIGHUP) {
            sg_log(SG_LOG_NOTICE, "main", NULL, "SIGHUP: reloading %s",
                   d->file);
            sg_generations_reload(d->gens, d->file);
            continue;
        }
        return sig;
    }
}

static void
sg_block_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);   /* the embedded redis-server's death */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* A client that hangs up mid-answer must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}
    };
    struct sg_daemon d;
    struct sg_errors errs;
    const char *file = NULL;
    int ch, check = 0, rc = 1, sig;

    while ((ch = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': file = optarg; break;
        case 't': check = 1; break;
        case 'h': sg_usage(stdout); return 0;
        case 'V': printf("supplygated %s (plugin ABI %d.%d)\n", SG_VERSION,
                         SG_PLUGIN_ABI_MAJOR, SG_PLUGIN_ABI_MINOR);
                  return 0;
        default: sg_usage(stderr); return 2;
        }
    }
    if (file == NULL || optind != argc) {
        sg_usage(stderr);
        return 2;
    }

    sg_block_signals();
    sg_xml_init();
    memset(&d, 0, sizeof(d));
    sg_errors_init(&errs, 200);
    if (sg_daemon_load(&d, file, check, &errs) != 0) {
        sg_print_errors(&errs);
        goto out;
    }
    if (check) {
        printf("supplygated: %s is valid: %zu plugin(s), %zu "
               "supplier(s)\n", d.cfg->file, d.boot->plugins->n,
               d.cfg->n_suppliers);
        rc = 0;
        goto out;
    }
    if (sg_daemon_start(&d) == 0) {
        sig = sg_daemon_wait(&d);
        sg_log(SG_LOG_NOTICE, "main", NULL, "signal %d: draining and "
               "stopping", sig);
        rc = 0;
    }
out:
    sg_daemon_stop(&d);
    sg_errors_free(&errs);
    sg_xml_cleanup();
    return rc;
}
