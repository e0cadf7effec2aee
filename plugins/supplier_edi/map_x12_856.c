/*
 * map_x12_856.c - one X12 856 ship notice (004010, 004060 and the
 * releases around them) into the ship notice model of ship_notice.h.
 *
 * An 856 is a tree written flat: each HL names its parent (HL02) and
 * its level (HL03: S shipment, O order, T tare, P pack, I item).  What
 * an order level says (PRF01, the purchase order) and what a pack level
 * says (MAN, the carton or pallet mark) holds for everything below it,
 * so each HL inherits both from its parent.  Every LIN starts a line of
 * the notice; SN1 gives its shipped quantity, and its lots come from
 * LIN/SLN product ID pairs of type LT or a REF LT, their expiry from a
 * DTM 036 of the same HL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship_notice.h"

/* One HL of the tree, kept so that its children can inherit. */
struct hl_node {
    char *id;                   /* HL01 */
    char *order_ref;            /* PRF01 here or above */
    char *package;              /* MAN02 here or above */
};

struct x856_state {
    struct hl_node *nodes;
    size_t n_nodes, cap;
    size_t *slots;              /* open addressing: index + 1, 0 empty */
    size_t n_slots;
    struct hl_node *hl;         /* the current HL, NULL in the heading */
    struct sedi_sn_line *line;  /* the current HL's line */
    struct sedi_party *party;   /* the current N1 loop, if ours */
    long n_hl;
    int bsn_seen;
};

static const struct {
    const char *code, *word;
} x856_purposes[] = {
    {"00", "original"}, {"01", "cancel"}, {"04", "change"},
    {"05", "replace"}, {"06", "confirmation"}, {"07", "duplicate"},
    {NULL, NULL}
};

/* --- the HL ids --------------------------------------------------------- */

static size_t
x856_hash(const char *s)
{
    size_t h = 5381;

    while (*s != '\0') {
        h = h * 33 + (unsigned char)*s++;
    }
    return h;
}

/* The node with this id, or NULL. */
static struct hl_node *
x856_node_find(const struct x856_state *st, const char *id)
{
    size_t i;

    if (st->n_slots == 0) {
        return NULL;
    }
    for (i = x856_hash(id) % st->n_slots; st->slots[i] != 0;
         i = (i + 1) % st->n_slots) {
        if (strcmp(st->nodes[st->slots[i] - 1].id, id) == 0) {
            return &st->nodes[st->slots[i] - 1];
        }
    }
    return NULL;
}

static void
x856_slots_put(size_t *slots, size_t n_slots, const char *id, size_t v)
{
    size_t i;

    i = x856_hash(id) % n_slots;
    while (slots[i] != 0) {
        i = (i + 1) % n_slots;
    }
    slots[i] = v;
}

/* A new node; the table stays at most half full. */
static struct hl_node *
x856_node_add(struct x856_state *st, const char *id)
{
    size_t i;

    if (st->n_nodes == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->nodes = sg_xrealloc(st->nodes, st->cap * sizeof(*st->nodes));
    }
    if ((st->n_nodes + 1) * 2 > st->n_slots) {
        size_t n = st->n_slots ? st->n_slots * 2 : 32;

        free(st->slots);
        st->slots = sg_xcalloc(n, sizeof(*st->slots));
        st->n_slots = n;
        for (i = 0; i < st->n_nodes; i++) {
            x856_slots_put(st->slots, n, st->nodes[i].id, i + 1);
        }
    }
    memset(&st->nodes[st->n_nodes], 0, sizeof(st->nodes[0]));
    st->nodes[st->n_nodes].id = sg_xstrdup(id);
    x856_slots_put(st->slots, st->n_slots, id, st->n_nodes + 1);
    return &st->nodes[st->n_nodes++];
}

static void
x856_state_free(struct x856_state *st)
{
    size_t i;

    for (i = 0; i < st->n_nodes; i++) {
        free(st->nodes[i].id);
        free(st->nodes[i].order_ref);
        free(st->nodes[i].package);
    }
    free(st->nodes);
    free(st->slots);
}

/* --- segments ----------------------------------------------------------- */

/* A date element into *field; reports and returns -1 when it is bad. */
static int
x856_date(struct sedi_run *run, const struct sg_edi_segment *seg,
          int element, char **field)
{
    const char *v = sg_edi_value(seg, element, 1);
    char iso[11];

    if (sedi_date(v, iso) != 0) {
        sedi_diag(run, "supplier_edi.bad_date", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a date (CCYYMMDD)", seg->tag,
                  element, v);
        return -1;
    }
    sedi_set(field, iso);
    return 0;
}

static void
x856_bsn(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_ship_notice *sn)
{
    const char *p = sg_edi_value(seg, 1, 1);
    int i;

    for (i = 0; x856_purposes[i].code != NULL; i++) {
        if (strcmp(p, x856_purposes[i].code) == 0) {
            p = x856_purposes[i].word;
            break;
        }
    }
    sedi_set(&sn->purpose, p);
    sedi_set(&sn->number, sg_edi_value(seg, 2, 1));
    if (sn->number == NULL || strchr(sn->number, ':') != NULL) {
        sedi_diag(run, "supplier_edi.missing_notice_number", seg, NULL, 2,
                  0, "BSN02 (shipment identification) is empty or holds "
                  "':'");
    }
    x856_date(run, seg, 3, &sn->date);
}

/*
 * HL: a new node under its parent.  A parent that was never seen, or
 * an id used twice, breaks the tree: the lines below it would be tied
 * to the wrong order.
 * XXX: HL03 levels are not checked against each other (an item under
 * an item passes); order and package are inherited whatever the levels.
 */
static void
x856_hl(struct sedi_run *run, const struct sg_edi_segment *seg,
        struct x856_state *st)
{
    const char *id = sg_edi_value(seg, 1, 1);
    const char *parent_id = sg_edi_value(seg, 2, 1);
    struct hl_node *parent = NULL, *node;

    st->n_hl++;
    st->line = NULL;
    st->party = NULL;
    if (parent_id[0] != '\0') {
        parent = x856_node_find(st, parent_id);
        if (parent == NULL) {
            sedi_diag(run, "supplier_edi.hl_parent", seg, NULL, 2, 0,
                      "HL02 \"%s\" names no HL before this one",
                      parent_id);
        }
    }
    if (x856_node_find(st, id) != NULL) {
        sedi_diag(run, "supplier_edi.hl_duplicate", seg, NULL, 1, 0,
                  "HL01 \"%s\" is used by an HL before this one", id);
    }
    /* parent points into the array the next add may move. */
    {
        char *order = parent && parent->order_ref ?
                      sg_xstrdup(parent->order_ref) : NULL;
        char *package = parent && parent->package ?
                        sg_xstrdup(parent->package) : NULL;

        node = x856_node_add(st, id);
        node->order_ref = order;
        node->package = package;
    }
    st->hl = node;
}

/* Product ID pairs from element first on, into the line. */
static void
x856_pairs(struct sedi_run *run, const struct sg_edi_segment *seg,
           int first, struct sedi_sn_line *l, long long lot_quantity,
           int has_lot_quantity)
{
    struct sedi_lot *lot;
    int e;

    for (e = first; e + 1 <= seg->n_elements; e += 2) {
        const char *q = sg_edi_value(seg, e, 1);
        const char *v = sg_edi_value(seg, e + 1, 1);
        size_t n = strlen(v);

        if (v[0] == '\0') {
            continue;
        }
        if (strcmp(q, "LT") == 0) {
            lot = sedi_sn_lot(run, l, v, seg, e + 1, 0);
            if (lot != NULL && has_lot_quantity) {
                lot->quantity = lot_quantity;
                lot->has_quantity = 1;
            }
            continue;
        }
        if (strcmp(q, "PO") == 0) {
            sedi_set(&l->order_ref, v);
            continue;
        }
        if (strcmp(q, "PL") == 0) {
            sedi_set(&l->order_line, v);
            continue;
        }
        sedi_set_first(&l->first_id, v);
        if (strcmp(q, "BP") == 0 || strcmp(q, "IN") == 0 ||
            strcmp(q, "CB") == 0 || strcmp(q, "SK") == 0 ||
            strcmp(q, "PI") == 0) {
            sedi_set_first(&l->item, v);
        } else if (strcmp(q, "VP") == 0 || strcmp(q, "VN") == 0 ||
                   strcmp(q, "VA") == 0) {
            sedi_set_first(&l->supplier_item, v);
        } else if ((strcmp(q, "UP") == 0 || strcmp(q, "EN") == 0 ||
                    strcmp(q, "UK") == 0 || strcmp(q, "UA") == 0) &&
                   n >= 8 && n <= 14 && strspn(v, "0123456789") == n) {
            sedi_set_first(&l->gtin, v);
        }
    }
}

static void
x856_lin(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_ship_notice *sn, struct x856_state *st)
{
    struct sedi_sn_line *l = sedi_sn_add_line(sn, seg);

    st->line = l;
    if (st->hl != NULL) {
        sedi_set(&l->order_ref, st->hl->order_ref);
        sedi_set(&l->package, st->hl->package);
    }
    x856_pairs(run, seg, 2, l, 0, 0);
}

/* A positive quantity from element, or -1 reported. */
static int
x856_quantity(struct sedi_run *run, const struct sg_edi_segment *seg,
              int element, long long *out)
{
    const char *v = sg_edi_value(seg, element, 1);

    if (sedi_decimal(v, '\0', out) != 0 || *out <= 0) {
        sedi_diag(run, "supplier_edi.bad_quantity", seg, NULL, element, 0,
                  "%s%02d \"%s\" is not a positive quantity", seg->tag,
                  element, v);
        return -1;
    }
    return 0;
}

static void
x856_sn1(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct x856_state *st)
{
    struct sedi_sn_line *l = st->line;

    if (l == NULL) {
        sedi_diag(run, "supplier_edi.missing_item", seg, "LIN", 0, 0,
                  "SN1 with no LIN before it in its HL: no item to ship");
        return;
    }
    if (x856_quantity(run, seg, 2, &l->quantity) == 0) {
        l->has_quantity = 1;
    }
    sedi_set(&l->unit, sg_edi_value(seg, 3, 1));
    if (sg_edi_value(seg, 5, 1)[0] != '\0' &&
        x856_quantity(run, seg, 5, &l->ordered) == 0) {
        l->has_ordered = 1;
    }
}

/* SLN: a subline; its LT pairs are lots of SLN04 each. */
static void
x856_sln(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct x856_state *st)
{
    long long q = 0;
    int has_q = 0;

    if (st->line == NULL) {
        return;
    }
    if (sg_edi_value(seg, 4, 1)[0] != '\0') {
        has_q = x856_quantity(run, seg, 4, &q) == 0;
    }
    x856_pairs(run, seg, 9, st->line, q, has_q);
}

static void
x856_dtm(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_ship_notice *sn, struct x856_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);

    if (strcmp(q, "011") == 0 && sn->ship_date == NULL) {
        x856_date(run, seg, 2, &sn->ship_date);
    } else if ((strcmp(q, "017") == 0 || strcmp(q, "067") == 0 ||
                strcmp(q, "002") == 0) && sn->expected_delivery == NULL) {
        x856_date(run, seg, 2, &sn->expected_delivery);
    } else if (strcmp(q, "036") == 0 && st->line != NULL) {
        x856_date(run, seg, 2, &st->line->expiry);
    } else if ((strcmp(q, "094") == 0 || strcmp(q, "405") == 0) &&
               st->line != NULL) {
        x856_date(run, seg, 2, &st->line->production);
    }
}

static void
x856_ref(struct sedi_run *run, const struct sg_edi_segment *seg,
         struct sedi_ship_notice *sn, struct x856_state *st)
{
    const char *q = sg_edi_value(seg, 1, 1);
    const char *v = sg_edi_value(seg, 2, 1);

    if (v[0] == '\0') {
        v = sg_edi_value(seg, 3, 1);
    }
    if (st->line != NULL && (strcmp(q, "LT") == 0 ||
                             strcmp(q, "BT") == 0)) {
        sedi_sn_lot(run, st->line, v, seg, 2, 0);
    } else if (st->party == NULL && st->line == NULL) {
        sedi_sn_add_ref(sn, q, v);
    }
}

static void
x856_n1(const struct sg_edi_segment *seg, struct sedi_ship_notice *sn,
        struct x856_state *st)
{
    const char *role = sg_edi_value(seg, 1, 1);
    struct sedi_party *p = NULL;

    if (strcmp(role, "SU") == 0 || strcmp(role, "VN") == 0 ||
        strcmp(role, "SE") == 0) {
        p = &sn->supplier;
    } else if (strcmp(role, "SF") == 0) {
        p = &sn->ship_from;
    } else if (strcmp(role, "BY") == 0) {
        p = &sn->buyer;
    } else if (strcmp(role, "ST") == 0) {
        p = &sn->ship_to;
    }
    st->party = sedi_x12_n1_take(seg, p) ? p : NULL;
}

/* PRF and MAN hold for the HL and all below it. */
static void
x856_prf_man(const struct sg_edi_segment *seg, struct x856_state *st)
{
    int prf = strcmp(seg->tag, "PRF") == 0;
    const char *v = sg_edi_value(seg, prf ? 1 : 2, 1);

    if (st->hl == NULL || v[0] == '\0') {
        return;
    }
    if (prf) {
        sedi_set(&st->hl->order_ref, v);
        if (st->line != NULL) {
            sedi_set(&st->line->order_ref, v);
        }
    } else if (st->hl->package == NULL) {
        sedi_set(&st->hl->package, v);
        if (st->line != NULL) {
            sedi_set(&st->line->package, v);
        }
    }
}

static void
x856_pid(const struct sg_edi_segment *seg, struct x856_state *st)
{
    const char *type = sg_edi_value(seg, 1, 1);
    const char *v = sg_edi_value(seg, 5, 1);

    if (st->line == NULL || (type[0] != 'F' && type[0] != 'X') ||
        st->line->description_fixed || v[0] == '\0') {
        return;
    }
    sedi_set(&st->line->description, v);
    st->line->description_fixed = 1;
}

/* CTT01 of an 856 counts its HL segments. */
static void
x856_ctt(struct sedi_run *run, const struct sg_edi_segment *seg,
         const struct x856_state *st)
{
    const char *v = sg_edi_value(seg, 1, 1);
    long long n;

    if (sedi_decimal(v, '\0', &n) != 0 ||
        n != (long long)st->n_hl * SEDI_SCALE) {
        sedi_diag(run, "supplier_edi.ctt_count", seg, NULL, 1, 0,
                  "CTT01 says %s HL segments, the set has %ld", v,
                  st->n_hl);
    }
}

static void
x856_segment(struct sedi_run *run, const struct sg_edi_segment *seg,
             struct sedi_ship_notice *sn, struct x856_state *st)
{
    const char *t = seg->tag;

    if (st->party != NULL && (strcmp(t, "N3") == 0 ||
                              strcmp(t, "N4") == 0)) {
        sedi_x12_address(seg, st->party);
        return;
    }
    if (strcmp(t, "N2") != 0 && strcmp(t, "PER") != 0 &&
        strcmp(t, "REF") != 0) {
        st->party = NULL;
    }
    if (strcmp(t, "BSN") == 0 && !st->bsn_seen) {
        st->bsn_seen = 1;
        x856_bsn(run, seg, sn);
    } else if (strcmp(t, "HL") == 0) {
        x856_hl(run, seg, st);
    } else if (strcmp(t, "LIN") == 0) {
        x856_lin(run, seg, sn, st);
    } else if (strcmp(t, "SN1") == 0) {
        x856_sn1(run, seg, st);
    } else if (strcmp(t, "SLN") == 0) {
        x856_sln(run, seg, st);
    } else if (strcmp(t, "DTM") == 0) {
        x856_dtm(run, seg, sn, st);
    } else if (strcmp(t, "REF") == 0) {
        x856_ref(run, seg, sn, st);
    } else if (strcmp(t, "N1") == 0) {
        x856_n1(seg, sn, st);
    } else if (strcmp(t, "PRF") == 0 || strcmp(t, "MAN") == 0) {
        x856_prf_man(seg, st);
    } else if (strcmp(t, "PID") == 0) {
        x856_pid(seg, st);
    } else if (strcmp(t, "CTT") == 0) {
        x856_ctt(run, seg, st);
    }
}

int
sedi_map_x12_856(struct sedi_run *run, const struct sg_edi_transaction *tx,
                 struct sedi_ship_notice *sn)
{
    struct x856_state st;
    long errors = run->n_errors;
    size_t i;

    memset(&st, 0, sizeof(st));
    sedi_sn_envelope(sn, tx);
    if (tx->n_segments < 2) {
        return -1;
    }
    /* Segment 0 is ST and the last is SE: the reader checked both. */
    for (i = 1; i + 1 < tx->n_segments && !run->stop; i++) {
        x856_segment(run, &tx->segments[i], sn, &st);
    }
    if (!st.bsn_seen) {
        sedi_diag(run, "supplier_edi.missing_bsn", &tx->segments[1], "BSN",
                  0, 0, "the 856 has no BSN segment (expected right after "
                  "ST, found %s)", tx->segments[1].tag);
    }
    sedi_sn_settle(run, sn, tx, &tx->segments[tx->n_segments - 1], "856");
    x856_state_free(&st);
    return run->n_errors == errors ? 0 : -1;
}
