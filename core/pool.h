/*
 * pool.h - a few idle Redis connections shared by the HTTP threads.
 *
 * hiredis contexts are not thread-safe: a thread borrows one, uses it
 * alone and gives it back.  A broken connection is dropped on return and
 * the next borrow connects afresh, so the pool heals after an outage.
 */
#ifndef SG_POOL_H
#define SG_POOL_H

#include <hiredis/hiredis.h>

struct sg_pool;

/* A pool for address ("unix:/path" or "host:port").  Connects lazily. */
struct sg_pool *sg_pool_create(const char *address);

/* Close every idle connection and free.  NULL ok. */
void sg_pool_free(struct sg_pool *pool);

/* A connection, or NULL (logged under component) when Redis is away. */
redisContext *sg_pool_borrow(struct sg_pool *pool, const char *component);

/* Give c back (NULL ok); a connection in error is closed instead. */
void sg_pool_return(struct sg_pool *pool, redisContext *c);

#endif /* SG_POOL_H */
