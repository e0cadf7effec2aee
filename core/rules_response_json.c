/*
 * rules_response_json.c - GET /v1/order-responses/<order>: the
 * supplier's last answer as core/rules_response.c recorded it on the
 * order (keys.h), for people and partner portals.
 */
#include <stdlib.h>

#include <jansson.h>

#include "canonical.h"
#include "keys.h"
#include "rules_response.h"

/* A counter field as a JSON integer, 0 when absent. */
static json_t *
sg_resp_count_json(const redisReply *h, const char *name)
{
    const char *v = sg_hash_get(h, name);

    return json_integer(v != NULL ? strtoll(v, NULL, 10) : 0);
}

char *
sg_rules_response_json(redisContext *c, const char *order, int *found)
{
    redisReply *h = redisCommand(c, "HGETALL " SG_KEY_ORDER "%s", order);
    const char *lines, *status;
    json_t *o, *l;
    char *text;

    *found = -1;
    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        if (h != NULL) {
            freeReplyObject(h);
        }
        return NULL;
    }
    status = sg_hash_get(h, "response");
    if (status == NULL) {
        *found = 0;
        freeReplyObject(h);
        return NULL;
    }
    lines = sg_hash_get(h, "response_lines");
    l = lines != NULL ? json_loads(lines, 0, NULL) : NULL;
    o = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                  "order", order, "status", status,
                  "code", sg_json_str(sg_hash_get(h, "response_code")),
                  "number", sg_json_str(sg_hash_get(h, "response_number")),
                  "date", sg_json_str(sg_hash_get(h, "response_date")),
                  "received_ms", sg_json_ms(sg_hash_get(h, "response_at")),
                  "msg", sg_json_str(sg_hash_get(h, "response_msg")),
                  "supplier", sg_json_str(sg_hash_get(h, "supplier")),
                  "promised_delivery",
                  sg_json_str(sg_hash_get(h, "promised_delivery")),
                  "price_flags",
                  sg_resp_count_json(h, "response_price_flags"),
                  "late_lines", sg_resp_count_json(h, "response_late_lines"),
                  "responses", sg_resp_count_json(h, "responses"),
                  "lines", l != NULL ? l : json_array());
    text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    freeReplyObject(h);
    *found = text != NULL ? 1 : -1;
    return text;
}
