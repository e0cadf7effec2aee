/*
 * supplier_check.c - the supplier qualification check, one place for
 * every business area that must not deal with an unqualified supplier
 * (see supplier_check.h).  Moved here from rules_order.c unchanged, so
 * order holds and replenishment refusals give the same reasons.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "supplier_check.h"

/* "2026-12-04" for epoch seconds, UTC. */
static void
sg_check_day_text(long long epoch, char *out, size_t outlen)
{
    time_t t = (time_t)epoch;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%d", &tm);
}

/* One dated document of the supplier: missing, expired or fine. */
static size_t
sg_check_date(const struct sg_supplier *s, const char *what,
              const char *code_missing, const char *code_expired,
              long long expires, long long day, sg_supplier_reason_fn fn,
              void *arg)
{
    char exp_day[16], got[16];

    if (expires == 0) {
        fn(arg, code_missing, sg_xasprintf("supplier %s has no %s on "
           "record", s->id, what));
        return 1;
    }
    if (expires < day) {
        sg_check_day_text(expires, exp_day, sizeof(exp_day));
        sg_check_day_text(day, got, sizeof(got));
        fn(arg, code_expired, sg_xasprintf("supplier %s: %s expired on "
           "%s, before the order was received on %s", s->id, what,
           exp_day, got));
        return 1;
    }
    return 0;
}

size_t
sg_supplier_check(const struct sg_supplier *s, long long day,
                  sg_supplier_reason_fn fn, void *arg)
{
    size_t n = 0;

    if ((s->status != NULL && strcmp(s->status, "blocked") == 0) ||
        (s->grade != NULL && strcmp(s->grade, "blocked") == 0)) {
        fn(arg, "supplier_blocked", sg_xasprintf("supplier %s is blocked "
           "(status %s, grade %s)", s->id, s->status ? s->status : "-",
           s->grade ? s->grade : "-"));
        n++;
    }
    n += sg_check_date(s, "business licence", "licence_missing",
                       "licence_expired", s->licence_expires, day, fn, arg);
    n += sg_check_date(s, "tax registration", "tax_missing", "tax_expired",
                       s->tax_expires, day, fn, arg);
    n += sg_check_date(s, "organisation code", "org_code_missing",
                       "org_code_expired", s->org_code_expires, day, fn,
                       arg);
    n += sg_check_date(s, "quality certificate", "certificate_missing",
                       "certificate_expired", s->certificate_expires, day,
                       fn, arg);
    return n;
}
