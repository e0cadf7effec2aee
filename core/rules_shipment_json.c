/*
 * rules_shipment_json.c - the read API of the shipment area: a shipment
 * with its timeline and breaches (GET /v1/shipments/<id>), and a
 * carrier's delivery figures overall and per driver (GET
 * /v1/carriers/<id>), as JSON built from what rules_shipment.c stored
 * (the key layout is in keys.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "keys.h"
#include "canonical.h"
#include "rules_shipment.h"
#include "util.h"

/* HGETALL key, or NULL (Redis error: *found = -1). */
static redisReply *
shp_hgetall(redisContext *c, const char *key, int *found)
{
    redisReply *h = redisCommand(c, "HGETALL %s", key);

    if (h == NULL || h->type != REDIS_REPLY_ARRAY) {
        if (h != NULL) {
            freeReplyObject(h);
        }
        *found = -1;
        return NULL;
    }
    return h;
}

static json_t *
shp_json_breaches(const redisReply *h)
{
    json_t *arr = json_array();
    const char *b = sg_hash_get(h, "breach_delivery");

    if (b != NULL && strcmp(b, "1") == 0) {
        const char *due = sg_hash_get(h, "delivery_due");
        const char *del = sg_hash_get(h, "delivered_at");
        long long late = due != NULL && del != NULL
                         ? strtoll(del, NULL, 10) - strtoll(due, NULL, 10)
                         : 0;

        json_array_append_new(arr, json_pack(
            "{s:s,s:o,s:o,s:o,s:o}", "node", "delivery", "due_ms",
            sg_json_ms(due), "due", sg_json_time(due), "raised_ms",
            sg_json_ms(sg_hash_get(h, "breach_raised_at")),
            "late_ms", del != NULL ? json_integer(late) : json_null()));
    }
    return arr;
}

char *
sg_shipment_json(redisContext *c, const char *id, int *found)
{
    redisReply *h, *tl;
    json_t *o, *arr;
    char key[512], *text;
    size_t i;

    snprintf(key, sizeof(key), SG_KEY_SHIPMENT "%s", id);
    if ((h = shp_hgetall(c, key, found)) == NULL) {
        return NULL;
    }
    if (h->elements == 0) {
        *found = 0;
        freeReplyObject(h);
        return NULL;
    }
    tl = redisCommand(c, "ZRANGE " SG_KEY_SHIPMENT "%s:timeline 0 -1", id);
    if (tl == NULL || tl->type != REDIS_REPLY_ARRAY) {
        if (tl != NULL) {
            freeReplyObject(tl);
        }
        freeReplyObject(h);
        *found = -1;
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "shipment", json_string(id));
    json_object_set_new(o, "state", sg_json_str(sg_hash_get(h, "state")));
    json_object_set_new(o, "order", sg_json_str(sg_hash_get(h, "order")));
    json_object_set_new(o, "order_known",
                        sg_json_flag(sg_hash_get(h, "order_known")));
    json_object_set_new(o, "carrier",
                        sg_json_str(sg_hash_get(h, "carrier")));
    json_object_set_new(o, "carrier_name",
                        sg_json_str(sg_hash_get(h, "carrier_name")));
    json_object_set_new(o, "carrier_known",
                        sg_json_flag(sg_hash_get(h, "carrier_known")));
    json_object_set_new(o, "driver", sg_json_str(sg_hash_get(h,
                                                               "driver")));
    json_object_set_new(o, "condition",
                        sg_json_str(sg_hash_get(h, "condition")));
    json_object_set_new(o, "picked_up_ms",
                        sg_json_ms(sg_hash_get(h, "picked_up_at")));
    json_object_set_new(o, "delivery", json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o}",
        "due_ms", sg_json_ms(sg_hash_get(h, "delivery_due")),
        "due", sg_json_time(sg_hash_get(h, "delivery_due")),
        "promised", sg_json_flag(sg_hash_get(h, "promised")),
        "delivered_ms", sg_json_ms(sg_hash_get(h, "delivered_at")),
        "on_time", sg_json_flag(sg_hash_get(h, "on_time")),
        "breached", sg_json_flag(sg_hash_get(h, "breach_delivery"))));
    arr = json_array();
    for (i = 0; i < tl->elements; i++) {
        json_t *v;

        if (tl->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        v = json_loads(tl->element[i]->str, 0, NULL);
        if (v != NULL) {
            json_array_append_new(arr, v);
        }
    }
    json_object_set_new(o, "timeline", arr);
    json_object_set_new(o, "breaches", shp_json_breaches(h));
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    freeReplyObject(h);
    freeReplyObject(tl);
    *found = text != NULL ? 1 : -1;
    return text;
}

/* count / total, or null when nothing was delivered. */
static json_t *
shp_rate(long long count, long long total)
{
    return total > 0 ? json_real((double)count / (double)total)
                     : json_null();
}

static json_t *
shp_figures(const redisReply *h)
{
    const char *d = sg_hash_get(h, "deliveries");
    const char *ot = sg_hash_get(h, "on_time");
    const char *in = sg_hash_get(h, "intact");
    long long deliveries = d ? strtoll(d, NULL, 10) : 0;
    long long on_time = ot ? strtoll(ot, NULL, 10) : 0;
    long long intact = in ? strtoll(in, NULL, 10) : 0;

    return json_pack("{s:I,s:I,s:o,s:I,s:o}", "deliveries",
                     (json_int_t)deliveries, "on_time", (json_int_t)on_time,
                     "on_time_rate", shp_rate(on_time, deliveries),
                     "intact", (json_int_t)intact, "intact_rate",
                     shp_rate(intact, deliveries));
}

char *
sg_carrier_json(redisContext *c, const char *id, int *found)
{
    redisReply *h, *drivers, *dh;
    json_t *o, *per;
    char key[512], *text;
    size_t i;

    snprintf(key, sizeof(key), SG_KEY_CARRIER "%s", id);
    if ((h = shp_hgetall(c, key, found)) == NULL) {
        return NULL;
    }
    if (h->elements == 0) {
        *found = 0;
        freeReplyObject(h);
        return NULL;
    }
    drivers = redisCommand(c, "SMEMBERS " SG_KEY_CARRIER "%s:drivers", id);
    if (drivers == NULL || drivers->type != REDIS_REPLY_ARRAY) {
        if (drivers != NULL) {
            freeReplyObject(drivers);
        }
        freeReplyObject(h);
        *found = -1;
        return NULL;
    }
    o = shp_figures(h);
    json_object_set_new(o, "carrier", json_string(id));
    json_object_set_new(o, "name", sg_json_str(sg_hash_get(h, "name")));
    per = json_object();
    for (i = 0; i < drivers->elements; i++) {
        if (drivers->element[i]->type != REDIS_REPLY_STRING) {
            continue;
        }
        snprintf(key, sizeof(key), SG_KEY_CARRIER "%s:driver:%s", id,
                 drivers->element[i]->str);
        if ((dh = shp_hgetall(c, key, found)) == NULL) {
            json_decref(o);
            json_decref(per);
            freeReplyObject(drivers);
            freeReplyObject(h);
            return NULL;
        }
        json_object_set_new(per, drivers->element[i]->str,
                            shp_figures(dh));
        freeReplyObject(dh);
    }
    json_object_set_new(o, "drivers", per);
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    freeReplyObject(drivers);
    freeReplyObject(h);
    *found = text != NULL ? 1 : -1;
    return text;
}
