/*
 * test_ack.c - the acknowledgements a partner gets back, segment by
 * segment: real corpus interchanges and small hand-made ones go through
 * the daemon's own gateway (the real supplier_edi plugin loaded by the
 * core's loader, the real schemas), and the ack of what it decided is
 * compared whole with what the X12 and EDIFACT standards say it must be.
 */
#include <dirent.h>
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
    cfg.schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    gw.cfg = &cfg;
    gw.schemas = sg_schemas_load(cfg.schema_dir, &errs);
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
    free(cfg.schema_dir);
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

/*
 * PO102 is not a quantity: the plugin reports the element, the ack says
 * AK3 PO1 at position 7 of the set "has data element errors" and AK4
 * element 2 "invalid character", quoting the value.  Our rule: a set
 * with any error is rejected (AK5 R, code 5), because the gateway
 * accepts or rejects an interchange whole; E would be for a set
 * accepted with remarks, which the gateway never does today.
 */
static void
test_element_error_997_rejected(void)
{
    const char *body = "ISA*00*          *00*          *ZZ*ACMEPARTS      "
        "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000106*0*P*>~"
        "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*106*X*004010~"
        "ST*850*0001~BEG*00*SA*PO-RT-1106**20261204~CUR*BY*USD~"
        "DTM*002*20261210~N1*SU*Supplier*92*ACME~"
        "N1*ST*Main Warehouse*92*WH1~PO1*1*ten*EA*5**BP*ITEM-007~"
        "CTT*1~SE*9*0001~GE*1*106~IEA*1*000000106~";
    int status;
    char *ack = ack_body(body, strlen(body), 0, &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, ISA_850
               "GS*FA*SUPPLYGATE*ACMEPARTS*20261204*1030*42*X*004010~"
               "ST*997*0001~AK1*PO*106~AK2*850*0001~"
               "AK3*PO1*7**8~AK4*2**6*ten~AK5*R*5~AK9*R*1*1*0~"
               "SE*8*0001~GE*1*42~IEA*1*000000042~");
    free(ack);
}

/*
 * The corpus 850 breaks two X12 syntax notes (PO106 without PO107, PO405
 * without PO406), which the 850 segment map checks: AK4 code 2
 * (conditional element missing) at PO1 and PO4, positions counted
 * within the set, AK5 R 5, in the file's newline-terminated dialect.
 */
static void
test_corpus_850_notes(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/x12/"
                         "850-ediengine-syntax-notes-error.edi", &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "ISA*00*          *00*          *ZZ*123456789012345"
               "*ZZ*ABCDEFGHIJKLMNO*261204*1030*U*00400*000000042*0*P*>\n"
               "GS*FA*999999999*4405197800*20261204*1030*42*X*004010\n"
               "ST*997*0001\nAK1*PO*1421\nAK2*850*000000010\n"
               "AK3*PO1*13**8\nAK4*7**2\nAK3*PO4*30**8\nAK4*6**2\n"
               "AK5*R*5\nAK9*R*1*1*0\nSE*10*0001\nGE*1*42\n"
               "IEA*1*000000042\n");
    free(ack);
}

/* SE01 says 12 segments, the set has 11: AK5 R with 718 code 4
 * ("number of included segments does not match actual count"). */
static void
test_se_count_997(void)
{
    int status;
    char *ack = ack_file("tests/data/runtime/850-bad-se-count.edi",
                         &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, ISA_850
               "GS*FA*SUPPLYGATE*ACMEPARTS*20261204*1030*42*X*004010~"
               "ST*997*0001~AK1*PO*105~AK2*850*0001~AK5*R*4~"
               "AK9*R*1*1*0~SE*6*0001~GE*1*42~IEA*1*000000042~");
    free(ack);
}

/* Every control number of the corpus file disagrees with its trailer:
 * TA1 E 001 for the IEA (the interchange is still read), AK5 R 3 for
 * SE02 and 1 (a 940 is not what this plugin takes), AK9 R code 4 for
 * GE02. */
static void
test_control_mismatch_ta1_and_997(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/x12/"
                         "940-ediengine-control-number-mismatch.edi",
                         &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "ISA*00*          *00*          *ZZ*123456789012345"
               "*ZZ*ABCDEFGHIJKLMNO*261204*1030*U*00400*000000042*0*P*>\n"
               "TA1*000003438*101127*1719*E*001\n"
               "GS*FA*3111350000*7705551212*20261204*1030*42*X*004010\n"
               "ST*997*0001\nAK1*OW*3314\nAK2*940*0001\nAK5*R*3*1\n"
               "AK9*R*1*1*0*4\nSE*6*0001\nGE*1*42\nIEA*1*000000042\n");
    free(ack);
}

/* GE01 and IEA01 count 2 where there is 1: TA1 E 021, AK9 code 5. */
static void
test_wrong_counts_ta1_and_997(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/x12/"
                         "940-ediengine-wrong-group-and-tx-counts.edi",
                         &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "ISA*00*          *00*          *ZZ*123456789012345"
               "*ZZ*ABCDEFGHIJKLMNO*261204*1030*U*00400*000000042*0*P*>\n"
               "TA1*000003438*101127*1719*E*021\n"
               "GS*FA*3111350000*7705551212*20261204*1030*42*X*004010\n"
               "ST*997*0001\nAK1*OW*3314\nAK2*940*0001\nAK5*R*1\n"
               "AK9*R*1*1*0*5\nSE*6*0001\nGE*1*42\nIEA*1*000000042\n");
    free(ack);
}

#define X12_5010 "ISA*00*          *00*          *ZZ*ACMEPARTS      " \
    "*ZZ*SUPPLYGATE     *261204*1200*^*00501*000000777*0*P*:~"        \
    "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*77*X*005010X220A1~"      \
    "ST*850*0001*005010X220A1~"

/* A 005010X guide in GS08: a 999, with IK3/IK4/IK5 and the guide in
 * ST03, AK103 and AK203; BEG05 is not a date (IK4 code 8, the bad
 * value quoted). */
static void
test_5010_guide_999(void)
{
    const char *body = X12_5010
        "BEG*00*SA*PO-999**20261399~CUR*BY*USD~"
        "N1*SU*Supplier*92*ACME~PO1*1*1*EA*5**BP*ITEM-1~CTT*1~"
        "SE*7*0001~GE*1*77~IEA*1*000000777~";
    int status;
    char *ack = ack_body(body, strlen(body), 0, &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "ISA*00*          *00*          *ZZ*SUPPLYGATE     "
               "*ZZ*ACMEPARTS      *261204*1030*^*00501*000000042*0*P*:~"
               "GS*FA*SUPPLYGATE*ACMEPARTS*20261204*1030*42*X*"
               "005010X220A1~ST*999*0001*005010X220A1~"
               "AK1*PO*77*005010X220A1~AK2*850*0001*005010X220A1~"
               "IK3*BEG*2**8~IK4*5**8*20261399~IK5*R*5~AK9*R*1*1*0~"
               "SE*8*0001~GE*1*42~IEA*1*000000042~");
    free(ack);
}

/* ISA02 is 9 bytes wide instead of 10: the header cannot be trusted,
 * TA1 R 011 (invalid authorization information) and no 997 at all;
 * ISA14 asked for a TA1 anyway. */
static void
test_broken_isa_ta1_rejected(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/x12/"
                         "837-imsweb-isa-wrong-length.edi", &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "ISA*00*          *00*          *ZZ*RECEIVERS.ID   "
               "*ZZ*SUBMITTERS.ID  *261204*1030*U*00501*000000042*0*T*:~"
               "TA1*000000905*030101*1253*R*011~IEA*0*000000042~");
    free(ack);
}

/* A duplicate: TA1 R 025 whatever the content. */
static void
test_duplicate_ta1_025(void)
{
    unsigned char *body;
    size_t len;
    int status;
    char *ack;

    body = sg_test_read(sg_test_srcpath("tests/data/runtime/850-auto.edi"),
                        &len);
    ack = ack_body(body, len, 1, &status);
    CU_ASSERT_EQUAL(status, 202);
    ASSERT_ACK(ack, ISA_850 "TA1*000000101*261204*1200*R*025~"
               "IEA*0*000000042~");
    free(ack);
    free(body);
}

/* The EANCOM ORDERS of the corpus: UCI action 7, UCM 7, a CONTRL:2:2
 * answer to a syntax 3 interchange, addressed back to its sender. */
static void
test_edifact_clean_contrl(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/edifact/"
                         "ORDERS-phpedifact-eancom-ok.edi", &status);

    CU_ASSERT_EQUAL(status, 202);
    ASSERT_ACK(ack, "UNA:+.? 'UNB+UNOC:3+unbekannt:14+4250159300001:14+"
               "261204:1030+42'UNH+1+CONTRL:2:2:UN'UCI+896+"
               "4250159300001:14+unbekannt:14+7'UCM+2019265563+"
               "ORDERS:D:01B:UN:EAN010+7'UNT+4+1'UNZ+1+42'");
    free(ack);
}

#define UNB_ORDERS "UNB+UNOA:3+ACMEPARTS:ZZ+SUPPLYGATE:ZZ+261204:1200+" \
    "55'UNH+M1+ORDERS:D:96A:UN'BGM+220+PO-55+9'"

/*
 * The ORDERS segment map finds the QTY value "X" where a number must be
 * (UCD 21, invalid character, at element 1 component 2 of segment 6)
 * and a mandatory segment missing before UNT (UCS 13 at segment 7);
 * the message is refused before mapping, so the DTM's bad date is not
 * reached.  UCM 4, UCI 7 because the interchange itself was fine.
 */
static void
test_edifact_error_contrl(void)
{
    const char *body = UNB_ORDERS
        "DTM+137:20261399:102'NAD+SU+ACME::9'"
        "LIN+1++ITEM-1:IN'QTY+21:X'UNT+7+M1'UNZ+1+55'";
    int status;
    char *ack = ack_body(body, strlen(body), 0, &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "UNB+UNOA:3+SUPPLYGATE:ZZ+ACMEPARTS:ZZ+261204:1030+42'"
               "UNH+1+CONTRL:2:2:UN'UCI+55+ACMEPARTS:ZZ+SUPPLYGATE:ZZ+7'"
               "UCM+M1+ORDERS:D:96A:UN+4'UCS+6'UCD+21+1:2'UCS+7+13'"
               "UNT+7+1'UNZ+1+42'");
    free(ack);
}

/* Every corpus interchange whose header names its sender gets an ack
 * that is a whole interchange of the right syntax; the others (no ISA
 * or UNB to answer) get none and say so by -1. */
static void
test_every_corpus_file(void)
{
    static const char *const dirs[] = {"tests/data/corpus/x12",
                                       "tests/data/corpus/edifact"};
    int d, n_acks = 0, n_none = 0;

    for (d = 0; d < 2; d++) {
        char *dir = sg_xstrdup(sg_test_srcpath(dirs[d]));
        DIR *dp = opendir(dir);
        struct dirent *de;

        CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
        while ((de = readdir(dp)) != NULL) {
            char *rel;
            int status, x12 = d == 0;
            char *ack;

            if (strstr(de->d_name, ".edi") == NULL) {
                continue;
            }
            rel = sg_xasprintf("%s/%s", dirs[d], de->d_name);
            ack = ack_file(rel, &status);
            if (ack == NULL) {
                n_none++;
            } else {
                size_t n = strlen(ack);

                n_acks++;
                /* In the partner's own delimiters: '~' may separate
                 * elements, '*' end segments. */
                if (x12) {
                    char iea[5] = {'I', 'E', 'A', ack[3], '\0'};

                    CU_ASSERT_NSTRING_EQUAL(ack, "ISA", 3);
                    CU_ASSERT_PTR_NOT_NULL(strstr(ack, iea));
                } else {
                    CU_ASSERT(strncmp(ack, "UNB", 3) == 0 ||
                              strncmp(ack, "UNA", 3) == 0);
                    CU_ASSERT_PTR_NOT_NULL(strstr(ack, "UNZ"));
                }
                if (strstr(ack, x12 ? "IEA" : "UNZ") == NULL) {
                    fprintf(stderr, "%s: %s\n", rel, ack);
                }
                CU_ASSERT(n > 0 && ack[n - 1] != '\0');
                if (status == 202) {
                    CU_ASSERT_PTR_NULL(strstr(ack, "*R*"));
                }
            }
            free(ack);
            free(rel);
        }
        closedir(dp);
        free(dir);
    }
    /* 837-imsweb-missing-isa, none-ediengine-not-edi and the EDIFACT
     * file without any envelope have nobody to answer. */
    CU_ASSERT_EQUAL(n_none, 3);
    CU_ASSERT(n_acks >= 50);
}

/* The corpus ORDERS with a stray release character in IMD: the reader
 * reports it at each occurrence, the CONTRL names the place once (UCS
 * 83, UCD 21 "invalid character" at element 3 component 4). */
static void
test_edifact_release_char_contrl(void)
{
    int status;
    char *ack = ack_file("tests/data/corpus/edifact/"
                         "ORDERS-phpedifact-eancom-release-char-error.edi",
                         &status);

    CU_ASSERT_EQUAL(status, 422);
    ASSERT_ACK(ack, "UNA:+.? 'UNB+UNOC:3+unbekannt:14+4250159300001:14+"
               "261204:1030+42'UNH+1+CONTRL:2:2:UN'UCI+896+"
               "4250159300001:14+unbekannt:14+7'UCM+2019265563+"
               "ORDERS:D:01B:UN:EAN010+4'UCS+83'UCD+21+3:4'UNT+6+1'"
               "UNZ+1+42'");
    free(ack);
}

/* Hostile size: 3000 sets in one group, each with a wrong SE01.  The
 * gateway keeps 200 errors; every set still gets its AK2/AK5 R, the
 * first ones with code 4, and the 997 counts them all. */
static void
test_many_sets(void)
{
    struct sg_buf b;
    int i, status, n_ak2 = 0;
    char *ack;
    const char *p;

    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *ZZ*ACMEPARTS      "
                "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000999*0*P*>~"
                "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*999*X*004010~");
    for (i = 1; i <= 3000; i++) {
        sg_buf_addf(&b, "ST*850*%04d~BEG*00*SA*PO-%d**20261204~"
                    "SE*9*%04d~", i, i, i);
    }
    sg_buf_adds(&b, "GE*3000*999~IEA*1*000000999~");
    ack = ack_body(b.data, b.len, 0, &status);
    CU_ASSERT_EQUAL(status, 422);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
    for (p = ack; (p = strstr(p, "~AK2*850*")) != NULL; p++) {
        n_ak2++;
    }
    CU_ASSERT_EQUAL(n_ak2, 3000);
    CU_ASSERT_PTR_NOT_NULL(strstr(ack, "~AK2*850*0001~AK5*R*4~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ack, "~AK2*850*3000~AK5*R~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ack, "~AK9*R*3000*3000*0~"));
    free(ack);
    sg_buf_free(&b);
}

/*
 * Accepted with errors noted.  The gateway rejects a message with any
 * error today, so only the builder can be asked this: an accepted
 * interchange with an element remark and a wrong IEA02 gets TA1 E 001,
 * AK3/AK4, AK5 E 5 and AK9 E.
 */
static void
test_accepted_with_errors(void)
{
    unsigned char *body;
    struct sg_ack_request rq;
    struct sg_errors errs;
    struct sg_diag d;
    struct sg_ack ack;
    size_t len;

    body = sg_test_read(sg_test_srcpath("tests/data/runtime/850-auto.edi"),
                        &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    sg_errors_init(&errs, 0);
    memset(&d, 0, sizeof(d));
    d.code = "supplier_edi.bad_currency";
    d.text = "CUR02 is not a currency";
    d.segment = 5;
    d.tag = "CUR";
    d.element = 2;
    sg_errors_add(&errs, &d);
    d.code = "x12.iea_control";
    d.segment = 16;
    d.tag = "IEA";
    sg_errors_add(&errs, &d);
    memset(&rq, 0, sizeof(rq));
    rq.raw = body;
    rq.len = len;
    rq.errs = &errs;
    rq.accepted = 1;
    rq.control = 42;
    rq.now_ms = NOW_MS;
    CU_ASSERT_EQUAL_FATAL(sg_ack_build(&rq, &ack), 0);
    ASSERT_ACK(ack.text, ISA_850 "TA1*000000101*261204*1200*E*001~"
               "GS*FA*SUPPLYGATE*ACMEPARTS*20261204*1030*42*X*004010~"
               "ST*997*0001~AK1*PO*101~AK2*850*0001~AK3*CUR*3**8~"
               "AK4*2**7*USD~AK5*E*5~AK9*E*1*1*1~SE*8*0001~GE*1*42~"
               "IEA*1*000000042~");
    sg_ack_free(&ack);
    sg_errors_free(&errs);
    free(body);
}

/* --- acknowledgements partners send us ------------------------------ */

/* The gateway's verdict and first document on body. */
static struct sg_intake *
inbound(const char *rel)
{
    unsigned char *body;
    struct sg_intake *in;
    size_t len;

    body = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_FATAL(body != NULL);
    in = sg_gateway_decode(&gw, NULL, "application/EDI-X12", body, len);
    free(body);
    return in;
}

/* A real 997 rejecting set 0021 of group 000001: read by the core,
 * whatever the content type says, into one valid <ack>. */
static void
test_inbound_997(void)
{
    struct sg_intake *in = inbound("tests/data/corpus/x12/"
                                   "997-staedi-simple.edi");

    CU_ASSERT_EQUAL(in->status, 202);
    CU_ASSERT_STRING_EQUAL(in->plugin, "core-ack");
    CU_ASSERT_EQUAL_FATAL(in->n_docs, 1);
    CU_ASSERT_STRING_EQUAL(in->docs[0].type, "ack");
    CU_ASSERT_STRING_EQUAL(in->docs[0].key, "ZZ:ReceiverID:000001");
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml,
                                  "<groupControl>000001</groupControl>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<status>R</status>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<set type=\"837\" "
                                  "control=\"0021\" status=\"R\" "
                                  "codes=\"5\"/>"));
    sg_intake_free(in);
}

/* A real 999 accepting set 146001 of group 146 (IK5 A, AK9 A), with
 * '!' as repetition separator; and one rejecting set 0028. */
static void
test_inbound_999(void)
{
    struct sg_intake *in = inbound("tests/data/corpus/x12/"
                                   "999-pyx12-bang-repetition-separator.edi");

    CU_ASSERT_EQUAL(in->status, 202);
    CU_ASSERT_EQUAL_FATAL(in->n_docs, 1);
    CU_ASSERT_STRING_EQUAL(in->docs[0].key, "ZZ:MB888880:146");
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<status>A</status>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<set type=\"834\" "
                                  "control=\"146001\" status=\"A\"/>"));
    sg_intake_free(in);

    in = inbound("tests/data/corpus/x12/"
                 "999-imsweb-rejected-pipe-component.edi");
    CU_ASSERT_EQUAL(in->status, 202);
    CU_ASSERT_EQUAL_FATAL(in->n_docs, 1);
    CU_ASSERT_STRING_EQUAL(in->docs[0].key, "ZZ:EMEDNYBAT:28");
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<set type=\"837\" "
                                  "control=\"0028\" status=\"R\" "
                                  "codes=\"5\"/>"));
    sg_intake_free(in);
}

/* An ack whose own envelope is broken (GS05 has 97 seconds, IEA02 is
 * not its ISA13) is refused like any other interchange, and gets no ack
 * of its own. */
static void
test_inbound_broken_envelope(void)
{
    struct sg_intake *in = inbound("tests/data/corpus/x12/"
                                   "999-imsweb-accepted.edi");

    CU_ASSERT_EQUAL(in->status, 422);
    CU_ASSERT_STRING_EQUAL(in->plugin, "core-ack");
    CU_ASSERT_EQUAL_FATAL(in->errs.n, 2);
    CU_ASSERT_STRING_EQUAL(in->errs.items[0].code, "x12.bad_time");
    CU_ASSERT_STRING_EQUAL(in->errs.items[1].code, "x12.iea_control");
    CU_ASSERT_PTR_NULL(in->ack);
    sg_intake_free(in);
}

/* Our own CONTRL read back: the key is the partner ("QUAL:ID", as
 * everywhere) and the interchange the UCI names; UCM 7 is accepted. */
static void
test_inbound_contrl_round_trip(void)
{
    int status;
    char *contrl = ack_file("tests/data/corpus/edifact/"
                            "ORDERS-phpedifact-eancom-ok.edi", &status);
    struct sg_intake *in;

    CU_ASSERT_PTR_NOT_NULL_FATAL(contrl);
    in = sg_gateway_decode(&gw, NULL, "application/EDIFACT",
                           (const unsigned char *)contrl, strlen(contrl));
    CU_ASSERT_EQUAL(in->status, 202);
    CU_ASSERT_EQUAL_FATAL(in->n_docs, 1);
    CU_ASSERT_STRING_EQUAL(in->docs[0].key, "14:unbekannt:896");
    CU_ASSERT_PTR_NOT_NULL(strstr(in->docs[0].xml, "<set type=\"ORDERS\" "
                                  "control=\"2019265563\" status=\"A\"/>"));
    sg_intake_free(in);
    free(contrl);
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
    CU_add_test(s, "element error: AK3/AK4 positions, AK5 R",
                test_element_error_997_rejected);
    CU_add_test(s, "corpus 850 breaking syntax notes: AK4 2",
                test_corpus_850_notes);
    CU_add_test(s, "SE count: AK5 R 4", test_se_count_997);
    CU_add_test(s, "control numbers: TA1 E 001, AK5 R 3, AK9 R 4",
                test_control_mismatch_ta1_and_997);
    CU_add_test(s, "wrong counts: TA1 E 021, AK9 R 5",
                test_wrong_counts_ta1_and_997);
    CU_add_test(s, "005010X guide: 999 with IK3/IK4/IK5",
                test_5010_guide_999);
    CU_add_test(s, "broken ISA: TA1 R 011, no 997",
                test_broken_isa_ta1_rejected);
    CU_add_test(s, "duplicate: TA1 R 025", test_duplicate_ta1_025);
    CU_add_test(s, "EDIFACT clean: CONTRL UCI 7, UCM 7",
                test_edifact_clean_contrl);
    CU_add_test(s, "EDIFACT errors: UCS/UCD positions",
                test_edifact_error_contrl);
    CU_add_test(s, "EDIFACT release character: one UCS/UCD",
                test_edifact_release_char_contrl);
    CU_add_test(s, "3000 sets: every one answered", test_many_sets);
    CU_add_test(s, "accepted with errors: TA1 E, AK5 E, AK9 E",
                test_accepted_with_errors);
    CU_add_test(s, "every corpus file: an ack or a clear none",
                test_every_corpus_file);
    CU_add_test(s, "inbound 997: rejected set recorded",
                test_inbound_997);
    CU_add_test(s, "inbound 999: accepted and rejected", test_inbound_999);
    CU_add_test(s, "inbound ack with a broken envelope: 422",
                test_inbound_broken_envelope);
    CU_add_test(s, "inbound CONTRL: our own, read back",
                test_inbound_contrl_round_trip);
    return sg_test_run();
}
