/*
 * test_flow.c - one order end to end, from the supplier's X12 850
 * through the carrier's statuses to the customer's complaint, with the
 * real daemon, the real plugins and a real redis-server, over HTTP.
 *
 * The order and its shipment are read back through the API after each
 * step, as a customer service desk would: processed, picked up (the
 * dispatch node met, the delivery node opened), in transit, delivered
 * on time and intact, the carrier's figures; then the customer's
 * quality complaint about the delivered goods, linked through the order
 * to its supplier and counted against it.  Around it: the choice of
 * plugin among two that read X12 and EDIFACT, and a delivery that
 * never comes, breached by the sweep.  Event times are taken from the
 * clock at run time so the test does not age.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "testlib.h"
#include "util.h"

#define HOUR_MS     3600000LL

static struct sg_test_redis redis;
static char *tmp;
static pid_t daemon_pid;
static int port;

/* --- the daemon ------------------------------------------------------ */

static char *
flow_write_conf(void)
{
    char *text, *path, *sedi, *ctrk, *crm, *schemas;

    sedi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    ctrk = sg_xstrdup(sg_test_buildpath(
        "plugins/carrier_tracking/.libs/carrier_tracking.so"));
    crm = sg_xstrdup(sg_test_buildpath(
        "plugins/crm_feedback/.libs/crm_feedback.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"info\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n body_limit = 65536\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        /* The samples reuse their interchange control numbers; the
         * duplicate guard has its own tests (test_gateway). */
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n"
        " max_attempts = 3\n duplicate_window = \"0s\"\n}\n"
        "delivery {\n processing_limit = \"2h\"\n dispatch_limit = \"4h\"\n"
        " sweep_interval = \"1s\"\n delivery_limit = \"48h\"\n}\n"
        "approval \"default\" {\n manager_above = 10000\n"
        " director_above = 100000\n}\n"
        "supplier \"ACME\" {\n aliases = {\"ACMEPARTS\", \"ZZ:ACMEPARTS\"}\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "carrier \"ACMEFREIGHT\" {\n name = \"Acme Freight\"\n"
        " aliases = {\"AFRT\", \"02:AFRT\"}\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "plugin \"carrier_tracking\" {\n path = \"%s\"\n}\n"
        "plugin \"crm_feedback\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, sedi, ctrk, crm);
    path = sg_test_write(tmp, "flow.conf", text);
    free(text);
    free(sedi);
    free(ctrk);
    free(crm);
    free(schemas);
    return path;
}

static void
flow_start(const char *conf_path)
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

/* --- HTTP ---------------------------------------------------------- */

static size_t
flow_body(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

/* GET when body is NULL, else POST; the answer parsed into *json. */
static long
flow_http(const char *path, const char *ctype, const char *body,
          size_t len, json_t **json)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct sg_buf b;
    char url[512], ct[128];
    long status = 0;

    sg_buf_init(&b);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, flow_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    if (body != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, ct);
        hdrs = curl_slist_append(hdrs, "Expect:");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    *json = json_loadb(b.data != NULL ? b.data : "", b.len, 0, NULL);
    sg_buf_free(&b);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
    return status;
}

/* POST text; returns the receipt's plugin (static) and checks 202. */
static const char *
flow_post(const char *ctype, const char *text, const char *want_key)
{
    static char plugin[64];
    json_t *r = NULL, *doc;
    long status = flow_http("/v1/messages", ctype, text, strlen(text), &r);

    CU_ASSERT_EQUAL(status, 202);
    plugin[0] = '\0';
    if (status != 202) {
        char *dump = r != NULL ? json_dumps(r, 0) : NULL;

        fprintf(stderr, "POST answered %ld: %s\n", status,
                dump != NULL ? dump : "(no JSON)");
        free(dump);
    }
    if (r != NULL) {
        snprintf(plugin, sizeof(plugin), "%s", json_string_value(
            json_object_get(r, "plugin")) ? json_string_value(
            json_object_get(r, "plugin")) : "");
        doc = json_array_get(json_object_get(r, "documents"), 0);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc,
                               "key")), want_key);
    }
    json_decref(r);
    return plugin;
}

static const char *
js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/*
 * GET path until field (a top-level string) equals want, for up to ten
 * seconds: the workers apply what was accepted asynchronously.  Returns
 * the last answer (caller decrefs), NULL when it never came.
 */
static json_t *
flow_wait(const char *path, const char *field, const char *want)
{
    json_t *j = NULL;
    int i;

    for (i = 0; i < 200; i++) {
        if (flow_http(path, NULL, NULL, 0, &j) == 200 &&
            strcmp(js(j, field), want) == 0) {
            return j;
        }
        json_decref(j);
        j = NULL;
        usleep(50 * 1000);
    }
    fprintf(stderr, "%s never had %s = %s\n", path, field, want);
    return NULL;
}

/* --- messages ---------------------------------------------------------- */

static void
flow_utc(long long ms, const char *fmt, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, outlen, fmt, &tm);
}

/* An ACME 850 for number; promised: requested delivery day, or 0. */
static char *
flow_850(const char *number, long long promised_ms)
{
    char dtm[64] = "";

    if (promised_ms != 0) {
        flow_utc(promised_ms, "DTM*002*%Y%m%d~\n", dtm, sizeof(dtm));
    }
    return sg_xasprintf(
        "ISA*00*          *00*          *ZZ*ACMEPARTS      *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*000000801*0*P*>~\n"
        "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*801*X*004010~\n"
        "ST*850*0001~\nBEG*00*SA*%s**20261204~\nCUR*BY*USD~\n%s"
        "N1*SU*Acme Parts Inc*92*ACME~\n"
        "PO1*1*10*EA*12.50**BP*ITEM-1~\nCTT*1~\nSE*%d*0001~\n"
        "GE*1*801~\nIEA*1*000000801~\n", number, dtm,
        promised_ms != 0 ? 8 : 7);
}

/* A 214 from AFRT with one AT7 at ms (UT), for the order po. */
static char *
flow_214(const char *pro, const char *po, const char *code, long long ms,
         const char *city)
{
    char date[16], time[8];

    flow_utc(ms, "%Y%m%d", date, sizeof(date));
    flow_utc(ms, "%H%M%S", time, sizeof(time));
    return sg_xasprintf(
        "ISA*00*          *00*          *02*AFRT           *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*000000901*0*P*>~\n"
        "GS*QM*AFRT*SUPPLYGATE*20261204*1200*901*X*004010~\n"
        "ST*214*0001~\nB10*%s**AFRT~\nL11*%s*PO~\nN1*DR*Dana~\n"
        "LX*1~\nAT7*%s*NS***%s*%s*UT~\nMS1*%s**DE~\nSE*8*0001~\n"
        "GE*1*901~\nIEA*1*000000901~\n", pro, po, code, date, time, city);
}

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- tests --------------------------------------------------------- */

static void
test_order_through_delivery(void)
{
    long long t0 = now_ms() / 1000 * 1000;
    long long pickup = t0 - 20 * 60000, transit = t0 - 10 * 60000;
    long long promised = t0 + 7 * 24 * HOUR_MS, due_day;
    char *text, day[16], when[64], *json_text;
    json_t *order, *sh, *dl, *tl, *k, *drivers;

    /* The supplier's order: processed, no shipment yet. */
    text = flow_850("PO-FLOW-1", promised);
    CU_ASSERT_STRING_EQUAL(flow_post("application/EDI-X12", text,
                                     "PO-FLOW-1"), "supplier_edi");
    free(text);
    order = flow_wait("/v1/orders/PO-FLOW-1", "state", "processed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(order, "shipments")), 0);
    CU_ASSERT_TRUE(json_is_null(json_object_get(order, "shipment_state")));
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_object_get(order,
                                "deadlines"), "delivery")));
    json_decref(order);

    /* Picked up: the same media type, the 214 goes to the carrier
     * plugin; the order's dispatch node is met, delivery is due at the
     * end of the promised day. */
    text = flow_214("PRO-FLOW-1", "PO-FLOW-1", "AF", pickup, "HAMBURG");
    CU_ASSERT_STRING_EQUAL(flow_post("application/EDI-X12", text,
                                     "PRO-FLOW-1"), "carrier_tracking");
    free(text);
    sh = flow_wait("/v1/shipments/PRO-FLOW-1", "state", "picked_up");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    CU_ASSERT_STRING_EQUAL(js(sh, "order"), "PO-FLOW-1");
    CU_ASSERT_TRUE(json_is_true(json_object_get(sh, "order_known")));
    CU_ASSERT_STRING_EQUAL(js(sh, "carrier"), "ACMEFREIGHT");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(sh,
                    "picked_up_ms")), pickup);
    json_decref(sh);
    order = flow_wait("/v1/orders/PO-FLOW-1", "shipment_state",
                      "picked_up");
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
        json_object_get(order, "shipments"), 0)), "PRO-FLOW-1");
    dl = json_object_get(json_object_get(order, "deadlines"), "dispatch");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dl, "met_ms")),
                    pickup);
    CU_ASSERT_TRUE(json_is_false(json_object_get(dl, "breached")));
    flow_utc(promised, "%Y-%m-%d", day, sizeof(day));
    CU_ASSERT_EQUAL(sg_parse_date(day, &due_day), 0);
    dl = json_object_get(json_object_get(order, "deadlines"), "delivery");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dl, "due_ms")),
                    (due_day + 86400) * 1000 - 1);
    json_decref(order);

    /* In transit, sent without a content type the gateway knows: the
     * first bytes choose. */
    text = flow_214("PRO-FLOW-1", "PO-FLOW-1", "X6", transit, "BREMEN");
    CU_ASSERT_STRING_EQUAL(flow_post("application/octet-stream", text,
                                     "PRO-FLOW-1"), "carrier_tracking");
    free(text);
    sh = flow_wait("/v1/shipments/PRO-FLOW-1", "state", "in_transit");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    tl = json_object_get(sh, "timeline");
    CU_ASSERT_EQUAL_FATAL(json_array_size(tl), 2);
    CU_ASSERT_STRING_EQUAL(js(json_array_get(tl, 1), "location"),
                           "BREMEN, DE");
    json_decref(sh);

    /* Delivered, through the JSON webhook, with an offset of its own. */
    flow_utc(t0 + 2 * HOUR_MS, "%Y-%m-%dT%H:%M:%S+02:00", when,
             sizeof(when));
    json_text = sg_xasprintf("{\"carrier\":\"AFRT\",\"events\":[{"
                             "\"shipment\":\"PRO-FLOW-1\",\"order\":"
                             "\"PO-FLOW-1\",\"status\":\"delivered\","
                             "\"time\":\"%s\",\"driver\":\"Dana\","
                             "\"location\":{\"city\":\"Springfield\"}}]}",
                             when);
    CU_ASSERT_STRING_EQUAL(flow_post("application/json", json_text,
                                     "PRO-FLOW-1"), "carrier_tracking");
    free(json_text);
    sh = flow_wait("/v1/shipments/PRO-FLOW-1", "state", "delivered");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    dl = json_object_get(sh, "delivery");
    CU_ASSERT_TRUE(json_is_true(json_object_get(dl, "on_time")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dl,
                    "delivered_ms")), t0);
    tl = json_object_get(sh, "timeline");
    CU_ASSERT_EQUAL_FATAL(json_array_size(tl), 3);
    CU_ASSERT_STRING_EQUAL(js(json_array_get(tl, 0), "status"),
                           "picked_up");
    CU_ASSERT_STRING_EQUAL(js(json_array_get(tl, 2), "time"), when);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(sh, "breaches")), 0);
    json_decref(sh);
    order = flow_wait("/v1/orders/PO-FLOW-1", "shipment_state",
                      "delivered");
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    dl = json_object_get(json_object_get(order, "deadlines"), "delivery");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dl, "met_ms")), t0);
    CU_ASSERT_TRUE(json_is_false(json_object_get(dl, "breached")));
    json_decref(order);

    /* The carrier's figures, and its driver's. */
    CU_ASSERT_EQUAL(flow_http("/v1/carriers/ACMEFREIGHT", NULL, NULL, 0,
                              &k), 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(k, "deliveries")),
                    1);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(k,
                           "on_time_rate")), 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(k,
                           "intact_rate")), 1.0, 1e-9);
    drivers = json_object_get(k, "drivers");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
        drivers, "Dana"), "deliveries")), 1);
    json_decref(k);

    /* The customer complains about what was delivered: the ticket is
     * linked through the order to its supplier, counted against it, and
     * its first answer is due four hours after it was written. */
    flow_utc(t0, "%Y-%m-%dT%H:%M:%SZ", when, sizeof(when));
    json_text = sg_xasprintf("{\"ticket\":{\"id\":\"T-FLOW-1\","
                             "\"customer\":{\"id\":\"C-9\"},"
                             "\"channel\":\"phone\","
                             "\"category\":\"quality\","
                             "\"severity\":\"high\","
                             "\"order\":\"PO-FLOW-1\","
                             "\"text\":\"two of ten parts cracked\","
                             "\"requested_outcome\":\"exchange\","
                             "\"created\":\"%s\"}}", when);
    CU_ASSERT_STRING_EQUAL(flow_post("application/json", json_text,
                                     "T-FLOW-1"), "crm_feedback");
    free(json_text);
    k = flow_wait("/v1/feedback/T-FLOW-1", "state", "open");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_STRING_EQUAL(js(json_object_get(k, "link"), "supplier"),
                           "ACME");
    CU_ASSERT_STRING_EQUAL(js(json_object_get(k, "link"), "via"),
                           "order");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(k,
                    "first_response"), "due_ms")), t0 + 4 * HOUR_MS);
    json_decref(k);
    CU_ASSERT_EQUAL(flow_http("/v1/complaints/ACME", NULL, NULL, 0, &k),
                    200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(k, "complaints")),
                    1);
    json_decref(k);

    /* What is not there is a 404 with its own code. */
    CU_ASSERT_EQUAL(flow_http("/v1/shipments/PRO-NONE", NULL, NULL, 0, &k),
                    404);
    CU_ASSERT_STRING_EQUAL(js(k, "error"), "shipment.not_found");
    json_decref(k);
    CU_ASSERT_EQUAL(flow_http("/v1/carriers/NOBODY", NULL, NULL, 0, &k),
                    404);
    CU_ASSERT_STRING_EQUAL(js(k, "error"), "carrier.not_found");
    json_decref(k);
}

static void
test_plugin_choice(void)
{
    static const char broken[] = "{\"ticket\": {\"id\": \"T-1\",\n"
                                 "  \"severity\": }";
    unsigned char *data;
    size_t len;
    json_t *r = NULL, *e, *sh, *order;
    long status;

    /* A 940 where only 850, 856 and 214 are read: nobody's, said
     * clearly. */
    data = sg_test_read(sg_test_srcpath("tests/data/corpus/x12/"
                                        "940-ediengine-wrong-group-and-"
                                        "tx-counts.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = flow_http("/v1/messages", "application/EDI-X12",
                       (const char *)data, len, &r);
    free(data);
    /* EDI, but a set nobody reads: 422 at its ST01, not 415. */
    CU_ASSERT_EQUAL(status, 422);
    e = json_array_get(json_object_get(r, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(js(e, "code"), "edi.unsupported_set");
    CU_ASSERT_STRING_EQUAL(js(e, "tag"), "ST");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "segment")), 3);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "element")), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(js(e, "message"), "\"940\""));
    json_decref(r);

    /* The 004060 856 goes to supplier_edi, whose map refuses the '-'
     * repetition separator inside REF02 (segment 8). */
    data = sg_test_read(sg_test_srcpath("tests/data/corpus/x12/"
                                        "856-nodex12-004060.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = flow_http("/v1/messages", "application/EDI-X12",
                       (const char *)data, len, &r);
    free(data);
    CU_ASSERT_EQUAL(status, 422);
    e = json_array_get(json_object_get(r, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(js(e, "code"), "edi.elem.12");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "segment")), 8);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "element")), 2);
    json_decref(r);

    /* Broken JSON, declared as JSON: no plugin recognises the body, so
     * the first that reads JSON says what is wrong and where - not 415. */
    status = flow_http("/v1/messages", "application/json", broken,
                       strlen(broken), &r);
    CU_ASSERT_EQUAL(status, 422);
    e = json_array_get(json_object_get(r, "errors"), 0);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "line")), 2);
    CU_ASSERT_TRUE(json_integer_value(json_object_get(e, "column")) > 0);
    json_decref(r);

    /* The corpus IFTSTA goes to the carrier plugin, which reports its
     * unmapped status at its position. */
    data = sg_test_read(sg_test_srcpath("tests/data/corpus/edifact/"
                                        "IFTSTA-apimeister-d00b.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = flow_http("/v1/messages", "application/EDIFACT",
                       (const char *)data, len, &r);
    free(data);
    CU_ASSERT_EQUAL(status, 422);
    CU_ASSERT_STRING_EQUAL(js(r, "plugin"), "carrier_tracking");
    e = json_array_get(json_object_get(r, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(js(e, "code"), "carrier_tracking.unknown_status");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "segment")), 14);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "element")), 2);
    json_decref(r);

    /* The README's demo: example 03 then example 10, the same order. */
    data = sg_test_read(sg_test_srcpath("examples/"
                                        "03-x12-850-two-orders.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_STRING_EQUAL(flow_post("application/EDI-X12", (char *)data,
                                     "PO-EX-3001"), "supplier_edi");
    free(data);
    order = flow_wait("/v1/orders/PO-EX-3001", "state", "processed");
    json_decref(order);
    data = sg_test_read(sg_test_srcpath("examples/"
                                        "10-x12-214-po-ex-3001.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_STRING_EQUAL(flow_post("application/EDI-X12", (char *)data,
                                     "PRO-3001-A"), "carrier_tracking");
    free(data);
    sh = flow_wait("/v1/shipments/PRO-3001-A", "state", "delivered");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(sh, "timeline")), 3);
    /* CT in December is UTC-6, kept as sent. */
    CU_ASSERT_STRING_EQUAL(js(json_array_get(json_object_get(sh,
                           "timeline"), 0), "time"),
                           "2026-12-04T14:30:00-06:00");
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_object_get(sh,
                   "delivery"), "on_time")));
    json_decref(sh);
    order = flow_wait("/v1/orders/PO-EX-3001", "shipment_state",
                      "delivered");
    CU_ASSERT_PTR_NOT_NULL(order);
    json_decref(order);
}

/* Picked up 49 hours ago with no promised date: the 48 h window has
 * passed, and the sweep says so without any further message. */
static void
test_missed_delivery_swept(void)
{
    long long pickup = now_ms() / 1000 * 1000 - 49 * HOUR_MS;
    json_t *sh = NULL, *b, *order;
    char *text;
    int i;

    text = flow_850("PO-FLOW-2", 0);
    flow_post("application/EDI-X12", text, "PO-FLOW-2");
    free(text);
    order = flow_wait("/v1/orders/PO-FLOW-2", "state", "processed");
    json_decref(order);
    text = flow_214("PRO-FLOW-2", "PO-FLOW-2", "AF", pickup, "HAMBURG");
    flow_post("application/EDI-X12", text, "PRO-FLOW-2");
    free(text);
    for (i = 0; i < 100; i++) {
        json_decref(sh);
        sh = flow_wait("/v1/shipments/PRO-FLOW-2", "state", "picked_up");
        if (sh != NULL &&
            json_array_size(json_object_get(sh, "breaches")) == 1) {
            break;
        }
        usleep(100 * 1000);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(sh);
    b = json_array_get(json_object_get(sh, "breaches"), 0);
    CU_ASSERT_STRING_EQUAL(js(b, "node"), "delivery");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(b, "due_ms")),
                    pickup + 48 * HOUR_MS);
    json_decref(sh);
    order = flow_wait("/v1/orders/PO-FLOW-2", "state", "processed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(order);
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_object_get(
        json_object_get(order, "deadlines"), "delivery"), "breached")));
    json_decref(order);
}

int
main(void)
{
    CU_pSuite s;
    char *conf;
    int rc, status = 0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("flow");
    sg_test_redis_start(&redis);
    conf = flow_write_conf();
    flow_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("order to delivery", NULL, NULL);
    CU_add_test(s, "850, picked up, in transit, delivered",
                test_order_through_delivery);
    CU_add_test(s, "the plugin is chosen by transaction set",
                test_plugin_choice);
    CU_add_test(s, "a missed delivery is swept", test_missed_delivery_swept);
    rc = sg_test_run();

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "supplygated did not exit cleanly on SIGTERM\n");
        rc = 1;
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
