/*
 * carrier_tracking.c - the delivery plugin: shipment status updates from
 * carriers, as X12 214, EDIFACT IFTSTA, or the XML and JSON webhooks
 * described in README.md, turned into one canonical <tracking> document
 * per status (schemas/tracking.xsd).
 *
 * The daemon chose this plugin by content type or by sniffing (its sniff
 * looks at the transaction set, so an X12 850 goes to supplier_edi and a
 * 214 comes here); decode() picks the reader from the body, hands each
 * 214 or IFTSTA to its mapper (map_x12_214.c, map_edifact_iftsta.c) or
 * the body to the webhook readers (map_webhook.c), and reports every
 * problem with its position.  The status codes live in codes.c.  The
 * shipment rules (core/rules_shipment.c) decide what an event means.
 *
 * This file also holds the event model, the canonical writer and the
 * reporting helpers the mappers share.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "carrier_tracking.h"

/* --- context ------------------------------------------------------------ */

#define CTRK_DEFAULT_MAX_EVENTS 1000

/* --- config table ------------------------------------------------------- */

static const struct sg_option ctrk_options[] = {
    {SG_OPT_INT, "max_events", NULL, CTRK_DEFAULT_MAX_EVENTS, 1,
     100000, "most status events one message may carry; more rejects it"},
    {SG_OPT_END, NULL, NULL, 0, 0, 0, NULL}
};

/* --- init ---------------------------------------------------------------- */

static int
ctrk_init(const struct sg_host *host, const void *config, void **ctxp)
{
    struct ctrk_ctx *ctx;

    if (host == NULL || host->log == NULL) {
        return -1;
    }
    ctx = sg_xcalloc(1, sizeof(*ctx));
    ctx->host = host;
    ctx->max_events = CTRK_DEFAULT_MAX_EVENTS;
    if (config != NULL && host->option_int != NULL) {
        ctx->max_events = host->option_int(config, "max_events");
    }
    if (ctx->max_events < 1 || ctx->max_events > 100000) {
        host->log(SG_LOG_ERROR, CTRK_NAME, NULL, "max_events %ld is "
                  "out of range (1..100000)", ctx->max_events);
        free(ctx);
        return -1;
    }
    xmlInitParser();
    host->log(SG_LOG_INFO, CTRK_NAME, NULL, "decoding X12 214, EDIFACT "
              "IFTSTA and XML/JSON tracking webhooks, at most %ld events "
              "per message", ctx->max_events);
    *ctxp = ctx;
    return 0;
}

/* --- the event model ----------------------------------------------------- */

void
ctrk_event_init(struct ctrk_event *ev, const char *format)
{
    memset(ev, 0, sizeof(*ev));
    ev->format = format;
}

void
ctrk_event_free(struct ctrk_event *ev)
{
    int i;

    if (ev == NULL) {
        return;
    }
    free(ev->sender);
    free(ev->receiver);
    free(ev->interchange);
    free(ev->group);
    free(ev->message);
    free(ev->message_type);
    free(ev->version);
    free(ev->shipment);
    free(ev->order);
    for (i = 0; i < ev->n_refs; i++) {
        free(ev->ref_qual[i]);
        free(ev->ref_value[i]);
    }
    free(ev->carrier_id);
    free(ev->carrier_qual);
    free(ev->carrier_name);
    free(ev->status_code);
    free(ev->reason_code);
    free(ev->time);
    free(ev->zone);
    free(ev->loc_code);
    free(ev->loc_name);
    free(ev->loc_city);
    free(ev->loc_region);
    free(ev->loc_postal);
    free(ev->loc_country);
    free(ev->driver);
    memset(ev, 0, sizeof(*ev));
}

static char *
ctrk_dup(const char *s)
{
    return s != NULL ? sg_xstrdup(s) : NULL;
}

void
ctrk_event_copy_header(struct ctrk_event *dst, const struct ctrk_event *src)
{
    int i;

    ctrk_event_init(dst, src->format);
    dst->sender = ctrk_dup(src->sender);
    dst->receiver = ctrk_dup(src->receiver);
    dst->interchange = ctrk_dup(src->interchange);
    dst->group = ctrk_dup(src->group);
    dst->message = ctrk_dup(src->message);
    dst->message_type = ctrk_dup(src->message_type);
    dst->version = ctrk_dup(src->version);
    dst->shipment = ctrk_dup(src->shipment);
    dst->order = ctrk_dup(src->order);
    for (i = 0; i < src->n_refs; i++) {
        dst->ref_qual[i] = ctrk_dup(src->ref_qual[i]);
        dst->ref_value[i] = ctrk_dup(src->ref_value[i]);
    }
    dst->n_refs = src->n_refs;
    dst->carrier_id = ctrk_dup(src->carrier_id);
    dst->carrier_qual = ctrk_dup(src->carrier_qual);
    dst->carrier_name = ctrk_dup(src->carrier_name);
    dst->driver = ctrk_dup(src->driver);
}

/* Length of a well-formed UTF-8 sequence at p that XML accepts, or 0. */
static size_t
ctrk_utf8_len(const unsigned char *p)
{
    unsigned long cp;
    size_t n, i;

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
        (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff) {
        return 0;
    }
    return n;
}

/*
 * Well-formed UTF-8 is kept, any other byte read as Latin-1, controls
 * made spaces, so the XML written later is always well formed; blanks
 * around the value are dropped (X12 pads, JSON senders trail).
 */
static char *
ctrk_clean(const char *value)
{
    const unsigned char *p = (const unsigned char *)value;
    struct sg_buf b;
    size_t n;
    char two[2];

    sg_buf_init(&b);
    while (*p != '\0') {
        if (*p < 0x20 || *p == 0x7f) {
            sg_buf_add(&b, " ", 1);
            p++;
        } else if (*p < 0x80) {
            sg_buf_add(&b, p, 1);
            p++;
        } else if ((n = ctrk_utf8_len(p)) > 0) {
            sg_buf_add(&b, p, n);
            p += n;
        } else if (*p < 0xa0) {
            sg_buf_add(&b, " ", 1);
            p++;
        } else {
            two[0] = (char)(0xc0 | (*p >> 6));
            two[1] = (char)(0x80 | (*p & 0x3f));
            sg_buf_add(&b, two, 2);
            p++;
        }
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ') {
        b.data[--b.len] = '\0';
    }
    n = 0;
    while (n < b.len && b.data[n] == ' ') {
        n++;
    }
    if (n == b.len) {
        sg_buf_free(&b);
        return NULL;
    }
    if (n > 0) {
        memmove(b.data, b.data + n, b.len - n + 1);
    }
    return sg_buf_steal(&b);
}

void
ctrk_set(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? ctrk_clean(value) : NULL;
}

void
ctrk_add_ref(struct ctrk_event *ev, const char *qualifier,
             const char *value)
{
    char *q = ctrk_clean(qualifier), *v = ctrk_clean(value);

    /* Half a reference says nothing; past the cap they add nothing. */
    if (q == NULL || v == NULL || ev->n_refs == CTRK_MAX_REFS) {
        free(q);
        free(v);
        return;
    }
    ev->ref_qual[ev->n_refs] = q;
    ev->ref_value[ev->n_refs] = v;
    ev->n_refs++;
}

char *
ctrk_partner(const char *qualifier, const char *id)
{
    char *q = ctrk_clean(qualifier), *i = ctrk_clean(id), *p;

    if (i == NULL) {
        free(q);
        return NULL;
    }
    if (q == NULL) {
        return i;
    }
    p = sg_xasprintf("%s:%s", q, i);
    free(q);
    free(i);
    return p;
}

/* --- reporting --------------------------------------------------------- */

void
ctrk_report(struct ctrk_run *run, const struct sg_diag *d)
{
    if (run->stop) {
        return;
    }
    run->n_errors++;
    if (run->sink->error(run->sink, d) != 0) {
        run->stop = 1;
    }
}

void
ctrk_diag(struct ctrk_run *run, const char *code,
          const struct sg_edi_segment *seg, const char *tag, int element,
          int component, const char *fmt, ...)
{
    struct sg_diag d;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    sg_edi_diag_at(&d, code, text, seg, tag, element, component);
    ctrk_report(run, &d);
}

void
ctrk_diag_path(struct ctrk_run *run, const char *code, long line,
               const char *path, const char *fmt, ...)
{
    struct sg_diag d;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);

    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = text;
    d.line = line;
    d.xpath = path;
    ctrk_report(run, &d);
}

/* --- the canonical writer ------------------------------------------- */

static void
ctrk_xml_elem(struct sg_buf *b, const char *indent, const char *name,
              const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_addf(b, "%s<%s>", indent, name);
    sg_buf_add_xml(b, value);
    sg_buf_addf(b, "</%s>\n", name);
}

static void
ctrk_xml_attr(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_addf(b, " %s=\"", name);
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "\"");
}

static void
ctrk_xml_location(struct sg_buf *b, const struct ctrk_event *ev)
{
    if (ev->loc_code == NULL && ev->loc_name == NULL &&
        ev->loc_city == NULL && ev->loc_region == NULL &&
        ev->loc_postal == NULL && ev->loc_country == NULL) {
        return;
    }
    sg_buf_adds(b, "  <location");
    ctrk_xml_attr(b, "code", ev->loc_code);
    sg_buf_adds(b, ">\n");
    ctrk_xml_elem(b, "    ", "name", ev->loc_name);
    ctrk_xml_elem(b, "    ", "city", ev->loc_city);
    ctrk_xml_elem(b, "    ", "region", ev->loc_region);
    ctrk_xml_elem(b, "    ", "postalCode", ev->loc_postal);
    ctrk_xml_elem(b, "    ", "country", ev->loc_country);
    sg_buf_adds(b, "  </location>\n");
}

static void
ctrk_event_xml(const struct ctrk_event *ev, struct sg_buf *b)
{
    int i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<tracking xmlns=\"urn:supplygate:canonical:1\">\n"
                "  <source");
    ctrk_xml_attr(b, "format", ev->format);
    ctrk_xml_attr(b, "sender", ev->sender);
    ctrk_xml_attr(b, "receiver", ev->receiver);
    ctrk_xml_attr(b, "interchange", ev->interchange);
    ctrk_xml_attr(b, "group", ev->group);
    ctrk_xml_attr(b, "message", ev->message);
    ctrk_xml_attr(b, "messageType", ev->message_type);
    ctrk_xml_attr(b, "version", ev->version);
    sg_buf_adds(b, "/>\n");
    ctrk_xml_elem(b, "  ", "shipmentId", ev->shipment);
    ctrk_xml_elem(b, "  ", "orderNumber", ev->order);
    for (i = 0; i < ev->n_refs; i++) {
        sg_buf_adds(b, "  <reference");
        ctrk_xml_attr(b, "qualifier", ev->ref_qual[i]);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, ev->ref_value[i]);
        sg_buf_adds(b, "</reference>\n");
    }
    sg_buf_adds(b, "  <carrier");
    ctrk_xml_attr(b, "id", ev->carrier_id);
    ctrk_xml_attr(b, "qualifier", ev->carrier_qual);
    sg_buf_adds(b, ">\n");
    ctrk_xml_elem(b, "    ", "name", ev->carrier_name);
    sg_buf_adds(b, "  </carrier>\n  <status");
    ctrk_xml_attr(b, "code", ev->status_code);
    ctrk_xml_attr(b, "codeList", ev->code_list);
    sg_buf_addf(b, ">%s</status>\n", ev->status);
    if (ev->reason != NULL) {
        sg_buf_adds(b, "  <reason");
        ctrk_xml_attr(b, "code", ev->reason_code);
        sg_buf_addf(b, ">%s</reason>\n", ev->reason);
    }
    sg_buf_adds(b, "  <eventTime");
    ctrk_xml_attr(b, "zone", ev->zone);
    sg_buf_adds(b, ">");
    sg_buf_add_xml(b, ev->time);
    sg_buf_adds(b, "</eventTime>\n");
    ctrk_xml_location(b, ev);
    sg_buf_addf(b, "  <condition>%s</condition>\n",
                ev->damaged ? "damaged" : "intact");
    ctrk_xml_elem(b, "  ", "driver", ev->driver);
    sg_buf_addf(b, "  <sequence>%ld</sequence>\n</tracking>\n",
                ev->sequence);
}

int
ctrk_emit(struct ctrk_run *run, const struct ctrk_event *ev)
{
    struct sg_document doc;
    struct sg_diag d;
    struct sg_buf b;
    char text[256];
    int rc = 0;

    if (run->stop) {
        return -1;
    }
    if (run->n_documents >= run->ctx->max_events) {
        snprintf(text, sizeof(text), "status %ld of shipment %s is beyond "
                 "max_events (%ld) for one message; split it",
                 ev->sequence, ev->shipment ? ev->shipment : "?",
                 run->ctx->max_events);
        memset(&d, 0, sizeof(d));
        d.code = "carrier_tracking.too_many_documents";
        d.text = text;
        ctrk_report(run, &d);
        run->stop = 1;
        return -1;
    }
    sg_buf_init(&b);
    ctrk_event_xml(ev, &b);
    memset(&doc, 0, sizeof(doc));
    doc.type = "tracking";
    doc.key = ev->shipment;
    doc.partner = ev->sender;
    doc.xml = b.data;
    doc.xml_len = b.len;
    run->n_documents++;
    if (run->sink->document(run->sink, &doc) != 0) {
        run->stop = 1;
        rc = -1;
    }
    sg_buf_free(&b);
    return rc;
}

/* --- decode ------------------------------------------------------------ */

static int
ctrk_on_diag(void *arg, const struct sg_diag *diag)
{
    struct ctrk_run *run = arg;

    ctrk_report(run, diag);
    return run->stop ? -1 : 0;
}

/* One transaction set or message from the reader. */
static int
ctrk_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct ctrk_run *run = arg;
    const struct sg_edi_segment *head = tx->n_segments > 0 ?
                                        &tx->segments[0] : NULL;
    int x12 = tx->env.syntax == SG_EDI_X12;

    if (run->stop) {
        return -1;
    }
    if (strcmp(tx->env.set_type, x12 ? "214" : "IFTSTA") != 0) {
        ctrk_diag(run, "carrier_tracking.unsupported_set", head, NULL,
                  x12 ? 1 : 2, x12 ? 0 : 1, "%s %s is not a shipment "
                  "status: this plugin decodes X12 214 and EDIFACT IFTSTA "
                  "only", x12 ? "transaction set" : "message",
                  tx->env.set_type[0] ? tx->env.set_type : "(no type)");
        return run->stop ? -1 : 0;
    }
    /* The reader said what is wrong; the message is rejected whole. */
    if (tx->has_errors) {
        return 0;
    }
    if (x12) {
        ctrk_map_x12_214(run, tx);
    } else {
        ctrk_map_edifact_iftsta(run, tx);
    }
    return run->stop ? -1 : 0;
}

/* What the reader's answer n means for the message, said once. */
static int
ctrk_edi_done(struct ctrk_run *run, long n)
{
    struct sg_diag d;

    memset(&d, 0, sizeof(d));
    if (n < 0) {
        if (run->n_errors == 0) {
            d.code = "carrier_tracking.unreadable";
            d.text = "the interchange could not be read";
            ctrk_report(run, &d);
        }
        return -1;
    }
    if (n == 0 && run->n_errors == 0) {
        d.code = "carrier_tracking.empty";
        d.text = "the interchange holds no transaction set";
        ctrk_report(run, &d);
    }
    return 0;
}

static int
ctrk_decode_edi(struct ctrk_run *run, int syntax)
{
    return ctrk_edi_done(run, sg_edi_read((enum sg_edi_syntax)syntax,
                                          run->msg->data, run->msg->len,
                                          ctrk_on_tx, ctrk_on_diag, run));
}

/* The first byte after a byte order mark and blanks, or 0. */
static unsigned char
ctrk_first_byte(const unsigned char *p, size_t len)
{
    size_t i = 0;

    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        i = 3;
    }
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
                       p[i] == '\n')) {
        i++;
    }
    return i < len ? p[i] : 0;
}

static int
ctrk_decode(void *ctxp, const struct sg_message *msg, struct sg_sink *sink)
{
    struct ctrk_run run;
    struct sg_diag d;
    unsigned char first;
    int syntax;

    memset(&run, 0, sizeof(run));
    run.ctx = ctxp;
    run.msg = msg;
    run.sink = sink;

    syntax = sg_edi_sniff(msg->data, msg->len);
    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        return ctrk_decode_edi(&run, syntax);
    }
    first = ctrk_first_byte(msg->data, msg->len);
    if (first == '<') {
        return ctrk_xml_decode(&run);
    }
    if (first == '{') {
        return ctrk_json_decode(&run);
    }
    memset(&d, 0, sizeof(d));
    d.code = "carrier_tracking.not_tracking";
    d.text = "the body is neither X12 (ISA), EDIFACT (UNA/UNB), an XML "
             "<trackingUpdate> nor a JSON object";
    d.line = 1;
    d.column = 1;
    ctrk_report(&run, &d);
    return -1;
}

/*
 * decode() for a body pulled through msg->read: an interchange is read
 * as it streams; a webhook (XML, JSON) is read whole, up to
 * SG_EDI_WHOLE_MAX (core/edi.h), and handed to decode().
 */
static int
ctrk_decode_stream(void *ctxp, const struct sg_message *msg,
                   struct sg_sink *sink)
{
    struct sg_message whole;
    struct ctrk_run run;
    struct sg_diag d;
    long n = 0;
    int rc;

    memset(&run, 0, sizeof(run));
    run.ctx = ctxp;
    run.msg = msg;
    run.sink = sink;
    switch (sg_edi_stream_or_whole(msg, ctrk_on_tx, ctrk_on_diag, &run, &n,
                                   &whole)) {
    case SG_EDI_STREAMED:
        return n == -2 ? -1 : ctrk_edi_done(&run, n);
    case SG_EDI_WHOLE:
        rc = ctrk_decode(ctxp, &whole, sink);
        free((void *)whole.data);
        return rc;
    case SG_EDI_TOO_LARGE:
        memset(&d, 0, sizeof(d));
        d.code = "carrier_tracking.too_large";
        d.text = "streaming is for EDI bodies: a body that is not X12 or "
                 "EDIFACT is read whole, and this one is over 16 MB";
        ctrk_report(&run, &d);
        return -1;
    default:
        return -1;
    }
}

static int
ctrk_sniff(const unsigned char *data, size_t len)
{
    char set[8];
    int syntax = sg_edi_sniff_set(data, len, set, sizeof(set));

    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        return strcmp(set, "214") == 0 || strcmp(set, "IFTSTA") == 0
               ? 90 : 0;
    }
    return ctrk_webhook_sniff(data, len);
}

/* --- exit ---------------------------------------------------------------- */

static void
ctrk_exit(void *ctx)
{
    /* libxml2 stays initialised: the core uses it too. */
    free(ctx);
}

/* --- descriptor ------------------------------------------------------- */

static const char *const ctrk_content_types[] = {
    "application/EDI-X12", "application/EDIFACT", "application/xml",
    "text/xml", "application/json", NULL
};

static const char *const ctrk_document_types[] = {"tracking", NULL};

const struct sg_plugin sg_plugin_descriptor = {
    SG_PLUGIN_HEADER,
    .name = CTRK_NAME,
    .version = "1.0.0",
    .description = "carrier shipment status: X12 214, EDIFACT IFTSTA, "
                   "XML and JSON webhooks",
    .content_types = ctrk_content_types,
    .document_types = ctrk_document_types,
    .options = ctrk_options,
    .sniff = ctrk_sniff,
    .init = ctrk_init,
    .decode = ctrk_decode,
    .exit = ctrk_exit,
    .decode_stream = ctrk_decode_stream,
};
