/*
 * ingest_guard.h - the duplicate guard of the ingest writer: the
 * commands of one accepted message gathered as arguments of a Lua
 * script that stores them only if the interchange's marker key is free
 * (see ingest_guard.c).  Used by ingest.c only.
 */
#ifndef SG_INGEST_GUARD_H
#define SG_INGEST_GUARD_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "ingest.h"
#include "util.h"

struct sg_guard_cmds;

struct sg_guard_cmds *sg_guard_new(void);
void sg_guard_free(struct sg_guard_cmds *g);

/* Append one command (copied). */
void sg_guard_add(struct sg_guard_cmds *g, int argc, const char **argv,
                  const size_t *argvlen);

/* What was added so far is the accepted branch; what follows, the
 * duplicate branch. */
void sg_guard_split(struct sg_guard_cmds *g);

/* The EVAL command in the wire format; caller frees. */
char *sg_guard_format(const struct sg_guard_cmds *g,
                      const struct sg_ingest_guard *guard, const char *id,
                      size_t *len);

/* Read the script's reply into guard->first ("" when accepted).
 * Returns 0, or -1 when the reply is not the script's. */
int sg_guard_reply(const redisReply *r, struct sg_ingest_guard *guard);

#endif /* SG_INGEST_GUARD_H */
