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

/*
 * Process-wide libxml2 setup; call once before any thread starts.  It
 * also installs an external-entity loader that refuses every URL, except
 * the .xsd files of the directory sg_schemas_load() is reading, on the
 * thread reading it: no XML parsed anywhere in the process can make
 * libxml2 open a file or the network.
 */
void sg_xml_init(void);
void sg_xml_cleanup(void);

/* Documents larger than this are refused before parsing. */
#define SG_XML_MAX_SIZE (16u * 1024 * 1024)

/*
 * Parse a document with the hardened options (no network, no entity
 * substitution, no DTD loading, libxml2's default depth limit, never
 * XML_PARSE_HUGE).  A DOCTYPE is refused as soon as it is seen, before
 * any entity in it is declared, let alone expanded.  Returns the tree
 * (caller frees with xmlFreeDoc()), or NULL with errors in errs:
 *   xml.too_large   the text is over SG_XML_MAX_SIZE
 *   xml.doctype     the document has a DOCTYPE (line, column)
 *   xml.malformed   not well-formed (libxml2's message, line, column)
 */
struct _xmlDoc *sg_xml_read(const char *xml, size_t len,
                            struct sg_errors *errs);

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
 *
 * Besides the sg_xml_read() codes, errors are "xsd.invalid": the root
 * element is not <type> in urn:supplygate:canonical:1, or libxml2's
 * schema validator complains.  Its message is kept, with the canonical
 * namespace "{urn:supplygate:canonical:1}" left out for readability.
 * The XPath names elements by local name, with a 1-based [n] only when
 * a sibling has the same name: /order/lines/line[2]/quantity, and
 * /order/supplier/@id for an attribute.
 */
int sg_schemas_validate(const struct sg_schemas *s, const char *type,
                        const char *xml, size_t len,
                        struct sg_errors *errs);

void sg_schemas_free(struct sg_schemas *s);

#endif /* SG_SCHEMA_H */
