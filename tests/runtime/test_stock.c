/*
 * test_stock.c - the stock area end to end: a real supplygated with both
 * plugins (supplier_edi and wms_stock), a real redis-server, and a real
 * supplier endpoint (libmicrohttpd, started here on 127.0.0.1, port 0)
 * that receives the replenishment order.
 *
 * A CSV snapshot (examples/11) puts SKU-100 below its lower limit; the
 * daemon must place one order with ACME and post it as an X12 850 that
 * the repository's own X12 reader accepts, with the item and the
 * reorder quantity; an 846 posted as application/EDI-X12 must reach
 * wms_stock although supplier_edi claims that type too.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "edi.h"
#include "testlib.h"
#include "util.h"

#if MHD_VERSION < 0x00097002
typedef int sg_mhd_result;
#else
typedef enum MHD_Result sg_mhd_result;
#endif

static struct sg_test_redis redis;
static char *tmp;
static pid_t daemon_pid;
static int port;

/* --- the supplier's endpoint ---------------------------------------- */

static struct MHD_Daemon *endpoint;
static int endpoint_port;
static pthread_mutex_t got_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sg_buf got_body;
static char got_ctype[128];
static int got_posts;

static sg_mhd_result
ep_handler(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *data,
           size_t *size, void **state)
{
    struct MHD_Response *resp;
    struct sg_buf *b = *state;
    const char *ct;
    sg_mhd_result rc;

    (void)cls;
    (void)url;
    (void)version;
    if (b == NULL) {
        b = sg_xcalloc(1, sizeof(*b));
        sg_buf_init(b);
        *state = b;
        return MHD_YES;
    }
    if (*size > 0) {
        sg_buf_add(b, data, *size);
        *size = 0;
        return MHD_YES;
    }
    ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                     "Content-Type");
    pthread_mutex_lock(&got_lock);
    if (strcmp(method, "POST") == 0) {
        sg_buf_reset(&got_body);
        sg_buf_add(&got_body, b->data ? b->data : "", b->len);
        snprintf(got_ctype, sizeof(got_ctype), "%s", ct ? ct : "");
        got_posts++;
    }
    pthread_mutex_unlock(&got_lock);
    resp = MHD_create_response_from_buffer(2, (void *)"ok",
                                           MHD_RESPMEM_PERSISTENT);
    rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void
ep_completed(void *cls, struct MHD_Connection *conn, void **state,
             enum MHD_RequestTerminationCode why)
{
    struct sg_buf *b = *state;

    (void)cls;
    (void)conn;
    (void)why;
    if (b != NULL) {
        sg_buf_free(b);
        free(b);
        *state = NULL;
    }
}

static void
ep_start(void)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sg_buf_init(&got_body);
    endpoint = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                                NULL, ep_handler, NULL,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_NOTIFY_COMPLETED, ep_completed,
                                NULL, MHD_OPTION_END);
    if (endpoint == NULL) {
        fprintf(stderr, "cannot start the test endpoint\n");
        exit(2);
    }
    info = MHD_get_daemon_info(endpoint, MHD_DAEMON_INFO_BIND_PORT);
    endpoint_port = info != NULL ? info->port : 0;
    if (endpoint_port == 0) {
        fprintf(stderr, "the test endpoint has no port\n");
        exit(2);
    }
}

/* --- the daemon ------------------------------------------------------ */

static char *
rt_write_conf(void)
{
    char *text, *path, *sedi, *wms, *schemas;

    sedi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    wms = sg_xstrdup(sg_test_buildpath(
        "plugins/wms_stock/.libs/wms_stock.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n}\n"
        "delivery {\n sweep_interval = \"1s\"\n}\n"
        "replenishment {\n sender_id = \"SUPPLYGATE\"\n timeout = \"5s\"\n"
        " retry_backoff = \"1s\"\n}\n"
        "supplier \"ACME\" {\n name = \"Acme Components Ltd\"\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n"
        " order_format = \"x12\"\n"
        " order_endpoint = \"http://127.0.0.1:%d/orders\"\n}\n"
        "item \"SKU-100\" {\n lower = 20\n upper = 500\n"
        " preferred_supplier = \"ACME\"\n reorder_quantity = 100\n"
        " unit_price = 2.5\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "plugin \"wms_stock\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, endpoint_port, sedi, wms);
    path = sg_test_write(tmp, "stock.conf", text);
    free(text);
    free(sedi);
    free(wms);
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

/* GET (body NULL) or POST; the status, the answer in out. */
static long
rt_http(const char *path, const char *ctype, const void *body, size_t len,
        struct sg_buf *out)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[256], ct[128];
    long status = 0;

    sg_buf_init(out);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, rt_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
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
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return status;
}

static long
rt_post_file(const char *rel, const char *ctype, json_t **answer)
{
    struct sg_buf out;
    unsigned char *data;
    size_t len;
    long status;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = rt_http("/v1/messages", ctype, data, len, &out);
    *answer = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
    sg_buf_free(&out);
    free(data);
    return status;
}

/* --- reading the 850 with our own X12 reader -------------------------- */

struct rt_850 {
    int n_tx, n_diags;
    char set_type[8], sender[40], receiver[40], control[16];
    char po1_qty[32], po1_unit[16], po1_item_qual[8], po1_item[64];
    char beg03[64];
};

static int
rt_on_diag(void *arg, const struct sg_diag *d)
{
    struct rt_850 *r = arg;

    fprintf(stderr, "850 diag %s: %s\n", d->code, d->text);
    r->n_diags++;
    return 0;
}

static int
rt_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct rt_850 *r = arg;
    const struct sg_edi_segment *s;
    size_t pos = 0;

    r->n_tx++;
    snprintf(r->set_type, sizeof(r->set_type), "%s", tx->env.set_type);
    snprintf(r->sender, sizeof(r->sender), "%s", tx->env.sender);
    snprintf(r->receiver, sizeof(r->receiver), "%s", tx->env.receiver);
    snprintf(r->control, sizeof(r->control), "%s",
             tx->env.interchange_control);
    s = sg_edi_find(tx, "BEG", &pos);
    if (s != NULL) {
        snprintf(r->beg03, sizeof(r->beg03), "%s", sg_edi_value(s, 3, 0));
    }
    pos = 0;
    s = sg_edi_find(tx, "PO1", &pos);
    if (s != NULL) {
        snprintf(r->po1_qty, sizeof(r->po1_qty), "%s",
                 sg_edi_value(s, 2, 0));
        snprintf(r->po1_unit, sizeof(r->po1_unit), "%s",
                 sg_edi_value(s, 3, 0));
        snprintf(r->po1_item_qual, sizeof(r->po1_item_qual), "%s",
                 sg_edi_value(s, 6, 0));
        snprintf(r->po1_item, sizeof(r->po1_item), "%s",
                 sg_edi_value(s, 7, 0));
    }
    return 0;
}

/* --- the tests ------------------------------------------------------- */

/* The level of item at its first warehouse once it equals want, or the
 * last seen after 10 s. */
static double
rt_wait_level(const char *item, double want)
{
    struct sg_buf out;
    char path[128];
    double level = -1;
    json_t *a;
    int i;

    snprintf(path, sizeof(path), "/v1/stock/%s", item);
    for (i = 0; i < 200 && level != want; i++) {
        if (rt_http(path, NULL, NULL, 0, &out) == 200) {
            a = json_loadb(out.data, out.len, 0, NULL);
            level = json_number_value(json_object_get(json_array_get(
                json_object_get(a, "warehouses"), 0), "level"));
            json_decref(a);
        }
        sg_buf_free(&out);
        if (level != want) {
            usleep(50 * 1000);
        }
    }
    return level;
}

static void
test_846_reaches_wms(void)
{
    json_t *a;

    CU_ASSERT_EQUAL(rt_post_file("tests/data/wms/846-two-lots.edi",
                                 "application/EDI-X12", &a), 202);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(a, "plugin")),
                           "wms_stock");
    json_decref(a);
    CU_ASSERT_EQUAL(rt_post_file("tests/data/runtime/850-auto.edi",
                                 "application/EDI-X12", &a), 202);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(a, "plugin")),
                           "supplier_edi");
    json_decref(a);

    /* Applied before the next test posts: the workers are async and
     * two of them may take entries in either order. */
    CU_ASSERT_DOUBLE_EQUAL(rt_wait_level("SKU-100", 55), 55, 1e-9);
}

static void
test_snapshot_replenishes(void)
{
    struct rt_850 r;
    struct sg_buf out;
    json_t *a, *w;
    char *body = NULL, order[64];
    int i, posts = 0;

    CU_ASSERT_EQUAL(rt_post_file("examples/11-csv-stock-snapshot-"
                                 "replenish.csv", "text/csv", &a), 202);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(a, "plugin")),
                           "wms_stock");
    json_decref(a);

    /* The sweep runs each second; give it a few. */
    for (i = 0; i < 200 && posts == 0; i++) {
        usleep(50 * 1000);
        pthread_mutex_lock(&got_lock);
        posts = got_posts;
        if (posts > 0) {
            body = sg_xstrndup(got_body.data, got_body.len);
        }
        pthread_mutex_unlock(&got_lock);
    }
    CU_ASSERT_EQUAL_FATAL(posts, 1);
    CU_ASSERT_STRING_EQUAL(got_ctype, "application/EDI-X12");

    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(sg_edi_read(SG_EDI_X12, (unsigned char *)body,
                                strlen(body), rt_on_tx, rt_on_diag, &r), 1);
    CU_ASSERT_EQUAL(r.n_diags, 0);
    CU_ASSERT_EQUAL(r.n_tx, 1);
    CU_ASSERT_STRING_EQUAL(r.set_type, "850");
    CU_ASSERT_STRING_EQUAL(r.sender, "SUPPLYGATE");
    CU_ASSERT_STRING_EQUAL(r.receiver, "ACME");
    /* Control numbers come from INCR: unique, with gaps when a commit
     * lost a race and was decided again; the order number carries the
     * same number. */
    CU_ASSERT_EQUAL(strlen(r.control), 9);
    CU_ASSERT_EQUAL(strspn(r.control, "0123456789"), 9);
    CU_ASSERT_TRUE(atoll(r.control) >= 1);
    CU_ASSERT_EQUAL(strncmp(r.beg03, "RP", 2), 0);
    CU_ASSERT_STRING_EQUAL(r.beg03 + 2, r.control);
    CU_ASSERT_STRING_EQUAL(r.po1_qty, "100");
    CU_ASSERT_STRING_EQUAL(r.po1_unit, "EA");
    CU_ASSERT_STRING_EQUAL(r.po1_item_qual, "BP");
    CU_ASSERT_STRING_EQUAL(r.po1_item, "SKU-100");
    snprintf(order, sizeof(order), "%s", r.beg03);
    free(body);

    /* The read API: low, one open replenishment, lots in FEFO order. */
    for (i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL(rt_http("/v1/stock/SKU-100", NULL, NULL, 0, &out),
                        200);
        a = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
        sg_buf_free(&out);
        w = json_array_get(json_object_get(a, "warehouses"), 0);
        if (json_string_value(json_object_get(w, "open_replenishment"))) {
            break;
        }
        json_decref(a);
        a = NULL;
        usleep(50 * 1000);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(w, "alert")),
                           "low");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(w,
                           "open_replenishment")), order);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(w, "level")),
                           5, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(w, "lots"), 0), "lot")), "LOT-A1");
    json_decref(a);
    /* Recorded as delivered, with its event. */
    {
        redisContext *rc = sg_test_redis_connect(&redis);
        redisReply *rep = NULL;
        int delivered = 0;

        for (i = 0; i < 100 && !delivered; i++) {
            rep = redisCommand(rc, "HGET sg:outbound:%s status", order);
            delivered = rep != NULL && rep->type == REDIS_REPLY_STRING &&
                        strcmp(rep->str, "delivered") == 0;
            if (rep != NULL) {
                freeReplyObject(rep);
            }
            if (!delivered) {
                usleep(50 * 1000);
            }
        }
        CU_ASSERT_TRUE(delivered);
        rep = redisCommand(rc, "HGET sg:outbound:%s attempts", order);
        CU_ASSERT_STRING_EQUAL(rep->str, "1");
        freeReplyObject(rep);
        redisFree(rc);
    }
    CU_ASSERT_EQUAL(rt_http("/v1/stock/NO-SUCH", NULL, NULL, 0, &out), 404);
    sg_buf_free(&out);

    /* Posted once only: another low snapshot does not order again. */
    CU_ASSERT_EQUAL(rt_post_file("examples/11-csv-stock-snapshot-"
                                 "replenish.csv", "text/csv", &a), 202);
    json_decref(a);
    sleep(3);
    pthread_mutex_lock(&got_lock);
    CU_ASSERT_EQUAL(got_posts, 1);
    pthread_mutex_unlock(&got_lock);
}

int
main(void)
{
    CU_pSuite s;
    char *conf;
    int rc, status;

    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("stock-rt");
    sg_test_redis_start(&redis);
    ep_start();
    conf = rt_write_conf();
    rt_start(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("stock runtime", NULL, NULL);
    CU_add_test(s, "846 and 850 on one content type", test_846_reaches_wms);
    CU_add_test(s, "low snapshot: one 850 to the supplier",
                test_snapshot_replenishes);
    rc = sg_test_run();

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    MHD_stop_daemon(endpoint);
    sg_buf_free(&got_body);
    sg_test_redis_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    }
    free(tmp);
    free(conf);
    curl_global_cleanup();
    return rc;
}
