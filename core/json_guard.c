/*
 * json_guard.c - count and depth of JSON values before parsing.  See
 * json_guard.h.
 */
#include <stdio.h>
#include <string.h>

#include "json_guard.h"

struct sg_json_scan {
    long line, column;          /* of the byte being looked at */
    long values, depth;
};

static int
sg_json_refuse(const struct sg_json_scan *s, const char *code,
               struct sg_diag *d, char *text, size_t textlen,
               const char *why)
{
    memset(d, 0, sizeof(*d));
    snprintf(text, textlen, "%s; refused before parsing", why);
    d->code = code;
    d->text = text;
    d->line = s->line;
    d->column = s->column;
    return -1;
}

int
sg_json_guard_check(const char *data, size_t len, struct sg_diag *d,
                    char *text, size_t textlen)
{
    struct sg_json_scan s = {1, 0, 0, 0};
    int in_string = 0, escaped = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        s.column++;
        if (c == '\n') {
            s.line++;
            s.column = 0;
        }
        if (in_string) {
            if (escaped) {
                escaped = 0;
            } else if (c == '\\') {
                escaped = 1;
            } else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
            continue;
        }
        if (c == '}' || c == ']') {
            s.depth--;
            continue;
        }
        if ((c == '{' || c == '[') && ++s.depth > SG_JSON_MAX_DEPTH) {
            return sg_json_refuse(&s, "json.too_deep", d, text, textlen,
                                  "objects and arrays nest deeper than 64 "
                                  "levels");
        }
        /* Every object, array, member and element starts with one of
         * these: their count bounds what the parser would build. */
        if ((c == '{' || c == '[' || c == ',' || c == ':') &&
            ++s.values > SG_JSON_MAX_VALUES) {
            return sg_json_refuse(&s, "json.too_many_values", d, text,
                                  textlen, "more than 200000 values in one "
                                  "body");
        }
    }
    return 0;
}
