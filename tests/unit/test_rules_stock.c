/*
 * test_rules_stock.c - the stock area against a real redis-server:
 * levels, limits judged once per crossing, replenishment placed once and
 * refused (with the reason) for an unqualified supplier, lot records,
 * first-expired-first-out picking, idempotent redelivery and the
 * delivery retry record.
 *
 * Documents are received at T = 2026-12-04T10:00:00Z; the item registry
 * and the suppliers are built here by hand.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "keys.h"
#include "outbound.h"
#include "rules.h"
#include "rules_stock.h"
#include "schema.h"
#include "testlib.h"
#include "util.h"

#define STREAM      SG_KEY_STREAM "stock"
#define DAYMS       86400000LL

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;
static int seq;

/* --- configuration ---------------------------------------------------- */

static struct sg_supplier suppliers[] = {
    {"ACME", "Acme Components", NULL, 0, "active", "A", "default",
     0, 0, 0, 0},
    {"EUROPA", "Europa GmbH", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
    {"OLDCERT", "Old Certificate", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
    {"PROBE", "On Probation", NULL, 0, "probation", "B", "default",
     0, 0, 0, 0},
};

static struct sg_supplier_channel channels[] = {
    {"x12", "http://127.0.0.1:1/orders"},
    {"edifact", ""},
    {"x12", ""},
    {"x12", ""},
};

static struct sg_item items[] = {
    {"SKU-A", 10, 100, "ACME", 50, 2.5, "EA"},
    {"SKU-E", 5, 0, "EUROPA", 20, 0, "KG"},
    {"SKU-OLD", 10, 0, "OLDCERT", 5, 0, "EA"},
    {"SKU-NOBODY", 10, 0, "NOBODY", 5, 0, "EA"},
    {"SKU-PROBE", 10, 0, "PROBE", 5, 0, "EA"},
};

static void
setup_config(void)
{
    long long day, far, past;
    size_t i;

    sg_parse_date("2026-12-04", &day);
    T = (day + 10 * 3600) * 1000LL;
    sg_parse_date("2099-12-31", &far);
    sg_parse_date("2026-12-03", &past);
    for (i = 0; i < sizeof(suppliers) / sizeof(suppliers[0]); i++) {
        suppliers[i].licence_expires = far;
        suppliers[i].tax_expires = far;
        suppliers[i].org_code_expires = far;
        suppliers[i].certificate_expires = far;
    }
    suppliers[2].certificate_expires = past;
    cfg.suppliers = suppliers;
    cfg.n_suppliers = sizeof(suppliers) / sizeof(suppliers[0]);
    cfg.channels = channels;
    cfg.items = items;
    cfg.n_items = sizeof(items) / sizeof(items[0]);
    cfg.repl_sender_id = "SUPPLYGATE";
    cfg.repl_sender_qualifier = "ZZ";
    cfg.repl_timeout = 2;
    cfg.repl_max_attempts = 3;
    cfg.repl_backoff = 30;
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

/* A hash field into a static buffer, "" when absent. */
static const char *
hfield(const char *key, const char *field)
{
    static char out[4096];
    redisReply *r = cmd("HGET %s %s", key, field);

    snprintf(out, sizeof(out), "%s", r->type == REDIS_REPLY_STRING
             ? r->str : "");
    freeReplyObject(r);
    return out;
}

static long long
counter(const char *key)
{
    redisReply *r = cmd("GET %s", key);
    long long v = r->type == REDIS_REPLY_STRING ? atoll(r->str) : 0;

    freeReplyObject(r);
    return v;
}

/* How many events of type about item; the last one's detail in *det
 * (caller decrefs) when det is not NULL. */
static int
events(const char *type, const char *item, json_t **det)
{
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;
    int n = 0;

    if (det != NULL) {
        *det = NULL;
    }
    for (i = 0; i < r->elements; i++) {
        redisReply *f = r->element[i]->element[1];
        const char *t = NULL, *it = NULL, *d = NULL;

        for (j = 0; j + 1 < f->elements; j += 2) {
            if (strcmp(f->element[j]->str, "type") == 0) {
                t = f->element[j + 1]->str;
            } else if (strcmp(f->element[j]->str, "item") == 0) {
                it = f->element[j + 1]->str;
            } else if (strcmp(f->element[j]->str, "detail") == 0) {
                d = f->element[j + 1]->str;
            }
        }
        if (t != NULL && strcmp(t, type) == 0 &&
            (item == NULL || (it != NULL && strcmp(it, item) == 0))) {
            n++;
            if (det != NULL) {
                json_decref(*det);
                *det = json_loads(d, 0, NULL);
            }
        }
    }
    freeReplyObject(r);
    return n;
}

static long long
count_entries(const char *key)
{
    redisReply *r = cmd("XLEN %s", key);
    long long n = r->integer;

    freeReplyObject(r);
    return n;
}

/* --- documents --------------------------------------------------------- */

struct entry {
    struct sg_entry e;
    char id[64];
    char msg[64];
    char *xml;
};

static void
entry_make(struct entry *x, const char *type, char *xml, long long at)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", STREAM, SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s type %s xml %s", STREAM, x->msg, type, xml);
    freeReplyObject(r);
    r = cmd("XREADGROUP GROUP %s tester COUNT 1 STREAMS %s >", SG_GROUP,
            STREAM);
    CU_ASSERT_FATAL(r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    snprintf(x->id, sizeof(x->id), "%s",
             r->element[0]->element[1]->element[0]->element[0]->str);
    freeReplyObject(r);
    x->xml = xml;
    x->e.stream = STREAM;
    x->e.group = SG_GROUP;
    x->e.id = x->id;
    x->e.msg = x->msg;
    x->e.type = type;
    x->e.key = "k";
    x->e.partner = "ZZ:WMS";
    x->e.received_ms = at;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

/* A snapshot of one item at WH-1: lines "lot:expiry:qty" ("" lot and
 * expiry allowed), NULL-terminated. */
static char *
snapshot_xml(const char *item, const char *const *lines)
{
    struct sg_buf b;
    char lot[64], exp[16], qty[32];

    sg_buf_init(&b);
    sg_buf_addf(&b, "<stock xmlns=\"urn:supplygate:canonical:1\">"
                "<source format=\"xml\"/><snapshotId>S-%d</snapshotId>"
                "<warehouse>WH-1</warehouse>"
                "<time>2026-12-04T09:00:00Z</time><lines>", seq + 1);
    for (; *lines != NULL; lines++) {
        lot[0] = exp[0] = qty[0] = '\0';
        sscanf(*lines, "%63[^:]:%15[^:]:%31s", lot, exp, qty);
        if (qty[0] == '\0') {
            /* "::5": no lot, no expiry */
            snprintf(qty, sizeof(qty), "%s", strrchr(*lines, ':') + 1);
            lot[0] = exp[0] = '\0';
        }
        sg_buf_addf(&b, "<line><item>%s</item>", item);
        if (lot[0] != '\0') {
            sg_buf_addf(&b, "<lot>%s</lot>", lot);
        }
        if (exp[0] != '\0') {
            sg_buf_addf(&b, "<expiry>%s</expiry>", exp);
        }
        sg_buf_addf(&b, "<quantity unit=\"EA\">%s</quantity></line>", qty);
    }
    sg_buf_adds(&b, "</lines></stock>");
    return sg_buf_steal(&b);
}

static char *
receipt_xml(const char *number, const char *order, const char *item,
            const char *lot, const char *expiry, const char *accepted)
{
    return sg_xasprintf(
        "<receipt xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><receiptNumber>%s</receiptNumber>"
        "<receiptDate>2026-12-04</receiptDate><warehouse>WH-1</warehouse>"
        "<orderRef>%s</orderRef><shipNoticeRef>ASN-%s</shipNoticeRef>"
        "<supplier id=\"ACME\"/><lines><line number=\"1\">"
        "<item>%s</item><lot>%s</lot><expiry>%s</expiry>"
        "<received unit=\"EA\">%s</received><accepted>%s</accepted>"
        "<rejected>1</rejected></line></lines></receipt>",
        number, order, number, item, lot, expiry, accepted, accepted);
}

/* Apply xml at time at; takes xml. */
static enum sg_rules_result
apply(const char *type, char *xml, long long at)
{
    struct sg_errors errs;
    enum sg_rules_result res;
    struct entry x;

    entry_make(&x, type, xml, at);
    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x.e, at, &errs);
    if (errs.n > 0) {
        fprintf(stderr, "%s\n", errs.items[0].text);
    }
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    free(x.xml);
    return res;
}

static void
snap(const char *item, const char *qty, long long at)
{
    char line[64];
    const char *lines[] = {line, NULL};

    snprintf(line, sizeof(line), "::%s", qty);
    CU_ASSERT_EQUAL(apply("stock", snapshot_xml(item, lines), at),
                    SG_RULES_OK);
}

static void
setup_test(void)
{
    redisReply *r = cmd("FLUSHALL");

    freeReplyObject(r);
}

/* --- limits ------------------------------------------------------------- */

static void
test_exactly_at_lower(void)
{
    snap("SKU-A", "10", T);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"),
                           "10");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "alert:WH-1"), "");
    CU_ASSERT_EQUAL(events("stock_low", "SKU-A", NULL), 0);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-A", NULL), 0);
    /* Exactly at upper is not above it either. */
    snap("SKU-A", "100", T + 1);
    CU_ASSERT_EQUAL(events("stock_high", "SKU-A", NULL), 0);
    snap("SKU-A", "9.999999", T + 2);
    CU_ASSERT_EQUAL(events("stock_low", "SKU-A", NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "alert:WH-1"),
                           "low");
}

static void
test_crossing_once(void)
{
    json_t *d;

    snap("SKU-A", "5", T);
    snap("SKU-A", "4", T + 1);
    snap("SKU-A", "3", T + 2);
    CU_ASSERT_EQUAL(events("stock_low", "SKU-A", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "level")),
                           "5");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "limit")),
                           "10");
    json_decref(d);
    snap("SKU-A", "50", T + 3);
    CU_ASSERT_EQUAL(events("stock_normal", "SKU-A", NULL), 1);
    snap("SKU-A", "150", T + 4);
    snap("SKU-A", "160", T + 5);
    CU_ASSERT_EQUAL(events("stock_high", "SKU-A", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "limit")),
                           "100");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "was")),
                           "ok");
    json_decref(d);
    snap("SKU-A", "2", T + 6);
    CU_ASSERT_EQUAL(events("stock_low", "SKU-A", NULL), 2);
    CU_ASSERT_EQUAL(events("stock_normal", "SKU-A", NULL), 1);
}

/* --- replenishment ------------------------------------------------------ */

static void
test_replenishment_once(void)
{
    char body[4096];
    json_t *d;

    snap("SKU-A", "5", T);
    snap("SKU-A", "4", T + 1);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-A", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "order")),
                           "RP000000001");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "quantity")), "50");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "control")), 1);
    json_decref(d);
    CU_ASSERT_EQUAL(counter(SG_KEY_CONTROL), 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "open:WH-1"),
                           "RP000000001");

    /* Stored before any try, due now, with the 850 and the canonical. */
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001", "status"),
                           "pending");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001",
                                  "content_type"), "application/EDI-X12");
    snprintf(body, sizeof(body), "%s", hfield(SG_KEY_OUTBOUND "RP000000001",
                                              "body"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "*ZZ*ACME           *261204*1000*"
                                  "U*00401*000000001*0*P*>~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "BEG*00*SA*RP000000001**20261204~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "PO1*1*50*EA*2.5**BP*SKU-A~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "SE*7*0001~"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hfield(SG_KEY_OUTBOUND "RP000000001",
        "canonical"), "<item>SKU-A</item>"));

    /* The receipt of the order closes it; another drop orders again. */
    CU_ASSERT_EQUAL(apply("receipt", receipt_xml("GR-1", "RP000000001",
                          "SKU-A", "LOT-9", "2027-06-30", "50"), T + 2),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(events("replenishment_received", "SKU-A", NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "open:WH-1"), "");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"),
                           "54");
    snap("SKU-A", "1", T + 3);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-A", NULL), 2);
    CU_ASSERT_EQUAL(counter(SG_KEY_CONTROL), 2);
}

static void
test_edifact_unsent(void)
{
    const char *body;

    snap("SKU-E", "1", T);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-E", NULL), 1);
    CU_ASSERT_EQUAL(events("replenishment_unsent", "SKU-E", NULL), 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001", "status"),
                           "unsent");
    body = hfield(SG_KEY_OUTBOUND "RP000000001", "body");
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "UNB+UNOC:3+SUPPLYGATE:ZZ+EUROPA:ZZ"
                                  "+261204:1000+1'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "QTY+21:20:KG'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(body, "UNT+10+1'"));
}

static void
test_unqualified_supplier(void)
{
    json_t *d;

    snap("SKU-OLD", "1", T);
    snap("SKU-OLD", "0", T + 1);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-OLD", NULL), 0);
    CU_ASSERT_EQUAL(events("replenishment_refused", "SKU-OLD", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(d, "reasons"), 0), "code")),
        "certificate_expired");
    json_decref(d);

    snap("SKU-NOBODY", "1", T);
    CU_ASSERT_EQUAL(events("replenishment_refused", "SKU-NOBODY", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(d, "reasons"), 0), "code")),
        "supplier_unknown");
    json_decref(d);

    snap("SKU-PROBE", "1", T);
    CU_ASSERT_EQUAL(events("replenishment_refused", "SKU-PROBE", &d), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(d, "reasons"), 0), "code")),
        "supplier_not_active");
    json_decref(d);
    CU_ASSERT_EQUAL(counter(SG_KEY_CONTROL), 0);

    /* Back to normal and low again: said again. */
    snap("SKU-OLD", "20", T + 2);
    snap("SKU-OLD", "2", T + 3);
    CU_ASSERT_EQUAL(events("replenishment_refused", "SKU-OLD", NULL), 2);
}

/* --- lots and picking ------------------------------------------------- */

static void
test_lot_record(void)
{
    CU_ASSERT_EQUAL(apply("receipt", receipt_xml("GR-7", "PO-1", "SKU-A",
                          "LOT-R1", "2027-03-31", "48"), T), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "item"), "SKU-A");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "order"), "PO-1");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "asn"), "ASN-GR-7");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "warehouse"),
                           "WH-1");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "expiry"),
                           "2027-03-31");
    CU_ASSERT_EQUAL(atoll(hfield(SG_KEY_LOT "LOT-R1", "received")), T);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "quantity"), "48");
    /* A second receipt of the same lot adds to it. */
    CU_ASSERT_EQUAL(apply("receipt", receipt_xml("GR-8", "PO-1", "SKU-A",
                          "LOT-R1", "2027-03-31", "2.5"), T + 5),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_LOT "LOT-R1", "quantity"), "50.5");
    CU_ASSERT_EQUAL(atoll(hfield(SG_KEY_LOT "LOT-R1", "received")), T);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"),
                           "50.5");
    CU_ASSERT_EQUAL(events("lot_received", "SKU-A", NULL), 2);
}

/* The lots of a pick answer, "lot=take" joined by spaces. */
static const char *
pick(const char *qty, long long now, const char **expired, double *shrt)
{
    static char out[256], exp[256];
    json_t *o, *a;
    size_t i;
    char *text;
    int found;

    text = sg_stock_pick_json(c, "SKU-A", "WH-1", qty, now, &found);
    CU_ASSERT_EQUAL_FATAL(found, 1);
    o = json_loads(text, 0, NULL);
    out[0] = exp[0] = '\0';
    a = json_object_get(o, "picks");
    for (i = 0; i < json_array_size(a); i++) {
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s=%g",
                 i ? " " : "", json_string_value(json_object_get(
                 json_array_get(a, i), "lot")), json_number_value(
                 json_object_get(json_array_get(a, i), "take")));
    }
    a = json_object_get(o, "expired");
    for (i = 0; i < json_array_size(a); i++) {
        snprintf(exp + strlen(exp), sizeof(exp) - strlen(exp), "%s%s",
                 i ? " " : "", json_string_value(json_object_get(
                 json_array_get(a, i), "lot")));
    }
    *expired = exp;
    *shrt = json_number_value(json_object_get(o, "short"));
    json_decref(o);
    free(text);
    return out;
}

static void
test_fefo(void)
{
    const char *expired;
    double shrt;

    /* Received in this order: L-LATE, L-TIE-2 and L-TIE-1 (same
     * expiry; L-TIE-2 received first), L-NONE without expiry. */
    apply("receipt", receipt_xml("GR-1", "PO-1", "SKU-A", "L-LATE",
          "2027-05-01", "10"), T);
    apply("receipt", receipt_xml("GR-2", "PO-1", "SKU-A", "L-TIE-2",
          "2027-02-01", "4"), T + 1000);
    apply("receipt", receipt_xml("GR-3", "PO-1", "SKU-A", "L-TIE-1",
          "2027-02-01", "3"), T + 2000);
    {
        char *x = receipt_xml("GR-4", "PO-1", "SKU-A", "L-NONE", "", "5");
        char *cut = strstr(x, "<expiry></expiry>");

        memmove(cut, cut + strlen("<expiry></expiry>"),
                strlen(cut + strlen("<expiry></expiry>")) + 1);
        apply("receipt", x, T + 3000);
    }
    CU_ASSERT_STRING_EQUAL(pick("6", T, &expired, &shrt),
                           "L-TIE-2=4 L-TIE-1=2");
    CU_ASSERT_STRING_EQUAL(pick("20", T, &expired, &shrt),
                           "L-TIE-2=4 L-TIE-1=3 L-LATE=10 L-NONE=3");
    CU_ASSERT_DOUBLE_EQUAL(shrt, 0, 1e-9);
    CU_ASSERT_STRING_EQUAL(pick("30", T, &expired, &shrt),
                           "L-TIE-2=4 L-TIE-1=3 L-LATE=10 L-NONE=5");
    CU_ASSERT_DOUBLE_EQUAL(shrt, 8, 1e-9);
    CU_ASSERT_STRING_EQUAL(expired, "");

    /* On 2027-02-02 the tied lots have expired: not picked, listed. */
    CU_ASSERT_STRING_EQUAL(pick("6", T + 60 * DAYMS, &expired, &shrt),
                           "L-LATE=6");
    CU_ASSERT_STRING_EQUAL(expired, "L-TIE-2 L-TIE-1");
    /* The expiry day itself is still good. */
    CU_ASSERT_STRING_EQUAL(pick("1", T + 59 * DAYMS, &expired, &shrt),
                           "L-TIE-2=1");
}

static void
test_snapshot_replaces_lots(void)
{
    const char *first[] = {"L1:2027-01-01:5", "L2:2027-02-01:5", NULL};
    const char *second[] = {"L2:2027-02-01:7", NULL};
    const char *expired;
    double shrt;

    apply("stock", snapshot_xml("SKU-A", first), T);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"),
                           "10");
    apply("stock", snapshot_xml("SKU-A", second), T + 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"), "7");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A:lots", "WH-1|L1"),
                           "");
    CU_ASSERT_STRING_EQUAL(pick("7", T, &expired, &shrt), "L2=7");
}

static void
test_level_overflow_refused(void)
{
    const char *lines[] = {"L1::999999999999", "L2::1", NULL};
    struct sg_errors errs;
    struct entry x;

    entry_make(&x, "stock", snapshot_xml("SKU-A", lines), T);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs),
                    SG_RULES_FAILED);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "rules.quantity_too_large");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "level:WH-1"), "");
    sg_errors_free(&errs);
    free(x.xml);
}

/* --- two workers at once ------------------------------------------- */

#define RACE_ROUNDS 15

/* One worker: its own connection and entries, low snapshots of SKU-A. */
static void *
race_worker(void *arg)
{
    redisContext *own = sg_test_redis_connect(&redis);
    const char *lines[] = {(const char *)arg, NULL};
    struct sg_errors errs;
    struct sg_entry e;
    redisReply *r;
    enum sg_rules_result res = SG_RULES_RETRY;
    char *xml, id[64];
    int i, tries, *ok = sg_xcalloc(1, sizeof(int));

    for (i = 0; i < RACE_ROUNDS; i++) {
        xml = snapshot_xml("SKU-A", lines);
        r = redisCommand(own, "XADD %s * type stock xml %s", STREAM, xml);
        snprintf(id, sizeof(id), "%s", r->str);
        freeReplyObject(r);
        memset(&e, 0, sizeof(e));
        e.stream = STREAM;
        e.group = SG_GROUP;
        e.id = id;
        e.msg = id;
        e.type = "stock";
        e.received_ms = T;
        e.xml = xml;
        e.xml_len = strlen(xml);
        /* As the daemon does: an entry answered "retry" (it lost the
         * race SG_STOCK_TRIES times under load) is tried again. */
        sg_errors_init(&errs, 0);
        for (tries = 0; tries < 50; tries++) {
            res = sg_rules_apply(rules, own, &e, T + i, &errs);
            if (res != SG_RULES_RETRY) {
                break;
            }
        }
        *ok += res == SG_RULES_OK;
        sg_errors_free(&errs);
        free(xml);
    }
    redisFree(own);
    return ok;
}

static void
test_two_workers(void)
{
    pthread_t a, b;
    void *ra, *rb;
    redisReply *r = cmd("XGROUP CREATE %s %s $ MKSTREAM", STREAM, SG_GROUP);

    freeReplyObject(r);
    /* Both read the same state and race to commit: the version check
     * makes the loser decide again, so one crossing, one order. */
    pthread_create(&a, NULL, race_worker, "LA:2027-01-01:3");
    pthread_create(&b, NULL, race_worker, "LB:2027-01-02:4");
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    CU_ASSERT_EQUAL(*(int *)ra, RACE_ROUNDS);
    CU_ASSERT_EQUAL(*(int *)rb, RACE_ROUNDS);
    free(ra);
    free(rb);
    CU_ASSERT_EQUAL(events("stock_low", "SKU-A", NULL), 1);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-A", NULL), 1);
    CU_ASSERT_EQUAL(events("stock_updated", NULL, NULL), 2 * RACE_ROUNDS);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "version"), "30");
}

/* --- redelivery and delivery ----------------------------------------- */

static void
test_redelivery(void)
{
    const char *lines[] = {"L1:2027-01-01:3", NULL};
    struct sg_errors errs;
    struct entry x;
    long long n_events;
    char before[4096];

    entry_make(&x, "stock", snapshot_xml("SKU-A", lines), T);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs), SG_RULES_OK);
    n_events = count_entries(SG_KEY_EVENTS);
    snprintf(before, sizeof(before), "%s",
             hfield(SG_KEY_STOCK "SKU-A", "version"));
    CU_ASSERT_EQUAL(counter(SG_KEY_CONTROL), 1);

    /* Delivered again, later: nothing moves, the entry is acked. */
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 5000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(count_entries(SG_KEY_EVENTS), n_events);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_STOCK "SKU-A", "version"), before);
    CU_ASSERT_EQUAL(counter(SG_KEY_CONTROL), 1);
    CU_ASSERT_EQUAL(events("replenishment_ordered", "SKU-A", NULL), 1);
    {
        redisReply *r = cmd("XPENDING %s %s", STREAM, SG_GROUP);

        CU_ASSERT_EQUAL(r->element[0]->integer, 0);
        freeReplyObject(r);
    }
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    free(x.xml);
}

static void
test_delivery_retry_recorded(void)
{
    json_t *d;
    long long now;

    snap("SKU-A", "1", T);
    /* Port 1 on loopback refuses: a failed try, retried later. */
    now = sg_now_ms();
    CU_ASSERT_EQUAL(sg_outbound_deliver(c, &cfg, now, 10), 1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001", "status"),
                           "pending");
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001",
                                  "attempts"), "1");
    CU_ASSERT_EQUAL(events("replenishment_retry", "SKU-A", &d), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "attempt")), 1);
    CU_ASSERT(json_integer_value(json_object_get(d, "next_ms")) >=
              now + 30000);
    json_decref(d);
    /* Not due again before its backoff. */
    CU_ASSERT_EQUAL(sg_outbound_deliver(c, &cfg, now + 1000, 10), 0);
    /* Two more failures (backoff doubled) and it has failed for good. */
    CU_ASSERT_EQUAL(sg_outbound_deliver(c, &cfg, now + 31 * 1000000LL, 10),
                    1);
    CU_ASSERT_EQUAL(sg_outbound_deliver(c, &cfg, now + 62 * 1000000LL, 10),
                    1);
    CU_ASSERT_STRING_EQUAL(hfield(SG_KEY_OUTBOUND "RP000000001", "status"),
                           "failed");
    CU_ASSERT_EQUAL(events("replenishment_failed", "SKU-A", NULL), 1);
    {
        redisReply *r = cmd("LLEN " SG_KEY_OUTBOUND "RP000000001:attempts");

        CU_ASSERT_EQUAL(r->integer, 3);
        freeReplyObject(r);
    }
    /* The message itself is kept. */
    CU_ASSERT_PTR_NOT_NULL(strstr(hfield(SG_KEY_OUTBOUND "RP000000001",
                                         "body"), "ST*850*0001~"));
}

static void
test_item_json(void)
{
    json_t *o, *w;
    char *text;
    int found;

    text = sg_stock_item_json(c, &cfg, "SKU-UNKNOWN", &found);
    CU_ASSERT_PTR_NULL(text);
    CU_ASSERT_EQUAL(found, 0);
    apply("receipt", receipt_xml("GR-1", "PO-1", "SKU-A", "LOT-1",
          "2027-01-31", "4"), T);
    text = sg_stock_item_json(c, &cfg, "SKU-A", &found);
    CU_ASSERT_EQUAL_FATAL(found, 1);
    o = json_loads(text, 0, NULL);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(
        json_object_get(o, "limits"), "lower")), 10, 1e-9);
    w = json_array_get(json_object_get(o, "warehouses"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(w,
                           "warehouse")), "WH-1");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(w, "level")),
                           4, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(w, "alert")),
                           "low");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(w,
                           "open_replenishment")), "RP000000001");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(w, "lots"), 0), "expiry")),
        "2027-01-31");
    json_decref(o);
    free(text);
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
    s = CU_add_suite_with_setup_and_teardown("rules_stock", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "exactly at a limit is not past it",
                test_exactly_at_lower);
    CU_add_test(s, "each crossing raised once", test_crossing_once);
    CU_add_test(s, "replenishment placed once, closed by its receipt",
                test_replenishment_once);
    CU_add_test(s, "EDIFACT ORDERS, no endpoint: unsent",
                test_edifact_unsent);
    CU_add_test(s, "unqualified supplier: refused with the reason",
                test_unqualified_supplier);
    CU_add_test(s, "lot record fields", test_lot_record);
    CU_add_test(s, "FEFO: expiry, ties by receipt, expired lots",
                test_fefo);
    CU_add_test(s, "snapshot replaces the lots", test_snapshot_replaces_lots);
    CU_add_test(s, "redelivery changes nothing", test_redelivery);
    CU_add_test(s, "two workers racing: one order", test_two_workers);
    CU_add_test(s, "a level past 12 digits is refused",
                test_level_overflow_refused);
    CU_add_test(s, "delivery: retries with backoff, then failed",
                test_delivery_retry_recorded);
    CU_add_test(s, "item as JSON", test_item_json);
    rc = sg_test_run();

    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    sg_xml_cleanup();
    return rc;
}
