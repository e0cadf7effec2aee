/*
 * ship_notice.h - the ship notice model that the X12 856 and EDIFACT
 * DESADV mappers fill in and ship_notice.c writes as a canonical
 * <ship_notice> (schemas/ship_notice.xsd).
 *
 * Private to the supplier_edi plugin, like supplier_edi.h.
 */
#ifndef SEDI_SHIP_NOTICE_H
#define SEDI_SHIP_NOTICE_H

#include "supplier_edi.h"

/* Most lots of one line (schemas/ship_notice.xsd says the same). */
#define SEDI_MAX_LOTS 1000

/* One lot (batch) of a line; strings NULL or clean UTF-8 owned here. */
struct sedi_lot {
    char *number;
    long long quantity;         /* scaled by SEDI_SCALE */
    int has_quantity;
    char *expiry;               /* YYYY-MM-DD */
    char *production;           /* YYYY-MM-DD */
};

struct sedi_sn_line {
    const struct sg_edi_segment *seg;   /* LIN: where to report */
    char *order_ref;
    char *order_line;
    char *item;
    char *supplier_item;
    char *gtin;
    char *first_id;             /* first product id: item's fallback */
    char *description;
    int description_fixed;      /* set from a free-form description */
    long long quantity;         /* shipped, scaled by SEDI_SCALE */
    int has_quantity;
    char *unit;
    long long ordered;
    int has_ordered;
    char *package;
    char *expiry;               /* for the lots that name none */
    char *production;
    struct sedi_lot *lots;
    size_t n_lots, lots_cap;
};

struct sedi_ship_notice {
    const char *format;         /* "x12", "edifact" */
    char *sender;               /* "QUAL:ID", also the sink's partner */
    char *receiver;
    char *interchange;
    char *group;
    char *message;
    char *message_type;
    char *version;

    char *number;
    char *date;
    char *purpose;
    char *ship_date;
    char *expected_delivery;
    struct sedi_party supplier, buyer, ship_to;
    struct sedi_party ship_from;        /* the supplier's stand-in */

    struct sedi_reference *refs;
    size_t n_refs, refs_cap;
    struct sedi_sn_line *lines;
    size_t n_lines, lines_cap;
};

void sedi_sn_init(struct sedi_ship_notice *sn, const char *format);
void sedi_sn_free(struct sedi_ship_notice *sn);

/* The interchange's parties and control numbers into the source. */
void sedi_sn_envelope(struct sedi_ship_notice *sn,
                      const struct sg_edi_transaction *tx);

void sedi_sn_add_ref(struct sedi_ship_notice *sn, const char *qualifier,
                     const char *value);

/* A new zeroed line; the pointer is valid until the next call. */
struct sedi_sn_line *sedi_sn_add_line(struct sedi_ship_notice *sn,
                                      const struct sg_edi_segment *seg);

/*
 * The lot of this number on the line, added when new (a lot named
 * twice, by LIN and by REF, is one lot).  A number the canonical form
 * cannot carry (empty, over 80 characters, or with ':', which splits
 * the gateway's keys) is reported at seg/element/component and NULL
 * returned.
 */
struct sedi_lot *sedi_sn_lot(struct sedi_run *run, struct sedi_sn_line *l,
                             const char *number,
                             const struct sg_edi_segment *seg, int element,
                             int component);

/*
 * The checks both mappers end with: at least one line, each with an
 * item and a shipped quantity, lot quantities that add up to it; the
 * line's expiry given to its lots that have none; supplier from the
 * ship-from party or the interchange sender when no supplier party was
 * sent.  end is where to report a notice without lines.
 */
void sedi_sn_settle(struct sedi_run *run, struct sedi_ship_notice *sn,
                    const struct sg_edi_transaction *tx,
                    const struct sg_edi_segment *end, const char *what);

/* map_x12_856.c, map_edifact_desadv.c: 0, or -1 when the set carries
 * errors (already reported). */
int sedi_map_x12_856(struct sedi_run *run,
                     const struct sg_edi_transaction *tx,
                     struct sedi_ship_notice *sn);
int sedi_map_edifact_desadv(struct sedi_run *run,
                            const struct sg_edi_transaction *tx,
                            struct sedi_ship_notice *sn);

#endif /* SEDI_SHIP_NOTICE_H */
