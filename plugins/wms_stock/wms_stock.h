/*
 * wms_stock.h - what the wms_stock plugin's files share: the plugin
 * context, the state of one decode() call, the stock snapshot model the
 * mappers (X12 846, EDIFACT INVRPT, CSV) fill in, and the writer that
 * turns it into a canonical <stock> document (schemas/stock.xsd).
 *
 * Private to the plugin: the names carry the plugin's own prefix, ws_.
 */
#ifndef WS_WMS_STOCK_H
#define WS_WMS_STOCK_H

#include <stdarg.h>
#include <stddef.h>

#include "edi.h"
#include "sg_plugin.h"
#include "util.h"

#define WS_NAME "wms_stock"

/* The CSV header this plugin accepts, exactly (case aside). */
#define WS_CSV_HEADER "warehouse,item,lot,expiry,quantity,unit"

/* Set up by init(), read-only afterwards (decode runs in many threads). */
struct ws_ctx {
    const struct sg_host *host;
    long max_documents;         /* option max_documents */
    long max_lines;             /* option max_lines, per document */
};

/* One decode() call. */
struct ws_run {
    const struct ws_ctx *ctx;
    const struct sg_message *msg;
    struct sg_sink *sink;
    long n_documents;           /* handed to the sink so far */
    long n_errors;              /* diags handed to the sink so far */
    int stop;                   /* the sink or a limit said stop */
};

/* One counted line; every string NULL or owned clean UTF-8. */
struct ws_line {
    char *item;
    char *lot;
    char *expiry;               /* YYYY-MM-DD */
    char *quantity;             /* a checked decimal, as sent */
    char *unit;
};

/* A canonical stock snapshot being built; see schemas/stock.xsd. */
struct ws_stock {
    const char *format;         /* "x12", "edifact", "csv" */
    char *sender;               /* "QUAL:ID"; also the sink's partner */
    char *receiver;
    char *interchange;
    char *message;
    char *message_type;
    char *version;

    char *id;                   /* snapshotId */
    char *warehouse;
    char *time;                 /* YYYY-MM-DDTHH:MM:SSZ */
    struct ws_line *lines;
    size_t n_lines, lines_cap;
};

/* --- the model and writer (wms_stock.c) ------------------------------- */

void ws_stock_init(struct ws_stock *s, const char *format);
void ws_stock_free(struct ws_stock *s);

/* A new zeroed line at the end; valid until the next call. */
struct ws_line *ws_stock_add_line(struct ws_stock *s);

/* Store a trimmed copy of value in *field (NULL when empty), freeing
 * the old value; control characters become spaces. */
void ws_set(char **field, const char *value);

/* 1 when s is a decimal >= 0 with at most 12 integer and 6 fraction
 * digits ("12", "0.5", "3.250"), else 0. */
int ws_quantity_ok(const char *s);

/* CCYYMMDD (or YYYY-MM-DD when dashed is set) as a checked calendar
 * date "YYYY-MM-DD" in out; 0 or -1. */
int ws_date(const char *s, int dashed, char out[11]);

/* "QUAL:ID" or "ID", or NULL when id is empty; caller frees. */
char *ws_partner(const char *qualifier, const char *id);

/* Write the snapshot and hand it to the sink; -1 when decoding must
 * stop. */
int ws_emit_stock(struct ws_run *run, const struct ws_stock *s);

/* Hand over an already canonical document. */
int ws_emit_xml(struct ws_run *run, const char *type, const char *key,
                const char *partner, const char *xml, size_t len);

/* --- reporting (wms_stock.c) ------------------------------------------ */

/* One problem at an EDI segment (seg may be NULL); see supplier_edi. */
void ws_diag(struct ws_run *run, const char *code,
             const struct sg_edi_segment *seg, const char *tag,
             int element, int component, const char *fmt, ...)
    SG_PRINTF(7, 8);

/* One problem at a line and column of a text body (CSV). */
void ws_diag_at(struct ws_run *run, const char *code, long line,
                long column, int field, const char *fmt, ...)
    SG_PRINTF(6, 7);

void ws_report(struct ws_run *run, const struct sg_diag *d);

/* --- the mappers --------------------------------------------------------- */

/* map_x12_846.c: one 846; 0, or -1 when it carries errors (reported). */
int ws_map_x12_846(struct ws_run *run, const struct sg_edi_transaction *tx,
                   struct ws_stock *s);

/* map_edifact_invrpt.c: one INVRPT message, the same way. */
int ws_map_edifact_invrpt(struct ws_run *run,
                          const struct sg_edi_transaction *tx,
                          struct ws_stock *s);

/* map_edifact_recadv.c: one RECADV message into a canonical <receipt>,
 * handed to the sink; env carries the envelope (sender, interchange).
 * 0, or -1 when decoding must stop. */
int ws_map_edifact_recadv(struct ws_run *run,
                          const struct sg_edi_transaction *tx,
                          const struct ws_stock *env);

/* map_csv_stock.c: a whole CSV body, one document per warehouse.
 * Returns 0, or -1 when the body is not usable (reported). */
int ws_csv_decode(struct ws_run *run);

/* 1 when the body starts with the CSV header (after a BOM). */
int ws_csv_sniff(const unsigned char *data, size_t len);

/* map_xml.c: a canonical <stock> or <receipt> body, passed on.
 * Returns 0, or -1 when it is not usable (reported). */
int ws_xml_decode(struct ws_run *run);

/* The root element's local name when it is stock or receipt in the
 * canonical namespace, judged from the first bytes; else NULL. */
const char *ws_xml_sniff(const unsigned char *data, size_t len);

#endif /* WS_WMS_STOCK_H */
