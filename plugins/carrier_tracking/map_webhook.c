/*
 * map_webhook.c - the carriers' webhooks: an XML <trackingUpdate> or a
 * JSON object, both carrying a list of events in our own shape (see
 * README.md), each becoming one tracking event.
 *
 * Both shapes are read through one filler that asks for a field by name
 * ("status", "location/city"), so XML and JSON are checked by the same
 * rules and report the same codes; only the path differs (an XPath
 * "/trackingUpdate/event[2]/status" or "$.events[1].status").  The XML
 * parser is hardened as the core's: no network, no entities, and a
 * DOCTYPE is refused before anything in it is acted on.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "carrier_tracking.h"
#include "json_guard.h"

#define WH_MAX_XML_ERRORS 10

/* Where the filler gets its values: one event of either shape. */
struct wh_source {
    const char *(*get)(struct wh_source *src, const char *name);
    int (*is_text)(struct wh_source *src, const char *name);
    const xmlNode *node;            /* XML: the <event> */
    const json_t *obj;              /* JSON: the event object */
    xmlChar *held[16];              /* XML texts to free after the event */
    int n_held;
    char prefix[64];                /* path of the event */
    long line;
};

/* --- shared: time and filling ----------------------------------------- */

/*
 * "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" into ev->time, offset
 * kept.  Fractions are dropped.  Returns 0, or -1 when it is not such a
 * time (a time without an offset is refused: its instant is unknown).
 */
static int
wh_time(const char *s, char out[32])
{
    char date[9], time[7];
    int parts[5], offset = 0, oh, om;
    size_t i = 0;

    if (strlen(s) < 17 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':') {
        return -1;
    }
    snprintf(date, sizeof(date), "%.4s%.2s%.2s", s, s + 5, s + 8);
    snprintf(time, sizeof(time), "%.2s%.2s00", s + 11, s + 14);
    i = 16;
    if (s[i] == ':') {
        if (!isdigit((unsigned char)s[i + 1]) ||
            !isdigit((unsigned char)s[i + 2])) {
            return -1;
        }
        time[4] = s[i + 1];
        time[5] = s[i + 2];
        i += 3;
        if (s[i] == '.') {
            for (i++; isdigit((unsigned char)s[i]); i++) {
            }
        }
    }
    if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
        offset = 0;
    } else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
               s[i + 3] == ':' && isdigit((unsigned char)s[i + 1]) &&
               isdigit((unsigned char)s[i + 2]) &&
               isdigit((unsigned char)s[i + 4]) &&
               isdigit((unsigned char)s[i + 5])) {
        oh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        om = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
        if (om > 59) {
            return -1;
        }
        offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        return -1;
    }
    return ctrk_datetime(date, time, 1, offset, out, parts);
}

static int
wh_missing(struct ctrk_run *run, struct wh_source *src, const char *name)
{
    char path[128];

    snprintf(path, sizeof(path), "%s%s", src->prefix, name);
    ctrk_diag_path(run, "carrier_tracking.missing_field", src->line, path,
                   "the event has no %s", name);
    return -1;
}

static int
wh_bad(struct ctrk_run *run, struct wh_source *src, const char *code,
       const char *name, const char *value, const char *want)
{
    char path[128];

    snprintf(path, sizeof(path), "%s%s", src->prefix, name);
    ctrk_diag_path(run, code, src->line, path, "%s \"%s\" is not %s", name,
                   value, want);
    return -1;
}

/* Fill ev from one event of either shape; 0, or -1 after reporting. */
static int
wh_fill(struct ctrk_run *run, struct wh_source *src, struct ctrk_event *ev)
{
    static const char *const texts[] = {
        "shipment", "order", "status", "reason", "time", "condition",
        "driver", "location/code", "location/name", "location/city",
        "location/region", "location/postalCode", "location/country", NULL
    };
    const char *status, *when, *cond;
    char text[32];
    size_t i;

    for (i = 0; texts[i] != NULL; i++) {
        if (!src->is_text(src, texts[i])) {
            return wh_bad(run, src, "carrier_tracking.bad_field", texts[i],
                          "(not text)", "a text value");
        }
    }
    ctrk_set(&ev->shipment, src->get(src, "shipment"));
    if (ev->shipment == NULL) {
        return wh_missing(run, src, "shipment");
    }
    status = src->get(src, "status");
    if (status == NULL || status[0] == '\0') {
        return wh_missing(run, src, "status");
    }
    if (ctrk_status_word(status) == NULL) {
        return wh_bad(run, src, "carrier_tracking.unknown_status", "status",
                      status, "a tracking status (picked_up, in_transit, "
                      "delayed, exception, delivered ...)");
    }
    when = src->get(src, "time");
    if (when == NULL || when[0] == '\0') {
        return wh_missing(run, src, "time");
    }
    if (wh_time(when, text) != 0) {
        return wh_bad(run, src, "carrier_tracking.bad_time", "time", when,
                      "a time with its offset (2026-12-04T14:05:00+01:00)");
    }
    cond = src->get(src, "condition");
    if (cond != NULL && strcmp(cond, "intact") != 0 &&
        strcmp(cond, "damaged") != 0) {
        return wh_bad(run, src, "carrier_tracking.bad_condition",
                      "condition", cond, "intact or damaged");
    }

    ctrk_set(&ev->status_code, status);
    ev->status = ctrk_status_word(status);
    ev->code_list = "webhook";
    ctrk_set(&ev->reason_code, src->get(src, "reason"));
    ev->reason = ev->reason_code;
    ctrk_set(&ev->time, text);
    ctrk_set(&ev->order, src->get(src, "order"));
    ctrk_set(&ev->driver, src->get(src, "driver"));
    ev->damaged = cond != NULL && strcmp(cond, "damaged") == 0;
    ctrk_set(&ev->loc_code, src->get(src, "location/code"));
    ctrk_set(&ev->loc_name, src->get(src, "location/name"));
    ctrk_set(&ev->loc_city, src->get(src, "location/city"));
    ctrk_set(&ev->loc_region, src->get(src, "location/region"));
    ctrk_set(&ev->loc_postal, src->get(src, "location/postalCode"));
    ctrk_set(&ev->loc_country, src->get(src, "location/country"));
    return 0;
}

/* Fill and emit, or report; events with errors are not emitted, and
 * the core rejects the message whole when any error was reported. */
static void
wh_event(struct ctrk_run *run, struct wh_source *src,
         const struct ctrk_event *head, long sequence)
{
    struct ctrk_event ev;

    ctrk_event_copy_header(&ev, head);
    ev.sequence = sequence;
    if (wh_fill(run, src, &ev) == 0 && run->n_errors == 0) {
        ctrk_emit(run, &ev);
    }
    ctrk_event_free(&ev);
}

/* --- XML ------------------------------------------------------------- */

struct wh_parse {
    struct ctrk_run *run;
    int n_errors;
    int doctype;
};

static void
wh_xml_on_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;
    struct wh_parse *wp = ctxt->_private;
    char text[512];
    size_t n;

    if (wp == NULL || err == NULL || err->level < XML_ERR_ERROR ||
        wp->doctype || ++wp->n_errors > WH_MAX_XML_ERRORS) {
        return;
    }
    snprintf(text, sizeof(text), "%s", err->message ? err->message
                                                    : "XML error");
    n = strlen(text);
    while (n > 0 && text[n - 1] == '\n') {
        text[--n] = '\0';
    }
    ctrk_diag_path(wp->run, "xml.syntax", err->line, NULL, "%s", text);
}

static void
wh_xml_on_doctype(void *data, const xmlChar *name,
                  const xmlChar *external_id, const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = data;
    struct wh_parse *wp = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    wp->doctype = 1;
    ctrk_diag_path(wp->run, "xml.doctype", xmlSAX2GetLineNumber(ctxt), NULL,
                   "a DOCTYPE is not accepted in a tracking update (no "
                   "DTDs, no entities)");
    xmlStopParser(ctxt);
}

static int
wh_xml_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
wh_xml_child(const xmlNode *parent, const char *name)
{
    const xmlNode *c;

    for (c = parent != NULL ? parent->children : NULL; c != NULL;
         c = c->next) {
        if (wh_xml_is(c, name)) {
            return c;
        }
    }
    return NULL;
}

/* "location/city" -> the <city> in <location>. */
static const xmlNode *
wh_xml_field(const xmlNode *event, const char *name)
{
    const char *slash = strchr(name, '/');
    char first[32];

    if (slash == NULL) {
        return wh_xml_child(event, name);
    }
    snprintf(first, sizeof(first), "%.*s", (int)(slash - name), name);
    if (strcmp(slash + 1, "code") == 0) {
        return wh_xml_child(event, first);   /* an attribute; see get */
    }
    return wh_xml_child(wh_xml_child(event, first), slash + 1);
}

static const char *
wh_xml_get(struct wh_source *src, const char *name)
{
    const xmlNode *n = wh_xml_field(src->node, name);
    xmlChar *v;

    if (n == NULL || src->n_held == 16) {
        return NULL;
    }
    if (strcmp(name, "location/code") == 0) {
        v = xmlGetProp(n, (const xmlChar *)"code");
    } else {
        v = xmlNodeGetContent(n);
    }
    if (v == NULL) {
        return NULL;
    }
    src->held[src->n_held++] = v;
    return (const char *)v;
}

/* An element with element children where text is wanted is a shape
 * error, not a value. */
static int
wh_xml_is_text(struct wh_source *src, const char *name)
{
    const xmlNode *n = wh_xml_field(src->node, name), *c;

    if (n == NULL || strcmp(name, "location/code") == 0) {
        return 1;
    }
    for (c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            return 0;
        }
    }
    return 1;
}

static int
wh_xml_root(struct ctrk_run *run, xmlDocPtr doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc), *c;
    struct wh_source src;
    struct ctrk_event head;
    xmlChar *carrier, *name;
    long index = 0;
    int i;

    if (!wh_xml_is(root, "trackingUpdate")) {
        ctrk_diag_path(run, "xml.root", root != NULL ? xmlGetLineNo(root)
                       : 0, "/", "the root element is %s; expected "
                       "<trackingUpdate> (no namespace)",
                       root != NULL ? (const char *)root->name : "(none)");
        return -1;
    }
    carrier = xmlGetProp(root, (const xmlChar *)"carrier");
    name = xmlGetProp(root, (const xmlChar *)"carrierName");
    ctrk_event_init(&head, "xml");
    ctrk_set(&head.carrier_id, (const char *)carrier);
    ctrk_set(&head.carrier_name, (const char *)name);
    ctrk_set(&head.message, run->msg->id);
    xmlFree(carrier);
    xmlFree(name);
    if (head.carrier_id == NULL) {
        ctrk_diag_path(run, "carrier_tracking.missing_field",
                       xmlGetLineNo(root), "/trackingUpdate/@carrier",
                       "the update names no carrier");
        ctrk_event_free(&head);
        return -1;
    }
    ctrk_set(&head.sender, head.carrier_id);
    for (c = root->children; c != NULL && !run->stop; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        index++;
        memset(&src, 0, sizeof(src));
        src.get = wh_xml_get;
        src.is_text = wh_xml_is_text;
        src.node = c;
        src.line = xmlGetLineNo(c);
        snprintf(src.prefix, sizeof(src.prefix),
                 "/trackingUpdate/*[%ld]/", index);
        if (!wh_xml_is(c, "event")) {
            ctrk_diag_path(run, "xml.unexpected_element", src.line,
                           "/trackingUpdate", "<trackingUpdate> holds <%s>; "
                           "only <event> may appear in it", c->name);
            continue;
        }
        snprintf(src.prefix, sizeof(src.prefix),
                 "/trackingUpdate/event[%ld]/", index);
        wh_event(run, &src, &head, index);
        for (i = 0; i < src.n_held; i++) {
            xmlFree(src.held[i]);
        }
    }
    if (index == 0) {
        ctrk_diag_path(run, "carrier_tracking.no_status",
                       xmlGetLineNo(root), "/trackingUpdate",
                       "<trackingUpdate> holds no event");
    }
    ctrk_event_free(&head);
    return 0;
}

int
ctrk_xml_decode(struct ctrk_run *run)
{
    const struct sg_message *msg = run->msg;
    struct wh_parse wp;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    int rc = -1;

    memset(&wp, 0, sizeof(wp));
    wp.run = run;
    if (msg->len > INT_MAX) {
        ctrk_diag_path(run, "xml.too_large", 0, NULL, "the XML body is "
                       "larger than libxml2 reads in one piece");
        return -1;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        ctrk_diag_path(run, "xml.parser", 0, NULL, "no XML parser context");
        return -1;
    }
    /* This context's own handlers: no shared state between threads. */
    ctxt->_private = &wp;
    ctxt->sax->serror = wh_xml_on_error;
    ctxt->sax->internalSubset = wh_xml_on_doctype;
    ctxt->sax->externalSubset = NULL;
    doc = xmlCtxtReadMemory(ctxt, (const char *)msg->data, (int)msg->len,
                            "tracking.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (wp.doctype) {
        /* Reported by the handler; whatever was parsed is dropped. */
    } else if (doc == NULL || !ctxt->wellFormed) {
        if (wp.n_errors == 0) {
            ctrk_diag_path(run, "xml.syntax", 0, NULL,
                           "the body is not well-formed XML");
        }
    } else {
        rc = wh_xml_root(run, doc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* --- JSON -------------------------------------------------------------- */

static const json_t *
wh_json_field(const json_t *event, const char *name)
{
    const char *slash = strchr(name, '/');
    char first[32];

    if (slash == NULL) {
        return json_object_get(event, name);
    }
    snprintf(first, sizeof(first), "%.*s", (int)(slash - name), name);
    return json_object_get(json_object_get(event, first), slash + 1);
}

static const char *
wh_json_get(struct wh_source *src, const char *name)
{
    return json_string_value(wh_json_field(src->obj, name));
}

static int
wh_json_is_text(struct wh_source *src, const char *name)
{
    const json_t *v = wh_json_field(src->obj, name);

    return v == NULL || json_is_null(v) || json_is_string(v);
}

static int
wh_json_events(struct ctrk_run *run, const json_t *root)
{
    const json_t *events = json_object_get(root, "events"), *e;
    const char *carrier = json_string_value(json_object_get(root,
                                                            "carrier"));
    struct wh_source src;
    struct ctrk_event head;
    size_t i;

    if (carrier == NULL || carrier[0] == '\0') {
        ctrk_diag_path(run, "carrier_tracking.missing_field", 0,
                       "$.carrier", "the update names no carrier (a "
                       "string)");
        return -1;
    }
    if (!json_is_array(events) || json_array_size(events) == 0) {
        ctrk_diag_path(run, "carrier_tracking.no_status", 0, "$.events",
                       "the update has no non-empty \"events\" array");
        return -1;
    }
    ctrk_event_init(&head, "json");
    ctrk_set(&head.carrier_id, carrier);
    ctrk_set(&head.carrier_name, json_string_value(
        json_object_get(root, "carrierName")));
    ctrk_set(&head.sender, carrier);
    ctrk_set(&head.message, run->msg->id);
    json_array_foreach(events, i, e) {
        if (run->stop) {
            break;
        }
        memset(&src, 0, sizeof(src));
        src.get = wh_json_get;
        src.is_text = wh_json_is_text;
        src.obj = e;
        snprintf(src.prefix, sizeof(src.prefix), "$.events[%zu].", i);
        if (!json_is_object(e)) {
            src.prefix[strlen(src.prefix) - 1] = '\0';
            ctrk_diag_path(run, "carrier_tracking.bad_field", 0, src.prefix,
                           "event %zu is not an object", i);
            continue;
        }
        wh_event(run, &src, &head, (long)i + 1);
    }
    ctrk_event_free(&head);
    return 0;
}

int
ctrk_json_decode(struct ctrk_run *run)
{
    json_error_t err;
    json_t *root;
    char text[128];
    struct sg_diag g;
    int rc;

    if (sg_json_guard_check((const char *)run->msg->data, run->msg->len,
                            &g, text, sizeof(text)) != 0) {
        ctrk_report(run, &g);
        return -1;
    }
    root = json_loadb((const char *)run->msg->data, run->msg->len,
                      JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        struct sg_diag d;

        memset(&d, 0, sizeof(d));
        d.code = "json.syntax";
        d.text = err.text;
        d.line = err.line;
        d.column = err.column;
        ctrk_report(run, &d);
        return -1;
    }
    if (!json_is_object(root)) {
        ctrk_diag_path(run, "json.root", 1, "$", "the body is not a JSON "
                       "object");
        json_decref(root);
        return -1;
    }
    rc = wh_json_events(run, root);
    json_decref(root);
    return rc;
}

/* --- sniffing ------------------------------------------------------------ */

/* The name of the root element, skipping the XML declaration,
 * comments and processing instructions; "" when there is none. */
static void
wh_root_name(const unsigned char *p, size_t len, char *out, size_t outlen)
{
    size_t i = 0, n = 0;

    out[0] = '\0';
    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        i = 3;
    }
    while (i < len) {
        if (isspace(p[i])) {
            i++;
        } else if (i + 1 < len && p[i] == '<' &&
                   (p[i + 1] == '?' || p[i + 1] == '!')) {
            while (i < len && p[i] != '>') {
                i++;
            }
            i++;
        } else {
            break;
        }
    }
    if (i >= len || p[i] != '<') {
        return;
    }
    for (i++; i < len && n + 1 < outlen &&
         (isalnum(p[i]) || p[i] == '_' || p[i] == ':' || p[i] == '-');
         i++) {
        out[n++] = (char)p[i];
    }
    out[n] = '\0';
}

int
ctrk_webhook_sniff(const unsigned char *data, size_t len)
{
    char root[32], text[128];
    struct sg_diag g;
    json_t *j;
    int mine;

    wh_root_name(data, len, root, sizeof(root));
    if (strcmp(root, "trackingUpdate") == 0) {
        return 90;
    }
    if (root[0] != '\0') {
        return 0;
    }
    /* Too large to parse: not recognised here; decode says why. */
    if (sg_json_guard_check((const char *)data, len, &g, text,
                            sizeof(text)) != 0) {
        return 0;
    }
    j = json_loadb((const char *)data, len, 0, NULL);
    mine = json_is_object(j) &&
           json_is_array(json_object_get(j, "events")) &&
           json_object_get(j, "carrier") != NULL;
    json_decref(j);
    return mine ? 90 : 0;
}
