/*
 * daemonlib.h - a real supplygated for the tests that need to kill it,
 * restart it or signal it while clients post (tests/reliability/,
 * tests/runtime/test_reload.c), and one HTTP POST through libcurl that
 * tells a refused connection from an answer that never came.
 */
#ifndef SG_DAEMONLIB_H
#define SG_DAEMONLIB_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

struct sg_td {
    char *dir;              /* scratch dir: state/, daemon.log */
    char *conf;             /* configuration file, owned */
    pid_t pid;
    atomic_int port;        /* 0 while the daemon is down */
};

/* Fork and exec supplygated -c conf, logging to <dir>/daemon.log, and
 * wait (up to 10 s) for <dir>/state/http.port.  Returns 0 or -1. */
int sg_td_start(struct sg_td *d);

/* Send sig and reap; returns the exit status, or 128 + the signal. */
int sg_td_stop(struct sg_td *d, int sig);

/* What one POST came to. */
enum sg_td_outcome {
    SG_TD_ANSWERED,         /* status is the HTTP status */
    SG_TD_REFUSED,          /* nothing listening: certainly not stored */
    SG_TD_NO_ANSWER         /* sent, then reset or timed out: maybe stored */
};

struct sg_td_reply {
    enum sg_td_outcome outcome;
    long status;
    int retry_after;        /* seconds, -1 when absent */
    char *body;             /* NUL-terminated, caller frees */
};

/*
 * POST body to http://127.0.0.1:port<path> on curl (an easy handle the
 * caller reuses), on a new connection each time, waiting at most
 * timeout_s for the answer.
 */
void sg_td_post(void *curl, int port, const char *path, const char *ctype,
                const char *body, size_t len, long timeout_s,
                struct sg_td_reply *r);

/* GET path; returns the status (0: no answer) and the body in *body
 * (caller frees, may be NULL). */
long sg_td_get(int port, const char *path, char **body);

#endif /* SG_DAEMONLIB_H */
