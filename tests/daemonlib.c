/*
 * daemonlib.c - start, signal and post to a real supplygated.  See
 * daemonlib.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "daemonlib.h"
#include "testlib.h"
#include "util.h"

/* --- the daemon -------------------------------------------------------- */

static int
sg_td_read_port(const char *path)
{
    FILE *f = fopen(path, "r");
    int port = 0;

    if (f != NULL) {
        if (fscanf(f, "%d", &port) != 1) {
            port = 0;
        }
        fclose(f);
    }
    return port;
}

int
sg_td_start(struct sg_td *d)
{
    char *portfile = sg_xasprintf("%s/state/http.port", d->dir);
    char *logfile = sg_xasprintf("%s/daemon.log", d->dir);
    const char *bin = sg_test_buildpath("supplygated");
    int i, port = 0;

    unlink(portfile);
    /* The port is left as it was until the new one is known. */
    d->pid = fork();
    if (d->pid == 0) {
        FILE *log = fopen(logfile, "a");

        if (log != NULL) {
            dup2(fileno(log), 2);
        }
        execl(bin, bin, "-c", d->conf, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 200 && port == 0; i++) {
        usleep(50 * 1000);
        port = sg_td_read_port(portfile);
    }
    atomic_store(&d->port, port);
    free(portfile);
    free(logfile);
    if (port == 0) {
        fprintf(stderr, "supplygated did not start; see %s/daemon.log\n",
                d->dir);
        return -1;
    }
    return 0;
}

int
sg_td_stop(struct sg_td *d, int sig)
{
    int status = 0;

    if (d->pid <= 0) {
        return -1;
    }
    atomic_store(&d->port, 0);
    kill(d->pid, sig);
    waitpid(d->pid, &status, 0);
    d->pid = 0;
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

/* --- HTTP -------------------------------------------------------------- */

static size_t
sg_td_body(char *p, size_t size, size_t n, void *arg)
{
    sg_buf_add(arg, p, size * n);
    return size * n;
}

static size_t
sg_td_header(char *p, size_t size, size_t n, void *arg)
{
    struct sg_td_reply *r = arg;

    if (size * n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        r->retry_after = atoi(p + 12);
    }
    return size * n;
}

void
sg_td_post(void *curl, int port, const char *path, const char *ctype,
           const char *body, size_t len, long timeout_s,
           struct sg_td_reply *r)
{
    struct curl_slist *hdrs = NULL;
    struct sg_buf buf;
    char url[256], ct[128];
    CURLcode rc;

    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
    sg_buf_init(&buf);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
    hdrs = curl_slist_append(hdrs, ct);
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 2L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    /* A fresh connection each time: on a kept-alive connection that died
     * curl silently sends again on a new one, and a refusal there would
     * hide that the first copy may have been stored. */
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sg_td_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sg_td_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        r->outcome = SG_TD_ANSWERED;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    } else if (rc == CURLE_COULDNT_CONNECT) {
        r->outcome = SG_TD_REFUSED;
    } else {
        r->outcome = SG_TD_NO_ANSWER;
    }
    sg_buf_add(&buf, "", 1);
    r->body = buf.data;
    curl_slist_free_all(hdrs);
}

long
sg_td_get(int port, const char *path, char **body)
{
    CURL *curl = curl_easy_init();
    struct sg_buf buf;
    char url[512];
    long status = 0;

    sg_buf_init(&buf);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sg_td_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    sg_buf_add(&buf, "", 1);
    if (body != NULL) {
        *body = buf.data;
    } else {
        sg_buf_free(&buf);
    }
    return status;
}
