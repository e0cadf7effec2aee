/*
 * supplier_edi.h - what the supplier_edi plugin's files share: the plugin
 * context, the state of one decode() call, the order model the three
 * mappers (X12 850, EDIFACT ORDERS, canonical XML) fill in, and the
 * helpers that turn it into a canonical order document.
 *
 * Private to the plugin: nothing here crosses the plugin boundary, so
 * the names carry the plugin's own prefix, sedi_.
 */
#ifndef SEDI_SUPPLIER_EDI_H
#define SEDI_SUPPLIER_EDI_H

#include <stdarg.h>
#include <stddef.h>

#include "edi.h"
#include "edi_map.h"
#include "sg_plugin.h"
#include "util.h"

#define SEDI_NAME "supplier_edi"

/* Values are decimals scaled by 10^6: the XSD allows six fraction
 * digits, and integers keep sums exact where floats would not. */
#define SEDI_SCALE 1000000LL

/* Set up by init(), read-only afterwards (decode runs in many threads). */
struct sedi_ctx {
    const struct sg_host *host;
    int accept_xml;             /* option accept_xml */
    long max_documents;         /* option max_documents */
    struct sg_edi_maps *maps;   /* 850 and ORDERS segment maps */
};

/* One decode() call. */
struct sedi_run {
    const struct sedi_ctx *ctx;
    const struct sg_message *msg;
    struct sg_sink *sink;
    long n_documents;           /* handed to the sink so far */
    long max_documents;         /* the option for decode(); none for
                                   decode_stream(), whose memory does
                                   not grow with the count (the host
                                   caps a spooled message itself) */
    long n_errors;              /* diags handed to the sink so far */
    int stop;                   /* the sink or max_documents said stop */
};

/* A trading party; every string is NULL or clean UTF-8 owned here. */
struct sedi_party {
    char *id;
    char *qualifier;
    char *name;
    char *address[4];
    int n_address;
    char *city;
    char *postal_code;
    char *country;
};

struct sedi_line {
    char *number;
    char *item;                 /* our item number (buyer's) */
    char *supplier_item;
    char *gtin;
    char *first_id;             /* first product id: item's fallback */
    char *description;
    int description_fixed;      /* set from a free-form description */
    long long quantity;         /* scaled by SEDI_SCALE */
    int has_quantity;
    char *unit;
    long long unit_price;       /* scaled by SEDI_SCALE */
    int has_price;
    char *requested_delivery;   /* YYYY-MM-DD */
};

struct sedi_reference {
    char *qualifier;
    char *value;
};

/* A canonical order being built; see schemas/order.xsd. */
struct sedi_order {
    const char *format;         /* "x12", "edifact", "xml" */
    char *sender;               /* "QUAL:ID", also the sink's partner */
    char *receiver;
    char *interchange;
    char *group;
    char *message;
    char *message_type;
    char *version;

    char *number;
    char *date;                 /* YYYY-MM-DD */
    char *purpose;
    char *order_type;
    char *currency;
    char *requested_delivery;
    struct sedi_party supplier, buyer, ship_to;

    struct sedi_reference *refs;
    size_t n_refs, refs_cap;
    struct sedi_line *lines;
    size_t n_lines, lines_cap;
};

/* --- the order model (supplier_edi.c) ---------------------------------- */

void sedi_order_init(struct sedi_order *o, const char *format);
void sedi_order_free(struct sedi_order *o);

/*
 * Store a copy of value in *field (freeing the old one), trimmed of
 * blanks, with control characters made spaces and bytes that are not
 * UTF-8 read as Latin-1.  An empty value stores NULL.
 */
void sedi_set(char **field, const char *value);

/* Set only when *field is still NULL: the first occurrence wins. */
void sedi_set_first(char **field, const char *value);

void sedi_order_add_ref(struct sedi_order *o, const char *qualifier,
                        const char *value);

/* A new zeroed line at the end; the pointer is valid until the next
 * call. */
struct sedi_line *sedi_order_add_line(struct sedi_order *o);

/* Fill id/qualifier/name of a party that has no id: the name stands in
 * (qualifier "name"), and a party with neither keeps id NULL. */
void sedi_party_settle(struct sedi_party *p);

/*
 * Parse a decimal "12", "-3.50", ".5" (decimal mark '.' or, when
 * alt_mark is not 0, alt_mark) into *out scaled by SEDI_SCALE.  Returns
 * 0, or -1 when it is not a decimal, has more than six significant
 * fraction digits or more than twelve integer digits.
 */
int sedi_decimal(const char *s, char alt_mark, long long *out);

/* Format a scaled decimal without trailing zeros ("25.5", "10"). */
void sedi_decimal_format(long long v, char *out, size_t outlen);

/*
 * A date as "YYYY-MM-DD" from CCYYMMDD, YYMMDD (years 00-49 are 20xx)
 * or a longer CCYYMMDDHHMM[SS] whose time is dropped.  Returns 0, or -1
 * when the text is not a real calendar date.
 */
int sedi_date(const char *s, char out[11]);

/* "QUAL:ID" or "ID" from an envelope, blanks trimmed; caller frees. */
char *sedi_partner(const char *qualifier, const char *id);

/* --- reporting (supplier_edi.c) -------------------------------------- */

/*
 * Report one problem found in an EDI segment: segment number, line and
 * column come from seg (may be NULL), the tag from tag or else from
 * seg (a missing segment is reported as its tag at the position where
 * it was expected), element/component from the arguments.  Any diag
 * makes the core reject the whole message.
 */
void sedi_diag(struct sedi_run *run, const char *code,
               const struct sg_edi_segment *seg, const char *tag,
               int element, int component, const char *fmt, ...)
    SG_PRINTF(7, 8);

/* Pass a ready diag to the sink, counting it. */
void sedi_report(struct sedi_run *run, const struct sg_diag *d);

/*
 * Turn the order into canonical XML and hand it to the sink, unless
 * max_documents is reached.  Returns 0, or -1 when decoding must stop.
 */
int sedi_emit(struct sedi_run *run, struct sedi_order *o);

/* Hand over an already canonical document (the XML path). */
int sedi_emit_xml(struct sedi_run *run, const char *key,
                  const char *partner, const char *xml, size_t len);

/* ship_notice.c: check, map and emit one X12 856 or EDIFACT DESADV;
 * 0 to go on, -1 when decoding must stop. */
int sedi_ship_notice_tx(struct sedi_run *run,
                        const struct sg_edi_transaction *tx);

/* party.c: an N1 names p unless its role was taken already (1 when it
 * did); N3 and N4 add its address.  A NAD does both at once. */
int sedi_x12_n1_take(const struct sg_edi_segment *n1, struct sedi_party *p);
void sedi_x12_address(const struct sg_edi_segment *seg,
                      struct sedi_party *p);
int sedi_edifact_nad_take(const struct sg_edi_segment *nad,
                          struct sedi_party *p);

/* --- the mappers ------------------------------------------------------- */

/* map_x12_850.c: map one 850; 0, or -1 when it carries errors (already
 * reported). */
int sedi_map_x12_850(struct sedi_run *run,
                     const struct sg_edi_transaction *tx,
                     struct sedi_order *o);

/* map_edifact_orders.c: the same for one ORDERS message. */
int sedi_map_edifact_orders(struct sedi_run *run,
                            const struct sg_edi_transaction *tx,
                            struct sedi_order *o);

/*
 * map_xml_order.c: parse a canonical <order> or <orders> body and hand
 * each order to the sink.  Returns 0, or -1 when the body is not a
 * usable XML order (the reason already reported).
 */
int sedi_xml_decode(struct sedi_run *run);

/* Called once from init(): libxml2's global setup. */
void sedi_xml_init(void);

/* --- shared with the other document families (supplier_edi.c) -------- */

/* Hand over a canonical document of any type the plugin declares. */
int sedi_emit_typed(struct sedi_run *run, const char *type, const char *key,
                    const char *partner, const char *xml, size_t len);

/* The canonical writer's pieces: an element with escaped text at indent
 * (nothing when value is NULL), an attribute (likewise), a party (nothing
 * without an id). */
void sedi_xml_elem(struct sg_buf *b, const char *indent, const char *name,
                   const char *value);
void sedi_xml_attr(struct sg_buf *b, const char *name, const char *value);
void sedi_xml_party(struct sg_buf *b, const char *name,
                    const struct sedi_party *p);

#endif /* SEDI_SUPPLIER_EDI_H */
