/*
 * gateway_int.h - the steps of gateway.c that the spooled path
 * (gateway_spool.c) shares with it.  Not for the rest of the core.
 */
#ifndef SG_GATEWAY_INT_H
#define SG_GATEWAY_INT_H

#include "gateway.h"

/*
 * The plugin for in's body (in->raw, in->content_type), or NULL with
 * the reason in in->errs (and in->status set when it is not 415/404).
 */
const struct sg_loaded_plugin *sg_gateway_choose(struct sg_gateway *gw,
                                                 struct sg_intake *in,
                                                 const char *plugin_name);

/* The JSON answer of a rejected intake (in->errors_json set). */
char *sg_gateway_rejection(const struct sg_intake *in);

/* One log line for the verdict of an intake that holds its documents. */
void sg_gateway_log(const struct sg_intake *in);

/* Free a spooled intake's own part (gateway_spool.c); NULL is fine. */
void sg_spooled_free(struct sg_spooled *sp);

#endif /* SG_GATEWAY_INT_H */
