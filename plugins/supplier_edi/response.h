/*
 * response.h - the order response model of the supplier_edi plugin: a
 * supplier's answer to one of our purchase orders (X12 855, EDIFACT
 * ORDRSP) as the two mappers fill it in, and its canonical writer
 * (schemas/order_response.xsd).
 *
 * Private to the plugin, prefix sedi_ like the rest of it.
 */
#ifndef SEDI_RESPONSE_H
#define SEDI_RESPONSE_H

#include "supplier_edi.h"

/* What the supplier did with the order or a line (the XSD's words). */
#define SEDI_ACCEPTED   "accepted"
#define SEDI_CHANGED    "changed"
#define SEDI_REJECTED   "rejected"
#define SEDI_PENDING    "pending"

/* What a response line adds to an order line of the order model. */
struct sedi_answer {
    const char *status;         /* one of the words above, or NULL */
    char *status_code;          /* ACK01, LIN 1229, as sent */
    long long confirmed;        /* scaled by SEDI_SCALE */
    int has_confirmed;
    char *confirmed_unit;
    char *promised;             /* YYYY-MM-DD */
};

/*
 * A canonical order response being built.  The order model carries
 * what an answer shares with an order (envelope, order number and date,
 * purpose, currency, parties, references, lines with their items,
 * ordered quantity and price); answers[i] belongs to order.lines[i].
 */
struct sedi_response {
    struct sedi_order order;
    struct sedi_answer *answers;
    size_t answers_cap;

    char *number;               /* the supplier's reference */
    char *date;                 /* of the response, YYYY-MM-DD */
    const char *status;         /* of the whole order */
    char *status_code;
    char *promised;             /* header delivery date, YYYY-MM-DD */
};

void sedi_response_init(struct sedi_response *r, const char *format);
void sedi_response_free(struct sedi_response *r);

/* A new zeroed line (order line and answer); valid until the next
 * call. */
struct sedi_line *sedi_response_add_line(struct sedi_response *r,
                                         struct sedi_answer **answer);

/* Keep the later of two ISO dates in *field. */
void sedi_set_later(char **field, const char *iso);

/* Write the response and hand it to the sink as an "order_response";
 * 0, or -1 when decoding must stop. */
int sedi_response_emit(struct sedi_run *run, struct sedi_response *r);

/* Is this transaction an order response (X12 855, EDIFACT ORDRSP)? */
int sedi_response_set(const struct sg_edi_transaction *tx);

/* Map one checked 855 or ORDRSP and hand it to the sink; 0, or -1 when
 * decoding must stop. */
int sedi_response_tx(struct sedi_run *run,
                     const struct sg_edi_transaction *tx);

/* map_x12_855.c: one 855; 0, or -1 when it carries errors (already
 * reported). */
int sedi_map_x12_855(struct sedi_run *run,
                     const struct sg_edi_transaction *tx,
                     struct sedi_response *r);

/* map_edifact_ordrsp.c: the same for one ORDRSP message. */
int sedi_map_edifact_ordrsp(struct sedi_run *run,
                            const struct sg_edi_transaction *tx,
                            struct sedi_response *r);

#endif /* SEDI_RESPONSE_H */
