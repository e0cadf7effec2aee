/*
 * test_rules_response.c - the order response rules against a real
 * redis-server: orders are filed by the real order rules, then the
 * supplier's answers are applied, and each test checks the exact fields
 * recorded on the order, the events with their details, what is left
 * alone (unknown order, another supplier, another sender), the price
 * tolerance at and past its edge, idempotence and the read API.
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

#define ORDERS      SG_KEY_STREAM "order"
#define RESPONSES   SG_KEY_STREAM "order_response"

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;
static int seq;

static char *acme_aliases[] = {"ACMEPARTS", "ZZ:ACMEPARTS"};

static struct sg_supplier suppliers[] = {
    {"ACME", "Acme Components", acme_aliases, 2, "active", "A", "default",
     0, 0, 0, 0},
    {"RAW", "Raw Metals", NULL, 0, "active", "B", "default", 0, 0, 0, 0},
};

static struct sg_approval approvals[] = {{"default", 10000, 100000}};

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
    cfg.approvals = approvals;
    cfg.n_approvals = 1;
    cfg.response_price_tolerance = 2;
}

/* --- Redis helpers ------------------------------------------------------ */

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

static long long
cmd_int(const char *fmt, ...)
{
    redisReply *r;
    long long v;
    va_list ap;

    va_start(ap, fmt);
    r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r == NULL) {
        exit(2);
    }
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

static const char *
field(const char *key, const char *name)
{
    static char out[4][4096];
    static int slot;
    redisReply *r = cmd("HGET " SG_KEY_ORDER "%s %s", key, name);
    char *o = out[slot++ % 4];

    snprintf(o, sizeof(out[0]), "%s",
             r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return o;
}

/* The types of sg:events naming this order, in order. */
static const char *
events(const char *order)
{
    static char out[2048];
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;

    out[0] = '\0';
    for (i = 0; i < r->elements; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *type = NULL, *o = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                type = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "order") == 0) {
                o = kv->element[j + 1]->str;
            }
        }
        if (type != NULL && o != NULL && strcmp(o, order) == 0) {
            if (out[0] != '\0') {
                strcat(out, " ");
            }
            strncat(out, type, sizeof(out) - strlen(out) - 2);
        }
    }
    freeReplyObject(r);
    return out;
}

/* The detail of the last event of a type; caller decrefs. */
static json_t *
detail(const char *type)
{
    redisReply *r = cmd("XREVRANGE %s + -", SG_KEY_EVENTS);
    json_t *v = NULL;
    size_t i, j;

    for (i = 0; i < r->elements && v == NULL; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *t = NULL, *d = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                t = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "detail") == 0) {
                d = kv->element[j + 1]->str;
            }
        }
        if (t != NULL && d != NULL && strcmp(t, type) == 0) {
            v = json_loads(d, 0, NULL);
        }
    }
    freeReplyObject(r);
    CU_ASSERT_PTR_NOT_NULL(v);
    return v != NULL ? v : json_object();
}

static long long
pending(const char *stream)
{
    redisReply *r = cmd("XPENDING %s %s", stream, SG_GROUP);
    long long n = -1;

    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
        n = r->element[0]->integer;
    }
    freeReplyObject(r);
    return n;
}

/* --- entries ------------------------------------------------------------- */

struct entry {
    struct sg_entry e;
    char id[64];
    char msg[64];
    char *xml;
};

/* Add xml to stream as a document of type, read it by the group (so it
 * is pending) and apply it with the rules. */
static enum sg_rules_result
apply(struct entry *x, const char *stream, const char *type,
      const char *key, const char *partner, char *xml)
{
    struct sg_errors errs;
    enum sg_rules_result res;
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", stream, SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s doc 1 type %s key %s partner %s received "
            "%lld xml %s", stream, x->msg, type, key, partner, T, xml);
    freeReplyObject(r);
    r = cmd("XREADGROUP GROUP %s tester COUNT 1 STREAMS %s >", SG_GROUP,
            stream);
    CU_ASSERT_FATAL(r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    snprintf(x->id, sizeof(x->id), "%s",
             r->element[0]->element[1]->element[0]->element[0]->str);
    freeReplyObject(r);
    x->xml = xml;
    x->e.stream = stream;
    x->e.group = SG_GROUP;
    x->e.id = x->id;
    x->e.msg = x->msg;
    x->e.type = type;
    x->e.key = key;
    x->e.partner = partner;
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x->e, T + 60000, &errs);
    if (errs.n > 0) {
        fprintf(stderr, "apply: %s\n", errs.items[0].text);
    }
    sg_errors_free(&errs);
    return res;
}

/* Order number from supplier: line 1 10 x 2.5 wanted 2026-12-10, line
 * 2 5 x 4 (no date of its own); the order wants 2026-12-12. */
static void
order(const char *number, const char *supplier)
{
    struct entry x;

    CU_ASSERT_EQUAL(apply(&x, ORDERS, "order", number, "", sg_xasprintf(
        "<order xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><orderNumber>%s</orderNumber>"
        "<orderDate>2026-12-04</orderDate><currency>EUR</currency>"
        "<supplier id=\"%s\"/>"
        "<requestedDelivery>2026-12-12</requestedDelivery>"
        "<lines><line number=\"1\"><item>A</item><quantity>10</quantity>"
        "<unitPrice>2.5</unitPrice>"
        "<requestedDelivery>2026-12-10</requestedDelivery></line>"
        "<line number=\"2\"><item>B</item><quantity>5</quantity>"
        "<unitPrice>4</unitPrice></line></lines></order>", number,
        supplier)), SG_RULES_OK);
    free(x.xml);
}

/* One answer line: number, status, price and promise (NULL: none). */
static char *
rline(const char *number, const char *status, const char *price,
      const char *promised)
{
    return sg_xasprintf("<line number=\"%s\"><status>%s</status>%s%s%s"
                        "%s%s%s</line>", number, status,
                        price ? "<unitPrice>" : "", price ? price : "",
                        price ? "</unitPrice>" : "",
                        promised ? "<promisedDelivery>" : "",
                        promised ? promised : "",
                        promised ? "</promisedDelivery>" : "");
}

/* An answer to number from supplier with status and lines (taken). */
static enum sg_rules_result
answer(struct entry *x, const char *number, const char *supplier,
       const char *partner, const char *status, char *l1, char *l2)
{
    char *xml = sg_xasprintf(
        "<order_response xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"x12\"/><orderNumber>%s</orderNumber>"
        "<responseNumber>SO-9</responseNumber>"
        "<responseDate>2026-12-05</responseDate>"
        "<status>%s</status><statusCode>AC</statusCode>"
        "<supplier id=\"%s\"/>%s%s%s%s</order_response>", number, status,
        supplier, l1 || l2 ? "<lines>" : "", l1 ? l1 : "", l2 ? l2 : "",
        l1 || l2 ? "</lines>" : "");

    free(l1);
    free(l2);
    return apply(x, RESPONSES, "order_response", number, partner, xml);
}

static void
setup_test(void)
{
    freeReplyObject(cmd("FLUSHALL"));
    cfg.response_price_tolerance = 2;
    cfg.order_wait = 0;
}

/* --- tests --------------------------------------------------------------- */

static void
test_recorded_with_flags(void)
{
    struct entry x;
    json_t *d;

    order("PO-1", "ACME");
    /* 2.55 is 2 % over 2.5: at the tolerance, not past it.  4.2 is 5 %
     * over 4, and line 2 is promised after the order's 2026-12-12. */
    CU_ASSERT_EQUAL(answer(&x, "PO-1", "ACME", "ZZ:ACMEPARTS", "changed",
                           rline("1", "accepted", "2.55", "2026-12-10"),
                           rline("2", "changed", "4.2", "2026-12-14")),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response"), "changed");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_code"), "AC");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_number"), "SO-9");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_date"), "2026-12-05");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_entry"), x.id);
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_msg"), x.msg);
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_price_flags"), "1");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "response_late_lines"), "1");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "promised_delivery"),
                           "2026-12-14");
    CU_ASSERT_STRING_EQUAL(field("PO-1", "responses"), "1");
    /* The order's own decision is untouched. */
    CU_ASSERT_STRING_EQUAL(field("PO-1", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(events("PO-1"), "order_received order_approved "
                           "order_processed response_price_deviation "
                           "response_late_promise order_response_received");

    d = detail("response_price_deviation");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "line")),
                           "2");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "ordered")),
                           "4");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "quoted")),
                           "4.2");
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(d,
                           "deviation_pct")), 5.0, 1e-9);
    json_decref(d);
    d = detail("response_late_promise");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "requested")), "2026-12-12");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "promised")), "2026-12-14");
    json_decref(d);
    d = detail("order_response_received");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(d,
                    "lines"), "accepted")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(d,
                    "lines"), "changed")), 1);
    CU_ASSERT(json_is_true(json_object_get(d, "compared")));
    json_decref(d);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-1:history"), 6);
    CU_ASSERT_EQUAL(pending(RESPONSES), 0);

    /* Delivered again: nothing more. */
    {
        struct sg_errors errs;

        sg_errors_init(&errs, 0);
        CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 90000, &errs),
                        SG_RULES_OK);
        sg_errors_free(&errs);
    }
    CU_ASSERT_STRING_EQUAL(field("PO-1", "responses"), "1");
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), 6);
    free(x.xml);
}

static void
test_tolerance_edges(void)
{
    struct entry x;

    /* 2.56 is 2.4 % over 2.5: past the 2 % tolerance; a price below
     * the ordered one deviates too (3.9 is 2.5 % under 4). */
    order("PO-2", "ACME");
    CU_ASSERT_EQUAL(answer(&x, "PO-2", "ACME", "", "accepted",
                           rline("1", "accepted", "2.56", NULL),
                           rline("2", "accepted", "3.9", NULL)),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-2", "response_price_flags"), "2");
    CU_ASSERT_STRING_EQUAL(field("PO-2", "response_late_lines"), "0");
    free(x.xml);

    /* Tolerance 0: any difference; an equal price never. */
    cfg.response_price_tolerance = 0;
    order("PO-3", "ACME");
    CU_ASSERT_EQUAL(answer(&x, "PO-3", "ACME", "", "accepted",
                           rline("1", "accepted", "2.5", NULL),
                           rline("2", "accepted", "4.01", NULL)),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-3", "response_price_flags"), "1");
    free(x.xml);
}

static void
test_rejected_lines_not_controlled(void)
{
    struct entry x;

    order("PO-4", "ACME");
    CU_ASSERT_EQUAL(answer(&x, "PO-4", "ACME", "", "rejected",
                           rline("1", "rejected", "99", "2027-06-01"),
                           rline("2", "rejected", NULL, NULL)),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-4", "response"), "rejected");
    CU_ASSERT_STRING_EQUAL(field("PO-4", "response_price_flags"), "0");
    CU_ASSERT_STRING_EQUAL(field("PO-4", "response_late_lines"), "0");
    CU_ASSERT_STRING_EQUAL(field("PO-4", "promised_delivery"), "");
    CU_ASSERT_STRING_EQUAL(events("PO-4"), "order_received order_approved "
                           "order_processed order_response_received");
    free(x.xml);
}

static void
test_unknown_order_and_line(void)
{
    struct entry x;
    json_t *d;

    CU_ASSERT_EQUAL(answer(&x, "PO-NONE", "ACME", "", "accepted", NULL,
                           NULL), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(events("PO-NONE"), "response_order_unknown");
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_ORDER "PO-NONE"), 0);
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_ORDER "PO-NONE:history"), 0);
    CU_ASSERT_EQUAL(pending(RESPONSES), 0);
    d = detail("response_order_unknown");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "supplier")), "ACME");
    json_decref(d);
    free(x.xml);

    /* A line the order does not have is named, and still recorded. */
    order("PO-5", "ACME");
    CU_ASSERT_EQUAL(answer(&x, "PO-5", "ACME", "", "changed",
                           rline("1", "accepted", NULL, NULL),
                           rline("9", "changed", "1", NULL)),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(events("PO-5"), "order_received order_approved "
                           "order_processed response_line_unknown "
                           "order_response_received");
    CU_ASSERT_PTR_NOT_NULL(strstr(field("PO-5", "response_lines"),
                                  "\"line\":\"9\""));
    free(x.xml);
}

static void
test_other_supplier_or_sender(void)
{
    struct entry x;
    json_t *d;

    order("PO-6", "ACME");
    CU_ASSERT_EQUAL(answer(&x, "PO-6", "RAW", "", "rejected", NULL, NULL),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-6", "response"), "");
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-6:history"), 3);
    d = detail("response_supplier_mismatch");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "supplier")), "RAW");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "order_supplier")), "ACME");
    json_decref(d);
    free(x.xml);

    /* The right supplier named, by its alias, but sent by someone
     * else: refused as well. */
    CU_ASSERT_EQUAL(answer(&x, "PO-6", "ACMEPARTS", "ZZ:EVIL", "rejected",
                           NULL, NULL), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-6", "response"), "");
    CU_ASSERT_STRING_EQUAL(events("PO-6"), "order_received order_approved "
                           "order_processed response_supplier_mismatch "
                           "response_supplier_mismatch");
    d = detail("response_supplier_mismatch");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "sender")),
                           "ZZ:EVIL");
    json_decref(d);
    CU_ASSERT_EQUAL(pending(RESPONSES), 0);
    free(x.xml);

    /* By alias and from its own system: recorded. */
    CU_ASSERT_EQUAL(answer(&x, "PO-6", "ACMEPARTS", "ZZ:ACMEPARTS",
                           "accepted", NULL, NULL), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-6", "response"), "accepted");
    free(x.xml);
}

/* An answer that overtook its order waits for it, then applies. */
static void
test_answer_before_order(void)
{
    struct sg_errors errs;
    struct entry x;

    cfg.order_wait = 120;
    CU_ASSERT_EQUAL(answer(&x, "PO-LATE", "ACME", "", "accepted",
                           rline("1", "accepted", "2.5", NULL), NULL),
                    SG_RULES_RETRY);
    CU_ASSERT_EQUAL(pending(RESPONSES), 1);
    CU_ASSERT_STRING_EQUAL(events("PO-LATE"), "");

    order("PO-LATE", "ACME");
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 61000, &errs),
                    SG_RULES_OK);
    sg_errors_free(&errs);
    CU_ASSERT_STRING_EQUAL(field("PO-LATE", "response"), "accepted");
    CU_ASSERT_EQUAL(pending(RESPONSES), 0);
    free(x.xml);

    /* Past the wait, an answer to no order is an unknown order's. */
    CU_ASSERT_EQUAL(answer(&x, "PO-NEVER", "ACME", "", "accepted", NULL,
                           NULL), SG_RULES_RETRY);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 120000, &errs),
                    SG_RULES_OK);
    sg_errors_free(&errs);
    CU_ASSERT_STRING_EQUAL(events("PO-NEVER"), "response_order_unknown");
    free(x.xml);
}

/* Two suppliers' orders of one number: each answer finds its own. */
static void
test_number_shared_by_suppliers(void)
{
    struct entry x;

    order("PO-7", "ACME");
    order("PO-7", "RAW");
    CU_ASSERT_STRING_EQUAL(field("PO-7~RAW", "supplier"), "RAW");
    CU_ASSERT_EQUAL(answer(&x, "PO-7", "RAW", "", "rejected", NULL, NULL),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-7~RAW", "response"), "rejected");
    CU_ASSERT_STRING_EQUAL(field("PO-7", "response"), "");
    free(x.xml);
}

/* A header-only answer promises for the whole order. */
static void
test_header_promise_and_api(void)
{
    const struct sg_rules_area *area = NULL;
    struct entry x;
    char *xml, *text;
    json_t *j;
    int found, i;

    order("PO-8", "ACME");
    xml = sg_xasprintf(
        "<order_response xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"edifact\"/><orderNumber>PO-8</orderNumber>"
        "<status>accepted</status><supplier id=\"ACME\"/>"
        "<promisedDelivery>2026-12-13</promisedDelivery>"
        "</order_response>");
    CU_ASSERT_EQUAL(apply(&x, RESPONSES, "order_response", "PO-8", "", xml),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(field("PO-8", "response_late_lines"), "1");
    CU_ASSERT_STRING_EQUAL(field("PO-8", "promised_delivery"),
                           "2026-12-13");
    free(x.xml);

    for (i = 0; sg_rules_areas[i] != NULL; i++) {
        if (strcmp(sg_rules_areas[i]->name, "responses") == 0) {
            area = sg_rules_areas[i];
        }
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(area);
    CU_ASSERT_STRING_EQUAL(area->routes[0].prefix, "/v1/order-responses/");
    text = area->routes[0].json(c, "PO-8", &found);
    CU_ASSERT_EQUAL(found, 1);
    j = json_loads(text, 0, NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "status")),
                           "accepted");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j,
                           "promised_delivery")), "2026-12-13");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "late_lines")),
                    1);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "lines")), 0);
    json_decref(j);
    free(text);
    CU_ASSERT_PTR_NULL(area->routes[0].json(c, "PO-NONE", &found));
    CU_ASSERT_EQUAL(found, 0);
}

/* A document that is not an answer fails; the entry stays pending. */
static void
test_bad_document(void)
{
    struct entry x;

    CU_ASSERT_EQUAL(apply(&x, RESPONSES, "order_response", "X", "",
                          sg_xstrdup("<order_response xmlns=\"urn:"
                                     "supplygate:canonical:1\"/>")),
                    SG_RULES_FAILED);
    CU_ASSERT_EQUAL(pending(RESPONSES), 1);
    free(x.xml);
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
    s = CU_add_suite_with_setup_and_teardown("rules_response", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "recorded with flags", test_recorded_with_flags);
    CU_add_test(s, "tolerance edges", test_tolerance_edges);
    CU_add_test(s, "rejected lines not controlled",
                test_rejected_lines_not_controlled);
    CU_add_test(s, "unknown order and line", test_unknown_order_and_line);
    CU_add_test(s, "other supplier or sender",
                test_other_supplier_or_sender);
    CU_add_test(s, "answer before its order", test_answer_before_order);
    CU_add_test(s, "number shared by suppliers",
                test_number_shared_by_suppliers);
    CU_add_test(s, "header promise and API", test_header_promise_and_api);
    CU_add_test(s, "bad document", test_bad_document);
    rc = sg_test_run();
    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    return rc;
}
