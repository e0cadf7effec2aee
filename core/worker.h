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
 * Start cfg->workers threads on Redis at address, for the streams of
 * the given document types (NULL-terminated), plus the reclaimer and the
 * deadline sweep.  rules is borrowed until sg_workers_stop().
 */
struct sg_workers *sg_workers_start(const struct sg_config *cfg,
                                    const char *address,
                                    const char *const *doc_types,
                                    struct sg_rules *rules);

/* Let each worker finish the entry in hand, then join.  NULL ok. */
void sg_workers_stop(struct sg_workers *w);

#endif /* SG_WORKER_H */
