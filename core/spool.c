/*
 * spool.c - large bodies in files: create, append, seal, read back,
 * keep or discard.  See spool.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"

/* mkdir -m 0700, quiet when it is already there. */
static int
sg_spool_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

int
sg_spool_create(struct sg_spool_file *f, const char *dir, const char *name,
                char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if (sg_spool_dir(dir, err, errlen) != 0) {
        return -1;
    }
    f->path = sg_xasprintf("%s/%s", dir, name);
    f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f->fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", f->path,
                 strerror(errno));
        free(f->path);
        f->path = NULL;
        return -1;
    }
    return 0;
}

int
sg_spool_write(struct sg_spool_file *f, const void *data, size_t len)
{
    const char *p = data;
    ssize_t n;

    while (len > 0) {
        n = write(f->fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            sg_log(SG_LOG_ERROR, "spool", NULL, "writing %s: %s", f->path,
                   n < 0 ? strerror(errno) : "nothing written");
            return -1;
        }
        p += n;
        len -= (size_t)n;
        f->len += (size_t)n;
    }
    return 0;
}

int
sg_spool_seal(struct sg_spool_file *f)
{
    if (fsync(f->fd) != 0) {
        sg_log(SG_LOG_ERROR, "spool", NULL, "fsync %s: %s", f->path,
               strerror(errno));
        return -1;
    }
    f->read_at = 0;
    return 0;
}

long
sg_spool_read(void *arg, unsigned char *buf, size_t n)
{
    struct sg_spool_file *f = arg;
    ssize_t got;

    do {
        got = pread(f->fd, buf, n, f->read_at);
    } while (got < 0 && errno == EINTR);
    if (got < 0) {
        sg_log(SG_LOG_ERROR, "spool", NULL, "reading %s: %s", f->path,
               strerror(errno));
        return -1;
    }
    f->read_at += got;
    return (long)got;
}

long
sg_spool_head(struct sg_spool_file *f, unsigned char *buf, size_t n)
{
    ssize_t got;

    do {
        got = pread(f->fd, buf, n, 0);
    } while (got < 0 && errno == EINTR);
    return (long)got;
}

/* fsync a directory, so that a rename in it survives a crash. */
static int
sg_spool_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0) {
        return -1;
    }
    rc = fsync(fd);
    close(fd);
    return rc;
}

int
sg_spool_keep(struct sg_spool_file *f, const char *dir, const char *name)
{
    char err[256];
    char *to;

    if (sg_spool_dir(dir, err, sizeof(err)) != 0) {
        sg_log(SG_LOG_ERROR, "spool", NULL, "%s", err);
        return -1;
    }
    to = sg_xasprintf("%s/%s", dir, name);
    if (rename(f->path, to) != 0 || sg_spool_sync_dir(dir) != 0) {
        sg_log(SG_LOG_ERROR, "spool", NULL, "keeping %s as %s: %s",
               f->path, to, strerror(errno));
        free(to);
        return -1;
    }
    free(f->path);
    f->path = to;
    return 0;
}

void
sg_spool_close(struct sg_spool_file *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    free(f->path);
    f->path = NULL;
}

void
sg_spool_discard(struct sg_spool_file *f)
{
    if (f->path != NULL) {
        unlink(f->path);
    }
    sg_spool_close(f);
}

long
sg_spool_sweep(const char *state_dir)
{
    char *dir = sg_xasprintf("%s/spool", state_dir);
    struct dirent *e;
    long n = 0;
    DIR *d;

    d = opendir(dir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] != '.' &&
                unlinkat(dirfd(d), e->d_name, 0) == 0) {
                n++;
            }
        }
        closedir(d);
    }
    if (n > 0) {
        sg_log(SG_LOG_NOTICE, "spool", NULL, "removed %ld file(s) left in "
               "%s by the previous run (never accepted)", n, dir);
    }
    free(dir);
    return n;
}
