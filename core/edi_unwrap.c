/*
 * edi_unwrap.c - undoing a hard wrap.  Some senders' mail or FTP systems
 * break an interchange into lines of a fixed width (80 or 50 columns),
 * wherever the break falls: inside a segment, inside the X12 ISA.  Such
 * breaks are no part of the interchange and are removed before the
 * reader sees the bytes.
 *
 * The rule is the shape of the file, not a list of widths: the first
 * line break sets the width W, the second line must be W long too (or
 * be the last), and from then on each break that falls exactly W after
 * the previous one is removed.  W is counted both in bytes and in UTF-8
 * characters: a tool that wraps UTF-8 text at 50 columns puts 50
 * characters on a line, more bytes when one of them is not ASCII.  The
 * first break anywhere else (a short line, a long one) ends unwrapping:
 * from there line breaks are data, and the reader reports them where
 * they are.  This is decided on the fly, with no more than two lines
 * held back, so a body of any size can be unwrapped as it streams.
 */
#include <stdlib.h>
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"
#include "util.h"

/*
 * Is the first line break of the body the segment terminator itself?
 * Then the body ends its segments with line breaks and is not wrapped:
 * an X12 ISA whose 16th element ends the line, or a UNA whose last
 * byte is the break, and the next line starts with a tag.  When it
 * starts with a byte that could be the terminator ("~", "'"), the
 * break fell just before it: a wrap.  p holds the first line, w bytes
 * before its break; next is the first byte of the second line, or -1.
 */
static int
sg_edi_unwrap_is_terminator(const unsigned char *p, size_t w, int next)
{
    size_t i = 0, n = 0, sep16 = 0;

    if (next >= 0 && !((next >= '0' && next <= '9') ||
                       (next >= 'A' && next <= 'Z') ||
                       (next >= 'a' && next <= 'z'))) {
        return 0;
    }

    if (w >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < w && (p[i] == ' ' || p[i] == '\t')) {
        i++;
    }
    if (w - i >= 3 && memcmp(p + i, "UNA", 3) == 0) {
        return w == i + 8;
    }
    if (w - i < 4 || memcmp(p + i, "ISA", 3) != 0) {
        return 0;
    }
    for (sep16 = i + 3; sep16 < w && n < 16; sep16++) {
        if (p[sep16] == p[i + 3] && ++n == 16) {
            break;
        }
    }
    /* ISA16 is one byte; a break right after it terminates the ISA. */
    return n == 16 && w == sep16 + 2;
}

/* No break inside p[0 .. n). */
static int
sg_edi_unwrap_unbroken(const unsigned char *p, size_t n)
{
    return memchr(p, '\n', n) == NULL && memchr(p, '\r', n) == NULL;
}

/* UTF-8 characters in p[0 .. n): the bytes that are not continuations
 * (in a body that is not UTF-8 this is near enough, and bytes count as
 * well). */
static size_t
sg_edi_unwrap_chars(const unsigned char *p, size_t n)
{
    size_t i, chars = 0;

    for (i = 0; i < n; i++) {
        chars += (p[i] & 0xC0) != 0x80;
    }
    return chars;
}

/* Is a line of n bytes at p as long as the first one? */
static int
sg_edi_unwrap_full(const struct sg_edi_unwrap *u, const unsigned char *p,
                   size_t n)
{
    return n == u->width || sg_edi_unwrap_chars(p, n) == u->width_chars;
}

/*
 * The second line, from s: as long as the first and followed by a break
 * of the same form, or, at the end of the body, no longer than the first
 * with at most one break after it.
 */
static int
sg_edi_unwrap_second_line(const struct sg_edi_unwrap *u, size_t s, int eof)
{
    const unsigned char *p = u->probe + s;
    const unsigned char *nl = memchr(p, '\n', u->probe_len - s);
    size_t rest = u->probe_len - s, n;

    if (nl != NULL) {
        n = (size_t)(nl - p);
        if (u->crlf && (n == 0 || p[n - 1] != '\r')) {
            return 0;
        }
        n -= (size_t)u->crlf;
        if (sg_edi_unwrap_unbroken(p, n) && sg_edi_unwrap_full(u, p, n)) {
            return 1;
        }
        /* A shorter last line with its break at the very end. */
        return eof && (size_t)(nl - p) + 1 == rest &&
               sg_edi_unwrap_unbroken(p, n) && n <= u->width;
    }
    return eof && rest <= u->width && sg_edi_unwrap_unbroken(p, rest);
}

static int
sg_edi_unwrap_off(struct sg_edi_unwrap *u)
{
    u->state = SG_EDI_WRAP_OFF;
    return 1;
}

int
sg_edi_unwrap_decide(struct sg_edi_unwrap *u, int eof)
{
    const unsigned char *nl = memchr(u->probe, '\n', u->probe_len);
    size_t a, s;

    if (nl == NULL) {
        if (eof || u->probe_len > SG_EDI_UNWRAP_MAX_WIDTH + 1) {
            return sg_edi_unwrap_off(u);
        }
        return 0;
    }
    a = (size_t)(nl - u->probe);
    u->crlf = a > 0 && u->probe[a - 1] == '\r';
    u->width = a - (size_t)u->crlf;
    u->width_chars = sg_edi_unwrap_chars(u->probe, u->width);
    if (u->width == 0 || u->width > SG_EDI_UNWRAP_MAX_WIDTH ||
        !sg_edi_unwrap_unbroken(u->probe, u->width)) {
        return sg_edi_unwrap_off(u);
    }

    /* The second line and its break, or the end of the body. */
    s = a + 1;
    if (!eof && u->probe_len < SG_EDI_UNWRAP_PROBE &&
        u->probe_len < s + 2 * u->width + 2 &&
        memchr(u->probe + s, '\n', u->probe_len - s) == NULL) {
        return 0;
    }
    if (sg_edi_unwrap_is_terminator(u->probe, u->width,
                                    s < u->probe_len ? u->probe[s] : -1) ||
        !sg_edi_unwrap_second_line(u, s, eof)) {
        return sg_edi_unwrap_off(u);
    }
    u->state = SG_EDI_WRAP_ON;
    u->col = 0;
    u->col_chars = 0;
    return 1;
}

/* A break removed: the next byte handed on starts a line. */
static void
sg_edi_unwrap_point(struct sg_edi_unwrap *u)
{
    if (u->head > 0 && u->head == u->n_points) {
        u->head = 0;
        u->n_points = 0;
    }
    if (u->n_points == u->cap_points) {
        if (u->head > 0) {
            memmove(u->points, u->points + u->head,
                    (u->n_points - u->head) * sizeof(*u->points));
            u->n_points -= u->head;
            u->head = 0;
        } else {
            u->cap_points = u->cap_points ? 2 * u->cap_points : 256;
            u->points = sg_xrealloc(u->points,
                                    u->cap_points * sizeof(*u->points));
        }
    }
    u->points[u->n_points++] = u->out;
    u->col = 0;
    u->col_chars = 0;
}

/* Is a break due here: the line as long as the first, in bytes or in
 * characters? */
static int
sg_edi_unwrap_due(const struct sg_edi_unwrap *u)
{
    return u->col == u->width || u->col_chars == u->width_chars;
}

size_t
sg_edi_unwrap_run(struct sg_edi_unwrap *u, const unsigned char *in,
                  size_t n, unsigned char *out)
{
    size_t i, w = 0;
    unsigned char c;

    for (i = 0; i < n && u->state == SG_EDI_WRAP_ON; i++) {
        c = in[i];
        if (u->pending_cr) {
            u->pending_cr = 0;
            if (c == '\n') {
                sg_edi_unwrap_point(u);
                continue;
            }
            /* A lone CR where a break belonged: the CR is data. */
            u->state = SG_EDI_WRAP_OFF;
            out[w++] = '\r';
            u->out++;
            break;
        }
        if (c == '\n' || c == '\r') {
            if (!sg_edi_unwrap_due(u) || c != (u->crlf ? '\r' : '\n')) {
                u->state = SG_EDI_WRAP_OFF;
                break;
            }
            if (u->crlf) {
                u->pending_cr = 1;
            } else {
                sg_edi_unwrap_point(u);
            }
            continue;
        }
        if ((c & 0xC0) != 0x80 && u->col >= u->width &&
            u->col_chars >= u->width_chars) {
            /* Longer than the first line: not wrapped from here on. */
            u->state = SG_EDI_WRAP_OFF;
            break;
        }
        out[w++] = c;
        u->out++;
        u->col++;
        u->col_chars += (c & 0xC0) != 0x80;
    }
    memcpy(out + w, in + i, n - i);
    u->out += n - i;
    return w + (n - i);
}

size_t
sg_edi_unwrap_end(struct sg_edi_unwrap *u, unsigned char *out)
{
    if (!u->pending_cr) {
        return 0;
    }
    u->pending_cr = 0;
    u->state = SG_EDI_WRAP_OFF;
    out[0] = '\r';
    u->out++;
    return 1;
}

void
sg_edi_unwrap_forget(struct sg_edi_unwrap *u, size_t off)
{
    while (u->head < u->n_points && u->points[u->head] <= off) {
        u->head++;
    }
}
