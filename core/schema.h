/*
 * schema.h - the XSD of every canonical document type, compiled once at
 * start and used by all HTTP threads to validate what plugins produce.
 *
 * A document type "order" is validated against <schema_dir>/order.xsd;
 * a type without a schema is refused, so no plugin can invent a type that
 * escapes validation.  Parsing is hardened: no network, no DTD loading,
 * no entity substitution, bounded depth and size.
 */
#ifndef SG_SCHEMA_H
#define SG_SCHEMA_H

#include <stddef.h>

#include "errors.h"

struct sg_schemas;

/* Process-wide libxml2 setup; call once before any thread starts. */
void sg_xml_init(void);
void sg_xml_cleanup(void);

/*
 * Compile <dir>/<type>.xsd for every *.xsd in dir that declares a
 * top-level element (common.xsd and other include-only files are
 * skipped).  Returns NULL with file:line errors in errs.
 */
struct sg_schemas *sg_schemas_load(const char *dir, struct sg_errors *errs);

/* 1 when a schema for type is loaded. */
int sg_schemas_has(const struct sg_schemas *s, const char *type);

/* The loaded types, NULL-terminated, owned by s. */
const char *const *sg_schemas_types(const struct sg_schemas *s);

/*
 * Validate one document of the given type.  Returns 0 when it is valid,
 * -1 with each problem in errs (line, column and the XPath of the node).
 * Thread-safe.
 */
int sg_schemas_validate(const struct sg_schemas *s, const char *type,
                        const char *xml, size_t len,
                        struct sg_errors *errs);

void sg_schemas_free(struct sg_schemas *s);

#endif /* SG_SCHEMA_H */
