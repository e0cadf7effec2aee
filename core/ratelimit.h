/*
 * ratelimit.h - a token bucket per partner: rate tokens a second, up to
 * burst saved; a request takes one or is answered 429.
 *
 * Buckets live in this process only: with several gateways behind one
 * address each grants the full rate.
 */
#ifndef SG_RATELIMIT_H
#define SG_RATELIMIT_H

#include <stddef.h>

struct sg_ratelimit;

/* n buckets, all empty of history (full). */
struct sg_ratelimit *sg_ratelimit_create(size_t n);
void sg_ratelimit_free(struct sg_ratelimit *rl);

/*
 * Take one token from bucket i refilled at rate per second up to burst
 * (rate 0: no limit).  Returns 1 when taken, else 0 with *retry_after the
 * whole seconds until a token is due (at least 1).
 */
int sg_ratelimit_take(struct sg_ratelimit *rl, size_t i, int rate,
                      int burst, long long now_ms, int *retry_after);

#endif /* SG_RATELIMIT_H */
