/*
 * rules_ack.c - the acknowledgements area: what a partner said about
 * what we sent.
 *
 * Each canonical <ack> (schemas/ack.xsd, read by core/ack_inbound.c)
 * names the partner and our group (X12) or interchange (CONTRL) control
 * number.  Whoever sends EDI records what it sent as the hash
 * sg:sent:<partner>:<control> with at least a "type" field (keys.h); the
 * ack is matched to it by that key and recorded there (ack, ack_sets,
 * ack_msg, ack_at, matched), with an ack_received event, or an
 * ack_unmatched one when we have no record of sending it.  Everything,
 * XACK included, is one Lua script; an applied-marker makes a
 * redelivered entry change nothing.
 *
 * GET /v1/acks/<partner>:<control> shows the record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "ack_sent.h"
#include "canonical.h"
#include "keys.h"
#include "rules_area.h"
#include "schema.h"
#include "util.h"


/* The marker outlives any redelivery; 30 days as for orders. */
#define SG_ACK_APPLIED_TTL "2592000"

/*
 * KEYS[1] sent hash, KEYS[2] events, KEYS[3] applied-marker, KEYS[4]
 * stream.  ARGV[1] group, ARGV[2] entry, ARGV[3] message id, ARGV[4]
 * status, ARGV[5] sets JSON, ARGV[6] now ms, ARGV[7] the key.
 */
static const char sg_ack_script[] =
    "if redis.call('SET', KEYS[3], ARGV[3], 'NX', 'EX', "
    SG_ACK_APPLIED_TTL ") then\n"
    "  local matched = redis.call('HEXISTS', KEYS[1], 'type')\n"
    "  redis.call('HSET', KEYS[1], 'ack', ARGV[4], 'ack_sets', ARGV[5],\n"
    "             'ack_msg', ARGV[3], 'ack_at', ARGV[6],\n"
    "             'matched', matched)\n"
    "  local detail = cjson.encode({key = ARGV[7], status = ARGV[4],\n"
    "                               msg = ARGV[3],\n"
    "                               sets = cjson.decode(ARGV[5])})\n"
    "  redis.call('XADD', KEYS[2], '*', 'type',\n"
    "             matched == 1 and 'ack_received' or 'ack_unmatched',\n"
    "             'subject', 'ack', 'order', '', 'detail', detail,\n"
    "             'at', ARGV[6])\n"
    "end\n"
    "redis.call('XACK', KEYS[4], ARGV[1], ARGV[2])\n"
    "return 1\n";

/* A property as a JSON string ("" when absent). */
static json_t *
sg_ack_prop(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    json_t *s = json_string(v != NULL ? (const char *)v : "");

    xmlFree(v);
    return s != NULL ? s : json_string("");
}

/* status and the sets as JSON text, from the canonical document. */
static int
sg_ack_read(const struct sg_entry *e, char *status, size_t size,
            char **sets, struct sg_errors *errs)
{
    xmlDocPtr doc = sg_xml_read(e->xml, e->xml_len, errs);
    json_t *list;
    xmlNode *c;

    if (doc == NULL) {
        return -1;
    }
    status[0] = '\0';
    list = json_array();
    for (c = xmlDocGetRootElement(doc)->children; c != NULL; c = c->next) {
        if (sg_cx_is(c, "status")) {
            xmlChar *v = xmlNodeGetContent(c);

            snprintf(status, size, "%s", v != NULL ? (char *)v : "");
            xmlFree(v);
        } else if (sg_cx_is(c, "set")) {
            json_array_append_new(list, json_pack("{s:o, s:o, s:o, s:o}",
                "type", sg_ack_prop(c, "type"),
                "control", sg_ack_prop(c, "control"),
                "status", sg_ack_prop(c, "status"),
                "codes", sg_ack_prop(c, "codes")));
        }
    }
    xmlFreeDoc(doc);
    *sets = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    if (status[0] == '\0') {
        sg_errors_addf(errs, "rules.missing_field", "ack %s has no status",
                       e->key);
        free(*sets);
        return -1;
    }
    return 0;
}

static enum sg_rules_result
sg_ack_apply(void *state, redisContext *c, const struct sg_entry *e,
             long long now_ms, struct sg_errors *errs)
{
    char status[8], now[24], *sets, *sent, *applied;
    enum sg_rules_result res = SG_RULES_OK;
    redisReply *r;

    (void)state;
    if (sg_ack_read(e, status, sizeof(status), &sets, errs) != 0) {
        return SG_RULES_FAILED;
    }
    sent = sg_xasprintf("%s%s", SG_KEY_SENT, e->key);
    applied = sg_xasprintf("%s%s:%s", SG_KEY_APPLIED, e->stream, e->id);
    snprintf(now, sizeof(now), "%lld", now_ms);
    r = redisCommand(c, "EVAL %s 4 %s %s %s %s %s %s %s %s %s %s %s",
                     sg_ack_script, sent, SG_KEY_EVENTS, applied, e->stream,
                     e->group, e->id, e->msg, status, sets, now, e->key);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        if (r != NULL) {
            sg_errors_addf(errs, "rules.redis", "ack %s: %s", e->key,
                           r->str);
        }
        res = SG_RULES_RETRY;
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    free(sent);
    free(applied);
    free(sets);
    return res;
}

/* GET /v1/acks/<partner>:<control>: the sent record with its ack. */
static char *
sg_ack_json(redisContext *c, const char *id, int *found)
{
    redisReply *r = redisCommand(c, "HGETALL %s%s", SG_KEY_SENT, id);
    json_t *o;
    char *text;
    size_t i;

    if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
        *found = -1;
        if (r != NULL) {
            freeReplyObject(r);
        }
        return NULL;
    }
    if (r->elements == 0) {
        *found = 0;
        freeReplyObject(r);
        return NULL;
    }
    o = json_object();
    json_object_set_new(o, "key", json_string(id));
    for (i = 0; i + 1 < r->elements; i += 2) {
        const char *name = r->element[i]->str;
        const redisReply *v = r->element[i + 1];
        json_t *j = NULL;

        if (strcmp(name, "ack_sets") == 0) {
            j = json_loadb(v->str, v->len, 0, NULL);
        }
        json_object_set_new(o, name, j != NULL ? j :
                            json_stringn(v->str, v->len));
    }
    freeReplyObject(r);
    *found = 1;
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

int
sg_ack_sent_record(redisContext *c, const char *partner,
                   const char *control, const char *type,
                   const char *sets_json, long long at_ms)
{
    redisReply *r;
    int rc;

    r = redisCommand(c, "HSET %s%s:%s type %s sets %s at %lld",
                     SG_KEY_SENT, partner, control, type,
                     sets_json != NULL ? sets_json : "[]", at_ms);
    rc = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r != NULL) {
        freeReplyObject(r);
    }
    return rc;
}

static void *
sg_ack_create(const struct sg_config *cfg)
{
    (void)cfg;
    return NULL;
}

static void
sg_ack_destroy(void *state)
{
    (void)state;
}

static const char *const sg_ack_doc_types[] = {"ack", NULL};

const struct sg_rules_area sg_area_acks = {
    .name = "acks",
    .doc_types = sg_ack_doc_types,
    .create = sg_ack_create,
    .destroy = sg_ack_destroy,
    .apply = sg_ack_apply,
    .sweep = NULL,
    .routes = {
        {"/v1/acks/", "ack.not_found", "nothing was sent under this "
         "partner and control number, and no ack names it", sg_ack_json},
        {NULL, NULL, NULL, NULL}
    },
};
