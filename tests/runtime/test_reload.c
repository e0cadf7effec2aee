/*
 * test_reload.c - SIGHUP reloads the configuration without dropping a
 * request.
 *
 * A real supplygated on a real redis-server; a client thread posts X12
 * 850 orders (amount 22.50) one after the other while the main thread
 * rewrites the configuration with the default manager threshold going
 * 100000 -> 10 -> 100000 -> 10 and sends SIGHUP after each rewrite.
 * Every POST must get its 202, and every order the workers applied
 * between the daemon's "loaded as generation N" line and the next SIGHUP
 * must carry that generation's approval level ("auto" above 22.50,
 * "manager" under it).  Then a broken file is sent the same way: the
 * daemon logs the error with file:line, keeps the running generation and
 * keeps answering.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <jansson.h>

#include "daemonlib.h"
#include "testlib.h"
#include "util.h"

enum {
    MAX_ORDERS = 4000,      /* the client stops here at the latest */
    N_RELOADS = 4,
    MARGIN_MS = 50          /* of each window, left unjudged */
};

/* When the configuration with a threshold was in force, wall clock ms:
 * from the moment its "loaded" line was seen to the next SIGHUP. */
struct sg_window {
    long long from, to;
    const char *approval;   /* what an order of 22.50 gets */
};

static struct sg_test_redis redis;
static struct sg_td sgd;            /* the daemon */
static char *tmp;
static atomic_int stop_posting;
static atomic_int n_posted, n_failed;

/* --- configuration ----------------------------------------------------- */

static void
sg_rd_write_conf(const char *manager_above, const char *extra)
{
    char *text, *path, *plugin, *schemas;

    plugin = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    schemas = sg_xstrdup(sg_test_srcpath("schemas"));
    text = sg_xasprintf(
        "log_level = \"info\"\n"
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = 0\n timeout = 10\n}\n"
        "redis {\n address = \"%s\"\n}\n"
        "queue {\n workers = 2\n reclaim_idle = \"1s\"\n}\n"
        "approval \"default\" {\n manager_above = %s\n"
        " director_above = 1000000\n}\n"
        "supplier \"ACME\" {\n aliases = {\"ACMEPARTS\"}\n"
        " licence_expires = \"2099-12-31\"\n"
        " tax_expires = \"2099-12-31\"\n"
        " org_code_expires = \"2099-12-31\"\n"
        " certificate_expires = \"2099-12-31\"\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "%s",
        tmp, schemas, redis.child.address, manager_above, plugin, extra);
    path = sg_test_write(tmp, "reload.conf", text);
    free(text);
    free(plugin);
    free(schemas);
    if (sgd.conf == NULL) {
        sgd.conf = path;
    } else {
        free(path);
    }
}

/* 1 once the daemon's log holds needle (waits up to 10 s). */
static int
sg_rd_log_has(const char *needle)
{
    char *path = sg_xasprintf("%s/daemon.log", tmp);
    unsigned char *log;
    size_t len;
    int i, found = 0;

    for (i = 0; i < 200 && !found; i++) {
        log = sg_test_read(path, &len);
        found = log != NULL && strstr((char *)log, needle) != NULL;
        free(log);
        if (!found) {
            usleep(50 * 1000);
        }
    }
    free(path);
    return found;
}

/* --- the client -------------------------------------------------------- */

static char *
sg_rd_make_850(int n)
{
    char isa[128];

    snprintf(isa, sizeof(isa), "ISA*00*          *00*          *ZZ*"
             "ACMEPARTS      *ZZ*SUPPLYGATE     *261204*1200*U*00401*"
             "%09d*0*P*>~", n);
    return sg_xasprintf(
        "%s\nGS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*%d*X*004010~\n"
        "ST*850*0001~\nBEG*00*SA*PO-HUP-%d**20261204~\n"
        "N1*SU*Acme*92*ACME~\nPO1*1*3*EA*7.5**BP*ITEM-%d~\nCTT*1~\n"
        "SE*6*0001~\nGE*1*%d~\nIEA*1*%09d~\n", isa, n, n, n, n, n);
}

static void *
sg_rd_client(void *arg)
{
    CURL *curl = curl_easy_init();
    struct sg_td_reply r;
    char *body;
    int n;

    for (n = 0; n < MAX_ORDERS && !atomic_load(&stop_posting); n++) {
        body = sg_rd_make_850(n + 1);
        sg_td_post(curl, atomic_load(&sgd.port), "/v1/messages",
                   "application/EDI-X12", body, strlen(body), 10, &r);
        if (r.outcome != SG_TD_ANSWERED || r.status != 202) {
            fprintf(stderr, "order %d: outcome %d, status %ld: %s\n",
                    n + 1, (int)r.outcome, r.status, r.body);
            atomic_fetch_add(&n_failed, 1);
        }
        atomic_fetch_add(&n_posted, 1);
        free(r.body);
        free(body);
    }
    curl_easy_cleanup(curl);
    return NULL;
}

/* --- checking the orders ----------------------------------------------- */

/* The order's approval and when the workers decided it (latest event). */
static int
sg_rd_order(int n, char *approval, size_t len, long long *decided)
{
    char path[64], *body;
    json_t *j, *ev;
    size_t i;
    int ok;

    snprintf(path, sizeof(path), "/v1/orders/PO-HUP-%d", n);
    if (sg_td_get(atomic_load(&sgd.port), path, &body) != 200) {
        free(body);
        return -1;
    }
    j = json_loads(body, 0, NULL);
    free(body);
    ok = json_is_string(json_object_get(j, "approval"));
    if (ok) {
        snprintf(approval, len, "%s",
                 json_string_value(json_object_get(j, "approval")));
    }
    *decided = 0;
    json_array_foreach(json_object_get(j, "history"), i, ev) {
        long long at = json_integer_value(json_object_get(ev, "at"));

        if (at > *decided) {
            *decided = at;
        }
    }
    json_decref(j);
    return ok ? 0 : -1;
}

/*
 * Check every order against the windows.  Returns how many orders were
 * decided inside a window (those decided while a reload was under way
 * are skipped); *wrong counts those with the wrong level.
 */
static int
sg_rd_check_orders(const struct sg_window *w, size_t nw, int n_orders,
                   int *wrong, int *per_window)
{
    char approval[32];
    long long at;
    int n, checked = 0;
    size_t k;

    *wrong = 0;
    for (n = 1; n <= n_orders; n++) {
        if (sg_rd_order(n, approval, sizeof(approval), &at) != 0) {
            fprintf(stderr, "order PO-HUP-%d: not found\n", n);
            (*wrong)++;
            continue;
        }
        for (k = 0; k < nw; k++) {
            /* The worker reads the clock just before it takes the
             * generation: a preempted one may stamp an order a little
             * before the swap it was decided after. */
            if (at > w[k].from + MARGIN_MS && at < w[k].to - MARGIN_MS) {
                checked++;
                per_window[k]++;
                if (strcmp(approval, w[k].approval) != 0) {
                    fprintf(stderr, "order PO-HUP-%d decided at %lld in "
                            "window %zu: %s, want %s\n", n, at, k,
                            approval, w[k].approval);
                    (*wrong)++;
                }
            }
        }
    }
    return checked;
}

/* --- the test ---------------------------------------------------------- */

static void
sg_rd_pause(void)
{
    usleep(400 * 1000);
}

static void
test_reload_under_load(void)
{
    static const char *thresholds[] = {"100000", "10", "100000", "10"};
    static const char *levels[] = {"auto", "manager", "auto", "manager"};
    struct sg_window w[N_RELOADS + 2];
    int per_window[N_RELOADS + 2] = {0};
    pthread_t th;
    char needle[256];
    char *body;
    int k, wrong, checked;

    CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, sg_rd_client, NULL), 0);

    /* Generation 1 (100000) was loaded at start. */
    w[0].from = sg_now_ms();
    w[0].approval = "auto";
    sg_rd_pause();
    for (k = 1; k <= N_RELOADS; k++) {
        sg_rd_write_conf(thresholds[k % N_RELOADS], "");
        w[k - 1].to = sg_now_ms();
        kill(sgd.pid, SIGHUP);
        snprintf(needle, sizeof(needle), "loaded as generation %d ",
                 k + 1);
        CU_ASSERT_TRUE_FATAL(sg_rd_log_has(needle));
        w[k].from = sg_now_ms();
        w[k].approval = levels[k % N_RELOADS];
        sg_rd_pause();
    }

    /* A broken file: refused with file:line, the last one stays. */
    sg_rd_write_conf("100000", "queue {\n workers = 0\n}\n");
    w[N_RELOADS].to = sg_now_ms();
    kill(sgd.pid, SIGHUP);
    CU_ASSERT_TRUE(sg_rd_log_has("refused (1 error(s)); still running "
                                 "generation 5"));
    /* "workers = 0" is line 30 of the file sg_rd_write_conf writes. */
    snprintf(needle, sizeof(needle), "%s:30:", sgd.conf);
    CU_ASSERT_TRUE(sg_rd_log_has(needle));
    w[N_RELOADS + 1].from = sg_now_ms();
    w[N_RELOADS + 1].approval = w[N_RELOADS].approval;
    sg_rd_pause();
    w[N_RELOADS + 1].to = sg_now_ms();

    atomic_store(&stop_posting, 1);
    pthread_join(th, NULL);

    /* The generations replaced were freed once their users were done. */
    CU_ASSERT_TRUE(sg_rd_log_has("generation 2: last user done, freed"));
    CU_ASSERT_TRUE(sg_rd_log_has("generation 4: last user done, freed"));
    /* The plugins of the current generation answer. */
    CU_ASSERT_EQUAL(sg_td_get(atomic_load(&sgd.port), "/v1/plugins",
                              &body), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "supplier_edi"));
    free(body);

    usleep(500 * 1000);     /* the workers finish the last entries */
    checked = sg_rd_check_orders(w, N_RELOADS + 2, atomic_load(&n_posted),
                                 &wrong, per_window);
    printf("\n    reload: %d orders posted, %d failed, %d decided inside "
           "a window (per window:", atomic_load(&n_posted),
           atomic_load(&n_failed), checked);
    for (k = 0; k < N_RELOADS + 2; k++) {
        printf(" %d", per_window[k]);
        CU_ASSERT_TRUE(per_window[k] > 0);
    }
    printf("), %d with the wrong level\n", wrong);
    CU_ASSERT_EQUAL(atomic_load(&n_failed), 0);
    CU_ASSERT_TRUE(atomic_load(&n_posted) > 0);
    CU_ASSERT_EQUAL(wrong, 0);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    tmp = sg_test_tmpdir("hup");
    sg_test_redis_start(&redis);
    sgd.dir = tmp;
    sg_rd_write_conf("100000", "");
    if (sg_td_start(&sgd) != 0) {
        return 2;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("SIGHUP reload", NULL, NULL);
    CU_add_test(s, "reload 4 times under load, then a broken file: no "
                "request fails, new orders get the new level",
                test_reload_under_load);
    rc = sg_test_run();

    if (sg_td_stop(&sgd, SIGTERM) != 0) {
        fprintf(stderr, "supplygated did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    sg_test_redis_stop(&redis);
    if (rc == 0) {
        sg_test_rmdir(tmp);
    } else {
        fprintf(stderr, "daemon log kept in %s/daemon.log\n", tmp);
    }
    free(tmp);
    free(sgd.conf);
    curl_global_cleanup();
    return rc;
}
