/*
 * test_rules_feedback.c - the after-sales rules against a real
 * redis-server: first-response deadlines to the millisecond, escalation
 * levels raised once, created times in any zone, lot / order / unknown
 * supplier links, idempotent redelivery and updates out of order.
 *
 * Tickets are created at T = 2026-12-04T10:00:00Z (written in several
 * zones) and applied a minute later unless a test says otherwise.
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

#define STREAM      SG_KEY_STREAM "feedback"
#define SECOND      1000LL
#define MINUTE      60000LL
#define HOUR        3600000LL
#define DAY_MS      86400000LL

static struct sg_test_redis redis;
static redisContext *c;
static struct sg_config cfg;
static struct sg_rules *rules;
static long long T;
static int seq;

/* --- configuration: the shipped limits, low without a second level -- */

static void
setup_config(void)
{
    static const struct sg_feedback_severity limits[] = {
        {"critical", 3600, 3600},
        {"high", 4 * 3600, 4 * 3600},
        {"medium", 86400, 86400},
        {"low", 3 * 86400, 0}
    };
    long long day;

    sg_parse_date("2026-12-04", &day);
    T = (day + 10 * 3600) * 1000LL;
    memset(&cfg, 0, sizeof(cfg));
    cfg.processing_limit = 2 * 3600;
    cfg.dispatch_limit = 4 * 3600;
    memcpy(cfg.feedback, limits, sizeof(limits));
    cfg.follow_up_after = 7 * 86400;
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

/* A field of the ticket hash, "" when absent (four static slots). */
static const char *
tf(const char *ticket, const char *name)
{
    static char out[4][1024];
    static int slot;
    redisReply *r = cmd("HGET " SG_KEY_TICKET "%s %s", ticket, name);
    char *o = out[slot++ % 4];

    snprintf(o, sizeof(out[0]), "%s",
             r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return o;
}

static long long
tf_ll(const char *ticket, const char *name)
{
    return strtoll(tf(ticket, name), NULL, 10);
}

static long long
deadline(const char *ticket, const char *node)
{
    redisReply *r = cmd("ZSCORE %s %s|%s", SG_KEY_FEEDBACK_DEADLINES,
                        ticket, node);
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10)
                                                : -1;

    freeReplyObject(r);
    return v;
}

/* The event types of one ticket in order, joined by spaces. */
static const char *
events(const char *ticket)
{
    static char out[2048];
    redisReply *r = cmd("XRANGE %s - +", SG_KEY_EVENTS);
    size_t i, j;

    out[0] = '\0';
    for (i = 0; i < r->elements; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *type = NULL, *id = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            if (strcmp(kv->element[j]->str, "type") == 0) {
                type = kv->element[j + 1]->str;
            } else if (strcmp(kv->element[j]->str, "ticket") == 0) {
                id = kv->element[j + 1]->str;
            }
        }
        if (type != NULL && id != NULL && strcmp(id, ticket) == 0) {
            if (out[0] != '\0') {
                strcat(out, " ");
            }
            strncat(out, type, sizeof(out) - strlen(out) - 2);
        }
    }
    freeReplyObject(r);
    return out;
}

/* The detail of a ticket's last event of a type; caller decrefs. */
static json_t *
detail(const char *ticket, const char *type)
{
    redisReply *r = cmd("XREVRANGE %s + -", SG_KEY_EVENTS);
    json_t *v = NULL;
    size_t i, j;

    for (i = 0; i < r->elements && v == NULL; i++) {
        const redisReply *kv = r->element[i]->element[1];
        const char *t = NULL, *d = NULL, *id = NULL;

        for (j = 0; j + 1 < kv->elements; j += 2) {
            const char *k = kv->element[j]->str;

            if (strcmp(k, "type") == 0) {
                t = kv->element[j + 1]->str;
            } else if (strcmp(k, "detail") == 0) {
                d = kv->element[j + 1]->str;
            } else if (strcmp(k, "ticket") == 0) {
                id = kv->element[j + 1]->str;
            }
        }
        if (t != NULL && d != NULL && id != NULL && strcmp(t, type) == 0 &&
            strcmp(id, ticket) == 0) {
            v = json_loads(d, 0, NULL);
        }
    }
    freeReplyObject(r);
    return v;
}

static long long
pending(void)
{
    redisReply *r = cmd("XPENDING %s %s", STREAM, SG_GROUP);
    long long n = r->type == REDIS_REPLY_ARRAY && r->elements >= 1
                  ? r->element[0]->integer : -1;

    freeReplyObject(r);
    return n;
}

/* --- documents and entries ------------------------------------------- */

/* A canonical ticket; order, lot, item NULL when not given. */
static char *
ticket_xml(const char *id, const char *category, const char *severity,
           const char *created, const char *order, const char *lot,
           const char *item)
{
    return sg_xasprintf(
        "<feedback xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"json\"/><ticketId>%s</ticketId><ticket>"
        "<customer id=\"CUST-1\"/><channel>email</channel>"
        "<category>%s</category><severity>%s</severity>"
        "%s%s%s%s%s%s%s%s%s"
        "<text>it broke</text><requestedOutcome>refund</requestedOutcome>"
        "<created>%s</created></ticket></feedback>",
        id, category, severity,
        order ? "<orderRef>" : "", order ? order : "",
        order ? "</orderRef>" : "", lot ? "<lotRef>" : "", lot ? lot : "",
        lot ? "</lotRef>" : "", item ? "<item>" : "", item ? item : "",
        item ? "</item>" : "", created);
}

/* A canonical update: kind is firstResponse, resolved or followUp;
 * value the outcome or score. */
static char *
update_xml(const char *id, const char *kind, const char *at,
           const char *value)
{
    const char *el = strcmp(kind, "resolved") == 0 ? "outcome"
                     : "satisfaction";

    return sg_xasprintf(
        "<feedback xmlns=\"urn:supplygate:canonical:1\">"
        "<source format=\"xml\"/><ticketId>%s</ticketId><update><%s>"
        "<at>%s</at>%s%s%s%s%s</%s></update></feedback>",
        id, kind, at, value ? "<" : "", value ? el : "", value ? ">" : "",
        value ? value : "", value ? (strcmp(el, "outcome") == 0
                                     ? "</outcome>" : "</satisfaction>")
                                  : "", kind);
}

struct entry {
    struct sg_entry e;
    char id[64];
    char msg[64];
    char *xml;
};

static void
entry_make(struct entry *x, const char *key, char *xml)
{
    redisReply *r;

    memset(x, 0, sizeof(*x));
    r = redisCommand(c, "XGROUP CREATE %s %s $ MKSTREAM", STREAM, SG_GROUP);
    freeReplyObject(r);
    snprintf(x->msg, sizeof(x->msg), "fm-%d", ++seq);
    r = cmd("XADD %s * msg %s doc 1 type feedback key %s partner %s "
            "received %lld xml %s", STREAM, x->msg, key, "", T, xml);
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
    x->e.type = "feedback";
    x->e.key = key;
    x->e.partner = "";
    x->e.received_ms = T;
    x->e.xml = xml;
    x->e.xml_len = strlen(xml);
}

/* Apply one document (taking xml) at now; asserts it applied. */
static void
apply(const char *key, char *xml, long long now)
{
    struct sg_errors errs;
    struct entry x;

    entry_make(&x, key, xml);
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, now, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(errs.n, 0);
    if (errs.n > 0) {
        fprintf(stderr, "%s: %s\n", errs.items[0].code,
                errs.items[0].text);
    }
    sg_errors_free(&errs);
    free(x.xml);
}

static void
ticket(const char *id, const char *severity, const char *created)
{
    apply(id, ticket_xml(id, "service", severity, created, NULL, NULL,
                         NULL), T + MINUTE);
}

static void
update(const char *id, const char *kind, const char *at, const char *v)
{
    apply(id, update_xml(id, kind, at, v), T + 2 * MINUTE);
}

static void
setup_test(void)
{
    freeReplyObject(cmd("FLUSHALL"));
}

/* --- tests ----------------------------------------------------------- */

static void
test_ticket_received(void)
{
    ticket("TK-1", "high", "2026-12-04T10:00:00Z");
    CU_ASSERT_STRING_EQUAL(tf("TK-1", "state"), "open");
    CU_ASSERT_STRING_EQUAL(tf("TK-1", "severity"), "high");
    CU_ASSERT_STRING_EQUAL(tf("TK-1", "customer"), "CUST-1");
    CU_ASSERT_EQUAL(tf_ll("TK-1", "created"), T);
    CU_ASSERT_EQUAL(tf_ll("TK-1", "first_response_due"), T + 4 * HOUR);
    CU_ASSERT_EQUAL(tf_ll("TK-1", "second_level_due"), T + 8 * HOUR);
    CU_ASSERT_EQUAL(deadline("TK-1", "first_response"), T + 4 * HOUR);
    CU_ASSERT_EQUAL(deadline("TK-1", "second_level"), T + 8 * HOUR);
    CU_ASSERT_STRING_EQUAL(events("TK-1"), "ticket_received");
    CU_ASSERT_EQUAL(pending(), 0);
}

static void
test_time_zones(void)
{
    /* The same instant, written in three zones. */
    ticket("TZ-1", "critical", "2026-12-04T11:00:00+01:00");
    ticket("TZ-2", "critical", "2026-12-04T05:00:00-05:00");
    ticket("TZ-3", "critical", "2026-12-04T15:30:00.250+05:30");
    CU_ASSERT_EQUAL(tf_ll("TZ-1", "created"), T);
    CU_ASSERT_EQUAL(tf_ll("TZ-2", "created"), T);
    CU_ASSERT_EQUAL(tf_ll("TZ-3", "created"), T + 250);
    CU_ASSERT_EQUAL(tf_ll("TZ-2", "first_response_due"), T + HOUR);
    CU_ASSERT_STRING_EQUAL(tf("TZ-2", "created_text"),
                           "2026-12-04T05:00:00-05:00");
}

static void
test_severities(void)
{
    ticket("SV-C", "critical", "2026-12-04T10:00:00Z");
    ticket("SV-H", "high", "2026-12-04T10:00:00Z");
    ticket("SV-M", "medium", "2026-12-04T10:00:00Z");
    ticket("SV-L", "low", "2026-12-04T10:00:00Z");
    CU_ASSERT_EQUAL(deadline("SV-C", "first_response"), T + HOUR);
    CU_ASSERT_EQUAL(deadline("SV-H", "first_response"), T + 4 * HOUR);
    CU_ASSERT_EQUAL(deadline("SV-M", "first_response"), T + DAY_MS);
    CU_ASSERT_EQUAL(deadline("SV-L", "first_response"), T + 3 * DAY_MS);
    CU_ASSERT_EQUAL(deadline("SV-C", "second_level"), T + 2 * HOUR);
    /* escalate_again = 0: no second level at all. */
    CU_ASSERT_EQUAL(deadline("SV-L", "second_level"), -1);
    CU_ASSERT_STRING_EQUAL(tf("SV-L", "second_level_due"), "");
}

static void
test_response_at_limit_met(void)
{
    ticket("AT-1", "critical", "2026-12-04T10:00:00Z");
    update("AT-1", "firstResponse", "2026-12-04T11:00:00Z", NULL);
    CU_ASSERT_STRING_EQUAL(tf("AT-1", "state"), "responded");
    CU_ASSERT_STRING_EQUAL(tf("AT-1", "first_response_met"), "1");
    CU_ASSERT_EQUAL(tf_ll("AT-1", "first_response_at"), T + HOUR);
    CU_ASSERT_STRING_EQUAL(events("AT-1"),
                           "ticket_received first_response "
                           "first_response_met");
    /* Long after: nothing to escalate. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 5 * HOUR), 0);
    CU_ASSERT_STRING_EQUAL(tf("AT-1", "escalated_1"), "");
}

/* Resolved without a first answer: the resolution was the answer, and
 * it came late.  An answer dated before the ticket is not taken. */
static void
test_resolution_answers(void)
{
    ticket("RA-1", "critical", "2026-12-04T10:00:00Z");
    update("RA-1", "resolved", "2026-12-04T12:00:00Z", "refund");
    CU_ASSERT_STRING_EQUAL(tf("RA-1", "state"), "resolved");
    CU_ASSERT_EQUAL(tf_ll("RA-1", "first_response_at"), T + 2 * HOUR);
    CU_ASSERT_STRING_EQUAL(tf("RA-1", "first_response_by"), "resolution");
    CU_ASSERT_STRING_EQUAL(tf("RA-1", "first_response_met"), "0");

    ticket("RA-2", "critical", "2026-12-04T10:00:00Z");
    update("RA-2", "firstResponse", "2026-12-04T09:00:00Z", NULL);
    CU_ASSERT_STRING_EQUAL(tf("RA-2", "state"), "open");
    CU_ASSERT_STRING_EQUAL(tf("RA-2", "first_response_at"), "");
    CU_ASSERT_PTR_NOT_NULL(strstr(events("RA-2"), "update_ignored"));
}

static void
test_response_one_second_late(void)
{
    json_t *d;

    ticket("LT-1", "critical", "2026-12-04T10:00:00Z");
    update("LT-1", "firstResponse", "2026-12-04T11:00:01Z", NULL);
    CU_ASSERT_STRING_EQUAL(tf("LT-1", "first_response_met"), "0");
    d = detail("LT-1", "first_response_late");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "late_ms")),
                    1000);
    json_decref(d);
}

static void
test_sweep_escalates_once(void)
{
    json_t *d;

    ticket("ES-1", "critical", "2026-12-04T10:00:00Z");
    /* At the due millisecond the limit is not yet missed. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + HOUR), 0);
    CU_ASSERT_STRING_EQUAL(tf("ES-1", "escalated_1"), "");
    /* One second later it is. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + HOUR + SECOND), 1);
    CU_ASSERT_EQUAL(tf_ll("ES-1", "escalated_1"), T + HOUR + SECOND);
    d = detail("ES-1", "escalation");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "level")), 1);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "late_ms")),
                    1000);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "severity")), "critical");
    json_decref(d);
    /* Raised once, however often the sweep runs. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + HOUR + 2 * SECOND), 0);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 2 * HOUR), 0);
    CU_ASSERT_STRING_EQUAL(events("ES-1"), "ticket_received escalation");
    /* Still unanswered escalate_again later: level 2, once. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 2 * HOUR + 1), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 3 * HOUR), 0);
    d = detail("ES-1", "escalation");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "level")), 2);
    json_decref(d);
    CU_ASSERT_STRING_EQUAL(events("ES-1"), "ticket_received escalation "
                           "escalation");
}

static void
test_answered_after_first_level(void)
{
    ticket("ES-2", "high", "2026-12-04T10:00:00Z");
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 5 * HOUR), 1);
    update("ES-2", "firstResponse", "2026-12-04T15:00:00Z", NULL);
    CU_ASSERT_STRING_EQUAL(tf("ES-2", "first_response_met"), "0");
    /* Answered: the second level is not raised. */
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + 9 * HOUR), 0);
    CU_ASSERT_STRING_EQUAL(tf("ES-2", "escalated_2"), "");
}

static void
test_missing_optional_fields(void)
{
    ticket("OP-1", "medium", "2026-12-04T10:00:00Z");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "order"), "");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "lot"), "");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "item"), "");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "customer_name"), "");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "linked_via"), "none");
    CU_ASSERT_STRING_EQUAL(tf("OP-1", "supplier_known"), "0");
    CU_ASSERT_STRING_EQUAL(events("OP-1"), "ticket_received");
}

/* GET /v1/complaints/<supplier> as the API would answer it. */
static void
expect_complaints(const char *supplier, const char *want)
{
    int found = 0;
    char *text = sg_area_feedback.routes[1].json(c, supplier, &found);

    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, want);
    free(text);
}

static void
test_lot_known(void)
{
    json_t *d;

    freeReplyObject(cmd("HSET " SG_KEY_LOT "LOT-7 item ITEM-600 supplier "
                        "ACME order PO-EX-5001 asn ASN-1 warehouse WH1 "
                        "quantity 31"));
    apply("QL-1", ticket_xml("QL-1", "quality", "high",
                             "2026-12-04T10:00:00Z", NULL, "LOT-7", NULL),
          T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("QL-1", "supplier"), "ACME");
    CU_ASSERT_STRING_EQUAL(tf("QL-1", "linked_via"), "lot");
    CU_ASSERT_STRING_EQUAL(tf("QL-1", "lot_known"), "1");
    /* What the ticket left out, the lot tells. */
    CU_ASSERT_STRING_EQUAL(tf("QL-1", "item"), "ITEM-600");
    CU_ASSERT_STRING_EQUAL(tf("QL-1", "order"), "PO-EX-5001");
    CU_ASSERT_EQUAL(cmd_int("SISMEMBER " SG_KEY_LOT "LOT-7:complaints "
                            "QL-1"), 1);
    CU_ASSERT_EQUAL(cmd_int("SISMEMBER " SG_KEY_SUPPLIER_COMPLAINTS
                            "ACME QL-1"), 1);
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " ACME 0"),
                    1);
    d = detail("QL-1", "complaint_linked");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d,
                           "supplier")), "ACME");
    CU_ASSERT_TRUE(json_is_true(json_object_get(d, "lot_known")));
    json_decref(d);
    /* A second complaint about the same lot: the lot finds both. */
    apply("QL-2", ticket_xml("QL-2", "quality", "low",
                             "2026-12-04T10:00:00Z", NULL, "LOT-7",
                             "ITEM-600"), T + MINUTE);
    CU_ASSERT_EQUAL(cmd_int("SCARD " SG_KEY_LOT "LOT-7:complaints"), 2);
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " ACME 0"),
                    2);
    expect_complaints("ACME", "{\"supplier\":\"ACME\",\"complaints\":2,"
                      "\"tickets\":[\"QL-1\",\"QL-2\"]}");
    expect_complaints("NOBODY", "{\"supplier\":\"NOBODY\","
                      "\"complaints\":0,\"tickets\":[]}");
}

static void
test_lot_unknown(void)
{
    json_t *d;

    apply("QU-1", ticket_xml("QU-1", "quality", "high",
                             "2026-12-04T10:00:00Z", NULL, "LOT-NONE",
                             NULL), T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("QU-1", "lot"), "LOT-NONE");
    CU_ASSERT_STRING_EQUAL(tf("QU-1", "lot_known"), "0");
    CU_ASSERT_STRING_EQUAL(tf("QU-1", "supplier_known"), "0");
    CU_ASSERT_STRING_EQUAL(tf("QU-1", "supplier"), "");
    CU_ASSERT_EQUAL(cmd_int("SISMEMBER " SG_KEY_LOT "LOT-NONE:complaints "
                            "QU-1"), 1);
    CU_ASSERT_EQUAL(cmd_int("HLEN " SG_KEY_COMPLAINT_COUNTS), 0);
    d = detail("QU-1", "complaint_linked");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_TRUE(json_is_null(json_object_get(d, "supplier")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(d, "supplier_known")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(d, "lot_known")));
    json_decref(d);
}

static void
test_order_only(void)
{
    freeReplyObject(cmd("HSET " SG_KEY_ORDER "PO-9 supplier RAW state "
                        "processed"));
    apply("QO-1", ticket_xml("QO-1", "quality", "medium",
                             "2026-12-04T10:00:00Z", "PO-9", NULL, NULL),
          T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("QO-1", "supplier"), "RAW");
    CU_ASSERT_STRING_EQUAL(tf("QO-1", "linked_via"), "order");
    CU_ASSERT_STRING_EQUAL(tf("QO-1", "lot_known"), "");
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " RAW 0"),
                    1);
    /* An unknown lot with a known order: the order's supplier. */
    apply("QO-2", ticket_xml("QO-2", "quality", "medium",
                             "2026-12-04T10:00:00Z", "PO-9", "LOT-X",
                             NULL), T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("QO-2", "supplier"), "RAW");
    CU_ASSERT_STRING_EQUAL(tf("QO-2", "lot_known"), "0");
    /* A delivery complaint about the same order counts against no one. */
    apply("QO-3", ticket_xml("QO-3", "delivery", "medium",
                             "2026-12-04T10:00:00Z", "PO-9", NULL, NULL),
          T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("QO-3", "linked_via"), "none");
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " RAW 0"),
                    2);
}

static void
test_redelivery(void)
{
    struct sg_errors errs;
    struct entry x;
    long long n_events;

    freeReplyObject(cmd("HSET " SG_KEY_LOT "LOT-R item I supplier ACME"));
    entry_make(&x, "RD-1", ticket_xml("RD-1", "quality", "high",
                                      "2026-12-04T10:00:00Z", NULL,
                                      "LOT-R", NULL));
    sg_errors_init(&errs, 0);
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T, &errs), SG_RULES_OK);
    n_events = cmd_int("XLEN %s", SG_KEY_EVENTS);
    /* The same entry again, as after a worker crash before its ack. */
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 5, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), n_events);
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " ACME 0"),
                    1);
    CU_ASSERT_EQUAL(cmd_int("LLEN " SG_KEY_TICKET "RD-1:history"), 2);
    /* Even once the applied-marker has expired. */
    freeReplyObject(cmd("DEL " SG_KEY_APPLIED "%s:%s", STREAM, x.id));
    CU_ASSERT_EQUAL(sg_rules_apply(rules, c, &x.e, T + 9, &errs),
                    SG_RULES_OK);
    CU_ASSERT_EQUAL(cmd_int("XLEN %s", SG_KEY_EVENTS), n_events);
    CU_ASSERT_EQUAL(errs.n, 0);
    CU_ASSERT_EQUAL(pending(), 0);
    sg_errors_free(&errs);
    free(x.xml);

    /* A different message with the same ticket id is kept apart. */
    apply("RD-1", ticket_xml("RD-1", "quality", "critical",
                             "2026-12-04T10:00:00Z", NULL, "LOT-R", NULL),
          T + MINUTE);
    CU_ASSERT_STRING_EQUAL(tf("RD-1", "severity"), "high");
    CU_ASSERT_STRING_EQUAL(events("RD-1"), "ticket_received "
                           "complaint_linked duplicate_ticket");
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_COMPLAINT_COUNTS " ACME 0"),
                    1);
}

static void
test_out_of_order(void)
{
    json_t *d;

    ticket("OO-1", "high", "2026-12-04T10:00:00Z");
    /* The resolution overtakes the first answer. */
    update("OO-1", "resolved", "2026-12-04T12:00:00Z", "exchange");
    CU_ASSERT_STRING_EQUAL(tf("OO-1", "state"), "resolved");
    update("OO-1", "firstResponse", "2026-12-04T10:30:00Z", NULL);
    CU_ASSERT_STRING_EQUAL(tf("OO-1", "state"), "resolved");
    CU_ASSERT_STRING_EQUAL(tf("OO-1", "first_response_met"), "1");
    d = detail("OO-1", "first_response");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_TRUE(json_is_false(json_object_get(d, "state_advanced")));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "state")),
                           "resolved");
    json_decref(d);
    /* The follow-up closes it; a late resolution does not reopen it. */
    update("OO-2", "followUp", "2026-12-10T09:00:00Z", "4");
    update("OO-2", "resolved", "2026-12-04T12:00:00Z", "repair");
    CU_ASSERT_STRING_EQUAL(tf("OO-2", "state"), "closed");
    CU_ASSERT_STRING_EQUAL(tf("OO-2", "outcome"), "repair");
    /* The ticket itself, last of all, keeps the state too. */
    ticket("OO-2", "low", "2026-12-04T10:00:00Z");
    CU_ASSERT_STRING_EQUAL(tf("OO-2", "state"), "closed");
    CU_ASSERT_STRING_EQUAL(tf("OO-2", "severity"), "low");
    /* A second resolution is ignored: the first stands. */
    update("OO-1", "resolved", "2026-12-04T13:00:00Z", "refund");
    CU_ASSERT_STRING_EQUAL(tf("OO-1", "outcome"), "exchange");
    d = detail("OO-1", "update_ignored");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "kind")),
                           "resolved");
    json_decref(d);
}

static void
test_follow_up(void)
{
    long long resolved = T + 3 * HOUR, due = resolved + 7 * DAY_MS;

    ticket("FU-1", "medium", "2026-12-04T10:00:00Z");
    update("FU-1", "firstResponse", "2026-12-04T10:10:00Z", NULL);
    update("FU-1", "resolved", "2026-12-04T13:00:00Z", "refund");
    CU_ASSERT_STRING_EQUAL(tf("FU-1", "outcome"), "refund");
    CU_ASSERT_EQUAL(tf_ll("FU-1", "follow_up_due"), due);
    CU_ASSERT_EQUAL(deadline("FU-1", "follow_up"), due);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due), 0);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due + 1), 1);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, due + 2), 0);
    CU_ASSERT_STRING_EQUAL(events("FU-1"), "ticket_received "
                           "first_response first_response_met "
                           "ticket_resolved follow_up_due");
    update("FU-1", "followUp", "2026-12-12T09:00:00+01:00", "2");
    ticket("FU-2", "medium", "2026-12-04T10:00:00Z");
    update("FU-2", "followUp", "2026-12-12T09:00:00Z", "5");
    CU_ASSERT_STRING_EQUAL(tf("FU-1", "state"), "closed");
    CU_ASSERT_STRING_EQUAL(tf("FU-1", "satisfaction"), "2");
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_SATISFACTION " count 0"), 2);
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_SATISFACTION " sum 0"), 7);
    CU_ASSERT_EQUAL(cmd_int("HINCRBY " SG_KEY_SATISFACTION " score_5 0"),
                    1);
}

static void
test_ticket_json(void)
{
    const struct sg_area_route *rt = &sg_area_feedback.routes[0];
    json_t *o, *fr;
    char *text;
    int found;

    freeReplyObject(cmd("HSET " SG_KEY_LOT "LOT-J item I supplier ACME"));
    apply("JS-1", ticket_xml("JS-1", "quality", "critical",
                             "2026-12-04T11:00:00+01:00", "PO-1", "LOT-J",
                             NULL), T + MINUTE);
    CU_ASSERT_EQUAL(sg_rules_sweep(rules, c, T + HOUR + SECOND), 1);
    update("JS-1", "firstResponse", "2026-12-04T11:30:00Z", NULL);
    text = rt->json(c, "JS-1", &found);
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    o = json_loads(text, 0, NULL);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "state")),
                           "responded");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o,
                           "created")), "2026-12-04T11:00:00+01:00");
    fr = json_object_get(o, "first_response");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(fr, "due_ms")),
                    T + HOUR);
    CU_ASSERT_TRUE(json_is_false(json_object_get(fr, "met")));
    CU_ASSERT_TRUE(json_is_true(json_object_get(fr, "breached")));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(o, "escalations")), 1);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_object_get(o, "link"), "supplier")), "ACME");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
        json_object_get(o, "link"), "via")), "lot");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(o, "history")), 5);
    json_decref(o);
    CU_ASSERT_PTR_NULL(rt->json(c, "NOPE", &found));
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
    s = CU_add_suite_with_setup_and_teardown("rules_feedback", NULL, NULL,
                                             setup_test, NULL);
    CU_add_test(s, "ticket received", test_ticket_received);
    CU_add_test(s, "created times in any zone", test_time_zones);
    CU_add_test(s, "limits by severity", test_severities);
    CU_add_test(s, "a resolution answers; no answer before the ticket",
                test_resolution_answers);
    CU_add_test(s, "answer exactly at the limit is met",
                test_response_at_limit_met);
    CU_add_test(s, "answer one second late", test_response_one_second_late);
    CU_add_test(s, "sweep escalates once per level",
                test_sweep_escalates_once);
    CU_add_test(s, "answered after the first level",
                test_answered_after_first_level);
    CU_add_test(s, "missing optional fields", test_missing_optional_fields);
    CU_add_test(s, "lot known", test_lot_known);
    CU_add_test(s, "lot unknown", test_lot_unknown);
    CU_add_test(s, "order only", test_order_only);
    CU_add_test(s, "redelivery changes nothing", test_redelivery);
    CU_add_test(s, "updates out of order", test_out_of_order);
    CU_add_test(s, "follow-up due and scores", test_follow_up);
    CU_add_test(s, "ticket as JSON", test_ticket_json);
    rc = sg_test_run();

    sg_rules_free(rules);
    redisFree(c);
    sg_test_redis_stop(&redis);
    sg_xml_cleanup();
    return rc;
}
