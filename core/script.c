/*
 * script.c - the argument lists and the EVALSHA every business area
 * commits with (script.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "script.h"

void
sg_args_add(struct sg_args *a, const char *s, size_t len)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = sg_xrealloc(a->v, a->cap * sizeof(*a->v));
        a->len = sg_xrealloc(a->len, a->cap * sizeof(*a->len));
    }
    a->v[a->n] = sg_xstrndup(s, len);
    a->len[a->n] = len;
    a->n++;
}

void
sg_args_adds(struct sg_args *a, const char *s)
{
    s = s != NULL ? s : "";
    sg_args_add(a, s, strlen(s));
}

void
sg_args_addf(struct sg_args *a, const char *fmt, ...)
{
    char *text;
    va_list ap;
    int n;

    /* Keys hold ids from outside: measured first, never cut short. */
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        n = 0;
    }
    text = sg_xmalloc((size_t)n + 1);
    text[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sg_args_add(a, text, (size_t)n);
    free(text);
}

void
sg_args_add_json(struct sg_args *a, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

    sg_args_adds(a, text != NULL ? text : "null");
    free(text);
    json_decref(v);
}

void
sg_args_count(struct sg_args *a, size_t at, size_t n)
{
    free(a->v[at]);
    a->v[at] = sg_xasprintf("%zu", n);
    a->len[at] = strlen(a->v[at]);
}

void
sg_args_free(struct sg_args *a)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
    free(a->len);
    memset(a, 0, sizeof(*a));
}

void
sg_script_sha1(const char *script, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    EVP_Digest(script, strlen(script), md, &n, EVP_sha1(), NULL);
    for (i = 0; i < n && i < 20; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    out[40] = '\0';
}

redisReply *
sg_script_eval(redisContext *c, struct sg_args *a, const char *script)
{
    redisReply *r;

    r = redisCommandArgv(c, (int)a->n, (const char **)a->v, a->len);
    if (r != NULL && r->type == REDIS_REPLY_ERROR &&
        strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        free(a->v[0]);
        free(a->v[1]);
        a->v[0] = sg_xstrdup("EVAL");
        a->len[0] = 4;
        a->v[1] = sg_xstrdup(script);
        a->len[1] = strlen(script);
        r = redisCommandArgv(c, (int)a->n, (const char **)a->v, a->len);
    }
    return r;
}

int
sg_script_transient(const redisReply *r)
{
    static const char *const codes[] = {
        "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "OOM",
        "CLUSTERDOWN", NULL
    };
    size_t i;

    for (i = 0; codes[i] != NULL; i++) {
        if (strncmp(r->str, codes[i], strlen(codes[i])) == 0) {
            return 1;
        }
    }
    return 0;
}
