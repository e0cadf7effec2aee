/*
 * test_embedded.c - the daemon's own redis-server: started by the
 * daemon, started again when it dies, its data kept.
 *
 * The daemon runs with no Redis address, so it starts redis-server on a
 * unix socket in its state directory.  The test posts an order, kills
 * that redis-server with SIGKILL, and expects the daemon to notice,
 * start it again on the same AOF, answer /healthz 200 again, accept a
 * second order, and still hold the first one.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>

#include "daemonlib.h"
#include "testlib.h"
#include "util.h"

static struct sg_td sgd;

/* The first 850 of examples/03 with its numbers changed to n. */
static char *
emb_850(int n)
{
    return sg_xasprintf(
        "ISA*00*          *00*          *ZZ*ACMEPARTS      *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*%09d*0*P*>~"
        "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*%d*X*004010~"
        "ST*850*0001~BEG*00*SA*PO-EMB-%d**20261204~"
        "N1*SU*Acme*92*ACME~PO1*1*2*EA*10**BP*ITEM-1~CTT*1~"
        "SE*6*0001~GE*1*%d~IEA*1*%09d~", n, n, n, n, n);
}

static long
emb_post(int n)
{
    CURL *curl = curl_easy_init();
    char *body = emb_850(n);
    struct sg_td_reply r;

    sg_td_post(curl, atomic_load(&sgd.port), "/v1/messages",
               "application/EDI-X12", body, strlen(body), 10, &r);
    free(body);
    free(r.body);
    curl_easy_cleanup(curl);
    return r.outcome == SG_TD_ANSWERED ? r.status : -1;
}

/* GET path until it answers want, for at most seconds. */
static int
emb_wait(const char *path, long want, int seconds)
{
    char *body = NULL;
    int i;

    for (i = 0; i < seconds * 10; i++) {
        long st = sg_td_get(atomic_load(&sgd.port), path, &body);

        free(body);
        body = NULL;
        if (st == want) {
            return 1;
        }
        usleep(100 * 1000);
    }
    return 0;
}

/* The pid the daemon logged for its redis-server, the last one. */
static pid_t
emb_redis_pid(void)
{
    char *path = sg_xasprintf("%s/daemon.log", sgd.dir), line[1024];
    FILE *f = fopen(path, "r");
    const char *p;
    pid_t pid = 0;

    free(path);
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if ((p = strstr(line, "redis-server pid ")) != NULL) {
            pid = (pid_t)atoi(p + strlen("redis-server pid "));
        } else if ((p = strstr(line, "running again, pid ")) != NULL) {
            pid = (pid_t)atoi(p + strlen("running again, pid "));
        }
    }
    fclose(f);
    return pid;
}

static void
test_redis_killed_and_revived(void)
{
    pid_t first, second;
    long status = 0;
    int i;

    CU_ASSERT_EQUAL_FATAL(sg_td_start(&sgd), 0);
    CU_ASSERT_EQUAL(emb_post(1), 202);
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-1", 200, 10));
    first = emb_redis_pid();
    CU_ASSERT_TRUE_FATAL(first > 0);

    CU_ASSERT_EQUAL(kill(first, SIGKILL), 0);
    /* Started again by the daemon, on its own. */
    for (i = 0, second = first; i < 150 && second == first; i++) {
        usleep(100 * 1000);
        second = emb_redis_pid();
    }
    CU_ASSERT_TRUE(second > 0 && second != first);
    CU_ASSERT_EQUAL(kill(first, 0), -1);    /* reaped, no zombie */
    CU_ASSERT_EQUAL(kill(second, 0), 0);

    /* The first order came back from the AOF; new ones are taken once
     * the writer has reconnected (a partner retries a 503 meanwhile). */
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-1", 200, 5));
    for (i = 0; i < 50 && (status = emb_post(2)) == 503; i++) {
        usleep(100 * 1000);
    }
    CU_ASSERT_EQUAL(status, 202);
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-2", 200, 10));
    CU_ASSERT_EQUAL(sg_td_stop(&sgd, SIGTERM), 0);
}

/* 1 when pid is gone or a zombie: no longer running. */
static int
emb_gone(pid_t pid)
{
    char path[64], state = '?';
    FILE *f;
    int n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return 1;
    }
    n = fscanf(f, "%*d %*s %c", &state);
    fclose(f);
    return n == 1 && (state == 'Z' || state == 'X');
}

/* Run a second supplygated on the same configuration; its exit status
 * (-1: still running after 10 s, then killed), its stderr in *log. */
static int
emb_second_daemon(char **log)
{
    char *path = sg_xasprintf("%s/second.log", sgd.dir);
    const char *bin = sg_test_buildpath("supplygated");
    size_t len = 0;
    pid_t pid;
    int status, i;

    pid = fork();
    if (pid == 0) {
        FILE *f = fopen(path, "w");

        if (f != NULL) {
            dup2(fileno(f), 2);
        }
        execl(bin, bin, "-c", sgd.conf, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            *log = (char *)sg_test_read(path, &len);
            free(path);
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        }
        usleep(100 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    *log = (char *)sg_test_read(path, &len);
    free(path);
    return -1;
}

static void
test_daemon_killed_takes_redis_along(void)
{
    char *log = NULL;
    pid_t redis;
    int i, rc;

    CU_ASSERT_EQUAL_FATAL(sg_td_start(&sgd), 0);
    CU_ASSERT_EQUAL(emb_post(3), 202);
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-3", 200, 10));
    redis = emb_redis_pid();
    CU_ASSERT_TRUE_FATAL(redis > 0);

    /* A second daemon on the same state_dir must not start a second
     * redis-server on the same AOF. */
    rc = emb_second_daemon(&log);
    CU_ASSERT_NOT_EQUAL(rc, 0);
    CU_ASSERT_NOT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NOT_NULL(log != NULL ? strstr(log, "already locked")
                                       : NULL);
    free(log);
    CU_ASSERT_FALSE(emb_gone(redis));
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-3", 200, 2));

    /* SIGKILL leaves no cleanup to the daemon: Redis stops by itself. */
    CU_ASSERT_EQUAL(sg_td_stop(&sgd, SIGKILL), 128 + SIGKILL);
    for (i = 0; i < 100 && !emb_gone(redis); i++) {
        usleep(100 * 1000);
    }
    CU_ASSERT_TRUE(emb_gone(redis));

    /* And the next daemon starts, with the order kept in the AOF. */
    CU_ASSERT_EQUAL_FATAL(sg_td_start(&sgd), 0);
    CU_ASSERT_TRUE(emb_wait("/v1/orders/PO-EMB-3", 200, 10));
    CU_ASSERT_EQUAL(sg_td_stop(&sgd, SIGTERM), 0);
}

/* Start supplygated on sgd's configuration, stderr to dir/name. */
static pid_t
emb_spawn(const char *name)
{
    char *path = sg_xasprintf("%s/%s", sgd.dir, name);
    const char *bin = sg_test_buildpath("supplygated");
    pid_t pid = fork();

    if (pid == 0) {
        FILE *f = fopen(path, "w");

        if (f != NULL) {
            dup2(fileno(f), 2);
        }
        execl(bin, bin, "-c", sgd.conf, (char *)NULL);
        _exit(127);
    }
    free(path);
    return pid;
}

/* Two daemons started at the same moment on one state_dir: one runs,
 * the other stops at the lock before it starts any redis-server. */
static void
test_two_at_once(void)
{
    pid_t a = emb_spawn("a.log"), b = emb_spawn("b.log"), done;
    int status, exited = 0, i;
    char *log_a, *log_b, *path;
    size_t len;

    for (i = 0; i < 50 && exited == 0; i++) {
        usleep(100 * 1000);
        done = waitpid(-1, &status, WNOHANG);
        if (done == a || done == b) {
            exited = done == a ? 1 : 2;
            CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        }
    }
    CU_ASSERT_NOT_EQUAL(exited, 0);
    /* The one left is still running a moment later. */
    usleep(500 * 1000);
    CU_ASSERT_EQUAL(waitpid(exited == 1 ? b : a, &status, WNOHANG), 0);
    path = sg_xasprintf("%s/a.log", sgd.dir);
    log_a = (char *)sg_test_read(path, &len);
    free(path);
    path = sg_xasprintf("%s/b.log", sgd.dir);
    log_b = (char *)sg_test_read(path, &len);
    free(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(exited == 1 ? log_a : log_b,
                                  "already locked"));
    free(log_a);
    free(log_b);
    kill(exited == 1 ? b : a, SIGTERM);
    waitpid(exited == 1 ? b : a, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    sgd.dir = sg_test_tmpdir("sg-emb");
    {
        char *text = sg_xasprintf(
            "state_dir = \"%s/state\"\n"
            "schema_dir = \"%s\"\n"
            "http {\n port = 0\n}\n"
            "redis {\n server = \"%s\"\n}\n"
            "supplier \"ACME\" {\n aliases = {\"ZZ:ACMEPARTS\"}\n"
            " licence_expires = \"2099-12-31\"\n"
            " tax_expires = \"2099-12-31\"\n"
            " org_code_expires = \"2099-12-31\"\n"
            " certificate_expires = \"2099-12-31\"\n}\n"
            "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n",
            sgd.dir, sg_test_srcpath("schemas"),
            getenv("SG_REDIS_SERVER") ? getenv("SG_REDIS_SERVER")
                                      : "redis-server",
            sg_test_buildpath("plugins/supplier_edi/.libs/supplier_edi.so"));

        sgd.conf = sg_test_write(sgd.dir, "emb.conf", text);
        free(text);
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("embedded redis-server", NULL, NULL);
    CU_add_test(s, "killed: started again, data kept",
                test_redis_killed_and_revived);
    CU_add_test(s, "daemon killed: its redis-server stops too; a second "
                "daemon on the same state_dir refuses to start",
                test_daemon_killed_takes_redis_along);
    CU_add_test(s, "two daemons at once on one state_dir: one runs",
                test_two_at_once);
    rc = sg_test_run();
    if (rc == 0) {
        sg_test_rmdir(sgd.dir);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", sgd.dir);
    }
    free(sgd.conf);
    free(sgd.dir);
    curl_global_cleanup();
    return rc;
}
