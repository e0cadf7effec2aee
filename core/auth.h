/*
 * auth.h - who is asking, and may they: API keys, HMAC signatures with
 * a replay window, per-partner rate limits, and what each route needs.
 *
 * Credentials a request may carry:
 *   Authorization: Bearer <key>   a partner's or the admin's API key,
 *                                 compared as SHA-256 in constant time
 *   X-SG-Partner: <name>          a partner with an hmac_secret_file,
 *   X-SG-Timestamp: <epoch s>     within hmac_window of our clock,
 *   X-SG-Signature: <hex>         HMAC-SHA256(secret, timestamp "." body),
 *                                 each signature accepted once (Redis
 *                                 SET NX EX, so across threads and
 *                                 restarts)
 *
 * With no partner credential configured, posts need none (the daemon
 * then listens on loopback only, config refuses anything else); reads
 * and admin routes need a credential as soon as any is configured.
 * This file knows nothing of HTTP: http.c passes the header values in
 * and turns a refusal into 401, 403, 429 or 503.
 */
#ifndef SG_AUTH_H
#define SG_AUTH_H

#include <stddef.h>

#include "config.h"

struct sg_auth;

/* What a route needs. */
enum sg_access {
    SG_ACCESS_OPEN,         /* /healthz: anybody */
    SG_ACCESS_READ,         /* business data: a partner or the admin */
    SG_ACCESS_POST,         /* posting messages: a partner */
    SG_ACCESS_ADMIN         /* /v1/plugins, /v1/admin/...: the admin */
};

/* The credential headers of one request (borrowed, may be NULL). */
struct sg_auth_request {
    const char *authorization;
    const char *partner;
    const char *timestamp;
    const char *signature;
};

/* The outcome. */
struct sg_auth_verdict {
    int status;             /* 0 admitted, else 401, 403, 429 or 503 */
    const char *code;       /* "auth.missing", ... (static) */
    char text[256];         /* for the partner: what is wrong */
    int retry_after;        /* seconds, with 429 */
    const struct sg_partner *partner;   /* who, or NULL (admin, open) */
    int admin;              /* the admin key was presented */
    int signature_pending;  /* HMAC: sg_auth_check_body() must follow */
};

/* What url needs: /healthz open, /v1/plugins and /v1/admin/... admin,
 * any other POST a partner, any other GET a reader. */
enum sg_access sg_auth_access_for(int is_post, const char *url);

/*
 * Built from the configuration (borrowed for the life of the object);
 * redis_address is where seen signatures are recorded.  Logs at notice
 * when posts are open (no partner credentials).
 */
struct sg_auth *sg_auth_create(const struct sg_config *cfg,
                               const char *redis_address);
void sg_auth_free(struct sg_auth *a);

/*
 * Judge a request from its headers for a route needing need.  An API
 * key is settled here, rate limit included; a signed request gets
 * signature_pending with its claimed partner and the timestamp already
 * checked, to be finished by sg_auth_check_body() once the body is in.
 */
void sg_auth_check(struct sg_auth *a, enum sg_access need,
                   const struct sg_auth_request *rq,
                   struct sg_auth_verdict *v);

/* Verify the signature over body, refuse a replay, take a token. */
void sg_auth_check_body(struct sg_auth *a, const struct sg_auth_request *rq,
                        const void *body, size_t len,
                        struct sg_auth_verdict *v);

/* The same for a body pulled with read() (bytes, 0 at end, -1 error),
 * as a spooled body is. */
void sg_auth_check_read(struct sg_auth *a, const struct sg_auth_request *rq,
                        long (*read)(void *, unsigned char *, size_t),
                        void *arg, struct sg_auth_verdict *v);

/* --- the primitives, for the tests ----------------------------------- */

/* 1 when SHA-256(key) equals hash, compared in constant time. */
int sg_auth_key_matches(const char *key, const unsigned char hash[32]);

/*
 * 1 when hex is HMAC-SHA256(secret, timestamp "." body) in lower or
 * upper case hex, compared in constant time.
 */
int sg_auth_signature_matches(const unsigned char *secret, size_t slen,
                              const char *timestamp, const void *body,
                              size_t len, const char *hex);

/*
 * Check a timestamp text against now (epoch s) and window (s): 0 fine,
 * -1 malformed, -2 outside the window.
 */
int sg_auth_timestamp_check(const char *timestamp, long long now,
                            int window);

/* Lowercase hex of HMAC-SHA256(secret, timestamp "." body) into out[65]. */
void sg_auth_sign(const unsigned char *secret, size_t slen,
                  const char *timestamp, const void *body, size_t len,
                  char out[65]);

#endif /* SG_AUTH_H */
