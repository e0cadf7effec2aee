/*
 * test_rules_invoice.c - the invoice rules (core/rules_invoice.c)
 * against a real redis-server: orders applied by the order rules from
 * real stream entries, then invoices matched to them; every decision
 * read back from Redis (state, reasons, events, counts on the order)
 * and through the read API's JSON.  An invoice taken before its order
 * waits for it (rules.order_wait) and changes nothing meanwhile.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "keys.h"
#include "rules.h"
#include "rules_area.h"
#include "schema.h"
#include "testlib.h"
#include "util.h"

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;
static int seq;

static struct sg_supplier suppliers[] = {
    {"ACME", "Acme Components", NULL, 0, "active", "A", "default",
     0, 0, 0, 0},
    {"OTHER", "Other Parts", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
};

static void
setup_config(void)
{
    long long day, far;
    size_t i;

    sg_parse_date("2026-12-04", &day);
    sg_parse_date("2099-12-31", &far);
    T = (day + 10 * 3600) * 1000LL;
    for (i = 0; i < 2; i++) {
        suppliers[i].licence_expires = far;
        suppliers[i].tax_expires = far;
        suppliers[i].org_code_expires = far;
        suppliers[i].certificate_expires = far;
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.processing_limit = 2 * 3600;
    cfg.dispatch_limit = 4 * 3600;
    cfg.suppliers = suppliers;
    cfg.n_suppliers = 2;
    cfg.invoice_price_tolerance = 2;
    cfg.invoice_quantity_tolerance = 0;
    cfg.invoice_total_tolerance = 0.01;
}

/* --- Redis ------------------------------------------------------------- */

static redisReply *
cmd(const char *fmt, ...)
{
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        fprintf(stderr, "redis: %s\n", c->errstr);
        exit(2);
    }
    return r;
}

/* A string reply copied to a static buffer ("" otherwise). */
static const char *
cmd_str(const char *fmt, ...)
{
    static char out[4][4096];
    static int slot;
    char *o = out[slot++ % 4];
    redisReply *r;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    snprintf(o, sizeof(out[0]), "%s", r != NULL &&
             r->type == REDIS_REPLY_STRING ? r->str : "");
    if (r != NULL) {
        freeReplyObject(r);
    }
    return o;
}

static long long
cmd_int(const char *fmt, ...)
{
    redisReply *r;
    long long v;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    v = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r != NULL) {
        freeReplyObject(r);
    }
    return v;
}

static const char *
inv_field(const char *key, const char *name)
{
    return cmd_str("HGET " SG_KEY_INVOICE "%s %s", key, name);
}

/* The reason codes of an invoice, joined by spaces. */
static const char *
reasons(const char *key)
{
    static char out[1024];
    json_t *arr = json_loads(inv_field(key, "reasons"), 0, NULL);
    size_t i;

    out[0] = '\0';
    for (i = 0; i < json_array_size(arr); i++) {
        if (i > 0) {
            strcat(out, " ");
        }
        strncat(out, json_string_value(json_object_get(
                         json_array_get(arr, i), "code")),
                sizeof(out) - strlen(out) - 2);
    }
    json_decref(arr);
    return out;
}

/* The types of sg:events about this invoice, joined by spaces. */
static const char *
invoice_events(const char *number)
{
    static char out[1024];
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;

    out[0] = '\0';
    for (i = 0; i < r->elements; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *type = NULL, *inv = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                type = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "invoice") == 0) {
                inv = kv->element[j + 1]->str;
            }
        }
        if (type != NULL && inv != NULL && strcmp(inv, number) == 0) {
            if (out[0] != '\0') {
                strcat(out, " ");
            }
            strncat(out, type, sizeof(out) - strlen(out) - 2);
        }
    }
    freeReplyObject(r);
    return out;
}

/* --- entries ---------------------------------------------------------- */

struct entry {
    struct sg_entry e;
    char id[64], msg[64], stream[64];
    char *xml;
};

/* Add xml to the type's stream and read it as a worker; takes xml. */
static void
entry_make(struct entry *x, const char *type, const char *key, char *xml)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    snprintf(x->stream, sizeof(x->stream), SG_KEY_STREAM "%s", type);
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", x->stream,
                     SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s doc 1 type %s key %s partner %s received "
            "%lld xml %s", x->stream, x->msg, type, key, "", T, xml);
    freeReplyObject(r);
    r = cmd("XREADGROUP GROUP %s tester COUNT 1 STREAMS %s >", SG_GROUP,
            x->stream);
    CU_ASSERT_FATAL(r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    snprintf(x->id, sizeof(x->id), "%s",
             r->element[0]->element[1]->element[0]->element[0]->str);
    freeReplyObject(r);
    x->xml = xml;
    x->e.stream = x->stream;
    x->e.group = SG_GROUP;
    x->e.id = x->id;
    x->e.msg = x->msg;
    x->e.type = type;
    x->e.key = key;
    x->e.partner = "";
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

/* Apply the entry as a worker would at now_ms. */
static enum sg_rules_result
entry_apply_at(struct entry *x, long long now_ms)
{
    struct sg_errors errs;
    enum sg_rules_result res;

    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x->e, now_ms, &errs);
    if (errs.n > 0) {
        fprintf(stderr, "apply: %s: %s\n", errs.items[0].code,
                errs.items[0].text);
    }
    sg_errors_free(&errs);
    return res;
}

static enum sg_rules_result
entry_apply(struct entry *x)
{
    return entry_apply_at(x, T + 1000);
}

static void
apply_xml(const char *type, const char *key, char *xml)
{
    struct entry x;

    entry_make(&x, type, key, xml);
    CU_ASSERT_EQUAL(entry_apply(&x), SG_RULES_OK);
    free(x.xml);
}

/* PO-1 from ACME: 10 m of CABLE at 2.50 and 100 BOLT at 0.10. */
static void
order_po1(void)
{
    apply_xml("order", "PO-1", sg_xstrdup(
        "<order xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><orderNumber>PO-1</orderNumber>"
        "<orderDate>2026-12-04</orderDate><currency>EUR</currency>"
        "<supplier id=\"ACME\"/><lines>"
        "<line number=\"1\"><item>CABLE</item><quantity unit=\"MTR\">10"
        "</quantity><unitPrice>2.5</unitPrice></line>"
        "<line number=\"2\"><item>BOLT</item><supplierItem>B-7"
        "</supplierItem><quantity>100</quantity><unitPrice>0.1"
        "</unitPrice></line></lines></order>"));
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1 state"),
                           "processed");
}

/*
 * An invoice from supplier for order (NULL: none), one or two lines
 * (item, quantity, price), a total (NULL: none) and extra summary XML.
 */
static char *
invoice_xml(const char *number, const char *supplier, const char *order,
            const char *type, const char *l1, const char *l2,
            const char *summary)
{
    char *o = order != NULL
              ? sg_xasprintf("<orderNumber>%s</orderNumber>", order)
              : sg_xstrdup("");
    char *x = sg_xasprintf(
        "<invoice xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><invoiceNumber>%s</invoiceNumber>"
        "<invoiceDate>2026-12-10</invoiceDate><invoiceType>%s"
        "</invoiceType>%s<currency>EUR</currency><supplier id=\"%s\"/>"
        "<lines>%s%s</lines>%s</invoice>", number, type, o, supplier, l1,
        l2 != NULL ? l2 : "", summary != NULL ? summary : "");

    free(o);
    return x;
}

/* An invoice line. */
static char *
line(int n, const char *item, const char *qty, const char *price)
{
    return sg_xasprintf("<line number=\"%d\"><item>%s</item><quantity>%s"
                        "</quantity><unitPrice>%s</unitPrice></line>", n,
                        item, qty, price);
}

/* Apply an invoice; the lines are freed here. */
static void
apply_invoice(const char *number, const char *supplier, const char *order,
              char *l1, char *l2, const char *summary)
{
    apply_xml("invoice", number, invoice_xml(number, supplier, order,
                                             "invoice", l1, l2, summary));
    free(l1);
    free(l2);
}

static void
setup_test(void)
{
    freeReplyObject(cmd("FLUSHALL"));
    cfg.order_wait = 0;
}

/* Entries of the invoice stream delivered and not acknowledged. */
static long long
invoices_pending(void)
{
    redisReply *r = cmd("XPENDING " SG_KEY_STREAM "invoice %s", SG_GROUP);
    long long n = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ?
                  r->element[0]->integer : -1;

    freeReplyObject(r);
    return n;
}

/* --- the rules --------------------------------------------------------- */

static void
test_matched(void)
{
    order_po1();
    apply_invoice("INV-1", "ACME", "PO-1", line(1, "CABLE", "10", "2.5"),
                  line(2, "BOLT", "100", "0.1"),
                  "<totalAmount>35</totalAmount>");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-1", "state"), "matched");
    CU_ASSERT_STRING_EQUAL(reasons("INV-1"), "");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-1", "order"), "PO-1");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-1", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-1", "computed"), "35.000000");
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-1"), "invoice_matched");
    /* The order knows what was billed, and by whom. */
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "10");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 2"),
                           "100");
    CU_ASSERT_EQUAL(cmd_int("SISMEMBER " SG_KEY_ORDER "PO-1:invoices "
                            "INV-1"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(cmd_str("LINDEX " SG_KEY_ORDER
                                          "PO-1:history -1"),
                                  "invoice_matched"));
    /* Acknowledged in the same step. */
    CU_ASSERT_EQUAL(cmd_int("XLEN " SG_KEY_STREAM "invoice"), 1);
    {
        redisReply *r = cmd("XPENDING " SG_KEY_STREAM "invoice %s",
                            SG_GROUP);

        CU_ASSERT_EQUAL(r->element[0]->integer, 0);
        freeReplyObject(r);
    }
}

static void
test_price_deviation(void)
{
    order_po1();
    /* 2.55 is exactly 2 % off 2.50: inside; 0.103 is 3 % off 0.10. */
    apply_invoice("INV-2", "ACME", "PO-1", line(1, "CABLE", "10", "2.55"),
                  line(3, "B-7", "100", "0.103"), NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-2", "state"), "mismatch");
    CU_ASSERT_STRING_EQUAL(reasons("INV-2"), "item_not_ordered");

    /* Matched by supplier item this time. */
    apply_xml("invoice", "INV-3", sg_xstrdup(
        "<invoice xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><invoiceNumber>INV-3</invoiceNumber>"
        "<invoiceDate>2026-12-10</invoiceDate><invoiceType>invoice"
        "</invoiceType><orderNumber>PO-1</orderNumber>"
        "<supplier id=\"ACME\"/><lines><line number=\"1\"><item>B7X"
        "</item><supplierItem>B-7</supplierItem><quantity>100</quantity>"
        "<unitPrice>0.103</unitPrice></line></lines></invoice>"));
    CU_ASSERT_STRING_EQUAL(inv_field("INV-3", "state"), "mismatch");
    CU_ASSERT_STRING_EQUAL(reasons("INV-3"), "price_deviation");
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-3"), "invoice_mismatch");
    /* Disputed invoices count nothing on the order. */
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_ORDER "PO-1:invoiced"), 0);
}

static void
test_quantity_over_ordered(void)
{
    order_po1();
    apply_invoice("INV-4", "ACME", "PO-1", line(1, "CABLE", "6", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-4", "state"), "matched");
    /* 6 + 5 of 10 ordered. */
    apply_invoice("INV-5", "ACME", "PO-1", line(1, "CABLE", "5", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-5", "state"), "mismatch");
    CU_ASSERT_STRING_EQUAL(reasons("INV-5"), "quantity_over_ordered");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "6");
    /* The remaining 4 still match. */
    apply_invoice("INV-6", "ACME", "PO-1", line(1, "CABLE", "4", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-6", "state"), "matched");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "10");
}

static void
test_quantity_over_shipped(void)
{
    order_po1();
    /* What a ship notice recorded: 4 m of CABLE shipped. */
    freeReplyObject(cmd("HSET " SG_KEY_ORDER "PO-1:shipped item:CABLE 4"));
    apply_invoice("INV-7", "ACME", "PO-1", line(1, "CABLE", "6", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-7", "state"), "mismatch");
    CU_ASSERT_STRING_EQUAL(reasons("INV-7"), "quantity_over_shipped");
}

static void
test_totals(void)
{
    order_po1();
    apply_invoice("INV-8", "ACME", "PO-1", line(1, "CABLE", "10", "2.5"),
                  NULL, "<totalAmount>30</totalAmount>");
    CU_ASSERT_STRING_EQUAL(reasons("INV-8"), "total_mismatch");
    /* 25 + charges 6 - allowances 2 + tax 1 = 30. */
    apply_invoice("INV-9", "ACME", "PO-1", line(1, "CABLE", "10", "2.5"),
                  NULL, "<charges>6</charges><allowances>2</allowances>"
                  "<taxAmount>1</taxAmount><totalAmount>30.004"
                  "</totalAmount>");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-9", "state"), "matched");
}

static void
test_held(void)
{
    order_po1();
    apply_invoice("INV-10", "ACME", "PO-404", line(1, "CABLE", "1", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-10", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-10"), "order_unknown "
                           "order_unknown");
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-10"), "invoice_mismatch");

    /* An order only the tracking rules heard of is not known. */
    freeReplyObject(cmd("HSET " SG_KEY_ORDER "PO-405 dispatched_at 1"));
    apply_invoice("INV-15", "ACME", "PO-405", line(1, "CABLE", "1", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-15", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-15"), "order_unknown "
                           "order_unknown");

    apply_invoice("INV-11", "ACME", NULL, line(1, "CABLE", "1", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-11", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-11"), "order_unknown");

    /* OTHER bills ACME's order. */
    apply_invoice("INV-12", "OTHER", "PO-1", line(1, "CABLE", "1", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-12", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-12"),
                           "supplier_not_order_supplier");

    apply_xml("invoice", "CN-1", invoice_xml("CN-1", "ACME", "PO-1",
                                             "credit_note", "", NULL,
                                             NULL));
    CU_ASSERT_STRING_EQUAL(inv_field("CN-1", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("CN-1"), "credit_note");
}

/*
 * An invoice taken before its order: within rules.order_wait it is left
 * for a retry and changes nothing; once the order is filed the retry
 * matches it; past the wait an order still missing holds it as before.
 * An invoice naming no order has nothing to wait for.
 */
static void
test_invoice_before_its_order(void)
{
    struct entry x, y, z;

    cfg.order_wait = 60;
    entry_make(&x, "invoice", "INV-20", invoice_xml(
        "INV-20", "ACME", "PO-1", "invoice",
        "<line number=\"1\"><item>CABLE</item><quantity>10</quantity>"
        "<unitPrice>2.5</unitPrice></line>", NULL, NULL));
    CU_ASSERT_EQUAL(entry_apply_at(&x, T + 1000), SG_RULES_RETRY);
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_INVOICE "INV-20"), 0);
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-20"), "");
    CU_ASSERT_EQUAL(invoices_pending(), 1);

    /* The order is filed a moment later; the retry matches. */
    order_po1();
    CU_ASSERT_EQUAL(entry_apply_at(&x, T + 2000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-20", "state"), "matched");
    CU_ASSERT_STRING_EQUAL(reasons("INV-20"), "");
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-20"), "invoice_matched");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "10");
    CU_ASSERT_EQUAL(invoices_pending(), 0);
    free(x.xml);

    /* An order that never comes: retried up to the wait, then held. */
    entry_make(&y, "invoice", "INV-21", invoice_xml(
        "INV-21", "ACME", "PO-404", "invoice",
        "<line number=\"1\"><item>CABLE</item><quantity>1</quantity>"
        "<unitPrice>2.5</unitPrice></line>", NULL, NULL));
    CU_ASSERT_EQUAL(entry_apply_at(&y, T + 59999), SG_RULES_RETRY);
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_INVOICE "INV-21"), 0);
    CU_ASSERT_EQUAL(entry_apply_at(&y, T + 60000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-21", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-21"), "order_unknown "
                           "order_unknown");
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-21"), "invoice_mismatch");
    CU_ASSERT_EQUAL(invoices_pending(), 0);
    free(y.xml);

    /* No order named: held at once. */
    entry_make(&z, "invoice", "INV-22", invoice_xml(
        "INV-22", "ACME", NULL, "invoice",
        "<line number=\"1\"><item>CABLE</item><quantity>1</quantity>"
        "<unitPrice>2.5</unitPrice></line>", NULL, NULL));
    CU_ASSERT_EQUAL(entry_apply_at(&z, T + 1000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-22", "state"), "held");
    CU_ASSERT_STRING_EQUAL(reasons("INV-22"), "order_unknown");
    free(z.xml);
}

static void
test_duplicate_and_idempotent(void)
{
    struct entry x;

    order_po1();
    entry_make(&x, "invoice", "INV-13", invoice_xml(
        "INV-13", "ACME", "PO-1", "invoice",
        "<line number=\"1\"><item>CABLE</item><quantity>2</quantity>"
        "<unitPrice>2.5</unitPrice></line>", NULL, NULL));
    CU_ASSERT_EQUAL(entry_apply(&x), SG_RULES_OK);
    /* Delivered again: nothing new. */
    CU_ASSERT_EQUAL(entry_apply(&x), SG_RULES_OK);
    freeReplyObject(cmd("DEL " SG_KEY_APPLIED "%s:%s", x.stream, x.id));
    CU_ASSERT_EQUAL(entry_apply(&x), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-13"), "invoice_matched");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "2");
    free(x.xml);

    /* The same number from the same supplier in another message. */
    apply_invoice("INV-13", "ACME", "PO-1", line(1, "CABLE", "2", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(invoice_events("INV-13"),
                           "invoice_matched duplicate_invoice");
    CU_ASSERT_STRING_EQUAL(cmd_str("HGET " SG_KEY_ORDER "PO-1:invoiced 1"),
                           "2");

    /* From another supplier: its own invoice under a scoped key. */
    apply_invoice("INV-13", "OTHER", "PO-1", line(1, "CABLE", "2", "2.5"),
                  NULL, NULL);
    CU_ASSERT_STRING_EQUAL(inv_field("INV-13~OTHER", "supplier"), "OTHER");
    CU_ASSERT_STRING_EQUAL(inv_field("INV-13", "supplier"), "ACME");
}

static void
test_read_api(void)
{
    const struct sg_area_route *route = &sg_area_invoices.routes[0];
    json_t *o;
    char *text;
    int found;

    CU_ASSERT_STRING_EQUAL(route->prefix, "/v1/invoices/");
    order_po1();
    apply_invoice("INV-14", "ACME", "PO-1", line(1, "CABLE", "10", "2.6"),
                  NULL, "<totalAmount>26</totalAmount>");
    text = route->json(c, "INV-14", &found);
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    o = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "state")),
                           "mismatch");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(o, "reasons"), 0), "code")),
        "price_deviation");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(o, "lines"), 0), "order_line")),
        "1");
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(o, "total")),
                           26, 1e-9);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(o, "history")), 1);
    json_decref(o);

    CU_ASSERT_PTR_NULL(route->json(c, "NOPE", &found));
    CU_ASSERT_EQUAL(found, 0);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    sg_xml_init();
    setup_config();
    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);
    rules = sg_rules_create(&cfg);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite_with_setup_and_teardown("rules_invoice", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "matched", test_matched);
    CU_add_test(s, "price deviation", test_price_deviation);
    CU_add_test(s, "quantity over ordered", test_quantity_over_ordered);
    CU_add_test(s, "quantity over shipped", test_quantity_over_shipped);
    CU_add_test(s, "totals", test_totals);
    CU_add_test(s, "held", test_held);
    CU_add_test(s, "an invoice before its order waits for it",
                test_invoice_before_its_order);
    CU_add_test(s, "duplicate and idempotent",
                test_duplicate_and_idempotent);
    CU_add_test(s, "read API", test_read_api);
    rc = sg_test_run();
    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    return rc;
}
