/*
 * rules_area.h - what one business area (orders, shipments, stock,
 * feedback...) gives the rules dispatcher.
 *
 * An area owns some document types.  The workers hand each stream entry
 * to the area that owns its type; the sweep asks every area in turn; the
 * read API serves each area's routes.  Adding an area is one file that
 * defines a struct sg_rules_area, one extern line below and one line in
 * the table in rules.c.
 */
#ifndef SG_RULES_AREA_H
#define SG_RULES_AREA_H

#include "rules.h"

#define SG_AREA_MAX_ROUTES 4

/*
 * A read-only endpoint "GET <prefix><id>".  The id has passed the API's
 * identifier check before json() sees it.  json() returns a JSON text
 * the caller frees, or NULL with *found = 0 (404 with not_found_code and
 * not_found_text) or *found = -1 (Redis error, 503).
 */
struct sg_area_route {
    const char *prefix;             /* "/v1/orders/" */
    const char *not_found_code;     /* "order.not_found" */
    const char *not_found_text;
    char *(*json)(redisContext *c, const char *id, int *found);
};

struct sg_rules_area {
    const char *name;                   /* "orders", for logs */
    const char *const *doc_types;       /* NULL-terminated */
    /* State bound to cfg (borrowed for the state's lifetime). */
    void *(*create)(const struct sg_config *cfg);
    void (*destroy)(void *state);
    /*
     * Apply one entry; on SG_RULES_OK the entry is acknowledged in the
     * same atomic step as the state change (see rules.h).
     */
    enum sg_rules_result (*apply)(void *state, redisContext *c,
                                  const struct sg_entry *e,
                                  long long now_ms,
                                  struct sg_errors *errs);
    /* Raise what is due at now_ms; count raised, -1 on Redis error. */
    long (*sweep)(void *state, redisContext *c, long long now_ms);
    struct sg_area_route routes[SG_AREA_MAX_ROUTES];   /* prefix NULL ends */
};

extern const struct sg_rules_area sg_area_orders;
extern const struct sg_rules_area sg_area_shipments;
extern const struct sg_rules_area sg_area_acks;
extern const struct sg_rules_area sg_area_stock;
extern const struct sg_rules_area sg_area_feedback;
extern const struct sg_rules_area sg_area_invoices;
extern const struct sg_rules_area sg_area_responses;
extern const struct sg_rules_area sg_area_ship_notices;

/* Every area, NULL-terminated. */
extern const struct sg_rules_area *const sg_rules_areas[];

#endif /* SG_RULES_AREA_H */
