/*
 * http.h - the HTTP ingress, on libmicrohttpd.
 *
 *   POST /v1/messages            the plugin is chosen by Content-Type or
 *                                by the first bytes of the body
 *   POST /v1/messages/<plugin>   the plugin is forced
 *   GET  ...                     see api.h
 *
 * A POST is answered only after the message (accepted or rejected) is
 * durable in Redis; meanwhile its connection is suspended, so a few
 * threads serve many waiting clients and the ingest writer can batch
 * their writes.
 */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include "api.h"
#include "gateway.h"

struct sg_http;

/*
 * Listen on cfg->listen_address:cfg->listen_port (0 picks a free port).
 * Returns NULL with the reason logged.
 */
struct sg_http *sg_http_start(const struct sg_config *cfg,
                              struct sg_gateway *gw, struct sg_api *api);

/* The port actually bound. */
int sg_http_port(const struct sg_http *h);

/* Stop accepting new connections; requests in flight go on. */
void sg_http_quiesce(struct sg_http *h);

/* Number of POSTs waiting for Redis right now. */
int sg_http_in_flight(struct sg_http *h);

/* Close everything and free.  NULL ok. */
void sg_http_stop(struct sg_http *h);

#endif /* SG_HTTP_H */
