/*
 * test_edi.c - the shared X12 and EDIFACT readers against real
 * interchanges from other projects (tests/data/corpus, see its
 * PROVENANCE.md) and against small hostile inputs written here: the
 * right transactions, envelope values, delimiters and unescaped values,
 * the exact diag codes and positions, and no crash on any prefix of a
 * valid file or on garbage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "edi.h"
#include "testlib.h"
#include "util.h"

/* Separators of the flattened copy of a segment kept by the capture. */
#define CAP_ELEM '\x1d'
#define CAP_REP '\x1e'
#define CAP_COMP '\x1f'

#define CAP_MAX_TX 64
#define CAP_MAX_DIAGS 256

struct cap_seg {
    char tag[4];
    long index, line, column;
    int n_elements;
    char *flat;                 /* elements, repeats, components */
};

struct cap_tx {
    struct sg_edi_envelope env;
    int has_errors;
    size_t n_segments;
    struct cap_seg *segs;
};

struct cap_diag {
    char code[48];
    char tag[8];
    long segment, line, column;
    int element, component;
};

/* What one sg_edi_read() call handed over, copied out of the callbacks. */
struct cap {
    int n_tx;                   /* all handed over, kept or not */
    struct cap_tx tx[CAP_MAX_TX];
    int n_diags;
    struct cap_diag d[CAP_MAX_DIAGS];
    int stop_tx_after;          /* return -1 after this many, if > 0 */
    int stop_diag_after;
    char codes[4096];           /* "code@segment:tag:element ..." */
};

static int
cap_tx_fn(void *arg, const struct sg_edi_transaction *tx)
{
    struct cap *c = arg;
    struct cap_tx *t;
    struct sg_buf b;
    size_t i;
    int e, r, k;

    c->n_tx++;
    if (c->n_tx > CAP_MAX_TX) {
        return 0;
    }
    t = &c->tx[c->n_tx - 1];
    t->env = tx->env;
    t->has_errors = tx->has_errors;
    t->n_segments = tx->n_segments;
    t->segs = sg_xcalloc(tx->n_segments + 1, sizeof(*t->segs));
    for (i = 0; i < tx->n_segments; i++) {
        const struct sg_edi_segment *s = &tx->segments[i];

        memcpy(t->segs[i].tag, s->tag, sizeof(s->tag));
        t->segs[i].index = s->index;
        t->segs[i].line = s->line;
        t->segs[i].column = s->column;
        t->segs[i].n_elements = s->n_elements;
        sg_buf_init(&b);
        for (e = 1; e <= s->n_elements; e++) {
            const struct sg_edi_element *el = &s->elements[e - 1];

            if (e > 1) {
                sg_buf_add(&b, "\x1d", 1);
            }
            for (r = 1; r <= el->n_repeats; r++) {
                const struct sg_edi_element *x =
                    r == 1 ? el : &el->repeats[r - 1];

                if (r > 1) {
                    sg_buf_add(&b, "\x1e", 1);
                }
                for (k = 0; k < x->n_components; k++) {
                    if (k > 0) {
                        sg_buf_add(&b, "\x1f", 1);
                    }
                    sg_buf_adds(&b, x->components[k]);
                }
            }
        }
        t->segs[i].flat = sg_buf_steal(&b);
    }
    if (c->stop_tx_after > 0 && c->n_tx >= c->stop_tx_after) {
        return -1;
    }
    return 0;
}

static int
cap_diag_fn(void *arg, const struct sg_diag *d)
{
    struct cap *c = arg;
    struct cap_diag *x;
    size_t n = strlen(c->codes);

    c->n_diags++;
    if (c->n_diags <= CAP_MAX_DIAGS) {
        x = &c->d[c->n_diags - 1];
        snprintf(x->code, sizeof(x->code), "%s", d->code);
        snprintf(x->tag, sizeof(x->tag), "%s", d->tag ? d->tag : "");
        x->segment = d->segment;
        x->element = d->element;
        x->component = d->component;
        x->line = d->line;
        x->column = d->column;
    }
    CU_ASSERT_PTR_NOT_NULL(d->code);
    CU_ASSERT_PTR_NOT_NULL(d->text);
    if (n + 80 < sizeof(c->codes)) {
        snprintf(c->codes + n, sizeof(c->codes) - n, "%s%s@%ld:%s:%d",
                 n ? " " : "", d->code, d->segment, d->tag ? d->tag : "",
                 d->element);
    }
    if (c->stop_diag_after > 0 && c->n_diags >= c->stop_diag_after) {
        return -1;
    }
    return 0;
}

static struct cap *
cap_new(void)
{
    return sg_xcalloc(1, sizeof(struct cap));
}

static void
cap_free(struct cap *c)
{
    int i;
    size_t j;

    for (i = 0; i < c->n_tx && i < CAP_MAX_TX; i++) {
        for (j = 0; j < c->tx[i].n_segments; j++) {
            free(c->tx[i].segs[j].flat);
        }
        free(c->tx[i].segs);
    }
    free(c);
}

/* Two captures that must be the same, to the line and column. */
static int
cap_same(const struct cap *a, const struct cap *b)
{
    int i, same = a->n_tx == b->n_tx && a->n_diags == b->n_diags &&
                  strcmp(a->codes, b->codes) == 0;
    size_t j;

    for (i = 0; same && i < a->n_diags && i < CAP_MAX_DIAGS; i++) {
        same = memcmp(&a->d[i], &b->d[i], sizeof(a->d[i])) == 0;
    }
    for (i = 0; same && i < a->n_tx && i < CAP_MAX_TX; i++) {
        const struct cap_tx *x = &a->tx[i], *y = &b->tx[i];

        same = memcmp(&x->env, &y->env, sizeof(x->env)) == 0 &&
               x->has_errors == y->has_errors &&
               x->n_segments == y->n_segments;
        for (j = 0; same && j < x->n_segments; j++) {
            same = strcmp(x->segs[j].tag, y->segs[j].tag) == 0 &&
                   x->segs[j].index == y->segs[j].index &&
                   x->segs[j].line == y->segs[j].line &&
                   x->segs[j].column == y->segs[j].column &&
                   x->segs[j].n_elements == y->segs[j].n_elements &&
                   strcmp(x->segs[j].flat, y->segs[j].flat) == 0;
        }
    }
    return same;
}

/* A body handed out in pieces: of one byte, or of random sizes. */
struct piecewise {
    const unsigned char *data;
    size_t len, off;
    unsigned long seed;         /* 0: one byte at a time */
};

static long
piecewise_read(void *arg, unsigned char *buf, size_t n)
{
    struct piecewise *p = arg;
    size_t want = 1;

    if (p->seed != 0) {
        p->seed = p->seed * 6364136223846793005UL + 1442695040888963407UL;
        want = 1 + (p->seed >> 33) % 700;
    }
    if (want > n) {
        want = n;
    }
    if (want > p->len - p->off) {
        want = p->len - p->off;
    }
    memcpy(buf, p->data + p->off, want);
    p->off += want;
    return (long)want;
}

/*
 * The same body streamed in pieces must give what the whole body gave:
 * every transaction, value and diag, to the line and column, whatever
 * the chunk boundaries cut (the ISA, a UNA, a release pair, a
 * multi-byte terminator, a CR LF).
 */
static void
cap_check_streamed(const struct cap *whole, long n_whole,
                   enum sg_edi_syntax syntax, const void *data, size_t len)
{
    static const unsigned long seeds[] = {0, 7, 1234567};
    struct piecewise p;
    struct cap *c;
    size_t i;
    long n;

    for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        c = cap_new();
        c->stop_tx_after = whole->stop_tx_after;
        c->stop_diag_after = whole->stop_diag_after;
        p.data = data;
        p.len = len;
        p.off = 0;
        p.seed = seeds[i] + len;
        if (seeds[i] == 0) {
            p.seed = 0;
        }
        n = sg_edi_read_stream(syntax, piecewise_read, &p, cap_tx_fn,
                               cap_diag_fn, c);
        if (n != n_whole || !cap_same(whole, c)) {
            fprintf(stderr, "streamed (seed %lu) differs: %ld/%ld\n"
                    "  whole:    %s\n  streamed: %s\n", seeds[i], n,
                    n_whole, whole->codes, c->codes);
        }
        CU_ASSERT_EQUAL(n, n_whole);
        CU_ASSERT(cap_same(whole, c));
        cap_free(c);
    }
}

static long
cap_read_mem(struct cap *c, enum sg_edi_syntax syntax, const void *data,
             size_t len)
{
    long n = sg_edi_read(syntax, data, len, cap_tx_fn, cap_diag_fn, c);

    cap_check_streamed(c, n, syntax, data, len);
    return n;
}

/* Read a corpus file, with the syntax sniffed from its first bytes. */
static long
cap_read_file(struct cap *c, const char *rel)
{
    char path[512];
    unsigned char *data;
    size_t len;
    long n;
    int syntax;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", rel);
    data = sg_test_read(sg_test_srcpath(path), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    syntax = sg_edi_sniff(data, len);
    n = cap_read_mem(c, syntax < 0 ? SG_EDI_X12 : syntax, data, len);
    free(data);
    return n;
}

/* The nth (1-based) segment with this tag in transaction t. */
static const struct cap_seg *
cap_seg(const struct cap *c, int t, const char *tag, int nth)
{
    size_t i;

    if (t >= c->n_tx || t >= CAP_MAX_TX) {
        return NULL;
    }
    for (i = 0; i < c->tx[t].n_segments; i++) {
        if (strcmp(c->tx[t].segs[i].tag, tag) == 0 && --nth == 0) {
            return &c->tx[t].segs[i];
        }
    }
    return NULL;
}

/* A value of a captured segment, "" when absent; a static buffer. */
static const char *
cap_val(const struct cap *c, int t, const char *tag, int nth, int element,
        int repeat, int component)
{
    static char out[4096];
    const struct cap_seg *s = cap_seg(c, t, tag, nth);
    const char *p, *start;
    int e = 1, r = 1, k = 1;

    out[0] = '\0';
    if (s == NULL) {
        return "<no segment>";
    }
    for (p = start = s->flat;; p++) {
        if (*p == '\0' || *p == CAP_ELEM || *p == CAP_REP ||
            *p == CAP_COMP) {
            if (e == element && r == repeat && k == component) {
                snprintf(out, sizeof(out), "%.*s", (int)(p - start), start);
                return out;
            }
            if (*p == '\0') {
                return out;
            }
            if (*p == CAP_ELEM) {
                e++;
                r = k = 1;
            } else if (*p == CAP_REP) {
                r++;
                k = 1;
            } else {
                k++;
            }
            start = p + 1;
        }
    }
}

static const struct cap_diag *
cap_diag(const struct cap *c, const char *code)
{
    int i;

    for (i = 0; i < c->n_diags && i < CAP_MAX_DIAGS; i++) {
        if (strcmp(c->d[i].code, code) == 0) {
            return &c->d[i];
        }
    }
    return NULL;
}

/* A fixed-width ISA with the given delimiters and version. */
static void
make_isa(char *out, size_t size, char es, char isa11, const char *version,
         char comp, const char *term, const char *control)
{
    snprintf(out, size,
             "ISA%c00%c%-10s%c00%c%-10s%cZZ%c%-15s%cZZ%c%-15s%c260101%c"
             "1200%c%c%c%s%c%s%c0%cP%c%c%s", es, es, "", es, es, "", es,
             es, "SENDER", es, es, "RECEIVER", es, es, es, isa11, es,
             version, es, control, es, es, es, comp, term);
}

/* ---- X12 corpus ---------------------------------------------------- */

static void
test_x12_vics_850(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_envelope *env = &c->tx[0].env;

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/850-nodex12-vics.edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(env->syntax, SG_EDI_X12);
    CU_ASSERT_STRING_EQUAL(env->set_type, "850");
    CU_ASSERT_STRING_EQUAL(env->set_control, "000000010");
    CU_ASSERT_STRING_EQUAL(env->version, "004010VICS");
    CU_ASSERT_STRING_EQUAL(env->group_type, "PO");
    CU_ASSERT_STRING_EQUAL(env->group_control, "1421");
    CU_ASSERT_STRING_EQUAL(env->group_sender, "4405197800");
    CU_ASSERT_STRING_EQUAL(env->sender_qual, "12");
    CU_ASSERT_STRING_EQUAL(env->sender, "4405197800");
    CU_ASSERT_STRING_EQUAL(env->receiver_qual, "01");
    CU_ASSERT_STRING_EQUAL(env->receiver, "999999999");
    CU_ASSERT_STRING_EQUAL(env->interchange_control, "000003438");
    CU_ASSERT_STRING_EQUAL(env->interchange_date, "20101127");
    CU_ASSERT_EQUAL(env->delims.element, '*');
    CU_ASSERT_EQUAL(env->delims.component, '>');
    CU_ASSERT_EQUAL(env->delims.repetition, 0);     /* ISA12 00400 */
    CU_ASSERT_EQUAL(env->delims.segment_len, 1);
    CU_ASSERT_EQUAL(env->delims.segment[0], '~');
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);

    /* ST..SE included, numbered from the ISA, lines as in the file. */
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 33);
    CU_ASSERT_STRING_EQUAL(c->tx[0].segs[0].tag, "ST");
    CU_ASSERT_EQUAL(c->tx[0].segs[0].index, 3);
    CU_ASSERT_EQUAL(c->tx[0].segs[0].line, 3);
    CU_ASSERT_EQUAL(c->tx[0].segs[0].column, 1);
    CU_ASSERT_STRING_EQUAL(c->tx[0].segs[32].tag, "SE");
    CU_ASSERT_EQUAL(c->tx[0].segs[32].index, 35);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 3, 1, 1),
                           "08292233294");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 4, 1, 1), "");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 5, 1, 1), "20101127");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "PO1", 6, 4, 1, 1), "9.55");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "PID", 1, 5, 1, 1),
                           "SMALL WIDGET");
    CU_ASSERT_EQUAL(cap_seg(c, 0, "PO1", 7), NULL);
    cap_free(c);
}

static void
test_x12_newline_terminator(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/850-nodex12-newline-terminator"
                                  ".edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.segment_len, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.segment[0], '\n');
    CU_ASSERT_EQUAL(c->tx[0].env.delims.component, '>');
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 14);
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BEG", 1)->line, 4);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 3, 1, 1), "----------");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "PO1", 1, 1, 1, 1), "");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "PO1", 1, 2, 1, 1), "1");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "N4", 2, 1, 1, 1), "SAN DIEGO");
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    cap_free(c);
}

static void
test_x12_dual_groups(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/810-850-staedi-dual-groups.edi"),
                    3);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 3);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "810");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.set_type, "810");
    CU_ASSERT_STRING_EQUAL(c->tx[2].env.set_type, "850");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.group_type, "IN");
    CU_ASSERT_STRING_EQUAL(c->tx[2].env.group_type, "PO");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.version, "004010");
    CU_ASSERT_STRING_EQUAL(c->tx[2].env.version, "003010");
    CU_ASSERT_STRING_EQUAL(c->tx[2].env.group_control, "165");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.set_control, "000000002");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.interchange_date, "19960807");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BIG", 1, 4, 1, 1), "A99999-04");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 2, "BEG", 1, 3, 1, 1), "S115921858");
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 32);
    CU_ASSERT_EQUAL(c->tx[1].n_segments, 22);
    cap_free(c);
}

static void
test_x12_utf8_terminator(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_delims *d = &c->tx[0].env.delims;

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/214-staedi-utf8-ellipsis-"
                                  "terminator.edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(d->segment_len, 3);
    CU_ASSERT_EQUAL(memcmp(d->segment, "\xE2\x80\xA6", 3), 0);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "214");
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 20);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "B10", 1, 1, 1, 1), "0542550913");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "B10", 1, 3, 1, 1), "XXXX");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "SE", 1, 2, 1, 1), "757760001");
    CU_ASSERT_EQUAL(cap_seg(c, 0, "AT8", 1)->line, 21);
    cap_free(c);
}

static void
test_x12_control_mismatch(void)
{
    struct cap *c = cap_new();
    const struct cap_diag *d;

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/940-ediengine-control-number-"
                                  "mismatch.edi"), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.se_control@7:SE:2 "
                           "x12.ge_control@8:GE:2 x12.iea_control@9:IEA:2");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "940");
    d = cap_diag(c, "x12.iea_control");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 9);
    CU_ASSERT_EQUAL(d->column, 1);
    cap_free(c);
}

static void
test_x12_wrong_counts(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/940-ediengine-wrong-group-and-"
                                  "tx-counts.edi"), 1);
    /* IEA02 3438 equals ISA13 000003438 as the number it is (N0). */
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.ge_count@8:GE:1 "
                           "x12.iea_count@9:IEA:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    /* The trailers come after the set was handed over. */
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    cap_free(c);
}

static void
test_x12_wrong_se01(void)
{
    struct cap *c = cap_new();
    const struct cap_diag *d;

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/940-ediengine-wrong-se01.edi"),
                    1);
    /* The last IEA has no final line feed: not worth a diag. */
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.se_count@11:SE:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 9);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_control, "20066");
    d = cap_diag(c, "x12.se_count");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 11);
    cap_free(c);
}

static void
test_x12_isa_wrong_length(void)
{
    struct cap *c = cap_new();

    /* ISA02 is 9 bytes: reported, the delimiters found by counting,
     * and the set marked so that the plugin rejects it. */
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/837-imsweb-isa-wrong-length.edi"),
                    1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.isa_length@1:ISA:2 "
                           "x12.se_count@36:SE:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.component, ':');
    CU_ASSERT_EQUAL(c->tx[0].env.delims.segment[0], '~');
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "837");
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 34);
    cap_free(c);
}

static void
test_x12_missing_isa(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/837-imsweb-missing-isa.edi"), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.missing_isa@1:ISA:0");
    CU_ASSERT_EQUAL(c->n_tx, 0);
    CU_ASSERT_EQUAL(c->d[0].line, 1);
    CU_ASSERT_EQUAL(c->d[0].column, 1);
    cap_free(c);
}

static void
test_x12_unusual_delimiters(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_delims *d = &c->tx[0].env.delims;

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/837-imsweb-tilde-element-"
                                  "underscore-segment.edi"), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.se_count@36:SE:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(d->element, '~');
    CU_ASSERT_EQUAL(d->component, '^');
    CU_ASSERT_EQUAL(d->repetition, 0);      /* ISA11 'U' */
    CU_ASSERT_EQUAL(d->segment[0], '_');
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "CLM", 1, 5, 1, 1), "11");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "CLM", 1, 5, 1, 2), "B");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "CLM", 1, 5, 1, 3), "1");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "NM1", 1, 3, 1, 1),
                           "ANGELASZEK MEDICAL");
    cap_free(c);
}

static void
test_x12_two_transactions(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "x12/855-staedi-two-transactions.edi"),
                    2);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "855");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.set_type, "855");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_control, "0001");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.set_control, "0002");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BAK", 1, 3, 1, 1), "ORDER1");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BAK", 1, 3, 1, 1), "ORDER2");
    CU_ASSERT_EQUAL(c->tx[1].env.delims.component, '^');
    CU_ASSERT_EQUAL(c->tx[1].segs[0].index, 6);
    cap_free(c);
}

static void
test_x12_services_and_repetition(void)
{
    struct cap *c = cap_new();

    /* ISB and ISE, then TA1, between ISA and GS: no set, no diag. */
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/997-staedi-isb-ise-interchange-"
                                  "services.edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "997");
    CU_ASSERT_EQUAL(c->tx[0].segs[0].index, 5);
    cap_free(c);

    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/999-ta1-imsweb-ta1-before-gs.edi"),
                    1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "IK5", 1, 1, 1, 1), "R");
    cap_free(c);

    /* ISA11 is the repetition separator from 00402 on. */
    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/999-pyx12-bang-repetition-"
                                  "separator.edi"), 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '!');
    cap_free(c);

    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/856-nodex12-004060.edi"), 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '-');
    cap_free(c);

    /* AK304 "8^9": a repetition of the data element. */
    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/997-staedi-extra-repetitions-"
                                  "components.edi"), 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '^');
    CU_ASSERT_EQUAL(c->tx[0].env.delims.component, ':');
    cap_free(c);
}

static void
test_not_edi(void)
{
    struct cap *c = cap_new();
    char path[256];
    unsigned char *data;
    size_t len;

    snprintf(path, sizeof(path), "%s",
             sg_test_srcpath("tests/data/corpus/x12/none-ediengine-not-"
                             "edi.edi"));
    data = sg_test_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    CU_ASSERT_EQUAL(sg_edi_sniff(data, len), -1);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, data, len), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.missing_isa@1:ISA:0");
    cap_free(c);

    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, data, len), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.missing_unb@1:UNB:0");
    CU_ASSERT_EQUAL(c->n_tx, 0);
    cap_free(c);
    free(data);
}

/* ---- EDIFACT corpus ------------------------------------------------ */

static void
test_edifact_eancom_ok(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_envelope *env = &c->tx[0].env;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-phpedifact-eancom-ok"
                                  ".edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(env->syntax, SG_EDI_EDIFACT);
    CU_ASSERT_STRING_EQUAL(env->set_type, "ORDERS");
    CU_ASSERT_STRING_EQUAL(env->set_control, "2019265563");
    CU_ASSERT_STRING_EQUAL(env->version, "D:01B:UN:EAN010");
    CU_ASSERT_STRING_EQUAL(env->charset, "UNOC");
    CU_ASSERT_STRING_EQUAL(env->sender, "4250159300001");
    CU_ASSERT_STRING_EQUAL(env->sender_qual, "14");
    CU_ASSERT_STRING_EQUAL(env->receiver, "unbekannt");
    CU_ASSERT_STRING_EQUAL(env->interchange_control, "896");
    CU_ASSERT_STRING_EQUAL(env->interchange_date, "20181205");
    CU_ASSERT_EQUAL(env->delims.release, '?');
    CU_ASSERT_EQUAL(env->delims.repetition, 0);
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 599);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BGM", 1, 2, 1, 1), "2019265563");
    /* "A?+A K..lte GmbH": the released '+' is data. */
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "NAD", 1, 4, 1, 1),
                           "A+A K\xEF\xBF\xBDlte GmbH");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "NAD", 1, 5, 1, 1),
                           "Teststra\xEF\xBF\xBD" "e 16a");
    /* Segment 360: released ':' inside, an unreleased one splitting. */
    CU_ASSERT_EQUAL(c->tx[0].segs[358].index, 360);
    CU_ASSERT_STRING_EQUAL(c->tx[0].segs[358].tag, "IMD");
    CU_ASSERT_STRING_EQUAL(strchr(c->tx[0].segs[358].flat, 'E'),
                           "Einlage f Sup 1:10 und So\xEF\xBF\xBD 1:6");
    cap_free(c);
}

static void
test_edifact_release_error(void)
{
    struct cap *c = cap_new();
    int i;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-phpedifact-eancom-"
                                  "release-char-error.edi"), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_release@84:IMD:3 "
                           "edifact.bad_release@84:IMD:3 "
                           "edifact.bad_release@84:IMD:3 "
                           "edifact.bad_release@84:IMD:3");
    CU_ASSERT_EQUAL_FATAL(c->n_diags, 4);
    for (i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(c->d[i].component, 4);
        CU_ASSERT_EQUAL(c->d[i].line, 85);
    }
    CU_ASSERT_EQUAL(c->d[0].column, 29);
    CU_ASSERT_EQUAL(c->d[1].column, 31);
    CU_ASSERT_EQUAL(c->d[2].column, 38);
    CU_ASSERT_EQUAL(c->d[3].column, 40);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);
}

static void
test_edifact_missing_unz(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-pydifact-missing-unz"
                                  ".edi"), 1);
    /* Syntax 4 wants CCYYMMDD in the UNB; the date marks the message,
     * which is otherwise whole. */
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_date@1:UNB:4 "
                           "edifact.missing_unz@18:UNZ:0");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 16);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.decimal, ',');
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.sender, "12345678");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.sender_qual, "8");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.receiver, "WBDZDD");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.charset, "UNOA");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.version, "D:96A:UN:EAN008");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BGM", 1, 2, 1, 1),
                           "801715918011");
    cap_free(c);
}

static void
test_edifact_syntax4_repetition(void)
{
    struct cap *c = cap_new();
    const struct cap_diag *d;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-smooks-d03b-syntax4-"
                                  "repetition.edi"), 1);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '*');
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "COM", 1, 1, 1, 1), "s11");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "COM", 1, 1, 1, 2), "AA");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "COM", 1, 1, 2, 1), "s21");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "COM", 1, 1, 3, 1), "s31");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "COM", 1, 1, 3, 2), "AA");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "FTX", 4, 4, 1, 1),
                           "The Children of Hurin");

    /* Lower case under UNOA: told once per segment, and an error that
     * marks the message like any other. */
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.charset@8:COM:1 "
                           "edifact.charset@11:FTX:4 "
                           "edifact.charset@14:FTX:4 "
                           "edifact.charset@17:FTX:4 "
                           "edifact.charset@20:FTX:4");
    d = cap_diag(c, "edifact.charset");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 8);
    CU_ASSERT_EQUAL(d->column, 5);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);
}

static void
test_edifact_group(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_envelope *env = &c->tx[0].env;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-staedi-ung-group-"
                                  "eancom.edi"), 1);
    /* UNT01 21 where the message has 18 segments. */
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.unt_count@20:UNT:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_STRING_EQUAL(env->group_type, "ORDERS");
    CU_ASSERT_STRING_EQUAL(env->group_control, "1");
    CU_ASSERT_STRING_EQUAL(env->group_sender, "5400110000009");
    CU_ASSERT_STRING_EQUAL(env->version, "D:96B:UN:EAN008B");
    CU_ASSERT_STRING_EQUAL(env->interchange_control, "2722166169492");
    CU_ASSERT_STRING_EQUAL(env->interchange_date, "20010502");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "IMD", 2, 3, 1, 4),
                           "0.7066 EURO");
    cap_free(c);
}

static void
test_edifact_una_custom(void)
{
    struct cap *c = cap_new();
    const struct sg_edi_delims *d = &c->tx[0].env.delims;
    const struct cap_diag *g;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/INVOIC-staedi-d97b-una-"
                                  "custom-delimiters.edi"), 1);
    /* "006?415160" releases a plain digit. */
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_release@1:UNB:3");
    g = cap_diag(c, "edifact.bad_release");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(g->component, 1);
    CU_ASSERT_EQUAL(g->line, 2);
    CU_ASSERT_EQUAL(g->column, 27);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(d->component, '=');
    CU_ASSERT_EQUAL(d->element, '*');
    CU_ASSERT_EQUAL(d->decimal, '.');
    CU_ASSERT_EQUAL(d->release, '?');
    CU_ASSERT_EQUAL(d->repetition, 0);
    CU_ASSERT_EQUAL(d->segment[0], '~');
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.receiver, "006415160");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.version, "D:97B:UN");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "QTY", 1, 1, 1, 2), "1020");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "NAD", 1, 4, 1, 1),
                           "CUMMINS MID-RANGE ENGINE PLANT");
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 24);
    /* The UNB is outside the message, but a broken UNB leaves every
     * message of its interchange in doubt. */
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);
}

static void
test_edifact_una_syntax4(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/INVOIC-smooks-d03b-una-"
                                  "syntax4.edi"), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_date@1:UNB:4 "
                           "edifact.unt_count@36:UNT:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '*');
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "IMD", 1, 3, 1, 4),
                           "Collectors edition of The Hobbit with "
                           "Tolkien's original colours on sleeve");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "NAD", 3, 4, 1, 1), "MyCompany");
    cap_free(c);
}

static void
test_edifact_backslash_release(void)
{
    struct cap *c = cap_new();
    const struct cap_seg *s;

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/PNRGOV-staedi-empty-segment-"
                                  "backslash-release.edi"), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.release, '\\');
    CU_ASSERT_EQUAL(c->tx[0].env.delims.repetition, '*');
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.charset, "IATA");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.set_type, "PNRGOV");
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.version, "11:1:IA");
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 5);
    s = cap_seg(c, 0, "SRC", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->n_elements, 0);
    CU_ASSERT_EQUAL(s->index, 4);
    CU_ASSERT_EQUAL(s->line, 5);
    cap_free(c);
}

static void
test_edifact_no_unb(void)
{
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_file(c, "edifact/ORDERS-edifactrs-d96a-"
                                  "malformed-no-envelope.edi"), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.missing_unb@1:UNB:0");
    CU_ASSERT_EQUAL(c->d[0].line, 2);       /* where BGM stands */
    CU_ASSERT_EQUAL(c->d[0].column, 1);
    CU_ASSERT_EQUAL(c->n_tx, 0);
    cap_free(c);
}

/* ---- hand-written inputs ------------------------------------------- */

static void
test_release_everything(void)
{
    static const char body[] =
        "UNB+UNOB:3+S+R+200101:1200+7'"
        "UNH+1+ORDERS:D:96A:UN'"
        "FTX+AAI+++a?+b?:c?'d??e:x'"
        "FTX+AAI+++ok?x'"
        "UNT+4+1'UNZ+1+7'";
    struct cap *c = cap_new();

    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_release@4:FTX:4");
    CU_ASSERT_EQUAL_FATAL(c->n_diags, 1);
    CU_ASSERT_EQUAL(c->d[0].component, 1);
    CU_ASSERT_EQUAL(c->d[0].line, 1);
    CU_ASSERT_EQUAL(c->d[0].column, (long)(strstr(body, "?x") - body) + 1);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "FTX", 1, 4, 1, 1), "a+b:c'd?e");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "FTX", 1, 4, 1, 2), "x");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "FTX", 2, 4, 1, 1), "okx");
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.charset, "UNOB");
    cap_free(c);
}

/* One EDIFACT message under a syntax identifier; the codes it gives
 * and whether the message is marked. */
static void
charset_case(const char *syntax, const char *text, const char *codes,
             int has_errors)
{
    char body[512];
    struct cap *c = cap_new();

    snprintf(body, sizeof(body), "UNB+%s:3+S+R+260101:1200+7'"
             "UNH+1+ORDERS:D:96A:UN'FTX+AAI+++%s'UNT+3+1'UNZ+1+7'",
             syntax, text);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 1);
    if (strcmp(c->codes, codes) != 0) {
        fprintf(stderr, "%s \"%s\": %s\n", syntax, text, c->codes);
    }
    CU_ASSERT_STRING_EQUAL(c->codes, codes);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, has_errors);
    cap_free(c);
}

/* Every syntax identifier of code list 0001 restricts the bytes, and a
 * breach marks the message (it used not to). */
static void
test_charset_repertoires(void)
{
    static const char *bad = "edifact.charset@3:FTX:4";

    charset_case("UNOA", "PLAIN TEXT, 10% OFF", "", 0);
    charset_case("UNOA", "Lower", bad, 1);
    charset_case("UNOA", "A$", bad, 1);
    charset_case("UNOB", "Lower $ok~", "", 0);
    charset_case("UNOB", "M\xC3\xBCnchen", bad, 1);
    /* ISO 8859-1: Latin-1 letters yes, C1 controls (the second byte
     * of UTF-8 "\xC3\x8B") no. */
    charset_case("UNOC", "M\xFCnchen", "", 0);
    charset_case("UNOC", "MUNCI\xC3\x8B", bad, 1);
    charset_case("UNOC", "DEL\x7F", bad, 1);
    /* ISO 8859-3 leaves 0xA5 unassigned, 8859-2 does not. */
    charset_case("UNOG", "X\xA5", bad, 1);
    charset_case("UNOD", "X\xA5", "", 0);
    charset_case("UNOJ", "\xE0\xE1", "", 0);
    charset_case("UNOJ", "\xC0", bad, 1);
    /* UTF-8: well formed, no overlong form, no control. */
    charset_case("UNOW", "MUNCI\xC3\x8B \xE2\x80\xA6", "", 0);
    charset_case("UNOY", "\xE6\x9D\xB1\xE4\xBA\xAC", "", 0);
    charset_case("UNOW", "M\xFCnchen", bad, 1);
    charset_case("UNOW", "\xC0\xAF", bad, 1);
    charset_case("UNOW", "\xE2\x80", bad, 1);
    charset_case("UNOW", "\xC2\x85", bad, 1);
    /* Known but not modelled: accepted as sent. */
    charset_case("IATA", "\x01 anything \xFF", "", 0);
    /* Not an identifier at all. */
    charset_case("UNOZ", "TEXT", "edifact.syntax_id@1:UNB:1", 1);
}

/* No repertoire has a line break: a body hard-wrapped inside its
 * segments is refused where the break is, not read with broken values. */
static void
test_charset_line_break_in_segment(void)
{
    static const char body[] =
        "UNB+UNOA:3+S+R+260101:1200+7'\r\n"
        "UNH+1+ORDERS:D:96A:UN'\r\n"
        "BGM+220+PO\n12'\r\n"
        "UNT+3+1'\r\nUNZ+1+7'\r\n";
    struct cap *c = cap_new();
    const struct cap_diag *d;

    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.charset@3:BGM:2");
    d = cap_diag(c, "edifact.charset");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->line, 3);
    CU_ASSERT_EQUAL(d->column, 11);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);
}

/* A control number used twice in its envelope: the second set is
 * handed over marked, so the same document is never taken twice. */
static void
test_duplicate_control_numbers(void)
{
    char isa[160], body[1024];
    struct cap *c = cap_new();

    make_isa(isa, sizeof(isa), '*', 'U', "00401", '>', "~", "000000001");
    snprintf(body, sizeof(body),
             "%sGS*PO*S*R*20260101*1200*1*X*004010~"
             "ST*850*0001~BEG*00*SA*PO-1**20260101~SE*3*0001~"
             "ST*850*0001~BEG*00*SA*PO-1**20260101~SE*3*0001~GE*2*1~"
             "GS*PO*S*R*20260101*1200*2*X*004010~"
             "ST*850*0001~BEG*00*SA*PO-2**20260101~SE*3*0001~GE*1*2~"
             "IEA*2*000000001~", isa);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 3);
    /* Unique per group: the third set, in group 2, is fine. */
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.duplicate_control@6:ST:2");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 3);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[2].has_errors, 0);
    cap_free(c);

    /* EDIFACT: unique per interchange, groups or not. */
    c = cap_new();
    snprintf(body, sizeof(body), "%s",
             "UNB+UNOC:3+S+R+260101:1200+A1'"
             "UNH+M1+ORDERS:D:96A:UN'BGM+220+X1'UNT+3+M1'"
             "UNH+M1+ORDERS:D:96A:UN'BGM+220+X1'UNT+3+M1'UNZ+2+A1'"
             "UNB+UNOC:3+S+R+260101:1200+A2'"
             "UNH+M1+ORDERS:D:96A:UN'BGM+220+X2'UNT+3+M1'UNZ+1+A2'");
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 3);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.duplicate_control@5:UNH:1");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 3);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[2].has_errors, 0);
    cap_free(c);
}

/* Envelope dates and times are real ones: ISA09/ISA10, GS04/GS05 (6 or
 * 8 digits, seconds allowed), UNB S004 by syntax version. */
static void
test_envelope_dates(void)
{
    char isa[160], body[1024];
    struct cap *c = cap_new();

    /* A broken GS marks the sets of its group only: 2023 is no leap
     * year, 2024 is; GS05 may have seconds and decimal seconds. */
    make_isa(isa, sizeof(isa), '*', 'U', "00401", '>', "~", "000000001");
    snprintf(body, sizeof(body),
             "%sGS*PO*S*R*20230229*1200*1*X*004010~"
             "ST*850*0001~BEG*00*SA*PO-1**20260101~SE*3*0001~GE*1*1~"
             "GS*PO*S*R*240229*12000099*2*X*003010~"
             "ST*850*0001~BEG*00*SA*PO-2**20260101~SE*3*0001~GE*1*2~"
             "IEA*2*000000001~", isa);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 2);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.bad_date@2:GS:4");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 0);
    cap_free(c);

    /* EDIFACT: syntax 3 takes YYMMDD, syntax 4 CCYYMMDD. */
    c = cap_new();
    snprintf(body, sizeof(body), "%s",
             "UNB+UNOC:3+S+R+260101:1200+A1'UNH+1+ORDERS:D:96A:UN'"
             "UNT+2+1'UNZ+1+A1'"
             "UNB+UNOC:4+S+R+260101:1260+A2'UNH+1+ORDERS:D:96A:UN'"
             "UNT+2+1'UNZ+1+A2'"
             "UNB+UNOC:4+S+R+20260101:1200+A3'UNH+1+ORDERS:D:96A:UN'"
             "UNT+2+1'UNZ+1+A3'");
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 3);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.bad_date@1:UNB:4 "
                           "edifact.bad_time@1:UNB:4");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 3);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[2].has_errors, 0);
    cap_free(c);
}

static void
test_several_interchanges(void)
{
    char isa1[160], isa2[160], body[1024];
    struct cap *c = cap_new();

    /* Two X12 interchanges with different delimiters, back to back. */
    make_isa(isa1, sizeof(isa1), '*', 'U', "00401", '>', "~", "000000001");
    make_isa(isa2, sizeof(isa2), '|', '^', "00501", ':', "\n",
             "000000002");
    CU_ASSERT_EQUAL(strlen(isa1), 106);
    CU_ASSERT_EQUAL(strlen(isa2), 106);
    snprintf(body, sizeof(body),
             "%sGS*PO*S*R*20260101*1200*1*X*004010~ST*850*0001~"
             "BEG*00*SA*PO-1**20260101~SE*3*0001~GE*1*1~IEA*1*000000001~"
             "%sGS|PO|S|R|20260101|1200|2|X|005010\n"
             "ST|850|0002\nBEG|00|SA|PO-2^A:B||20260101\nSE|3|0002\n"
             "GE|1|2\nIEA|1|000000002\n", isa1, isa2);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 2);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_STRING_EQUAL(c->tx[0].env.interchange_control, "000000001");
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.interchange_control, "000000002");
    CU_ASSERT_EQUAL(c->tx[1].env.delims.element, '|');
    CU_ASSERT_EQUAL(c->tx[1].env.delims.repetition, '^');
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 3, 1, 1), "PO-1");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BEG", 1, 3, 1, 1), "PO-2");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BEG", 1, 3, 2, 1), "A");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BEG", 1, 3, 2, 2), "B");
    /* Numbering restarts at each ISA. */
    CU_ASSERT_EQUAL(c->tx[1].segs[0].index, 3);
    CU_ASSERT_EQUAL(c->tx[1].segs[0].line, 3);
    cap_free(c);

    /* EDIFACT: one with a UNA, then one on the defaults again. */
    c = cap_new();
    snprintf(body, sizeof(body), "%s",
             "UNA|*.! #UNB*UNOC|3*S*R*260101|1200*A1#UNH*1*ORDERS|D|96A|UN#"
             "BGM*220*X!*1#UNT*3*1#UNZ*1*A1#\n"
             "UNB+UNOC:3+S+R+260101:1200+A2'UNH+2+ORDERS:D:96A:UN'"
             "BGM+220+X*2'UNT+3+2'UNZ+1+A2'");
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 2);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BGM", 1, 2, 1, 1), "X*1");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 1, "BGM", 1, 2, 1, 1), "X*2");
    CU_ASSERT_EQUAL(c->tx[0].env.delims.element, '*');
    CU_ASSERT_EQUAL(c->tx[1].env.delims.element, '+');
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.interchange_control, "A2");
    CU_ASSERT_EQUAL(c->tx[1].segs[0].line, 2);
    cap_free(c);
}

static void
test_bom_crlf_whitespace(void)
{
    char isa[160], body[1024];
    struct cap *c = cap_new();

    make_isa(isa, sizeof(isa), '*', '^', "00501", ':', "~", "000000009");
    snprintf(body, sizeof(body),
             "\xEF\xBB\xBF \r\n%s\r\nGS*PO*S*R*20260101*1200*9*X*005010"
             "~\r\nST*850*0009~\nBEG*00*SA*PO-9**20260101~\r\n"
             "SE*3*0009~\rGE*1*9~\r\nIEA*1*000000009~\r\n \r\n", isa);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)body, strlen(body)),
                    SG_EDI_X12);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 3, 1, 1), "PO-9");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "SE", 1, 2, 1, 1), "0009");
    CU_ASSERT_EQUAL(cap_seg(c, 0, "ST", 1)->line, 4);
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BEG", 1)->line, 5);
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BEG", 1)->column, 1);
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BEG", 1)->index, 4);
    cap_free(c);

    /* Line breaks as terminators, CRLF: the CR ends each segment and
     * the LF after it is skipped. */
    c = cap_new();
    make_isa(isa, sizeof(isa), '*', 'U', "00401", '>', "\r\n",
             "000000003");
    snprintf(body, sizeof(body),
             "%sGS*PO*S*R*20260101*1200*3*X*004010\r\nST*850*0003\r\n"
             "BEG*00*SA*PO-3**20260101\r\nSE*3*0003\r\nGE*1*3\r\n"
             "IEA*1*000000003", isa);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].env.delims.segment[0], '\r');
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BEG", 1, 5, 1, 1), "20260101");
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BEG", 1)->line, 4);
    cap_free(c);

    /* EDIFACT with a BOM and CRLF after each terminator. */
    c = cap_new();
    snprintf(body, sizeof(body), "%s",
             "\xEF\xBB\xBFUNA:+.? '\r\nUNB+UNOC:3+S+R+260101:1200+1'\r\n"
             "UNH+1+ORDERS:D:96A:UN'\r\nBGM+220+B1'\r\nUNT+3+1'\r\n"
             "UNZ+1+1'\r\n");
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)body, strlen(body)),
                    SG_EDI_EDIFACT);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 1);
    CU_ASSERT_EQUAL(c->n_diags, 0);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "BGM", 1, 2, 1, 1), "B1");
    CU_ASSERT_EQUAL(cap_seg(c, 0, "BGM", 1)->line, 4);
    cap_free(c);
}

static void
test_envelope_errors(void)
{
    char isa[160], body[1024];
    struct cap *c = cap_new();

    /* A set cut off by the next GS, a stray segment after GE, and an
     * interchange cut off by the end of the data. */
    make_isa(isa, sizeof(isa), '*', 'U', "00401", '>', "~", "000000005");
    snprintf(body, sizeof(body),
             "%sGS*PO*S*R*20260101*1200*5*X*004010~ST*850*0001~"
             "BEG*00*SA*A**20260101~GS*PO*S*R*20260101*1200*6*X*004010~"
             "ST*850*0002~BEG*00*SA*B**20260101~SE*3*0002~GE*1*6~"
             "REF*ZZ*X~", isa);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, body, strlen(body)), 2);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.missing_se@5:GS:0 "
                           "x12.missing_ge@5:GS:0 "
                           "x12.outside_envelope@10:REF:0 "
                           "x12.missing_iea@11:IEA:0");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 2);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 0);
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.group_control, "6");
    cap_free(c);

    /* EDIFACT: UNH inside a message, UNE count and control wrong. */
    c = cap_new();
    snprintf(body, sizeof(body), "%s",
             "UNB+UNOC:3+S+R+260101:1200+9'UNG+ORDERS+S+R+260101:1200+G1"
             "+UN+D:96A'UNH+1+ORDERS:D:96A:UN'BGM+220+A'"
             "UNH+2+ORDERS:D:96A:UN'BGM+220+B'UNT+3+2'UNE+3+G2'UNZ+1+9'");
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, body, strlen(body)), 2);
    CU_ASSERT_STRING_EQUAL(c->codes, "edifact.missing_unt@5:UNH:0 "
                           "edifact.une_count@8:UNE:1 "
                           "edifact.une_control@8:UNE:2");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 2);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[1].has_errors, 0);
    CU_ASSERT_STRING_EQUAL(c->tx[1].env.group_control, "G1");
    cap_free(c);
}

static void
test_limits(void)
{
    char isa[160];
    struct sg_buf b;
    struct cap *c = cap_new();
    int i;

    make_isa(isa, sizeof(isa), '*', 'U', "00401", '>', "~", "000000001");
    sg_buf_init(&b);
    sg_buf_adds(&b, isa);
    sg_buf_adds(&b, "GS*PO*S*R*20260101*1200*1*X*004010~ST*850*0001~REF");
    for (i = 0; i < SG_EDI_MAX_ELEMENTS + 100; i++) {
        sg_buf_adds(&b, "*x>y>z");
    }
    sg_buf_adds(&b, "~SE*3*0001~GE*1*1~IEA*1*000000001~");
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, b.data, b.len), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.too_many_elements@4:REF:512");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(cap_seg(c, 0, "REF", 1)->n_elements,
                    SG_EDI_MAX_ELEMENTS);
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "REF", 1, 512, 1, 3), "z");
    sg_buf_free(&b);
    cap_free(c);
}

static void
test_callbacks_stop(void)
{
    struct cap *c = cap_new();

    c->stop_tx_after = 1;
    CU_ASSERT_EQUAL(cap_read_file(c, "x12/855-staedi-two-transactions.edi"),
                    1);
    CU_ASSERT_EQUAL(c->n_tx, 1);
    cap_free(c);

    c = cap_new();
    c->stop_diag_after = 1;
    cap_read_file(c, "x12/940-ediengine-control-number-mismatch.edi");
    CU_ASSERT_EQUAL(c->n_diags, 1);
    CU_ASSERT_EQUAL(c->n_tx, 0);
    cap_free(c);
}

static void
test_sniff_and_accessors(void)
{
    static const unsigned char bom_isa[] = "\xEF\xBB\xBF\r\n  ISA*00*";
    struct sg_edi_element el;
    struct sg_edi_segment seg;
    struct sg_edi_transaction tx;
    struct sg_edi_segment segs[3];
    char *comps[2] = {"a", "b"};
    size_t pos = 0;

    CU_ASSERT_EQUAL(sg_edi_sniff(bom_isa, sizeof(bom_isa) - 1), SG_EDI_X12);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)"UNA:+.? '", 9),
                    SG_EDI_EDIFACT);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)"UNB+UNOA", 8),
                    SG_EDI_EDIFACT);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)"ISAX*", 5), -1);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)"IS", 2), -1);
    CU_ASSERT_EQUAL(sg_edi_sniff(NULL, 10), -1);
    CU_ASSERT_EQUAL(sg_edi_sniff((const unsigned char *)"<?xml", 5), -1);

    memset(&el, 0, sizeof(el));
    el.n_components = 2;
    el.components = comps;
    el.n_repeats = 1;
    memset(&seg, 0, sizeof(seg));
    seg.n_elements = 1;
    seg.elements = &el;
    CU_ASSERT_STRING_EQUAL(sg_edi_value(&seg, 1, 0), "a");
    CU_ASSERT_STRING_EQUAL(sg_edi_value(&seg, 1, 2), "b");
    CU_ASSERT_STRING_EQUAL(sg_edi_value(&seg, 1, 3), "");
    CU_ASSERT_STRING_EQUAL(sg_edi_value(&seg, 2, 1), "");
    CU_ASSERT_STRING_EQUAL(sg_edi_value(&seg, 0, 1), "");
    CU_ASSERT_STRING_EQUAL(sg_edi_value(NULL, 1, 1), "");
    CU_ASSERT_STRING_EQUAL(sg_edi_repeat_value(&seg, 1, 2, 1), "");

    memset(segs, 0, sizeof(segs));
    strcpy(segs[0].tag, "ST");
    strcpy(segs[1].tag, "PO1");
    strcpy(segs[2].tag, "PO1");
    memset(&tx, 0, sizeof(tx));
    tx.segments = segs;
    tx.n_segments = 3;
    CU_ASSERT_PTR_EQUAL(sg_edi_find(&tx, "PO1", &pos), &segs[1]);
    CU_ASSERT_EQUAL(pos, 2);
    CU_ASSERT_PTR_EQUAL(sg_edi_find(&tx, "PO1", &pos), &segs[2]);
    CU_ASSERT_PTR_NULL(sg_edi_find(&tx, "PO1", &pos));
    pos = 0;
    CU_ASSERT_PTR_NULL(sg_edi_find(&tx, "SE", &pos));
}

/* ---- robustness ---------------------------------------------------- */

static int
quiet_tx(void *arg, const struct sg_edi_transaction *tx)
{
    size_t i;
    int e;

    /* Touch every value so that a bad pointer shows under ASan. */
    for (i = 0; i < tx->n_segments; i++) {
        for (e = 1; e <= tx->segments[i].n_elements; e++) {
            *(long *)arg += (long)strlen(sg_edi_value(&tx->segments[i], e,
                                                      1));
        }
    }
    return 0;
}

static int
quiet_diag(void *arg, const struct sg_diag *d)
{
    (void)arg;
    return d->code != NULL && d->line >= 1 && d->column >= 1 ? 0 : -1;
}

/* Every prefix of a file must read without a crash, and a cut inside
 * the data never hands over more than the whole file does. */
static void
every_prefix(const char *rel, long whole)
{
    char path[512];
    unsigned char *data, *copy;
    size_t len, n;
    long sum = 0, got;
    int syntax, bad = 0;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", rel);
    data = sg_test_read(sg_test_srcpath(path), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    syntax = sg_edi_sniff(data, len);
    for (n = 0; n <= len; n++) {
        /* An exact-size copy, so ASan catches a read past the end. */
        copy = sg_xmalloc(n ? n : 1);
        memcpy(copy, data, n);
        got = sg_edi_read(syntax, copy, n, quiet_tx, quiet_diag, &sum);
        if (got < -1 || got > whole || (n == len && got != whole)) {
            bad++;
        }
        free(copy);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(data);
}

static void
test_every_prefix(void)
{
    every_prefix("x12/850-nodex12-vics.edi", 1);
    every_prefix("x12/214-staedi-utf8-ellipsis-terminator.edi", 1);
    every_prefix("x12/855-staedi-two-transactions.edi", 2);
    every_prefix("edifact/INVOIC-smooks-d03b-una-syntax4.edi", 1);
    every_prefix("edifact/PNRGOV-staedi-empty-segment-backslash-release"
                 ".edi", 1);
    every_prefix("edifact/ORDERS-phpedifact-eancom-ok.edi", 1);
}

static void
test_prefix_cut_in_set(void)
{
    char path[512];
    unsigned char *data;
    struct cap *c = cap_new();
    size_t len;
    const char *cut;

    snprintf(path, sizeof(path), "%s",
             sg_test_srcpath("tests/data/corpus/x12/850-nodex12-vics.edi"));
    data = sg_test_read(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    cut = strstr((const char *)data, "CTT*6~");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, data,
                                 (size_t)(cut - (const char *)data) + 3), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.unterminated@33:CTT:0 "
                           "x12.missing_se@34:SE:0 "
                           "x12.missing_ge@34:GE:0 "
                           "x12.missing_iea@34:IEA:0");
    CU_ASSERT_EQUAL_FATAL(c->n_tx, 1);
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    CU_ASSERT_EQUAL(c->tx[0].n_segments, 31);
    cap_free(c);

    /* An ISA whose fourth byte cannot be a separator. */
    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, "ISA 00 x", 8), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.bad_delimiter@1:ISA:0");
    cap_free(c);

    /* Cut inside the ISA: nothing to read. */
    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, data, 50), -1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.truncated@1:ISA:0");
    cap_free(c);
    free(data);
}

/* A small deterministic generator: the same garbage on every run. */
static unsigned long
lcg(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return *s >> 33;
}

static void
test_garbage(void)
{
    static const char *files[] = {
        "x12/850-nodex12-vics.edi",
        "x12/810-850-staedi-dual-groups.edi",
        "edifact/ORDERS-staedi-ung-group-eancom.edi",
        "edifact/INVOIC-staedi-d97b-una-custom-delimiters.edi",
    };
    static const char alphabet[] = "ISAUNBHTZGE*~'+:?^>\n\r \xE2\x80\xA6";
    unsigned long seed = 42;
    unsigned char buf[600], *data, *copy;
    char path[512];
    size_t len, i, f;
    long sum = 0, got;
    int round, bad = 0;

    /* Random bytes, and random bytes after a valid header. */
    for (round = 0; round < 3000; round++) {
        len = lcg(&seed) % sizeof(buf);
        for (i = 0; i < len; i++) {
            buf[i] = round % 2 ? (unsigned char)lcg(&seed)
                               : (unsigned char)alphabet[lcg(&seed) %
                                                         (sizeof(alphabet) -
                                                          1)];
        }
        if (round % 3 == 0 && len > 110) {
            make_isa((char *)buf, 110, '*', '^', "00501", ':', "~",
                     "000000001");
            buf[106] = 'G';
        } else if (round % 3 == 1 && len > 12) {
            memcpy(buf, "UNA:+.? 'UNB", 12);
        }
        copy = sg_xmalloc(len ? len : 1);
        memcpy(copy, buf, len);
        got = sg_edi_read(round % 2 ? SG_EDI_X12 : SG_EDI_EDIFACT, copy,
                          len, quiet_tx, quiet_diag, &sum);
        bad += got < -1;
        got = sg_edi_read(round % 2 ? SG_EDI_EDIFACT : SG_EDI_X12, copy,
                          len, quiet_tx, quiet_diag, &sum);
        bad += got < -1;
        free(copy);
    }

    /* Real files with a few bytes changed to delimiters or junk. */
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        snprintf(path, sizeof(path), "tests/data/corpus/%s", files[f]);
        data = sg_test_read(sg_test_srcpath(path), &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(data);
        for (round = 0; round < 400; round++) {
            copy = sg_xmalloc(len);
            memcpy(copy, data, len);
            for (i = 0; i < 4; i++) {
                copy[lcg(&seed) % len] = round % 2 ?
                    (unsigned char)lcg(&seed) :
                    (unsigned char)alphabet[lcg(&seed) %
                                            (sizeof(alphabet) - 1)];
            }
            got = sg_edi_read(sg_edi_sniff(data, len), copy, len, quiet_tx,
                              quiet_diag, &sum);
            bad += got < -1;
            free(copy);
        }
        free(data);
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(sum > 0);
}

/* The whole corpus reads without a crash; the valid-by-peer files that
 * are also envelope-clean give no diag at all. */
static void
test_whole_corpus_clean_files(void)
{
    static const char *clean[] = {
        "x12/214-edinet-mgctlyst.edi",
        "x12/855-nodex12.edi",
        "x12/856-ediengine-crossdock.edi",
        "x12/997-staedi-simple.edi",
        "x12/999-imsweb-rejected-pipe-component.edi",
        "edifact/DESADV-phpedifact-d96a.edi",
        "edifact/INVOIC-pydifact-trailing-component-separator.edi",
    };
    size_t i;
    struct cap *c;

    for (i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
        c = cap_new();
        CU_ASSERT_EQUAL(cap_read_file(c, clean[i]), 1);
        CU_ASSERT_STRING_EQUAL(c->codes, "");
        CU_ASSERT_EQUAL(c->n_tx, 1);
        CU_ASSERT_EQUAL(c->tx[0].has_errors, 0);
        cap_free(c);
    }

    /* A trailing component separator gives an empty last component. */
    c = cap_new();
    cap_read_file(c, "edifact/INVOIC-pydifact-trailing-component-"
                  "separator.edi");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "RFF", 1, 1, 1, 2), "382324067");
    CU_ASSERT_STRING_EQUAL(cap_val(c, 0, "RFF", 1, 1, 1, 3), "");
    cap_free(c);
}

/* A NUL inside a value is refused where it is, in both syntaxes. */
static void
test_nul_byte(void)
{
    static const char x12[] =
        "ISA*00*          *00*          *ZZ*ACMEPARTS      *ZZ*SUPPLYGATE"
        "     *261204*1200*U*00401*000000001*0*P*>~"
        "GS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*1*X*004010~"
        "ST*850*0001~BEG*00*SA*PO-1\0EVIL**20261204~SE*3*0001~"
        "GE*1*1~IEA*1*000000001~";
    static const char edifact[] =
        "UNB+UNOC:3+SENDER+RECEIVER+261204:1200+1'"
        "UNH+1+ORDERS:D:96A:UN'BGM+220+PO\0X+9'UNT+3+1'UNZ+1+1'";
    struct cap *c;

    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_X12, x12, sizeof(x12) - 1), 1);
    CU_ASSERT_STRING_EQUAL(c->codes, "x12.nul_byte@4:BEG:3");
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);

    c = cap_new();
    CU_ASSERT_EQUAL(cap_read_mem(c, SG_EDI_EDIFACT, edifact,
                                 sizeof(edifact) - 1), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c->codes, "edifact.nul_byte@3:BGM:2"));
    CU_ASSERT_EQUAL(c->tx[0].has_errors, 1);
    cap_free(c);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("edi_x12", NULL, NULL);
    CU_add_test(s, "850 VICS: envelope, values, positions",
                test_x12_vics_850);
    CU_add_test(s, "line feed as terminator", test_x12_newline_terminator);
    CU_add_test(s, "a NUL byte inside a value", test_nul_byte);
    CU_add_test(s, "two groups of different versions", test_x12_dual_groups);
    CU_add_test(s, "UTF-8 ellipsis as terminator", test_x12_utf8_terminator);
    CU_add_test(s, "control number mismatches", test_x12_control_mismatch);
    CU_add_test(s, "wrong group and set counts", test_x12_wrong_counts);
    CU_add_test(s, "wrong SE01", test_x12_wrong_se01);
    CU_add_test(s, "ISA of the wrong length", test_x12_isa_wrong_length);
    CU_add_test(s, "no ISA", test_x12_missing_isa);
    CU_add_test(s, "tilde element, underscore terminator",
                test_x12_unusual_delimiters);
    CU_add_test(s, "two sets in one group", test_x12_two_transactions);
    CU_add_test(s, "ISB/ISE/TA1 and repetition separators",
                test_x12_services_and_repetition);
    CU_add_test(s, "not EDI at all", test_not_edi);

    s = CU_add_suite("edi_edifact", NULL, NULL);
    CU_add_test(s, "EANCOM ORDERS with released characters",
                test_edifact_eancom_ok);
    CU_add_test(s, "release before a plain character",
                test_edifact_release_error);
    CU_add_test(s, "no UNZ", test_edifact_missing_unz);
    CU_add_test(s, "syntax 4 repetition without UNA",
                test_edifact_syntax4_repetition);
    CU_add_test(s, "UNG/UNE group", test_edifact_group);
    CU_add_test(s, "UNA with custom delimiters", test_edifact_una_custom);
    CU_add_test(s, "UNA syntax 4, released apostrophe",
                test_edifact_una_syntax4);
    CU_add_test(s, "backslash release, empty segment",
                test_edifact_backslash_release);
    CU_add_test(s, "no UNB", test_edifact_no_unb);

    s = CU_add_suite("edi_handwritten", NULL, NULL);
    CU_add_test(s, "release of every delimiter and itself",
                test_release_everything);
    CU_add_test(s, "charset repertoires", test_charset_repertoires);
    CU_add_test(s, "charset: line break in a segment",
                test_charset_line_break_in_segment);
    CU_add_test(s, "duplicate control numbers",
                test_duplicate_control_numbers);
    CU_add_test(s, "envelope dates and times", test_envelope_dates);
    CU_add_test(s, "several interchanges in one body",
                test_several_interchanges);
    CU_add_test(s, "BOM, CR/LF and blanks", test_bom_crlf_whitespace);
    CU_add_test(s, "missing trailers and strays", test_envelope_errors);
    CU_add_test(s, "element limit", test_limits);
    CU_add_test(s, "callbacks can stop the reader", test_callbacks_stop);
    CU_add_test(s, "sniff and accessors", test_sniff_and_accessors);
    CU_add_test(s, "clean corpus files", test_whole_corpus_clean_files);

    s = CU_add_suite("edi_hostile", NULL, NULL);
    CU_add_test(s, "every prefix of valid files", test_every_prefix);
    CU_add_test(s, "a cut inside a set", test_prefix_cut_in_set);
    CU_add_test(s, "garbage and mutated files", test_garbage);
    return sg_test_run();
}
