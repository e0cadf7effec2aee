/*
 * rules_response.c - the procurement rules for canonical order responses
 * (schemas/order_response.xsd): a supplier's answer to one of our
 * purchase orders, from an X12 855 or an EDIFACT ORDRSP.  The read API,
 * GET /v1/order-responses/<order>, is rules_response_json.c.
 *
 * A worker hands over one stream entry.  C reads the answer, finds the
 * order it names and what was ordered (the order's own canonical
 * document, still in its stream at the entry the order hash names),
 * and decides; one Lua script then records the answer on the order, its
 * history and the events, sets the applied-marker and acknowledges the
 * entry, so Redis holds all of it or none, and a redelivered entry
 * changes nothing.  The script first checks that the order is still the
 * version C compared with (its entry field); if not, nothing is written
 * and the entry is retried.
 *
 * Rules:
 * - The order is sg:order:<orderNumber>; when that number belongs to
 *   another supplier's order, sg:order:<orderNumber>~<supplier> (where
 *   the order rules file a second supplier's order of the same number).
 * - No such order: the entry is left for a retry until
 *   rules.order_wait has passed since it was received (the
 *   order and its answer travel in two streams, and the answer can be
 *   taken first); then an event response_order_unknown, nothing else.
 * - The answering supplier (supplier/@id, or "qualifier:id", looked up
 *   among registry ids and aliases) must be the order's supplier, and
 *   when the order's supplier is registered the envelope sender must be
 *   one of its ids; else an event response_supplier_mismatch and the
 *   order is left as it is.  No one answers for another's order.
 * - Otherwise the answer is recorded on the order (fields in keys.h):
 *   the status of the whole order and of each line (accepted, changed,
 *   rejected, pending) with the code the supplier sent, and an event
 *   order_response_received with the count of lines in each status.
 * - Price control: a line not rejected whose unitPrice differs from the
 *   ordered unit price by more than rules.response_price_tolerance
 *   percent of it (either way) raises response_price_deviation.  A
 *   quoted price for a line ordered at 0 always deviates.
 * - A promised date (the line's, else the answer's) later than the
 *   requested one (the order line's, else the order's) raises
 *   response_late_promise for that line; an answer without lines
 *   compares its own promise with the order's date.
 * - A response line whose number is not a line of the order raises
 *   response_line_unknown; it is still recorded.
 * - A later answer replaces the earlier one's fields; every answer stays
 *   in the history.
 *
 * XXX: the ordered prices and dates are read from the order's stream
 * entry; once an operator deletes that entry (XDEL, XTRIM), answers are
 * recorded without price and date control (compared false in the event).
 * XXX: quantities are not compared with the ordered ones; a line the
 * supplier confirms short is only visible as its status and quantity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "rules_response.h"
#include "schema.h"
#include "script.h"

#define SG_RESP_APPLIED_TTL "2592000"   /* 30 days, as orders */

/*
 * The commit.  KEYS: applied-marker, order hash, order history, events,
 * the entry's stream.  ARGV: group, entry, marker TTL, marker value,
 * mode ("apply", "unknown" or "mismatch"), the order entry C compared
 * with, the order label for events, then n and n field/value pairs,
 * then n and n events of (type, at, detail JSON, history JSON).
 * "apply" writes the fields and the history; the other modes only add
 * events.  Answers "applied", "seen" or "stale" (the order changed or
 * appeared since C read it: nothing written, the entry stays pending).
 */
static const char sg_resp_lua[] =
    "local function done(what)\n"
    "  redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[3])\n"
    "  redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])\n"
    "  return what\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[1]) == 1 then\n"
    "  redis.call('XACK', KEYS[5], ARGV[1], ARGV[2])\n"
    "  return 'seen'\n"
    "end\n"
    "local mode = ARGV[5]\n"
    "if mode == 'unknown' and redis.call('EXISTS', KEYS[2]) == 1 then\n"
    "  return 'stale'\n"
    "end\n"
    "if mode == 'apply' then\n"
    "  if redis.call('HGET', KEYS[2], 'entry') ~= ARGV[6] then\n"
    "    return 'stale'\n"
    "  end\n"
    "  if redis.call('HGET', KEYS[2], 'response_entry') == ARGV[2] then\n"
    "    return done('seen')\n"
    "  end\n"
    "end\n"
    "local i = 8\n"
    "local nf = tonumber(ARGV[i]); i = i + 1\n"
    "if mode == 'apply' and nf > 0 then\n"
    "  local f = {}\n"
    "  for k = 1, nf * 2 do f[k] = ARGV[i + k - 1] end\n"
    "  redis.call('HSET', KEYS[2], unpack(f))\n"
    "  redis.call('HINCRBY', KEYS[2], 'responses', 1)\n"
    "end\n"
    "i = i + nf * 2\n"
    "local ne = tonumber(ARGV[i]); i = i + 1\n"
    "for k = 0, ne - 1 do\n"
    "  local b = i + k * 4\n"
    "  redis.call('XADD', KEYS[4], '*', 'type', ARGV[b], 'subject',\n"
    "    'order', 'order', ARGV[7], 'detail', ARGV[b + 2], 'at',\n"
    "    ARGV[b + 1])\n"
    "  if mode == 'apply' then\n"
    "    redis.call('RPUSH', KEYS[3], ARGV[b + 3])\n"
    "  end\n"
    "end\n"
    "return done('applied')\n";

struct sg_resp_rules {
    const struct sg_config *cfg;
    char sha[41];
};

/* One line of the answer, as the document says it. */
struct sg_resp_line {
    char *number;
    char *status;
    char *code;
    char *quantity;
    char *price;
    char *promised;
};

/* What the rules read from a canonical order response. */
struct sg_resp {
    char *order;
    char *supplier_id;
    char *supplier_qual;
    char *status;
    char *code;
    char *number;
    char *date;
    char *promised;
    struct sg_resp_line *lines;
    size_t n_lines;
};

/* One line of the order answered: what was asked. */
struct sg_ordered_line {
    char *number;
    char *price;
    char *requested;
};

struct sg_ordered {
    int known;                  /* the order's document could be read */
    char *requested;
    struct sg_ordered_line *lines;
    size_t n_lines;
};

/* --- reading the answer ------------------------------------------------ */

static void
sg_resp_free(struct sg_resp *r)
{
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        free(r->lines[i].number);
        free(r->lines[i].status);
        free(r->lines[i].code);
        free(r->lines[i].quantity);
        free(r->lines[i].price);
        free(r->lines[i].promised);
    }
    free(r->lines);
    free(r->order);
    free(r->supplier_id);
    free(r->supplier_qual);
    free(r->status);
    free(r->code);
    free(r->number);
    free(r->date);
    free(r->promised);
    memset(r, 0, sizeof(*r));
}

static void
sg_resp_read_lines(struct sg_resp *r, const xmlNode *lines)
{
    const xmlNode *l;
    size_t n = 0;

    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        n += sg_cx_is(l, "line");
    }
    r->lines = sg_xcalloc(n + 1, sizeof(*r->lines));
    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        struct sg_resp_line *x;

        if (!sg_cx_is(l, "line")) {
            continue;
        }
        x = &r->lines[r->n_lines++];
        x->number = sg_cx_attr(l, "number");
        x->status = sg_cx_text(sg_cx_child(l, "status"));
        x->code = sg_cx_text(sg_cx_child(l, "statusCode"));
        x->quantity = sg_cx_text(sg_cx_child(l, "quantity"));
        x->price = sg_cx_text(sg_cx_child(l, "unitPrice"));
        x->promised = sg_cx_text(sg_cx_child(l, "promisedDelivery"));
    }
}

static int
sg_resp_read(struct sg_resp *r, const struct sg_entry *e,
             struct sg_errors *errs)
{
    xmlDocPtr doc;
    xmlNode *root, *sup;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    doc = sg_xml_read(e->xml, e->xml_len, errs);
    if (doc == NULL) {
        return -1;
    }
    root = xmlDocGetRootElement(doc);
    if (!sg_cx_is(root, "order_response")) {
        sg_errors_addf(errs, "rules.bad_document", "the document is not "
                       "a canonical <order_response>");
        goto done;
    }
    r->order = sg_cx_text(sg_cx_child(root, "orderNumber"));
    r->status = sg_cx_text(sg_cx_child(root, "status"));
    r->code = sg_cx_text(sg_cx_child(root, "statusCode"));
    r->number = sg_cx_text(sg_cx_child(root, "responseNumber"));
    r->date = sg_cx_text(sg_cx_child(root, "responseDate"));
    r->promised = sg_cx_text(sg_cx_child(root, "promisedDelivery"));
    sup = sg_cx_child(root, "supplier");
    r->supplier_id = sg_cx_attr(sup, "id");
    r->supplier_qual = sg_cx_attr(sup, "qualifier");
    if (r->order == NULL || r->status == NULL || r->supplier_id == NULL) {
        sg_errors_addf(errs, "rules.missing_field", "the order response "
                       "lacks its orderNumber, status or supplier id");
        goto done;
    }
    sg_resp_read_lines(r, sg_cx_child(root, "lines"));
    rc = 0;

done:
    xmlFreeDoc(doc);
    if (rc != 0) {
        sg_resp_free(r);
    }
    return rc;
}

/* --- what was ordered -------------------------------------------------- */

static void
sg_ordered_free(struct sg_ordered *o)
{
    size_t i;

    for (i = 0; i < o->n_lines; i++) {
        free(o->lines[i].number);
        free(o->lines[i].price);
        free(o->lines[i].requested);
    }
    free(o->lines);
    free(o->requested);
    memset(o, 0, sizeof(*o));
}

static void
sg_ordered_parse(struct sg_ordered *o, const char *xml, size_t len)
{
    struct sg_errors errs;
    xmlDocPtr doc;
    xmlNode *root, *lines, *l;
    size_t n = 0;

    sg_errors_init(&errs, 0);
    doc = sg_xml_read(xml, len, &errs);
    sg_errors_free(&errs);
    root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (!sg_cx_is(root, "order")) {
        if (doc != NULL) {
            xmlFreeDoc(doc);
        }
        return;
    }
    o->known = 1;
    o->requested = sg_cx_text(sg_cx_child(root, "requestedDelivery"));
    lines = sg_cx_child(root, "lines");
    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        n += sg_cx_is(l, "line");
    }
    o->lines = sg_xcalloc(n + 1, sizeof(*o->lines));
    for (l = lines != NULL ? lines->children : NULL; l != NULL;
         l = l->next) {
        if (sg_cx_is(l, "line")) {
            struct sg_ordered_line *x = &o->lines[o->n_lines++];

            x->number = sg_cx_attr(l, "number");
            x->price = sg_cx_text(sg_cx_child(l, "unitPrice"));
            x->requested = sg_cx_text(sg_cx_child(l,
                                                  "requestedDelivery"));
        }
    }
    xmlFreeDoc(doc);
}

/*
 * The order's canonical document, from its stream at the entry the
 * order hash names.  o->known stays 0 when it is gone; -1 on a Redis
 * error.
 */
static int
sg_ordered_load(struct sg_ordered *o, redisContext *c, const redisReply *h)
{
    const char *stream = sg_hash_get(h, "stream");
    const char *entry = sg_hash_get(h, "entry");
    redisReply *r, *fields;
    size_t i;

    memset(o, 0, sizeof(*o));
    if (stream == NULL || entry == NULL) {
        return 0;
    }
    r = redisCommand(c, "XRANGE %s %s %s", stream, entry, entry);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r != NULL) {
            freeReplyObject(r);
        }
        return -1;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2) {
        fields = r->element[0]->element[1];
        for (i = 0; fields->type == REDIS_REPLY_ARRAY &&
             i + 1 < fields->elements; i += 2) {
            if (strcmp(fields->element[i]->str, "xml") == 0) {
                sg_ordered_parse(o, fields->element[i + 1]->str,
                                 fields->element[i + 1]->len);
            }
        }
    }
    freeReplyObject(r);
    return 0;
}

static const struct sg_ordered_line *
sg_ordered_line(const struct sg_ordered *o, const char *number)
{
    size_t i;

    for (i = 0; number != NULL && i < o->n_lines; i++) {
        if (o->lines[i].number != NULL &&
            strcmp(o->lines[i].number, number) == 0) {
            return &o->lines[i];
        }
    }
    return NULL;
}

/* --- who answers ------------------------------------------------------- */

/* The part after "QUAL:", or all of it. */
static const char *
sg_resp_id_part(const char *id)
{
    const char *colon = strchr(id, ':');

    return colon != NULL ? colon + 1 : id;
}

/* The registry id of the answering supplier, or the id it gave. */
static const char *
sg_resp_supplier(const struct sg_config *cfg, const struct sg_resp *r)
{
    const struct sg_supplier *s = sg_config_supplier(cfg, r->supplier_id);
    char *qualified;

    if (s == NULL && r->supplier_qual != NULL) {
        qualified = sg_xasprintf("%s:%s", r->supplier_qual, r->supplier_id);
        s = sg_config_supplier(cfg, qualified);
        free(qualified);
    }
    return s != NULL ? s->id : r->supplier_id;
}

/* Is sender one of the registered supplier's ids (qualifiers aside)? */
static int
sg_resp_sent_by(const struct sg_supplier *s, const char *sender)
{
    size_t j;

    if (strcmp(sg_resp_id_part(s->id), sg_resp_id_part(sender)) == 0) {
        return 1;
    }
    for (j = 0; j < s->n_aliases; j++) {
        if (strcmp(s->aliases[j], sender) == 0 ||
            strcmp(sg_resp_id_part(s->aliases[j]),
                   sg_resp_id_part(sender)) == 0) {
            return 1;
        }
    }
    return 0;
}

/* HGETALL of an order hash; NULL on a Redis error. */
static redisReply *
sg_resp_order_hash(redisContext *c, const char *key)
{
    redisReply *h = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s", key);

    if (h != NULL && h->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(h);
        h = NULL;
    }
    return h;
}

/*
 * The order answered: the bare number's, or the one filed under
 * "<number>~<supplier>" when the bare number is another supplier's.
 * *key gets the key (caller frees), *h its hash (empty when there is no
 * order).  -1 on a Redis error.
 */
static int
sg_resp_find_order(redisContext *c, const char *number,
                   const char *supplier, char **key, redisReply **h)
{
    const char *owner;
    redisReply *scoped;
    char *other;

    *key = sg_xstrdup(number);
    *h = sg_resp_order_hash(c, number);
    if (*h == NULL) {
        return -1;
    }
    owner = sg_hash_get(*h, "supplier");
    if ((*h)->elements == 0 || owner == NULL ||
        strcmp(owner, supplier) == 0) {
        return 0;
    }
    other = sg_xasprintf("%s~%s", number, supplier);
    scoped = sg_resp_order_hash(c, other);
    if (scoped == NULL) {
        free(other);
        return -1;
    }
    if (scoped->elements > 0) {
        freeReplyObject(*h);
        free(*key);
        *h = scoped;
        *key = other;
        return 0;
    }
    freeReplyObject(scoped);
    free(other);
    return 0;
}

/* --- deciding ------------------------------------------------------------ */

/* One event: type, at, detail, history line; takes detail. */
static void
sg_resp_event(struct sg_args *a, size_t *n, const char *type, long long at,
              json_t *detail)
{
    json_t *h = json_pack("{s:s,s:I,s:O}", "type", type, "at",
                          (json_int_t)at, "detail", detail);

    sg_args_adds(a, type);
    sg_args_addf(a, "%lld", at);
    sg_args_add_json(a, detail);
    sg_args_add_json(a, h);
    (*n)++;
}

/* Percent by which quoted differs from ordered; HUGE_VAL from 0. */
static double
sg_resp_deviation(double ordered, double quoted)
{
    if (ordered == 0) {
        return quoted == 0 ? 0 : HUGE_VAL;
    }
    return (quoted - ordered) / ordered * 100.0;
}

/* Two decimals, half away from zero, without libm. */
static double
sg_resp_round2(double v)
{
    return (double)(long long)(v * 100 + (v < 0 ? -0.5 : 0.5)) / 100;
}

/* Price and date control of one line not rejected. */
static void
sg_resp_line_flags(struct sg_args *a, size_t *n, const struct sg_resp *r,
                   const struct sg_resp_line *x,
                   const struct sg_ordered_line *ol,
                   const struct sg_ordered *o, double tolerance,
                   long long now, long *price_flags, long *late)
{
    const char *promised = x->promised ? x->promised : r->promised;
    const char *requested = ol->requested ? ol->requested : o->requested;
    double dev;

    if (x->price != NULL && ol->price != NULL) {
        dev = sg_resp_deviation(strtod(ol->price, NULL),
                                strtod(x->price, NULL));
        if ((dev < 0 ? -dev : dev) > tolerance + 1e-9) {
            sg_resp_event(a, n, "response_price_deviation", now, json_pack(
                "{s:s,s:s,s:s,s:o,s:f}", "line", x->number, "ordered",
                ol->price, "quoted", x->price, "deviation_pct",
                isinf(dev) ? json_null() : json_real(sg_resp_round2(dev)),
                "tolerance_pct", tolerance));
            (*price_flags)++;
        }
    }
    if (promised != NULL && requested != NULL &&
        strcmp(promised, requested) > 0) {
        sg_resp_event(a, n, "response_late_promise", now, json_pack(
            "{s:s,s:s,s:s}", "line", x->number, "requested", requested,
            "promised", promised));
        (*late)++;
    }
}

/* The answer's lines as recorded on the order. */
static json_t *
sg_resp_lines_json(const struct sg_resp *r)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        const struct sg_resp_line *x = &r->lines[i];

        json_array_append_new(arr, json_pack(
            "{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "line", x->number,
            "status", x->status, "code", x->code, "quantity", x->quantity,
            "price", x->price, "promised", x->promised));
    }
    return arr;
}

static void
sg_resp_count(json_t *counts, const char *status)
{
    json_t *v = json_object_get(counts, status);

    if (v != NULL) {
        json_object_set_new(counts, status,
                            json_integer(json_integer_value(v) + 1));
    }
}

/*
 * The events of an answer to a known order from its supplier: the
 * flags first (counted into *price_flags, *late), then the received
 * event that sums them up.
 */
static void
sg_resp_events(struct sg_args *a, size_t *n, const struct sg_resp *r,
               const struct sg_ordered *o, const struct sg_entry *e,
               double tolerance, long long now, long *price_flags,
               long *late)
{
    json_t *counts = json_pack("{s:i,s:i,s:i,s:i}", "accepted", 0,
                               "changed", 0, "rejected", 0, "pending", 0);
    const struct sg_ordered_line *ol;
    struct sg_ordered_line none;
    size_t i;

    memset(&none, 0, sizeof(none));
    for (i = 0; i < r->n_lines; i++) {
        const struct sg_resp_line *x = &r->lines[i];

        sg_resp_count(counts, x->status != NULL ? x->status : "");
        ol = sg_ordered_line(o, x->number);
        if (o->known && ol == NULL) {
            sg_resp_event(a, n, "response_line_unknown", now, json_pack(
                "{s:s?,s:s}", "line", x->number, "message", "the order "
                "has no line of this number"));
        }
        if (o->known && (x->status == NULL ||
                         strcmp(x->status, "rejected") != 0)) {
            sg_resp_line_flags(a, n, r, x, ol != NULL ? ol : &none, o,
                               tolerance, now, price_flags, late);
        }
    }
    /* An answer without lines promises for the whole order. */
    if (o->known && r->n_lines == 0 && r->promised != NULL &&
        o->requested != NULL && strcmp(r->promised, o->requested) > 0) {
        sg_resp_event(a, n, "response_late_promise", now, json_pack(
            "{s:n,s:s,s:s}", "line", "requested", o->requested,
            "promised", r->promised));
        (*late)++;
    }
    sg_resp_event(a, n, "order_response_received", now, json_pack(
        "{s:s,s:s?,s:s?,s:s?,s:s,s:o,s:b,s:i,s:i}", "status", r->status,
        "code", r->code, "msg", e->msg, "entry", e->id, "supplier",
        r->supplier_id, "lines", counts, "compared", o->known,
        "price_flags", (int)*price_flags, "late_lines", (int)*late));
}

static void
sg_resp_field(struct sg_args *a, size_t *n, const char *name,
              const char *v)
{
    sg_args_adds(a, name);
    sg_args_adds(a, v != NULL ? v : "");
    (*n)++;
}

/* The latest promise of the answer: its own or a line's. */
static const char *
sg_resp_latest_promise(const struct sg_resp *r)
{
    const char *p = r->promised;
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        const char *lp = r->lines[i].promised;

        if (lp != NULL && r->lines[i].status != NULL &&
            strcmp(r->lines[i].status, "rejected") != 0 &&
            (p == NULL || strcmp(lp, p) > 0)) {
            p = lp;
        }
    }
    return p;
}

static void
sg_resp_fields(struct sg_args *a, const struct sg_resp *r,
               const struct sg_entry *e, long price_flags, long late)
{
    size_t count_at = a->n, n = 0;
    json_t *lines = sg_resp_lines_json(r);
    char *text = json_dumps(lines, JSON_COMPACT);

    json_decref(lines);
    sg_args_adds(a, "0");
    sg_resp_field(a, &n, "response", r->status);
    sg_resp_field(a, &n, "response_code", r->code);
    sg_resp_field(a, &n, "response_number", r->number);
    sg_resp_field(a, &n, "response_date", r->date);
    sg_args_adds(a, "response_at");
    sg_args_addf(a, "%lld", e->received_ms);
    n++;
    sg_resp_field(a, &n, "response_msg", e->msg);
    sg_resp_field(a, &n, "response_entry", e->id);
    sg_resp_field(a, &n, "response_lines", text);
    sg_args_adds(a, "response_price_flags");
    sg_args_addf(a, "%ld", price_flags);
    n++;
    sg_args_adds(a, "response_late_lines");
    sg_args_addf(a, "%ld", late);
    n++;
    sg_resp_field(a, &n, "promised_delivery", sg_resp_latest_promise(r));
    free(text);
    sg_args_count(a, count_at, n);
}

/*
 * The arguments of an answer to a known order from its supplier: the
 * fields, then the events.  The events are decided first, as the fields
 * count them.  Returns the index of the events' count placeholder.
 */
static size_t
sg_resp_known_args(struct sg_args *a, size_t *n, const struct sg_resp *r,
                   const struct sg_ordered *o, const struct sg_entry *e,
                   double tolerance, long long now)
{
    struct sg_args ev;
    long price_flags = 0, late = 0;
    size_t count_at, i;

    memset(&ev, 0, sizeof(ev));
    sg_resp_events(&ev, n, r, o, e, tolerance, now, &price_flags, &late);
    sg_resp_fields(a, r, e, price_flags, late);
    count_at = a->n;
    sg_args_adds(a, "0");
    for (i = 0; i < ev.n; i++) {
        sg_args_add(a, ev.v[i], ev.len[i]);
    }
    sg_args_free(&ev);
    return count_at;
}

/* --- committing ---------------------------------------------------------- */

static enum sg_rules_result
sg_resp_commit(struct sg_resp_rules *rr, redisContext *c,
               struct sg_args *a, const char *key, const char *label,
               const char *mode, const char *order_entry,
               const struct sg_entry *e, struct sg_errors *errs)
{
    enum sg_rules_result res = SG_RULES_OK;
    struct sg_args head;
    redisReply *rep;
    size_t i;

    /* The keys and the head of the arguments, then what the caller
     * built. */
    memset(&head, 0, sizeof(head));
    sg_args_adds(&head, "EVALSHA");
    sg_args_adds(&head, rr->sha);
    sg_args_adds(&head, "5");
    sg_args_addf(&head, SG_KEY_APPLIED "%s:%s", e->stream, e->id);
    sg_args_addf(&head, SG_KEY_ORDER "%s", key);
    sg_args_addf(&head, SG_KEY_ORDER "%s:history", key);
    sg_args_adds(&head, SG_KEY_EVENTS);
    sg_args_adds(&head, e->stream);
    sg_args_adds(&head, e->group != NULL ? e->group : SG_GROUP);
    sg_args_adds(&head, e->id);
    sg_args_adds(&head, SG_RESP_APPLIED_TTL);
    sg_args_adds(&head, e->msg != NULL ? e->msg : "");
    sg_args_adds(&head, mode);
    sg_args_adds(&head, order_entry != NULL ? order_entry : "");
    sg_args_adds(&head, label);
    for (i = 0; i < a->n; i++) {
        sg_args_add(&head, a->v[i], a->len[i]);
    }

    rep = sg_script_eval(c, &head, sg_resp_lua);
    if (rep == NULL) {
        res = SG_RULES_RETRY;
    } else if (rep->type == REDIS_REPLY_ERROR) {
        if (sg_script_transient(rep)) {
            res = SG_RULES_RETRY;
        } else {
            sg_errors_addf(errs, "rules.redis", "recording the response "
                           "to order %s: %s", label, rep->str);
            res = SG_RULES_FAILED;
        }
    } else if ((rep->type == REDIS_REPLY_STATUS ||
                rep->type == REDIS_REPLY_STRING) &&
               strcmp(rep->str, "stale") == 0) {
        /* The order moved under us: decide again on the next try. */
        res = SG_RULES_RETRY;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    sg_args_free(&head);
    return res;
}

/* Why the answer may not touch the order, or NULL when it may. */
static char *
sg_resp_refusal(const struct sg_config *cfg, const struct sg_resp *r,
                const char *supplier, const char *owner,
                const struct sg_entry *e)
{
    const struct sg_supplier *s;

    if (owner == NULL || strcmp(owner, supplier) != 0) {
        return sg_xasprintf("supplier %s answers an order placed with %s",
                            r->supplier_id, owner ? owner : "nobody");
    }
    s = sg_config_supplier(cfg, owner);
    if (s != NULL && e->partner != NULL && e->partner[0] != '\0' &&
        !sg_resp_sent_by(s, e->partner)) {
        return sg_xasprintf("the interchange came from %s, which is none "
                            "of supplier %s's ids", e->partner, s->id);
    }
    return NULL;
}

static enum sg_rules_result
sg_resp_apply(void *state, redisContext *c, const struct sg_entry *e,
              long long now_ms, struct sg_errors *errs)
{
    struct sg_resp_rules *rr = state;
    const struct sg_config *cfg = rr->cfg;
    enum sg_rules_result res = SG_RULES_RETRY;
    struct sg_ordered ordered;
    struct sg_resp r;
    struct sg_args a;
    redisReply *h = NULL;
    const char *supplier, *mode;
    char *key = NULL, *why = NULL;
    size_t count_at, n = 0;

    if (sg_resp_read(&r, e, errs) != 0) {
        return SG_RULES_FAILED;
    }
    memset(&ordered, 0, sizeof(ordered));
    memset(&a, 0, sizeof(a));
    supplier = sg_resp_supplier(cfg, &r);
    if (sg_resp_find_order(c, r.order, supplier, &key, &h) != 0) {
        goto done;
    }

    if (h->elements == 0 &&
        now_ms - e->received_ms < cfg->order_wait * 1000LL) {
        /* The order may still be in its own queue: try again later. */
        goto done;
    }
    if (h->elements == 0) {
        mode = "unknown";
        sg_args_adds(&a, "0");
        count_at = a.n;
        sg_args_adds(&a, "0");
        sg_resp_event(&a, &n, "response_order_unknown", now_ms, json_pack(
            "{s:s,s:s,s:s,s:s?,s:s}", "order", r.order, "supplier",
            supplier, "status", r.status, "msg", e->msg, "message",
            "no order of this number: the response changes nothing"));
    } else if ((why = sg_resp_refusal(cfg, &r, supplier,
                                      sg_hash_get(h, "supplier"), e))
               != NULL) {
        mode = "mismatch";
        sg_args_adds(&a, "0");
        count_at = a.n;
        sg_args_adds(&a, "0");
        sg_resp_event(&a, &n, "response_supplier_mismatch", now_ms,
                      json_pack("{s:s,s:s,s:s?,s:s?,s:s}", "supplier",
                                supplier, "order_supplier",
                                sg_hash_get(h, "supplier"), "sender",
                                e->partner, "msg", e->msg, "message",
                                why));
    } else {
        mode = "apply";
        if (sg_ordered_load(&ordered, c, h) != 0) {
            goto done;
        }
        count_at = sg_resp_known_args(&a, &n, &r, &ordered, e,
                                      cfg->response_price_tolerance, now_ms);
    }
    sg_args_count(&a, count_at, n);
    res = sg_resp_commit(rr, c, &a, key, key, mode,
                         sg_hash_get(h, "entry"), e, errs);

done:
    free(why);
    free(key);
    if (h != NULL) {
        freeReplyObject(h);
    }
    sg_args_free(&a);
    sg_ordered_free(&ordered);
    sg_resp_free(&r);
    return res;
}

/* --- the area ------------------------------------------------------------ */

static void *
sg_resp_create(const struct sg_config *cfg)
{
    struct sg_resp_rules *rr = sg_xcalloc(1, sizeof(*rr));

    rr->cfg = cfg;
    sg_script_sha1(sg_resp_lua, rr->sha);
    return rr;
}

static void
sg_resp_destroy(void *state)
{
    free(state);
}

static const char *const sg_resp_types[] = {"order_response", NULL};

const struct sg_rules_area sg_area_responses = {
    "responses",
    sg_resp_types,
    sg_resp_create,
    sg_resp_destroy,
    sg_resp_apply,
    NULL,
    {{"/v1/order-responses/", "order_response.not_found", "no answer "
      "from the supplier is recorded for this order (or no such order)",
      sg_rules_response_json},
     {NULL, NULL, NULL, NULL}}
};
