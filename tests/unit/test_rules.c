/*
 * test_rules.c - the order rules and the deadline sweep against a real
 * redis-server: each decision with its exact fields, the atomic commit
 * (acked, idempotent, duplicates kept apart) and breaches raised once.
 *
 * Every order is received at T = 2026-12-04T10:00:00Z and applied one
 * second later unless a test says otherwise; the supplier registry and
 * approval thresholds are built here by hand.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "keys.h"
#include "approval.h"
#include "rules.h"
#include "schema.h"
#include "testlib.h"
#include "util.h"

#define STREAM      SG_KEY_STREAM "order"
#define HOUR        3600000LL

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;         /* receipt time, epoch ms */
static long long DAY;       /* T's day, epoch s at 00:00 UTC */
static int seq;             /* makes message ids unique */

/* --- configuration ---------------------------------------------------- */

static char *acme_aliases[] = {"ACMEPARTS", "ZZ:ACMEPARTS"};

static struct sg_supplier suppliers[] = {
    {"ACME", "Acme Components", acme_aliases, 2, "active", "A", "default",
     0, 0, 0, 0},
    {"RAW", "Raw Metals", NULL, 0, "active", "B", "raw-materials",
     0, 0, 0, 0},
    {"BLOCKED", "Blocked Ltd", NULL, 0, "blocked", "B", "default",
     0, 0, 0, 0},
    {"GRADEBLK", "Grade Blocked", NULL, 0, "active", "blocked", "default",
     0, 0, 0, 0},
    {"OLDLIC", "Old Licence", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
    {"SAMEDAY", "Same Day", NULL, 0, "probation", "C", "default",
     0, 0, 0, 0},
    {"OLDCERT", "Old Certificate", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
    {"NOCERT", "No Certificate", NULL, 0, "active", "B", "default",
     0, 0, 0, 0},
};

static struct sg_approval approvals[] = {
    {"default", 10000, 100000},
    {"raw-materials", 50000, 250000},
};

static void
setup_config(void)
{
    long long far, d;
    size_t i;

    sg_parse_date("2026-12-04", &DAY);
    T = (DAY + 10 * 3600) * 1000LL;
    sg_parse_date("2099-12-31", &far);
    for (i = 0; i < sizeof(suppliers) / sizeof(suppliers[0]); i++) {
        suppliers[i].licence_expires = far;
        suppliers[i].tax_expires = far;
        suppliers[i].org_code_expires = far;
        suppliers[i].certificate_expires = far;
    }
    d = DAY - 86400;
    suppliers[4].licence_expires = d;           /* OLDLIC: the day before */
    suppliers[5].licence_expires = DAY;         /* SAMEDAY: still valid */
    suppliers[5].certificate_expires = DAY;
    suppliers[6].certificate_expires = d;       /* OLDCERT */
    suppliers[7].certificate_expires = 0;       /* NOCERT: not recorded */

    memset(&cfg, 0, sizeof(cfg));
    cfg.processing_limit = 2 * 3600;
    cfg.dispatch_limit = 4 * 3600;
    cfg.suppliers = suppliers;
    cfg.n_suppliers = sizeof(suppliers) / sizeof(suppliers[0]);
    cfg.approvals = approvals;
    cfg.n_approvals = 2;
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
        fprintf(stderr, "redis: %s\n", c->errstr);
        exit(2);
    }
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

/* A field of sg:order:<number>, copied into a static buffer ("" when
 * absent). */
static const char *
order_field(const char *number, const char *name)
{
    static char out[4][4096];
    static int slot;
    redisReply *r = cmd("HGET " SG_KEY_ORDER "%s %s", number, name);
    char *o = out[slot++ % 4];

    snprintf(o, sizeof(out[0]), "%s",
             r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return o;
}

static long long
order_ll(const char *number, const char *name)
{
    return strtoll(order_field(number, name), NULL, 10);
}

static int
order_has(const char *number, const char *name)
{
    return cmd_int("HEXISTS " SG_KEY_ORDER "%s %s", number, name) == 1;
}

static long long
deadline(const char *number, const char *node)
{
    redisReply *r = cmd("ZSCORE %s %s|%s", SG_KEY_DEADLINES, number, node);
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10)
                                                : -1;

    freeReplyObject(r);
    return v;
}

static long long
pending(void)
{
    redisReply *r = cmd("XPENDING %s %s", STREAM, SG_GROUP);
    long long n = -1;

    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1) {
        n = r->element[0]->integer;
    }
    freeReplyObject(r);
    return n;
}

/* The types of sg:events in order, joined by spaces, for this order. */
static const char *
event_types(const char *number)
{
    static char out[1024];
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;

    out[0] = '\0';
    for (i = 0; i < r->elements; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *type = NULL, *order = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                type = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "order") == 0) {
                order = kv->element[j + 1]->str;
            }
        }
        if (type != NULL && order != NULL && strcmp(order, number) == 0) {
            if (out[0] != '\0') {
                strcat(out, " ");
            }
            strncat(out, type, sizeof(out) - strlen(out) - 2);
        }
    }
    freeReplyObject(r);
    return out;
}

/* The detail of the last event of a type, parsed; caller decrefs. */
static json_t *
last_event_detail(const char *type)
{
    redisReply *r = cmd("XREVRANGE %s + -", SG_KEY_EVENTS);
    json_t *v = NULL;
    size_t i, j;

    for (i = 0; i < r->elements && v == NULL; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *t = NULL, *detail = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                t = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "detail") == 0) {
                detail = kv->element[j + 1]->str;
            }
        }
        if (t != NULL && detail != NULL && strcmp(t, type) == 0) {
            v = json_loads(detail, 0, NULL);
        }
    }
    freeReplyObject(r);
    return v;
}

/* --- orders and entries ---------------------------------------------- */

/* A canonical order with one line of qty x price (price NULL: none). */
static char *
order_xml(const char *number, const char *supplier, const char *qualifier,
          const char *qty, const char *price, const char *total)
{
    return sg_xasprintf(
        "<?xml version=\"1.0\"?>\n"
        "<order xmlns=\"urn:supplygate:canonical:1\">\n"
        "<source format=\"xml\"/>\n"
        "<orderNumber>%s</orderNumber>\n"
        "<orderDate>2026-12-04</orderDate>\n"
        "<currency>EUR</currency>\n"
        "<supplier id=\"%s\"%s%s%s><name>Someone</name></supplier>\n"
        "<lines><line number=\"1\"><item>X</item>"
        "<quantity>%s</quantity>%s%s%s</line></lines>\n"
        "%s%s%s"
        "</order>\n",
        number, supplier, qualifier ? " qualifier=\"" : "",
        qualifier ? qualifier : "", qualifier ? "\"" : "", qty,
        price ? "<unitPrice>" : "", price ? price : "",
        price ? "</unitPrice>" : "", total ? "<totalAmount>" : "",
        total ? total : "", total ? "</totalAmount>\n" : "");
}

/* One stream entry as a worker would hold it: added and read by the
 * group, so it is pending until acknowledged. */
struct entry {
    struct sg_entry e;
    char id[64];
    char msg[64];
    char *xml;
};

/* The envelope sender of the entries made next: none, as for an XML
 * order without source/@sender, unless a test sets one. */
static const char *entry_partner = "";

static void
entry_make(struct entry *x, const char *key, char *xml)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", STREAM, SG_GROUP);
    freeReplyObject(r);         /* BUSYGROUP after the first: fine */
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s doc 1 type order key %s partner %s "
            "received %lld xml %s", STREAM, x->msg, key, entry_partner, T,
            xml);
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
    x->e.type = "order";
    x->e.key = key;
    x->e.partner = entry_partner;
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

static void
entry_free(struct entry *x)
{
    free(x->xml);
}

/* Make an entry for an order and apply it at now; returns the result. */
static enum sg_rules_result
apply_order(const char *number, const char *supplier, const char *qty,
            const char *price, const char *total, long long now)
{
    struct entry x;
    struct sg_errors errs;
    enum sg_rules_result res;

    entry_make(&x, number, order_xml(number, supplier, NULL, qty, price,
                                     total));
    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x.e, now, &errs);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    entry_free(&x);
    return res;
}

/* The hold codes of an order, joined by spaces. */
static const char *
hold_codes(const char *number)
{
    static char out[512];
    json_t *holds = json_loads(order_field(number, "holds"), 0, NULL), *h;
    size_t i;

    out[0] = '\0';
    json_array_foreach(holds, i, h) {
        if (out[0] != '\0') {
            strcat(out, " ");
        }
        strncat(out, json_string_value(json_object_get(h, "code")),
                sizeof(out) - strlen(out) - 2);
    }
    json_decref(holds);
    return out;
}

static const char *
hold_message(const char *number, size_t i)
{
    static char out[512];
    json_t *holds = json_loads(order_field(number, "holds"), 0, NULL);

    snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(
        json_array_get(holds, i), "message")));
    json_decref(holds);
    return out;
}

static void
setup_test(void)
{
    redisReply *r = cmd("FLUSHALL");

    freeReplyObject(r);
}

/* --- approval and state ----------------------------------------------- */

static void
test_auto_processed(void)
{
    long long now = T + 1000;
    char msg[32];

    snprintf(msg, sizeof(msg), "m-%d", seq + 1);
    CU_ASSERT_EQUAL(apply_order("PO-1", "ACME", "2", "100", NULL, now),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "approval"), "auto");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "amount"), "200");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "currency"), "EUR");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "supplier_name"),
                           "Acme Components");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "category"), "default");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "holds"), "[]");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "type"), "order");
    CU_ASSERT_STRING_EQUAL(order_field("PO-1", "msg"), msg);
    CU_ASSERT_EQUAL(order_ll("PO-1", "received"), T);
    CU_ASSERT_EQUAL(order_ll("PO-1", "processing_due"), T + 2 * HOUR);
    CU_ASSERT_EQUAL(order_ll("PO-1", "processed_at"), now);
    CU_ASSERT_EQUAL(order_ll("PO-1", "dispatch_due"), now + 4 * HOUR);
    CU_ASSERT_FALSE(order_has("PO-1", "breach_processing"));
    CU_ASSERT_EQUAL(deadline("PO-1", "processing"), T + 2 * HOUR);
    CU_ASSERT_EQUAL(deadline("PO-1", "dispatch"), now + 4 * HOUR);
    CU_ASSERT_STRING_EQUAL(event_types("PO-1"),
                           "order_received order_approved order_processed");
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-1:history"), 3);
    /* Acked in the same step, and marked applied for 30 days. */
    CU_ASSERT_EQUAL(pending(), 0);
    CU_ASSERT_TRUE(cmd_int("TTL " SG_KEY_APPLIED "%s:%s", STREAM,
                           order_field("PO-1", "entry")) > 29 * 86400);
}

static void
test_thresholds(void)
{
    long long now = T + 1000;

    /* default: manager above 10000, director above 100000. */
    apply_order("PO-A", "ACME", "100", "100", NULL, now);      /* 10000 */
    apply_order("PO-B", "ACME", "1", "10000.01", NULL, now);
    apply_order("PO-C", "ACME", "1000", "100", NULL, now);     /* 100000 */
    apply_order("PO-D", "ACME", "2", "50000.25", NULL, now);   /* 100000.5 */
    CU_ASSERT_STRING_EQUAL(order_field("PO-A", "approval"), "auto");
    CU_ASSERT_STRING_EQUAL(order_field("PO-A", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-B", "approval"), "manager");
    CU_ASSERT_STRING_EQUAL(order_field("PO-B", "amount"), "10000.01");
    CU_ASSERT_STRING_EQUAL(order_field("PO-B", "state"),
                           "awaiting_approval");
    CU_ASSERT_STRING_EQUAL(order_field("PO-C", "approval"), "manager");
    CU_ASSERT_STRING_EQUAL(order_field("PO-D", "approval"), "director");
    CU_ASSERT_STRING_EQUAL(order_field("PO-D", "amount"), "100000.5");
    CU_ASSERT_STRING_EQUAL(event_types("PO-B"),
                           "order_received approval_required");
    CU_ASSERT_STRING_EQUAL(event_types("PO-D"),
                           "order_received approval_required");
    /* Awaiting approval: not processed, no dispatch node yet. */
    CU_ASSERT_FALSE(order_has("PO-B", "processed_at"));
    CU_ASSERT_EQUAL(deadline("PO-B", "processing"), T + 2 * HOUR);
    CU_ASSERT_EQUAL(deadline("PO-B", "dispatch"), -1);

    /* The category of the supplier chooses the thresholds. */
    apply_order("PO-E", "RAW", "1", "50000", NULL, now);
    apply_order("PO-F", "RAW", "1", "60000", NULL, now);
    CU_ASSERT_STRING_EQUAL(order_field("PO-E", "category"),
                           "raw-materials");
    CU_ASSERT_STRING_EQUAL(order_field("PO-E", "approval"), "auto");
    CU_ASSERT_STRING_EQUAL(order_field("PO-F", "approval"), "manager");
    CU_ASSERT_EQUAL(pending(), 0);
}

static void
test_approval_detail(void)
{
    json_t *d;

    apply_order("PO-G", "ACME", "3", "40000", NULL, T + 1000);
    d = last_event_detail("approval_required");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "level")),
                           "director");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(d, "amount")),
                           120000.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(d, "above")),
                           100000.0, 1e-9);
    json_decref(d);
}

static void
test_amount_sources(void)
{
    long long now = T + 1000;

    /* No price: the totalAmount decides. */
    apply_order("PO-T1", "ACME", "5", NULL, "12345.5", now);
    CU_ASSERT_STRING_EQUAL(order_field("PO-T1", "amount"), "12345.5");
    CU_ASSERT_STRING_EQUAL(order_field("PO-T1", "approval"), "manager");
    /* Neither: 0. */
    apply_order("PO-T2", "ACME", "5", NULL, NULL, now);
    CU_ASSERT_STRING_EQUAL(order_field("PO-T2", "amount"), "0");
    CU_ASSERT_STRING_EQUAL(order_field("PO-T2", "approval"), "auto");
    /* Every line priced: the lines win over a wrong total. */
    apply_order("PO-T3", "ACME", "1.5", "3", "999999", now);
    CU_ASSERT_STRING_EQUAL(order_field("PO-T3", "amount"), "4.5");
    CU_ASSERT_STRING_EQUAL(order_field("PO-T3", "approval"), "auto");
}

/* --- supplier qualification ------------------------------------------- */

static void
test_unknown_supplier(void)
{
    CU_ASSERT_EQUAL(apply_order("PO-U", "NOBODY", "1", "10", NULL,
                                T + 1000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-U", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-U"), "supplier_unknown");
    CU_ASSERT_STRING_EQUAL(hold_message("PO-U", 0), "supplier \"NOBODY\" "
                           "(Someone) is not in the supplier registry");
    CU_ASSERT_STRING_EQUAL(order_field("PO-U", "supplier"), "NOBODY");
    CU_ASSERT_STRING_EQUAL(order_field("PO-U", "supplier_known"), "0");
    CU_ASSERT_STRING_EQUAL(order_field("PO-U", "category"), "default");
    CU_ASSERT_STRING_EQUAL(event_types("PO-U"),
                           "order_received supplier_hold");
    CU_ASSERT_FALSE(order_has("PO-U", "processed_at"));
    CU_ASSERT_EQUAL(deadline("PO-U", "processing"), T + 2 * HOUR);
    CU_ASSERT_EQUAL(deadline("PO-U", "dispatch"), -1);
    CU_ASSERT_EQUAL(pending(), 0);
}

/* Apply an order whose supplier carries a qualifier. */
static void
apply_qualified(const char *number, const char *id, const char *qual)
{
    struct entry x;
    struct sg_errors errs;

    entry_make(&x, number, order_xml(number, id, qual, "1", "1", NULL));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 1000, &errs),
                    SG_RULES_OK);
    sg_errors_free(&errs);
    entry_free(&x);
}

static void
test_supplier_alias(void)
{
    /* By a plain alias. */
    apply_order("PO-AL", "ACMEPARTS", "1", "1", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-AL", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(order_field("PO-AL", "supplier_known"), "1");
    CU_ASSERT_STRING_EQUAL(order_field("PO-AL", "state"), "processed");

    /* By "qualifier:id" when the id alone is no alias. */
    acme_aliases[0] = "OTHER";
    apply_qualified("PO-Q1", "ACMEPARTS", "ZZ");
    apply_qualified("PO-Q2", "ACMEPARTS", "01");
    acme_aliases[0] = "ACMEPARTS";
    CU_ASSERT_STRING_EQUAL(order_field("PO-Q1", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(order_field("PO-Q1", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-Q2", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-Q2"), "supplier_unknown");
}

static void
test_blocked(void)
{
    apply_order("PO-BL", "BLOCKED", "1", "10", NULL, T + 1000);
    apply_order("PO-GB", "GRADEBLK", "1", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-BL", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-BL"), "supplier_blocked");
    CU_ASSERT_STRING_EQUAL(hold_message("PO-BL", 0), "supplier BLOCKED is "
                           "blocked (status blocked, grade B)");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-GB"), "supplier_blocked");
    CU_ASSERT_STRING_EQUAL(order_field("PO-GB", "state"), "held");
    /* Held, not approved, not processed. */
    CU_ASSERT_STRING_EQUAL(event_types("PO-BL"),
                           "order_received supplier_hold");
}

static void
test_licence_expiry(void)
{
    apply_order("PO-L1", "OLDLIC", "1", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-L1", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-L1"), "licence_expired");
    CU_ASSERT_STRING_EQUAL(hold_message("PO-L1", 0), "supplier OLDLIC: "
                           "business licence expired on 2026-12-03, before "
                           "the order was received on 2026-12-04");

    /* Expiring on the day of receipt: still valid that day. */
    apply_order("PO-L2", "SAMEDAY", "1", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-L2", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-L2"), "");
}

static void
test_certificate(void)
{
    apply_order("PO-C1", "OLDCERT", "1", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-C1", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-C1"), "certificate_expired");
    CU_ASSERT_PTR_NOT_NULL(strstr(hold_message("PO-C1", 0),
                                  "expired on 2026-12-03"));

    apply_order("PO-C2", "NOCERT", "1", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-C2", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-C2"), "certificate_missing");
    CU_ASSERT_STRING_EQUAL(hold_message("PO-C2", 0), "supplier NOCERT has "
                           "no quality certificate on record");
}

static void
test_several_holds(void)
{
    long long keep = suppliers[2].tax_expires;

    /* Blocked and a missing tax registration: both, in rule order. */
    suppliers[2].tax_expires = 0;
    apply_order("PO-H2", "BLOCKED", "1", "20000", NULL, T + 1000);
    suppliers[2].tax_expires = keep;
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-H2"),
                           "supplier_blocked tax_missing");
    /* Held wins over awaiting approval; the approval is still known. */
    CU_ASSERT_STRING_EQUAL(order_field("PO-H2", "state"), "held");
    CU_ASSERT_STRING_EQUAL(order_field("PO-H2", "approval"), "manager");
    CU_ASSERT_STRING_EQUAL(event_types("PO-H2"), "order_received "
                           "supplier_hold supplier_hold approval_required");
}

/* --- the commit -------------------------------------------------------- */

static int
cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* HGETALL as one comparable text, fields sorted: a hash Redis keeps as a
 * hashtable may list its fields in another order after a rehash. */
static char *
hash_text(const char *key)
{
    redisReply *r = cmd("HGETALL %s", key);
    struct sg_buf b;
    char **pairs = sg_xcalloc(r->elements / 2 + 1, sizeof(*pairs));
    size_t i, n = 0;

    for (i = 0; i + 1 < r->elements; i += 2) {
        pairs[n++] = sg_xasprintf("%s=%s", r->element[i]->str,
                                  r->element[i + 1]->str);
    }
    qsort(pairs, n, sizeof(*pairs), cmp_text);
    sg_buf_init(&b);
    for (i = 0; i < n; i++) {
        sg_buf_addf(&b, "%s\n", pairs[i]);
        free(pairs[i]);
    }
    free(pairs);
    freeReplyObject(r);
    return sg_buf_steal(&b);
}

static void
test_idempotent(void)
{
    struct entry x;
    struct sg_errors errs;
    char *before, *after;
    long long events, hist;

    entry_make(&x, "PO-I", order_xml("PO-I", "ACME", NULL, "2", "3", NULL));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 1000, &errs),
                    SG_RULES_OK);
    before = hash_text(SG_KEY_ORDER "PO-I");
    events = cmd_int("XLEN %s", SG_KEY_EVENTS);
    hist = cmd_int("LLEN " SG_KEY_ORDER "PO-I:history");
    CU_ASSERT_EQUAL(events, 3);

    /* Redelivered later (a reclaim): nothing changes. */
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 60000, &errs),
                    SG_RULES_OK);
    after = hash_text(SG_KEY_ORDER "PO-I");
    CU_ASSERT_STRING_EQUAL(before, after);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), events);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-I:history"), hist);
    CU_ASSERT_EQUAL(cmd_int("ZCARD %s", SG_KEY_DEADLINES), 2);
    CU_ASSERT_EQUAL(pending(), 0);
    free(after);

    /* Even with the marker gone (expired), the order's own entry field
     * tells it was applied. */
    cmd_int("DEL " SG_KEY_APPLIED "%s:%s", STREAM, x.id);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 90000, &errs),
                    SG_RULES_OK);
    after = hash_text(SG_KEY_ORDER "PO-I");
    CU_ASSERT_STRING_EQUAL(before, after);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), events);
    CU_ASSERT_EQUAL(errs.n, 0);
    free(before);
    free(after);
    sg_errors_free(&errs);
    entry_free(&x);
}

static void
test_duplicate(void)
{
    struct entry x;
    struct sg_errors errs;
    char *before, *after, first[32];
    json_t *d;

    snprintf(first, sizeof(first), "m-%d", seq + 1);
    apply_order("PO-DUP", "ACME", "2", "3", NULL, T + 1000);
    before = hash_text(SG_KEY_ORDER "PO-DUP");

    /* Another message, same order number and supplier, other amount. */
    entry_make(&x, "PO-DUP", order_xml("PO-DUP", "ACME", NULL, "9", "9",
                                       NULL));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 5000, &errs),
                    SG_RULES_OK);
    after = hash_text(SG_KEY_ORDER "PO-DUP");
    CU_ASSERT_STRING_EQUAL(before, after);
    CU_ASSERT_STRING_EQUAL(order_field("PO-DUP", "msg"), first);
    CU_ASSERT_STRING_EQUAL(order_field("PO-DUP", "amount"), "6");
    CU_ASSERT_STRING_EQUAL(event_types("PO-DUP"), "order_received "
                           "order_approved order_processed "
                           "duplicate_order");
    d = last_event_detail("duplicate_order");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "msg")),
                           x.msg);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "entry")),
                           x.id);
    json_decref(d);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-DUP:history"), 4);
    CU_ASSERT_EQUAL(pending(), 0);

    /* The duplicate redelivered: no second duplicate event. */
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 9000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-DUP:history"), 4);
    CU_ASSERT_EQUAL(errs.n, 0);
    free(before);
    free(after);
    sg_errors_free(&errs);
    entry_free(&x);
}

/*
 * The same number from another supplier is another supplier's order:
 * processed under "<number>~<supplier>", never dropped as a duplicate of
 * the first, and the first order's history says so.
 */
static void
test_number_conflict(void)
{
    struct entry x;
    struct sg_errors errs;
    char *before, *after;
    json_t *d;

    apply_order("PO-CF", "NOBODY", "1", "5", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF", "state"), "held");
    before = hash_text(SG_KEY_ORDER "PO-CF");

    entry_make(&x, "PO-CF", order_xml("PO-CF", "ACME", NULL, "2", "3",
                                      NULL));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 5000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(errs.n, 0);
    /* The first order is untouched but for a line in its history. */
    after = hash_text(SG_KEY_ORDER "PO-CF");
    CU_ASSERT_STRING_EQUAL(after, before);
    /* received, supplier_unknown hold, and the conflict note. */
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-CF:history"), 3);
    /* The second is a whole order of its own. */
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF~ACME", "order"), "PO-CF");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF~ACME", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF~ACME", "state"),
                           "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF~ACME", "amount"), "6");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CF~ACME", "msg"), x.msg);
    CU_ASSERT_STRING_EQUAL(event_types("PO-CF~ACME"), "order_received "
                           "order_number_conflict order_approved "
                           "order_processed");
    CU_ASSERT_PTR_NULL(strstr(event_types("PO-CF"), "duplicate_order"));
    d = last_event_detail("order_number_conflict");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "filed_as")), "PO-CF~ACME");
    json_decref(d);
    CU_ASSERT_EQUAL(cmd_int("ZRANK %s PO-CF~ACME|processing",
                            SG_KEY_DEADLINES) >= 0, 1);
    CU_ASSERT_EQUAL(pending(), 0);

    /* Redelivered: nothing changes, on either order. */
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 9000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-CF:history"), 3);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-CF~ACME:history"), 4);
    free(before);
    free(after);
    sg_errors_free(&errs);
    entry_free(&x);
}

/* order_xml with a <purpose>. */
static char *
order_xml_purpose(const char *number, const char *qty, const char *price,
                  const char *purpose)
{
    char *x = order_xml(number, "ACME", NULL, qty, price, NULL);
    char *at = strstr(x, "<currency>");
    char *out = sg_xasprintf("%.*s<purpose>%s</purpose>\n%s",
                             (int)(at - x), x, purpose, at);

    free(x);
    return out;
}

static enum sg_rules_result
apply_purpose(const char *number, const char *qty, const char *price,
              const char *purpose, long long now, struct entry *x)
{
    struct sg_errors errs;
    enum sg_rules_result res;

    entry_make(x, number, order_xml_purpose(number, qty, price, purpose));
    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x->e, now, &errs);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    return res;
}

/*
 * A change replaces the order's decisions; a cancel closes it; after
 * that, nothing more moves it; a cancel for an unknown order is filed
 * cancelled, not live.
 */
static void
test_change_and_cancel(void)
{
    struct entry x, y;
    struct sg_errors errs;
    long long hist;

    sg_errors_init(&errs, 0);
    apply_order("PO-CC", "ACME", "2", "10", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "state"), "processed");

    /* Changed to 2000 x 10: over the manager threshold. */
    CU_ASSERT_EQUAL(apply_purpose("PO-CC", "2000", "10", "change",
                                  T + 60000, &x), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "amount"), "20000");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "approval"), "manager");
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "state"),
                           "awaiting_approval");
    CU_ASSERT_FALSE(order_has("PO-CC", "processed_at"));
    CU_ASSERT_EQUAL(deadline("PO-CC", "dispatch"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(event_types("PO-CC"),
                                  "order_changed order_received "
                                  "approval_required"));
    /* Redelivered: nothing more. */
    hist = cmd_int("LLEN " SG_KEY_ORDER "PO-CC:history");
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 70000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-CC:history"), hist);

    /* Cancelled: closed, its nodes gone. */
    CU_ASSERT_EQUAL(apply_purpose("PO-CC", "1", "1", "cancel", T + 90000,
                                  &y), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "state"), "cancelled");
    CU_ASSERT_EQUAL(order_ll("PO-CC", "cancelled_at"), T + 90000);
    CU_ASSERT_EQUAL(deadline("PO-CC", "processing"), -1);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "amount"), "20000");
    hist = cmd_int("LLEN " SG_KEY_ORDER "PO-CC:history");
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &y.e, T + 95000, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-CC:history"), hist);
    entry_free(&x);
    entry_free(&y);

    /* A change after the cancel is only recorded. */
    CU_ASSERT_EQUAL(apply_purpose("PO-CC", "5", "5", "change", T + 99000,
                                  &x), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CC", "state"), "cancelled");
    CU_ASSERT_PTR_NOT_NULL(strstr(event_types("PO-CC"),
                                  "order_cancelled duplicate_order"));
    entry_free(&x);

    /* A cancel for a number never seen: filed cancelled, no nodes. */
    CU_ASSERT_EQUAL(apply_purpose("PO-CX", "1", "1", "cancel", T + 1000,
                                  &x), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-CX", "state"), "cancelled");
    CU_ASSERT_EQUAL(deadline("PO-CX", "processing"), -1);
    CU_ASSERT_STRING_EQUAL(event_types("PO-CX"),
                           "order_received order_cancelled");
    CU_ASSERT_EQUAL(pending(), 0);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    entry_free(&x);
}

/* Sent by the supplier itself (any qualifier), or held: nobody orders
 * in another supplier's name. */
static void
test_sender_is_supplier(void)
{
    entry_partner = "ZZ:ACMEPARTS";
    apply_order("PO-S1", "ACME", "1", "5", NULL, T + 1000);
    entry_partner = "01:ACMEPARTS";
    apply_order("PO-S2", "ACME", "1", "5", NULL, T + 1000);
    entry_partner = "ZZ:WIDGETCO";
    apply_order("PO-S3", "ACME", "1", "5", NULL, T + 1000);
    entry_partner = "";
    CU_ASSERT_STRING_EQUAL(order_field("PO-S1", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-S2", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-S3", "state"), "held");
    CU_ASSERT_STRING_EQUAL(hold_codes("PO-S3"), "sender_not_supplier");
    CU_ASSERT_PTR_NOT_NULL(strstr(order_field("PO-S3", "holds"),
                                  "came from ZZ:WIDGETCO"));
}

/* No price and no total: the amount is unknown, so is the approval. */
static void
test_unpriced(void)
{
    apply_order("PO-NP", "ACME", "900000", NULL, NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-NP", "state"), "held");
    CU_ASSERT_PTR_NOT_NULL(strstr(order_field("PO-NP", "holds"),
                                  "\"amount_unknown\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(order_field("PO-NP", "holds"),
                                  "1 of 1 lines have no unit price"));
    CU_ASSERT_FALSE(order_has("PO-NP", "processed_at"));

    /* A stated total stands in for the missing prices. */
    apply_order("PO-NP2", "ACME", "900000", NULL, "20000", T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-NP2", "state"),
                           "awaiting_approval");
    CU_ASSERT_STRING_EQUAL(order_field("PO-NP2", "approval"), "manager");
    CU_ASSERT_PTR_NULL(strstr(order_field("PO-NP2", "holds"),
                              "amount_unknown"));
}

/* An operator approves what awaits approval and releases what is held. */
static void
test_approve_and_release(void)
{
    char *state = NULL;
    json_t *d;

    apply_order("PO-AP", "ACME", "1", "20000", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-AP", "state"),
                           "awaiting_approval");
    CU_ASSERT_EQUAL(order_ll("PO-AP", "dispatch_limit"), 4 * HOUR);

    /* Approved an hour later: processed now, dispatch due 4 h after. */
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-AP", "approve", "j.smith",
                                    "per phone", T + HOUR, &state),
                    SG_APPROVAL_DONE);
    CU_ASSERT_STRING_EQUAL(state, "processed");
    free(state);
    CU_ASSERT_STRING_EQUAL(order_field("PO-AP", "state"), "processed");
    CU_ASSERT_EQUAL(order_ll("PO-AP", "processed_at"), T + HOUR);
    CU_ASSERT_EQUAL(order_ll("PO-AP", "dispatch_due"), T + 5 * HOUR);
    CU_ASSERT_EQUAL(deadline("PO-AP", "dispatch"), T + 5 * HOUR);
    CU_ASSERT_STRING_EQUAL(order_field("PO-AP", "decided_by"), "j.smith");
    CU_ASSERT_FALSE(order_has("PO-AP", "breach_processing"));
    CU_ASSERT_STRING_EQUAL(event_types("PO-AP"), "order_received "
                           "approval_required order_approved "
                           "order_processed");
    d = last_event_detail("order_approved");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "level")),
                           "manager");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "note")),
                           "per phone");
    json_decref(d);

    /* A second click finds it processed and changes nothing. */
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-AP", "approve", "other", "",
                                    T + 2 * HOUR, &state),
                    SG_APPROVAL_WRONG_STATE);
    CU_ASSERT_STRING_EQUAL(state, "processed");
    free(state);
    CU_ASSERT_EQUAL(order_ll("PO-AP", "processed_at"), T + HOUR);
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-NONE", "approve", "x", "",
                                    T, &state), SG_APPROVAL_NOT_FOUND);
    CU_ASSERT_PTR_NULL(state);

    /* Held, over the manager threshold: released to approval first;
     * approved after its processing deadline, the breach is raised. */
    apply_order("PO-RL", "NOBODY", "1", "20000", NULL, T + 1000);
    CU_ASSERT_STRING_EQUAL(order_field("PO-RL", "state"), "held");
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-RL", "approve", "x", "",
                                    T + HOUR, &state),
                    SG_APPROVAL_WRONG_STATE);
    CU_ASSERT_STRING_EQUAL(state, "held");
    free(state);
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-RL", "release", "q.a", "",
                                    T + HOUR, &state), SG_APPROVAL_DONE);
    CU_ASSERT_STRING_EQUAL(state, "awaiting_approval");
    free(state);
    CU_ASSERT_EQUAL(sg_order_decide(c, "PO-RL", "approve", "boss", "",
                                    T + 3 * HOUR, &state),
                    SG_APPROVAL_DONE);
    free(state);
    CU_ASSERT_STRING_EQUAL(order_field("PO-RL", "breach_processing"), "1");
    CU_ASSERT_STRING_EQUAL(event_types("PO-RL"), "order_received "
                           "supplier_hold approval_required order_released "
                           "approval_required order_approved "
                           "order_processed sla_breach");
    d = last_event_detail("order_released");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(d, "holds"), 0), "code")),
        "supplier_unknown");
    json_decref(d);
    /* The sweep finds the breach raised and raises no second one. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 3 * HOUR), 0);
}

static void
test_failures(void)
{
    struct entry x;
    struct sg_errors errs;

    /* Not well-formed: failed with the parser's error, left pending. */
    entry_make(&x, "PO-X", sg_xstrdup("<order xmlns=\"urn:supplygate:"
                                      "canonical:1\"><orderNumber>"));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs),
                    SG_RULES_FAILED);
    CU_ASSERT_TRUE_FATAL(errs.n >= 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "xml.malformed");
    CU_ASSERT_EQUAL(pending(), 1);
    sg_errors_free(&errs);
    entry_free(&x);

    /* No order number. */
    entry_make(&x, "PO-Y", sg_xstrdup("<order xmlns=\"urn:supplygate:"
                                      "canonical:1\"><supplier id=\"ACME\"/>"
                                      "</order>"));
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs),
                    SG_RULES_FAILED);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "rules.missing_field");
    sg_errors_free(&errs);

    /* A type with no rules yet. */
    x.e.type = "quotation";
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs),
                    SG_RULES_FAILED);
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_STRING_EQUAL(errs.items[0].code, "rules.unknown_type");
    CU_ASSERT_EQUAL(pending(), 2);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), 0);
    sg_errors_free(&errs);
    entry_free(&x);
}

static void
test_script_flushed_and_io_error(void)
{
    struct sg_test_redis *r = &redis;
    redisContext *c2;
    struct entry x;
    struct sg_errors errs;
    redisReply *rep;

    /* Redis forgot the scripts: EVAL takes over from EVALSHA. */
    rep = cmd("SCRIPT FLUSH");
    freeReplyObject(rep);
    CU_ASSERT_EQUAL(apply_order("PO-S", "ACME", "1", "1", NULL, T + 1000),
                    SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order_field("PO-S", "state"), "processed");

    /* A connection that is gone: retry later, nothing written. */
    entry_make(&x, "PO-IO", order_xml("PO-IO", "ACME", NULL, "1", "1",
                                      NULL));
    c2 = sg_test_redis_connect(r);
    rep = redisCommand(c2, "QUIT");
    freeReplyObject(rep);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c2, &x.e, T + 1000, &errs),
                    SG_RULES_RETRY);
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_ORDER "PO-IO"), 0);
    CU_ASSERT_EQUAL(pending(), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c2, T), -1);
    redisFree(c2);
    sg_errors_free(&errs);
    entry_free(&x);
}

/* --- deadlines and the sweep ----------------------------------------- */

static long long
breaches(const char *number)
{
    const char *types = event_types(number), *p = types;
    long long n = 0;

    while ((p = strstr(p, "sla_breach")) != NULL) {
        n++;
        p++;
    }
    return n;
}

static void
test_sweep_processing(void)
{
    long long due = T + 2 * HOUR;
    json_t *d;

    apply_order("PO-SW", "NOBODY", "1", "1", NULL, T + 1000);  /* held */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due - 1), 0);
    /* Due at, not past: not yet. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due), 0);
    CU_ASSERT_EQUAL(breaches("PO-SW"), 0);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due + 5000), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due + 9000), 0);
    CU_ASSERT_EQUAL(breaches("PO-SW"), 1);
    CU_ASSERT_STRING_EQUAL(order_field("PO-SW", "breach_processing"), "1");
    CU_ASSERT_EQUAL(deadline("PO-SW", "processing"), -1);
    d = last_event_detail("sla_breach");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "node")),
                           "processing");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "due_ms")), due);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "late_ms")),
                    5000);
    json_decref(d);
    /* And on the history, last. */
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_ORDER "PO-SW:history"), 3);
}

static void
test_sweep_processed(void)
{
    long long now = T + 1000;

    apply_order("PO-OK", "ACME", "1", "1", NULL, now);
    /* Past the processing deadline, before dispatch: nothing raised, the
     * met processing node is dropped. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 3 * HOUR), 0);
    CU_ASSERT_EQUAL(deadline("PO-OK", "processing"), -1);
    CU_ASSERT_EQUAL(deadline("PO-OK", "dispatch"), now + 4 * HOUR);
    CU_ASSERT_EQUAL(breaches("PO-OK"), 0);

    /* Past dispatch_due with no dispatched_at: one dispatch breach. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, now + 4 * HOUR + 1), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, now + 5 * HOUR), 0);
    CU_ASSERT_EQUAL(breaches("PO-OK"), 1);
    CU_ASSERT_STRING_EQUAL(order_field("PO-OK", "breach_dispatch"), "1");
    CU_ASSERT_FALSE(order_has("PO-OK", "breach_processing"));

    /* Dispatched in time: nothing. */
    apply_order("PO-GONE", "ACME", "1", "1", NULL, now);
    cmd_int("HSET " SG_KEY_ORDER "PO-GONE dispatched_at %lld", now + HOUR);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, now + 6 * HOUR), 0);
    CU_ASSERT_EQUAL(breaches("PO-GONE"), 0);
    CU_ASSERT_EQUAL(cmd_int("ZCARD %s", SG_KEY_DEADLINES), 0);
}

static void
test_processed_late(void)
{
    long long now = T + 3 * HOUR;

    /* The queue was backed up: processed after its deadline. */
    apply_order("PO-LATE", "ACME", "1", "1", NULL, now);
    CU_ASSERT_STRING_EQUAL(order_field("PO-LATE", "state"), "processed");
    CU_ASSERT_STRING_EQUAL(order_field("PO-LATE", "breach_processing"),
                           "1");
    CU_ASSERT_STRING_EQUAL(event_types("PO-LATE"), "order_received "
                           "order_approved order_processed sla_breach");
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, now + 1000), 0);
    CU_ASSERT_EQUAL(breaches("PO-LATE"), 1);
}

static void
test_sweep_many(void)
{
    char number[32];
    int i;

    /* More than one batch of due nodes. */
    for (i = 0; i < 250; i++) {
        snprintf(number, sizeof(number), "PO-M%d", i);
        apply_order(number, "NOBODY", "1", "1", NULL, T + 1000);
    }
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 3 * HOUR), 250);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 3 * HOUR), 0);
    CU_ASSERT_EQUAL(cmd_int("ZCARD %s", SG_KEY_DEADLINES), 0);
}

/* --- reading an order back ----------------------------------------- */

static void
test_order_json(void)
{
    json_t *o, *dl, *hist;
    char *text;
    int found = 7;

    CU_ASSERT_PTR_NULL(sg_rules_order_json(c, "PO-NONE", &found));
    CU_ASSERT_EQUAL(found, 0);

    apply_order("PO-J", "OLDCERT", "4", "2.5", NULL, T + 1000);
    sg_rules_sweep(rules, c, T + 2 * HOUR + 1);
    text = sg_rules_order_json(c, "PO-J", &found);
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    o = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "state")),
                           "held");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
                                                             "supplier")),
                           "OLDCERT");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(o, "amount")),
                           10.0, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
                                                             "approval")),
                           "auto");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(json_object_get(o, "holds"), 0), "code")),
        "certificate_expired");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "received_ms")),
                    T);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
                                                             "received")),
                           "2026-12-04T10:00:00.000Z");
    dl = json_object_get(json_object_get(o, "deadlines"), "processing");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dl, "due_ms")),
                    T + 2 * HOUR);
    CU_ASSERT_TRUE(json_is_null(json_object_get(dl, "met_ms")));
    CU_ASSERT_TRUE(json_is_true(json_object_get(dl, "breached")));
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_object_get(o,
        "deadlines"), "dispatch")));
    hist = json_object_get(o, "history");
    CU_ASSERT_EQUAL_FATAL(json_array_size(hist), 3);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(hist, 0), "type")), "order_received");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(
        json_array_get(hist, 0), "at")), T);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(hist, 2), "type")), "sla_breach");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(
        json_array_get(hist, 2), "detail"), "node")), "processing");
    json_decref(o);

    /* A processed order: processing met, dispatch open. */
    apply_order("PO-J2", "ACME", "1", "1", NULL, T + 1000);
    text = sg_rules_order_json(c, "PO-J2", &found);
    o = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    dl = json_object_get(o, "deadlines");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(dl,
        "processing"), "met_ms")), T + 1000);
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_object_get(dl,
        "processing"), "breached")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(dl,
        "dispatch"), "due_ms")), T + 1000 + 4 * HOUR);
    json_decref(o);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    /* As in the daemon: a write to a closed connection is an error
     * reply, not the end of the process. */
    signal(SIGPIPE, SIG_IGN);
    sg_xml_init();
    setup_config();
    sg_test_redis_start(&redis);
    c = sg_test_redis_connect(&redis);
    rules = sg_rules_create(&cfg);

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite_with_setup_and_teardown("rules", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "auto order processed", test_auto_processed);
    CU_add_test(s, "approval thresholds", test_thresholds);
    CU_add_test(s, "approval event detail", test_approval_detail);
    CU_add_test(s, "amount from lines or total", test_amount_sources);
    CU_add_test(s, "unknown supplier held", test_unknown_supplier);
    CU_add_test(s, "supplier by alias", test_supplier_alias);
    CU_add_test(s, "blocked supplier held", test_blocked);
    CU_add_test(s, "licence expiry", test_licence_expiry);
    CU_add_test(s, "certificate expired or missing", test_certificate);
    CU_add_test(s, "several holds", test_several_holds);
    CU_add_test(s, "apply twice changes nothing", test_idempotent);
    CU_add_test(s, "duplicate order number", test_duplicate);
    CU_add_test(s, "same number, other supplier", test_number_conflict);
    CU_add_test(s, "approve and release", test_approve_and_release);
    CU_add_test(s, "no price, no total: held", test_unpriced);
    CU_add_test(s, "the sender must be the supplier",
                test_sender_is_supplier);
    CU_add_test(s, "change, then cancel", test_change_and_cancel);
    CU_add_test(s, "failures left pending", test_failures);
    CU_add_test(s, "script flushed, connection lost",
                test_script_flushed_and_io_error);
    CU_add_test(s, "sweep: processing breach once", test_sweep_processing);
    CU_add_test(s, "sweep: processed and dispatch", test_sweep_processed);
    CU_add_test(s, "processed late", test_processed_late);
    CU_add_test(s, "sweep: many", test_sweep_many);
    CU_add_test(s, "order as JSON", test_order_json);
    rc = sg_test_run();

    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    sg_xml_cleanup();
    return rc;
}
