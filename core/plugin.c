/*
 * plugin.c - the plugin loader and the choice of a plugin per message.
 *
 * The checks follow one principle: a plugin built against another major
 * ABI, or a newer minor than ours, may read or write fields we do not
 * have, so it is refused before any of its code runs.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "plugin.h"

/* The size of the descriptor as ABI 1.0 defined it: up to exit(). */
#define SG_PLUGIN_SIZE_1_0  offsetof(struct sg_plugin, decode_stream)

struct sg_plugins *
sg_plugins_new(void)
{
    return sg_xcalloc(1, sizeof(struct sg_plugins));
}

int
sg_plugin_check(const struct sg_plugin *d, char *why, size_t whylen)
{
    if (d->magic != SG_PLUGIN_MAGIC) {
        snprintf(why, whylen, "bad magic 0x%08x (want 0x%08x): not a "
                 "supplygate plugin descriptor", d->magic, SG_PLUGIN_MAGIC);
        return -1;
    }
    if (d->abi_major != SG_PLUGIN_ABI_MAJOR) {
        snprintf(why, whylen, "built for plugin ABI %u.%u, this daemon "
                 "speaks %d.%d: rebuild the plugin against this "
                 "sg_plugin.h", d->abi_major, d->abi_minor,
                 SG_PLUGIN_ABI_MAJOR, SG_PLUGIN_ABI_MINOR);
        return -1;
    }
    if (d->abi_minor > SG_PLUGIN_ABI_MINOR) {
        snprintf(why, whylen, "built for plugin ABI %u.%u, newer than "
                 "this daemon's %d.%d: upgrade supplygated",
                 d->abi_major, d->abi_minor, SG_PLUGIN_ABI_MAJOR,
                 SG_PLUGIN_ABI_MINOR);
        return -1;
    }
    if (d->struct_size < SG_PLUGIN_SIZE_1_0) {
        snprintf(why, whylen, "descriptor is %u bytes, ABI %d.0 needs "
                 "%zu", d->struct_size, SG_PLUGIN_ABI_MAJOR,
                 SG_PLUGIN_SIZE_1_0);
        return -1;
    }
    if (d->name == NULL || d->name[0] == '\0') {
        snprintf(why, whylen, "descriptor has no name");
        return -1;
    }
    if (d->decode == NULL) {
        snprintf(why, whylen, "descriptor has no decode callback");
        return -1;
    }
    return 0;
}

static void
sg_plugins_refuse(struct sg_plugins *p, const char *path, int line,
                  const char *why)
{
    p->n_refused++;
    sg_log(SG_LOG_ERROR, "plugin", NULL, "refusing %s (configured at "
           "line %d): %s; continuing without it", path, line, why);
}

const struct sg_option *
sg_plugins_probe(void *arg, const char *name, const char *path, int line,
                 struct sg_errors *errs)
{
    struct sg_plugins *p = arg;
    const struct sg_plugin *d;
    struct sg_loaded_plugin *lp;
    char why[512];
    void *handle;
    size_t i;

    for (i = 0; i < p->n; i++) {
        if (strcmp(p->items[i].desc->name, name) == 0 ||
            strcmp(p->items[i].name, name) == 0) {
            sg_plugins_refuse(p, path, line, "a plugin of that name is "
                              "already loaded");
            return NULL;
        }
    }
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        sg_plugins_refuse(p, path, line, dlerror());
        return NULL;
    }
    d = dlsym(handle, SG_PLUGIN_SYMBOL);
    if (d == NULL) {
        snprintf(why, sizeof(why), "no symbol %s: not a supplygate "
                 "plugin", SG_PLUGIN_SYMBOL);
        sg_plugins_refuse(p, path, line, why);
        dlclose(handle);
        return NULL;
    }
    if (sg_plugin_check(d, why, sizeof(why)) != 0) {
        sg_plugins_refuse(p, path, line, why);
        dlclose(handle);
        return NULL;
    }
    (void)errs;
    p->items = sg_xrealloc(p->items, (p->n + 1) * sizeof(*p->items));
    lp = &p->items[p->n++];
    memset(lp, 0, sizeof(*lp));
    lp->name = sg_xstrdup(name);
    lp->path = sg_xstrdup(path);
    lp->handle = handle;
    lp->desc = d;
    sg_log(SG_LOG_INFO, "plugin", NULL, "loaded %s %s (ABI %u.%u) from %s",
           d->name, d->version ? d->version : "?", d->abi_major,
           d->abi_minor, path);
    if (d->options == NULL) {
        static const struct sg_option none[] = {{SG_OPT_END}};

        return none;
    }
    return d->options;
}

/* --- services offered to plugins through struct sg_host ---------------- */

static void
sg_host_log(enum sg_log_level level, const char *plugin, const char *msg_id,
            const char *fmt, ...)
{
    char component[96];
    va_list ap;

    snprintf(component, sizeof(component), "plugin:%s", plugin);
    va_start(ap, fmt);
    sg_logv(level, component, msg_id, fmt, ap);
    va_end(ap);
}

static const struct sg_host sg_host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = sg_host_log,
    .option_string = sg_config_plugin_string,
    .option_int = sg_config_plugin_int,
};

static const struct sg_plugin_conf *
sg_plugins_section(const struct sg_config *cfg, const char *name)
{
    size_t i;

    for (i = 0; i < cfg->n_plugins; i++) {
        if (strcmp(cfg->plugins[i].name, name) == 0) {
            return &cfg->plugins[i];
        }
    }
    return NULL;
}

int
sg_plugins_init(struct sg_plugins *p, const struct sg_config *cfg,
                struct sg_errors *errs)
{
    size_t i;

    /* Plugins keep the host pointer for logging: it lives in p. */
    p->host = sg_host;
    p->host.schema_dir = cfg->schema_dir;
    for (i = 0; i < p->n; i++) {
        struct sg_loaded_plugin *lp = &p->items[i];
        const struct sg_plugin_conf *pc = sg_plugins_section(cfg, lp->name);

        if (lp->desc->init == NULL) {
            lp->ready = 1;
            continue;
        }
        if (lp->desc->init(&p->host, pc ? pc->section : NULL,
                           &lp->ctx) != 0) {
            sg_errors_addf(errs, "plugin.init", "%s:%d: plugin %s failed "
                           "to initialise (see its log lines)", cfg->file,
                           pc ? pc->line : 0, lp->name);
            return -1;
        }
        lp->ready = 1;
    }
    return 0;
}

const struct sg_loaded_plugin *
sg_plugins_find(const struct sg_plugins *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        if (p->items[i].ready && (strcmp(p->items[i].name, name) == 0 ||
                                  strcmp(p->items[i].desc->name, name) == 0)) {
            return &p->items[i];
        }
    }
    return NULL;
}

/* Compare a media type with parameters ("application/xml; charset=x")
 * to a bare one, without case. */
static int
sg_media_type_is(const char *given, const char *want)
{
    size_t n = strlen(want);

    while (*given == ' ') {
        given++;
    }
    if (strncasecmp(given, want, n) != 0) {
        return 0;
    }
    given += n;
    while (*given == ' ' || *given == '\t') {
        given++;
    }
    return *given == '\0' || *given == ';';
}

const struct sg_loaded_plugin *
sg_plugins_for_type(const struct sg_plugins *p, const char *content_type)
{
    size_t i;
    const char *const *t;

    if (content_type == NULL) {
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        if (!p->items[i].ready || p->items[i].desc->content_types == NULL) {
            continue;
        }
        for (t = p->items[i].desc->content_types; *t != NULL; t++) {
            if (sg_media_type_is(content_type, *t)) {
                return &p->items[i];
            }
        }
    }
    return NULL;
}

const struct sg_loaded_plugin *
sg_plugins_for_body(const struct sg_plugins *p, const char *content_type,
                    const unsigned char *data, size_t len)
{
    const struct sg_loaded_plugin *only = NULL, *best = NULL;
    const char *const *t;
    int claimants = 0, best_score = 0, score;
    size_t i;

    if (content_type == NULL) {
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        const struct sg_loaded_plugin *lp = &p->items[i];

        if (!lp->ready || lp->desc->content_types == NULL) {
            continue;
        }
        for (t = lp->desc->content_types; *t != NULL; t++) {
            if (sg_media_type_is(content_type, *t)) {
                break;
            }
        }
        if (*t == NULL) {
            continue;
        }
        claimants++;
        only = lp;
        /* Several plugins read X12 (850 here, 214 there): the body
         * decides, and a body none of them knows is nobody's. */
        score = lp->desc->sniff != NULL ? lp->desc->sniff(data, len) : 0;
        if (score > best_score) {
            best_score = score;
            best = lp;
        }
    }
    return claimants == 1 ? only : best;
}

const struct sg_loaded_plugin *
sg_plugins_sniff(const struct sg_plugins *p, const unsigned char *data,
                 size_t len)
{
    const struct sg_loaded_plugin *best = NULL;
    int best_score = 0;
    size_t i;

    for (i = 0; i < p->n; i++) {
        int score;

        if (!p->items[i].ready || p->items[i].desc->sniff == NULL) {
            continue;
        }
        score = p->items[i].desc->sniff(data, len);
        if (score > best_score) {
            best_score = score;
            best = &p->items[i];
        }
    }
    return best;
}

const struct sg_loaded_plugin *
sg_plugins_choose(const struct sg_plugins *p, const char *content_type,
                  const unsigned char *data, size_t len)
{
    const struct sg_loaded_plugin *best = NULL;
    const char *const *t;
    int best_score = -1, score;
    size_t i;

    /*
     * Several plugins may claim application/EDI-X12 (orders, stock,
     * shipments): their sniffs, which look at the set type, settle it.
     * The first claimant wins a tie, so a lone claimant needs no sniff.
     */
    for (i = 0; content_type != NULL && i < p->n; i++) {
        if (!p->items[i].ready || p->items[i].desc->content_types == NULL) {
            continue;
        }
        for (t = p->items[i].desc->content_types; *t != NULL; t++) {
            if (sg_media_type_is(content_type, *t)) {
                break;
            }
        }
        if (*t == NULL) {
            continue;
        }
        score = p->items[i].desc->sniff != NULL
                ? p->items[i].desc->sniff(data, len) : 0;
        if (score > best_score) {
            best_score = score;
            best = &p->items[i];
        }
    }
    return best != NULL ? best : sg_plugins_sniff(p, data, len);
}

void
sg_plugins_free(struct sg_plugins *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    for (i = p->n; i-- > 0;) {
        struct sg_loaded_plugin *lp = &p->items[i];

        if (lp->ready && lp->desc->exit != NULL) {
            lp->desc->exit(lp->ctx);
        }
        dlclose(lp->handle);
        free(lp->name);
        free(lp->path);
    }
    free(p->items);
    free(p);
}

int
sg_plugin_streams(const struct sg_plugin *d)
{
    return d->struct_size >= offsetof(struct sg_plugin, decode_stream)
                             + sizeof(d->decode_stream)
           && d->decode_stream != NULL;
}
