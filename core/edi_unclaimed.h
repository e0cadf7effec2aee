/*
 * edi_unclaimed.h - the errors of an X12 or EDIFACT body that no loaded
 * plugin claims: its envelope problems, and "edi.unsupported_set" at
 * each set's ST01 or UNH message type.
 */
#ifndef SG_EDI_UNCLAIMED_H
#define SG_EDI_UNCLAIMED_H

#include <stddef.h>

#include "errors.h"

/* Add them to errs; returns how many were added (0: not EDI at all). */
int sg_edi_unclaimed(const unsigned char *data, size_t len,
                     struct sg_errors *errs);

#endif /* SG_EDI_UNCLAIMED_H */
