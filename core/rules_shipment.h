/*
 * rules_shipment.h - what the shipment area (rules_shipment.c) offers
 * beyond its struct sg_rules_area: the JSON of its read endpoints and
 * the event time parser, for the tests.
 */
#ifndef SG_RULES_SHIPMENT_H
#define SG_RULES_SHIPMENT_H

#include <hiredis/hiredis.h>

/*
 * An xs:dateTime "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" as epoch
 * milliseconds; *no_zone is 1 when it has no offset (then taken as
 * UTC).  Returns 0, or -1 when it is not such a time.
 */
int sg_shipment_parse_time(const char *s, long long *ms, int *no_zone);

/*
 * GET /v1/shipments/<id>:
 *   { "shipment", "state", "order", "order_known", "carrier",
 *     "carrier_name", "carrier_known", "driver", "condition",
 *     "picked_up_ms", "delivery": {"due_ms", "due", "promised",
 *     "delivered_ms", "on_time", "breached"},
 *     "timeline": [{"status", "code", "code_list", "reason",
 *       "reason_code", "time" (as sent, with its offset), "zone",
 *       "at_ms", "zone_assumed", "location", "location_code",
 *       "condition", "driver", "sequence", "msg", "entry",
 *       "out_of_order", "order_known"}...] oldest event first,
 *     "breaches": [{"node", "due_ms", "due", "raised_ms", "late_ms"}] }
 * Caller frees; NULL with *found 0 (no such shipment) or -1 (Redis).
 */
char *sg_shipment_json(redisContext *c, const char *id, int *found);

/*
 * GET /v1/carriers/<id>:
 *   { "carrier", "name", "deliveries", "on_time", "on_time_rate",
 *     "intact", "intact_rate", "drivers": {"<name>": {"deliveries",
 *     "on_time", "on_time_rate", "intact", "intact_rate"}} }
 * Rates are null until a delivery is counted.  As above for NULL.
 */
char *sg_carrier_json(redisContext *c, const char *id, int *found);

#endif /* SG_RULES_SHIPMENT_H */
