/*
 * auth.c - authenticate and authorise one request (see auth.h).
 *
 * Sits in front of everything http.c does with a request: the headers
 * are judged before a byte of body is read, a signature once the body
 * is complete, and only then does the gateway decode.  Every secret
 * comparison is constant-time (CRYPTO_memcmp), every refusal says what
 * is wrong without saying which part of a secret was close.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "keys.h"
#include "log.h"
#include "partners.h"
#include "pool.h"
#include "ratelimit.h"

struct sg_auth {
    const struct sg_config *cfg;
    int posts_open;         /* no partner credential: posts need none */
    int any_credential;     /* a partner or the admin has one */
    struct sg_pool *pool;
    struct sg_ratelimit *rl;
};

/* --- primitives -------------------------------------------------------- */

int
sg_auth_key_matches(const char *key, const unsigned char hash[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (key == NULL ||
        EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != 32) {
        return 0;
    }
    return CRYPTO_memcmp(md, hash, 32) == 0;
}

/* A reader over a buffer in memory, for sg_auth_hmac_read(). */
struct sg_auth_mem {
    const unsigned char *p;
    size_t left;
};

static long
sg_auth_mem_read(void *arg, unsigned char *buf, size_t n)
{
    struct sg_auth_mem *m = arg;

    if (n > m->left) {
        n = m->left;
    }
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (long)n;
}

/*
 * HMAC-SHA256(secret, timestamp "." body) into out[32], the body pulled
 * from read() until it returns 0, so that a spooled body of any size is
 * signed in 64 KB pieces.  0 or -1.
 */
static int
sg_auth_hmac_read(const unsigned char *secret, size_t slen,
                  const char *timestamp,
                  long (*read)(void *, unsigned char *, size_t), void *arg,
                  unsigned char out[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    unsigned char *buf = sg_xmalloc(65536);
    size_t outlen = 0;
    long got = -1;
    int rc = -1;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (ctx != NULL && EVP_MAC_init(ctx, secret, slen, params) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)timestamp,
                       strlen(timestamp)) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1) {
        while ((got = read(arg, buf, 65536)) > 0 &&
               EVP_MAC_update(ctx, buf, (size_t)got) == 1) {
        }
    }
    if (got == 0 && EVP_MAC_final(ctx, out, &outlen, 32) == 1 &&
        outlen == 32) {
        rc = 0;
    }
    free(buf);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return rc;
}

static int
sg_auth_hmac(const unsigned char *secret, size_t slen,
             const char *timestamp, const void *body, size_t len,
             unsigned char out[32])
{
    struct sg_auth_mem m = {body, len};

    return sg_auth_hmac_read(secret, slen, timestamp, sg_auth_mem_read, &m,
                             out);
}

void
sg_auth_sign(const unsigned char *secret, size_t slen,
             const char *timestamp, const void *body, size_t len,
             char out[65])
{
    unsigned char md[32];
    size_t i;

    out[0] = '\0';
    if (sg_auth_hmac(secret, slen, timestamp, body, len, md) != 0) {
        return;
    }
    for (i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

int
sg_auth_signature_matches(const unsigned char *secret, size_t slen,
                          const char *timestamp, const void *body,
                          size_t len, const char *hex)
{
    unsigned char want[32], got[32];

    if (sg_hex_to_sha256(hex, got) != 0 ||
        sg_auth_hmac(secret, slen, timestamp, body, len, want) != 0) {
        return 0;
    }
    return CRYPTO_memcmp(want, got, 32) == 0;
}

int
sg_auth_timestamp_check(const char *timestamp, long long now, int window)
{
    long long t;
    size_t n;

    n = timestamp != NULL ? strlen(timestamp) : 0;
    if (n == 0 || n > 12 || strspn(timestamp, "0123456789") != n) {
        return -1;
    }
    t = strtoll(timestamp, NULL, 10);
    if (t < now - window || t > now + window) {
        return -2;
    }
    return 0;
}

enum sg_access
sg_auth_access_for(int is_post, const char *url)
{
    if (strcmp(url, "/healthz") == 0) {
        return SG_ACCESS_OPEN;
    }
    if (strcmp(url, "/v1/plugins") == 0 ||
        strncmp(url, "/v1/admin/", 10) == 0) {
        return SG_ACCESS_ADMIN;
    }
    return is_post ? SG_ACCESS_POST : SG_ACCESS_READ;
}

/* --- the object ------------------------------------------------------ */

/*
 * XXX: built once at start from cfg; a configuration reload (SIGHUP)
 * must build a new one, or new keys and partners take effect only
 * after a restart.
 */
struct sg_auth *
sg_auth_create(const struct sg_config *cfg, const char *redis_address)
{
    struct sg_auth *a = sg_xcalloc(1, sizeof(*a));

    a->cfg = cfg;
    a->posts_open = !sg_partners_have_credentials(cfg);
    a->any_credential = !a->posts_open || cfg->has_admin_key;
    a->pool = sg_pool_create(redis_address);
    a->rl = sg_ratelimit_create(cfg->n_partners);
    if (a->posts_open) {
        sg_log(SG_LOG_NOTICE, "auth", NULL, "no partner has credentials: "
               "posts are accepted unauthenticated on %s (loopback "
               "only); add api_key_sha256 or hmac_secret_file to partner "
               "sections before opening the listener",
               cfg->listen_address);
    }
    return a;
}

void
sg_auth_free(struct sg_auth *a)
{
    if (a == NULL) {
        return;
    }
    sg_pool_free(a->pool);
    sg_ratelimit_free(a->rl);
    free(a);
}

/* --- verdicts ----------------------------------------------------------- */

static void
sg_auth_refuse(struct sg_auth_verdict *v, int status, const char *code,
               const char *text)
{
    v->status = status;
    v->code = code;
    snprintf(v->text, sizeof(v->text), "%s", text);
}

/* The bearer key's owner: a partner, the admin, or neither (0). */
static int
sg_auth_by_key(struct sg_auth *a, const char *authorization,
               struct sg_auth_verdict *v)
{
    const char *key;
    size_t i;
    int found = 0;

    if (strncasecmp(authorization, "Bearer ", 7) != 0) {
        return 0;
    }
    key = authorization + 7;
    while (*key == ' ') {
        key++;
    }
    /* Every hash is compared, so the time taken does not tell which. */
    for (i = 0; i < a->cfg->n_partners; i++) {
        const struct sg_partner *p = &a->cfg->partners[i];

        if (p->has_key && sg_auth_key_matches(key, p->key_hash) &&
            !found) {
            v->partner = p;
            found = 1;
        }
    }
    if (a->cfg->has_admin_key &&
        sg_auth_key_matches(key, a->cfg->admin_key_hash) && !found) {
        v->admin = 1;
        found = 1;
    }
    return found;
}

/* Headers of a signed request: the partner and a fresh timestamp. */
static void
sg_auth_by_signature(struct sg_auth *a, const struct sg_auth_request *rq,
                     struct sg_auth_verdict *v)
{
    const struct sg_partner *p = sg_partner_find(a->cfg, rq->partner);
    int t;

    if (p == NULL || p->hmac_secret_len == 0) {
        sg_auth_refuse(v, 401, "auth.unknown_partner", "X-SG-Partner does "
                       "not name a partner with a signing secret");
        return;
    }
    t = sg_auth_timestamp_check(rq->timestamp, (long long)time(NULL),
                                a->cfg->hmac_window);
    if (t == -1) {
        sg_auth_refuse(v, 401, "auth.bad_timestamp", "X-SG-Timestamp must "
                       "be the signing time in whole seconds since 1970");
        return;
    }
    if (t == -2) {
        snprintf(v->text, sizeof(v->text), "X-SG-Timestamp is more than "
                 "%d s away from the gateway's clock; sign again with "
                 "the current time", a->cfg->hmac_window);
        v->status = 401;
        v->code = "auth.stale_timestamp";
        return;
    }
    v->partner = p;
    v->signature_pending = 1;
}

static void
sg_auth_take_token(struct sg_auth *a, struct sg_auth_verdict *v)
{
    const struct sg_partner *p = v->partner;

    if (p == NULL || v->status != 0 ||
        sg_ratelimit_take(a->rl, (size_t)(p - a->cfg->partners),
                          p->rate_limit, p->burst, sg_now_ms(),
                          &v->retry_after)) {
        return;
    }
    snprintf(v->text, sizeof(v->text), "partner %s is over its rate limit "
             "of %d requests per second; retry after %d s", p->name,
             p->rate_limit, v->retry_after);
    v->status = 429;
    v->code = "auth.rate_limited";
    sg_log(SG_LOG_NOTICE, "auth", NULL, "partner %s over rate_limit %d/s: "
           "answered 429", p->name, p->rate_limit);
}

/* Is who (already authenticated) allowed on a route needing need? */
/*
 * XXX: reads are not scoped to the partner: any partner's credential
 * reads every message and order (GET /v1/messages/<id>,
 * /v1/orders/<n>); ids are hard to guess, but not secret.
 */
static void
sg_auth_authorise(struct sg_auth *a, enum sg_access need,
                  struct sg_auth_verdict *v)
{
    (void)a;
    if (need == SG_ACCESS_ADMIN && !v->admin) {
        sg_auth_refuse(v, 403, "auth.forbidden", "this route needs the "
                       "admin credential; a partner credential is not "
                       "enough");
    } else if (need == SG_ACCESS_POST && v->admin) {
        sg_auth_refuse(v, 403, "auth.forbidden", "the admin credential "
                       "cannot post messages; use a partner's");
    }
}

/* May a request without credentials pass? */
static int
sg_auth_open_for(struct sg_auth *a, enum sg_access need)
{
    switch (need) {
    case SG_ACCESS_OPEN:
        return 1;
    case SG_ACCESS_POST:
        return a->posts_open;
    case SG_ACCESS_READ:
    case SG_ACCESS_ADMIN:
        return !a->any_credential;
    }
    return 0;
}

void
sg_auth_check(struct sg_auth *a, enum sg_access need,
              const struct sg_auth_request *rq, struct sg_auth_verdict *v)
{
    memset(v, 0, sizeof(*v));
    if (need == SG_ACCESS_OPEN) {
        return;
    }
    if (rq->authorization != NULL) {
        if (!sg_auth_by_key(a, rq->authorization, v)) {
            sg_auth_refuse(v, 401, "auth.invalid_key", "the credential in "
                           "Authorization is not known here");
            return;
        }
    } else if (rq->signature != NULL) {
        sg_auth_by_signature(a, rq, v);
        if (v->status != 0) {
            return;
        }
    } else if (sg_auth_open_for(a, need)) {
        return;
    } else {
        sg_auth_refuse(v, 401, "auth.missing", "this route needs a "
                       "credential: Authorization: Bearer <key>, or "
                       "X-SG-Partner, X-SG-Timestamp and X-SG-Signature");
        return;
    }
    sg_auth_authorise(a, need, v);
    if (!v->signature_pending) {
        sg_auth_take_token(a, v);
    }
}

/* Record sig as seen for twice the window.  1 fresh, 0 seen, -1 error. */
static int
sg_auth_first_use(struct sg_auth *a, const char *sig, const char *who)
{
    redisContext *c = sg_pool_borrow(a->pool, "auth");
    redisReply *r;
    char key[160];
    size_t i;
    int rc = -1;

    if (c == NULL) {
        return -1;
    }
    snprintf(key, sizeof(key), "%s%.64s", SG_KEY_SEEN, sig);
    for (i = strlen(SG_KEY_SEEN); key[i] != '\0'; i++) {
        key[i] = (char)tolower((unsigned char)key[i]);
    }
    r = redisCommand(c, "SET %s %s NX EX %d", key, who,
                     2 * a->cfg->hmac_window);
    if (r != NULL && r->type == REDIS_REPLY_STATUS) {
        rc = 1;
    } else if (r != NULL && r->type == REDIS_REPLY_NIL) {
        rc = 0;
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    sg_pool_return(a->pool, c);
    return rc;
}

void
sg_auth_check_body(struct sg_auth *a, const struct sg_auth_request *rq,
                   const void *body, size_t len, struct sg_auth_verdict *v)
{
    struct sg_auth_mem m = {body, len};

    sg_auth_check_read(a, rq, sg_auth_mem_read, &m, v);
}

void
sg_auth_check_read(struct sg_auth *a, const struct sg_auth_request *rq,
                   long (*read)(void *, unsigned char *, size_t), void *arg,
                   struct sg_auth_verdict *v)
{
    const struct sg_partner *p = v->partner;
    unsigned char want[32], got[32];
    int fresh;

    if (!v->signature_pending || v->status != 0) {
        return;
    }
    v->signature_pending = 0;
    if (sg_hex_to_sha256(rq->signature, got) != 0 ||
        sg_auth_hmac_read(p->hmac_secret, p->hmac_secret_len,
                          rq->timestamp, read, arg, want) != 0 ||
        CRYPTO_memcmp(want, got, 32) != 0) {
        sg_auth_refuse(v, 401, "auth.bad_signature", "X-SG-Signature is "
                       "not the HMAC-SHA256 of timestamp \".\" body with "
                       "this partner's secret");
        v->partner = NULL;
        return;
    }
    fresh = sg_auth_first_use(a, rq->signature, p->name);
    if (fresh == 0) {
        sg_auth_refuse(v, 401, "auth.replayed", "this signature was "
                       "already used; every request needs its own "
                       "timestamp and signature");
        sg_log(SG_LOG_NOTICE, "auth", NULL, "partner %s: replayed "
               "signature refused", p->name);
        return;
    }
    if (fresh < 0) {
        sg_auth_refuse(v, 503, "redis.unavailable", "the signature could "
                       "not be checked against replays; retry later");
        v->retry_after = 5;
        return;
    }
    sg_auth_take_token(a, v);
}
