/*
 * test_order_response.c - order responses (X12 855, EDIFACT ORDRSP)
 * through the supplier_edi plugin as the daemon loads it: corpus files,
 * the example and hand-made broken answers.  Every document is validated
 * against schemas/order_response.xsd and the values the procurement rules
 * read (order number, status, line status, quantities, prices, dates,
 * supplier) are read back from the XML; every refusal is checked for its
 * code and position.
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

/* --- a host and a sink of our own ------------------------------------- */

static void
host_log(enum sg_log_level level, const char *name, const char *msg_id,
         const char *fmt, ...)
{
    (void)level;
    (void)name;
    (void)msg_id;
    (void)fmt;
}

static const char *
host_string(const void *config, const char *name)
{
    (void)config;
    (void)name;
    return NULL;
}

static long
host_int(const void *config, const char *name)
{
    (void)config;
    if (strcmp(name, "accept_xml") == 0) {
        return 1;
    }
    return strcmp(name, "max_documents") == 0 ? 1000 : 0;
}

static struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
    .option_string = host_string,
    .option_int = host_int,
};

#define T_MAX 32

struct t_sink {
    struct sg_sink sink;
    char *type[T_MAX], *key[T_MAX], *xml[T_MAX];
    int n_docs;
    /* "code@segment:tag:element:component" per diag */
    char diag[T_MAX][160];
    int n_diags;
};

static int
t_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct t_sink *t = (struct t_sink *)sink;

    if (t->n_docs == T_MAX) {
        return -1;
    }
    t->type[t->n_docs] = sg_xstrdup(doc->type);
    t->key[t->n_docs] = sg_xstrdup(doc->key != NULL ? doc->key : "");
    t->xml[t->n_docs] = sg_xstrndup(doc->xml, doc->xml_len);
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
    snprintf(t->diag[t->n_diags], sizeof(t->diag[0]), "%s@%ld:%s:%d:%d",
             d->code, d->segment, d->tag != NULL ? d->tag : "",
             d->element, d->component);
    fprintf(stderr, "  diag %s: %s\n", t->diag[t->n_diags], d->text);
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
    free(t);
}

static struct t_sink *
t_decode(const void *data, size_t len)
{
    struct t_sink *t = sg_xcalloc(1, sizeof(*t));
    struct sg_message msg;

    t->sink.document = t_document;
    t->sink.error = t_error;
    memset(&msg, 0, sizeof(msg));
    msg.id = "test";
    msg.data = data;
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
    t = t_decode(data, len);
    free(data);
    return t;
}

/* An interchange around one 855 of GS08 version (segments without ST
 * and SE, NULL-terminated). */
static struct t_sink *
t_decode_855(const char *version, const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n;

    sg_buf_init(&b);
    sg_buf_addf(&b, "ISA*00*          *00*          *ZZ*ACMEPARTS      "
                "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000902*0*P*>~"
                "\nGS*PR*ACMEPARTS*SUPPLYGATE*20261204*1200*902*X*%s~"
                "\nST*855*0001~\n", version);
    for (n = 0; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s~\n", body[n]);
    }
    sg_buf_addf(&b, "SE*%d*0001~\nGE*1*902~\nIEA*1*000000902~\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

/* An interchange around one ORDRSP of directory version ("96A"),
 * segments between UNH and UNT. */
static struct t_sink *
t_decode_ordrsp(const char *version, const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n;

    sg_buf_init(&b);
    sg_buf_addf(&b, "UNA:+,? '\nUNB+UNOC:3+5412345000013:14+SUPPLYGATE:ZZ"
                "+261205:0900+RSP1'\nUNH+1+ORDRSP:D:%s:UN:EAN005'\n",
                version);
    for (n = 0; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s'\n", body[n]);
    }
    sg_buf_addf(&b, "UNT+%d+1'\nUNZ+1+RSP1'\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

/* All diags as one string, space-separated. */
static const char *
t_diags(const struct t_sink *t)
{
    static char out[T_MAX * 160];
    int i;

    out[0] = '\0';
    for (i = 0; i < t->n_diags; i++) {
        if (i > 0) {
            strcat(out, " ");
        }
        strcat(out, t->diag[i]);
    }
    return out;
}

/* --- reading documents back ------------------------------------------- */

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
        fprintf(stderr, "invalid document:\n%s\n", xml);
    }
    return rc == 0;
}

/* The string value of an XPath under /c:order_response (prefix c:). */
static const char *
t_xp(const char *xml, const char *expr)
{
    static char out[1024];
    char full[512];
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "doc.xml", NULL,
                                  XML_PARSE_NONET);
    xmlXPathContextPtr xc;
    xmlXPathObjectPtr r;
    xmlChar *s;

    out[0] = '\0';
    if (doc == NULL) {
        return out;
    }
    if (strncmp(expr, "count(", 6) == 0) {
        snprintf(full, sizeof(full), "count(/c:order_response/%s", expr + 6);
    } else {
        snprintf(full, sizeof(full), "string(/c:order_response/%s)", expr);
    }
    xc = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(xc, (const xmlChar *)"c",
                       (const xmlChar *)"urn:supplygate:canonical:1");
    r = xmlXPathEvalExpression((const xmlChar *)full, xc);
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

#define XP_EQ(xml, expr, want) \
    CU_ASSERT_STRING_EQUAL(t_xp((xml), (expr)), (want))

/* --- X12 855 ----------------------------------------------------------- */

static void
test_descriptor_and_sniff(void)
{
    int i, listed = 0;

    for (i = 0; plugin->document_types[i] != NULL; i++) {
        listed += strcmp(plugin->document_types[i], "order_response") == 0;
    }
    CU_ASSERT_EQUAL(listed, 1);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "ISA*00~GS*PR~ST*855*1~", 22), 90);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "UNB+UNOC:3'UNH+1+ORDRSP:D:96A'", 30), 90);
}

static void
test_x12_corpus_nodex12(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/x12/"
                                     "855-nodex12.edi");
    const char *x;

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t->type[0], "order_response");
    CU_ASSERT_STRING_EQUAL(t->key[0], "POTEST1112");
    XP_EQ(x, "c:status", "accepted");
    XP_EQ(x, "c:statusCode", "AD");
    XP_EQ(x, "c:purpose", "original");
    /* BAK06 is the buyer's request reference, not the supplier's
     * number (BAK08, not sent). */
    XP_EQ(x, "c:responseNumber", "");
    XP_EQ(x, "c:responseDate", "2020-10-15");
    XP_EQ(x, "c:orderDate", "2020-10-15");
    XP_EQ(x, "c:currency", "USD");
    /* No N1 SU: the interchange sender answers. */
    XP_EQ(x, "c:supplier/@id", "1556150");
    XP_EQ(x, "c:supplier/@qualifier", "ZZ");
    XP_EQ(x, "c:shipTo/@id", "123MILL 0001");
    XP_EQ(x, "c:shipTo/c:city", "FORT WAYNE");
    XP_EQ(x, "c:reference[@qualifier='ZZZ']", "ORDER PROCESSED");
    XP_EQ(x, "count(c:lines/c:line)", "4");

    XP_EQ(x, "c:lines/c:line[1]/@number", "1");
    XP_EQ(x, "c:lines/c:line[1]/c:status", "accepted");
    XP_EQ(x, "c:lines/c:line[1]/c:statusCode", "IA");
    XP_EQ(x, "c:lines/c:line[1]/c:gtin", "9780446360265");
    XP_EQ(x, "c:lines/c:line[1]/c:description", "DIC WEBSTERS NEW WORLD");
    XP_EQ(x, "c:lines/c:line[1]/c:orderedQuantity", "3");
    XP_EQ(x, "c:lines/c:line[1]/c:quantity", "3");
    XP_EQ(x, "c:lines/c:line[1]/c:quantity/@unit", "UN");
    XP_EQ(x, "c:lines/c:line[1]/c:unitPrice", "4.5");
    XP_EQ(x, "c:lines/c:line[1]/c:promisedDelivery", "2004-12-31");

    XP_EQ(x, "c:lines/c:line[2]/c:status", "rejected");
    XP_EQ(x, "c:lines/c:line[2]/c:statusCode", "IR");
    XP_EQ(x, "c:lines/c:line[2]/c:quantity", "0");
    XP_EQ(x, "c:lines/c:line[2]/c:unitPrice", "15.99");
    XP_EQ(x, "c:lines/c:line[3]/c:status", "rejected");
    XP_EQ(x, "c:lines/c:line[3]/c:unitPrice", "0");
    XP_EQ(x, "c:lines/c:line[4]/c:status", "accepted");
    XP_EQ(x, "c:lines/c:line[4]/c:quantity", "2");
    t_free(t);
}

static void
test_x12_corpus_staedi(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/x12/"
                                     "855-staedi-two-transactions.edi");

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 2);
    CU_ASSERT(t_valid(t->xml[0]));
    CU_ASSERT(t_valid(t->xml[1]));
    CU_ASSERT_STRING_EQUAL(t->key[0], "ORDER1");
    CU_ASSERT_STRING_EQUAL(t->key[1], "ORDER2");
    /* AC: accepted with detail and change, yet no line is detailed. */
    XP_EQ(t->xml[0], "c:status", "changed");
    XP_EQ(t->xml[0], "c:purpose", "54");
    XP_EQ(t->xml[0], "count(c:lines)", "0");
    XP_EQ(t->xml[1], "c:orderDate", "2026-01-27");
    t_free(t);
}

static void
test_x12_example(void)
{
    struct t_sink *t = t_decode_file("examples/"
                                     "14-x12-855-answer-vics-order.edi");
    const char *x;

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t->key[0], "08292233294");
    XP_EQ(x, "c:status", "changed");
    XP_EQ(x, "c:supplier/@id", "4405197800");
    XP_EQ(x, "count(c:lines/c:line)", "6");
    XP_EQ(x, "c:lines/c:line[2]/c:status", "changed");
    XP_EQ(x, "c:lines/c:line[2]/c:unitPrice", "14.99");
    XP_EQ(x, "c:lines/c:line[3]/c:status", "changed");
    XP_EQ(x, "c:lines/c:line[3]/c:promisedDelivery", "2010-12-21");
    XP_EQ(x, "c:lines/c:line[5]/c:status", "rejected");
    XP_EQ(x, "c:lines/c:line[5]/c:quantity", "0");
    XP_EQ(x, "c:lines/c:line[6]/c:status", "accepted");
    t_free(t);
}

/* Several ACKs on one line: quantities add up, the latest date wins
 * (a DTM in the ACK loop included), and disagreeing statuses make the
 * line changed. */
static void
test_x12_split_line(void)
{
    static const char *const body[] = {
        "BAK*00*AC*PO-77*20261201****SO-1*20261204",
        "N1*SU*ACME PARTS*92*ACME",
        "PO1*1*10*EA*2.5**BP*SKU-1",
        "ACK*IA*6*EA*068*20261210",
        "ACK*IB*4*EA*068*20261220",
        "DTM*067*20261222",
        "PO1*2*5*EA*1**BP*SKU-2",
        "DTM*067*20261215",
        "CTT*2",
        NULL
    };
    struct t_sink *t = t_decode_855("004010", body);
    const char *x;

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    XP_EQ(x, "c:supplier/@id", "ACME");
    XP_EQ(x, "c:responseNumber", "SO-1");
    XP_EQ(x, "c:responseDate", "2026-12-04");
    XP_EQ(x, "c:lines/c:line[1]/c:status", "changed");
    XP_EQ(x, "c:lines/c:line[1]/c:statusCode", "IA");
    XP_EQ(x, "c:lines/c:line[1]/c:item", "SKU-1");
    XP_EQ(x, "c:lines/c:line[1]/c:quantity", "10");
    /* The DTM of the last ACK loop promises later still. */
    XP_EQ(x, "c:lines/c:line[1]/c:promisedDelivery", "2026-12-22");
    /* No ACK: taken as ordered; its DTM still promises a date. */
    XP_EQ(x, "c:lines/c:line[2]/c:status", "accepted");
    XP_EQ(x, "c:lines/c:line[2]/c:promisedDelivery", "2026-12-15");
    XP_EQ(x, "count(c:lines/c:line[2]/c:quantity)", "0");
    t_free(t);
}

/* The 004010 map refuses what breaks the standard, at its position. */
static void
test_x12_map_refusals(void)
{
    static const char *const bad_codes[] = {
        "BAK*00*XX*PO-77*20261201",
        "PO1*1*10*EA*2.5**BP*SKU-1",
        "ACK*QQ*10*EA",
        "ACK*IA*10*EA*068*20261332",
        NULL
    };
    static const char *const no_bak[] = {
        "CUR*SE*USD",
        "PO1*1*10*EA*2.5**BP*SKU-1",
        NULL
    };
    struct t_sink *t = t_decode_855("004010", bad_codes);

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "edi.elem.7@4:BAK:2:0 "
                           "edi.elem.7@6:ACK:1:0 edi.elem.8@7:ACK:5:0");
    t_free(t);

    t = t_decode_855("004010", no_bak);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "edi.seg.3@4:BAK:0:0");
    t_free(t);
}

/* What the map does not say, the mapper does (and for versions without
 * a map, all of it). */
static void
test_x12_mapper_refusals(void)
{
    static const char *const values[] = {
        "BAK*00*AD*PO-77*20261201",
        "PO1*1*0*EA*-2**BP*SKU-1",
        "ACK*IA*-1*EA",
        "CTT*3",
        NULL
    };
    static const char *const unmapped[] = {
        "BAK*00*XX**20260231",
        "PO1*1*10*EA*2.5**BP*SKU-1",
        "ACK*QQ*10*EA",
        NULL
    };
    struct t_sink *t = t_decode_855("004010", values);

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "supplier_edi.bad_quantity@5:PO1:2:0 "
                           "supplier_edi.bad_price@5:PO1:4:0 "
                           "supplier_edi.bad_quantity@6:ACK:2:0 "
                           "supplier_edi.ctt_count@7:CTT:1:0");
    t_free(t);

    /* 005010 has no map here: the mapper's own checks. */
    t = t_decode_855("005010", unmapped);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "supplier_edi.bad_ack_type@4:BAK:2:0 "
                           "supplier_edi.missing_order_number@4:BAK:3:0 "
                           "supplier_edi.bad_date@4:BAK:4:0 "
                           "supplier_edi.bad_line_status@6:ACK:1:0");
    t_free(t);
}

/* --- EDIFACT ORDRSP ---------------------------------------------------- */

/* The supplier of example 04 answers its order: one line as ordered,
 * one at another price and date, one not accepted. */
static const char *const ordrsp_answer[] = {
    "BGM+231+RSP-4001+4",
    "DTM+137:20261205:102",
    "RFF+ON:PO-EX-4001",
    "DTM+171:20261204:102",
    "NAD+SU+5412345000013::9++Acme Parts?+Co",
    "NAD+BY+4000000000009::9",
    "CUX+2:EUR:9",
    "LIN+1+5+4012345000017:SRV",
    "PIA+5+SKU-EX-1:IN::92",
    "QTY+21:12:PCE",
    "QTY+113:12:PCE",
    "PRI+AAA:12,5",
    "LIN+2+6+4012345000024:SRV",
    "PIA+5+SKU-EX-2:IN::92",
    "QTY+21:40,5:KGM",
    "QTY+113:40,5:KGM",
    "DTM+69:20261218:102",
    "PRI+AAA:3,45",
    "LIN+3+7",
    "PIA+5+SKU-EX-3:IN::92",
    "QTY+113:0:PCE",
    "UNS+S",
    "CNT+2:3",
    NULL
};

static void
test_edifact_answer(void)
{
    struct t_sink *t = t_decode_ordrsp("96A", ordrsp_answer);
    const char *x;

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    x = t->xml[0];
    CU_ASSERT(t_valid(x));
    CU_ASSERT_STRING_EQUAL(t->type[0], "order_response");
    CU_ASSERT_STRING_EQUAL(t->key[0], "PO-EX-4001");
    XP_EQ(x, "c:source/@format", "edifact");
    XP_EQ(x, "c:responseNumber", "RSP-4001");
    XP_EQ(x, "c:responseDate", "2026-12-05");
    XP_EQ(x, "c:orderDate", "2026-12-04");
    XP_EQ(x, "c:purpose", "change");
    /* 1225 4 says nothing of acceptance: the lines decide. */
    XP_EQ(x, "c:status", "changed");
    XP_EQ(x, "c:statusCode", "4");
    XP_EQ(x, "c:currency", "EUR");
    XP_EQ(x, "c:supplier/@id", "5412345000013");
    XP_EQ(x, "c:supplier/c:name", "Acme Parts+Co");
    XP_EQ(x, "c:lines/c:line[1]/c:status", "accepted");
    XP_EQ(x, "c:lines/c:line[1]/c:item", "SKU-EX-1");
    XP_EQ(x, "c:lines/c:line[1]/c:gtin", "4012345000017");
    XP_EQ(x, "c:lines/c:line[1]/c:orderedQuantity", "12");
    XP_EQ(x, "c:lines/c:line[1]/c:unitPrice", "12.5");
    XP_EQ(x, "c:lines/c:line[2]/c:status", "changed");
    XP_EQ(x, "c:lines/c:line[2]/c:quantity", "40.5");
    XP_EQ(x, "c:lines/c:line[2]/c:quantity/@unit", "KGM");
    XP_EQ(x, "c:lines/c:line[2]/c:unitPrice", "3.45");
    XP_EQ(x, "c:lines/c:line[2]/c:promisedDelivery", "2026-12-18");
    XP_EQ(x, "c:lines/c:line[3]/c:status", "rejected");
    XP_EQ(x, "c:lines/c:line[3]/c:quantity", "0");
    t_free(t);
}

/* BGM 1225 27, 29, 30 or 4343 answer for the whole order; with a
 * version that has no map (D01B here) the message is still mapped. */
static void
test_edifact_whole_order(void)
{
    static const char *const rejected[] = {
        "BGM+231+RSP-9+27",
        "RFF+ON:PO-EX-9",
        "UNS+S",
        NULL
    };
    static const char *const conditional[] = {
        "BGM+231+RSP-10+9+CA",
        "DTM+137:20261205:102",
        "RFF+ON:PO-EX-10",
        "LIN+1",
        "UNS+S",
        NULL
    };
    struct t_sink *t = t_decode_ordrsp("01B", rejected);

    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    CU_ASSERT(t_valid(t->xml[0]));
    XP_EQ(t->xml[0], "c:status", "rejected");
    XP_EQ(t->xml[0], "count(c:purpose)", "0");
    XP_EQ(t->xml[0], "count(c:lines)", "0");
    /* No NAD+SU: the interchange sender answers. */
    XP_EQ(t->xml[0], "c:supplier/@id", "5412345000013");
    XP_EQ(t->xml[0], "c:supplier/@qualifier", "14");
    t_free(t);

    /* 1225 9 (original) answers nothing; 4343 CA does. */
    t = t_decode_ordrsp("96A", conditional);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    XP_EQ(t->xml[0], "c:status", "changed");
    XP_EQ(t->xml[0], "c:statusCode", "CA");
    XP_EQ(t->xml[0], "c:purpose", "original");
    XP_EQ(t->xml[0], "c:lines/c:line[1]/c:status", "accepted");
    t_free(t);
}

static void
test_edifact_refusals(void)
{
    static const char *const values[] = {
        "BGM+231+RSP-5+29",
        "DTM+137:20261305:102",
        "LIN+1+99",
        "QTY+113:-1:PCE",
        "PRI+AAA:x",
        "UNS+S",
        "CNT+2:2",
        NULL
    };
    static const char *const structure[] = {
        "BGM+231+RSP-5+29",
        "DTM+137:20261205:102",
        "RFF+ON:PO-1",
        "LIN+1+5",
        "UNS+S",
        "ZZZ+1",
        NULL
    };
    /* D01B has no map here: what the mapper finds. */
    struct t_sink *t = t_decode_ordrsp("01B", values);

    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t),
                           "supplier_edi.bad_date@4:DTM:1:2 "
                           "supplier_edi.bad_line_status@5:LIN:2:0 "
                           "supplier_edi.bad_quantity@6:QTY:1:2 "
                           "supplier_edi.bad_price@7:PRI:1:2 "
                           "supplier_edi.cnt_count@9:CNT:1:2 "
                           "supplier_edi.missing_order_number@3:RFF:1:2");
    t_free(t);

    /* The D96A map refuses the price before the mapper sees it. */
    t = t_decode_ordrsp("96A", values);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "edi.elem.6@7:PRI:1:2");
    t_free(t);

    /* The D96A map: a segment it does not know, a mandatory BGM
     * missing. */
    t = t_decode_ordrsp("96A", structure);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "edi.seg.1@8:ZZZ:0:0");
    t_free(t);
    t = t_decode_ordrsp("96A", structure + 1);
    CU_ASSERT_EQUAL(t->n_docs, 0);
    CU_ASSERT_STRING_EQUAL(t_diags(t), "edi.seg.3@3:BGM:0:0 "
                           "edi.seg.1@7:ZZZ:0:0");
    t_free(t);
}

int
main(void)
{
    const char *so = sg_test_buildpath("plugins/supplier_edi/.libs/"
                                       "supplier_edi.so");
    xmlSchemaParserCtxtPtr sp;
    char *schema_dir;
    CU_pSuite s;
    int rc;

    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
        return 1;
    }
    plugin = dlsym(dl, SG_PLUGIN_SYMBOL);
    if (plugin == NULL) {
        fprintf(stderr, "no %s in %s\n", SG_PLUGIN_SYMBOL, so);
        return 1;
    }
    host.schema_dir = schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    xmlInitParser();
    sp = xmlSchemaNewParserCtxt(sg_test_srcpath("schemas/"
                                                "order_response.xsd"));
    schema = xmlSchemaParse(sp);
    xmlSchemaFreeParserCtxt(sp);
    if (schema == NULL || plugin->init(&host, "config", &ctx) != 0) {
        fprintf(stderr, "cannot load order_response.xsd or the plugin\n");
        return 1;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("order_response", NULL, NULL);
    CU_add_test(s, "descriptor and sniff", test_descriptor_and_sniff);
    CU_add_test(s, "x12 corpus nodex12", test_x12_corpus_nodex12);
    CU_add_test(s, "x12 corpus staedi", test_x12_corpus_staedi);
    CU_add_test(s, "x12 example 14", test_x12_example);
    CU_add_test(s, "x12 split line", test_x12_split_line);
    CU_add_test(s, "x12 map refusals", test_x12_map_refusals);
    CU_add_test(s, "x12 mapper refusals", test_x12_mapper_refusals);
    CU_add_test(s, "edifact answer", test_edifact_answer);
    CU_add_test(s, "edifact whole order", test_edifact_whole_order);
    CU_add_test(s, "edifact refusals", test_edifact_refusals);
    rc = sg_test_run();
    plugin->exit(ctx);
    xmlSchemaFree(schema);
    free(schema_dir);
    return rc;
}
