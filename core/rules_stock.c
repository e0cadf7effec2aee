/*
 * rules_stock.c - the stock area: stock levels per item, warehouse and
 * lot, limits and their alerts, replenishment orders, lot records and
 * first-expired-first-out picking.
 *
 * It owns two document types.  A "stock" snapshot (schemas/stock.xsd)
 * replaces the warehouse's level, and its lots, of every item it
 * names; a "receipt" (schemas/receipt.xsd) adds each line's accepted
 * quantity to the level and to its lot, and records the lot at
 * sg:lot:<lot> with its supplier, order and ship notice.
 *
 * After each change the level of each (item, warehouse) is judged
 * against the item registry's limits: below lower is "low", above upper
 * "high" (a level exactly at a limit is neither), and an event is
 * raised only when that judgement changes, so an alert is raised once
 * per crossing.  A low level with no open replenishment places one with
 * the item's preferred supplier when that supplier is qualified (known,
 * active, nothing blocked or expired: supplier_check.c); otherwise
 * replenishment_refused says why, once until the level recovers.  The
 * order is written as a canonical order and as the supplier's X12 850
 * or EDIFACT ORDERS (replenish.c) with an interchange control number
 * from INCR, stored as an outbound message (outbound.c) in the same
 * commit, and posted by the sweep.  The replenishment stays open until
 * a receipt names its order number.
 *
 * Decisions are made in C from state read first; the commit is one Lua
 * script that checks the version of every hash read, applies every
 * write, adds the events, sets the applied-marker and acknowledges the
 * entry.  A version that moved (another worker changed the item) makes
 * it answer "conflict" and we read and decide again; a redelivered
 * entry finds its marker and changes nothing.
 *
 * XXX: an open replenishment only closes on a receipt naming its order
 * number; an order the supplier never fills keeps the item from being
 * reordered until someone clears open:W by hand.
 * XXX: a lot id is global (sg:lot:<lot>); two suppliers using the same
 * lot number for different items share one record, the later receipt's
 * item and supplier win.
 * XXX: picking (sg_stock_pick_json) has no HTTP route: area routes take
 * an id and no query string, so warehouse and quantity cannot be passed.
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
#include "outbound.h"
#include "replenish.h"
#include "rules_area.h"
#include "rules_stock.h"
#include "schema.h"
#include "script.h"
#include "supplier_check.h"

#define SG_STOCK_TTL        "2592000"   /* applied-marker, 30 days */
#define SG_STOCK_TRIES      8           /* conflicts before "retry" */
#define SG_QTY_SCALE        1000000LL   /* quantities in millionths */
#define SG_DELIVERY_BUDGET  10          /* posts per sweep */
/* Largest level kept: 12 integer digits, as the schemas allow for one
 * quantity; sums past it are refused before they can overflow. */
#define SG_QTY_MAX          (999999999999LL * SG_QTY_SCALE)

/*
 * The commit.  KEYS: applied-marker, stream, then every key the checks
 * and operations name.  ARGV: group, entry, marker TTL, marker value,
 * n checks and n (key index, version) pairs, then operations, each
 * (command, key index, n, n arguments).  Only the commands below are
 * run, one field at a time, so no call unpacks more than a few values.
 */
static const char sg_stock_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[3])\n"
    "  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "local i = 6\n"
    "for k = 1, tonumber(ARGV[5]) do\n"
    "  local v = redis.call('HGET', KEYS[tonumber(ARGV[i])], 'version')\n"
    "  if (v or '') ~= ARGV[i + 1] then return 'conflict' end\n"
    "  i = i + 2\n"
    "end\n"
    "local allowed = {HSET = 1, HDEL = 1, XADD = 1, ZADD = 1,\n"
    "                 HINCRBY = 1}\n"
    "while i <= #ARGV do\n"
    "  local cmd, n = ARGV[i], tonumber(ARGV[i + 2])\n"
    "  if not allowed[cmd] then\n"
    "    return redis.error_reply('stock commit: no ' .. cmd)\n"
    "  end\n"
    "  local args = {KEYS[tonumber(ARGV[i + 1])]}\n"
    "  for k = 1, n do args[k + 1] = ARGV[i + 2 + k] end\n"
    "  redis.call(cmd, unpack(args))\n"
    "  i = i + 3 + n\n"
    "end\n"
    "return done('applied')\n";

struct sg_stock_rules {
    const struct sg_config *cfg;
    char sha[41];
};

/* --- the commit being built ---------------------------------------- */

/*
 * The commit being built: keys (the first two fixed), version checks,
 * operations.  Checks are all added before the first operation.
 */
struct sg_ops {
    struct sg_args keys;
    struct sg_args checks;
    struct sg_args ops;
    size_t n_checks;
    size_t n_ops;
};

/* The 1-based KEYS index of key, added when new. */
static size_t
sg_ops_key(struct sg_ops *o, const char *key)
{
    size_t i;

    for (i = 0; i < o->keys.n; i++) {
        if (strcmp(o->keys.v[i], key) == 0) {
            return i + 1;
        }
    }
    sg_args_adds(&o->keys, key);
    return o->keys.n;
}

/* The commit fails with "conflict" unless key's version is still v. */
static void
sg_ops_check(struct sg_ops *o, const char *key, const char *version)
{
    sg_args_addf(&o->checks, "%zu", sg_ops_key(o, key));
    sg_args_adds(&o->checks, version);
    o->n_checks++;
}

/* One command on key with n further string arguments. */
static void
sg_ops_cmd(struct sg_ops *o, const char *cmd, const char *key, int n, ...)
{
    va_list ap;
    int i;

    sg_args_adds(&o->ops, cmd);
    sg_args_addf(&o->ops, "%zu", sg_ops_key(o, key));
    sg_args_addf(&o->ops, "%d", n);
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        sg_args_adds(&o->ops, va_arg(ap, const char *));
    }
    va_end(ap);
    o->n_ops++;
}

static void
sg_ops_free(struct sg_ops *o)
{
    sg_args_free(&o->keys);
    sg_args_free(&o->checks);
    sg_args_free(&o->ops);
}

/* --- quantities ------------------------------------------------------ */

/* A decimal "12", "0.5", "-3" in millionths; 0, or -1 when it is not
 * one (the schemas allow six fraction digits). */
static int
sg_qty_parse(const char *s, long long *out)
{
    long long whole = 0, frac = 0;
    int neg = 0, n_frac = 0, digits = 0;

    if (s == NULL) {
        return -1;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    for (; isdigit((unsigned char)*s); s++, digits++) {
        if (whole > 999999999999LL) {
            return -1;
        }
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        for (s++; isdigit((unsigned char)*s); s++, digits++) {
            if (n_frac == 6) {
                return -1;
            }
            frac = frac * 10 + (*s - '0');
            n_frac++;
        }
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    if (*s != '\0' || digits == 0) {
        return -1;
    }
    for (; n_frac < 6; n_frac++) {
        frac *= 10;
    }
    *out = (whole * SG_QTY_SCALE + frac) * (neg ? -1 : 1);
    return 0;
}

/* Millionths as a decimal without trailing zeros ("12.5", "0"). */
static void
sg_qty_text(long long v, char *out, size_t outlen)
{
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    char frac[8];
    int n;

    if (a % SG_QTY_SCALE == 0) {
        snprintf(out, outlen, "%s%llu", v < 0 ? "-" : "", a / SG_QTY_SCALE);
        return;
    }
    snprintf(frac, sizeof(frac), "%06llu", a % SG_QTY_SCALE);
    for (n = 6; n > 0 && frac[n - 1] == '0'; n--) {
        frac[n - 1] = '\0';
    }
    snprintf(out, outlen, "%s%llu.%s", v < 0 ? "-" : "", a / SG_QTY_SCALE,
             frac);
}

/* A configured double (item limits) in millionths. */
static long long
sg_qty_from_double(double v)
{
    return (long long)(v * SG_QTY_SCALE + (v >= 0 ? 0.5 : -0.5));
}

/* "2026-12-04" of epoch ms, UTC. */
static void
sg_stock_day(long long ms, char out[16])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* --- reading the document ------------------------------------------- */

/* One line of a snapshot or a receipt. */
struct sg_sline {
    char *item;
    char *lot;                  /* NULL: no lot */
    char *expiry;               /* YYYY-MM-DD or NULL */
    char *unit;
    long long quantity;         /* snapshot: counted; receipt: accepted */
    long long received;         /* receipt only */
    long long rejected;         /* receipt only */
};

struct sg_sdoc {
    int receipt;                /* 1 receipt, 0 snapshot */
    char *key;                  /* snapshotId or receiptNumber */
    char *warehouse;
    char *order_ref;            /* receipt only, may be NULL */
    char *asn_ref;
    char *supplier;
    struct sg_sline *lines;
    size_t n_lines;
};

/* A quantity element, 0 when absent; -1 when not a decimal. */
static int
sg_st_qty(const xmlNode *n, long long *v)
{
    char *s = sg_cx_text(n);
    int rc = 0;

    *v = 0;
    if (s != NULL) {
        rc = sg_qty_parse(s, v);
    }
    free(s);
    return rc;
}

static void
sg_sdoc_free(struct sg_sdoc *d)
{
    size_t i;

    for (i = 0; i < d->n_lines; i++) {
        free(d->lines[i].item);
        free(d->lines[i].lot);
        free(d->lines[i].expiry);
        free(d->lines[i].unit);
    }
    free(d->lines);
    free(d->key);
    free(d->warehouse);
    free(d->order_ref);
    free(d->asn_ref);
    free(d->supplier);
    memset(d, 0, sizeof(*d));
}

/* One <line>; 0, or -1 with the reason in errs. */
static int
sg_sdoc_line(struct sg_sdoc *d, const xmlNode *l, struct sg_errors *errs)
{
    struct sg_sline *s = &d->lines[d->n_lines];
    const xmlNode *q;
    int bad;

    memset(s, 0, sizeof(*s));
    d->n_lines++;
    s->item = sg_cx_text(sg_cx_child(l, "item"));
    s->lot = sg_cx_text(sg_cx_child(l, "lot"));
    s->expiry = sg_cx_text(sg_cx_child(l, "expiry"));
    q = sg_cx_child(l, d->receipt ? "received" : "quantity");
    s->unit = sg_cx_attr(q, "unit");
    if (d->receipt) {
        bad = sg_st_qty(q, &s->received) != 0 ||
              sg_st_qty(sg_cx_child(l, "accepted"), &s->quantity) != 0 ||
              sg_st_qty(sg_cx_child(l, "rejected"), &s->rejected) != 0;
    } else {
        bad = sg_st_qty(q, &s->quantity) != 0;
    }
    if (s->item == NULL || bad || s->quantity < 0) {
        sg_errors_addf(errs, "rules.bad_field", "%s %s line %zu: no item "
                       "or a quantity that is not a decimal of 0 or more",
                       d->receipt ? "receipt" : "snapshot", d->key,
                       d->n_lines);
        return -1;
    }
    /* "W|lot" keys the lots hash: a '|' in W would make it ambiguous. */
    if (strchr(d->warehouse, '|') != NULL) {
        sg_errors_addf(errs, "rules.bad_field", "warehouse \"%s\" holds "
                       "'|', which stock keys cannot carry", d->warehouse);
        return -1;
    }
    return 0;
}

static int
sg_sdoc_read(struct sg_sdoc *d, const struct sg_entry *e,
             struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *lines, *l;
    size_t n = 0;
    int rc = -1;

    memset(d, 0, sizeof(*d));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "stock") && !sg_cx_is(root, "receipt")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is "
                       "neither a canonical <stock> nor a <receipt>");
        goto done;
    }
    d->receipt = sg_cx_is(root, "receipt");
    d->key = sg_cx_text(sg_cx_child(root, d->receipt ? "receiptNumber"
                                                     : "snapshotId"));
    d->warehouse = sg_cx_text(sg_cx_child(root, "warehouse"));
    d->order_ref = sg_cx_text(sg_cx_child(root, "orderRef"));
    d->asn_ref = sg_cx_text(sg_cx_child(root, "shipNoticeRef"));
    d->supplier = sg_cx_attr(sg_cx_child(root, "supplier"), "id");
    if (d->key == NULL || d->warehouse == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "the %s has no %s or "
                       "no warehouse", d->receipt ? "receipt" : "snapshot",
                       d->receipt ? "receiptNumber" : "snapshotId");
        goto done;
    }
    lines = sg_cx_child(root, "lines");
    for (l = lines != NULL ? lines->children : NULL; l; l = l->next) {
        n += sg_cx_is(l, "line");
    }
    d->lines = sg_xcalloc(n + 1, sizeof(*d->lines));
    for (l = lines != NULL ? lines->children : NULL; l; l = l->next) {
        if (sg_cx_is(l, "line") && sg_sdoc_line(d, l, errs) != 0) {
            goto done;
        }
    }
    rc = 0;
done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        sg_sdoc_free(d);
    }
    return rc;
}

/* --- the state read before deciding --------------------------------- */

static redisReply *
sg_hgetall(redisContext *c, const char *key)
{
    redisReply *r = redisCommand(c, "HGETALL %s", key);

    if (r != NULL && r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static const char *
sg_hget(const redisReply *h, const char *field)
{
    size_t i;

    for (i = 0; h != NULL && i + 1 < h->elements; i += 2) {
        if (h->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(h->element[i]->str, field) == 0 &&
            h->element[i + 1]->type == REDIS_REPLY_STRING) {
            return h->element[i + 1]->str;
        }
    }
    return NULL;
}

/* One lot of one item at the document's warehouse, as it will be. */
struct sg_lotacc {
    char *lot;                  /* "" for stock counted without a lot */
    long long q;
    char *expiry;               /* "" when unknown */
    long long received;         /* epoch ms of its first receipt */
    long long rejected;         /* this receipt's, receipt only */
    char *unit;
};

/* One item named by the document. */
struct sg_istate {
    char *item;
    char *key;                  /* sg:stock:<item> */
    char *lots_key;             /* sg:stock:<item>:lots */
    redisReply *hash;
    redisReply *lots;
    long long level;            /* the new level at the warehouse */
    char *unit;
    struct sg_lotacc *acc;
    size_t n_acc;
};

struct sg_state {
    struct sg_istate *items;
    size_t n_items;
};

static void
sg_state_free(struct sg_state *s)
{
    size_t i, j;

    for (i = 0; i < s->n_items; i++) {
        struct sg_istate *it = &s->items[i];

        for (j = 0; j < it->n_acc; j++) {
            free(it->acc[j].lot);
            free(it->acc[j].expiry);
            free(it->acc[j].unit);
        }
        free(it->acc);
        free(it->item);
        free(it->key);
        free(it->lots_key);
        free(it->unit);
        if (it->hash != NULL) {
            freeReplyObject(it->hash);
        }
        if (it->lots != NULL) {
            freeReplyObject(it->lots);
        }
    }
    free(s->items);
    memset(s, 0, sizeof(*s));
}

static struct sg_istate *
sg_state_item(struct sg_state *s, const char *item)
{
    size_t i;

    for (i = 0; i < s->n_items; i++) {
        if (strcmp(s->items[i].item, item) == 0) {
            return &s->items[i];
        }
    }
    return NULL;
}

/* The lot's entry of an item, made (from the stored JSON, if any) on
 * first sight. */
static struct sg_lotacc *
sg_lotacc_get(struct sg_istate *it, const char *warehouse, const char *lot,
              int from_store)
{
    struct sg_lotacc *a;
    const char *stored;
    char *field;
    json_t *j;
    size_t i;

    for (i = 0; i < it->n_acc; i++) {
        if (strcmp(it->acc[i].lot, lot) == 0) {
            return &it->acc[i];
        }
    }
    it->acc = sg_xrealloc(it->acc, (it->n_acc + 1) * sizeof(*it->acc));
    a = &it->acc[it->n_acc++];
    memset(a, 0, sizeof(*a));
    a->lot = sg_xstrdup(lot);
    a->expiry = sg_xstrdup("");
    field = sg_xasprintf("%s|%s", warehouse, lot);
    stored = sg_hget(it->lots, field);
    free(field);
    j = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
    if (j != NULL) {
        const char *q = json_string_value(json_object_get(j, "q"));
        const char *x = json_string_value(json_object_get(j, "expiry"));

        a->received = json_integer_value(json_object_get(j, "received"));
        if (from_store && q != NULL) {
            sg_qty_parse(q, &a->q);
        }
        if (x != NULL) {
            free(a->expiry);
            a->expiry = sg_xstrdup(x);
        }
        json_decref(j);
    }
    return a;
}

/*
 * Read every item the document names (and set its version check), and
 * gather its lines: the new level and lots at the warehouse.  A lot
 * seen for the first time is dated received (epoch ms).  Returns 0,
 * -1 on a Redis error, -2 when a level would pass SG_QTY_MAX.
 */
static int
sg_state_read(struct sg_state *s, struct sg_ops *o, redisContext *c,
              const struct sg_sdoc *d, long long received)
{
    const char *level;
    struct sg_istate *it;
    struct sg_lotacc *a;
    size_t i;

    memset(s, 0, sizeof(*s));
    s->items = sg_xcalloc(d->n_lines + 1, sizeof(*s->items));
    for (i = 0; i < d->n_lines; i++) {
        const struct sg_sline *l = &d->lines[i];

        it = sg_state_item(s, l->item);
        if (it == NULL) {
            it = &s->items[s->n_items++];
            it->item = sg_xstrdup(l->item);
            it->key = sg_xasprintf(SG_KEY_STOCK "%s", l->item);
            it->lots_key = sg_xasprintf(SG_KEY_STOCK "%s:lots", l->item);
            it->hash = sg_hgetall(c, it->key);
            it->lots = sg_hgetall(c, it->lots_key);
            if (it->hash == NULL || it->lots == NULL) {
                return -1;
            }
            sg_ops_check(o, it->key, sg_hget(it->hash, "version"));
            /* A snapshot replaces; a receipt adds to what is there.
             * XXX: a snapshot naming one lot on two lines adds them. */
            if (d->receipt) {
                char *f = sg_xasprintf("level:%s", d->warehouse);

                level = sg_hget(it->hash, f);
                free(f);
                if (level != NULL) {
                    sg_qty_parse(level, &it->level);
                }
            }
        }
        if (it->level > SG_QTY_MAX - l->quantity) {
            return -2;
        }
        it->level += l->quantity;
        free(it->unit);
        it->unit = l->unit != NULL ? sg_xstrdup(l->unit) : NULL;
        a = sg_lotacc_get(it, d->warehouse, l->lot ? l->lot : "",
                          d->receipt);
        if (a->q > SG_QTY_MAX - l->quantity) {
            return -2;
        }
        a->q += l->quantity;
        a->rejected += l->rejected;
        if (l->expiry != NULL) {
            free(a->expiry);
            a->expiry = sg_xstrdup(l->expiry);
        }
        if (a->received == 0) {
            a->received = received;
        }
        if (l->unit != NULL && a->unit == NULL) {
            a->unit = sg_xstrdup(l->unit);
        }
    }
    return 0;
}

/* --- deciding and writing ------------------------------------------ */

/* One event on sg:events; takes detail. */
static void
sg_stock_event(struct sg_ops *o, const char *type, const char *item,
               const char *warehouse, const char *order, json_t *detail,
               long long at)
{
    char *text = json_dumps(detail, JSON_COMPACT);
    char when[24];

    snprintf(when, sizeof(when), "%lld", at);
    sg_ops_cmd(o, "XADD", SG_KEY_EVENTS, 15, "*", "type", type, "subject",
               "stock", "item", item, "warehouse", warehouse, "order",
               order != NULL ? order : "", "detail",
               text != NULL ? text : "{}", "at", when);
    free(text);
    json_decref(detail);
}

static void
sg_hset(struct sg_ops *o, const char *key, const char *field,
        const char *value)
{
    sg_ops_cmd(o, "HSET", key, 2, field, value != NULL ? value : "");
}

/* HSET key "<prefix>:<warehouse>" value. */
static void
sg_hset_w(struct sg_ops *o, const char *key, const char *prefix,
          const char *warehouse, const char *value)
{
    char *field = sg_xasprintf("%s:%s", prefix, warehouse);

    sg_hset(o, key, field, value);
    free(field);
}

static void
sg_hdel_w(struct sg_ops *o, const char *key, const char *prefix,
          const char *warehouse)
{
    char *field = sg_xasprintf("%s:%s", prefix, warehouse);

    sg_ops_cmd(o, "HDEL", key, 1, field);
    free(field);
}

static const char *
sg_hget_w(const redisReply *h, const char *prefix, const char *warehouse)
{
    char *field = sg_xasprintf("%s:%s", prefix, warehouse);
    const char *v = sg_hget(h, field);

    free(field);
    return v;
}

/* The lots of the item at the warehouse, written as decided. */
static void
sg_write_lots(struct sg_ops *o, const struct sg_istate *it,
              const struct sg_sdoc *d)
{
    size_t i, j, wl = strlen(d->warehouse);
    char qty[48], *field, *text;
    json_t *v;

    /* A snapshot drops the lots it no longer names. */
    for (i = 0; !d->receipt && i + 1 < it->lots->elements; i += 2) {
        const char *f = it->lots->element[i]->str;
        int kept = 0;

        if (f == NULL || strncmp(f, d->warehouse, wl) != 0 ||
            f[wl] != '|') {
            continue;
        }
        for (j = 0; j < it->n_acc && !kept; j++) {
            kept = strcmp(it->acc[j].lot, f + wl + 1) == 0;
        }
        if (!kept) {
            sg_ops_cmd(o, "HDEL", it->lots_key, 1, f);
        }
    }
    for (i = 0; i < it->n_acc; i++) {
        sg_qty_text(it->acc[i].q, qty, sizeof(qty));
        v = json_pack("{s:s,s:s,s:I}", "q", qty, "expiry",
                      it->acc[i].expiry, "received",
                      (json_int_t)it->acc[i].received);
        text = json_dumps(v, JSON_COMPACT);
        field = sg_xasprintf("%s|%s", d->warehouse, it->acc[i].lot);
        sg_hset(o, it->lots_key, field, text);
        free(field);
        free(text);
        json_decref(v);
    }
}

/* What this receipt accepted of item's lot, over all its lines. */
static long long
sg_receipt_lot_accepted(const struct sg_sdoc *d, const char *item,
                        const char *lot)
{
    long long sum = 0;
    size_t i;

    for (i = 0; i < d->n_lines; i++) {
        if (strcmp(d->lines[i].item, item) == 0 &&
            strcmp(d->lines[i].lot ? d->lines[i].lot : "", lot) == 0) {
            sum += d->lines[i].quantity;
        }
    }
    return sum;
}

/*
 * A receipt records each lot at sg:lot:<lot>, with the fields another
 * area reads to trace a complaint back (keys.h).  Returns 0, or -1 on
 * a Redis error.
 */
static int
sg_write_lot_records(struct sg_ops *o, redisContext *c,
                     const struct sg_istate *it, const struct sg_sdoc *d,
                     const struct sg_entry *e)
{
    char qty[48], rej[48], when[24], *key;
    long long have, had_rejected;
    redisReply *h;
    size_t i;

    for (i = 0; i < it->n_acc; i++) {
        const struct sg_lotacc *a = &it->acc[i];

        if (a->lot[0] == '\0') {
            continue;
        }
        key = sg_xasprintf(SG_KEY_LOT "%s", a->lot);
        h = sg_hgetall(c, key);
        if (h == NULL) {
            free(key);
            return -1;
        }
        sg_ops_check(o, key, sg_hget(h, "version"));
        have = 0;
        had_rejected = 0;
        if (sg_hget(h, "quantity") != NULL) {
            sg_qty_parse(sg_hget(h, "quantity"), &have);
        }
        if (sg_hget(h, "rejected") != NULL) {
            sg_qty_parse(sg_hget(h, "rejected"), &had_rejected);
        }
        /* a->q is the lot's stock at the warehouse; the record counts
         * what receipts accepted, so add this receipt's lines only. */
        have += sg_receipt_lot_accepted(d, it->item, a->lot);
        sg_qty_text(have, qty, sizeof(qty));
        sg_qty_text(had_rejected + a->rejected, rej, sizeof(rej));
        snprintf(when, sizeof(when), "%lld", sg_hget(h, "received") != NULL
                 ? strtoll(sg_hget(h, "received"), NULL, 10)
                 : e->received_ms);
        sg_hset(o, key, "item", it->item);
        sg_hset(o, key, "supplier", d->supplier);
        sg_hset(o, key, "order", d->order_ref);
        sg_hset(o, key, "asn", d->asn_ref);
        sg_hset(o, key, "warehouse", d->warehouse);
        sg_hset(o, key, "expiry", a->expiry);
        sg_hset(o, key, "received", when);
        sg_hset(o, key, "quantity", qty);
        sg_hset(o, key, "rejected", rej);
        sg_hset(o, key, "receipt", d->key);
        sg_ops_cmd(o, "HINCRBY", key, 2, "version", "1");
        sg_stock_event(o, "lot_received", it->item, d->warehouse,
                       d->order_ref, json_pack("{s:s,s:s?,s:s,s:s?,s:s}",
                       "lot", a->lot, "supplier", d->supplier, "expiry",
                       a->expiry, "asn", d->asn_ref, "accepted", qty),
                       e->received_ms);
        freeReplyObject(h);
        free(key);
    }
    return 0;
}

/* --- limits and replenishment ------------------------------------- */

/* Why a replenishment cannot be placed, gathered for one event. */
struct sg_refusal {
    json_t *reasons;
    struct sg_buf codes;
};

static void
sg_refusal_add(void *arg, const char *code, char *message)
{
    struct sg_refusal *r = arg;

    json_array_append_new(r->reasons, json_pack("{s:s,s:s}", "code", code,
                                                "message", message));
    if (r->codes.len > 0) {
        sg_buf_adds(&r->codes, ",");
    }
    sg_buf_adds(&r->codes, code);
    free(message);
}

/*
 * The preferred supplier if it is qualified on the day of now_ms, else
 * NULL with every reason in ref.
 */
static const struct sg_supplier *
sg_replenish_supplier(const struct sg_config *cfg, const struct sg_item *it,
                      long long now_ms, struct sg_refusal *ref)
{
    const struct sg_supplier *s = NULL;
    long long day = now_ms / 1000 - (now_ms / 1000) % 86400;

    if (it->preferred_supplier == NULL ||
        it->preferred_supplier[0] == '\0') {
        sg_refusal_add(ref, "no_preferred_supplier", sg_xasprintf("item "
                       "%s names no preferred_supplier", it->id));
        return NULL;
    }
    if (it->reorder_quantity <= 0) {
        sg_refusal_add(ref, "no_reorder_quantity", sg_xasprintf("item %s "
                       "has no reorder_quantity", it->id));
    }
    s = sg_config_supplier(cfg, it->preferred_supplier);
    if (s == NULL) {
        sg_refusal_add(ref, "supplier_unknown", sg_xasprintf("supplier "
                       "\"%s\" is not in the supplier registry",
                       it->preferred_supplier));
        return NULL;
    }
    if (s->status == NULL || strcmp(s->status, "active") != 0) {
        sg_refusal_add(ref, "supplier_not_active", sg_xasprintf("supplier "
                       "%s is %s, not active", s->id,
                       s->status ? s->status : "without a status"));
    }
    sg_supplier_check(s, day, sg_refusal_add, ref);
    return ref->codes.len == 0 ? s : NULL;
}

/* The supplier's channel; defaults when the configuration has none. */
static void
sg_replenish_channel(const struct sg_config *cfg,
                     const struct sg_supplier *s, const char **format,
                     const char **endpoint)
{
    size_t i = (size_t)(s - cfg->suppliers);

    *format = "x12";
    *endpoint = "";
    if (cfg->channels != NULL && i < cfg->n_suppliers) {
        if (cfg->channels[i].format != NULL) {
            *format = cfg->channels[i].format;
        }
        if (cfg->channels[i].endpoint != NULL) {
            *endpoint = cfg->channels[i].endpoint;
        }
    }
}

/*
 * Place the order: number from a fresh control number, the three
 * renderings, the outbound record (due now when there is an endpoint),
 * open:W, the event.  Returns 0, or -1 on a Redis error.
 */
static int
sg_replenish_place(struct sg_ops *o, redisContext *c,
                   const struct sg_config *cfg, const struct sg_item *item,
                   const struct sg_supplier *s, const char *warehouse,
                   const struct sg_istate *st, long long now_ms)
{
    struct sg_repl_order ro;
    const char *format, *endpoint;
    char qty[48], price[48], when[24], *number, *key, *canonical, *body;
    redisReply *r;
    json_t *det;

    r = redisCommand(c, "INCR %s", SG_KEY_CONTROL);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    memset(&ro, 0, sizeof(ro));
    ro.control = r->integer;
    freeReplyObject(r);
    sg_replenish_channel(cfg, s, &format, &endpoint);
    number = sg_xasprintf("RP%09lld", ro.control % 1000000000LL);
    sg_qty_text(sg_qty_from_double(item->reorder_quantity), qty,
                sizeof(qty));
    sg_qty_text(sg_qty_from_double(item->unit_price), price,
                sizeof(price));
    ro.number = number;
    ro.at_ms = now_ms;
    ro.item = st->item;
    ro.quantity = qty;
    ro.unit = item->unit != NULL && item->unit[0] ? item->unit : "EA";
    ro.unit_price = item->unit_price > 0 ? price : NULL;
    ro.warehouse = warehouse;
    ro.supplier = s->id;
    ro.supplier_name = s->name;
    ro.sender_id = cfg->repl_sender_id ? cfg->repl_sender_id
                                       : "SUPPLYGATE";
    ro.sender_qual = cfg->repl_sender_qualifier
                     ? cfg->repl_sender_qualifier : "ZZ";
    canonical = sg_repl_canonical(&ro);
    body = strcmp(format, "edifact") == 0 ? sg_repl_edifact_orders(&ro)
                                          : sg_repl_x12_850(&ro);
    snprintf(when, sizeof(when), "%lld", now_ms);

    key = sg_xasprintf(SG_KEY_OUTBOUND "%s", number);
    sg_hset(o, key, "id", number);
    sg_hset(o, key, "kind", "replenishment");
    sg_hset(o, key, "order", number);
    sg_hset(o, key, "item", st->item);
    sg_hset(o, key, "warehouse", warehouse);
    sg_hset(o, key, "supplier", s->id);
    sg_hset(o, key, "format", format);
    sg_hset(o, key, "content_type", strcmp(format, "edifact") == 0
            ? "application/EDIFACT" : "application/EDI-X12");
    sg_hset(o, key, "endpoint", endpoint);
    sg_hset(o, key, "body", body);
    sg_hset(o, key, "canonical", canonical);
    sg_hset(o, key, "created", when);
    sg_hset(o, key, "attempts", "0");
    sg_hset(o, key, "status", endpoint[0] != '\0' ? "pending" : "unsent");
    if (endpoint[0] != '\0') {
        sg_ops_cmd(o, "ZADD", SG_KEY_OUTBOUND_DUE, 2, when, number);
    }
    sg_hset_w(o, st->key, "open", warehouse, number);
    det = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "order", number,
                    "supplier", s->id, "quantity", qty, "unit", ro.unit,
                    "format", format, "control", (json_int_t)ro.control,
                    "endpoint", endpoint);
    sg_stock_event(o, "replenishment_ordered", st->item, warehouse, number,
                   det, now_ms);
    if (endpoint[0] == '\0') {
        sg_stock_event(o, "replenishment_unsent", st->item, warehouse,
                       number, json_pack("{s:s,s:s}", "order", number,
                       "reason", "the supplier has no order_endpoint; "
                       "the order is stored, not sent"), now_ms);
    }
    free(key);
    free(body);
    free(canonical);
    free(number);
    return 0;
}

/* "low", "high" or "ok" for a level against the item's limits. */
static const char *
sg_judge(const struct sg_item *it, long long level)
{
    if (it == NULL) {
        return "ok";
    }
    if (level < sg_qty_from_double(it->lower)) {
        return "low";
    }
    if (it->upper > 0 && level > sg_qty_from_double(it->upper)) {
        return "high";
    }
    return "ok";
}

/*
 * Judge one item at the warehouse after the change: an alert event when
 * the judgement moved, a replenishment (or one refusal) while low.
 * open is the open replenishment once the document's own receipt has
 * been taken into account.  Returns 0, or -1 on a Redis error.
 */
static int
sg_judge_item(struct sg_ops *o, redisContext *c,
              const struct sg_config *cfg, const struct sg_istate *st,
              const char *warehouse, const char *open, long long now_ms)
{
    const struct sg_item *it = sg_config_item(cfg, st->item);
    const char *was = sg_hget_w(st->hash, "alert", warehouse);
    const char *now = sg_judge(it, st->level);
    const char *refused = sg_hget_w(st->hash, "refused", warehouse);
    const struct sg_supplier *s;
    struct sg_refusal ref;
    char level[48], limit[48];
    int rc = 0, high;

    sg_qty_text(st->level, level, sizeof(level));
    if (strcmp(now, was != NULL ? was : "ok") != 0) {
        sg_hset_w(o, st->key, "alert", warehouse, now);
        /* The limit crossed: upper going into or out of "high". */
        high = strcmp(now, "high") == 0 ||
               (was != NULL && strcmp(was, "high") == 0);
        sg_qty_text(it == NULL ? 0 : sg_qty_from_double(high ? it->upper
                                                             : it->lower),
                    limit, sizeof(limit));
        sg_stock_event(o, strcmp(now, "low") == 0 ? "stock_low"
                       : strcmp(now, "high") == 0 ? "stock_high"
                       : "stock_normal", st->item, warehouse, NULL,
                       json_pack("{s:s,s:s,s:s,s:s}", "level", level,
                                 "limit", limit, "was", was ? was : "ok",
                                 "now", now), now_ms);
    }
    if (strcmp(now, "low") != 0) {
        if (refused != NULL) {
            sg_hdel_w(o, st->key, "refused", warehouse);
        }
        return 0;
    }
    if (open != NULL && open[0] != '\0') {
        return 0;
    }
    memset(&ref, 0, sizeof(ref));
    ref.reasons = json_array();
    sg_buf_init(&ref.codes);
    s = sg_replenish_supplier(cfg, it, now_ms, &ref);
    if (s != NULL) {
        rc = sg_replenish_place(o, c, cfg, it, s, warehouse, st, now_ms);
        if (refused != NULL) {
            sg_hdel_w(o, st->key, "refused", warehouse);
        }
    } else if (refused == NULL || strcmp(refused, ref.codes.data) != 0) {
        /* Said once per low spell, again only when the reasons change. */
        sg_hset_w(o, st->key, "refused", warehouse, ref.codes.data);
        sg_stock_event(o, "replenishment_refused", st->item, warehouse,
                       NULL, json_pack("{s:s?,s:s,s:O}", "supplier",
                       it->preferred_supplier, "level", level, "reasons",
                       ref.reasons), now_ms);
    }
    json_decref(ref.reasons);
    sg_buf_free(&ref.codes);
    return rc;
}

/* --- one document: decide and commit -------------------------------- */

/*
 * Everything the document changes, as operations.  Returns 0, -1 on a
 * Redis error (state read, control number), -2 when a level would grow
 * past SG_QTY_MAX.
 */
static int
sg_stock_decide(struct sg_ops *o, redisContext *c,
                const struct sg_config *cfg, const struct sg_sdoc *d,
                const struct sg_entry *e, long long now_ms)
{
    struct sg_state st;
    char level[48], when[24];
    const char *open;
    size_t i;
    int rc;

    rc = sg_state_read(&st, o, c, d, e->received_ms);
    if (rc != 0) {
        goto done;
    }
    rc = -1;
    snprintf(when, sizeof(when), "%lld", now_ms);
    for (i = 0; i < st.n_items; i++) {
        struct sg_istate *it = &st.items[i];

        if (d->receipt &&
            sg_write_lot_records(o, c, it, d, e) != 0) {
            goto done;
        }
        sg_qty_text(it->level, level, sizeof(level));
        sg_hset_w(o, it->key, "level", d->warehouse, level);
        sg_hset_w(o, it->key, "updated", d->warehouse, when);
        if (it->unit != NULL) {
            sg_hset_w(o, it->key, "unit", d->warehouse, it->unit);
        }
        sg_write_lots(o, it, d);

        /* The receipt of the open replenishment closes it. */
        open = sg_hget_w(it->hash, "open", d->warehouse);
        if (d->receipt && open != NULL && d->order_ref != NULL &&
            strcmp(open, d->order_ref) == 0) {
            sg_hdel_w(o, it->key, "open", d->warehouse);
            sg_stock_event(o, "replenishment_received", it->item,
                           d->warehouse, open, json_pack("{s:s,s:s}",
                           "receipt", d->key, "level", level), now_ms);
            open = NULL;
        }
        if (sg_judge_item(o, c, cfg, it, d->warehouse, open, now_ms) != 0) {
            goto done;
        }
        sg_ops_cmd(o, "HINCRBY", it->key, 2, "version", "1");
    }
    sg_stock_event(o, d->receipt ? "goods_received" : "stock_updated",
                   "", d->warehouse, d->order_ref, json_pack(
                   "{s:s,s:s,s:s?,s:s?,s:s?,s:i,s:s?}", "document",
                   d->key, "entry", e->id, "msg", e->msg, "supplier",
                   d->supplier, "asn", d->asn_ref, "lines",
                   (int)d->n_lines, "partner", e->partner), now_ms);
    rc = 0;
done:
    sg_state_free(&st);
    return rc;
}

/* Run the commit; the reply text ("applied", "seen", "conflict") in
 * what.  SG_RULES_OK, RETRY or FAILED. */
static enum sg_rules_result
sg_stock_commit(struct sg_stock_rules *r, redisContext *c,
                const struct sg_ops *o, const struct sg_entry *e,
                char what[16], struct sg_errors *errs)
{
    struct sg_args a;
    redisReply *rep;
    enum sg_rules_result res = SG_RULES_RETRY;
    size_t i;

    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sha);
    sg_args_addf(&a, "%zu", o->keys.n);
    for (i = 0; i < o->keys.n; i++) {
        sg_args_adds(&a, o->keys.v[i]);
    }
    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, SG_STOCK_TTL);
    sg_args_adds(&a, e->msg);
    sg_args_addf(&a, "%zu", o->n_checks);
    for (i = 0; i < o->checks.n; i++) {
        sg_args_adds(&a, o->checks.v[i]);
    }
    for (i = 0; i < o->ops.n; i++) {
        sg_args_adds(&a, o->ops.v[i]);
    }
    rep = sg_script_eval(c, &a, sg_stock_lua);
    what[0] = '\0';
    if (rep != NULL && rep->type == REDIS_REPLY_STATUS) {
        snprintf(what, 16, "%s", rep->str);
        res = SG_RULES_OK;
    } else if (rep != NULL && rep->type == REDIS_REPLY_STRING) {
        snprintf(what, 16, "%s", rep->str);
        res = SG_RULES_OK;
    } else if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
               !sg_script_transient(rep)) {
        sg_errors_addf(errs, "rules.redis", "committing %s: %s", e->id,
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
sg_stock_apply(void *state, redisContext *c, const struct sg_entry *e,
               long long now_ms, struct sg_errors *errs)
{
    struct sg_stock_rules *r = state;
    enum sg_rules_result res = SG_RULES_RETRY;
    struct sg_sdoc d;
    struct sg_ops o;
    char what[16], *marker;
    redisReply *seen;
    int tries, rc = 0;

    if (sg_sdoc_read(&d, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    marker = sg_xasprintf(SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    for (tries = 0; tries < SG_STOCK_TRIES; tries++) {
        memset(&o, 0, sizeof(o));
        sg_ops_key(&o, marker);
        sg_ops_key(&o, e->stream);
        /* Applied before: commit nothing, the script acknowledges. */
        seen = redisCommand(c, "EXISTS %s", marker);
        if (seen == NULL || seen->type != REDIS_REPLY_INTEGER ||
            (seen->integer == 0 &&
             (rc = sg_stock_decide(&o, c, r->cfg, &d, e, now_ms)) != 0)) {
            if (seen != NULL) {
                freeReplyObject(seen);
            }
            sg_ops_free(&o);
            res = SG_RULES_RETRY;
            if (rc == -2) {
                sg_errors_addf(errs, "rules.quantity_too_large", "%s %s: "
                               "a level at %s would pass 12 integer "
                               "digits", d.receipt ? "receipt" : "snapshot",
                               d.key, d.warehouse);
                res = SG_RULES_FAILED;
            }
            break;
        }
        freeReplyObject(seen);
        res = sg_stock_commit(r, c, &o, e, what, errs);
        sg_ops_free(&o);
        if (res != SG_RULES_OK || strcmp(what, "conflict") != 0) {
            break;
        }
        res = SG_RULES_RETRY;
    }
    free(marker);
    sg_sdoc_free(&d);
    return res;
}

/* --- the sweep: post due replenishment orders ---------------------- */

static long
sg_stock_sweep(void *state, redisContext *c, long long now_ms)
{
    struct sg_stock_rules *r = state;

    return sg_outbound_deliver(c, r->cfg, now_ms, SG_DELIVERY_BUDGET);
}

static void *
sg_stock_create(const struct sg_config *cfg)
{
    struct sg_stock_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(sg_stock_lua, r->sha);
    sg_outbound_global_init();
    return r;
}

static void
sg_stock_destroy(void *state)
{
    free(state);
}

/* --- reading stock back ---------------------------------------------- */

/* One lot at a warehouse, for views and picking. */
struct sg_lotview {
    const char *lot;
    long long q;
    const char *expiry;         /* "" when unknown */
    long long received;
    json_t *j;                  /* owns the strings above */
};

/* Earliest expiry first, unknown expiry last, then receipt, then lot. */
static int
sg_lotview_cmp(const void *pa, const void *pb)
{
    const struct sg_lotview *a = pa, *b = pb;
    int c;

    if ((a->expiry[0] == '\0') != (b->expiry[0] == '\0')) {
        return a->expiry[0] == '\0' ? 1 : -1;
    }
    c = strcmp(a->expiry, b->expiry);
    if (c != 0) {
        return c;
    }
    if (a->received != b->received) {
        return a->received < b->received ? -1 : 1;
    }
    return strcmp(a->lot, b->lot);
}

/* The lots of warehouse w in lots (HGETALL), sorted for picking. */
static struct sg_lotview *
sg_lotviews(const redisReply *lots, const char *w, size_t *n)
{
    struct sg_lotview *v = sg_xcalloc(lots->elements / 2 + 1, sizeof(*v));
    size_t i, wl = strlen(w);

    *n = 0;
    for (i = 0; i + 1 < lots->elements; i += 2) {
        const char *f = lots->element[i]->str;
        json_t *j;

        if (f == NULL || strncmp(f, w, wl) != 0 || f[wl] != '|' ||
            lots->element[i + 1]->str == NULL) {
            continue;
        }
        j = json_loads(lots->element[i + 1]->str, 0, NULL);
        if (j == NULL) {
            continue;
        }
        v[*n].j = j;
        v[*n].lot = f + wl + 1;
        if (sg_qty_parse(json_string_value(json_object_get(j, "q")),
                         &v[*n].q) != 0) {
            v[*n].q = 0;
        }
        v[*n].expiry = json_string_value(json_object_get(j, "expiry"));
        if (v[*n].expiry == NULL) {
            v[*n].expiry = "";
        }
        v[*n].received = json_integer_value(json_object_get(j,
                                                            "received"));
        (*n)++;
    }
    qsort(v, *n, sizeof(*v), sg_lotview_cmp);
    return v;
}

static void
sg_lotviews_free(struct sg_lotview *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        json_decref(v[i].j);
    }
    free(v);
}

static json_t *
sg_json_qty(long long q)
{
    char text[48];

    sg_qty_text(q, text, sizeof(text));
    return json_real(strtod(text, NULL));
}

static json_t *
sg_stock_warehouse_json(const redisReply *h, const redisReply *lots,
                        const char *w)
{
    struct sg_lotview *v;
    const char *s;
    long long level = 0;
    json_t *o, *arr;
    size_t n, i;

    s = sg_hget_w(h, "level", w);
    if (s != NULL) {
        sg_qty_parse(s, &level);
    }
    o = json_object();
    json_object_set_new(o, "warehouse", json_string(w));
    json_object_set_new(o, "level", sg_json_qty(level));
    s = sg_hget_w(h, "unit", w);
    json_object_set_new(o, "unit", s ? json_string(s) : json_null());
    s = sg_hget_w(h, "alert", w);
    json_object_set_new(o, "alert", json_string(s ? s : "ok"));
    s = sg_hget_w(h, "open", w);
    json_object_set_new(o, "open_replenishment",
                        s && s[0] ? json_string(s) : json_null());
    s = sg_hget_w(h, "updated", w);
    json_object_set_new(o, "updated_ms",
                        json_integer(s ? strtoll(s, NULL, 10) : 0));
    arr = json_array();
    v = sg_lotviews(lots, w, &n);
    for (i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:s,s:o,s:o,s:I}", "lot",
            v[i].lot, "quantity", sg_json_qty(v[i].q), "expiry",
            v[i].expiry[0] ? json_string(v[i].expiry) : json_null(),
            "received_ms", (json_int_t)v[i].received));
    }
    sg_lotviews_free(v, n);
    json_object_set_new(o, "lots", arr);
    return o;
}

static json_t *
sg_stock_limits_json(const struct sg_item *it)
{
    if (it == NULL) {
        return json_null();
    }
    return json_pack("{s:f,s:f,s:s,s:f,s:s}", "lower", it->lower, "upper",
                     it->upper, "preferred_supplier",
                     it->preferred_supplier ? it->preferred_supplier : "",
                     "reorder_quantity", it->reorder_quantity, "unit",
                     it->unit ? it->unit : "");
}

char *
sg_stock_item_json(redisContext *c, const struct sg_config *cfg,
                   const char *item, int *found)
{
    const struct sg_item *it = cfg ? sg_config_item(cfg, item) : NULL;
    redisReply *h, *lots;
    json_t *o, *arr;
    char *text = NULL, *key;
    size_t i;

    *found = -1;
    key = sg_xasprintf(SG_KEY_STOCK "%s", item);
    h = sg_hgetall(c, key);
    free(key);
    key = sg_xasprintf(SG_KEY_STOCK "%s:lots", item);
    lots = sg_hgetall(c, key);
    free(key);
    if (h == NULL || lots == NULL) {
        goto done;
    }
    if (h->elements == 0 && it == NULL) {
        *found = 0;
        goto done;
    }
    o = json_object();
    json_object_set_new(o, "item", json_string(item));
    json_object_set_new(o, "limits", sg_stock_limits_json(it));
    arr = json_array();
    for (i = 0; i + 1 < h->elements; i += 2) {
        const char *f = h->element[i]->str;

        if (f != NULL && strncmp(f, "level:", 6) == 0) {
            json_array_append_new(arr, sg_stock_warehouse_json(h, lots,
                                                               f + 6));
        }
    }
    json_object_set_new(o, "warehouses", arr);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    *found = text != NULL ? 1 : -1;
done:
    if (h != NULL) {
        freeReplyObject(h);
    }
    if (lots != NULL) {
        freeReplyObject(lots);
    }
    return text;
}

char *
sg_stock_pick_json(redisContext *c, const char *item, const char *warehouse,
                   const char *quantity, long long now_ms, int *found)
{
    struct sg_lotview *v;
    long long want, take;
    json_t *o, *picks, *expired;
    redisReply *lots;
    char today[16], *key, *text;
    size_t n, i;

    *found = 0;
    if (sg_qty_parse(quantity, &want) != 0 || want <= 0) {
        return NULL;
    }
    *found = -1;
    key = sg_xasprintf(SG_KEY_STOCK "%s:lots", item);
    lots = sg_hgetall(c, key);
    free(key);
    if (lots == NULL) {
        return NULL;
    }
    sg_stock_day(now_ms, today);
    picks = json_array();
    expired = json_array();
    v = sg_lotviews(lots, warehouse, &n);
    for (i = 0; i < n; i++) {
        if (v[i].q <= 0) {
            continue;
        }
        if (v[i].expiry[0] != '\0' && strcmp(v[i].expiry, today) < 0) {
            json_array_append_new(expired, json_pack("{s:s,s:s,s:o}",
                "lot", v[i].lot, "expiry", v[i].expiry, "available",
                sg_json_qty(v[i].q)));
            continue;
        }
        if (want == 0) {
            continue;
        }
        take = v[i].q < want ? v[i].q : want;
        want -= take;
        json_array_append_new(picks, json_pack("{s:s,s:o,s:o,s:o}", "lot",
            v[i].lot, "expiry", v[i].expiry[0] ? json_string(v[i].expiry)
            : json_null(), "take", sg_json_qty(take), "available",
            sg_json_qty(v[i].q)));
    }
    o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "item", item, "warehouse",
                  warehouse, "quantity", quantity, "picks", picks, "short",
                  sg_json_qty(want), "expired", expired);
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    sg_lotviews_free(v, n);
    freeReplyObject(lots);
    *found = text != NULL ? 1 : -1;
    return text;
}

/* --- the area -------------------------------------------------------- */

/*
 * The read API's route gets no rules state, only a connection: the
 * configuration of the last area created is kept here for the limits.
 * The daemon creates the rules once.
 */
static const struct sg_config *sg_stock_route_cfg;

static char *
sg_stock_route_json(redisContext *c, const char *item, int *found)
{
    return sg_stock_item_json(c, sg_stock_route_cfg, item, found);
}

static void *
sg_stock_area_create(const struct sg_config *cfg)
{
    sg_stock_route_cfg = cfg;
    return sg_stock_create(cfg);
}

static const char *const sg_stock_types[] = {"stock", "receipt", NULL};

const struct sg_rules_area sg_area_stock = {
    "stock",
    sg_stock_types,
    sg_stock_area_create,
    sg_stock_destroy,
    sg_stock_apply,
    sg_stock_sweep,
    {{"/v1/stock/", "stock.not_found", "nothing is known of this item "
      "(no stock reported and not in the item registry)",
      sg_stock_route_json},
     {NULL, NULL, NULL, NULL}}
};
