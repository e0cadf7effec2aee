/*
 * test_ack.c - the acknowledgements a partner gets back, segment by
 * segment: real corpus interchanges and small hand-made ones go through
 * the daemon's own gateway (the real supplier_edi plugin loaded by the
 * core's loader, the real schemas), and the ack of what it decided is
 * compared whole with what the X12 and EDIFACT standards say it must be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "ack.h"
#include "gateway.h"
#include "log.h"
#include "schema.h"
#include "testlib.h"

/* 2026-12-04 10:30 UTC: every ack below is dated so. */
#define NOW_MS 1796380200000LL

static struct sg_gateway gw;
static struct sg_config cfg;

static int
setup(void)
{
    struct sg_errors errs;
    char *plugin;

    sg_log_set_level(SG_LOG_ERROR);
    sg_xml_init();
    sg_errors_init(&errs, 0);
    gw.cfg = &cfg;
    gw.schemas = sg_schemas_load(sg_test_srcpath("schemas"), &errs);
    gw.plugins = sg_plugins_new();
    plugin = sg_xstrdup(sg_test_buildpath(
        "plugins/supplier_edi/.libs/supplier_edi.so"));
    sg_plugins_probe(gw.plugins, "supplier_edi", plugin, 0, &errs);
    free(plugin);
    if (gw.schemas == NULL || gw.plugins->n != 1 ||
        sg_plugins_init(gw.plugins, &cfg, &errs) != 0) {
        fprintf(stderr, "test_ack: cannot set up the gateway\n");
        return -1;
    }
    sg_errors_free(&errs);
    return 0;
}

static int
teardown(void)
{
    sg_plugins_free(gw.plugins);
    sg_schemas_free(gw.schemas);
    return 0;
}

/* The gateway's verdict on body, acknowledged with control number 42;
 * *status gets the HTTP status the gateway chose.  Caller frees. */
static char *
ack_body(const void *body, size_t len, int duplicate, int *status)
{
    struct sg_ack_request rq;
    struct sg_intake *in;
    struct sg_ack ack;
    char *text = NULL;

    in = sg_gateway_decode(&gw, NULL, NULL, body, len);
    *status = in->status;
    memset(&rq, 0, sizeof(rq));
    rq.raw = in->raw;
    rq.len = in->raw_len;
    rq.errs = &in->errs;
    rq.accepted = in->status == 202;
    rq.duplicate = duplicate;
    rq.control = 42;
    rq.now_ms = NOW_MS;
    if (sg_ack_build(&rq, &ack) == 0) {
        text = sg_xstrndup(ack.text, ack.len);
        sg_ack_free(&ack);
    }
    sg_intake_free(in);
    return text;
}

static char *
ack_file(const char *rel, int *status)
{
    unsigned char *body;
    size_t len;
    char *text;

    body = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_FATAL(body != NULL);
    text = ack_body(body, len, 0, status);
    free(body);
    return text;
}

/* Compare and show both on a mismatch: the diff is the diagnosis. */
#define ASSERT_ACK(got, want)                                           \
    do {                                                                \
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);                              \
        if (strcmp((got), (want)) != 0) {                               \
            fprintf(stderr, "\n got: %s\nwant: %s\n", (got), (want));   \
        }                                                               \
        CU_ASSERT_STRING_EQUAL((got), (want));                          \
    } while (0)

#define ISA_850 "ISA*00*          *00*          *ZZ*SUPPLYGATE     " \
    "*ZZ*ACMEPARTS      *261204*1030*U*00401*000000042*0*P*>~"

static void
test_clean_850_997_accepted(void)
{
    int status;
    char *ack = ack_file("tests/data/runtime/850-auto.edi", &status);

    CU_ASSERT_EQUAL(status, 202);
    ASSERT_ACK(ack, ISA_850
               "GS*FA*SUPPLYGATE*ACMEPARTS*20261204*1030*42*X*004010~"
               "ST*997*0001~AK1*PO*101~AK2*850*0001~AK5*A~"
               "AK9*A*1*1*1~SE*6*0001~GE*1*42~IEA*1*000000042~");
    free(ack);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("ack", setup, teardown);
    CU_add_test(s, "clean 850: 997 AK5 A, AK9 A 1 1 1",
                test_clean_850_997_accepted);
    return sg_test_run();
}
