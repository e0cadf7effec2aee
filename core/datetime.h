/*
 * datetime.h - ISO 8601 date-times that carry their time zone, as the
 * CRM stamps tickets ("2026-12-04T09:15:00+01:00", "...Z").
 *
 * A time without a zone is refused: "09:15" in Paris and in Chicago are
 * six hours apart, and a first-response deadline computed from the
 * wrong one is wrong by as much.
 */
#ifndef SG_DATETIME_H
#define SG_DATETIME_H

#define SG_DATETIME_OK        0
#define SG_DATETIME_BAD      -1     /* not a date-time */
#define SG_DATETIME_NO_ZONE  -2     /* a date-time without Z or +hh:mm */

/*
 * Parse "YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)" into epoch
 * milliseconds (UTC); fractions beyond milliseconds are cut off.
 * Returns one of the SG_DATETIME_ codes.
 */
int sg_parse_datetime(const char *s, long long *epoch_ms);

#endif /* SG_DATETIME_H */
