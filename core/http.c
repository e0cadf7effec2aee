/*
 * http.c - serve the API with libmicrohttpd.
 *
 * Life of a POST: libmicrohttpd calls sg_http_handler() once with the
 * headers, then once per chunk of body, then once with no data.  On that
 * last call the body is decoded and validated right here (CPU work, on
 * one of the pool's threads), handed to the ingest writer, and the
 * connection is suspended.  The writer's callback records whether the
 * message became durable and resumes the connection; libmicrohttpd then
 * calls the handler once more, which queues the answer.
 *
 * A body that outgrows body_limit (and stays under spool_limit) is
 * written to a file instead of memory as it arrives; on the last call a
 * thread of its own decodes it from the file and stores it
 * (gateway_spool.h), while the connection waits suspended as above.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "admin.h"
#include "auth.h"
#include "deadline.h"
#include "edi.h"
#include "ack_intake.h"
#include "gateway_spool.h"
#include "generation.h"
#include "http.h"
#include "log.h"

/* Spooled bodies decoded at once; more wait their turn, uploaded.  Each
 * takes a core for a while and bounded, but real, memory. */
#define SG_HTTP_SPOOL_JOBS 2

/* One answer for every body too large, declared or found so. */
#define SG_HTTP_TOO_LARGE "the body exceeds body_limit; only X12 and " \
    "EDIFACT interchanges may be larger, up to spool_limit (a partner " \
    "with its own body_limit: up to that)"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

struct sg_http {
    const struct sg_config *cfg;
    struct sg_gateway *gw;
    struct sg_api *api;
    struct MHD_Daemon *daemon;
    int port;
    atomic_int in_flight;
    sem_t spool_slots;          /* SG_HTTP_SPOOL_JOBS decodes at once */
    struct sg_auth *auth;
    struct sg_admin *admin;
    struct sg_deadline *deadline;   /* request_deadline watchdog */
    pthread_mutex_t log_lock;   /* guards the two below */
    long long limit_logged_ms;  /* last "connection limit" line */
    long refused_since;         /* connections refused since then */
};

/* Where one request is in its life. */
enum sg_req_state {
    SG_REQ_READING,         /* body arriving */
    SG_REQ_TOO_LARGE,       /* body over the limit: discard the rest */
    SG_REQ_SPOOLING,        /* body arriving into a spool file */
    SG_REQ_SPOOL_FAILED,    /* the spool could not be written: 503 */
    SG_REQ_REFUSED,         /* a spooled body's signature failed */
    SG_REQ_WAITING,         /* suspended until the writer answers */
    SG_REQ_STORED,          /* durable: answer with the verdict */
    SG_REQ_UNSTORED         /* Redis failed: answer 503 */
};

struct sg_req {
    struct sg_http *http;
    struct MHD_Connection *conn;
    enum sg_req_state state;
    struct sg_buf body;
    struct sg_intake *intake;
    int counted;            /* counted in in_flight until answered */
    struct sg_auth_request rq;  /* credential headers, MHD's strings */
    struct sg_auth_verdict v;   /* who, from the headers */
    size_t limit;           /* body_limit of this partner */
    long long started_ms;   /* for http request_deadline */
    struct sg_generation *gen;  /* decoded with it; held until freed,
                                   the intake points into its plugins */
    struct sg_spool_file spool; /* SG_REQ_SPOOLING: the body so far */
    struct sg_gateway gw;       /* what the spool thread decodes with */
    char plugin[128];           /* from the URL, "" when none */
};

/* --- answers ---------------------------------------------------------- */

static MHD_Result
sg_http_send(struct MHD_Connection *conn, int status, const char *type,
             const char *body, size_t len, int retry_after)
{
    struct MHD_Response *resp;
    MHD_Result rc;

    resp = MHD_create_response_from_buffer(len, (void *)body,
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (retry_after > 0) {
        char secs[16];

        snprintf(secs, sizeof(secs), "%d", retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static MHD_Result
sg_http_send_answer(struct MHD_Connection *conn, struct sg_answer *a)
{
    MHD_Result rc = sg_http_send(conn, a->status, a->content_type, a->body,
                                 a->len, a->status == 503 ? 5 : 0);

    free(a->body);
    return rc;
}

static MHD_Result
sg_http_send_error(struct MHD_Connection *conn, int status, const char *code,
                   const char *text)
{
    struct sg_answer a;

    sg_answer_error(&a, status, code, text);
    return sg_http_send_answer(conn, &a);
}

/* An authentication refusal: 401 says how to authenticate, 429 when. */
static MHD_Result
sg_http_refuse(struct MHD_Connection *conn, const struct sg_auth_verdict *v)
{
    struct MHD_Response *resp;
    struct sg_answer a;
    char secs[16];
    MHD_Result rc;

    sg_answer_error(&a, v->status, v->code, v->text);
    resp = MHD_create_response_from_buffer(a.len, a.body,
                                           MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(a.body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", a.content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (v->status == 401) {
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer "
                                "realm=\"supplygate\", SG-HMAC-SHA256 "
                                "realm=\"supplygate\"");
    }
    if (v->retry_after > 0) {
        snprintf(secs, sizeof(secs), "%d", v->retry_after);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    rc = MHD_queue_response(conn, (unsigned)v->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Judge the request's credentials for url; the verdict goes to v. */
static void
sg_http_authenticate(struct sg_http *h, struct MHD_Connection *conn,
                     int is_post, const char *url,
                     struct sg_auth_request *rq, struct sg_auth_verdict *v)
{
    rq->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    "Authorization");
    rq->partner = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                              "X-SG-Partner");
    rq->timestamp = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                "X-SG-Timestamp");
    rq->signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                "X-SG-Signature");
    sg_auth_check(h->auth, sg_auth_access_for(is_post, url), rq, v);
    if (v->status == 0 && v->signature_pending && !is_post) {
        sg_auth_check_body(h->auth, rq, "", 0, v);
    }
}

/* --- the ingest writer's callback ------------------------------------- */

static void
sg_http_stored(void *arg, int status)
{
    struct sg_req *req = arg;

    req->state = status == 0 ? SG_REQ_STORED : SG_REQ_UNSTORED;
    MHD_resume_connection(req->conn);
}

/* --- POST ------------------------------------------------------------- */

/* "/v1/messages" -> NULL plugin, "/v1/messages/x" -> "x", else 404. */
static int
sg_http_post_target(const char *url, const char **plugin)
{
    if (strcmp(url, "/v1/messages") == 0 ||
        strcmp(url, "/v1/messages/") == 0) {
        *plugin = NULL;
        return 0;
    }
    if (strncmp(url, "/v1/messages/", 13) == 0 && url[13] != '\0' &&
        strchr(url + 13, '/') == NULL) {
        *plugin = url + 13;
        return 0;
    }
    return -1;
}

static MHD_Result
sg_http_post_done(struct sg_req *req, const char *url)
{
    struct sg_http *h = req->http;
    struct sg_gateway gw = *h->gw;
    const char *plugin = NULL, *ctype;

    sg_http_post_target(url, &plugin);
    sg_auth_check_body(h->auth, &req->rq, req->body.data ? req->body.data
                       : "", req->body.len, &req->v);
    if (req->v.status != 0) {
        sg_buf_free(&req->body);
        return sg_http_refuse(req->conn, &req->v);
    }
    ctype = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_CONTENT_TYPE);
    if (gw.gens != NULL) {
        req->gen = sg_generations_acquire(gw.gens);
        gw.cfg = req->gen->cfg;
        gw.plugins = req->gen->plugins;
        gw.schemas = req->gen->schemas;
    }
    req->intake = sg_gateway_decode_as(&gw, req->v.partner, plugin, ctype,
                                       (const unsigned char *)req->body.data,
                                       req->body.len);
    sg_buf_free(&req->body);

    req->state = SG_REQ_WAITING;
    req->counted = 1;
    atomic_fetch_add(&h->in_flight, 1);
    MHD_suspend_connection(req->conn);
    if (sg_ingest_submit(h->gw->ingest, &req->intake->msg, sg_http_stored,
                         req) != 0) {
        req->state = SG_REQ_UNSTORED;
        MHD_resume_connection(req->conn);
    }
    return MHD_YES;
}

static MHD_Result
sg_http_post_answer(struct sg_req *req)
{
    struct sg_intake *in = req->intake;
    const char *ack, *type;
    size_t len;

    req->counted = 0;
    atomic_fetch_sub(&req->http->in_flight, 1);
    if (req->state == SG_REQ_UNSTORED) {
        sg_log(SG_LOG_WARN, "http", in->id, "not stored: Redis is "
               "unavailable; answered 503, the partner should retry");
        return sg_http_send_error(req->conn, 503, "redis.unavailable",
                                  "the message could not be stored; "
                                  "nothing was accepted, retry later");
    }
    /* The acknowledgement instead of the JSON when asked for. */
    sg_ack_intake_settle(in);
    ack = sg_ack_intake_body(in, MHD_lookup_connection_value(req->conn,
                             MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
                             &len, &type);
    if (ack != NULL) {
        return sg_http_send(req->conn, in->status, type, ack, len, 0);
    }
    return sg_http_send(req->conn, in->status, "application/json",
                        in->answer, strlen(in->answer), 0);
}


/* --- bodies over body_limit: spooled ---------------------------------- */

static MHD_Result sg_http_spool_refuse(struct sg_req *req);

/* The largest body this request may send: a partner's own body_limit
 * caps everything it sends; others may be spooled up to spool_limit. */
static size_t
sg_http_ceiling(const struct sg_http *h, const struct sg_req *req)
{
    if (req->v.partner != NULL && req->v.partner->body_limit > 0) {
        return req->limit;
    }
    return h->cfg->spool_limit > req->limit ? h->cfg->spool_limit
                                            : req->limit;
}

/* The body outgrew memory: move what came so far into a spool file. */
static void
sg_http_spool_start(struct sg_req *req)
{
    struct sg_http *h = req->http;
    char name[80], err[256], *dir;
    int rc;

    /* Only X12 and EDIFACT are read in pieces; anything else over
     * body_limit would be parsed whole, at many times its size. */
    if (sg_edi_sniff((const unsigned char *)req->body.data,
                     req->body.len) < 0) {
        req->state = SG_REQ_TOO_LARGE;
        sg_buf_free(&req->body);
        return;
    }
    sg_gateway_new_id(name, sizeof(name));
    memmove(name + 7, name, strlen(name) + 1);
    memcpy(name, "upload-", 7);
    dir = sg_xasprintf("%s/spool", h->cfg->state_dir);
    rc = sg_spool_create(&req->spool, dir, name, err, sizeof(err));
    free(dir);
    if (rc != 0 || sg_spool_write(&req->spool, req->body.data,
                                  req->body.len) != 0) {
        if (rc != 0) {
            sg_log(SG_LOG_ERROR, "http", NULL, "%s", err);
        } else {
            sg_spool_discard(&req->spool);
        }
        req->state = SG_REQ_SPOOL_FAILED;
    } else {
        req->state = SG_REQ_SPOOLING;
    }
    sg_buf_free(&req->body);
}

/* One chunk of a body: into memory, into the spool, or away. */
static void
sg_http_take_chunk(struct sg_req *req, const char *data, size_t size)
{
    size_t ceiling = sg_http_ceiling(req->http, req);

    if (req->state == SG_REQ_READING && req->body.len + size > req->limit) {
        if (req->body.len + size > ceiling) {
            req->state = SG_REQ_TOO_LARGE;
            sg_buf_free(&req->body);
        } else {
            sg_http_spool_start(req);
        }
    }
    switch (req->state) {
    case SG_REQ_READING:
        sg_buf_add(&req->body, data, size);
        break;
    case SG_REQ_SPOOLING:
        if (req->spool.len + size > ceiling) {
            req->state = SG_REQ_TOO_LARGE;
            sg_spool_discard(&req->spool);
        } else if (sg_spool_write(&req->spool, data, size) != 0) {
            req->state = SG_REQ_SPOOL_FAILED;
            sg_spool_discard(&req->spool);
        }
        break;
    default:
        break;              /* discarding */
    }
}

/* The spool thread: decode from the file, store, wake the connection. */
static void *
sg_http_spool_main(void *arg)
{
    struct sg_req *req = arg;
    struct sg_http *h = req->http;
    const char *ctype;

    /* Uploaded, the body waits here for its turn: a slow upload holds
     * no slot, and a third large body waits rather than fails. */
    while (sem_wait(&h->spool_slots) != 0) {
    }
    /* A signed body is verified before anything reads it, in pieces. */
    sg_auth_check_read(h->auth, &req->rq, sg_spool_read, &req->spool,
                       &req->v);
    if (req->v.status != 0) {
        sem_post(&h->spool_slots);
        sg_spool_discard(&req->spool);
        req->state = SG_REQ_REFUSED;
        MHD_resume_connection(req->conn);
        return NULL;
    }
    req->spool.read_at = 0;
    ctype = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_CONTENT_TYPE);
    req->intake = sg_gateway_decode_spooled(&req->gw, req->v.partner,
                                            req->plugin[0] ? req->plugin
                                                           : NULL,
                                            ctype, &req->spool);
    req->state = sg_gateway_store_spooled(&req->gw, req->intake) == 0 ?
                 SG_REQ_STORED : SG_REQ_UNSTORED;
    sem_post(&h->spool_slots);
    MHD_resume_connection(req->conn);
    return NULL;
}

static MHD_Result
sg_http_spool_done(struct sg_req *req, const char *url)
{
    struct sg_http *h = req->http;
    const char *plugin = NULL;
    pthread_attr_t attr;
    pthread_t t;
    int rc;

    sg_http_post_target(url, &plugin);
    snprintf(req->plugin, sizeof(req->plugin), "%s", plugin ? plugin : "");
    if (plugin != NULL && strlen(plugin) >= sizeof(req->plugin)) {
        snprintf(req->plugin, sizeof(req->plugin), "(name too long)");
    }
    if (sg_spool_seal(&req->spool) != 0) {
        sg_spool_discard(&req->spool);
        req->state = SG_REQ_SPOOL_FAILED;
        return sg_http_spool_refuse(req);
    }
    req->gw = *h->gw;
    if (req->gw.gens != NULL) {
        req->gen = sg_generations_acquire(req->gw.gens);
        req->gw.cfg = req->gen->cfg;
        req->gw.plugins = req->gen->plugins;
        req->gw.schemas = req->gen->schemas;
    }
    req->state = SG_REQ_WAITING;
    req->counted = 1;
    atomic_fetch_add(&h->in_flight, 1);
    MHD_suspend_connection(req->conn);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&t, &attr, sg_http_spool_main, req);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        sg_log(SG_LOG_ERROR, "http", NULL, "cannot start a spool thread");
        sg_spool_discard(&req->spool);
        req->state = SG_REQ_SPOOL_FAILED;
        MHD_resume_connection(req->conn);
    }
    return MHD_YES;
}

static MHD_Result
sg_http_spool_refuse(struct sg_req *req)
{
    return sg_http_send_error(req->conn, 503, "spool.unavailable", "the "
                              "body could not be spooled to disk; nothing "
                              "was accepted, retry later");
}

static MHD_Result
sg_http_post(struct sg_req *req, const char *url, const char *data,
             size_t *size)
{
    struct sg_http *h = req->http;

    if (*size > 0) {
        if (sg_now_ms() - req->started_ms > h->cfg->http_deadline * 1000LL) {
            sg_log(SG_LOG_NOTICE, "http", NULL, "a request body took more "
                   "than request_deadline (%d s): connection closed",
                   h->cfg->http_deadline);
            return MHD_NO;
        }
        /* XXX: a body over the limit is answered 413 and not stored;
         * keeping it would defeat the limit. */
        sg_http_take_chunk(req, data, *size);
        *size = 0;
        return MHD_YES;
    }
    switch (req->state) {
    case SG_REQ_READING:
        return sg_http_post_done(req, url);
    case SG_REQ_SPOOLING:
        return sg_http_spool_done(req, url);
    case SG_REQ_SPOOL_FAILED:
        return sg_http_spool_refuse(req);
    case SG_REQ_REFUSED:
        req->counted = 0;
        atomic_fetch_sub(&req->http->in_flight, 1);
        return sg_http_refuse(req->conn, &req->v);
    case SG_REQ_TOO_LARGE:
        return sg_http_send_error(req->conn, 413, "message.too_large",
                                  SG_HTTP_TOO_LARGE);
    case SG_REQ_STORED:
    case SG_REQ_UNSTORED:
        return sg_http_post_answer(req);
    case SG_REQ_WAITING:
        break;
    }
    return MHD_YES;
}

/* A declared Content-Length over the limit is refused before reading. */
static int
sg_http_declared_too_large(size_t limit, struct MHD_Connection *conn)
{
    const char *cl;

    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);

    return cl != NULL && strtoull(cl, NULL, 10) > limit;
}

/* GET and HEAD: credentials, then the admin routes or the API. */
static MHD_Result
sg_http_get(struct sg_http *h, struct MHD_Connection *conn, const char *url)
{
    struct sg_auth_request rq;
    struct sg_auth_verdict v;
    struct sg_answer a;

    sg_http_authenticate(h, conn, 0, url, &rq, &v);
    if (v.status != 0) {
        return sg_http_refuse(conn, &v);
    }
    if (sg_admin_handles(0, url)) {
        sg_admin_answer(h->admin, 0, url, &a);
    } else {
        sg_api_get(h->api, url, &a);
    }
    return sg_http_send_answer(conn, &a);
}

/* POST /v1/admin/...: answered from the headers, a body is ignored. */
static MHD_Result
sg_http_admin_post(struct sg_http *h, struct MHD_Connection *conn,
                   const char *url)
{
    struct sg_auth_request rq;
    struct sg_auth_verdict v;
    struct sg_answer a;

    sg_http_authenticate(h, conn, 1, url, &rq, &v);
    if (v.status != 0) {
        return sg_http_refuse(conn, &v);
    }
    if (!sg_admin_handles(1, url)) {
        return sg_http_send_error(conn, 404, "not_found", "no such admin "
                                  "route");
    }
    sg_admin_answer(h->admin, 1, url, &a);
    return sg_http_send_answer(conn, &a);
}

/* A new POST to /v1/messages: judge its headers, then start reading. */
static MHD_Result
sg_http_post_start(struct sg_http *h, struct MHD_Connection *conn,
                   const char *url, void **con_cls)
{
    struct sg_req *req = sg_xcalloc(1, sizeof(*req));
    size_t limit = h->cfg->body_limit;

    sg_http_authenticate(h, conn, 1, url, &req->rq, &req->v);
    if (req->v.status != 0) {
        MHD_Result rc = sg_http_refuse(conn, &req->v);

        free(req);
        return rc;
    }
    if (req->v.partner != NULL && req->v.partner->body_limit > 0) {
        limit = req->v.partner->body_limit;
    }
    req->limit = limit;
    if (sg_http_declared_too_large(sg_http_ceiling(h, req), conn)) {
        free(req);
        return sg_http_send_error(conn, 413, "message.too_large",
                                  SG_HTTP_TOO_LARGE);
    }
    req->http = h;
    req->conn = conn;
    req->limit = limit;
    req->started_ms = sg_now_ms();
    sg_buf_init(&req->body);
    *con_cls = req;
    return MHD_YES;
}

/* --- the entry point ------------------------------------------------- */

/* Tell the request_deadline watchdog a head is in (1) or answered (0). */
static void
sg_http_busy(struct sg_http *h, struct MHD_Connection *conn, int busy)
{
    const union MHD_ConnectionInfo *ci;

    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci != NULL) {
        sg_deadline_busy(h->deadline, ci->socket_context, busy);
    }
}

static MHD_Result
sg_http_handler(void *cls, struct MHD_Connection *conn, const char *url,
                const char *method, const char *version,
                const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    struct sg_http *h = cls;
    struct sg_req *req = *con_cls;
    const char *plugin;

    if (req == NULL) {
        sg_http_busy(h, conn, 1);
    }
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        return sg_http_get(h, conn, url);
    }
    if (strcmp(method, "POST") != 0) {
        return sg_http_send_error(conn, 405, "method_not_allowed",
                                  "use GET or POST");
    }
    if (req == NULL) {
        if (strncmp(url, "/v1/admin/", 10) == 0) {
            return sg_http_admin_post(h, conn, url);
        }
        if (sg_http_post_target(url, &plugin) != 0) {
            return sg_http_send_error(conn, 404, "not_found",
                                      "POST to /v1/messages or "
                                      "/v1/messages/<plugin>");
        }
        return sg_http_post_start(h, conn, url, con_cls);
    }
    return sg_http_post(req, url, upload_data, upload_data_size);
}

static void
sg_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct sg_req *req = *con_cls;

    (void)toe;
    sg_http_busy(cls, conn, 0);
    if (req == NULL) {
        return;
    }
    /* A client that hung up while we waited for Redis is never answered:
     * it must not keep the shutdown drain waiting. */
    if (req->counted) {
        atomic_fetch_sub(&req->http->in_flight, 1);
    }
    sg_buf_free(&req->body);
    if (req->spool.path != NULL) {
        sg_spool_discard(&req->spool);      /* the client hung up */
    }
    sg_intake_free(req->intake);
    sg_generation_unref(req->gen);
    free(req);
    *con_cls = NULL;
}

/*
 * libmicrohttpd refuses a connection over connection_limit or
 * per_ip_connection_limit with one line each: under a flood that is
 * thousands of lines, so say it once every 10 s with a count.
 */
static void
sg_http_limit_reached(struct sg_http *h)
{
    long long now = sg_now_ms();
    long n = 0;

    pthread_mutex_lock(&h->log_lock);
    h->refused_since++;
    if (now - h->limit_logged_ms >= 10000) {
        n = h->refused_since;
        h->refused_since = 0;
        h->limit_logged_ms = now;
    }
    pthread_mutex_unlock(&h->log_lock);
    if (n > 0) {
        sg_log(SG_LOG_WARN, "http", NULL, "connection refused: %ld over "
               "connection_limit (%d) or per_ip_connection_limit (%d) "
               "in the last 10 s", n, h->cfg->http_connection_limit,
               h->cfg->http_per_ip_limit);
    }
}

static void
sg_http_connection(void *cls, struct MHD_Connection *conn, void **ctx,
                   enum MHD_ConnectionNotificationCode toe)
{
    struct sg_http *h = cls;
    const union MHD_ConnectionInfo *ci;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        ci = MHD_get_connection_info(conn,
                                     MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci != NULL) {
            sg_deadline_opened(h->deadline, ctx, (int)ci->connect_fd);
        }
    } else {
        sg_deadline_closed(h->deadline, ctx);
    }
}

static void
sg_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') {
        line[--n] = '\0';
    }
    if (strstr(line, "connection limit") != NULL) {
        sg_http_limit_reached(cls);
        return;
    }
    sg_log(SG_LOG_INFO, "http", NULL, "%s", line);
}

static void
sg_http_free(struct sg_http *h)
{
    sg_auth_free(h->auth);
    sg_admin_free(h->admin);
    sg_deadline_stop(h->deadline);
    pthread_mutex_destroy(&h->log_lock);
    sem_destroy(&h->spool_slots);
    free(h);
}

struct sg_http *
sg_http_start(const struct sg_config *cfg, struct sg_gateway *gw,
              struct sg_api *api)
{
    struct sg_http *h = sg_xcalloc(1, sizeof(*h));
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)cfg->listen_port);
    if (inet_pton(AF_INET, cfg->listen_address, &sa.sin_addr) != 1) {
        sg_log(SG_LOG_ERROR, "http", NULL, "listen address \"%s\" is not "
               "an IPv4 address", cfg->listen_address);
        free(h);
        return NULL;
    }
    h->cfg = cfg;
    h->gw = gw;
    h->api = api;
    h->auth = sg_auth_create(cfg, gw->redis_address);
    h->admin = sg_admin_create(gw->redis_address);
    pthread_mutex_init(&h->log_lock, NULL);
    sem_init(&h->spool_slots, 0, SG_HTTP_SPOOL_JOBS);
    h->deadline = sg_deadline_start(cfg->http_deadline);
    if (h->deadline == NULL) {
        sg_log(SG_LOG_ERROR, "http", NULL, "cannot start the "
               "request_deadline thread");
        sg_http_free(h);
        return NULL;
    }
    /* The logger first: libmicrohttpd logs options read before it to
     * stderr, in its own words. */
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG,
        0, NULL, NULL, sg_http_handler, h,
        MHD_OPTION_EXTERNAL_LOGGER, sg_http_mhd_log, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http_connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http_timeout,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->http_per_ip_limit,
        MHD_OPTION_NOTIFY_COMPLETED, sg_http_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, sg_http_connection, h,
        MHD_OPTION_END);
    if (h->daemon == NULL) {
        sg_log(SG_LOG_ERROR, "http", NULL, "cannot listen on %s:%d (port "
               "in use, or not allowed?)", cfg->listen_address,
               cfg->listen_port);
        sg_http_free(h);
        return NULL;
    }
    info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info != NULL ? info->port : cfg->listen_port;
    sg_log(SG_LOG_NOTICE, "http", NULL, "listening on %s:%d",
           cfg->listen_address, h->port);
    return h;
}

int
sg_http_port(const struct sg_http *h)
{
    return h->port;
}

void
sg_http_quiesce(struct sg_http *h)
{
    MHD_socket s;

    if (h == NULL || h->daemon == NULL) {
        return;
    }
    s = MHD_quiesce_daemon(h->daemon);
    if (s != MHD_INVALID_SOCKET) {
        close(s);
    }
}

int
sg_http_in_flight(struct sg_http *h)
{
    return h != NULL ? atomic_load(&h->in_flight) : 0;
}

void
sg_http_stop(struct sg_http *h)
{
    if (h == NULL) {
        return;
    }
    MHD_stop_daemon(h->daemon);
    sg_http_free(h);
}
