/*
 * test_auth.c - the credential checks without HTTP: key hashes, HMAC
 * signatures and timestamps, the token bucket, the partner registry as
 * read from a configuration file, and what each route lets through.
 *
 * Expected digests come from the command line, not from our code:
 *   printf %s demo-partner-key | sha256sum
 *   printf %s 1700000000.hello |
 *       openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "auth.h"
#include "config.h"
#include "partners.h"
#include "plugin.h"
#include "ratelimit.h"
#include "testlib.h"
#include "util.h"

#define KEY_HEX \
    "5f7b2ed74a9736a538a6fb5a5a1a76afdcdd0d177d7fc6e79c6b6843527d848d"
#define SECRET "0123456789abcdef0123456789abcdef"
#define SIG_HELLO \
    "8edbb8a3ba0e213508cb595950ee7425d2c0461eba1b37af7a8d1e60bcca23b5"
/* printf %s admin-key | sha256sum */
#define ADMIN_HEX \
    "69a5265506c94c77b787a7d7377b7685a0eff82e33920a71e7ee22cd6154953e"

static char *tmp;

static const struct sg_option *
sg_no_options(void *arg, const char *name, const char *path, int line,
              struct sg_errors *errs)
{
    static const struct sg_option none[] = {{SG_OPT_END}};

    (void)arg;
    (void)name;
    (void)path;
    (void)line;
    (void)errs;
    return none;
}

static struct sg_config *
load_text(const char *text, struct sg_errors *errs)
{
    char *path = sg_test_write(tmp, "auth.conf", text);
    struct sg_config *c;

    sg_errors_init(errs, 0);
    c = sg_config_load(path, sg_no_options, NULL, errs);
    free(path);
    return c;
}

/* 1 when some error's text contains part. */
static int
has_error(const struct sg_errors *errs, const char *part)
{
    size_t i;

    for (i = 0; i < errs->n; i++) {
        if (strstr(errs->items[i].text, part) != NULL) {
            return 1;
        }
    }
    return 0;
}

/* --- primitives ------------------------------------------------------ */

static void
test_key_hash(void)
{
    unsigned char hash[32];
    char bad[65];

    CU_ASSERT_EQUAL_FATAL(sg_hex_to_sha256(KEY_HEX, hash), 0);
    CU_ASSERT_TRUE(sg_auth_key_matches("demo-partner-key", hash));
    CU_ASSERT_FALSE(sg_auth_key_matches("demo-partner-kez", hash));
    CU_ASSERT_FALSE(sg_auth_key_matches("demo-partner-key ", hash));
    CU_ASSERT_FALSE(sg_auth_key_matches("", hash));
    CU_ASSERT_FALSE(sg_auth_key_matches(NULL, hash));

    CU_ASSERT_EQUAL(sg_hex_to_sha256("abc", hash), -1);
    CU_ASSERT_EQUAL(sg_hex_to_sha256(KEY_HEX "00", hash), -1);
    memcpy(bad, KEY_HEX, sizeof(bad));
    bad[10] = 'g';
    CU_ASSERT_EQUAL(sg_hex_to_sha256(bad, hash), -1);
}

static void
test_signature(void)
{
    const unsigned char *s = (const unsigned char *)SECRET;
    size_t n = strlen(SECRET);
    char sig[65], upper[65];
    size_t i;

    sg_auth_sign(s, n, "1700000000", "hello", 5, sig);
    CU_ASSERT_STRING_EQUAL(sig, SIG_HELLO);
    CU_ASSERT_TRUE(sg_auth_signature_matches(s, n, "1700000000", "hello",
                                             5, SIG_HELLO));
    for (i = 0; i < 65; i++) {
        upper[i] = (char)(sig[i] >= 'a' && sig[i] <= 'f' ? sig[i] - 32
                                                         : sig[i]);
    }
    CU_ASSERT_TRUE(sg_auth_signature_matches(s, n, "1700000000", "hello",
                                             5, upper));
    /* Another body, timestamp or secret: no match. */
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n, "1700000000", "hellp",
                                              5, SIG_HELLO));
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n, "1700000001", "hello",
                                              5, SIG_HELLO));
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n - 1, "1700000000",
                                              "hello", 5, SIG_HELLO));
    /* The separator keeps "17000000001" + "" apart from "1700000000" +
     * "1". */
    sg_auth_sign(s, n, "17000000001", "", 0, sig);
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n, "1700000000", "1", 1,
                                              sig));
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n, "1700000000", "hello",
                                              5, "not-hex"));
    CU_ASSERT_FALSE(sg_auth_signature_matches(s, n, "1700000000", "hello",
                                              5, NULL));
}

static void
test_timestamp(void)
{
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("1000", 1000, 300), 0);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("700", 1000, 300), 0);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("699", 1000, 300), -2);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("1300", 1000, 300), 0);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("1301", 1000, 300), -2);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("1000.5", 1000, 300), -1);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("-1000", 1000, 300), -1);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("", 1000, 300), -1);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check(NULL, 1000, 300), -1);
    CU_ASSERT_EQUAL(sg_auth_timestamp_check("99999999999999", 1000, 300),
                    -1);
}

static void
test_token_bucket(void)
{
    struct sg_ratelimit *rl = sg_ratelimit_create(2);
    int retry = 0;

    /* 2 per second, burst 2: two pass, the third waits a second. */
    CU_ASSERT_TRUE(sg_ratelimit_take(rl, 0, 2, 2, 10000, &retry));
    CU_ASSERT_TRUE(sg_ratelimit_take(rl, 0, 2, 2, 10000, &retry));
    CU_ASSERT_FALSE(sg_ratelimit_take(rl, 0, 2, 2, 10000, &retry));
    CU_ASSERT_EQUAL(retry, 1);
    /* Another partner's bucket is its own. */
    CU_ASSERT_TRUE(sg_ratelimit_take(rl, 1, 2, 2, 10000, &retry));
    /* Half a second refills one token, not two. */
    CU_ASSERT_TRUE(sg_ratelimit_take(rl, 0, 2, 2, 10500, &retry));
    CU_ASSERT_FALSE(sg_ratelimit_take(rl, 0, 2, 2, 10500, &retry));
    /* Rate 0 is no limit. */
    CU_ASSERT_TRUE(sg_ratelimit_take(rl, 0, 0, 0, 10500, &retry));
    sg_ratelimit_free(rl);
}

/* --- the registry ------------------------------------------------------ */

static const char *
conf_with(const char *address, const char *partners)
{
    static char text[4096];

    snprintf(text, sizeof(text),
             "http {\n address = \"%s\"\n}\n%s\n"
             "admin {\n api_key_sha256 = \"" ADMIN_HEX "\"\n}\n",
             address, partners);
    return text;
}

static void
test_registry(void)
{
    struct sg_errors errs;
    struct sg_config *c;
    const struct sg_partner *p;
    char *secret = sg_test_write(tmp, "acme.key", SECRET "\n");

    c = load_text(conf_with("127.0.0.1",
        "partner \"ACME\" {\n"
        " ids = {\"ZZ:ACMEPARTS\", \"5412345000013\"}\n"
        " api_key_sha256 = \"" KEY_HEX "\"\n"
        " hmac_secret_file = \"acme.key\"\n"
        " rate_limit = 5\n body_limit = 1000\n}\n"
        "partner \"OTHER\" {\n ids = {\"ZZ:OTHER\"}\n}\n"), &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->n_partners, 2);
    p = sg_partner_find(c, "ACME");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_TRUE(p->has_key);
    /* The newline of the file is not part of the secret. */
    CU_ASSERT_EQUAL(p->hmac_secret_len, strlen(SECRET));
    CU_ASSERT_EQUAL(p->rate_limit, 5);
    CU_ASSERT_EQUAL(p->burst, 5);
    CU_ASSERT_EQUAL(p->body_limit, 1000);
    CU_ASSERT_EQUAL(c->hmac_window, 300);
    CU_ASSERT_EQUAL(c->http_per_ip_limit, 64);
    CU_ASSERT_TRUE(c->has_admin_key);
    CU_ASSERT_TRUE(sg_partners_have_credentials(c));

    CU_ASSERT_TRUE(sg_partner_owns(p, "ZZ:ACMEPARTS"));
    CU_ASSERT_FALSE(sg_partner_owns(p, "01:ACMEPARTS"));
    CU_ASSERT_FALSE(sg_partner_owns(p, "ACMEPARTS"));
    /* A bare id matches under any qualifier. */
    CU_ASSERT_TRUE(sg_partner_owns(p, "14:5412345000013"));
    CU_ASSERT_TRUE(sg_partner_owns(p, "5412345000013"));
    CU_ASSERT_FALSE(sg_partner_owns(p, "ZZ:OTHER"));
    CU_ASSERT_FALSE(sg_partner_owns(p, NULL));
    sg_config_free(c);
    sg_errors_free(&errs);
    free(secret);
}

static void
test_registry_mistakes(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    /* Beyond loopback without any partner credential: refused. */
    c = load_text(conf_with("0.0.0.0", "partner \"A\" {\n ids = {\"ZZ:A\"}"
                            "\n}\n"), &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(has_error(&errs, "beyond loopback"));
    sg_errors_free(&errs);

    /* The same with a key is fine. */
    c = load_text(conf_with("0.0.0.0", "partner \"A\" {\n ids = {\"ZZ:A\"}"
                            "\n api_key_sha256 = \"" KEY_HEX "\"\n}\n"),
                  &errs);
    CU_ASSERT_PTR_NOT_NULL(c);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = load_text(conf_with("127.0.0.1", "partner \"A\" {\n ids = "
                            "{\"ZZ:A\"}\n api_key_sha256 = \"abc\"\n}\n"),
                  &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(has_error(&errs, "64 hex digits"));
    /* libconfuse gives a section the line where it closes. */
    CU_ASSERT_TRUE(has_error(&errs, "auth.conf:7: partner \"A\""));
    sg_errors_free(&errs);

    c = load_text(conf_with("127.0.0.1", "partner \"A\" {\n ids = "
                            "{\"ZZ:A\"}\n}\npartner \"B\" {\n ids = "
                            "{\"ZZ:A\"}\n}\n"), &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(has_error(&errs, "id \"ZZ:A\" is listed by partners "
                             "\"A\" and \"B\""));
    sg_errors_free(&errs);

    c = load_text(conf_with("127.0.0.1", "partner \"A\" {\n ids = "
                            "{\"ZZ:A\"}\n hmac_secret_file = \"nope\"\n}"
                            "\n"), &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(has_error(&errs, "hmac_secret_file"));
    CU_ASSERT_TRUE(has_error(&errs, "No such file"));
    sg_errors_free(&errs);

    c = load_text(conf_with("127.0.0.1", "partner \"A\" {\n}\n"), &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(has_error(&errs, "lists no ids"));
    sg_errors_free(&errs);
}

/* --- routes ------------------------------------------------------------ */

static void
check(struct sg_auth *a, enum sg_access need, const char *authz,
      struct sg_auth_verdict *v)
{
    struct sg_auth_request rq = {authz, NULL, NULL, NULL};

    sg_auth_check(a, need, &rq, v);
}

static void
test_routes(void)
{
    struct sg_errors errs;
    struct sg_config *c;
    struct sg_auth *a;
    struct sg_auth_verdict v;
    struct sg_auth_request rq;
    char ts[32], sig[65];

    free(sg_test_write(tmp, "acme.key", SECRET));
    c = load_text(conf_with("127.0.0.1",
        "partner \"ACME\" {\n ids = {\"ZZ:ACMEPARTS\"}\n"
        " api_key_sha256 = \"" KEY_HEX "\"\n"
        " hmac_secret_file = \"acme.key\"\n}\n"), &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    /* Nothing here reaches Redis: no signature is accepted. */
    a = sg_auth_create(c, "unix:/nonexistent");

    CU_ASSERT_EQUAL(sg_auth_access_for(0, "/healthz"), SG_ACCESS_OPEN);
    CU_ASSERT_EQUAL(sg_auth_access_for(0, "/v1/plugins"), SG_ACCESS_ADMIN);
    CU_ASSERT_EQUAL(sg_auth_access_for(1, "/v1/admin/reload"),
                    SG_ACCESS_ADMIN);
    CU_ASSERT_EQUAL(sg_auth_access_for(1, "/v1/messages"), SG_ACCESS_POST);
    CU_ASSERT_EQUAL(sg_auth_access_for(0, "/v1/orders/X"), SG_ACCESS_READ);

    check(a, SG_ACCESS_OPEN, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    check(a, SG_ACCESS_POST, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.missing");
    check(a, SG_ACCESS_READ, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    check(a, SG_ACCESS_POST, "Bearer wrong", &v);
    CU_ASSERT_EQUAL(v.status, 401);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.invalid_key");
    check(a, SG_ACCESS_POST, "Basic ZGVtbw==", &v);
    CU_ASSERT_EQUAL(v.status, 401);
    check(a, SG_ACCESS_POST, "Bearer demo-partner-key", &v);
    CU_ASSERT_EQUAL(v.status, 0);
    CU_ASSERT_PTR_EQUAL(v.partner, sg_partner_find(c, "ACME"));
    CU_ASSERT_FALSE(v.admin);
    check(a, SG_ACCESS_READ, "Bearer demo-partner-key", &v);
    CU_ASSERT_EQUAL(v.status, 0);
    check(a, SG_ACCESS_ADMIN, "Bearer demo-partner-key", &v);
    CU_ASSERT_EQUAL(v.status, 403);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.forbidden");
    check(a, SG_ACCESS_ADMIN, "Bearer admin-key", &v);
    CU_ASSERT_EQUAL(v.status, 0);
    CU_ASSERT_TRUE(v.admin);
    check(a, SG_ACCESS_POST, "Bearer admin-key", &v);
    CU_ASSERT_EQUAL(v.status, 403);

    /* Signed: the headers pass with a fresh timestamp, the body decides. */
    snprintf(ts, sizeof(ts), "%lld", sg_now_ms() / 1000);
    memset(&rq, 0, sizeof(rq));
    rq.partner = "ACME";
    rq.timestamp = ts;
    rq.signature = SIG_HELLO;
    sg_auth_check(a, SG_ACCESS_POST, &rq, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    CU_ASSERT_TRUE(v.signature_pending);
    sg_auth_check_body(a, &rq, "hello", 5, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.bad_signature");
    CU_ASSERT_PTR_NULL(v.partner);
    /* Good signature, but Redis is away: refused, not let through. */
    sg_auth_sign((const unsigned char *)SECRET, strlen(SECRET), ts, "x", 1,
                 sig);
    rq.signature = sig;
    sg_auth_check(a, SG_ACCESS_POST, &rq, &v);
    sg_auth_check_body(a, &rq, "x", 1, &v);
    CU_ASSERT_EQUAL(v.status, 503);

    rq.timestamp = "1000000000";
    sg_auth_check(a, SG_ACCESS_POST, &rq, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.stale_timestamp");
    rq.timestamp = ts;
    rq.partner = "NOBODY";
    sg_auth_check(a, SG_ACCESS_POST, &rq, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    CU_ASSERT_STRING_EQUAL(v.code, "auth.unknown_partner");

    sg_auth_free(a);
    sg_config_free(c);
    sg_errors_free(&errs);
}

/* Without partner credentials posts are open, reads follow the admin. */
static void
test_open_mode(void)
{
    struct sg_errors errs;
    struct sg_config *c;
    struct sg_auth *a;
    struct sg_auth_verdict v;

    c = load_text("partner \"A\" {\n ids = {\"ZZ:A\"}\n}\n", &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    a = sg_auth_create(c, "unix:/nonexistent");
    check(a, SG_ACCESS_POST, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    CU_ASSERT_PTR_NULL(v.partner);
    check(a, SG_ACCESS_READ, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    check(a, SG_ACCESS_ADMIN, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    /* A key that is presented must still be right. */
    check(a, SG_ACCESS_POST, "Bearer guess", &v);
    CU_ASSERT_EQUAL(v.status, 401);
    sg_auth_free(a);
    sg_config_free(c);
    sg_errors_free(&errs);

    /* With only an admin key, posts stay open but reads need a key. */
    c = load_text(conf_with("127.0.0.1", ""), &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    a = sg_auth_create(c, "unix:/nonexistent");
    check(a, SG_ACCESS_POST, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 0);
    check(a, SG_ACCESS_READ, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    check(a, SG_ACCESS_ADMIN, NULL, &v);
    CU_ASSERT_EQUAL(v.status, 401);
    sg_auth_free(a);
    sg_config_free(c);
    sg_errors_free(&errs);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    tmp = sg_test_tmpdir("auth");
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("auth", NULL, NULL);
    CU_add_test(s, "API key hashes", test_key_hash);
    CU_add_test(s, "HMAC signatures", test_signature);
    CU_add_test(s, "timestamp window", test_timestamp);
    CU_add_test(s, "token bucket", test_token_bucket);
    CU_add_test(s, "partner registry", test_registry);
    CU_add_test(s, "registry mistakes", test_registry_mistakes);
    CU_add_test(s, "what each route lets through", test_routes);
    CU_add_test(s, "open mode on loopback", test_open_mode);
    rc = sg_test_run();
    sg_test_rmdir(tmp);
    free(tmp);
    return rc;
}
