/*
 * test_schema.c - loading the canonical XSDs and validating documents
 * against them: the exact code, line and XPath a partner is told for
 * each kind of broken order, hostile XML refused quickly, and several
 * threads validating at once.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <libxml/tree.h>

#include "schema.h"
#include "xml_guard.h"
#include "testlib.h"
#include "util.h"

static struct sg_schemas *schemas;

/*
 * A valid order, one element per line so that a test can name the line
 * of each one.  Replacing a line with a comment keeps the numbering.
 */
static const char VALID[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                 /* 1 */
    "<order xmlns=\"urn:supplygate:canonical:1\">\n"               /* 2 */
    "  <source format=\"xml\" sender=\"ZZ:ACMEPARTS\"/>\n"         /* 3 */
    "  <orderNumber>PO-1</orderNumber>\n"                          /* 4 */
    "  <orderDate>2026-12-04</orderDate>\n"                        /* 5 */
    "  <currency>USD</currency>\n"                                 /* 6 */
    "  <supplier id=\"ACME\"><name>Acme</name></supplier>\n"       /* 7 */
    "  <lines>\n"                                                  /* 8 */
    "    <line number=\"1\">\n"                                    /* 9 */
    "      <item>A</item>\n"                                       /* 10 */
    "      <quantity unit=\"EA\">2</quantity>\n"                   /* 11 */
    "      <unitPrice>10.50</unitPrice>\n"                         /* 12 */
    "    </line>\n"                                                /* 13 */
    "    <line number=\"2\">\n"                                    /* 14 */
    "      <item>B</item>\n"                                       /* 15 */
    "      <quantity unit=\"EA\">3</quantity>\n"                   /* 16 */
    "      <unitPrice>1</unitPrice>\n"                             /* 17 */
    "    </line>\n"                                                /* 18 */
    "  </lines>\n"                                                 /* 19 */
    "  <totalAmount>24</totalAmount>\n"                            /* 20 */
    "</order>\n";                                                  /* 21 */

/* VALID with the nth occurrence (1-based) of from replaced by to. */
static char *
variant(const char *from, int nth, const char *to)
{
    const char *p = VALID, *hit = NULL;
    struct sg_buf b;

    while (nth-- > 0) {
        hit = strstr(p, from);
        if (hit == NULL) {
            fprintf(stderr, "variant: \"%s\" not in VALID\n", from);
            exit(2);
        }
        p = hit + strlen(from);
    }
    sg_buf_init(&b);
    sg_buf_add(&b, VALID, (size_t)(hit - VALID));
    sg_buf_adds(&b, to);
    sg_buf_adds(&b, p);
    return sg_buf_steal(&b);
}

static int
validate(const char *xml, struct sg_errors *errs)
{
    sg_errors_init(errs, 0);
    return sg_schemas_validate(schemas, "order", xml, strlen(xml), errs);
}

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The first error is code at line with xpath, and it is the only one. */
static void
expect_one(const char *xml, const char *code, long line, const char *xpath)
{
    struct sg_errors errs;

    CU_ASSERT_EQUAL(validate(xml, &errs), -1);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, code);
    CU_ASSERT_EQUAL(errs.items[0].line, line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(errs.items[0].xpath);
    CU_ASSERT_STRING_EQUAL(errs.items[0].xpath, xpath);
    /* The namespace clutter is left out of the message. */
    CU_ASSERT_PTR_NULL(strstr(errs.items[0].text, "{urn:"));
    CU_ASSERT_TRUE(strlen(errs.items[0].text) > 10);
    CU_ASSERT_NOT_EQUAL(errs.items[0].text[strlen(errs.items[0].text) - 1],
                        '\n');
    sg_errors_free(&errs);
}

/* --- loading ------------------------------------------------------- */

/* How many .xsd files schemas/ holds. */
static size_t
xsd_files(void)
{
    DIR *d = opendir(sg_test_srcpath("schemas"));
    struct dirent *e;
    size_t n = 0, len;

    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((e = readdir(d)) != NULL) {
        len = strlen(e->d_name);
        n += len > 4 && strcmp(e->d_name + len - 4, ".xsd") == 0;
    }
    closedir(d);
    return n;
}

static void
test_load_types(void)
{
    const char *const *t = sg_schemas_types(schemas);
    size_t i;

    /* common.xsd declares no element: it is no type of its own.  Every
     * other file is one type, in no particular order. */
    for (i = 0; t[i] != NULL; i++) {
        CU_ASSERT_STRING_NOT_EQUAL(t[i], "common");
    }
    CU_ASSERT_EQUAL(i, xsd_files() - 1);
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "ack"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "order"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "tracking"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "stock"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "receipt"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "feedback"));
    CU_ASSERT_FALSE(sg_schemas_has(schemas, "common"));
    CU_ASSERT_TRUE(sg_schemas_has(schemas, "invoice"));
    CU_ASSERT_FALSE(sg_schemas_has(schemas, "quotation"));
}

static void
test_load_errors(void)
{
    char *dir = sg_test_tmpdir("schema"), *p, *want;
    struct sg_errors errs;
    struct sg_schemas *s;

    /* A directory with no schema at all. */
    sg_errors_init(&errs, 0);
    CU_ASSERT_PTR_NULL(sg_schemas_load(dir, &errs));
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "schema.dir");
    sg_errors_free(&errs);

    /* Only an include-only file: still no document type. */
    p = sg_test_write(dir, "common.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:simpleType name=\"T\"><xs:restriction base=\"xs:string\"/>"
        "</xs:simpleType>\n</xs:schema>\n");
    free(p);
    CU_ASSERT_PTR_NULL(sg_schemas_load(dir, &errs));
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "schema.dir");
    sg_errors_free(&errs);

    /* A schema referring to a type nobody defines, on line 3. */
    p = sg_test_write(dir, "thing.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:include schemaLocation=\"common.xsd\"/>\n"
        "  <xs:element name=\"thing\" type=\"Nowhere\"/>\n"
        "</xs:schema>\n");
    CU_ASSERT_PTR_NULL(sg_schemas_load(dir, &errs));
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "schema.invalid");
    want = sg_xasprintf("%s:3: ", p);
    CU_ASSERT_EQUAL(strncmp(errs.items[0].text, want, strlen(want)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "Nowhere"));
    free(want);
    free(p);
    sg_errors_free(&errs);

    /* Fixed, and the include resolves: one type, "thing". */
    p = sg_test_write(dir, "thing.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:include schemaLocation=\"common.xsd\"/>\n"
        "  <xs:element name=\"thing\" type=\"T\"/>\n"
        "</xs:schema>\n");
    free(p);
    s = sg_schemas_load(dir, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(errs.n, 0);
    CU_ASSERT_STRING_EQUAL(sg_schemas_types(s)[0], "thing");
    CU_ASSERT_PTR_NULL(sg_schemas_types(s)[1]);
    sg_schemas_free(s);

    /* Not even XML: file:line of the parse error. */
    p = sg_test_write(dir, "broken.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:element name=\"broken\">\n"
        "</xs:schema>\n");
    CU_ASSERT_PTR_NULL(sg_schemas_load(dir, &errs));
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    want = sg_xasprintf("%s:3: ", p);
    CU_ASSERT_EQUAL(strncmp(errs.items[0].text, want, strlen(want)), 0);
    free(want);
    free(p);
    sg_errors_free(&errs);

    sg_test_rmdir(dir);
    free(dir);
}

/*
 * An include that points outside the schema directory is refused by the
 * entity loader even though the file exists.
 */
static void
test_load_include_outside(void)
{
    char *dir = sg_test_tmpdir("schema"), *sub, *p, *loc;
    struct sg_errors errs;

    sub = sg_xasprintf("%s/types", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    p = sg_test_write(dir, "outside.xsd",
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:simpleType name=\"T\"><xs:restriction base=\"xs:string\"/>"
        "</xs:simpleType>\n</xs:schema>\n");
    free(p);
    loc = sg_xasprintf(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
        "  <xs:include schemaLocation=\"%s/outside.xsd\"/>\n"
        "  <xs:element name=\"thing\" type=\"T\"/>\n"
        "</xs:schema>\n", dir);
    p = sg_test_write(sub, "thing.xsd", loc);
    free(p);
    free(loc);
    sg_errors_init(&errs, 0);
    CU_ASSERT_PTR_NULL(sg_schemas_load(sub, &errs));
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "schema.invalid");
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "thing.xsd:2: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "outside.xsd"));
    sg_errors_free(&errs);
    sg_test_rmdir(dir);
    free(sub);
    free(dir);
}

/* --- valid and invalid orders -------------------------------------- */

static void
test_valid(void)
{
    struct sg_errors errs;
    size_t len;
    unsigned char *ex;

    CU_ASSERT_EQUAL(validate(VALID, &errs), 0);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);

    ex = sg_test_read(sg_test_srcpath("examples/05-xml-canonical-order.xml"),
                      &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_schemas_validate(schemas, "order", (char *)ex, len,
                                        &errs), 0);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    free(ex);
}

static void
test_missing_order_number(void)
{
    char *x = variant("<orderNumber>PO-1</orderNumber>", 1,
                      "<!-- no number -->");

    /* The validator stops at the element found in its place. */
    expect_one(x, "xsd.invalid", 5, "/order/orderDate");
    free(x);
}

static void
test_quantity_not_a_number(void)
{
    char *x = variant(">3</quantity>", 1, ">abc</quantity>");

    expect_one(x, "xsd.invalid", 16, "/order/lines/line[2]/quantity");
    free(x);
}

static void
test_negative_quantity(void)
{
    char *x = variant(">2</quantity>", 1, ">-2</quantity>");
    struct sg_errors errs;

    expect_one(x, "xsd.invalid", 11, "/order/lines/line[1]/quantity");
    validate(x, &errs);
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "-2"));
    sg_errors_free(&errs);
    free(x);
}

/* A ":" would let an order number reach another key ("PO-1:history"). */
static void
test_colon_in_key(void)
{
    char *x = variant(">PO-1</orderNumber>", 1,
                      ">PO-1:history</orderNumber>");

    expect_one(x, "xsd.invalid", 4, "/order/orderNumber");
    free(x);
}

/* Canonical XML cannot carry a negative price either. */
static void
test_negative_price(void)
{
    char *x = variant(">10.50</unitPrice>", 1, ">-10.50</unitPrice>");

    expect_one(x, "xsd.invalid", 12, "/order/lines/line[1]/unitPrice");
    free(x);
}

static void
test_bad_date(void)
{
    char *x = variant("2026-12-04", 1, "2026-13-40");

    expect_one(x, "xsd.invalid", 5, "/order/orderDate");
    free(x);
}

static void
test_unknown_element(void)
{
    char *x = variant("<item>A</item>", 1,
                      "<item>A</item><colour>red</colour>");

    expect_one(x, "xsd.invalid", 10, "/order/lines/line[1]/colour");
    free(x);
}

static void
test_bad_attribute(void)
{
    char *x = variant("format=\"xml\"", 1, "format=\"telex\"");

    expect_one(x, "xsd.invalid", 3, "/order/source/@format");
    free(x);
}

static void
test_wrong_root(void)
{
    char *a = variant("<order ", 1, "<purchase ");
    char *end = strstr(a, "</order>");
    char *x;

    *end = '\0';
    x = sg_xasprintf("%s</purchase>\n", a);
    expect_one(x, "xsd.invalid", 2, "/purchase");
    free(a);
    free(x);
}

static void
test_wrong_namespace(void)
{
    char *x = variant("urn:supplygate:canonical:1", 1, "urn:example:po");
    struct sg_errors errs;

    expect_one(x, "xsd.invalid", 2, "/order");
    validate(x, &errs);
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "urn:example:po"));
    sg_errors_free(&errs);
    free(x);

    /* No namespace at all is as wrong. */
    x = variant(" xmlns=\"urn:supplygate:canonical:1\"", 1, "");
    expect_one(x, "xsd.invalid", 2, "/order");
    free(x);
}

static void
test_unknown_type(void)
{
    struct sg_errors errs;

    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_schemas_validate(schemas, "quotation", VALID,
                                        strlen(VALID), &errs), -1);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "schema.unknown_type");
    sg_errors_free(&errs);
}

/* --- malformed and hostile XML --------------------------------------- */

static void
test_malformed(void)
{
    char *x = variant("<item>A</item>", 1, "<item>A</itm>");
    struct sg_errors errs;

    CU_ASSERT_EQUAL(validate(x, &errs), -1);
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.malformed");
    CU_ASSERT_EQUAL(errs.items[0].line, 10);
    /* Just after "</itm>" on "      <item>A</itm>". */
    CU_ASSERT_EQUAL(errs.items[0].column, 20);
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "itm"));
    sg_errors_free(&errs);
    free(x);

    /* Truncated: the error is at the end. */
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_schemas_validate(schemas, "order", VALID, 100,
                                        &errs), -1);
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.malformed");
    CU_ASSERT_EQUAL(errs.items[0].line, 3);
    sg_errors_free(&errs);

    /* Empty. */
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_schemas_validate(schemas, "order", "", 0, &errs),
                    -1);
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.malformed");
    sg_errors_free(&errs);
}

static void
test_external_entity(void)
{
    static const char xxe[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE order [\n"
        "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
        "]>\n"
        "<order xmlns=\"urn:supplygate:canonical:1\">"
        "<orderNumber>&xxe;</orderNumber></order>\n";
    struct sg_errors errs;
    struct timespec t0;
    xmlDocPtr doc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(validate(xxe, &errs), -1);
    CU_ASSERT_TRUE(seconds_since(&t0) < 1.0);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.doctype");
    CU_ASSERT_EQUAL(errs.items[0].line, 2);
    CU_ASSERT_PTR_NULL(strstr(errs.items[0].text, "root:"));
    sg_errors_free(&errs);

    /* The plain reader refuses it the same way and builds nothing. */
    sg_errors_init(&errs, 0);
    doc = sg_xml_read(xxe, strlen(xxe), &errs);
    CU_ASSERT_PTR_NULL(doc);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.doctype");
    sg_errors_free(&errs);

    /* An external DTD without an internal subset: refused too. */
    CU_ASSERT_EQUAL(validate("<?xml version=\"1.0\"?>\n<!DOCTYPE order "
                             "SYSTEM \"http://127.0.0.1:1/x.dtd\">\n"
                             "<order/>", &errs), -1);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.doctype");
    sg_errors_free(&errs);
}

static void
test_entity_bomb(void)
{
    struct sg_buf b;
    struct sg_errors errs;
    struct timespec t0;
    int i;

    sg_buf_init(&b);
    sg_buf_adds(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE order [\n"
                "<!ENTITY e0 \"lollollollollollollollollollol\">\n");
    for (i = 1; i <= 12; i++) {
        sg_buf_addf(&b, "<!ENTITY e%d \"&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;&e%d;"
                    "&e%d;&e%d;&e%d;\">\n", i, i - 1, i - 1, i - 1, i - 1,
                    i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    }
    sg_buf_adds(&b, "]>\n<order xmlns=\"urn:supplygate:canonical:1\">"
                "<orderNumber>&e12;</orderNumber></order>\n");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(validate(b.data, &errs), -1);
    CU_ASSERT_TRUE(seconds_since(&t0) < 1.0);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.doctype");
    sg_errors_free(&errs);
    sg_buf_free(&b);
}

static void
test_limits(void)
{
    struct sg_buf b;
    struct sg_errors errs;
    char *big;
    int i;

    /* Over the size cap: refused without parsing. */
    big = sg_xmalloc(SG_XML_MAX_SIZE + 2);
    memset(big, ' ', SG_XML_MAX_SIZE + 1);
    big[SG_XML_MAX_SIZE + 1] = '\0';
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_schemas_validate(schemas, "order", big,
                                        SG_XML_MAX_SIZE + 1, &errs), -1);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.too_large");
    sg_errors_free(&errs);
    free(big);

    /* Deeper than SG_XML_MAX_DEPTH: refused by the pre-scan, before
     * libxml2 (whose own error would advise "XML_PARSE_HUGE"). */
    sg_buf_init(&b);
    sg_buf_adds(&b, "<order xmlns=\"urn:supplygate:canonical:1\">");
    for (i = 0; i < 400; i++) {
        sg_buf_adds(&b, "<a>");
    }
    for (i = 0; i < 400; i++) {
        sg_buf_adds(&b, "</a>");
    }
    sg_buf_adds(&b, "</order>");
    CU_ASSERT_EQUAL(validate(b.data, &errs), -1);
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.too_deep");
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "nested more than "
                                  "100 deep"));
    CU_ASSERT_PTR_NULL(strstr(errs.items[0].text, "XML_PARSE_HUGE"));
    CU_ASSERT_EQUAL(errs.items[0].line, 1);
    /* The 101st <a> opens at column 42 + 100 * 3 + 1. */
    CU_ASSERT_EQUAL(errs.items[0].column, 43 + 99 * 3);
    sg_errors_free(&errs);
    sg_buf_free(&b);
}

/* 100000 attributes cost libxml2 2.9 minutes; the pre-scan, no time. */
static void
test_attribute_flood(void)
{
    struct sg_buf b;
    struct sg_errors errs;
    struct timespec t0;
    int i;

    sg_buf_init(&b);
    sg_buf_adds(&b, "<?xml version=\"1.0\"?>\n<order xmlns=\"urn:"
                "supplygate:canonical:1\"\n");
    for (i = 0; i < 100000; i++) {
        sg_buf_addf(&b, " a%d=\"x>=\"", i);
    }
    sg_buf_adds(&b, "/>");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT_EQUAL(validate(b.data, &errs), -1);
    CU_ASSERT_TRUE(seconds_since(&t0) < 1.0);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.too_many_attributes");
    /* xmlns counts too; '>' and '=' inside values do not. */
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text,
                                  "100001 attributes"));
    CU_ASSERT_EQUAL(errs.items[0].line, 2);
    CU_ASSERT_EQUAL(errs.items[0].column, 1);
    sg_errors_free(&errs);
    sg_buf_free(&b);
}

/* libxml2's limit advice never reaches a partner. */
static void
test_plain_message(void)
{
    char out[256];

    sg_xml_plain_message("Excessive depth in document: 256 use "
                         "XML_PARSE_HUGE option\n", out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "elements are nested deeper than the "
                           "parser accepts");
    sg_xml_plain_message("xmlSAX2Characters: huge text node: out of "
                         "memory, use XML_PARSE_HUGE", out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "a text node is larger than the parser "
                           "accepts");
    sg_xml_plain_message("Something new, try XML_PARSE_HUGE", out,
                         sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "the document exceeds a limit of the XML "
                           "parser");
    sg_xml_plain_message("Opening and ending tag mismatch: a line 1 and "
                         "b\n", out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "Opening and ending tag mismatch: a line 1 "
                           "and b");
}

/* --- threads -------------------------------------------------------- */

struct job {
    const char *good;
    const char *bad;
    int wrong;          /* results that were not what they should be */
};

static void *
job_run(void *arg)
{
    struct job *j = arg;
    struct sg_errors errs;
    int i;

    for (i = 0; i < 300; i++) {
        if (validate(j->good, &errs) != 0 || errs.n != 0) {
            j->wrong++;
        }
        sg_errors_free(&errs);
        if (validate(j->bad, &errs) != -1 || errs.n != 1 ||
            errs.items[0].xpath == NULL ||
            strcmp(errs.items[0].xpath, "/order/lines/line[2]/quantity")
            != 0 || errs.items[0].line != 16) {
            j->wrong++;
        }
        sg_errors_free(&errs);
    }
    return NULL;
}

static void
test_threads(void)
{
    char *bad = variant(">3</quantity>", 1, ">x</quantity>");
    struct job jobs[4];
    pthread_t th[4];
    int i;

    for (i = 0; i < 4; i++) {
        jobs[i].good = VALID;
        jobs[i].bad = bad;
        jobs[i].wrong = 0;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, job_run,
                                             &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(jobs[i].wrong, 0);
    }
    free(bad);
}

int
main(void)
{
    struct sg_errors errs;
    CU_pSuite s;
    int rc;

    sg_xml_init();
    sg_errors_init(&errs, 0);
    schemas = sg_schemas_load(sg_test_srcpath("schemas"), &errs);
    if (schemas == NULL) {
        fprintf(stderr, "schemas: %s\n", errs.n ? errs.items[0].text : "?");
        return 1;
    }
    sg_errors_free(&errs);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("schema", NULL, NULL);
    CU_add_test(s, "load: one type per schema file", test_load_types);
    CU_add_test(s, "load: errors as file:line", test_load_errors);
    CU_add_test(s, "load: include outside the dir refused",
                test_load_include_outside);
    CU_add_test(s, "valid orders", test_valid);
    CU_add_test(s, "missing orderNumber", test_missing_order_number);
    CU_add_test(s, "quantity abc", test_quantity_not_a_number);
    CU_add_test(s, "negative quantity", test_negative_quantity);
    CU_add_test(s, "negative price", test_negative_price);
    CU_add_test(s, "a colon in an order number", test_colon_in_key);
    CU_add_test(s, "bad date", test_bad_date);
    CU_add_test(s, "unknown element", test_unknown_element);
    CU_add_test(s, "bad attribute value", test_bad_attribute);
    CU_add_test(s, "wrong root", test_wrong_root);
    CU_add_test(s, "wrong namespace", test_wrong_namespace);
    CU_add_test(s, "unknown type", test_unknown_type);
    CU_add_test(s, "malformed XML", test_malformed);
    CU_add_test(s, "DOCTYPE with external entity", test_external_entity);
    CU_add_test(s, "entity bomb", test_entity_bomb);
    CU_add_test(s, "size and depth limits", test_limits);
    CU_add_test(s, "attribute flood", test_attribute_flood);
    CU_add_test(s, "libxml2 limit errors reworded", test_plain_message);
    CU_add_test(s, "4 threads", test_threads);

    rc = sg_test_run();
    sg_schemas_free(schemas);
    sg_xml_cleanup();
    return rc;
}
