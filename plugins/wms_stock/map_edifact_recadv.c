/*
 * map_edifact_recadv.c - one EDIFACT RECADV receiving advice (D01B,
 * EANCOM style) into a canonical <receipt> (schemas/receipt.xsd).
 *
 * What a receipt needs:
 *   BGM   1004: the receipt number
 *   DTM   50 (goods receipt date), else 137 (document date); format 102,
 *         203 or 204, the day only
 *   RFF   before the first NAD: ON (order number) and AAK (despatch
 *         advice, our ship notice); after LIN: ON or VN for the order
 *         when the header named none, BT (batch) for the line's lot
 *   NAD   DP (delivery party), else WH: the warehouse; SU: the supplier
 *   LIN   one line: 1082 its number; C212 7140, else PIA of type IN, SA
 *         or BP: the item
 *   QTY   48 received, 194 received and accepted, 195 and 196 received
 *         and not accepted; with 48 alone everything was accepted
 *   DTM   36 after LIN: the lot's expiry
 *   GIN   BX, PIA of type NB: the lot when no RFF+BT came
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wms_stock.h"

struct rcv_line {
    char *number, *item, *lot, *expiry, *unit;
    char *received, *accepted, *rejected;
    const struct sg_edi_segment *seg;
};

struct rcv {
    char *number, *date, *warehouse, *order, *asn;
    char *supplier, *supplier_qual;
    int in_header;              /* no NAD or LIN yet */
    struct rcv_line *lines;
    size_t n_lines;
    int errors;
};

static void
rcv_free(struct rcv *r)
{
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        struct rcv_line *l = &r->lines[i];

        free(l->number);
        free(l->item);
        free(l->lot);
        free(l->expiry);
        free(l->unit);
        free(l->received);
        free(l->accepted);
        free(l->rejected);
    }
    free(r->lines);
    free(r->number);
    free(r->date);
    free(r->warehouse);
    free(r->order);
    free(r->asn);
    free(r->supplier);
    free(r->supplier_qual);
}

static struct rcv_line *
rcv_line(struct rcv *r)
{
    return r->n_lines > 0 ? &r->lines[r->n_lines - 1] : NULL;
}

/* A decimal with either mark, checked; NULL (reported) when bad. */
static char *
rcv_qty(struct ws_run *run, struct rcv *r, const struct sg_edi_segment *seg)
{
    char *v = NULL, *p;

    ws_set(&v, sg_edi_value(seg, 1, 2));
    for (p = v; p != NULL && *p != '\0'; p++) {
        if (*p == ',') {
            *p = '.';
        }
    }
    if (!ws_quantity_ok(v)) {
        ws_diag(run, "wms_stock.bad_quantity", seg, NULL, 1, 2, "QTY+%s "
                "\"%s\" is not a quantity (a decimal, 0 or more)",
                sg_edi_value(seg, 1, 1), v != NULL ? v : "");
        r->errors++;
        free(v);
        return NULL;
    }
    return v;
}

static void
rcv_qty_seg(struct ws_run *run, struct rcv *r,
            const struct sg_edi_segment *seg)
{
    struct rcv_line *l = rcv_line(r);
    const char *q = sg_edi_value(seg, 1, 1);
    char **slot = NULL, *v;

    if (l == NULL) {
        return;
    }
    if (strcmp(q, "48") == 0) {
        slot = &l->received;
        ws_set(&l->unit, sg_edi_value(seg, 1, 3));
    } else if (strcmp(q, "194") == 0) {
        slot = &l->accepted;
    } else if (strcmp(q, "195") == 0 || strcmp(q, "196") == 0) {
        slot = &l->rejected;
    }
    if (slot == NULL || (v = rcv_qty(run, r, seg)) == NULL) {
        return;
    }
    free(*slot);
    *slot = v;
}

static void
rcv_dtm(struct ws_run *run, struct rcv *r, const struct sg_edi_segment *seg)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct rcv_line *l = rcv_line(r);
    char day[11], date[9];

    snprintf(date, sizeof(date), "%.8s", v);
    if (strcmp(q, "36") != 0 && strcmp(q, "50") != 0 &&
        strcmp(q, "137") != 0) {
        return;
    }
    if (ws_date(date, 0, day) != 0) {
        ws_diag(run, "wms_stock.bad_date", seg, NULL, 1, 2, "DTM+%s \"%s\" "
                "is not a date CCYYMMDD", q, v);
        r->errors++;
        return;
    }
    if (strcmp(q, "36") == 0 && l != NULL) {
        ws_set(&l->expiry, day);
    } else if (strcmp(q, "50") == 0 && r->in_header) {
        ws_set(&r->date, day);
    } else if (strcmp(q, "137") == 0 && r->date == NULL) {
        ws_set(&r->date, day);
    }
}

static void
rcv_rff(struct rcv *r, const struct sg_edi_segment *seg)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct rcv_line *l = rcv_line(r);

    if (r->in_header && strcmp(q, "ON") == 0) {
        ws_set(&r->order, v);
    } else if (r->in_header && strcmp(q, "AAK") == 0) {
        ws_set(&r->asn, v);
    } else if (l != NULL && strcmp(q, "BT") == 0) {
        ws_set(&l->lot, v);
    } else if (l != NULL && r->order == NULL &&
               (strcmp(q, "ON") == 0 || strcmp(q, "VN") == 0)) {
        ws_set(&r->order, v);
    }
}

static void
rcv_nad(struct rcv *r, const struct sg_edi_segment *seg)
{
    const char *q = sg_edi_value(seg, 1, 1);

    r->in_header = 0;
    if (strcmp(q, "DP") == 0 ||
        (strcmp(q, "WH") == 0 && r->warehouse == NULL)) {
        ws_set(&r->warehouse, sg_edi_value(seg, 2, 1));
    } else if (strcmp(q, "SU") == 0) {
        ws_set(&r->supplier, sg_edi_value(seg, 2, 1));
        ws_set(&r->supplier_qual, sg_edi_value(seg, 2, 3));
    }
}

static void
rcv_lin(struct rcv *r, const struct sg_edi_segment *seg)
{
    struct rcv_line *l;

    r->in_header = 0;
    r->lines = sg_xrealloc(r->lines, (r->n_lines + 1) * sizeof(*r->lines));
    l = &r->lines[r->n_lines++];
    memset(l, 0, sizeof(*l));
    l->seg = seg;
    ws_set(&l->number, sg_edi_value(seg, 1, 1));
    if (l->number == NULL) {
        l->number = sg_xasprintf("%zu", r->n_lines);
    }
    ws_set(&l->item, sg_edi_value(seg, 3, 1));
}

static void
rcv_pia_gin(const struct sg_edi_segment *seg, struct rcv_line *l)
{
    int e;

    if (l == NULL) {
        return;
    }
    if (strcmp(seg->tag, "GIN") == 0) {
        if (strcmp(sg_edi_value(seg, 1, 1), "BX") == 0 && l->lot == NULL) {
            ws_set(&l->lot, sg_edi_value(seg, 2, 1));
        }
        return;
    }
    for (e = 2; e <= seg->n_elements; e++) {
        const char *id = sg_edi_value(seg, e, 1);
        const char *type = sg_edi_value(seg, e, 2);

        if (strcmp(type, "NB") == 0 && l->lot == NULL) {
            ws_set(&l->lot, id);
        } else if ((strcmp(type, "IN") == 0 || strcmp(type, "SA") == 0 ||
                    strcmp(type, "BP") == 0) && l->item == NULL) {
            ws_set(&l->item, id);
        }
    }
}

/* Each line needs an item, a lot and a received quantity. */
static void
rcv_check_lines(struct ws_run *run, struct rcv *r)
{
    size_t i;

    for (i = 0; i < r->n_lines; i++) {
        struct rcv_line *l = &r->lines[i];
        const char *what = l->item == NULL ? "an item (LIN or PIA)"
                           : l->lot == NULL ? "a lot (RFF+BT, GIN+BX or "
                                              "PIA NB)"
                           : l->received == NULL ? "a QTY+48 (received)"
                           : NULL;

        if (what != NULL) {
            ws_diag(run, l->item == NULL ? "wms_stock.missing_item"
                    : l->lot == NULL ? "wms_stock.missing_lot"
                    : "wms_stock.missing_quantity", l->seg, NULL, 0, 0,
                    "the LIN group has no %s", what);
            r->errors++;
        } else if (l->accepted == NULL) {
            /* Only QTY+48: what was not refused was accepted. */
            l->accepted = sg_xstrdup(l->rejected == NULL ? l->received
                                                         : "0");
        }
    }
}

static void
rcv_xml_elem(struct sg_buf *b, const char *indent, const char *name,
             const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_addf(b, "%s<%s>", indent, name);
    sg_buf_add_xml(b, value);
    sg_buf_addf(b, "</%s>\n", name);
}

static void
rcv_xml(const struct rcv *r, const struct ws_stock *env, struct sg_buf *b)
{
    size_t i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<receipt xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source format=\"edifact\" messageType=\"RECADV\"");
    if (env->sender != NULL) {
        sg_buf_adds(b, " sender=\"");
        sg_buf_add_xml(b, env->sender);
        sg_buf_adds(b, "\"");
    }
    if (env->interchange != NULL) {
        sg_buf_adds(b, " interchange=\"");
        sg_buf_add_xml(b, env->interchange);
        sg_buf_adds(b, "\"");
    }
    sg_buf_adds(b, "/>\n");
    rcv_xml_elem(b, "  ", "receiptNumber", r->number);
    rcv_xml_elem(b, "  ", "receiptDate", r->date);
    rcv_xml_elem(b, "  ", "warehouse", r->warehouse);
    rcv_xml_elem(b, "  ", "orderRef", r->order);
    rcv_xml_elem(b, "  ", "shipNoticeRef", r->asn);
    sg_buf_adds(b, "  <supplier id=\"");
    sg_buf_add_xml(b, r->supplier);
    sg_buf_adds(b, "\"");
    if (r->supplier_qual != NULL) {
        sg_buf_adds(b, " qualifier=\"");
        sg_buf_add_xml(b, r->supplier_qual);
        sg_buf_adds(b, "\"");
    }
    sg_buf_adds(b, "/>\n  <lines>\n");
    for (i = 0; i < r->n_lines; i++) {
        const struct rcv_line *l = &r->lines[i];

        sg_buf_adds(b, "    <line number=\"");
        sg_buf_add_xml(b, l->number);
        sg_buf_adds(b, "\">\n");
        rcv_xml_elem(b, "      ", "item", l->item);
        rcv_xml_elem(b, "      ", "lot", l->lot);
        rcv_xml_elem(b, "      ", "expiry", l->expiry);
        sg_buf_adds(b, "      <received");
        if (l->unit != NULL) {
            sg_buf_adds(b, " unit=\"");
            sg_buf_add_xml(b, l->unit);
            sg_buf_adds(b, "\"");
        }
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, l->received);
        sg_buf_adds(b, "</received>\n");
        rcv_xml_elem(b, "      ", "accepted", l->accepted);
        rcv_xml_elem(b, "      ", "rejected", l->rejected);
        sg_buf_adds(b, "    </line>\n");
    }
    sg_buf_adds(b, "  </lines>\n</receipt>\n");
}

int
ws_map_edifact_recadv(struct ws_run *run,
                      const struct sg_edi_transaction *tx,
                      const struct ws_stock *env)
{
    const struct sg_edi_segment *head = &tx->segments[0];
    struct sg_buf b;
    struct rcv r;
    size_t i;
    int rc = 0;

    memset(&r, 0, sizeof(r));
    r.in_header = 1;
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        if (strcmp(seg->tag, "BGM") == 0) {
            ws_set(&r.number, sg_edi_value(seg, 2, 1));
        } else if (strcmp(seg->tag, "DTM") == 0) {
            rcv_dtm(run, &r, seg);
        } else if (strcmp(seg->tag, "RFF") == 0) {
            rcv_rff(&r, seg);
        } else if (strcmp(seg->tag, "NAD") == 0) {
            rcv_nad(&r, seg);
        } else if (strcmp(seg->tag, "LIN") == 0) {
            rcv_lin(&r, seg);
        } else if (strcmp(seg->tag, "PIA") == 0 ||
                   strcmp(seg->tag, "GIN") == 0) {
            rcv_pia_gin(seg, rcv_line(&r));
        } else if (strcmp(seg->tag, "QTY") == 0) {
            rcv_qty_seg(run, &r, seg);
        }
    }
    rcv_check_lines(run, &r);
    if (r.number == NULL || r.date == NULL || r.warehouse == NULL ||
        r.supplier == NULL || r.n_lines == 0) {
        ws_diag(run, "wms_stock.incomplete_receipt", head, NULL, 0, 0,
                "the RECADV lacks %s",
                r.number == NULL ? "a BGM number"
                : r.date == NULL ? "a DTM+50 or DTM+137 date"
                : r.warehouse == NULL ? "a NAD+DP or NAD+WH warehouse"
                : r.supplier == NULL ? "a NAD+SU supplier" : "any LIN");
        r.errors++;
    }
    if (r.errors == 0) {
        sg_buf_init(&b);
        rcv_xml(&r, env, &b);
        rc = ws_emit_xml(run, "receipt", r.number, env->sender, b.data,
                         b.len);
        sg_buf_free(&b);
    }
    rcv_free(&r);
    return rc;
}
