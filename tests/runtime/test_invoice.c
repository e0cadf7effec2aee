/*
 * test_invoice.c - invoices end to end: a real supplygated with the
 * supplier_edi plugin and a real redis-server.  The order of example 01
 * is posted, then the two invoices of example 16 that bill it; the read
 * API must show the first matched and the second a price deviation, as
 * scripts/demo.sh shows them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testlib.h"
#include "util.h"

static struct sg_test_redis redis;
static char *tmp;
static pid_t daemon_pid;
static int port;

static char *
rt_write_conf(void)
{
    char *text, *path, *sedi, *schemas;

    sedi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n}\n"
        "invoice {\n price_tolerance = 2\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, sedi);
    path = sg_test_write(tmp, "invoice.conf", text);
    free(text);
    free(sedi);
    free(schemas);
    return path;
}

static void
rt_start(const char *conf_path)
{
    char *portfile = sg_xasprintf("%s/state/http.port", tmp);
    char *logfile = sg_xasprintf("%s/daemon.log", tmp);
    const char *bin = sg_test_buildpath("supplygated");
    FILE *f;
    int i;

    daemon_pid = fork();
    if (daemon_pid == 0) {
        FILE *log = fopen(logfile, "a");

        if (log != NULL) {
            dup2(fileno(log), 2);
        }
        execl(bin, bin, "-c", conf_path, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 200 && port == 0; i++) {
        usleep(50 * 1000);
        f = fopen(portfile, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", &port) != 1) {
                port = 0;
            }
            fclose(f);
        }
    }
    free(portfile);
    free(logfile);
    if (port == 0) {
        fprintf(stderr, "supplygated did not start; see %s/daemon.log\n",
                tmp);
        exit(2);
    }
}

static size_t
rt_body(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

/* GET (body NULL) or POST; the status, the answer parsed in *answer. */
static long
rt_http(const char *path, const char *ctype, const void *body, size_t len,
        json_t **answer)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[256], ct[128];
    struct sg_buf out;
    long status = 0;

    sg_buf_init(&out);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, rt_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    if (body != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    *answer = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
    sg_buf_free(&out);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return status;
}

static long
rt_post_file(const char *rel)
{
    unsigned char *data;
    json_t *answer;
    size_t len;
    long status;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = rt_http("/v1/messages", "application/EDI-X12", data, len,
                     &answer);
    json_decref(answer);
    free(data);
    return status;
}

/* GET path until it answers 200 (10 s at most); the JSON or NULL. */
static json_t *
rt_wait(const char *path)
{
    json_t *o = NULL;
    int i;

    for (i = 0; i < 200; i++) {
        if (rt_http(path, NULL, NULL, 0, &o) == 200) {
            return o;
        }
        json_decref(o);
        o = NULL;
        usleep(50 * 1000);
    }
    return NULL;
}

static const char *
rt_str(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    return s != NULL ? s : "";
}

static void
test_example_16(void)
{
    json_t *o, *reasons;

    CU_ASSERT_EQUAL(rt_post_file("examples/01-x12-850-corpus-vics.edi"),
                    202);
    o = rt_wait("/v1/orders/08292233294");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    json_decref(o);

    CU_ASSERT_EQUAL(rt_post_file("examples/"
                                 "16-x12-810-invoice-order-01.edi"), 202);
    o = rt_wait("/v1/invoices/16-0001");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(rt_str(o, "state"), "matched");
    CU_ASSERT_STRING_EQUAL(rt_str(o, "order"), "08292233294");
    CU_ASSERT_STRING_EQUAL(rt_str(o, "supplier"), "4405197800");
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(o, "total")),
                           2494.74, 1e-6);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(o, "reasons")), 0);
    json_decref(o);

    o = rt_wait("/v1/invoices/16-0002");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(rt_str(o, "state"), "mismatch");
    reasons = json_object_get(o, "reasons");
    CU_ASSERT_EQUAL(json_array_size(reasons), 1);
    CU_ASSERT_STRING_EQUAL(rt_str(json_array_get(reasons, 0), "code"),
                           "price_deviation");
    CU_ASSERT_STRING_EQUAL(rt_str(json_array_get(reasons, 0), "line"),
                           "2");
    json_decref(o);

    CU_ASSERT_EQUAL(rt_http("/v1/invoices/NOPE", NULL, NULL, 0, &o), 404);
    CU_ASSERT_STRING_EQUAL(rt_str(o, "error"), "invoice.not_found");
    json_decref(o);
}

int
main(void)
{
    CU_pSuite s;
    char *conf;
    int rc, status;

    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("invoice-rt");
    sg_test_redis_start(&redis);
    conf = rt_write_conf();
    rt_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("invoice runtime", NULL, NULL);
    CU_add_test(s, "example 16 bills the order of example 01",
                test_example_16);
    rc = sg_test_run();

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    sg_test_redis_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    }
    free(tmp);
    free(conf);
    curl_global_cleanup();
    return rc;
}
