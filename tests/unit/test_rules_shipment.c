/*
 * test_rules_shipment.c - the shipment rules and the delivery sweep
 * against a real redis-server: the state machine's edges (the delivery
 * limit to the millisecond, statuses out of order, offsets), the order's
 * dispatch and delivery nodes, the carrier's and driver's figures, and
 * an entry applied twice changing nothing.
 *
 * Orders are received at T = 2026-12-04T10:00:00Z and processed one
 * second later; unless a test says otherwise the goods are picked up at
 * 11:00Z, so with delivery_limit 48h the delivery is due
 * 2026-12-06T11:00:00Z.
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
#include "rules_shipment.h"
#include "schema.h"
#include "testlib.h"
#include "util.h"

#define ORDERS      SG_KEY_STREAM "order"
#define TRACKING    SG_KEY_STREAM "tracking"
#define HOUR        3600000LL

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;         /* order receipt, epoch ms */
static long long PICKUP;    /* 2026-12-04T11:00:00Z */
static long long DUE;       /* PICKUP + 48h */
static int seq;

/* --- configuration ---------------------------------------------------- */

static char *acme_aliases[] = {"ACMEPARTS"};
static char *afrt_aliases[] = {"AFRT", "02:AFRT"};

static struct sg_supplier suppliers[] = {
    {"ACME", "Acme Components", acme_aliases, 1, "active", "A", "default",
     0, 0, 0, 0},
};

static struct sg_approval approvals[] = {
    {"default", 10000, 100000},
};

static struct sg_carrier carriers[] = {
    {"ACMEFREIGHT", "Acme Freight", afrt_aliases, 2},
};

static void
setup_config(void)
{
    long long day, far;

    sg_parse_date("2026-12-04", &day);
    T = (day + 10 * 3600) * 1000LL;
    PICKUP = T + HOUR;
    DUE = PICKUP + 48 * HOUR;
    sg_parse_date("2099-12-31", &far);
    suppliers[0].licence_expires = far;
    suppliers[0].tax_expires = far;
    suppliers[0].org_code_expires = far;
    suppliers[0].certificate_expires = far;

    memset(&cfg, 0, sizeof(cfg));
    cfg.processing_limit = 2 * 3600;
    cfg.dispatch_limit = 4 * 3600;
    cfg.delivery_limit = 48 * 3600;
    cfg.suppliers = suppliers;
    cfg.n_suppliers = 1;
    cfg.approvals = approvals;
    cfg.n_approvals = 1;
    cfg.carriers = carriers;
    cfg.n_carriers = 1;
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

/* A field of a hash, in one of four static buffers ("" when absent). */
static const char *
field(const char *key, const char *name)
{
    static char out[4][4096];
    static int slot;
    redisReply *r = cmd("HGET %s %s", key, name);
    char *o = out[slot++ % 4];

    snprintf(o, sizeof(out[0]), "%s",
             r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return o;
}

static const char *
shipment(const char *id, const char *name)
{
    char key[128];

    snprintf(key, sizeof(key), SG_KEY_SHIPMENT "%s", id);
    return field(key, name);
}

static long long
shipment_ll(const char *id, const char *name)
{
    return strtoll(shipment(id, name), NULL, 10);
}

static const char *
order(const char *number, const char *name)
{
    char key[128];

    snprintf(key, sizeof(key), SG_KEY_ORDER "%s", number);
    return field(key, name);
}

static long long
carrier_ll(const char *id, const char *name)
{
    char key[128];

    snprintf(key, sizeof(key), SG_KEY_CARRIER "%s", id);
    return strtoll(field(key, name), NULL, 10);
}

/* The shipment's delivery deadline in the sweep's set, or -1. */
static long long
deadline_of(const char *id)
{
    redisReply *r = cmd("ZSCORE %s %s", SG_KEY_SHIPMENT_DEADLINES, id);
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10)
                                                : -1;

    freeReplyObject(r);
    return v;
}

/* How many sg:events of this type name this shipment. */
static int
events_of(const char *type, const char *id)
{
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    int n = 0, hit_type, hit_id;
    size_t i, j;

    for (i = 0; i < r->elements; i++) {
        const redisReply *kv = r->element[i]->element[1];

        hit_type = hit_id = 0;
        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                hit_type = strcmp(kv->element[j + 1]->str, type) == 0;
            } else if (strcmp(kv->element[j]->str, "shipment") == 0) {
                hit_id = strcmp(kv->element[j + 1]->str, id) == 0;
            }
        }
        n += hit_type && hit_id;
    }
    freeReplyObject(r);
    return n;
}

/* --- entries ------------------------------------------------------------ */

struct entry {
    struct sg_entry e;
    char id[64];
    char msg[64];
    char *xml;
};

static void
entry_make(struct entry *x, const char *stream, const char *type,
           const char *key, char *xml)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", stream, SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "m-%d", ++seq);
    r = cmd("XADD %s * msg %s doc 1 type %s key %s received %lld xml %s",
            stream, x->msg, type, key, T, xml);
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
    x->e.partner = "";
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

static enum sg_rules_result
apply_entry(struct entry *x, long long now)
{
    struct sg_errors errs;
    enum sg_rules_result res;

    sg_errors_init(&errs, 0);
    res = sg_rules_apply(rules, c, &x->e, now, &errs);
    if (errs.n > 0) {
        fprintf(stderr, "rules: %s: %s\n", errs.items[0].code,
                errs.items[0].text);
    }
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_errors_free(&errs);
    return res;
}

/* An ACME order, processed at T + 1 s; promised: requestedDelivery. */
static void
make_order(const char *number, const char *promised)
{
    struct entry x;

    entry_make(&x, ORDERS, "order", number, sg_xasprintf(
        "<order xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><orderNumber>%s</orderNumber>"
        "<orderDate>2026-12-04</orderDate>"
        "<supplier id=\"ACME\"/>%s%s%s"
        "<lines><line number=\"1\"><item>X</item><quantity>1</quantity>"
        "<unitPrice>5</unitPrice></line></lines></order>", number,
        promised ? "<requestedDelivery>" : "", promised ? promised : "",
        promised ? "</requestedDelivery>" : ""));
    CU_ASSERT_EQUAL(apply_entry(&x, T + 1000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order(number, "state"), "processed");
    free(x.xml);
}

/* One status; optional parts NULL.  The entry is left in x (free
 * x->xml) so a test can apply it again. */
struct status {
    const char *id, *order, *status, *time, *condition, *driver, *city;
};

static enum sg_rules_result
track_keep(struct entry *x, const struct status *s, long long now)
{
    entry_make(x, TRACKING, "tracking", s->id, sg_xasprintf(
        "<tracking xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"x12\"/><shipmentId>%s</shipmentId>"
        "%s%s%s<carrier id=\"AFRT\" qualifier=\"scac\"/>"
        "<status code=\"XX\">%s</status>"
        "<eventTime>%s</eventTime>%s%s%s"
        "<condition>%s</condition>%s%s%s<sequence>1</sequence>"
        "</tracking>", s->id,
        s->order ? "<orderNumber>" : "", s->order ? s->order : "",
        s->order ? "</orderNumber>" : "", s->status, s->time,
        s->city ? "<location><city>" : "", s->city ? s->city : "",
        s->city ? "</city></location>" : "",
        s->condition ? s->condition : "intact",
        s->driver ? "<driver>" : "", s->driver ? s->driver : "",
        s->driver ? "</driver>" : ""));
    return apply_entry(x, now);
}

static enum sg_rules_result
track(const struct status *s, long long now)
{
    struct entry x;
    enum sg_rules_result res = track_keep(&x, s, now);

    free(x.xml);
    return res;
}

static json_t *
shipment_json(const char *id)
{
    int found = 0;
    char *text = sg_shipment_json(c, id, &found);
    json_t *j;

    CU_ASSERT_EQUAL_FATAL(found, 1);
    j = json_loads(text, 0, NULL);
    free(text);
    return j;
}

static void
setup_test(void)
{
    freeReplyObject(cmd("FLUSHALL"));
}

/* --- tests --------------------------------------------------------------- */

static void
test_time_parse(void)
{
    long long ms;
    int no_zone;

    CU_ASSERT_EQUAL(sg_shipment_parse_time("2026-12-06T12:00:00+01:00",
                                           &ms, &no_zone), 0);
    CU_ASSERT_EQUAL(ms, DUE);
    CU_ASSERT_EQUAL(no_zone, 0);
    CU_ASSERT_EQUAL(sg_shipment_parse_time("2026-12-06T06:00:00.5-05:00",
                                           &ms, &no_zone), 0);
    CU_ASSERT_EQUAL(ms, DUE + 500);
    CU_ASSERT_EQUAL(sg_shipment_parse_time("2026-12-06T11:00:00", &ms,
                                           &no_zone), 0);
    CU_ASSERT_EQUAL(ms, DUE);
    CU_ASSERT_EQUAL(no_zone, 1);
    CU_ASSERT_EQUAL(sg_shipment_parse_time("2026-12-06 11:00", &ms,
                                           &no_zone), -1);
    CU_ASSERT_EQUAL(sg_shipment_parse_time("2026-12-06T11:00:00+0100",
                                           &ms, &no_zone), -1);
}

static void
test_pickup_dispatches_order(void)
{
    struct status s = {"S1", "PO-1", "picked_up", "2026-12-04T12:00:00+01:00",
                       NULL, "Dana", "Hamburg"};
    json_t *o;
    char *text;
    int found;

    make_order("PO-1", NULL);
    CU_ASSERT_EQUAL(track(&s, PICKUP + 5000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("S1", "state"), "picked_up");
    CU_ASSERT_EQUAL(shipment_ll("S1", "picked_up_at"), PICKUP);
    CU_ASSERT_EQUAL(shipment_ll("S1", "delivery_due"), DUE);
    CU_ASSERT_STRING_EQUAL(shipment("S1", "carrier"), "ACMEFREIGHT");
    CU_ASSERT_STRING_EQUAL(shipment("S1", "carrier_name"), "Acme Freight");
    CU_ASSERT_STRING_EQUAL(shipment("S1", "order_known"), "1");
    /* The order's dispatch node is met by the pick-up time. */
    CU_ASSERT_EQUAL(strtoll(order("PO-1", "dispatched_at"), NULL, 10),
                    PICKUP);
    CU_ASSERT_STRING_EQUAL(order("PO-1", "shipment_state"), "picked_up");
    CU_ASSERT_EQUAL(deadline_of("S1"), DUE);
    CU_ASSERT_EQUAL(strtoll(order("PO-1", "delivery_due"), NULL, 10), DUE);
    /* The order sweep now finds the dispatch node met. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 5 * HOUR), 0);
    CU_ASSERT_STRING_EQUAL(order("PO-1", "breach_dispatch"), "");

    text = sg_rules_order_json(c, "PO-1", &found);
    CU_ASSERT_EQUAL_FATAL(found, 1);
    o = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
        json_object_get(o, "shipments"), 0)), "S1");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
        "shipment_state")), "picked_up");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
        json_object_get(o, "deadlines"), "delivery"), "due_ms")), DUE);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(
        json_object_get(o, "deadlines"), "dispatch"), "met_ms")), PICKUP);
    json_decref(o);
}

/* Exactly at the limit is on time, one second after is late; the
 * offsets are what make both instants. */
static void
test_delivery_limit_edges(void)
{
    struct status p1 = {"ON", "PO-2", "picked_up", "2026-12-04T11:00:00Z",
                        NULL, "Dana", NULL};
    struct status d1 = {"ON", "PO-2", "delivered",
                        "2026-12-06T12:00:00+01:00", NULL, "Dana", NULL};
    struct status p2 = {"LATE", NULL, "picked_up", "2026-12-04T06:00:00-05:00",
                        NULL, "Lee", NULL};
    struct status d2 = {"LATE", NULL, "delivered",
                        "2026-12-06T06:00:01-05:00", NULL, "Lee", NULL};

    make_order("PO-2", NULL);
    CU_ASSERT_EQUAL(track(&p1, PICKUP), SG_RULES_OK);
    CU_ASSERT_EQUAL(track(&d1, DUE + 60000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("ON", "state"), "delivered");
    CU_ASSERT_STRING_EQUAL(shipment("ON", "on_time"), "1");
    CU_ASSERT_EQUAL(shipment_ll("ON", "delivered_at"), DUE);
    CU_ASSERT_EQUAL(events_of("delivery_late", "ON"), 0);
    CU_ASSERT_EQUAL(strtoll(order("PO-2", "delivered_at"), NULL, 10), DUE);
    CU_ASSERT_EQUAL(deadline_of("ON"), -1);
    CU_ASSERT_STRING_EQUAL(order("PO-2", "breach_delivery"), "");

    CU_ASSERT_EQUAL(track(&p2, PICKUP), SG_RULES_OK);
    CU_ASSERT_EQUAL(shipment_ll("LATE", "delivery_due"), DUE);
    CU_ASSERT_EQUAL(track(&d2, DUE + 60000), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("LATE", "on_time"), "0");
    CU_ASSERT_STRING_EQUAL(shipment("LATE", "breach_delivery"), "1");
    CU_ASSERT_EQUAL(events_of("delivery_late", "LATE"), 1);

    /* Both count for the carrier, found by its SCAC alias. */
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "deliveries"), 2);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "on_time"), 1);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "late"), 1);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "intact"), 2);
    /* Late deliveries are judged once: the sweep raises nothing more. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, DUE + 10 * HOUR), 0);
}

static void
test_out_of_order(void)
{
    struct status pick = {"OOO", NULL, "picked_up", "2026-12-04T11:00:00Z",
                          NULL, NULL, NULL};
    struct status late_news = {"OOO", NULL, "in_transit",
                               "2026-12-05T08:00:00Z", NULL, NULL, "Kassel"};
    struct status del = {"OOO", NULL, "delivered", "2026-12-05T12:00:00Z",
                         NULL, NULL, "Berlin"};
    struct status delay = {"OOO", NULL, "delayed", "2026-12-05T09:00:00Z",
                           NULL, NULL, NULL};
    json_t *j, *tl;

    CU_ASSERT_EQUAL(track(&pick, PICKUP), SG_RULES_OK);
    CU_ASSERT_EQUAL(track(&del, PICKUP + HOUR), SG_RULES_OK);
    /* Older news after the delivery: on the timeline, state kept. */
    CU_ASSERT_EQUAL(track(&late_news, PICKUP + 2 * HOUR), SG_RULES_OK);
    CU_ASSERT_EQUAL(track(&delay, PICKUP + 3 * HOUR), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("OOO", "state"), "delivered");
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "deliveries"), 1);

    j = shipment_json("OOO");
    tl = json_object_get(j, "timeline");
    CU_ASSERT_EQUAL_FATAL(json_array_size(tl), 4);
    /* Oldest event first, whatever the arrival order. */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(tl, 0), "status")), "picked_up");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(tl, 1), "status")), "in_transit");
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_array_get(tl, 1),
                                                "out_of_order")));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(tl, 1), "location")), "Kassel");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(tl, 2), "status")), "delayed");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_array_get(tl, 3), "status")), "delivered");
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_array_get(tl, 3),
                                                 "out_of_order")));
    json_decref(j);
}

/* delayed keeps the rank; later progress of the same rank resumes, an
 * older one does not. */
static void
test_delay_and_resume(void)
{
    struct status s = {"DLY", NULL, "in_transit", "2026-12-04T12:00:00Z",
                       NULL, NULL, NULL};

    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    s.status = "delayed";
    s.time = "2026-12-04T14:00:00Z";
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("DLY", "state"), "delayed");
    CU_ASSERT_EQUAL(events_of("shipment_delayed", "DLY"), 1);
    s.status = "in_transit";
    s.time = "2026-12-04T13:00:00Z";
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("DLY", "state"), "delayed");
    s.time = "2026-12-04T15:00:00Z";
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("DLY", "state"), "in_transit");
    s.status = "exception";
    s.time = "2026-12-04T16:00:00Z";
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("DLY", "state"), "exception");
    CU_ASSERT_EQUAL(events_of("shipment_exception", "DLY"), 1);
    /* An in_transit first: the pick-up is implied at that time. */
    CU_ASSERT_EQUAL(shipment_ll("DLY", "delivery_due"),
                    PICKUP + HOUR + 48 * HOUR);
}

static void
test_missing_optional_fields(void)
{
    struct status s = {"BARE", NULL, "in_transit", "2026-12-04T12:00:00",
                       NULL, NULL, NULL};
    json_t *j, *ev;

    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("BARE", "order"), "");
    CU_ASSERT_STRING_EQUAL(shipment("BARE", "order_known"), "0");
    CU_ASSERT_STRING_EQUAL(shipment("BARE", "driver"), "");
    CU_ASSERT_EQUAL(events_of("order_unknown", "BARE"), 1);
    j = shipment_json("BARE");
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "order")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(j, "order_known")));
    ev = json_array_get(json_object_get(j, "timeline"), 0);
    /* No offset sent: taken as UTC, and said so. */
    CU_ASSERT_TRUE(json_is_true(json_object_get(ev, "zone_assumed")));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "at_ms")),
                    PICKUP + HOUR);
    CU_ASSERT_TRUE(json_is_null(json_object_get(ev, "location")));
    CU_ASSERT_TRUE(json_is_null(json_object_get(ev, "reason")));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ev, "time")),
                           "2026-12-04T12:00:00");
    json_decref(j);
}

static void
test_unknown_order_recorded(void)
{
    struct status s = {"NOPE-S", "NOPE", "picked_up", "2026-12-04T11:00:00Z",
                       NULL, NULL, NULL};
    json_t *j;

    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("NOPE-S", "order"), "NOPE");
    CU_ASSERT_STRING_EQUAL(shipment("NOPE-S", "order_known"), "0");
    CU_ASSERT_EQUAL(events_of("order_unknown", "NOPE-S"), 1);
    /* No order hash is invented. */
    CU_ASSERT_EQUAL(cmd_int("EXISTS " SG_KEY_ORDER "NOPE"), 0);
    j = shipment_json("NOPE-S");
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_array_get(
        json_object_get(j, "timeline"), 0), "order_known")));
    json_decref(j);
}

static void
test_redelivery_changes_nothing(void)
{
    struct status s = {"RE", NULL, "delivered", "2026-12-04T12:00:00Z",
                       NULL, "Dana", NULL};
    struct entry x;
    long long events;

    CU_ASSERT_EQUAL(track_keep(&x, &s, PICKUP), SG_RULES_OK);
    events = cmd_int("XLEN %s", SG_KEY_EVENTS);
    CU_ASSERT_EQUAL(apply_entry(&x, PICKUP + 1000), SG_RULES_OK);
    /* Even once the 30-day marker has expired. */
    freeReplyObject(cmd("DEL " SG_KEY_APPLIED "%s:%s", TRACKING, x.id));
    CU_ASSERT_EQUAL(apply_entry(&x, PICKUP + 2000), SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), events);
    CU_ASSERT_EQUAL(cmd_int("ZCARD " SG_KEY_SHIPMENT "RE:timeline"), 1);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "deliveries"), 1);
    CU_ASSERT_STRING_EQUAL(field(SG_KEY_CARRIER "ACMEFREIGHT:driver:Dana",
                                 "deliveries"), "1");
    /* Acknowledged every time. */
    CU_ASSERT_EQUAL(cmd_int("XACK %s %s %s", TRACKING, SG_GROUP, x.id), 0);
    free(x.xml);
}

static void
test_damage_counts_against_carrier(void)
{
    struct status hurt = {"DMG", NULL, "delivered", "2026-12-04T12:00:00Z",
                          "damaged", "Dana", NULL};
    struct status ok = {"OK", NULL, "delivered", "2026-12-04T12:00:00Z",
                        NULL, "Dana", NULL};
    /* No driver named: the shipment's driver is meant. */
    struct status later = {"OK", NULL, "exception", "2026-12-04T18:00:00Z",
                           "damaged", NULL, NULL};
    json_t *j, *dr;
    char *text;
    int found;

    CU_ASSERT_EQUAL(track(&hurt, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("DMG", "condition"), "damaged");
    CU_ASSERT_EQUAL(events_of("goods_damaged", "DMG"), 1);
    CU_ASSERT_EQUAL(track(&ok, PICKUP), SG_RULES_OK);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "intact"), 1);
    /* Damage reported after the delivery still counts against it. */
    CU_ASSERT_EQUAL(track(&later, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("OK", "state"), "delivered");
    CU_ASSERT_STRING_EQUAL(shipment("OK", "condition"), "damaged");
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "deliveries"), 2);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "intact"), 0);
    CU_ASSERT_EQUAL(carrier_ll("ACMEFREIGHT", "damaged"), 2);

    text = sg_carrier_json(c, "ACMEFREIGHT", &found);
    CU_ASSERT_EQUAL_FATAL(found, 1);
    j = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "deliveries")), 2);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j,
                           "on_time_rate")), 1.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j,
                           "intact_rate")), 0.0, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "name")),
                           "Acme Freight");
    dr = json_object_get(json_object_get(j, "drivers"), "Dana");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dr, "deliveries")),
                    2);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(dr, "intact")), 0);
    json_decref(j);
    CU_ASSERT_PTR_NULL(sg_carrier_json(c, "NOBODY", &found));
    CU_ASSERT_EQUAL(found, 0);
}

/* A promised date: due at the very end of that day (UTC). */
static void
test_promised_date(void)
{
    struct status s = {"PROM", "PO-3", "picked_up", "2026-12-04T11:00:00Z",
                       NULL, NULL, NULL};
    long long day;

    make_order("PO-3", "2026-12-05");
    sg_parse_date("2026-12-06", &day);
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_EQUAL(shipment_ll("PROM", "delivery_due"), day * 1000 - 1);
    CU_ASSERT_STRING_EQUAL(shipment("PROM", "promised"), "1");
    s.status = "delivered";
    s.time = "2026-12-05T23:59:59.999Z";
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("PROM", "on_time"), "1");
}

static void
test_sweep_delivery_breach(void)
{
    struct status s = {"SW", "PO-4", "picked_up", "2026-12-04T11:00:00Z",
                       NULL, NULL, NULL};
    json_t *j, *b;

    make_order("PO-4", NULL);
    CU_ASSERT_EQUAL(track(&s, PICKUP), SG_RULES_OK);
    /* Due this very millisecond: not yet missed. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, DUE), 0);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, DUE + 1), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, DUE + 2), 0);
    CU_ASSERT_STRING_EQUAL(shipment("SW", "breach_delivery"), "1");
    CU_ASSERT_STRING_EQUAL(order("PO-4", "breach_delivery"), "1");
    CU_ASSERT_EQUAL(events_of("sla_breach", "SW"), 1);
    j = shipment_json("SW");
    b = json_array_get(json_object_get(j, "breaches"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(b, "node")),
                           "delivery");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(b, "due_ms")), DUE);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(b, "raised_ms")),
                    DUE + 1);
    json_decref(j);
    /* Delivered later still counts as late, without a second breach. */
    s.status = "delivered";
    s.time = "2026-12-07T09:00:00Z";
    CU_ASSERT_EQUAL(track(&s, DUE + HOUR), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(shipment("SW", "on_time"), "0");
    CU_ASSERT_EQUAL(events_of("sla_breach", "SW"), 1);
}

/* A pick-up after the order's dispatch deadline: the apply raises it. */
static void
test_dispatch_late(void)
{
    struct status s = {"DL", "PO-5", "picked_up", "2026-12-04T15:00:02Z",
                       NULL, NULL, NULL};

    make_order("PO-5", NULL);
    CU_ASSERT_EQUAL(track(&s, T + 5 * HOUR), SG_RULES_OK);
    CU_ASSERT_STRING_EQUAL(order("PO-5", "breach_dispatch"), "1");
    CU_ASSERT_EQUAL(events_of("sla_breach", "DL"), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 6 * HOUR), 0);
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
    s = CU_add_suite_with_setup_and_teardown("shipments", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "event times and offsets", test_time_parse);
    CU_add_test(s, "pick-up dispatches the order",
                test_pickup_dispatches_order);
    CU_add_test(s, "delivery limit: exact is on time, +1 s late",
                test_delivery_limit_edges);
    CU_add_test(s, "out of order: timeline yes, state no",
                test_out_of_order);
    CU_add_test(s, "delay, resume, exception", test_delay_and_resume);
    CU_add_test(s, "missing optional fields", test_missing_optional_fields);
    CU_add_test(s, "unknown order recorded", test_unknown_order_recorded);
    CU_add_test(s, "redelivery changes nothing",
                test_redelivery_changes_nothing);
    CU_add_test(s, "damage counts against the carrier",
                test_damage_counts_against_carrier);
    CU_add_test(s, "promised date", test_promised_date);
    CU_add_test(s, "sweep: delivery breach once", test_sweep_delivery_breach);
    CU_add_test(s, "pick-up after the dispatch deadline",
                test_dispatch_late);
    rc = sg_test_run();

    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    sg_xml_cleanup();
    return rc;
}
