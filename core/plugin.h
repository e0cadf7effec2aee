/*
 * plugin.h - loading plugins and choosing one for a message.
 *
 * The loader dlopens each configured shared object, checks its descriptor
 * (magic, ABI version, size, name, callbacks) and refuses what does not
 * fit with a log line naming the file and the versions; refused plugins
 * are skipped and the daemon goes on with the others.
 */
#ifndef SG_PLUGIN_LOADER_H
#define SG_PLUGIN_LOADER_H

#include <stddef.h>

#include "config.h"
#include "errors.h"
#include "sg_plugin.h"

struct sg_loaded_plugin {
    char *name;                 /* the configuration section's title */
    char *path;
    void *handle;               /* dlopen handle */
    const struct sg_plugin *desc;
    void *ctx;                  /* from init() */
    int ready;                  /* init() succeeded */
};

struct sg_plugins {
    size_t n;
    struct sg_loaded_plugin *items;
    size_t n_refused;           /* plugins skipped, logged as errors */
    struct sg_host host;        /* what init() got; plugins keep it */
};

struct sg_plugins *sg_plugins_new(void);

/*
 * Load the plugin at path under the configuration name 'name' and
 * return its option table.  Shaped as sg_config_options_fn: pass
 * sg_plugins_probe with the registry as arg to sg_config_load().  A
 * refused plugin is logged, counted in n_refused, and gives NULL without
 * an error in errs (the daemon runs without it).
 */
const struct sg_option *sg_plugins_probe(void *plugins, const char *name,
                                         const char *path, int line,
                                         struct sg_errors *errs);

/*
 * Check one descriptor as the loader does.  Returns 0, or -1 with the
 * reason in why.
 */
int sg_plugin_check(const struct sg_plugin *d, char *why, size_t whylen);

/* 1 when the plugin reads bodies in pieces (ABI 1.2 decode_stream). */
int sg_plugin_streams(const struct sg_plugin *d);

/* Call every plugin's init() with its section of cfg.  A plugin whose
 * init fails is an error (the configuration is refused). */
int sg_plugins_init(struct sg_plugins *p, const struct sg_config *cfg,
                    struct sg_errors *errs);

const struct sg_loaded_plugin *sg_plugins_find(const struct sg_plugins *p,
                                               const char *name);

/* The plugin that declares this media type (parameters ignored). */
const struct sg_loaded_plugin *
sg_plugins_for_type(const struct sg_plugins *p, const char *content_type);

/*
 * Like sg_plugins_for_type(), but when several plugins declare the media
 * type the one whose sniff is most sure of the body wins, and NULL
 * comes back when none of them recognises it (an X12 856 sent where
 * only 850 and 214 plugins are loaded).
 */
const struct sg_loaded_plugin *
sg_plugins_for_body(const struct sg_plugins *p, const char *content_type,
                    const unsigned char *data, size_t len);

/* The plugin most sure about these first bytes, or NULL. */
const struct sg_loaded_plugin *
sg_plugins_sniff(const struct sg_plugins *p, const unsigned char *data,
                 size_t len);

/*
 * The plugin for a message: among those declaring its media type, the
 * one whose sniff is surest of the body (the first on a tie); when none
 * declares it, the one most sure about the first bytes; or NULL.
 */
const struct sg_loaded_plugin *
sg_plugins_choose(const struct sg_plugins *p, const char *content_type,
                  const unsigned char *data, size_t len);

/* Call exit() in reverse order of loading, dlclose, free.  NULL ok. */
void sg_plugins_free(struct sg_plugins *p);

#endif /* SG_PLUGIN_LOADER_H */
