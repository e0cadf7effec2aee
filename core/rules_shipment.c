/*
 * rules_shipment.c - the delivery rules for canonical tracking events
 * (schemas/tracking.xsd) and the delivery deadline sweep; the read API
 * of shipments and carriers is rules_shipment_json.c.
 *
 * A worker hands over one stream entry: one status of one shipment.  C
 * reads the document and works out what does not depend on state (the
 * event's instant from its time and offset, the carrier in the
 * registry, the order's promised date); everything that does - moving
 * the shipment, closing the order's dispatch and delivery nodes,
 * counting the delivery for the carrier and its driver, the events -
 * is decided and committed by one Lua script together with the XACK, so
 * two workers holding two statuses of one shipment cannot interleave,
 * and a redelivered entry changes nothing.
 *
 * Rules, as decided in the script:
 * - Progress statuses have a rank: at_pickup 1, picked_up 2,
 *   in_transit 3, out_for_delivery 4, arrived 5, delivered 6.  A status
 *   of higher rank moves the shipment; one of the same rank moves it
 *   when it is not older than the status that set the state (so
 *   in_transit after a delay resumes); a lower rank never does.
 *   delayed and exception keep the rank and move when not older.
 *   estimated moves nothing.  Nothing moves a delivered shipment.  A
 *   status that did not move the state still goes on the timeline,
 *   marked out_of_order.
 * - The first status of rank >= 2 is the pick-up: it sets the order's
 *   dispatched_at (closing its dispatch node; a pick-up after the
 *   dispatch deadline raises that node's sla_breach if the sweep has
 *   not) and opens the delivery node: due at the end (23:59:59.999 UTC)
 *   of the order's requestedDelivery day when it has one, else pick-up
 *   + delivery_limit.  An older pick-up arriving later moves both back.
 * - delivered at or before due is on time; one millisecond later is
 *   late (event delivery_late, a breach of the delivery node).  Damage
 *   (condition damaged, or X12 A9) is an event goods_damaged and makes
 *   the delivery count as not intact, also when reported after it.
 * - A status naming an order the gateway does not know is recorded on
 *   the shipment with order_known 0 and an order_unknown event.  A
 *   status naming no order or no driver belongs to those an earlier
 *   status of the shipment named.
 *
 * XXX: a time sent without an offset (X12 "LT", EDIFACT format 203) is
 * taken as UTC; the shipment's timeline says zone_assumed, and such a
 * delivery can be judged up to 14 hours off.
 * XXX: a pick-up reported after the delivery does not re-judge the
 * delivery that was already counted for the carrier.
 * XXX: an order that arrives after its shipment's first status is not
 * linked back: order_known stays 0 until the next status.
 * XXX: shipments are keyed by the carrier's reference alone; two
 * carriers using the same number share one sg:shipment:<id>.
 * XXX: an order split over several shipments has one delivery node and
 * one shipment_state, which follow whichever shipment reported last;
 * each shipment's own window and figures are right.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "rules_shipment.h"
#include "schema.h"
#include "script.h"

#define SHP_APPLIED_TTL     "2592000"   /* 30 days, in seconds */
#define SHP_SWEEP_BATCH     100

/*
 * The commit.  KEYS: 1 applied-marker, 2 shipment, 3 timeline, 4
 * entries, 5 events, 6 shipment deadlines, 7 order, 8 order history,
 * 9 order shipments, 10 carrier, 11 carrier drivers, 12 driver, 13
 * stream.  ARGV: 1 group, 2 entry, 3 marker TTL, 4 msg, 5 shipment,
 * 6 order ("" none), 7 carrier, 8 carrier name, 9 carrier known, 10
 * status, 11 rank (0 delayed/exception, -1 estimated), 12 event ms,
 * 13 timeline JSON, 14 damaged, 15 driver, 16 delivery limit ms, 17
 * now, 18 promised due ms ("" none).
 */
static const char shp_apply_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[3])\n"
    "  redis.call('XACK', KEYS[13], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[13], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "if redis.call('SADD', KEYS[4], ARGV[2]) == 0 then\n"
    "  return done('seen')\n"
    "end\n"
    "local sh, id, now = KEYS[2], ARGV[5], tonumber(ARGV[17])\n"
    "local status, rank, at = ARGV[10], tonumber(ARGV[11]),\n"
    "  tonumber(ARGV[12])\n"
    "local damaged, driver, order = ARGV[14] == '1', ARGV[15], ARGV[6]\n"
    "local events = {}\n"
    "local function event(t, d) events[#events + 1] = {t, d} end\n"
    "if redis.call('EXISTS', sh) == 0 then\n"
    "  redis.call('HSET', sh, 'shipment', id, 'state', 'created',\n"
    "    'rank', 0, 'last_at', 0, 'condition', 'intact', 'created', now)\n"
    "end\n"
    "redis.call('HSET', sh, 'carrier', ARGV[7], 'carrier_name', ARGV[8],\n"
    "  'carrier_known', ARGV[9])\n"
    "if order ~= '' then redis.call('HSET', sh, 'order', order) end\n"
    "local known = order ~= '' and redis.call('EXISTS', KEYS[7]) == 1\n"
    "redis.call('HSET', sh, 'order_known', known and '1' or '0')\n"
    "if driver ~= '' then redis.call('HSET', sh, 'driver', driver) end\n"
    "if not known then\n"
    "  event('order_unknown', {shipment = id, order = order,\n"
    "    message = order == '' and 'the status names no order' or\n"
    "      'order ' .. order .. ' is not known to the gateway'})\n"
    "end\n"
    /* The state. */
    "local state = redis.call('HGET', sh, 'state')\n"
    "local cur = tonumber(redis.call('HGET', sh, 'rank'))\n"
    "local last = tonumber(redis.call('HGET', sh, 'last_at'))\n"
    "local moved = false\n"
    "if state ~= 'delivered' and ((rank > 0 and (rank > cur or\n"
    "    (rank == cur and at >= last))) or (rank == 0 and at >= last))\n"
    "then\n"
    "  moved = true\n"
    "  redis.call('HSET', sh, 'state', status, 'last_at', at)\n"
    "  if rank > 0 then redis.call('HSET', sh, 'rank', rank) end\n"
    "  state = status\n"
    "end\n"
    "if status == 'delayed' then event('shipment_delayed', {shipment = id,\n"
    "  at_ms = at}) end\n"
    "if status == 'exception' then event('shipment_exception',\n"
    "  {shipment = id, at_ms = at}) end\n"
    /* Pick-up: dispatch of the order, start of the delivery window. */
    "local delivered_at = redis.call('HGET', sh, 'delivered_at')\n"
    "if rank >= 2 then\n"
    "  local p = redis.call('HGET', sh, 'picked_up_at')\n"
    "  if not p or at < tonumber(p) then\n"
    "    local due = at + tonumber(ARGV[16])\n"
    "    if ARGV[18] ~= '' then due = tonumber(ARGV[18]) end\n"
    "    redis.call('HSET', sh, 'picked_up_at', at, 'delivery_due', due,\n"
    "      'promised', ARGV[18] ~= '' and '1' or '0')\n"
    "    if not delivered_at then\n"
    "      redis.call('ZADD', KEYS[6], due, id)\n"
    "    end\n"
    "    if known then\n"
    "      local dd = redis.call('HGET', KEYS[7], 'dispatch_due')\n"
    "      local dp = redis.call('HGET', KEYS[7], 'dispatched_at')\n"
    "      if not dp or at < tonumber(dp) then\n"
    "        redis.call('HSET', KEYS[7], 'dispatched_at', at)\n"
    "      end\n"
    "      redis.call('HSET', KEYS[7], 'delivery_due', due)\n"
    "      if dd and at > tonumber(dd) and\n"
    "          redis.call('HEXISTS', KEYS[7], 'breach_dispatch') == 0 then\n"
    "        redis.call('HSET', KEYS[7], 'breach_dispatch', '1')\n"
    "        event('sla_breach', {node = 'dispatch', order = order,\n"
    "          due_ms = tonumber(dd), late_ms = at - tonumber(dd)})\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    /* Damage, before the delivery is counted. */
    "if damaged and redis.call('HGET', sh, 'condition') ~= 'damaged' then\n"
    "  redis.call('HSET', sh, 'condition', 'damaged')\n"
    "  event('goods_damaged', {shipment = id, at_ms = at,\n"
    "    after_delivery = delivered_at ~= false})\n"
    "  if delivered_at then\n"
    "    redis.call('HINCRBY', KEYS[10], 'intact', -1)\n"
    "    redis.call('HINCRBY', KEYS[10], 'damaged', 1)\n"
    "    if driver ~= '' then\n"
    "      redis.call('HINCRBY', KEYS[12], 'intact', -1)\n"
    "    end\n"
    "  end\n"
    "end\n"
    /* Delivery: judged once, counted for the carrier and driver.
     * XXX: with no window (no known order, no pick-up) it counts as on
     * time, and a status time is not checked against the clock. */
    "if status == 'delivered' and not delivered_at then\n"
    "  local due = redis.call('HGET', sh, 'delivery_due')\n"
    "  local on_time = (not due) or at <= tonumber(due)\n"
    "  local intact = redis.call('HGET', sh, 'condition') ~= 'damaged'\n"
    "  redis.call('HSET', sh, 'delivered_at', at, 'on_time',\n"
    "    on_time and '1' or '0')\n"
    "  redis.call('ZREM', KEYS[6], id)\n"
    "  redis.call('HSET', KEYS[10], 'name', ARGV[8])\n"
    "  redis.call('HINCRBY', KEYS[10], 'deliveries', 1)\n"
    "  redis.call('HINCRBY', KEYS[10], on_time and 'on_time' or 'late', 1)\n"
    "  redis.call('HINCRBY', KEYS[10], intact and 'intact' or 'damaged', 1)\n"
    "  if driver ~= '' then\n"
    "    redis.call('SADD', KEYS[11], driver)\n"
    "    redis.call('HINCRBY', KEYS[12], 'deliveries', 1)\n"
    "    if on_time then redis.call('HINCRBY', KEYS[12], 'on_time', 1) end\n"
    "    if intact then redis.call('HINCRBY', KEYS[12], 'intact', 1) end\n"
    "  end\n"
    "  event('delivered', {shipment = id, at_ms = at, on_time = on_time,\n"
    "    intact = intact, carrier = ARGV[7]})\n"
    "  if not on_time then\n"
    "    event('delivery_late', {shipment = id, due_ms = tonumber(due),\n"
    "      late_ms = at - tonumber(due), carrier = ARGV[7]})\n"
    "    if redis.call('HGET', sh, 'breach_delivery') ~= '1' then\n"
    "      redis.call('HSET', sh, 'breach_delivery', '1',\n"
    "        'breach_raised_at', now)\n"
    "    end\n"
    "  end\n"
    "  if known then\n"
    "    redis.call('HSET', KEYS[7], 'delivered_at', at)\n"
    "    if not on_time then\n"
    "      redis.call('HSET', KEYS[7], 'breach_delivery', '1')\n"
    "    end\n"
    "  end\n"
    "end\n"
    /* The timeline and the events. */
    "local tl = cjson.decode(ARGV[13])\n"
    "tl.out_of_order = (not moved) and rank >= 0\n"
    "tl.order_known = known\n"
    "local member = cjson.encode(tl)\n"
    "redis.call('ZADD', KEYS[3], at, member)\n"
    "if known then\n"
    "  redis.call('HSET', KEYS[7], 'shipment_state', state)\n"
    "  redis.call('SADD', KEYS[9], id)\n"
    "end\n"
    "table.insert(events, 1, {'tracking_event', tl})\n"
    "for _, e in ipairs(events) do\n"
    "  local d = cjson.encode(e[2])\n"
    "  redis.call('XADD', KEYS[5], '*', 'type', e[1], 'subject',\n"
    "    'shipment', 'shipment', id, 'order', order, 'detail', d,\n"
    "    'at', now)\n"
    "  if known then\n"
    "    redis.call('RPUSH', KEYS[8], cjson.encode({type = e[1],\n"
    "      at = now, detail = e[2]}))\n"
    "  end\n"
    "end\n"
    "return done('applied')\n";

/*
 * One due delivery.  KEYS: shipment deadlines, shipment, events, order,
 * order history.  ARGV: shipment id, now, order ("" none).  Returns 1
 * when it raised a breach; the ZSCORE check makes a second sweeper that
 * read the same member find nothing to do.
 */
static const char shp_sweep_lua[] =
    "local due = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "local now = tonumber(ARGV[2])\n"
    "if not due or tonumber(due) >= now then return 0 end\n"
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end\n"
    "if redis.call('HEXISTS', KEYS[2], 'delivered_at') == 1 then\n"
    "  return 0\n"
    "end\n"
    "if redis.call('HGET', KEYS[2], 'breach_delivery') == '1' then\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', KEYS[2], 'breach_delivery', '1',\n"
    "  'breach_raised_at', now)\n"
    "local detail = cjson.encode({node = 'delivery', shipment = ARGV[1],\n"
    "  due_ms = tonumber(due), late_ms = now - tonumber(due)})\n"
    "redis.call('XADD', KEYS[3], '*', 'type', 'sla_breach', 'subject',\n"
    "  'shipment', 'shipment', ARGV[1], 'order', ARGV[3], 'detail',\n"
    "  detail, 'at', now)\n"
    "if ARGV[3] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then\n"
    "  redis.call('HSET', KEYS[4], 'breach_delivery', '1')\n"
    "  redis.call('RPUSH', KEYS[5], '{\"type\":\"sla_breach\",\"at\":' ..\n"
    "    ARGV[2] .. ',\"detail\":' .. detail .. '}')\n"
    "end\n"
    "return 1\n";

struct shp_rules {
    const struct sg_config *cfg;
    char apply_sha[41];
    char sweep_sha[41];
};

/* What the rules read from a canonical tracking event. */
struct shp_event {
    char *shipment, *order, *carrier, *carrier_name;
    char *status, *code, *code_list, *reason, *reason_code;
    char *time, *zone, *driver, *condition;
    char *loc_code, *loc_name, *loc_city, *loc_region, *loc_country;
    long long at_ms;
    int zone_assumed;
    long sequence;
};

static const struct {
    const char *status;
    int rank;
} shp_ranks[] = {
    {"at_pickup", 1}, {"picked_up", 2}, {"in_transit", 3},
    {"out_for_delivery", 4}, {"arrived", 5}, {"delivered", 6},
    {"delayed", 0}, {"exception", 0}, {"estimated", -1},
    {NULL, 0}
};

/* --- small helpers ----------------------------------------------------- */

/* --- reading the event ------------------------------------------------- */

static void
shp_event_free(struct shp_event *ev)
{
    free(ev->shipment);
    free(ev->order);
    free(ev->carrier);
    free(ev->carrier_name);
    free(ev->status);
    free(ev->code);
    free(ev->code_list);
    free(ev->reason);
    free(ev->reason_code);
    free(ev->time);
    free(ev->zone);
    free(ev->driver);
    free(ev->condition);
    free(ev->loc_code);
    free(ev->loc_name);
    free(ev->loc_city);
    free(ev->loc_region);
    free(ev->loc_country);
    memset(ev, 0, sizeof(*ev));
}

int
sg_shipment_parse_time(const char *s, long long *ms, int *no_zone)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, n = 0, oh, om, frac_ms = 0, digits = 0;
    const char *p;
    long long offset = 0;
    time_t t;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) != 6 || n != 19) {
        return -1;
    }
    p = s + n;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, digits++) {
            if (digits < 3) {
                frac_ms = frac_ms * 10 + (*p - '0');
            }
        }
        for (; digits < 3; digits++) {
            frac_ms *= 10;
        }
    }
    *no_zone = 0;
    if (*p == '\0') {
        *no_zone = 1;
    } else if (*p == 'Z' && p[1] == '\0') {
        offset = 0;
    } else if ((*p == '+' || *p == '-') &&
               sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2 && n == 5 &&
               p[6] == '\0') {
        offset = (oh * 60LL + om) * 60 * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *ms = ((long long)t - offset) * 1000 + frac_ms;
    return 0;
}

static int
shp_event_read(struct shp_event *ev, const struct sg_entry *e,
               struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *carrier, *status, *reason, *when, *loc, *seq;
    char *seq_text;
    int rc = -1;

    memset(ev, 0, sizeof(*ev));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "tracking")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is not "
                       "a canonical <tracking>");
        goto done;
    }
    carrier = sg_cx_child(root, "carrier");
    status = sg_cx_child(root, "status");
    reason = sg_cx_child(root, "reason");
    when = sg_cx_child(root, "eventTime");
    loc = sg_cx_child(root, "location");
    seq = sg_cx_child(root, "sequence");
    ev->shipment = sg_cx_text(sg_cx_child(root, "shipmentId"));
    ev->order = sg_cx_text(sg_cx_child(root, "orderNumber"));
    ev->carrier = sg_cx_attr(carrier, "id");
    ev->carrier_name = sg_cx_text(sg_cx_child(carrier, "name"));
    ev->status = sg_cx_text(status);
    ev->code = sg_cx_attr(status, "code");
    ev->code_list = sg_cx_attr(status, "codeList");
    ev->reason = sg_cx_text(reason);
    ev->reason_code = sg_cx_attr(reason, "code");
    ev->time = sg_cx_text(when);
    ev->zone = sg_cx_attr(when, "zone");
    ev->driver = sg_cx_text(sg_cx_child(root, "driver"));
    ev->condition = sg_cx_text(sg_cx_child(root, "condition"));
    ev->loc_code = sg_cx_attr(loc, "code");
    ev->loc_name = sg_cx_text(sg_cx_child(loc, "name"));
    ev->loc_city = sg_cx_text(sg_cx_child(loc, "city"));
    ev->loc_region = sg_cx_text(sg_cx_child(loc, "region"));
    ev->loc_country = sg_cx_text(sg_cx_child(loc, "country"));
    seq_text = sg_cx_text(seq);
    ev->sequence = seq_text != NULL ? strtol(seq_text, NULL, 10) : 0;
    free(seq_text);

    if (ev->shipment == NULL || ev->status == NULL || ev->time == NULL ||
        ev->carrier == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "the tracking event "
                       "lacks shipmentId, status, eventTime or carrier");
        goto done;
    }
    if (sg_shipment_parse_time(ev->time, &ev->at_ms, &ev->zone_assumed)
        != 0) {
        sg_errors_addf(errs, "rules.bad_field", "shipment %s: eventTime "
                       "\"%s\" is not a date and time", ev->shipment,
                       ev->time);
        goto done;
    }
    rc = 0;

done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        shp_event_free(ev);
    }
    return rc;
}

static int
shp_rank(const char *status, int *rank)
{
    size_t i;

    for (i = 0; shp_ranks[i].status != NULL; i++) {
        if (strcmp(shp_ranks[i].status, status) == 0) {
            *rank = shp_ranks[i].rank;
            return 0;
        }
    }
    return -1;
}

/* --- deciding what does not depend on state ---------------------------- */

/* A field of the shipment hash into *out (unchanged when absent or
 * empty); 0, or -1 on a Redis error. */
static int
shp_known_field(redisContext *c, const char *id, const char *name,
                char **out)
{
    redisReply *r = redisCommand(c, "HGET " SG_KEY_SHIPMENT "%s %s", id,
                                 name);

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    if (r->type == REDIS_REPLY_STRING && r->len > 0) {
        *out = sg_xstrdup(r->str);
    }
    freeReplyObject(r);
    return 0;
}

/*
 * What the event leaves out and an earlier status of the shipment gave:
 * the order and the driver (a status names them once, usually at the
 * pick-up); and the order's promised due (end of its requestedDelivery
 * day, UTC), "" when none.  Read before the script: none of them
 * changes once set.  0, or -1 on a Redis error.
 */
static int
shp_order_facts(redisContext *c, const struct shp_event *ev, char **order,
                char **driver, char *due, size_t duelen)
{
    redisReply *r;
    long long day;

    due[0] = '\0';
    *order = ev->order != NULL ? sg_xstrdup(ev->order) : NULL;
    *driver = ev->driver != NULL ? sg_xstrdup(ev->driver) : NULL;
    if ((*order == NULL &&
         shp_known_field(c, ev->shipment, "order", order) != 0) ||
        (*driver == NULL &&
         shp_known_field(c, ev->shipment, "driver", driver) != 0)) {
        return -1;
    }
    if (*order == NULL) {
        return 0;
    }
    r = redisCommand(c, "HGET " SG_KEY_ORDER "%s requested_delivery",
                     *order);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    if (r->type == REDIS_REPLY_STRING && sg_parse_date(r->str, &day) == 0) {
        snprintf(due, duelen, "%lld", (day + 86400) * 1000 - 1);
    }
    freeReplyObject(r);
    return 0;
}

static char *
shp_location_text(const struct shp_event *ev)
{
    struct sg_buf b;
    const char *parts[4];
    size_t i;

    parts[0] = ev->loc_name != NULL ? ev->loc_name : ev->loc_code;
    parts[1] = ev->loc_city;
    parts[2] = ev->loc_region;
    parts[3] = ev->loc_country;
    sg_buf_init(&b);
    for (i = 0; i < 4; i++) {
        if (parts[i] != NULL) {
            sg_buf_addf(&b, "%s%s", b.len > 0 ? ", " : "", parts[i]);
        }
    }
    if (b.len == 0) {
        sg_buf_free(&b);
        return NULL;
    }
    return sg_buf_steal(&b);
}

/* The timeline line, as the script stores it (it adds out_of_order and
 * order_known).  Caller frees. */
static char *
shp_timeline_json(const struct shp_event *ev, const struct sg_entry *e)
{
    char *loc = shp_location_text(ev), *text;
    json_t *j;

    j = json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s,s:s?,s:I,s:b,s:s?,s:s?,"
                  "s:s?,s:s?,s:I,s:s?,s:s}",
                  "status", ev->status, "code", ev->code, "code_list",
                  ev->code_list, "reason", ev->reason, "reason_code",
                  ev->reason_code, "time", ev->time, "zone", ev->zone,
                  "at_ms", (json_int_t)ev->at_ms, "zone_assumed",
                  ev->zone_assumed, "location", loc, "location_code",
                  ev->loc_code, "condition", ev->condition, "driver",
                  ev->driver, "sequence", (json_int_t)ev->sequence, "msg",
                  e->msg, "entry", e->id);
    text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    free(loc);
    return text != NULL ? text : sg_xstrdup("{}");
}

/* --- committing ---------------------------------------------------------- */

static enum sg_rules_result
shp_commit(struct shp_rules *r, redisContext *c, const struct shp_event *ev,
           const struct sg_entry *e, long long now_ms,
           struct sg_errors *errs)
{
    const struct sg_carrier *k = sg_config_carrier(r->cfg, ev->carrier);
    const char *carrier = k != NULL ? k->id : ev->carrier;
    const char *cname = k != NULL && k->name[0] != '\0' ? k->name
                        : ev->carrier_name;
    enum sg_rules_result res = SG_RULES_OK;
    char due[32], *order = NULL, *driver = NULL, *tl;
    struct sg_args a;
    redisReply *rep;
    int rank = 0;

    if (shp_rank(ev->status, &rank) != 0) {
        sg_errors_addf(errs, "rules.bad_field", "shipment %s: status "
                       "\"%s\" is not a tracking status", ev->shipment,
                       ev->status);
        return SG_RULES_FAILED;
    }
    if (shp_order_facts(c, ev, &order, &driver, due, sizeof(due)) != 0) {
        free(order);
        free(driver);
        return SG_RULES_RETRY;
    }
    tl = shp_timeline_json(ev, e);

    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->apply_sha);
    sg_args_adds(&a, "13");
    sg_args_addf(&a, SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    sg_args_addf(&a, SG_KEY_SHIPMENT "%s", ev->shipment);
    sg_args_addf(&a, SG_KEY_SHIPMENT "%s:timeline", ev->shipment);
    sg_args_addf(&a, SG_KEY_SHIPMENT "%s:entries", ev->shipment);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, SG_KEY_SHIPMENT_DEADLINES);
    sg_args_addf(&a, SG_KEY_ORDER "%s", order != NULL ? order : "");
    sg_args_addf(&a, SG_KEY_ORDER "%s:history", order ? order : "");
    sg_args_addf(&a, SG_KEY_ORDER "%s:shipments", order ? order : "");
    sg_args_addf(&a, SG_KEY_CARRIER "%s", carrier);
    sg_args_addf(&a, SG_KEY_CARRIER "%s:drivers", carrier);
    sg_args_addf(&a, SG_KEY_CARRIER "%s:driver:%s", carrier,
                  driver != NULL ? driver : "");
    sg_args_adds(&a, e->stream);

    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, SHP_APPLIED_TTL);
    sg_args_adds(&a, e->msg);
    sg_args_adds(&a, ev->shipment);
    sg_args_adds(&a, order);
    sg_args_adds(&a, carrier);
    sg_args_adds(&a, cname);
    sg_args_adds(&a, k != NULL ? "1" : "0");
    sg_args_adds(&a, ev->status);
    sg_args_addf(&a, "%d", rank);
    sg_args_addf(&a, "%lld", ev->at_ms);
    sg_args_adds(&a, tl);
    sg_args_adds(&a, ev->condition != NULL &&
                 strcmp(ev->condition, "damaged") == 0 ? "1" : "0");
    sg_args_adds(&a, driver);
    sg_args_addf(&a, "%lld", r->cfg->delivery_limit * 1000LL);
    sg_args_addf(&a, "%lld", now_ms);
    sg_args_adds(&a, due);

    rep = sg_script_eval(c, &a, shp_apply_lua);
    if (rep == NULL) {
        res = SG_RULES_RETRY;
    } else if (rep->type == REDIS_REPLY_ERROR) {
        if (sg_script_transient(rep)) {
            res = SG_RULES_RETRY;
        } else {
            sg_errors_addf(errs, "rules.redis", "committing shipment %s: "
                           "%s", ev->shipment, rep->str);
            res = SG_RULES_FAILED;
        }
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    free(tl);
    free(order);
    free(driver);
    return res;
}

/* --- the area's callbacks ------------------------------------------------ */

static void *
shp_create(const struct sg_config *cfg)
{
    struct shp_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(shp_apply_lua, r->apply_sha);
    sg_script_sha1(shp_sweep_lua, r->sweep_sha);
    return r;
}

static void
shp_destroy(void *state)
{
    free(state);
}

static enum sg_rules_result
shp_apply(void *state, redisContext *c, const struct sg_entry *e,
          long long now_ms, struct sg_errors *errs)
{
    struct shp_event ev;
    enum sg_rules_result res;

    if (shp_event_read(&ev, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    res = shp_commit(state, c, &ev, e, now_ms, errs);
    shp_event_free(&ev);
    return res;
}

/* Run the sweep script on one shipment; 1 raised, 0 not, -1 error. */
static int
shp_sweep_one(struct shp_rules *r, redisContext *c, const char *id,
              long long now_ms)
{
    struct sg_args a;
    redisReply *rep;
    char *order = NULL;
    int rc = -1;

    rep = redisCommand(c, "HGET " SG_KEY_SHIPMENT "%s order", id);
    if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
        if (rep != NULL) {
            freeReplyObject(rep);
        }
        return -1;
    }
    if (rep->type == REDIS_REPLY_STRING) {
        order = sg_xstrdup(rep->str);
    }
    freeReplyObject(rep);

    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sweep_sha);
    sg_args_adds(&a, "5");
    sg_args_adds(&a, SG_KEY_SHIPMENT_DEADLINES);
    sg_args_addf(&a, SG_KEY_SHIPMENT "%s", id);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_addf(&a, SG_KEY_ORDER "%s", order ? order : "");
    sg_args_addf(&a, SG_KEY_ORDER "%s:history", order ? order : "");
    sg_args_adds(&a, id);
    sg_args_addf(&a, "%lld", now_ms);
    sg_args_adds(&a, order);
    rep = sg_script_eval(c, &a, shp_sweep_lua);
    if (rep != NULL && rep->type == REDIS_REPLY_INTEGER) {
        rc = rep->integer > 0 ? 1 : 0;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    free(order);
    return rc;
}

static long
shp_sweep(void *state, redisContext *c, long long now_ms)
{
    redisReply *rep;
    long raised = 0;
    size_t i, got;
    int rc, rounds;

    /* As the order sweep: due strictly before now, bounded rounds. */
    for (rounds = 0; rounds < 100; rounds++) {
        rep = redisCommand(c, "ZRANGEBYSCORE %s -inf (%lld LIMIT 0 %d",
                           SG_KEY_SHIPMENT_DEADLINES, now_ms,
                           SHP_SWEEP_BATCH);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
            if (rep != NULL) {
                freeReplyObject(rep);
            }
            return -1;
        }
        got = rep->elements;
        for (i = 0; i < got; i++) {
            if (rep->element[i]->type != REDIS_REPLY_STRING) {
                continue;
            }
            rc = shp_sweep_one(state, c, rep->element[i]->str, now_ms);
            if (rc < 0) {
                freeReplyObject(rep);
                return -1;
            }
            raised += rc;
        }
        freeReplyObject(rep);
        if (got < SHP_SWEEP_BATCH) {
            break;
        }
    }
    return raised;
}

/* --- the area ------------------------------------------------------------ */

static const char *const shp_types[] = {"tracking", NULL};

const struct sg_rules_area sg_area_shipments = {
    "shipments",
    shp_types,
    shp_create,
    shp_destroy,
    shp_apply,
    shp_sweep,
    {{"/v1/shipments/", "shipment.not_found", "no shipment with this id "
      "(its first status may still be in the queue)", sg_shipment_json},
     {"/v1/carriers/", "carrier.not_found", "no delivery recorded for this "
      "carrier yet", sg_carrier_json},
     {NULL, NULL, NULL, NULL}}
};
