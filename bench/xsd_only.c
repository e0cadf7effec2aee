/*
 * xsd_only.c - the CPU ceiling for the benchmark: how many orders per
 * second this machine can decode and validate when nothing waits on
 * HTTP or Redis.
 *
 *     xsd_only PLUGIN.so SCHEMA_DIR BODY.edi [THREADS [SECONDS [PHASES]]]
 *
 * The plugin is opened with dlopen and set up through its descriptor
 * with a minimal struct sg_host, as the daemon would; the body is
 * decoded once to check it gives one valid canonical document.  Then
 * three timed phases run on THREADS threads for SECONDS each:
 *
 *   validate   sg_schemas_validate() of that one XML (schema compiled
 *              once): the figure the issue calls "XSD validation";
 *   decode     the plugin's decode() plus validation of what it made;
 *   gateway    sg_gateway_decode(), the very call the HTTP handler makes
 *              (decode, validate, message id, JSON receipt), without
 *              Redis.
 *
 * PHASES picks some of them ("decode,gateway"), to profile one alone.
 * Each phase prints one line "SGBENCH name=... per_s=... n=... secs=..."
 * that bench/run.sh reads.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "log.h"
#include "plugin.h"
#include "schema.h"
#include "sg_plugin.h"
#include "util.h"

#define BENCH_MAX_THREADS 64

enum bench_phase {
    BENCH_VALIDATE,
    BENCH_DECODE,
    BENCH_GATEWAY
};

/* What every thread shares; read-only while the threads run, except
 * the stop flag. */
struct bench {
    const struct sg_plugin *desc;
    void *ctx;
    struct sg_schemas *schemas;
    struct sg_gateway *gw;
    const unsigned char *body;
    size_t body_len;
    const char *xml;            /* the canonical document, decoded once */
    size_t xml_len;
    const char *type;
    enum bench_phase phase;
    atomic_int stop;
};

struct bench_thread {
    pthread_t tid;
    struct bench *b;
    unsigned long long done;
    unsigned long long failed;
};

/* What one decode() call produced. */
struct bench_out {
    char *type, *key, *xml;
    size_t xml_len;
    int n_docs, n_errors;
    char first_error[256];
};

/* --- the host services a plugin gets ----------------------------------- */

static void
bench_host_log(enum sg_log_level level, const char *plugin,
               const char *msg_id, const char *fmt, ...)
{
    va_list ap;

    (void)msg_id;
    if (level > SG_LOG_WARN) {
        return;
    }
    fprintf(stderr, "xsd_only: [plugin:%s] ", plugin);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* schema_dir is set by main(): the plugin finds its segment maps there. */
static struct sg_host bench_host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = bench_host_log,
    .option_string = NULL,
    .option_int = NULL,
};

/* --- a sink that keeps the first document, as the gateway copies it --- */

static int
bench_sink_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct bench_out *o = sink->core;

    if (o->n_docs++ == 0) {
        o->type = sg_xstrdup(doc->type != NULL ? doc->type : "");
        o->key = sg_xstrdup(doc->key != NULL ? doc->key : "");
        o->xml = sg_xstrndup(doc->xml != NULL ? doc->xml : "",
                             doc->xml_len);
        o->xml_len = doc->xml_len;
    }
    return 0;
}

static int
bench_sink_error(struct sg_sink *sink, const struct sg_diag *diag)
{
    struct bench_out *o = sink->core;

    if (o->n_errors++ == 0) {
        snprintf(o->first_error, sizeof(o->first_error), "%s: %s",
                 diag->code ? diag->code : "?", diag->text ? diag->text : "");
    }
    return 0;
}

static void
bench_out_free(struct bench_out *o)
{
    free(o->type);
    free(o->key);
    free(o->xml);
    memset(o, 0, sizeof(*o));
}

/* Decode the body once; 0 when it gave documents and no error. */
static int
bench_decode(const struct bench *b, struct bench_out *o)
{
    struct sg_message msg;
    struct sg_sink sink;
    int rc;

    memset(o, 0, sizeof(*o));
    memset(&msg, 0, sizeof(msg));
    msg.id = "bench";
    msg.content_type = "application/EDI-X12";
    msg.data = b->body;
    msg.len = b->body_len;
    sink.document = bench_sink_document;
    sink.error = bench_sink_error;
    sink.core = o;
    rc = b->desc->decode(b->ctx, &msg, &sink);
    return rc == 0 && o->n_errors == 0 && o->n_docs > 0 ? 0 : -1;
}

static int
bench_validate(const struct bench *b, const char *type, const char *xml,
               size_t len)
{
    struct sg_errors errs;
    int rc;

    sg_errors_init(&errs, 0);
    rc = sg_schemas_validate(b->schemas, type, xml, len, &errs);
    sg_errors_free(&errs);
    return rc;
}

/* --- the timed loops ---------------------------------------------------- */

static int
bench_once(const struct bench *b)
{
    struct bench_out o;
    struct sg_intake *in;
    int rc = -1;

    switch (b->phase) {
    case BENCH_VALIDATE:
        return bench_validate(b, b->type, b->xml, b->xml_len);
    case BENCH_DECODE:
        if (bench_decode(b, &o) == 0) {
            rc = bench_validate(b, o.type, o.xml, o.xml_len);
        }
        bench_out_free(&o);
        return rc;
    case BENCH_GATEWAY:
        in = sg_gateway_decode(b->gw, NULL, "application/EDI-X12",
                               b->body, b->body_len);
        rc = in->status == 202 ? 0 : -1;
        sg_intake_free(in);
        return rc;
    }
    return -1;
}

static void *
bench_thread_main(void *arg)
{
    struct bench_thread *t = arg;

    while (!atomic_load_explicit(&t->b->stop, memory_order_relaxed)) {
        if (bench_once(t->b) == 0) {
            t->done++;
        } else {
            t->failed++;
        }
    }
    return NULL;
}

static double
bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run one phase; returns the number of failed iterations. */
static unsigned long long
bench_run(struct bench *b, enum bench_phase phase, const char *name,
          int threads, double seconds)
{
    struct bench_thread t[BENCH_MAX_THREADS];
    unsigned long long done = 0, failed = 0;
    double start, secs;
    int i;

    b->phase = phase;
    atomic_store(&b->stop, 0);
    start = bench_now();
    for (i = 0; i < threads; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        t[i].b = b;
        if (pthread_create(&t[i].tid, NULL, bench_thread_main,
                           &t[i]) != 0) {
            fprintf(stderr, "xsd_only: cannot start thread %d\n", i);
            exit(1);
        }
    }
    usleep((useconds_t)(seconds * 1e6));
    atomic_store(&b->stop, 1);
    for (i = 0; i < threads; i++) {
        pthread_join(t[i].tid, NULL);
        done += t[i].done;
        failed += t[i].failed;
    }
    secs = bench_now() - start;
    printf("SGBENCH name=%s per_s=%.0f n=%llu failed=%llu secs=%.2f "
           "threads=%d\n", name, (double)done / secs, done, failed, secs,
           threads);
    fflush(stdout);
    return failed;
}

/* --- setting up --------------------------------------------------------- */

static unsigned char *
bench_read_file(const char *path, size_t *len)
{
    struct sg_buf buf;
    char chunk[4096];
    FILE *f = fopen(path, "rb");
    size_t n;

    if (f == NULL) {
        return NULL;
    }
    sg_buf_init(&buf);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        sg_buf_add(&buf, chunk, n);
    }
    fclose(f);
    *len = buf.len;
    return (unsigned char *)sg_buf_steal(&buf);
}

static void
bench_print_errors(const char *what, const struct sg_errors *errs)
{
    char line[600];
    size_t i;

    for (i = 0; i < errs->n; i++) {
        sg_errors_describe(&errs->items[i], line, sizeof(line));
        fprintf(stderr, "xsd_only: %s: %s\n", what, line);
    }
}

/* Open the plugin ourselves and call its init with no configuration. */
static int
bench_open_plugin(struct bench *b, const char *path)
{
    char why[256];
    void *handle;

    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "xsd_only: %s\n", dlerror());
        return -1;
    }
    b->desc = dlsym(handle, SG_PLUGIN_SYMBOL);
    if (b->desc == NULL) {
        fprintf(stderr, "xsd_only: %s: no %s\n", path, SG_PLUGIN_SYMBOL);
        return -1;
    }
    if (sg_plugin_check(b->desc, why, sizeof(why)) != 0) {
        fprintf(stderr, "xsd_only: %s: %s\n", path, why);
        return -1;
    }
    if (b->desc->init != NULL &&
        b->desc->init(&bench_host, NULL, &b->ctx) != 0) {
        fprintf(stderr, "xsd_only: %s: init failed\n", path);
        return -1;
    }
    return 0;
}

/* The daemon's own gateway, with the plugin loaded by the core's loader
 * and no configuration section (every plugin option at its default). */
static struct sg_gateway *
bench_gateway(struct bench *b, const char *path, struct sg_config *cfg)
{
    struct sg_gateway *gw = sg_xcalloc(1, sizeof(*gw));
    struct sg_errors errs;

    sg_errors_init(&errs, 0);
    gw->cfg = cfg;
    gw->plugins = sg_plugins_new();
    gw->schemas = b->schemas;
    if (sg_plugins_probe(gw->plugins, "supplier_edi", path, 0,
                         &errs) == NULL && gw->plugins->n == 0) {
        fprintf(stderr, "xsd_only: the core's loader refused %s\n", path);
        return NULL;
    }
    if (sg_plugins_init(gw->plugins, cfg, &errs) != 0) {
        bench_print_errors("plugin init", &errs);
        return NULL;
    }
    sg_errors_free(&errs);
    return gw;
}

int
main(int argc, char **argv)
{
    static struct bench b;
    static struct sg_config cfg;
    struct bench_out first;
    struct sg_errors errs;
    unsigned long long failed = 0;
    const char *phases = "validate,decode,gateway";
    double seconds = 5;
    int threads = 2;

    if (argc < 4) {
        fprintf(stderr, "usage: xsd_only PLUGIN.so SCHEMA_DIR BODY "
                "[THREADS [SECONDS [PHASES]]]\n");
        return 2;
    }
    if (argc > 4) {
        threads = atoi(argv[4]);
    }
    if (argc > 5) {
        seconds = atof(argv[5]);
    }
    if (argc > 6) {
        phases = argv[6];
    }
    if (threads < 1 || threads > BENCH_MAX_THREADS || seconds <= 0) {
        fprintf(stderr, "xsd_only: bad THREADS or SECONDS\n");
        return 2;
    }
    sg_log_set_level(SG_LOG_WARN);
    sg_xml_init();

    b.body = bench_read_file(argv[3], &b.body_len);
    if (b.body == NULL) {
        fprintf(stderr, "xsd_only: cannot read %s\n", argv[3]);
        return 1;
    }
    sg_errors_init(&errs, 0);
    b.schemas = sg_schemas_load(argv[2], &errs);
    if (b.schemas == NULL) {
        bench_print_errors("schemas", &errs);
        return 1;
    }
    sg_errors_free(&errs);
    bench_host.schema_dir = argv[2];
    cfg.schema_dir = argv[2];
    if (bench_open_plugin(&b, argv[1]) != 0) {
        return 1;
    }

    /* The body must decode to a valid document, or every figure lies. */
    if (bench_decode(&b, &first) != 0) {
        fprintf(stderr, "xsd_only: %s does not decode: %d document(s), "
                "%d error(s); first: %s\n", argv[3], first.n_docs,
                first.n_errors, first.first_error);
        return 1;
    }
    sg_errors_init(&errs, 0);
    if (sg_schemas_validate(b.schemas, first.type, first.xml,
                            first.xml_len, &errs) != 0) {
        bench_print_errors("invalid canonical XML", &errs);
        return 1;
    }
    sg_errors_free(&errs);
    b.type = first.type;
    b.xml = first.xml;
    b.xml_len = first.xml_len;
    printf("SGBENCH name=document type=%s key=%s body_bytes=%zu "
           "xml_bytes=%zu docs=%d\n", first.type, first.key, b.body_len,
           first.xml_len, first.n_docs);
    fflush(stdout);

    b.gw = bench_gateway(&b, argv[1], &cfg);
    if (b.gw == NULL) {
        return 1;
    }

    if (strstr(phases, "validate") != NULL) {
        failed += bench_run(&b, BENCH_VALIDATE, "validate", threads,
                            seconds);
    }
    if (strstr(phases, "decode") != NULL) {
        failed += bench_run(&b, BENCH_DECODE, "decode_validate", threads,
                            seconds);
    }
    if (strstr(phases, "gateway") != NULL) {
        failed += bench_run(&b, BENCH_GATEWAY, "gateway_decode", threads,
                            seconds);
    }
    if (failed > 0) {
        fprintf(stderr, "xsd_only: %llu iteration(s) failed\n", failed);
        return 1;
    }
    sg_plugins_free(b.gw->plugins);
    free(b.gw);
    if (b.desc->exit != NULL) {
        b.desc->exit(b.ctx);
    }
    sg_schemas_free(b.schemas);
    bench_out_free(&first);
    free((void *)b.body);
    sg_xml_cleanup();
    return 0;
}
