/*
 * rules.c - hand each canonical document to the business area that owns
 * its type, and run every area's sweep.
 *
 * The areas themselves live in rules_<area>.c; this file only keeps the
 * table and the state each area built from the configuration.
 */
#include <stdlib.h>
#include <string.h>

#include "rules_area.h"

const struct sg_rules_area *const sg_rules_areas[] = {
    &sg_area_orders,
    &sg_area_shipments,
    &sg_area_acks,
    &sg_area_stock,
    &sg_area_feedback,
    &sg_area_invoices,
    &sg_area_responses,
    &sg_area_ship_notices,
    NULL
};

struct sg_rules {
    size_t n;
    void **state;           /* one per entry of sg_rules_areas */
};

struct sg_rules *
sg_rules_create(const struct sg_config *cfg)
{
    struct sg_rules *r = sg_xcalloc(1, sizeof(*r));
    size_t i;

    while (sg_rules_areas[r->n] != NULL) {
        r->n++;
    }
    r->state = sg_xcalloc(r->n, sizeof(*r->state));
    for (i = 0; i < r->n; i++) {
        r->state[i] = sg_rules_areas[i]->create(cfg);
    }
    return r;
}

void
sg_rules_free(struct sg_rules *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    for (i = 0; i < r->n; i++) {
        sg_rules_areas[i]->destroy(r->state[i]);
    }
    free(r->state);
    free(r);
}

/* The index of the area owning type, or -1. */
static long
sg_rules_owner(const struct sg_rules *r, const char *type)
{
    const char *const *t;
    size_t i;

    for (i = 0; type != NULL && i < r->n; i++) {
        for (t = sg_rules_areas[i]->doc_types; *t != NULL; t++) {
            if (strcmp(*t, type) == 0) {
                return (long)i;
            }
        }
    }
    return -1;
}

enum sg_rules_result
sg_rules_apply(struct sg_rules *r, redisContext *c,
               const struct sg_entry *e, long long now_ms,
               struct sg_errors *errs)
{
    long i = sg_rules_owner(r, e->type);

    if (i < 0) {
        sg_errors_addf(errs, "rules.unknown_type", "no rules for document "
                       "type \"%s\"", e->type != NULL ? e->type : "");
        return SG_RULES_FAILED;
    }
    return sg_rules_areas[i]->apply(r->state[i], c, e, now_ms, errs);
}

long
sg_rules_sweep(struct sg_rules *r, redisContext *c, long long now_ms)
{
    long total = 0, n;
    int failed = 0;
    size_t i;

    /* One area's Redis trouble does not keep the others from sweeping. */
    for (i = 0; i < r->n; i++) {
        if (sg_rules_areas[i]->sweep == NULL) {
            continue;
        }
        n = sg_rules_areas[i]->sweep(r->state[i], c, now_ms);
        if (n < 0) {
            failed = 1;
        } else {
            total += n;
        }
    }
    return failed ? -1 : total;
}
