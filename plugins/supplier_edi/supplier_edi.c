/*
 * supplier_edi.c - the procurement plugin: purchase orders from
 * suppliers' systems (vendor-managed replenishment) and relays, as X12
 * 850, EDIFACT ORDERS or XML already in the canonical form, turned into
 * canonical <order> documents (schemas/order.xsd).
 *
 * The daemon chose this plugin by content type or by sniffing; decode()
 * looks at the body itself to pick the reader, hands each transaction
 * set to its mapper (map_x12_850.c, map_edifact_orders.c) or the body
 * to the XML path (map_xml_order.c), and reports every problem with its
 * position.  The suppliers' other documents have their own files:
 * answers to our orders (X12 855, EDIFACT ORDRSP) response.c, ship
 * notices (856, DESADV) ship_notice.c, invoices (810, INVOIC)
 * invoice.c.  Validation against the XSD, queueing and the procurement
 * rules (supplier registry, approval levels) happen in the core.
 *
 * This file also holds what the mappers share: the order model, decimal
 * and date handling, the canonical XML writer and the reporting helpers.
 */
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supplier_edi.h"
#include "invoice.h"
#include "response.h"

/* --- context ------------------------------------------------------------ */

/* Defaults, also used when the configuration has no section for us. */
#define SEDI_DEFAULT_ACCEPT_XML 1
#define SEDI_DEFAULT_MAX_DOCUMENTS 1000

/* --- config table ------------------------------------------------------- */

static const struct sg_option sedi_options[] = {
    {SG_OPT_BOOL, "accept_xml", NULL, SEDI_DEFAULT_ACCEPT_XML, 0, 1,
     "also accept orders already in the canonical XML form"},
    {SG_OPT_INT, "max_documents", NULL, SEDI_DEFAULT_MAX_DOCUMENTS, 1,
     100000, "most documents a message held in memory may carry (a "
     "streamed interchange over body_limit has no such cap)"},
    {SG_OPT_STRING, "edi_maps", "", 0, 0, 0,
     "directory of the X12/EDIFACT segment maps; empty: schema_dir/edi"},
    {SG_OPT_END, NULL, NULL, 0, 0, 0, NULL}
};

/* --- init ---------------------------------------------------------------- */

/* The segment maps every 850 and ORDERS is checked against; a bad or
 * missing map directory is a configuration error. */
static int
sedi_load_maps(struct sedi_ctx *ctx, const void *config)
{
    static const char *const sets[] = {"850", "ORDERS", "810", "INVOIC",
                                       "855", "ORDRSP", "856", "DESADV",
                                       NULL};
    const struct sg_host *host = ctx->host;
    const char *dir = NULL;
    char *owned = NULL, err[512];

    if (config != NULL && host->option_string != NULL) {
        dir = host->option_string(config, "edi_maps");
    }
    if ((dir == NULL || dir[0] == '\0') &&
        host->struct_size >= offsetof(struct sg_host, schema_dir) +
                             sizeof(host->schema_dir) &&
        host->schema_dir != NULL) {
        owned = sg_xasprintf("%s/edi", host->schema_dir);
        dir = owned;
    }
    if (dir == NULL || dir[0] == '\0') {
        host->log(SG_LOG_ERROR, SEDI_NAME, NULL, "no directory of EDI "
                  "segment maps: set edi_maps (this host gives no "
                  "schema_dir)");
        return -1;
    }
    ctx->maps = sg_edi_maps_load(dir, sets, err, sizeof(err));
    if (ctx->maps == NULL) {
        host->log(SG_LOG_ERROR, SEDI_NAME, NULL, "EDI segment maps: %s",
                  err);
        free(owned);
        return -1;
    }
    host->log(SG_LOG_INFO, SEDI_NAME, NULL, "%zu EDI segment maps from %s",
              sg_edi_maps_count(ctx->maps), dir);
    free(owned);
    return 0;
}

static int
sedi_init(const struct sg_host *host, const void *config, void **ctxp)
{
    struct sedi_ctx *ctx;

    if (host == NULL || host->log == NULL) {
        return -1;
    }
    ctx = sg_xcalloc(1, sizeof(*ctx));
    ctx->host = host;
    ctx->accept_xml = SEDI_DEFAULT_ACCEPT_XML;
    ctx->max_documents = SEDI_DEFAULT_MAX_DOCUMENTS;

    /* No section in the configuration file means every default. */
    if (config != NULL && host->option_int != NULL) {
        ctx->accept_xml = host->option_int(config, "accept_xml") != 0;
        ctx->max_documents = host->option_int(config, "max_documents");
    }
    if (ctx->max_documents < 1 || ctx->max_documents > 100000) {
        host->log(SG_LOG_ERROR, SEDI_NAME, NULL, "max_documents %ld is "
                  "out of range (1..100000)", ctx->max_documents);
        free(ctx);
        return -1;
    }
    if (sedi_load_maps(ctx, config) != 0) {
        free(ctx);
        return -1;
    }

    sedi_xml_init();
    host->log(SG_LOG_INFO, SEDI_NAME, NULL, "decoding X12 850, 855, 856, "
              "810 and EDIFACT ORDERS, ORDRSP, DESADV, INVOIC%s, at most "
              "%ld documents per message held in memory",
              ctx->accept_xml ? " and canonical XML orders" : "",
              ctx->max_documents);
    *ctxp = ctx;
    return 0;
}

/* --- the order model, shared with the mappers -------------------------- */

void
sedi_order_init(struct sedi_order *o, const char *format)
{
    memset(o, 0, sizeof(*o));
    o->format = format;
}

static void
sedi_party_free(struct sedi_party *p)
{
    int i;

    free(p->id);
    free(p->qualifier);
    free(p->name);
    for (i = 0; i < p->n_address; i++) {
        free(p->address[i]);
    }
    free(p->city);
    free(p->postal_code);
    free(p->country);
}

void
sedi_order_free(struct sedi_order *o)
{
    size_t i;

    if (o == NULL) {
        return;
    }
    free(o->sender);
    free(o->receiver);
    free(o->interchange);
    free(o->group);
    free(o->message);
    free(o->message_type);
    free(o->version);
    free(o->number);
    free(o->date);
    free(o->purpose);
    free(o->order_type);
    free(o->currency);
    free(o->requested_delivery);
    sedi_party_free(&o->supplier);
    sedi_party_free(&o->buyer);
    sedi_party_free(&o->ship_to);
    for (i = 0; i < o->n_refs; i++) {
        free(o->refs[i].qualifier);
        free(o->refs[i].value);
    }
    free(o->refs);
    for (i = 0; i < o->n_lines; i++) {
        struct sedi_line *l = &o->lines[i];

        free(l->number);
        free(l->item);
        free(l->supplier_item);
        free(l->gtin);
        free(l->first_id);
        free(l->description);
        free(l->unit);
        free(l->requested_delivery);
    }
    free(o->lines);
}

/* Length of a well-formed UTF-8 sequence at p, or 0. */
static size_t
sedi_utf8_len(const unsigned char *p)
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
    /* Overlong forms, surrogates, beyond U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    /* C1 controls and the two non-characters XML refuses. */
    if ((cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff) {
        return 0;
    }
    return n;
}

/*
 * Partners declare UNOC (Latin-1) and send UTF-8, or send Latin-1 in an
 * X12 file that has no charset at all; well-formed UTF-8 is kept and any
 * other byte is read as Latin-1, so the XML is always well formed.
 * XXX: ISO 8859-2 and later (UNOD..UNOK) are read as Latin-1 too;
 * letters outside Latin-1 come out as the wrong letters.
 */
static char *
sedi_clean(const char *value)
{
    const unsigned char *p = (const unsigned char *)value;
    struct sg_buf b;
    size_t n;

    sg_buf_init(&b);
    while (*p != '\0') {
        if (*p < 0x20 || *p == 0x7f) {
            sg_buf_add(&b, " ", 1);
            p++;
        } else if (*p < 0x80) {
            sg_buf_add(&b, p, 1);
            p++;
        } else if ((n = sedi_utf8_len(p)) > 0) {
            sg_buf_add(&b, p, n);
            p += n;
        } else if (*p < 0xa0) {
            /* C1 controls, as Latin-1 or as broken UTF-8. */
            sg_buf_add(&b, " ", 1);
            p++;
        } else {
            char two[2];

            two[0] = (char)(0xc0 | (*p >> 6));
            two[1] = (char)(0x80 | (*p & 0x3f));
            sg_buf_add(&b, two, 2);
            p++;
        }
    }

    /* Trim the blanks X12 fixed-width fields and partners leave. */
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
sedi_set(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? sedi_clean(value) : NULL;
}

void
sedi_set_first(char **field, const char *value)
{
    if (*field == NULL) {
        sedi_set(field, value);
    }
}

void
sedi_order_add_ref(struct sedi_order *o, const char *qualifier,
                   const char *value)
{
    char *q = sedi_clean(qualifier), *v = sedi_clean(value);

    /* Both are required by the schema; half a reference says nothing. */
    if (q == NULL || v == NULL) {
        free(q);
        free(v);
        return;
    }
    if (o->n_refs == o->refs_cap) {
        o->refs_cap = o->refs_cap ? o->refs_cap * 2 : 4;
        o->refs = sg_xrealloc(o->refs, o->refs_cap * sizeof(*o->refs));
    }
    o->refs[o->n_refs].qualifier = q;
    o->refs[o->n_refs].value = v;
    o->n_refs++;
}

struct sedi_line *
sedi_order_add_line(struct sedi_order *o)
{
    struct sedi_line *l;

    if (o->n_lines == o->lines_cap) {
        o->lines_cap = o->lines_cap ? o->lines_cap * 2 : 8;
        o->lines = sg_xrealloc(o->lines, o->lines_cap * sizeof(*o->lines));
    }
    l = &o->lines[o->n_lines++];
    memset(l, 0, sizeof(*l));
    return l;
}

void
sedi_party_settle(struct sedi_party *p)
{
    if (p->id != NULL) {
        if (p->qualifier == NULL) {
            p->qualifier = sg_xstrdup("mutual");
        }
        return;
    }
    if (p->name != NULL) {
        p->id = sg_xstrdup(p->name);
        free(p->qualifier);
        p->qualifier = sg_xstrdup("name");
    }
}

int
sedi_decimal(const char *s, char alt_mark, long long *out)
{
    long long ip = 0, fp = 0;
    int neg = 0, n_int = 0, n_frac = 0, digits = 0;

    while (*s == ' ') {
        s++;
    }
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    for (; isdigit((unsigned char)*s); s++, digits++) {
        if (n_int == 0 && *s == '0') {
            continue;
        }
        if (++n_int > 12) {
            return -1;
        }
        ip = ip * 10 + (*s - '0');
    }
    if (*s == '.' || (alt_mark != '\0' && *s == alt_mark)) {
        for (s++; isdigit((unsigned char)*s); s++, digits++) {
            if (n_frac < 6) {
                fp = fp * 10 + (*s - '0');
                n_frac++;
            } else if (*s != '0') {
                return -1;
            }
        }
    }
    while (*s == ' ') {
        s++;
    }
    if (*s != '\0' || digits == 0) {
        return -1;
    }
    for (; n_frac < 6; n_frac++) {
        fp *= 10;
    }
    *out = (ip * SEDI_SCALE + fp) * (neg ? -1 : 1);
    return 0;
}

void
sedi_decimal_format(long long v, char *out, size_t outlen)
{
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;
    char frac[8];
    int n;

    if (a % SEDI_SCALE == 0) {
        snprintf(out, outlen, "%s%llu", v < 0 ? "-" : "", a / SEDI_SCALE);
        return;
    }
    snprintf(frac, sizeof(frac), "%06llu", a % SEDI_SCALE);
    for (n = 6; n > 0 && frac[n - 1] == '0'; n--) {
        frac[n - 1] = '\0';
    }
    snprintf(out, outlen, "%s%llu.%s", v < 0 ? "-" : "", a / SEDI_SCALE,
             frac);
}

static int
sedi_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int
sedi_num(const char *s, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
sedi_date(const char *s, char out[11])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31};
    size_t n = strlen(s);
    int y, m, d, leap;
    char text[32];

    if (!sedi_digits(s, n)) {
        return -1;
    }
    if (n == 6) {
        /* X12 003010 BEG05 and EDIFACT format 101 carry two digits. */
        y = sedi_num(s, 2);
        y += y < 50 ? 2000 : 1900;
        s += 2;
    } else if (n == 8 || n == 12 || n == 14) {
        y = sedi_num(s, 4);
        s += 4;
    } else {
        return -1;
    }
    m = sedi_num(s, 2);
    d = sedi_num(s + 2, 2);
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 ||
        d > mdays[m - 1] + (m == 2 && leap)) {
        return -1;
    }
    snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
    memcpy(out, text, 11);
    return 0;
}

char *
sedi_partner(const char *qualifier, const char *id)
{
    char *q = sedi_clean(qualifier), *i = sedi_clean(id), *p;

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
sedi_report(struct sedi_run *run, const struct sg_diag *d)
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
sedi_diag(struct sedi_run *run, const char *code,
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
    sedi_report(run, &d);
}

/* --- the canonical writer ------------------------------------------- */

void
sedi_xml_elem(struct sg_buf *b, const char *indent, const char *name,
              const char *value)
{
    if (value == NULL) {
        return;
    }
    /* Plain appends: printf-style formatting was an eighth of the
     * whole decode in profiles. */
    sg_buf_adds(b, indent);
    sg_buf_adds(b, "<");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">");
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "</");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">\n");
}

void
sedi_xml_attr(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    sg_buf_adds(b, " ");
    sg_buf_adds(b, name);
    sg_buf_adds(b, "=\"");
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "\"");
}

void
sedi_xml_party(struct sg_buf *b, const char *name,
               const struct sedi_party *p)
{
    int i;

    if (p->id == NULL) {
        return;
    }
    sg_buf_adds(b, "  <");
    sg_buf_adds(b, name);
    sedi_xml_attr(b, "id", p->id);
    sedi_xml_attr(b, "qualifier", p->qualifier);
    sg_buf_adds(b, ">\n");
    sedi_xml_elem(b, "    ", "name", p->name);
    for (i = 0; i < p->n_address; i++) {
        sedi_xml_elem(b, "    ", "address", p->address[i]);
    }
    sedi_xml_elem(b, "    ", "city", p->city);
    sedi_xml_elem(b, "    ", "postalCode", p->postal_code);
    sedi_xml_elem(b, "    ", "country", p->country);
    sg_buf_adds(b, "  </");
    sg_buf_adds(b, name);
    sg_buf_adds(b, ">\n");
}

static void
sedi_xml_line(struct sg_buf *b, const struct sedi_line *l)
{
    char num[48];

    sg_buf_adds(b, "    <line");
    sedi_xml_attr(b, "number", l->number);
    sg_buf_adds(b, ">\n");
    sedi_xml_elem(b, "      ", "item", l->item);
    sedi_xml_elem(b, "      ", "supplierItem", l->supplier_item);
    sedi_xml_elem(b, "      ", "gtin", l->gtin);
    sedi_xml_elem(b, "      ", "description", l->description);
    sedi_decimal_format(l->quantity, num, sizeof(num));
    sg_buf_adds(b, "      <quantity");
    sedi_xml_attr(b, "unit", l->unit);
    sg_buf_adds(b, ">");
    sg_buf_adds(b, num);
    sg_buf_adds(b, "</quantity>\n");
    if (l->has_price) {
        sedi_decimal_format(l->unit_price, num, sizeof(num));
        sedi_xml_elem(b, "      ", "unitPrice", num);
    }
    sedi_xml_elem(b, "      ", "requestedDelivery", l->requested_delivery);
    sg_buf_adds(b, "    </line>\n");
}

/*
 * The sum of quantity times price, exact: both are scaled by 10^6, so
 * each product is scaled by 10^12 and summed in 128 bits, then rounded
 * half away from zero to six fraction digits.  Returns 0, 1 when a line
 * has no price (no total), -1 when the total has more than 12 integer
 * digits (the schema's 18 total digits).
 */
static int
sedi_total(const struct sedi_order *o, long long *out)
{
    __int128 sum = 0, half = SEDI_SCALE / 2, r;
    const __int128 limit = (__int128)SEDI_SCALE * SEDI_SCALE * SEDI_SCALE;
    size_t i;

    for (i = 0; i < o->n_lines; i++) {
        if (!o->lines[i].has_price) {
            return 1;
        }
        sum += (__int128)o->lines[i].quantity * o->lines[i].unit_price;
        if (sum >= limit * SEDI_SCALE || sum <= -limit * SEDI_SCALE) {
            return -1;
        }
    }
    r = sum >= 0 ? (sum + half) / SEDI_SCALE : (sum - half) / SEDI_SCALE;
    if (r >= limit || r <= -limit) {
        return -1;
    }
    *out = (long long)r;
    return 0;
}

/* Write the order; returns -1 when its total cannot be written. */
static int
sedi_order_xml(const struct sedi_order *o, struct sg_buf *b)
{
    long long total = 0;
    int has_total;
    char num[48];
    size_t i;

    has_total = sedi_total(o, &total);
    if (has_total < 0) {
        return -1;
    }
    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<order xmlns=\"urn:supplygate:canonical:1\">\n  <source");
    sedi_xml_attr(b, "format", o->format);
    sedi_xml_attr(b, "sender", o->sender);
    sedi_xml_attr(b, "receiver", o->receiver);
    sedi_xml_attr(b, "interchange", o->interchange);
    sedi_xml_attr(b, "group", o->group);
    sedi_xml_attr(b, "message", o->message);
    sedi_xml_attr(b, "messageType", o->message_type);
    sedi_xml_attr(b, "version", o->version);
    sg_buf_adds(b, "/>\n");

    sedi_xml_elem(b, "  ", "orderNumber", o->number);
    sedi_xml_elem(b, "  ", "orderDate", o->date);
    sedi_xml_elem(b, "  ", "purpose", o->purpose);
    sedi_xml_elem(b, "  ", "orderType", o->order_type);
    sedi_xml_elem(b, "  ", "currency", o->currency);
    sedi_xml_party(b, "supplier", &o->supplier);
    sedi_xml_party(b, "buyer", &o->buyer);
    sedi_xml_party(b, "shipTo", &o->ship_to);
    sedi_xml_elem(b, "  ", "requestedDelivery", o->requested_delivery);
    for (i = 0; i < o->n_refs; i++) {
        sg_buf_adds(b, "  <reference");
        sedi_xml_attr(b, "qualifier", o->refs[i].qualifier);
        sg_buf_adds(b, ">");
        sg_buf_add_xml(b, o->refs[i].value);
        sg_buf_adds(b, "</reference>\n");
    }

    sg_buf_adds(b, "  <lines>\n");
    for (i = 0; i < o->n_lines; i++) {
        sedi_xml_line(b, &o->lines[i]);
    }
    sg_buf_adds(b, "  </lines>\n");
    if (has_total == 0) {
        sedi_decimal_format(total, num, sizeof(num));
        sedi_xml_elem(b, "  ", "totalAmount", num);
    }
    sg_buf_adds(b, "</order>\n");
    return 0;
}

/* Count one more document against max_documents; -1 when refused. */
static int
sedi_admit(struct sedi_run *run, const char *key)
{
    struct sg_diag d;
    char text[256];

    if (run->stop) {
        return -1;
    }
    if (run->n_documents < run->max_documents) {
        return 0;
    }
    snprintf(text, sizeof(text), "order %s is beyond max_documents (%ld) "
             "for one message; split the interchange", key ? key : "?",
             run->max_documents);
    memset(&d, 0, sizeof(d));
    d.code = "supplier_edi.too_many_documents";
    d.text = text;
    sedi_report(run, &d);
    run->stop = 1;
    return -1;
}

int
sedi_emit_xml(struct sedi_run *run, const char *key, const char *partner,
              const char *xml, size_t len)
{
    return sedi_emit_typed(run, "order", key, partner, xml, len);
}

int
sedi_emit_typed(struct sedi_run *run, const char *type, const char *key,
                const char *partner, const char *xml, size_t len)
{
    struct sg_document doc;

    if (sedi_admit(run, key) != 0) {
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
sedi_emit(struct sedi_run *run, struct sedi_order *o)
{
    struct sg_buf b;
    struct sg_diag d;
    int rc;

    sg_buf_init(&b);
    if (sedi_order_xml(o, &b) != 0) {
        memset(&d, 0, sizeof(d));
        d.code = "supplier_edi.amount_too_large";
        d.text = "the order's total amount has more than 12 integer "
                 "digits";
        sedi_report(run, &d);
        sg_buf_free(&b);
        return run->stop ? -1 : 0;
    }
    rc = sedi_emit_xml(run, o->number, o->sender, b.data, b.len);
    sg_buf_free(&b);
    return rc;
}

/* --- decode ------------------------------------------------------------ */

/* A body starting with '<' after an optional BOM and blanks. */
static int
sedi_looks_xml(const unsigned char *p, size_t len)
{
    size_t i = 0;

    if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        i = 3;
    }
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
                       p[i] == '\n')) {
        i++;
    }
    return i < len && p[i] == '<';
}

static int
sedi_on_diag(void *arg, const struct sg_diag *diag)
{
    struct sedi_run *run = arg;

    sedi_report(run, diag);
    return run->stop ? -1 : 0;
}

/* One transaction set or message from the reader. */
static int
sedi_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct sedi_run *run = arg;
    const struct sg_edi_segment *head = tx->n_segments > 0 ?
                                        &tx->segments[0] : NULL;
    const struct sg_edi_map *map;
    struct sedi_order o;
    int x12 = tx->env.syntax == SG_EDI_X12, rc = 0;

    if (run->stop) {
        return -1;
    }
    if (sedi_is_invoice(tx)) {
        return sedi_invoice_tx(run, tx);
    }
    /* Ship notices have their own path (ship_notice.c). */
    if (strcmp(tx->env.set_type, x12 ? "856" : "DESADV") == 0) {
        return sedi_ship_notice_tx(run, tx);
    }
    if (strcmp(tx->env.set_type, x12 ? "850" : "ORDERS") != 0 &&
        !sedi_response_set(tx)) {
        sedi_diag(run, "supplier_edi.unsupported_set", head, NULL,
                  x12 ? 1 : 2, x12 ? 0 : 1, "%s %s is not one this "
                  "plugin decodes (see its README for the list)",
                  x12 ? "transaction set" : "message",
                  tx->env.set_type[0] ? tx->env.set_type : "(no type)");
        return run->stop ? -1 : 0;
    }
    /* The reader has said what is wrong; the message is rejected
     * whole, and mapping a broken set would only add noise. */
    if (tx->has_errors) {
        return 0;
    }
    /* Structure first (edi_map.h): a set that breaks its segment map is
     * rejected with every position, before mapping reads it.
     * XXX: a version with no map (X12 003010, EDIFACT D96B ...) is
     * mapped unchecked; the partner learns of structure errors only
     * through the mapper's own checks. */
    map = sg_edi_maps_find(run->ctx->maps, tx);
    if (map != NULL && sg_edi_map_check(map, tx, sedi_on_diag, run) != 0) {
        return run->stop ? -1 : 0;
    }
    if (sedi_response_set(tx)) {
        return sedi_response_tx(run, tx);
    }

    sedi_order_init(&o, x12 ? "x12" : "edifact");
    if (x12) {
        rc = sedi_map_x12_850(run, tx, &o);
    } else {
        rc = sedi_map_edifact_orders(run, tx, &o);
    }
    if (rc == 0) {
        sedi_emit(run, &o);
    }
    sedi_order_free(&o);
    return run->stop ? -1 : 0;
}

/* What the reader's answer n means for the message, said once. */
static int
sedi_edi_done(struct sedi_run *run, long n)
{
    struct sg_diag d;

    memset(&d, 0, sizeof(d));
    if (n < 0) {
        if (run->n_errors == 0) {
            d.code = "supplier_edi.unreadable";
            d.text = "the interchange could not be read";
            sedi_report(run, &d);
        }
        return -1;
    }
    if (n == 0 && run->n_errors == 0) {
        d.code = "supplier_edi.empty";
        d.text = "the interchange holds no transaction set";
        sedi_report(run, &d);
    }
    return 0;
}

static int
sedi_decode(void *ctxp, const struct sg_message *msg, struct sg_sink *sink)
{
    const struct sedi_ctx *ctx = ctxp;
    struct sedi_run run;
    struct sg_diag d;
    int syntax;
    long n;

    memset(&run, 0, sizeof(run));
    run.ctx = ctx;
    run.msg = msg;
    run.sink = sink;
    run.max_documents = ctx->max_documents;

    syntax = sg_edi_sniff(msg->data, msg->len);
    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        n = sg_edi_read((enum sg_edi_syntax)syntax, msg->data, msg->len,
                        sedi_on_tx, sedi_on_diag, &run);
        return sedi_edi_done(&run, n);
    }

    memset(&d, 0, sizeof(d));
    if (sedi_looks_xml(msg->data, msg->len)) {
        if (ctx->accept_xml) {
            return sedi_xml_decode(&run);
        }
        d.code = "supplier_edi.xml_disabled";
        d.text = "XML orders are not accepted here (accept_xml is off)";
    } else {
        d.code = "supplier_edi.not_edi";
        d.text = "the body is neither X12 (ISA), EDIFACT (UNA/UNB) nor "
                 "XML";
        d.line = 1;
        d.column = 1;
    }
    sedi_report(&run, &d);
    return -1;
}

/*
 * decode() for a body pulled through msg->read: an interchange is read
 * as it streams; an XML body is read whole, up to SG_EDI_WHOLE_MAX
 * (core/edi.h), and decoded as by decode().
 */
static int
sedi_decode_stream(void *ctxp, const struct sg_message *msg,
                   struct sg_sink *sink)
{
    struct sg_message whole;
    struct sedi_run run;
    struct sg_diag d;
    long n = 0;
    int rc;

    memset(&run, 0, sizeof(run));
    run.ctx = ctxp;
    run.msg = msg;
    run.sink = sink;
    run.max_documents = LONG_MAX;
    switch (sg_edi_stream_or_whole(msg, sedi_on_tx, sedi_on_diag, &run, &n,
                                   &whole)) {
    case SG_EDI_STREAMED:
        return n == -2 ? -1 : sedi_edi_done(&run, n);
    case SG_EDI_WHOLE:
        rc = sedi_decode(ctxp, &whole, sink);
        free((void *)whole.data);
        return rc;
    case SG_EDI_TOO_LARGE:
        memset(&d, 0, sizeof(d));
        d.code = "supplier_edi.too_large";
        d.text = "streaming is for EDI bodies: a body that is not X12 or "
                 "EDIFACT is read whole, and this one is over 16 MB";
        sedi_report(&run, &d);
        return -1;
    default:
        return -1;
    }
}

static int
sedi_sniff(const unsigned char *data, size_t len)
{
    int syntax = sg_edi_sniff(data, len);
    char set[8];

    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        /* Other plugins read other sets of the same syntax.  A body
         * whose set cannot be seen is still ours to report on. */
        if (sg_edi_sniff_set(data, len, set, sizeof(set)) < 0) {
            return 10;
        }
        return strcmp(set, "850") == 0 || strcmp(set, "ORDERS") == 0 ||
               strcmp(set, "810") == 0 || strcmp(set, "INVOIC") == 0 ||
               strcmp(set, "855") == 0 || strcmp(set, "ORDRSP") == 0 ||
               strcmp(set, "856") == 0 || strcmp(set, "DESADV") == 0
               ? 90 : 0;
    }
    /* Any plugin may take XML; say so without insisting. */
    return sedi_looks_xml(data, len) ? 40 : 0;
}

/* --- exit ---------------------------------------------------------------- */

static void
sedi_exit(void *ctx)
{
    struct sedi_ctx *c = ctx;

    /* libxml2 stays initialised: the core uses it too. */
    if (c != NULL) {
        sg_edi_maps_free(c->maps);
    }
    free(ctx);
}

/* --- descriptor ------------------------------------------------------- */

static const char *const sedi_content_types[] = {
    "application/EDI-X12", "application/EDIFACT", "application/xml",
    "text/xml", NULL
};

static const char *const sedi_document_types[] = {"order", "invoice",
                                                  "order_response",
                                                  "ship_notice", NULL};

const struct sg_plugin sg_plugin_descriptor = {
    SG_PLUGIN_HEADER,
    .name = SEDI_NAME,
    .version = "1.0.0",
    .description = "supplier purchase orders: X12 850, EDIFACT ORDERS, "
                   "canonical XML",
    .content_types = sedi_content_types,
    .document_types = sedi_document_types,
    .options = sedi_options,
    .sniff = sedi_sniff,
    .init = sedi_init,
    .decode = sedi_decode,
    .exit = sedi_exit,
    .decode_stream = sedi_decode_stream,
};
