/*
 * json_guard.h - a cheap look at JSON bytes before jansson parses them.
 *
 * jansson builds a tree of small objects: a 4 MB body of empty objects
 * ("[{},{},...]") becomes a few hundred megabytes, and several such
 * bodies at once can take gigabytes.  So every JSON body from outside is
 * first scanned here, in one linear pass without allocating, and refused
 * when it holds more values or nests deeper than any real tracking
 * update or ticket does.  Shared by the plugins (libsgcommon).
 *
 * XXX: under the limits a body within body_limit is still parsed whole:
 * some tens of megabytes of tree per request at worst.
 */
#ifndef SG_JSON_GUARD_H
#define SG_JSON_GUARD_H

#include <stddef.h>

#include "sg_plugin.h"

/* Values (objects, arrays, members, elements) in one body. */
#define SG_JSON_MAX_VALUES 200000
/* Nesting of objects and arrays. */
#define SG_JSON_MAX_DEPTH 64

/*
 * Scan data.  Returns 0 when it may be parsed, else -1 with d filled:
 * code "json.too_many_values" or "json.too_deep", text (written into
 * text[textlen]), line and column where the limit was passed.
 * Malformed JSON is left for the parser to report.
 */
int sg_json_guard_check(const char *data, size_t len, struct sg_diag *d,
                        char *text, size_t textlen);

#endif /* SG_JSON_GUARD_H */
