/*
 * fuzz_edi_common.h - what the two EDI fuzz targets share: callbacks
 * that touch every byte the reader hands over, so a value pointer that
 * is wrong, dangling or not NUL-terminated is caught by AddressSanitizer
 * at the call, not later in a plugin.
 */
#ifndef SG_FUZZ_EDI_COMMON_H
#define SG_FUZZ_EDI_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "edi.h"

/* Read every value of every segment, repetitions included. */
static size_t
fuzz_touch_element(const struct sg_edi_element *e)
{
    size_t sum = 0;
    int c;

    for (c = 0; c < e->n_components; c++) {
        sum += strlen(e->components[c]);
    }
    return sum;
}

static int
fuzz_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    size_t *sum = arg, i;
    int e, k;

    for (i = 0; i < tx->n_segments; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        *sum += strlen(seg->tag);
        for (e = 0; e < seg->n_elements; e++) {
            const struct sg_edi_element *el = &seg->elements[e];

            if (el->n_components < 1 || el->n_repeats < 1) {
                abort();
            }
            *sum += fuzz_touch_element(el);
            for (k = 1; el->repeats != NULL && k < el->n_repeats; k++) {
                *sum += fuzz_touch_element(&el->repeats[k]);
            }
        }
        /* The accessors must never fail, whatever is asked. */
        *sum += strlen(sg_edi_value(seg, e + 1, 99));
        *sum += strlen(sg_edi_repeat_value(seg, 1, 1000, 1));
    }
    *sum += strlen(tx->env.set_type) + strlen(tx->env.set_control) +
            strlen(tx->env.interchange_control) + strlen(tx->env.version);
    return 0;
}

/* A diag must say what and where: a code, a text, line and column. */
static int
fuzz_on_diag(void *arg, const struct sg_diag *d)
{
    size_t *sum = arg;

    if (d->code == NULL || d->text == NULL || d->line < 1 ||
        d->column < 1 || d->segment < 0) {
        abort();
    }
    *sum += strlen(d->code) + strlen(d->text);
    if (d->tag != NULL) {
        *sum += strlen(d->tag);
    }
    return 0;
}

/* Read data as the given syntax; abort on an impossible result. */
static void
fuzz_edi_read(enum sg_edi_syntax syntax, const unsigned char *data,
              size_t size)
{
    size_t sum = 0;
    long n = sg_edi_read(syntax, data, size, fuzz_on_tx, fuzz_on_diag,
                         &sum);

    if (n < -1) {
        abort();
    }
}

#endif /* SG_FUZZ_EDI_COMMON_H */
