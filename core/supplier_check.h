/*
 * supplier_check.h - is a supplier of the registry qualified on a given
 * day?  Shared by the order rules (an order from an unqualified supplier
 * is held) and the stock rules (no replenishment is placed with one).
 */
#ifndef SG_SUPPLIER_CHECK_H
#define SG_SUPPLIER_CHECK_H

#include <stddef.h>

#include "config.h"

/*
 * Called once per reason, in a fixed order: code ("supplier_blocked",
 * "licence_missing", "licence_expired", "tax_...", "org_code_...",
 * "certificate_...") and a sentence for a person, which the callback
 * takes ownership of (free()).
 */
typedef void (*sg_supplier_reason_fn)(void *arg, const char *code,
                                      char *message);

/*
 * Check s on day (epoch seconds at 00:00 UTC): status or grade
 * "blocked", and each dated document (licence, tax registration,
 * organisation code, quality certificate) not recorded or expired
 * before day.  The expiry day itself is still valid.  Returns the
 * number of reasons found (0: qualified).
 */
size_t sg_supplier_check(const struct sg_supplier *s, long long day,
                         sg_supplier_reason_fn fn, void *arg);

#endif /* SG_SUPPLIER_CHECK_H */
