/*
 * test_rules_shipnotice.c - the ship notice area against a real
 * redis-server: notices tied to orders the order rules recorded first,
 * shipped against ordered quantities (short, complete, over, with and
 * without a tolerance), lot traces that never overwrite a receipt's,
 * shelf life left at the ship date, unknown orders and foreign
 * suppliers, a notice that overtakes its order (retried until
 * rules.order_wait has passed), lots of one number recorded by another
 * supplier or for another item (lot_conflict), redelivery and
 * duplicates, and the read API's views.
 *
 * Documents are received at T = 2026-12-04T10:00:00Z.
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

#define ORDERS  SG_KEY_STREAM "order"
#define NOTICES SG_KEY_STREAM "ship_notice"

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
    {"OTHER", "Other Supplies", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
};

static struct sg_approval approvals[] = {
    {"default", 10000, 100000},
};

static void
setup_config(void)
{
    long long day, far;
    size_t i;

    sg_parse_date("2026-12-04", &day);
    T = (day + 10 * 3600) * 1000LL;
    sg_parse_date("2099-12-31", &far);
    for (i = 0; i < sizeof(suppliers) / sizeof(suppliers[0]); i++) {
        suppliers[i].licence_expires = far;
        suppliers[i].tax_expires = far;
        suppliers[i].org_code_expires = far;
        suppliers[i].certificate_expires = far;
    }
    cfg.suppliers = suppliers;
    cfg.n_suppliers = sizeof(suppliers) / sizeof(suppliers[0]);
    cfg.approvals = approvals;
    cfg.n_approvals = 1;
    cfg.processing_limit = 2 * 3600;
    cfg.dispatch_limit = 4 * 3600;
    cfg.min_shelf_life = 30 * 86400;
    cfg.ship_tolerance = 0;
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

static const char *
hfield(const char *key, const char *field)
{
    static char out[8192];
    redisReply *r = cmd("HGET %s %s", key, field);

    snprintf(out, sizeof(out), "%s", r->type == REDIS_REPLY_STRING
             ? r->str : "");
    freeReplyObject(r);
    return out;
}

static long long
integer(const char *fmt, const char *arg)
{
    redisReply *r = cmd(fmt, arg);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

    freeReplyObject(r);
    return v;
}

/* The last item of an order's history, in a static buffer. */
static const char *
last_history(const char *order)
{
    static char out[4096];
    redisReply *r = cmd("LINDEX sg:order:%s:history -1", order);

    snprintf(out, sizeof(out), "%s", r->type == REDIS_REPLY_STRING
             ? r->str : "");
    freeReplyObject(r);
    return out;
}

/* Entries of stream delivered to the group and not acknowledged. */
static long long
pending(const char *stream)
{
    redisReply *r = cmd("XPENDING %s %s", stream, SG_GROUP);
    long long n = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ?
                  r->element[0]->integer : -1;

    freeReplyObject(r);
    return n;
}

/* How many events of type (about lot, when lot is not NULL); the last
 * one's detail in *det (caller decrefs) when det is not NULL. */
static int
events(const char *type, const char *lot, json_t **det)
{
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;
    int n = 0;

    if (det != NULL) {
        *det = NULL;
    }
    for (i = 0; i < r->elements; i++) {
        redisReply *f = r->element[i]->element[1];
        const char *t = NULL, *d = NULL;
        json_t *dj;

        for (j = 0; j + 1 < f->elements; j += 2) {
            if (strcmp(f->element[j]->str, "type") == 0) {
                t = f->element[j + 1]->str;
            } else if (strcmp(f->element[j]->str, "detail") == 0) {
                d = f->element[j + 1]->str;
            }
        }
        if (t == NULL || strcmp(t, type) != 0) {
            continue;
        }
        dj = json_loads(d != NULL ? d : "{}", 0, NULL);
        if (lot != NULL && (json_string_value(json_object_get(dj, "lot"))
                            == NULL || strcmp(json_string_value(
                            json_object_get(dj, "lot")), lot) != 0)) {
            json_decref(dj);
            continue;
        }
        n++;
        if (det != NULL) {
            json_decref(*det);
            *det = dj;
        } else {
            json_decref(dj);
        }
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

static void
entry_make(struct entry *x, const char *stream, const char *type,
           char *xml)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", stream, SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s type %s xml %s", stream, x->msg, type, xml);
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
    x->e.key = "k";
    x->e.partner = "ZZ:ACMEPARTS";
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

/* Apply the entry as a worker would at now_ms. */
static enum sg_rules_result
apply_at(struct entry *x, long long now_ms)
{
    struct sg_errors errs;
    enum sg_rules_result res;

    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x->e, now_ms, &errs);
    if (errs.n > 0) {
        fprintf(stderr, "apply: %s\n", errs.items[0].text);
    }
    sg_errors_free(&errs);
    return res;
}

static enum sg_rules_result
apply(struct entry *x)
{
    return apply_at(x, T);
}

/* Place an order the way the order rules record it. */
static void
place_order(const char *number, const char *supplier)
{
    struct entry x;
    char *xml = sg_xasprintf(
        "<order xmlns=\"urn:supplygate:canonical:1\"><source format=\"xml\""
        "/><orderNumber>%s</orderNumber><orderDate>2026-12-01</orderDate>"
        "<supplier id=\"%s\"/><lines>"
        "<line number=\"1\"><item>ITEM-1</item><quantity unit=\"EA\">12"
        "</quantity><unitPrice>2</unitPrice></line>"
        "<line number=\"2\"><item>ITEM-2</item><quantity unit=\"EA\">5"
        "</quantity><unitPrice>3</unitPrice></line>"
        "</lines></order>", number, supplier);

    entry_make(&x, ORDERS, "order", xml);
    CU_ASSERT_EQUAL_FATAL(apply(&x), SG_RULES_OK);
    free(xml);
}

/* A notice from supplier (qualifier ZZ), shipped on ship_date, with
 * the lines given as canonical XML. */
static char *
notice_xml(const char *supplier, const char *number, const char *ship_date,
           const char *lines)
{
    return sg_xasprintf(
        "<ship_notice xmlns=\"urn:supplygate:canonical:1\"><source "
        "format=\"x12\"/><shipNoticeNumber>%s</shipNoticeNumber>"
        "<noticeDate>2026-12-04</noticeDate><purpose>original</purpose>"
        "<shipDate>%s</shipDate><supplier id=\"%s\" "
        "qualifier=\"ZZ\"/><lines>%s</lines></ship_notice>", number,
        ship_date, supplier, lines);
}

/* The notices' XML lives as long as their entries, which a test may
 * apply again: freed before the next test. */
static char *owned_xml[32];
static int n_notices;

static void
notices_free(void)
{
    while (n_notices > 0) {
        free(owned_xml[--n_notices]);
    }
}

/* Make the notice's entry without applying it. */
static void
notice_entry(const char *supplier, const char *number, const char *lines,
             struct entry *x)
{
    char *xml = notice_xml(supplier, number, "2026-12-04", lines);

    CU_ASSERT_FATAL(n_notices < 32);
    owned_xml[n_notices++] = xml;
    entry_make(x, NOTICES, "ship_notice", xml);
}

static enum sg_rules_result
ship_from(const char *supplier, const char *number, const char *ship_date,
          const char *lines, struct entry *x)
{
    char *xml = notice_xml(supplier, number, ship_date, lines);

    CU_ASSERT_FATAL(n_notices < 32);
    owned_xml[n_notices++] = xml;
    entry_make(x, NOTICES, "ship_notice", xml);
    return apply(x);
}

static enum sg_rules_result
ship(const char *number, const char *ship_date, const char *lines,
     struct entry *x)
{
    return ship_from("ACMEPARTS", number, ship_date, lines, x);
}

static void
setup_test(void)
{
    redisReply *r = cmd("FLUSHALL");

    notices_free();
    freeReplyObject(r);
    cfg.ship_tolerance = 0;
    cfg.order_wait = 0;
}

#define LINE1 "<line number=\"1\"><orderRef>PO-1</orderRef><item>ITEM-1" \
    "</item><quantity unit=\"EA\">10</quantity><lot><number>LOT-A" \
    "</number><expiry>2027-06-01</expiry></lot></line>"
#define LINE2 "<line number=\"2\"><orderRef>PO-1</orderRef><item>ITEM-2" \
    "</item><quantity unit=\"EA\">5</quantity><lot><number>LOT-B" \
    "</number><quantity>3</quantity><expiry>2026-12-20</expiry></lot>" \
    "<lot><number>LOT-C</number><quantity>2</quantity><expiry>" \
    "2026-12-20</expiry></lot></line>"

/* --- the tests ----------------------------------------------------------- */

static void
test_tied_short_and_shelf_life(void)
{
    struct entry x;
    json_t *det;

    place_order("PO-1", "ACME");
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1 LINE2, &x),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(events("ship_notice_received", NULL, NULL), 1);

    /* ITEM-1: 10 of 12 shipped; ITEM-2 complete. */
    CU_ASSERT_EQUAL(events("short_shipment", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "item")),
                           "ITEM-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "ordered")), "12");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "shipped")), "10");
    json_decref(det);
    CU_ASSERT_EQUAL(events("over_shipment", NULL, NULL), 0);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "10");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-2"), "5");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "asn"), "ASN-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "ship_state"), "short");
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:order:PO-1:asns %s", "ASN-1"), 1);

    /* 16 days left on LOT-B and LOT-C, 30 wanted; LOT-A is fine. */
    CU_ASSERT_EQUAL(events("short_shelf_life", "LOT-A", NULL), 0);
    CU_ASSERT_EQUAL(events("short_shelf_life", "LOT-C", &det), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(det,
                    "remaining_days")), 16);
    CU_ASSERT(json_is_false(json_object_get(det, "expired")));
    json_decref(det);
    CU_ASSERT_EQUAL(events("short_shelf_life", NULL, NULL), 2);

    /* The lot trace. */
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "item"), "ITEM-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "order"), "PO-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "asn"), "ASN-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "expiry"), "2027-06-01");
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-B:asns %s", "ASN-1"), 1);

    /* The notice's record lists the three issues. */
    CU_ASSERT_STRING_EQUAL(hfield("sg:asn:ASN-1", "state"), "issues");
    CU_ASSERT_STRING_EQUAL(hfield("sg:asn:ASN-1", "supplier"), "ACME");
    det = json_loads(hfield("sg:asn:ASN-1", "issues"), 0, NULL);
    CU_ASSERT_EQUAL(json_array_size(det), 3);
    json_decref(det);
    det = json_loads(last_history("PO-1"), 0, NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "type")),
                           "ship_notice");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(det, "at")), T);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                           json_object_get(det, "detail"), "ship_state")),
                           "short");
    json_decref(det);
}

static void
test_split_then_over_and_tolerance(void)
{
    struct entry x;
    json_t *det;

    place_order("PO-1", "ACME");
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1 LINE2, &x),
                    SG_RULES_OK);
    /* The rest of ITEM-1 on a second notice: complete. */
    CU_ASSERT_EQUAL(ship("ASN-2", "2026-12-05",
                         "<line number=\"1\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-1</item><quantity>+2</quantity>"
                         "</line>",
                         &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("short_shipment", NULL, NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "12");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "ship_state"),
                           "complete");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "asn"), "ASN-2");

    /* One more with 10 % tolerance (1.2 of 12): 13 passes. */
    cfg.ship_tolerance = 10;
    CU_ASSERT_EQUAL(ship("ASN-3", "2026-12-05",
                         "<line number=\"1\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity></line>",
                         &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("over_shipment", NULL, NULL), 0);

    /* Without it, one more is over: 14 of 12. */
    cfg.ship_tolerance = 0;
    CU_ASSERT_EQUAL(ship("ASN-4", "2026-12-05",
                         "<line number=\"1\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity></line>"
                         "<line number=\"2\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-9</item><quantity>1</quantity></line>",
                         &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("over_shipment", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "shipped")), "14");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "this_notice")), "1");
    json_decref(det);
    CU_ASSERT_EQUAL(events("item_not_ordered", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "item")),
                           "ITEM-9");
    json_decref(det);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "ship_state"), "over");
}

/* What a receipt wrote stays; the notice fills only the gaps. */
static void
test_receipt_not_clobbered(void)
{
    struct entry x;
    redisReply *r;

    place_order("PO-1", "ACME");
    r = cmd("HSET sg:lot:LOT-A item ITEM-1 supplier ACME order PO-1 "
            "receipt R-1 expiry 2027-01-01 version 4");
    freeReplyObject(r);
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1, &x), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "expiry"), "2027-01-01");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "receipt"), "R-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "asn"), "ASN-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "version"), "5");
    CU_ASSERT_EQUAL(events("lot_conflict", NULL, NULL), 0);

    /* A receipt that named no supplier records "": no conflict. */
    r = cmd("HSET sg:lot:LOT-R item ITEM-1 supplier %s version 1", "");
    freeReplyObject(r);
    CU_ASSERT_EQUAL(ship("ASN-2", "2026-12-04",
                         "<line number=\"1\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity><lot>"
                         "<number>LOT-R</number></lot></line>", &x),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(events("lot_conflict", NULL, NULL), 0);
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-R:asns %s", "ASN-2"), 1);
}

static void
test_unknown_order_and_foreign_supplier(void)
{
    struct entry x;
    json_t *det;

    place_order("PO-2", "OTHER");
    CU_ASSERT_EQUAL(ship("ASN-5", "2026-12-04",
                         "<line number=\"1\"><orderRef>PO-404</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity></line>"
                         "<line number=\"2\"><orderRef>PO-2</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity></line>"
                         "<line number=\"3\"><item>ITEM-1</item>"
                         "<quantity>1</quantity></line>", &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("asn_order_unknown", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "order")), "PO-404");
    json_decref(det);
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:order:PO-404"), 0);
    CU_ASSERT_EQUAL(events("asn_supplier_mismatch", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "order_supplier")), "OTHER");
    json_decref(det);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-2", "asn"), "");
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:order:PO-2:shipped"), 0);
    CU_ASSERT_EQUAL(events("asn_line_without_order", NULL, NULL), 1);
}

/*
 * A notice taken before its order: within rules.order_wait it is left
 * for a retry and changes nothing; once the order is filed, the retry
 * ties the notice to it; past the wait an order still missing is
 * asn_order_unknown as before.
 */
static void
test_notice_before_its_order(void)
{
    struct entry x, y;
    json_t *det;

    cfg.order_wait = 60;
    notice_entry("ACMEPARTS", "ASN-7", LINE1, &x);
    CU_ASSERT_EQUAL(apply_at(&x, T + 1000), SG_RULES_RETRY);
    CU_ASSERT_EQUAL(events("ship_notice_received", NULL, NULL), 0);
    CU_ASSERT_EQUAL(events("asn_order_unknown", NULL, NULL), 0);
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:asn:ASN-7"), 0);
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:lot:LOT-A"), 0);
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:order:PO-1:shipped"), 0);
    CU_ASSERT_EQUAL(pending(NOTICES), 1);

    /* The order is filed a moment later; the retry ties the notice. */
    place_order("PO-1", "ACME");
    CU_ASSERT_EQUAL(apply_at(&x, T + 2000), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("asn_order_unknown", NULL, NULL), 0);
    CU_ASSERT_EQUAL(events("ship_notice_received", NULL, NULL), 1);
    CU_ASSERT_EQUAL(events("short_shipment", NULL, NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "asn"), "ASN-7");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "10");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "order"), "PO-1");
    CU_ASSERT_EQUAL(pending(NOTICES), 0);

    /* An order that never comes: retried up to the wait, then
     * unknown; the known order of the same notice waits with it. */
    notice_entry("ACMEPARTS", "ASN-8",
                 "<line number=\"1\"><orderRef>PO-404</orderRef>"
                 "<item>ITEM-1</item><quantity>1</quantity></line>"
                 "<line number=\"2\"><orderRef>PO-1</orderRef>"
                 "<item>ITEM-1</item><quantity>2</quantity></line>", &y);
    CU_ASSERT_EQUAL(apply_at(&y, T + 59999), SG_RULES_RETRY);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "10");
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:asn:ASN-8"), 0);
    CU_ASSERT_EQUAL(apply_at(&y, T + 60000), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("asn_order_unknown", NULL, &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "order")), "PO-404");
    json_decref(det);
    CU_ASSERT_EQUAL(integer("EXISTS %s", "sg:order:PO-404"), 0);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "12");
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1", "asn"), "ASN-8");
    CU_ASSERT_EQUAL(pending(NOTICES), 0);
}

/* Does the notice's record list an issue of this code? */
static int
has_issue(const char *asn, const char *code)
{
    char *key = sg_xasprintf("sg:asn:%s", asn);
    json_t *issues = json_loads(hfield(key, "issues"), 0, NULL);
    size_t i;
    int found = 0;

    for (i = 0; i < json_array_size(issues); i++) {
        const char *v = json_string_value(json_object_get(
            json_array_get(issues, i), "code"));

        found |= v != NULL && strcmp(v, code) == 0;
    }
    json_decref(issues);
    free(key);
    return found;
}

#define LOT_A_LINE(order, item) "<line number=\"1\"><orderRef>" order \
    "</orderRef><item>" item "</item><quantity>1</quantity><lot><number>" \
    "LOT-A</number></lot></line>"

/*
 * A lot number recorded with another supplier, or for another item, is
 * another's lot: lot_conflict on the notice, and the lot's trace keeps
 * what it had and does not list the notice.
 */
static void
test_lot_conflict(void)
{
    struct entry x;
    json_t *det;

    place_order("PO-1", "ACME");
    place_order("PO-2", "OTHER");
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1, &x), SG_RULES_OK);

    /* Another supplier names LOT-A. */
    CU_ASSERT_EQUAL(ship_from("OTHER", "ASN-2", "2026-12-04",
                              LOT_A_LINE("PO-2", "ITEM-1"), &x),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(events("lot_conflict", "LOT-A", &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "recorded_supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "recorded_item")), "ITEM-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "supplier")), "OTHER");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "item")),
                           "ITEM-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "asn")),
                           "ASN-2");
    json_decref(det);
    CU_ASSERT(has_issue("ASN-2", "lot_conflict"));
    CU_ASSERT_STRING_EQUAL(hfield("sg:asn:ASN-2", "state"), "issues");
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-A:asns %s", "ASN-2"), 0);
    CU_ASSERT_EQUAL(integer("SCARD %s", "sg:lot:LOT-A:asns"), 1);
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "asn"), "ASN-1");
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "order"), "PO-1");
    /* The rest of the notice is still applied. */
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-2", "asn"), "ASN-2");

    /* The same supplier names it for another item. */
    CU_ASSERT_EQUAL(ship("ASN-3", "2026-12-04",
                         LOT_A_LINE("PO-1", "ITEM-2"), &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("lot_conflict", "LOT-A", &det), 2);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "recorded_supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "item")),
                           "ITEM-2");
    json_decref(det);
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-A:asns %s", "ASN-3"), 0);
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-A", "item"), "ITEM-1");

    /* Same supplier, same item: no conflict, the notice joins. */
    CU_ASSERT_EQUAL(ship("ASN-4", "2026-12-04",
                         LOT_A_LINE("PO-1", "ITEM-1"), &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("lot_conflict", NULL, NULL), 2);
    CU_ASSERT(!has_issue("ASN-4", "lot_conflict"));
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-A:asns %s", "ASN-4"), 1);

    /* A new lot named for two items by one notice: the first line
     * records it, the second conflicts with it. */
    CU_ASSERT_EQUAL(ship("ASN-5", "2026-12-04",
                         "<line number=\"1\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity><lot>"
                         "<number>LOT-N</number></lot></line>"
                         "<line number=\"2\"><orderRef>PO-1</orderRef>"
                         "<item>ITEM-2</item><quantity>1</quantity><lot>"
                         "<number>LOT-N</number></lot></line>", &x),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(events("lot_conflict", "LOT-N", &det), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det,
                           "recorded_item")), "ITEM-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(det, "item")),
                           "ITEM-2");
    json_decref(det);
    CU_ASSERT_STRING_EQUAL(hfield("sg:lot:LOT-N", "item"), "ITEM-1");
    CU_ASSERT_EQUAL(integer("SISMEMBER sg:lot:LOT-N:asns %s", "ASN-5"), 1);
}

static void
test_redelivery_and_duplicate(void)
{
    struct entry x, y;

    place_order("PO-1", "ACME");
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1, &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(apply(&x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("ship_notice_received", NULL, NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "10");

    /* The same number from another message: recorded as a duplicate,
     * nothing shipped twice. */
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1, &y), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("duplicate_ship_notice", NULL, NULL), 1);
    CU_ASSERT_EQUAL(events("ship_notice_received", NULL, NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield("sg:order:PO-1:shipped",
                                  "item:ITEM-1"), "10");
    CU_ASSERT_STRING_EQUAL(hfield("sg:asn:ASN-1", "entry"), x.id);
    /* Both entries are acknowledged. */
    CU_ASSERT_EQUAL(pending(NOTICES), 0);
}

static void
test_expired_lot(void)
{
    struct entry x;
    json_t *det;

    CU_ASSERT_EQUAL(ship("ASN-6", "2026-12-04",
                         "<line number=\"1\"><orderRef>PO-9</orderRef>"
                         "<item>ITEM-1</item><quantity>1</quantity><lot>"
                         "<number>LOT-OLD</number><expiry>2026-12-01"
                         "</expiry></lot></line>", &x), SG_RULES_OK);
    CU_ASSERT_EQUAL(events("short_shelf_life", "LOT-OLD", &det), 1);
    CU_ASSERT(json_is_true(json_object_get(det, "expired")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(det,
                    "remaining_days")), -3);
    json_decref(det);
}

static void
test_read_api(void)
{
    const struct sg_area_route *notices = &sg_area_ship_notices.routes[0];
    const struct sg_area_route *lots = &sg_area_ship_notices.routes[1];
    struct entry x;
    json_t *j;
    char *text;
    int found = 7;

    place_order("PO-1", "ACME");
    CU_ASSERT_EQUAL(ship("ASN-1", "2026-12-04", LINE1 LINE2, &x),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(notices->prefix, "/v1/ship-notices/");
    text = notices->json(c, "ASN-1", &found);
    CU_ASSERT_EQUAL(found, 1);
    j = json_loads(text != NULL ? text : "null", 0, NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "asn")),
                           "ASN-1");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "lines")), 2);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "issues")), 3);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
                           json_object_get(j, "orders"), 0)), "PO-1");
    json_decref(j);
    free(text);

    CU_ASSERT_PTR_NULL(notices->json(c, "ASN-NONE", &found));
    CU_ASSERT_EQUAL(found, 0);

    CU_ASSERT_STRING_EQUAL(lots->prefix, "/v1/lots/");
    freeReplyObject(cmd("SADD sg:lot:LOT-B:complaints T-77"));
    text = lots->json(c, "LOT-B", &found);
    CU_ASSERT_EQUAL(found, 1);
    j = json_loads(text != NULL ? text : "null", 0, NULL);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j,
                           "supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "order")),
                           "PO-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
                           json_object_get(j, "ship_notices"), 0)),
                           "ASN-1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
                           json_object_get(j, "complaints"), 0)), "T-77");
    CU_ASSERT_PTR_NULL(json_object_get(j, "version"));
    json_decref(j);
    free(text);
    CU_ASSERT_PTR_NULL(lots->json(c, "LOT-NONE", &found));
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
    s = CU_add_suite_with_setup_and_teardown("rules_shipnotice", NULL, NULL,
                                             setup_test, notices_free);
    CU_add_test(s, "tied to its order: short, shelf life, lots",
                test_tied_short_and_shelf_life);
    CU_add_test(s, "split shipment, tolerance, over, not ordered",
                test_split_then_over_and_tolerance);
    CU_add_test(s, "a receipt's lot fields are kept",
                test_receipt_not_clobbered);
    CU_add_test(s, "unknown order, foreign supplier, no order",
                test_unknown_order_and_foreign_supplier);
    CU_add_test(s, "redelivery and duplicate", test_redelivery_and_duplicate);
    CU_add_test(s, "a notice before its order waits for it",
                test_notice_before_its_order);
    CU_add_test(s, "a lot recorded for another supplier or item",
                test_lot_conflict);
    CU_add_test(s, "expired lot", test_expired_lot);
    CU_add_test(s, "read API", test_read_api);
    rc = sg_test_run();

    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    sg_xml_cleanup();
    return rc;
}
