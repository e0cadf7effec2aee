/*
 * invoice.c - from one X12 810 or EDIFACT INVOIC set to a canonical
 * <invoice> document (schemas/invoice.xsd).
 *
 * supplier_edi.c hands every invoice set here.  The set is checked
 * against the segment map of its version, handed to its mapper
 * (map_x12_810.c, map_edifact_invoic.c), and the invoice written as
 * XML and given to the sink.  Matching it to its order is the core's
 * job (core/rules_invoice.c): nothing here knows the orders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invoice.h"

/* --- the model ------------------------------------------------------ */

void
sedi_invoice_init(struct sedi_invoice *inv, const char *format)
{
    memset(inv, 0, sizeof(*inv));
    sedi_order_init(&inv->head, format);
}

void
sedi_invoice_free(struct sedi_invoice *inv)
{
    size_t i;

    if (inv == NULL) {
        return;
    }
    for (i = 0; i < inv->head.n_lines; i++) {
        free(inv->lines[i].order_number);
    }
    free(inv->lines);
    free(inv->order_number);
    free(inv->ship_notice);
    free(inv->due_date);
    sedi_order_free(&inv->head);
}

struct sedi_line *
sedi_invoice_add_line(struct sedi_invoice *inv,
                      struct sedi_invoice_line **extra)
{
    struct sedi_line *l = sedi_order_add_line(&inv->head);

    if (inv->head.n_lines > inv->lines_cap) {
        inv->lines_cap = inv->lines_cap ? inv->lines_cap * 2 : 8;
        inv->lines = sg_xrealloc(inv->lines,
                                 inv->lines_cap * sizeof(*inv->lines));
    }
    *extra = &inv->lines[inv->head.n_lines - 1];
    memset(*extra, 0, sizeof(**extra));
    return l;
}

int
sedi_is_invoice(const struct sg_edi_transaction *tx)
{
    return strcmp(tx->env.set_type,
                  tx->env.syntax == SG_EDI_X12 ? "810" : "INVOIC") == 0;
}

/* --- the canonical writer ------------------------------------------- */

static void
inv_elem(struct sg_buf *b, const char *indent, const char *name,
         const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_adds(b, indent);
    sg_buf_adds(b, "<");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">");
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "</");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">\n");
}

static void
inv_amount(struct sg_buf *b, const char *indent, const char *name,
           long long v, int present)
{
    char num[48];

    if (present) {
        sedi_decimal_format(v, num, sizeof(num));
        inv_elem(b, indent, name, num);
    }
}

static void
inv_attr(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_adds(b, " ");
    sg_buf_adds(b, name);
    sg_buf_adds(b, "=\"");
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "\"");
}

static void
inv_party(struct sg_buf *b, const char *name, const struct sedi_party *p)
{
    int i;

    if (p->id == NULL) {
        return;
    }
    sg_buf_adds(b, "  <");
    sg_buf_adds(b, name);
    inv_attr(b, "id", p->id);
    inv_attr(b, "qualifier", p->qualifier);
    sg_buf_adds(b, ">\n");
    inv_elem(b, "    ", "name", p->name);
    for (i = 0; i < p->n_address; i++) {
        inv_elem(b, "    ", "address", p->address[i]);
    }
    inv_elem(b, "    ", "city", p->city);
    inv_elem(b, "    ", "postalCode", p->postal_code);
    inv_elem(b, "    ", "country", p->country);
    sg_buf_adds(b, "  </");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">\n");
}

static void
inv_line(struct sg_buf *b, const struct sedi_line *l,
         const struct sedi_invoice_line *x)
{
    char num[48];

    sg_buf_adds(b, "    <line");
    inv_attr(b, "number", l->number);
    sg_buf_adds(b, ">\n");
    inv_elem(b, "      ", "orderNumber", x->order_number);
    inv_elem(b, "      ", "item", l->item);
    inv_elem(b, "      ", "supplierItem", l->supplier_item);
    inv_elem(b, "      ", "gtin", l->gtin);
    inv_elem(b, "      ", "description", l->description);
    sedi_decimal_format(l->quantity, num, sizeof(num));
    sg_buf_adds(b, "      <quantity");
    inv_attr(b, "unit", l->unit);
    sg_buf_adds(b, ">");
    sg_buf_adds(b, num);
    sg_buf_adds(b, "</quantity>\n");
    inv_amount(b, "      ", "unitPrice", l->unit_price, 1);
    inv_amount(b, "      ", "lineAmount", x->amount, x->has_amount);
    sg_buf_adds(b, "    </line>\n");
}

static void
inv_xml(const struct sedi_invoice *inv, struct sg_buf *b)
{
    const struct sedi_order *o = &inv->head;
    size_t i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<invoice xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source");
    inv_attr(b, "format", o->format);
    inv_attr(b, "sender", o->sender);
    inv_attr(b, "receiver", o->receiver);
    inv_attr(b, "interchange", o->interchange);
    inv_attr(b, "group", o->group);
    inv_attr(b, "message", o->message);
    inv_attr(b, "messageType", o->message_type);
    inv_attr(b, "version", o->version);
    sg_buf_adds(b, "/>\n");

    inv_elem(b, "  ", "invoiceNumber", o->number);
    inv_elem(b, "  ", "invoiceDate", o->date);
    inv_elem(b, "  ", "invoiceType", o->purpose);
    inv_elem(b, "  ", "orderNumber", inv->order_number);
    inv_elem(b, "  ", "shipNotice", inv->ship_notice);
    inv_elem(b, "  ", "currency", o->currency);
    inv_party(b, "supplier", &o->supplier);
    inv_party(b, "buyer", &o->buyer);
    inv_party(b, "shipTo", &o->ship_to);
    inv_elem(b, "  ", "dueDate", inv->due_date);
    for (i = 0; i < o->n_refs; i++) {
        sg_buf_adds(b, "  <reference");
        inv_attr(b, "qualifier", o->refs[i].qualifier);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, o->refs[i].value);
        sg_buf_adds(b, "</reference>\n");
    }
    sg_buf_adds(b, "  <lines>\n");
    for (i = 0; i < o->n_lines; i++) {
        inv_line(b, &o->lines[i], &inv->lines[i]);
    }
    sg_buf_adds(b, "  </lines>\n");
    inv_amount(b, "  ", "charges", inv->charges, inv->has_charges);
    inv_amount(b, "  ", "allowances", inv->allowances, inv->has_allowances);
    inv_amount(b, "  ", "taxAmount", inv->tax, inv->has_tax);
    inv_amount(b, "  ", "totalAmount", inv->total, inv->has_total);
    sg_buf_adds(b, "</invoice>\n");
}

/* --- handing over ------------------------------------------------------ */

/* The sink, within max_documents (the same limit orders count against). */
static int
inv_emit(struct sedi_run *run, const struct sedi_invoice *inv)
{
    struct sg_document doc;
    struct sg_diag d;
    struct sg_buf b;
    char text[256];
    int rc = 0;

    if (run->n_documents >= run->max_documents) {
        snprintf(text, sizeof(text), "invoice %s is beyond max_documents "
                 "(%ld) for one message; split the interchange",
                 inv->head.number, run->max_documents);
        memset(&d, 0, sizeof(d));
        d.code = "supplier_edi.too_many_documents";
        d.text = text;
        sedi_report(run, &d);
        run->stop = 1;
        return -1;
    }
    sg_buf_init(&b);
    inv_xml(inv, &b);
    memset(&doc, 0, sizeof(doc));
    doc.type = "invoice";
    doc.key = inv->head.number;
    doc.partner = inv->head.sender;
    doc.xml = b.data;
    doc.xml_len = b.len;
    run->n_documents++;
    if (run->sink->document(run->sink, &doc) != 0) {
        run->stop = 1;
        rc = -1;
    }
    sg_buf_free(&b);
    return rc;
}

static int
inv_on_diag(void *arg, const struct sg_diag *diag)
{
    struct sedi_run *run = arg;

    sedi_report(run, diag);
    return run->stop ? -1 : 0;
}

int
sedi_invoice_tx(struct sedi_run *run, const struct sg_edi_transaction *tx)
{
    const struct sg_edi_map *map;
    struct sedi_invoice inv;
    int rc;

    /* The reader has reported what is wrong: the message is rejected
     * whole, and mapping a broken set would only add noise. */
    if (tx->has_errors) {
        return 0;
    }
    /* XXX: an invoice of a version with no map (X12 003010, 005010,
     * EDIFACT D01B ...) is mapped unchecked, as orders are. */
    map = sg_edi_maps_find(run->ctx->maps, tx);
    if (map != NULL && sg_edi_map_check(map, tx, inv_on_diag, run) != 0) {
        return run->stop ? -1 : 0;
    }

    sedi_invoice_init(&inv, tx->env.syntax == SG_EDI_X12 ? "x12"
                                                         : "edifact");
    if (tx->env.syntax == SG_EDI_X12) {
        rc = sedi_map_x12_810(run, tx, &inv);
    } else {
        rc = sedi_map_edifact_invoic(run, tx, &inv);
    }
    if (rc == 0) {
        inv_emit(run, &inv);
    }
    sedi_invoice_free(&inv);
    return run->stop ? -1 : 0;
}
