/*
 * test_shipnotice.c - ship notices end to end: a real supplygated with
 * the supplier_edi plugin and a real redis-server.  The 856 of
 * examples/15 is posted before the orders of examples/03 it ships: it
 * waits for them (rules.order_wait, retried every reclaim_idle); then
 * the notice, its issues and the lot traces are read back through the
 * HTTP API.
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

/* --- the daemon ------------------------------------------------------ */

static char *
sn_write_conf(void)
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
        "supplier \"ACME\" {\n name = \"Acme Components Ltd\"\n"
        " aliases = {\"ACMEPARTS\", \"ZZ:ACMEPARTS\"}\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "rules {\n min_shelf_life = \"30d\"\n ship_tolerance = 0\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, sedi);
    path = sg_test_write(tmp, "shipnotice.conf", text);
    free(text);
    free(sedi);
    free(schemas);
    return path;
}

static void
sn_start(const char *conf_path)
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
sn_body(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

/* GET (body NULL) or POST; the status, the answer as JSON in *answer
 * (NULL when it is not JSON). */
static long
sn_http(const char *path, const char *body, size_t len, json_t **answer)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *h = NULL;
    struct sg_buf out;
    char url[256];
    long status = 0;

    sg_buf_init(&out);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sn_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    if (body != NULL) {
        h = curl_slist_append(h, "Content-Type: application/EDI-X12");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    *answer = json_loadb(out.data != NULL ? out.data : "", out.len, 0,
                         NULL);
    sg_buf_free(&out);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return status;
}

static long
sn_post_file(const char *rel, json_t **answer)
{
    unsigned char *data;
    size_t len;
    long status;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = sn_http("/v1/messages", (const char *)data, len, answer);
    free(data);
    return status;
}

/* GET path until it answers 200 (the workers are asynchronous). */
static json_t *
sn_wait(const char *path)
{
    json_t *a = NULL;
    int i;

    for (i = 0; i < 100; i++) {
        if (sn_http(path, NULL, 0, &a) == 200) {
            return a;
        }
        json_decref(a);
        a = NULL;
        usleep(50 * 1000);
    }
    return NULL;
}

static const char *
js(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));

    return s != NULL ? s : "";
}

/* How many issues of the notice have this code (and lot, if given). */
static int
sn_issues(const json_t *notice, const char *code, const char *lot)
{
    const json_t *list = json_object_get(notice, "issues"), *i;
    size_t k;
    int n = 0;

    json_array_foreach(list, k, i) {
        if (strcmp(js(i, "code"), code) == 0 &&
            (lot == NULL || strcmp(js(i, "lot"), lot) == 0)) {
            n++;
        }
    }
    return n;
}

/* --- the test ------------------------------------------------------------ */

static void
test_example_ships_example_03(void)
{
    json_t *a, *doc;

    /* The notice overtakes its orders: it is left pending, not decided
     * for unknown orders. */
    CU_ASSERT_EQUAL(sn_post_file("examples/15-x12-856-ship-notice-lots.edi",
                                 &a), 202);
    doc = json_array_get(json_object_get(a, "documents"), 0);
    CU_ASSERT_STRING_EQUAL(js(doc, "type"), "ship_notice");
    CU_ASSERT_STRING_EQUAL(js(doc, "key"), "ASN-EX-1501");
    json_decref(a);
    usleep(1500 * 1000);
    CU_ASSERT_EQUAL(sn_http("/v1/ship-notices/ASN-EX-1501", NULL, 0, &a),
                    404);
    json_decref(a);

    CU_ASSERT_EQUAL(sn_post_file("examples/03-x12-850-two-orders.edi", &a),
                    202);
    json_decref(a);
    a = sn_wait("/v1/orders/PO-EX-3002");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    json_decref(a);

    a = sn_wait("/v1/ship-notices/ASN-EX-1501");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(js(a, "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(js(a, "state"), "issues");
    CU_ASSERT_STRING_EQUAL(js(a, "ship_date"), "2026-12-05");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(a, "orders")), 2);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(a, "lines")), 4);
    /* ITEM-200: 28 of 30; LOT-100-B has 15 days left, 30 wanted;
     * ITEM-100 (12 + 8 in two lots) and ITEM-201 are complete. */
    CU_ASSERT_EQUAL(sn_issues(a, "short_shipment", NULL), 1);
    CU_ASSERT_EQUAL(sn_issues(a, "short_shelf_life", "LOT-100-B"), 1);
    CU_ASSERT_EQUAL(sn_issues(a, "short_shelf_life", NULL), 1);
    CU_ASSERT_EQUAL(sn_issues(a, "asn_order_unknown", NULL), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(a, "issues")), 2);
    json_decref(a);

    a = sn_wait("/v1/lots/LOT-100-A");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(js(a, "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(js(a, "order"), "PO-EX-3001");
    CU_ASSERT_STRING_EQUAL(js(a, "item"), "ITEM-100");
    CU_ASSERT_STRING_EQUAL(js(a, "expiry"), "2028-01-31");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
        json_object_get(a, "ship_notices"), 0)), "ASN-EX-1501");
    json_decref(a);

    CU_ASSERT_EQUAL(sn_http("/v1/lots/NO-SUCH-LOT", NULL, 0, &a), 404);
    CU_ASSERT_STRING_EQUAL(js(a, "error"), "lot.not_found");
    json_decref(a);
    CU_ASSERT_EQUAL(sn_http("/v1/ship-notices/NONE", NULL, 0, &a), 404);
    CU_ASSERT_STRING_EQUAL(js(a, "error"), "ship_notice.not_found");
    json_decref(a);
}

int
main(void)
{
    CU_pSuite s;
    char *conf;
    int rc, status;

    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("shipnotice-rt");
    sg_test_redis_start(&redis);
    conf = sn_write_conf();
    sn_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("ship notice runtime", NULL, NULL);
    CU_add_test(s, "example 15, posted first, ships the orders of "
                "example 03",
                test_example_ships_example_03);
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
