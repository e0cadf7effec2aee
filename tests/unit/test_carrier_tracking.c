/*
 * test_carrier_tracking.c - the carrier_tracking plugin as the daemon
 * sees it: loaded with dlopen, initialised with a host table of our own,
 * fed the corpus 214 and IFTSTA files, our own samples of every format
 * (tests/data/carrier) and broken messages.  Every document it produces
 * is validated against schemas/tracking.xsd, and the values the
 * shipment rules read are read back from the XML by XPath.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "sg_plugin.h"
#include "testlib.h"
#include "util.h"

static void *dl;
static const struct sg_plugin *plugin;
static xmlSchemaPtr schema;
static void *ctx;

/* --- a host of our own ------------------------------------------------ */

static void
host_log(enum sg_log_level level, const char *name, const char *msg_id,
         const char *fmt, ...)
{
    va_list ap;

    (void)msg_id;
    fprintf(stderr, "[%d plugin:%s] ", (int)level, name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static long
host_int(const void *config, const char *name)
{
    (void)config;
    return strcmp(name, "max_events") == 0 ? 1000 : 0;
}

static const struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
    .option_string = NULL,
    .option_int = host_int,
};

/* --- a sink that keeps everything ------------------------------------- */

struct t_doc {
    char *type, *key, *partner, *xml;
};

struct t_diag {
    char *code, *text, *tag, *xpath;
    long segment, line, column;
    int element, component;
};

struct t_sink {
    struct sg_sink sink;
    struct t_doc docs[32];
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

    if (t->n_docs == 32) {
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
    d->text = t_dup(diag->text);
    d->tag = t_dup(diag->tag);
    d->xpath = t_dup(diag->xpath);
    d->segment = diag->segment;
    d->line = diag->line;
    d->column = diag->column;
    d->element = diag->element;
    d->component = diag->component;
    fprintf(stderr, "  diag %s seg %ld %s%02d/%d line %ld %s: %s\n",
            d->code, d->segment, d->tag ? d->tag : "-", d->element,
            d->component, d->line, d->xpath ? d->xpath : "-", d->text);
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
        free(t->diags[i].text);
        free(t->diags[i].tag);
        free(t->diags[i].xpath);
    }
    free(t);
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

        same = t_same_str(x->code, y->code) &&
               t_same_str(x->text, y->text) && t_same_str(x->tag, y->tag) &&
               t_same_str(x->xpath, y->xpath) &&
               x->segment == y->segment && x->line == y->line &&
               x->column == y->column && x->element == y->element &&
               x->component == y->component;
    }
    return same;
}

/*
 * decode_stream() must say what decode() said of the same body: every
 * body decoded here is also streamed one byte at a time and in random
 * pieces.
 */
static void
t_check_streamed(const struct t_sink *whole, const void *data, size_t len)
{
    static const unsigned long seeds[] = {0, 31};
    struct t_sink *t;
    struct t_pieces p;
    struct sg_message msg;
    size_t i;

    for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        t = sg_xcalloc(1, sizeof(*t));
        t->sink.document = t_document;
        t->sink.error = t_error;
        p.data = data;
        p.len = len;
        p.off = 0;
        p.seed = seeds[i];
        memset(&msg, 0, sizeof(msg));
        msg.id = "msg-test";
        msg.read = t_pieces_read;
        msg.read_arg = &p;
        t->rc = plugin->decode_stream(ctx, &msg, &t->sink);
        if (!t_same(whole, t)) {
            fprintf(stderr, "decode_stream (seed %lu) differs from "
                    "decode\n", seeds[i]);
        }
        CU_ASSERT(t_same(whole, t));
        t_free(t);
    }
}

static struct t_sink *
t_decode_mem(const void *data, size_t len)
{
    struct t_sink *t = sg_xcalloc(1, sizeof(*t));
    struct sg_message msg;

    t->sink.document = t_document;
    t->sink.error = t_error;
    memset(&msg, 0, sizeof(msg));
    msg.id = "msg-test";
    msg.data = data;
    msg.len = len;
    t->rc = plugin->decode(ctx, &msg, &t->sink);
    t_check_streamed(t, data, len);
    return t;
}

static struct t_sink *
t_decode_str(const char *text)
{
    return t_decode_mem(text, strlen(text));
}

static struct t_sink *
t_decode_file(const char *rel)
{
    unsigned char *data;
    struct t_sink *t;
    size_t len = 0;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    if (data == NULL) {
        fprintf(stderr, "cannot read %s\n", sg_test_srcpath(rel));
        CU_FAIL_FATAL("test input missing");
    }
    t = t_decode_mem(data, len);
    free(data);
    return t;
}

/* --- reading the documents back --------------------------------------- */

static int
t_valid(const struct t_doc *d)
{
    xmlDocPtr doc = xmlReadMemory(d->xml, (int)strlen(d->xml), "doc.xml",
                                  NULL, XML_PARSE_NONET);
    xmlSchemaValidCtxtPtr v;
    int rc;

    if (doc == NULL) {
        return 0;
    }
    v = xmlSchemaNewValidCtxt(schema);
    rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    xmlFreeDoc(doc);
    if (rc != 0) {
        fprintf(stderr, "invalid document:\n%s\n", d->xml);
    }
    return rc == 0;
}

/* The string value of an XPath (prefix c: the canonical namespace). */
static const char *
t_xp(const struct t_doc *d, const char *expr)
{
    static char out[1024];
    xmlDocPtr doc = xmlReadMemory(d->xml, (int)strlen(d->xml), "doc.xml",
                                  NULL, XML_PARSE_NONET);
    xmlXPathContextPtr xc;
    xmlXPathObjectPtr r;
    xmlChar *s;

    out[0] = '\0';
    if (doc == NULL) {
        return out;
    }
    xc = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(xc, (const xmlChar *)"c",
                       (const xmlChar *)"urn:supplygate:canonical:1");
    r = xmlXPathEvalExpression((const xmlChar *)expr, xc);
    if (r != NULL) {
        s = xmlXPathCastToString(r);
        snprintf(out, sizeof(out), "%s", (const char *)s);
        xmlFree(s);
        xmlXPathFreeObject(r);
    }
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    return out;
}

#define XP_EQ(d, expr, want) CU_ASSERT_STRING_EQUAL(t_xp(d, expr), want)

static void
t_all_valid(const struct t_sink *t)
{
    int i;

    for (i = 0; i < t->n_docs; i++) {
        CU_ASSERT_STRING_EQUAL(t->docs[i].type, "tracking");
        CU_ASSERT_TRUE(t_valid(&t->docs[i]));
    }
}

/* --- the descriptor and sniffing --------------------------------------- */

static int
t_sniff(const char *text)
{
    return plugin->sniff((const unsigned char *)text, strlen(text));
}

static int
t_sniff_file(const char *rel)
{
    char path[512];
    unsigned char *data;
    size_t len = 0;
    int score;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", rel);
    data = sg_test_read(sg_test_srcpath(path), &len);
    if (data == NULL) {
        return -1;
    }
    score = plugin->sniff(data, len);
    free(data);
    return score;
}

static void
test_descriptor_and_sniff(void)
{
    CU_ASSERT_STRING_EQUAL(plugin->name, "carrier_tracking");
    CU_ASSERT_STRING_EQUAL(plugin->document_types[0], "tracking");
    CU_ASSERT_PTR_NULL(plugin->document_types[1]);
    CU_ASSERT_EQUAL(plugin->options[0].type, SG_OPT_INT);
    CU_ASSERT_STRING_EQUAL(plugin->options[0].name, "max_events");

    /* The transaction set decides, not the syntax alone. */
    CU_ASSERT_EQUAL(t_sniff("ISA*00~GS*QM~ST*214*1~"), 90);
    CU_ASSERT_EQUAL(t_sniff("ISA*00~GS*PO~ST*850*1~"), 0);
    CU_ASSERT_EQUAL(t_sniff("ISA*00~GS*SH~\nST*856*1~"), 0);
    CU_ASSERT_EQUAL(t_sniff("UNB+UNOC:3'UNH+1+IFTSTA:D:00B'"), 90);
    CU_ASSERT_EQUAL(t_sniff("UNA:+.? 'UNB+UNOC:3'UNH+A?+B+ORDERS:D'"), 0);
    /* "ST" inside a value is not a segment. */
    CU_ASSERT_EQUAL(t_sniff("ISA*00*ST*214~"), 0);
    CU_ASSERT_EQUAL(t_sniff("<?xml version=\"1.0\"?>\n<!-- c -->"
                            "<trackingUpdate carrier=\"X\"/>"), 90);
    CU_ASSERT_EQUAL(t_sniff("<order xmlns=\"urn:supplygate:canonical:1\"/>"),
                    0);
    CU_ASSERT_EQUAL(t_sniff("{\"carrier\":\"X\",\"events\":[]}"), 90);
    CU_ASSERT_EQUAL(t_sniff("{\"ticket\":1}"), 0);
    CU_ASSERT_EQUAL(t_sniff("hello"), 0);

    /* The corpus files, with their BOMs, odd terminators and UNAs. */
    CU_ASSERT_EQUAL(t_sniff_file("x12/214-edinet-mgctlyst.edi"), 90);
    CU_ASSERT_EQUAL(t_sniff_file("x12/214-edinet-bom-isa-line-break.edi"),
                    90);
    CU_ASSERT_EQUAL(t_sniff_file("x12/214-staedi-utf8-ellipsis-"
                                 "terminator.edi"), 90);
    CU_ASSERT_EQUAL(t_sniff_file("edifact/IFTSTA-apimeister-d00b.edi"), 90);
    CU_ASSERT_EQUAL(t_sniff_file("x12/850-nodex12-newline-terminator.edi"),
                    0);
    CU_ASSERT_EQUAL(t_sniff_file("x12/856-ediengine-crossdock.edi"), 0);
    CU_ASSERT_EQUAL(t_sniff_file("edifact/ORDERS-phpedifact-eancom-ok.edi"),
                    0);
    CU_ASSERT_EQUAL(t_sniff_file("edifact/"
                                 "INVOIC-staedi-d97b-una-custom-"
                                 "delimiters.edi"), 0);
}

/* --- X12 214 ------------------------------------------------------------ */

static void t_expect(const struct t_sink *t, int i, const char *code,
                     long segment, const char *tag, int element,
                     int component);

/* The corpus sample, clean or with a BOM and a line break in its ISA:
 * the same single status either way. */
static void
t_check_mgctlyst(const char *rel)
{
    struct t_sink *t = t_decode_file(rel);
    const struct t_doc *d;

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    t_all_valid(t);
    d = &t->docs[0];
    CU_ASSERT_STRING_EQUAL(d->key, "1751807");
    CU_ASSERT_STRING_EQUAL(d->partner, "02:SCAC");
    XP_EQ(d, "/c:tracking/c:shipmentId", "1751807");
    XP_EQ(d, "/c:tracking/c:reference[@qualifier='shipper_id']",
          "75027674");
    XP_EQ(d, "/c:tracking/c:carrier/@id", "SCAC");
    XP_EQ(d, "/c:tracking/c:carrier/@qualifier", "scac");
    XP_EQ(d, "/c:tracking/c:status", "delivered");
    XP_EQ(d, "/c:tracking/c:status/@code", "D1");
    XP_EQ(d, "/c:tracking/c:reason", "normal");
    XP_EQ(d, "/c:tracking/c:reason/@code", "NS");
    /* LT: local time of the place; no offset is invented. */
    XP_EQ(d, "/c:tracking/c:eventTime", "2016-07-26T12:30:00");
    XP_EQ(d, "/c:tracking/c:eventTime/@zone", "LT");
    XP_EQ(d, "/c:tracking/c:location/c:city", "BRATTLEBORO");
    XP_EQ(d, "/c:tracking/c:location/c:region", "VT");
    XP_EQ(d, "/c:tracking/c:condition", "intact");
    XP_EQ(d, "count(/c:tracking/c:orderNumber)", "0");
    XP_EQ(d, "/c:tracking/c:source/@messageType", "214");
    XP_EQ(d, "/c:tracking/c:source/@message", "822650001");
    t_free(t);
}

static void
test_x12_corpus_mgctlyst(void)
{
    struct t_sink *t;

    t_check_mgctlyst("tests/data/corpus/x12/214-edinet-mgctlyst.edi");

    /* The same with a BOM and a line break inside the ISA: the reader
     * is strict about the fixed-width ISA (the peer was lenient), so
     * the set is reported at ISA08 and not mapped. */
    t = t_decode_file("tests/data/corpus/x12/"
                      "214-edinet-bom-isa-line-break.edi");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    t_expect(t, 0, "x12.isa_length", 1, "ISA", 8, 0);
    t_free(t);
}

static void
test_x12_corpus_ellipsis(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/x12/"
                                     "214-staedi-utf8-ellipsis-"
                                     "terminator.edi");

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    t_all_valid(t);
    /* Two statuses in one 214: two documents, in order. */
    CU_ASSERT_STRING_EQUAL(t->docs[0].key, "0542550913");
    XP_EQ(&t->docs[0], "/c:tracking/c:orderNumber", "900169");
    XP_EQ(&t->docs[0], "/c:tracking/c:status", "estimated");
    XP_EQ(&t->docs[0], "/c:tracking/c:status/@code", "AG");
    /* ET in September is daylight time. */
    XP_EQ(&t->docs[0], "/c:tracking/c:eventTime", "2020-09-11T11:59:00-04:00");
    XP_EQ(&t->docs[0], "/c:tracking/c:eventTime/@zone", "ET");
    XP_EQ(&t->docs[0], "/c:tracking/c:sequence", "1");
    XP_EQ(&t->docs[1], "/c:tracking/c:status", "picked_up");
    XP_EQ(&t->docs[1], "/c:tracking/c:status/@code", "AF");
    XP_EQ(&t->docs[1], "/c:tracking/c:eventTime", "2020-09-10T11:35:00-04:00");
    XP_EQ(&t->docs[1], "/c:tracking/c:carrier/@id", "XXXX");
    XP_EQ(&t->docs[1], "/c:tracking/c:sequence", "2");
    t_free(t);
}

static void
test_x12_two_sets(void)
{
    struct t_sink *t = t_decode_file("tests/data/carrier/214-two-sets.edi");

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 3);
    t_all_valid(t);
    CU_ASSERT_STRING_EQUAL(t->docs[0].key, "PRO-5001");
    XP_EQ(&t->docs[0], "/c:tracking/c:orderNumber", "PO-EX-3001");
    XP_EQ(&t->docs[0], "/c:tracking/c:driver", "Dana Driver");
    XP_EQ(&t->docs[0], "/c:tracking/c:status", "picked_up");
    /* ET in January is standard time, in July daylight time. */
    XP_EQ(&t->docs[0], "/c:tracking/c:eventTime", "2026-01-15T09:30:00-05:00");
    XP_EQ(&t->docs[0], "/c:tracking/c:location/c:country", "DE");
    XP_EQ(&t->docs[1], "/c:tracking/c:status", "in_transit");
    XP_EQ(&t->docs[1], "/c:tracking/c:eventTime", "2026-07-10T14:15:00-04:00");
    XP_EQ(&t->docs[1], "/c:tracking/c:driver", "Dana Driver");
    /* The second 214 of the interchange: no order, no reason. */
    CU_ASSERT_STRING_EQUAL(t->docs[2].key, "PRO-5002");
    XP_EQ(&t->docs[2], "count(/c:tracking/c:orderNumber)", "0");
    XP_EQ(&t->docs[2], "count(/c:tracking/c:reason)", "0");
    XP_EQ(&t->docs[2], "count(/c:tracking/c:driver)", "0");
    XP_EQ(&t->docs[2], "/c:tracking/c:status", "delivered");
    XP_EQ(&t->docs[2], "/c:tracking/c:eventTime", "2026-12-04T11:30:00+00:00");
    XP_EQ(&t->docs[2], "/c:tracking/c:source/@message", "0002");
    t_free(t);
}

/* Expect diag i to be code at segment, tag, element, component. */
static void
t_expect(const struct t_sink *t, int i, const char *code, long segment,
         const char *tag, int element, int component)
{
    CU_ASSERT_FATAL(i < t->n_diags);
    CU_ASSERT_STRING_EQUAL(t->diags[i].code, code);
    CU_ASSERT_EQUAL(t->diags[i].segment, segment);
    CU_ASSERT_STRING_EQUAL(t->diags[i].tag, tag);
    CU_ASSERT_EQUAL(t->diags[i].element, element);
    CU_ASSERT_EQUAL(t->diags[i].component, component);
}

static void
test_x12_bad_codes(void)
{
    struct t_sink *t = t_decode_file("tests/data/carrier/214-bad-codes.edi");

    /* Nothing is guessed and nothing half-accepted. */
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 4);
    t_expect(t, 0, "carrier_tracking.unknown_status", 6, "AT7", 1, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t->diags[0].text, "\"ZZ\""));
    CU_ASSERT_EQUAL(t->diags[0].line, 6);
    t_expect(t, 1, "carrier_tracking.unknown_reason", 8, "AT7", 2, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t->diags[1].text, "\"QQ\""));
    t_expect(t, 2, "carrier_tracking.bad_date", 10, "AT7", 5, 0);
    t_expect(t, 3, "carrier_tracking.unknown_time_code", 12, "AT7", 7, 0);
    t_free(t);
}

static void
test_x12_unsupported_set(void)
{
    struct t_sink *t = t_decode_file("examples/03-x12-850-two-orders.edi");

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 2);
    t_expect(t, 0, "carrier_tracking.unsupported_set", 3, "ST", 1, 0);
    t_free(t);
}

static void
test_x12_missing_parts(void)
{
    struct t_sink *t = t_decode_str(
        "ISA*00*          *00*          *02*AFRT           *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*000000503*0*P*>~\n"
        "GS*QM*AFRT*SUPPLYGATE*20261204*1200*503*X*004010~\n"
        "ST*214*0001~\nB10***AFRT~\nLX*1~\nAT7*D1****20261204~\n"
        "SE*5*0001~\nST*214*0002~\nB10*PRO-1~\nLX*1~\nAT7***AA~\n"
        "SE*5*0002~\nGE*2*503~\nIEA*1*000000503~\n");

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 2);
    t_expect(t, 0, "carrier_tracking.missing_shipment", 4, "B10", 1, 0);
    t_expect(t, 1, "carrier_tracking.missing_status", 11, "AT7", 1, 0);
    t_free(t);
}

/* A status without time code or time: midnight, no offset, no zone. */
static void
test_x12_optional_fields(void)
{
    struct t_sink *t = t_decode_str(
        "ISA*00*          *00*          *02*AFRT           *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*000000504*0*P*>~\n"
        "GS*QM*AFRT*SUPPLYGATE*20261204*1200*504*X*004010~\n"
        "ST*214*0001~\nB10*PRO-7~\nLX*1~\nAT7*SD*AO***20261204~\n"
        "SE*5*0001~\nGE*1*504~\nIEA*1*000000504~\n");

    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    t_all_valid(t);
    XP_EQ(&t->docs[0], "/c:tracking/c:status", "delayed");
    XP_EQ(&t->docs[0], "/c:tracking/c:reason", "weather");
    XP_EQ(&t->docs[0], "/c:tracking/c:eventTime", "2026-12-04T00:00:00");
    XP_EQ(&t->docs[0], "count(/c:tracking/c:eventTime/@zone)", "0");
    XP_EQ(&t->docs[0], "count(/c:tracking/c:location)", "0");
    /* No SCAC anywhere: the interchange sender is the carrier. */
    XP_EQ(&t->docs[0], "/c:tracking/c:carrier/@id", "02:AFRT");
    XP_EQ(&t->docs[0], "/c:tracking/c:carrier/@qualifier", "sender");
    t_free(t);
}

/* --- EDIFACT IFTSTA ------------------------------------------------------ */

static void
test_edifact_corpus(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/edifact/"
                                     "IFTSTA-apimeister-d00b.edi");

    /* Its status "P" comes from a carrier's own list ("HS"): reported
     * at the code, not guessed. */
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 2);
    t_expect(t, 0, "carrier_tracking.unknown_status", 14, "STS", 2, 1);
    /* And its UNZ names another interchange (2805570, UNB 2803570). */
    t_expect(t, 1, "edifact.unz_control", 33, "UNZ", 2, 0);
    CU_ASSERT_EQUAL(t->diags[0].line, 14);
    CU_ASSERT_PTR_NOT_NULL(strstr(t->diags[0].text, "\"P\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(t->diags[0].text, "HS"));
    t_free(t);
}

static void
test_edifact_two_statuses(void)
{
    struct t_sink *t = t_decode_file("tests/data/carrier/"
                                     "IFTSTA-two-statuses.edi");
    const struct t_doc *d;

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    t_all_valid(t);
    d = &t->docs[0];
    CU_ASSERT_STRING_EQUAL(d->key, "CONS-7001");
    CU_ASSERT_STRING_EQUAL(d->partner, "ZZ:AFRT");
    XP_EQ(d, "/c:tracking/c:orderNumber", "PO-EX-3002");
    XP_EQ(d, "/c:tracking/c:carrier/@id", "AFRT");
    XP_EQ(d, "/c:tracking/c:carrier/@qualifier", "9");
    XP_EQ(d, "/c:tracking/c:carrier/c:name", "Acme Freight");
    XP_EQ(d, "/c:tracking/c:status", "picked_up");
    XP_EQ(d, "/c:tracking/c:status/@code", "13");
    XP_EQ(d, "/c:tracking/c:eventTime", "2026-12-04T08:15:00+01:00");
    XP_EQ(d, "/c:tracking/c:eventTime/@zone", "+01");
    XP_EQ(d, "/c:tracking/c:location/@code", "DEHAM");
    XP_EQ(d, "/c:tracking/c:location/c:name", "Hamburg");
    XP_EQ(d, "/c:tracking/c:location/c:country", "DE");
    d = &t->docs[1];
    XP_EQ(d, "/c:tracking/c:status", "delivered");
    XP_EQ(d, "/c:tracking/c:reason", "new_delivery_arrangements");
    XP_EQ(d, "/c:tracking/c:reason/@code", "228");
    XP_EQ(d, "/c:tracking/c:eventTime", "2026-12-05T09:45:00+01:00");
    XP_EQ(d, "/c:tracking/c:location/c:name", "Berlin");
    XP_EQ(d, "/c:tracking/c:sequence", "2");
    t_free(t);
}

static void
test_edifact_bad_time(void)
{
    struct t_sink *t = t_decode_str(
        "UNB+UNOC:3+AFRT:ZZ+SUPPLYGATE:ZZ+261204:1200+702'"
        "UNH+1+IFTSTA:D:01B:UN'CNI+1+C-1'STS+1+21'"
        "DTM+334:2026120425:203'STS+1+31'DTM+334:20261204:999'"
        "STS+1+31'UNT+8+1'UNZ+1+702'");

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 3);
    t_expect(t, 0, "carrier_tracking.bad_time", 5, "DTM", 1, 2);
    t_expect(t, 1, "carrier_tracking.unknown_time_format", 7, "DTM", 1, 3);
    t_expect(t, 2, "carrier_tracking.missing_time", 8, "STS", 0, 0);
    t_free(t);
}

/* --- webhooks ---------------------------------------------------------- */

static void
test_xml_webhook(void)
{
    struct t_sink *t = t_decode_file("tests/data/carrier/webhook.xml");
    const struct t_doc *d;

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    t_all_valid(t);
    d = &t->docs[0];
    CU_ASSERT_STRING_EQUAL(d->key, "WEB-9001");
    CU_ASSERT_STRING_EQUAL(d->partner, "AFRT");
    XP_EQ(d, "/c:tracking/c:source/@format", "xml");
    XP_EQ(d, "/c:tracking/c:orderNumber", "PO-EX-5001");
    XP_EQ(d, "/c:tracking/c:status", "in_transit");
    XP_EQ(d, "/c:tracking/c:eventTime", "2026-12-04T14:05:00+09:00");
    XP_EQ(d, "/c:tracking/c:location/@code", "JPTYO");
    XP_EQ(d, "/c:tracking/c:location/c:city", "Tokyo");
    XP_EQ(d, "/c:tracking/c:driver", "Kenji");
    XP_EQ(d, "/c:tracking/c:condition", "intact");
    d = &t->docs[1];
    XP_EQ(d, "/c:tracking/c:status", "delivered");
    XP_EQ(d, "/c:tracking/c:reason", "left_at_door");
    XP_EQ(d, "/c:tracking/c:eventTime", "2026-12-05T09:00:30+00:00");
    XP_EQ(d, "/c:tracking/c:condition", "damaged");
    XP_EQ(d, "count(/c:tracking/c:orderNumber)", "0");
    t_free(t);
}

static void
test_xml_refusals(void)
{
    struct t_sink *t;

    t = t_decode_str("<trackingUpdate carrier=\"A\">\n<event>\n"
                     "<shipment>S</shipment>\n<status>teleported</status>\n"
                     "<time>2026-12-04T10:00:00Z</time></event>\n"
                     "</trackingUpdate>");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code,
                           "carrier_tracking.unknown_status");
    CU_ASSERT_STRING_EQUAL(t->diags[0].xpath,
                           "/trackingUpdate/event[1]/status");
    CU_ASSERT_EQUAL(t->diags[0].line, 2);
    t_free(t);

    t = t_decode_str("<!DOCTYPE x [<!ENTITY a \"b\">]>"
                     "<trackingUpdate carrier=\"A\"/>");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code, "xml.doctype");
    t_free(t);

    t = t_decode_str("<trackingUpdate><event/></trackingUpdate>");
    CU_ASSERT_EQUAL(t->rc, -1);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].xpath, "/trackingUpdate/@carrier");
    t_free(t);
}

static void
test_json_webhook(void)
{
    struct t_sink *t = t_decode_file("tests/data/carrier/webhook.json");
    const struct t_doc *d;

    CU_ASSERT_EQUAL(t->rc, 0);
    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    t_all_valid(t);
    d = &t->docs[0];
    CU_ASSERT_STRING_EQUAL(d->key, "JSON-9101");
    XP_EQ(d, "/c:tracking/c:source/@format", "json");
    XP_EQ(d, "/c:tracking/c:carrier/@id", "AFRT");
    XP_EQ(d, "/c:tracking/c:carrier/c:name", "Acme Freight");
    XP_EQ(d, "/c:tracking/c:status", "picked_up");
    XP_EQ(d, "/c:tracking/c:status/@codeList", "webhook");
    XP_EQ(d, "/c:tracking/c:eventTime", "2026-12-04T10:00:00-05:00");
    XP_EQ(d, "/c:tracking/c:location/c:region", "NJ");
    XP_EQ(d, "/c:tracking/c:driver", "Sam");
    d = &t->docs[1];
    XP_EQ(d, "/c:tracking/c:status", "delayed");
    XP_EQ(d, "/c:tracking/c:reason", "weather");
    XP_EQ(d, "/c:tracking/c:sequence", "2");
    t_free(t);
}

static void
test_json_refusals(void)
{
    struct t_sink *t;

    t = t_decode_str("{\"carrier\":\"A\",\"events\":["
                     "{\"shipment\":\"S\",\"status\":\"picked_up\","
                     "\"time\":\"2026-12-04T10:00:00\"},"
                     "{\"shipment\":\"S\",\"status\":\"beamed\","
                     "\"time\":\"2026-12-04T10:00:00Z\"},"
                     "{\"shipment\":\"S\",\"status\":\"delivered\","
                     "\"time\":\"2026-12-04T10:00:00Z\","
                     "\"condition\":\"wet\"},"
                     "{\"status\":\"delivered\"},"
                     "{\"shipment\":7}]}");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 5);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code, "carrier_tracking.bad_time");
    CU_ASSERT_STRING_EQUAL(t->diags[0].xpath, "$.events[0].time");
    CU_ASSERT_STRING_EQUAL(t->diags[1].code,
                           "carrier_tracking.unknown_status");
    CU_ASSERT_STRING_EQUAL(t->diags[1].xpath, "$.events[1].status");
    CU_ASSERT_STRING_EQUAL(t->diags[2].code,
                           "carrier_tracking.bad_condition");
    CU_ASSERT_STRING_EQUAL(t->diags[2].xpath, "$.events[2].condition");
    CU_ASSERT_STRING_EQUAL(t->diags[3].code,
                           "carrier_tracking.missing_field");
    CU_ASSERT_STRING_EQUAL(t->diags[3].xpath, "$.events[3].shipment");
    CU_ASSERT_STRING_EQUAL(t->diags[4].code, "carrier_tracking.bad_field");
    CU_ASSERT_STRING_EQUAL(t->diags[4].xpath, "$.events[4].shipment");
    t_free(t);

    t = t_decode_str("{\"carrier\": \"A\",\n \"events\": [}");
    CU_ASSERT_EQUAL(t->rc, -1);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code, "json.syntax");
    CU_ASSERT_EQUAL(t->diags[0].line, 2);
    t_free(t);
}

/* Bodies jansson would turn into hundreds of megabytes are refused by
 * the guard before it parses them, with where the limit was passed. */
static void
test_webhook_json_guard(void)
{
    struct sg_buf b;
    struct t_sink *t;
    int i;

    sg_buf_init(&b);
    sg_buf_adds(&b, "{\"carrier\": \"A\", \"events\": [{}");
    for (i = 0; i < 200000; i++) {
        sg_buf_adds(&b, ",{}");
    }
    sg_buf_adds(&b, "]}");
    t = t_decode_mem(b.data, b.len);
    CU_ASSERT_EQUAL(t->rc, -1);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code, "json.too_many_values");
    CU_ASSERT_EQUAL(t->diags[0].line, 1);
    /* Values 1 to 6 are the root, ':', ',', ':', '[' and the first
     * '{' (column 29); each ",{}" after it adds two, its ',' at column
     * 28 + 3k being value 5 + 2k: value 200001 is the comma of k =
     * 99998. */
    CU_ASSERT_EQUAL(t->diags[0].column, 28 + 3 * 99998);
    t_free(t);
    sg_buf_free(&b);

    sg_buf_init(&b);
    sg_buf_adds(&b, "{\"carrier\": \"A\",\n \"events\": ");
    for (i = 0; i < 70; i++) {
        sg_buf_adds(&b, "[");
    }
    t = t_decode_mem(b.data, b.len);
    CU_ASSERT_EQUAL_FATAL(t->n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t->diags[0].code, "json.too_deep");
    CU_ASSERT_EQUAL(t->diags[0].line, 2);
    /* The root is level 1: the 64th "[" is the 65th level. */
    CU_ASSERT_EQUAL(t->diags[0].column, 11 + 64);
    t_free(t);
    sg_buf_free(&b);
}

int
main(void)
{
    const char *so = sg_test_buildpath("plugins/carrier_tracking/.libs/"
                                       "carrier_tracking.so");
    xmlSchemaParserCtxtPtr sp;
    CU_pSuite s;
    int rc;

    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
        return 1;
    }
    plugin = dlsym(dl, SG_PLUGIN_SYMBOL);
    if (plugin == NULL || plugin->init(&host, "config", &ctx) != 0) {
        fprintf(stderr, "no usable %s in %s\n", SG_PLUGIN_SYMBOL, so);
        return 1;
    }
    sp = xmlSchemaNewParserCtxt(sg_test_srcpath("schemas/tracking.xsd"));
    schema = xmlSchemaParse(sp);
    xmlSchemaFreeParserCtxt(sp);
    if (schema == NULL) {
        fprintf(stderr, "cannot load schemas/tracking.xsd\n");
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("carrier_tracking", NULL, NULL);
    CU_add_test(s, "descriptor and sniff", test_descriptor_and_sniff);
    CU_add_test(s, "x12 corpus 214 (clean, BOM + broken ISA)",
                test_x12_corpus_mgctlyst);
    CU_add_test(s, "x12 corpus 214 with two statuses",
                test_x12_corpus_ellipsis);
    CU_add_test(s, "x12 two 214s in one interchange", test_x12_two_sets);
    CU_add_test(s, "x12 unknown codes at their positions",
                test_x12_bad_codes);
    CU_add_test(s, "x12 850 is not ours", test_x12_unsupported_set);
    CU_add_test(s, "x12 missing shipment and status",
                test_x12_missing_parts);
    CU_add_test(s, "x12 optional fields absent", test_x12_optional_fields);
    CU_add_test(s, "edifact corpus IFTSTA", test_edifact_corpus);
    CU_add_test(s, "edifact two statuses", test_edifact_two_statuses);
    CU_add_test(s, "edifact bad times", test_edifact_bad_time);
    CU_add_test(s, "xml webhook", test_xml_webhook);
    CU_add_test(s, "xml refusals", test_xml_refusals);
    CU_add_test(s, "json webhook", test_json_webhook);
    CU_add_test(s, "json refusals", test_json_refusals);
    CU_add_test(s, "json guard: too many values, too deep",
                test_webhook_json_guard);
    rc = sg_test_run();
    plugin->exit(ctx);
    xmlSchemaFree(schema);
    return rc;
}
