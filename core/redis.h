/*
 * redis.h - reaching Redis: connecting by address and running the
 * embedded redis-server child when the configuration names no server.
 *
 * Every thread that talks to Redis owns its own connection (hiredis
 * contexts are not thread-safe); these helpers make one.
 */
#ifndef SG_REDIS_H
#define SG_REDIS_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

/*
 * Connect to "unix:/path/to.sock" or "host:port", with a connect and
 * command timeout in milliseconds.  Returns a context, or NULL with the
 * reason in err (at least 128 bytes).
 */
redisContext *sg_redis_connect(const char *address, int timeout_ms,
                               char *err, size_t errlen);

/* An embedded redis-server started by us. */
struct sg_redis_child {
    pid_t pid;
    char address[200];      /* "unix:<state_dir>/redis.sock" */
    char dir[4096];
};

/*
 * Start redis-server (binary 'server') with its data and socket in dir,
 * AOF on with the given appendfsync policy, no TCP port, and wait until
 * it answers PING.  Returns 0, or -1 with the reason in err.
 */
int sg_redis_child_start(struct sg_redis_child *child, const char *server,
                         const char *dir, const char *appendfsync,
                         char *err, size_t errlen);

/* SIGTERM the child and wait for it (it rewrites nothing on the way
 * out: the AOF is already on disk).  Safe on a child never started. */
void sg_redis_child_stop(struct sg_redis_child *child);

#endif /* SG_REDIS_H */
