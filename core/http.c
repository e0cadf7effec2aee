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
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "generation.h"
#include "http.h"
#include "log.h"

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
};

/* Where one request is in its life. */
enum sg_req_state {
    SG_REQ_READING,         /* body arriving */
    SG_REQ_TOO_LARGE,       /* body over the limit: discard the rest */
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
    struct sg_generation *gen;  /* decoded with it; held until freed,
                                   the intake points into its plugins */
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
    ctype = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_CONTENT_TYPE);
    if (gw.gens != NULL) {
        req->gen = sg_generations_acquire(gw.gens);
        gw.cfg = req->gen->cfg;
        gw.plugins = req->gen->plugins;
        gw.schemas = req->gen->schemas;
    }
    req->intake = sg_gateway_decode(&gw, plugin, ctype,
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

    req->counted = 0;
    atomic_fetch_sub(&req->http->in_flight, 1);
    if (req->state == SG_REQ_UNSTORED) {
        sg_log(SG_LOG_WARN, "http", in->id, "not stored: Redis is "
               "unavailable; answered 503, the partner should retry");
        return sg_http_send_error(req->conn, 503, "redis.unavailable",
                                  "the message could not be stored; "
                                  "nothing was accepted, retry later");
    }
    return sg_http_send(req->conn, in->status, "application/json",
                        in->answer, strlen(in->answer), 0);
}

static MHD_Result
sg_http_post(struct sg_req *req, const char *url, const char *data,
             size_t *size)
{
    struct sg_http *h = req->http;

    if (*size > 0) {
        /* XXX: a body over the limit is answered 413 and not stored;
         * keeping it would defeat the limit. */
        if (req->state == SG_REQ_READING &&
            req->body.len + *size > h->cfg->body_limit) {
            req->state = SG_REQ_TOO_LARGE;
            sg_buf_free(&req->body);
        }
        if (req->state == SG_REQ_READING) {
            sg_buf_add(&req->body, data, *size);
        }
        *size = 0;
        return MHD_YES;
    }
    switch (req->state) {
    case SG_REQ_READING:
        return sg_http_post_done(req, url);
    case SG_REQ_TOO_LARGE:
        return sg_http_send_error(req->conn, 413, "message.too_large",
                                  "the body exceeds the configured "
                                  "body_limit");
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
sg_http_declared_too_large(struct sg_http *h, struct MHD_Connection *conn)
{
    const char *cl;

    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                     MHD_HTTP_HEADER_CONTENT_LENGTH);

    return cl != NULL && strtoull(cl, NULL, 10) > h->cfg->body_limit;
}

/* --- the entry point ------------------------------------------------- */

static MHD_Result
sg_http_handler(void *cls, struct MHD_Connection *conn, const char *url,
                const char *method, const char *version,
                const char *upload_data, size_t *upload_data_size,
                void **con_cls)
{
    struct sg_http *h = cls;
    struct sg_req *req = *con_cls;
    const char *plugin;
    struct sg_answer a;

    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        sg_api_get(h->api, url, &a);
        return sg_http_send_answer(conn, &a);
    }
    if (strcmp(method, "POST") != 0) {
        return sg_http_send_error(conn, 405, "method_not_allowed",
                                  "use GET or POST");
    }
    if (req == NULL) {
        if (sg_http_post_target(url, &plugin) != 0) {
            return sg_http_send_error(conn, 404, "not_found",
                                      "POST to /v1/messages or "
                                      "/v1/messages/<plugin>");
        }
        if (sg_http_declared_too_large(h, conn)) {
            return sg_http_send_error(conn, 413, "message.too_large",
                                      "the body exceeds the configured "
                                      "body_limit");
        }
        req = sg_xcalloc(1, sizeof(*req));
        req->http = h;
        req->conn = conn;
        sg_buf_init(&req->body);
        *con_cls = req;
        return MHD_YES;
    }
    return sg_http_post(req, url, upload_data, upload_data_size);
}

static void
sg_http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct sg_req *req = *con_cls;

    if (req == NULL) {
        return;
    }
    /* A client that hung up while we waited for Redis is never answered:
     * it must not keep the shutdown drain waiting. */
    if (req->counted) {
        atomic_fetch_sub(&req->http->in_flight, 1);
    }
    sg_buf_free(&req->body);
    sg_intake_free(req->intake);
    sg_generation_unref(req->gen);
    free(req);
    *con_cls = NULL;
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
    sg_log(SG_LOG_INFO, "http", NULL, "%s", line);
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
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG,
        0, NULL, NULL, sg_http_handler, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->http_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http_connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http_timeout,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)cfg->http_connection_limit,
        MHD_OPTION_NOTIFY_COMPLETED, sg_http_completed, h,
        MHD_OPTION_EXTERNAL_LOGGER, sg_http_mhd_log, h,
        MHD_OPTION_END);
    if (h->daemon == NULL) {
        sg_log(SG_LOG_ERROR, "http", NULL, "cannot listen on %s:%d (port "
               "in use, or not allowed?)", cfg->listen_address,
               cfg->listen_port);
        free(h);
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
    free(h);
}
