/*
 * edi_stream_rss.c - does a 100 MB interchange really stream?  Memory
 * and speed of the supplier_edi plugin's decode_stream() against its
 * decode() of the same body held whole.
 *
 *     edi_stream_rss PLUGIN.so SCHEMA_DIR [MB [novalidate]]
 *
 * Two bodies of about MB megabytes (100 by default) are written to a
 * scratch directory under $TMPDIR (or /tmp), removed at the end: an X12
 * interchange of 850 orders made from bench/order-2k.edi's set, and an
 * EDIFACT interchange of ORDERS messages made from the EANCOM example
 * (examples/02-edifact-orders-corpus-eancom.edi), each set with its own
 * control number and order number.  Each body is then decoded twice,
 * each time in a child process of its own so that its peak RSS
 * (wait4's ru_maxrss) is its own and not the generator's:
 *
 *   stream   read(2) in 64 KB pieces through msg->read, decode_stream();
 *   whole    the file read into one buffer, then decode().
 *
 * The sink counts the documents and validates each against the order
 * schema with the core's schema code (sg_schemas_validate), unless
 * "novalidate" is given.  One line per run: MB/s, documents, invalid
 * documents, diags, peak RSS; then the stream/whole ratios.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "plugin.h"
#include "schema.h"
#include "sg_plugin.h"
#include "util.h"

#define RSS_PIECE 65536

/* What one run measured, sent from the child to the parent. */
struct rss_result {
    long documents;
    long invalid;
    long diags;
    int rc;
    double seconds;
    long max_rss_kb;
    char first_diag[200];
};

/* The plugin and the schemas, set up in the child. */
struct rss_run {
    const struct sg_plugin *desc;
    void *ctx;
    struct sg_schemas *schemas;
    int validate;
    struct rss_result res;
};

/* --- the host a plugin gets ------------------------------------------- */

static void
rss_host_log(enum sg_log_level level, const char *plugin,
             const char *msg_id, const char *fmt, ...)
{
    (void)level;
    (void)plugin;
    (void)msg_id;
    (void)fmt;
}

/* Enough orders for a 100 MB interchange (the plugin's own cap). */
static long
rss_host_int(const void *config, const char *name)
{
    (void)config;
    return strcmp(name, "max_documents") == 0 ? 100000 : 0;
}

static const char *
rss_host_string(const void *config, const char *name)
{
    (void)config;
    (void)name;
    return NULL;
}

static struct sg_host rss_host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = rss_host_log,
    .option_string = rss_host_string,
    .option_int = rss_host_int,
};

/* --- the bodies ---------------------------------------------------------- */

static char *
rss_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct sg_buf b;
    char chunk[4096];
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "edi_stream_rss: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    sg_buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        sg_buf_add(&b, chunk, n);
    }
    fclose(f);
    *len = b.len;
    return sg_buf_steal(&b);
}

/* The text between from and to (to included) in s, or exit. */
static char *
rss_cut(const char *s, const char *from, const char *to, const char *what)
{
    const char *a = strstr(s, from), *b = a ? strstr(a, to) : NULL;

    if (b == NULL) {
        fprintf(stderr, "edi_stream_rss: no %s in the template\n", what);
        exit(1);
    }
    return sg_xstrndup(a, (size_t)(b - a) + strlen(to));
}

/* Write set with every "old" replaced by "new". */
static void
rss_put_replaced(FILE *f, const char *set, const char *old, const char *new)
{
    size_t n = strlen(old);
    const char *p;

    while ((p = strstr(set, old)) != NULL) {
        fwrite(set, 1, (size_t)(p - set), f);
        fputs(new, f);
        set = p + n;
    }
    fputs(set, f);
}

/*
 * X12: the ISA and GS of order-2k.edi, its ST..SE set again and again
 * with ST02/SE02 and the PO number made unique, then GE and IEA.
 */
static long
rss_write_x12(const char *srcdir, const char *path, size_t target)
{
    char tpl_path[4096], num[32];
    const char *st, *se, *end;
    size_t len;
    char *tpl, *head, *set;
    FILE *f = fopen(path, "wb");
    long n = 0;

    snprintf(tpl_path, sizeof(tpl_path), "%s/bench/order-2k.edi", srcdir);
    tpl = rss_slurp(tpl_path, &len);
    head = rss_cut(tpl, "ISA", "4711*X*004010~", "ISA/GS");
    /* ST..SE, SE's terminator left out; ST02, SE02 and the PO number
     * all end in the template's 0001. */
    st = strstr(tpl, "ST*850*0001~");
    se = st != NULL ? strstr(st, "\nSE*") : NULL;
    end = se != NULL ? strchr(se, '~') : NULL;
    if (end == NULL) {
        fprintf(stderr, "edi_stream_rss: no ST..SE in %s\n", tpl_path);
        exit(1);
    }
    set = sg_xstrndup(st, (size_t)(end - st));
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fputs(head, f);
    while ((size_t)ftell(f) < target) {
        n++;
        fputc('\n', f);
        snprintf(num, sizeof(num), "%09ld", n);
        rss_put_replaced(f, set, "0001", num);
        fputs("~", f);
    }
    fprintf(f, "\nGE*%ld*4711~\nIEA*1*000004711~\n", n);
    fclose(f);
    free(tpl);
    free(head);
    free(set);
    return n;
}

/*
 * EDIFACT: the UNA and UNB of the EANCOM example, its UNH..UNT message
 * again and again with the message reference and order number (both
 * 2019265563 in the example) made unique, then UNZ.
 */
static long
rss_write_edifact(const char *srcdir, const char *path, size_t target)
{
    char tpl_path[4096], num[32];
    size_t len;
    char *tpl, *head, *msg;
    FILE *f = fopen(path, "wb");
    long n = 0;

    snprintf(tpl_path, sizeof(tpl_path),
             "%s/examples/02-edifact-orders-corpus-eancom.edi", srcdir);
    tpl = rss_slurp(tpl_path, &len);
    head = rss_cut(tpl, "UNA", "++++++1'", "UNA/UNB");
    msg = rss_cut(tpl, "UNH+", "UNT+599+2019265563'", "UNH..UNT");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fputs(head, f);
    while ((size_t)ftell(f) < target) {
        n++;
        fputc('\n', f);
        snprintf(num, sizeof(num), "%010ld", 3000000000L + n);
        rss_put_replaced(f, msg, "2019265563", num);
    }
    fprintf(f, "\nUNZ+%ld+896'\n", n);
    fclose(f);
    free(tpl);
    free(head);
    free(msg);
    return n;
}

/* --- the sink ---------------------------------------------------------- */

static int
rss_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct rss_run *run = sink->core;
    struct sg_errors errs;

    run->res.documents++;
    if (run->validate) {
        sg_errors_init(&errs, 0);
        if (sg_schemas_validate(run->schemas, doc->type, doc->xml,
                                doc->xml_len, &errs) != 0) {
            run->res.invalid++;
        }
        sg_errors_free(&errs);
    }
    return 0;
}

static int
rss_error(struct sg_sink *sink, const struct sg_diag *diag)
{
    struct rss_run *run = sink->core;

    if (run->res.diags++ == 0) {
        snprintf(run->res.first_diag, sizeof(run->res.first_diag),
                 "%s at segment %ld: %s", diag->code ? diag->code : "?",
                 diag->segment, diag->text ? diag->text : "");
    }
    return 0;
}

/* --- one run, in a child ------------------------------------------------ */

static long
rss_fd_read(void *arg, unsigned char *buf, size_t n)
{
    int fd = *(int *)arg;
    ssize_t got;

    if (n > RSS_PIECE) {
        n = RSS_PIECE;
    }
    do {
        got = read(fd, buf, n);
    } while (got < 0 && errno == EINTR);
    return (long)got;
}

static double
rss_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
rss_setup(struct rss_run *run, const char *plugin, const char *schema_dir)
{
    struct sg_errors errs;
    char why[256];
    void *handle = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);

    if (handle == NULL) {
        fprintf(stderr, "edi_stream_rss: %s\n", dlerror());
        return -1;
    }
    run->desc = dlsym(handle, SG_PLUGIN_SYMBOL);
    if (run->desc == NULL || sg_plugin_check(run->desc, why,
                                             sizeof(why)) != 0 ||
        run->desc->decode_stream == NULL) {
        fprintf(stderr, "edi_stream_rss: %s: not a plugin with "
                "decode_stream\n", plugin);
        return -1;
    }
    rss_host.schema_dir = schema_dir;
    if (run->desc->init(&rss_host, "config", &run->ctx) != 0) {
        return -1;
    }
    sg_xml_init();
    sg_errors_init(&errs, 0);
    run->schemas = sg_schemas_load(schema_dir, &errs);
    sg_errors_free(&errs);
    return run->schemas != NULL ? 0 : -1;
}

/* Decode the file at path, streamed or whole; fills run->res. */
static void
rss_decode(struct rss_run *run, const char *path, int stream)
{
    struct sg_message msg;
    struct sg_sink sink;
    unsigned char *body = NULL;
    size_t cap = 0, len = 0;
    double t0 = rss_now();
    long got;
    int fd = open(path, O_RDONLY);

    memset(&msg, 0, sizeof(msg));
    msg.id = "bench";
    sink.document = rss_document;
    sink.error = rss_error;
    sink.core = run;
    if (stream) {
        msg.read = rss_fd_read;
        msg.read_arg = &fd;
        run->res.rc = run->desc->decode_stream(run->ctx, &msg, &sink);
    } else {
        do {
            if (cap - len < RSS_PIECE) {
                cap = cap ? 2 * cap : 4 * RSS_PIECE;
                body = sg_xrealloc(body, cap);
            }
            got = rss_fd_read(&fd, body + len, RSS_PIECE);
            len += got > 0 ? (size_t)got : 0;
        } while (got > 0);
        msg.data = body;
        msg.len = len;
        run->res.rc = run->desc->decode(run->ctx, &msg, &sink);
        free(body);
    }
    close(fd);
    run->res.seconds = rss_now() - t0;
}

/* Fork, decode in the child, and collect what it measured. */
static int
rss_child(const char *plugin, const char *schema_dir, const char *path,
          int stream, int validate, struct rss_result *res)
{
    struct rss_run run;
    struct rusage ru;
    int fds[2], status;
    pid_t pid;

    if (pipe(fds) != 0 || (pid = fork()) < 0) {
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        memset(&run, 0, sizeof(run));
        run.validate = validate;
        if (rss_setup(&run, plugin, schema_dir) != 0) {
            _exit(1);
        }
        rss_decode(&run, path, stream);
        if (write(fds[1], &run.res, sizeof(run.res)) !=
            (ssize_t)sizeof(run.res)) {
            _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    memset(res, 0, sizeof(*res));
    if (read(fds[0], res, sizeof(*res)) != (ssize_t)sizeof(*res)) {
        res->rc = -9;
    }
    close(fds[0]);
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        return -1;
    }
    res->max_rss_kb = ru.ru_maxrss;
    return res->rc == -9 ? -1 : 0;
}

static void
rss_print(const char *body, const char *mode, double mb,
          const struct rss_result *r)
{
    printf("%-8s %-6s %8.1f MB/s %7ld docs %3ld invalid %3ld diags "
           "rc %2d  peak RSS %7.1f MB\n", body, mode,
           r->seconds > 0 ? mb / r->seconds : 0.0, r->documents, r->invalid,
           r->diags, r->rc, r->max_rss_kb / 1024.0);
    if (r->diags > 0) {
        printf("         first diag: %s\n", r->first_diag);
    }
}

/* Both runs of one body; 0 when both gave every document, valid. */
static int
rss_body(const char *plugin, const char *schema_dir, const char *name,
         const char *path, long sets, int validate)
{
    struct rss_result s, w;
    struct stat st;
    double mb;

    if (stat(path, &st) != 0) {
        return -1;
    }
    mb = st.st_size / (1024.0 * 1024.0);
    printf("%s: %.1f MB, %ld sets\n", name, mb, sets);
    if (rss_child(plugin, schema_dir, path, 1, validate, &s) != 0 ||
        rss_child(plugin, schema_dir, path, 0, validate, &w) != 0) {
        fprintf(stderr, "edi_stream_rss: a run of %s failed\n", name);
        return -1;
    }
    rss_print(name, "stream", mb, &s);
    rss_print(name, "whole", mb, &w);
    printf("%-8s stream/whole: speed %.2f, peak RSS %.2f\n", name,
           w.seconds > 0 && s.seconds > 0 ? w.seconds / s.seconds : 0.0,
           w.max_rss_kb > 0 ? (double)s.max_rss_kb / w.max_rss_kb : 0.0);
    return s.documents == sets && w.documents == sets && s.invalid == 0 &&
           s.diags == 0 && w.diags == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    const char *srcdir = getenv("SG_SRCDIR");
    char dir[4096], x12[4200], edifact[4200];
    size_t target;
    long nx, ne;
    int validate, bad = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: edi_stream_rss PLUGIN.so SCHEMA_DIR "
                "[MB [novalidate]]\n");
        return 2;
    }
    target = (size_t)(argc > 3 ? atol(argv[3]) : 100) * 1024 * 1024;
    validate = !(argc > 4 && strcmp(argv[4], "novalidate") == 0);
    snprintf(dir, sizeof(dir), "%s/sg-stream-rss-XXXXXX",
             tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("edi_stream_rss: mkdtemp");
        return 1;
    }
    if (srcdir == NULL) {
        /* Without SG_SRCDIR, SCHEMA_DIR is taken as SRCDIR/schemas. */
        char *up = sg_xstrdup(argv[2]), *slash = strrchr(up, '/');

        if (slash != NULL) {
            *slash = '\0';
        }
        srcdir = slash != NULL ? up : ".";
    }
    snprintf(x12, sizeof(x12), "%s/orders-850.edi", dir);
    snprintf(edifact, sizeof(edifact), "%s/orders-ORDERS.edi", dir);
    nx = rss_write_x12(srcdir, x12, target);
    ne = rss_write_edifact(srcdir, edifact, target);

    printf("edi_stream_rss: read(2) in %d KB pieces, %s\n",
           RSS_PIECE / 1024, validate ? "each document validated "
           "against the order schema" : "no validation");
    bad |= rss_body(argv[1], argv[2], "X12", x12, nx, validate);
    bad |= rss_body(argv[1], argv[2], "EDIFACT", edifact, ne, validate);
    unlink(x12);
    unlink(edifact);
    rmdir(dir);
    return bad ? 1 : 0;
}
