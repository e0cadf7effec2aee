/*
 * rules_order.c - the business rules for canonical orders, and the
 * deadline sweep.
 *
 * A worker hands over one stream entry.  We read the canonical XML,
 * decide in C (supplier qualification, approval level, delivery time
 * nodes), then commit every consequence - the order hash, its history,
 * the decision events, the deadlines, the applied-marker and the XACK -
 * in one Lua script, so Redis holds either all of it or none of it and a
 * redelivered entry changes nothing.
 *
 * The order hash sg:order:<number> (keys.h) has these fields:
 *   type, order, state ("processed", "held", "awaiting_approval",
 *   "cancelled"; cancelled_at and cancel_entry then),
 *   supplier (registry id, or the id the document gave when unknown),
 *   supplier_name, supplier_known ("1"/"0"), category, amount, currency,
 *   approval ("auto", "manager", "director"), holds (JSON array of
 *   {code, message}), order_date, lines, received, processing_due,
 *   processed_at, dispatch_due (epoch ms; the last two only once
 *   processed), msg, entry, stream, partner, breach_<node> ("1" once an
 *   SLA breach of that node was raised), dispatched_at (set by whoever
 *   records the goods leaving: it closes the dispatch node),
 *   dispatch_limit (ms, what dispatch_due will be counted with when the
 *   order is approved later), decided_by and decided_at (the operator
 *   who approved or released it, approval.c).
 *
 * Order numbers are unique per supplier.  The first order to use a
 * number is filed under sg:order:<number>; the same number again from
 * the same supplier is a business duplicate (a duplicate_order event,
 * nothing processed); from another supplier it is that supplier's own
 * order, filed under sg:order:<number>~<supplier> with an
 * order_number_conflict event and a note in the first order's history,
 * so a partner that used a number first cannot make another's order
 * vanish as its "duplicate".
 * XXX: tracking and feedback that name only a number reach the order
 * filed under the bare number.
 *
 * Rules, as decided here:
 * - A supplier is found by the document's supplier/@id, then by
 *   "qualifier:id", among registry ids and aliases.  Unknown: hold
 *   supplier_unknown and category "default".
 * - The envelope sender, when there is one, must be the supplier: its
 *   id or one of its aliases (qualifiers aside); else hold
 *   sender_not_supplier.  No partner orders in another's name.
 * - status or grade "blocked": hold supplier_blocked.
 * - Each of licence, tax registration, organisation code and
 *   certificate: not recorded (0) is a hold <x>_missing; an expiry day
 *   before the day (UTC) the order was received is <x>_expired.  The
 *   expiry day itself is still valid: a licence that expires on the 4th
 *   covers an order received on the 4th.
 * - Amount: the sum of quantity x unitPrice when every line has a
 *   price; else totalAmount when given; else the sum of the priced
 *   lines (0 when none), and the order is held amount_unknown: its
 *   approval level cannot be decided on a lower bound.
 * - Approval: amount > director_above is "director", > manager_above
 *   "manager", else "auto"; an amount exactly at a threshold takes the
 *   lower level.  With no rule for the category and no "default" rule,
 *   every order is "auto".
 * - A held order is "held" whatever its approval; an order that needs
 *   approval is "awaiting_approval"; otherwise it is processed at once.
 *   Its processing node is due received + processing_limit; dispatch is
 *   due processed_at + dispatch_limit.  An order processed after its
 *   processing deadline (the queue was backed up) gets its sla_breach
 *   raised by the apply itself.
 *
 * A held or awaiting_approval order stays so until an operator
 * releases or approves it (approval.c); its processing node breaches
 * meanwhile.
 * XXX: amounts are doubles rounded to six decimals; sums of many lines
 * with long fractions may differ from an exact decimal sum in the last
 * place, which matters only at exactly a threshold.
 * XXX: a totalAmount that disagrees with the priced lines is not
 * flagged; the lines win silently.
 * XXX: sg:events is never trimmed; it grows with every decision until an
 * operator trims it (XTRIM).
 * XXX: status "probation" and grades A-C change nothing yet.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "schema.h"
#include "script.h"
#include "supplier_check.h"

#define SG_APPLIED_TTL      "2592000"   /* 30 days, in seconds */
#define SG_SWEEP_BATCH      100
#define SG_MAX_HOLDS        12

/*
 * The commit.  KEYS: applied-marker, order hash, history, events,
 * deadlines, stream, history of the order that holds the bare number.
 * ARGV: group, entry, order key, marker TTL, marker value, then n and
 * n field/value pairs, then n and n events of (type, at, detail JSON,
 * history JSON), then n and n deadlines of (score, member), then the
 * duplicate event (at, detail, history), the supplier, the note left
 * on the bare number's history when this order had to take its
 * supplier-scoped key ("" otherwise), the purpose ("original",
 * "cancel", "change") and its event's detail and history line.
 *
 * A cancel or a change of an order the supplier already sent is applied
 * to it: a cancel closes it (state "cancelled", its open nodes dropped),
 * a change replaces its fields and decisions as if it had just arrived
 * (approval and holds decided again, nodes counted from the change).  A
 * cancelled order takes no more changes: they are recorded as
 * duplicates.  A cancel for an order never seen is filed cancelled.
 *
 * Order numbers are unique per supplier, not across suppliers: the same
 * number from the same supplier is a business duplicate (recorded, not
 * processed); from another supplier it is another order, and the
 * script answers "conflict" without touching anything so the caller
 * retries under the key "<number>~<supplier>".
 */
static const char sg_apply_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[4])\n"
    "  redis.call('XACK', KEYS[6], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[6], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "local i = 6\n"
    "local nf = tonumber(ARGV[i]); i = i + 1\n"
    "local fields = {}\n"
    "for k = 1, nf * 2 do fields[k] = ARGV[i]; i = i + 1 end\n"
    "local ne = tonumber(ARGV[i]); i = i + 1\n"
    "local ev = i; i = i + ne * 4\n"
    "local nd = tonumber(ARGV[i]); i = i + 1\n"
    "local dl = i; i = i + nd * 2\n"
    "local function apply()\n"
    "  redis.call('HSET', KEYS[2], unpack(fields))\n"
    "  for k = 0, ne - 1 do\n"
    "    local b = ev + k * 4\n"
    "    redis.call('RPUSH', KEYS[3], ARGV[b + 3])\n"
    "    redis.call('XADD', KEYS[4], '*', 'type', ARGV[b],\n"
    "      'subject', 'order', 'order', ARGV[3], 'detail', ARGV[b + 2],\n"
    "      'at', ARGV[b + 1])\n"
    "  end\n"
    "  for k = 0, nd - 1 do\n"
    "    redis.call('ZADD', KEYS[5], ARGV[dl + k * 2],\n"
    "      ARGV[dl + k * 2 + 1])\n"
    "  end\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[2]) == 1 then\n"
    "  if redis.call('HGET', KEYS[2], 'entry') == ARGV[2] or\n"
    "     redis.call('HGET', KEYS[2], 'cancel_entry') == ARGV[2] then\n"
    "    return done('seen')\n"
    "  end\n"
    "  if redis.call('HGET', KEYS[2], 'supplier') ~= ARGV[i + 3] then\n"
    "    return 'conflict'\n"
    "  end\n"
    "  local state = redis.call('HGET', KEYS[2], 'state')\n"
    "  local purpose = ARGV[i + 5]\n"
    "  if purpose ~= 'original' and state ~= 'cancelled' then\n"
    "    redis.call('RPUSH', KEYS[3], ARGV[i + 7])\n"
    "    redis.call('XADD', KEYS[4], '*', 'type', 'order_' .. purpose ..\n"
    "      (purpose == 'cancel' and 'led' or 'd'), 'subject', 'order',\n"
    "      'order', ARGV[3], 'detail', ARGV[i + 6], 'at', ARGV[i])\n"
    "    redis.call('ZREM', KEYS[5], ARGV[3] .. '|dispatch')\n"
    "    if purpose == 'cancel' then\n"
    "      redis.call('ZREM', KEYS[5], ARGV[3] .. '|processing')\n"
    "      redis.call('HSET', KEYS[2], 'state', 'cancelled',\n"
    "        'cancelled_at', ARGV[i], 'cancel_entry', ARGV[2])\n"
    "      return done('cancelled')\n"
    "    end\n"
    "    redis.call('HDEL', KEYS[2], 'processed_at', 'dispatch_due')\n"
    "    apply()\n"
    "    return done('changed')\n"
    "  end\n"
    "  redis.call('RPUSH', KEYS[3], ARGV[i + 2])\n"
    "  redis.call('XADD', KEYS[4], '*', 'type', 'duplicate_order',\n"
    "    'subject', 'order', 'order', ARGV[3], 'detail', ARGV[i + 1],\n"
    "    'at', ARGV[i])\n"
    "  return done('duplicate')\n"
    "end\n"
    "apply()\n"
    "if ARGV[i + 4] ~= '' then\n"
    "  redis.call('RPUSH', KEYS[7], ARGV[i + 4])\n"
    "end\n"
    "return done('applied')\n";

/*
 * One due deadline.  KEYS: deadlines, order hash, history, events.
 * ARGV: member, node ("processing" or "dispatch"), now, order number.
 * Returns 1 when it raised a breach.  The ZSCORE check makes a second
 * sweeper that read the same member find nothing to do.
 */
static const char sg_sweep_lua[] =
    "local due = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
    "if not due or tonumber(due) >= tonumber(ARGV[3]) then return 0 end\n"
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"
    "if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end\n"
    "local met = 'processed_at'\n"
    "if ARGV[2] == 'dispatch' then met = 'dispatched_at' end\n"
    "if redis.call('HEXISTS', KEYS[2], met) == 1 then return 0 end\n"
    "local flag = 'breach_' .. ARGV[2]\n"
    "if redis.call('HEXISTS', KEYS[2], flag) == 1 then return 0 end\n"
    "local late = tonumber(ARGV[3]) - tonumber(due)\n"
    "local detail = string.format(\n"
    "  '{\"node\":\"%s\",\"due_ms\":%d,\"late_ms\":%d}',\n"
    "  ARGV[2], tonumber(due), late)\n"
    "redis.call('HSET', KEYS[2], flag, '1')\n"
    "redis.call('RPUSH', KEYS[3], string.format(\n"
    "  '{\"type\":\"sla_breach\",\"at\":%s,\"detail\":%s}',\n"
    "  ARGV[3], detail))\n"
    "redis.call('XADD', KEYS[4], '*', 'type', 'sla_breach',\n"
    "  'subject', 'order', 'order', ARGV[4], 'detail', detail,\n"
    "  'at', ARGV[3])\n"
    "return 1\n";

struct sg_order_rules {
    const struct sg_config *cfg;
    char apply_sha[41];
    char sweep_sha[41];
};

/* What the rules read from a canonical order. */
struct sg_order {
    char *number;
    char *date;
    char *supplier_id;
    char *supplier_qual;
    char *supplier_name;
    char *currency;
    char *requested_delivery;   /* promised date, read by shipments */
    double amount;
    long lines;
    long unpriced;          /* lines without a price, no totalAmount */
    const char *purpose;    /* "original", "cancel" or "change" */
};

struct sg_hold {
    const char *code;
    char *message;
};

/* What was decided, before it is committed. */
struct sg_decision {
    const struct sg_supplier *sup;
    const char *category;
    const char *approval;
    double threshold;           /* the one exceeded, when not auto */
    struct sg_hold holds[SG_MAX_HOLDS];
    size_t n_holds;
    const char *state;
    long long received;
    long long processing_due;
    long long processed_at;     /* 0 when not processed */
    long long dispatch_due;
    long long dispatch_limit_ms;    /* kept for a later approval */
    int processed_late;
};

/* --- small helpers ----------------------------------------------------- */

/*
 * A decimal rounded to six places and printed without trailing zeros:
 * the amount a person reads is the amount the threshold was compared
 * with.
 */
static void
sg_amount_text(double v, char *out, size_t outlen)
{
    size_t n;

    snprintf(out, outlen, "%.6f", v);
    n = strlen(out);
    while (n > 0 && out[n - 1] == '0') {
        out[--n] = '\0';
    }
    if (n > 0 && out[n - 1] == '.') {
        out[--n] = '\0';
    }
    if (strcmp(out, "-0") == 0) {
        snprintf(out, outlen, "0");
    }
}

/* --- reading the order --------------------------------------------------- */

/* Parse a decimal element.  0 ok (or absent: *present = 0), -1 bad. */
static int
sg_decimal(const xmlNode *n, double *v, int *present)
{
    char *s = sg_cx_text(n), *end;
    int rc = 0;

    *present = s != NULL;
    *v = 0;
    if (s == NULL) {
        return 0;
    }
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(*v) ||
        strpbrk(s, "xXpPnNiI") != NULL) {
        rc = -1;
    }
    free(s);
    return rc;
}

static void
sg_order_free(struct sg_order *o)
{
    free(o->number);
    free(o->date);
    free(o->supplier_id);
    free(o->supplier_qual);
    free(o->supplier_name);
    free(o->currency);
    free(o->requested_delivery);
    memset(o, 0, sizeof(*o));
}

static int
sg_order_amount(struct sg_order *o, const xmlNode *root,
                struct sg_errors *errs)
{
    const xmlNode *lines = sg_cx_child(root, "lines"), *l;
    double sum = 0, q, p, total;
    int has_q, has_p, has_total, all_priced = 1;
    char rounded[64];

    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        if (!sg_cx_is(l, "line")) {
            continue;
        }
        o->lines++;
        if (sg_decimal(sg_cx_child(l, "quantity"), &q, &has_q) != 0 ||
            sg_decimal(sg_cx_child(l, "unitPrice"), &p, &has_p) != 0) {
            sg_errors_addf(errs, "rules.bad_field", "order %s line %ld: "
                           "quantity or unitPrice is not a decimal",
                           o->number, o->lines);
            return -1;
        }
        if (has_q && has_p) {
            sum += q * p;
        } else {
            all_priced = 0;
        }
    }
    if (sg_decimal(sg_cx_child(root, "totalAmount"), &total, &has_total)
        != 0) {
        sg_errors_addf(errs, "rules.bad_field", "order %s: totalAmount "
                       "is not a decimal", o->number);
        return -1;
    }
    if ((!all_priced || o->lines == 0) && has_total) {
        sum = total;
    } else if (!all_priced) {
        /* The amount is only a lower bound: count what is missing. */
        for (l = lines->children; l != NULL; l = l->next) {
            if (sg_cx_is(l, "line") && sg_cx_child(l, "unitPrice") == NULL) {
                o->unpriced++;
            }
        }
    }
    sg_amount_text(sum, rounded, sizeof(rounded));
    o->amount = strtod(rounded, NULL);
    return 0;
}

/*
 * What the document asks of an order: the plugins write X12 BEG01 and
 * EDIFACT BGM 1225 as words.  A replacement is a change; a deletion is
 * a cancel; confirmations, duplicates and copies are taken as the
 * original (a second copy is then a business duplicate).
 */
static const char *
sg_order_purpose(const xmlNode *n)
{
    xmlChar *raw = n != NULL ? xmlNodeGetContent(n) : NULL;
    const char *p = "original";

    if (raw != NULL) {
        if (xmlStrEqual(raw, (const xmlChar *)"cancel") ||
            xmlStrEqual(raw, (const xmlChar *)"delete")) {
            p = "cancel";
        } else if (xmlStrEqual(raw, (const xmlChar *)"change") ||
                   xmlStrEqual(raw, (const xmlChar *)"replace")) {
            p = "change";
        }
        xmlFree(raw);
    }
    return p;
}

static int
sg_order_read(struct sg_order *o, const struct sg_entry *e,
              struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *sup;
    int rc = -1;

    memset(o, 0, sizeof(*o));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "order")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is not "
                       "a canonical <order>");
        goto done;
    }
    o->number = sg_cx_text(sg_cx_child(root, "orderNumber"));
    o->date = sg_cx_text(sg_cx_child(root, "orderDate"));
    o->currency = sg_cx_text(sg_cx_child(root, "currency"));
    o->requested_delivery = sg_cx_text(sg_cx_child(root, "requestedDelivery"));
    o->purpose = sg_order_purpose(sg_cx_child(root, "purpose"));
    sup = sg_cx_child(root, "supplier");
    o->supplier_id = sg_cx_attr(sup, "id");
    o->supplier_qual = sg_cx_attr(sup, "qualifier");
    o->supplier_name = sg_cx_text(sg_cx_child(sup, "name"));
    if (o->number == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "the order has no "
                       "orderNumber");
        goto done;
    }
    if (o->supplier_id == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "order %s names no "
                       "supplier id", o->number);
        goto done;
    }
    rc = sg_order_amount(o, root, errs);

done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        sg_order_free(o);
    }
    return rc;
}

/* --- deciding -------------------------------------------------------- */

/* The registry entry for id, by id or alias; NULL when unknown. */
static const struct sg_supplier *
sg_supplier_find(const struct sg_config *cfg, const char *id)
{
    size_t i, j;

    for (i = 0; id != NULL && i < cfg->n_suppliers; i++) {
        const struct sg_supplier *s = &cfg->suppliers[i];

        if (s->id != NULL && strcmp(s->id, id) == 0) {
            return s;
        }
        for (j = 0; j < s->n_aliases; j++) {
            if (s->aliases[j] != NULL && strcmp(s->aliases[j], id) == 0) {
                return s;
            }
        }
    }
    return NULL;
}

/* The part after "QUAL:", or all of it. */
static const char *
sg_id_part(const char *id)
{
    const char *colon = strchr(id, ':');

    return colon != NULL ? colon + 1 : id;
}

/* Is sender ("ZZ:ACMEPARTS", "5412345000013") one of s's ids?  A
 * qualifier on either side is not needed to match. */
static int
sg_supplier_named_by(const struct sg_supplier *s, const char *sender)
{
    size_t j;

    if (strcmp(sg_id_part(s->id), sg_id_part(sender)) == 0) {
        return 1;
    }
    for (j = 0; j < s->n_aliases; j++) {
        if (s->aliases[j] != NULL &&
            (strcmp(s->aliases[j], sender) == 0 ||
             strcmp(sg_id_part(s->aliases[j]), sg_id_part(sender)) == 0)) {
            return 1;
        }
    }
    return 0;
}

static const struct sg_approval *
sg_approval_find(const struct sg_config *cfg, const char *category)
{
    const struct sg_approval *fallback = NULL;
    size_t i;

    for (i = 0; i < cfg->n_approvals; i++) {
        const char *c = cfg->approvals[i].category;

        if (c != NULL && strcmp(c, category) == 0) {
            return &cfg->approvals[i];
        }
        if (c != NULL && strcmp(c, "default") == 0) {
            fallback = &cfg->approvals[i];
        }
    }
    return fallback;
}

static void
sg_hold_add(struct sg_decision *d, const char *code, char *message)
{
    if (d->n_holds == SG_MAX_HOLDS) {
        free(message);
        return;
    }
    d->holds[d->n_holds].code = code;
    d->holds[d->n_holds].message = message;
    d->n_holds++;
}

/* A reason the supplier is not qualified becomes a hold. */
static void
sg_hold_reason(void *arg, const char *code, char *message)
{
    sg_hold_add(arg, code, message);
}

static void
sg_qualify(struct sg_decision *d, const struct sg_config *cfg,
           const struct sg_order *o)
{
    const struct sg_supplier *s;
    long long day = (d->received / 1000) - (d->received / 1000) % 86400;
    char *qualified;

    s = sg_supplier_find(cfg, o->supplier_id);
    if (s == NULL && o->supplier_qual != NULL) {
        qualified = sg_xasprintf("%s:%s", o->supplier_qual, o->supplier_id);
        s = sg_supplier_find(cfg, qualified);
        free(qualified);
    }
    d->sup = s;
    if (s == NULL) {
        d->category = "default";
        sg_hold_add(d, "supplier_unknown", sg_xasprintf("supplier \"%s\"%s"
                    "%s%s is not in the supplier registry", o->supplier_id,
                    o->supplier_name ? " (" : "",
                    o->supplier_name ? o->supplier_name : "",
                    o->supplier_name ? ")" : ""));
        return;
    }
    d->category = s->category != NULL && s->category[0] != '\0'
                  ? s->category : "default";
    sg_supplier_check(s, day, sg_hold_reason, d);
}

static void
sg_decide(struct sg_decision *d, const struct sg_config *cfg,
          const struct sg_order *o, const struct sg_entry *e,
          long long now_ms)
{
    const struct sg_approval *a;

    memset(d, 0, sizeof(*d));
    d->received = e->received_ms;
    sg_qualify(d, cfg, o);
    if (d->sup != NULL && e->partner != NULL && e->partner[0] != '\0' &&
        !sg_supplier_named_by(d->sup, e->partner)) {
        /* The document names a registered supplier, but another party
         * sent it: it may not order in that supplier's name. */
        sg_hold_add(d, "sender_not_supplier", sg_xasprintf(
            "the interchange came from %s, which is none of supplier "
            "%s's ids (add it to the supplier's aliases if it sends for "
            "them)", e->partner, d->sup->id));
    }
    if (o->unpriced > 0) {
        /* An order whose amount is unknown cannot be approved by it:
         * someone must price it first. */
        sg_hold_add(d, "amount_unknown", sg_xasprintf(
            "%ld of %ld lines have no unit price and the order gives no "
            "totalAmount: its approval level cannot be decided",
            o->unpriced, o->lines));
    }

    a = sg_approval_find(cfg, d->category);
    d->approval = "auto";
    if (a != NULL && o->amount > a->director_above) {
        d->approval = "director";
        d->threshold = a->director_above;
    } else if (a != NULL && o->amount > a->manager_above) {
        d->approval = "manager";
        d->threshold = a->manager_above;
    }

    d->processing_due = d->received + cfg->processing_limit * 1000LL;
    d->dispatch_limit_ms = cfg->dispatch_limit * 1000LL;
    if (strcmp(o->purpose, "cancel") == 0) {
        /* Filed only if no order is there to cancel: closed at once. */
        d->state = "cancelled";
    } else if (d->n_holds > 0) {
        d->state = "held";
    } else if (strcmp(d->approval, "auto") != 0) {
        d->state = "awaiting_approval";
    } else {
        d->state = "processed";
        d->processed_at = now_ms;
        d->dispatch_due = now_ms + cfg->dispatch_limit * 1000LL;
        d->processed_late = now_ms > d->processing_due;
    }
}

static void
sg_decision_free(struct sg_decision *d)
{
    size_t i;

    for (i = 0; i < d->n_holds; i++) {
        free(d->holds[i].message);
    }
}

/* --- committing ---------------------------------------------------------- */

/* One event: type, at, detail, and the history line; takes detail. */
static void
sg_event_add(struct sg_args *a, const char *type, long long at,
             json_t *detail)
{
    json_t *h = json_object();

    json_object_set_new(h, "type", json_string(type));
    json_object_set_new(h, "at", json_integer(at));
    json_object_set(h, "detail", detail);
    sg_args_adds(a, type);
    sg_args_addf(a, "%lld", at);
    sg_args_add_json(a, detail);
    sg_args_add_json(a, h);
}

static void
sg_field(struct sg_args *a, size_t *n, const char *name, const char *v)
{
    sg_args_adds(a, name);
    sg_args_adds(a, v != NULL ? v : "");
    (*n)++;
}

static void
sg_fieldll(struct sg_args *a, size_t *n, const char *name, long long v)
{
    sg_args_adds(a, name);
    sg_args_addf(a, "%lld", v);
    (*n)++;
}

static json_t *
sg_holds_json(const struct sg_decision *d)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < d->n_holds; i++) {
        json_array_append_new(arr, json_pack("{s:s,s:s}", "code",
                                             d->holds[i].code, "message",
                                             d->holds[i].message));
    }
    return arr;
}

static void
sg_args_fields(struct sg_args *a, const struct sg_order *o,
               const struct sg_decision *d, const struct sg_entry *e)
{
    char amount[64], *holds;
    size_t count_at, n = 0;
    json_t *h = sg_holds_json(d);

    sg_amount_text(o->amount, amount, sizeof(amount));
    holds = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    count_at = a->n;
    sg_args_adds(a, "0");           /* the count, set below */
    sg_field(a, &n, "type", "order");
    sg_field(a, &n, "order", o->number);
    sg_field(a, &n, "state", d->state);
    sg_field(a, &n, "supplier", d->sup ? d->sup->id : o->supplier_id);
    sg_field(a, &n, "supplier_name", d->sup && d->sup->name
             ? d->sup->name : o->supplier_name);
    sg_field(a, &n, "supplier_known", d->sup ? "1" : "0");
    sg_field(a, &n, "category", d->category);
    sg_field(a, &n, "amount", amount);
    sg_field(a, &n, "currency", o->currency);
    sg_field(a, &n, "approval", d->approval);
    sg_field(a, &n, "holds", holds);
    sg_field(a, &n, "order_date", o->date);
    sg_fieldll(a, &n, "lines", o->lines);
    sg_fieldll(a, &n, "received", d->received);
    sg_fieldll(a, &n, "processing_due", d->processing_due);
    sg_fieldll(a, &n, "dispatch_limit", d->dispatch_limit_ms);
    if (d->processed_at != 0) {
        sg_fieldll(a, &n, "processed_at", d->processed_at);
        sg_fieldll(a, &n, "dispatch_due", d->dispatch_due);
    }
    if (d->processed_late) {
        sg_field(a, &n, "breach_processing", "1");
    }
    sg_field(a, &n, "msg", e->msg);
    sg_field(a, &n, "entry", e->id);
    sg_field(a, &n, "stream", e->stream);
    sg_field(a, &n, "partner", e->partner);
    if (o->requested_delivery != NULL) {
        sg_field(a, &n, "requested_delivery", o->requested_delivery);
    }
    free(holds);
    sg_args_count(a, count_at, n);
}

static void
sg_args_events(struct sg_args *a, const struct sg_order *o,
               const struct sg_decision *d, const struct sg_entry *e,
               const char *key, long long now_ms)
{
    size_t i, count_at = a->n, n = 0;

    sg_args_adds(a, "0");
    sg_event_add(a, "order_received", d->received, json_pack(
        "{s:s?,s:s,s:s,s:f,s:s?,s:I}", "msg", e->msg, "entry", e->id,
        "supplier", o->supplier_id, "amount", o->amount, "currency",
        o->currency, "received_ms", (json_int_t)d->received));
    n++;
    if (strcmp(key, o->number) != 0) {
        sg_event_add(a, "order_number_conflict", now_ms, json_pack(
            "{s:s,s:s,s:s}", "number", o->number, "filed_as", key,
            "message", "another supplier's order already holds this "
            "number; this order is filed under its supplier-scoped key"));
        n++;
    }
    if (strcmp(o->purpose, "cancel") == 0) {
        /* A cancel for an order never seen: nothing to decide. */
        sg_event_add(a, "order_cancelled", now_ms, json_pack(
            "{s:s?,s:b}", "msg", e->msg, "unknown_before", 1));
        n++;
        goto counted;
    }
    for (i = 0; i < d->n_holds; i++) {
        sg_event_add(a, "supplier_hold", now_ms, json_pack("{s:s,s:s}",
                     "code", d->holds[i].code, "message",
                     d->holds[i].message));
        n++;
    }
    if (strcmp(d->approval, "auto") != 0) {
        sg_event_add(a, "approval_required", now_ms, json_pack(
            "{s:s,s:f,s:s,s:f}", "level", d->approval, "amount",
            o->amount, "category", d->category, "above", d->threshold));
        n++;
    } else if (d->n_holds == 0) {
        sg_event_add(a, "order_approved", now_ms, json_pack(
            "{s:s,s:f,s:s}", "level", "auto", "amount", o->amount,
            "category", d->category));
        n++;
    }
    if (d->processed_at != 0) {
        sg_event_add(a, "order_processed", d->processed_at, json_pack(
            "{s:I,s:I}", "processed_ms", (json_int_t)d->processed_at,
            "dispatch_due_ms", (json_int_t)d->dispatch_due));
        n++;
    }
    if (d->processed_late) {
        sg_event_add(a, "sla_breach", now_ms, json_pack(
            "{s:s,s:I,s:I}", "node", "processing", "due_ms",
            (json_int_t)d->processing_due, "late_ms",
            (json_int_t)(d->processed_at - d->processing_due)));
        n++;
    }
counted:
    sg_args_count(a, count_at, n);
}

/* The event recorded instead when the order number is taken: at,
 * detail, history line. */
static void
sg_args_duplicate(struct sg_args *a, const struct sg_order *o,
                  const struct sg_entry *e, long long now_ms)
{
    json_t *det, *h;

    det = json_pack("{s:s?,s:s,s:s,s:I}", "msg", e->msg, "entry", e->id,
                    "supplier", o->supplier_id, "received_ms",
                    (json_int_t)e->received_ms);
    h = json_pack("{s:s,s:I,s:O}", "type", "duplicate_order", "at",
                  (json_int_t)now_ms, "detail", det);
    sg_args_addf(a, "%lld", now_ms);
    sg_args_add_json(a, det);
    sg_args_add_json(a, h);
}

/* The purpose, and the event recorded when it cancels or changes an
 * order already there: detail, history line. */
static void
sg_args_purpose(struct sg_args *a, const struct sg_order *o,
                const struct sg_entry *e, long long now_ms)
{
    json_t *det, *h;
    int cancel = strcmp(o->purpose, "cancel") == 0;

    det = json_pack("{s:s?,s:s,s:f,s:I}", "msg", e->msg, "entry", e->id,
                    "amount", o->amount, "received_ms",
                    (json_int_t)e->received_ms);
    h = json_pack("{s:s,s:I,s:O}", "type", cancel ? "order_cancelled"
                  : "order_changed", "at", (json_int_t)now_ms, "detail",
                  det);
    sg_args_adds(a, o->purpose);
    sg_args_add_json(a, det);
    sg_args_add_json(a, h);
}

/* What the commit script answered, beyond a Redis error. */
enum sg_commit_result {
    SG_COMMIT_DONE = 0,         /* applied, seen or duplicate: acked */
    SG_COMMIT_CONFLICT = 1      /* the bare number is another supplier's */
};

/* The supplier the order is filed under: the registry id when known. */
static const char *
sg_order_supplier(const struct sg_order *o, const struct sg_decision *d)
{
    return d->sup != NULL ? d->sup->id : o->supplier_id;
}

/*
 * Commit the order under key ("PO-1", or "PO-1~ACME" when another
 * supplier holds "PO-1").  *conflict is set when the script found the
 * key taken by another supplier and changed nothing.
 */
static enum sg_rules_result
sg_commit(struct sg_order_rules *r, redisContext *c,
          const struct sg_order *o, const char *key,
          const struct sg_decision *d, const struct sg_entry *e,
          long long now_ms, int *conflict, struct sg_errors *errs)
{
    struct sg_args a;
    redisReply *rep;
    enum sg_rules_result res = SG_RULES_OK;
    int scoped = strcmp(key, o->number) != 0;

    *conflict = 0;
    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->apply_sha);
    sg_args_adds(&a, "7");
    sg_args_addf(&a, SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    sg_args_addf(&a, SG_KEY_ORDER "%s", key);
    sg_args_addf(&a, SG_KEY_ORDER "%s:history", key);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, SG_KEY_DEADLINES);
    sg_args_adds(&a, e->stream);
    sg_args_addf(&a, SG_KEY_ORDER "%s:history", o->number);

    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, key);
    sg_args_adds(&a, SG_APPLIED_TTL);
    sg_args_adds(&a, e->msg != NULL ? e->msg : "");
    sg_args_fields(&a, o, d, e);
    sg_args_events(&a, o, d, e, key, now_ms);

    /* The processing node is always scheduled (but for a cancelled
     * order); the sweep finds it met when the order was processed in
     * time. */
    if (strcmp(o->purpose, "cancel") == 0) {
        sg_args_adds(&a, "0");
    } else {
        sg_args_adds(&a, d->processed_at != 0 ? "2" : "1");
        sg_args_addf(&a, "%lld", d->processing_due);
        sg_args_addf(&a, "%s|processing", key);
        if (d->processed_at != 0) {
            sg_args_addf(&a, "%lld", d->dispatch_due);
            sg_args_addf(&a, "%s|dispatch", key);
        }
    }

    sg_args_duplicate(&a, o, e, now_ms);
    sg_args_adds(&a, sg_order_supplier(o, d));
    if (scoped) {
        json_t *h = json_pack("{s:s,s:I,s:{s:s,s:s,s:s?}}", "type",
                              "order_number_conflict", "at",
                              (json_int_t)now_ms, "detail", "order", key,
                              "supplier", sg_order_supplier(o, d), "msg",
                              e->msg);

        sg_args_add_json(&a, h);
    } else {
        sg_args_adds(&a, "");
    }
    sg_args_purpose(&a, o, e, now_ms);

    rep = sg_script_eval(c, &a, sg_apply_lua);
    if (rep == NULL) {
        res = SG_RULES_RETRY;
    } else if (rep->type == REDIS_REPLY_ERROR) {
        if (sg_script_transient(rep)) {
            res = SG_RULES_RETRY;
        } else {
            sg_errors_addf(errs, "rules.redis", "committing order %s: %s",
                           key, rep->str);
            res = SG_RULES_FAILED;
        }
    } else if (rep->type == REDIS_REPLY_STATUS ||
               rep->type == REDIS_REPLY_STRING) {
        *conflict = strcmp(rep->str, "conflict") == 0;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    return res;
}

/* --- the public face ----------------------------------------------------- */

static void *
sg_order_rules_create(const struct sg_config *cfg)
{
    struct sg_order_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(sg_apply_lua, r->apply_sha);
    sg_script_sha1(sg_sweep_lua, r->sweep_sha);
    return r;
}

static void
sg_order_rules_free(void *state)
{
    free(state);
}

static enum sg_rules_result
sg_order_rules_apply(void *state, redisContext *c,
                     const struct sg_entry *e, long long now_ms,
                     struct sg_errors *errs)
{
    struct sg_order_rules *r = state;
    struct sg_order o;
    struct sg_decision d;
    enum sg_rules_result res;
    char *key;
    int conflict;

    if (sg_order_read(&o, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    sg_decide(&d, r->cfg, &o, e, now_ms);
    res = sg_commit(r, c, &o, o.number, &d, e, now_ms, &conflict, errs);
    if (res == SG_RULES_OK && conflict) {
        /* Another supplier's order holds this number: this one is its
         * own order, filed under a supplier-scoped key. */
        key = sg_xasprintf("%s~%s", o.number, sg_order_supplier(&o, &d));
        res = sg_commit(r, c, &o, key, &d, e, now_ms, &conflict, errs);
        if (res == SG_RULES_OK && conflict) {
            sg_errors_addf(errs, "rules.order_key_taken", "order %s: "
                           "neither %s nor %s is free for supplier %s",
                           o.number, o.number, key,
                           sg_order_supplier(&o, &d));
            res = SG_RULES_FAILED;
        }
        free(key);
    }
    sg_decision_free(&d);
    sg_order_free(&o);
    return res;
}

/* Run the sweep script on one member; 1 raised, 0 not, -1 Redis error. */
static int
sg_sweep_one(struct sg_order_rules *r, redisContext *c, const char *member,
             long long now_ms)
{
    const char *bar = strrchr(member, '|');
    struct sg_args a;
    redisReply *rep;
    char *order;
    int rc = -1;

    memset(&a, 0, sizeof(a));
    if (bar == NULL || bar == member ||
        (strcmp(bar + 1, "processing") != 0 &&
         strcmp(bar + 1, "dispatch") != 0)) {
        /* Not ours to judge; drop it so it is not read forever. */
        rep = redisCommand(c, "ZREM %s %s", SG_KEY_DEADLINES, member);
        rc = rep != NULL && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
        if (rep != NULL) {
            freeReplyObject(rep);
        }
        return rc;
    }
    order = sg_xstrndup(member, (size_t)(bar - member));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sweep_sha);
    sg_args_adds(&a, "4");
    sg_args_adds(&a, SG_KEY_DEADLINES);
    sg_args_addf(&a, SG_KEY_ORDER "%s", order);
    sg_args_addf(&a, SG_KEY_ORDER "%s:history", order);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, member);
    sg_args_adds(&a, bar + 1);
    sg_args_addf(&a, "%lld", now_ms);
    sg_args_adds(&a, order);
    rep = sg_script_eval(c, &a, sg_sweep_lua);
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
sg_order_rules_sweep(void *state, redisContext *c, long long now_ms)
{
    struct sg_order_rules *r = state;
    redisReply *rep;
    long raised = 0;
    size_t i, got;
    int rc, rounds;

    /*
     * A node is breached once now is past its due time, not at it: "(now"
     * excludes a deadline due this very millisecond.  Each round removes
     * what it read, so the next reads further on; the round cap bounds
     * one sweep's work.
     */
    for (rounds = 0; rounds < 100; rounds++) {
        rep = redisCommand(c, "ZRANGEBYSCORE %s -inf (%lld LIMIT 0 %d",
                           SG_KEY_DEADLINES, now_ms, SG_SWEEP_BATCH);
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
            rc = sg_sweep_one(r, c, rep->element[i]->str, now_ms);
            if (rc < 0) {
                freeReplyObject(rep);
                return -1;
            }
            raised += rc;
        }
        freeReplyObject(rep);
        if (got < SG_SWEEP_BATCH) {
            break;
        }
    }
    return raised;
}

/* --- reading an order back --------------------------------------------- */

static json_t *
sg_json_node(const redisReply *h, const char *due, const char *met,
             const char *breach)
{
    const char *d = sg_hash_get(h, due), *b = sg_hash_get(h, breach);

    if (d == NULL) {
        return json_null();
    }
    return json_pack("{s:o,s:o,s:o,s:b}", "due_ms", sg_json_ms(d), "due",
                     sg_json_time(d), "met_ms",
                     sg_json_ms(sg_hash_get(h, met)), "breached",
                     b != NULL && strcmp(b, "1") == 0);
}

static json_t *
sg_json_parsed(const char *text)
{
    json_t *v = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL)
                             : NULL;

    return v != NULL ? v : sg_json_str(text);
}

/* The ids of the order's shipments, sorted; [] on any trouble (the
 * order itself is still worth showing). */
static json_t *
sg_json_members(redisContext *c, const char *order)
{
    redisReply *r = redisCommand(c, "SORT " SG_KEY_ORDER "%s:shipments "
                                 "ALPHA", order);
    json_t *arr = json_array();
    size_t i;

    for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
         i < r->elements; i++) {
        if (r->element[i]->type == REDIS_REPLY_STRING) {
            json_array_append_new(arr, json_string(r->element[i]->str));
        }
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return arr;
}

char *
sg_rules_order_json(redisContext *c, const char *order, int *found)
{
    redisReply *h, *hist;
    json_t *o, *arr;
    const char *amount, *holds;
    char *text;
    size_t i;

    *found = -1;
    h = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s", order);
    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        if (h != NULL) {
            freeReplyObject(h);
        }
        return NULL;
    }
    if (h->elements == 0) {
        *found = 0;
        freeReplyObject(h);
        return NULL;
    }
    hist = redisCommand(c, "LRANGE " SG_KEY_ORDER "%s:history 0 -1",
                        order);
    if (hist == NULL || hist->type != REDIS_REPLY_ARRAY) {
        if (hist != NULL) {
            freeReplyObject(hist);
        }
        freeReplyObject(h);
        return NULL;
    }

    o = json_object();
    json_object_set_new(o, "order", json_string(order));
    json_object_set_new(o, "state", sg_json_str(sg_hash_get(h, "state")));
    json_object_set_new(o, "supplier", sg_json_str(sg_hash_get(h,
                                                               "supplier")));
    json_object_set_new(o, "supplier_name",
                        sg_json_str(sg_hash_get(h, "supplier_name")));
    json_object_set_new(o, "category",
                        sg_json_str(sg_hash_get(h, "category")));
    amount = sg_hash_get(h, "amount");
    json_object_set_new(o, "amount", json_real(amount != NULL
                                               ? strtod(amount, NULL) : 0));
    json_object_set_new(o, "currency",
                        sg_json_str(sg_hash_get(h, "currency")));
    json_object_set_new(o, "approval",
                        sg_json_str(sg_hash_get(h, "approval")));
    holds = sg_hash_get(h, "holds");
    json_object_set_new(o, "holds", holds != NULL
                        ? sg_json_parsed(holds) : json_array());
    json_object_set_new(o, "received_ms",
                        sg_json_ms(sg_hash_get(h, "received")));
    json_object_set_new(o, "received",
                        sg_json_time(sg_hash_get(h, "received")));
    json_object_set_new(o, "processed_ms",
                        sg_json_ms(sg_hash_get(h, "processed_at")));
    json_object_set_new(o, "decided_by",
                        sg_json_str(sg_hash_get(h, "decided_by")));
    json_object_set_new(o, "msg", sg_json_str(sg_hash_get(h, "msg")));
    json_object_set_new(o, "entry", sg_json_str(sg_hash_get(h, "entry")));
    json_object_set_new(o, "deadlines", json_pack("{s:o,s:o}",
        "processing", sg_json_node(h, "processing_due", "processed_at",
                                   "breach_processing"),
        "dispatch", sg_json_node(h, "dispatch_due", "dispatched_at",
                                 "breach_dispatch")));
    /* The delivery node and shipments, written by rules_shipment.c. */
    json_object_set_new(json_object_get(o, "deadlines"), "delivery",
                        sg_json_node(h, "delivery_due", "delivered_at",
                                     "breach_delivery"));
    json_object_set_new(o, "shipment_state",
                        sg_json_str(sg_hash_get(h, "shipment_state")));
    json_object_set_new(o, "shipments", sg_json_members(c, order));
    arr = json_array();
    for (i = 0; i < hist->elements; i++) {
        if (hist->element[i]->type == REDIS_REPLY_STRING) {
            json_array_append_new(arr,
                                  sg_json_parsed(hist->element[i]->str));
        }
    }
    json_object_set_new(o, "history", arr);

    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    freeReplyObject(h);
    freeReplyObject(hist);
    *found = text != NULL ? 1 : -1;
    return text;
}

/* --- the area ------------------------------------------------------------ */

static const char *const sg_order_types[] = {"order", NULL};

const struct sg_rules_area sg_area_orders = {
    "orders",
    sg_order_types,
    sg_order_rules_create,
    sg_order_rules_free,
    sg_order_rules_apply,
    sg_order_rules_sweep,
    {{"/v1/orders/", "order.not_found", "no order with this number (it "
      "may still be in the queue)", sg_rules_order_json},
     {NULL, NULL, NULL, NULL}}
};
