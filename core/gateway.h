/*
 * gateway.h - what happens to one posted message before it is queued:
 * choose the plugin, decode, validate every document against its XSD,
 * and build what is stored and what is answered.
 *
 * This is the part of the ingress that does not know HTTP: the HTTP layer
 * feeds it a body and sends back its status and JSON; the tests and the
 * benchmark drive it the same way.
 */
#ifndef SG_GATEWAY_H
#define SG_GATEWAY_H

#include <stddef.h>

#include "ack_counter.h"
#include "config.h"
#include "ingest.h"
#include "plugin.h"
#include "schema.h"

struct sg_ack_pending;
struct sg_spooled;

struct sg_gateway {
    const struct sg_config *cfg;
    struct sg_plugins *plugins;
    struct sg_schemas *schemas;
    struct sg_ingest *ingest;
    const char *redis_address;  /* for the HTTP layer's own queries */
    struct sg_ack_counter *acks;    /* NULL: no acknowledgements */
    /* When set (the daemon), each request decodes with the plugins and
     * schemas of the generation current when its body is complete,
     * instead of the three above (generation.h). */
    struct sg_generations *gens;
};

/* One message on its way in: the decision and what must be stored. */
struct sg_intake {
    char id[48];                /* message id, also in the answer */
    int status;                 /* HTTP status once stored: 202 or 4xx */
    char *answer;               /* JSON body for that status */
    char *errors_json;          /* rejected: the error list */
    const char *plugin;         /* chosen plugin's name, or NULL */
    char *content_type;
    char *partner;
    long long received_ms;
    unsigned char *raw;         /* copy of the body */
    size_t raw_len;
    size_t n_docs;
    struct sg_ingest_doc *docs; /* strings owned by the intake */
    size_t docs_cap;
    struct sg_errors errs;
    struct sg_ingest_msg msg;   /* ready for sg_ingest_submit() */
    struct sg_ack_pending *ack; /* see ack_intake.h, or NULL */
    struct sg_spooled *spooled; /* a body decoded from disk, or NULL */
    /* For a spooled body, raw holds its first bytes and the whole is
     * pulled again with body_read (rewound first); NULL otherwise. */
    long (*body_read)(void *arg, unsigned char *buf, size_t n);
    void *body_read_arg;
};

/*
 * Decode and validate a body.  plugin_name forces a plugin (from the
 * URL), else content_type or the first bytes choose.  Always returns an
 * intake; its status says the verdict (202 accept, 415 no plugin,
 * 422 bad content, 400 empty); free it with sg_intake_free().
 */
struct sg_intake *sg_gateway_decode(struct sg_gateway *gw,
                                    const char *plugin_name,
                                    const char *content_type,
                                    const unsigned char *body, size_t len);

/*
 * The same for a body posted by an authenticated partner (NULL: nobody
 * authenticated).  After validation every document's sender must be one
 * of the partner's ids; otherwise the message is rejected with 403 and
 * "auth.partner_mismatch", and stored like other rejections.
 */
struct sg_intake *sg_gateway_decode_as(struct sg_gateway *gw,
                                       const struct sg_partner *partner,
                                       const char *plugin_name,
                                       const char *content_type,
                                       const unsigned char *body,
                                       size_t len);

void sg_intake_free(struct sg_intake *in);

/* Make a new message id: epoch ms and 64 random bits, URL-safe. */
void sg_gateway_new_id(char *out, size_t outlen);

#endif /* SG_GATEWAY_H */
