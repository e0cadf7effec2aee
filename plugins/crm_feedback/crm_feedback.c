/*
 * crm_feedback.c - the after-sales plugin: feedback tickets and their
 * updates from the CRM, as JSON or XML (README.md gives both shapes),
 * turned into canonical <feedback> documents (schemas/feedback.xsd).
 *
 * The readers pull the fields out with their positions; this file
 * checks every field once for both formats (required, one of the allowed
 * values, a time with its zone, a score from 1 to 5), so each error says
 * what is wrong and where, and writes the canonical XML.  First-response
 * deadlines, escalation and supplier complaints are the core's business
 * (core/rules_feedback.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_feedback.h"
#include "datetime.h"

#define CF_NS "urn:supplygate:canonical:1"

/* --- options and init ---------------------------------------------------- */

static const struct sg_option cf_options[] = {
    {SG_OPT_BOOL, "accept_json", NULL, 1, 0, 1,
     "accept tickets as JSON (application/json)"},
    {SG_OPT_BOOL, "accept_xml", NULL, 1, 0, 1,
     "accept tickets as XML (application/xml)"},
    {SG_OPT_END, NULL, NULL, 0, 0, 0, NULL}
};

static int
cf_init(const struct sg_host *host, const void *config, void **ctxp)
{
    struct cf_ctx *ctx;

    if (host == NULL || host->log == NULL) {
        return -1;
    }
    ctx = sg_xcalloc(1, sizeof(*ctx));
    ctx->host = host;
    ctx->accept_json = 1;
    ctx->accept_xml = 1;
    if (config != NULL && host->option_int != NULL) {
        ctx->accept_json = host->option_int(config, "accept_json") != 0;
        ctx->accept_xml = host->option_int(config, "accept_xml") != 0;
    }
    host->log(SG_LOG_INFO, CF_NAME, NULL, "decoding feedback tickets as "
              "%s", ctx->accept_json && ctx->accept_xml ? "JSON and XML"
              : ctx->accept_json ? "JSON only" : ctx->accept_xml
              ? "XML only" : "nothing (accept_json and accept_xml off)");
    *ctxp = ctx;
    return 0;
}

static void
cf_exit(void *ctx)
{
    free(ctx);
}

/* --- fields ------------------------------------------------------------ */

static const char *const cf_names[CF_N] = {
    "id", "customer id", "customer name", "channel", "category",
    "severity", "order", "lot", "item", "text", "requested outcome",
    "created", "kind", "at", "outcome", "satisfaction", "note"
};

const char *
cf_field_name(enum cf_field f)
{
    return f < CF_N ? cf_names[f] : "?";
}

static const char *const cf_channels[] = {
    "phone", "email", "chat", "social", "other", NULL
};
static const char *const cf_categories[] = {
    "quality", "delivery", "service", "other", NULL
};
static const char *const cf_severities[] = {
    "critical", "high", "medium", "low", NULL
};
static const char *const cf_outcomes[] = {
    "return", "exchange", "repair", "refund", "none", NULL
};
static const char *const cf_kinds[] = {
    "first_response", "resolved", "follow_up", NULL
};

void
cf_doc_free(struct cf_doc *d)
{
    int i;

    for (i = 0; i < CF_N; i++) {
        free(d->v[i]);
    }
    memset(d, 0, sizeof(*d));
}

void
cf_error(struct cf_run *run, const char *code, const struct cf_pos *pos,
         const char *fmt, ...)
{
    struct sg_diag d;
    struct cf_pos at;
    char text[512];
    va_list ap;

    if (run->stop) {
        return;
    }
    if (pos != NULL && pos->line == CF_POS_LATER) {
        at = *pos;
        at.line = 0;
        if (run->locate != NULL) {
            run->locate(run, &at);
        }
        pos = &at;
    }
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = text;
    if (pos != NULL) {
        d.line = pos->line;
        d.column = pos->column;
        d.xpath = pos->path[0] != '\0' ? pos->path : NULL;
    }
    run->n_errors++;
    if (run->sink->error(run->sink, &d) != 0) {
        run->stop = 1;
    }
}

/* --- checks -------------------------------------------------------------- */

/* Characters (not bytes) of UTF-8 text. */
static size_t
cf_chars(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* A control character XML cannot carry (tabs and newlines only in
 * free text). */
static int
cf_has_control(const char *s, int free_text)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 || c == 0x7f) &&
            !(free_text && (c == '\t' || c == '\n' || c == '\r'))) {
            return 1;
        }
    }
    return 0;
}

/* Blanks around an identifier do not count (the XSD's token rule). */
static void
cf_trim(char *s)
{
    size_t n = strlen(s), start = 0;

    while (start < n && (s[start] == ' ' || s[start] == '\t' ||
                         s[start] == '\n' || s[start] == '\r')) {
        start++;
    }
    while (n > start && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
                         s[n - 1] == '\n' || s[n - 1] == '\r')) {
        n--;
    }
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

static int
cf_check_required(struct cf_run *run, struct cf_doc *d, enum cf_field f)
{
    if (d->v[f] != NULL && d->v[f][0] != '\0') {
        return 0;
    }
    cf_error(run, "crm.missing_field", &d->pos[f], "the %s %s is missing "
             "or empty", d->is_update ? "update's" : "ticket's",
             cf_field_name(f));
    return -1;
}

static int
cf_check_identifier(struct cf_run *run, struct cf_doc *d, enum cf_field f)
{
    if (d->v[f] == NULL) {
        return 0;
    }
    cf_trim(d->v[f]);
    if (d->v[f][0] == '\0' || cf_chars(d->v[f]) > 80 ||
        cf_has_control(d->v[f], 0)) {
        cf_error(run, "crm.bad_identifier", &d->pos[f], "%s must be 1 to "
                 "80 characters without control characters",
                 cf_field_name(f));
        return -1;
    }
    return 0;
}

static int
cf_check_text(struct cf_run *run, struct cf_doc *d, enum cf_field f,
              size_t max)
{
    if (d->v[f] == NULL) {
        return 0;
    }
    if (cf_chars(d->v[f]) > max || cf_has_control(d->v[f], 1)) {
        cf_error(run, "crm.bad_text", &d->pos[f], "%s must be at most %zu "
                 "characters without control characters", cf_field_name(f),
                 max);
        return -1;
    }
    return 0;
}

static int
cf_check_one_of(struct cf_run *run, struct cf_doc *d, enum cf_field f,
                const char *const *allowed)
{
    const char *const *a;
    char list[160] = "";

    if (d->v[f] == NULL) {
        return 0;
    }
    cf_trim(d->v[f]);
    for (a = allowed; *a != NULL; a++) {
        if (strcmp(d->v[f], *a) == 0) {
            return 0;
        }
    }
    for (a = allowed; *a != NULL; a++) {
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                 a == allowed ? "" : ", ", *a);
    }
    cf_error(run, "crm.bad_value", &d->pos[f], "%s \"%.60s\" is not one of "
             "%s", cf_field_name(f), d->v[f], list);
    return -1;
}

static int
cf_check_time(struct cf_run *run, struct cf_doc *d, enum cf_field f)
{
    long long ms;
    int rc;

    if (d->v[f] == NULL) {
        return 0;
    }
    cf_trim(d->v[f]);
    rc = sg_parse_datetime(d->v[f], &ms);
    if (rc == SG_DATETIME_NO_ZONE) {
        cf_error(run, "crm.time_without_zone", &d->pos[f], "%s \"%.40s\" "
                 "names no time zone (add Z or an offset such as +01:00)",
                 cf_field_name(f), d->v[f]);
        return -1;
    }
    if (rc != SG_DATETIME_OK) {
        cf_error(run, "crm.bad_time", &d->pos[f], "%s \"%.40s\" is not a "
                 "date-time YYYY-MM-DDThh:mm:ss with a zone",
                 cf_field_name(f), d->v[f]);
        return -1;
    }
    return 0;
}

static int
cf_check_score(struct cf_run *run, struct cf_doc *d)
{
    const char *s = d->v[CF_SATISFACTION];

    if (s == NULL) {
        return 0;
    }
    if (strlen(s) != 1 || s[0] < '1' || s[0] > '5') {
        cf_error(run, "crm.bad_satisfaction", &d->pos[CF_SATISFACTION],
                 "satisfaction \"%.20s\" is not a whole score from 1 to 5",
                 s);
        return -1;
    }
    return 0;
}

/* A field an update of this kind does not carry. */
static int
cf_check_absent(struct cf_run *run, struct cf_doc *d, enum cf_field f)
{
    if (d->v[f] == NULL) {
        return 0;
    }
    cf_error(run, "crm.field_not_allowed", &d->pos[f], "an update of kind "
             "\"%s\" has no %s", d->v[CF_KIND], cf_field_name(f));
    return -1;
}

static int
cf_check_ticket(struct cf_run *run, struct cf_doc *d)
{
    static const enum cf_field required[] = {
        CF_ID, CF_CUSTOMER, CF_CHANNEL, CF_CATEGORY, CF_SEVERITY, CF_TEXT,
        CF_CREATED
    };
    size_t i;
    int bad = 0;

    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        bad |= cf_check_required(run, d, required[i]);
    }
    bad |= cf_check_identifier(run, d, CF_ID);
    bad |= cf_check_identifier(run, d, CF_CUSTOMER);
    bad |= cf_check_identifier(run, d, CF_ORDER);
    bad |= cf_check_identifier(run, d, CF_LOT);
    bad |= cf_check_identifier(run, d, CF_ITEM);
    bad |= cf_check_text(run, d, CF_CUSTOMER_NAME, 512);
    bad |= cf_check_text(run, d, CF_TEXT, 4000);
    bad |= cf_check_one_of(run, d, CF_CHANNEL, cf_channels);
    bad |= cf_check_one_of(run, d, CF_CATEGORY, cf_categories);
    bad |= cf_check_one_of(run, d, CF_SEVERITY, cf_severities);
    bad |= cf_check_one_of(run, d, CF_REQUESTED, cf_outcomes);
    bad |= cf_check_time(run, d, CF_CREATED);
    return bad ? -1 : 0;
}

static int
cf_check_update(struct cf_run *run, struct cf_doc *d)
{
    int bad = 0;

    bad |= cf_check_required(run, d, CF_ID);
    bad |= cf_check_required(run, d, CF_KIND);
    bad |= cf_check_required(run, d, CF_AT);
    bad |= cf_check_identifier(run, d, CF_ID);
    bad |= cf_check_time(run, d, CF_AT);
    bad |= cf_check_text(run, d, CF_NOTE, 4000);
    bad |= cf_check_one_of(run, d, CF_OUTCOME, cf_outcomes);
    bad |= cf_check_score(run, d);
    if (d->v[CF_KIND] == NULL || cf_check_one_of(run, d, CF_KIND, cf_kinds)
        != 0) {
        return -1;
    }
    if (strcmp(d->v[CF_KIND], "resolved") == 0) {
        bad |= cf_check_required(run, d, CF_OUTCOME);
        bad |= cf_check_absent(run, d, CF_SATISFACTION);
    } else if (strcmp(d->v[CF_KIND], "follow_up") == 0) {
        bad |= cf_check_required(run, d, CF_SATISFACTION);
        bad |= cf_check_absent(run, d, CF_OUTCOME);
    } else {
        bad |= cf_check_absent(run, d, CF_OUTCOME);
        bad |= cf_check_absent(run, d, CF_SATISFACTION);
    }
    return bad ? -1 : 0;
}

/* --- the canonical writer ---------------------------------------------- */

static void
cf_xml_elem(struct sg_buf *b, const char *indent, const char *name,
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
cf_xml_ticket(struct sg_buf *b, const struct cf_doc *d)
{
    const char *in = "    ";

    sg_buf_adds(b, "  <ticket>\n    <customer id=\"");
    sg_buf_add_xml(b, d->v[CF_CUSTOMER]);
    sg_buf_adds(b, "\">\n");
    cf_xml_elem(b, "      ", "name", d->v[CF_CUSTOMER_NAME]);
    sg_buf_adds(b, "    </customer>\n");
    cf_xml_elem(b, in, "channel", d->v[CF_CHANNEL]);
    cf_xml_elem(b, in, "category", d->v[CF_CATEGORY]);
    cf_xml_elem(b, in, "severity", d->v[CF_SEVERITY]);
    cf_xml_elem(b, in, "orderRef", d->v[CF_ORDER]);
    cf_xml_elem(b, in, "lotRef", d->v[CF_LOT]);
    cf_xml_elem(b, in, "item", d->v[CF_ITEM]);
    cf_xml_elem(b, in, "text", d->v[CF_TEXT]);
    cf_xml_elem(b, in, "requestedOutcome", d->v[CF_REQUESTED] != NULL ?
                d->v[CF_REQUESTED] : "none");
    cf_xml_elem(b, in, "created", d->v[CF_CREATED]);
    sg_buf_adds(b, "  </ticket>\n");
}

static void
cf_xml_update(struct sg_buf *b, const struct cf_doc *d)
{
    const char *kind = d->v[CF_KIND], *el;
    const char *in = "      ";

    el = strcmp(kind, "resolved") == 0 ? "resolved"
         : strcmp(kind, "follow_up") == 0 ? "followUp" : "firstResponse";
    sg_buf_addf(b, "  <update>\n    <%s>\n", el);
    cf_xml_elem(b, in, "at", d->v[CF_AT]);
    cf_xml_elem(b, in, "outcome", d->v[CF_OUTCOME]);
    cf_xml_elem(b, in, "satisfaction", d->v[CF_SATISFACTION]);
    cf_xml_elem(b, in, "note", d->v[CF_NOTE]);
    sg_buf_addf(b, "    </%s>\n  </update>\n", el);
}

int
cf_emit(struct cf_run *run, struct cf_doc *d)
{
    struct sg_document doc;
    struct sg_buf b;
    int rc = 0;

    if ((d->is_update ? cf_check_update(run, d) : cf_check_ticket(run, d))
        != 0) {
        return -1;
    }
    sg_buf_init(&b);
    sg_buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<feedback xmlns=\"" CF_NS "\">\n"
                "  <source format=\"%s\"/>\n", d->format);
    cf_xml_elem(&b, "  ", "ticketId", d->v[CF_ID]);
    if (d->is_update) {
        cf_xml_update(&b, d);
    } else {
        cf_xml_ticket(&b, d);
    }
    sg_buf_adds(&b, "</feedback>\n");

    memset(&doc, 0, sizeof(doc));
    doc.type = "feedback";
    doc.key = d->v[CF_ID];
    doc.xml = b.data;
    doc.xml_len = b.len;
    if (run->sink->document(run->sink, &doc) != 0) {
        run->stop = 1;
        rc = -1;
    }
    sg_buf_free(&b);
    return rc;
}

/* --- decode and sniff -------------------------------------------------- */

/* The first byte after an optional BOM and blanks, or 0. */
static unsigned char
cf_first_byte(const unsigned char *p, size_t len)
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
cf_decode(void *ctxp, const struct sg_message *msg, struct sg_sink *sink)
{
    const struct cf_ctx *ctx = ctxp;
    unsigned char first = cf_first_byte(msg->data, msg->len);
    struct cf_run run;
    struct cf_doc d;
    struct cf_pos start = {1, 1, ""};
    int rc;

    memset(&run, 0, sizeof(run));
    run.ctx = ctx;
    run.msg = msg;
    run.sink = sink;
    memset(&d, 0, sizeof(d));
    if (first == '{' && ctx->accept_json) {
        d.format = "json";
        rc = cf_json_read(&run, &d);
    } else if (first == '<' && ctx->accept_xml) {
        d.format = "xml";
        rc = cf_xml_read(&run, &d);
    } else {
        cf_error(&run, "crm.unsupported_body", &start, "the body is %s; "
                 "this plugin takes a ticket as %s", first == '{' ? "JSON"
                 : first == '<' ? "XML" : "neither JSON nor XML",
                 ctx->accept_json && ctx->accept_xml ? "JSON or XML"
                 : ctx->accept_json ? "JSON" : ctx->accept_xml ? "XML"
                 : "nothing (both formats are switched off)");
        return -1;
    }
    /* A body that was read but holds bad fields was still understood:
     * the errors say which fields, and the message is rejected whole. */
    if (rc == 0) {
        cf_emit(&run, &d);
    }
    cf_doc_free(&d);
    return rc < 0 ? -1 : 0;
}

static int
cf_sniff(const unsigned char *data, size_t len)
{
    unsigned char first = cf_first_byte(data, len);

    if (first == '{') {
        return cf_json_is_ticket(data, len);
    }
    if (first == '<') {
        return cf_xml_is_ticket(data, len);
    }
    return 0;
}

/* --- descriptor ------------------------------------------------------- */

static const char *const cf_content_types[] = {
    "application/json", "application/xml", "text/xml", NULL
};

static const char *const cf_document_types[] = {"feedback", NULL};

const struct sg_plugin sg_plugin_descriptor = {
    SG_PLUGIN_HEADER,
    .name = CF_NAME,
    .version = "1.0.0",
    .description = "customer feedback tickets and their updates from the "
                   "CRM: JSON, XML",
    .content_types = cf_content_types,
    .document_types = cf_document_types,
    .options = cf_options,
    .sniff = cf_sniff,
    .init = cf_init,
    .decode = cf_decode,
    .exit = cf_exit,
};
