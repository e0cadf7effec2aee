/*
 * invoice.h - the supplier invoice inside the supplier_edi plugin: the
 * model the X12 810 and EDIFACT INVOIC mappers fill in, and the path
 * from one transaction set to a canonical <invoice> document
 * (schemas/invoice.xsd).
 *
 * The invoice reuses the order model of supplier_edi.h for what both
 * documents have (envelope, number, date, parties, references, lines
 * with item, quantity and unit price) and adds what only an invoice
 * says.  Private to the plugin, prefix sedi_.
 */
#ifndef SEDI_INVOICE_H
#define SEDI_INVOICE_H

#include "supplier_edi.h"

/* What an invoice line adds to struct sedi_line (same index). */
struct sedi_invoice_line {
    char *order_number;         /* the order this line bills, if named */
    long long amount;           /* stated line amount, SEDI_SCALE */
    int has_amount;
};

/*
 * A canonical invoice being built.  head.number is the invoice number,
 * head.date its date, head.purpose its type word ("invoice",
 * "credit_note" ...); head.lines[i] and lines[i] describe one line.
 */
struct sedi_invoice {
    struct sedi_order head;
    char *order_number;
    char *ship_notice;
    char *due_date;             /* YYYY-MM-DD */
    long long charges, allowances, tax, total;  /* SEDI_SCALE */
    int has_charges, has_allowances, has_tax, has_total;
    struct sedi_invoice_line *lines;
    size_t lines_cap;
};

void sedi_invoice_init(struct sedi_invoice *inv, const char *format);
void sedi_invoice_free(struct sedi_invoice *inv);

/* A new zeroed line in both arrays; the pointers stay valid until the
 * next call.  *extra receives the invoice part. */
struct sedi_line *sedi_invoice_add_line(struct sedi_invoice *inv,
                                        struct sedi_invoice_line **extra);

/* Is this set an invoice (X12 810, EDIFACT INVOIC)? */
int sedi_is_invoice(const struct sg_edi_transaction *tx);

/*
 * One invoice set from the reader: checked against its segment map when
 * its version has one, mapped, and handed to the sink as an "invoice"
 * document.  Problems go to the sink as diags.  Returns 0, or -1 when
 * decoding must stop.
 */
int sedi_invoice_tx(struct sedi_run *run,
                    const struct sg_edi_transaction *tx);

/* map_x12_810.c: one 810; 0, or -1 when it carries errors (already
 * reported). */
int sedi_map_x12_810(struct sedi_run *run,
                     const struct sg_edi_transaction *tx,
                     struct sedi_invoice *inv);

/* map_edifact_invoic.c: the same for one INVOIC message. */
int sedi_map_edifact_invoic(struct sedi_run *run,
                            const struct sg_edi_transaction *tx,
                            struct sedi_invoice *inv);

#endif /* SEDI_INVOICE_H */
