/*
 * rules.h - the business rules applied to canonical documents.
 *
 * The rules read a canonical document, the configuration and the current
 * state in Redis, decide, and commit the decision in one atomic Lua
 * script that also acknowledges the stream entry.  A redelivered entry
 * finds its applied-marker and changes nothing.
 *
 * The rules are split by business area (rules_area.h); rules.c hands
 * each document to the area owning its type.  Orders (rules_order.c):
 * delivery time nodes (processing and dispatch deadlines), supplier
 * qualification (unknown, expired, blocked -> held with the reason),
 * approval level by amount and category.  Feedback (rules_feedback.c):
 * first-response deadlines and escalation, outcomes, follow-ups, quality
 * complaints linked to the lot and its supplier.
 */
#ifndef SG_RULES_H
#define SG_RULES_H

#include <hiredis/hiredis.h>

#include "config.h"
#include "errors.h"

struct sg_rules;

/* One stream entry as the worker read it; all borrowed. */
struct sg_entry {
    const char *stream;     /* "sg:stream:order" */
    const char *group;      /* SG_GROUP */
    const char *id;         /* stream entry id "1733312345678-0" */
    const char *msg;        /* message id */
    const char *type;       /* document type */
    const char *key;        /* business key */
    const char *partner;    /* may be "" */
    long long received_ms;
    const char *xml;
    size_t xml_len;
};

enum sg_rules_result {
    SG_RULES_OK = 0,        /* applied now or before; entry acked */
    SG_RULES_RETRY = -1,    /* Redis trouble: leave pending, retry */
    SG_RULES_FAILED = -2    /* the document cannot be applied; errs */
};

/* Rules bound to cfg (borrowed for the lifetime of the rules). */
struct sg_rules *sg_rules_create(const struct sg_config *cfg);
void sg_rules_free(struct sg_rules *r);

/* Apply the rules to one entry on connection c. */
enum sg_rules_result sg_rules_apply(struct sg_rules *r, redisContext *c,
                                    const struct sg_entry *e,
                                    long long now_ms,
                                    struct sg_errors *errs);

/*
 * Run every area's sweep: raise an SLA-breach (or escalation) event for
 * each deadline due at now_ms whose node is still open.  Returns the
 * number raised, or -1 if any area met a Redis error.  Safe to run from
 * several processes at once.
 */
long sg_rules_sweep(struct sg_rules *r, redisContext *c, long long now_ms);

/*
 * The order as a JSON object text, for the read API:
 *   { "order", "state", "supplier", "supplier_name", "category",
 *     "amount" (number), "currency" (or null), "approval",
 *     "holds": [{"code", "message"}...], "received_ms", "received",
 *     "processed_ms" (or null), "msg", "entry",
 *     "deadlines": { "processing": {"due_ms", "due", "met_ms" (or
 *                    null), "breached"}, "dispatch": the same, or null
 *                    until the order is processed },
 *     "history": [{"type", "at", "detail"}...] oldest first }
 * The caller frees it with free().  NULL with *found = 0 when there is
 * no such order, NULL with *found = -1 on a Redis error.
 */
char *sg_rules_order_json(redisContext *c, const char *order, int *found);

#endif /* SG_RULES_H */
