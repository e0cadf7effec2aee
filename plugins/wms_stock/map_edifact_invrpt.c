/*
 * map_edifact_invrpt.c - one EDIFACT INVRPT inventory report (D96A and
 * later, EANCOM style) into the stock model of wms_stock.h.
 *
 * What a snapshot needs:
 *   BGM   1004 (element 2, component 1): the report's number
 *   DTM   137 (document date) or 366 (report date), format 102, 203 or
 *         204, before the first LIN: the snapshot time
 *   NAD   NAD+WH: the warehouse, C082 3039 (else the C080 name)
 *   LIN   one line: C212 7140 the item
 *   PIA   a C212 of type NB (batch): the lot; IN, SA or BP: the item
 *         when LIN gave none
 *   GIN   GIN+BX: the lot
 *   DTM   36 (expiry date) after LIN: the lot's expiry
 *   QTY   145 (actual stock), else 1: quantity and unit
 * Decimal commas are read as points (ISO 9735 allows both marks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wms_stock.h"

struct inv_state {
    struct ws_line *line;
    const struct sg_edi_segment *line_seg;
    int qty_rank;
    int errors;
};

/* CCYYMMDD[HHMM[SS]] by format 102, 203, 204 as a dateTime; 0 or -1. */
static int
inv_time(const char *value, const char *format, char **out)
{
    char day[11], date[9];
    int hh = 0, mm = 0, ss = 0;
    size_t n = strlen(value);

    if (n < 8) {
        return -1;
    }
    memcpy(date, value, 8);
    date[8] = '\0';
    if (ws_date(date, 0, day) != 0) {
        return -1;
    }
    if ((strcmp(format, "102") == 0 && n != 8) ||
        (strcmp(format, "203") == 0 && n != 12) ||
        (strcmp(format, "204") == 0 && n != 14)) {
        return -1;
    }
    if (strcmp(format, "102") != 0 && strcmp(format, "203") != 0 &&
        strcmp(format, "204") != 0) {
        return -1;
    }
    if (n > 8 && (sscanf(value + 8, "%2d%2d%2d", &hh, &mm, &ss) < 2 ||
                  hh > 23 || mm > 59 || ss > 59)) {
        return -1;
    }
    free(*out);
    *out = sg_xasprintf("%sT%02d:%02d:%02dZ", day, hh, mm, ss);
    return 0;
}

static void
inv_dtm(struct ws_run *run, const struct sg_edi_segment *seg,
        struct ws_stock *s, struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    const char *f = sg_edi_value(seg, 1, 3);
    char day[11];

    if (st->line == NULL && (strcmp(q, "137") == 0 ||
                             strcmp(q, "366") == 0)) {
        if (inv_time(v, f[0] != '\0' ? f : "102", &s->time) != 0) {
            ws_diag(run, "wms_stock.bad_date", seg, NULL, 1, 2, "DTM+%s "
                    "\"%s\" is not a date in format %s", q, v,
                    f[0] != '\0' ? f : "102");
            st->errors++;
        }
        return;
    }
    if (st->line == NULL || strcmp(q, "36") != 0) {
        return;
    }
    if ((f[0] != '\0' && strcmp(f, "102") != 0) ||
        ws_date(v, 0, day) != 0) {
        ws_diag(run, "wms_stock.bad_date", seg, NULL, 1, 2, "DTM+36 \"%s\" "
                "is not an expiry date CCYYMMDD (format 102)", v);
        st->errors++;
        return;
    }
    ws_set(&st->line->expiry, day);
}

static void
inv_pia(const struct sg_edi_segment *seg, struct inv_state *st)
{
    int e;

    if (st->line == NULL) {
        return;
    }
    for (e = 2; e <= seg->n_elements; e++) {
        const char *id = sg_edi_value(seg, e, 1);
        const char *type = sg_edi_value(seg, e, 2);

        if (strcmp(type, "NB") == 0 && st->line->lot == NULL) {
            ws_set(&st->line->lot, id);
        } else if ((strcmp(type, "IN") == 0 || strcmp(type, "SA") == 0 ||
                    strcmp(type, "BP") == 0) && st->line->item == NULL) {
            ws_set(&st->line->item, id);
        }
    }
}

static void
inv_qty(struct ws_run *run, const struct sg_edi_segment *seg,
        struct inv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    int rank = strcmp(q, "145") == 0 ? 2 : strcmp(q, "1") == 0 ? 1 : 0;
    char *v = NULL, *p;

    if (st->line == NULL || rank <= st->qty_rank) {
        return;
    }
    ws_set(&v, sg_edi_value(seg, 1, 2));
    for (p = v; p != NULL && *p != '\0'; p++) {
        if (*p == ',') {
            *p = '.';
        }
    }
    if (!ws_quantity_ok(v)) {
        ws_diag(run, "wms_stock.bad_quantity", seg, NULL, 1, 2, "QTY+%s "
                "\"%s\" is not a quantity (a decimal, 0 or more)", q,
                v != NULL ? v : "");
        st->errors++;
        free(v);
        return;
    }
    st->qty_rank = rank;
    free(st->line->quantity);
    st->line->quantity = v;
    ws_set(&st->line->unit, sg_edi_value(seg, 1, 3));
}

static void
inv_close_line(struct ws_run *run, struct inv_state *st)
{
    if (st->line == NULL) {
        return;
    }
    if (st->line->item == NULL) {
        ws_diag(run, "wms_stock.missing_item", st->line_seg, NULL, 3, 1,
                "the LIN group names no item (LIN C212 or PIA)");
        st->errors++;
    }
    if (st->line->quantity == NULL) {
        ws_diag(run, "wms_stock.missing_quantity", st->line_seg, NULL, 0,
                0, "the LIN group has no QTY+145 (actual stock)");
        st->errors++;
    }
    st->line = NULL;
}

static void
inv_segment(struct ws_run *run, const struct sg_edi_segment *seg,
            struct ws_stock *s, struct inv_state *st)
{
    if (strcmp(seg->tag, "BGM") == 0) {
        ws_set(&s->id, sg_edi_value(seg, 2, 1));
    } else if (strcmp(seg->tag, "NAD") == 0 &&
               strcmp(sg_edi_value(seg, 1, 1), "WH") == 0) {
        ws_set(&s->warehouse, sg_edi_value(seg, 2, 1));
        if (s->warehouse == NULL) {
            ws_set(&s->warehouse, sg_edi_value(seg, 4, 1));
        }
    } else if (strcmp(seg->tag, "LIN") == 0) {
        inv_close_line(run, st);
        st->line = ws_stock_add_line(s);
        st->line_seg = seg;
        st->qty_rank = 0;
        ws_set(&st->line->item, sg_edi_value(seg, 3, 1));
    } else if (strcmp(seg->tag, "PIA") == 0) {
        inv_pia(seg, st);
    } else if (strcmp(seg->tag, "GIN") == 0 && st->line != NULL &&
               strcmp(sg_edi_value(seg, 1, 1), "BX") == 0 &&
               st->line->lot == NULL) {
        ws_set(&st->line->lot, sg_edi_value(seg, 2, 1));
    } else if (strcmp(seg->tag, "DTM") == 0) {
        inv_dtm(run, seg, s, st);
    } else if (strcmp(seg->tag, "QTY") == 0) {
        inv_qty(run, seg, st);
    } else if (strcmp(seg->tag, "UNS") == 0 ||
               strcmp(seg->tag, "CNT") == 0) {
        inv_close_line(run, st);
    }
}

int
ws_map_edifact_invrpt(struct ws_run *run,
                      const struct sg_edi_transaction *tx,
                      struct ws_stock *s)
{
    const struct sg_edi_segment *head = &tx->segments[0];
    struct inv_state st;
    size_t i;

    memset(&st, 0, sizeof(st));
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        inv_segment(run, &tx->segments[i], s, &st);
    }
    inv_close_line(run, &st);

    if (s->id == NULL) {
        ws_diag(run, "wms_stock.missing_reference", head, "BGM", 2, 1,
                "no BGM document number names the report");
        st.errors++;
    }
    if (s->time == NULL && st.errors == 0) {
        ws_diag(run, "wms_stock.missing_date", head, "DTM", 1, 1,
                "no DTM+137 or DTM+366 dates the report");
        st.errors++;
    }
    if (s->warehouse == NULL) {
        ws_diag(run, "wms_stock.missing_warehouse", head, "NAD", 1, 0,
                "no NAD+WH names the warehouse");
        st.errors++;
    }
    if (s->n_lines == 0) {
        ws_diag(run, "wms_stock.no_lines", head, "LIN", 0, 0, "the INVRPT "
                "has no LIN");
        st.errors++;
    }
    return st.errors == 0 ? 0 : -1;
}
