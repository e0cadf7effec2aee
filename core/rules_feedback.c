/*
 * rules_feedback.c - the after-sales area: customer feedback tickets,
 * their first-response deadlines and escalations, outcomes, follow-ups,
 * and quality complaints linked to the lot and the supplier.
 *
 * A worker hands over one canonical <feedback> (schemas/feedback.xsd):
 * either a ticket as it was opened or one update from the CRM.  We read
 * it and what the warehouse and order rules recorded about its lot or
 * order, decide in C what does not depend on the ticket's own state,
 * and commit in one Lua script that also judges what does (a response
 * against a deadline whichever of the two arrived first) and
 * acknowledges the stream entry.  So Redis holds all of it or none of
 * it, and a redelivered entry changes nothing.
 *
 * The ticket hash sg:ticket:<ticket> (keys.h) has these fields:
 *   ticket, state ("open", "responded", "resolved", "closed"), rank (1
 *   to 4, the state's place in that order), customer, customer_name,
 *   channel, category, severity, order, lot, item, text,
 *   requested_outcome, created (epoch ms), created_text (as sent, with
 *   its zone), first_response_due, second_level_due (epoch ms; absent
 *   when the severity has no second level), first_response_at,
 *   first_response_met ("1"/"0" once both the due time and the answer
 *   are known), escalated_1, escalated_2 (epoch ms the sweep escalated),
 *   resolved_at, outcome, follow_up_due, follow_up_raised (epoch ms),
 *   follow_up_at, satisfaction, note_<kind>, supplier, supplier_known
 *   ("1"/"0"), linked_via ("lot", "order" or "none"), lot_known
 *   ("1"/"0"), msg, entry (the ticket's stream entry), updated_<kind>
 *   (the stream entry of that update).
 *
 * Rules, as decided here:
 * - The first answer is due created + first_response of the severity
 *   (config "feedback").  An answer at exactly the due time is in time;
 *   the sweep escalates (event "escalation", level 1) once now is past
 *   the due time and no answer was recorded, and once more (level 2)
 *   escalate_again later if still unanswered.  Each level is raised
 *   once.  A ticket that reaches us already overdue is escalated by the
 *   next sweep; a ticket resolved without a recorded first answer was
 *   answered by its resolution: the resolution time is judged against
 *   the due time (first_response_by "resolution").  An answer or a
 *   resolution dated before the ticket's creation is ignored
 *   ("update_ignored"): the deadline cannot be met before it starts.
 * - Updates move the state forward only: open < responded < resolved <
 *   closed (follow-up done).  An update arriving after a later one is
 *   recorded (its time, outcome or score) but leaves the state where it
 *   is; an update for a ticket not seen yet is kept on the hash and the
 *   ticket fills in around it.  A second update of the same kind is
 *   ignored with an "update_ignored" event: the first one stands.
 * - Resolution records the outcome and makes the follow-up due
 *   follow_up_after later; the sweep raises "follow_up_due" if no
 *   follow-up was recorded by then.  The follow-up's score (1 to 5) is
 *   added to sg:feedback:satisfaction.
 * - A quality ticket naming a lot is linked to it: the ticket joins
 *   sg:lot:<lot>:complaints whether or not the warehouse knows the lot,
 *   and counts against the lot's supplier (sg:lot:<lot>, field
 *   supplier).  With no known lot, the order's supplier (sg:order:<n>,
 *   field supplier) is used; with neither, the supplier is unknown and
 *   nothing is counted.  Other categories keep their references but
 *   count against no one.
 *
 * XXX: the first-response deadline is computed from the CRM's creation
 * time and judged by the sweep against this host's clock; a CRM clock
 * that runs ahead or behind moves every escalation by as much.
 * XXX: a ticket re-sent with the same id but other content (a second
 * message, not a redelivery) is ignored with "duplicate_ticket"; the
 * CRM cannot correct a ticket's severity or references this way.
 * XXX: satisfaction scores are summed over all tickets only
 * (sg:feedback:satisfaction); no figures per channel, carrier or
 * supplier yet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "datetime.h"
#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "schema.h"
#include "script.h"

#define FB_APPLIED_TTL  "2592000"   /* 30 days, in seconds */
#define FB_SWEEP_BATCH  100

/*
 * The commit.  KEYS: applied-marker, ticket hash, history, events,
 * deadlines, stream, lot complaints, supplier complaints, complaint
 * counts, satisfaction.  ARGV: group, entry, ticket, marker TTL, marker
 * value, now, mode ("ticket" or "update"), then for a ticket: n and n
 * field/value pairs, n and n events (type, detail JSON), n and n
 * deadlines (score, member), lot flag, supplier flag, supplier id; for
 * an update: kind, at (ms), value (outcome or score), note, follow-up
 * delay (ms).
 */
static const char fb_apply_lua[] =
    "local function emit(typ, detail)\n"
    "  redis.call('RPUSH', KEYS[3], '{\"type\":\"' .. typ .. '\",\"at\":'"
    " .. ARGV[6] .. ',\"detail\":' .. detail .. '}')\n"
    "  redis.call('XADD', KEYS[4], '*', 'type', typ, 'subject',\n"
    "    'feedback', 'ticket', ARGV[3], 'detail', detail, 'at', ARGV[6])\n"
    "end\n"
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[4])\n"
    "  redis.call('XACK', KEYS[6], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "local function judge()\n"
    "  if redis.call('HEXISTS', KEYS[2], 'first_response_met') == 1 then\n"
    "    return\n"
    "  end\n"
    "  local due = redis.call('HGET', KEYS[2], 'first_response_due')\n"
    "  local at = redis.call('HGET', KEYS[2], 'first_response_at')\n"
    "  if not due or not at then return end\n"
    "  local late = tonumber(at) - tonumber(due)\n"
    "  local met = late <= 0\n"
    "  redis.call('HSET', KEYS[2], 'first_response_met',\n"
    "    met and '1' or '0')\n"
    "  emit(met and 'first_response_met' or 'first_response_late',\n"
    "    string.format('{\"due_ms\":%d,\"at_ms\":%d,\"late_ms\":%d}',\n"
    "      tonumber(due), tonumber(at), late > 0 and late or 0))\n"
    "end\n"
    "local function advance(rank, state)\n"
    "  local cur = tonumber(redis.call('HGET', KEYS[2], 'rank') or '0')\n"
    "  if rank > cur then\n"
    "    redis.call('HSET', KEYS[2], 'rank', rank, 'state', state)\n"
    "    return true\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[6], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "local i = 8\n"
    "if ARGV[7] == 'ticket' then\n"
    "  local nf = tonumber(ARGV[i]); i = i + 1\n"
    "  local fields = {}\n"
    "  for k = 1, nf * 2 do fields[k] = ARGV[i]; i = i + 1 end\n"
    "  local ne = tonumber(ARGV[i]); i = i + 1\n"
    "  local ev = i; i = i + ne * 2\n"
    "  local nd = tonumber(ARGV[i]); i = i + 1\n"
    "  local dl = i; i = i + nd * 2\n"
    "  local first = redis.call('HGET', KEYS[2], 'entry')\n"
    "  if first == ARGV[2] then return done('seen') end\n"
    "  if first then\n"
    "    emit('duplicate_ticket', cjson.encode({entry = ARGV[2],\n"
    "      msg = ARGV[5], first_entry = first}))\n"
    "    return done('duplicate')\n"
    "  end\n"
    "  redis.call('HSET', KEYS[2], unpack(fields))\n"
    "  advance(1, 'open')\n"
    "  for k = 0, ne - 1 do emit(ARGV[ev + k * 2], ARGV[ev + k * 2 + 1]) end\n"
    "  for k = 0, nd - 1 do\n"
    "    redis.call('ZADD', KEYS[5], ARGV[dl + k * 2], ARGV[dl + k * 2 + 1])\n"
    "  end\n"
    "  if ARGV[i] == '1' then redis.call('SADD', KEYS[7], ARGV[3]) end\n"
    "  if ARGV[i + 1] == '1' and\n"
    "     redis.call('SADD', KEYS[8], ARGV[3]) == 1 then\n"
    "    redis.call('HINCRBY', KEYS[9], ARGV[i + 2], 1)\n"
    "  end\n"
    "  judge()\n"
    "  return done('applied')\n"
    "end\n"
    "local kind, at, value, note = ARGV[i], ARGV[i + 1], ARGV[i + 2],\n"
    "  ARGV[i + 3]\n"
    "local delay = tonumber(ARGV[i + 4])\n"
    "local known = redis.call('HEXISTS', KEYS[2], 'entry') == 1\n"
    "local at_field = kind .. '_at'\n"
    "if kind == 'resolved' then at_field = 'resolved_at' end\n"
    "local prior = redis.call('HGET', KEYS[2], 'updated_' .. kind)\n"
    "if prior == ARGV[2] then return done('seen') end\n"
    "if prior then\n"
    "  emit('update_ignored', cjson.encode({kind = kind, entry = ARGV[2],\n"
    "    reason = 'a ' .. kind .. ' update was recorded already',\n"
    "    first_entry = prior}))\n"
    "  return done('duplicate')\n"
    "end\n"
    "local created = redis.call('HGET', KEYS[2], 'created')\n"
    "if created and kind ~= 'follow_up' and\n"
    "   tonumber(at) < tonumber(created) then\n"
    "  emit('update_ignored', cjson.encode({kind = kind, entry = ARGV[2],\n"
    "    reason = 'dated before the ticket was created'}))\n"
    "  return done('refused')\n"
    "end\n"
    "redis.call('HSET', KEYS[2], 'ticket', ARGV[3], at_field, at,\n"
    "  'updated_' .. kind, ARGV[2])\n"
    "if note ~= '' then\n"
    "  redis.call('HSET', KEYS[2], 'note_' .. kind, note)\n"
    "end\n"
    "local rank, state, typ = 2, 'responded', 'first_response'\n"
    "local detail = {kind = kind, at_ms = tonumber(at),\n"
    "  ticket_known = known}\n"
    "if kind == 'resolved' then\n"
    "  rank, state, typ = 3, 'resolved', 'ticket_resolved'\n"
    "  if redis.call('HEXISTS', KEYS[2], 'first_response_at') == 0 then\n"
    "    redis.call('HSET', KEYS[2], 'first_response_at', at,\n"
    "      'first_response_by', 'resolution')\n"
    "  end\n"
    "  local due = tonumber(at) + delay\n"
    "  redis.call('HSET', KEYS[2], 'outcome', value, 'follow_up_due', due)\n"
    "  redis.call('ZADD', KEYS[5], due, ARGV[3] .. '|follow_up')\n"
    "  detail.outcome = value\n"
    "  detail.follow_up_due_ms = due\n"
    "elseif kind == 'follow_up' then\n"
    "  rank, state, typ = 4, 'closed', 'follow_up_recorded'\n"
    "  redis.call('HSET', KEYS[2], 'satisfaction', value)\n"
    "  redis.call('HINCRBY', KEYS[10], 'count', 1)\n"
    "  redis.call('HINCRBY', KEYS[10], 'sum', tonumber(value))\n"
    "  redis.call('HINCRBY', KEYS[10], 'score_' .. value, 1)\n"
    "  detail.satisfaction = tonumber(value)\n"
    "end\n"
    "detail.state_advanced = advance(rank, state)\n"
    "detail.state = redis.call('HGET', KEYS[2], 'state')\n"
    "emit(typ, cjson.encode(detail))\n"
    "judge()\n"
    "return done('applied')\n";

/*
 * One due deadline.  KEYS: deadlines, ticket hash, history, events.
 * ARGV: member, node ("first_response", "second_level", "follow_up"),
 * now, ticket.  Returns 1 when it raised an event.  The ZSCORE check
 * makes a second sweeper that read the same member find nothing to do.
 */
static const char fb_sweep_lua[] =
    "local due = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not due or tonumber(due) >= tonumber(ARGV[3]) then return 0 end\n"
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end\n"
    "local met, flag, typ, extra = 'first_response_at', 'escalated_1',\n"
    "  'escalation', ',\"level\":1'\n"
    "if ARGV[2] == 'second_level' then\n"
    "  flag, extra = 'escalated_2', ',\"level\":2'\n"
    "elseif ARGV[2] == 'follow_up' then\n"
    "  met, flag, typ, extra = 'follow_up_at', 'follow_up_raised',\n"
    "    'follow_up_due', ''\n"
    "end\n"
    "if redis.call('HEXISTS', KEYS[2], met) == 1 then return 0 end\n"
    "if redis.call('HEXISTS', KEYS[2], flag) == 1 then return 0 end\n"
    "local rank = tonumber(redis.call('HGET', KEYS[2], 'rank') or '0')\n"
    "if typ == 'escalation' and rank >= 3 then return 0 end\n"
    "local sev = redis.call('HGET', KEYS[2], 'severity') or ''\n"
    "local detail = string.format(\n"
    "  '{\"node\":\"%s\",\"due_ms\":%d,\"late_ms\":%d,\"severity\":%s%s}',\n"
    "  ARGV[2], tonumber(due), tonumber(ARGV[3]) - tonumber(due),\n"
    "  cjson.encode(sev), extra)\n"
    "redis.call('HSET', KEYS[2], flag, ARGV[3])\n"
    "redis.call('RPUSH', KEYS[3], string.format(\n"
    "  '{\"type\":\"%s\",\"at\":%s,\"detail\":%s}', typ, ARGV[3], detail))\n"
    "redis.call('XADD', KEYS[4], '*', 'type', typ, 'subject', 'feedback',\n"
    "  'ticket', ARGV[4], 'detail', detail, 'at', ARGV[3])\n"
    "return 1\n";

struct fb_rules {
    const struct sg_config *cfg;
    char apply_sha[41];
    char sweep_sha[41];
};

/* What the rules read from a canonical <feedback>; strings owned. */
struct fb_doc {
    char *ticket;
    int is_update;
    /* a ticket */
    char *customer, *customer_name, *channel, *category, *severity;
    char *order, *lot, *item, *text, *requested, *created_text;
    long long created;
    /* an update */
    const char *kind;           /* "first_response", "resolved",
                                   "follow_up" */
    char *at_text, *value, *note;
    long long at;
};

/* Whom a complaint counts against, from the lot or the order. */
struct fb_link {
    int lot_known;
    char *supplier;             /* NULL: unknown */
    const char *via;            /* "lot", "order", "none" */
    char *lot_item;
    char *lot_order;
    int count;                  /* 1: a quality complaint with a lot or
                                   order reference */
};

/* --- small helpers ----------------------------------------------------- */

/* --- reading the document ------------------------------------------------ */

static char *
fb_text(const xmlNode *parent, const char *name)
{
    xmlNode *n = sg_cx_child(parent, name);

    return n != NULL ? sg_cx_trimmed(xmlNodeGetContent(n)) : NULL;
}

static void
fb_doc_free(struct fb_doc *d)
{
    free(d->ticket);
    free(d->customer);
    free(d->customer_name);
    free(d->channel);
    free(d->category);
    free(d->severity);
    free(d->order);
    free(d->lot);
    free(d->item);
    free(d->text);
    free(d->requested);
    free(d->created_text);
    free(d->at_text);
    free(d->value);
    free(d->note);
    memset(d, 0, sizeof(*d));
}

static int
fb_read_ticket(struct fb_doc *d, const xmlNode *t, struct sg_errors *errs)
{
    xmlNode *cust = sg_cx_child(t, "customer");

    d->customer = cust != NULL ? sg_cx_trimmed(xmlGetProp(
        cust, (const xmlChar *)"id")) : NULL;
    d->customer_name = fb_text(cust, "name");
    d->channel = fb_text(t, "channel");
    d->category = fb_text(t, "category");
    d->severity = fb_text(t, "severity");
    d->order = fb_text(t, "orderRef");
    d->lot = fb_text(t, "lotRef");
    d->item = fb_text(t, "item");
    d->text = fb_text(t, "text");
    d->requested = fb_text(t, "requestedOutcome");
    d->created_text = fb_text(t, "created");
    if (d->customer == NULL || d->category == NULL ||
        d->severity == NULL || d->created_text == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "ticket %s lacks its "
                       "customer, category, severity or created time",
                       d->ticket);
        return -1;
    }
    if (sg_parse_datetime(d->created_text, &d->created) !=
        SG_DATETIME_OK) {
        sg_errors_addf(errs, "rules.bad_field", "ticket %s: created \"%s\" "
                       "is not a date-time with a zone", d->ticket,
                       d->created_text);
        return -1;
    }
    return 0;
}

static int
fb_read_update(struct fb_doc *d, const xmlNode *u, struct sg_errors *errs)
{
    static const char *const elements[] = {
        "firstResponse", "resolved", "followUp"
    };
    static const char *const kinds[] = {
        "first_response", "resolved", "follow_up"
    };
    xmlNode *step = NULL;
    size_t i;

    for (i = 0; i < 3 && step == NULL; i++) {
        step = sg_cx_child(u, elements[i]);
        d->kind = kinds[i];
    }
    if (step == NULL) {
        sg_errors_addf(errs, "rules.bad_document", "the update of ticket "
                       "%s holds no firstResponse, resolved or followUp",
                       d->ticket);
        return -1;
    }
    d->at_text = fb_text(step, "at");
    d->note = fb_text(step, "note");
    d->value = fb_text(step, strcmp(d->kind, "resolved") == 0 ? "outcome"
                       : "satisfaction");
    if (d->at_text == NULL ||
        sg_parse_datetime(d->at_text, &d->at) != SG_DATETIME_OK ||
        (strcmp(d->kind, "first_response") != 0 && d->value == NULL)) {
        sg_errors_addf(errs, "rules.bad_field", "the %s update of ticket "
                       "%s lacks a zoned time, an outcome or a score",
                       d->kind, d->ticket);
        return -1;
    }
    return 0;
}

static int
fb_read(struct fb_doc *d, const struct sg_entry *e, struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *t, *u;
    int rc = -1;

    memset(d, 0, sizeof(*d));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "feedback")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is not "
                       "a canonical <feedback>");
        goto done;
    }
    d->ticket = fb_text(root, "ticketId");
    t = sg_cx_child(root, "ticket");
    u = sg_cx_child(root, "update");
    if (d->ticket == NULL || (t == NULL && u == NULL)) {
        sg_errors_addf(errs, "rules.missing_field", "the feedback has no "
                       "ticketId, or neither a ticket nor an update");
        goto done;
    }
    d->is_update = t == NULL;
    rc = d->is_update ? fb_read_update(d, u, errs)
                      : fb_read_ticket(d, t, errs);

done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        fb_doc_free(d);
    }
    return rc;
}

/* --- linking a complaint to its lot and supplier --------------------- */

/* One field of a Redis hash: 0 found (*out owned), 1 absent, -1 error. */
static int
fb_hget(redisContext *c, const char *prefix, const char *key,
        const char *field, char **out)
{
    redisReply *r;
    int rc = -1;

    *out = NULL;
    r = redisCommand(c, "HGET %s%s %s", prefix, key, field);
    if (r != NULL && r->type == REDIS_REPLY_STRING && r->len > 0) {
        *out = sg_xstrndup(r->str, r->len);
        rc = 0;
    } else if (r != NULL && (r->type == REDIS_REPLY_NIL ||
                             r->type == REDIS_REPLY_STRING)) {
        rc = 1;
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return rc;
}

static void
fb_link_free(struct fb_link *l)
{
    free(l->supplier);
    free(l->lot_item);
    free(l->lot_order);
    memset(l, 0, sizeof(*l));
}

/*
 * Whom a quality complaint counts against: the lot's supplier as the
 * warehouse recorded it, else the order's.  0, or -1 on a Redis error.
 */
static int
fb_link(redisContext *c, const struct fb_doc *d, struct fb_link *l)
{
    int rc;

    memset(l, 0, sizeof(*l));
    l->via = "none";
    if (strcmp(d->category, "quality") != 0 ||
        (d->lot == NULL && d->order == NULL)) {
        return 0;
    }
    l->count = 1;
    if (d->lot != NULL) {
        /* The lot hash always has its item: that tells known lots. */
        rc = fb_hget(c, SG_KEY_LOT, d->lot, "item", &l->lot_item);
        if (rc < 0 ||
            fb_hget(c, SG_KEY_LOT, d->lot, "order", &l->lot_order) < 0 ||
            fb_hget(c, SG_KEY_LOT, d->lot, "supplier", &l->supplier) < 0) {
            return -1;
        }
        l->lot_known = l->lot_item != NULL || l->supplier != NULL;
        if (l->supplier != NULL) {
            l->via = "lot";
            return 0;
        }
    }
    if (d->order != NULL || l->lot_order != NULL) {
        rc = fb_hget(c, SG_KEY_ORDER, d->order != NULL ? d->order
                     : l->lot_order, "supplier", &l->supplier);
        if (rc < 0) {
            return -1;
        }
        if (l->supplier != NULL) {
            l->via = "order";
        }
    }
    return 0;
}

/* --- committing ---------------------------------------------------------- */

static void
fb_field(struct sg_args *a, size_t *n, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_args_adds(a, name);
    sg_args_adds(a, value);
    (*n)++;
}

static void
fb_args_ticket_fields(struct sg_args *a, const struct fb_doc *d,
                      const struct fb_link *l, const struct sg_entry *e,
                      long long due, long long due2)
{
    size_t at = a->n, n = 0;
    char num[32];

    sg_args_adds(a, "0");
    fb_field(a, &n, "ticket", d->ticket);
    fb_field(a, &n, "customer", d->customer);
    fb_field(a, &n, "customer_name", d->customer_name);
    fb_field(a, &n, "channel", d->channel);
    fb_field(a, &n, "category", d->category);
    fb_field(a, &n, "severity", d->severity);
    fb_field(a, &n, "order", d->order != NULL ? d->order : l->lot_order);
    fb_field(a, &n, "lot", d->lot);
    fb_field(a, &n, "item", d->item != NULL ? d->item : l->lot_item);
    fb_field(a, &n, "text", d->text);
    fb_field(a, &n, "requested_outcome", d->requested);
    fb_field(a, &n, "created_text", d->created_text);
    snprintf(num, sizeof(num), "%lld", d->created);
    fb_field(a, &n, "created", num);
    snprintf(num, sizeof(num), "%lld", due);
    fb_field(a, &n, "first_response_due", num);
    if (due2 > 0) {
        snprintf(num, sizeof(num), "%lld", due2);
        fb_field(a, &n, "second_level_due", num);
    }
    fb_field(a, &n, "supplier", l->supplier);
    fb_field(a, &n, "supplier_known", l->supplier != NULL ? "1" : "0");
    fb_field(a, &n, "linked_via", l->via);
    if (d->lot != NULL) {
        fb_field(a, &n, "lot_known", l->lot_known ? "1" : "0");
    }
    fb_field(a, &n, "msg", e->msg);
    fb_field(a, &n, "entry", e->id);
    sg_args_count(a, at, n);
}

static void
fb_args_ticket_events(struct sg_args *a, const struct fb_doc *d,
                      const struct fb_link *l, const struct sg_entry *e,
                      long long due)
{
    size_t at = a->n, n = 0;

    sg_args_adds(a, "0");
    sg_args_adds(a, "ticket_received");
    sg_args_add_json(a, json_pack(
        "{s:s?,s:s,s:s,s:s,s:s,s:s?,s:I,s:I}", "msg", e->msg, "entry",
        e->id, "channel", d->channel ? d->channel : "other", "category",
        d->category, "severity", d->severity, "requested_outcome",
        d->requested, "created_ms", (json_int_t)d->created,
        "first_response_due_ms", (json_int_t)due));
    n++;
    if (l->count) {
        sg_args_adds(a, "complaint_linked");
        sg_args_add_json(a, json_pack(
            "{s:s?,s:o,s:s?,s:s?,s:b,s:s}", "lot", d->lot, "lot_known",
            d->lot != NULL ? json_boolean(l->lot_known) : json_null(),
            "order", d->order != NULL ? d->order : l->lot_order,
            "supplier", l->supplier, "supplier_known",
            l->supplier != NULL, "via", l->via));
        n++;
    }
    sg_args_count(a, at, n);
}

static void
fb_args_ticket(struct sg_args *a, const struct fb_rules *r,
               const struct fb_doc *d, const struct fb_link *l,
               const struct sg_entry *e)
{
    const struct sg_feedback_severity *sev =
        sg_config_feedback(r->cfg, d->severity);
    long long due, due2 = 0;

    /* The schema allows only the four severities the config knows. */
    due = d->created + (sev != NULL ? sev->first_response : 0) * 1000LL;
    if (sev != NULL && sev->escalate_again > 0) {
        due2 = due + sev->escalate_again * 1000LL;
    }
    sg_args_adds(a, "ticket");
    fb_args_ticket_fields(a, d, l, e, due, due2);
    fb_args_ticket_events(a, d, l, e, due);
    sg_args_adds(a, due2 > 0 ? "2" : "1");
    sg_args_addf(a, "%lld", due);
    sg_args_addf(a, "%s|first_response", d->ticket);
    if (due2 > 0) {
        sg_args_addf(a, "%lld", due2);
        sg_args_addf(a, "%s|second_level", d->ticket);
    }
    sg_args_adds(a, d->lot != NULL && l->count ? "1" : "0");
    sg_args_adds(a, l->supplier != NULL && l->count ? "1" : "0");
    sg_args_adds(a, l->supplier);
}

static void
fb_args_update(struct sg_args *a, const struct fb_rules *r,
               const struct fb_doc *d)
{
    sg_args_adds(a, "update");
    sg_args_adds(a, d->kind);
    sg_args_addf(a, "%lld", d->at);
    sg_args_adds(a, d->value);
    sg_args_adds(a, d->note);
    sg_args_addf(a, "%lld", (long long)r->cfg->follow_up_after * 1000LL);
}

static enum sg_rules_result
fb_commit(struct fb_rules *r, redisContext *c, const struct fb_doc *d,
          const struct fb_link *l, const struct sg_entry *e,
          long long now_ms, struct sg_errors *errs)
{
    enum sg_rules_result res = SG_RULES_OK;
    struct sg_args a;
    redisReply *rep;

    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->apply_sha);
    sg_args_adds(&a, "10");
    sg_args_addf(&a, SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    sg_args_addf(&a, SG_KEY_TICKET "%s", d->ticket);
    sg_args_addf(&a, SG_KEY_TICKET "%s:history", d->ticket);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, SG_KEY_FEEDBACK_DEADLINES);
    sg_args_adds(&a, e->stream);
    sg_args_addf(&a, SG_KEY_LOT "%s:complaints", d->lot != NULL ? d->lot
                 : "-");
    sg_args_addf(&a, SG_KEY_SUPPLIER_COMPLAINTS "%s",
                 l->supplier != NULL ? l->supplier : "-");
    sg_args_adds(&a, SG_KEY_COMPLAINT_COUNTS);
    sg_args_adds(&a, SG_KEY_SATISFACTION);

    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, d->ticket);
    sg_args_adds(&a, FB_APPLIED_TTL);
    sg_args_adds(&a, e->msg);
    sg_args_addf(&a, "%lld", now_ms);
    if (d->is_update) {
        fb_args_update(&a, r, d);
    } else {
        fb_args_ticket(&a, r, d, l, e);
    }

    rep = sg_script_eval(c, &a, fb_apply_lua);
    if (rep == NULL) {
        res = SG_RULES_RETRY;
    } else if (rep->type == REDIS_REPLY_ERROR) {
        if (sg_script_transient(rep)) {
            res = SG_RULES_RETRY;
        } else {
            sg_errors_addf(errs, "rules.redis", "committing ticket %s: %s",
                           d->ticket, rep->str);
            res = SG_RULES_FAILED;
        }
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    return res;
}

/* --- the public face ----------------------------------------------------- */

static void *
fb_rules_create(const struct sg_config *cfg)
{
    struct fb_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(fb_apply_lua, r->apply_sha);
    sg_script_sha1(fb_sweep_lua, r->sweep_sha);
    return r;
}

static void
fb_rules_free(void *state)
{
    free(state);
}

static enum sg_rules_result
fb_rules_apply(void *state, redisContext *c, const struct sg_entry *e,
               long long now_ms, struct sg_errors *errs)
{
    struct fb_rules *r = state;
    enum sg_rules_result res;
    struct fb_doc d;
    struct fb_link l;

    if (fb_read(&d, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    memset(&l, 0, sizeof(l));
    l.via = "none";
    if (!d.is_update && fb_link(c, &d, &l) != 0) {
        fb_link_free(&l);
        fb_doc_free(&d);
        return SG_RULES_RETRY;
    }
    res = fb_commit(r, c, &d, &l, e, now_ms, errs);
    fb_link_free(&l);
    fb_doc_free(&d);
    return res;
}

/* Run the sweep script on one member; 1 raised, 0 not, -1 Redis error. */
static int
fb_sweep_one(struct fb_rules *r, redisContext *c, const char *member,
             long long now_ms)
{
    const char *bar = strrchr(member, '|');
    struct sg_args a;
    redisReply *rep;
    char *ticket;
    int rc = -1;

    if (bar == NULL || bar == member ||
        (strcmp(bar + 1, "first_response") != 0 &&
         strcmp(bar + 1, "second_level") != 0 &&
         strcmp(bar + 1, "follow_up") != 0)) {
        /* Nothing of ours; drop it so it is not read forever. */
        rep = redisCommand(c, "ZREM %s %s", SG_KEY_FEEDBACK_DEADLINES,
                           member);
        rc = rep != NULL && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
        if (rep != NULL) {
            freeReplyObject(rep);
        }
        return rc;
    }
    memset(&a, 0, sizeof(a));
    ticket = sg_xstrndup(member, (size_t)(bar - member));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sweep_sha);
    sg_args_adds(&a, "4");
    sg_args_adds(&a, SG_KEY_FEEDBACK_DEADLINES);
    sg_args_addf(&a, SG_KEY_TICKET "%s", ticket);
    sg_args_addf(&a, SG_KEY_TICKET "%s:history", ticket);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, member);
    sg_args_adds(&a, bar + 1);
    sg_args_addf(&a, "%lld", now_ms);
    sg_args_adds(&a, ticket);
    rep = sg_script_eval(c, &a, fb_sweep_lua);
    if (rep != NULL && rep->type == REDIS_REPLY_INTEGER) {
        rc = rep->integer > 0 ? 1 : 0;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    free(ticket);
    return rc;
}

static long
fb_rules_sweep(void *state, redisContext *c, long long now_ms)
{
    struct fb_rules *r = state;
    redisReply *rep;
    long raised = 0;
    size_t i, got;
    int rc, rounds;

    /*
     * Due means now is past the due time: "(now" leaves out a deadline
     * due this very millisecond, so an answer exactly at it is met.
     * XXX: the workers call the sweep on the queue reclaimer's beat
     * (core/worker.c), every max(sweep_interval, reclaim_idle / 2):
     * with the shipped 30 s reclaim_idle an escalation is up to 15 s
     * late.
     */
    for (rounds = 0; rounds < 100; rounds++) {
        rep = redisCommand(c, "ZRANGEBYSCORE %s -inf (%lld LIMIT 0 %d",
                           SG_KEY_FEEDBACK_DEADLINES, now_ms,
                           FB_SWEEP_BATCH);
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
            rc = fb_sweep_one(r, c, rep->element[i]->str, now_ms);
            if (rc < 0) {
                freeReplyObject(rep);
                return -1;
            }
            raised += rc;
        }
        freeReplyObject(rep);
        if (got < FB_SWEEP_BATCH) {
            break;
        }
    }
    return raised;
}

/* --- reading a ticket back --------------------------------------------- */

static json_t *
fb_json_str(const redisReply *h, const char *name)
{
    const char *s = sg_hash_get(h, name);

    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *
fb_json_ms(const redisReply *h, const char *name)
{
    const char *s = sg_hash_get(h, name);

    return s != NULL && s[0] != '\0'
           ? json_integer(strtoll(s, NULL, 10)) : json_null();
}

static json_t *
fb_json_time(const redisReply *h, const char *name)
{
    const char *s = sg_hash_get(h, name);
    char when[32];

    if (s == NULL || s[0] == '\0') {
        return json_null();
    }
    sg_format_time(strtoll(s, NULL, 10), when, sizeof(when));
    return json_string(when);
}

/* "1" true, "0" false, absent null. */
static json_t *
fb_json_flag(const redisReply *h, const char *name)
{
    const char *s = sg_hash_get(h, name);

    return s == NULL ? json_null() : json_boolean(strcmp(s, "1") == 0);
}

static json_t *
fb_json_first_response(const redisReply *h)
{
    const char *met = sg_hash_get(h, "first_response_met");
    int breached = sg_hash_get(h, "escalated_1") != NULL ||
                   (met != NULL && strcmp(met, "0") == 0);

    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:b}",
                     "due_ms", fb_json_ms(h, "first_response_due"),
                     "due", fb_json_time(h, "first_response_due"),
                     "second_level_due_ms",
                     fb_json_ms(h, "second_level_due"),
                     "at_ms", fb_json_ms(h, "first_response_at"),
                     "at", fb_json_time(h, "first_response_at"),
                     "met", fb_json_flag(h, "first_response_met"),
                     "breached", breached);
}

static json_t *
fb_json_escalations(const redisReply *h)
{
    json_t *arr = json_array();

    if (sg_hash_get(h, "escalated_1") != NULL) {
        json_array_append_new(arr, json_pack("{s:i,s:o}", "level", 1,
                              "at_ms", fb_json_ms(h, "escalated_1")));
    }
    if (sg_hash_get(h, "escalated_2") != NULL) {
        json_array_append_new(arr, json_pack("{s:i,s:o}", "level", 2,
                              "at_ms", fb_json_ms(h, "escalated_2")));
    }
    return arr;
}

static json_t *
fb_json_resolution(const redisReply *h)
{
    if (sg_hash_get(h, "resolved_at") == NULL) {
        return json_null();
    }
    return json_pack("{s:o,s:o,s:o,s:o}", "at_ms",
                     fb_json_ms(h, "resolved_at"), "at",
                     fb_json_time(h, "resolved_at"), "outcome",
                     fb_json_str(h, "outcome"), "note",
                     fb_json_str(h, "note_resolved"));
}

static json_t *
fb_json_follow_up(const redisReply *h)
{
    const char *score = sg_hash_get(h, "satisfaction");

    if (sg_hash_get(h, "follow_up_due") == NULL &&
        sg_hash_get(h, "follow_up_at") == NULL) {
        return json_null();
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "due_ms",
                     fb_json_ms(h, "follow_up_due"), "due",
                     fb_json_time(h, "follow_up_due"), "raised_ms",
                     fb_json_ms(h, "follow_up_raised"), "at_ms",
                     fb_json_ms(h, "follow_up_at"), "satisfaction",
                     score != NULL ? json_integer(atoi(score))
                                   : json_null(),
                     "note", fb_json_str(h, "note_follow_up"));
}

static json_t *
fb_json_history(const redisReply *hist)
{
    json_t *arr = json_array(), *v;
    size_t i;

    for (i = 0; i < hist->elements; i++) {
        if (hist->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        v = json_loads(hist->element[i]->str, 0, NULL);
        json_array_append_new(arr, v != NULL ? v
                              : json_string(hist->element[i]->str));
    }
    return arr;
}

static json_t *
fb_json_ticket(const char *id, const redisReply *h, const redisReply *hist)
{
    json_t *o = json_object();

    json_object_set_new(o, "ticket", json_string(id));
    json_object_set_new(o, "state", fb_json_str(h, "state"));
    json_object_set_new(o, "customer", json_pack("{s:o,s:o}", "id",
                        fb_json_str(h, "customer"), "name",
                        fb_json_str(h, "customer_name")));
    json_object_set_new(o, "channel", fb_json_str(h, "channel"));
    json_object_set_new(o, "category", fb_json_str(h, "category"));
    json_object_set_new(o, "severity", fb_json_str(h, "severity"));
    json_object_set_new(o, "item", fb_json_str(h, "item"));
    json_object_set_new(o, "text", fb_json_str(h, "text"));
    json_object_set_new(o, "requested_outcome",
                        fb_json_str(h, "requested_outcome"));
    json_object_set_new(o, "created", fb_json_str(h, "created_text"));
    json_object_set_new(o, "created_ms", fb_json_ms(h, "created"));
    json_object_set_new(o, "first_response", fb_json_first_response(h));
    json_object_set_new(o, "escalations", fb_json_escalations(h));
    json_object_set_new(o, "resolution", fb_json_resolution(h));
    json_object_set_new(o, "follow_up", fb_json_follow_up(h));
    json_object_set_new(o, "link", json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o}", "order", fb_json_str(h, "order"),
        "lot", fb_json_str(h, "lot"), "lot_known",
        fb_json_flag(h, "lot_known"), "supplier",
        fb_json_str(h, "supplier"), "supplier_known",
        fb_json_flag(h, "supplier_known"), "via",
        fb_json_str(h, "linked_via")));
    json_object_set_new(o, "msg", fb_json_str(h, "msg"));
    json_object_set_new(o, "entry", fb_json_str(h, "entry"));
    json_object_set_new(o, "history", fb_json_history(hist));
    return o;
}

static char *
fb_route_ticket(redisContext *c, const char *id, int *found)
{
    redisReply *h, *hist = NULL;
    char *text = NULL;
    json_t *o;

    *found = -1;
    h = redisCommand(c, "HGETALL " SG_KEY_TICKET "%s", id);
    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        goto done;
    }
    if (h->elements == 0) {
        *found = 0;
        goto done;
    }
    hist = redisCommand(c, "LRANGE " SG_KEY_TICKET "%s:history 0 -1",
                        id);
    if (hist == NULL || hist->type != REDIS_REPLY_ARRAY) {
        goto done;
    }
    o = fb_json_ticket(id, h, hist);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    *found = text != NULL ? 1 : -1;

done:
    if (h != NULL) {
        freeReplyObject(h);
    }
    if (hist != NULL) {
        freeReplyObject(hist);
    }
    return text;
}

/*
 * GET /v1/complaints/<supplier>: the quality tickets counted against a
 * supplier.  A supplier nobody complained about has none (200, not
 * 404): the rules do not know the registry here.
 * XXX: /v1/suppliers/<id>/complaints would read better, but an area
 * route is "<prefix><id>" only; a suffix in struct sg_area_route would
 * break every other area's initializer under -Werror.
 */
static char *
fb_route_supplier(redisContext *c, const char *id, int *found)
{
    redisReply *set, *count;
    json_t *o, *arr;
    char *text = NULL;
    size_t i;

    *found = -1;
    set = redisCommand(c, "SORT " SG_KEY_SUPPLIER_COMPLAINTS "%s ALPHA",
                       id);
    count = redisCommand(c, "HGET " SG_KEY_COMPLAINT_COUNTS " %s", id);
    if (set != NULL && set->type == REDIS_REPLY_ARRAY && count != NULL &&
        (count->type == REDIS_REPLY_STRING ||
         count->type == REDIS_REPLY_NIL)) {
        arr = json_array();
        for (i = 0; i < set->elements; i++) {
            json_array_append_new(arr, json_string(set->element[i]->str));
        }
        o = json_pack("{s:s,s:I,s:o}", "supplier", id, "complaints",
                      (json_int_t)(count->type == REDIS_REPLY_STRING
                                   ? strtoll(count->str, NULL, 10) : 0),
                      "tickets", arr);
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        *found = text != NULL ? 1 : -1;
    }
    if (set != NULL) {
        freeReplyObject(set);
    }
    if (count != NULL) {
        freeReplyObject(count);
    }
    return text;
}

/* --- the area ------------------------------------------------------------ */

static const char *const fb_types[] = {"feedback", NULL};

const struct sg_rules_area sg_area_feedback = {
    "feedback",
    fb_types,
    fb_rules_create,
    fb_rules_free,
    fb_rules_apply,
    fb_rules_sweep,
    {{"/v1/feedback/", "feedback.not_found", "no ticket with this id (it "
      "may still be in the queue)", fb_route_ticket},
     {"/v1/complaints/", "complaints.not_found", "no such supplier",
      fb_route_supplier},
     {NULL, NULL, NULL, NULL}}
};
