/*
 * wms_stock.c - the warehouse plugin: stock snapshots and goods receipts
 * from warehouse management systems, turned into canonical <stock>
 * (schemas/stock.xsd) and <receipt> (schemas/receipt.xsd) documents.
 *
 * Formats: X12 846 inventory advice and EDIFACT INVRPT (through the
 * shared readers in core/edi.h, mapped in map_x12_846.c and
 * map_edifact_invrpt.c), a CSV snapshot with a fixed header
 * (map_csv_stock.c), and XML already in the canonical form, <stock> or
 * <receipt> (map_xml.c).  The daemon chose this plugin by content type
 * or by sniffing; the sniff looks past the envelope at the set type, so
 * that with supplier_edi loaded too an 846 comes here and an 850 there.
 *
 * Goods receipts: EDIFACT RECADV (map_edifact_recadv.c) and canonical XML.
 * XXX: X12 861 receiving advice is refused as an unsupported set; a
 * warehouse sending it must convert to RECADV or XML first.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wms_stock.h"

/* --- context ------------------------------------------------------------ */

#define WS_DEFAULT_MAX_DOCUMENTS 1000
#define WS_DEFAULT_MAX_LINES 100000

/* How far into an interchange the sniff looks for ST or UNH. */
#define WS_SNIFF_SPAN 4096

/* --- config table ------------------------------------------------------- */

static const struct sg_option ws_options[] = {
    {SG_OPT_INT, "max_documents", NULL, WS_DEFAULT_MAX_DOCUMENTS, 1,
     100000, "most documents one message may carry; more rejects it"},
    {SG_OPT_INT, "max_lines", NULL, WS_DEFAULT_MAX_LINES, 1, 100000,
     "most lines one snapshot may carry (the schema's own limit)"},
    {SG_OPT_END, NULL, NULL, 0, 0, 0, NULL}
};

/* --- init ---------------------------------------------------------------- */

static int
ws_init(const struct sg_host *host, const void *config, void **ctxp)
{
    struct ws_ctx *ctx;

    if (host == NULL || host->log == NULL) {
        return -1;
    }
    ctx = sg_xcalloc(1, sizeof(*ctx));
    ctx->host = host;
    ctx->max_documents = WS_DEFAULT_MAX_DOCUMENTS;
    ctx->max_lines = WS_DEFAULT_MAX_LINES;
    if (config != NULL && host->option_int != NULL) {
        ctx->max_documents = host->option_int(config, "max_documents");
        ctx->max_lines = host->option_int(config, "max_lines");
    }
    if (ctx->max_documents < 1 || ctx->max_lines < 1) {
        host->log(SG_LOG_ERROR, WS_NAME, NULL, "max_documents and "
                  "max_lines must be at least 1");
        free(ctx);
        return -1;
    }
    host->log(SG_LOG_INFO, WS_NAME, NULL, "decoding X12 846, EDIFACT "
              "INVRPT, CSV stock snapshots and canonical stock and "
              "receipt XML");
    *ctxp = ctx;
    return 0;
}

/* --- the stock model ---------------------------------------------------- */

void
ws_stock_init(struct ws_stock *s, const char *format)
{
    memset(s, 0, sizeof(*s));
    s->format = format;
}

void
ws_stock_free(struct ws_stock *s)
{
    size_t i;

    for (i = 0; i < s->n_lines; i++) {
        free(s->lines[i].item);
        free(s->lines[i].lot);
        free(s->lines[i].expiry);
        free(s->lines[i].quantity);
        free(s->lines[i].unit);
    }
    free(s->lines);
    free(s->sender);
    free(s->receiver);
    free(s->interchange);
    free(s->message);
    free(s->message_type);
    free(s->version);
    free(s->id);
    free(s->warehouse);
    free(s->time);
    memset(s, 0, sizeof(*s));
}

struct ws_line *
ws_stock_add_line(struct ws_stock *s)
{
    if (s->n_lines == s->lines_cap) {
        s->lines_cap = s->lines_cap ? s->lines_cap * 2 : 16;
        s->lines = sg_xrealloc(s->lines, s->lines_cap * sizeof(*s->lines));
    }
    memset(&s->lines[s->n_lines], 0, sizeof(*s->lines));
    return &s->lines[s->n_lines++];
}

void
ws_set(char **field, const char *value)
{
    size_t n;
    char *v, *p;

    free(*field);
    *field = NULL;
    if (value == NULL) {
        return;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t' ||
                     value[n - 1] == '\r' || value[n - 1] == '\n')) {
        n--;
    }
    if (n == 0) {
        return;
    }
    v = sg_xstrndup(value, n);
    for (p = v; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    *field = v;
}

int
ws_quantity_ok(const char *s)
{
    int whole = 0, frac = 0, dot = 0;

    if (s == NULL || *s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
        } else if (isdigit((unsigned char)*s)) {
            if (dot) {
                frac++;
            } else {
                whole++;
            }
        } else {
            return 0;
        }
    }
    return whole + frac > 0 && whole <= 12 && frac <= 6;
}

int
ws_date(const char *s, int dashed, char out[11])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31};
    char digits[9];
    int y, m, d, leap, i;

    if (s == NULL) {
        return -1;
    }
    if (dashed) {
        if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
            return -1;
        }
        memcpy(digits, s, 4);
        memcpy(digits + 4, s + 5, 2);
        memcpy(digits + 6, s + 8, 2);
    } else {
        if (strlen(s) != 8) {
            return -1;
        }
        memcpy(digits, s, 8);
    }
    digits[8] = '\0';
    for (i = 0; i < 8; i++) {
        if (!isdigit((unsigned char)digits[i])) {
            return -1;
        }
    }
    y = atoi(digits) / 10000;
    m = atoi(digits) / 100 % 100;
    d = atoi(digits) % 100;
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap)) {
        return -1;
    }
    snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m, d);
    return 0;
}

char *
ws_partner(const char *qualifier, const char *id)
{
    char *q = NULL, *i = NULL, *p;

    ws_set(&q, qualifier);
    ws_set(&i, id);
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
ws_report(struct ws_run *run, const struct sg_diag *d)
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
ws_diag(struct ws_run *run, const char *code,
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
    ws_report(run, &d);
}

void
ws_diag_at(struct ws_run *run, const char *code, long line, long column,
           int field, const char *fmt, ...)
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
    d.column = column;
    d.element = field;
    ws_report(run, &d);
}

/* --- the canonical writer ------------------------------------------- */

static void
ws_xml_elem(struct sg_buf *b, const char *indent, const char *name,
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
ws_xml_attr(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_addf(b, " %s=\"", name);
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "\"");
}

static void
ws_stock_xml(const struct ws_stock *s, struct sg_buf *b)
{
    size_t i;

    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<stock xmlns=\"urn:supplygate:canonical:1\">\n  <source");
    ws_xml_attr(b, "format", s->format);
    ws_xml_attr(b, "sender", s->sender);
    ws_xml_attr(b, "receiver", s->receiver);
    ws_xml_attr(b, "interchange", s->interchange);
    ws_xml_attr(b, "message", s->message);
    ws_xml_attr(b, "messageType", s->message_type);
    ws_xml_attr(b, "version", s->version);
    sg_buf_adds(b, "/>\n");
    ws_xml_elem(b, "  ", "snapshotId", s->id);
    ws_xml_elem(b, "  ", "warehouse", s->warehouse);
    ws_xml_elem(b, "  ", "time", s->time);
    sg_buf_adds(b, "  <lines>\n");
    for (i = 0; i < s->n_lines; i++) {
        const struct ws_line *l = &s->lines[i];

        sg_buf_adds(b, "    <line>\n");
        ws_xml_elem(b, "      ", "item", l->item);
        ws_xml_elem(b, "      ", "lot", l->lot);
        ws_xml_elem(b, "      ", "expiry", l->expiry);
        sg_buf_adds(b, "      <quantity");
        ws_xml_attr(b, "unit", l->unit);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, l->quantity != NULL ? l->quantity : "");
        sg_buf_adds(b, "</quantity>\n    </line>\n");
    }
    sg_buf_adds(b, "  </lines>\n</stock>\n");
}

int
ws_emit_xml(struct ws_run *run, const char *type, const char *key,
            const char *partner, const char *xml, size_t len)
{
    struct sg_document doc;
    struct sg_diag d;
    char text[256];

    if (run->stop) {
        return -1;
    }
    if (run->n_documents >= run->ctx->max_documents) {
        snprintf(text, sizeof(text), "%s %s is beyond max_documents (%ld) "
                 "for one message; split it", type, key ? key : "?",
                 run->ctx->max_documents);
        memset(&d, 0, sizeof(d));
        d.code = "wms_stock.too_many_documents";
        d.text = text;
        ws_report(run, &d);
        run->stop = 1;
        return -1;
    }
    memset(&doc, 0, sizeof(doc));
    doc.type = type;
    doc.key = key;
    doc.partner = partner;
    doc.xml = xml;
    doc.xml_len = len;
    run->n_documents++;
    if (run->sink->document(run->sink, &doc) != 0) {
        run->stop = 1;
        return -1;
    }
    return 0;
}

int
ws_emit_stock(struct ws_run *run, const struct ws_stock *s)
{
    struct sg_buf b;
    struct sg_diag d;
    char text[160];
    int rc;

    if ((long)s->n_lines > run->ctx->max_lines) {
        snprintf(text, sizeof(text), "the snapshot has %zu lines, more "
                 "than max_lines (%ld)", s->n_lines, run->ctx->max_lines);
        memset(&d, 0, sizeof(d));
        d.code = "wms_stock.too_many_lines";
        d.text = text;
        ws_report(run, &d);
        return run->stop ? -1 : 0;
    }
    sg_buf_init(&b);
    ws_stock_xml(s, &b);
    rc = ws_emit_xml(run, "stock", s->id, s->sender, b.data, b.len);
    sg_buf_free(&b);
    return rc;
}

/* --- decode ------------------------------------------------------------ */

/* A body starting with '<' after an optional BOM and blanks. */
static int
ws_looks_xml(const unsigned char *p, size_t len)
{
    size_t i = len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf
               ? 3 : 0;

    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
                       p[i] == '\n')) {
        i++;
    }
    return i < len && p[i] == '<';
}

static int
ws_on_diag(void *arg, const struct sg_diag *diag)
{
    struct ws_run *run = arg;

    /* Every reader diag is the partner's to see, the repertoire of its
     * syntax identifier included (UTF-8 under UNOA is refused): the
     * reader has marked the message, which is then not mapped. */
    ws_report(run, diag);
    return run->stop ? -1 : 0;
}

/* The envelope fields every snapshot carries. */
static void
ws_stock_envelope(struct ws_stock *s, const struct sg_edi_envelope *env)
{
    s->sender = ws_partner(env->sender_qual, env->sender);
    s->receiver = ws_partner(env->receiver_qual, env->receiver);
    ws_set(&s->interchange, env->interchange_control);
    ws_set(&s->message, env->set_control);
    ws_set(&s->message_type, env->set_type);
    ws_set(&s->version, env->version);
}

/* One transaction set or message from the reader. */
static int
ws_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct ws_run *run = arg;
    const struct sg_edi_segment *head = tx->n_segments > 0 ?
                                        &tx->segments[0] : NULL;
    int x12 = tx->env.syntax == SG_EDI_X12, rc;
    struct ws_stock s;

    if (run->stop) {
        return -1;
    }
    if (strcmp(tx->env.set_type, x12 ? "846" : "INVRPT") != 0 &&
        (x12 || strcmp(tx->env.set_type, "RECADV") != 0)) {
        ws_diag(run, "wms_stock.unsupported_set", head, NULL, x12 ? 1 : 2,
                x12 ? 0 : 1, "%s %s is not an inventory report or a "
                "receiving advice: this plugin decodes X12 846, EDIFACT "
                "INVRPT and RECADV",
                x12 ? "transaction set" : "message",
                tx->env.set_type[0] ? tx->env.set_type : "(no type)");
        return run->stop ? -1 : 0;
    }
    /* The reader has said what is wrong; the message is rejected whole. */
    if (tx->has_errors) {
        return 0;
    }
    ws_stock_init(&s, x12 ? "x12" : "edifact");
    ws_stock_envelope(&s, &tx->env);
    if (!x12 && strcmp(tx->env.set_type, "RECADV") == 0) {
        ws_map_edifact_recadv(run, tx, &s);
        ws_stock_free(&s);
        return run->stop ? -1 : 0;
    }
    rc = x12 ? ws_map_x12_846(run, tx, &s)
             : ws_map_edifact_invrpt(run, tx, &s);
    if (rc == 0) {
        ws_emit_stock(run, &s);
    }
    ws_stock_free(&s);
    return run->stop ? -1 : 0;
}

/* What the reader's answer n means for the message, said once. */
static int
ws_edi_done(struct ws_run *run, long n)
{
    struct sg_diag d;

    memset(&d, 0, sizeof(d));
    if (n < 0) {
        if (run->n_errors == 0) {
            d.code = "wms_stock.unreadable";
            d.text = "the interchange could not be read";
            ws_report(run, &d);
        }
        return -1;
    }
    if (n == 0 && run->n_errors == 0) {
        d.code = "wms_stock.empty";
        d.text = "the interchange holds no transaction set";
        ws_report(run, &d);
    }
    return 0;
}

static int
ws_decode_edi(struct ws_run *run, enum sg_edi_syntax syntax)
{
    const struct sg_message *msg = run->msg;

    return ws_edi_done(run, sg_edi_read(syntax, msg->data, msg->len,
                                        ws_on_tx, ws_on_diag, run));
}

static int
ws_decode(void *ctxp, const struct sg_message *msg, struct sg_sink *sink)
{
    struct ws_run run;
    struct sg_diag d;
    int syntax;

    memset(&run, 0, sizeof(run));
    run.ctx = ctxp;
    run.msg = msg;
    run.sink = sink;

    syntax = sg_edi_sniff(msg->data, msg->len);
    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        return ws_decode_edi(&run, (enum sg_edi_syntax)syntax);
    }
    if (ws_csv_sniff(msg->data, msg->len) ||
        (msg->content_type != NULL &&
         strncasecmp(msg->content_type, "text/csv", 8) == 0)) {
        return ws_csv_decode(&run);
    }
    if (ws_looks_xml(msg->data, msg->len)) {
        return ws_xml_decode(&run);
    }
    memset(&d, 0, sizeof(d));
    d.code = "wms_stock.unknown_format";
    d.text = "the body is neither X12 (ISA), EDIFACT (UNA/UNB), a CSV "
             "snapshot (header " WS_CSV_HEADER ") nor XML";
    d.line = 1;
    d.column = 1;
    ws_report(&run, &d);
    return -1;
}

/*
 * decode() for a body pulled through msg->read: an interchange is read
 * as it streams; a CSV or XML snapshot is read whole, up to
 * SG_EDI_WHOLE_MAX (core/edi.h), and handed to decode().
 */
static int
ws_decode_stream(void *ctxp, const struct sg_message *msg,
                 struct sg_sink *sink)
{
    struct sg_message whole;
    struct ws_run run;
    struct sg_diag d;
    long n = 0;
    int rc;

    memset(&run, 0, sizeof(run));
    run.ctx = ctxp;
    run.msg = msg;
    run.sink = sink;
    switch (sg_edi_stream_or_whole(msg, ws_on_tx, ws_on_diag, &run, &n,
                                   &whole)) {
    case SG_EDI_STREAMED:
        return n == -2 ? -1 : ws_edi_done(&run, n);
    case SG_EDI_WHOLE:
        rc = ws_decode(ctxp, &whole, sink);
        free((void *)whole.data);
        return rc;
    case SG_EDI_TOO_LARGE:
        memset(&d, 0, sizeof(d));
        d.code = "wms_stock.too_large";
        d.text = "streaming is for EDI bodies: a body that is not X12 or "
                 "EDIFACT is read whole, and this one is over 16 MB";
        ws_report(&run, &d);
        return -1;
    default:
        return -1;
    }
}

/* --- sniff ------------------------------------------------------------- */

/*
 * Where the set type of the first transaction is, for the sniff: after
 * "ST" and the element separator in X12, after "UNH", the separator, the
 * message reference and the separator again in EDIFACT.  NULL when not
 * found in the first WS_SNIFF_SPAN bytes.
 */
static const unsigned char *
ws_set_type(const unsigned char *data, size_t len, int syntax)
{
    size_t span = len < WS_SNIFF_SPAN ? len : WS_SNIFF_SPAN, i;
    const unsigned char *isa, *p;
    unsigned char sep = '+';

    if (syntax == SG_EDI_X12) {
        isa = memchr(data, 'I', span);
        if (isa == NULL || (size_t)(isa - data) + 4 > span) {
            return NULL;
        }
        sep = isa[3];
    } else {
        p = memchr(data, 'U', span);
        if (p != NULL && (size_t)(p - data) + 5 <= span &&
            memcmp(p, "UNA", 3) == 0) {
            sep = p[4];
        }
    }
    for (i = 1; i + 8 < span; i++) {
        if (isalnum(data[i - 1])) {
            continue;
        }
        if (syntax == SG_EDI_X12 && data[i] == 'S' && data[i + 1] == 'T' &&
            data[i + 2] == sep) {
            return data + i + 3;
        }
        if (syntax == SG_EDI_EDIFACT && memcmp(data + i, "UNH", 3) == 0 &&
            data[i + 3] == sep) {
            p = memchr(data + i + 4, sep, span - i - 4);
            return p != NULL ? p + 1 : NULL;
        }
    }
    return NULL;
}

static int
ws_sniff(const unsigned char *data, size_t len)
{
    int syntax = sg_edi_sniff(data, len);
    const unsigned char *t;
    size_t left;

    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        t = ws_set_type(data, len, syntax);
        if (t == NULL) {
            return 0;
        }
        left = len - (size_t)(t - data);
        /* Above supplier_edi's 90 for any interchange: ours is named. */
        if (syntax == SG_EDI_X12 && left > 3 && memcmp(t, "846", 3) == 0 &&
            !isalnum(t[3])) {
            return 95;
        }
        if (syntax == SG_EDI_EDIFACT && left > 6 &&
            (memcmp(t, "INVRPT", 6) == 0 || memcmp(t, "RECADV", 6) == 0) &&
            !isalnum(t[6])) {
            return 95;
        }
        return 0;
    }
    if (ws_csv_sniff(data, len)) {
        return 90;
    }
    return ws_xml_sniff(data, len) != NULL ? 60 : 0;
}

/* --- exit ---------------------------------------------------------------- */

static void
ws_exit(void *ctx)
{
    free(ctx);
}

/* --- descriptor ------------------------------------------------------- */

/*
 * The EDI and XML media types are shared with supplier_edi; the core
 * asks the sniff of every plugin claiming the type which one is meant.
 */
static const char *const ws_content_types[] = {
    "application/EDI-X12", "application/EDIFACT", "text/csv",
    "application/xml", "text/xml", NULL
};

static const char *const ws_document_types[] = {"stock", "receipt", NULL};

const struct sg_plugin sg_plugin_descriptor = {
    SG_PLUGIN_HEADER,
    .name = WS_NAME,
    .version = "1.0.0",
    .description = "warehouse stock and receipts: X12 846, EDIFACT "
                   "INVRPT and RECADV, CSV snapshots, canonical stock "
                   "and receipt XML",
    .content_types = ws_content_types,
    .document_types = ws_document_types,
    .options = ws_options,
    .sniff = ws_sniff,
    .init = ws_init,
    .decode = ws_decode,
    .exit = ws_exit,
    .decode_stream = ws_decode_stream,
};
