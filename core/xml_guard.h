/*
 * xml_guard.h - a cheap look at XML bytes before libxml2 parses them,
 * and partner-facing wording for libxml2's limit errors.
 *
 * libxml2 2.9 checks duplicate attributes pairwise: one element with
 * 100000 attributes costs minutes of CPU before any callback of ours
 * runs.  A DOCTYPE is where entity bombs and external entities live.
 * So every XML body from outside (the plugin's raw XML, the core's
 * canonical documents) is first scanned here, in one linear pass, and
 * refused with a clear error when it declares anything, nests too deep
 * or carries too many attributes on one element.  Shared by the core and
 * the plugins (libsgcommon).
 *
 * XXX: the number of elements is not bounded: a body within body_limit
 * made of empty elements costs libxml2's tree, tens of bytes each.
 */
#ifndef SG_XML_GUARD_H
#define SG_XML_GUARD_H

#include <stddef.h>

#include "sg_plugin.h"

/* Deeper than any canonical document; libxml2's own limit is 256. */
#define SG_XML_MAX_DEPTH 100
/* Attributes on one element. */
#define SG_XML_MAX_ATTRIBUTES 256

/*
 * Scan data.  Returns 0 when it may be parsed, else -1 with d filled:
 * code "xml.doctype" (a DOCTYPE or other <!...> declaration),
 * "xml.too_deep" or "xml.too_many_attributes", text (written into
 * text[textlen]), line and column of the offending markup.
 * Malformed markup is left for the parser to report.
 */
int sg_xml_guard_check(const char *data, size_t len, struct sg_diag *d,
                       char *text, size_t textlen);

/*
 * libxml2's message in our words: limit errors that advise
 * "use XML_PARSE_HUGE" (an option of the parser, meaningless and
 * misleading to a partner) are rewritten; other messages are copied
 * without their trailing newline.
 */
void sg_xml_plain_message(const char *msg, char *out, size_t outlen);

#endif /* SG_XML_GUARD_H */
