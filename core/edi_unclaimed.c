/*
 * edi_unclaimed.c - answer an X12 or EDIFACT body whose transaction sets
 * no loaded plugin handles.
 *
 * "Not a format we read" (415) would be wrong for such a body: it is
 * EDI, only its sets are not ours.  A partner expects what a translator
 * says then: every envelope problem, and each set refused as not
 * supported at its ST01 / UNH message type (the acknowledgement turns
 * that into AK5 R 1 or the CONTRL equivalent).  The shared reader does
 * the reading; this file only collects.
 */
#include <stdio.h>
#include <string.h>

#include "edi.h"
#include "edi_unclaimed.h"

struct sg_unclaimed {
    struct sg_errors *errs;
    long sets;
};

static int
sg_unclaimed_diag(void *arg, const struct sg_diag *diag)
{
    struct sg_unclaimed *u = arg;

    return sg_errors_add(u->errs, diag);
}

static int
sg_unclaimed_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct sg_unclaimed *u = arg;
    const struct sg_edi_segment *head;
    struct sg_diag d;
    char text[160];
    int x12;

    u->sets++;
    if (tx->n_segments == 0) {
        return 0;
    }
    head = &tx->segments[0];
    x12 = tx->env.syntax == SG_EDI_X12;
    snprintf(text, sizeof(text), "%s \"%s\" is not handled by any loaded "
             "plugin", x12 ? "transaction set" : "message type",
             tx->env.set_type);
    memset(&d, 0, sizeof(d));
    d.code = "edi.unsupported_set";
    d.text = text;
    d.segment = head->index;
    d.tag = head->tag;
    d.element = x12 ? 1 : 2;        /* ST01; UNH S009 */
    d.component = x12 ? 0 : 1;      /* 0065, the message type */
    d.line = head->line;
    d.column = head->column;
    return sg_errors_add(u->errs, &d);
}

int
sg_edi_unclaimed(const unsigned char *data, size_t len,
                 struct sg_errors *errs)
{
    struct sg_unclaimed u = {errs, 0};
    size_t before = errs->n;
    int syntax = sg_edi_sniff(data, len);

    if (syntax < 0) {
        return 0;
    }
    sg_edi_read((enum sg_edi_syntax)syntax, data, len, sg_unclaimed_tx,
                sg_unclaimed_diag, &u);
    return (int)(errs->n - before);
}
