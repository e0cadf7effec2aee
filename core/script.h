/*
 * script.h - building and running the Lua scripts the business areas
 * commit with.
 *
 * Each area (rules_*.c) decides in C, then sends one EVALSHA whose
 * arguments it builds here.  Redis forgets scripts on a restart or a
 * SCRIPT FLUSH; sg_script_eval() then sends the script itself once.
 */
#ifndef SG_SCRIPT_H
#define SG_SCRIPT_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "util.h"

/* Owned argument strings for one redisCommandArgv. */
struct sg_args {
    char **v;
    size_t *len;
    size_t n;
    size_t cap;
};

void sg_args_add(struct sg_args *a, const char *s, size_t len);
/* s may be NULL: an empty argument. */
void sg_args_adds(struct sg_args *a, const char *s);
void sg_args_addf(struct sg_args *a, const char *fmt, ...) SG_PRINTF(2, 3);
/* Add a JSON value as compact text; takes ownership of v. */
void sg_args_add_json(struct sg_args *a, json_t *v);
/* Replace the placeholder at index at with the count n. */
void sg_args_count(struct sg_args *a, size_t at, size_t n);
void sg_args_free(struct sg_args *a);

/* The SHA1 of a script as EVALSHA wants it, 40 hex digits. */
void sg_script_sha1(const char *script, char out[41]);

/*
 * Run a: "EVALSHA", the SHA1, then the keys and arguments.  On NOSCRIPT
 * the first two are swapped for "EVAL" and script and it runs again.
 * Returns the reply, or NULL on an I/O error.
 */
redisReply *sg_script_eval(redisContext *c, struct sg_args *a,
                           const char *script);

/* An error reply that goes away by itself (loading, busy, read-only,
 * out of memory...): leave the entry pending and try again later. */
int sg_script_transient(const redisReply *r);

#endif /* SG_SCRIPT_H */
