/*
 * party.c - trading parties as every set this plugin reads carries them:
 * the X12 N1 loop (N1, N3, N4) and the EDIFACT NAD segment.  Which role
 * codes name which party is each set's own business; reading the party
 * itself is shared.
 */
#include <string.h>

#include "supplier_edi.h"

int
sedi_x12_n1_take(const struct sg_edi_segment *n1, struct sedi_party *p)
{
    /* The first N1 of a role wins; a second one is left alone. */
    if (p == NULL || p->id != NULL || p->name != NULL) {
        return 0;
    }
    sedi_set(&p->name, sg_edi_value(n1, 2, 1));
    sedi_set(&p->qualifier, sg_edi_value(n1, 3, 1));
    sedi_set(&p->id, sg_edi_value(n1, 4, 1));
    return 1;
}

void
sedi_x12_address(const struct sg_edi_segment *seg, struct sedi_party *p)
{
    int e;

    if (strcmp(seg->tag, "N3") == 0) {
        for (e = 1; e <= 2 && p->n_address < 4; e++) {
            sedi_set(&p->address[p->n_address], sg_edi_value(seg, e, 1));
            if (p->address[p->n_address] != NULL) {
                p->n_address++;
            }
        }
        return;
    }
    /* N4; the state (N402) has no place in the canonical Party. */
    sedi_set_first(&p->city, sg_edi_value(seg, 1, 1));
    sedi_set_first(&p->postal_code, sg_edi_value(seg, 3, 1));
    sedi_set_first(&p->country, sg_edi_value(seg, 4, 1));
}

int
sedi_edifact_nad_take(const struct sg_edi_segment *nad, struct sedi_party *p)
{
    struct sg_buf name;
    int c;

    if (p == NULL || p->id != NULL || p->name != NULL) {
        return 0;
    }
    sedi_set(&p->id, sg_edi_value(nad, 2, 1));
    sedi_set(&p->qualifier, sg_edi_value(nad, 2, 3));

    /* C080 party name in up to five parts, else C058's first line. */
    sg_buf_init(&name);
    for (c = 1; c <= 5; c++) {
        const char *part = sg_edi_value(nad, 4, c);

        if (part[0] != '\0') {
            if (name.len > 0) {
                sg_buf_adds(&name, " ");
            }
            sg_buf_adds(&name, part);
        }
    }
    sedi_set(&p->name, name.len > 0 ? name.data : sg_edi_value(nad, 3, 1));
    sg_buf_free(&name);
    for (c = 1; c <= 4 && p->n_address < 4; c++) {
        sedi_set(&p->address[p->n_address], sg_edi_value(nad, 5, c));
        if (p->address[p->n_address] != NULL) {
            p->n_address++;
        }
    }
    sedi_set(&p->city, sg_edi_value(nad, 6, 1));
    sedi_set(&p->postal_code, sg_edi_value(nad, 8, 1));
    sedi_set(&p->country, sg_edi_value(nad, 9, 1));
    return 1;
}
