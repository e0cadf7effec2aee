/*
 * worker.h - threads that take canonical documents off the streams and
 * run the rules on them.
 *
 * Each worker has its own Redis connection and reads its streams with
 * XREADGROUP in the group SG_GROUP.  An entry is acknowledged by the rules'
 * commit script in the same atomic step that applies its state change, so
 * a worker that dies leaves the entry pending and nothing half-done.  A
 * reclaimer claims entries pending longer than reclaim_idle_ms; an entry
 * delivered max_attempts times without success goes to the dead-letter
 * stream with every error it produced.
 */
#ifndef SG_WORKER_H
#define SG_WORKER_H

#include "config.h"
#include "rules.h"

struct sg_workers;

/*
 * What the workers run.  In the daemon these are sg_rules_apply() and
 * sg_rules_sweep(); apply must acknowledge the entry (XACK) in the same
 * atomic step as its state change when it returns SG_RULES_OK.
 */
struct sg_worker_handler {
    enum sg_rules_result (*apply)(void *arg, redisContext *c,
                                  const struct sg_entry *e,
                                  long long now_ms,
                                  struct sg_errors *errs);
    long (*sweep)(void *arg, redisContext *c, long long now_ms);
    void *arg;
};

/*
 * Start cfg->workers threads on Redis at address, for the streams of
 * the given document types (NULL-terminated), plus the reclaimer and,
 * every cfg->sweep_interval seconds, the sweep.  handler is copied.
 * Returns NULL if the threads cannot start (Redis being down is not a
 * reason: the workers reconnect by themselves).
 */
struct sg_workers *sg_workers_start(const struct sg_config *cfg,
                                    const char *address,
                                    const char *const *doc_types,
                                    const struct sg_worker_handler *h);

/* Let each worker finish the entry in hand, then join.  NULL ok. */
void sg_workers_stop(struct sg_workers *w);

#endif /* SG_WORKER_H */
