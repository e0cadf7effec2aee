/*
 * response.c - the order response model and its canonical writer.
 *
 * The X12 855 and EDIFACT ORDRSP mappers fill a struct sedi_response;
 * this file frees it, writes it as a canonical <order_response>
 * (schemas/order_response.xsd) and hands it to the sink.  The core
 * validates it and the procurement rules (core/rules_response.c) record
 * the answer on the order.
 */
#include <stdlib.h>
#include <string.h>

#include "response.h"

void
sedi_response_init(struct sedi_response *r, const char *format)
{
    memset(r, 0, sizeof(*r));
    sedi_order_init(&r->order, format);
}

void
sedi_response_free(struct sedi_response *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    for (i = 0; i < r->order.n_lines; i++) {
        free(r->answers[i].status_code);
        free(r->answers[i].confirmed_unit);
        free(r->answers[i].promised);
    }
    free(r->answers);
    sedi_order_free(&r->order);
    free(r->number);
    free(r->date);
    free(r->status_code);
    free(r->promised);
}

struct sedi_line *
sedi_response_add_line(struct sedi_response *r, struct sedi_answer **answer)
{
    struct sedi_line *l = sedi_order_add_line(&r->order);
    size_t n = r->order.n_lines;

    /* The answers grow with the order's lines, one for one. */
    if (n > r->answers_cap) {
        r->answers_cap = r->answers_cap ? r->answers_cap * 2 : 16;
        r->answers = sg_xrealloc(r->answers,
                                 r->answers_cap * sizeof(*r->answers));
    }
    memset(&r->answers[n - 1], 0, sizeof(r->answers[n - 1]));
    *answer = &r->answers[n - 1];
    return l;
}

void
sedi_set_later(char **field, const char *iso)
{
    /* ISO dates compare as strings. */
    if (*field == NULL || strcmp(iso, *field) > 0) {
        sedi_set(field, iso);
    }
}

/* --- the writer ------------------------------------------------------ */

static void
sedi_xml_quantity(struct sg_buf *b, const char *name, long long v,
                  const char *unit)
{
    char num[48];

    sedi_decimal_format(v, num, sizeof(num));
    sg_buf_adds(b, "      <");
    sg_buf_adds(b, name);
    sedi_xml_attr(b, "unit", unit);
    sg_buf_adds(b, ">");
    sg_buf_adds(b, num);
    sg_buf_adds(b, "</");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">\n");
}

static void
sedi_response_line_xml(struct sg_buf *b, const struct sedi_line *l,
                       const struct sedi_answer *a, const char *status)
{
    char num[48];

    sg_buf_adds(b, "    <line");
    sedi_xml_attr(b, "number", l->number);
    sg_buf_adds(b, ">\n");
    sedi_xml_elem(b, "      ", "status", a->status ? a->status : status);
    sedi_xml_elem(b, "      ", "statusCode", a->status_code);
    sedi_xml_elem(b, "      ", "item", l->item);
    sedi_xml_elem(b, "      ", "supplierItem", l->supplier_item);
    sedi_xml_elem(b, "      ", "gtin", l->gtin);
    sedi_xml_elem(b, "      ", "description", l->description);
    if (l->has_quantity) {
        sedi_xml_quantity(b, "orderedQuantity", l->quantity, l->unit);
    }
    if (a->has_confirmed) {
        sedi_xml_quantity(b, "quantity", a->confirmed,
                          a->confirmed_unit ? a->confirmed_unit : l->unit);
    }
    if (l->has_price) {
        sedi_decimal_format(l->unit_price, num, sizeof(num));
        sedi_xml_elem(b, "      ", "unitPrice", num);
    }
    sedi_xml_elem(b, "      ", "promisedDelivery", a->promised);
    sg_buf_adds(b, "    </line>\n");
}

static void
sedi_response_xml(const struct sedi_response *r, struct sg_buf *b)
{
    const struct sedi_order *o = &r->order;
    const char *line_status = SEDI_ACCEPTED;
    size_t i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<order_response xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source");
    sedi_xml_attr(b, "format", o->format);
    sedi_xml_attr(b, "sender", o->sender);
    sedi_xml_attr(b, "receiver", o->receiver);
    sedi_xml_attr(b, "interchange", o->interchange);
    sedi_xml_attr(b, "group", o->group);
    sedi_xml_attr(b, "message", o->message);
    sedi_xml_attr(b, "messageType", o->message_type);
    sedi_xml_attr(b, "version", o->version);
    sg_buf_adds(b, "/>\n");

    sedi_xml_elem(b, "  ", "orderNumber", o->number);
    sedi_xml_elem(b, "  ", "responseNumber", r->number);
    sedi_xml_elem(b, "  ", "responseDate", r->date);
    sedi_xml_elem(b, "  ", "orderDate", o->date);
    sedi_xml_elem(b, "  ", "purpose", o->purpose);
    sedi_xml_elem(b, "  ", "status", r->status);
    sedi_xml_elem(b, "  ", "statusCode", r->status_code);
    sedi_xml_elem(b, "  ", "currency", o->currency);
    sedi_xml_party(b, "supplier", &o->supplier);
    sedi_xml_party(b, "buyer", &o->buyer);
    sedi_xml_party(b, "shipTo", &o->ship_to);
    sedi_xml_elem(b, "  ", "promisedDelivery", r->promised);
    for (i = 0; i < o->n_refs; i++) {
        sg_buf_adds(b, "  <reference");
        sedi_xml_attr(b, "qualifier", o->refs[i].qualifier);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, o->refs[i].value);
        sg_buf_adds(b, "</reference>\n");
    }
    /* A line the supplier did not comment on was taken as ordered,
     * unless the whole order was rejected or is pending. */
    if (strcmp(r->status, SEDI_REJECTED) == 0 ||
        strcmp(r->status, SEDI_PENDING) == 0) {
        line_status = r->status;
    }
    if (o->n_lines > 0) {
        sg_buf_adds(b, "  <lines>\n");
        for (i = 0; i < o->n_lines; i++) {
            sedi_response_line_xml(b, &o->lines[i], &r->answers[i],
                                   line_status);
        }
        sg_buf_adds(b, "  </lines>\n");
    }
    sg_buf_adds(b, "</order_response>\n");
}

int
sedi_response_emit(struct sedi_run *run, struct sedi_response *r)
{
    struct sg_buf b;
    int rc;

    sg_buf_init(&b);
    sedi_response_xml(r, &b);
    rc = sedi_emit_typed(run, "order_response", r->order.number,
                         r->order.sender, b.data, b.len);
    sg_buf_free(&b);
    return rc;
}

/* --- from the reader ---------------------------------------------------- */

int
sedi_response_set(const struct sg_edi_transaction *tx)
{
    return strcmp(tx->env.set_type, tx->env.syntax == SG_EDI_X12
                                    ? "855" : "ORDRSP") == 0;
}

int
sedi_response_tx(struct sedi_run *run, const struct sg_edi_transaction *tx)
{
    struct sedi_response r;
    int rc;

    if (tx->env.syntax == SG_EDI_X12) {
        sedi_response_init(&r, "x12");
        rc = sedi_map_x12_855(run, tx, &r);
    } else {
        sedi_response_init(&r, "edifact");
        rc = sedi_map_edifact_ordrsp(run, tx, &r);
    }
    if (rc == 0) {
        sedi_response_emit(run, &r);
    }
    sedi_response_free(&r);
    return run->stop ? -1 : 0;
}
