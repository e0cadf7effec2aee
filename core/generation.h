/*
 * generation.h - one loaded configuration with everything built from it
 * (plugins, schemas, rules), and the switch that lets SIGHUP put a new
 * one in place while requests in flight finish on the old one.
 *
 * Whoever uses a generation takes a reference first: an HTTP request for
 * its whole life (its intake points into the plugins), a worker for one
 * stream entry.  A reload loads a complete new generation beside the
 * running one; only if every part of it loaded is it swapped in, for the
 * requests and entries that start after the swap.  The old one is freed
 * by whoever drops its last reference.
 */
#ifndef SG_GENERATION_H
#define SG_GENERATION_H

#include <stdatomic.h>

#include "config.h"
#include "errors.h"
#include "plugin.h"
#include "rules.h"
#include "schema.h"

struct sg_generation {
    unsigned long number;       /* 1 at start, then one more per reload */
    struct sg_config *cfg;
    struct sg_plugins *plugins;
    struct sg_schemas *schemas;
    struct sg_rules *rules;     /* bound to cfg */
    atomic_long refs;
};

/*
 * Load file, its plugins and its schemas, check that every document type
 * a plugin produces has a schema, and build the rules.  With strict set a
 * refused plugin is an error too (--check-config and reload: the running
 * daemon must not lose a plugin it has because the new file names a
 * broken one).  Returns a generation holding one reference, or NULL with
 * every problem in errs ("file:line: text" where there is a line).
 */
struct sg_generation *sg_generation_load(const char *file, int strict,
                                         struct sg_errors *errs);

/* Take one more reference; returns g. */
struct sg_generation *sg_generation_ref(struct sg_generation *g);

/* Drop a reference; the last one frees the generation.  NULL ok. */
void sg_generation_unref(struct sg_generation *g);

/* The generation new work must use, switched by reload. */
struct sg_generations;

/* Start with g as current; takes over the caller's reference. */
struct sg_generations *sg_generations_new(struct sg_generation *g);

/* A reference to the current generation: drop it with
 * sg_generation_unref() when the request or entry is done. */
struct sg_generation *sg_generations_acquire(struct sg_generations *gs);

/*
 * Load file as a new generation (strict, as above) and, if it loaded,
 * make it current.  Settings that only a restart applies (listen
 * address, Redis, workers, ...) are compared with the running ones and
 * each change is logged as kept until restart.  Returns 0, or -1 with
 * every error logged and the running generation left in place.
 */
int sg_generations_reload(struct sg_generations *gs, const char *file);

/* Drop the current generation and free the switch.  NULL ok. */
void sg_generations_free(struct sg_generations *gs);

#endif /* SG_GENERATION_H */
