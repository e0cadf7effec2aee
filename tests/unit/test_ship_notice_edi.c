/*
 * test_ship_notice_edi.c - ship notices through the supplier_edi
 * plugin: X12 856 and EDIFACT DESADV, from the corpus and hand-made,
 * into canonical <ship_notice> documents that must pass
 * schemas/ship_notice.xsd, with the values the ship notice rules read
 * (orders, items, shipped and ordered quantities, lots, expiry dates)
 * read back; and every refusal with its code and exact position.
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

/* --- a host and a sink ------------------------------------------------ */

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
    return strcmp(name, "accept_xml") == 0 ? 1
           : strcmp(name, "max_documents") == 0 ? 1000 : 0;
}

static struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
    .option_string = host_string,
    .option_int = host_int,
};

struct t_sink {
    struct sg_sink sink;
    char *type, *key, *partner, *xml;
    size_t xml_len;
    int n_docs;
    /* Every diag as "code@segment:tag:element:component", spaced. */
    struct sg_buf diags;
};

static int
t_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct t_sink *t = (struct t_sink *)sink;

    /* The tests below send one set; keep the first document. */
    if (t->n_docs++ == 0) {
        t->type = sg_xstrdup(doc->type);
        t->key = doc->key != NULL ? sg_xstrdup(doc->key) : NULL;
        t->partner = doc->partner ? sg_xstrdup(doc->partner) : NULL;
        t->xml = sg_xstrndup(doc->xml, doc->xml_len);
        t->xml_len = doc->xml_len;
    }
    return 0;
}

static int
t_error(struct sg_sink *sink, const struct sg_diag *d)
{
    struct t_sink *t = (struct t_sink *)sink;

    if (t->diags.len > 0) {
        sg_buf_adds(&t->diags, " ");
    }
    sg_buf_addf(&t->diags, "%s@%ld:%s:%d:%d", d->code, d->segment,
                d->tag != NULL ? d->tag : "", d->element, d->component);
    return 0;
}

static struct t_sink *
t_decode(const char *data, size_t len)
{
    struct t_sink *t = sg_xcalloc(1, sizeof(*t));
    struct sg_message msg;

    t->sink.document = t_document;
    t->sink.error = t_error;
    sg_buf_init(&t->diags);
    sg_buf_adds(&t->diags, "");
    memset(&msg, 0, sizeof(msg));
    msg.id = "test";
    msg.data = (const unsigned char *)data;
    msg.len = len;
    plugin->decode(ctx, &msg, &t->sink);
    return t;
}

static void
t_free(struct t_sink *t)
{
    free(t->type);
    free(t->key);
    free(t->partner);
    free(t->xml);
    sg_buf_free(&t->diags);
    free(t);
}

/* Valid against ship_notice.xsd? */
static int
t_valid(const struct t_sink *t)
{
    xmlDocPtr doc;
    xmlSchemaValidCtxtPtr v;
    int rc;

    if (t->xml == NULL) {
        return 0;
    }
    doc = xmlReadMemory(t->xml, (int)t->xml_len, "doc.xml", NULL,
                        XML_PARSE_NONET);
    if (doc == NULL) {
        return 0;
    }
    v = xmlSchemaNewValidCtxt(schema);
    rc = xmlSchemaValidateDoc(v, doc);
    xmlSchemaFreeValidCtxt(v);
    xmlFreeDoc(doc);
    if (rc != 0) {
        fprintf(stderr, "invalid document:\n%s\n", t->xml);
    }
    return rc == 0;
}

/* The string value of an XPath (c: the canonical namespace). */
static const char *
t_xp(const struct t_sink *t, const char *expr)
{
    static char out[1024];
    xmlDocPtr doc;
    xmlXPathContextPtr xc;
    xmlXPathObjectPtr r;
    xmlChar *s;

    out[0] = '\0';
    if (t->xml == NULL ||
        (doc = xmlReadMemory(t->xml, (int)t->xml_len, "doc.xml", NULL,
                             XML_PARSE_NONET)) == NULL) {
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

#define XP_EQ(t, expr, want) CU_ASSERT_STRING_EQUAL(t_xp(t, expr), want)

static struct t_sink *
t_decode_file(const char *rel)
{
    unsigned char *data;
    struct t_sink *t;
    size_t len = 0;

    data = sg_test_read(sg_test_srcpath(rel), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    t = t_decode((const char *)data, len);
    free(data);
    return t;
}

/*
 * An X12 interchange around one 856 (body without ST/SE), version
 * 004010: ISA is segment 1, GS 2, ST 3, the body's first segment 4.
 */
static struct t_sink *
t_x12(const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n = 0;

    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *ZZ*ACMEPARTS      "
                "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000701*0*P*>~"
                "\nGS*SH*ACMEPARTS*SUPPLYGATE*20261204*1200*701*X*004010~"
                "\nST*856*0001~\n");
    for (; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s~\n", body[n]);
    }
    sg_buf_addf(&b, "SE*%d*0001~\nGE*1*701~\nIEA*1*000000701~\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

/* An EDIFACT interchange around one D96A DESADV (body without UNH and
 * UNT): UNB is segment 1, UNH 2, the body's first segment 3. */
static struct t_sink *
t_edifact(const char *const *body)
{
    struct sg_buf b;
    struct t_sink *t;
    int n = 0;

    sg_buf_init(&b);
    sg_buf_adds(&b, "UNA:+.? 'UNB+UNOC:3+ACMEPARTS:ZZ+SUPPLYGATE:ZZ+"
                "261204:1200+77'\nUNH+1+DESADV:D:96A:UN'\n");
    for (; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s'\n", body[n]);
    }
    sg_buf_addf(&b, "UNT+%d+1'\nUNZ+1+77'\n", n + 2);
    t = t_decode(b.data, b.len);
    sg_buf_free(&b);
    return t;
}

/* --- X12 856 ------------------------------------------------------------- */

/* A shipment of one order in one carton: two items, three lots.  The
 * DESADV fixtures below hold a CPS: in D96A the line item group lives
 * inside it. */
static const char *const x12_good[] = {
    "BSN*00*ASN-7001*20261204*1200",
    "HL*1**S",
    "TD1*CTN*2",
    "REF*BM*BOL-55",
    "DTM*011*20261204",
    "DTM*017*20261207",
    "N1*SU*ACME PARTS*92*ACMEPARTS",
    "N1*ST*MAIN WAREHOUSE*92*WH1",
    "HL*2*1*O",
    "PRF*PO-1001",
    "HL*3*2*P",
    "MAN*GM*00012345600000000017",
    "HL*4*3*I",
    "LIN*1*BP*ITEM-1*LT*LOT-A",
    "SN1**10*EA**12*EA",
    "DTM*036*20270601",
    "HL*5*3*I",
    "LIN*2*BP*ITEM-2*UP*012345678905",
    "SN1**5*EA",
    "SLN*1**I*3*EA****LT*LOT-B",
    "SLN*2**I*2*EA****LT*LOT-C",
    "REF*LT*LOT-B",
    "DTM*036*20261220",
    "CTT*5",
    NULL
};

static void
test_x12_856_lots_and_hierarchy(void)
{
    struct t_sink *t = t_x12(x12_good);

    CU_ASSERT_STRING_EQUAL(t->diags.data, "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t->type, "ship_notice");
    CU_ASSERT_STRING_EQUAL(t->key, "ASN-7001");
    CU_ASSERT_STRING_EQUAL(t->partner, "ZZ:ACMEPARTS");
    CU_ASSERT(t_valid(t));
    XP_EQ(t, "string(//c:noticeDate)", "2026-12-04");
    XP_EQ(t, "string(//c:purpose)", "original");
    XP_EQ(t, "string(//c:shipDate)", "2026-12-04");
    XP_EQ(t, "string(//c:expectedDelivery)", "2026-12-07");
    XP_EQ(t, "string(//c:supplier/@id)", "ACMEPARTS");
    XP_EQ(t, "string(//c:supplier/@qualifier)", "92");
    XP_EQ(t, "string(//c:shipTo/@id)", "WH1");
    XP_EQ(t, "string(//c:reference[@qualifier='BM'])", "BOL-55");
    XP_EQ(t, "count(//c:line)", "2");

    /* Both items inherit the order of their grandparent HL and the
     * carton mark of their parent. */
    XP_EQ(t, "string(//c:line[1]/c:orderRef)", "PO-1001");
    XP_EQ(t, "string(//c:line[2]/c:orderRef)", "PO-1001");
    XP_EQ(t, "string(//c:line[2]/c:package)", "00012345600000000017");
    XP_EQ(t, "string(//c:line[1]/c:item)", "ITEM-1");
    XP_EQ(t, "string(//c:line[1]/c:quantity)", "10");
    XP_EQ(t, "string(//c:line[1]/c:quantity/@unit)", "EA");
    XP_EQ(t, "string(//c:line[1]/c:orderedQuantity)", "12");
    XP_EQ(t, "string(//c:line[2]/c:gtin)", "012345678905");

    /* LIN LT pair; SLN lots with their quantities; REF LT of a lot
     * already named is the same lot; DTM 036 dates every lot. */
    XP_EQ(t, "count(//c:line[1]/c:lot)", "1");
    XP_EQ(t, "string(//c:line[1]/c:lot/c:number)", "LOT-A");
    XP_EQ(t, "string(//c:line[1]/c:lot/c:expiry)", "2027-06-01");
    XP_EQ(t, "count(//c:line[1]/c:lot/c:quantity)", "0");
    XP_EQ(t, "count(//c:line[2]/c:lot)", "2");
    XP_EQ(t, "string(//c:line[2]/c:lot[1]/c:number)", "LOT-B");
    XP_EQ(t, "string(//c:line[2]/c:lot[1]/c:quantity)", "3");
    XP_EQ(t, "string(//c:line[2]/c:lot[2]/c:number)", "LOT-C");
    XP_EQ(t, "string(//c:line[2]/c:lot[2]/c:quantity)", "2");
    XP_EQ(t, "string(//c:line[2]/c:lot[2]/c:expiry)", "2026-12-20");
    t_free(t);
}

/* The corpus crossdock notice: S/O/P/I, two orders, five items. */
static void
test_x12_856_corpus_crossdock(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/x12/"
                                     "856-ediengine-crossdock.edi");

    CU_ASSERT_STRING_EQUAL(t->diags.data, "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    CU_ASSERT(t_valid(t));
    CU_ASSERT_STRING_EQUAL(t->key, "000009");
    XP_EQ(t, "string(//c:shipDate)", "2009-09-21");
    XP_EQ(t, "string(//c:expectedDelivery)", "2009-09-25");
    /* No N1 SU: the ship-from party is the supplier. */
    XP_EQ(t, "string(//c:supplier/@id)", "000009");
    XP_EQ(t, "string(//c:supplier/c:name)", "SOME COMPANY");
    XP_EQ(t, "string(//c:buyer/@id)", "002");
    XP_EQ(t, "count(//c:line)", "5");
    XP_EQ(t, "string(//c:line[4]/c:orderRef)", "POREF00");
    XP_EQ(t, "string(//c:line[4]/c:package)", "00000715670002152391");
    XP_EQ(t, "string(//c:line[5]/c:orderRef)", "POREF01");
    XP_EQ(t, "string(//c:line[5]/c:gtin)", "0000000000642");
    XP_EQ(t, "string(//c:line[5]/c:quantity)", "12");
    t_free(t);
}

/* Each broken value is refused at its segment and element. */
static void
test_x12_856_refusals(void)
{
    static const char *const bad[] = {
        "BSN*00*ASN-7002*20261204*1200",
        "HL*1**S",
        "HL*2*9*O",                         /* 6: no HL 9 */
        "PRF*PO-1001",
        "HL*3*2*I",
        "LIN*1*BP*ITEM-1*LT*LOT:1",         /* 9: ':' in a lot */
        "SN1**0*EA",                        /* 10: nothing shipped */
        "HL*3*2*I",                         /* 11: HL01 again */
        "LIN*2*BP*ITEM-2",
        "SN1**4*EA",
        "SLN*1**I*3*EA****LT*LOT-B",        /* lots: 3 of 4 */
        "CTT*2",                            /* 15: four HL */
        NULL
    };
    struct t_sink *t = t_x12(bad);

    CU_ASSERT_STRING_EQUAL(t->diags.data,
                           "supplier_edi.hl_parent@6:HL:2:0 "
                           "supplier_edi.bad_lot@9:LIN:5:0 "
                           "supplier_edi.bad_quantity@10:SN1:2:0 "
                           "supplier_edi.hl_duplicate@11:HL:1:0 "
                           "supplier_edi.ctt_count@15:CTT:1:0 "
                           "supplier_edi.missing_quantity@9:LIN:0:0 "
                           "supplier_edi.lot_quantity@12:LIN:0:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);
}

/* The 004010 856 map: structure errors come from it, before mapping. */
static void
test_x12_856_map_violations(void)
{
    static const char *const no_bsn[] = {
        "HL*1**S",
        "LIN*1*BP*ITEM-1",
        "SN1**1*EA",
        NULL
    };
    static const char *const colon_order[] = {
        "BSN*00*ASN-7004*20261204*1200",
        "HL*1**S",
        "HL*2*1*O",
        "PRF*PO:1",
        "HL*3*2*I",
        "LIN*1*BP*ITEM-1",                  /* 9 */
        "SN1**1*EA",
        NULL
    };
    static const char *const bad_date[] = {
        "BSN*00*ASN-7003*20261304*1200",
        "HL*1**S",
        "SN1**1*EA*X",
        NULL
    };
    struct t_sink *t = t_x12(no_bsn);

    CU_ASSERT_STRING_EQUAL(t->diags.data, "edi.seg.3@4:BSN:0:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);

    t = t_x12(bad_date);
    CU_ASSERT_STRING_EQUAL(t->diags.data, "edi.elem.8@4:BSN:3:0 "
                           "edi.elem.6@6:SN1:4:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);

    /* Sound for the map; an order number with ':' cannot be a key. */
    t = t_x12(colon_order);
    CU_ASSERT_STRING_EQUAL(t->diags.data,
                           "supplier_edi.bad_order_ref@9:LIN:0:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);
}

/* A line naming lots by the thousand: the 1001st is refused, once per
 * lot beyond, at its REF. */
static void
test_x12_856_too_many_lots(void)
{
    const char **body = sg_xcalloc(1012, sizeof(*body));
    char **refs = sg_xcalloc(1002, sizeof(*refs));
    struct t_sink *t;
    int i, n = 0;

    body[n++] = "BSN*00*ASN-7005*20261204*1200";
    body[n++] = "HL*1**S";
    body[n++] = "HL*2*1*I";
    body[n++] = "LIN*1*BP*ITEM-1";
    body[n++] = "SN1**1*EA";
    for (i = 0; i < 1001; i++) {
        refs[i] = sg_xasprintf("REF*LT*L%d", i);
        body[n++] = refs[i];
    }
    body[n] = NULL;
    t = t_x12(body);
    /* ST is 3, BSN 4: the 1001st REF is segment 1009. */
    CU_ASSERT_STRING_EQUAL(t->diags.data,
                           "supplier_edi.too_many_lots@1009:REF:2:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);
    for (i = 0; i < 1001; i++) {
        free(refs[i]);
    }
    free(refs);
    free(body);
}

/* --- EDIFACT DESADV --------------------------------------------------- */

static const char *const desadv_good[] = {
    "BGM+351+DES-9001+9",
    "DTM+137:20261204:102",
    "DTM+11:20261205:102",
    "DTM+17:20261207:102",
    "RFF+ON:PO-1001",
    "NAD+SU+ACMEPARTS::92",
    "NAD+DP+WH1::92",
    "CPS+1",
    "PAC+1++CT",
    "PCI+33E",
    "GIN+BJ+00012345600000000017",
    "LIN+1++4000862141404:EN",
    "PIA+1+ITEM-1:BP",
    "PIA+1+LOT-A:NB",
    "IMD+F++:::HEX BOLT M8",
    "QTY+12:10:EA",
    "QTY+21:12:EA",
    "DTM+361:20270601:102",
    "LIN+2++ITEM-2:IN",
    "QTY+12:5:EA",
    "RFF+ON:PO-1002",
    "PCI+36E",
    "DTM+361:20261220:102",
    "GIN+BX+LOT-B+LOT-C",
    "CNT+2:2",
    NULL
};

static void
test_desadv_lots_and_orders(void)
{
    struct t_sink *t = t_edifact(desadv_good);

    CU_ASSERT_STRING_EQUAL(t->diags.data, "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    CU_ASSERT(t_valid(t));
    CU_ASSERT_STRING_EQUAL(t->key, "DES-9001");
    CU_ASSERT_STRING_EQUAL(t->partner, "ZZ:ACMEPARTS");
    XP_EQ(t, "string(//c:source/@format)", "edifact");
    XP_EQ(t, "string(//c:noticeDate)", "2026-12-04");
    XP_EQ(t, "string(//c:shipDate)", "2026-12-05");
    XP_EQ(t, "string(//c:expectedDelivery)", "2026-12-07");
    XP_EQ(t, "string(//c:purpose)", "original");
    XP_EQ(t, "string(//c:supplier/@id)", "ACMEPARTS");
    XP_EQ(t, "string(//c:shipTo/@id)", "WH1");

    /* Line 1: header order, PIA item and lot, line-level expiry. */
    XP_EQ(t, "string(//c:line[1]/c:orderRef)", "PO-1001");
    XP_EQ(t, "string(//c:line[1]/c:item)", "ITEM-1");
    XP_EQ(t, "string(//c:line[1]/c:gtin)", "4000862141404");
    XP_EQ(t, "string(//c:line[1]/c:description)", "HEX BOLT M8");
    XP_EQ(t, "string(//c:line[1]/c:quantity)", "10");
    XP_EQ(t, "string(//c:line[1]/c:orderedQuantity)", "12");
    XP_EQ(t, "string(//c:line[1]/c:package)", "00012345600000000017");
    XP_EQ(t, "string(//c:line[1]/c:lot/c:number)", "LOT-A");
    XP_EQ(t, "string(//c:line[1]/c:lot/c:expiry)", "2027-06-01");

    /* Line 2: its own order; two lots of a PCI group and its date. */
    XP_EQ(t, "string(//c:line[2]/c:orderRef)", "PO-1002");
    XP_EQ(t, "count(//c:line[2]/c:lot)", "2");
    XP_EQ(t, "string(//c:line[2]/c:lot[2]/c:number)", "LOT-C");
    XP_EQ(t, "string(//c:line[2]/c:lot[2]/c:expiry)", "2026-12-20");
    t_free(t);
}

static void
test_desadv_corpus(void)
{
    struct t_sink *t = t_decode_file("tests/data/corpus/edifact/"
                                     "DESADV-phpedifact-d96a.edi");

    CU_ASSERT_STRING_EQUAL(t->diags.data, "");
    CU_ASSERT_EQUAL_FATAL(t->n_docs, 1);
    CU_ASSERT(t_valid(t));
    CU_ASSERT_STRING_EQUAL(t->key, "Y02197250");
    /* No DTM+137: the despatch date dates the notice. */
    XP_EQ(t, "string(//c:noticeDate)", "2016-07-26");
    /* NAD+SU+1694901+31B: the agency sits in C058 (name and address),
     * not in C082, so the identifier has no qualifier. */
    XP_EQ(t, "string(//c:supplier/@id)", "1694901");
    XP_EQ(t, "string(//c:supplier/@qualifier)", "mutual");
    XP_EQ(t, "string(//c:line[1]/c:item)", "9780738507330");
    XP_EQ(t, "string(//c:line[1]/c:description)", "MUNCIE THE MIDDLE");
    XP_EQ(t, "string(//c:line[2]/c:orderRef)", "6905456");
    XP_EQ(t, "string(//c:line[2]/c:orderLine)", "6905456");
    t_free(t);
}

static void
test_desadv_refusals(void)
{
    static const char *const bad[] = {
        "BGM+351+DES-9002+700101",          /* 3: 1225 an..3 */
        "DTM+137:20261204:102",
        "CPS+1",
        "LIN+1++ITEM-1:IN",
        "QTY+12:1:EA",
        NULL
    };
    static const char *const bad_values[] = {
        "BGM+351+DES-9003+9",
        "DTM+137:20261231:102",
        "CPS+1",
        "LIN+1++ITEM-1:IN",
        "QTY+12:-1:EA",                     /* 7: negative */
        "DTM+361:20260230:102",             /* 8: no 30 February */
        "LIN+2++ITEM-2:IN",                 /* 9: no QTY+12 */
        "CNT+2:3",                          /* 10: two lines */
        NULL
    };
    struct t_sink *t = t_edifact(bad);

    CU_ASSERT_STRING_EQUAL(t->diags.data, "edi.elem.5@3:BGM:3:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);

    t = t_edifact(bad_values);
    CU_ASSERT_STRING_EQUAL(t->diags.data,
                           "supplier_edi.bad_quantity@7:QTY:1:2 "
                           "supplier_edi.bad_date@8:DTM:1:2 "
                           "supplier_edi.cnt_count@10:CNT:1:2 "
                           "supplier_edi.missing_quantity@6:LIN:0:0 "
                           "supplier_edi.missing_quantity@9:LIN:0:0");
    CU_ASSERT_EQUAL(t->n_docs, 0);
    t_free(t);
}

static void
test_sniff_and_types(void)
{
    int i, listed = 0;

    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "ISA*00~GS*SH~ST*856*1~", 22), 90);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "UNB+UNOC:3'UNH+1+DESADV:D:96A'", 30), 90);
    for (i = 0; plugin->document_types[i] != NULL; i++) {
        listed += strcmp(plugin->document_types[i], "ship_notice") == 0;
    }
    CU_ASSERT_EQUAL(listed, 1);
}

int
main(void)
{
    const char *so = sg_test_buildpath("plugins/supplier_edi/.libs/"
                                       "supplier_edi.so");
    xmlSchemaParserCtxtPtr sp;
    CU_pSuite s;
    int rc;

    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    plugin = dl != NULL ? dlsym(dl, SG_PLUGIN_SYMBOL) : NULL;
    if (plugin == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", so, dlerror());
        return 1;
    }
    host.schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    if (plugin->init(&host, "config", &ctx) != 0) {
        fprintf(stderr, "supplier_edi init failed\n");
        return 1;
    }
    xmlInitParser();
    sp = xmlSchemaNewParserCtxt(sg_test_srcpath("schemas/"
                                                "ship_notice.xsd"));
    schema = xmlSchemaParse(sp);
    xmlSchemaFreeParserCtxt(sp);
    if (schema == NULL) {
        fprintf(stderr, "cannot load schemas/ship_notice.xsd\n");
        return 1;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("ship_notice_edi", NULL, NULL);
    CU_add_test(s, "856 lots and hierarchy",
                test_x12_856_lots_and_hierarchy);
    CU_add_test(s, "856 corpus crossdock", test_x12_856_corpus_crossdock);
    CU_add_test(s, "856 refusals", test_x12_856_refusals);
    CU_add_test(s, "856 map violations", test_x12_856_map_violations);
    CU_add_test(s, "856 too many lots", test_x12_856_too_many_lots);
    CU_add_test(s, "DESADV lots and orders", test_desadv_lots_and_orders);
    CU_add_test(s, "DESADV corpus", test_desadv_corpus);
    CU_add_test(s, "DESADV refusals", test_desadv_refusals);
    CU_add_test(s, "sniff and types", test_sniff_and_types);
    rc = sg_test_run();
    plugin->exit(ctx);
    xmlSchemaFree(schema);
    free((char *)host.schema_dir);
    return rc;
}
