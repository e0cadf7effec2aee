/*
 * map_csv_stock.c - a stock snapshot as CSV (RFC 4180) into canonical
 * <stock> documents, one per warehouse named in the file.
 *
 * The format, checked line by line:
 *   - the first line is exactly the header
 *     warehouse,item,lot,expiry,quantity,unit (case aside; a UTF-8
 *     byte order mark before it is skipped);
 *   - every record has those six fields; warehouse, item and quantity
 *     must not be empty; expiry is empty or YYYY-MM-DD; quantity is a
 *     decimal, 0 or more, with a dot;
 *   - a field may be quoted with '"'; inside quotes "" is one quote and
 *     commas and line breaks are data; records end with CRLF or LF; a
 *     last line without a break is fine, blank lines are skipped.
 * Every error names the line and the column (bytes from 1) where the
 * offending field starts, and the field's position (1..6) as element.
 *
 * A CSV carries no snapshot time: the time is when it was decoded.
 * XXX: a CSV snapshot's time is the decode time, not the count time;
 * a file posted late replaces newer levels with older counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "wms_stock.h"

#define CSV_FIELDS 6

static const char *const csv_names[CSV_FIELDS] = {
    "warehouse", "item", "lot", "expiry", "quantity", "unit"
};

struct csv_reader {
    struct ws_run *run;
    const unsigned char *p;
    size_t len, pos;
    long line, col;         /* of p[pos], from 1 */
};

struct csv_field {
    struct sg_buf value;
    long line, col;         /* where it starts */
};

static size_t
csv_bom(const unsigned char *p, size_t len)
{
    return len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf ? 3
                                                                   : 0;
}

int
ws_csv_sniff(const unsigned char *data, size_t len)
{
    size_t i = csv_bom(data, len), n = strlen(WS_CSV_HEADER);

    return len - i >= n &&
           strncasecmp((const char *)data + i, WS_CSV_HEADER, n) == 0 &&
           (len - i == n || data[i + n] == '\r' || data[i + n] == '\n');
}

static void
csv_advance(struct csv_reader *r)
{
    if (r->p[r->pos] == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    r->pos++;
}

/*
 * Read one field into f.  Returns ',' when a comma ended it, '\n' when
 * the record ended (line break or end of data), -1 after reporting a
 * quoting error.
 */
static int
csv_field(struct csv_reader *r, struct csv_field *f, int index)
{
    int c;

    sg_buf_reset(&f->value);
    f->line = r->line;
    f->col = r->col;
    if (r->pos < r->len && r->p[r->pos] == '"') {
        csv_advance(r);
        for (;;) {
            if (r->pos >= r->len) {
                ws_diag_at(r->run, "wms_stock.csv_quote", f->line, f->col,
                           index, "the quoted %s field never closes",
                           index <= CSV_FIELDS ? csv_names[index - 1]
                                               : "extra");
                return -1;
            }
            c = r->p[r->pos];
            if (c == '"' && r->pos + 1 < r->len && r->p[r->pos + 1] == '"') {
                sg_buf_add(&f->value, "\"", 1);
                csv_advance(r);
                csv_advance(r);
                continue;
            }
            if (c == '"') {
                csv_advance(r);
                break;
            }
            sg_buf_add(&f->value, &r->p[r->pos], 1);
            csv_advance(r);
        }
    } else {
        while (r->pos < r->len && r->p[r->pos] != ',' &&
               r->p[r->pos] != '\n' &&
               !(r->p[r->pos] == '\r' && r->pos + 1 < r->len &&
                 r->p[r->pos + 1] == '\n')) {
            if (r->p[r->pos] == '"') {
                ws_diag_at(r->run, "wms_stock.csv_quote", r->line, r->col,
                           index, "a quote inside an unquoted field; "
                           "quote the whole field and double the quote");
                return -1;
            }
            sg_buf_add(&f->value, &r->p[r->pos], 1);
            csv_advance(r);
        }
    }
    if (r->pos >= r->len) {
        return '\n';
    }
    c = r->p[r->pos];
    if (c == ',') {
        csv_advance(r);
        return ',';
    }
    if (c == '\r' && r->pos + 1 < r->len && r->p[r->pos + 1] == '\n') {
        csv_advance(r);
    }
    if (r->p[r->pos] == '\n') {
        csv_advance(r);
        return '\n';
    }
    ws_diag_at(r->run, "wms_stock.csv_quote", r->line, r->col, index,
               "text after the closing quote of the %s field",
               index <= CSV_FIELDS ? csv_names[index - 1] : "extra");
    return -1;
}

/* Say where the first line stops matching the header. */
static void
csv_bad_header(struct csv_reader *r)
{
    const char *want = WS_CSV_HEADER;
    size_t i = 0;

    while (want[i] != '\0' && r->pos + i < r->len &&
           (r->p[r->pos + i] | 0x20) == want[i]) {
        i++;
    }
    ws_diag_at(r->run, "wms_stock.csv_header", 1, (long)i + 1, 0, "the "
               "first line must be the header " WS_CSV_HEADER);
}

/* Skip to the start of the next record after an error. */
static void
csv_skip_record(struct csv_reader *r)
{
    while (r->pos < r->len && r->p[r->pos] != '\n') {
        csv_advance(r);
    }
    if (r->pos < r->len) {
        csv_advance(r);
    }
}

/* The snapshot of warehouse w, made on first sight. */
static struct ws_stock *
csv_stock_for(struct ws_stock **all, size_t *n, const char *w,
              const char *msg_id, const char *now)
{
    size_t i;
    struct ws_stock *s;

    for (i = 0; i < *n; i++) {
        if (strcmp((*all)[i].warehouse, w) == 0) {
            return &(*all)[i];
        }
    }
    *all = sg_xrealloc(*all, (*n + 1) * sizeof(**all));
    s = &(*all)[(*n)++];
    ws_stock_init(s, "csv");
    ws_set(&s->warehouse, w);
    s->id = sg_xasprintf("%s-%zu", msg_id != NULL ? msg_id : "csv", *n);
    ws_set(&s->time, now);
    return s;
}

/* Check one record's six fields; 0 when it can be used. */
static int
csv_check(struct csv_reader *r, struct csv_field *f)
{
    char day[11];
    int errors = 0, i;

    for (i = 0; i < CSV_FIELDS; i++) {
        if ((i == 0 || i == 1 || i == 4) && f[i].value.len == 0) {
            ws_diag_at(r->run, "wms_stock.csv_missing", f[i].line,
                       f[i].col, i + 1, "the %s field is empty",
                       csv_names[i]);
            errors++;
        }
    }
    if (f[3].value.len > 0 && ws_date(f[3].value.data, 1, day) != 0) {
        ws_diag_at(r->run, "wms_stock.bad_date", f[3].line, f[3].col, 4,
                   "expiry \"%s\" is not a date YYYY-MM-DD",
                   f[3].value.data);
        errors++;
    }
    if (f[4].value.len > 0 && !ws_quantity_ok(f[4].value.data)) {
        ws_diag_at(r->run, "wms_stock.bad_quantity", f[4].line, f[4].col,
                   5, "quantity \"%s\" is not a decimal of 0 or more "
                   "(a dot as decimal mark)", f[4].value.data);
        errors++;
    }
    return errors == 0 ? 0 : -1;
}

/* Read one record; 1 used, 0 blank or bad (reported), -1 stop. */
static int
csv_record(struct csv_reader *r, struct csv_field *f, struct ws_stock **all,
           size_t *n, const char *now)
{
    long line = r->line, col = r->col;
    struct ws_stock *s;
    struct ws_line *l;
    int i = 0, end;

    if (r->p[r->pos] == '\n' || (r->p[r->pos] == '\r' &&
                                 r->pos + 1 < r->len &&
                                 r->p[r->pos + 1] == '\n')) {
        csv_skip_record(r);
        return 0;
    }
    do {
        end = csv_field(r, &f[i < CSV_FIELDS ? i : CSV_FIELDS], i + 1);
        if (end < 0) {
            csv_skip_record(r);
            return r->run->stop ? -1 : 0;
        }
        i++;
    } while (end == ',');
    if (i != CSV_FIELDS) {
        ws_diag_at(r->run, "wms_stock.csv_fields", line, col, i, "the "
                   "record has %d fields; the header names %d", i,
                   CSV_FIELDS);
        return r->run->stop ? -1 : 0;
    }
    if (csv_check(r, f) != 0) {
        return r->run->stop ? -1 : 0;
    }
    s = csv_stock_for(all, n, f[0].value.data, r->run->msg->id, now);
    l = ws_stock_add_line(s);
    ws_set(&l->item, f[1].value.data);
    ws_set(&l->lot, f[2].value.data);
    ws_set(&l->expiry, f[3].value.data);
    ws_set(&l->quantity, f[4].value.data);
    ws_set(&l->unit, f[5].value.data);
    return 1;
}

int
ws_csv_decode(struct ws_run *run)
{
    struct csv_field f[CSV_FIELDS + 1];
    struct ws_stock *all = NULL;
    struct csv_reader r;
    size_t n = 0, i;
    long rows = 0;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
    memset(&r, 0, sizeof(r));
    r.run = run;
    r.p = run->msg->data;
    r.len = run->msg->len;
    r.pos = csv_bom(r.p, r.len);
    r.line = 1;
    r.col = 1;
    if (!ws_csv_sniff(r.p, r.len)) {
        csv_bad_header(&r);
        return -1;
    }
    csv_skip_record(&r);
    for (i = 0; i <= CSV_FIELDS; i++) {
        sg_buf_init(&f[i].value);
    }
    while (r.pos < r.len && !run->stop) {
        rc = csv_record(&r, f, &all, &n, now);
        if (rc < 0) {
            break;
        }
        rows += rc;
    }
    if (rows == 0 && run->n_errors == 0) {
        ws_diag_at(run, "wms_stock.no_lines", 2, 1, 0, "the CSV has a "
                   "header and no record");
    }
    for (i = 0; i < n; i++) {
        if (run->n_errors == 0) {
            ws_emit_stock(run, &all[i]);
        }
        ws_stock_free(&all[i]);
    }
    free(all);
    for (i = 0; i <= CSV_FIELDS; i++) {
        sg_buf_free(&f[i].value);
    }
    return 0;
}
