/*
 * config.c - read supplygate.conf with libconfuse.
 *
 * The file is read twice.  The first pass only learns which plugins to
 * load (their sections may hold options we do not know yet); the caller
 * loads each plugin and hands back its option table; the second pass then
 * reads the whole file strictly, so an unknown key or a bad value in any
 * section, plugins' included, is an error with file and line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "config.h"
#include "log.h"
#include "partners.h"

/* Where the libconfuse error callback puts its messages, and the tree
 * being parsed (sections do not always carry the file name and line).
 * Configuration is only read by the main thread, never in parallel. */
static struct sg_errors *sg_config_errs;
static cfg_t *sg_config_root;

static void
sg_config_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
    const char *file;
    char msg[512];
    int line;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (sg_config_errs == NULL) {
        return;
    }
    file = cfg != NULL ? cfg->filename : NULL;
    line = cfg != NULL ? cfg->line : 0;
    if (file == NULL && sg_config_root != NULL) {
        file = sg_config_root->filename;
        if (line == 0) {
            line = sg_config_root->line;
        }
    }
    if (file != NULL) {
        sg_errors_addf(sg_config_errs, "config", "%s:%d: %s", file, line,
                       msg);
    } else {
        sg_errors_addf(sg_config_errs, "config", "%s", msg);
    }
}

/* --- value checks, run by libconfuse as each value is read ------------ */

static int
sg_check_duration(cfg_t *cfg, cfg_opt_t *opt)
{
    long secs;
    const char *v = cfg_opt_getnstr(opt, 0);

    if (v == NULL || sg_parse_duration(v, &secs) != 0) {
        cfg_error(cfg, "%s: \"%s\" is not a duration (examples: 90s, "
                  "15m, 2h, 7d)", opt->name, v ? v : "");
        return -1;
    }
    return 0;
}

static int
sg_check_date(cfg_t *cfg, cfg_opt_t *opt)
{
    long long epoch;
    const char *v = cfg_opt_getnstr(opt, 0);

    if (v == NULL || (*v != '\0' && sg_parse_date(v, &epoch) != 0)) {
        cfg_error(cfg, "%s: \"%s\" is not a date YYYY-MM-DD", opt->name,
                  v ? v : "");
        return -1;
    }
    return 0;
}

static int
sg_check_positive(cfg_t *cfg, cfg_opt_t *opt)
{
    long v = cfg_opt_getnint(opt, 0);

    if (v <= 0 || v > INT_MAX) {
        cfg_error(cfg, "%s: %ld must be positive", opt->name, v);
        return -1;
    }
    return 0;
}

static int
sg_check_not_negative(cfg_t *cfg, cfg_opt_t *opt)
{
    long v = cfg_opt_getnint(opt, 0);

    if (v < 0 || v > INT_MAX) {
        cfg_error(cfg, "%s: %ld must be 0 or more", opt->name, v);
        return -1;
    }
    return 0;
}

static int
sg_check_port(cfg_t *cfg, cfg_opt_t *opt)
{
    long v = cfg_opt_getnint(opt, 0);

    if (v < 0 || v > 65535) {
        cfg_error(cfg, "port: %ld is not a TCP port (0 to 65535)", v);
        return -1;
    }
    return 0;
}

static int
sg_check_amount(cfg_t *cfg, cfg_opt_t *opt)
{
    double v = cfg_opt_getnfloat(opt, 0);

    if (v < 0) {
        cfg_error(cfg, "%s: %g must not be negative", opt->name, v);
        return -1;
    }
    return 0;
}

static int
sg_check_one_of(cfg_t *cfg, cfg_opt_t *opt, const char *const *allowed)
{
    const char *v = cfg_opt_getnstr(opt, 0);
    const char *const *a;

    for (a = allowed; *a != NULL; a++) {
        if (v != NULL && strcmp(v, *a) == 0) {
            return 0;
        }
    }
    cfg_error(cfg, "%s: \"%s\" is not one of the allowed values",
              opt->name, v ? v : "");
    return -1;
}

static int
sg_check_status(cfg_t *cfg, cfg_opt_t *opt)
{
    static const char *const ok[] = {"active", "probation", "blocked",
                                     NULL};

    return sg_check_one_of(cfg, opt, ok);
}

static int
sg_check_grade(cfg_t *cfg, cfg_opt_t *opt)
{
    static const char *const ok[] = {"A", "B", "C", "blocked", NULL};

    return sg_check_one_of(cfg, opt, ok);
}

static int
sg_check_fsync(cfg_t *cfg, cfg_opt_t *opt)
{
    static const char *const ok[] = {"always", "everysec", "no", NULL};

    return sg_check_one_of(cfg, opt, ok);
}

static int
sg_check_log_level(cfg_t *cfg, cfg_opt_t *opt)
{
    static const char *const ok[] = {"error", "warn", "notice", "info",
                                     "debug", NULL};

    return sg_check_one_of(cfg, opt, ok);
}

static int
sg_check_order_format(cfg_t *cfg, cfg_opt_t *opt)
{
    static const char *const ok[] = {"x12", "edifact", NULL};

    return sg_check_one_of(cfg, opt, ok);
}

/* Replenishment orders are posted with libcurl: http(s) URLs only. */
static int
sg_check_endpoint(cfg_t *cfg, cfg_opt_t *opt)
{
    const char *v = cfg_opt_getnstr(opt, 0);

    if (v == NULL || v[0] == '\0' || strncmp(v, "http://", 7) == 0 ||
        strncmp(v, "https://", 8) == 0) {
        return 0;
    }
    cfg_error(cfg, "%s: \"%s\" is not an http:// or https:// URL",
              opt->name, v);
    return -1;
}

/* --- the option tables ------------------------------------------------ */

#define SG_DATE(name) CFG_STR_CB(name, "", CFGF_NONE, NULL)

/*
 * Build the whole tree.  plugin_opts are the options of the plugin
 * sections: "path" alone in the first pass, path plus every plugin's own
 * options in the second.  The returned cfg_t copies the tables.
 */
static cfg_t *
sg_config_tree(cfg_opt_t *plugin_opts, int first_pass)
{
    cfg_opt_t http_opts[] = {
        CFG_STR("address", "127.0.0.1", CFGF_NONE),
        CFG_INT("port", 8080, CFGF_NONE),
        CFG_INT("body_limit", 4 * 1024 * 1024, CFGF_NONE),
        CFG_INT("timeout", 10, CFGF_NONE),
        CFG_INT("threads", 2, CFGF_NONE),
        CFG_INT("connection_limit", 512, CFGF_NONE),
        CFG_INT("per_ip_connection_limit", 64, CFGF_NONE),
        CFG_INT("request_deadline", 60, CFGF_NONE),
        CFG_INT("hmac_window", 300, CFGF_NONE),
        CFG_INT("spool_limit", 256 * 1024 * 1024, CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t redis_opts[] = {
        CFG_STR("address", "", CFGF_NONE),
        CFG_STR("server", "redis-server", CFGF_NONE),
        CFG_STR("appendfsync", "always", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t queue_opts[] = {
        CFG_INT("workers", 2, CFGF_NONE),
        CFG_STR("reclaim_idle", "30s", CFGF_NONE),
        CFG_INT("max_attempts", 5, CFGF_NONE),
        CFG_STR("duplicate_window", "30d", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t delivery_opts[] = {
        CFG_STR("processing_limit", "2h", CFGF_NONE),
        CFG_STR("dispatch_limit", "4h", CFGF_NONE),
        CFG_STR("sweep_interval", "30s", CFGF_NONE),
        CFG_STR("delivery_limit", "48h", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t carrier_opts[] = {
        CFG_STR("name", "", CFGF_NONE),
        CFG_STR_LIST("aliases", "{}", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t supplier_opts[] = {
        CFG_STR("name", "", CFGF_NONE),
        CFG_STR_LIST("aliases", "{}", CFGF_NONE),
        CFG_STR("status", "active", CFGF_NONE),
        CFG_STR("grade", "B", CFGF_NONE),
        CFG_STR("category", "default", CFGF_NONE),
        SG_DATE("licence_expires"),
        SG_DATE("tax_expires"),
        SG_DATE("org_code_expires"),
        SG_DATE("certificate_expires"),
        CFG_STR("order_format", "x12", CFGF_NONE),
        CFG_STR("order_endpoint", "", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t item_opts[] = {
        CFG_FLOAT("lower", 0, CFGF_NONE),
        CFG_FLOAT("upper", 0, CFGF_NONE),
        CFG_STR("preferred_supplier", "", CFGF_NONE),
        CFG_FLOAT("reorder_quantity", 0, CFGF_NONE),
        CFG_FLOAT("unit_price", 0, CFGF_NONE),
        CFG_STR("unit", "EA", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t replenishment_opts[] = {
        CFG_STR("sender_id", "SUPPLYGATE", CFGF_NONE),
        CFG_STR("sender_qualifier", "ZZ", CFGF_NONE),
        CFG_STR("timeout", "10s", CFGF_NONE),
        CFG_INT("max_attempts", 5, CFGF_NONE),
        CFG_STR("retry_backoff", "30s", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t approval_opts[] = {
        CFG_FLOAT("manager_above", 10000, CFGF_NONE),
        CFG_FLOAT("director_above", 100000, CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t partner_opts[] = {
        CFG_STR_LIST("ids", "{}", CFGF_NONE),
        CFG_STR_LIST("plugins", "{}", CFGF_NONE),
        CFG_STR("api_key_sha256", "", CFGF_NONE),
        CFG_STR("hmac_secret_file", "", CFGF_NONE),
        CFG_INT("rate_limit", 0, CFGF_NONE),
        CFG_INT("burst", 0, CFGF_NONE),
        CFG_INT("body_limit", 0, CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t admin_opts[] = {
        CFG_STR("api_key_sha256", "", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t severity_opts[] = {
        CFG_STR("first_response", "", CFGF_NONE),
        CFG_STR("escalate_again", "", CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t feedback_opts[] = {
        CFG_STR("follow_up_after", "7d", CFGF_NONE),
        CFG_SEC("severity", severity_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_END()
    };
    /* invoice matching (rules_invoice.c): percent, percent, amount */
    cfg_opt_t invoice_opts[] = {
        CFG_FLOAT("price_tolerance", 2, CFGF_NONE),
        CFG_FLOAT("quantity_tolerance", 0, CFGF_NONE),
        CFG_FLOAT("total_tolerance", 0.01, CFGF_NONE),
        CFG_END()
    };
    /* Business rules that span areas (rules_response.c ...). */
    cfg_opt_t rules_opts[] = {
        CFG_FLOAT("response_price_tolerance", 2, CFGF_NONE),
        CFG_STR("order_wait", "1m", CFGF_NONE),
        /* ship notices (rules_shipnotice.c) */
        CFG_STR("min_shelf_life", "30d", CFGF_NONE),
        CFG_FLOAT("ship_tolerance", 0, CFGF_NONE),
        CFG_END()
    };
    cfg_opt_t opts[] = {
        CFG_STR("log_level", "info", CFGF_NONE),
        CFG_STR("state_dir", "var", CFGF_NONE),
        CFG_STR("schema_dir", "schemas", CFGF_NONE),
        CFG_SEC("http", http_opts, CFGF_NONE),
        CFG_SEC("redis", redis_opts, CFGF_NONE),
        CFG_SEC("queue", queue_opts, CFGF_NONE),
        CFG_SEC("delivery", delivery_opts, CFGF_NONE),
        CFG_SEC("supplier", supplier_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("approval", approval_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("feedback", feedback_opts, CFGF_NONE),
        CFG_SEC("plugin", plugin_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("partner", partner_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("admin", admin_opts, CFGF_NONE),
        CFG_SEC("carrier", carrier_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("item", item_opts,
                CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("replenishment", replenishment_opts, CFGF_NONE),
        CFG_SEC("invoice", invoice_opts, CFGF_NONE),
        CFG_SEC("rules", rules_opts, CFGF_NONE),
        CFG_END()
    };
    cfg_t *cfg = cfg_init(opts, first_pass ? CFGF_IGNORE_UNKNOWN : 0);

    cfg_set_error_function(cfg, sg_config_errfunc);
    cfg_set_validate_func(cfg, "log_level", sg_check_log_level);
    cfg_set_validate_func(cfg, "http|port", sg_check_port);
    cfg_set_validate_func(cfg, "http|body_limit", sg_check_positive);
    cfg_set_validate_func(cfg, "http|spool_limit", sg_check_not_negative);
    cfg_set_validate_func(cfg, "http|timeout", sg_check_positive);
    cfg_set_validate_func(cfg, "http|threads", sg_check_positive);
    cfg_set_validate_func(cfg, "http|connection_limit", sg_check_positive);
    cfg_set_validate_func(cfg, "redis|appendfsync", sg_check_fsync);
    cfg_set_validate_func(cfg, "queue|workers", sg_check_positive);
    cfg_set_validate_func(cfg, "queue|max_attempts", sg_check_positive);
    cfg_set_validate_func(cfg, "queue|reclaim_idle", sg_check_duration);
    cfg_set_validate_func(cfg, "queue|duplicate_window",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "delivery|processing_limit",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "delivery|dispatch_limit",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "delivery|sweep_interval",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "delivery|delivery_limit",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "supplier|status", sg_check_status);
    cfg_set_validate_func(cfg, "supplier|grade", sg_check_grade);
    cfg_set_validate_func(cfg, "supplier|licence_expires", sg_check_date);
    cfg_set_validate_func(cfg, "supplier|tax_expires", sg_check_date);
    cfg_set_validate_func(cfg, "supplier|org_code_expires", sg_check_date);
    cfg_set_validate_func(cfg, "supplier|certificate_expires",
                          sg_check_date);
    cfg_set_validate_func(cfg, "approval|manager_above", sg_check_amount);
    cfg_set_validate_func(cfg, "approval|director_above",
                          sg_check_amount);
    cfg_set_validate_func(cfg, "http|per_ip_connection_limit",
                          sg_check_positive);
    cfg_set_validate_func(cfg, "http|request_deadline", sg_check_positive);
    cfg_set_validate_func(cfg, "http|hmac_window", sg_check_positive);
    cfg_set_validate_func(cfg, "partner|rate_limit", sg_check_not_negative);
    cfg_set_validate_func(cfg, "invoice|price_tolerance", sg_check_amount);
    cfg_set_validate_func(cfg, "invoice|quantity_tolerance",
                          sg_check_amount);
    cfg_set_validate_func(cfg, "invoice|total_tolerance", sg_check_amount);
    cfg_set_validate_func(cfg, "partner|burst", sg_check_not_negative);
    cfg_set_validate_func(cfg, "partner|body_limit", sg_check_not_negative);
    cfg_set_validate_func(cfg, "supplier|order_format",
                          sg_check_order_format);
    cfg_set_validate_func(cfg, "supplier|order_endpoint",
                          sg_check_endpoint);
    cfg_set_validate_func(cfg, "item|lower", sg_check_amount);
    cfg_set_validate_func(cfg, "item|upper", sg_check_amount);
    cfg_set_validate_func(cfg, "item|reorder_quantity", sg_check_amount);
    cfg_set_validate_func(cfg, "item|unit_price", sg_check_amount);
    cfg_set_validate_func(cfg, "replenishment|timeout", sg_check_duration);
    cfg_set_validate_func(cfg, "replenishment|retry_backoff",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "replenishment|max_attempts",
                          sg_check_positive);
    cfg_set_validate_func(cfg, "feedback|follow_up_after",
                          sg_check_duration);
    cfg_set_validate_func(cfg, "rules|response_price_tolerance",
                          sg_check_amount);
    cfg_set_validate_func(cfg, "rules|order_wait", sg_check_duration);
    cfg_set_validate_func(cfg, "rules|min_shelf_life", sg_check_duration);
    cfg_set_validate_func(cfg, "rules|ship_tolerance", sg_check_amount);
    return cfg;
}

/* --- helpers ------------------------------------------------------------ */

/* path made absolute against dir, unless it already is or is empty. */
static char *
sg_config_path(const char *dir, const char *path)
{
    if (path[0] == '/' || path[0] == '\0') {
        return sg_xstrdup(path);
    }
    return sg_xasprintf("%s/%s", dir, path);
}

static long
sg_config_duration(cfg_t *sec, const char *name)
{
    long secs = 0;

    /* Already checked by sg_check_duration while parsing. */
    sg_parse_duration(cfg_getstr(sec, name), &secs);
    return secs;
}

static long long
sg_config_date(cfg_t *sec, const char *name)
{
    long long epoch = 0;
    const char *v = cfg_getstr(sec, name);

    if (v != NULL && *v != '\0') {
        sg_parse_date(v, &epoch);
    }
    return epoch;
}

/* --- first pass: which plugins --------------------------------------- */

/*
 * Every plugin section accepts the union of all plugins' options, so an
 * option two plugins both declare (max_documents) is listed once.  1
 * when o is already in all; a different type is an error.
 */
static int
sg_config_plugin_opt_seen(const cfg_opt_t *all, size_t used,
                          const struct sg_option *o,
                          const struct sg_plugin_conf *p, const char *file,
                          struct sg_errors *errs)
{
    cfg_type_t want = o->type == SG_OPT_STRING ? CFGT_STR
                      : o->type == SG_OPT_INT ? CFGT_INT : CFGT_BOOL;
    size_t i;

    for (i = 0; i < used; i++) {
        if (all[i].name == NULL || strcmp(all[i].name, o->name) != 0) {
            continue;
        }
        if (all[i].type != want) {
            sg_errors_addf(errs, "config", "%s:%d: plugin \"%s\" option "
                           "%s has another type than the same option of "
                           "a plugin loaded before it", file, p->line,
                           p->name, o->name);
        }
        return 1;
    }
    return 0;
}

static int
sg_config_first_pass(struct sg_config *c, const char *file,
                     sg_config_options_fn options_fn, void *arg,
                     cfg_opt_t **plugin_opts, struct sg_errors *errs)
{
    cfg_opt_t path_only[] = {
        CFG_STR("path", "", CFGF_NONE),
        /* Plugin options are not known yet: let them through. */
        CFG_STR("__unknown", NULL, CFGF_NONE),
        CFG_END()
    };
    cfg_t *cfg = sg_config_tree(path_only, 1);
    size_t i, n, used = 1;
    cfg_opt_t *all;
    int rc = -1;

    sg_config_root = cfg;
    if (cfg_parse(cfg, file) != CFG_SUCCESS) {
        goto done;
    }
    n = cfg_size(cfg, "plugin");
    c->plugins = sg_xcalloc(n, sizeof(*c->plugins));
    all = sg_xcalloc(2, sizeof(*all));
    all[0] = path_only[0];
    sg_config_root = NULL;
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "plugin", (unsigned)i);
        struct sg_plugin_conf *p = &c->plugins[c->n_plugins++];
        const struct sg_option *o;

        p->name = sg_xstrdup(cfg_title(sec));
        p->path = sg_config_path(c->dir, cfg_getstr(sec, "path"));
        p->line = sec->line;
        if (p->path[0] == '\0') {
            sg_errors_addf(errs, "config", "%s:%d: plugin \"%s\" has no "
                           "path", file, sec->line, p->name);
            continue;
        }
        o = options_fn(arg, p->name, p->path, sec->line, errs);
        p->options = o;
        /* Several plugins may declare an option of the same name; the
         * union holds it once (the section check below gives each
         * plugin its own default), but the types must agree. */
        for (; o != NULL && o->type != SG_OPT_END; o++) {
            int dup = sg_config_plugin_opt_seen(all, used, o, p, file,
                                                errs);
            cfg_opt_t one[] = {
                CFG_STR((char *)o->name, (char *)o->default_string,
                        CFGF_NONE),
                CFG_INT((char *)o->name, o->default_int, CFGF_NONE),
                CFG_BOOL((char *)o->name,
                         o->default_int ? cfg_true : cfg_false, CFGF_NONE),
            };
            int k = o->type == SG_OPT_STRING ? 0
                    : o->type == SG_OPT_INT ? 1 : 2;

            if (dup) {
                continue;
            }
            all = sg_xrealloc(all, (used + 2) * sizeof(*all));
            all[used++] = one[k];
            memset(&all[used], 0, sizeof(*all));
        }
    }
    *plugin_opts = all;
    rc = errs->n == 0 ? 0 : -1;
done:
    cfg_free(cfg);
    return rc;
}

static void
sg_config_plugin_default(cfg_opt_t *opt, const struct sg_option *o)
{
    switch (o->type) {
    case SG_OPT_STRING:
        cfg_opt_setnstr(opt, o->default_string, 0);
        break;
    case SG_OPT_INT:
        cfg_opt_setnint(opt, o->default_int, 0);
        break;
    default:
        cfg_opt_setnbool(opt, o->default_int ? cfg_true : cfg_false, 0);
        break;
    }
}

/*
 * Bounds of plugin integer options, and keys set in a section of a
 * plugin that does not declare them (the second pass accepts the union
 * of all plugins' options in every plugin section).
 */
static void
sg_config_check_plugin(struct sg_config *c, struct sg_plugin_conf *p,
                       const struct sg_option *table,
                       struct sg_errors *errs)
{
    cfg_t *sec = p->section;
    unsigned i;

    for (i = 0; sec->opts[i].name != NULL; i++) {
        cfg_opt_t *opt = &sec->opts[i];
        const struct sg_option *o;

        if (strcmp(opt->name, "path") == 0) {
            continue;
        }
        for (o = table; o != NULL && o->type != SG_OPT_END; o++) {
            if (strcmp(o->name, opt->name) == 0) {
                break;
            }
        }
        if (o == NULL || o->type == SG_OPT_END) {
            if (opt->flags & CFGF_MODIFIED) {
                sg_errors_addf(errs, "config", "%s:%d: plugin \"%s\" has "
                               "no option \"%s\"", c->file, p->line,
                               p->name, opt->name);
            }
            continue;
        }
        if (!(opt->flags & CFGF_MODIFIED)) {
            /* Not set here: this plugin's own default, not that of the
             * first plugin declaring the name. */
            sg_config_plugin_default(opt, o);
        }
        if (o->type == SG_OPT_INT) {
            long v = cfg_getint(sec, o->name);

            if (v < o->min || v > o->max) {
                sg_errors_addf(errs, "config", "%s:%d: plugin \"%s\" "
                               "option %s = %ld is outside %ld..%ld",
                               c->file, p->line, p->name, o->name, v,
                               o->min, o->max);
            }
        }
    }
}

/* --- second pass: everything ----------------------------------------- */

static void
sg_config_read_suppliers(struct sg_config *c, cfg_t *cfg)
{
    size_t i, j, n = cfg_size(cfg, "supplier");

    c->suppliers = sg_xcalloc(n, sizeof(*c->suppliers));
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "supplier", (unsigned)i);
        struct sg_supplier *s = &c->suppliers[c->n_suppliers++];

        s->id = sg_xstrdup(cfg_title(sec));
        s->name = sg_xstrdup(cfg_getstr(sec, "name"));
        s->status = sg_xstrdup(cfg_getstr(sec, "status"));
        s->grade = sg_xstrdup(cfg_getstr(sec, "grade"));
        s->category = sg_xstrdup(cfg_getstr(sec, "category"));
        s->n_aliases = cfg_size(sec, "aliases");
        s->aliases = sg_xcalloc(s->n_aliases, sizeof(char *));
        for (j = 0; j < s->n_aliases; j++) {
            s->aliases[j] = sg_xstrdup(cfg_getnstr(sec, "aliases",
                                                   (unsigned)j));
        }
        s->licence_expires = sg_config_date(sec, "licence_expires");
        s->tax_expires = sg_config_date(sec, "tax_expires");
        s->org_code_expires = sg_config_date(sec, "org_code_expires");
        s->certificate_expires = sg_config_date(sec,
                                                "certificate_expires");
    }
}

static void
sg_config_read_channels(struct sg_config *c, cfg_t *cfg)
{
    size_t i;

    c->channels = sg_xcalloc(c->n_suppliers + 1, sizeof(*c->channels));
    for (i = 0; i < c->n_suppliers; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "supplier", (unsigned)i);

        c->channels[i].format = sg_xstrdup(cfg_getstr(sec, "order_format"));
        c->channels[i].endpoint = sg_xstrdup(cfg_getstr(sec,
                                                        "order_endpoint"));
    }
}

static void
sg_config_read_items(struct sg_config *c, cfg_t *cfg,
                     struct sg_errors *errs)
{
    size_t i, n = cfg_size(cfg, "item");
    cfg_t *repl = cfg_getsec(cfg, "replenishment");

    c->items = sg_xcalloc(n + 1, sizeof(*c->items));
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "item", (unsigned)i);
        struct sg_item *it = &c->items[c->n_items++];

        it->id = sg_xstrdup(cfg_title(sec));
        it->lower = cfg_getfloat(sec, "lower");
        it->upper = cfg_getfloat(sec, "upper");
        it->preferred_supplier = sg_xstrdup(cfg_getstr(sec,
                                            "preferred_supplier"));
        it->reorder_quantity = cfg_getfloat(sec, "reorder_quantity");
        it->unit_price = cfg_getfloat(sec, "unit_price");
        it->unit = sg_xstrdup(cfg_getstr(sec, "unit"));
        if (it->upper > 0 && it->upper < it->lower) {
            sg_errors_addf(errs, "config", "%s:%d: item \"%s\": upper "
                           "(%g) is below lower (%g)", c->file, sec->line,
                           it->id, it->upper, it->lower);
        }
    }
    c->repl_sender_id = sg_xstrdup(cfg_getstr(repl, "sender_id"));
    c->repl_sender_qualifier = sg_xstrdup(cfg_getstr(repl,
                                                     "sender_qualifier"));
    c->repl_timeout = sg_config_duration(repl, "timeout");
    c->repl_max_attempts = (int)cfg_getint(repl, "max_attempts");
    c->repl_backoff = sg_config_duration(repl, "retry_backoff");
    if (c->repl_timeout == 0) {
        c->repl_timeout = 1;
    }
}

static void
sg_config_read_approvals(struct sg_config *c, cfg_t *cfg,
                         struct sg_errors *errs)
{
    size_t i, n = cfg_size(cfg, "approval");

    c->approvals = sg_xcalloc(n, sizeof(*c->approvals));
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "approval", (unsigned)i);
        struct sg_approval *a = &c->approvals[c->n_approvals++];

        a->category = sg_xstrdup(cfg_title(sec));
        a->manager_above = cfg_getfloat(sec, "manager_above");
        a->director_above = cfg_getfloat(sec, "director_above");
        if (a->director_above < a->manager_above) {
            sg_errors_addf(errs, "config", "%s:%d: approval \"%s\": "
                           "director_above (%g) is below manager_above "
                           "(%g)", c->file, sec->line, a->category,
                           a->director_above, a->manager_above);
        }
    }
}

/*
 * Ticket severities: the shipped limits, then what the file sets.  An
 * empty value keeps the shipped one; "0" for escalate_again means no
 * second level.
 */
static void
sg_config_read_feedback(struct sg_config *c, cfg_t *cfg,
                        struct sg_errors *errs)
{
    static const struct sg_feedback_severity shipped[] = {
        {"critical", 3600, 3600},
        {"high", 4 * 3600, 4 * 3600},
        {"medium", 86400, 86400},
        {"low", 3 * 86400, 3 * 86400}
    };
    cfg_t *fb = cfg_getsec(cfg, "feedback");
    size_t i, k, n = cfg_size(fb, "severity");
    const char *v;
    long secs;

    memcpy(c->feedback, shipped, sizeof(shipped));
    c->follow_up_after = sg_config_duration(fb, "follow_up_after");
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(fb, "severity", (unsigned)i);
        struct sg_feedback_severity *s = NULL;

        for (k = 0; k < SG_FEEDBACK_SEVERITIES; k++) {
            if (strcmp(c->feedback[k].name, cfg_title(sec)) == 0) {
                s = &c->feedback[k];
            }
        }
        if (s == NULL) {
            sg_errors_addf(errs, "config", "%s:%d: feedback severity "
                           "\"%s\" is not one of critical, high, medium, "
                           "low", c->file, sec->line, cfg_title(sec));
            continue;
        }
        v = cfg_getstr(sec, "first_response");
        if (v[0] != '\0' && (sg_parse_duration(v, &secs) != 0 ||
                             secs == 0)) {
            sg_errors_addf(errs, "config", "%s:%d: severity \"%s\": "
                           "first_response \"%s\" is not a duration of at "
                           "least 1s", c->file, sec->line, s->name, v);
        } else if (v[0] != '\0') {
            s->first_response = secs;
        }
        v = cfg_getstr(sec, "escalate_again");
        if (v[0] != '\0' && sg_parse_duration(v, &secs) != 0) {
            sg_errors_addf(errs, "config", "%s:%d: severity \"%s\": "
                           "escalate_again \"%s\" is not a duration",
                           c->file, sec->line, s->name, v);
        } else if (v[0] != '\0') {
            s->escalate_again = secs;
        }
    }
}

static void
sg_config_read_carriers(struct sg_config *c, cfg_t *cfg)
{
    size_t i, j, n = cfg_size(cfg, "carrier");

    c->carriers = sg_xcalloc(n, sizeof(*c->carriers));
    for (i = 0; i < n; i++) {
        cfg_t *sec = cfg_getnsec(cfg, "carrier", (unsigned)i);
        struct sg_carrier *k = &c->carriers[c->n_carriers++];

        k->id = sg_xstrdup(cfg_title(sec));
        k->name = sg_xstrdup(cfg_getstr(sec, "name"));
        k->n_aliases = cfg_size(sec, "aliases");
        k->aliases = sg_xcalloc(k->n_aliases, sizeof(char *));
        for (j = 0; j < k->n_aliases; j++) {
            k->aliases[j] = sg_xstrdup(cfg_getnstr(sec, "aliases",
                                                   (unsigned)j));
        }
    }
}

/* Invoice matching tolerances; the checks above refused negatives. */
static void
sg_config_read_invoice(struct sg_config *c, cfg_t *cfg)
{
    cfg_t *inv = cfg_getsec(cfg, "invoice");

    c->invoice_price_tolerance = cfg_getfloat(inv, "price_tolerance");
    c->invoice_quantity_tolerance = cfg_getfloat(inv,
                                                 "quantity_tolerance");
    c->invoice_total_tolerance = cfg_getfloat(inv, "total_tolerance");
}

static void
sg_config_read(struct sg_config *c, cfg_t *cfg, struct sg_errors *errs)
{
    cfg_t *http = cfg_getsec(cfg, "http");
    cfg_t *redis = cfg_getsec(cfg, "redis");
    cfg_t *queue = cfg_getsec(cfg, "queue");
    cfg_t *delivery = cfg_getsec(cfg, "delivery");

    c->log_level = sg_log_level_from_name(cfg_getstr(cfg, "log_level"));
    c->state_dir = sg_config_path(c->dir, cfg_getstr(cfg, "state_dir"));
    c->schema_dir = sg_config_path(c->dir, cfg_getstr(cfg, "schema_dir"));

    c->listen_address = sg_xstrdup(cfg_getstr(http, "address"));
    c->listen_port = (int)cfg_getint(http, "port");
    c->body_limit = (size_t)cfg_getint(http, "body_limit");
    c->spool_limit = (size_t)cfg_getint(http, "spool_limit");
    c->http_timeout = (int)cfg_getint(http, "timeout");
    c->http_threads = (int)cfg_getint(http, "threads");
    c->http_connection_limit = (int)cfg_getint(http, "connection_limit");

    c->redis_address = sg_xstrdup(cfg_getstr(redis, "address"));
    c->redis_server = sg_xstrdup(cfg_getstr(redis, "server"));
    c->redis_appendfsync = sg_xstrdup(cfg_getstr(redis, "appendfsync"));

    c->workers = (int)cfg_getint(queue, "workers");
    c->reclaim_idle_ms = sg_config_duration(queue, "reclaim_idle") * 1000;
    c->max_attempts = (int)cfg_getint(queue, "max_attempts");
    c->duplicate_window = sg_config_duration(queue, "duplicate_window");

    c->processing_limit = sg_config_duration(delivery,
                                             "processing_limit");
    c->dispatch_limit = sg_config_duration(delivery, "dispatch_limit");
    c->sweep_interval = sg_config_duration(delivery, "sweep_interval");
    if (c->sweep_interval == 0) {
        sg_errors_addf(errs, "config", "%s: delivery sweep_interval must "
                       "be at least 1s", c->file);
    }
    if (c->reclaim_idle_ms == 0) {
        sg_errors_addf(errs, "config", "%s: queue reclaim_idle must be at "
                       "least 1s", c->file);
    }
    sg_config_read_suppliers(c, cfg);
    sg_config_read_approvals(c, cfg, errs);

    c->http_per_ip_limit = (int)cfg_getint(http, "per_ip_connection_limit");
    c->http_deadline = (int)cfg_getint(http, "request_deadline");
    c->hmac_window = (int)cfg_getint(http, "hmac_window");
    sg_partners_read(c, cfg, errs);
    c->delivery_limit = sg_config_duration(delivery, "delivery_limit");
    sg_config_read_carriers(c, cfg);
    sg_config_read_channels(c, cfg);
    sg_config_read_items(c, cfg, errs);
    sg_config_read_feedback(c, cfg, errs);
    sg_config_read_invoice(c, cfg);
    c->response_price_tolerance =
        cfg_getfloat(cfg_getsec(cfg, "rules"), "response_price_tolerance");
    c->order_wait = sg_config_duration(cfg_getsec(cfg, "rules"),
                                       "order_wait");
    c->min_shelf_life = sg_config_duration(cfg_getsec(cfg, "rules"),
                                           "min_shelf_life");
    c->ship_tolerance = cfg_getfloat(cfg_getsec(cfg, "rules"),
                                     "ship_tolerance");
}

static void
sg_config_set_file(struct sg_config *c, const char *path)
{
    char cwd[PATH_MAX], *slash;

    if (path[0] == '/') {
        c->file = sg_xstrdup(path);
    } else if (getcwd(cwd, sizeof(cwd)) != NULL) {
        c->file = sg_xasprintf("%s/%s", cwd, path);
    } else {
        c->file = sg_xstrdup(path);
    }
    c->dir = sg_xstrdup(c->file);
    slash = strrchr(c->dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
}

struct sg_config *
sg_config_load(const char *path, sg_config_options_fn options_fn, void *arg,
               struct sg_errors *errs)
{
    struct sg_config *c = sg_xcalloc(1, sizeof(*c));
    cfg_opt_t *plugin_opts = NULL;
    cfg_t *cfg = NULL;
    size_t i;

    sg_config_errs = errs;
    sg_config_set_file(c, path);
    if (access(c->file, R_OK) != 0) {
        sg_errors_addf(errs, "config", "%s: %s", c->file, strerror(errno));
        goto fail;
    }
    if (sg_config_first_pass(c, c->file, options_fn, arg, &plugin_opts,
                             errs) != 0) {
        goto fail;
    }
    cfg = sg_config_tree(plugin_opts, 0);
    c->cfg = cfg;
    sg_config_root = cfg;
    if (cfg_parse(cfg, c->file) != CFG_SUCCESS) {
        goto fail;
    }
    sg_config_read(c, cfg, errs);
    for (i = 0; i < c->n_plugins; i++) {
        c->plugins[i].section = cfg_getnsec(cfg, "plugin", (unsigned)i);
        sg_config_check_plugin(c, &c->plugins[i], c->plugins[i].options,
                               errs);
    }
    if (errs->n > 0) {
        goto fail;
    }
    free(plugin_opts);
    sg_config_errs = NULL;
    sg_config_root = NULL;
    return c;

fail:
    free(plugin_opts);
    sg_config_errs = NULL;
    sg_config_root = NULL;
    sg_config_free(c);
    return NULL;
}

void
sg_config_free(struct sg_config *c)
{
    size_t i, j;

    if (c == NULL) {
        return;
    }
    for (i = 0; i < c->n_suppliers; i++) {
        struct sg_supplier *s = &c->suppliers[i];

        for (j = 0; j < s->n_aliases; j++) {
            free(s->aliases[j]);
        }
        free(s->aliases);
        free(s->id);
        free(s->name);
        free(s->status);
        free(s->grade);
        free(s->category);
    }
    for (i = 0; i < c->n_approvals; i++) {
        free(c->approvals[i].category);
    }
    for (i = 0; i < c->n_carriers; i++) {
        for (j = 0; j < c->carriers[i].n_aliases; j++) {
            free(c->carriers[i].aliases[j]);
        }
        free(c->carriers[i].aliases);
        free(c->carriers[i].id);
        free(c->carriers[i].name);
    }
    free(c->carriers);
    for (i = 0; c->channels != NULL && i < c->n_suppliers; i++) {
        free(c->channels[i].format);
        free(c->channels[i].endpoint);
    }
    for (i = 0; i < c->n_items; i++) {
        free(c->items[i].id);
        free(c->items[i].preferred_supplier);
        free(c->items[i].unit);
    }
    free(c->channels);
    free(c->items);
    free(c->repl_sender_id);
    free(c->repl_sender_qualifier);
    for (i = 0; i < c->n_plugins; i++) {
        free(c->plugins[i].name);
        free(c->plugins[i].path);
    }
    sg_partners_free(c);
    free(c->suppliers);
    free(c->approvals);
    free(c->plugins);
    free(c->file);
    free(c->dir);
    free(c->listen_address);
    free(c->state_dir);
    free(c->schema_dir);
    free(c->redis_address);
    free(c->redis_server);
    free(c->redis_appendfsync);
    if (c->cfg != NULL) {
        cfg_free(c->cfg);
    }
    free(c);
}

const struct sg_supplier *
sg_config_supplier(const struct sg_config *c, const char *id)
{
    size_t i, j;

    for (i = 0; i < c->n_suppliers; i++) {
        if (strcmp(c->suppliers[i].id, id) == 0) {
            return &c->suppliers[i];
        }
        for (j = 0; j < c->suppliers[i].n_aliases; j++) {
            if (strcmp(c->suppliers[i].aliases[j], id) == 0) {
                return &c->suppliers[i];
            }
        }
    }
    return NULL;
}

const struct sg_approval *
sg_config_approval(const struct sg_config *c, const char *category)
{
    const struct sg_approval *fallback = NULL;
    size_t i;

    for (i = 0; i < c->n_approvals; i++) {
        if (strcmp(c->approvals[i].category, category) == 0) {
            return &c->approvals[i];
        }
        if (strcmp(c->approvals[i].category, "default") == 0) {
            fallback = &c->approvals[i];
        }
    }
    return fallback;
}

const struct sg_feedback_severity *
sg_config_feedback(const struct sg_config *c, const char *severity)
{
    size_t i;

    for (i = 0; severity != NULL && i < SG_FEEDBACK_SEVERITIES; i++) {
        if (c->feedback[i].name != NULL &&
            strcmp(c->feedback[i].name, severity) == 0) {
            return &c->feedback[i];
        }
    }
    return NULL;
}

const char *
sg_config_plugin_string(const void *section, const char *name)
{
    if (section == NULL) {
        return NULL;
    }
    return cfg_getstr((cfg_t *)section, name);
}

long
sg_config_plugin_int(const void *section, const char *name)
{
    cfg_opt_t *opt;

    if (section == NULL) {
        return 0;
    }
    opt = cfg_getopt((cfg_t *)section, name);
    if (opt == NULL) {
        return 0;
    }
    if (opt->type == CFGT_BOOL) {
        return cfg_opt_getnbool(opt, 0) ? 1 : 0;
    }
    return cfg_opt_getnint(opt, 0);
}

const struct sg_carrier *
sg_config_carrier(const struct sg_config *c, const char *id)
{
    size_t i, j;

    for (i = 0; id != NULL && i < c->n_carriers; i++) {
        if (strcmp(c->carriers[i].id, id) == 0) {
            return &c->carriers[i];
        }
        for (j = 0; j < c->carriers[i].n_aliases; j++) {
            if (strcmp(c->carriers[i].aliases[j], id) == 0) {
                return &c->carriers[i];
            }
        }
    }
    return NULL;
}

const struct sg_item *
sg_config_item(const struct sg_config *c, const char *id)
{
    size_t i;

    for (i = 0; id != NULL && i < c->n_items; i++) {
        if (strcmp(c->items[i].id, id) == 0) {
            return &c->items[i];
        }
    }
    return NULL;
}
