/*
 * test_invoice_edi.c - X12 810 and EDIFACT INVOIC through the
 * supplier_edi plugin as the daemon loads it: corpus invoices and
 * hand-made ones, every document validated against schemas/invoice.xsd
 * and its values read back, every refusal checked for its code and its
 * position (segment, tag, element, component).
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

static const struct sg_plugin *plugin;
static xmlSchemaPtr schema;

/* --- a host and a sink ---------------------------------------------- */

static void
host_log(enum sg_log_level level, const char *name, const char *msg_id,
         const char *fmt, ...)
{
    (void)level;
    (void)name;
    (void)msg_id;
    (void)fmt;
}

static struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
};

#define T_MAX 32

struct t_sink {
    struct sg_sink sink;
    char *type[T_MAX], *key[T_MAX], *xml[T_MAX];
    int n_docs;
    struct sg_diag diags[T_MAX];
    char *codes[T_MAX], *tags[T_MAX];
    int n_diags;
};

static int
t_document(struct sg_sink *sink, const struct sg_document *d)
{
    struct t_sink *t = (struct t_sink *)sink;

    if (t->n_docs == T_MAX) {
        return -1;
    }
    t->type[t->n_docs] = sg_xstrdup(d->type);
    t->key[t->n_docs] = sg_xstrdup(d->key != NULL ? d->key : "");
    t->xml[t->n_docs] = sg_xstrndup(d->xml, d->xml_len);
    t->n_docs++;
    return 0;
}

static int
t_error(struct sg_sink *sink, const struct sg_diag *d)
{
    struct t_sink *t = (struct t_sink *)sink;

    if (t->n_diags == T_MAX) {
        return -1;
    }
    fprintf(stderr, "  diag %s seg %ld %s %d/%d: %s\n", d->code,
            d->segment, d->tag ? d->tag : "-", d->element, d->component,
            d->text);
    t->diags[t->n_diags] = *d;
    t->codes[t->n_diags] = sg_xstrdup(d->code);
    t->tags[t->n_diags] = sg_xstrdup(d->tag != NULL ? d->tag : "");
    t->diags[t->n_diags].code = t->codes[t->n_diags];
    t->diags[t->n_diags].tag = t->tags[t->n_diags];
    t->diags[t->n_diags].text = NULL;
    t->n_diags++;
    return 0;
}

static void
t_free(struct t_sink *t)
{
    int i;

    for (i = 0; i < t->n_docs; i++) {
        free(t->type[i]);
        free(t->key[i]);
        free(t->xml[i]);
    }
    for (i = 0; i < t->n_diags; i++) {
        free(t->codes[i]);
        free(t->tags[i]);
    }
    free(t);
}

static void *ctx;

static struct t_sink *
t_decode(const char *data, size_t len)
{
    struct t_sink *t = sg_xcalloc(1, sizeof(*t));
    struct sg_message msg;

    t->sink.document = t_document;
    t->sink.error = t_error;
    memset(&msg, 0, sizeof(msg));
    msg.id = "test";
    msg.data = (const unsigned char *)data;
    msg.len = len;
    plugin->decode(ctx, &msg, &t->sink);
    return t;
}

static struct t_sink *
t_decode_file(const char *rel)
{
    size_t len = 0;
    unsigned char *data = sg_test_read(sg_test_srcpath(rel), &len);
    struct t_sink *t;

    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    t = t_decode((const char *)data, len);
    free(data);
    return t;
}

/* An interchange around one 810 body (the segments between ST and SE). */
static struct t_sink *
t_decode_810(const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n;

    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *ZZ*ACMEPARTS      "
                "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000910*0*P*>~"
                "\nGS*IN*ACMEPARTS*SUPPLYGATE*20261204*1200*910*X*004010~"
                "\nST*810*0001~\n");
    for (n = 0; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s~\n", body[n]);
    }
    sg_buf_addf(&b, "SE*%d*0001~\nGE*1*910~\nIEA*1*000000910~\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

/* An interchange around one D96A INVOIC body (between UNH and UNT). */
static struct t_sink *
t_decode_invoic(const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n;

    sg_buf_init(&b);
    sg_buf_adds(&b, "UNB+UNOC:3+ACMEPARTS:ZZ+SUPPLYGATE:ZZ+261204:1200+"
                "77'\nUNH+1+INVOIC:D:96A:UN'\n");
    for (n = 0; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s'\n", body[n]);
    }
    sg_buf_addf(&b, "UNT+%d+1'\nUNZ+1+77'\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

static int
t_valid(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "doc.xml", NULL,
                                  XML_PARSE_NONET);
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
        fprintf(stderr, "invalid invoice:\n%s\n", xml);
    }
    return rc == 0;
}

/* An XPath's string value (prefix c:) in a static buffer. */
static const char *
t_xp(const char *xml, const char *expr)
{
    static char out[512];
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "doc.xml", NULL,
                                  XML_PARSE_NONET);
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

/* The diag with this code, or NULL. */
static const struct sg_diag *
t_diag(const struct t_sink *t, const char *code)
{
    int i;

    for (i = 0; i < t->n_diags; i++) {
        if (strcmp(t->diags[i].code, code) == 0) {
            return &t->diags[i];
        }
    }
    return NULL;
}

#define T_AT(t, code, seg, tg, el, comp) do {                            \
        const struct sg_diag *d_ = t_diag((t), (code));                  \
        CU_ASSERT_PTR_NOT_NULL_FATAL(d_);                                \
        CU_ASSERT_EQUAL(d_->segment, (seg));                             \
        CU_ASSERT_STRING_EQUAL(d_->tag, (tg));                           \
        CU_ASSERT_EQUAL(d_->element, (el));                              \
        CU_ASSERT_EQUAL(d_->component, (comp));                          \
    } while (0)

/* --- corpus ------------------------------------------------------------ */

static void
test_corpus_810(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/x12/"
                                     "810-850-staedi-dual-groups.edi");
    const char *x;

    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 3);
    CU_ASSERT_STRING_EQUAL(t->type[0], "invoice");
    CU_ASSERT_STRING_EQUAL(t->key[0], "00001");
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceDate)"),
                           "1997-12-11");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceType)"), "invoice");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(/c:invoice/c:orderNumber)"),
                           "A99999-01");
    /* No N1 SU: the remit-to party (N1 RE) is who sells. */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/@id)"),
                           "12345QQQQ");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/@qualifier)"), "9");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/c:name)"),
                           "FOODSELLER");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:buyer/@id)"), "1223334444");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:shipTo/c:city)"), "ATHENS");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "count(//c:line)"), "7");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:gtin)"),
                           "002840022222");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:quantity)"), "16");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:quantity/@unit)"),
                           "CA");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:unitPrice)"),
                           "12.34");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[6]/c:description)"),
                           "GREAT BIG CHIPS LSS");
    /* TDS01 is N2: 255438 is 2554.38, which 207 x 12.34 makes. */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:totalAmount)"), "2554.38");

    /* The second bills 150 cases and states the first one's total: the
     * plugin passes it on as stated, the rules flag it. */
    CU_ASSERT(t_valid(t->xml[1]));
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[1], "string(/c:invoice/"
                                "c:orderNumber)"), "A99999-04");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[1], "sum(//c:quantity)"), "150");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[1], "string(//c:totalAmount)"),
                           "2554.38");
    CU_ASSERT_STRING_EQUAL(t->type[2], "order");
    t_free(t);
}

static void
test_corpus_invoic(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/edifact/INVOIC-"
                                     "pydifact-trailing-component-"
                                     "separator.edi");
    const char *x;

    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t->key[0], "1060113800026");
    /* BGM 381: a credit note. */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceType)"),
                           "credit_note");
    /* DTM 137 in format 102 with a time appended: the date part. */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceDate)"),
                           "1999-10-06");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:dueDate)"), "1999-10-31");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:currency)"), "EUR");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/@id)"), "2002993");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/@qualifier)"),
                           "92");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:buyer/@id)"),
                           "VAUXHALL MOTORS LTD");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:item)"),
                           "090346642");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:orderNumber)"),
                           "X18V00003");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:quantity)"), "54");
    /* PRI 3630.1724 per 100 (C509 5284). */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:unitPrice)"),
                           "36.301724");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:lineAmount)"),
                           "1960.29");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:totalAmount)"), "1960.29");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "count(/c:invoice/c:orderNumber)"), "0");
    t_free(t);
}

/* The example the demo posts: two invoices for the order of example 01. */
static void
test_example_16(void)
{
    struct t_sink *t = t_decode_file("examples/"
                                     "16-x12-810-invoice-order-01.edi");

    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    CU_ASSERT(t_valid(t->xml[0]));
    CU_ASSERT(t_valid(t->xml[1]));
    CU_ASSERT_STRING_EQUAL(t->key[0], "16-0001");
    CU_ASSERT_STRING_EQUAL(t->key[1], "16-0002");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[0], "string(/c:invoice/"
                                "c:orderNumber)"), "08292233294");
    /* No N1 SU or RE: the ISA sender, as for the order. */
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[0], "string(//c:supplier/@id)"),
                           "4405197800");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[0], "string(//c:dueDate)"),
                           "2011-01-29");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[0], "string(//c:line[2]/c:item)"),
                           "060733-110");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[0], "string(//c:totalAmount)"),
                           "2494.74");
    CU_ASSERT_STRING_EQUAL(t_xp(t->xml[1], "string(//c:unitPrice)"),
                           "14.2");
    t_free(t);
}

/* --- hand-made X12 ------------------------------------------------------ */

static void
test_810_values(void)
{
    static const char *const body[] = {
        "BIG*20261210*INV-77*20261201*PO-1001***CR",
        "CUR*SE*EUR",
        "REF*SI*ASN-5",
        "N1*SU*ACME PARTS*92*ACME",
        "N1*BY*SUPPLYGATE*92*SG",
        "ITD*01*3****20270110",
        "IT1*1*10*EA*2.5**BP*CABLE-1*VP*AC-77",
        "REF*PO*PO-1002",
        "IT1*2*4*EA*10**UP*01234567890128",
        "TDS*7250",
        "TXI*VA*12.5",
        "SAC*C*D240***1000",
        "SAC*A*C310***250",
        "SAC*C*D500***5",
        "SAC*C*D500***12345678901234",
        "CTT*2",
        NULL
    };
    struct t_sink *t = t_decode_810(body);
    const char *x;

    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceType)"),
                           "credit_note");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(/c:invoice/c:orderNumber)"),
                           "PO-1001");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:shipNotice)"), "ASN-5");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:dueDate)"), "2027-01-10");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/@id)"), "ACME");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:item)"),
                           "CABLE-1");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:supplierItem)"),
                           "AC-77");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[1]/c:orderNumber)"),
                           "PO-1002");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[2]/c:item)"),
                           "01234567890128");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line[2]/c:gtin)"),
                           "01234567890128");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:totalAmount)"), "72.5");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:taxAmount)"), "12.5");
    /* N2: 1000 is 10.00, 5 is 0.05, and fourteen digits (the twelve
     * integer digits of the canonical Amount) still fit. */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:charges)"),
                           "123456789022.39");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:allowances)"), "2.5");
    t_free(t);
}

static void
test_810_mapping_errors(void)
{
    static const char *const body[] = {
        "BIG*20261210*INV-78",
        "IT1*1*0*EA*2.5**BP*CABLE-1",
        "IT1*2*****BP*CABLE-2",
        "IT1*3*4*EA*-1**BP*CABLE-3",
        "TDS*1000",
        "CTT*5",
        NULL
    };
    struct t_sink *t = t_decode_810(body);

    /* ISA 1, GS 2, ST 3: BIG is segment 4.  All of these pass the
     * segment map; the mapper refuses them. */
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "supplier_edi.bad_quantity", 5, "IT1", 2, 0);
    T_AT(t, "supplier_edi.missing_price", 6, "IT1", 4, 0);
    T_AT(t, "supplier_edi.bad_price", 7, "IT1", 4, 0);
    T_AT(t, "supplier_edi.ctt_count", 9, "CTT", 1, 0);
    /* IT1 2 also has no quantity. */
    CU_ASSERT_EQUAL(t->n_diags, 5);
    t_free(t);
}

static void
test_810_map_violations(void)
{
    static const char *const no_tds[] = {
        "BIG*20261210*INV-79",
        "IT1*1*1*EA*2**BP*CABLE-1",
        "CTT*1",
        NULL
    };
    static const char *const bad_n2[] = {
        "BIG*20261210*INV-80",
        "IT1*1*1*EA*2**BP*CABLE-1",
        "TDS*2.00",
        NULL
    };
    static const char *const bad_date[] = {
        "BIG*20261340*INV-82",
        "IT1*1*1*EA*2**BP*CABLE-1",
        "TDS*200",
        NULL
    };
    static const char *const order_first[] = {
        "IT1*1*1*EA*2**BP*CABLE-1",
        "BIG*20261210*INV-81",
        "TDS*200",
        NULL
    };
    struct t_sink *t;

    /* TDS is mandatory in the 810 table: missing where CTT came. */
    t = t_decode_810(no_tds);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "edi.seg.3", 6, "TDS", 0, 0);
    t_free(t);

    /* N2 has no decimal mark: an invalid character at TDS01. */
    t = t_decode_810(bad_n2);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "edi.elem.6", 6, "TDS", 1, 0);
    t_free(t);

    /* BIG01 is a DT: month 13 is an invalid date (997 code 8). */
    t = t_decode_810(bad_date);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "edi.elem.8", 4, "BIG", 1, 0);
    CU_ASSERT_EQUAL(t->n_diags, 1);
    t_free(t);

    /* BIG after the detail: mandatory BIG missing at the IT1. */
    t = t_decode_810(order_first);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "edi.seg.3", 4, "BIG", 0, 0);
    t_free(t);
}

/* --- hand-made EDIFACT ------------------------------------------------ */

static void
test_invoic_values(void)
{
    static const char *const body[] = {
        "BGM+380+INV-90+9",
        "DTM+137:20261210:102",
        "DTM+3:20261209:102",
        "RFF+ON:PO-1001",
        "RFF+AAK:ASN-9",
        "NAD+SU+ACME::92++ACME PARTS+1 Wire Road+Leeds++LS1+GB",
        "NAD+BY+SG::92",
        "CUX+2:EUR:4",
        "PAT+1",
        "DTM+13:20270108:102",
        "LIN+1++CABLE-1:IN",
        "PIA+1+AC-77:SA",
        "IMD+F++:::Copper cable",
        "QTY+12:12:MTR",
        "QTY+47:10:MTR",
        "MOA+203:25",
        "PRI+AAA:250:::100",
        "UNS+S",
        "CNT+2:1",
        "MOA+77:36.75",
        "MOA+176:4.75",
        "ALC+C++++FC",
        "MOA+23:8",
        "ALC+A++++DI",
        "MOA+204:1",
        NULL
    };
    struct t_sink *t = t_decode_invoic(body);
    const char *x;

    CU_ASSERT_EQUAL(t->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceType)"), "invoice");
    /* DTM+3 (invoice date) beats DTM+137 (document date). */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:invoiceDate)"),
                           "2026-12-09");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(/c:invoice/c:orderNumber)"),
                           "PO-1001");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:shipNotice)"), "ASN-9");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:dueDate)"), "2027-01-08");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:supplier/c:city)"), "Leeds");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:supplierItem)"),
                           "AC-77");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:description)"),
                           "Copper cable");
    /* QTY+47 (invoiced) beats QTY+12 (despatched). */
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:quantity)"), "10");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:unitPrice)"), "2.5");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:line/c:lineAmount)"), "25");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:totalAmount)"), "36.75");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:taxAmount)"), "4.75");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:charges)"), "8");
    CU_ASSERT_STRING_EQUAL(t_xp(x, "string(//c:allowances)"), "1");
    t_free(t);
}

static void
test_invoic_errors(void)
{
    static const char *const body[] = {
        "BGM+380+INV-91+9",
        "DTM+137:20261232:102",
        "LIN+1++CABLE-1:IN",
        "QTY+47:10:MTR",
        "LIN+2++CABLE-2:IN",
        "QTY+47:3:MTR",
        "PRI+AAA:4:::0",
        "UNS+S",
        "CNT+2:3",
        "MOA+77:-5",
        NULL
    };
    static const char *const no_uns[] = {
        "BGM+380+INV-92+9",
        "DTM+137:20261210:102",
        "LIN+1++CABLE-1:IN",
        "QTY+47:10:MTR",
        "PRI+AAA:4",
        "MOA+77:40",
        NULL
    };
    struct t_sink *t = t_decode_invoic(body);

    /* UNB 1, UNH 2: BGM is segment 3. */
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "supplier_edi.bad_date", 4, "DTM", 1, 2);
    T_AT(t, "supplier_edi.missing_price", 5, "PRI", 0, 0);
    T_AT(t, "supplier_edi.bad_price_basis", 9, "PRI", 1, 5);
    T_AT(t, "supplier_edi.cnt_count", 11, "CNT", 1, 2);
    T_AT(t, "supplier_edi.bad_amount", 12, "MOA", 1, 2);
    t_free(t);

    /* A summary MOA without UNS before it: the line's groups have no
     * place for MOA after PRI, so UNS is missing at the MOA. */
    t = t_decode_invoic(no_uns);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    T_AT(t, "edi.seg.3", 8, "UNS", 0, 0);
    t_free(t);
}

int
main(void)
{
    const char *so = sg_test_buildpath("plugins/supplier_edi/.libs/"
                                       "supplier_edi.so");
    xmlSchemaParserCtxtPtr sp;
    void *dl;
    CU_pSuite s;
    int rc;

    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
        return 1;
    }
    plugin = dlsym(dl, SG_PLUGIN_SYMBOL);
    if (plugin == NULL) {
        return 1;
    }
    host.schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    xmlInitParser();
    sp = xmlSchemaNewParserCtxt(sg_test_srcpath("schemas/invoice.xsd"));
    schema = xmlSchemaParse(sp);
    xmlSchemaFreeParserCtxt(sp);
    if (schema == NULL || plugin->init(&host, NULL, &ctx) != 0) {
        fprintf(stderr, "cannot load invoice.xsd or init the plugin\n");
        return 1;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("invoice_edi", NULL, NULL);
    CU_add_test(s, "corpus 810 (two invoices)", test_corpus_810);
    CU_add_test(s, "corpus INVOIC D97A", test_corpus_invoic);
    CU_add_test(s, "example 16", test_example_16);
    CU_add_test(s, "810 values", test_810_values);
    CU_add_test(s, "810 mapping errors", test_810_mapping_errors);
    CU_add_test(s, "810 map violations", test_810_map_violations);
    CU_add_test(s, "INVOIC values", test_invoic_values);
    CU_add_test(s, "INVOIC errors", test_invoic_errors);
    rc = sg_test_run();
    plugin->exit(ctx);
    xmlSchemaFree(schema);
    free((char *)host.schema_dir);
    return rc;
}
