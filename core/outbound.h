/*
 * outbound.h - messages supplygate sends to partners (replenishment
 * orders to suppliers), stored in Redis before the first try and
 * posted with libcurl by the sweep, with retries and backoff.
 *
 * The record sg:outbound:<id> (keys.h) is written by whoever decides
 * to send, in the same atomic commit as the decision, with status
 * "pending" and the id in sg:outbound:due at the time of the first try
 * (or status "unsent" and no due entry when the partner has no
 * endpoint).  From there only this file changes it.
 */
#ifndef SG_OUTBOUND_H
#define SG_OUTBOUND_H

#include <hiredis/hiredis.h>

#include "config.h"

/*
 * Post what is due at now_ms, at most budget messages, each try bounded
 * by cfg->repl_timeout.  A 2xx answer delivers; anything else is
 * retried after repl_backoff, doubled each time, until
 * repl_max_attempts tries have failed.  Each try is recorded in
 * sg:outbound:<id>:attempts and raises an event (replenishment_
 * delivered, replenishment_retry, replenishment_failed).  A message is
 * claimed for a lease before it is posted, so two sweepers never post
 * it at once and a sweeper that dies leaves it due again after the
 * lease.  Returns the number of tries made, -1 on a Redis error.
 */
long sg_outbound_deliver(redisContext *c, const struct sg_config *cfg,
                         long long now_ms, int budget);

/* Call once before any thread runs (libcurl's global setup). */
void sg_outbound_global_init(void);

#endif /* SG_OUTBOUND_H */
