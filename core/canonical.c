/*
 * canonical.c - reading canonical documents and the hashes the areas
 * wrote (canonical.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "canonical.h"
#include "util.h"

int
sg_cx_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, SG_CANONICAL_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

xmlNode *
sg_cx_child(const xmlNode *n, const char *name)
{
    xmlNode *c;

    for (c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
        if (sg_cx_is(c, name)) {
            return c;
        }
    }
    return NULL;
}

char *
sg_cx_trimmed(xmlChar *raw)
{
    char *s = (char *)raw, *out;
    size_t n;

    if (s == NULL) {
        return NULL;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        n--;
    }
    out = n > 0 ? sg_xstrndup(s, n) : NULL;
    xmlFree(raw);
    return out;
}

char *
sg_cx_text(const xmlNode *n)
{
    return n != NULL ? sg_cx_trimmed(xmlNodeGetContent(n)) : NULL;
}

char *
sg_cx_attr(const xmlNode *n, const char *name)
{
    return n != NULL ? sg_cx_trimmed(xmlGetProp(n, (const xmlChar *)name))
                     : NULL;
}

const char *
sg_hash_get(const redisReply *h, const char *name)
{
    size_t i;

    for (i = 0; h != NULL && i + 1 < h->elements; i += 2) {
        if (h->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(h->element[i]->str, name) == 0 &&
            h->element[i + 1]->type == REDIS_REPLY_STRING) {
            return h->element[i + 1]->str;
        }
    }
    return NULL;
}

json_t *
sg_json_str(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
sg_json_ms(const char *s)
{
    return s != NULL && s[0] != '\0'
           ? json_integer(strtoll(s, NULL, 10)) : json_null();
}

json_t *
sg_json_time(const char *s)
{
    char when[32];

    if (s == NULL || s[0] == '\0') {
        return json_null();
    }
    sg_format_time(strtoll(s, NULL, 10), when, sizeof(when));
    return json_string(when);
}

json_t *
sg_json_flag(const char *s)
{
    return s != NULL ? json_boolean(strcmp(s, "1") == 0) : json_null();
}
