/*
 * pool.c - the idle Redis connections of the HTTP threads (pool.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "pool.h"
#include "redis.h"

#define SG_POOL_IDLE 8

struct sg_pool {
    char *address;
    pthread_mutex_t lock;
    redisContext *idle[SG_POOL_IDLE];
    int n_idle;
};

struct sg_pool *
sg_pool_create(const char *address)
{
    struct sg_pool *pool = sg_xcalloc(1, sizeof(*pool));

    pool->address = sg_xstrdup(address != NULL ? address : "");
    pthread_mutex_init(&pool->lock, NULL);
    return pool;
}

void
sg_pool_free(struct sg_pool *pool)
{
    int i;

    if (pool == NULL) {
        return;
    }
    for (i = 0; i < pool->n_idle; i++) {
        redisFree(pool->idle[i]);
    }
    pthread_mutex_destroy(&pool->lock);
    free(pool->address);
    free(pool);
}

redisContext *
sg_pool_borrow(struct sg_pool *pool, const char *component)
{
    redisContext *c = NULL;
    char err[256];

    pthread_mutex_lock(&pool->lock);
    if (pool->n_idle > 0) {
        c = pool->idle[--pool->n_idle];
    }
    pthread_mutex_unlock(&pool->lock);
    if (c == NULL) {
        c = sg_redis_connect(pool->address, 2000, err, sizeof(err));
        if (c == NULL) {
            sg_log(SG_LOG_WARN, component, NULL, "%s", err);
        }
    }
    return c;
}

void
sg_pool_return(struct sg_pool *pool, redisContext *c)
{
    if (c == NULL) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    if (c->err == 0 && pool->n_idle < SG_POOL_IDLE) {
        pool->idle[pool->n_idle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&pool->lock);
    if (c != NULL) {
        redisFree(c);
    }
}
