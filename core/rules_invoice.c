/*
 * rules_invoice.c - the business rules for canonical invoices: match
 * each invoice to the order it bills, and to what was shipped.
 *
 * A worker hands over one stream entry.  We read the invoice, read the
 * order(s) it names (the order hash, and the canonical order itself from
 * the order stream entry the hash points at, for its lines and prices),
 * decide in C, then commit the invoice hash, its history, the decision
 * event, the links on each order, the applied-marker and the XACK in one
 * Lua script: Redis holds all of it or none of it, and a redelivered
 * entry changes nothing.
 *
 * Rules, as decided here (tolerances from the "invoice" section of the
 * configuration):
 * - The invoice bills invoice/orderNumber; a line naming its own order
 *   bills that one.  An invoice naming an order not known yet is left
 *   for a retry until rules.order_wait has passed since it was
 *   received (the order travels in its own stream and may be taken
 *   later).  An invoice that names no order, or an order still unknown
 *   after that, is held (order_unknown); so is one whose supplier is not
 *   the order's supplier (supplier_not_order_supplier: registry id or
 *   alias, qualifiers aside), and a credit note, which a person books
 *   (credit_note).
 * - Each line is matched to an order line by item, then supplier item,
 *   then GTIN, then line number; none: item_not_ordered.
 * - price_deviation: the invoiced unit price is more than
 *   price_tolerance percent off the ordered unit price.
 * - quantity_over_ordered: what matched invoices billed on that order
 *   line before, plus this invoice, exceeds the ordered quantity by more
 *   than quantity_tolerance percent.
 * - quantity_over_shipped: the same against the quantity shipped of
 *   the item, once a ship notice has recorded one (sg:order:<n>:shipped).
 * - total_mismatch: the stated total is more than total_tolerance away
 *   from the lines (quantity x unit price) + charges - allowances + tax;
 *   line_amount_mismatch: a stated line amount is that far from quantity
 *   x unit price.
 * - currency_mismatch: the invoice and the order name two currencies.
 * - No reason: state "matched", event invoice_matched, and the billed
 *   quantities count on the order (sg:order:<n>:invoiced).  Reasons but
 *   every order known: "mismatch"; else "held"; event invoice_mismatch
 *   with the reasons.  A disputed invoice counts nothing, so that its
 *   corrected successor is not taken for a second bill.
 * - Invoice numbers are unique per supplier: the same number again from
 *   the same supplier is a duplicate_invoice event and changes nothing;
 *   from another supplier it is filed under "<number>~<supplier>".
 *
 * XXX: amounts and quantities are doubles, as in the order rules; a
 * price exactly at the tolerance may fall either side in the last
 * place.
 * XXX: the order lines are read from the order's stream entry: an
 * operator who trims sg:stream:order makes older orders unmatchable
 * (every line item_not_ordered, the order hash still known).
 * XXX: two invoices for the same order applied at the same moment by
 * two workers both read the counts before either commits, so together
 * they may bill more than was ordered without a quantity_over_ordered.
 * XXX: an order filed more than rules.order_wait after the invoice was
 * received is not matched: the invoice stays held (order_unknown).
 */
#include <math.h>
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

#define SG_INV_APPLIED_TTL  "2592000"   /* 30 days, in seconds */
#define SG_INV_MAX_ORDERS   8           /* orders one invoice may bill */

/*
 * The commit.  KEYS: applied-marker, invoice hash, invoice history,
 * events, stream, then per known order: history, invoices set, invoiced
 * counts, then per unknown order the two hashes it was looked for at.
 * ARGV: group, entry, invoice key, marker TTL, marker value, supplier,
 * event type, event detail, history line, the duplicate's detail and
 * history line, time, the count of unknown orders' hashes, n and n
 * field/value pairs, n orders, then per order its number, m and m
 * (order line, quantity) increments.
 *
 * Answers "applied", "seen", "duplicate", "conflict" (the number is
 * another supplier's invoice: nothing written, the caller retries under
 * the supplier-scoped key) or "stale" (an order decided unknown was
 * filed meanwhile: nothing written, decide again).
 */
static const char sg_invoice_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[5], 'EX', ARGV[4])\n"
    "  redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[2]) == 1 then\n"
    "  if redis.call('HGET', KEYS[2], 'entry') == ARGV[2] then\n"
    "    return done('seen')\n"
    "  end\n"
    "  if redis.call('HGET', KEYS[2], 'supplier') ~= ARGV[6] then\n"
    "    return 'conflict'\n"
    "  end\n"
    "  redis.call('RPUSH', KEYS[3], ARGV[11])\n"
    "  redis.call('XADD', KEYS[4], '*', 'type', 'duplicate_invoice',\n"
    "    'subject', 'invoice', 'invoice', ARGV[3], 'detail', ARGV[10],\n"
    "    'at', ARGV[12])\n"
    "  return done('duplicate')\n"
    "end\n"
    "local nu = tonumber(ARGV[13])\n"
    "for k = #KEYS - nu + 1, #KEYS do\n"
    "  if redis.call('HGET', KEYS[k], 'type') == 'order' then\n"
    "    return 'stale'\n"
    "  end\n"
    "end\n"
    "local i = 14\n"
    "local nf = tonumber(ARGV[i]); i = i + 1\n"
    "local fields = {}\n"
    "for k = 1, nf * 2 do fields[k] = ARGV[i]; i = i + 1 end\n"
    "redis.call('HSET', KEYS[2], unpack(fields))\n"
    "redis.call('RPUSH', KEYS[3], ARGV[9])\n"
    "redis.call('XADD', KEYS[4], '*', 'type', ARGV[7], 'subject',\n"
    "  'invoice', 'invoice', ARGV[3], 'detail', ARGV[8], 'at', ARGV[12])\n"
    "local no = tonumber(ARGV[i]); i = i + 1\n"
    "for k = 0, no - 1 do\n"
    "  local base = 6 + k * 3\n"
    "  i = i + 1\n"
    "  redis.call('RPUSH', KEYS[base], ARGV[9])\n"
    "  redis.call('SADD', KEYS[base + 1], ARGV[3])\n"
    "  local m = tonumber(ARGV[i]); i = i + 1\n"
    "  for j = 1, m do\n"
    "    redis.call('HINCRBYFLOAT', KEYS[base + 2], ARGV[i], ARGV[i + 1])\n"
    "    i = i + 2\n"
    "  end\n"
    "end\n"
    "return done('applied')\n";

struct sg_invoice_rules {
    const struct sg_config *cfg;
    char sha[41];
};

/* --- what the rules read ------------------------------------------------ */

struct sg_inv_line {
    char *number, *order, *item, *supplier_item, *gtin;
    double quantity, price, amount;
    int has_amount;
};

struct sg_invoice {
    char *number, *date, *type, *order, *ship_notice, *currency;
    char *supplier_id, *supplier_qual;
    struct sg_inv_line *lines;
    size_t n_lines;
    double charges, allowances, tax, total;
    int has_total;
};

/* One line of an order, from its canonical document. */
struct sg_ord_line {
    char *number, *item, *supplier_item, *gtin;
    double quantity, price;
    int has_price;
    double invoiced;            /* by matched invoices before this one */
    double billed;              /* by this invoice */
};

/* One order an invoice bills. */
struct sg_ord {
    char *number;               /* as the invoice names it */
    char *key;                  /* filed under (number or number~sup) */
    int known;
    char *supplier, *currency;
    struct sg_ord_line *lines;
    size_t n_lines;
    redisReply *shipped;        /* HGETALL of :shipped, may be empty */
};

struct sg_reasons {
    json_t *arr;                /* [{code, message, line?}] */
    int held;                   /* a reason that holds the invoice */
};

static void
sg_inv_free(struct sg_invoice *v)
{
    size_t i;

    for (i = 0; i < v->n_lines; i++) {
        free(v->lines[i].number);
        free(v->lines[i].order);
        free(v->lines[i].item);
        free(v->lines[i].supplier_item);
        free(v->lines[i].gtin);
    }
    free(v->lines);
    free(v->number);
    free(v->date);
    free(v->type);
    free(v->order);
    free(v->ship_notice);
    free(v->currency);
    free(v->supplier_id);
    free(v->supplier_qual);
    memset(v, 0, sizeof(*v));
}

static void
sg_ord_free(struct sg_ord *o)
{
    size_t i;

    for (i = 0; i < o->n_lines; i++) {
        free(o->lines[i].number);
        free(o->lines[i].item);
        free(o->lines[i].supplier_item);
        free(o->lines[i].gtin);
    }
    free(o->lines);
    free(o->number);
    free(o->key);
    free(o->supplier);
    free(o->currency);
    if (o->shipped != NULL) {
        freeReplyObject(o->shipped);
    }
    memset(o, 0, sizeof(*o));
}

/* The decimal text of element n (absent: 0, *present 0). */
static int
sg_inv_num(const xmlNode *n, double *v, int *present)
{
    char *s = sg_cx_text(n), *end;
    int rc = 0;

    *v = 0;
    if (present != NULL) {
        *present = s != NULL;
    }
    if (s == NULL) {
        return 0;
    }
    *v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(*v)) {
        rc = -1;
    }
    free(s);
    return rc;
}

static int
sg_inv_read_line(struct sg_inv_line *l, const xmlNode *n)
{
    l->number = sg_cx_attr(n, "number");
    l->order = sg_cx_text(sg_cx_child(n, "orderNumber"));
    l->item = sg_cx_text(sg_cx_child(n, "item"));
    l->supplier_item = sg_cx_text(sg_cx_child(n, "supplierItem"));
    l->gtin = sg_cx_text(sg_cx_child(n, "gtin"));
    if (sg_inv_num(sg_cx_child(n, "quantity"), &l->quantity, NULL) != 0 ||
        sg_inv_num(sg_cx_child(n, "unitPrice"), &l->price, NULL) != 0 ||
        sg_inv_num(sg_cx_child(n, "lineAmount"), &l->amount,
                   &l->has_amount) != 0) {
        return -1;
    }
    return 0;
}

static int
sg_inv_read_totals(struct sg_invoice *v, const xmlNode *root)
{
    return sg_inv_num(sg_cx_child(root, "charges"), &v->charges, NULL) |
           sg_inv_num(sg_cx_child(root, "allowances"), &v->allowances,
                      NULL) |
           sg_inv_num(sg_cx_child(root, "taxAmount"), &v->tax, NULL) |
           sg_inv_num(sg_cx_child(root, "totalAmount"), &v->total,
                      &v->has_total);
}

static int
sg_inv_read(struct sg_invoice *v, const struct sg_entry *e,
            struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *sup, *l;
    const xmlNode *lines;
    int rc = -1;

    memset(v, 0, sizeof(*v));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "invoice")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is not "
                       "a canonical <invoice>");
        goto done;
    }
    v->number = sg_cx_text(sg_cx_child(root, "invoiceNumber"));
    v->date = sg_cx_text(sg_cx_child(root, "invoiceDate"));
    v->type = sg_cx_text(sg_cx_child(root, "invoiceType"));
    v->order = sg_cx_text(sg_cx_child(root, "orderNumber"));
    v->ship_notice = sg_cx_text(sg_cx_child(root, "shipNotice"));
    v->currency = sg_cx_text(sg_cx_child(root, "currency"));
    sup = sg_cx_child(root, "supplier");
    v->supplier_id = sg_cx_attr(sup, "id");
    v->supplier_qual = sg_cx_attr(sup, "qualifier");
    if (v->number == NULL || v->supplier_id == NULL) {
        sg_errors_addf(errs, "rules.bad_document", "the invoice has no "
                       "number or no supplier id");
        goto done;
    }
    lines = sg_cx_child(root, "lines");
    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        if (!sg_cx_is(l, "line")) {
            continue;
        }
        v->lines = sg_xrealloc(v->lines, (v->n_lines + 1) *
                               sizeof(*v->lines));
        memset(&v->lines[v->n_lines], 0, sizeof(*v->lines));
        if (sg_inv_read_line(&v->lines[v->n_lines++], l) != 0) {
            sg_errors_addf(errs, "rules.bad_field", "invoice %s line %zu: "
                           "quantity, unitPrice or lineAmount is not a "
                           "decimal", v->number, v->n_lines);
            goto done;
        }
    }
    if (sg_inv_read_totals(v, root) != 0) {
        sg_errors_addf(errs, "rules.bad_field", "invoice %s: a total is "
                       "not a decimal", v->number);
        goto done;
    }
    rc = 0;

done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        sg_inv_free(v);
    }
    return rc;
}

/* --- reading the orders ------------------------------------------------- */

/* The registry id of the invoice's supplier, or the id it gave. */
static const char *
sg_inv_supplier(const struct sg_config *cfg, const struct sg_invoice *v)
{
    const struct sg_supplier *s = sg_config_supplier(cfg, v->supplier_id);
    char *q;

    if (s == NULL && v->supplier_qual != NULL) {
        q = sg_xasprintf("%s:%s", v->supplier_qual, v->supplier_id);
        s = sg_config_supplier(cfg, q);
        free(q);
    }
    return s != NULL ? s->id : v->supplier_id;
}

static void
sg_ord_add_line(struct sg_ord *o, const xmlNode *n)
{
    struct sg_ord_line *l;
    int has_price;

    o->lines = sg_xrealloc(o->lines, (o->n_lines + 1) * sizeof(*o->lines));
    l = &o->lines[o->n_lines++];
    memset(l, 0, sizeof(*l));
    l->number = sg_cx_attr(n, "number");
    l->item = sg_cx_text(sg_cx_child(n, "item"));
    l->supplier_item = sg_cx_text(sg_cx_child(n, "supplierItem"));
    l->gtin = sg_cx_text(sg_cx_child(n, "gtin"));
    if (sg_inv_num(sg_cx_child(n, "quantity"), &l->quantity, NULL) != 0) {
        l->quantity = 0;
    }
    if (sg_inv_num(sg_cx_child(n, "unitPrice"), &l->price,
                   &has_price) == 0) {
        l->has_price = has_price;
    }
}

/* The lines of the canonical order kept at stream/entry (the XML the
 * order rules applied). */
static int
sg_ord_read_lines(struct sg_ord *o, redisContext *c, const char *stream,
                  const char *entry)
{
    redisReply *r = redisCommand(c, "XRANGE %s %s %s", stream, entry,
                                 entry);
    const redisReply *f;
    xmlDocPtr doc = NULL;
    const xmlNode *lines, *l;
    struct sg_errors errs;
    size_t i;

    if (r == NULL) {
        return -1;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2) {
        f = r->element[0]->element[1];
        for (i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements;
             i += 2) {
            if (strcmp(f->element[i]->str, "xml") == 0) {
                sg_errors_init(&errs, 0);
                doc = sg_xml_read(f->element[i + 1]->str,
                                  f->element[i + 1]->len, &errs);
                sg_errors_free(&errs);
            }
        }
    }
    freeReplyObject(r);
    if (doc == NULL) {
        return 0;
    }
    lines = sg_cx_child(xmlDocGetRootElement(doc), "lines");
    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        if (sg_cx_is(l, "line")) {
            sg_ord_add_line(o, l);
        }
    }
    xmlFreeDoc(doc);
    return 0;
}

/* What matched invoices billed on each order line before. */
static int
sg_ord_read_counts(struct sg_ord *o, redisContext *c)
{
    redisReply *r = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s:invoiced",
                                 o->key);
    size_t i, k;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    for (i = 0; i + 1 < r->elements; i += 2) {
        for (k = 0; k < o->n_lines; k++) {
            if (o->lines[k].number != NULL &&
                strcmp(o->lines[k].number, r->element[i]->str) == 0) {
                o->lines[k].invoiced = strtod(r->element[i + 1]->str,
                                              NULL);
            }
        }
    }
    freeReplyObject(r);
    o->shipped = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s:shipped",
                              o->key);
    return o->shipped != NULL &&
           o->shipped->type == REDIS_REPLY_ARRAY ? 0 : -1;
}

/*
 * Load the order number for the invoice's supplier: filed under
 * "<number>~<supplier>" when another supplier held the number first,
 * else under the number.  0 (known or not), -1 on a Redis error.
 */
static int
sg_ord_load(struct sg_ord *o, redisContext *c, const char *number,
            const char *supplier)
{
    const char *keys[2], *v;
    redisReply *h = NULL;
    char *scoped = sg_xasprintf("%s~%s", number, supplier);
    int k, rc = -1;

    memset(o, 0, sizeof(*o));
    o->number = sg_xstrdup(number);
    keys[0] = scoped;
    keys[1] = number;
    for (k = 0; k < 2; k++) {
        h = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s", keys[k]);
        if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
            goto done;
        }
        /* Other areas write fields on orders they only heard of; an
         * order is known once the order rules filed it. */
        v = sg_hash_get(h, "type");
        if (v != NULL && strcmp(v, "order") == 0) {
            break;
        }
        freeReplyObject(h);
        h = NULL;
    }
    rc = 0;
    if (h == NULL) {
        goto done;
    }
    o->known = 1;
    o->key = sg_xstrdup(keys[k]);
    /* A hash some other writer left without these stays comparable. */
    v = sg_hash_get(h, "supplier");
    o->supplier = v != NULL ? sg_xstrdup(v) : NULL;
    v = sg_hash_get(h, "currency");
    o->currency = v != NULL && v[0] != '\0' ? sg_xstrdup(v) : NULL;
    if (sg_hash_get(h, "stream") != NULL && sg_hash_get(h, "entry") != NULL &&
        sg_ord_read_lines(o, c, sg_hash_get(h, "stream"),
                          sg_hash_get(h, "entry")) != 0) {
        rc = -1;
    }
    if (rc == 0) {
        rc = sg_ord_read_counts(o, c);
    }

done:
    if (h != NULL) {
        freeReplyObject(h);
    }
    free(scoped);
    return rc;
}

/* --- deciding ---------------------------------------------------------- */

static void
sg_reason(struct sg_reasons *r, int holds, const char *code,
          const char *line, const char *fmt, ...) SG_PRINTF(5, 6);

static void
sg_reason(struct sg_reasons *r, int holds, const char *code,
          const char *line, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    json_t *o;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    o = json_pack("{s:s,s:s}", "code", code, "message", text);
    if (line != NULL) {
        json_object_set_new(o, "line", json_string(line));
    }
    json_array_append_new(r->arr, o);
    r->held |= holds;
}

static int
sg_same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The order line an invoice line bills, or NULL. */
static struct sg_ord_line *
sg_match_line(struct sg_ord *o, const struct sg_inv_line *l)
{
    size_t i;
    int pass;

    for (pass = 0; pass < 4; pass++) {
        for (i = 0; i < o->n_lines; i++) {
            struct sg_ord_line *ol = &o->lines[i];

            if ((pass == 0 && sg_same(ol->item, l->item)) ||
                (pass == 1 && sg_same(ol->supplier_item,
                                      l->supplier_item)) ||
                (pass == 2 && sg_same(ol->gtin, l->gtin)) ||
                (pass == 3 && sg_same(ol->number, l->number))) {
                return ol;
            }
        }
    }
    return NULL;
}

/*
 * The quantity of item shipped on the order, as the ship notice rules
 * keep it (field "item:<item>"); -1 when none recorded.
 */
static double
sg_shipped(const struct sg_ord *o, const char *item)
{
    const char *f;
    size_t i;

    for (i = 0; o->shipped != NULL && item != NULL &&
         i + 1 < o->shipped->elements; i += 2) {
        f = o->shipped->element[i]->str;
        if (strncmp(f, "item:", 5) == 0 && strcmp(f + 5, item) == 0) {
            return strtod(o->shipped->element[i + 1]->str, NULL);
        }
    }
    return -1;
}

struct sg_inv_ctx {
    const struct sg_config *cfg;
    const struct sg_invoice *v;
    const char *supplier;       /* registry id or the invoice's id */
    struct sg_ord orders[SG_INV_MAX_ORDERS];
    size_t n_orders;
    struct sg_reasons why;
    json_t *lines;              /* per line: what it matched */
};

/* The loaded order with this number, loading it; NULL when an invoice
 * names more orders than SG_INV_MAX_ORDERS.  *err on a Redis error. */
static struct sg_ord *
sg_inv_order(struct sg_inv_ctx *x, redisContext *c, const char *number,
             int *err)
{
    size_t i;

    for (i = 0; i < x->n_orders; i++) {
        if (strcmp(x->orders[i].number, number) == 0) {
            return &x->orders[i];
        }
    }
    if (x->n_orders == SG_INV_MAX_ORDERS) {
        return NULL;
    }
    if (sg_ord_load(&x->orders[x->n_orders], c, number, x->supplier) != 0) {
        sg_ord_free(&x->orders[x->n_orders]);
        *err = 1;
        return NULL;
    }
    return &x->orders[x->n_orders++];
}

/* Price and quantities of one line against its order line. */
static void
sg_check_line(struct sg_inv_ctx *x, struct sg_ord *o,
              const struct sg_inv_line *l, struct sg_ord_line *ol)
{
    const struct sg_config *cfg = x->cfg;
    double dev, allowed, shipped;

    if (ol->has_price) {
        dev = ol->price > 0 ? fabs(l->price - ol->price) / ol->price * 100
                            : (l->price > 0 ? INFINITY : 0);
        if (dev > cfg->invoice_price_tolerance + 1e-9) {
            sg_reason(&x->why, 0, "price_deviation", l->number, "line %s: "
                      "invoiced unit price %g is %.2f%% off the ordered "
                      "%g (tolerance %g%%)", l->number, l->price, dev,
                      ol->price, cfg->invoice_price_tolerance);
        }
    }
    ol->billed += l->quantity;
    allowed = ol->quantity * (1 + cfg->invoice_quantity_tolerance / 100);
    if (ol->invoiced + ol->billed > allowed + 1e-9) {
        sg_reason(&x->why, 0, "quantity_over_ordered", l->number,
                  "line %s: %g invoiced on order %s line %s (%g before "
                  "this invoice), %g ordered", l->number,
                  ol->invoiced + ol->billed, o->number, ol->number,
                  ol->invoiced, ol->quantity);
    }
    shipped = sg_shipped(o, ol->item);
    if (shipped >= 0 &&
        ol->invoiced + ol->billed >
        shipped * (1 + cfg->invoice_quantity_tolerance / 100) + 1e-9) {
        sg_reason(&x->why, 0, "quantity_over_shipped", l->number,
                  "line %s: %g of item %s invoiced, %g shipped",
                  l->number, ol->invoiced + ol->billed, ol->item,
                  shipped);
    }
}

/* One invoice line: its order, its order line, the checks. */
static int
sg_decide_line(struct sg_inv_ctx *x, redisContext *c,
               const struct sg_inv_line *l)
{
    const char *number = l->order != NULL ? l->order : x->v->order;
    struct sg_ord *o;
    struct sg_ord_line *ol = NULL;
    int err = 0;

    if (number == NULL) {
        sg_reason(&x->why, 1, "order_unknown", l->number, "line %s names "
                  "no order, nor does the invoice", l->number);
        return 0;
    }
    o = sg_inv_order(x, c, number, &err);
    if (err) {
        return -1;
    }
    if (o == NULL || !o->known) {
        sg_reason(&x->why, 1, "order_unknown", l->number, "line %s: order "
                  "%s is %s", l->number, number, o == NULL ? "one too "
                  "many for one invoice" : "not known here");
        return 0;
    }
    ol = sg_match_line(o, l);
    if (ol == NULL) {
        sg_reason(&x->why, 0, "item_not_ordered", l->number, "line %s: "
                  "item %s is on no line of order %s", l->number,
                  l->item != NULL ? l->item : "?", o->number);
    } else {
        sg_check_line(x, o, l, ol);
    }
    json_array_append_new(x->lines, json_pack(
        "{s:s?,s:s,s:s?,s:s?,s:f,s:f}", "line", l->number, "order",
        o->number, "order_line", ol != NULL ? ol->number : NULL, "item",
        l->item, "quantity", l->quantity, "unit_price", l->price));
    return 0;
}

/* Supplier and currency of each known order, and the totals. */
static void
sg_decide_invoice(struct sg_inv_ctx *x, double *computed)
{
    const struct sg_invoice *v = x->v;
    double sum = 0;
    size_t i;

    for (i = 0; i < x->n_orders; i++) {
        const struct sg_ord *o = &x->orders[i];

        if (!o->known) {
            continue;
        }
        if (o->supplier == NULL || strcmp(o->supplier, x->supplier) != 0) {
            sg_reason(&x->why, 1, "supplier_not_order_supplier", NULL,
                      "order %s is %s's, the invoice comes from %s",
                      o->number, o->supplier ? o->supplier : "nobody",
                      x->supplier);
        }
        if (o->currency != NULL && v->currency != NULL &&
            strcmp(o->currency, v->currency) != 0) {
            sg_reason(&x->why, 0, "currency_mismatch", NULL, "order %s is "
                      "in %s, the invoice in %s", o->number, o->currency,
                      v->currency);
        }
    }
    for (i = 0; i < v->n_lines; i++) {
        const struct sg_inv_line *l = &v->lines[i];
        double amount = l->quantity * l->price;

        sum += amount;
        if (l->has_amount &&
            fabs(l->amount - amount) > x->cfg->invoice_total_tolerance +
                                       1e-9) {
            sg_reason(&x->why, 0, "line_amount_mismatch", l->number,
                      "line %s states %g, %g x %g is %g", l->number,
                      l->amount, l->quantity, l->price, amount);
        }
    }
    *computed = sum + v->charges - v->allowances + v->tax;
    if (v->has_total &&
        fabs(v->total - *computed) > x->cfg->invoice_total_tolerance +
                                     1e-9) {
        sg_reason(&x->why, 0, "total_mismatch", NULL, "the invoice states "
                  "%.2f; lines %.2f + charges %g - allowances %g + tax %g "
                  "make %.2f", v->total, sum, v->charges, v->allowances,
                  v->tax, *computed);
    }
    if (v->type != NULL && strcmp(v->type, "credit_note") == 0) {
        sg_reason(&x->why, 1, "credit_note", NULL, "a credit note is not "
                  "matched against its order; a person books it");
    }
}

/* --- committing ------------------------------------------------------ */

static void
sg_inv_field(struct sg_args *a, size_t *n, const char *name, const char *v)
{
    sg_args_adds(a, name);
    sg_args_adds(a, v != NULL ? v : "");
    (*n)++;
}

static void
sg_inv_fieldf(struct sg_args *a, size_t *n, const char *name, double v)
{
    sg_args_adds(a, name);
    sg_args_addf(a, "%.6f", v);
    (*n)++;
}

static const char *
sg_inv_state(const struct sg_inv_ctx *x)
{
    if (x->why.held) {
        return "held";
    }
    return json_array_size(x->why.arr) > 0 ? "mismatch" : "matched";
}

static void
sg_args_invoice_fields(struct sg_args *a, const struct sg_inv_ctx *x,
                       const struct sg_entry *e, double computed)
{
    const struct sg_invoice *v = x->v;
    size_t count_at = a->n, n = 0, i;
    json_t *orders = json_array();
    char *text, num[32];

    sg_args_adds(a, "0");           /* the count, set below */
    sg_inv_field(a, &n, "type", "invoice");
    sg_inv_field(a, &n, "invoice", v->number);
    sg_inv_field(a, &n, "state", sg_inv_state(x));
    sg_inv_field(a, &n, "invoice_type", v->type);
    sg_inv_field(a, &n, "invoice_date", v->date);
    sg_inv_field(a, &n, "supplier", x->supplier);
    sg_inv_field(a, &n, "supplier_known",
                 sg_config_supplier(x->cfg, x->supplier) ? "1" : "0");
    sg_inv_field(a, &n, "order", v->order);
    sg_inv_field(a, &n, "ship_notice", v->ship_notice);
    sg_inv_field(a, &n, "currency", v->currency);
    if (v->has_total) {
        sg_inv_fieldf(a, &n, "total", v->total);
    }
    sg_inv_fieldf(a, &n, "computed", computed);
    for (i = 0; i < x->n_orders; i++) {
        json_array_append_new(orders, json_pack(
            "{s:s,s:s?,s:b}", "order", x->orders[i].number, "filed_as",
            x->orders[i].key, "known", x->orders[i].known));
    }
    text = json_dumps(orders, JSON_COMPACT);
    sg_inv_field(a, &n, "orders", text);
    free(text);
    json_decref(orders);
    text = json_dumps(x->why.arr, JSON_COMPACT);
    sg_inv_field(a, &n, "reasons", text);
    free(text);
    text = json_dumps(x->lines, JSON_COMPACT);
    sg_inv_field(a, &n, "lines", text);
    free(text);
    snprintf(num, sizeof(num), "%zu", v->n_lines);
    sg_inv_field(a, &n, "n_lines", num);
    snprintf(num, sizeof(num), "%lld", e->received_ms);
    sg_inv_field(a, &n, "received", num);
    sg_inv_field(a, &n, "msg", e->msg);
    sg_inv_field(a, &n, "entry", e->id);
    sg_inv_field(a, &n, "stream", e->stream);
    sg_inv_field(a, &n, "partner", e->partner);
    sg_args_count(a, count_at, n);
}

/* Per known order: its number, then the counts a matched invoice adds. */
static void
sg_args_orders(struct sg_args *a, const struct sg_inv_ctx *x, int matched)
{
    size_t i, k, count_at, m, known = 0;

    for (i = 0; i < x->n_orders; i++) {
        known += x->orders[i].known;
    }
    sg_args_addf(a, "%zu", known);
    for (i = 0; i < x->n_orders; i++) {
        const struct sg_ord *o = &x->orders[i];

        if (!o->known) {
            continue;
        }
        sg_args_adds(a, o->key);
        count_at = a->n;
        sg_args_adds(a, "0");
        m = 0;
        for (k = 0; matched && k < o->n_lines; k++) {
            if (o->lines[k].billed > 0 && o->lines[k].number != NULL) {
                sg_args_adds(a, o->lines[k].number);
                sg_args_addf(a, "%.6f", o->lines[k].billed);
                m++;
            }
        }
        sg_args_count(a, count_at, m);
    }
}

/* The decision event: type, detail, history line, then the duplicate's
 * detail and history line, then the time. */
static void
sg_args_event(struct sg_args *a, const struct sg_inv_ctx *x,
              const struct sg_entry *e, const char *key, double computed,
              long long now_ms)
{
    const char *state = sg_inv_state(x);
    const char *type = strcmp(state, "matched") == 0 ? "invoice_matched"
                                                     : "invoice_mismatch";
    json_t *det, *h;

    det = json_pack("{s:s,s:s,s:s?,s:s,s:O,s:f,s:s?,s:s}", "invoice",
                    x->v->number, "filed_as", key, "order", x->v->order,
                    "state", state, "reasons", x->why.arr, "computed",
                    computed, "msg", e->msg, "supplier", x->supplier);
    if (x->v->has_total) {
        json_object_set_new(det, "total", json_real(x->v->total));
    }
    h = json_pack("{s:s,s:I,s:O}", "type", type, "at", (json_int_t)now_ms,
                  "detail", det);
    sg_args_adds(a, type);
    sg_args_add_json(a, det);
    sg_args_add_json(a, h);

    det = json_pack("{s:s,s:s?,s:s,s:I}", "invoice", x->v->number, "msg",
                    e->msg, "entry", e->id, "received_ms",
                    (json_int_t)e->received_ms);
    h = json_pack("{s:s,s:I,s:O}", "type", "duplicate_invoice", "at",
                  (json_int_t)now_ms, "detail", det);
    sg_args_add_json(a, det);
    sg_args_add_json(a, h);
    sg_args_addf(a, "%lld", now_ms);
}

/*
 * Commit under key ("INV-1", or "INV-1~ACME" when another supplier's
 * invoice holds the number).  *conflict when the script found the key
 * another supplier's and wrote nothing.
 */
static enum sg_rules_result
sg_inv_commit(struct sg_invoice_rules *r, redisContext *c,
              const struct sg_inv_ctx *x, const char *key,
              const struct sg_entry *e, double computed, long long now_ms,
              int *conflict, struct sg_errors *errs)
{
    enum sg_rules_result res = SG_RULES_OK;
    struct sg_args a;
    redisReply *rep;
    size_t i, known = 0;

    *conflict = 0;
    for (i = 0; i < x->n_orders; i++) {
        known += x->orders[i].known;
    }
    memset(&a, 0, sizeof(a));
    sg_args_adds(&a, "EVALSHA");
    sg_args_adds(&a, r->sha);
    sg_args_addf(&a, "%zu", 5 + known * 3 + (x->n_orders - known) * 2);
    sg_args_addf(&a, SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    sg_args_addf(&a, SG_KEY_INVOICE "%s", key);
    sg_args_addf(&a, SG_KEY_INVOICE "%s:history", key);
    sg_args_adds(&a, SG_KEY_EVENTS);
    sg_args_adds(&a, e->stream);
    for (i = 0; i < x->n_orders; i++) {
        if (x->orders[i].known) {
            sg_args_addf(&a, SG_KEY_ORDER "%s:history", x->orders[i].key);
            sg_args_addf(&a, SG_KEY_ORDER "%s:invoices", x->orders[i].key);
            sg_args_addf(&a, SG_KEY_ORDER "%s:invoiced", x->orders[i].key);
        }
    }
    /* Where sg_ord_load looked for each unknown order. */
    for (i = 0; i < x->n_orders; i++) {
        if (!x->orders[i].known) {
            sg_args_addf(&a, SG_KEY_ORDER "%s~%s", x->orders[i].number,
                         x->supplier);
            sg_args_addf(&a, SG_KEY_ORDER "%s", x->orders[i].number);
        }
    }

    sg_args_adds(&a, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&a, e->id);
    sg_args_adds(&a, key);
    sg_args_adds(&a, SG_INV_APPLIED_TTL);
    sg_args_adds(&a, e->msg != NULL ? e->msg : "");
    sg_args_adds(&a, x->supplier);
    sg_args_event(&a, x, e, key, computed, now_ms);
    sg_args_addf(&a, "%zu", (x->n_orders - known) * 2);
    sg_args_invoice_fields(&a, x, e, computed);
    sg_args_orders(&a, x, strcmp(sg_inv_state(x), "matched") == 0);

    rep = sg_script_eval(c, &a, sg_invoice_lua);
    if (rep == NULL) {
        res = SG_RULES_RETRY;
    } else if (rep->type == REDIS_REPLY_ERROR) {
        if (sg_script_transient(rep)) {
            res = SG_RULES_RETRY;
        } else {
            sg_errors_addf(errs, "rules.redis", "committing invoice %s: "
                           "%s", key, rep->str);
            res = SG_RULES_FAILED;
        }
    } else if (rep->type == REDIS_REPLY_STATUS ||
               rep->type == REDIS_REPLY_STRING) {
        *conflict = strcmp(rep->str, "conflict") == 0;
        if (strcmp(rep->str, "stale") == 0) {
            /* The order came after all: decide again next time. */
            res = SG_RULES_RETRY;
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
sg_invoice_rules_create(const struct sg_config *cfg)
{
    struct sg_invoice_rules *r = sg_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    sg_script_sha1(sg_invoice_lua, r->sha);
    return r;
}

static void
sg_invoice_rules_free(void *state)
{
    free(state);
}

static void
sg_inv_ctx_free(struct sg_inv_ctx *x)
{
    size_t i;

    for (i = 0; i < x->n_orders; i++) {
        sg_ord_free(&x->orders[i]);
    }
    json_decref(x->why.arr);
    json_decref(x->lines);
}

/*
 * Does the invoice name an order not known yet while it may still
 * come?  The order travels in its own stream and can be taken after
 * the invoice; until rules.order_wait has passed since the invoice was
 * received, it waits for the order rather than holding the invoice.
 */
static int
sg_inv_order_may_come(const struct sg_inv_ctx *x, const struct sg_entry *e,
                      long long now_ms)
{
    size_t i;

    if (now_ms - e->received_ms >= x->cfg->order_wait * 1000LL) {
        return 0;
    }
    for (i = 0; i < x->n_orders; i++) {
        if (!x->orders[i].known) {
            return 1;
        }
    }
    return 0;
}

/* Read the orders and decide; 0, or -1 on a Redis error. */
static int
sg_inv_decide(struct sg_inv_ctx *x, redisContext *c, double *computed)
{
    size_t i;

    if (x->v->order != NULL) {
        int err = 0;

        /* The header's order first, so it is known even when every
         * line names its own. */
        if (sg_inv_order(x, c, x->v->order, &err) == NULL && err) {
            return -1;
        }
        if (x->n_orders > 0 && !x->orders[0].known) {
            sg_reason(&x->why, 1, "order_unknown", NULL, "order %s is not "
                      "known here", x->v->order);
        }
    }
    for (i = 0; i < x->v->n_lines; i++) {
        if (sg_decide_line(x, c, &x->v->lines[i]) != 0) {
            return -1;
        }
    }
    sg_decide_invoice(x, computed);
    return 0;
}

static enum sg_rules_result
sg_invoice_rules_apply(void *state, redisContext *c,
                       const struct sg_entry *e, long long now_ms,
                       struct sg_errors *errs)
{
    struct sg_invoice_rules *r = state;
    enum sg_rules_result res;
    struct sg_invoice v;
    struct sg_inv_ctx x;
    double computed = 0;
    int conflict;
    char *key;

    if (sg_inv_read(&v, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    memset(&x, 0, sizeof(x));
    x.cfg = r->cfg;
    x.v = &v;
    x.supplier = sg_inv_supplier(r->cfg, &v);
    x.why.arr = json_array();
    x.lines = json_array();
    if (sg_inv_decide(&x, c, &computed) != 0 ||
        sg_inv_order_may_come(&x, e, now_ms)) {
        /* Nothing written: the worker leaves the entry pending. */
        res = SG_RULES_RETRY;
        goto done;
    }
    res = sg_inv_commit(r, c, &x, v.number, e, computed, now_ms,
                        &conflict, errs);
    if (res == SG_RULES_OK && conflict) {
        key = sg_xasprintf("%s~%s", v.number, x.supplier);
        res = sg_inv_commit(r, c, &x, key, e, computed, now_ms, &conflict,
                            errs);
        if (res == SG_RULES_OK && conflict) {
            sg_errors_addf(errs, "rules.invoice_key_taken", "invoice %s: "
                           "neither %s nor %s is free for supplier %s",
                           v.number, v.number, key, x.supplier);
            res = SG_RULES_FAILED;
        }
        free(key);
    }

done:
    sg_inv_ctx_free(&x);
    sg_inv_free(&v);
    return res;
}

/* --- reading an invoice back ---------------------------------------- */

static json_t *
sg_inv_json_parsed(const char *text)
{
    json_t *v = text != NULL ? json_loads(text, JSON_DECODE_ANY, NULL)
                             : NULL;

    return v != NULL ? v : json_null();
}

static json_t *
sg_inv_json_number(const char *text)
{
    return text != NULL && text[0] != '\0' ? json_real(strtod(text, NULL))
                                           : json_null();
}

/* GET /v1/invoices/<id>: the invoice hash, its reasons and history. */
static char *
sg_rules_invoice_json(redisContext *c, const char *id, int *found)
{
    static const char *const plain[] = {
        "state", "invoice_type", "invoice_date", "supplier", "order",
        "ship_notice", "currency", "msg", "entry", NULL
    };
    redisReply *h, *hist;
    json_t *o, *arr;
    char *text;
    size_t i;

    *found = -1;
    h = redisCommand(c, "HGETALL " SG_KEY_INVOICE "%s", id);
    if (h == NULL || h->type != REDIS_REPLY_ARRAY || h->elements == 0) {
        *found = h != NULL && h->type == REDIS_REPLY_ARRAY ? 0 : -1;
        if (h != NULL) {
            freeReplyObject(h);
        }
        return NULL;
    }
    hist = redisCommand(c, "LRANGE " SG_KEY_INVOICE "%s:history 0 -1", id);
    if (hist == NULL || hist->type != REDIS_REPLY_ARRAY) {
        if (hist != NULL) {
            freeReplyObject(hist);
        }
        freeReplyObject(h);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "invoice", sg_json_str(sg_hash_get(h,
                                                              "invoice")));
    json_object_set_new(o, "filed_as", json_string(id));
    for (i = 0; plain[i] != NULL; i++) {
        json_object_set_new(o, plain[i], sg_json_str(sg_hash_get(h,
                                                                 plain[i])));
    }
    json_object_set_new(o, "supplier_known",
                        sg_json_flag(sg_hash_get(h, "supplier_known")));
    json_object_set_new(o, "total",
                        sg_inv_json_number(sg_hash_get(h, "total")));
    json_object_set_new(o, "computed",
                        sg_inv_json_number(sg_hash_get(h, "computed")));
    json_object_set_new(o, "orders",
                        sg_inv_json_parsed(sg_hash_get(h, "orders")));
    json_object_set_new(o, "reasons",
                        sg_inv_json_parsed(sg_hash_get(h, "reasons")));
    json_object_set_new(o, "lines",
                        sg_inv_json_parsed(sg_hash_get(h, "lines")));
    json_object_set_new(o, "received",
                        sg_json_time(sg_hash_get(h, "received")));
    arr = json_array();
    for (i = 0; i < hist->elements; i++) {
        if (hist->element[i]->type == REDIS_REPLY_STRING) {
            json_array_append_new(arr, sg_inv_json_parsed(
                                           hist->element[i]->str));
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

static const char *const sg_invoice_types[] = {"invoice", NULL};

const struct sg_rules_area sg_area_invoices = {
    "invoices",
    sg_invoice_types,
    sg_invoice_rules_create,
    sg_invoice_rules_free,
    sg_invoice_rules_apply,
    NULL,
    {{"/v1/invoices/", "invoice.not_found", "no invoice with this number "
      "(it may still be in the queue)", sg_rules_invoice_json},
     {NULL, NULL, NULL, NULL}}
};
