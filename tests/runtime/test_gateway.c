/*
 * test_gateway.c - the daemon end to end: a real supplygated with the
 * real supplier_edi plugin, a real redis-server, and HTTP through libcurl.
 *
 * It follows what a partner and an operator see: 202 and the order's
 * decisions for good orders, 422 with the exact position for a broken
 * one, 503 while Redis is down and recovery after, every accepted order
 * processed exactly once across a SIGKILL of the daemon, deadlines
 * breached by the sweep, and a clean exit on SIGTERM.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "ack_sent.h"
#include "testlib.h"
#include "util.h"

static struct sg_test_redis redis;
static char *tmp;
static char *conf;
static pid_t daemon_pid;
static int port;
static const char *rt_accept;   /* Accept header of the next requests */

/* --- the daemon ------------------------------------------------------ */

static char *
sg_rt_write_conf(const char *name, const char *processing_limit)
{
    char *text, *path, *plugin, *schemas;

    plugin = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"info\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        /* No spool: over body_limit is 413 (test_spool spools). */
        "http {\n port = 0\n body_limit = 65536\n spool_limit = 0\n"
        " timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n"
        " max_attempts = 3\n}\n"
        "delivery {\n processing_limit = \"%s\"\n"
        " dispatch_limit = \"4h\"\n sweep_interval = \"1s\"\n}\n"
        "approval \"default\" {\n manager_above = 10000\n"
        " director_above = 100000\n}\n"
        "supplier \"ACME\" {\n aliases = {\"ACMEPARTS\", "
        "\"ZZ:ACMEPARTS\", \"5412345000013\"}\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, processing_limit, plugin);
    path = sg_test_write(tmp, name, text);
    free(text);
    free(plugin);
    free(schemas);
    return path;
}

/* Start supplygated and wait until it has written its port. */
static void
sg_rt_start(const char *conf_path)
{
    char *portfile = sg_xasprintf("%s/state/http.port", tmp);
    char *logfile = sg_xasprintf("%s/daemon.log", tmp);
    const char *bin = sg_test_buildpath("supplygated");
    FILE *f;
    int i;

    unlink(portfile);
    daemon_pid = fork();
    if (daemon_pid == 0) {
        FILE *log = fopen(logfile, "a");

        if (log != NULL) {
            dup2(fileno(log), 2);
        }
        execl(bin, bin, "-c", conf_path, (char *)NULL);
        _exit(127);
    }
    port = 0;
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

/* Send sig and return the exit status (or 128 + signal). */
static int
sg_rt_stop(int sig)
{
    int status = 0;

    kill(daemon_pid, sig);
    waitpid(daemon_pid, &status, 0);
    daemon_pid = 0;
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

/* --- HTTP ---------------------------------------------------------- */

struct sg_rt_reply {
    long status;
    struct sg_buf body;
    char retry_after[16];
};

static size_t
sg_rt_body(char *p, size_t size, size_t n, void *arg)
{
    struct sg_rt_reply *r = arg;

    sg_buf_add(&r->body, p, size * n);
    return size * n;
}

static size_t
sg_rt_header(char *p, size_t size, size_t n, void *arg)
{
    struct sg_rt_reply *r = arg;

    if (size * n > 13 && strncasecmp(p, "Retry-After: ", 13) == 0) {
        snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
                 (int)(size * n - 13), p + 13);
        r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
    }
    return size * n;
}

/* GET when body is NULL, else POST.  Returns the status (0: no answer). */
static long
sg_rt_http(const char *path, const char *ctype, const void *body,
           size_t len, struct sg_rt_reply *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char url[512], ct[128];

    memset(r, 0, sizeof(*r));
    sg_buf_init(&r->body);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sg_rt_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sg_rt_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    if (body != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, ct);
        hdrs = curl_slist_append(hdrs, "Expect:");
        if (rt_accept != NULL) {
            snprintf(ct, sizeof(ct), "Accept: %s", rt_accept);
            hdrs = curl_slist_append(hdrs, ct);
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
    return r->status;
}

static json_t *
sg_rt_json(struct sg_rt_reply *r)
{
    json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0,
                           NULL);

    sg_buf_free(&r->body);
    return j;
}

/* POST a test data file; returns the parsed answer, status in *status. */
static json_t *
sg_rt_post_file(const char *rel, const char *ctype, long *status)
{
    char path[4096];
    struct sg_rt_reply r;
    unsigned char *data;
    size_t len;

    snprintf(path, sizeof(path), "%s", sg_test_srcpath(rel));
    data = sg_test_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    *status = sg_rt_http("/v1/messages", ctype, data, len, &r);
    free(data);
    return sg_rt_json(&r);
}

/* GET /v1/orders/<number> until it exists (the workers are async). */
static json_t *
sg_rt_wait_order(const char *number, int seconds)
{
    struct sg_rt_reply r;
    char path[256];
    int i;

    snprintf(path, sizeof(path), "/v1/orders/%s", number);
    for (i = 0; i < seconds * 20; i++) {
        if (sg_rt_http(path, NULL, NULL, 0, &r) == 200) {
            return sg_rt_json(&r);
        }
        sg_buf_free(&r.body);
        usleep(50 * 1000);
    }
    return NULL;
}

static const char *
sg_js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* 1 when the order's history holds an event of this type. */
static int
sg_rt_has_event(json_t *order, const char *type)
{
    json_t *hist = json_object_get(order, "history"), *ev;
    size_t i;

    json_array_foreach(hist, i, ev) {
        if (strcmp(sg_js(ev, "type"), type) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
sg_rt_has_hold(json_t *order, const char *code)
{
    json_t *holds = json_object_get(order, "holds"), *h;
    size_t i;

    json_array_foreach(holds, i, h) {
        if (strcmp(sg_js(h, "code"), code) == 0) {
            return 1;
        }
    }
    return 0;
}

/* --- tests --------------------------------------------------------- */

static void
test_valid_850(void)
{
    long status;
    json_t *receipt, *order, *docs, *dl;
    long long received, due;

    receipt = sg_rt_post_file("tests/data/runtime/850-auto.edi",
                              "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    CU_ASSERT_PTR_NOT_NULL_FATAL(receipt);
    CU_ASSERT_STRING_EQUAL(sg_js(receipt, "status"), "accepted");
    CU_ASSERT_STRING_EQUAL(sg_js(receipt, "plugin"), "supplier_edi");
    docs = json_object_get(receipt, "documents");
    CU_ASSERT_EQUAL(json_array_size(docs), 1);
    CU_ASSERT_STRING_EQUAL(sg_js(json_array_get(docs, 0), "type"),
                           "order");
    CU_ASSERT_STRING_EQUAL(sg_js(json_array_get(docs, 0), "key"),
                           "PO-RT-1001");
    json_decref(receipt);

    order = sg_rt_wait_order("PO-RT-1001", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "state"), "processed");
    CU_ASSERT_STRING_EQUAL(sg_js(order, "approval"), "auto");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(order, "holds")), 0);
    CU_ASSERT_TRUE(sg_rt_has_event(order, "order_received"));
    CU_ASSERT_TRUE(sg_rt_has_event(order, "order_processed"));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(order,
                                                             "amount")),
                           655.0, 1e-6);
    /* Processing is due two hours after receipt, to the millisecond. */
    received = json_integer_value(json_object_get(order, "received_ms"));
    dl = json_object_get(json_object_get(order, "deadlines"),
                         "processing");
    due = json_integer_value(json_object_get(dl, "due_ms"));
    CU_ASSERT_TRUE(received > 0);
    CU_ASSERT_EQUAL(due - received, 2LL * 3600 * 1000);
    json_decref(order);
}

static void
test_valid_orders(void)
{
    long status;
    json_t *receipt, *order;

    receipt = sg_rt_post_file("tests/data/runtime/orders-auto.edi",
                              "application/EDIFACT", &status);
    CU_ASSERT_EQUAL(status, 202);
    json_decref(receipt);
    order = sg_rt_wait_order("PO-RT-2001", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "state"), "processed");
    CU_ASSERT_STRING_EQUAL(sg_js(order, "approval"), "auto");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(order,
                                                             "amount")),
                           150.0, 1e-6);
    json_decref(order);
}

static void
test_levels_and_holds(void)
{
    long status;
    json_t *receipt, *order;

    /* No Content-Type: the first bytes choose the plugin. */
    receipt = sg_rt_post_file("tests/data/runtime/850-director.edi",
                              "application/octet-stream", &status);
    CU_ASSERT_EQUAL(status, 202);
    json_decref(receipt);
    order = sg_rt_wait_order("PO-RT-1002", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "approval"), "director");
    CU_ASSERT_STRING_EQUAL(sg_js(order, "state"), "awaiting_approval");
    CU_ASSERT_TRUE(sg_rt_has_event(order, "approval_required"));
    json_decref(order);

    receipt = sg_rt_post_file("tests/data/runtime/850-unknown-supplier.edi",
                              "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    json_decref(receipt);
    order = sg_rt_wait_order("PO-RT-1003", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "state"), "held");
    CU_ASSERT_TRUE(sg_rt_has_hold(order, "supplier_unknown"));
    json_decref(order);

    receipt = sg_rt_post_file("tests/data/runtime/850-two-orders.edi",
                              "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(receipt, "documents")),
                    2);
    json_decref(receipt);
    order = sg_rt_wait_order("PO-RT-1005", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "approval"), "manager");
    json_decref(order);
    order = sg_rt_wait_order("PO-RT-1004", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "approval"), "auto");
    json_decref(order);
}

/* The operator approves the director-level order over HTTP. */
static void
test_approve_over_http(void)
{
    struct sg_rt_reply r;
    json_t *answer, *order;

    CU_ASSERT_EQUAL(sg_rt_http("/v1/admin/orders/PO-RT-1002/approve",
                               "application/json", "", 0, &r), 200);
    answer = sg_rt_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    CU_ASSERT_STRING_EQUAL(sg_js(answer, "state"), "processed");
    json_decref(answer);
    order = sg_rt_wait_order("PO-RT-1002", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(sg_js(order, "state"), "processed");
    CU_ASSERT_STRING_EQUAL(sg_js(order, "decided_by"), "admin");
    CU_ASSERT_TRUE(sg_rt_has_event(order, "order_approved"));
    json_decref(order);

    /* Twice: 409, with the state it is in. */
    CU_ASSERT_EQUAL(sg_rt_http("/v1/admin/orders/PO-RT-1002/approve",
                               "application/json", "", 0, &r), 409);
    answer = sg_rt_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    CU_ASSERT_STRING_EQUAL(sg_js(json_array_get(json_object_get(answer,
                           "errors"), 0), "code"), "order.wrong_state");
    json_decref(answer);

    /* Held: released, then processed (its amount needs no approval). */
    CU_ASSERT_EQUAL(sg_rt_http("/v1/admin/orders/PO-RT-1003/release",
                               "application/json", "", 0, &r), 200);
    answer = sg_rt_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    CU_ASSERT_STRING_EQUAL(sg_js(answer, "state"), "processed");
    json_decref(answer);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/admin/orders/PO-NOPE/approve",
                               "application/json", "", 0, &r), 404);
    sg_buf_free(&r.body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/admin/orders/PO-RT-1002/cancel",
                               "application/json", "", 0, &r), 404);
    sg_buf_free(&r.body);
}

static void
test_broken_850(void)
{
    long status;
    json_t *answer, *err, *msg;
    struct sg_rt_reply r;
    char path[256];
    size_t i;
    int found = 0;

    answer = sg_rt_post_file("tests/data/runtime/850-bad-se-count.edi",
                             "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 422);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    CU_ASSERT_STRING_EQUAL(sg_js(answer, "status"), "rejected");
    json_array_foreach(json_object_get(answer, "errors"), i, err) {
        if (strcmp(sg_js(err, "tag"), "SE") == 0) {
            found = 1;
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(err,
                                                               "segment")),
                            12);
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(err,
                                                               "element")),
                            1);
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(err,
                                                               "line")),
                            12);
        }
    }
    CU_ASSERT_TRUE(found);

    /* The rejected message is kept, raw and with its errors. */
    snprintf(path, sizeof(path), "/v1/messages/%s", sg_js(answer,
                                                          "message"));
    CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &r), 200);
    msg = sg_rt_json(&r);
    CU_ASSERT_STRING_EQUAL(sg_js(msg, "status"), "rejected");
    CU_ASSERT_TRUE(json_array_size(json_object_get(msg, "errors")) > 0);
    json_decref(msg);
    strcat(path, "/raw");
    CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "SE*12*0001"));
    sg_buf_free(&r.body);
    json_decref(answer);

    /* And no order was made from it. */
    CU_ASSERT_PTR_NULL(sg_rt_wait_order("PO-RT-1006", 1));
}

/* An XML order's schema errors name the partner's own line. */
static void
test_xml_error_line(void)
{
    static const char body[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"            /* 1 */
        "<!-- exported by the partner's ERP;\n"                     /* 2 */
        "     three lines of comment -->\n"                         /* 3 */
        "<order xmlns=\"urn:supplygate:canonical:1\">\n"            /* 4 */
        "  <source format=\"xml\"/>\n"                              /* 5 */
        "  <orderNumber>PO-RT-XML-L</orderNumber>\n"                 /* 6 */
        "  <orderDate>2026-12-04</orderDate>\n"                     /* 7 */
        "  <supplier id=\"ACME\"/>\n"                               /* 8 */
        "  <lines><line number=\"1\"><item>A</item>\n"              /* 9 */
        "    <quantity>lots</quantity></line></lines>\n"             /* 10 */
        "</order>\n";
    struct sg_rt_reply r;
    json_t *answer, *err;

    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/xml", body,
                               sizeof(body) - 1, &r), 422);
    answer = sg_rt_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    err = json_array_get(json_object_get(answer, "errors"), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_STRING_EQUAL(sg_js(err, "code"), "xsd.invalid");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(err, "line")), 10);
    CU_ASSERT_STRING_EQUAL(sg_js(err, "xpath"),
                           "/order/lines/line/quantity");
    json_decref(answer);
}

static void
test_bad_requests(void)
{
    struct sg_rt_reply r;
    json_t *j;
    char *big;

    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "image/png", "\x89PNG\r\n",
                               6, &r), 415);
    j = sg_rt_json(&r);
    CU_ASSERT_STRING_EQUAL(sg_js(json_array_get(json_object_get(j,
                                                                "errors"),
                                                0), "code"),
                           "message.unsupported_type");
    json_decref(j);

    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", "",
                               0, &r), 400);
    sg_buf_free(&r.body);

    big = sg_xmalloc(70000);
    memset(big, 'A', 70000);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", big,
                               70000, &r), 413);
    sg_buf_free(&r.body);
    free(big);

    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages/nosuchplugin",
                               "application/xml", "<a/>", 4, &r), 404);
    sg_buf_free(&r.body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/orders/..%2f..", NULL, NULL, 0, &r),
                    404);
    sg_buf_free(&r.body);

    CU_ASSERT_EQUAL(sg_rt_http("/v1/plugins", NULL, NULL, 0, &r), 200);
    j = sg_rt_json(&r);
    CU_ASSERT_STRING_EQUAL(sg_js(json_array_get(json_object_get(j,
                                                                "plugins"),
                                                0), "name"),
                           "supplier_edi");
    json_decref(j);
    CU_ASSERT_EQUAL(sg_rt_http("/healthz", NULL, NULL, 0, &r), 200);
    sg_buf_free(&r.body);
}

static char *sg_rt_make_850(int n);

static void
test_redis_down_then_back(void)
{
    struct sg_rt_reply r;
    char err[256];
    long status = 0;
    json_t *j;
    int i;

    sg_redis_child_stop(&redis.child);
    j = sg_rt_post_file("tests/data/runtime/orders-auto.edi",
                        "application/EDIFACT", &status);
    CU_ASSERT_EQUAL(status, 503);
    json_decref(j);
    CU_ASSERT_EQUAL(sg_rt_http("/healthz", NULL, NULL, 0, &r), 503);
    sg_buf_free(&r.body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDIFACT",
                               "UNA", 3, &r), 503);
    CU_ASSERT_STRING_EQUAL(r.retry_after, "5");
    sg_buf_free(&r.body);

    /* The same server comes back on the same socket, data from AOF. */
    CU_ASSERT_EQUAL_FATAL(sg_redis_child_start(&redis.child,
                                               "redis-server", redis.dir,
                                               "always", err,
                                               sizeof(err)), 0);
    /* A new interchange each time: a resend of one already accepted
     * would rightly get 409. */
    for (i = 0; i < 100; i++) {
        char *body = sg_rt_make_850(900 + i);

        status = sg_rt_http("/v1/messages", "application/EDI-X12", body,
                            strlen(body), &r);
        sg_buf_free(&r.body);
        free(body);
        if (status == 202) {
            break;
        }
        usleep(100 * 1000);
    }
    CU_ASSERT_EQUAL(status, 202);
    /* Orders stored before the outage are still there. */
    j = sg_rt_wait_order("PO-RT-1001", 5);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
}

/* An 850 with a given order number, for the crash test. */
static char *
sg_rt_make_850(int n)
{
    char isa[128];
    char *body;

    snprintf(isa, sizeof(isa), "ISA*00*          *00*          *ZZ*"
             "ACMEPARTS      *ZZ*SUPPLYGATE     *261204*1200*U*00401*"
             "%09d*0*P*>~", n);
    body = sg_xasprintf(
        "%s\nGS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*%d*X*004010~\n"
        "ST*850*0001~\nBEG*00*SA*PO-CRASH-%d**20261204~\n"
        "N1*SU*Acme*92*ACME~\nPO1*1*3*EA*7.5**BP*ITEM-%d~\nCTT*1~\n"
        "SE*6*0001~\nGE*1*%d~\nIEA*1*%09d~\n", isa, n, n, n, n, n);
    return body;
}

static void
test_kill_keeps_every_order_once(void)
{
    enum { N = 120 };
    int accepted[N] = {0}, i, n_accepted = 0, once = 0;
    redisContext *c;
    redisReply *rep;
    struct sg_rt_reply r;
    char key[64];

    for (i = 0; i < N; i++) {
        char *body = sg_rt_make_850(1000 + i);

        if (i == N / 2) {
            /* Mid-stream: no drain, no goodbye. */
            CU_ASSERT_EQUAL(sg_rt_stop(SIGKILL), 128 + SIGKILL);
            sg_rt_start(conf);
        }
        if (sg_rt_http("/v1/messages", "application/EDI-X12", body,
                       strlen(body), &r) == 202) {
            accepted[i] = 1;
            n_accepted++;
        }
        sg_buf_free(&r.body);
        free(body);
    }
    CU_ASSERT_EQUAL(n_accepted, N);

    c = sg_test_redis_connect(&redis);
    for (i = 0; i < N; i++) {
        json_t *order;

        if (!accepted[i]) {
            continue;
        }
        snprintf(key, sizeof(key), "PO-CRASH-%d", 1000 + i);
        order = sg_rt_wait_order(key, 15);
        if (order == NULL) {
            fprintf(stderr, "order %s was accepted but not processed\n",
                    key);
            continue;
        }
        rep = redisCommand(c, "LRANGE sg:order:%s:history 0 -1", key);
        if (rep != NULL && rep->type == REDIS_REPLY_ARRAY) {
            size_t k, received = 0;

            for (k = 0; k < rep->elements; k++) {
                if (strstr(rep->element[k]->str,
                           "\"order_received\"") != NULL) {
                    received++;
                }
            }
            once += received == 1;
        }
        freeReplyObject(rep);
        json_decref(order);
    }
    printf("\n    crash test: sent %d, accepted %d, processed once %d\n",
           N, n_accepted, once);
    CU_ASSERT_EQUAL(once, n_accepted);
    rep = redisCommand(c, "XPENDING sg:stream:order sg-workers");
    CU_ASSERT_EQUAL(rep->element[0]->integer, 0);
    freeReplyObject(rep);
    redisFree(c);
}

static void
test_sla_breach_and_sigterm(void)
{
    char *short_conf;
    json_t *receipt, *order, *dl;
    long status;
    int i, breached = 0;

    CU_ASSERT_EQUAL(sg_rt_stop(SIGTERM), 0);
    short_conf = sg_rt_write_conf("short.conf", "1s");
    sg_rt_start(short_conf);
    receipt = sg_rt_post_file("tests/data/runtime/850-held-for-sweep.edi",
                              "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    json_decref(receipt);
    /* Held, so never processed: the sweep must raise the breach. */
    for (i = 0; i < 100 && !breached; i++) {
        usleep(100 * 1000);
        order = sg_rt_wait_order("PO-RT-1007", 5);
        if (order != NULL) {
            dl = json_object_get(json_object_get(order, "deadlines"),
                                 "processing");
            breached = json_is_true(json_object_get(dl, "breached")) &&
                       sg_rt_has_event(order, "sla_breach");
            json_decref(order);
        }
    }
    CU_ASSERT_TRUE(breached);
    CU_ASSERT_EQUAL(sg_rt_stop(SIGTERM), 0);
    free(short_conf);
    sg_rt_start(conf);
}

static void
test_check_config(void)
{
    char *cmd, *bad;
    int rc;

    cmd = sg_xasprintf("'%s' -c '%s' --check-config >/dev/null 2>&1",
                       sg_test_buildpath("supplygated"), conf);
    rc = system(cmd);
    CU_ASSERT_EQUAL(WEXITSTATUS(rc), 0);
    free(cmd);

    bad = sg_test_write(tmp, "bad.conf", "queue {\n  workers = 0\n}\n");
    cmd = sg_xasprintf("'%s' -c '%s' --check-config 2>&1 | "
                       "grep -q 'bad.conf:2:'",
                       sg_test_buildpath("supplygated"), bad);
    rc = system(cmd);
    CU_ASSERT_EQUAL(WEXITSTATUS(rc), 0);
    free(cmd);
    cmd = sg_xasprintf("'%s' -c '%s' --check-config >/dev/null 2>&1",
                       sg_test_buildpath("supplygated"), bad);
    rc = system(cmd);
    CU_ASSERT_EQUAL(WEXITSTATUS(rc), 1);
    free(cmd);
    free(bad);
}

/* --- acknowledgements and duplicates -------------------------------- */

/* An 850 of order PO-<tag>-<n> in interchange n. */
static char *
sg_rt_make_850_tagged(const char *tag, int n)
{
    char *plain = sg_rt_make_850(n), *at, *body;

    /* sg_rt_make_850 names its orders PO-CRASH-<n>. */
    at = strstr(plain, "PO-CRASH-");
    body = sg_xasprintf("%.*sPO-%s-%s", (int)(at - plain), plain, tag,
                        at + strlen("PO-CRASH-"));
    free(plain);
    return body;
}

/* ISA13 of an X12 ack, or -1. */
static long
sg_rt_isa13(const char *ack)
{
    const char *p = ack;
    int i;

    for (i = 0; i < 13 && p != NULL; i++) {
        p = strchr(p, '*');
        p = p != NULL ? p + 1 : NULL;
    }
    return p != NULL ? strtol(p, NULL, 10) : -1;
}

static void
sg_rt_ensure_daemon(void)
{
    if (daemon_pid == 0) {
        sg_rt_start(conf);
    }
}

/* Accept: application/EDI-X12 gets the 997 as the body, with the same
 * status, for an accepted and a rejected interchange; GET .../ack gives
 * it again.  (Without Accept the JSON stays: the other tests read it.) */
static void
test_ack_accept_and_get(void)
{
    char *body = sg_rt_make_850_tagged("ACK", 5001), path[256];
    struct sg_rt_reply r, g;
    long ctl;

    sg_rt_ensure_daemon();
    rt_accept = "application/EDI-X12";
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", body,
                               strlen(body), &r), 202);
    rt_accept = NULL;
    sg_buf_add(&r.body, "", 1);
    CU_ASSERT_NSTRING_EQUAL(r.body.data, "ISA*00*", 7);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "*ZZ*SUPPLYGATE     *ZZ*"
                                  "ACMEPARTS      *"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "~AK1*PO*5001~AK2*850*"
                                  "0001~AK5*A~AK9*A*1*1*1~"));
    ctl = sg_rt_isa13(r.body.data);
    CU_ASSERT(ctl > 0);

    /* The message id, from the duplicate marker that names it. */
    {
        redisContext *c = sg_test_redis_connect(&redis);
        redisReply *k = redisCommand(c, "GET sg:ich:ZZ:ACMEPARTS|"
                                     "ZZ:SUPPLYGATE|000005001");

        CU_ASSERT_FATAL(k != NULL && k->type == REDIS_REPLY_STRING);
        snprintf(path, sizeof(path), "/v1/messages/%s/ack", k->str);
        freeReplyObject(k);
        redisFree(c);
    }
    CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &g), 200);
    CU_ASSERT_EQUAL(g.body.len, r.body.len - 1);
    CU_ASSERT(g.body.len > 0 &&
              memcmp(g.body.data, r.body.data, g.body.len) == 0);
    sg_buf_free(&g.body);
    sg_buf_free(&r.body);
    free(body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages/nope/ack", NULL, NULL, 0, &g),
                    404);
    sg_buf_free(&g.body);

    /* A broken one: the 997 rejects with the SE count code, 422. */
    rt_accept = "application/EDI-X12";
    {
        char *bad = sg_rt_make_850_tagged("ACKBAD", 5002);

        *strstr(bad, "SE*6*") = '\0';
        body = sg_xasprintf("%sSE*9*0001~\nGE*1*5002~\nIEA*1*000005002~\n",
                            bad);
        free(bad);
    }
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", body,
                               strlen(body), &r), 422);
    rt_accept = NULL;
    sg_buf_add(&r.body, "", 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "~AK5*R*4~AK9*R*1*1*0~"));
    sg_buf_free(&r.body);
    free(body);
}

/* Stream entries of the order stream that carry this order number. */
static long
sg_rt_count_entries(const char *number)
{
    redisContext *c = sg_test_redis_connect(&redis);
    redisReply *rep = redisCommand(c, "XRANGE sg:stream:order - +");
    long n = 0;
    size_t i, k;

    for (i = 0; rep != NULL && i < rep->elements; i++) {
        redisReply *f = rep->element[i]->element[1];

        for (k = 0; k + 1 < f->elements; k += 2) {
            if (strcmp(f->element[k]->str, "key") == 0 &&
                strcmp(f->element[k + 1]->str, number) == 0) {
                n++;
            }
        }
    }
    freeReplyObject(rep);
    redisFree(c);
    return n;
}

/* The same interchange twice: 409 naming the first message, kept as a
 * rejection, and one order only; its ack is TA1 025. */
static void
test_duplicate_409_one_order(void)
{
    char *body = sg_rt_make_850_tagged("DUP", 5101), path[256];
    struct sg_rt_reply r;
    json_t *first, *second, *err, *order;
    const char *first_id;

    sg_rt_ensure_daemon();
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", body,
                               strlen(body), &r), 202);
    first = sg_rt_json(&r);
    first_id = sg_js(first, "message");
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", body,
                               strlen(body), &r), 409);
    second = sg_rt_json(&r);
    err = json_array_get(json_object_get(second, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(sg_js(err, "code"), "interchange.duplicate");
    CU_ASSERT_STRING_EQUAL(sg_js(err, "first"), first_id);
    CU_ASSERT_PTR_NOT_NULL(strstr(sg_js(err, "message"), first_id));

    /* Kept like any rejection, with the TA1 025 as its ack. */
    snprintf(path, sizeof(path), "/v1/messages/%s",
             sg_js(second, "message"));
    CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &r), 200);
    {
        json_t *m = sg_rt_json(&r);

        CU_ASSERT_STRING_EQUAL(sg_js(m, "status"), "rejected");
        json_decref(m);
    }
    snprintf(path, sizeof(path), "/v1/messages/%s/ack",
             sg_js(second, "message"));
    CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &r), 200);
    sg_buf_add(&r.body, "", 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "~TA1*000005101*261204*"
                                  "1200*R*025~IEA*0*"));
    sg_buf_free(&r.body);

    /* Asked for EDI, the 409 carries the TA1 025 itself. */
    rt_accept = "application/EDI-X12";
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", body,
                               strlen(body), &r), 409);
    rt_accept = NULL;
    sg_buf_add(&r.body, "", 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body.data, "~TA1*000005101*261204*"
                                  "1200*R*025~IEA*0*"));
    sg_buf_free(&r.body);

    order = sg_rt_wait_order("PO-DUP-5101", 10);
    CU_ASSERT_PTR_NOT_NULL(order);
    CU_ASSERT_EQUAL(sg_rt_count_entries("PO-DUP-5101"), 1);
    json_decref(order);
    json_decref(first);
    json_decref(second);
    free(body);
}

/* A rejected interchange does not reserve its control number: the
 * corrected resend under the same ISA13 is accepted, a third post of it
 * is the duplicate. */
static void
test_rejected_reserves_nothing(void)
{
    char *good = sg_rt_make_850_tagged("FIX", 5401), *bad, *at;
    struct sg_rt_reply r;

    sg_rt_ensure_daemon();
    bad = sg_xstrdup(good);
    at = strstr(bad, "SE*6*");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    at[3] = '9';
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", bad,
                               strlen(bad), &r), 422);
    sg_buf_free(&r.body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", good,
                               strlen(good), &r), 202);
    sg_buf_free(&r.body);
    CU_ASSERT_EQUAL(sg_rt_http("/v1/messages", "application/EDI-X12", good,
                               strlen(good), &r), 409);
    sg_buf_free(&r.body);
    free(bad);
    free(good);
}

struct sg_rt_racer {
    const char *body;
    long status;
};

static void *
sg_rt_race(void *arg)
{
    struct sg_rt_racer *x = arg;
    struct sg_rt_reply r;

    x->status = sg_rt_http("/v1/messages", "application/EDI-X12", x->body,
                           strlen(x->body), &r);
    sg_buf_free(&r.body);
    return NULL;
}

/* Two posts of the same interchange at once, ten times: exactly one
 * 202 and one 409 each time, and one stream entry. */
static void
test_duplicate_race(void)
{
    int round, ok = 0, dup = 0;

    sg_rt_ensure_daemon();
    for (round = 0; round < 10; round++) {
        char *body = sg_rt_make_850_tagged("RACE", 5200 + round);
        struct sg_rt_racer a = {body, 0}, b = {body, 0};
        pthread_t ta, tb;
        char number[32];

        pthread_create(&ta, NULL, sg_rt_race, &a);
        pthread_create(&tb, NULL, sg_rt_race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        ok += (a.status == 202) + (b.status == 202);
        dup += (a.status == 409) + (b.status == 409);
        snprintf(number, sizeof(number), "PO-RACE-%d", 5200 + round);
        CU_ASSERT_EQUAL(sg_rt_count_entries(number), 1);
        free(body);
    }
    CU_ASSERT_EQUAL(ok, 10);
    CU_ASSERT_EQUAL(dup, 10);
}

/* Control numbers of our acks keep increasing across a restart. */
static void
test_ack_control_survives_restart(void)
{
    struct sg_rt_reply r;
    long before, after;
    char *body;

    sg_rt_ensure_daemon();
    rt_accept = "application/EDI-X12";
    body = sg_rt_make_850_tagged("CTL", 5301);
    sg_rt_http("/v1/messages", "application/EDI-X12", body, strlen(body),
               &r);
    sg_buf_add(&r.body, "", 1);
    before = sg_rt_isa13(r.body.data);
    sg_buf_free(&r.body);
    free(body);

    CU_ASSERT_EQUAL(sg_rt_stop(SIGTERM), 0);
    sg_rt_start(conf);

    body = sg_rt_make_850_tagged("CTL", 5302);
    sg_rt_http("/v1/messages", "application/EDI-X12", body, strlen(body),
               &r);
    sg_buf_add(&r.body, "", 1);
    after = sg_rt_isa13(r.body.data);
    sg_buf_free(&r.body);
    free(body);
    rt_accept = NULL;
    /* Numbers come in reserved blocks: the restart skips the rest of
     * the block, and the next one is higher still. */
    CU_ASSERT(before > 0);
    CU_ASSERT(after > before);
}

/* GET /v1/acks/<key> until it shows an ack (the workers are async). */
static json_t *
sg_rt_wait_ack(const char *key, int seconds)
{
    struct sg_rt_reply r;
    char path[256];
    json_t *j;
    int i;

    snprintf(path, sizeof(path), "/v1/acks/%s", key);
    for (i = 0; i < seconds * 20; i++) {
        if (sg_rt_http(path, NULL, NULL, 0, &r) == 200) {
            j = sg_rt_json(&r);
            if (json_object_get(j, "ack") != NULL) {
                return j;
            }
            json_decref(j);
        } else {
            sg_buf_free(&r.body);
        }
        usleep(50 * 1000);
    }
    return NULL;
}

/* 1 when sg:events holds an event of this type whose detail names
 * key. */
static int
sg_rt_event_for(const char *type, const char *key)
{
    redisContext *c = sg_test_redis_connect(&redis);
    redisReply *rep = redisCommand(c, "XRANGE sg:events - +");
    int found = 0;
    size_t i, k;

    for (i = 0; rep != NULL && i < rep->elements && !found; i++) {
        redisReply *f = rep->element[i]->element[1];
        int is_type = 0, is_key = 0;

        for (k = 0; k + 1 < f->elements; k += 2) {
            if (strcmp(f->element[k]->str, "type") == 0) {
                is_type = strcmp(f->element[k + 1]->str, type) == 0;
            } else if (strcmp(f->element[k]->str, "detail") == 0) {
                is_key = strstr(f->element[k + 1]->str, key) != NULL;
            }
        }
        found = is_type && is_key;
    }
    freeReplyObject(rep);
    redisFree(c);
    return found;
}

/* A partner's 997 for a group we recorded as sent: matched, its result
 * visible and an ack_received event; a 999 for a group we never sent:
 * ack_unmatched.  Neither gets an ack of its own. */
static void
test_inbound_acks_matched(void)
{
    redisContext *c = sg_test_redis_connect(&redis);
    json_t *j, *ack, *set;
    char path[256];
    long status;

    sg_rt_ensure_daemon();
    CU_ASSERT_EQUAL(sg_ack_sent_record(c, "ZZ:ReceiverID", "000001", "837",
                                       "[\"0021\"]", 1796380200000LL), 0);
    redisFree(c);

    j = sg_rt_post_file("tests/data/corpus/x12/997-staedi-simple.edi",
                        "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    CU_ASSERT_STRING_EQUAL(sg_js(j, "plugin"), "core-ack");
    snprintf(path, sizeof(path), "/v1/messages/%s/ack", sg_js(j, "message"));
    json_decref(j);
    {
        struct sg_rt_reply r;

        CU_ASSERT_EQUAL(sg_rt_http(path, NULL, NULL, 0, &r), 404);
        sg_buf_free(&r.body);
    }

    ack = sg_rt_wait_ack("ZZ:ReceiverID:000001", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "type"), "837");
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "sets"), "[\"0021\"]");
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "ack"), "R");
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "matched"), "1");
    set = json_array_get(json_object_get(ack, "ack_sets"), 0);
    CU_ASSERT_STRING_EQUAL(sg_js(set, "control"), "0021");
    CU_ASSERT_STRING_EQUAL(sg_js(set, "status"), "R");
    CU_ASSERT_STRING_EQUAL(sg_js(set, "codes"), "5");
    CU_ASSERT_TRUE(sg_rt_event_for("ack_received",
                                   "ZZ:ReceiverID:000001"));
    json_decref(ack);

    j = sg_rt_post_file("tests/data/corpus/x12/"
                        "999-pyx12-bang-repetition-separator.edi",
                        "application/EDI-X12", &status);
    CU_ASSERT_EQUAL(status, 202);
    json_decref(j);
    ack = sg_rt_wait_ack("ZZ:MB888880:146", 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "ack"), "A");
    CU_ASSERT_STRING_EQUAL(sg_js(ack, "matched"), "0");
    CU_ASSERT_TRUE(sg_rt_event_for("ack_unmatched", "ZZ:MB888880:146"));
    json_decref(ack);
}

/* A corpus 850 that breaks X12 syntax notes: the 850 segment map
 * rejects it with the AK4 code and the exact positions. */
static void
test_structure_850(void)
{
    long status;
    json_t *answer, *err;
    size_t i;
    int po1 = 0, po4 = 0;

    answer = sg_rt_post_file("tests/data/corpus/x12/850-ediengine-syntax-"
                             "notes-error.edi", "application/EDI-X12",
                             &status);
    CU_ASSERT_EQUAL(status, 422);
    CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
    CU_ASSERT_STRING_EQUAL(sg_js(answer, "status"), "rejected");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(answer, "errors")), 3);
    json_array_foreach(json_object_get(answer, "errors"), i, err) {
        long seg = json_integer_value(json_object_get(err, "segment"));
        long el = json_integer_value(json_object_get(err, "element"));
        long line = json_integer_value(json_object_get(err, "line"));

        CU_ASSERT_STRING_EQUAL(sg_js(err, "code"), "edi.elem.2");
        if (strcmp(sg_js(err, "tag"), "PO1") == 0) {
            po1++;
            CU_ASSERT_EQUAL(seg, 15);
            CU_ASSERT_EQUAL(el, 7);
            CU_ASSERT_EQUAL(line, 15);
        } else {
            po4++;
            CU_ASSERT_STRING_EQUAL(sg_js(err, "tag"), "PO4");
            CU_ASSERT_EQUAL(seg, 32);
            CU_ASSERT_EQUAL(el, 6);
            CU_ASSERT_EQUAL(line, 32);
        }
    }
    CU_ASSERT_EQUAL(po1, 1);
    CU_ASSERT_EQUAL(po4, 2);
    json_decref(answer);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("rt");
    sg_test_redis_start(&redis);
    conf = sg_rt_write_conf("test.conf", "2h");
    sg_rt_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("gateway end to end", NULL, NULL);
    CU_add_test(s, "a valid 850: 202, processed, deadlines", test_valid_850);
    CU_add_test(s, "a valid ORDERS: 202 and processed", test_valid_orders);
    CU_add_test(s, "approval levels and supplier holds",
                test_levels_and_holds);
    CU_add_test(s, "operator approves and releases over HTTP",
                test_approve_over_http);
    CU_add_test(s, "a broken 850: 422 at SE element 1, kept raw",
                test_broken_850);
    CU_add_test(s, "XML order: 422 at the partner's own line",
                test_xml_error_line);
    CU_add_test(s, "an 850 breaking its segment map: 422 with AK4 codes",
                test_structure_850);
    CU_add_test(s, "415, 400, 413, 404; plugins and health",
                test_bad_requests);
    CU_add_test(s, "Redis down: 503 and Retry-After, then recovery",
                test_redis_down_then_back);
    CU_add_test(s, "SIGKILL mid-stream: every accepted order once",
                test_kill_keeps_every_order_once);
    CU_add_test(s, "the sweep breaches a missed deadline; SIGTERM exits 0",
                test_sla_breach_and_sigterm);
    CU_add_test(s, "--check-config", test_check_config);
    CU_add_test(s, "ack: Accept header and GET .../ack",
                test_ack_accept_and_get);
    CU_add_test(s, "duplicate: 409, first id, one order",
                test_duplicate_409_one_order);
    CU_add_test(s, "a rejected interchange reserves nothing",
                test_rejected_reserves_nothing);
    CU_add_test(s, "duplicate race: exactly one 202",
                test_duplicate_race);
    CU_add_test(s, "ack control numbers survive a restart",
                test_ack_control_survives_restart);
    CU_add_test(s, "inbound 997/999: matched to what we sent",
                test_inbound_acks_matched);
    rc = sg_test_run();

    if (daemon_pid > 0) {
        sg_rt_stop(SIGTERM);
    }
    sg_test_redis_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", tmp);
    }
    free(tmp);
    free(conf);
    curl_global_cleanup();
    return rc;
}
