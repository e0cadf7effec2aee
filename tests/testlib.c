/*
 * testlib.c - scratch directories, files and a real redis-server for the
 * tests.  See testlib.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "testlib.h"
#include "util.h"

static const char *
sg_test_env(const char *name)
{
    const char *v = getenv(name);

    return v != NULL ? v : ".";
}

const char *
sg_test_srcpath(const char *rel)
{
    static char path[4096];

    snprintf(path, sizeof(path), "%s/%s", sg_test_env("SG_SRCDIR"), rel);
    return path;
}

const char *
sg_test_buildpath(const char *rel)
{
    static char path[4096];

    snprintf(path, sizeof(path), "%s/%s", sg_test_env("SG_BUILDDIR"), rel);
    return path;
}

char *
sg_test_tmpdir(const char *tag)
{
    char *tmpl = sg_xasprintf("/tmp/sg-%s-XXXXXX", tag);

    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    return tmpl;
}

void
sg_test_rmdir(const char *dir)
{
    char *cmd;

    if (dir == NULL || strncmp(dir, "/tmp/sg-", 8) != 0) {
        return;
    }
    cmd = sg_xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    free(cmd);
}

unsigned char *
sg_test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data;
    long size;

    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = sg_xmalloc((size_t)size + 1);
    if (fread(data, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(data);
        return NULL;
    }
    data[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return data;
}

char *
sg_test_write(const char *dir, const char *name, const char *text)
{
    char *path = sg_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0) {
        perror(path);
        exit(2);
    }
    fclose(f);
    return path;
}

void
sg_test_redis_start(struct sg_test_redis *r)
{
    const char *server = getenv("SG_REDIS_SERVER");
    char err[512];

    if (server == NULL || strcmp(server, "no") == 0 || *server == '\0') {
        server = "redis-server";
    }
    r->dir = sg_test_tmpdir("redis");
    if (sg_redis_child_start(&r->child, server, r->dir, "always", err,
                             sizeof(err)) != 0) {
        fprintf(stderr, "cannot start redis-server: %s\n", err);
        exit(2);
    }
}

void
sg_test_redis_stop(struct sg_test_redis *r)
{
    sg_redis_child_stop(&r->child);
    sg_test_rmdir(r->dir);
    free(r->dir);
    r->dir = NULL;
}

redisContext *
sg_test_redis_connect(const struct sg_test_redis *r)
{
    char err[512];
    redisContext *c = sg_redis_connect(r->child.address, 5000, err,
                                       sizeof(err));

    if (c == NULL) {
        fprintf(stderr, "cannot connect to test redis: %s\n", err);
        exit(2);
    }
    return c;
}

int
sg_test_run(void)
{
    unsigned failed;

    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    /* A suite whose set-up failed ran none of its tests: that is a
     * failure too, not a pass. */
    failed = CU_get_number_of_failures() +
             CU_get_number_of_tests_failed() +
             CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
