/*
 * edi_map.c - check one X12 transaction set or EDIFACT message against
 * its segment map (edi_map.h for the diag codes, edi_map_load.c for how
 * a map is read).
 *
 * The walk is the one the standards describe: segments are taken in
 * order; each is matched against the places still ahead in the current
 * loop, else handed back to an enclosing loop that has a place for it
 * ahead (which closes the inner loop), else reported as unexpected (or
 * unrecognized when the map has no such segment at all) and skipped.
 * Mandatory places passed over, or left when a loop closes, are
 * reported as missing at the segment where they were expected.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edi_map_int.h"
#include "util.h"

/* The state of one check. */
struct mc {
    const struct sg_edi_map *map;
    const struct sg_edi_transaction *tx;
    size_t i;                   /* next segment to match */
    sg_edi_diag_fn diag_fn;
    void *arg;
    long n_diags;
    int stop;                   /* diag_fn asked to stop */
};

/* One open loop: where we are in its body and how often each place
 * was used in this repeat of the loop. */
struct mc_frame {
    const struct sg_edi_node *loop;
    size_t pos;
    long *counts;
    const struct mc_frame *parent;
};

/* --- reporting ---------------------------------------------------------- */

static void
mc_report(struct mc *mc, const char *kind, int number,
          const struct sg_edi_segment *seg, const char *tag, int element,
          int component, const char *fmt, ...) SG_PRINTF(8, 9);

static void
mc_report(struct mc *mc, const char *kind, int number,
          const struct sg_edi_segment *seg, const char *tag, int element,
          int component, const char *fmt, ...)
{
    struct sg_diag d;
    char code[24], text[320];
    va_list ap;

    if (mc->stop) {
        return;
    }
    snprintf(code, sizeof(code), "edi.%s.%d", kind, number);
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);

    sg_edi_diag_at(&d, code, text, seg, tag, element, component);
    mc->n_diags++;
    if (mc->diag_fn(mc->arg, &d) != 0) {
        mc->stop = 1;
    }
}

/* --- values ------------------------------------------------------------- */

static int
mc_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static int
mc_chars(const char *v)
{
    int n = 0;

    for (; *v != '\0'; v++) {
        if (((unsigned char)*v & 0xc0) != 0x80) {
            n++;
        }
    }
    return n;
}

/*
 * Digits of a numeric value, or -1 when it holds anything else: an
 * optional leading sign, digits, and (decimal != 0) one decimal mark.
 * Signs and marks do not count towards the length, in both standards.
 * Neither standard sends a plus sign, but its meaning is plain and
 * partners' systems print one: it is tolerated.
 */
static int
mc_numeric(const char *v, char decimal, char alt_decimal)
{
    int digits = 0, marks = 0;

    if (*v == '-' || *v == '+') {
        v++;
    }
    for (; *v != '\0'; v++) {
        if (mc_is_digit(*v)) {
            digits++;
        } else if (decimal != 0 && (*v == decimal || *v == alt_decimal) &&
                   marks == 0) {
            marks++;
        } else {
            return -1;
        }
    }
    return digits > 0 ? digits : -1;
}

static int
mc_all_digits(const char *v)
{
    for (; *v != '\0'; v++) {
        if (!mc_is_digit(*v)) {
            return 0;
        }
    }
    return 1;
}

static int
mc_num(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* YYMMDD or CCYYMMDD naming a real day. */
static int
mc_valid_date(const char *v)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                30, 31};
    size_t len = strlen(v);
    int y, m, d;

    if (!mc_all_digits(v) || (len != 6 && len != 8)) {
        return 0;
    }
    y = len == 8 ? mc_num(v, 4) : 2000 + mc_num(v, 2);
    v += len - 4;
    m = mc_num(v, 2);
    d = mc_num(v + 2, 2);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) {
        return 0;
    }
    /* 29 February only in leap years; a two-digit year is taken as
     * 20YY, which agrees with 19YY on every leap year but 1900. */
    return !(m == 2 && d == 29 &&
             !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* HHMM, HHMMSS, HHMMSSd or HHMMSSdd. */
static int
mc_valid_time(const char *v)
{
    size_t len = strlen(v);

    if (!mc_all_digits(v) || len < 4 || len > 8 || len == 5) {
        return 0;
    }
    return mc_num(v, 2) < 24 && mc_num(v + 2, 2) < 60 &&
           (len < 6 || mc_num(v + 4, 2) < 60);
}

static int
mc_has_control(const char *v)
{
    for (; *v != '\0'; v++) {
        if ((unsigned char)*v < 0x20 || *v == 0x7f) {
            return 1;
        }
    }
    return 0;
}

static int
mc_in_codes(const struct sg_edi_codes *c, const char *v)
{
    size_t lo = 0, hi = c->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(v, c->values[mid]);

        if (cmp == 0) {
            return 1;
        }
        if (cmp < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return 0;
}

static const char *
mc_type_name(const struct sg_edi_elemdef *d)
{
    static const char *const names[] = {"AN", "ID", "N", "R", "DT", "TM",
                                        "a", "an", "n"};

    return names[d->type];
}

/*
 * The length a value counts for its type, or -1 with *code set when
 * its characters are wrong for the type.
 */
static int
mc_length(const struct mc *mc, const struct sg_edi_elemdef *d,
          const char *v, int *code)
{
    char dec = mc->tx->env.delims.decimal;

    switch (d->type) {
    case SG_EDI_T_N:
        *code = SG_EDI_ELEM_BAD_CHAR;
        return mc_numeric(v, 0, 0);
    case SG_EDI_T_R:
        *code = SG_EDI_ELEM_BAD_CHAR;
        return mc_numeric(v, '.', '.');
    case SG_EDI_T_EN:
        /* Either mark is allowed whatever UNA declares (ISO 9735). */
        *code = SG_EDI_ELEM_BAD_CHAR;
        return mc_numeric(v, dec ? dec : '.', dec == ',' ? '.' : ',');
    case SG_EDI_T_DT:
        *code = SG_EDI_ELEM_BAD_DATE;
        return mc_all_digits(v) ? (int)strlen(v) : -1;
    case SG_EDI_T_TM:
        *code = SG_EDI_ELEM_BAD_TIME;
        return mc_all_digits(v) ? (int)strlen(v) : -1;
    case SG_EDI_T_A:
        *code = SG_EDI_ELEM_BAD_CHAR;
        if (strpbrk(v, "0123456789") != NULL || mc_has_control(v)) {
            return -1;
        }
        return mc_chars(v);
    default:
        *code = SG_EDI_ELEM_BAD_CHAR;
        return mc_has_control(v) ? -1 : mc_chars(v);
    }
}

/* Check one non-empty simple value (element, or component when
 * component > 0). */
static void
mc_value(struct mc *mc, const struct sg_edi_segment *seg, int element,
         int component, const struct sg_edi_elemdef *d, const char *v)
{
    int code = 0, len = mc_length(mc, d, v, &code);

    if (len < 0) {
        mc_report(mc, "elem", code, seg, NULL, element, component,
                  "%s%02d%s%.0d \"%.40s\" is not a valid %s value",
                  seg->tag, element, component ? "-" : "", component, v,
                  mc_type_name(d));
    } else if (len < d->min) {
        mc_report(mc, "elem", SG_EDI_ELEM_TOO_SHORT, seg, NULL, element,
                  component, "%s%02d%s%.0d \"%.40s\" is shorter than %d",
                  seg->tag, element, component ? "-" : "", component, v,
                  d->min);
    } else if (len > d->max) {
        mc_report(mc, "elem", SG_EDI_ELEM_TOO_LONG, seg, NULL, element,
                  component, "%s%02d%s%.0d is %d long, longer than %d",
                  seg->tag, element, component ? "-" : "", component, len,
                  d->max);
    } else if (d->type == SG_EDI_T_DT && !mc_valid_date(v)) {
        mc_report(mc, "elem", SG_EDI_ELEM_BAD_DATE, seg, NULL, element,
                  component, "%s%02d \"%.40s\" is not a calendar date",
                  seg->tag, element, v);
    } else if (d->type == SG_EDI_T_TM && !mc_valid_time(v)) {
        mc_report(mc, "elem", SG_EDI_ELEM_BAD_TIME, seg, NULL, element,
                  component, "%s%02d \"%.40s\" is not a time of day",
                  seg->tag, element, v);
    } else if (d->codes != NULL && !mc_in_codes(d->codes, v)) {
        mc_report(mc, "elem", SG_EDI_ELEM_BAD_CODE, seg, NULL, element,
                  component, "%s%02d%s%.0d \"%.40s\" is not a code of "
                  "list %s", seg->tag, element, component ? "-" : "",
                  component, v, d->codes->name);
    }
}

/* --- elements ----------------------------------------------------------- */

/* Any non-empty component from 'from' (0-based) on. */
static int
mc_any_from(const struct sg_edi_element *e, int from)
{
    int c;

    for (c = from; c < e->n_components; c++) {
        if (e->components[c][0] != '\0') {
            return 1;
        }
    }
    return 0;
}

static const struct sg_edi_element *
mc_repeat(const struct sg_edi_element *e, int r)
{
    return e->n_repeats > 1 && e->repeats != NULL ? &e->repeats[r] : e;
}

static int
mc_present(const struct sg_edi_segment *seg, int element)
{
    const struct sg_edi_element *e;
    int r;

    if (element < 1 || element > seg->n_elements) {
        return 0;
    }
    e = &seg->elements[element - 1];
    for (r = 0; r < e->n_repeats; r++) {
        if (mc_any_from(mc_repeat(e, r), 0)) {
            return 1;
        }
    }
    return 0;
}

/* One repetition of a composite. */
static void
mc_composite(struct mc *mc, const struct sg_edi_segment *seg, int element,
             const struct sg_edi_elemdef *d, const struct sg_edi_element *e)
{
    int c;

    if (e->n_components > d->n_components &&
        mc_any_from(e, d->n_components)) {
        mc_report(mc, "elem", SG_EDI_ELEM_TOO_MANY_COMPS, seg, NULL,
                  element, d->n_components + 1, "%s%02d has more than "
                  "its %d components", seg->tag, element, d->n_components);
    }
    for (c = 1; c <= d->n_components && !mc->stop; c++) {
        const struct sg_edi_elemdef *cd = &d->components[c - 1];
        const char *v = c <= e->n_components ? e->components[c - 1] : "";

        if (v[0] != '\0') {
            mc_value(mc, seg, element, c, cd, v);
        } else if (cd->usage == 'M') {
            mc_report(mc, "elem", SG_EDI_ELEM_MISSING, seg, NULL, element,
                      c, "%s%02d-%d is mandatory and missing", seg->tag,
                      element, c);
        }
    }
}

static void
mc_element(struct mc *mc, const struct sg_edi_segment *seg, int element,
           const struct sg_edi_elemdef *d)
{
    const struct sg_edi_element *e = &seg->elements[element - 1];
    int r;

    if (!mc_present(seg, element)) {
        if (d->usage == 'M') {
            mc_report(mc, "elem", SG_EDI_ELEM_MISSING, seg, NULL, element,
                      0, "%s%02d is mandatory and missing", seg->tag,
                      element);
        }
        return;
    }
    if (e->n_repeats > d->repeat) {
        mc_report(mc, "elem", SG_EDI_ELEM_TOO_MANY_REPS, seg, NULL,
                  element, 0, "%s%02d is repeated %d times; at most %d",
                  seg->tag, element, e->n_repeats, d->repeat);
    }
    for (r = 0; r < e->n_repeats && !mc->stop; r++) {
        const struct sg_edi_element *one = mc_repeat(e, r);

        if (!mc_any_from(one, 0)) {
            continue;
        }
        if (d->n_components > 0) {
            mc_composite(mc, seg, element, d, one);
        } else if (mc_any_from(one, 1)) {
            mc_report(mc, "elem", SG_EDI_ELEM_TOO_MANY_COMPS, seg, NULL,
                      element, 2, "%s%02d is a simple element but has "
                      "components", seg->tag, element);
        } else {
            mc_value(mc, seg, element, 0, d, one->components[0]);
        }
    }
}

/*
 * X12 syntax notes: P paired, R required, C conditional, L list
 * conditional, E exclusion.
 * XXX: only between the elements of a segment; conditions between the
 * components of a composite (C040, C001) and EDIFACT dependency notes
 * (D1..D7) are not checked, so such a violation passes.
 */
static void
mc_condition(struct mc *mc, const struct sg_edi_segment *seg,
             const struct sg_edi_cond *c)
{
    int i, n_present = 0, first_absent = 0, second_present = 0;

    for (i = 0; i < c->n; i++) {
        if (mc_present(seg, c->pos[i])) {
            if (++n_present == 2) {
                second_present = c->pos[i];
            }
        } else if (first_absent == 0) {
            first_absent = c->pos[i];
        }
    }
    switch (c->kind) {
    case 'P':
        if (n_present > 0 && first_absent != 0) {
            mc_report(mc, "elem", SG_EDI_ELEM_COND_MISSING, seg, NULL,
                      first_absent, 0, "%s%02d is required: elements "
                      "of P%02d%02d come in pairs", seg->tag, first_absent,
                      c->pos[0], c->pos[1]);
        }
        break;
    case 'R':
        if (n_present == 0) {
            mc_report(mc, "elem", SG_EDI_ELEM_COND_MISSING, seg, NULL,
                      c->pos[0], 0, "%s needs at least one of elements "
                      "%02d and %02d (R)", seg->tag, c->pos[0], c->pos[1]);
        }
        break;
    case 'C':
        if (mc_present(seg, c->pos[0]) && first_absent != 0) {
            mc_report(mc, "elem", SG_EDI_ELEM_COND_MISSING, seg, NULL,
                      first_absent, 0, "%s%02d is required when %s%02d "
                      "is present", seg->tag, first_absent, seg->tag,
                      c->pos[0]);
        }
        break;
    case 'L':
        if (mc_present(seg, c->pos[0]) && n_present < 2) {
            mc_report(mc, "elem", SG_EDI_ELEM_COND_MISSING, seg, NULL,
                      c->pos[1], 0, "%s%02d is present, so one of the "
                      "elements after it in L%02d%02d is required",
                      seg->tag, c->pos[0], c->pos[0], c->pos[1]);
        }
        break;
    default:    /* 'E' */
        if (n_present > 1) {
            mc_report(mc, "elem", SG_EDI_ELEM_EXCLUSION, seg, NULL,
                      second_present, 0, "%s%02d may not be used with "
                      "%s%02d (E)", seg->tag, second_present, seg->tag,
                      c->pos[0]);
        }
        break;
    }
}

static void
mc_segment(struct mc *mc, const struct sg_edi_segment *seg,
           const struct sg_edi_segdef *def)
{
    int p;

    if (def->n_elements < 0) {
        return;     /* "elements": "any" */
    }
    for (p = 1; p <= def->n_elements && !mc->stop; p++) {
        if (p <= seg->n_elements) {
            mc_element(mc, seg, p, &def->elements[p - 1]);
        } else if (def->elements[p - 1].usage == 'M') {
            mc_report(mc, "elem", SG_EDI_ELEM_MISSING, seg, NULL, p, 0,
                      "%s%02d is mandatory and missing", seg->tag, p);
        }
    }
    /* Empty trailing elements are tolerated; data beyond the last
     * defined element is not. */
    for (p = def->n_elements + 1; p <= seg->n_elements; p++) {
        if (mc_present(seg, p)) {
            mc_report(mc, "elem", SG_EDI_ELEM_TOO_MANY, seg, NULL, p, 0,
                      "%s has %d elements; element %d is beyond them",
                      seg->tag, def->n_elements, p);
            break;
        }
    }
    for (p = 0; p < def->n_conds && !mc->stop; p++) {
        mc_condition(mc, seg, &def->conds[p]);
    }
}

/* --- structure ---------------------------------------------------------- */

/* The place ahead in this loop for tag: the first not yet used up,
 * else the first at all; -1 when there is none. */
static long
mc_find_ahead(const struct mc_frame *f, const char *tag)
{
    long first = -1;
    size_t k;

    for (k = f->pos; k < f->loop->n_body; k++) {
        const struct sg_edi_node *n = &f->loop->body[k];

        if (strcmp(n->tag, tag) != 0) {
            continue;
        }
        if (n->max == 0 || f->counts[k] < n->max) {
            return (long)k;
        }
        if (first < 0) {
            first = (long)k;
        }
    }
    return first;
}

static int
mc_outer_takes(const struct mc_frame *f, const char *tag)
{
    for (f = f->parent; f != NULL; f = f->parent) {
        if (mc_find_ahead(f, tag) >= 0) {
            return 1;
        }
    }
    return 0;
}

/* Mandatory places in [from, to) of f never used: missing before seg. */
static void
mc_missing(struct mc *mc, const struct mc_frame *f, size_t from, size_t to,
           const struct sg_edi_segment *seg)
{
    size_t k;

    for (k = from; k < to && !mc->stop; k++) {
        const struct sg_edi_node *n = &f->loop->body[k];

        if (n->usage == 'M' && f->counts[k] == 0) {
            mc_report(mc, "seg", SG_EDI_SEG_MISSING, seg, n->tag, 0, 0,
                      "mandatory %s %s is missing before segment %s",
                      n->is_loop ? "loop" : "segment", n->tag, seg->tag);
        }
    }
}

/* Where a place left empty at the end of a loop was expected. */
static const struct sg_edi_segment *
mc_here(const struct mc *mc)
{
    size_t i = mc->i < mc->tx->n_segments ? mc->i : mc->tx->n_segments - 1;

    return &mc->tx->segments[i];
}

static void mc_walk(struct mc *mc, struct mc_frame *f);

static void
mc_enter_loop(struct mc *mc, struct mc_frame *f, const struct sg_edi_node *n)
{
    struct mc_frame inner;

    inner.loop = n;
    inner.pos = 0;
    inner.counts = sg_xcalloc(n->n_body, sizeof(long));
    inner.parent = f;
    mc_walk(mc, &inner);
    mc_missing(mc, &inner, inner.pos, n->n_body, mc_here(mc));
    free(inner.counts);
}

static void
mc_walk(struct mc *mc, struct mc_frame *f)
{
    while (mc->i < mc->tx->n_segments && !mc->stop) {
        const struct sg_edi_segment *seg = &mc->tx->segments[mc->i];
        const struct sg_edi_node *n;
        long k = mc_find_ahead(f, seg->tag);

        if (k < 0) {
            if (mc_outer_takes(f, seg->tag)) {
                return;
            }
            if (sg_edi_map_segdef(mc->map, seg->tag) == NULL) {
                mc_report(mc, "seg", SG_EDI_SEG_UNRECOGNIZED, seg, NULL,
                          0, 0, "segment %s is not part of %s %s",
                          seg->tag, mc->map->set, mc->map->version);
            } else {
                mc_report(mc, "seg", SG_EDI_SEG_UNEXPECTED, seg, NULL, 0,
                          0, "segment %s may not stand here",
                          seg->tag);
            }
            mc->i++;
            continue;
        }

        /* A place used up here, when an outer loop has room: the
         * next repeat of this loop or of an enclosing one. */
        if (f->loop->body[k].max != 0 &&
            f->counts[k] >= f->loop->body[k].max &&
            mc_outer_takes(f, seg->tag)) {
            return;
        }
        mc_missing(mc, f, f->pos, (size_t)k, seg);
        f->pos = (size_t)k;
        n = &f->loop->body[k];
        f->counts[k]++;
        if (n->max != 0 && f->counts[k] > n->max) {
            mc_report(mc, "seg", n->is_loop ? SG_EDI_SEG_LOOP_OVER_MAX :
                      SG_EDI_SEG_OVER_MAX_USE, seg, NULL, 0, 0,
                      "%s %s occurs more than %ld times",
                      n->is_loop ? "loop" : "segment", n->tag, n->max);
        }
        if (n->is_loop) {
            mc_enter_loop(mc, f, n);
        } else {
            mc_segment(mc, seg, n->seg);
            mc->i++;
        }
    }
}

long
sg_edi_map_check(const struct sg_edi_map *map,
                 const struct sg_edi_transaction *tx,
                 sg_edi_diag_fn diag_fn, void *arg)
{
    struct mc mc;
    struct mc_frame top;

    if (tx->n_segments == 0) {
        return 0;
    }
    memset(&mc, 0, sizeof(mc));
    mc.map = map;
    mc.tx = tx;
    mc.diag_fn = diag_fn;
    mc.arg = arg;

    top.loop = &map->root;
    top.pos = 0;
    top.counts = sg_xcalloc(map->root.n_body, sizeof(long));
    top.parent = NULL;
    mc_walk(&mc, &top);
    mc_missing(&mc, &top, top.pos, map->root.n_body, mc_here(&mc));
    free(top.counts);
    return mc.stop ? -1 : mc.n_diags;
}
