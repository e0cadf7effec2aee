/*
 * rules_response.h - what the order response area (rules_response.c)
 * offers beyond its struct sg_rules_area: the JSON of its read endpoint
 * (rules_response_json.c).
 */
#ifndef SG_RULES_RESPONSE_H
#define SG_RULES_RESPONSE_H

#include <hiredis/hiredis.h>

/*
 * GET /v1/order-responses/<order>:
 *   { "order", "status", "code", "number", "date", "received_ms",
 *     "msg", "supplier" (the order's), "promised_delivery",
 *     "price_flags", "late_lines", "responses" (answers recorded),
 *     "lines": [{"line", "status", "code", "quantity", "price",
 *               "promised"}...] }
 * Caller frees; NULL with *found 0 (no such order, or no answer
 * recorded on it) or -1 (Redis error).
 */
char *sg_rules_response_json(redisContext *c, const char *order,
                             int *found);

#endif /* SG_RULES_RESPONSE_H */
