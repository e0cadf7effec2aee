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

/* A partner allowed to post, and how it proves who it is (partners.c). */
struct sg_partner {
    char *name;             /* section title, e.g. "ACME" */
    char **ids;             /* interchange senders it may name: "ZZ:ACME",
                               or a bare id matching any qualifier */
    size_t n_ids;
    char **plugins;         /* the plugins it may post to; none: any */
    size_t n_plugins;
    unsigned char key_hash[32];     /* SHA-256 of its API key */
    int has_key;
    unsigned char *hmac_secret;     /* read from hmac_secret_file; wiped */
    size_t hmac_secret_len;         /* 0: no HMAC credential */
    int rate_limit;         /* requests per second, 0 unlimited */
    int burst;              /* bucket size, defaults to rate_limit */
    size_t body_limit;      /* bytes, 0: the http body_limit */
};

/* One entry of the carrier registry. */
struct sg_carrier {
    char *id;               /* registry key, e.g. "ACMEFREIGHT" */
    char *name;
    char **aliases;         /* SCAC codes and envelope senders partners
                               use for it: "AFRT", "ZZ:ACMEFREIGHT" */
    size_t n_aliases;
};

/* One item of the item registry: stock limits and replenishment. */
struct sg_item {
    char *id;                   /* the item number (SKU) */
    double lower;               /* a level below it is low; 0: none */
    double upper;               /* a level above it is high; 0: none */
    char *preferred_supplier;   /* registry id to reorder from, or "" */
    double reorder_quantity;    /* quantity of a replenishment order */
    double unit_price;          /* on the order; 0: no price */
    char *unit;                 /* unit of measure, "EA" */
};

/*
 * How replenishment orders reach one supplier: the supplier section's
 * order_format and order_endpoint.  Kept beside struct sg_supplier, one
 * per entry of suppliers[] in the same order, so that struct keeps its
 * layout.
 */
struct sg_supplier_channel {
    char *format;               /* "x12" or "edifact" */
    char *endpoint;             /* "http://..." or "" (not sent) */
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
    size_t spool_limit;     /* bytes a spooled body may reach; 0: none */
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

    /* partners and access (partners.c) */
    struct sg_partner *partners;
    size_t n_partners;
    unsigned char admin_key_hash[32];   /* SHA-256 of the admin key */
    int has_admin_key;
    int http_per_ip_limit;  /* connections from one address */
    int http_deadline;      /* seconds to receive one whole request */
    int hmac_window;        /* seconds a signed request stays valid */

    /* delivery: shipments (rules_shipment.c) */
    long delivery_limit;    /* seconds from pick-up to delivery, when
                               the order promises no date */
    struct sg_carrier *carriers;
    size_t n_carriers;

    /* stock (rules_stock.c) */
    struct sg_item *items;
    size_t n_items;
    struct sg_supplier_channel *channels;   /* n_suppliers of them */
    char *repl_sender_id;       /* our id in the orders' envelopes */
    char *repl_sender_qualifier;
    long repl_timeout;          /* seconds one delivery may take */
    int repl_max_attempts;      /* then the delivery has failed */
    long repl_backoff;          /* seconds before the first retry,
                                   doubled after each failure */

    /* invoice matching (rules_invoice.c) */
    double invoice_price_tolerance;     /* percent off the order price */
    double invoice_quantity_tolerance;  /* percent over ordered/shipped */
    double invoice_total_tolerance;     /* amount the total may be off */
    /* rules spanning areas (section "rules") */
    double response_price_tolerance;    /* percent an order response's
                                           unit price may differ from
                                           the ordered one unflagged */
    long order_wait;                    /* seconds an answer, ship notice
                                           or invoice naming an order not
                                           seen yet is retried before it
                                           is an unknown order's */
    /* ship notices (rules_shipnotice.c) */
    long min_shelf_life;        /* seconds of shelf life a lot must have
                                   left on its ship date */
    double ship_tolerance;      /* percent a shipped quantity may differ
                                   from the ordered one */

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

/* The carrier registry entry whose id or alias equals id, or NULL. */
const struct sg_carrier *sg_config_carrier(const struct sg_config *cfg,
                                           const char *id);
/* The item registry entry for id, or NULL. */
const struct sg_item *sg_config_item(const struct sg_config *cfg,
                                     const char *id);
/* The limits of a ticket severity, or NULL for an unknown one. */
const struct sg_feedback_severity *
sg_config_feedback(const struct sg_config *cfg, const char *severity);

/* Values of a plugin section's options (used behind struct sg_host). */
const char *sg_config_plugin_string(const void *section, const char *name);
long sg_config_plugin_int(const void *section, const char *name);

#endif /* SG_CONFIG_H */
