/*
 * edi_common.c - what the X12 and EDIFACT readers share: cutting the
 * bytes into segments, elements, repetitions and components with the
 * delimiters in force, positions (segment number, line, column), diags,
 * gathering a transaction, and the accessors the plugins use.
 *
 * Every value of a transaction lives in one arena that is emptied when
 * the transaction has been handed over, so a large interchange costs the
 * memory of its largest transaction, not of the whole body; the bytes
 * come through a window (edi_stream.c) that holds a few segments.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"
#include "util.h"

#define SG_EDI_ARENA_BLOCK 65536
#define SG_EDI_ALIGN(n) (((n) + 15) & ~(size_t)15)

struct sg_edi_arena {
    struct sg_edi_arena *next;
    size_t used;
    size_t cap;
};

static void *
sg_edi_alloc(struct sg_edi_reader *r, size_t n)
{
    struct sg_edi_arena *a = r->arena;
    size_t hdr = SG_EDI_ALIGN(sizeof(*a));
    char *p;

    n = SG_EDI_ALIGN(n ? n : 1);
    if (a == NULL || a->cap - a->used < n) {
        size_t cap = n > SG_EDI_ARENA_BLOCK ? n : SG_EDI_ARENA_BLOCK;

        a = sg_xmalloc(hdr + cap);
        a->next = r->arena;
        a->used = 0;
        a->cap = cap;
        r->arena = a;
        r->arena_bytes += hdr + cap;
    }
    p = (char *)a + hdr + a->used;
    a->used += n;
    return p;
}

/* Keep one ordinary block for the next transaction, free the rest. */
static void
sg_edi_arena_reset(struct sg_edi_reader *r)
{
    struct sg_edi_arena *a = r->arena, *next, *keep = NULL;

    while (a != NULL) {
        next = a->next;
        if (keep == NULL && a->cap == SG_EDI_ARENA_BLOCK) {
            keep = a;
        } else {
            free(a);
        }
        a = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    r->arena = keep;
    r->arena_bytes = keep != NULL ?
                     SG_EDI_ALIGN(sizeof(*keep)) + keep->cap : 0;
}

/* Note where the arena stands, before a segment is split into it. */
static void
sg_edi_arena_mark(struct sg_edi_reader *r)
{
    r->mark_block = r->arena;
    r->mark_used = r->arena != NULL ? r->arena->used : 0;
}

/* Give back what the arena took since the mark: a segment dropped. */
static void
sg_edi_arena_release(struct sg_edi_reader *r)
{
    struct sg_edi_arena *a;

    while (r->arena != NULL && r->arena != r->mark_block) {
        a = r->arena;
        r->arena = a->next;
        r->arena_bytes -= SG_EDI_ALIGN(sizeof(*a)) + a->cap;
        free(a);
    }
    if (r->arena != NULL) {
        r->arena->used = r->mark_used;
    }
}

void
sg_edi_reader_init(struct sg_edi_reader *r, enum sg_edi_syntax syntax,
                   sg_edi_read_fn read_fn, void *read_arg,
                   sg_edi_tx_fn tx_fn, sg_edi_diag_fn diag_fn, void *arg)
{
    memset(r, 0, sizeof(*r));
    r->syntax = syntax;
    r->read_fn = read_fn;
    r->read_arg = read_arg;
    r->raw = sg_xmalloc(SG_EDI_PIECE);
    r->wrap.probe = sg_xmalloc(SG_EDI_UNWRAP_PROBE);
    r->line = 1;
    r->tx_fn = tx_fn;
    r->diag_fn = diag_fn;
    r->arg = arg;
    r->env.syntax = syntax;
    r->comps = sg_xcalloc(SG_EDI_MAX_COMPONENTS, sizeof(*r->comps));
    r->reps = sg_xcalloc(SG_EDI_MAX_REPEATS, sizeof(*r->reps));
    r->elems = sg_xcalloc(SG_EDI_MAX_ELEMENTS, sizeof(*r->elems));
}

void
sg_edi_reader_free(struct sg_edi_reader *r)
{
    sg_edi_arena_reset(r);
    free(r->arena);
    r->arena = NULL;
    free(r->tx.segments);
    sg_edi_seen_clear(&r->seen);
    free(r->comps);
    free(r->reps);
    free(r->elems);
    free(r->win);
    free(r->raw);
    free(r->wrap.probe);
    free(r->wrap.points);
}

static int
sg_edi_is_delim(const struct sg_edi_reader *r, unsigned char c)
{
    const struct sg_edi_delims *d = &r->delims;

    return (d->element != 0 && c == (unsigned char)d->element) ||
           (d->component != 0 && c == (unsigned char)d->component) ||
           (d->repetition != 0 && c == (unsigned char)d->repetition) ||
           (d->release != 0 && c == (unsigned char)d->release);
}

int
sg_edi_skip_blank(struct sg_edi_reader *r, int bom)
{
    size_t i = r->pos, avail;
    unsigned char c;

    for (;;) {
        avail = sg_edi_want(r, i, 3);
        if (bom && avail >= 3 && memcmp(SG_EDI_PTR(r, i), "\xEF\xBB\xBF",
                                        3) == 0) {
            i += 3;
            continue;
        }
        if (avail == 0) {
            break;
        }
        c = SG_EDI_BYTE(r, i);
        if (strchr(" \t\r\n\f\v", c) != NULL && c != '\0' &&
            !sg_edi_is_delim(r, c)) {
            i++;
            /* Blanks are done with: let the window drop a long run. */
            if (i - r->pos >= SG_EDI_PIECE) {
                sg_edi_advance(r, i);
            }
            continue;
        }
        break;
    }
    sg_edi_advance(r, i);
    return sg_edi_want(r, r->pos, 1) > 0;
}

static int
sg_edi_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/* Does an interchange header start at r->pos? */
static int
sg_edi_header_here(struct sg_edi_reader *r)
{
    size_t avail = sg_edi_want(r, r->pos, 4);
    const unsigned char *p = SG_EDI_PTR(r, r->pos);

    if (avail < 3) {
        return 0;
    }
    if (r->syntax == SG_EDI_X12) {
        return memcmp(p, "ISA", 3) == 0 && (avail == 3 ||
                                            !sg_edi_alnum(p[3]));
    }
    if (memcmp(p, "UNA", 3) == 0) {
        return 1;
    }
    return memcmp(p, "UNB", 3) == 0 && (avail == 3 || !sg_edi_alnum(p[3]));
}

/*
 * Find the terminator of the segment starting at r->pos, pulling bytes
 * as needed.  A release character hides the byte after it.  Returns 1
 * and the offsets of the terminator and of the byte after it, 0 when
 * the data ends first, 2 when the segment goes on past
 * SG_EDI_MAX_SEGMENT_BYTES (end and next are then where it was cut).
 */
static int
sg_edi_scan(struct sg_edi_reader *r, size_t *end, size_t *next)
{
    const unsigned char *t = (const unsigned char *)r->delims.segment;
    size_t tl = r->delims.segment_len, i = r->pos, avail, stop, j, e;
    size_t cap = r->pos + SG_EDI_MAX_SEGMENT_BYTES;
    unsigned char rel = (unsigned char)r->delims.release;
    unsigned char c;

    while ((avail = sg_edi_want(r, i, tl + 1)) > 0) {
        if (i >= cap) {
            *end = i;
            *next = i;
            return 2;
        }
        /* Walk what the window holds without asking for more, but for
         * the last bytes, where a terminator may be cut. */
        stop = avail > tl ? i + avail - tl : i + 1;
        if (stop > cap) {
            stop = cap;
        }
        e = stop - r->base;
        for (j = i - r->base; j < e; j++) {
            c = r->win[j];
            if (rel != 0 && c == rel) {
                j++;
                continue;
            }
            if (c == t[0] && r->len - (r->base + j) >= tl &&
                memcmp(r->win + j, t, tl) == 0) {
                *end = r->base + j;
                *next = *end + tl;
                return 1;
            }
        }
        i = r->base + j;
    }
    *end = r->len;
    *next = r->len;
    return 0;
}

/* The splitter's state while it walks one segment. */
struct sg_edi_split {
    char *w;                    /* where the next value byte goes */
    char *start;                /* start of the value being written */
    int n_comps, n_reps, n_elems;
    int tag_done;
    int over_comps, over_reps, over_elems;
};

static const char *
sg_edi_prefix(const struct sg_edi_reader *r)
{
    return r->syntax == SG_EDI_X12 ? "x12" : "edifact";
}

static void
sg_edi_limit(struct sg_edi_reader *r, int *flag, const char *what,
             int element, int limit)
{
    char code[48];

    if (*flag) {
        return;
    }
    *flag = 1;
    snprintf(code, sizeof(code), "%s.too_many_%s", sg_edi_prefix(r), what);
    sg_edi_report(r, code, &r->seg, element, 0,
                  "more than %d %s; the rest is ignored", limit, what);
}

static void
sg_edi_end_component(struct sg_edi_reader *r, struct sg_edi_split *s)
{
    *s->w++ = '\0';
    if (s->n_comps < SG_EDI_MAX_COMPONENTS) {
        r->comps[s->n_comps++] = s->start;
    } else {
        sg_edi_limit(r, &s->over_comps, "components", s->n_elems + 1,
                     SG_EDI_MAX_COMPONENTS);
    }
    s->start = s->w;
}

static void
sg_edi_end_repeat(struct sg_edi_reader *r, struct sg_edi_split *s)
{
    struct sg_edi_element *e;
    size_t sz = s->n_comps * sizeof(char *);

    if (s->n_reps >= SG_EDI_MAX_REPEATS) {
        sg_edi_limit(r, &s->over_reps, "repeats", s->n_elems + 1,
                     SG_EDI_MAX_REPEATS);
        s->n_comps = 0;
        return;
    }
    e = &r->reps[s->n_reps++];
    e->n_components = s->n_comps;
    e->components = sg_edi_alloc(r, sz);
    memcpy(e->components, r->comps, sz);
    e->n_repeats = 1;
    e->repeats = NULL;
    s->n_comps = 0;
}

static void
sg_edi_end_element(struct sg_edi_reader *r, struct sg_edi_split *s)
{
    struct sg_edi_element *e;
    const char *tag;
    size_t n;

    if (!s->tag_done) {
        /* The tag: up to three letters or digits, as both standards
         * define it; anything else is reported and left empty. */
        s->tag_done = 1;
        tag = r->reps[0].components[0];
        n = strlen(tag);
        if (n >= 1 && n <= 3 && sg_edi_alnum(tag[0]) &&
            (n < 2 || sg_edi_alnum(tag[1])) &&
            (n < 3 || sg_edi_alnum(tag[2]))) {
            memcpy(r->seg.tag, tag, n + 1);
        } else {
            r->seg.tag[0] = '\0';
        }
        s->n_reps = 0;
        return;
    }
    if (s->n_elems >= SG_EDI_MAX_ELEMENTS) {
        sg_edi_limit(r, &s->over_elems, "elements", s->n_elems,
                     SG_EDI_MAX_ELEMENTS);
        s->n_reps = 0;
        return;
    }
    e = &r->elems[s->n_elems++];
    *e = r->reps[0];
    e->n_repeats = s->n_reps;
    e->repeats = NULL;
    if (s->n_reps > 1) {
        n = s->n_reps * sizeof(*e);
        e->repeats = sg_edi_alloc(r, n);
        memcpy(e->repeats, r->reps, n);
    }
    s->n_reps = 0;
}

/* Cut data[from, to) into the tag and the elements of r->seg. */
static void
sg_edi_split(struct sg_edi_reader *r, size_t from, size_t to)
{
    const struct sg_edi_delims *d = &r->delims;
    unsigned char el = (unsigned char)d->element;
    unsigned char co = r->seg_raw ? 0 : (unsigned char)d->component;
    unsigned char rp = r->seg_raw ? 0 : (unsigned char)d->repetition;
    unsigned char rl = (unsigned char)d->release;
    struct sg_edi_split s;
    int charset_told = 0, nul_told = 0;
    char nul_code[24];
    size_t i, n, checked_to = from;
    /* The segment's bytes: the window does not move while it is cut. */
    const unsigned char *seg = SG_EDI_PTR(r, from);

    memset(&s, 0, sizeof(s));
    s.w = s.start = sg_edi_alloc(r, 2 * (to - from) + 2);
    r->splitting = 1;
    for (i = from; i < to; i++) {
        unsigned char c = seg[i - from];

        if (rl != 0 && c == rl) {
            if (i + 1 < to && (sg_edi_is_delim(r, seg[i + 1 - from]) ||
                               seg[i + 1 - from] ==
                               (unsigned char)d->segment[0])) {
                i++;
                *s.w++ = (char)seg[i - from];
                continue;
            }
            sg_edi_report_at(r, "edifact.bad_release", i,
                             s.tag_done ? s.n_elems + 1 : 0,
                             s.n_comps + 1,
                             "release character '%c' before '%c', which "
                             "is not a delimiter", rl,
                             i + 1 < to ? seg[i + 1 - from] : ' ');
            if (i + 1 < to) {
                i++;
                *s.w++ = (char)seg[i - from];
            }
            continue;
        }
        if (c == el) {
            sg_edi_end_component(r, &s);
            sg_edi_end_repeat(r, &s);
            sg_edi_end_element(r, &s);
        } else if (rp != 0 && c == rp) {
            sg_edi_end_component(r, &s);
            sg_edi_end_repeat(r, &s);
        } else if (co != 0 && c == co) {
            sg_edi_end_component(r, &s);
        } else {
            /* A NUL is in no X12 or EDIFACT character set, and would
             * silently cut the value short wherever C reads it. */
            if (c == 0 && !nul_told) {
                nul_told = 1;
                snprintf(nul_code, sizeof(nul_code), "%s.nul_byte",
                         sg_edi_prefix(r));
                sg_edi_report_at(r, nul_code, i,
                                 s.tag_done ? s.n_elems + 1 : 0,
                                 s.n_comps + 1, "a NUL byte (0x00) inside "
                                 "a value");
            }
            /* A character of several bytes is checked at its first;
             * one report per segment is enough to reject it. */
            if (r->charset_level && !charset_told && i >= checked_to) {
                n = sg_edi_charset_char(r->charset_level,
                                        seg + (i - from), to - i);
                if (n == 0) {
                    charset_told = 1;
                    sg_edi_report_at(r, "edifact.charset", i,
                                     s.tag_done ? s.n_elems + 1 : 0,
                                     s.n_comps + 1,
                                     "byte 0x%02X is outside the "
                                     "repertoire of %s", c,
                                     r->env.charset);
                }
                checked_to = i + (n ? n : 1);
            }
            *s.w++ = (char)c;
        }
    }
    sg_edi_end_component(r, &s);
    sg_edi_end_repeat(r, &s);
    sg_edi_end_element(r, &s);
    r->splitting = 0;

    r->seg.n_elements = s.n_elems;
    n = s.n_elems * sizeof(*r->seg.elements);
    r->seg.elements = sg_edi_alloc(r, n);
    memcpy(r->seg.elements, r->elems, n);
}

void
sg_edi_take_segment(struct sg_edi_reader *r, size_t end, size_t next)
{
    struct sg_edi_delims *d = &r->delims;

    /* A line feed terminator written by a tool that ends lines CRLF. */
    if (d->segment_len == 1 && d->segment[0] == '\n' && end > r->pos &&
        SG_EDI_BYTE(r, end - 1) == '\r') {
        end--;
    }
    r->seg_off = r->pos;
    r->seg_line = r->line;
    r->seg_line_start = r->line_start;
    r->seg_errors = 0;
    r->at_off = r->pos;
    r->at_line = r->line;
    r->at_line_start = r->line_start;
    memset(&r->seg, 0, sizeof(r->seg));
    r->seg.index = ++r->seg_index;
    r->seg.line = r->line;
    r->seg.column = (long)(r->pos - r->line_start) + 1;
    sg_edi_split(r, r->pos, end);
    sg_edi_advance(r, next);
}

/*
 * A segment longer than the cap: what was taken stands for it, marked;
 * the rest is skipped up to its terminator without being held.
 */
static void
sg_edi_skip_long(struct sg_edi_reader *r)
{
    size_t end, next;
    int found;

    r->seg_errors = 1;
    sg_edi_report(r, r->syntax == SG_EDI_X12 ? "x12.segment_too_long" :
                  "edifact.segment_too_long", &r->seg, 0, 0,
                  "segment %s is longer than %d bytes; the rest of it is "
                  "ignored", r->seg.tag[0] ? r->seg.tag : "(no tag)",
                  SG_EDI_MAX_SEGMENT_BYTES);
    do {
        found = sg_edi_scan(r, &end, &next);
        sg_edi_advance(r, next);
    } while (found == 2 && !r->stop);
}

int
sg_edi_next_segment(struct sg_edi_reader *r, int header_ok)
{
    size_t end, next;
    int found;

    if (!r->in_tx) {
        sg_edi_arena_reset(r);
    } else if (r->drop_seg) {
        sg_edi_arena_release(r);
    }
    r->drop_seg = 0;
    if (!sg_edi_skip_blank(r, 0)) {
        return 0;
    }
    if (!header_ok && sg_edi_header_here(r)) {
        return 2;
    }
    found = sg_edi_scan(r, &end, &next);
    sg_edi_arena_mark(r);
    sg_edi_take_segment(r, end, next);
    if (found == 2) {
        sg_edi_skip_long(r);
        return 1;
    }

    /* A last segment without its terminator is read anyway; when the
     * terminator is a line feed, a missing one at the end of a file is
     * what editors do and not worth a word. */
    if (!found && !(r->delims.segment_len == 1 &&
                    (r->delims.segment[0] == '\n' ||
                     r->delims.segment[0] == '\r'))) {
        char code[40];

        snprintf(code, sizeof(code), "%s.unterminated", sg_edi_prefix(r));
        sg_edi_report(r, code, &r->seg, 0, 0,
                      "the data ends inside segment %s, before its "
                      "terminator", r->seg.tag);
    }
    return 1;
}

static void
sg_edi_emit(struct sg_edi_reader *r, struct sg_diag *d)
{
    /* After a failed read the caller speaks; what the reader would add
     * (a missing trailer) is only an echo of the failure. */
    if (r->read_failed) {
        return;
    }
    if (r->splitting) {
        r->seg_errors = 1;
    }
    if (r->in_tx) {
        r->tx.has_errors = 1;
    }
    if (r->diag_fn != NULL && r->diag_fn(r->arg, d) < 0) {
        r->stop = 1;
    }
}

void
sg_edi_report(struct sg_edi_reader *r, const char *code,
              const struct sg_edi_segment *seg, int element, int component,
              const char *fmt, ...)
{
    struct sg_diag d;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = r->text;
    d.segment = seg->index;
    d.tag = seg->tag;
    d.element = element;
    d.component = component;
    d.line = seg->line;
    d.column = seg->column;
    sg_edi_emit(r, &d);
}

void
sg_edi_report_missing(struct sg_edi_reader *r, const char *code,
                      const char *tag, const char *fmt, ...)
{
    struct sg_diag d;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = r->text;
    d.segment = r->seg_index + 1;
    d.tag = tag;
    d.line = r->line;
    d.column = (long)(r->pos - r->line_start) + 1;
    sg_edi_emit(r, &d);
}

void
sg_edi_report_at(struct sg_edi_reader *r, const char *code, size_t offset,
                 int element, int component, const char *fmt, ...)
{
    struct sg_diag d;
    va_list ap;
    long line = r->seg_line;
    size_t i = r->seg_off, line_start = r->seg_line_start, to;

    /* Diags inside a segment come in order: go on from the last one
     * (a segment of a million bad release characters is read in
     * linear time). */
    if (offset >= r->at_off && r->at_off >= r->seg_off) {
        i = r->at_off;
        line = r->at_line;
        line_start = r->at_line_start;
    }
    if (offset > i) {
        /* The segment being cut is in the window. */
        to = offset < r->len ? offset : r->len;
        sg_edi_lines(r, i, to, &line, &line_start);
        i = to;
    }
    r->at_off = i;
    r->at_line = line;
    r->at_line_start = line_start;
    va_start(ap, fmt);
    vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = r->text;
    d.segment = r->seg.index;
    d.tag = r->seg.tag;
    d.element = element;
    d.component = component;
    d.line = line;
    d.column = (long)(offset - line_start) + 1;
    sg_edi_emit(r, &d);
}

void
sg_edi_tx_begin(struct sg_edi_reader *r)
{
    r->in_tx = 1;
    r->tx.n_segments = 0;
    r->tx.has_errors = r->ich_errors || r->seg_errors;
    r->tx_count = 0;
    r->tx_over = 0;
    sg_edi_tx_add(r);
}

/*
 * Does the open transaction hold more than SG_EDI_MAX_TX_BYTES with the
 * segment just read?  Said once; the segments after are dropped, as
 * past SG_EDI_MAX_TX_SEGMENTS, and their memory is given back.
 */
static int
sg_edi_tx_too_large(struct sg_edi_reader *r)
{
    char code[48];

    if (r->tx_over) {
        return 1;
    }
    if (r->arena_bytes + r->tx_cap * sizeof(*r->tx.segments) <=
        SG_EDI_MAX_TX_BYTES) {
        return 0;
    }
    r->tx_over = 1;
    snprintf(code, sizeof(code), "%s.transaction_too_large",
             sg_edi_prefix(r));
    sg_edi_report(r, code, &r->seg, 0, 0,
                  "the transaction takes more than %d MB once read into "
                  "segments and elements (several times its size in the "
                  "file) from this segment on; the rest is ignored",
                  SG_EDI_MAX_TX_BYTES / (1024 * 1024));
    return 1;
}

void
sg_edi_tx_add(struct sg_edi_reader *r)
{
    struct sg_edi_transaction *tx = &r->tx;

    r->tx_count++;
    if (r->seg_errors) {
        tx->has_errors = 1;
    }
    if (tx->n_segments >= SG_EDI_MAX_TX_SEGMENTS) {
        if (r->tx_count == SG_EDI_MAX_TX_SEGMENTS + 1) {
            char code[48];

            snprintf(code, sizeof(code), "%s.too_many_segments",
                     sg_edi_prefix(r));
            sg_edi_report(r, code, &r->seg, 0, 0,
                          "more than %d segments in one transaction; the "
                          "rest is ignored", SG_EDI_MAX_TX_SEGMENTS);
        }
        r->drop_seg = 1;
        return;
    }
    if (sg_edi_tx_too_large(r)) {
        r->drop_seg = 1;
        return;
    }
    if (tx->n_segments == r->tx_cap) {
        r->tx_cap = r->tx_cap ? 2 * r->tx_cap : 64;
        tx->segments = sg_xrealloc(tx->segments,
                                   r->tx_cap * sizeof(*tx->segments));
    }
    tx->segments[tx->n_segments++] = r->seg;
}

void
sg_edi_tx_end(struct sg_edi_reader *r)
{
    struct sg_edi_transaction *tx = &r->tx;

    tx->env = r->env;
    tx->env.syntax = r->syntax;
    tx->env.delims = r->delims;
    r->in_tx = 0;
    if (r->stop) {
        return;
    }
    r->n_handed++;
    if (r->tx_fn != NULL && r->tx_fn(r->arg, tx) < 0) {
        r->stop = 1;
    }
}

void
sg_edi_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t')) {
        n--;
    }
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int
sg_edi_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return strlen(s) == n;
}

void
sg_edi_copy_date(char *dst, size_t size, const char *src)
{
    dst[0] = '\0';
    if (size < 9) {
        return;
    }
    if (sg_edi_digits(src, 8)) {
        memcpy(dst, src, 9);
    } else if (sg_edi_digits(src, 6)) {
        /* Two-digit years: the usual window, 70..99 are 19xx. */
        snprintf(dst, size, "%s%s", src[0] >= '7' ? "19" : "20", src);
    }
}

/* FNV-1a: short control numbers, no need for more. */
static size_t
sg_edi_hash(const char *id)
{
    size_t h = 2166136261u;

    while (*id != '\0') {
        h = (h ^ (unsigned char)*id++) * 16777619u;
    }
    return h;
}

static void
sg_edi_seen_grow(struct sg_edi_seen *s)
{
    struct sg_edi_seen bigger;
    size_t i, j;

    bigger.cap = s->cap ? 2 * s->cap : 64;
    bigger.n = s->n;
    bigger.slots = sg_xcalloc(bigger.cap, sizeof(*bigger.slots));
    for (i = 0; i < s->cap; i++) {
        if (s->slots[i] == NULL) {
            continue;
        }
        j = sg_edi_hash(s->slots[i]) & (bigger.cap - 1);
        while (bigger.slots[j] != NULL) {
            j = (j + 1) & (bigger.cap - 1);
        }
        bigger.slots[j] = s->slots[i];
    }
    free(s->slots);
    *s = bigger;
}

int
sg_edi_seen_add(struct sg_edi_seen *s, const char *id)
{
    size_t j;

    if (2 * (s->n + 1) > s->cap) {
        sg_edi_seen_grow(s);
    }
    j = sg_edi_hash(id) & (s->cap - 1);
    while (s->slots[j] != NULL) {
        if (strcmp(s->slots[j], id) == 0) {
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = sg_xstrdup(id);
    s->n++;
    return 1;
}

void
sg_edi_seen_clear(struct sg_edi_seen *s)
{
    size_t i;

    for (i = 0; i < s->cap; i++) {
        free(s->slots[i]);
    }
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

int
sg_edi_valid_date(const char *s, int digits)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31};
    int year, month, day;

    if ((digits != 6 && digits != 8) || !sg_edi_digits(s, (size_t)digits)) {
        return 0;
    }
    year = atoi(s) / 10000;     /* only the leap year needs it whole */
    if (digits == 6) {
        year += year >= 70 ? 1900 : 2000;
    }
    s += digits - 4;
    month = (s[0] - '0') * 10 + (s[1] - '0');
    day = (s[2] - '0') * 10 + (s[3] - '0');
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1]) {
        return 0;
    }
    return month != 2 || day < 29 ||
           (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0));
}

int
sg_edi_valid_time(const char *s, int max_digits)
{
    size_t n = strlen(s);

    if (n < 4 || n > (size_t)max_digits || n == 5 ||
        !sg_edi_digits(s, n)) {
        return 0;
    }
    return (s[0] - '0') * 10 + (s[1] - '0') < 24 && s[2] < '6' &&
           (n < 6 || s[4] < '6');
}

long
sg_edi_count(const char *s)
{
    long n = 0;
    size_t i;

    if (s[0] == '\0' || strlen(s) > 15) {
        return -1;
    }
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

int
sg_edi_sniff(const unsigned char *data, size_t len)
{
    size_t i = 0;

    if (data == NULL) {
        return -1;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && strchr(" \t\r\n", data[i]) != NULL &&
           data[i] != '\0') {
        i++;
    }
    if (len - i < 4) {
        return -1;
    }
    if (memcmp(data + i, "ISA", 3) == 0 && !sg_edi_alnum(data[i + 3])) {
        return SG_EDI_X12;
    }
    if ((memcmp(data + i, "UNA", 3) == 0 ||
         memcmp(data + i, "UNB", 3) == 0) && !sg_edi_alnum(data[i + 3])) {
        return SG_EDI_EDIFACT;
    }
    return -1;
}

const char *
sg_edi_repeat_value(const struct sg_edi_segment *seg, int element,
                    int repeat, int component)
{
    const struct sg_edi_element *e;

    if (seg == NULL || element < 1 || element > seg->n_elements) {
        return "";
    }
    e = &seg->elements[element - 1];
    if (repeat > 1) {
        if (e->repeats == NULL || repeat > e->n_repeats) {
            return "";
        }
        e = &e->repeats[repeat - 1];
    }
    if (component < 1) {
        component = 1;
    }
    if (component > e->n_components || e->components == NULL ||
        e->components[component - 1] == NULL) {
        return "";
    }
    return e->components[component - 1];
}

const char *
sg_edi_value(const struct sg_edi_segment *seg, int element, int component)
{
    return sg_edi_repeat_value(seg, element, 1, component);
}

const struct sg_edi_segment *
sg_edi_find(const struct sg_edi_transaction *tx, const char *tag,
            size_t *pos)
{
    size_t i;

    if (tx == NULL || tag == NULL || pos == NULL) {
        return NULL;
    }
    for (i = *pos; i < tx->n_segments; i++) {
        if (strcmp(tx->segments[i].tag, tag) == 0) {
            *pos = i + 1;
            return &tx->segments[i];
        }
    }
    *pos = tx->n_segments;
    return NULL;
}

/* --- the set type, for sniffing ------------------------------------------ */

/*
 * Start of a segment tag at i: the byte before is neither a letter, a
 * digit nor the element separator, so "ST" inside a value or "*ST" as
 * an element do not count.  Terminators vary (~, ', LF, a UTF-8 '...'),
 * so only what they are not is checked.
 */
static int
sg_edi_tag_at(const unsigned char *data, size_t len, size_t i,
              const char *tag, unsigned char sep)
{
    size_t n = strlen(tag);

    if (i + n >= len || memcmp(data + i, tag, n) != 0 ||
        data[i + n] != sep) {
        return 0;
    }
    return i == 0 || (!sg_edi_alnum(data[i - 1]) && data[i - 1] != sep);
}

/* Copy the value starting at p until one of stop (or a release-escaped
 * byte's end), at most outlen - 1 bytes; returns 0 if it is empty. */
static int
sg_edi_copy_code(const unsigned char *p, const unsigned char *end,
                 const char *stop, unsigned char release, char *out,
                 size_t outlen)
{
    size_t n = 0;

    while (p < end && n + 1 < outlen && *p != '\0' &&
           strchr(stop, *p) == NULL && *p != release) {
        out[n++] = (char)*p++;
    }
    out[n] = '\0';
    return n > 0;
}

static int
sg_edi_sniff_x12(const unsigned char *data, size_t len, size_t i,
                 char *out, size_t outlen)
{
    unsigned char sep = data[i + 3];
    char stop[4] = {0, 0, 0, 0};

    stop[0] = (char)sep;
    stop[1] = '~';
    for (i += 4; i + 3 < len; i++) {
        if (sg_edi_tag_at(data, len, i, "ST", sep)) {
            return sg_edi_copy_code(data + i + 3, data + len, stop, 0,
                                    out, outlen);
        }
    }
    return 0;
}

static int
sg_edi_sniff_edifact(const unsigned char *data, size_t len, size_t i,
                     char *out, size_t outlen)
{
    unsigned char comp = ':', sep = '+', release = '?', term = '\'';
    const unsigned char *p, *end = data + len;
    char stop[4];

    if (len - i >= 9 && memcmp(data + i, "UNA", 3) == 0) {
        comp = data[i + 3];
        sep = data[i + 4];
        release = data[i + 6] == ' ' ? 0 : data[i + 6];
        term = data[i + 8];
    }
    stop[0] = (char)comp;
    stop[1] = (char)sep;
    stop[2] = (char)term;
    stop[3] = '\0';
    for (; i + 4 < len; i++) {
        if (!sg_edi_tag_at(data, len, i, "UNH", sep)) {
            continue;
        }
        /* Skip the message reference (0062), released bytes included. */
        for (p = data + i + 4; p < end && *p != sep && *p != term; p++) {
            if (release != 0 && *p == release) {
                p++;
            }
        }
        if (p >= end || *p != sep) {
            return 0;
        }
        return sg_edi_copy_code(p + 1, end, stop, release, out, outlen);
    }
    return 0;
}

static int sg_edi_sniff_set_plain(const unsigned char *data, size_t len,
                                  char *out, size_t outlen);

/*
 * A hard-wrapped body may have a break inside "ST*" or "UNH+": when the
 * set type cannot be seen, look again at the first bytes with every
 * line break taken out (the reader unwraps such a body; see edi.h).
 */
#define SG_EDI_SNIFF_UNWRAP 65536

int
sg_edi_sniff_set(const unsigned char *data, size_t len, char *out,
                 size_t outlen)
{
    unsigned char *flat;
    size_t i, n = 0;
    int syntax = sg_edi_sniff_set_plain(data, len, out, outlen);

    if (syntax >= 0 || outlen == 0 || sg_edi_sniff(data, len) < 0 ||
        memchr(data, '\n', len) == NULL) {
        return syntax;
    }
    flat = sg_xmalloc(len < SG_EDI_SNIFF_UNWRAP ? len : SG_EDI_SNIFF_UNWRAP);
    for (i = 0; i < len && n < SG_EDI_SNIFF_UNWRAP; i++) {
        if (data[i] != '\n' && data[i] != '\r') {
            flat[n++] = data[i];
        }
    }
    syntax = sg_edi_sniff_set_plain(flat, n, out, outlen);
    free(flat);
    return syntax;
}

static int
sg_edi_sniff_set_plain(const unsigned char *data, size_t len, char *out,
                       size_t outlen)
{
    int syntax = sg_edi_sniff(data, len);
    size_t i = 0;
    int found = 0;

    if (outlen == 0) {
        return -1;
    }
    out[0] = '\0';
    if (syntax < 0) {
        return -1;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && strchr(" \t\r\n", data[i]) != NULL &&
           data[i] != '\0') {
        i++;
    }
    if (syntax == SG_EDI_X12) {
        found = sg_edi_sniff_x12(data, len, i, out, outlen);
    } else {
        found = sg_edi_sniff_edifact(data, len, i, out, outlen);
    }
    return found ? syntax : -1;
}

void
sg_edi_diag_at(struct sg_diag *d, const char *code, const char *text,
               const struct sg_edi_segment *seg, const char *tag,
               int element, int component)
{
    memset(d, 0, sizeof(*d));
    d->code = code;
    d->text = text;
    d->tag = tag != NULL ? tag : (seg != NULL ? seg->tag : NULL);
    d->element = element;
    d->component = component;
    if (seg != NULL) {
        d->segment = seg->index;
        d->line = seg->line;
        d->column = seg->column;
    }
}
