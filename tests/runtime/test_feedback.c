/*
 * test_feedback.c - customer feedback end to end: a real supplygated
 * with both real plugins (supplier_edi and crm_feedback, which both take
 * application/xml), a real redis-server, HTTP through libcurl.
 *
 * An order is posted (examples/05), then the complaint about it
 * (examples/12) as JSON; the ticket is read back linked to the order's
 * supplier, escalated by the sweep because it arrived overdue, and
 * resolved by an XML update (examples/13).  A fresh critical ticket is
 * escalated by the running sweep once its short limit has passed, and a
 * bad ticket is refused with the line, column and path of its fault.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
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

/* Critical tickets must be answered within 5 s here, so the test can
 * watch the sweep escalate one; high tickets have one level only.  The
 * sweep runs on the reclaimer's beat (reclaim_idle / 2), hence 1s. */
static char *
fbt_write_conf(void)
{
    char *text, *path, *edi, *crm, *schemas;

    edi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    crm = sg_xstrdup(sg_test_buildpath(
        "plugins/crm_feedback/.libs/crm_feedback.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n reclaim_idle = \"1s\"\n}\n"
        "delivery {\n sweep_interval = \"1s\"\n}\n"
        "feedback {\n"
        " severity \"critical\" {\n first_response = \"5s\"\n"
        " escalate_again = \"0\"\n }\n"
        " severity \"high\" {\n escalate_again = \"0\"\n }\n"
        "}\n"
        "supplier \"ACME\" {\n aliases = {\"ZZ:ACMEPARTS\"}\n"
        " licence_expires = \"2099-12-31\"\n tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "plugin \"crm_feedback\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, edi, crm);
    path = sg_test_write(tmp, "feedback.conf", text);
    free(text);
    free(edi);
    free(crm);
    free(schemas);
    return path;
}

static void
fbt_start(const char *conf_path)
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
        sg_test_redis_stop(&redis);
        exit(2);
    }
}

/* --- HTTP ---------------------------------------------------------- */

static size_t
fbt_body(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

/* GET when body is NULL, else POST; the answer parsed into *json. */
static long
fbt_http(const char *path, const char *ctype, const char *body,
         size_t len, json_t **json)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct sg_buf answer;
    char url[512], ct[128];
    long status = 0;

    sg_buf_init(&answer);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fbt_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
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
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
    *json = json_loadb(answer.data != NULL ? answer.data : "", answer.len,
                       0, NULL);
    sg_buf_free(&answer);
    return status;
}

static long
fbt_post_file(const char *rel, const char *ctype, json_t **json)
{
    unsigned char *data;
    size_t len;
    long status;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = fbt_http("/v1/messages", ctype, (const char *)data, len, json);
    free(data);
    return status;
}

/* GET path until ok(answer) holds or seconds pass; the last answer. */
static json_t *
fbt_wait(const char *path, int (*ok)(json_t *), int seconds)
{
    json_t *j = NULL;
    int i;

    for (i = 0; i < seconds * 10; i++) {
        json_decref(j);
        if (fbt_http(path, NULL, NULL, 0, &j) == 200 && ok(j)) {
            return j;
        }
        usleep(100 * 1000);
    }
    return j;
}

static const char *
js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

static int
fbt_exists(json_t *j)
{
    return json_is_object(j);
}

static int
fbt_escalated(json_t *j)
{
    return json_array_size(json_object_get(j, "escalations")) > 0;
}

static int
fbt_resolved(json_t *j)
{
    return strcmp(js(j, "state"), "resolved") == 0;
}

/* --- tests --------------------------------------------------------- */

static void
test_complaint_about_an_order(void)
{
    json_t *j, *link;

    /* The order, as XML: supplier_edi takes it, not crm_feedback. */
    CU_ASSERT_EQUAL(fbt_post_file("examples/05-xml-canonical-order.xml",
                                  "application/xml", &j), 202);
    CU_ASSERT_STRING_EQUAL(js(j, "plugin"), "supplier_edi");
    json_decref(j);
    j = fbt_wait("/v1/orders/PO-EX-5001", fbt_exists, 10);
    CU_ASSERT_STRING_EQUAL(js(j, "supplier"), "ACME");
    json_decref(j);

    /* The complaint, as JSON. */
    CU_ASSERT_EQUAL(fbt_post_file("examples/12-json-ticket-quality-"
                                  "complaint.json", "application/json",
                                  &j), 202);
    CU_ASSERT_STRING_EQUAL(js(j, "plugin"), "crm_feedback");
    CU_ASSERT_STRING_EQUAL(js(json_array_get(json_object_get(j,
                           "documents"), 0), "type"), "feedback");
    json_decref(j);

    /* Created long ago: overdue on arrival, so the sweep escalates. */
    j = fbt_wait("/v1/feedback/T-EX-1001", fbt_escalated, 10);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    if (!fbt_escalated(j)) {
        char *dump = json_dumps(j, JSON_COMPACT);

        fprintf(stderr, "not escalated: %s\n", dump);
        free(dump);
    }
    CU_ASSERT_STRING_EQUAL(js(j, "state"), "open");
    CU_ASSERT_STRING_EQUAL(js(j, "severity"), "high");
    CU_ASSERT_STRING_EQUAL(js(j, "created"), "2026-12-04T09:15:00+01:00");
    /* 08:15Z + 4 h */
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j,
                    "first_response"), "due_ms")), 1796386500000LL);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "escalations")), 1);
    link = json_object_get(j, "link");
    /* No warehouse recorded LOT-5001-A: the order names the supplier. */
    CU_ASSERT_STRING_EQUAL(js(link, "lot"), "LOT-5001-A");
    CU_ASSERT_TRUE(json_is_false(json_object_get(link, "lot_known")));
    CU_ASSERT_STRING_EQUAL(js(link, "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(js(link, "via"), "order");
    json_decref(j);
    CU_ASSERT_EQUAL(fbt_http("/v1/complaints/ACME", NULL, NULL, 0, &j),
                    200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "complaints")),
                    1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
        json_object_get(j, "tickets"), 0)), "T-EX-1001");
    json_decref(j);

    /* The CRM resolves it, as XML. */
    CU_ASSERT_EQUAL(fbt_post_file("examples/13-xml-ticket-update-"
                                  "resolved.xml", "application/xml", &j),
                    202);
    CU_ASSERT_STRING_EQUAL(js(j, "plugin"), "crm_feedback");
    json_decref(j);
    j = fbt_wait("/v1/feedback/T-EX-1001", fbt_resolved, 10);
    CU_ASSERT_STRING_EQUAL(js(j, "state"), "resolved");
    CU_ASSERT_STRING_EQUAL(js(json_object_get(j, "resolution"), "outcome"),
                           "exchange");
    json_decref(j);
}

static void
test_live_escalation(void)
{
    char created[40], *body;
    time_t now = time(NULL);
    struct tm tm;
    json_t *j;

    gmtime_r(&now, &tm);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
    body = sg_xasprintf(
        "<ticket><id>T-RT-2</id><customer id=\"C-9\"/><channel>chat"
        "</channel><category>delivery</category><severity>critical"
        "</severity><text>where is my parcel</text><created>%s</created>"
        "</ticket>", created);
    CU_ASSERT_EQUAL(fbt_http("/v1/messages", "text/xml", body,
                             strlen(body), &j), 202);
    json_decref(j);
    free(body);
    j = fbt_wait("/v1/feedback/T-RT-2", fbt_exists, 5);
    CU_ASSERT_STRING_EQUAL(js(j, "state"), "open");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "escalations")), 0);
    json_decref(j);
    /* 5 s limit, 1 s sweep: escalated a few seconds later. */
    j = fbt_wait("/v1/feedback/T-RT-2", fbt_escalated, 15);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "escalations")), 1);
    json_decref(j);
}

static void
test_bad_ticket(void)
{
    const char *body = "{\"ticket\": {\"id\": \"T-BAD\",\n"
                       "  \"severity\": \"urgent\"}}";
    json_t *j, *err;

    CU_ASSERT_EQUAL(fbt_http("/v1/messages", "application/json", body,
                             strlen(body), &j), 422);
    CU_ASSERT_STRING_EQUAL(js(j, "status"), "rejected");
    err = json_array_get(json_object_get(j, "errors"), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    /* Missing fields first, at the ticket object; then the severity. */
    CU_ASSERT_STRING_EQUAL(js(err, "code"), "crm.missing_field");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(err, "line")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(err, "column")),
                    12);
    json_decref(j);
    CU_ASSERT_EQUAL(fbt_http("/v1/feedback/T-BAD", NULL, NULL, 0, &j),
                    404);
    CU_ASSERT_STRING_EQUAL(js(j, "error"), "feedback.not_found");
    json_decref(j);
}

int
main(void)
{
    CU_pSuite s;
    char *conf;
    int rc, status = 0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("rtfb");
    sg_test_redis_start(&redis);
    conf = fbt_write_conf();
    fbt_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("feedback end to end", NULL, NULL);
    CU_add_test(s, "a complaint about an order, escalated and resolved",
                test_complaint_about_an_order);
    CU_add_test(s, "the running sweep escalates a fresh ticket",
                test_live_escalation);
    CU_add_test(s, "a bad ticket: 422 with its position",
                test_bad_ticket);
    rc = sg_test_run();

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "supplygated did not exit cleanly\n");
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
