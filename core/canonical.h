/*
 * canonical.h - what every business area reads: the canonical XML
 * document of a stream entry, and the Redis hashes it wrote, turned into
 * JSON for the read API.
 */
#ifndef SG_CANONICAL_H
#define SG_CANONICAL_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libxml/tree.h>

#define SG_CANONICAL_NS "urn:supplygate:canonical:1"

/* Is n the canonical element called name? */
int sg_cx_is(const xmlNode *n, const char *name);
/* The first canonical child element called name, or NULL. */
xmlNode *sg_cx_child(const xmlNode *n, const char *name);
/* raw (freed here) with blanks trimmed, owned; NULL when empty. */
char *sg_cx_trimmed(xmlChar *raw);
/* An element's text or an attribute's value, trimmed, owned; NULL when
 * absent or empty. */
char *sg_cx_text(const xmlNode *n);
char *sg_cx_attr(const xmlNode *n, const char *name);

/* A field of an HGETALL reply, borrowed, or NULL. */
const char *sg_hash_get(const redisReply *h, const char *name);
/* Field values as JSON: a string, epoch ms as a number, epoch ms as an
 * ISO 8601 time, "1"/"0" as a boolean; null when absent (or empty). */
json_t *sg_json_str(const char *s);
json_t *sg_json_ms(const char *s);
json_t *sg_json_time(const char *s);
json_t *sg_json_flag(const char *s);

#endif /* SG_CANONICAL_H */
