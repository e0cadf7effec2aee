/*
 * rules_shipnotice.c - the ship notice area: what a supplier says it
 * has shipped (canonical <ship_notice>, schemas/ship_notice.xsd, from an
 * X12 856 or an EDIFACT DESADV), judged against what we ordered.
 *
 * For each notice:
 *   - each line is tied to its order (orderRef).  An order we do not
 *     know yet leaves the notice for a retry until rules.order_wait
 *     has passed since it was received (the order travels in its own
 *     stream and may be taken later); then it is an event
 *     asn_order_unknown.  One placed with another supplier is an event
 *     asn_supplier_mismatch.  Either way the order is left alone; a
 *     line naming no order is asn_line_without_order.
 *   - the quantity shipped of each item, this notice added to what
 *     earlier notices shipped (sg:order:<n>:shipped), is compared with
 *     the quantity ordered, read from the order's own canonical
 *     document: beyond rules.ship_tolerance percent below or above it
 *     is short_shipment or over_shipment, an item the order does not
 *     hold is item_not_ordered.  The order gets the notice in its
 *     history, its set of notices and the fields asn, asn_at and
 *     ship_state (short, complete, over).
 *   - every lot is recorded for traceability at sg:lot:<lot>: item,
 *     supplier, order, asn, expiry, production are set only where no
 *     one (a receipt) has set them yet, and the notice joins the lot's
 *     set of notices.  A lot already recorded with another supplier or
 *     item is another's lot of the same number: lot_conflict, and the
 *     notice neither writes on it nor joins its trace.
 *   - a lot whose expiry leaves less than rules.min_shelf_life on the
 *     ship date (the notice date when it has none) is short_shelf_life,
 *     with expired true when it is already past.
 *   - the notice itself is kept at sg:asn:<number> for
 *     GET /v1/ship-notices/<number>; GET /v1/lots/<lot> shows a lot's
 *     whole trace: supplier, order, notices, receipt, complaints.
 *
 * Decisions are made in C from state read first; the commit is one Lua
 * script that checks the version of each order's shipped hash, applies
 * every write, adds the events, sets the applied-marker and acknowledges
 * the entry.  A version that moved (another notice of the same order
 * committed meanwhile) answers "conflict" and we read and decide again.
 * A second notice under a number already recorded from another entry
 * changes nothing but a duplicate_ship_notice event.
 *
 * XXX: a notice of purpose replace or cancel is treated as a duplicate
 * of the first; its changes are not applied.
 * XXX: the ordered quantity comes from the order's stream entry; once
 * that entry is trimmed from the stream, the notice's own ordered
 * quantity (SN105, QTY+21) stands in, and without it no short or over
 * shipment can be judged (ordered is null in the notice's record).
 * XXX: quantities are compared as sent, whatever their unit; an order
 * in cases shipped in pieces looks like an over shipment.
 * XXX: an order number two suppliers share is kept by the order rules
 * as "<number>~<supplier>"; the notice looks under the plain number.
 * XXX: an order filed more than rules.order_wait after its notice was
 * received is never tied to it; the notice keeps asn_order_unknown.
 * XXX: lot ids are global: the lot of a notice that raises
 * lot_conflict is traced nowhere (no per-supplier lot record).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "schema.h"
#include "script.h"

/* The applied-marker outlives any redelivery; 30 days as for orders. */
#define SG_SN_APPLIED_TTL "2592000"

/* Quantities are kept as integers scaled by 10^6 (the XSD's six
 * fraction digits), so sums are exact. */
#define SG_SN_SCALE 1000000LL

/* Tries when another notice of the same order commits meanwhile. */
#define SG_SN_MAX_TRIES 8

/*
 * KEYS[1] applied-marker, KEYS[2] stream, KEYS[3] sg:asn:<n>, KEYS[4]
 * events, then the keys the checks and operations name by index.
 * ARGV[1] group, ARGV[2] entry, ARGV[3] marker TTL, ARGV[4] message
 * id, ARGV[5] now ms, ARGV[6] duplicate event detail, ARGV[7] notice,
 * ARGV[8] number of checks, then per check key index and version ("":
 * the hash must have none; "!": the key must not exist), then per
 * operation command, key index, argument count and the arguments.
 */
static const char sg_sn_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[3])\n"
    "  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "local first = redis.call('HGET', KEYS[3], 'entry')\n"
    "if first and first ~= ARGV[2] then\n"
    "  redis.call('XADD', KEYS[4], '*', 'type', 'duplicate_ship_notice',\n"
    "             'subject', 'ship_notice', 'order', '', 'asn', ARGV[7],\n"
    "             'detail', ARGV[6], 'at', ARGV[5])\n"
    "  return done('duplicate')\n"
    "end\n"
    "local i = 9\n"
    "for k = 1, tonumber(ARGV[8]) do\n"
    "  local key = KEYS[tonumber(ARGV[i])]\n"
    "  if ARGV[i + 1] == '!' then\n"
    "    if redis.call('EXISTS', key) == 1 then return 'conflict' end\n"
    "  elseif (redis.call('HGET', key, 'version') or '') ~= ARGV[i + 1]\n"
    "  then\n"
    "    return 'conflict'\n"
    "  end\n"
    "  i = i + 2\n"
    "end\n"
    "local allowed = {HSET = 1, HSETNX = 1, HINCRBY = 1, SADD = 1,\n"
    "                 RPUSH = 1, XADD = 1}\n"
    "while i <= #ARGV do\n"
    "  local cmd, n = ARGV[i], tonumber(ARGV[i + 2])\n"
    "  if not allowed[cmd] then\n"
    "    return redis.error_reply('ship notice commit: no ' .. cmd)\n"
    "  end\n"
    "  local args = {KEYS[tonumber(ARGV[i + 1])]}\n"
    "  for k = 1, n do args[k + 1] = ARGV[i + 2 + k] end\n"
    "  redis.call(cmd, unpack(args))\n"
    "  i = i + 3 + n\n"
    "end\n"
    "return done('applied')\n";

/* --- the notice as the rules read it ---------------------------------- */

struct sg_sn_lot {
    char *number;
    char *expiry;               /* YYYY-MM-DD or NULL */
    char *production;
    long long quantity;         /* scaled; -1 when not sent */
};

struct sg_sn_line {
    char *order;                /* NULL: the line names no order */
    char *item;
    char *unit;
    long long quantity;         /* scaled */
    long long ordered;          /* scaled; -1 when not sent */
    struct sg_sn_lot *lots;
    size_t n_lots;
};

struct sg_sn_doc {
    char *number;
    char *date;
    char *ship_date;
    char *expected;
    char *purpose;
    char *supplier;             /* registry id, or the id as sent */
    char *supplier_sent;        /* the id as sent */
    struct sg_sn_line *lines;
    size_t n_lines;
};

static void
sg_sn_doc_free(struct sg_sn_doc *d)
{
    size_t i, j;

    for (i = 0; i < d->n_lines; i++) {
        struct sg_sn_line *l = &d->lines[i];

        for (j = 0; j < l->n_lots; j++) {
            free(l->lots[j].number);
            free(l->lots[j].expiry);
            free(l->lots[j].production);
        }
        free(l->lots);
        free(l->order);
        free(l->item);
        free(l->unit);
    }
    free(d->lines);
    free(d->number);
    free(d->date);
    free(d->ship_date);
    free(d->expected);
    free(d->purpose);
    free(d->supplier);
    free(d->supplier_sent);
}

/* A decimal of the schema ("12", "0.5") scaled by 10^6; -1 if not. */
static long long
sg_sn_qty(const char *s)
{
    long long ip = 0, fp = 0;
    int nf = 0;

    if (s == NULL || *s == '\0') {
        return -1;
    }
    /* xs:decimal allows a plus sign. */
    if (*s == '+') {
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        if (ip > 999999999999LL) {
            return -1;
        }
        ip = ip * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9' && nf < 6; s++, nf++) {
            fp = fp * 10 + (*s - '0');
        }
    }
    if (*s != '\0') {
        return -1;
    }
    while (nf++ < 6) {
        fp *= 10;
    }
    return ip * SG_SN_SCALE + fp;
}

/* A scaled quantity as a decimal without trailing zeros. */
static void
sg_sn_qty_text(long long v, char *out, size_t size)
{
    int n;

    n = snprintf(out, size, "%s%lld.%06lld", v < 0 ? "-" : "",
                 (v < 0 ? -v : v) / SG_SN_SCALE,
                 (v < 0 ? -v : v) % SG_SN_SCALE);
    while (n > 0 && out[n - 1] == '0') {
        out[--n] = '\0';
    }
    if (n > 0 && out[n - 1] == '.') {
        out[--n] = '\0';
    }
}

static json_t *
sg_sn_qty_json(long long v)
{
    char text[48];

    if (v < 0) {
        return json_null();
    }
    sg_sn_qty_text(v, text, sizeof(text));
    return json_string(text);
}

/* The registry id of a supplier named id (qualifier optional), by id
 * or alias; NULL when the registry does not list it. */
static const char *
sg_sn_registry_id(const struct sg_config *cfg, const char *id,
                  const char *qualifier)
{
    char *qualified = qualifier != NULL ?
                      sg_xasprintf("%s:%s", qualifier, id) : NULL;
    const char *found = NULL;
    size_t i, j;

    for (i = 0; found == NULL && i < cfg->n_suppliers; i++) {
        const struct sg_supplier *s = &cfg->suppliers[i];

        if (s->id != NULL && strcmp(s->id, id) == 0) {
            found = s->id;
        }
        for (j = 0; found == NULL && j < s->n_aliases; j++) {
            if (s->aliases[j] != NULL &&
                (strcmp(s->aliases[j], id) == 0 ||
                 (qualified != NULL &&
                  strcmp(s->aliases[j], qualified) == 0))) {
                found = s->id;
            }
        }
    }
    free(qualified);
    return found;
}

static void
sg_sn_read_lot(struct sg_sn_line *l, const xmlNode *n)
{
    struct sg_sn_lot *lot = &l->lots[l->n_lots++];
    char *q = sg_cx_text(sg_cx_child(n, "quantity"));

    lot->number = sg_cx_text(sg_cx_child(n, "number"));
    lot->expiry = sg_cx_text(sg_cx_child(n, "expiry"));
    lot->production = sg_cx_text(sg_cx_child(n, "productionDate"));
    lot->quantity = q != NULL ? sg_sn_qty(q) : -1;
    free(q);
}

static void
sg_sn_read_line(struct sg_sn_line *l, const xmlNode *n)
{
    const xmlNode *q = sg_cx_child(n, "quantity"), *c;
    char *text;
    size_t lots = 0;

    l->order = sg_cx_text(sg_cx_child(n, "orderRef"));
    l->item = sg_cx_text(sg_cx_child(n, "item"));
    l->unit = sg_cx_attr(q, "unit");
    text = sg_cx_text(q);
    l->quantity = sg_sn_qty(text);
    free(text);
    text = sg_cx_text(sg_cx_child(n, "orderedQuantity"));
    l->ordered = text != NULL ? sg_sn_qty(text) : -1;
    free(text);
    for (c = n->children; c != NULL; c = c->next) {
        lots += sg_cx_is(c, "lot");
    }
    l->lots = sg_xcalloc(lots + 1, sizeof(*l->lots));
    for (c = n->children; c != NULL; c = c->next) {
        if (sg_cx_is(c, "lot")) {
            sg_sn_read_lot(l, c);
        }
    }
}

/* The validated document into d; -1 with errs when unusable. */
static int
sg_sn_read(const struct sg_config *cfg, const struct sg_entry *e,
           struct sg_sn_doc *d, struct sg_errors *errs)
{
    xmlDocPtr doc = sg_xml_read(e->xml, e->xml_len, errs);
    const xmlNode *root, *sup, *lines, *c;
    const char *reg;
    char *qual;
    size_t n = 0;

    memset(d, 0, sizeof(*d));
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    d->number = sg_cx_text(sg_cx_child(root, "shipNoticeNumber"));
    d->date = sg_cx_text(sg_cx_child(root, "noticeDate"));
    d->ship_date = sg_cx_text(sg_cx_child(root, "shipDate"));
    d->expected = sg_cx_text(sg_cx_child(root, "expectedDelivery"));
    d->purpose = sg_cx_text(sg_cx_child(root, "purpose"));
    sup = sg_cx_child(root, "supplier");
    d->supplier_sent = sg_cx_attr(sup, "id");
    qual = sg_cx_attr(sup, "qualifier");
    lines = sg_cx_child(root, "lines");
    for (c = lines != NULL ? lines->children : NULL; c; c = c->next) {
        n += sg_cx_is(c, "line");
    }
    d->lines = sg_xcalloc(n + 1, sizeof(*d->lines));
    for (c = lines != NULL ? lines->children : NULL; c; c = c->next) {
        if (sg_cx_is(c, "line")) {
            sg_sn_read_line(&d->lines[d->n_lines++], c);
        }
    }
    xmlFreeDoc(doc);
    if (d->number == NULL || d->date == NULL || d->supplier_sent == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "ship notice %s lacks "
                       "its number, date or supplier", e->key);
        free(qual);
        return -1;
    }
    reg = sg_sn_registry_id(cfg, d->supplier_sent, qual);
    d->supplier = sg_xstrdup(reg != NULL ? reg : d->supplier_sent);
    free(qual);
    return 0;
}

/* --- the orders it ships against -------------------------------------- */

/* What one order says and what its notices shipped so far. */
struct sg_sn_order {
    const char *number;         /* borrowed from a line */
    int known;                  /* sg:order:<n> exists */
    int ours;                   /* known and placed with this supplier */
    char *supplier;             /* the order's supplier */
    int have_ordered;           /* the order's document was found */
    json_t *ordered;            /* item -> scaled quantity (integer) */
    redisReply *shipped;        /* HGETALL sg:order:<n>:shipped */
};

static void
sg_sn_orders_free(struct sg_sn_order *o, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(o[i].supplier);
        json_decref(o[i].ordered);
        if (o[i].shipped != NULL) {
            freeReplyObject(o[i].shipped);
        }
    }
    free(o);
}

/* The items and quantities of a canonical order document. */
static void
sg_sn_order_lines(struct sg_sn_order *o, const char *xml, size_t len)
{
    struct sg_errors errs;
    xmlDocPtr doc;
    const xmlNode *lines, *c;

    sg_errors_init(&errs, 0);
    doc = sg_xml_read(xml, len, &errs);
    sg_errors_free(&errs);
    if (doc == NULL) {
        return;
    }
    lines = sg_cx_child(xmlDocGetRootElement(doc), "lines");
    for (c = lines != NULL ? lines->children : NULL; c; c = c->next) {
        char *item, *q;
        long long v;

        if (!sg_cx_is(c, "line")) {
            continue;
        }
        item = sg_cx_text(sg_cx_child(c, "item"));
        q = sg_cx_text(sg_cx_child(c, "quantity"));
        v = sg_sn_qty(q);
        if (item != NULL && v >= 0) {
            json_t *had = json_object_get(o->ordered, item);

            json_object_set_new(o->ordered, item, json_integer(
                v + (had != NULL ? json_integer_value(had) : 0)));
        }
        free(item);
        free(q);
    }
    xmlFreeDoc(doc);
    o->have_ordered = 1;
}

/* The order's canonical document, from its stream entry. */
static int
sg_sn_order_document(redisContext *c, struct sg_sn_order *o,
                     const redisReply *h)
{
    const char *stream = sg_hash_get(h, "stream");
    const char *entry = sg_hash_get(h, "entry");
    const redisReply *fields;
    redisReply *r;
    size_t i;

    if (stream == NULL || entry == NULL) {
        return 0;
    }
    r = redisCommand(c, "XRANGE %s %s %s", stream, entry, entry);
    if (r == NULL) {
        return -1;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->elements == 2) {
        fields = r->element[0]->element[1];
        for (i = 0; i + 1 < fields->elements; i += 2) {
            if (strcmp(fields->element[i]->str, "xml") == 0) {
                sg_sn_order_lines(o, fields->element[i + 1]->str,
                                  fields->element[i + 1]->len);
            }
        }
    }
    freeReplyObject(r);
    return 0;
}

/* Read one order's state; -1 on a Redis error. */
static int
sg_sn_order_load(redisContext *c, struct sg_sn_order *o,
                 const struct sg_sn_doc *d)
{
    redisReply *h = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s",
                                 o->number);
    const char *sup;
    int rc = 0;

    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        if (h != NULL) {
            freeReplyObject(h);
        }
        return -1;
    }
    o->ordered = json_object();
    o->known = h->elements > 0;
    sup = sg_hash_get(h, "supplier");
    o->supplier = sup != NULL ? sg_xstrdup(sup) : NULL;
    o->ours = o->known && sup != NULL && strcmp(sup, d->supplier) == 0;
    if (o->ours) {
        rc = sg_sn_order_document(c, o, h);
    }
    freeReplyObject(h);
    o->shipped = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s:shipped",
                              o->number);
    if (rc != 0 || o->shipped == NULL ||
        o->shipped->type != REDIS_REPLY_ARRAY) {
        return -1;
    }
    return 0;
}

/* The distinct orders of the notice, loaded; NULL on a Redis error. */
static struct sg_sn_order *
sg_sn_orders_load(redisContext *c, const struct sg_sn_doc *d, size_t *n)
{
    struct sg_sn_order *o = sg_xcalloc(d->n_lines + 1, sizeof(*o));
    size_t i, j;

    *n = 0;
    for (i = 0; i < d->n_lines; i++) {
        if (d->lines[i].order == NULL) {
            continue;
        }
        for (j = 0; j < *n; j++) {
            if (strcmp(o[j].number, d->lines[i].order) == 0) {
                break;
            }
        }
        if (j < *n) {
            continue;
        }
        o[*n].number = d->lines[i].order;
        (*n)++;
        if (sg_sn_order_load(c, &o[*n - 1], d) != 0) {
            sg_sn_orders_free(o, *n);
            return NULL;
        }
    }
    return o;
}

/*
 * Is an order of the notice not known yet while it may still come?
 * The order travels in its own stream and can be taken after the
 * notice; until rules.order_wait has passed since the notice was
 * received, the notice waits for it rather than calling it unknown.
 */
static int
sg_sn_order_may_come(const struct sg_config *cfg,
                     const struct sg_sn_order *o, size_t n,
                     const struct sg_entry *e, long long now_ms)
{
    size_t i;

    if (now_ms - e->received_ms >= cfg->order_wait * 1000LL) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!o[i].known) {
            return 1;
        }
    }
    return 0;
}

/* --- the lots it names -------------------------------------------------- */

/* A string field of a reply, or NULL. */
static const char *
sg_sn_reply_str(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

/*
 * What sg:lot:<lot> records of each lot of the notice: lot -> {item,
 * supplier, version}, null where unset.  NULL on a Redis error.
 */
static json_t *
sg_sn_lots_load(redisContext *c, const struct sg_sn_doc *d)
{
    json_t *lots = json_object();
    redisReply *r;
    size_t i, j;

    for (i = 0; i < d->n_lines; i++) {
        for (j = 0; j < d->lines[i].n_lots; j++) {
            const char *number = d->lines[i].lots[j].number;

            if (number == NULL || json_object_get(lots, number) != NULL) {
                continue;
            }
            r = redisCommand(c, "HMGET " SG_KEY_LOT "%s item supplier "
                             "version", number);
            if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
                r->elements != 3) {
                if (r != NULL) {
                    freeReplyObject(r);
                }
                json_decref(lots);
                return NULL;
            }
            json_object_set_new(lots, number, json_pack(
                "{s:s?,s:s?,s:s?}", "item", sg_sn_reply_str(r->element[0]),
                "supplier", sg_sn_reply_str(r->element[1]), "version",
                sg_sn_reply_str(r->element[2])));
            freeReplyObject(r);
        }
    }
    return lots;
}

/* --- the commit being built ------------------------------------------ */

struct sg_sn_commit {
    struct sg_args keys;
    struct sg_args checks;
    struct sg_args ops;
    size_t n_checks;
    json_t *issues;             /* [{"code", ...}] for the notice */
    char now[24];
    const char *asn;
};

/* The 1-based index of key in KEYS, added when new. */
static size_t
sg_sn_key(struct sg_sn_commit *k, const char *key)
{
    size_t i;

    for (i = 0; i < k->keys.n; i++) {
        if (strcmp(k->keys.v[i], key) == 0) {
            return i + 1;
        }
    }
    sg_args_adds(&k->keys, key);
    return k->keys.n;
}

static void
sg_sn_check(struct sg_sn_commit *k, const char *key, const char *version)
{
    sg_args_addf(&k->checks, "%zu", sg_sn_key(k, key));
    sg_args_adds(&k->checks, version != NULL ? version : "");
    k->n_checks++;
}

/* One command on key with n string arguments. */
static void
sg_sn_op(struct sg_sn_commit *k, const char *cmd, const char *key, int n,
         ...)
{
    va_list ap;
    int i;

    sg_args_adds(&k->ops, cmd);
    sg_args_addf(&k->ops, "%zu", sg_sn_key(k, key));
    sg_args_addf(&k->ops, "%d", n);
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        sg_args_adds(&k->ops, va_arg(ap, const char *));
    }
    va_end(ap);
}

/* An event on sg:events; takes ownership of detail.  Issues (every
 * event but the receipt itself) are also listed on the notice. */
static void
sg_sn_event(struct sg_sn_commit *k, const char *type, const char *order,
            json_t *detail)
{
    char *text;

    json_object_set_new(detail, "asn", json_string(k->asn));
    text = json_dumps(detail, JSON_COMPACT);
    sg_sn_op(k, "XADD", SG_KEY_EVENTS, 13, "*", "type", type, "subject",
             "ship_notice", "order", order != NULL ? order : "", "asn",
             k->asn, "detail", text, "at", k->now);
    free(text);
    if (strcmp(type, "ship_notice_received") != 0) {
        json_object_set_new(detail, "code", json_string(type));
        json_array_append(k->issues, detail);
    }
    json_decref(detail);
}

/* --- deciding ------------------------------------------------------------ */

struct sg_sn_rules {
    const struct sg_config *cfg;
    char sha[41];
};

/*
 * One item of an order of ours: this notice's quantity added to what
 * was shipped before, against the ordered quantity.  Returns the
 * item's state: 0 complete (or unknown), 1 short, 2 over.
 */
static int
sg_sn_judge_item(struct sg_sn_commit *k, const struct sg_config *cfg,
                 const struct sg_sn_order *o, const char *item,
                 long long now_qty, long long ordered_sent,
                 const char *shipped_key)
{
    /* "item:" keeps an item called "version" off the version field:
     * items cannot hold ':'. */
    char *field = sg_xasprintf("item:%s", item);
    const char *had = sg_hash_get(o->shipped, field);
    long long before = had != NULL ? sg_sn_qty(had) : 0, after, ordered;
    long long margin;
    json_t *in_order = json_object_get(o->ordered, item);
    char text[48];
    const char *type = NULL;

    after = (before > 0 ? before : 0) + now_qty;
    sg_sn_qty_text(after, text, sizeof(text));
    sg_sn_op(k, "HSET", shipped_key, 2, field, text);
    free(field);
    if (o->have_ordered && in_order == NULL) {
        sg_sn_event(k, "item_not_ordered", o->number, json_pack(
            "{s:s,s:s,s:o}", "order", o->number, "item", item,
            "shipped", sg_sn_qty_json(after)));
        return 2;
    }
    ordered = in_order != NULL ? json_integer_value(in_order)
                               : ordered_sent;
    if (ordered < 0) {
        return 0;
    }
    margin = (long long)((double)ordered * cfg->ship_tolerance / 100.0);
    if (after < ordered - margin) {
        type = "short_shipment";
    } else if (after > ordered + margin) {
        type = "over_shipment";
    }
    if (type == NULL) {
        return 0;
    }
    sg_sn_event(k, type, o->number, json_pack(
        "{s:s,s:s,s:o,s:o,s:o,s:f}", "order", o->number, "item", item,
        "ordered", sg_sn_qty_json(ordered), "shipped",
        sg_sn_qty_json(after), "this_notice", sg_sn_qty_json(now_qty),
        "tolerance_percent", cfg->ship_tolerance));
    return type[0] == 's' ? 1 : 2;
}

/* The notice's lines of one order of ours, item by item, and the
 * order's record of it. */
static void
sg_sn_judge_order(struct sg_sn_commit *k, const struct sg_config *cfg,
                  const struct sg_sn_doc *d, const struct sg_sn_order *o)
{
    char *shipped_key = sg_xasprintf(SG_KEY_ORDER "%s:shipped", o->number);
    char *order_key = sg_xasprintf(SG_KEY_ORDER "%s", o->number);
    json_t *done = json_object(), *hist;
    const char *state_word[] = {"complete", "short", "over"};
    int state = 0, s;
    char *text;
    size_t i, j;

    sg_sn_check(k, shipped_key, sg_hash_get(o->shipped, "version"));
    for (i = 0; i < d->n_lines; i++) {
        const struct sg_sn_line *l = &d->lines[i];
        long long sum = 0, ordered = -1;

        if (l->order == NULL || strcmp(l->order, o->number) != 0 ||
            json_object_get(done, l->item) != NULL) {
            continue;
        }
        /* Every line of this item on this order, at once. */
        for (j = i; j < d->n_lines; j++) {
            const struct sg_sn_line *m = &d->lines[j];

            if (m->order != NULL && strcmp(m->order, o->number) == 0 &&
                strcmp(m->item, l->item) == 0) {
                sum += m->quantity;
                if (m->ordered >= 0) {
                    ordered = (ordered < 0 ? 0 : ordered) + m->ordered;
                }
            }
        }
        json_object_set_new(done, l->item, json_true());
        s = sg_sn_judge_item(k, cfg, o, l->item, sum, ordered, shipped_key);
        state = s > state ? s : state;
    }
    sg_sn_op(k, "HINCRBY", shipped_key, 2, "version", "1");
    sg_sn_op(k, "HSET", order_key, 6, "asn", d->number, "asn_at", k->now,
             "ship_state", state_word[state]);
    text = sg_xasprintf(SG_KEY_ORDER "%s:asns", o->number);
    sg_sn_op(k, "SADD", text, 1, d->number);
    free(text);
    hist = json_pack("{s:s,s:I,s:{s:s,s:s,s:s}}", "type", "ship_notice",
                     "at", (json_int_t)strtoll(k->now, NULL, 10),
                     "detail", "asn", d->number, "supplier",
                     d->supplier, "ship_state", state_word[state]);
    text = json_dumps(hist, JSON_COMPACT);
    json_decref(hist);
    free(order_key);
    order_key = sg_xasprintf(SG_KEY_ORDER "%s:history", o->number);
    sg_sn_op(k, "RPUSH", order_key, 1, text);
    free(text);
    free(order_key);
    free(shipped_key);
    json_decref(done);
}

/* The orders: ours are judged; the others are only events. */
static void
sg_sn_judge_orders(struct sg_sn_commit *k, const struct sg_config *cfg,
                   const struct sg_sn_doc *d, struct sg_sn_order *o,
                   size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!o[i].known) {
            char *key = sg_xasprintf(SG_KEY_ORDER "%s", o[i].number);

            /* Should the order be filed meanwhile, decide again. */
            sg_sn_check(k, key, "!");
            free(key);
            sg_sn_event(k, "asn_order_unknown", o[i].number, json_pack(
                "{s:s,s:s}", "order", o[i].number, "supplier",
                d->supplier));
        } else if (!o[i].ours) {
            sg_sn_event(k, "asn_supplier_mismatch", o[i].number,
                        json_pack("{s:s,s:s,s:s?}", "order", o[i].number,
                                  "supplier", d->supplier,
                                  "order_supplier", o[i].supplier));
        } else {
            sg_sn_judge_order(k, cfg, d, &o[i]);
        }
    }
    for (i = 0; i < d->n_lines; i++) {
        if (d->lines[i].order == NULL) {
            sg_sn_event(k, "asn_line_without_order", NULL, json_pack(
                "{s:s,s:I}", "item", d->lines[i].item, "line",
                (json_int_t)(i + 1)));
        }
    }
}

/* The shelf life a lot has left on the ship day, against the minimum. */
static void
sg_sn_shelf_life(struct sg_sn_commit *k, const struct sg_config *cfg,
                 const struct sg_sn_doc *d, const struct sg_sn_line *l,
                 const struct sg_sn_lot *lot)
{
    const char *day = d->ship_date != NULL ? d->ship_date : d->date;
    long long ship = 0, expiry = 0, left;

    if (lot->expiry == NULL || sg_parse_date(day, &ship) != 0 ||
        sg_parse_date(lot->expiry, &expiry) != 0) {
        return;
    }
    left = expiry - ship;
    if (left >= cfg->min_shelf_life) {
        return;
    }
    sg_sn_event(k, "short_shelf_life", l->order, json_pack(
        "{s:s,s:s,s:s?,s:s,s:s,s:I,s:f,s:b}", "lot", lot->number, "item",
        l->item, "order", l->order, "expiry", lot->expiry, "ship_date",
        day, "remaining_days", (json_int_t)(left / 86400),
        "minimum_days", (double)cfg->min_shelf_life / 86400.0, "expired",
        left < 0));
}

/* Does a recorded field differ from the notice's value?  A receipt
 * without a supplier records "", which is no one's. */
static int
sg_sn_differs(const json_t *rec, const char *field, const char *mine)
{
    const char *had = json_string_value(json_object_get(rec, field));

    return had != NULL && had[0] != '\0' && mine != NULL &&
           strcmp(had, mine) != 0;
}

/*
 * One lot of a line: another's lot of the same number (recorded with
 * another supplier or item) is lot_conflict and left alone; else its
 * trace is filled where no one has written yet and the notice joins
 * it.  rec is what the lot records, updated with what this notice
 * writes so that a later line of it is judged against that.
 */
static void
sg_sn_lot(struct sg_sn_commit *k, const struct sg_sn_doc *d,
          const struct sg_sn_line *l, const struct sg_sn_lot *lot,
          json_t *rec)
{
    char *key = sg_xasprintf(SG_KEY_LOT "%s", lot->number);

    if (json_object_get(rec, "checked") == NULL) {
        /* A receipt or notice writing the lot meanwhile: decide again. */
        sg_sn_check(k, key, json_string_value(json_object_get(rec,
                                                              "version")));
        json_object_set_new(rec, "checked", json_true());
    }
    if (sg_sn_differs(rec, "supplier", d->supplier) ||
        sg_sn_differs(rec, "item", l->item)) {
        sg_sn_event(k, "lot_conflict", l->order, json_pack(
            "{s:s,s:O,s:O,s:s,s:s?,s:s?}", "lot", lot->number,
            "recorded_supplier", json_object_get(rec, "supplier"),
            "recorded_item", json_object_get(rec, "item"), "supplier",
            d->supplier, "item", l->item, "order", l->order));
        free(key);
        return;
    }
    if (json_string_value(json_object_get(rec, "supplier")) == NULL) {
        json_object_set_new(rec, "supplier", json_string(d->supplier));
    }
    if (json_string_value(json_object_get(rec, "item")) == NULL &&
        l->item != NULL) {
        json_object_set_new(rec, "item", json_string(l->item));
    }
    sg_sn_op(k, "HSETNX", key, 2, "item", l->item);
    sg_sn_op(k, "HSETNX", key, 2, "supplier", d->supplier);
    if (l->order != NULL) {
        sg_sn_op(k, "HSETNX", key, 2, "order", l->order);
    }
    sg_sn_op(k, "HSETNX", key, 2, "asn", d->number);
    if (lot->expiry != NULL) {
        sg_sn_op(k, "HSETNX", key, 2, "expiry", lot->expiry);
    }
    if (lot->production != NULL) {
        sg_sn_op(k, "HSETNX", key, 2, "production", lot->production);
    }
    /* A receipt reading the lot meanwhile must read again. */
    sg_sn_op(k, "HINCRBY", key, 2, "version", "1");
    free(key);
    key = sg_xasprintf(SG_KEY_LOT "%s:asns", lot->number);
    sg_sn_op(k, "SADD", key, 1, d->number);
    free(key);
}

/* Each lot's trace (recorded: what sg_sn_lots_load read), and its
 * shelf life. */
static void
sg_sn_lots(struct sg_sn_commit *k, const struct sg_config *cfg,
           const struct sg_sn_doc *d, json_t *recorded)
{
    size_t i, j;

    for (i = 0; i < d->n_lines; i++) {
        const struct sg_sn_line *l = &d->lines[i];

        for (j = 0; j < l->n_lots; j++) {
            const struct sg_sn_lot *lot = &l->lots[j];
            json_t *rec = lot->number != NULL ?
                          json_object_get(recorded, lot->number) : NULL;

            if (rec != NULL) {
                sg_sn_lot(k, d, l, lot, rec);
            }
            sg_sn_shelf_life(k, cfg, d, l, lot);
        }
    }
}

/* The notice's lines as kept in its record. */
static json_t *
sg_sn_lines_json(const struct sg_sn_doc *d)
{
    json_t *lines = json_array(), *lots;
    size_t i, j;

    for (i = 0; i < d->n_lines; i++) {
        const struct sg_sn_line *l = &d->lines[i];

        lots = json_array();
        for (j = 0; j < l->n_lots; j++) {
            json_array_append_new(lots, json_pack(
                "{s:s,s:o,s:s?,s:s?}", "lot", l->lots[j].number,
                "quantity", sg_sn_qty_json(l->lots[j].quantity), "expiry",
                l->lots[j].expiry, "production", l->lots[j].production));
        }
        json_array_append_new(lines, json_pack(
            "{s:s?,s:s,s:o,s:s?,s:o,s:o}", "order", l->order, "item",
            l->item, "quantity", sg_sn_qty_json(l->quantity), "unit",
            l->unit, "ordered", sg_sn_qty_json(l->ordered), "lots", lots));
    }
    return lines;
}

/* The notice's own record, written last: it lists every issue. */
static void
sg_sn_record(struct sg_sn_commit *k, const struct sg_sn_doc *d,
             const struct sg_sn_order *o, size_t n,
             const struct sg_entry *e)
{
    char *key = sg_xasprintf(SG_KEY_ASN "%s", d->number);
    char *orders, *lines, *issues, received[24];
    json_t *list = json_array();
    size_t i;

    for (i = 0; i < n; i++) {
        json_array_append_new(list, json_string(o[i].number));
    }
    orders = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    list = sg_sn_lines_json(d);
    lines = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    issues = json_dumps(k->issues, JSON_COMPACT);
    snprintf(received, sizeof(received), "%lld", e->received_ms);
    sg_sn_op(k, "HSET", key, 24, "asn", d->number, "supplier", d->supplier,
             "supplier_sent", d->supplier_sent, "notice_date", d->date,
             "ship_date", d->ship_date ? d->ship_date : "",
             "expected_delivery", d->expected ? d->expected : "",
             "purpose", d->purpose ? d->purpose : "", "orders", orders,
             "lines", lines, "issues", issues, "state",
             json_array_size(k->issues) > 0 ? "issues" : "ok",
             "received", received);
    sg_sn_op(k, "HSET", key, 6, "msg", e->msg, "entry", e->id, "stream",
             e->stream);
    free(orders);
    free(lines);
    free(issues);
    free(key);
}

/* Everything the notice changes, into k. */
static void
sg_sn_decide(struct sg_sn_commit *k, const struct sg_config *cfg,
             const struct sg_sn_doc *d, struct sg_sn_order *o, size_t n,
             json_t *recorded, const struct sg_entry *e)
{
    json_t *orders = json_array();
    size_t i, lots = 0;

    for (i = 0; i < n; i++) {
        json_array_append_new(orders, json_string(o[i].number));
    }
    for (i = 0; i < d->n_lines; i++) {
        lots += d->lines[i].n_lots;
    }
    sg_sn_event(k, "ship_notice_received", n > 0 ? o[0].number : NULL,
                json_pack("{s:s,s:s,s:I,s:I,s:o}", "supplier", d->supplier,
                          "msg", e->msg, "lines", (json_int_t)d->n_lines,
                          "lots", (json_int_t)lots, "orders", orders));
    sg_sn_judge_orders(k, cfg, d, o, n);
    sg_sn_lots(k, cfg, d, recorded);
    sg_sn_record(k, d, o, n, e);
}

/* --- committing ------------------------------------------------------- */

static void
sg_sn_commit_free(struct sg_sn_commit *k)
{
    sg_args_free(&k->keys);
    sg_args_free(&k->checks);
    sg_args_free(&k->ops);
    json_decref(k->issues);
}

/* Run the commit; the reply ("applied", "seen", "duplicate",
 * "conflict") in what. */
static enum sg_rules_result
sg_sn_commit(const struct sg_sn_rules *r, redisContext *c,
             struct sg_sn_commit *k, const struct sg_entry *e,
             char what[16], struct sg_errors *errs)
{
    enum sg_rules_result res = SG_RULES_RETRY;
    struct sg_args a;
    redisReply *rep;
    json_t *dup;
    size_t i;

    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sha);
    sg_args_addf(&a, "%zu", k->keys.n);
    for (i = 0; i < k->keys.n; i++) {
        sg_args_adds(&a, k->keys.v[i]);
    }
    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, SG_SN_APPLIED_TTL);
    sg_args_adds(&a, e->msg);
    sg_args_adds(&a, k->now);
    dup = json_pack("{s:s,s:s}", "asn", k->asn, "msg", e->msg);
    sg_args_add_json(&a, dup);
    sg_args_adds(&a, k->asn);
    sg_args_addf(&a, "%zu", k->n_checks);
    for (i = 0; i < k->checks.n; i++) {
        sg_args_adds(&a, k->checks.v[i]);
    }
    for (i = 0; i < k->ops.n; i++) {
        sg_args_adds(&a, k->ops.v[i]);
    }
    rep = sg_script_eval(c, &a, sg_sn_lua);
    what[0] = '\0';
    if (rep != NULL && (rep->type == REDIS_REPLY_STATUS ||
                        rep->type == REDIS_REPLY_STRING)) {
        snprintf(what, 16, "%s", rep->str);
        res = SG_RULES_OK;
    } else if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
               !sg_script_transient(rep)) {
        sg_errors_addf(errs, "rules.redis", "ship notice %s: %s", k->asn,
                       rep->str);
        res = SG_RULES_FAILED;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&a);
    return res;
}

static enum sg_rules_result
sg_sn_apply(void *state, redisContext *c, const struct sg_entry *e,
            long long now_ms, struct sg_errors *errs)
{
    const struct sg_sn_rules *r = state;
    enum sg_rules_result res = SG_RULES_RETRY;
    struct sg_sn_commit k;
    struct sg_sn_order *orders;
    struct sg_sn_doc d;
    json_t *lots;
    char what[16], *key;
    size_t n;
    int tries;

    if (sg_sn_read(r->cfg, e, &d, errs) != 0) {
        sg_sn_doc_free(&d);
        return SG_RULES_FAILED;
    }
    for (tries = 0; tries < SG_SN_MAX_TRIES; tries++) {
        orders = sg_sn_orders_load(c, &d, &n);
        if (orders == NULL) {
            res = SG_RULES_RETRY;
            break;
        }
        lots = NULL;
        if (sg_sn_order_may_come(r->cfg, orders, n, e, now_ms) ||
            (lots = sg_sn_lots_load(c, &d)) == NULL) {
            /* Nothing written: the worker leaves the entry pending. */
            sg_sn_orders_free(orders, n);
            res = SG_RULES_RETRY;
            break;
        }
        memset(&k, 0, sizeof(k));
        k.issues = json_array();
        k.asn = d.number;
        snprintf(k.now, sizeof(k.now), "%lld", now_ms);
        key = sg_xasprintf(SG_KEY_APPLIED "%s:%s", e->stream, e->id);
        sg_sn_key(&k, key);
        free(key);
        sg_sn_key(&k, e->stream);
        key = sg_xasprintf(SG_KEY_ASN "%s", d.number);
        sg_sn_key(&k, key);
        free(key);
        sg_sn_key(&k, SG_KEY_EVENTS);
        sg_sn_decide(&k, r->cfg, &d, orders, n, lots, e);
        res = sg_sn_commit(r, c, &k, e, what, errs);
        sg_sn_commit_free(&k);
        sg_sn_orders_free(orders, n);
        json_decref(lots);
        if (res != SG_RULES_OK || strcmp(what, "conflict") != 0) {
            break;
        }
        res = SG_RULES_RETRY;
    }
    sg_sn_doc_free(&d);
    return res;
}

/* --- the read API ------------------------------------------------------ */

/* A hash as a JSON object, the named fields parsed as JSON; NULL with
 * *found set when it is empty (0) or Redis failed (-1). */
static json_t *
sg_sn_hash_json(redisContext *c, const char *key, const char *const *json,
                int *found)
{
    redisReply *r = redisCommand(c, "HGETALL %s", key);
    json_t *o;
    size_t i;
    int k;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        *found = -1;
        if (r != NULL) {
            freeReplyObject(r);
        }
        return NULL;
    }
    *found = r->elements > 0;
    o = json_object();
    for (i = 0; i + 1 < r->elements; i += 2) {
        const char *name = r->element[i]->str;
        json_t *v = NULL;

        for (k = 0; json != NULL && json[k] != NULL && v == NULL; k++) {
            if (strcmp(json[k], name) == 0) {
                v = json_loads(r->element[i + 1]->str, 0, NULL);
            }
        }
        json_object_set_new(o, name, v != NULL ? v : json_stringn(
                            r->element[i + 1]->str,
                            r->element[i + 1]->len));
    }
    freeReplyObject(r);
    return o;
}

/* A set's members as a sorted JSON array; NULL on a Redis error. */
static json_t *
sg_sn_set_json(redisContext *c, const char *fmt, const char *id)
{
    redisReply *r = redisCommand(c, fmt, id);
    json_t *a;
    size_t i;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return NULL;
    }
    a = json_array();
    for (i = 0; i < r->elements; i++) {
        json_array_append_new(a, json_stringn(r->element[i]->str,
                                              r->element[i]->len));
    }
    freeReplyObject(r);
    return a;
}

/*
 * GET /v1/ship-notices/<number>: the notice's record, "orders",
 * "lines" and "issues" as JSON, "received" epoch ms.
 */
static char *
sg_sn_json(redisContext *c, const char *id, int *found)
{
    static const char *const parsed[] = {"orders", "lines", "issues",
                                         "received", NULL};
    char *key = sg_xasprintf(SG_KEY_ASN "%s", id), *text;
    json_t *o = sg_sn_hash_json(c, key, parsed, found);

    free(key);
    if (o == NULL || *found != 1) {
        json_decref(o);
        return NULL;
    }
    json_object_del(o, "stream");
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/*
 * GET /v1/lots/<lot>: the lot's trace, whoever wrote it (a ship notice,
 * a receipt): its hash, "ship_notices" and "complaints" (ticket ids).
 */
static char *
sg_sn_lot_json(redisContext *c, const char *id, int *found)
{
    static const char *const parsed[] = {"received", NULL};
    char *key = sg_xasprintf(SG_KEY_LOT "%s", id), *text;
    json_t *o = sg_sn_hash_json(c, key, parsed, found);
    json_t *asns, *complaints;

    free(key);
    if (o == NULL || *found != 1) {
        json_decref(o);
        return NULL;
    }
    asns = sg_sn_set_json(c, "SMEMBERS " SG_KEY_LOT "%s:asns", id);
    complaints = sg_sn_set_json(c, "SMEMBERS " SG_KEY_LOT "%s:complaints",
                                id);
    if (asns == NULL || complaints == NULL) {
        json_decref(asns);
        json_decref(complaints);
        json_decref(o);
        *found = -1;
        return NULL;
    }
    json_object_del(o, "version");
    json_object_set_new(o, "lot", json_string(id));
    json_object_set_new(o, "ship_notices", asns);
    json_object_set_new(o, "complaints", complaints);
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* --- the area ------------------------------------------------------------ */

static void *
sg_sn_create(const struct sg_config *cfg)
{
    struct sg_sn_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(sg_sn_lua, r->sha);
    return r;
}

static void
sg_sn_destroy(void *state)
{
    free(state);
}

static const char *const sg_sn_doc_types[] = {"ship_notice", NULL};

const struct sg_rules_area sg_area_ship_notices = {
    .name = "ship_notices",
    .doc_types = sg_sn_doc_types,
    .create = sg_sn_create,
    .destroy = sg_sn_destroy,
    .apply = sg_sn_apply,
    .sweep = NULL,
    .routes = {
        {"/v1/ship-notices/", "ship_notice.not_found", "no ship notice "
         "with this number (it may still be queued)", sg_sn_json},
        {"/v1/lots/", "lot.not_found", "nothing is known of this lot",
         sg_sn_lot_json},
        {NULL, NULL, NULL, NULL}
    },
};
