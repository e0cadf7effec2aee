/*
 * main.c - supplygated: start the pieces in order, wait for a signal,
 * stop them in reverse.
 *
 * Order matters for the promise behind a 202: Redis first (embedded or
 * remote), then the ingest writer, the workers and, last, the HTTP
 * listener; on SIGTERM the listener stops taking connections first, the
 * requests in flight are answered, the writer flushes, the workers finish
 * the entry in hand, and Redis stops last.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "gateway.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "plugin.h"
#include "redis.h"
#include "rules.h"
#include "schema.h"
#include "worker.h"

struct sg_daemon {
    struct sg_config *cfg;
    struct sg_plugins *plugins;
    struct sg_schemas *schemas;
    struct sg_redis_child redis;
    char *redis_address;
    struct sg_ingest *ingest;
    struct sg_rules *rules;
    struct sg_workers *workers;
    struct sg_api *api;
    struct sg_gateway gw;
    struct sg_http *http;
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
        "stop it after answering the requests in flight.\n");
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
sg_daemon_load(struct sg_daemon *d, const char *file, struct sg_errors *errs)
{
    d->plugins = sg_plugins_new();
    d->cfg = sg_config_load(file, sg_plugins_probe, d->plugins, errs);
    if (d->cfg == NULL) {
        return -1;
    }
    sg_log_set_level(d->cfg->log_level);
    d->schemas = sg_schemas_load(d->cfg->schema_dir, errs);
    if (d->schemas == NULL) {
        return -1;
    }
    if (sg_plugins_init(d->plugins, d->cfg, errs) != 0) {
        return -1;
    }
    return 0;
}

/* Every document type a loaded plugin produces must have a schema. */
static int
sg_daemon_check_types(struct sg_daemon *d, struct sg_errors *errs)
{
    size_t i;
    const char *const *t;

    for (i = 0; i < d->plugins->n; i++) {
        const struct sg_plugin *p = d->plugins->items[i].desc;

        for (t = p->document_types; t != NULL && *t != NULL; t++) {
            if (!sg_schemas_has(d->schemas, *t)) {
                sg_errors_addf(errs, "config", "%s: plugin %s produces "
                               "\"%s\" documents but %s/%s.xsd does not "
                               "exist", d->cfg->file,
                               d->plugins->items[i].name, *t,
                               d->cfg->schema_dir, *t);
            }
        }
    }
    return errs->n == 0 ? 0 : -1;
}

/* --- running ----------------------------------------------------------- */

static enum sg_rules_result
sg_apply(void *arg, redisContext *c, const struct sg_entry *e,
         long long now_ms, struct sg_errors *errs)
{
    return sg_rules_apply(arg, c, e, now_ms, errs);
}

static long
sg_sweep(void *arg, redisContext *c, long long now_ms)
{
    return sg_rules_sweep(arg, c, now_ms);
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

static int
sg_daemon_start(struct sg_daemon *d)
{
    const char *const *types;

    if (sg_daemon_redis(d) != 0) {
        return -1;
    }
    d->ingest = sg_ingest_start(d->redis_address);
    d->rules = sg_rules_create(d->cfg);
    types = sg_schemas_types(d->schemas);
    {
        struct sg_worker_handler h = {sg_apply, sg_sweep, d->rules};

        d->workers = sg_workers_start(d->cfg, d->redis_address, types, &h);
    }
    if (d->ingest == NULL || d->workers == NULL) {
        sg_log(SG_LOG_ERROR, "main", NULL, "cannot start the queue "
               "threads");
        return -1;
    }
    d->api = sg_api_create(d->redis_address, d->plugins, d->ingest);
    d->gw.cfg = d->cfg;
    d->gw.plugins = d->plugins;
    d->gw.schemas = d->schemas;
    d->gw.ingest = d->ingest;
    d->gw.redis_address = d->redis_address;
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
        sg_daemon_drain(d, 10);
    }
    sg_http_stop(d->http);
    sg_ingest_stop(d->ingest);
    sg_workers_stop(d->workers);
    sg_api_free(d->api);
    sg_rules_free(d->rules);
    sg_redis_child_stop(&d->redis);
    sg_plugins_free(d->plugins);
    sg_schemas_free(d->schemas);
    sg_config_free(d->cfg);
    free(d->redis_address);
}

/*
 * Block the signals we handle in every thread, then wait for them here:
 * no async-signal-safety puzzles, and no thread is interrupted mid-write.
 */
static int
sg_daemon_wait(void)
{
    sigset_t set;
    int sig = 0;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    for (;;) {
        if (sigwait(&set, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            /* XXX: no reload yet; SIGHUP is logged and ignored, restart
             * the daemon to apply a new configuration. */
            sg_log(SG_LOG_WARN, "main", NULL, "SIGHUP: reload is not "
                   "supported yet; restart to apply changes");
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
    if (sg_daemon_load(&d, file, &errs) != 0 ||
        sg_daemon_check_types(&d, &errs) != 0 ||
        (check && d.plugins->n_refused > 0)) {
        sg_print_errors(&errs);
        if (d.plugins->n_refused > 0) {
            fprintf(stderr, "supplygated: %zu plugin(s) refused (see "
                    "above)\n", d.plugins->n_refused);
        }
        goto out;
    }
    if (check) {
        printf("supplygated: %s is valid: %zu plugin(s), %zu "
               "supplier(s)\n", d.cfg->file, d.plugins->n,
               d.cfg->n_suppliers);
        rc = 0;
        goto out;
    }
    if (sg_daemon_start(&d) == 0) {
        sig = sg_daemon_wait();
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
