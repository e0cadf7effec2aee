/*
 * map_edifact_desadv.c - one UN/EDIFACT DESADV despatch advice (D96A
 * and the directories around it, EANCOM included) into the ship notice
 * model of ship_notice.h.
 *
 * The header names the notice (BGM), its dates (DTM+137 the document,
 * DTM+11 the despatch, DTM+17 or +2 the delivery), the order it ships
 * (RFF+ON) and the parties (NAD).  The packing tree (CPS, PAC, PCI)
 * matters only for the package mark: GIN+BJ (an SSCC) outside a line
 * is the package of the lines that follow in its CPS.  Each LIN group
 * is a line: items in LIN and PIA, shipped quantity QTY+12, ordered
 * QTY+21, its own RFF+ON / LI, and its lots: PIA of type NB, GIN+BX,
 * RFF+BT, with DTM+361 (or 36) the expiry and DTM+94 the production
 * date, in the line or in its PCI group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship_notice.h"

struct dsv_state {
    struct sedi_sn_line *line;  /* the current LIN group */
    struct sedi_party *party;   /* the current NAD group, if ours */
    int in_nad;                 /* inside any NAD group */
    int in_pci;                 /* inside a PCI group of the line */
    char *order_ref;            /* header RFF+ON: every line's default */
    char *package;              /* GIN+BJ of the current CPS */
    char *pci_expiry;           /* DTM+361 of the current PCI group */
};

static const struct {
    const char *code, *word;
} dsv_purposes[] = {
    {"9", "original"}, {"1", "cancel"}, {"3", "delete"}, {"4", "change"},
    {"5", "replace"}, {"6", "confirmation"}, {"7", "duplicate"},
    {"31", "copy"}, {NULL, NULL}
};

/*
 * DTM C507: the date part of 2380 in format 2379 (102 CCYYMMDD, 203
 * and 204 with the time dropped, 101 YYMMDD).  Reports and returns -1
 * when it cannot be read.
 */
static int
dsv_date(struct sedi_run *run, const struct sg_edi_segment *seg,
         char **field)
{
    const char *v = sg_edi_value(seg, 1, 2);
    const char *fmt = sg_edi_value(seg, 1, 3);
    size_t want = 0;
    char iso[11];

    if (fmt[0] == '\0' || strcmp(fmt, "102") == 0) {
        want = 8;
    } else if (strcmp(fmt, "203") == 0) {
        want = 12;
    } else if (strcmp(fmt, "204") == 0) {
        want = 14;
    } else if (strcmp(fmt, "101") == 0) {
        want = 6;
    }
    if (want == 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 3,
                  "DTM format %s is not a date format this plugin reads "
                  "(102, 203, 204, 101)", fmt);
        return -1;
    }
    if (strlen(v) != want || sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, 1, 2,
                  "DTM %s \"%s\" is not a date in format %s",
                  sg_edi_value(seg, 1, 1), v, fmt[0] ? fmt : "102");
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

static void
dsv_bgm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_ship_notice *sn)
{
    const char *p = sg_edi_value(seg, 3, 1);
    int i;

    sedi_set(&sn->number, sg_edi_value(seg, 2, 1));
    if (sn->number == NULL || strchr(sn->number, ':') != NULL) {
        sedi_diag(run, "supplier_edi.missing_notice_number", seg, NULL, 2,
                  1, "BGM 1004 (despatch advice number) is empty or "
                  "holds ':'");
    }
    for (i = 0; dsv_purposes[i].code != NULL; i++) {
        if (strcmp(p, dsv_purposes[i].code) == 0) {
            p = dsv_purposes[i].word;
            break;
        }
    }
    sedi_set(&sn->purpose, p);
}

/* A date of the line or of its PCI group. */
static void
dsv_line_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
             struct dsv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    struct sedi_sn_line *l = st->line;

    if (strcmp(q, "361") == 0 || strcmp(q, "36") == 0) {
        dsv_date(run, seg, st->in_pci ? &st->pci_expiry : &l->expiry);
    } else if (strcmp(q, "94") == 0 && !st->in_pci) {
        dsv_date(run, seg, &l->production);
    }
}

static void
dsv_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_ship_notice *sn, struct dsv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);

    if (st->line != NULL) {
        dsv_line_dtm(run, seg, st);
        return;
    }
    if (st->in_nad) {
        return;
    }
    if (strcmp(q, "137") == 0 && sn->date == NULL) {
        dsv_date(run, seg, &sn->date);
    } else if (strcmp(q, "11") == 0 && sn->ship_date == NULL) {
        dsv_date(run, seg, &sn->ship_date);
    } else if ((strcmp(q, "17") == 0 || strcmp(q, "2") == 0 ||
                strcmp(q, "132") == 0) && sn->expected_delivery == NULL) {
        dsv_date(run, seg, &sn->expected_delivery);
    }
}

static void
dsv_rff(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_ship_notice *sn, struct dsv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);

    if (st->line != NULL) {
        if (strcmp(q, "ON") == 0) {
            sedi_set(&st->line->order_ref, v);
        } else if (strcmp(q, "LI") == 0) {
            sedi_set(&st->line->order_line, v);
        } else if (strcmp(q, "BT") == 0) {
            sedi_sn_lot(run, st->line, v, seg, 1, 2);
        }
        return;
    }
    if (st->in_nad) {
        return;
    }
    if (strcmp(q, "ON") == 0 && st->order_ref == NULL) {
        sedi_set(&st->order_ref, v);
    }
    sedi_sn_add_ref(sn, q, v);
}

/* Name, street, city, postcode, country of NAD (elements 3 to 9). */
static void
dsv_nad(const struct sg_edi_segment *seg, struct sedi_ship_notice *sn,
        struct dsv_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    st->in_nad = 1;
    st->party = NULL;
    if (strcmp(role, "SU") == 0 || strcmp(role, "SE") == 0) {
        p = &sn->supplier;
    } else if (strcmp(role, "CZ") == 0 || strcmp(role, "SF") == 0) {
        p = &sn->ship_from;
    } else if (strcmp(role, "BY") == 0) {
        p = &sn->buyer;
    } else if (strcmp(role, "DP") == 0 || strcmp(role, "ST") == 0) {
        p = &sn->ship_to;
    }
    st->party = sedi_edifact_nad_take(seg, p) ? p : NULL;
}

/* One C212 item number (7140) of type 7143 into the line. */
static void
dsv_item_id(struct sedi_run *run, const struct sg_edi_segment *seg,
            int element, struct sedi_sn_line *l)
{
    const char *id = sg_edi_value(seg, element, 1);
    const char *type = sg_edi_value(seg, element, 2);
    size_t n = strlen(id);

    if (id[0] == '\0') {
        return;
    }
    if (strcmp(type, "NB") == 0) {
        sedi_sn_lot(run, l, id, seg, element, 1);
        return;
    }
    sedi_set_first(&l->first_id, id);
    if (strcmp(type, "IN") == 0 || strcmp(type, "BP") == 0) {
        sedi_set_first(&l->item, id);
    } else if (strcmp(type, "SA") == 0) {
        sedi_set_first(&l->supplier_item, id);
    } else if ((strcmp(type, "EN") == 0 || strcmp(type, "SRV") == 0 ||
                strcmp(type, "UP") == 0) &&
               n >= 8 && n <= 14 && strspn(id, "0123456789") == n) {
        sedi_set_first(&l->gtin, id);
    }
}

static void
dsv_lin(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct sedi_ship_notice *sn, struct dsv_state *st)
{
    struct sedi_sn_line *l = sedi_sn_add_line(sn, seg);

    st->line = l;
    st->party = NULL;
    st->in_nad = 0;
    st->in_pci = 0;
    sedi_set(&l->order_ref, st->order_ref);
    sedi_set(&l->package, st->package);
    dsv_item_id(run, seg, 3, l);
}

static void
dsv_pia(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct dsv_state *st)
{
    int e;

    if (st->line == NULL) {
        return;
    }
    for (e = 2; e <= 6; e++) {
        dsv_item_id(run, seg, e, st->line);
    }
}

/* IMD C273 7008: a free-form (F) description beats a coded one. */
static void
dsv_imd(const struct sg_edi_segment *seg, struct dsv_state *st)
{
    const char *a = sg_edi_value(seg, 3, 4), *b = sg_edi_value(seg, 3, 5);
    int free_form = strcmp(sg_edi_value(seg, 1, 1), "F") == 0;
    char *both;

    if (st->line == NULL || a[0] == '\0' ||
        st->line->description_fixed ||
        (!free_form && st->line->description != NULL)) {
        return;
    }
    both = b[0] != '\0' ? sg_xasprintf("%s %s", a, b) : sg_xstrdup(a);
    sedi_set(&st->line->description, both);
    free(both);
    st->line->description_fixed = free_form;
}

/* QTY+12 shipped, QTY+21 ordered; both must be positive. */
static void
dsv_qty(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct dsv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1), *v = sg_edi_value(seg, 1, 2);
    struct sedi_sn_line *l = st->line;
    int shipped = strcmp(q, "12") == 0, ordered = strcmp(q, "21") == 0;
    long long n;

    /* XXX: a QTY of a PCI group (one lot's quantity) is not read; the
     * lot is written without its quantity. */
    if (l == NULL || st->in_pci || (!shipped && !ordered)) {
        return;
    }
    if (sedi_decimal(v, ',', &n) != 0 || n <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, 1, 2,
                  "QTY %s \"%s\" is not a positive quantity", q, v);
        return;
    }
    if (shipped && !l->has_quantity) {
        l->quantity = n;
        l->has_quantity = 1;
        sedi_set(&l->unit, sg_edi_value(seg, 1, 3));
    } else if (ordered && !l->has_ordered) {
        l->ordered = n;
        l->has_ordered = 1;
    }
}

/* GIN: BJ (SSCC) outside a line marks the package, BX in a line lots. */
static void
dsv_gin(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct dsv_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    struct sedi_lot *lot;
    int e;

    if (st->line == NULL) {
        if (strcmp(q, "BJ") == 0 && st->package == NULL) {
            sedi_set(&st->package, sg_edi_value(seg, 2, 1));
        }
        return;
    }
    if (strcmp(q, "BX") != 0) {
        return;
    }
    for (e = 2; e <= seg->n_elements && e <= 6; e++) {
        if (sg_edi_value(seg, e, 1)[0] == '\0') {
            continue;
        }
        lot = sedi_sn_lot(run, st->line, sg_edi_value(seg, e, 1), seg, e,
                          1);
        if (lot != NULL && lot->expiry == NULL && st->pci_expiry != NULL) {
            lot->expiry = sg_xstrdup(st->pci_expiry);
        }
    }
}

static void
dsv_cnt(struct sedi_run *run, const struct sg_edi_segment *seg,
        const struct sedi_ship_notice *sn)
{
    const char *v = sg_edi_value(seg, 1, 2);
    long long n;

    if (strcmp(sg_edi_value(seg, 1, 1), "2") != 0) {
        return;
    }
    if (sedi_decimal(v, ',', &n) != 0 ||
        n != (long long)sn->n_lines * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.cnt_count", seg, NULL, 1, 2,
                  "CNT+2 says %s line items, the message has %zu LIN "
                  "segments", v, sn->n_lines);
    }
}

/* Groups whose end changes what a segment belongs to. */
static void
dsv_groups(const char *t, struct dsv_state *st)
{
    if (st->in_nad && strcmp(t, "NAD") != 0 && strcmp(t, "LOC") != 0 &&
        strcmp(t, "RFF") != 0 && strcmp(t, "DTM") != 0 &&
        strcmp(t, "CTA") != 0 && strcmp(t, "COM") != 0) {
        st->in_nad = 0;
        st->party = NULL;
    }
    if (strcmp(t, "PCI") == 0 && st->line != NULL) {
        st->in_pci = 1;
        free(st->pci_expiry);
        st->pci_expiry = NULL;
    } else if (strcmp(t, "CPS") == 0) {
        st->line = NULL;
        st->in_pci = 0;
        free(st->package);
        st->package = NULL;
    } else if (strcmp(t, "PAC") == 0) {
        st->line = NULL;
        st->in_pci = 0;
    }
}

static void
dsv_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
            struct sedi_ship_notice *sn, struct dsv_state *st)
{
    const char *t = seg->tag;

    dsv_groups(t, st);
    if (strcmp(t, "BGM") == 0 && sn->number == NULL) {
        dsv_bgm(run, seg, sn);
    } else if (strcmp(t, "DTM") == 0) {
        dsv_dtm(run, seg, sn, st);
    } else if (strcmp(t, "RFF") == 0) {
        dsv_rff(run, seg, sn, st);
    } else if (strcmp(t, "NAD") == 0 && st->line == NULL) {
        dsv_nad(seg, sn, st);
    } else if (strcmp(t, "LIN") == 0) {
        dsv_lin(run, seg, sn, st);
    } else if (strcmp(t, "PIA") == 0) {
        dsv_pia(run, seg, st);
    } else if (strcmp(t, "IMD") == 0) {
        dsv_imd(seg, st);
    } else if (strcmp(t, "QTY") == 0) {
        dsv_qty(run, seg, st);
    } else if (strcmp(t, "GIN") == 0) {
        dsv_gin(run, seg, st);
    } else if (strcmp(t, "CNT") == 0) {
        dsv_cnt(run, seg, sn);
    }
}

int
sedi_map_edifact_desadv(struct sedi_run *run,
                        const struct sg_edi_transaction *tx,
                        struct sedi_ship_notice *sn)
{
    struct dsv_state st;
    long errors = run->n_errors;
    const struct sg_edi_segment *bgm = NULL;
    size_t i;

    memset(&st, 0, sizeof(st));
    sedi_sn_envelope(sn, tx);
    if (tx->n_segments < 2) {
        return -1;
    }
    /* Segment 0 is UNH and the last is UNT. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        if (bgm == NULL && strcmp(tx->segments[i].tag, "BGM") == 0) {
            bgm = &tx->segments[i];
        }
        dsv_segment(run, &tx->segments[i], sn, &st);
    }
    if (bgm == NULL) {
        sedi_diag(run, "supplier_edi.missing_bgm", &tx->segments[1], "BGM",
                  0, 0, "the DESADV has no BGM segment (expected right "
                  "after UNH, found %s)", tx->segments[1].tag);
    }
    /* The despatch date stands in for a document date not sent. */
    if (sn->date == NULL && sn->ship_date != NULL) {
        sn->date = sg_xstrdup(sn->ship_date);
    }
    if (sn->date == NULL && bgm != NULL) {
        sedi_diag(run, "supplier_edi.missing_date", bgm, "DTM", 0, 0,
                  "the DESADV has no DTM+137 (document date) nor DTM+11 "
                  "(despatch date)");
    }
    sedi_sn_settle(run, sn, tx, &tx->segments[tx->n_segments - 1],
                   "DESADV");
    free(st.order_ref);
    free(st.package);
    free(st.pci_expiry);
    return run->n_errors == errors ? 0 : -1;
}
