/*
 * testlib.h - what every supplygate test needs: where the sources and
 * the build are, scratch directories, files, and a real redis-server.
 *
 * The tests run against a real redis-server started here on a unix
 * socket in a scratch directory; nothing is mocked.
 */
#ifndef SG_TESTLIB_H
#define SG_TESTLIB_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "redis.h"

/* $SG_SRCDIR/rel or $SG_BUILDDIR/rel, in a static buffer per call site
 * family: copy it if you need two at once. */
const char *sg_test_srcpath(const char *rel);
const char *sg_test_buildpath(const char *rel);

/* A fresh directory under /tmp, removed by sg_test_rmdir(). */
char *sg_test_tmpdir(const char *tag);
void sg_test_rmdir(const char *dir);

/* Read a whole file; *len gets its size.  Caller frees.  NULL if absent. */
unsigned char *sg_test_read(const char *path, size_t *len);

/* Write text to dir/name; returns the path (caller frees). */
char *sg_test_write(const char *dir, const char *name, const char *text);

/* A redis-server in its own scratch directory. */
struct sg_test_redis {
    struct sg_redis_child child;
    char *dir;
};

/* Start one (appendfsync always); aborts the test program on failure. */
void sg_test_redis_start(struct sg_test_redis *r);
void sg_test_redis_stop(struct sg_test_redis *r);

/* A connection to it; aborts on failure. */
redisContext *sg_test_redis_connect(const struct sg_test_redis *r);

/* Run a CUnit registry built by the caller: basic mode, verbose, and
 * return the process exit code (0 when every test passed). */
int sg_test_run(void);

#endif /* SG_TESTLIB_H */
