/*
 * gateway_spool.h - the gateway for bodies too large to hold in memory.
 *
 * A body over http.body_limit is spooled to disk by the HTTP layer
 * (spool.h).  It is decoded here by a plugin that reads in pieces (ABI
 * 1.2 decode_stream), each document validated against its XSD as soon
 * as the plugin hands it over and written to a second file, so that
 * memory is bounded by the largest document, not by the body.  The
 * verdict is the same as for a small body: accepted whole or rejected
 * whole, with every error placed.  Storing then writes the message hash
 * and every document in one MULTI/EXEC, read back from the file.
 *
 * The acknowledgement (997/999/TA1/CONTRL) is built as for a small
 * body, reading the interchange again from the file, and the
 * duplicate-interchange guard applies.
 */
#ifndef SG_GATEWAY_SPOOL_H
#define SG_GATEWAY_SPOOL_H

#include "gateway.h"
#include "partners.h"
#include "spool.h"

/*
 * Decode the sealed body (ownership passes to the intake, whatever the
 * verdict).  plugin_name, content_type and partner as for
 * sg_gateway_decode_as().  A plugin without decode_stream gets 413
 * "message.too_large": the body is over body_limit and only streaming
 * plugins read more.
 */
struct sg_intake *sg_gateway_decode_spooled(struct sg_gateway *gw,
                                            const struct sg_partner *partner,
                                            const char *plugin_name,
                                            const char *content_type,
                                            struct sg_spool_file *body);

/*
 * Store a spooled intake: the body is moved to <state_dir>/raw/<id>
 * (the message hash's raw_file field names it), then the hash and, when
 * accepted, every document go to Redis in one transaction.  A repeated
 * interchange within queue.duplicate_window turns the intake into a 409
 * rejection, as for small bodies.  0 once stored; -1 when Redis or the
 * disk failed: nothing was accepted and the raw file is removed.
 */
int sg_gateway_store_spooled(struct sg_gateway *gw, struct sg_intake *in);

#endif /* SG_GATEWAY_SPOOL_H */
