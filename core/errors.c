/*
 * errors.c - collect problems and render them as JSON for the partner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"

static char *
sg_dup_or_null(const char *s)
{
    return s != NULL ? sg_xstrdup(s) : NULL;
}

void
sg_errors_init(struct sg_errors *e, size_t limit)
{
    memset(e, 0, sizeof(*e));
    e->limit = limit ? limit : 100;
}

void
sg_errors_free(struct sg_errors *e)
{
    size_t i;

    for (i = 0; i < e->n; i++) {
        free(e->items[i].code);
        free(e->items[i].text);
        free(e->items[i].tag);
        free(e->items[i].xpath);
    }
    free(e->items);
    sg_errors_init(e, e->limit);
}

int
sg_errors_add(struct sg_errors *e, const struct sg_diag *d)
{
    struct sg_error_item *it;

    if (e->n >= e->limit) {
        e->dropped++;
        return -1;
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->items = sg_xrealloc(e->items, e->cap * sizeof(*e->items));
    }
    it = &e->items[e->n++];
    it->code = sg_xstrdup(d->code != NULL ? d->code : "error");
    it->text = sg_xstrdup(d->text != NULL ? d->text : "");
    it->segment = d->segment;
    it->tag = sg_dup_or_null(d->tag);
    it->element = d->element;
    it->component = d->component;
    it->line = d->line;
    it->column = d->column;
    it->xpath = sg_dup_or_null(d->xpath);
    it->doc = 0;
    return 0;
}

int
sg_errors_addf(struct sg_errors *e, const char *code, const char *fmt, ...)
{
    struct sg_diag d;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = text;
    return sg_errors_add(e, &d);
}

void
sg_errors_set_doc(struct sg_errors *e, size_t from, int doc)
{
    for (; from < e->n; from++) {
        e->items[from].doc = doc;
    }
}

static json_t *
sg_error_item_json(const struct sg_error_item *it)
{
    json_t *o = json_object();

    json_object_set_new(o, "code", json_string(it->code));
    json_object_set_new(o, "message", json_string(it->text));
    if (it->doc > 0) {
        json_object_set_new(o, "document", json_integer(it->doc));
    }
    if (it->segment > 0) {
        json_object_set_new(o, "segment", json_integer(it->segment));
    }
    if (it->tag != NULL) {
        json_object_set_new(o, "tag", json_string(it->tag));
    }
    if (it->element > 0) {
        json_object_set_new(o, "element", json_integer(it->element));
    }
    if (it->component > 0) {
        json_object_set_new(o, "component", json_integer(it->component));
    }
    if (it->line > 0) {
        json_object_set_new(o, "line", json_integer(it->line));
    }
    if (it->column > 0) {
        json_object_set_new(o, "column", json_integer(it->column));
    }
    if (it->xpath != NULL) {
        json_object_set_new(o, "xpath", json_string(it->xpath));
    }
    return o;
}

char *
sg_errors_to_json(const struct sg_errors *e)
{
    json_t *arr = json_array();
    char *text;
    size_t i;

    for (i = 0; i < e->n; i++) {
        json_array_append_new(arr, sg_error_item_json(&e->items[i]));
    }
    if (e->dropped > 0) {
        struct sg_error_item more = {0};
        char msg[160];

        /* A plugin told that the list is full usually stops reading,
         * so the count is a lower bound. */
        snprintf(msg, sizeof(msg), "the list stops at %zu errors; at "
                 "least %zu more were found, reading may have stopped there",
                 e->n, e->dropped);
        more.code = "errors.truncated";
        more.text = msg;
        json_array_append_new(arr, sg_error_item_json(&more));
    }
    text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

void
sg_errors_describe(const struct sg_error_item *it, char *out, size_t outlen)
{
    int n = 0;

    out[0] = '\0';
    if (it->tag != NULL) {
        n = snprintf(out, outlen, "%s (segment %ld) ", it->tag,
                     it->segment);
    } else if (it->segment > 0) {
        n = snprintf(out, outlen, "segment %ld ", it->segment);
    }
    if (n >= 0 && (size_t)n < outlen && it->element > 0) {
        n += snprintf(out + n, outlen - (size_t)n, "element %d ",
                      it->element);
    }
    if (n >= 0 && (size_t)n < outlen && it->line > 0) {
        n += snprintf(out + n, outlen - (size_t)n, "line %ld:%ld ",
                      it->line, it->column);
    }
    if (n >= 0 && (size_t)n < outlen && it->xpath != NULL) {
        n += snprintf(out + n, outlen - (size_t)n, "%s ", it->xpath);
    }
    if (n >= 0 && (size_t)n < outlen) {
        snprintf(out + n, outlen - (size_t)n, "%s: %s", it->code, it->text);
    }
}
