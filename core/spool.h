/*
 * spool.h - bodies too large to hold in memory, kept in a file instead.
 *
 * A body over http.body_limit (and under http.spool_limit) is written to
 * <state_dir>/spool/<id> as it arrives, made durable with fsync, read
 * back in pieces by a plugin's decode_stream(), and finally moved to
 * <state_dir>/raw/<id>, where it stays as the raw message the Redis
 * message hash points to.  Files are created mode 0600 with O_EXCL, so a
 * message id can never land on a file that already exists.
 */
#ifndef SG_SPOOL_H
#define SG_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

struct sg_spool_file {
    int fd;                 /* -1 once closed */
    char *path;             /* where the file is now */
    size_t len;             /* bytes written */
    off_t read_at;          /* sg_spool_read()'s position */
};

/*
 * Create <dir>/<name> (dir is made 0700 if missing).  0, or -1 with a
 * sentence in err.
 */
int sg_spool_create(struct sg_spool_file *f, const char *dir,
                    const char *name, char *err, size_t errlen);

/* Append; 0 or -1 (disk full, I/O error: logged). */
int sg_spool_write(struct sg_spool_file *f, const void *data, size_t len);

/* Make what was written durable and rewind for reading.  0 or -1. */
int sg_spool_seal(struct sg_spool_file *f);

/*
 * The read() of a struct sg_message over a sealed file: up to n bytes
 * from the current position; 0 at the end, -1 on error.
 */
long sg_spool_read(void *f, unsigned char *buf, size_t n);

/* Up to n bytes from offset 0 into buf, without moving the position:
 * how many were read, or -1. */
long sg_spool_head(struct sg_spool_file *f, unsigned char *buf, size_t n);

/*
 * Move the file to <dir>/<name> and make the move durable (the
 * directory is fsync'd).  f->path then names the new place.  0 or -1.
 */
int sg_spool_keep(struct sg_spool_file *f, const char *dir,
                  const char *name);

/* Close, and remove the file unless it was kept.  Safe to call twice. */
void sg_spool_discard(struct sg_spool_file *f);

/* Close without removing (the file was kept). */
void sg_spool_close(struct sg_spool_file *f);

/*
 * Remove what a previous run left in <state_dir>/spool: bodies still
 * arriving or being decoded when it stopped were never accepted (their
 * senders got no 202), and the document files are rebuilt each time.
 * Returns how many files went.
 */
long sg_spool_sweep(const char *state_dir);

#endif /* SG_SPOOL_H */
