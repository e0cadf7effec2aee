/*
 * map_x12_846.c - one X12 846 inventory advice (004010 style) into the
 * stock model of wms_stock.h.
 *
 * The reader (core/edi_x12.c) has checked the envelopes and cut the set
 * into segments.  What a snapshot needs:
 *   BIA   03 report reference (the snapshotId), 04 date, 05 time
 *   N1    the warehouse: N101 "WH", N104 id (N102 name when no id)
 *   LIN   one line: item from the first BP, IN, SK, VP pair (else the
 *         first pair), lot from an LT pair
 *   REF   REF01 "LT" in a LIN loop: the lot, when LIN gave none
 *   DTM   DTM01 "036" (expiration) in a LIN loop: the lot's expiry
 *   QTY   QTY01 "17" (on hand), else "33" (available): quantity, unit
 * Every other segment is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wms_stock.h"

struct x846_state {
    struct ws_line *line;
    const struct sg_edi_segment *line_seg;   /* the LIN of that line */
    int qty_rank;               /* 2: set from QTY 17, 1: from 33 */
    int errors;
};

static const char *const x846_item_quals[] = {"BP", "IN", "SK", "VP",
                                              NULL};

static int
x846_is_item_qual(const char *q)
{
    int i;

    for (i = 0; x846_item_quals[i] != NULL; i++) {
        if (strcmp(q, x846_item_quals[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static void
x846_bia(struct ws_run *run, const struct sg_edi_segment *seg,
         struct ws_stock *s, struct x846_state *st)
{
    const char *time = sg_edi_value(seg, 5, 1);
    char day[11];
    int hh = 0, mm = 0, ss = 0;

    ws_set(&s->id, sg_edi_value(seg, 3, 1));
    if (ws_date(sg_edi_value(seg, 4, 1), 0, day) != 0) {
        ws_diag(run, "wms_stock.bad_date", seg, NULL, 4, 0, "BIA04 \"%s\" "
                "is not a date CCYYMMDD", sg_edi_value(seg, 4, 1));
        st->errors++;
        return;
    }
    if (time[0] != '\0' &&
        (strlen(time) < 4 || sscanf(time, "%2d%2d%2d", &hh, &mm, &ss) < 2 ||
         hh > 23 || mm > 59 || ss > 59)) {
        ws_diag(run, "wms_stock.bad_time", seg, NULL, 5, 0, "BIA05 \"%s\" "
                "is not a time HHMM[SS]", time);
        st->errors++;
        return;
    }
    free(s->time);
    s->time = sg_xasprintf("%sT%02d:%02d:%02dZ", day, hh, mm, ss);
}

static void
x846_lin(struct ws_stock *s, const struct sg_edi_segment *seg,
         struct x846_state *st)
{
    struct ws_line *l = ws_stock_add_line(s);
    int e;

    st->line = l;
    st->line_seg = seg;
    st->qty_rank = 0;
    for (e = 2; e + 1 <= seg->n_elements; e += 2) {
        const char *q = sg_edi_value(seg, e, 1);
        const char *v = sg_edi_value(seg, e + 1, 1);

        if (v[0] == '\0') {
            continue;
        }
        if (strcmp(q, "LT") == 0) {
            ws_set(&l->lot, v);
        } else if (x846_is_item_qual(q) && l->item == NULL) {
            ws_set(&l->item, v);
        }
    }
    /* No preferred qualifier: the first product id names the item. */
    if (l->item == NULL && strcmp(sg_edi_value(seg, 2, 1), "LT") != 0) {
        ws_set(&l->item, sg_edi_value(seg, 3, 1));
    }
}

static void
x846_qty(struct ws_run *run, const struct sg_edi_segment *seg,
         struct x846_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 2, 1);
    int rank = strcmp(q, "17") == 0 ? 2 : strcmp(q, "33") == 0 ? 1 : 0;

    if (st->line == NULL || rank <= st->qty_rank) {
        return;
    }
    if (!ws_quantity_ok(v)) {
        ws_diag(run, "wms_stock.bad_quantity", seg, NULL, 2, 0, "QTY02 "
                "\"%s\" is not a quantity (a decimal, 0 or more)", v);
        st->errors++;
        return;
    }
    st->qty_rank = rank;
    ws_set(&st->line->quantity, v);
    ws_set(&st->line->unit, sg_edi_value(seg, 3, 1));
}

static void
x846_dtm(struct ws_run *run, const struct sg_edi_segment *seg,
         struct x846_state *st)
{
    char day[11];

    if (st->line == NULL || strcmp(sg_edi_value(seg, 1, 1), "036") != 0) {
        return;
    }
    if (ws_date(sg_edi_value(seg, 2, 1), 0, day) != 0) {
        ws_diag(run, "wms_stock.bad_date", seg, NULL, 2, 0, "DTM02 \"%s\" "
                "is not an expiry date CCYYMMDD", sg_edi_value(seg, 2, 1));
        st->errors++;
        return;
    }
    ws_set(&st->line->expiry, day);
}

/* Each line needs an item and a quantity; checked once its loop ends. */
static void
x846_close_line(struct ws_run *run, struct x846_state *st)
{
    if (st->line == NULL) {
        return;
    }
    if (st->line->item == NULL) {
        ws_diag(run, "wms_stock.missing_item", st->line_seg, NULL, 3, 0,
                "the LIN names no product");
        st->errors++;
    }
    if (st->line->quantity == NULL) {
        ws_diag(run, "wms_stock.missing_quantity", st->line_seg, NULL, 0,
                0, "the LIN loop has no QTY 17 (on hand) or 33 "
                "(available)");
        st->errors++;
    }
    st->line = NULL;
}

int
ws_map_x12_846(struct ws_run *run, const struct sg_edi_transaction *tx,
               struct ws_stock *s)
{
    const struct sg_edi_segment *head = &tx->segments[0], *bia = NULL;
    struct x846_state st;
    size_t i;

    memset(&st, 0, sizeof(st));
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        if (strcmp(seg->tag, "BIA") == 0) {
            bia = seg;
            x846_bia(run, seg, s, &st);
        } else if (strcmp(seg->tag, "N1") == 0 &&
                   strcmp(sg_edi_value(seg, 1, 1), "WH") == 0) {
            ws_set(&s->warehouse, sg_edi_value(seg, 4, 1));
            if (s->warehouse == NULL) {
                ws_set(&s->warehouse, sg_edi_value(seg, 2, 1));
            }
        } else if (strcmp(seg->tag, "LIN") == 0) {
            x846_close_line(run, &st);
            x846_lin(s, seg, &st);
        } else if (strcmp(seg->tag, "REF") == 0 && st.line != NULL &&
                   strcmp(sg_edi_value(seg, 1, 1), "LT") == 0 &&
                   st.line->lot == NULL) {
            ws_set(&st.line->lot, sg_edi_value(seg, 2, 1));
        } else if (strcmp(seg->tag, "QTY") == 0) {
            x846_qty(run, seg, &st);
        } else if (strcmp(seg->tag, "DTM") == 0) {
            x846_dtm(run, seg, &st);
        } else if (strcmp(seg->tag, "CTT") == 0) {
            x846_close_line(run, &st);
        }
    }
    x846_close_line(run, &st);

    if (bia == NULL) {
        ws_diag(run, "wms_stock.missing_bia", head, "BIA", 0, 0, "the 846 "
                "has no BIA (report reference and date)");
        return -1;
    }
    if (s->id == NULL) {
        ws_diag(run, "wms_stock.missing_reference", bia, NULL, 3, 0,
                "BIA03, the report's reference, is empty");
        st.errors++;
    }
    if (s->warehouse == NULL) {
        ws_diag(run, "wms_stock.missing_warehouse", head, "N1", 0, 0,
                "no N1*WH names the warehouse");
        st.errors++;
    }
    if (s->n_lines == 0) {
        ws_diag(run, "wms_stock.no_lines", head, "LIN", 0, 0, "the 846 "
                "has no LIN");
        st.errors++;
    }
    return st.errors == 0 && s->time != NULL ? 0 : -1;
}
