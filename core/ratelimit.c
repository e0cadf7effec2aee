/*
 * ratelimit.c - token buckets (ratelimit.h).  One lock for all buckets:
 * taking a token is a few arithmetic operations, far below the cost of
 * the request it admits.
 */
#include <pthread.h>
#include <stdlib.h>

#include "ratelimit.h"
#include "util.h"

/* XXX: buckets are per process and start full at every start: several
 * gateways behind one address, or a restart, each grant the full rate. */
struct sg_bucket {
    double tokens;
    long long at_ms;        /* last refill; 0: never used, full */
};

struct sg_ratelimit {
    pthread_mutex_t lock;
    size_t n;
    struct sg_bucket *b;
};

struct sg_ratelimit *
sg_ratelimit_create(size_t n)
{
    struct sg_ratelimit *rl = sg_xcalloc(1, sizeof(*rl));

    pthread_mutex_init(&rl->lock, NULL);
    rl->n = n;
    rl->b = sg_xcalloc(n + 1, sizeof(*rl->b));
    return rl;
}

void
sg_ratelimit_free(struct sg_ratelimit *rl)
{
    if (rl == NULL) {
        return;
    }
    pthread_mutex_destroy(&rl->lock);
    free(rl->b);
    free(rl);
}

int
sg_ratelimit_take(struct sg_ratelimit *rl, size_t i, int rate, int burst,
                  long long now_ms, int *retry_after)
{
    struct sg_bucket *b;
    double missing;
    int ok;

    if (rate <= 0 || i >= rl->n) {
        return 1;
    }
    if (burst < 1) {
        burst = 1;
    }
    pthread_mutex_lock(&rl->lock);
    b = &rl->b[i];
    if (b->at_ms == 0 || now_ms < b->at_ms) {
        b->tokens = burst;
    } else {
        b->tokens += (double)(now_ms - b->at_ms) * rate / 1000.0;
        if (b->tokens > burst) {
            b->tokens = burst;
        }
    }
    b->at_ms = now_ms;
    ok = b->tokens >= 1.0;
    if (ok) {
        b->tokens -= 1.0;
    } else {
        missing = 1.0 - b->tokens;
        *retry_after = (int)(missing / rate) + 1;
    }
    pthread_mutex_unlock(&rl->lock);
    return ok;
}
