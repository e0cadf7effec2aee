/*
 * edi_stream.c - where the reader's bytes come from: a window over the
 * body, refilled from a read function as the reader asks for bytes and
 * emptied behind it, so that a body of any size is read in the memory of
 * a few segments.  A body in memory is read through the same window
 * (sg_edi_read), so there is one engine and one set of diags whatever
 * the size of the pieces.  Wrap breaks are removed on the way in
 * (edi_unwrap.c); lines are counted here as in the file as sent.
 */
#include <stdlib.h>
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"
#include "util.h"

/*
 * Room for n more bytes at the end of the window.  Bytes before pos
 * are done with (a segment is split as soon as it has been found), so
 * they go first; the window grows only for a segment longer than what
 * it holds, and segments are capped.
 */
static void
sg_edi_window_room(struct sg_edi_reader *r, size_t n)
{
    size_t keep = r->pos < r->len ? r->pos : r->len, held, cap;

    if (keep > r->base && r->win_cap - (r->len - r->base) < n) {
        memmove(r->win, r->win + (keep - r->base), r->len - keep);
        r->base = keep;
    }
    held = r->len - r->base;
    if (r->win_cap - held >= n) {
        return;
    }
    cap = r->win_cap ? r->win_cap : SG_EDI_PIECE;
    while (cap - held < n) {
        cap *= 2;
    }
    r->win = sg_xrealloc(r->win, cap);
    r->win_cap = cap;
}

/* A read that failed, or said it read more than it was given room for:
 * the body is not what the sender sent, so nothing more is said. */
static void
sg_edi_read_failed(struct sg_edi_reader *r)
{
    r->eof = 1;
    r->read_failed = 1;
    r->stop = 1;
}

/*
 * Pull one piece from read_fn into the window.  While the first bytes
 * are held to see whether the body is wrapped, they gather in the
 * probe and reach the window all at once when that is decided.
 */
static void
sg_edi_pull(struct sg_edi_reader *r)
{
    struct sg_edi_unwrap *u = &r->wrap;
    unsigned char *in = r->raw;
    size_t room = SG_EDI_PIECE, n;
    long got = 0;

    if (u->state == SG_EDI_WRAP_PROBE) {
        in = u->probe + u->probe_len;
        room = SG_EDI_UNWRAP_PROBE - u->probe_len;
    }
    if (r->read_fn != NULL) {
        got = r->read_fn(r->read_arg, in, room);
    }
    if (got < 0 || (size_t)got > room) {
        sg_edi_read_failed(r);
        return;
    }
    if (got == 0) {
        r->eof = 1;
    }
    n = (size_t)got;
    if (u->state == SG_EDI_WRAP_PROBE) {
        u->probe_len += n;
        if (!sg_edi_unwrap_decide(u, r->eof)) {
            return;
        }
        in = u->probe;
        n = u->probe_len;
    }

    /* The filter writes at most one byte more than it is given (a CR it
     * held back), and then holds none at the end. */
    sg_edi_window_room(r, n + 1);
    r->len += sg_edi_unwrap_run(u, in, n, SG_EDI_PTR(r, r->len));
    if (r->eof) {
        r->len += sg_edi_unwrap_end(u, SG_EDI_PTR(r, r->len));
    }
    if (in == u->probe) {
        free(u->probe);
        u->probe = NULL;
        u->probe_len = 0;
    }
}

size_t
sg_edi_want_more(struct sg_edi_reader *r, size_t off, size_t n)
{
    while (r->len < off + n && !r->eof) {
        sg_edi_pull(r);
    }
    return r->len > off ? r->len - off : 0;
}

void
sg_edi_lines(const struct sg_edi_reader *r, size_t from, size_t to,
             long *line, size_t *line_start)
{
    const struct sg_edi_unwrap *u = &r->wrap;
    const unsigned char *p, *end, *nl;
    size_t k;

    /* Removed breaks first: a break the body kept always comes after
     * the last one removed (unwrapping stops at the first one kept). */
    for (k = u->head; k < u->n_points && u->points[k] <= to; k++) {
        if (u->points[k] > from) {
            (*line)++;
            *line_start = u->points[k];
        }
    }
    if (to <= from) {
        return;
    }
    p = SG_EDI_PTR(r, from);
    end = SG_EDI_PTR(r, to);
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        (*line)++;
        *line_start = (size_t)(nl - r->win) + r->base + 1;
        p = nl + 1;
    }
}

void
sg_edi_advance(struct sg_edi_reader *r, size_t to)
{
    if (to > r->len) {
        to = r->len;
    }
    sg_edi_lines(r, r->pos, to, &r->line, &r->line_start);
    sg_edi_unwrap_forget(&r->wrap, to);
    r->pos = to;
}

long
sg_edi_read_stream(enum sg_edi_syntax syntax, sg_edi_read_fn read_fn,
                   void *read_arg, sg_edi_tx_fn tx_fn,
                   sg_edi_diag_fn diag_fn, void *arg)
{
    struct sg_edi_reader r;
    long n;
    int failed;

    sg_edi_reader_init(&r, syntax, read_fn, read_arg, tx_fn, diag_fn, arg);
    if (syntax == SG_EDI_X12) {
        n = sg_edi_x12_read(&r);
    } else {
        n = sg_edi_edifact_read(&r);
    }
    failed = r.read_failed;
    sg_edi_reader_free(&r);
    return failed ? -2 : n;
}

/* A body held in memory, handed out piece by piece. */
struct sg_edi_memory {
    const unsigned char *data;
    size_t len;
    size_t off;
};

static long
sg_edi_memory_read(void *arg, unsigned char *buf, size_t n)
{
    struct sg_edi_memory *m = arg;

    if (n > m->len - m->off) {
        n = m->len - m->off;
    }
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    return (long)n;
}

long
sg_edi_read(enum sg_edi_syntax syntax, const unsigned char *data,
            size_t len, sg_edi_tx_fn tx_fn, sg_edi_diag_fn diag_fn,
            void *arg)
{
    struct sg_edi_memory m;

    m.data = data != NULL ? data : (const unsigned char *)"";
    m.len = data != NULL ? len : 0;
    m.off = 0;
    return sg_edi_read_stream(syntax, sg_edi_memory_read, &m, tx_fn,
                              diag_fn, arg);
}

int
sg_edi_head_fill(struct sg_edi_head *h, sg_edi_read_fn read_fn,
                 void *read_arg)
{
    long got;

    memset(h, 0, sizeof(*h));
    h->read_fn = read_fn;
    h->read_arg = read_arg;
    while (h->len < sizeof(h->buf)) {
        got = read_fn != NULL ? read_fn(read_arg, h->buf + h->len,
                                        sizeof(h->buf) - h->len) : 0;
        if (got < 0 || (size_t)got > sizeof(h->buf) - h->len) {
            return -1;
        }
        if (got == 0) {
            h->eof = 1;
            break;
        }
        h->len += (size_t)got;
    }
    return 0;
}

long
sg_edi_head_read(void *head, unsigned char *buf, size_t n)
{
    struct sg_edi_head *h = head;

    if (h->off < h->len) {
        if (n > h->len - h->off) {
            n = h->len - h->off;
        }
        memcpy(buf, h->buf + h->off, n);
        h->off += n;
        return (long)n;
    }
    if (h->eof || h->read_fn == NULL) {
        return 0;
    }
    return h->read_fn(h->read_arg, buf, n);
}

unsigned char *
sg_edi_head_read_all(struct sg_edi_head *h, size_t max, size_t *len)
{
    size_t cap = h->len + SG_EDI_PIECE, n = 0;
    unsigned char *body = sg_xmalloc(cap);
    long got;

    for (;;) {
        if (cap - n < SG_EDI_PIECE) {
            cap *= 2;
            body = sg_xrealloc(body, cap);
        }
        got = sg_edi_head_read(h, body + n, SG_EDI_PIECE);
        if (got < 0 || (size_t)got > SG_EDI_PIECE) {
            free(body);
            *len = 0;
            return NULL;
        }
        if (got == 0) {
            break;
        }
        n += (size_t)got;
        if (n > max) {
            free(body);
            *len = max + 1;
            return NULL;
        }
    }
    *len = n;
    return body;
}

int
sg_edi_stream_or_whole(const struct sg_message *msg, sg_edi_tx_fn tx_fn,
                       sg_edi_diag_fn diag_fn, void *arg, long *read_n,
                       struct sg_message *whole)
{
    struct sg_edi_head head;
    unsigned char *body;
    int syntax;

    if (sg_edi_head_fill(&head, msg->read, msg->read_arg) < 0) {
        return -1;
    }
    syntax = sg_edi_sniff(head.buf, head.len);
    if (syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT) {
        *read_n = sg_edi_read_stream((enum sg_edi_syntax)syntax,
                                     sg_edi_head_read, &head, tx_fn,
                                     diag_fn, arg);
        return SG_EDI_STREAMED;
    }
    *whole = *msg;
    body = sg_edi_head_read_all(&head, SG_EDI_WHOLE_MAX, &whole->len);
    if (body == NULL) {
        return whole->len == 0 ? -1 : SG_EDI_TOO_LARGE;
    }
    whole->data = body;
    whole->read = NULL;
    whole->read_arg = NULL;
    return SG_EDI_WHOLE;
}
