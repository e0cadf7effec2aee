/*
 * sg_plugin.h - the whole contract between supplygated and a plugin.
 *
 * A plugin is a shared object that knows one area's wire formats (X12,
 * EDIFACT, vendor XML, JSON ...) and nothing else.  The daemon hands it a
 * raw message; the plugin turns it into one or more canonical XML
 * documents, or into a list of precise errors.  Validation against the
 * XSD of each document type, queueing and every business rule stay in the
 * core, so a plugin can neither skip them nor change them.
 *
 * A plugin author needs only this header.  The plugin exports one
 * variable, named by SG_PLUGIN_SYMBOL, of type struct sg_plugin:
 *
 *     const struct sg_plugin sg_plugin_descriptor = {
 *         SG_PLUGIN_HEADER,
 *         .name = "supplier_edi",
 *         ...
 *     };
 *
 * Rules the loader enforces, each refusal logged with the file name:
 *   - magic must equal SG_PLUGIN_MAGIC;
 *   - abi_major must equal the daemon's SG_PLUGIN_ABI_MAJOR;
 *   - abi_minor must not be newer than the daemon's (an older minor is
 *     fine: fields are only ever appended, and struct_size tells which);
 *   - struct_size must cover at least the ABI 1.0 fields;
 *   - name must be set and unique among the loaded plugins;
 *   - decode must be set.
 * A refused plugin is skipped; the daemon goes on with the others.
 *
 * Threads: decode() is called from several HTTP threads at once.  After
 * init() returns, the plugin context must be read-only, or guarded by the
 * plugin itself.
 *
 * Memory: nothing allocated on one side of this interface is freed on the
 * other.  The sink callbacks copy what they are given, so a plugin may
 * free its buffers as soon as a callback returns.
 */
#ifndef SG_PLUGIN_H
#define SG_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define SG_PLUGIN_MAGIC      0x53475031u      /* "SGP1" */
#define SG_PLUGIN_ABI_MAJOR  1
#define SG_PLUGIN_ABI_MINOR  2
#define SG_PLUGIN_SYMBOL     "sg_plugin_descriptor"

/* The first four fields of every descriptor, filled in for the author. */
#define SG_PLUGIN_HEADER                                                 \
    .magic = SG_PLUGIN_MAGIC,                                            \
    .abi_major = SG_PLUGIN_ABI_MAJOR,                                    \
    .abi_minor = SG_PLUGIN_ABI_MINOR,                                    \
    .struct_size = sizeof(struct sg_plugin)

/* Log levels, the syslog order. */
enum sg_log_level {
    SG_LOG_ERROR = 3,
    SG_LOG_WARN = 4,
    SG_LOG_NOTICE = 5,
    SG_LOG_INFO = 6,
    SG_LOG_DEBUG = 7
};

/*
 * One problem found in a message.  Every position field is optional: 0 or
 * NULL means "does not apply".  Positions are 1-based, as partners count
 * them in their own tools.
 */
struct sg_diag {
    const char *code;       /* stable machine code, e.g. "x12.se_count" */
    const char *text;       /* one sentence for a human */
    long segment;           /* segment number within the interchange */
    const char *tag;        /* segment tag, e.g. "PO1" */
    int element;            /* element position within the segment */
    int component;          /* component position within the element */
    long line;              /* line in the raw message */
    long column;            /* column in the raw message */
    const char *xpath;      /* location in an XML document */
};

/* One canonical document produced by decode(). */
struct sg_document {
    const char *type;       /* document type; names its XSD ("order") */
    const char *key;        /* business key, e.g. the order number */
    const char *partner;    /* sender as the envelope names it, or NULL */
    const char *xml;        /* canonical XML, UTF-8 */
    size_t xml_len;
};

/*
 * Where decode() reports.  Both callbacks copy their argument; they
 * return 0, or -1 when the core refuses more (too many documents or
 * errors), after which decode() should stop and return.
 */
struct sg_sink {
    int (*document)(struct sg_sink *sink, const struct sg_document *doc);
    int (*error)(struct sg_sink *sink, const struct sg_diag *diag);
    void *core;             /* the core's own state; do not touch */
};

/* The raw message as it arrived. */
struct sg_message {
    const char *id;             /* message id given by the core */
    const char *content_type;   /* as sent, may be NULL */
    const unsigned char *data;  /* the body; not NUL-terminated */
    size_t len;

    /*
     * ABI 1.2, for decode_stream() only: data is NULL and len is the
     * declared size (0 when unknown); the body is pulled with read(),
     * which fills up to n bytes of buf and returns how many (0 at the
     * end, -1 when the body could not be read: the plugin then reports
     * nothing more and returns -1).
     */
    long (*read)(void *read_arg, unsigned char *buf, size_t n);
    void *read_arg;
};

/* Option types a plugin may declare in its configuration section. */
enum sg_option_type {
    SG_OPT_END = 0,
    SG_OPT_STRING,
    SG_OPT_INT,
    SG_OPT_BOOL
};

/*
 * One configuration option.  The core reads the plugin's section of the
 * configuration file with these declarations, rejects unknown keys and
 * out-of-range values with file:line, and hands the result to init().
 * The table ends with an entry whose type is SG_OPT_END.
 */
struct sg_option {
    enum sg_option_type type;
    const char *name;
    const char *default_string; /* SG_OPT_STRING default, may be NULL */
    long default_int;           /* SG_OPT_INT and SG_OPT_BOOL default */
    long min, max;              /* SG_OPT_INT bounds, inclusive */
    const char *help;           /* one line */
};

/* Services the core offers to plugins, so they link against nothing. */
struct sg_host {
    unsigned abi_major, abi_minor;
    size_t struct_size;

    /* Log a line as "[plugin:NAME]"; msg_id may be NULL. */
    void (*log)(enum sg_log_level level, const char *plugin,
                const char *msg_id, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 4, 5)))
#endif
        ;

    /* Values of the plugin's options, as configured or defaulted. */
    const char *(*option_string)(const void *config, const char *name);
    long (*option_int)(const void *config, const char *name);

    /*
     * ABI 1.1: the configuration's schema_dir (absolute, or relative to
     * the daemon's working directory), where data files such as the EDI
     * segment maps live.  Valid during init() only: copy it.  Read it
     * only when struct_size covers it; NULL when the host has none.
     */
    const char *schema_dir;
};

struct sg_plugin {
    uint32_t magic;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t struct_size;

    const char *name;           /* unique; used in URLs and logs */
    const char *version;        /* the plugin's own version */
    const char *description;    /* one line */

    /* Media types this plugin decodes, NULL-terminated, matched without
     * case and parameters ("application/EDI-X12"). */
    const char *const *content_types;

    /* Canonical document types this plugin produces, NULL-terminated. */
    const char *const *document_types;

    /* Options of the plugin's configuration section, or NULL. */
    const struct sg_option *options;

    /*
     * How sure the plugin is, from the first bytes, that it can decode
     * this body: 0 (not mine) to 100 (certain).  Used when the request
     * names no known content type.  May be NULL.
     */
    int (*sniff)(const unsigned char *data, size_t len);

    /* Set up; *ctx is passed to every later call.  0 or -1; on -1 the
     * plugin logs why and the daemon refuses the configuration. */
    int (*init)(const struct sg_host *host, const void *config, void **ctx);

    /*
     * Decode one raw message: call sink->document() for each canonical
     * document and sink->error() for each problem.  Return 0 when the
     * message was understood (even if documents carry errors), -1 when
     * it was not.  A message with any error is rejected whole.
     */
    int (*decode)(void *ctx, const struct sg_message *msg,
                  struct sg_sink *sink);

    /* Release everything init() made.  Called once, in reverse order of
     * loading.  May be NULL. */
    void (*exit)(void *ctx);

    /*
     * ABI 1.2, optional: decode() for bodies too large to hold in memory
     * (a 100 MB interchange).  The host spools such a body to disk and
     * hands it over through msg->read; the plugin reads it in pieces and
     * reports documents as they complete, keeping its memory bounded by
     * the largest document, not by the body.  Same results and return
     * value as decode().  The host gives a body larger than its
     * body_limit only to a plugin that has this.
     */
    int (*decode_stream)(void *ctx, const struct sg_message *msg,
                         struct sg_sink *sink);
};

#endif /* SG_PLUGIN_H */
