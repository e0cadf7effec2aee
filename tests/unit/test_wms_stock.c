/*
 * test_wms_stock.c - the wms_stock plugin as the daemon sees it: loaded
 * with dlopen through the core's loader next to supplier_edi, fed the
 * 846, INVRPT, CSV and XML samples of tests/data/wms (written for these
 * tests after the standards) and hand-made broken ones.  Every document
 * is validated against the shipped schemas; values are read back from
 * the XML; every error is checked for its code, line, column, segment
 * and element.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "plugin.h"
#include "schema.h"
#include "sg_plugin.h"
#include "testlib.h"
#include "util.h"

static struct sg_plugins *plugins;
static const struct sg_loaded_plugin *wms;
static const struct sg_loaded_plugin *sedi;
static struct sg_schemas *schemas;
static struct sg_config cfg;

/* --- a sink that keeps everything ------------------------------------- */

struct t_doc {
    char *type, *key, *partner, *xml;
};

struct t_diag {
    char *code;
    char *tag;
    long segment, line, column;
    int element, component;
};

struct t_sink {
    struct sg_sink sink;
    struct t_doc docs[16];
    int n_docs;
    struct t_diag diags[32];
    int n_diags;
    int rc;
};

static char *
t_dup(const char *s)
{
    return s != NULL ? sg_xstrdup(s) : NULL;
}

static int
t_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct t_sink *t = (struct t_sink *)sink;
    struct t_doc *d;

    if (t->n_docs == 16) {
        return -1;
    }
    d = &t->docs[t->n_docs++];
    d->type = t_dup(doc->type);
    d->key = t_dup(doc->key);
    d->partner = t_dup(doc->partner);
    d->xml = sg_xstrndup(doc->xml, doc->xml_len);
    return 0;
}

static int
t_error(struct sg_sink *sink, const struct sg_diag *diag)
{
    struct t_sink *t = (struct t_sink *)sink;
    struct t_diag *d;

    if (t->n_diags == 32) {
        return -1;
    }
    d = &t->diags[t->n_diags++];
    d->code = t_dup(diag->code);
    d->tag = t_dup(diag->tag);
    d->segment = diag->segment;
    d->line = diag->line;
    d->column = diag->column;
    d->element = diag->element;
    d->component = diag->component;
    return 0;
}

static void
t_free(struct t_sink *t)
{
    int i;

    for (i = 0; i < t->n_docs; i++) {
        free(t->docs[i].type);
        free(t->docs[i].key);
        free(t->docs[i].partner);
        free(t->docs[i].xml);
    }
    for (i = 0; i < t->n_diags; i++) {
        free(t->diags[i].code);
        free(t->diags[i].tag);
    }
}

/* A body handed to decode_stream() in pieces: one byte, or random. */
struct t_pieces {
    const unsigned char *data;
    size_t len, off;
    unsigned long seed;         /* 0: one byte at a time */
};

static long
t_pieces_read(void *arg, unsigned char *buf, size_t n)
{
    struct t_pieces *p = arg;
    size_t want = 1;

    if (p->seed != 0) {
        p->seed = p->seed * 6364136223846793005UL + 1442695040888963407UL;
        want = 1 + (p->seed >> 33) % 3000;
    }
    if (want > n) {
        want = n;
    }
    if (want > p->len - p->off) {
        want = p->len - p->off;
    }
    memcpy(buf, p->data + p->off, want);
    p->off += want;
    return (long)want;
}

static int
t_same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The same answer, documents and diags, field by field. */
static int
t_same(const struct t_sink *a, const struct t_sink *b)
{
    int i, same = a->rc == b->rc && a->n_docs == b->n_docs &&
                  a->n_diags == b->n_diags;

    for (i = 0; same && i < a->n_docs; i++) {
        same = t_same_str(a->docs[i].type, b->docs[i].type) &&
               t_same_str(a->docs[i].key, b->docs[i].key) &&
               t_same_str(a->docs[i].partner, b->docs[i].partner) &&
               t_same_str(a->docs[i].xml, b->docs[i].xml);
    }
    for (i = 0; same && i < a->n_diags; i++) {
        const struct t_diag *x = &a->diags[i], *y = &b->diags[i];

        same = t_same_str(x->code, y->code) && t_same_str(x->tag, y->tag) &&
               x->segment == y->segment && x->line == y->line &&
               x->column == y->column && x->element == y->element &&
               x->component == y->component;
    }
    return same;
}

/*
 * decode_stream() must say what decode() said of the same body: every
 * body decoded here is also streamed one byte at a time and in random
 * pieces (a CSV or XML body is read whole on that path).
 */
static void
t_check_streamed(const struct t_sink *whole, const void *body, size_t len,
                 const char *ctype)
{
    static const unsigned long seeds[] = {0, 31};
    struct t_sink t;
    struct t_pieces p;
    struct sg_message m;
    size_t i;

    for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        memset(&t, 0, sizeof(t));
        t.sink.document = t_document;
        t.sink.error = t_error;
        p.data = body;
        p.len = len;
        p.off = 0;
        p.seed = seeds[i];
        memset(&m, 0, sizeof(m));
        m.id = "m1";
        m.content_type = ctype;
        m.read = t_pieces_read;
        m.read_arg = &p;
        t.rc = wms->desc->decode_stream(wms->ctx, &m, &t.sink);
        if (!t_same(whole, &t)) {
            fprintf(stderr, "decode_stream (seed %lu) differs from "
                    "decode\n", seeds[i]);
        }
        CU_ASSERT(t_same(whole, &t));
        t_free(&t);
    }
}

/* Decode body with content type ctype through the wms plugin, and
 * check that decode_stream() says the same. */
static void
t_decode(struct t_sink *t, const void *body, size_t len, const char *ctype)
{
    struct sg_message m;

    memset(t, 0, sizeof(*t));
    t->sink.document = t_document;
    t->sink.error = t_error;
    memset(&m, 0, sizeof(m));
    m.id = "m1";
    m.content_type = ctype;
    m.data = body;
    m.len = len;
    t->rc = wms->desc->decode(wms->ctx, &m, &t->sink);
    t_check_streamed(t, body, len, ctype);
}

static void
t_decode_file(struct t_sink *t, const char *rel, const char *ctype)
{
    size_t len;
    unsigned char *body = sg_test_read(sg_test_srcpath(rel), &len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    t_decode(t, body, len, ctype);
    free(body);
}

/* Every document must match its schema. */
static void
t_valid(const struct t_sink *t)
{
    struct sg_errors errs;
    int i;

    for (i = 0; i < t->n_docs; i++) {
        sg_errors_init(&errs, 10);
        CU_ASSERT_EQUAL(sg_schemas_validate(schemas, t->docs[i].type,
                                            t->docs[i].xml,
                                            strlen(t->docs[i].xml), &errs),
                        0);
        if (errs.n > 0) {
            fprintf(stderr, "%s\n%s\n", errs.items[0].text,
                    t->docs[i].xml);
        }
        sg_errors_free(&errs);
    }
}

static void
t_dump(const struct t_sink *t)
{
    int i;

    for (i = 0; i < t->n_diags; i++) {
        fprintf(stderr, "  diag %s seg %ld tag %s el %d line %ld col %ld\n",
                t->diags[i].code, t->diags[i].segment,
                t->diags[i].tag ? t->diags[i].tag : "-",
                t->diags[i].element, t->diags[i].line, t->diags[i].column);
    }
}

static int
t_has(const struct t_doc *d, const char *text)
{
    return strstr(d->xml, text) != NULL;
}

/* --- sniffing and the choice among plugins --------------------------- */

static unsigned char *
t_file(const char *rel, size_t *len)
{
    unsigned char *b = sg_test_read(sg_test_srcpath(rel), len);

    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    return b;
}

static void
test_sniff_scores(void)
{
    size_t len;
    unsigned char *b;
    static const char stock_xml[] = "<?xml version=\"1.0\"?>\n<stock "
        "xmlns=\"urn:supplygate:canonical:1\">";
    static const char order_xml[] = "<order xmlns=\"urn:supplygate:"
        "canonical:1\">";

    b = t_file("tests/data/wms/846-two-lots.edi", &len);
    CU_ASSERT_EQUAL(wms->desc->sniff(b, len), 95);
    /* supplier_edi knows its sets (850, ORDERS): an 846 is not one. */
    CU_ASSERT_EQUAL(sedi->desc->sniff(b, len), 0);
    free(b);
    b = t_file("tests/data/wms/invrpt-release-decimal-comma.edi", &len);
    CU_ASSERT_EQUAL(wms->desc->sniff(b, len), 95);
    free(b);
    b = t_file("tests/data/runtime/850-auto.edi", &len);
    CU_ASSERT_EQUAL(wms->desc->sniff(b, len), 0);
    free(b);
    b = t_file("examples/02-edifact-orders-corpus-eancom.edi", &len);
    CU_ASSERT_EQUAL(wms->desc->sniff(b, len), 0);
    free(b);
    b = t_file("tests/data/wms/stock-quoted.csv", &len);
    CU_ASSERT_EQUAL(wms->desc->sniff(b, len), 90);
    CU_ASSERT_EQUAL(sedi->desc->sniff(b, len), 0);
    free(b);
    CU_ASSERT_EQUAL(wms->desc->sniff((const unsigned char *)stock_xml,
                                     strlen(stock_xml)), 60);
    CU_ASSERT_EQUAL(wms->desc->sniff((const unsigned char *)order_xml,
                                     strlen(order_xml)), 0);
}

static void
test_choose_plugin(void)
{
    static const struct {
        const char *file, *ctype, *want;
    } cases[] = {
        {"tests/data/wms/846-two-lots.edi", "application/EDI-X12",
         "wms_stock"},
        {"tests/data/wms/846-two-lots.edi", NULL, "wms_stock"},
        {"tests/data/runtime/850-auto.edi", "application/EDI-X12",
         "supplier_edi"},
        {"tests/data/runtime/850-auto.edi", NULL, "supplier_edi"},
        {"tests/data/wms/invrpt-release-decimal-comma.edi",
         "application/EDIFACT", "wms_stock"},
        {"examples/02-edifact-orders-corpus-eancom.edi",
         "application/EDIFACT", "supplier_edi"},
        {"tests/data/corpus/edifact/RECADV-smooks-d01b-utf8-under-unoa.edi",
         "application/EDIFACT", "wms_stock"},
        {"tests/data/wms/stock-quoted.csv", "text/csv", "wms_stock"},
        {"tests/data/wms/stock-quoted.csv", NULL, "wms_stock"},
        {"tests/data/wms/receipt.xml", "application/xml", "wms_stock"},
        {"examples/05-xml-canonical-order.xml", "application/xml",
         "supplier_edi"},
    };
    const struct sg_loaded_plugin *lp;
    unsigned char *b;
    size_t i, len;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        b = t_file(cases[i].file, &len);
        lp = sg_plugins_choose(plugins, cases[i].ctype, b, len);
        CU_ASSERT_PTR_NOT_NULL(lp);
        if (lp != NULL && strcmp(lp->desc->name, cases[i].want) != 0) {
            fprintf(stderr, "%s as %s went to %s\n", cases[i].file,
                    cases[i].ctype ? cases[i].ctype : "(none)",
                    lp->desc->name);
            CU_FAIL("wrong plugin");
        }
        free(b);
    }
}

/* --- X12 846 ---------------------------------------------------------- */

static void
test_x12_846(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/wms/846-two-lots.edi",
                  "application/EDI-X12");
    CU_ASSERT_EQUAL(t.rc, 0);
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.docs[0].type, "stock");
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "INV-20261204");
    CU_ASSERT_STRING_EQUAL(t.docs[0].partner, "ZZ:WMSEAST");
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<warehouse>WH-EAST</warehouse>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<time>2026-12-04T08:15:00Z</time>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<item>SKU-100</item>\n"
                         "      <lot>LOT-A1</lot>\n"
                         "      <expiry>2027-01-31</expiry>\n"
                         "      <quantity unit=\"EA\">40</quantity>"));
    /* QTY 17 (on hand) wins over the 33 (available) sent before it. */
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<lot>LOT-A2</lot>\n"
                         "      <expiry>2027-02-15</expiry>\n"
                         "      <quantity unit=\"EA\">15</quantity>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<item>SKU-200</item>\n"
                         "      <quantity unit=\"EA\">0</quantity>"));
    t_valid(&t);
    t_free(&t);
}

static void
test_x12_846_errors(void)
{
    static const char body[] =
        "ISA*00*          *00*          *ZZ*WMSEAST        *ZZ*"
        "SUPPLYGATE     *261204*0800*U*00401*000000102*0*P*>~\n"
        "GS*IB*WMSEAST*SUPPLYGATE*20261204*0800*102*X*004010~\n"
        "ST*846*0001~\n"
        "BIA*00*DD*INV-2*20261304*0800~\n"
        "N1*WH*East*92*WH-EAST~\n"
        "LIN*1*BP*SKU-1~\n"
        "QTY*17*-4*EA~\n"
        "LIN*2*BP*SKU-2~\n"
        "SE*7*0001~\nGE*1*102~\nIEA*1*000000102~\n";
    struct t_sink t;

    t_decode(&t, body, strlen(body), "application/EDI-X12");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    if (t.n_diags != 4) {
        t_dump(&t);
    }
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 4);
    /* BIA04: month 13, segment 4 on line 4, element 4. */
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.bad_date");
    CU_ASSERT_EQUAL(t.diags[0].segment, 4);
    CU_ASSERT_EQUAL(t.diags[0].line, 4);
    CU_ASSERT_EQUAL(t.diags[0].element, 4);
    CU_ASSERT_STRING_EQUAL(t.diags[1].code, "wms_stock.bad_quantity");
    CU_ASSERT_STRING_EQUAL(t.diags[1].tag, "QTY");
    CU_ASSERT_EQUAL(t.diags[1].segment, 7);
    CU_ASSERT_EQUAL(t.diags[1].element, 2);
    /* The first LIN lost its only quantity; the second never had one. */
    CU_ASSERT_STRING_EQUAL(t.diags[2].code, "wms_stock.missing_quantity");
    CU_ASSERT_EQUAL(t.diags[2].segment, 6);
    CU_ASSERT_STRING_EQUAL(t.diags[3].code, "wms_stock.missing_quantity");
    CU_ASSERT_EQUAL(t.diags[3].segment, 8);
    t_free(&t);
}

static void
test_x12_850_refused(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/runtime/850-auto.edi",
                  "application/EDI-X12");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.unsupported_set");
    CU_ASSERT_STRING_EQUAL(t.diags[0].tag, "ST");
    CU_ASSERT_EQUAL(t.diags[0].element, 1);
    t_free(&t);
}

/* --- EDIFACT INVRPT --------------------------------------------------- */

static void
test_invrpt(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/wms/invrpt-release-decimal-comma.edi",
                  "application/EDIFACT");
    CU_ASSERT_EQUAL(t.rc, 0);
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "INV-EU-7");
    CU_ASSERT_STRING_EQUAL(t.docs[0].partner, "ZZ:WMSEAST");
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<warehouse>WH-EU</warehouse>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<time>2026-12-04T08:00:00Z</time>"));
    /* The released '+' is data; the decimal comma is read as a point. */
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<lot>LOT+B1</lot>\n"
                         "      <expiry>2027-03-01</expiry>\n"
                         "      <quantity unit=\"EA\">20.5</quantity>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<item>SKU-300</item>\n"
                         "      <lot>LOT-C3</lot>\n"
                         "      <quantity unit=\"EA\">7</quantity>"));
    t_valid(&t);
    t_free(&t);
}

static void
test_invrpt_errors(void)
{
    static const char body[] =
        "UNB+UNOA:3+WMSEAST:ZZ+SUPPLYGATE:ZZ+261204:0800+203'"
        "UNH+1+INVRPT:D:96A:UN'BGM+35+INV-9+9'"
        "DTM+137:20261204:102'LIN+1++SKU-1:IN'QTY+145:X:EA'"
        "DTM+36:20270230:102'UNT+7+1'UNZ+1+203'";
    struct t_sink t;

    t_decode(&t, body, strlen(body), NULL);
    CU_ASSERT_EQUAL(t.n_docs, 0);
    if (t.n_diags != 4) {
        t_dump(&t);
    }
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 4);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.bad_quantity");
    CU_ASSERT_EQUAL(t.diags[0].segment, 6);
    CU_ASSERT_EQUAL(t.diags[0].element, 1);
    CU_ASSERT_EQUAL(t.diags[0].component, 2);
    CU_ASSERT_STRING_EQUAL(t.diags[1].code, "wms_stock.bad_date");
    CU_ASSERT_EQUAL(t.diags[1].segment, 7);
    CU_ASSERT_STRING_EQUAL(t.diags[2].code, "wms_stock.missing_quantity");
    CU_ASSERT_EQUAL(t.diags[2].segment, 5);
    CU_ASSERT_STRING_EQUAL(t.diags[3].code, "wms_stock.missing_warehouse");
    t_free(&t);
}

/* --- EDIFACT RECADV --------------------------------------------------- */

static void
test_recadv_corpus(void)
{
    struct t_sink t;
    unsigned char *body;
    char *unoa;
    size_t len;

    /* A real RECADV (tests/data/corpus/PROVENANCE.md): UNOA declared,
     * UTF-8 names sent, so the reader refuses it... */
    t_decode_file(&t, "tests/data/corpus/edifact/"
                  "RECADV-smooks-d01b-utf8-under-unoa.edi",
                  "application/EDIFACT");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_TRUE(t.n_diags > 0);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "edifact.charset");
    t_free(&t);

    /* ...and declared as what it is (UNOW, UTF-8) it is a receipt. */
    body = sg_test_read(sg_test_srcpath("tests/data/corpus/edifact/"
                        "RECADV-smooks-d01b-utf8-under-unoa.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    unoa = strstr((char *)body, "UNOA");
    CU_ASSERT_PTR_NOT_NULL_FATAL(unoa);
    memcpy(unoa, "UNOW", 4);
    t_decode(&t, body, len, "application/EDIFACT");
    free(body);
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.docs[0].type, "receipt");
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "20220808112809950");
    CU_ASSERT_STRING_EQUAL(t.docs[0].partner, "14:512X20101054836182");
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<receiptDate>2022-08-23"
                         "</receiptDate>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<warehouse>GCCN33</warehouse>"));
    /* No RFF+ON in the header: the line's RFF+VN names the order. */
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<orderRef>5502284066</orderRef>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<supplier id=\"FR21\" "
                         "qualifier=\"91\"/>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<line number=\"900001\">\n"
                         "      <item>1000629</item>\n"
                         "      <lot>U23362</lot>\n"
                         "      <expiry>2024-10-31</expiry>\n"
                         "      <received unit=\"PCE\">200</received>\n"
                         "      <accepted>200</accepted>"));
    t_valid(&t);
    t_free(&t);
}

static void
test_recadv_rejected_and_missing_lot(void)
{
    static const char body[] =
        "UNB+UNOA:3+WMS:ZZ+SG:ZZ+261204:0800+204'"
        "UNH+1+RECADV:D:01B:UN'BGM+632+GR-9+9'DTM+50:20261204:102'"
        "RFF+ON:RP000000007'RFF+AAK:ASN-3'NAD+SU+ACME::92'NAD+DP+WH-1::92'"
        "LIN+1++SKU-A:IN'QTY+48:10:EA'QTY+194:8:EA'QTY+195:2:EA'"
        "RFF+BT:LOT-9'DTM+36:20270101:102'"
        "LIN+2++SKU-B:IN'QTY+48:1:EA'"
        "UNT+16+1'UNZ+1+204'";
    struct t_sink t;

    t_decode(&t, body, strlen(body), NULL);
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.missing_lot");
    CU_ASSERT_EQUAL(t.diags[0].segment, 15);
    t_free(&t);

    /* Without the second line: accepted and rejected as sent. */
    {
        char *one = sg_xstrdup(body), *cut = strstr(one, "LIN+2");

        memmove(cut, strstr(cut, "UNT+16"), strlen(strstr(cut, "UNT+16"))
                + 1);
        memcpy(strstr(one, "UNT+16"), "UNT+14", 6);
        t_decode(&t, one, strlen(one), NULL);
        free(one);
    }
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<orderRef>RP000000007</orderRef>\n"
                         "  <shipNoticeRef>ASN-3</shipNoticeRef>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<accepted>8</accepted>\n"
                         "      <rejected>2</rejected>"));
    t_valid(&t);
    t_free(&t);
}

/* --- CSV ---------------------------------------------------------------- */

static void
test_csv_quoted(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/wms/stock-quoted.csv", "text/csv");
    CU_ASSERT_EQUAL(t.rc, 0);
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 2);
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "m1-1");
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<warehouse>WH-1</warehouse>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<source format=\"csv\"/>"));
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<item>SKU-100</item>\n"
                         "      <lot>LOT-1</lot>\n"
                         "      <expiry>2027-01-31</expiry>\n"
                         "      <quantity unit=\"EA\">10</quantity>"));
    /* "" is one quote; the comma inside quotes is data. */
    CU_ASSERT_TRUE(t_has(&t.docs[0], "<item>SKU &quot;Q&quot;, with "
                         "comma</item>\n      <lot>LOT-2</lot>\n"
                         "      <quantity unit=\"EA\">3.5</quantity>"));
    /* A line break inside quotes is data (made a blank in a token). */
    CU_ASSERT_STRING_EQUAL(t.docs[1].key, "m1-2");
    CU_ASSERT_TRUE(t_has(&t.docs[1], "<warehouse>WH-2</warehouse>"));
    CU_ASSERT_TRUE(t_has(&t.docs[1], "<lot>LOT  X</lot>"));
    t_valid(&t);
    t_free(&t);
}

static void
test_csv_bad_rows(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/wms/stock-bad-rows.csv", "text/csv");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 6);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.bad_quantity");
    CU_ASSERT_EQUAL(t.diags[0].line, 2);
    CU_ASSERT_EQUAL(t.diags[0].column, 26);
    CU_ASSERT_EQUAL(t.diags[0].element, 5);
    CU_ASSERT_STRING_EQUAL(t.diags[1].code, "wms_stock.bad_date");
    CU_ASSERT_EQUAL(t.diags[1].line, 3);
    CU_ASSERT_EQUAL(t.diags[1].column, 15);
    CU_ASSERT_EQUAL(t.diags[1].element, 4);
    CU_ASSERT_STRING_EQUAL(t.diags[2].code, "wms_stock.csv_fields");
    CU_ASSERT_EQUAL(t.diags[2].line, 4);
    CU_ASSERT_EQUAL(t.diags[2].column, 1);
    CU_ASSERT_EQUAL(t.diags[2].element, 3);
    CU_ASSERT_STRING_EQUAL(t.diags[3].code, "wms_stock.csv_quote");
    CU_ASSERT_EQUAL(t.diags[3].line, 5);
    CU_ASSERT_EQUAL(t.diags[3].column, 8);
    CU_ASSERT_EQUAL(t.diags[3].element, 2);
    CU_ASSERT_STRING_EQUAL(t.diags[4].code, "wms_stock.csv_missing");
    CU_ASSERT_EQUAL(t.diags[4].line, 6);
    CU_ASSERT_EQUAL(t.diags[4].column, 6);
    CU_ASSERT_EQUAL(t.diags[4].element, 2);
    CU_ASSERT_STRING_EQUAL(t.diags[5].code, "wms_stock.csv_quote");
    CU_ASSERT_EQUAL(t.diags[5].line, 7);
    CU_ASSERT_EQUAL(t.diags[5].column, 6);
    t_free(&t);
}

static void
test_csv_header(void)
{
    static const char body[] = "warehouse,item,lot,expiry,qty,unit\n"
                               "WH-1,SKU-1,,,1,EA\n";
    struct t_sink t;

    t_decode(&t, body, strlen(body), "text/csv; charset=utf-8");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "wms_stock.csv_header");
    CU_ASSERT_EQUAL(t.diags[0].line, 1);
    CU_ASSERT_EQUAL(t.diags[0].column,
                    (long)strlen("warehouse,item,lot,expiry,q") + 1);
    t_free(&t);
}

/* --- XML ----------------------------------------------------------------- */

static void
test_xml_stock_and_receipt(void)
{
    struct t_sink t;

    t_decode_file(&t, "tests/data/wms/stock-snapshot.xml",
                  "application/xml");
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.docs[0].type, "stock");
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "SNAP-XML-1");
    CU_ASSERT_STRING_EQUAL(t.docs[0].partner, "ZZ:WMSEAST");
    t_valid(&t);
    t_free(&t);

    t_decode_file(&t, "tests/data/wms/receipt.xml", "application/xml");
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.docs[0].type, "receipt");
    CU_ASSERT_STRING_EQUAL(t.docs[0].key, "GR-5001");
    t_valid(&t);
    t_free(&t);
}

static void
test_xml_refused(void)
{
    static const char doctype[] = "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE stock [<!ENTITY x \"y\">]>\n<stock/>";
    static const char other[] = "<order xmlns=\"urn:supplygate:"
        "canonical:1\"/>";
    struct t_sink t;

    t_decode(&t, doctype, strlen(doctype), "application/xml");
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "xml.doctype");
    CU_ASSERT_EQUAL(t.diags[0].line, 2);
    t_free(&t);
    t_decode(&t, other, strlen(other), "application/xml");
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.diags[0].code, "xml.root");
    t_free(&t);
}

/* --- mutated bodies ---------------------------------------------------- */

/*
 * Each sample with bytes changed, dropped or doubled at random (fixed
 * seed): the plugin must never crash, and must either produce documents
 * or say what is wrong - a body silently turned into nothing would be
 * lost.
 */
static void
test_mutations(void)
{
    static const char *const files[] = {
        "tests/data/wms/846-two-lots.edi",
        "tests/data/wms/invrpt-release-decimal-comma.edi",
        "tests/data/corpus/edifact/RECADV-smooks-d01b-utf8-under-unoa.edi",
        "tests/data/wms/stock-quoted.csv",
        "tests/data/wms/stock-snapshot.xml",
    };
    static const char *const ctypes[] = {
        "application/EDI-X12", "application/EDIFACT", "application/EDIFACT",
        "text/csv", "application/xml"
    };
    static const char alphabet[] = "*~'+:?,\"\n\r0A-.|<>";
    unsigned seed = 20261204;
    struct t_sink t;
    unsigned char *orig, *body;
    size_t f, len, n, at;
    int round, k, silent = 0;

    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        orig = t_file(files[f], &len);
        body = sg_xmalloc(len * 2 + 16);
        for (round = 0; round < 300; round++) {
            memcpy(body, orig, len);
            n = len;
            for (k = 0; k < 1 + round % 4; k++) {
                at = (size_t)rand_r(&seed) % n;
                switch (rand_r(&seed) % 3) {
                case 0:
                    body[at] = (unsigned char)alphabet[rand_r(&seed) %
                                                       (sizeof(alphabet) - 1)];
                    break;
                case 1:
                    memmove(body + at, body + at + 1, n - at - 1);
                    n--;
                    break;
                default:
                    memmove(body + at + 1, body + at, n - at);
                    n++;
                    break;
                }
            }
            t_decode(&t, body, n, ctypes[f]);
            if (t.n_docs == 0 && t.n_diags == 0) {
                silent++;
                fprintf(stderr, "silent on a mutation of %s:\n%.*s\n",
                        files[f], (int)n, body);
            }
            t_free(&t);
        }
        free(body);
        free(orig);
    }
    CU_ASSERT_EQUAL(silent, 0);
}

/* --- setup ------------------------------------------------------------ */

static void
load(const char *name, const char *rel)
{
    struct sg_errors errs;
    char *path = sg_xstrdup(sg_test_buildpath(rel));

    sg_errors_init(&errs, 10);
    if (sg_plugins_probe(plugins, name, path, 1, &errs) == NULL) {
        fprintf(stderr, "cannot load %s\n", path);
        exit(2);
    }
    sg_errors_free(&errs);
    free(path);
}

int
main(void)
{
    struct sg_errors errs;
    CU_pSuite s;
    int rc;

    plugins = sg_plugins_new();
    load("supplier_edi", "plugins/supplier_edi/.libs/supplier_edi.so");
    load("wms_stock", "plugins/wms_stock/.libs/wms_stock.so");
    /* supplier_edi finds its segment maps under the schemas. */
    cfg.schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    sg_errors_init(&errs, 10);
    if (sg_plugins_init(plugins, &cfg, &errs) != 0) {
        fprintf(stderr, "plugins did not initialise\n");
        return 2;
    }
    schemas = sg_schemas_load(sg_test_srcpath("schemas"), &errs);
    if (schemas == NULL) {
        fprintf(stderr, "schemas did not load\n");
        return 2;
    }
    sg_errors_free(&errs);
    wms = sg_plugins_find(plugins, "wms_stock");
    sedi = sg_plugins_find(plugins, "supplier_edi");

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("wms_stock", NULL, NULL);
    CU_add_test(s, "sniff: 846 and INVRPT over any interchange",
                test_sniff_scores);
    CU_add_test(s, "choice among plugins by type and body",
                test_choose_plugin);
    CU_add_test(s, "X12 846: lots, expiry, QTY 17 wins", test_x12_846);
    CU_add_test(s, "X12 846: errors with segment and element",
                test_x12_846_errors);
    CU_add_test(s, "X12 850 is not ours", test_x12_850_refused);
    CU_add_test(s, "INVRPT: release char, decimal comma", test_invrpt);
    CU_add_test(s, "INVRPT: errors with positions", test_invrpt_errors);
    CU_add_test(s, "RECADV: the corpus file", test_recadv_corpus);
    CU_add_test(s, "RECADV: accepted, rejected, missing lot",
                test_recadv_rejected_and_missing_lot);
    CU_add_test(s, "CSV: RFC 4180 quoting, per warehouse",
                test_csv_quoted);
    CU_add_test(s, "CSV: bad rows with line and column",
                test_csv_bad_rows);
    CU_add_test(s, "CSV: wrong header", test_csv_header);
    CU_add_test(s, "XML: stock and receipt pass", test_xml_stock_and_receipt);
    CU_add_test(s, "XML: doctype and foreign root refused",
                test_xml_refused);
    CU_add_test(s, "mutated bodies: documents or errors, never silence",
                test_mutations);
    rc = sg_test_run();
    sg_schemas_free(schemas);
    sg_plugins_free(plugins);
    return rc;
}
