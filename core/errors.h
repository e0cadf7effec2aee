/*
 * errors.h - an owned list of problems found in one message.
 *
 * Plugins, the EDI readers and the schema validator all report through
 * struct sg_diag (sg_plugin.h); the core copies each into this list, which
 * becomes the JSON error list of a 4xx answer and is stored beside the
 * rejected raw message.
 */
#ifndef SG_ERRORS_H
#define SG_ERRORS_H

#include <stddef.h>

#include "sg_plugin.h"
#include "util.h"

struct sg_error_item {
    char *code;
    char *text;
    long segment;
    char *tag;
    int element;
    int component;
    long line;
    long column;
    char *xpath;
    int doc;            /* 1-based document the error belongs to, or 0 */
};

struct sg_errors {
    size_t n;
    size_t cap;
    size_t limit;       /* further errors are counted, not kept */
    size_t dropped;
    struct sg_error_item *items;
};

/* An empty list keeping at most limit items (0 means 100). */
void sg_errors_init(struct sg_errors *e, size_t limit);
void sg_errors_free(struct sg_errors *e);

/* Copy diag in.  Returns 0, or -1 when the list is full. */
int sg_errors_add(struct sg_errors *e, const struct sg_diag *diag);

/* Add an error that has no position. */
int sg_errors_addf(struct sg_errors *e, const char *code,
                   const char *fmt, ...) SG_PRINTF(3, 4);

/* Tag every item from index 'from' on with document number doc. */
void sg_errors_set_doc(struct sg_errors *e, size_t from, int doc);

/* A JSON array text of the items; the caller frees it with free(). */
char *sg_errors_to_json(const struct sg_errors *e);

/* "PO1 (segment 12) element 4: ..." for a log line, into out. */
void sg_errors_describe(const struct sg_error_item *it, char *out,
                        size_t outlen);

#endif /* SG_ERRORS_H */
