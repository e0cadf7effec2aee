/*
 * api.h - the read side of the HTTP API: messages, orders, plugins and
 * health, answered from Redis and the plugin registry.
 *
 * HTTP threads borrow Redis connections from a small pool here, so a
 * query never waits for the ingest writer or the workers.
 */
#ifndef SG_API_H
#define SG_API_H

#include <stddef.h>

#include "ingest.h"
#include "plugin.h"

struct sg_api;

/* An answer: HTTP status, body and its media type. */
struct sg_answer {
    int status;
    char *body;                 /* caller frees */
    size_t len;
    const char *content_type;   /* static */
};

struct sg_api *sg_api_create(const char *redis_address,
                             const struct sg_plugins *plugins,
                             struct sg_ingest *ingest);
void sg_api_free(struct sg_api *api);

/*
 * Answer GET <path>.  Known paths: /healthz, /v1/plugins,
 * /v1/messages/<id>, /v1/messages/<id>/raw, /v1/messages/<id>/ack,
 * /v1/orders/<number>.
 * Unknown paths give 404, Redis trouble 503.
 */
void sg_api_get(struct sg_api *api, const char *path,
                struct sg_answer *out);

/* List the plugins of the current generation of gens from now on,
 * instead of the registry given at creation (generation.h). */
struct sg_generations;
void sg_api_use_generations(struct sg_api *api,
                            struct sg_generations *gens);

/* Fill out with a JSON error object {"error": code, "message": text}. */
void sg_answer_error(struct sg_answer *out, int status, const char *code,
                     const char *text);

#endif /* SG_API_H */
