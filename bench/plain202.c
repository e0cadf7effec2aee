/*
 * plain202.c - the HTTP ceiling for the benchmark: a libmicrohttpd
 * server with supplygated's threading model (internal polling thread,
 * epoll, a pool of two threads) that reads a POST body to the end and
 * answers 202 with a small JSON receipt, doing nothing else.
 *
 * What supplygated reaches against this server tells how much of its
 * cost is HTTP itself and how much is decoding, validation and Redis.
 *
 *     plain202 PORTFILE [THREADS]
 *
 * Listens on 127.0.0.1 on a free port, writes the port to PORTFILE and
 * serves until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

static volatile sig_atomic_t plain_stop;

/* Per request: only how many body bytes arrived. */
struct plain_req {
    size_t len;
};

static void
plain_on_signal(int sig)
{
    (void)sig;
    plain_stop = 1;
}

static MHD_Result
plain_answer(struct MHD_Connection *conn, size_t len)
{
    struct MHD_Response *resp;
    MHD_Result rc;
    char body[96];
    int n;

    /* Built per request, as the daemon builds its receipt. */
    n = snprintf(body, sizeof(body), "{\"status\":\"accepted\","
                 "\"bytes\":%zu}", len);
    resp = MHD_create_response_from_buffer((size_t)n, body,
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    rc = MHD_queue_response(conn, MHD_HTTP_ACCEPTED, resp);
    MHD_destroy_response(resp);
    return rc;
}

static MHD_Result
plain_handler(void *cls, struct MHD_Connection *conn, const char *url,
              const char *method, const char *version,
              const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct plain_req *req = *con_cls;

    (void)cls;
    (void)url;
    (void)version;
    (void)upload_data;
    if (req == NULL) {
        req = calloc(1, sizeof(*req));
        if (req == NULL) {
            return MHD_NO;
        }
        *con_cls = req;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0) {
        return plain_answer(conn, 0);
    }
    if (*upload_size > 0) {
        req->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    return plain_answer(conn, req->len);
}

static void
plain_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

int
main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    struct sockaddr_in sa;
    unsigned threads = 2;
    FILE *f;

    if (argc < 2) {
        fprintf(stderr, "usage: plain202 PORTFILE [THREADS]\n");
        return 2;
    }
    if (argc > 2) {
        threads = (unsigned)atoi(argv[2]);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
                         0, NULL, NULL, plain_handler, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads,
                         MHD_OPTION_CONNECTION_LIMIT, 512u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_NOTIFY_COMPLETED, plain_completed, NULL,
                         MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "plain202: cannot start the HTTP server\n");
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    f = fopen(argv[1], "w");
    if (info == NULL || f == NULL) {
        fprintf(stderr, "plain202: cannot publish the port\n");
        MHD_stop_daemon(d);
        return 1;
    }
    fprintf(f, "%u\n", (unsigned)info->port);
    fclose(f);

    signal(SIGTERM, plain_on_signal);
    signal(SIGINT, plain_on_signal);
    while (!plain_stop) {
        pause();
    }
    MHD_stop_daemon(d);
    return 0;
}
