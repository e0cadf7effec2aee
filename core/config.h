/*
 * config.h - the daemon's configuration, read with libconfuse.
 *
 * The file is parsed strictly: an unknown key, a value of the wrong type
 * or out of range, or a bad date is an error reported as file:line, and
 * the daemon does not start (or, on reload, keeps its old configuration).
 * Relative paths are taken relative to the directory of the file.
 */
#ifndef SG_CONFIG_H
#define SG_CONFIG_H

#include <stddef.h>

#include "errors.h"

/* One entry of the supplier registry. */
struct sg_supplier {
    char *id;               /* registry key, e.g. "ACME" */
    char *name;
    char **aliases;         /* other identifiers partners use for it:
                               "ZZ:ACMEPARTS", "5412345000013" */
    size_t n_aliases;
    char *status;           /* "active", "probation" or "blocked" */
    char *grade;            /* "A", "B", "C" or "blocked" */
    char *category;         /* purchase category for approval rules */
    long long licence_expires;      /* epoch s of the expiry day, 0 none */
    long long tax_expires;
    long long org_code_expires;
    long long certificate_expires;  /* ISO 9001 or equivalent */
};

/* Approval thresholds for one purchase category. */
struct sg_approval {
    char *category;         /* "default" applies when none matches */
    double manager_above;   /* amounts above need a manager */
    double director_above;  /* amounts above need a director */
};

/* How fast a ticket of one severity must get its first answer. */
struct sg_feedback_severity {
    const char *name;       /* "critical", "high", "medium", "low" */
    long first_response;    /* seconds from the ticket's creation */
    long escalate_again;    /* seconds after the first escalation until
                               the second; 0: no second level */
};

#define SG_FEEDBACK_SEVERITIES 4

/* One plugin to load and its configuration section. */
struct sg_plugin_conf {
    char *name;             /* section title */
    char *path;             /* shared object, absolute after loading */
    void *section;          /* cfg_t of its options, owned by config */
    const struct sg_option *options;    /* the plugin's table, borrowed */
    int line;               /* where the section starts, for errors */
};

struct sg_config {
    char *file;             /* absolute path of the file read */
    char *dir;              /* its directory */

    /* log */
    int log_level;          /* enum sg_log_level */

    /* http */
    char *listen_address;   /* "127.0.0.1" */
    int listen_port;        /* 8080; 0 picks a free port (tests) */
    size_t body_limit;      /* bytes */
    int http_timeout;       /* seconds a connection may stay idle */
    int http_threads;
    int http_connection_limit;

    /* paths */
    char *state_dir;        /* embedded Redis data, port file */
    char *schema_dir;

    /* redis */
    char *redis_address;    /* "", "unix:/path" or "host:port" */
    char *redis_server;     /* redis-server binary for the embedded one */
    char *redis_appendfsync;/* "always", "everysec" or "no" */

    /* queue */
    int workers;
    long reclaim_idle_ms;   /* pending this long -> another worker */
    int max_attempts;       /* then the dead-letter stream */
    long duplicate_window;  /* seconds, for interchange duplicates */

    /* delivery */
    long processing_limit;  /* seconds from receipt */
    long dispatch_limit;    /* seconds from processing */
    long sweep_interval;    /* seconds between deadline sweeps */

    /* procurement */
    struct sg_supplier *suppliers;
    size_t n_suppliers;
    struct sg_approval *approvals;
    size_t n_approvals;

    /* feedback (after-sales) */
    struct sg_feedback_severity feedback[SG_FEEDBACK_SEVERITIES];
    long follow_up_after;   /* seconds from resolution to the follow-up */

    struct sg_plugin_conf *plugins;
    size_t n_plugins;

    void *cfg;              /* the libconfuse tree, owned */
};

/*
 * Asked once per plugin section while the file is read: load the plugin
 * at path (absolute) and return its option table (may be an empty table),
 * or NULL after adding the reason to errs.  The table must stay valid as
 * long as the configuration does.
 */
typedef const struct sg_option *(*sg_config_options_fn)(
    void *arg, const char *name, const char *path, int line,
    struct sg_errors *errs);

/*
 * Read and check the file.  Plugin sections are checked against the
 * option tables that options_fn returns.  Returns a configuration the
 * caller frees with sg_config_free(), or NULL with every problem
 * ("file:line: text") in errs.
 */
struct sg_config *sg_config_load(const char *path,
                                 sg_config_options_fn options_fn,
                                 void *arg, struct sg_errors *errs);

void sg_config_free(struct sg_config *cfg);

/* The registry entry whose id or alias equals id, or NULL. */
const struct sg_supplier *sg_config_supplier(const struct sg_config *cfg,
                                             const char *id);

/* The approval rule for category, else "default", else NULL. */
const struct sg_approval *sg_config_approval(const struct sg_config *cfg,
                                             const char *category);

/* The limits of a ticket severity, or NULL for an unknown one. */
const struct sg_feedback_severity *
sg_config_feedback(const struct sg_config *cfg, const char *severity);

/* Values of a plugin section's options (used behind struct sg_host). */
const char *sg_config_plugin_string(const void *section, const char *name);
long sg_config_plugin_int(const void *section, const char *name);

#endif /* SG_CONFIG_H */
