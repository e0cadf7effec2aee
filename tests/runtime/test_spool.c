/*
 * test_spool.c - bodies over http.body_limit, spooled to disk and read
 * in pieces, with the real daemon, supplier_edi and a real redis-server.
 *
 * body_limit is 64 KB here and spool_limit 2 MB, so an X12 interchange
 * of 1500 850s (about 200 KB) takes the spooled path: it must be
 * accepted whole with every order processed and its raw bytes kept on
 * disk; rejected whole, with the error at its segment, when one set is
 * broken; refused as a duplicate when sent twice; refused with 413
 * over spool_limit, or when it is not X12 or EDIFACT; and three at once
 * must all be accepted, decoded two at a time.  A
 * second daemon, where the partner must sign, checks that a spooled
 * body's HMAC is verified (read back in pieces) before it is decoded.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "auth.h"
#include "daemonlib.h"
#include "testlib.h"
#include "util.h"

/* More than supplier_edi's max_documents (1000 as shipped), which caps
 * only messages held in memory. */
#define N_SETS 1500

#define SECRET "spool-signing-secret-42"

static struct sg_test_redis redis;
static struct sg_test_redis signed_redis;   /* its own: workers and the
                                               supplier registry apart */
static struct sg_td sgd;
static struct sg_td signed_sgd;     /* the same, with a signing partner */
static char *tmp;
static CURL *curl;

static void
spool_write_conf(void)
{
    char *text, *sedi, *crm, *schemas;

    sedi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    crm = sg_xstrdup(sg_test_buildpath(
        "plugins/crm_feedback/.libs/crm_feedback.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"info\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n body_limit = 65536\n"
        " spool_limit = 2097152\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n"
        " duplicate_window = \"1h\"\n}\n"
        "approval \"default\" {\n manager_above = 1000000\n"
        " director_above = 10000000\n}\n"
        "supplier \"ACME\" {\n aliases = {\"ACMEPARTS\", \"ZZ:ACMEPARTS\"}\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "plugin \"crm_feedback\" {\n path = \"%s\"\n}\n",
        tmp, schemas, redis.child.address, sedi, crm);
    sgd.conf = sg_test_write(tmp, "spool.conf", text);
    free(text);
    free(sedi);
    free(crm);
    free(schemas);
}

static size_t
spool_collect(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

static void
spool_printf(struct sg_buf *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    sg_buf_adds(b, line);
}

/* A daemon where ACME must sign what it posts. */
static void
spool_write_signed_conf(void)
{
    char *text, *sedi, *schemas, *dir;

    dir = sg_xasprintf("%s/signed", tmp);
    mkdir(dir, 0700);
    signed_sgd.dir = dir;
    free(sg_test_write(dir, "acme.key", SECRET "\n"));
    sedi = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n body_limit = 65536\n"
        " spool_limit = 2097152\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n duplicate_window = \"0s\"\n}\n"
        "partner \"ACME\" {\n ids = {\"ZZ:ACMEPARTS\"}\n"
        " hmac_secret_file = \"acme.key\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
        dir, schemas, signed_redis.child.address, sedi);
    signed_sgd.conf = sg_test_write(dir, "signed.conf", text);
    free(text);
    free(sedi);
    free(schemas);
}

/*
 * An interchange (control number ctl) of n 850s numbered
 * <prefix>-0001...; the set numbered bad (0: none) has a wrong SE01.
 */
static char *
spool_interchange(const char *prefix, int ctl, int n, int bad)
{
    struct sg_buf b;
    int i;

    sg_buf_init(&b);
    spool_printf(&b,
        "ISA*00*          *00*          *ZZ*ACMEPARTS      *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*%09d*0*P*>~\n"
        "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*%d*X*004010~\n",
        ctl, ctl);
    for (i = 1; i <= n; i++) {
        spool_printf(&b,
            "ST*850*%04d~\nBEG*00*SA*%s-%04d**20261204~\nCUR*BY*USD~\n"
            "N1*SU*Acme Parts Inc*92*ACME~\n"
            "PO1*1*10*EA*12.50**BP*ITEM-%d~\nCTT*1~\nSE*%d*%04d~\n",
            i, prefix, i, i % 7, i == bad ? 9 : 7, i);
    }
    spool_printf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", n, ctl, ctl);
    return sg_buf_steal(&b);
}

static json_t *
spool_post(const char *ctype, const char *body, size_t len, long *status)
{
    struct sg_td_reply r;
    json_t *j;

    sg_td_post(curl, sgd.port, "/v1/messages", ctype, body, len, 60, &r);
    *status = r.outcome == SG_TD_ANSWERED ? r.status : 0;
    j = r.body != NULL ? json_loads(r.body, 0, NULL) : NULL;
    if (j == NULL) {
        fprintf(stderr, "answer %ld: %s\n", r.status,
                r.body ? r.body : "(none)");
    }
    free(r.body);
    return j;
}

/* The order's state once the workers are done with it, or "". */
static const char *
spool_order_state(const char *number, char *out, size_t outlen)
{
    char *path = sg_xasprintf("/v1/orders/%s", number), *text = NULL;
    json_t *j;
    int i;

    out[0] = '\0';
    for (i = 0; i < 200 && out[0] == '\0'; i++) {
        if (sg_td_get(sgd.port, path, &text) == 200) {
            j = json_loads(text, 0, NULL);
            snprintf(out, outlen, "%s",
                     json_string_value(json_object_get(j, "state")) ?
                     json_string_value(json_object_get(j, "state")) : "?");
            json_decref(j);
        } else {
            usleep(50 * 1000);
        }
        if (out[0] == '\0') {
            free(text);
            text = NULL;
        }
    }
    if (strcmp(out, "processed") != 0) {
        fprintf(stderr, "order %s: state \"%s\": %s\n", number, out, text);
    }
    free(text);
    free(path);
    return out;
}

static void
test_leftover_swept(void)
{
    char *path = sg_xasprintf("%s/state/spool/upload-1-0", tmp);

    CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    free(path);
}

static char first_id[64];

static void
test_spooled_interchange_accepted(void)
{
    char *body = spool_interchange("PO-SP", 901, N_SETS, 0);
    size_t len = strlen(body), got_len = 0;
    char state[32], *path, *text = NULL, *raw_path;
    unsigned char *kept;
    json_t *j, *docs, *m;
    long status;

    CU_ASSERT_TRUE_FATAL(len > 65536);
    j = spool_post("application/EDI-X12", body, len, &status);
    CU_ASSERT_EQUAL_FATAL(status, 202);
    docs = json_object_get(j, "documents");
    CU_ASSERT_EQUAL(json_array_size(docs), N_SETS);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(docs, 0), "key")), "PO-SP-0001");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(docs, N_SETS - 1), "key")), "PO-SP-1500");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "bytes")),
                    (json_int_t)len);
    snprintf(first_id, sizeof(first_id), "%s",
             json_string_value(json_object_get(j, "message")));
    json_decref(j);

    /* Every order of the interchange reaches the rules. */
    CU_ASSERT_STRING_EQUAL(spool_order_state("PO-SP-0001", state,
                                             sizeof(state)), "processed");
    CU_ASSERT_STRING_EQUAL(spool_order_state("PO-SP-0500", state,
                                             sizeof(state)), "processed");
    CU_ASSERT_STRING_EQUAL(spool_order_state("PO-SP-1500", state,
                                             sizeof(state)), "processed");

    /* The raw bytes are kept, byte for byte, where the message says. */
    path = sg_xasprintf("/v1/messages/%s", first_id);
    CU_ASSERT_EQUAL(sg_td_get(sgd.port, path, &text), 200);
    m = json_loads(text, 0, NULL);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "size")),
                    (json_int_t)len);
    /* Named under state_dir, never by the host's whole path. */
    CU_ASSERT_EQUAL(strncmp(json_string_value(json_object_get(m,
                                                              "raw_file")),
                            "raw/", 4), 0);
    raw_path = sg_xasprintf("%s/state/%s", tmp,
                            json_string_value(json_object_get(m,
                                                              "raw_file")));
    kept = sg_test_read(raw_path, &got_len);
    free(raw_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(kept);
    CU_ASSERT_EQUAL(got_len, len);
    CU_ASSERT_EQUAL(memcmp(kept, body, len), 0);
    free(kept);
    free(text);
    free(path);
    json_decref(m);

    /* The 997 reads the spooled interchange again: 1500 sets accepted. */
    path = sg_xasprintf("/v1/messages/%s/ack", first_id);
    text = NULL;
    CU_ASSERT_EQUAL(sg_td_get(sgd.port, path, &text), 200);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, "AK1*PO*901~")
                                        : NULL);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, "AK2*850*1500~")
                                        : NULL);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text,
                                                 "AK9*A*1500*1500*1500~")
                                        : NULL);
    free(text);
    free(path);
    free(body);
}

static void
test_spooled_duplicate_refused(void)
{
    char *body = spool_interchange("PO-SP", 901, N_SETS, 0);
    char *path, *text = NULL;
    json_t *j, *err;
    long status;

    j = spool_post("application/EDI-X12", body, strlen(body), &status);
    CU_ASSERT_EQUAL(status, 409);
    err = json_array_get(json_object_get(j, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(err, "code")),
                           "interchange.duplicate");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(err,
                                                             "first")),
                           first_id);
    /* Kept like any rejection, with the TA1 025 as its ack. */
    path = sg_xasprintf("/v1/messages/%s/ack",
                        json_string_value(json_object_get(j, "message")));
    CU_ASSERT_EQUAL(sg_td_get(sgd.port, path, &text), 200);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, "TA1*000000901*")
                                        : NULL);
    CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, "*R*025~") : NULL);
    free(text);
    free(path);
    json_decref(j);
    free(body);
}

static void
test_spooled_bad_set_rejects_all(void)
{
    char *body = spool_interchange("PO-SPB", 902, N_SETS, 700);
    char *text = NULL;
    json_t *j, *err;
    long status;

    j = spool_post("application/EDI-X12", body, strlen(body), &status);
    CU_ASSERT_EQUAL(status, 422);
    err = json_array_get(json_object_get(j, "errors"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(err, "code")),
                           "x12.se_count");
    /* ISA, GS, then 7 segments per set: set 700's SE is segment
     * 2 + 699 * 7 + 7. */
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(err, "segment")),
                    2 + 699 * 7 + 7);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(err, "tag")),
                           "SE");
    json_decref(j);
    /* Rejected whole: not even the first, good, order was queued. */
    CU_ASSERT_EQUAL(sg_td_get(sgd.port, "/v1/orders/PO-SPB-0001", &text),
                    404);
    free(text);
    free(body);
}

static void
test_over_spool_limit_refused(void)
{
    char *body = spool_interchange("PO-SPX", 903, 20000, 0);
    json_t *j;
    long status;

    CU_ASSERT_TRUE_FATAL(strlen(body) > 2097152);
    j = spool_post("application/EDI-X12", body, strlen(body), &status);
    CU_ASSERT_EQUAL(status, 413);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "error")),
                           "message.too_large");
    json_decref(j);
    free(body);
}

static void
test_not_edi_refused(void)
{
    struct sg_buf b;
    json_t *j;
    long status;
    int i;

    /* JSON over body_limit: refused before it is spooled or parsed. */
    sg_buf_init(&b);
    sg_buf_adds(&b, "{\"ticket\":{\"id\":\"T-BIG\",\"channel\":\"email\","
                "\"category\":\"quality\",\"severity\":\"low\","
                "\"opened\":\"2026-12-04T10:00:00Z\",\"text\":\"");
    for (i = 0; i < 80000; i++) {
        sg_buf_adds(&b, "a");
    }
    sg_buf_adds(&b, "\"}}");
    j = spool_post("application/json", b.data, b.len, &status);
    CU_ASSERT_EQUAL(status, 413);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "error")),
                           "message.too_large");
    CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(
        j, "message")), "X12 and EDIFACT"));
    json_decref(j);
    sg_buf_free(&b);
}

/* Three large bodies at once: the third waits its turn, none fails. */
struct spool_job {
    int ctl;
    long status;
};

static void *
spool_post_job(void *arg)
{
    struct spool_job *job = arg;
    char prefix[32], *body;
    CURL *c = curl_easy_init();
    struct sg_td_reply r;

    snprintf(prefix, sizeof(prefix), "PO-SPC%d", job->ctl);
    body = spool_interchange(prefix, job->ctl, N_SETS, 0);
    sg_td_post(c, sgd.port, "/v1/messages", "application/EDI-X12", body,
               strlen(body), 60, &r);
    job->status = r.outcome == SG_TD_ANSWERED ? r.status : 0;
    free(r.body);
    free(body);
    curl_easy_cleanup(c);
    return NULL;
}

static void
test_three_at_once(void)
{
    struct spool_job jobs[3] = {{911, 0}, {912, 0}, {913, 0}};
    pthread_t t[3];
    char state[32];
    int i;

    for (i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, spool_post_job, &jobs[i]);
    }
    for (i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(jobs[i].status, 202);
    }
    CU_ASSERT_STRING_EQUAL(spool_order_state("PO-SPC913-1500", state,
                                             sizeof(state)), "processed");
}

/* POST body as ACME, signed with sig at ts; the answer's status. */
static long
spool_post_signed(const char *ts, const char *sig, const char *body,
                  char **answer)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char url[64], line[128];
    struct sg_buf b;
    long status = 0;

    sg_buf_init(&b);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/messages",
             (int)signed_sgd.port);
    h = curl_slist_append(h, "Content-Type: application/EDI-X12");
    h = curl_slist_append(h, "X-SG-Partner: ACME");
    snprintf(line, sizeof(line), "X-SG-Timestamp: %s", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-SG-Signature: %s", sig);
    h = curl_slist_append(h, line);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, spool_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    sg_buf_adds(&b, "");
    *answer = sg_buf_steal(&b);
    return status;
}

static void
test_spooled_signature_checked(void)
{
    char *body = spool_interchange("PO-SPS", 904, N_SETS, 0), *answer;
    char ts[32], sig[65], bad[65];

    CU_ASSERT_TRUE_FATAL(strlen(body) > 65536);
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    sg_auth_sign((const unsigned char *)SECRET, strlen(SECRET), ts, body,
                 strlen(body), sig);
    memcpy(bad, sig, sizeof(bad));
    bad[10] = bad[10] == 'a' ? 'b' : 'a';

    CU_ASSERT_EQUAL(spool_post_signed(ts, bad, body, &answer), 401);
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "auth.bad_signature"));
    free(answer);
    CU_ASSERT_EQUAL(spool_post_signed(ts, sig, body, &answer), 202);
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "\"PO-SPS-1500\""));
    free(answer);
    /* Verified in pieces, then remembered like any signature. */
    CU_ASSERT_EQUAL(spool_post_signed(ts, sig, body, &answer), 401);
    CU_ASSERT_PTR_NOT_NULL(strstr(answer, "auth.replayed"));
    free(answer);
    free(body);
}

int
main(void)
{
    CU_pSuite s;
    char *leftover;
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl = curl_easy_init();
    tmp = sg_test_tmpdir("spool");
    sg_test_redis_start(&redis);
    sgd.dir = tmp;
    spool_write_conf();
    /* What a crashed run left in the spool was never accepted. */
    leftover = sg_xasprintf("%s/state", tmp);
    mkdir(leftover, 0700);
    free(leftover);
    leftover = sg_xasprintf("%s/state/spool", tmp);
    mkdir(leftover, 0700);
    free(sg_test_write(leftover, "upload-1-0", "ISA*half a body"));
    free(leftover);
    if (sg_td_start(&sgd) != 0) {
        return 2;
    }
    sg_test_redis_start(&signed_redis);
    spool_write_signed_conf();
    if (sg_td_start(&signed_sgd) != 0) {
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("bodies over body_limit, spooled", NULL, NULL);
    CU_add_test(s, "the previous run's spool is emptied at start",
                test_leftover_swept);
    CU_add_test(s, "1500 orders in a spooled interchange: all processed, "
                "raw kept on disk", test_spooled_interchange_accepted);
    CU_add_test(s, "the same interchange again: 409 naming the first",
                test_spooled_duplicate_refused);
    CU_add_test(s, "one broken set rejects the whole spooled interchange",
                test_spooled_bad_set_rejects_all);
    CU_add_test(s, "over spool_limit: 413", test_over_spool_limit_refused);
    CU_add_test(s, "JSON over body_limit: 413 before any spooling",
                test_not_edi_refused);
    CU_add_test(s, "three large bodies at once: all accepted, in turn",
                test_three_at_once);
    CU_add_test(s, "a signed spooled body: verified in pieces, forgery "
                "and replay refused", test_spooled_signature_checked);
    rc = sg_test_run();

    /* Both are stopped, whatever the first one's status. */
    if ((sg_td_stop(&sgd, SIGTERM) != 0) +
        (sg_td_stop(&signed_sgd, SIGTERM) != 0) > 0) {
        fprintf(stderr, "supplygated did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    sg_test_redis_stop(&redis);
    sg_test_redis_stop(&signed_redis);
    curl_easy_cleanup(curl);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", tmp);
    }
    CU_cleanup_registry();
    free(sgd.conf);
    free(signed_sgd.conf);
    free(signed_sgd.dir);
    curl_global_cleanup();
    return rc;
}
