/*
 * test_security.c - the daemon under attack: a real supplygated with the
 * supplier_edi plugin and a real redis-server, probed as a hostile
 * partner would.
 *
 * Missing, wrong and borrowed credentials, forged, stale and replayed
 * signatures, a partner over its rate or body limit, a partner on the
 * admin routes, slow connections from one address, and XML bombs: each
 * is refused with the right status and error code, and the daemon goes
 * on serving everybody else.
 *
 * Slow connections: the test can only reach the daemon over loopback,
 * and MHD counts per_ip_connection_limit by source address.  The
 * attacker's sockets are bound to 127.0.0.2 (any 127/8 address is local
 * on Linux) and the fresh /healthz request comes from 127.0.0.1, as a
 * second client would: with every attacker on 127.0.0.1 the limit would
 * lock the test's own probe out too, which is the limit working, not
 * the gateway staying available.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "auth.h"
#include "testlib.h"
#include "util.h"

/* printf %s <key> | sha256sum */
#define ACME_KEY    "acme-key"
#define ACME_HASH \
    "afacab3575137afa4e00d9cbcafcb14c9ae25f779d964eb0ea5b2c4eb5dfd163"
#define OTHER_KEY   "other-key"
#define OTHER_HASH \
    "580843d03d2216ff1a275d0991bad66e4d1af871171d929e9de604b7959f9bca"
#define BURSTY_KEY  "bursty-key"
#define BURSTY_HASH \
    "4da5a1c435c92c2431db5423fc61fe1573a8bbab13f573fa470d90bad1c7f1a5"
#define CARRIER_KEY "carrier-key-0123456789"
#define CARRIER_HASH \
    "9ec4550da2f2491aaca3ce60c96bcf83674d66e2885e07156a2170e9babac0cc"
#define ADMIN_KEY   "admin-key"
#define ADMIN_HASH \
    "69a5265506c94c77b787a7d7377b7685a0eff82e33920a71e7ee22cd6154953e"
#define SECRET      "acme-signing-secret-0123456789"

#define PER_IP_LIMIT 20
#define SLOW_SOCKETS 120

static struct sg_test_redis redis;
static char *tmp;
static pid_t daemon_pid;
static int port;
static char *conf;

/* --- the daemon ------------------------------------------------------ */

static char *
write_conf(void)
{
    char *text, *path, *plugin, *schemas, *secret;

    secret = sg_test_write(tmp, "acme.key", SECRET "\n");
    plugin = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"info\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n body_limit = 4194304\n timeout = 5\n"
        " connection_limit = 100\n per_ip_connection_limit = %d\n"
        " request_deadline = 3\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        /* The same 850 is posted again and again; the duplicate guard
         * has its own tests (test_gateway). */
        "queue {\n workers = 1\n duplicate_window = \"0s\"\n}\n"
        "supplier \"ACME\" {\n aliases = {\"ACMEPARTS\", \"ZZ:ACMEPARTS\"}"
        "\n licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "partner \"ACME\" {\n ids = {\"ZZ:ACMEPARTS\", \"5412345000013\"}\n"
        " api_key_sha256 = \"" ACME_HASH "\"\n"
        " hmac_secret_file = \"acme.key\"\n}\n"
        "partner \"OTHER\" {\n ids = {\"ZZ:OTHERCO\"}\n"
        " api_key_sha256 = \"" OTHER_HASH "\"\n body_limit = 2048\n}\n"
        "partner \"BURSTY\" {\n ids = {\"ZZ:BURSTY\"}\n"
        " api_key_sha256 = \"" BURSTY_HASH "\"\n rate_limit = 2\n"
        " burst = 3\n}\n"
        /* A carrier: its key may post tracking, not orders. */
        "partner \"CARRIERX\" {\n ids = {\"ZZ:CARRIERX\"}\n"
        " plugins = {\"carrier_tracking\"}\n"
        " api_key_sha256 = \"" CARRIER_HASH "\"\n}\n"
        "admin {\n api_key_sha256 = \"" ADMIN_HASH "\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        tmp, schemas, PER_IP_LIMIT, redis.child.address, plugin);
    path = sg_test_write(tmp, "security.conf", text);
    free(text);
    free(plugin);
    free(schemas);
    free(secret);
    return path;
}

static void
start_daemon(const char *conf_path)
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

/* SIGTERM the daemon, wait, start it again on a new port. */
static void
restart_daemon(void)
{
    char *portfile = sg_xasprintf("%s/state/http.port", tmp);
    int status = 0;

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    unlink(portfile);
    free(portfile);
    port = 0;
    start_daemon(conf);
}

/* 1 when the daemon's log holds text. */
static int
log_has(const char *text)
{
    char *path = sg_xasprintf("%s/daemon.log", tmp);
    unsigned char *data;
    size_t len;
    int found;

    data = sg_test_read(path, &len);
    free(path);
    found = data != NULL && strstr((char *)data, text) != NULL;
    free(data);
    return found;
}

/* --- HTTP ---------------------------------------------------------- */

struct reply {
    long status;
    struct sg_buf body;
    char retry_after[16];
    int www_authenticate;
    json_t *json;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;

    sg_buf_add(&r->body, p, size * n);
    return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
    struct reply *r = arg;

    if (size * n > 13 && strncasecmp(p, "Retry-After: ", 13) == 0) {
        snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
                 (int)(size * n - 13), p + 13);
        r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
    }
    if (size * n > 17 && strncasecmp(p, "WWW-Authenticate:", 17) == 0) {
        r->www_authenticate = 1;
    }
    return size * n;
}

/*
 * GET when body is NULL, else POST with Content-Type ctype; hdrs are
 * extra header lines (NULL-terminated array, may be NULL).
 */
static long
request(const char *path, const char *const *hdrs, const char *ctype,
        const void *body, size_t len, struct reply *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *list = NULL;
    char url[512], ct[128];

    memset(r, 0, sizeof(*r));
    sg_buf_init(&r->body);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    for (; hdrs != NULL && *hdrs != NULL; hdrs++) {
        list = curl_slist_append(list, *hdrs);
    }
    list = curl_slist_append(list, "Expect:");
    if (body != NULL) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        list = curl_slist_append(list, ct);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    r->json = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0,
                         NULL);
    return r->status;
}

static void
reply_free(struct reply *r)
{
    sg_buf_free(&r->body);
    json_decref(r->json);
    r->json = NULL;
}

static const char *
js(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* The code of the first error of a rejection, or "". */
static const char *
first_error(const struct reply *r)
{
    return js(json_array_get(json_object_get(r->json, "errors"), 0),
              "code");
}

static unsigned char *
read_data(const char *rel, size_t *len)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s", sg_test_srcpath(rel));
    return sg_test_read(path, len);
}

static const char *const acme[] = {"Authorization: Bearer " ACME_KEY,
                                   NULL};
static const char *const other[] = {"Authorization: Bearer " OTHER_KEY,
                                    NULL};
static const char *const bursty[] = {"Authorization: Bearer " BURSTY_KEY,
                                     NULL};
static const char *const admin[] = {"Authorization: Bearer " ADMIN_KEY,
                                    NULL};

/* POST tests/data/runtime/850-auto.edi (sender ZZ:ACMEPARTS). */
static long
post_850(const char *const *hdrs, struct reply *r)
{
    unsigned char *data;
    size_t len;
    long status;

    data = read_data("tests/data/runtime/850-auto.edi", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    status = request("/v1/messages", hdrs, "application/EDI-X12", data,
                     len, r);
    free(data);
    return status;
}

/* --- credentials ----------------------------------------------------- */

static void
test_no_and_wrong_key(void)
{
    static const char *const wrong[] = {"Authorization: Bearer acme-kez",
                                        NULL};
    struct reply r;

    CU_ASSERT_EQUAL(post_850(NULL, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.missing");
    CU_ASSERT_TRUE(r.www_authenticate);
    reply_free(&r);

    CU_ASSERT_EQUAL(post_850(wrong, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.invalid_key");
    CU_ASSERT_TRUE(r.www_authenticate);
    reply_free(&r);

    /* Business reads need a credential too; health never does. */
    CU_ASSERT_EQUAL(request("/v1/orders/PO-RT-1001", NULL, NULL, NULL, 0,
                            &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.missing");
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/healthz", NULL, NULL, NULL, 0, &r), 200);
    reply_free(&r);
}

static void
test_right_key_accepted(void)
{
    struct reply r, m;
    char path[256];
    int i;

    CU_ASSERT_EQUAL(post_850(acme, &r), 202);
    CU_ASSERT_STRING_EQUAL(js(r.json, "status"), "accepted");
    reply_free(&r);
    for (i = 0; i < 100; i++) {
        if (request("/v1/orders/PO-RT-1001", acme, NULL, NULL, 0, &m) ==
            200) {
            break;
        }
        reply_free(&m);
        usleep(50 * 1000);
    }
    CU_ASSERT_EQUAL(m.status, 200);
    CU_ASSERT_STRING_EQUAL(js(m.json, "state"), "processed");
    reply_free(&m);
    snprintf(path, sizeof(path), "/v1/orders/PO-RT-1001");
    CU_ASSERT_EQUAL(request(path, admin, NULL, NULL, 0, &m), 200);
    reply_free(&m);
}

/* A carrier's key may post tracking only: an order from it is 403. */
static void
test_plugin_not_allowed(void)
{
    static const char *const carrier[] = {"Authorization: Bearer "
                                          CARRIER_KEY, NULL};
    struct reply r, m;
    char path[256];

    CU_ASSERT_EQUAL(post_850(carrier, &r), 403);
    CU_ASSERT_STRING_EQUAL(js(r.json, "status"), "rejected");
    CU_ASSERT_STRING_EQUAL(first_error(&r), "auth.plugin_not_allowed");
    CU_ASSERT_TRUE(log_has("partner CARRIERX posted a message for plugin "
                           "supplier_edi"));
    /* Kept like every rejection. */
    snprintf(path, sizeof(path), "/v1/messages/%s", js(r.json, "message"));
    CU_ASSERT_EQUAL(request(path, admin, NULL, NULL, 0, &m), 200);
    CU_ASSERT_STRING_EQUAL(js(m.json, "status"), "rejected");
    reply_free(&m);
    reply_free(&r);
}

/* OTHER's valid key on ACME's interchange: 403, and the message kept. */
static void
test_borrowed_envelope(void)
{
    struct reply r, m;
    unsigned char *data;
    size_t len;
    char path[256];

    CU_ASSERT_EQUAL(post_850(other, &r), 403);
    CU_ASSERT_STRING_EQUAL(js(r.json, "status"), "rejected");
    CU_ASSERT_STRING_EQUAL(first_error(&r), "auth.partner_mismatch");
    CU_ASSERT_PTR_NOT_NULL(strstr(js(json_array_get(json_object_get(
        r.json, "errors"), 0), "message"), "ZZ:ACMEPARTS"));
    CU_ASSERT_TRUE(log_has("authenticated as partner OTHER but the "
                           "envelope names sender ZZ:ACMEPARTS"));

    /* Stored like every rejection: status, errors and the raw body. */
    snprintf(path, sizeof(path), "/v1/messages/%s", js(r.json, "message"));
    CU_ASSERT_EQUAL(request(path, admin, NULL, NULL, 0, &m), 200);
    CU_ASSERT_STRING_EQUAL(js(m.json, "status"), "rejected");
    CU_ASSERT_STRING_EQUAL(js(json_array_get(json_object_get(m.json,
                                                             "errors"), 0),
                              "code"), "auth.partner_mismatch");
    reply_free(&m);
    snprintf(path, sizeof(path), "/v1/messages/%s/raw",
             js(r.json, "message"));
    CU_ASSERT_EQUAL(request(path, admin, NULL, NULL, 0, &m), 200);
    data = read_data("tests/data/runtime/850-auto.edi", &len);
    CU_ASSERT_EQUAL(m.body.len, len);
    CU_ASSERT_TRUE(data != NULL && m.body.len == len &&
                   memcmp(m.body.data, data, len) == 0);
    free(data);
    reply_free(&m);
    reply_free(&r);
}

/* --- signatures --------------------------------------------------- */

static long
post_signed(const char *ts, const char *sig, const char *body,
            struct reply *r)
{
    char h_ts[64], h_sig[128];
    const char *hdrs[] = {"X-SG-Partner: ACME", h_ts, h_sig, NULL};

    snprintf(h_ts, sizeof(h_ts), "X-SG-Timestamp: %s", ts);
    snprintf(h_sig, sizeof(h_sig), "X-SG-Signature: %s", sig);
    return request("/v1/messages", hdrs, "application/EDIFACT", body,
                   strlen(body), r);
}

static void
test_hmac(void)
{
    const unsigned char *secret = (const unsigned char *)SECRET;
    unsigned char *data;
    size_t len;
    char ts[32], sig[65], bad[65];
    struct reply r;

    data = read_data("tests/data/runtime/orders-auto.edi", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    sg_auth_sign(secret, strlen(SECRET), ts, data, len, sig);

    /* Forged: one hex digit off. */
    memcpy(bad, sig, sizeof(bad));
    bad[0] = bad[0] == '0' ? '1' : '0';
    CU_ASSERT_EQUAL(post_signed(ts, bad, (char *)data, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.bad_signature");
    CU_ASSERT_TRUE(r.www_authenticate);
    reply_free(&r);

    /* The real one, sender 14:5412345000013 matches the bare id. */
    CU_ASSERT_EQUAL(post_signed(ts, sig, (char *)data, &r), 202);
    CU_ASSERT_STRING_EQUAL(js(r.json, "status"), "accepted");
    reply_free(&r);

    /* The same request again: a replay. */
    CU_ASSERT_EQUAL(post_signed(ts, sig, (char *)data, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.replayed");
    reply_free(&r);
    /* Still one after a restart: seen signatures live in Redis. */
    restart_daemon();
    CU_ASSERT_EQUAL(post_signed(ts, sig, (char *)data, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.replayed");
    reply_free(&r);

    /* Signed correctly, but 1000 s ago: outside the 300 s window. */
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL) - 1000);
    sg_auth_sign(secret, strlen(SECRET), ts, data, len, sig);
    CU_ASSERT_EQUAL(post_signed(ts, sig, (char *)data, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.stale_timestamp");
    reply_free(&r);
    free(data);
}

/* --- limits -------------------------------------------------------- */

static void
test_rate_limit(void)
{
    struct reply r;
    int i, limited = -1, wait;

    /* Burst 3 at 2/s: within a handful of back-to-back requests one is
     * refused. */
    for (i = 0; i < 10 && limited < 0; i++) {
        request("/v1/orders/NOPE", bursty, NULL, NULL, 0, &r);
        if (r.status == 429) {
            limited = i;
            CU_ASSERT_STRING_EQUAL(js(r.json, "error"),
                                   "auth.rate_limited");
            CU_ASSERT_TRUE(atoi(r.retry_after) >= 1);
            wait = atoi(r.retry_after);
        } else {
            CU_ASSERT_EQUAL(r.status, 404);
        }
        reply_free(&r);
    }
    CU_ASSERT_TRUE(limited >= 3);
    /* Another partner is not slowed down by BURSTY. */
    CU_ASSERT_EQUAL(request("/v1/orders/NOPE", acme, NULL, NULL, 0, &r),
                    404);
    reply_free(&r);
    /* After Retry-After, BURSTY is served again. */
    if (limited >= 0) {
        sleep((unsigned)wait);
        CU_ASSERT_EQUAL(request("/v1/orders/NOPE", bursty, NULL, NULL, 0,
                                &r), 404);
        CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "order.not_found");
        reply_free(&r);
    }
}

static void
test_body_limit(void)
{
    char *body = sg_xmalloc(3001);
    struct reply r;

    memset(body, 'A', 3000);
    body[3000] = '\0';
    /* OTHER may send 2048 bytes... */
    CU_ASSERT_EQUAL(request("/v1/messages", other, "application/EDI-X12",
                            body, 3000, &r), 413);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "message.too_large");
    reply_free(&r);
    /* ...ACME the daemon's 4 MB: the same body is read and judged. */
    CU_ASSERT_EQUAL(request("/v1/messages", acme, "application/EDI-X12",
                            body, 3000, &r), 422);
    reply_free(&r);
    free(body);
}

/* --- admin ------------------------------------------------------------ */

static void
test_admin_routes(void)
{
    struct reply r;

    CU_ASSERT_EQUAL(request("/v1/plugins", NULL, NULL, NULL, 0, &r), 401);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.missing");
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/v1/plugins", acme, NULL, NULL, 0, &r), 403);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "auth.forbidden");
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/v1/plugins", admin, NULL, NULL, 0, &r), 200);
    CU_ASSERT_STRING_EQUAL(js(json_array_get(json_object_get(r.json,
                                                             "plugins"), 0),
                              "name"), "supplier_edi");
    reply_free(&r);

    CU_ASSERT_EQUAL(request("/v1/admin/dead-letters", acme, NULL, NULL, 0,
                            &r), 403);
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/v1/admin/reload", NULL, "text/plain", "", 0,
                            &r), 401);
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/v1/admin/reload", acme, "text/plain", "", 0,
                            &r), 403);
    reply_free(&r);
    /* The admin's reload raises SIGHUP; the daemon lives on. */
    CU_ASSERT_EQUAL(request("/v1/admin/reload", admin, "text/plain", "",
                            0, &r), 202);
    CU_ASSERT_STRING_EQUAL(js(r.json, "reload"), "requested");
    reply_free(&r);
    usleep(200 * 1000);
    CU_ASSERT_TRUE(log_has("SIGHUP"));
    CU_ASSERT_EQUAL(request("/healthz", NULL, NULL, NULL, 0, &r), 200);
    reply_free(&r);
}

/* A dead letter (as worker.c writes one) is listed and replayed once. */
static void
test_dead_letter_replay(void)
{
    redisContext *c = sg_test_redis_connect(&redis);
    redisReply *x;
    struct reply r;
    char id[64], path[160];

    x = redisCommand(c, "XADD sg:dead * stream sg:stream:order entry 1-1 "
                     "msg no-such-msg doc 1 type order key PO-DEAD-1 "
                     "attempts 3 errors [] xml <order/> reason %s",
                     "failed 3 times");
    CU_ASSERT_EQUAL_FATAL(x->type, REDIS_REPLY_STRING);
    snprintf(id, sizeof(id), "%s", x->str);
    freeReplyObject(x);

    CU_ASSERT_EQUAL(request("/v1/admin/dead-letters", admin, NULL, NULL, 0,
                            &r), 200);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(r.json, "total")),
                    1);
    CU_ASSERT_STRING_EQUAL(js(json_array_get(json_object_get(r.json,
                              "dead_letters"), 0), "key"), "PO-DEAD-1");
    CU_ASSERT_PTR_NULL(json_object_get(json_array_get(json_object_get(
        r.json, "dead_letters"), 0), "xml"));
    reply_free(&r);

    snprintf(path, sizeof(path), "/v1/admin/dead-letters/%s/replay", id);
    CU_ASSERT_EQUAL(request(path, acme, "text/plain", "", 0, &r), 403);
    reply_free(&r);
    CU_ASSERT_EQUAL(request(path, admin, "text/plain", "", 0, &r), 200);
    CU_ASSERT_STRING_EQUAL(js(r.json, "stream"), "sg:stream:order");
    CU_ASSERT_STRING_EQUAL(js(r.json, "replayed"), id);
    reply_free(&r);
    /* Gone from sg:dead (the worker may dead-letter the copy again, as
     * a new entry). */
    x = redisCommand(c, "XRANGE sg:dead %s %s", id, id);
    CU_ASSERT_EQUAL(x->elements, 0);
    freeReplyObject(x);
    x = redisCommand(c, "XREVRANGE sg:stream:order + - COUNT 1");
    CU_ASSERT_EQUAL_FATAL(x->elements, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(x->element[0]->element[1]->element[7]
                                  ->str, "PO-DEAD-1"));
    freeReplyObject(x);
    /* Gone from sg:dead: a second replay finds nothing. */
    CU_ASSERT_EQUAL(request(path, admin, "text/plain", "", 0, &r), 404);
    CU_ASSERT_STRING_EQUAL(js(r.json, "error"), "dead_letter.not_found");
    reply_free(&r);
    CU_ASSERT_EQUAL(request("/v1/admin/dead-letters/1-x/replay", admin,
                            "text/plain", "", 0, &r), 404);
    reply_free(&r);
    redisFree(c);
}

/* --- slow clients ------------------------------------------------------ */

/* A TCP connection from address that sends half a request head. */
static int
slow_socket_from(const char *address)
{
    static const char head[] = "POST /v1/messages HTTP/1.1\r\nHost: x\r\n";
    struct sockaddr_in from, to;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&from, 0, sizeof(from));
    from.sin_family = AF_INET;
    inet_pton(AF_INET, address, &from.sin_addr);
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    if (write(fd, head, sizeof(head) - 1) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int
slow_socket(void)
{
    return slow_socket_from("127.0.0.2");
}

static double
elapsed(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_slowloris(void)
{
    int fds[SLOW_SOCKETS], i, open_ = 0, closed = 0;
    struct timespec t0;
    struct reply r;
    char byte;

    for (i = 0; i < SLOW_SOCKETS; i++) {
        fds[i] = slow_socket();
        if (fds[i] >= 0) {
            open_++;
        }
    }
    CU_ASSERT_EQUAL_FATAL(open_, SLOW_SOCKETS);
    usleep(300 * 1000);

    /* More slow connections than connection_limit (100) in all, yet a
     * fresh client is answered at once. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(request("/healthz", NULL, NULL, NULL, 0, &r), 200);
    CU_ASSERT_TRUE(elapsed(&t0) < 1.0);
    CU_ASSERT_STRING_EQUAL(js(r.json, "status"), "ok");
    reply_free(&r);

    /* The daemon closed every slow connection over the per-IP limit
     * (a reset, as the half head it closes on was never read). */
    for (i = 0; i < SLOW_SOCKETS; i++) {
        ssize_t n = recv(fds[i], &byte, 1, MSG_DONTWAIT);

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            closed++;
        }
    }
    CU_ASSERT_EQUAL(closed, SLOW_SOCKETS - PER_IP_LIMIT);
    CU_ASSERT_TRUE(log_has("per_ip_connection_limit (20)"));
    for (i = 0; i < SLOW_SOCKETS; i++) {
        close(fds[i]);
    }
}

/*
 * A client that keeps the idle timeout at bay with a header line every
 * 300 ms never completes its head: request_deadline (3 s) ends it.
 */
static void
test_request_deadline(void)
{
    static const char line[] = "X-Slow: 1\r\n";
    int fd = slow_socket_from("127.0.0.3"), closed = 0;
    struct timespec t0;
    double took = 0;
    char byte;
    ssize_t n;

    CU_ASSERT_TRUE_FATAL(fd >= 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!closed && (took = elapsed(&t0)) < 8.0) {
        usleep(300 * 1000);
        n = recv(fd, &byte, 1, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
            send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL) < 0) {
            closed = 1;
        }
    }
    close(fd);
    CU_ASSERT_TRUE(closed);
    CU_ASSERT_TRUE(took >= 2.9 && took < 4.5);
    CU_ASSERT_TRUE(log_has("within request_deadline (3 s)"));
}

/* --- XML bombs ------------------------------------------------------ */

/* POST xml as ACME; status and first error code, in under a second. */
static void
post_bomb(const char *xml, size_t len, const char *code)
{
    struct timespec t0;
    struct reply r;
    const char *text;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(request("/v1/messages", acme, "application/xml", xml,
                            len, &r), 422);
    CU_ASSERT_TRUE(elapsed(&t0) < 1.0);
    CU_ASSERT_STRING_EQUAL(first_error(&r), code);
    text = js(json_array_get(json_object_get(r.json, "errors"), 0),
              "message");
    CU_ASSERT_TRUE(strlen(text) > 10);
    CU_ASSERT_PTR_NULL(strstr(r.body.data, "XML_PARSE_HUGE"));
    CU_ASSERT_PTR_NULL(strstr(r.body.data, "root:"));
    reply_free(&r);
}

static void
test_xml_bombs(void)
{
    struct sg_buf b;
    struct reply r;
    int i;

    /* Billion laughs. */
    sg_buf_init(&b);
    sg_buf_adds(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE order [\n"
                "<!ENTITY e0 \"lol\">\n");
    for (i = 1; i <= 9; i++) {
        sg_buf_addf(&b, "<!ENTITY e%d \"&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;"
                    "&e%d;&e%d;&e%d;\">\n", i, i - 1, i - 1, i - 1, i - 1,
                    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    }
    sg_buf_adds(&b, "]>\n<order xmlns=\"urn:supplygate:canonical:1\">"
                "<orderNumber>&e9;</orderNumber></order>\n");
    post_bomb(b.data, b.len, "xml.doctype");

    /* An external entity naming a local file. */
    sg_buf_reset(&b);
    sg_buf_adds(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE order [<!ENTITY x "
                "SYSTEM \"file:///etc/passwd\">]>\n<order xmlns=\"urn:"
                "supplygate:canonical:1\"><orderNumber>&x;</orderNumber>"
                "</order>\n");
    post_bomb(b.data, b.len, "xml.doctype");

    /* 10000 levels deep. */
    sg_buf_reset(&b);
    sg_buf_adds(&b, "<order xmlns=\"urn:supplygate:canonical:1\">");
    for (i = 0; i < 10000; i++) {
        sg_buf_adds(&b, "<a>");
    }
    for (i = 0; i < 10000; i++) {
        sg_buf_adds(&b, "</a>");
    }
    sg_buf_adds(&b, "</order>");
    post_bomb(b.data, b.len, "xml.too_deep");

    /* 100000 attributes on one element. */
    sg_buf_reset(&b);
    sg_buf_adds(&b, "<order xmlns=\"urn:supplygate:canonical:1\"");
    for (i = 0; i < 100000; i++) {
        sg_buf_addf(&b, " a%d=\"1\"", i);
    }
    sg_buf_adds(&b, "/>");
    post_bomb(b.data, b.len, "xml.too_many_attributes");
    sg_buf_free(&b);

    /* And the daemon serves others as before. */
    CU_ASSERT_EQUAL(request("/healthz", NULL, NULL, NULL, 0, &r), 200);
    reply_free(&r);
    CU_ASSERT_EQUAL(post_850(acme, &r), 202);
    reply_free(&r);
}

int
main(void)
{
    CU_pSuite s;
    int rc, status = 0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("sec");
    sg_test_redis_start(&redis);
    conf = write_conf();
    start_daemon(conf);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("security end to end", NULL, NULL);
    CU_add_test(s, "no key, wrong key: 401", test_no_and_wrong_key);
    CU_add_test(s, "the right key: 202 and readable",
                test_right_key_accepted);
    CU_add_test(s, "a carrier's key on an order: 403",
                test_plugin_not_allowed);
    CU_add_test(s, "key of OTHER, envelope of ACME: 403, kept",
                test_borrowed_envelope);
    CU_add_test(s, "HMAC: forged, good, replayed (after a restart too), "
                "stale", test_hmac);
    CU_add_test(s, "rate limit: 429 then recovery", test_rate_limit);
    CU_add_test(s, "per-partner body limit", test_body_limit);
    CU_add_test(s, "admin routes: 401, 403, 200", test_admin_routes);
    CU_add_test(s, "dead letters listed and replayed once",
                test_dead_letter_replay);
    CU_add_test(s, "slow connections from one address",
                test_slowloris);
    CU_add_test(s, "a head trickled for longer than request_deadline",
                test_request_deadline);
    CU_add_test(s, "XML bombs refused fast", test_xml_bombs);
    rc = sg_test_run();

    kill(daemon_pid, SIGTERM);
    waitpid(daemon_pid, &status, 0);
    sg_test_redis_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", tmp);
    }
    free(conf);
    free(tmp);
    curl_global_cleanup();
    return rc;
}
