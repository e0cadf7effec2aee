/*
 * ship_notice.c - ship notices (X12 856, EDIFACT DESADV) in the
 * supplier_edi plugin: the model the two mappers fill in, the checks
 * they share, and the writer of the canonical <ship_notice>
 * (schemas/ship_notice.xsd).
 *
 * supplier_edi.c hands every 856 and DESADV here.  As for orders, a set
 * the reader found broken is not mapped, a set whose version has a
 * segment map is checked against it first, and a set with any error
 * gives no document: the core rejects the message whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ship_notice.h"

/* --- the model ---------------------------------------------------------- */

void
sedi_sn_init(struct sedi_ship_notice *sn, const char *format)
{
    memset(sn, 0, sizeof(*sn));
    sn->format = format;
}

static void
sedi_sn_party_free(struct sedi_party *p)
{
    int i;

    free(p->id);
    free(p->qualifier);
    free(p->name);
    for (i = 0; i < p->n_address; i++) {
        free(p->address[i]);
    }
    free(p->city);
    free(p->postal_code);
    free(p->country);
}

static void
sedi_sn_line_free(struct sedi_sn_line *l)
{
    size_t i;

    for (i = 0; i < l->n_lots; i++) {
        free(l->lots[i].number);
        free(l->lots[i].expiry);
        free(l->lots[i].production);
    }
    free(l->lots);
    free(l->order_ref);
    free(l->order_line);
    free(l->item);
    free(l->supplier_item);
    free(l->gtin);
    free(l->first_id);
    free(l->description);
    free(l->unit);
    free(l->package);
    free(l->expiry);
    free(l->production);
}

void
sedi_sn_free(struct sedi_ship_notice *sn)
{
    size_t i;

    if (sn == NULL) {
        return;
    }
    free(sn->sender);
    free(sn->receiver);
    free(sn->interchange);
    free(sn->group);
    free(sn->message);
    free(sn->message_type);
    free(sn->version);
    free(sn->number);
    free(sn->date);
    free(sn->purpose);
    free(sn->ship_date);
    free(sn->expected_delivery);
    sedi_sn_party_free(&sn->supplier);
    sedi_sn_party_free(&sn->buyer);
    sedi_sn_party_free(&sn->ship_to);
    sedi_sn_party_free(&sn->ship_from);
    for (i = 0; i < sn->n_refs; i++) {
        free(sn->refs[i].qualifier);
        free(sn->refs[i].value);
    }
    free(sn->refs);
    for (i = 0; i < sn->n_lines; i++) {
        sedi_sn_line_free(&sn->lines[i]);
    }
    free(sn->lines);
}

void
sedi_sn_envelope(struct sedi_ship_notice *sn,
                 const struct sg_edi_transaction *tx)
{
    const struct sg_edi_envelope *env = &tx->env;

    sn->sender = sedi_partner(env->sender_qual, env->sender);
    sn->receiver = sedi_partner(env->receiver_qual, env->receiver);
    sedi_set(&sn->interchange, env->interchange_control);
    sedi_set(&sn->group, env->group_control);
    sedi_set(&sn->message, env->set_control);
    sedi_set(&sn->message_type, env->set_type);
    sedi_set(&sn->version, env->version);
}

void
sedi_sn_add_ref(struct sedi_ship_notice *sn, const char *qualifier,
                const char *value)
{
    char *q = NULL, *v = NULL;

    sedi_set(&q, qualifier);
    sedi_set(&v, value);
    /* Both are required by the schema; half a reference says nothing. */
    if (q == NULL || v == NULL) {
        free(q);
        free(v);
        return;
    }
    if (sn->n_refs == sn->refs_cap) {
        sn->refs_cap = sn->refs_cap ? sn->refs_cap * 2 : 4;
        sn->refs = sg_xrealloc(sn->refs, sn->refs_cap * sizeof(*sn->refs));
    }
    sn->refs[sn->n_refs].qualifier = q;
    sn->refs[sn->n_refs].value = v;
    sn->n_refs++;
}

struct sedi_sn_line *
sedi_sn_add_line(struct sedi_ship_notice *sn,
                 const struct sg_edi_segment *seg)
{
    struct sedi_sn_line *l;

    if (sn->n_lines == sn->lines_cap) {
        sn->lines_cap = sn->lines_cap ? sn->lines_cap * 2 : 8;
        sn->lines = sg_xrealloc(sn->lines,
                                sn->lines_cap * sizeof(*sn->lines));
    }
    l = &sn->lines[sn->n_lines++];
    memset(l, 0, sizeof(*l));
    l->seg = seg;
    return l;
}

struct sedi_lot *
sedi_sn_lot(struct sedi_run *run, struct sedi_sn_line *l,
            const char *number, const struct sg_edi_segment *seg,
            int element, int component)
{
    char *clean = NULL;
    struct sedi_lot *lot;
    size_t i;

    sedi_set(&clean, number);
    if (clean == NULL || strlen(clean) > 80 || strchr(clean, ':') != NULL) {
        sedi_diag(run, "supplier_edi.bad_lot", seg, NULL, element,
                  component, "lot number \"%s\" is empty, longer than 80 "
                  "characters or holds ':'", number);
        free(clean);
        return NULL;
    }
    for (i = 0; i < l->n_lots; i++) {
        if (strcmp(l->lots[i].number, clean) == 0) {
            free(clean);
            return &l->lots[i];
        }
    }
    /* The schema's bound, and what keeps the search above linear in a
     * hostile set that names lots by the hundred thousand. */
    if (l->n_lots == SEDI_MAX_LOTS) {
        sedi_diag(run, "supplier_edi.too_many_lots", seg, NULL, element,
                  component, "a line may carry %d lots; \"%s\" is one "
                  "more", SEDI_MAX_LOTS, clean);
        free(clean);
        return NULL;
    }
    if (l->n_lots == l->lots_cap) {
        l->lots_cap = l->lots_cap ? l->lots_cap * 2 : 2;
        l->lots = sg_xrealloc(l->lots, l->lots_cap * sizeof(*l->lots));
    }
    lot = &l->lots[l->n_lots++];
    memset(lot, 0, sizeof(*lot));
    lot->number = clean;
    return lot;
}

/* --- the checks both mappers end with --------------------------------- */

/*
 * Lots that name no date take the line's; quantities must add up.
 * XXX: one DTM 036 / DTM+361 dates every undated lot of its line, so
 * lots of one line with different dates need an HL or PCI group each;
 * a line's expiry with no lot to carry it is dropped.
 */
static void
sedi_sn_settle_lots(struct sedi_run *run, struct sedi_sn_line *l)
{
    long long sum = 0;
    char want[48], got[48];
    size_t i, counted = 0;

    for (i = 0; i < l->n_lots; i++) {
        struct sedi_lot *lot = &l->lots[i];

        if (lot->expiry == NULL && l->expiry != NULL) {
            lot->expiry = sg_xstrdup(l->expiry);
        }
        if (lot->production == NULL && l->production != NULL) {
            lot->production = sg_xstrdup(l->production);
        }
        if (lot->has_quantity) {
            sum += lot->quantity;
            counted++;
        }
    }
    if (l->has_quantity && counted == l->n_lots && counted > 0 &&
        sum != l->quantity) {
        sedi_decimal_format(l->quantity, want, sizeof(want));
        sedi_decimal_format(sum, got, sizeof(got));
        sedi_diag(run, "supplier_edi.lot_quantity", l->seg, NULL, 0, 0,
                  "the lots of line %s add up to %s, the line ships %s",
                  l->item != NULL ? l->item : "?", got, want);
    }
}

void
sedi_sn_settle(struct sedi_run *run, struct sedi_ship_notice *sn,
               const struct sg_edi_transaction *tx,
               const struct sg_edi_segment *end, const char *what)
{
    size_t i;

    if (sn->n_lines == 0) {
        sedi_diag(run, "supplier_edi.no_lines", end, "LIN", 0, 0,
                  "the %s has no LIN line item", what);
    }
    for (i = 0; i < sn->n_lines; i++) {
        struct sedi_sn_line *l = &sn->lines[i];

        sedi_set_first(&l->item, l->first_id);
        if (l->item == NULL || strchr(l->item, ':') != NULL) {
            sedi_diag(run, "supplier_edi.missing_item", l->seg, NULL, 0, 0,
                      "line %zu has no usable product ID", i + 1);
        }
        if (!l->has_quantity) {
            sedi_diag(run, "supplier_edi.missing_quantity", l->seg, NULL,
                      0, 0, "line %zu has no shipped quantity", i + 1);
        }
        /* Orders are filed under their number; ':' splits keys. */
        if (l->order_ref != NULL && strchr(l->order_ref, ':') != NULL) {
            sedi_diag(run, "supplier_edi.bad_order_ref", l->seg, NULL, 0,
                      0, "line %zu names order \"%s\", which holds ':'",
                      i + 1, l->order_ref);
        }
        sedi_sn_settle_lots(run, l);
    }

    /* Who ships is the supplier; the interchange sender last of all. */
    if (sn->supplier.id == NULL && sn->supplier.name == NULL) {
        sn->supplier = sn->ship_from;
        memset(&sn->ship_from, 0, sizeof(sn->ship_from));
    }
    if (sn->supplier.id == NULL && sn->supplier.name == NULL) {
        sedi_set(&sn->supplier.id, tx->env.sender);
        sedi_set(&sn->supplier.qualifier, tx->env.sender_qual);
    }
    sedi_party_settle(&sn->supplier);
    sedi_party_settle(&sn->buyer);
    sedi_party_settle(&sn->ship_to);
}

/* --- the canonical writer ------------------------------------------- */

static void
sedi_sn_xml_lot(struct sg_buf *b, const struct sedi_lot *lot)
{
    char num[48];

    sg_buf_adds(b, "      <lot>\n");
    sedi_xml_elem(b, "        ", "number", lot->number);
    if (lot->has_quantity) {
        sedi_decimal_format(lot->quantity, num, sizeof(num));
        sedi_xml_elem(b, "        ", "quantity", num);
    }
    sedi_xml_elem(b, "        ", "expiry", lot->expiry);
    sedi_xml_elem(b, "        ", "productionDate", lot->production);
    sg_buf_adds(b, "      </lot>\n");
}

static void
sedi_sn_xml_line(struct sg_buf *b, const struct sedi_sn_line *l, size_t n)
{
    char num[48];
    size_t i;

    /* Numbered by position: LIN01 / LIN 1082 repeat from one order to
     * the next in a notice that ships several. */
    snprintf(num, sizeof(num), "%zu", n);
    sg_buf_adds(b, "    <line");
    sedi_xml_attr(b, "number", num);
    sg_buf_adds(b, ">\n");
    sedi_xml_elem(b, "      ", "orderRef", l->order_ref);
    sedi_xml_elem(b, "      ", "orderLine", l->order_line);
    sedi_xml_elem(b, "      ", "item", l->item);
    sedi_xml_elem(b, "      ", "supplierItem", l->supplier_item);
    sedi_xml_elem(b, "      ", "gtin", l->gtin);
    sedi_xml_elem(b, "      ", "description", l->description);
    sedi_decimal_format(l->quantity, num, sizeof(num));
    sg_buf_adds(b, "      <quantity");
    sedi_xml_attr(b, "unit", l->unit);
    sg_buf_adds(b, ">");
    sg_buf_adds(b, num);
    sg_buf_adds(b, "</quantity>\n");
    if (l->has_ordered) {
        sedi_decimal_format(l->ordered, num, sizeof(num));
        sedi_xml_elem(b, "      ", "orderedQuantity", num);
    }
    sedi_xml_elem(b, "      ", "package", l->package);
    for (i = 0; i < l->n_lots; i++) {
        sedi_sn_xml_lot(b, &l->lots[i]);
    }
    sg_buf_adds(b, "    </line>\n");
}

static void
sedi_sn_xml(const struct sedi_ship_notice *sn, struct sg_buf *b)
{
    size_t i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<ship_notice xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source");
    sedi_xml_attr(b, "format", sn->format);
    sedi_xml_attr(b, "sender", sn->sender);
    sedi_xml_attr(b, "receiver", sn->receiver);
    sedi_xml_attr(b, "interchange", sn->interchange);
    sedi_xml_attr(b, "group", sn->group);
    sedi_xml_attr(b, "message", sn->message);
    sedi_xml_attr(b, "messageType", sn->message_type);
    sedi_xml_attr(b, "version", sn->version);
    sg_buf_adds(b, "/>\n");

    sedi_xml_elem(b, "  ", "shipNoticeNumber", sn->number);
    sedi_xml_elem(b, "  ", "noticeDate", sn->date);
    sedi_xml_elem(b, "  ", "purpose", sn->purpose);
    sedi_xml_elem(b, "  ", "shipDate", sn->ship_date);
    sedi_xml_elem(b, "  ", "expectedDelivery", sn->expected_delivery);
    sedi_xml_party(b, "supplier", &sn->supplier);
    sedi_xml_party(b, "buyer", &sn->buyer);
    sedi_xml_party(b, "shipTo", &sn->ship_to);
    for (i = 0; i < sn->n_refs; i++) {
        sg_buf_adds(b, "  <reference");
        sedi_xml_attr(b, "qualifier", sn->refs[i].qualifier);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, sn->refs[i].value);
        sg_buf_adds(b, "</reference>\n");
    }
    sg_buf_adds(b, "  <lines>\n");
    for (i = 0; i < sn->n_lines; i++) {
        sedi_sn_xml_line(b, &sn->lines[i], i + 1);
    }
    sg_buf_adds(b, "  </lines>\n</ship_notice>\n");
}

/* --- one set ------------------------------------------------------------ */

static int
sedi_sn_on_diag(void *arg, const struct sg_diag *diag)
{
    struct sedi_run *run = arg;

    sedi_report(run, diag);
    return run->stop ? -1 : 0;
}

int
sedi_ship_notice_tx(struct sedi_run *run,
                    const struct sg_edi_transaction *tx)
{
    const struct sg_edi_map *map;
    struct sedi_ship_notice sn;
    int x12 = tx->env.syntax == SG_EDI_X12, rc;
    struct sg_buf b;

    /* The reader has said what is wrong: the message is rejected. */
    if (tx->has_errors) {
        return 0;
    }
    /* XXX: a version with no map (X12 003010, 005010; EDIFACT D96B,
     * D01B ...) is mapped unchecked; the partner learns of structure
     * errors only through the mapper's own checks. */
    map = sg_edi_maps_find(run->ctx->maps, tx);
    if (map != NULL &&
        sg_edi_map_check(map, tx, sedi_sn_on_diag, run) != 0) {
        return run->stop ? -1 : 0;
    }

    sedi_sn_init(&sn, x12 ? "x12" : "edifact");
    rc = x12 ? sedi_map_x12_856(run, tx, &sn)
             : sedi_map_edifact_desadv(run, tx, &sn);
    if (rc == 0) {
        sg_buf_init(&b);
        sedi_sn_xml(&sn, &b);
        sedi_emit_typed(run, "ship_notice", sn.number, sn.sender, b.data,
                        b.len);
        sg_buf_free(&b);
    }
    sedi_sn_free(&sn);
    return run->stop ? -1 : 0;
}
