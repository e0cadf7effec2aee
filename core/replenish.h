/*
 * replenish.h - a replenishment purchase order as the stock rules place
 * it: one item, one quantity, for one warehouse, with one supplier.  It
 * is written three ways: the canonical order (schemas/order.xsd), kept
 * for the record, and the X12 850 or EDIFACT ORDERS interchange that
 * goes to the supplier.
 */
#ifndef SG_REPLENISH_H
#define SG_REPLENISH_H

#include "config.h"

/* Everything borrowed; strings are plain text, not yet escaped. */
struct sg_repl_order {
    const char *number;         /* order number, e.g. "RP000000042" */
    long long control;          /* interchange control number, >= 1 */
    long long at_ms;            /* when it was placed */
    const char *item;
    const char *quantity;       /* decimal text, "100" */
    const char *unit;           /* "EA" */
    const char *unit_price;     /* decimal text, or NULL */
    const char *warehouse;      /* ship-to */
    const char *supplier;       /* registry id */
    const char *supplier_name;  /* may be NULL or "" */
    const char *sender_id;      /* ours, "SUPPLYGATE" */
    const char *sender_qual;    /* "ZZ" */
};

/* The canonical <order>; caller frees. */
char *sg_repl_canonical(const struct sg_repl_order *o);

/*
 * An X12 004010 850 in its own ISA/GS/ST envelope (element '*',
 * component '>', segments '~' and a line break).  ISA13 and GS06 are
 * the control number.  Caller frees.
 */
char *sg_repl_x12_850(const struct sg_repl_order *o);

/* An EDIFACT D96A ORDERS in a UNA/UNB envelope; caller frees. */
char *sg_repl_edifact_orders(const struct sg_repl_order *o);

#endif /* SG_REPLENISH_H */
