/*
 * test_edi_stream.c - the EDI readers fed in pieces, in bounded memory,
 * and hard-wrapped bodies.
 *
 * Every corpus file and every fuzz regression input is read whole and
 * then streamed one byte at a time and in random pieces: the transcript
 * (every transaction, envelope, segment value and position, every diag
 * with its text) must be the same.  Wrapped bodies are made here from
 * clean corpus files, at several widths, with LF and CR LF: they must
 * read as the file unwrapped, with positions in the file as sent.  The
 * caps (segment length, transaction size) and a failing read are
 * checked, and a 100 MB interchange generated on the fly must be read
 * in well under 64 MB.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <CUnit/Basic.h>

#include "edi.h"
#include "testlib.h"
#include "util.h"

/*
 * The test program's peak RSS after reading 100 MB: bounded reading
 * keeps it far under 64 MB.  AddressSanitizer's shadow memory and
 * quarantine roughly double a program's footprint, so its builds get
 * the 64 MB itself.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SG_STREAM_RSS_LIMIT_KB (64 * 1024)
#else
#define SG_STREAM_RSS_LIMIT_KB (32 * 1024)
#endif

/* --- a transcript of one read ------------------------------------------ */

struct script {
    struct sg_buf b;
    int positions;              /* write lines and columns */
    long n_tx, n_diags;
};

static int
script_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct script *s = arg;
    const struct sg_edi_envelope *e = &tx->env;
    size_t i;
    int el, r, k;

    s->n_tx++;
    sg_buf_addf(&s->b, "TX %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s "
                "errors=%d\n", e->sender_qual, e->sender, e->receiver_qual,
                e->receiver, e->interchange_control, e->interchange_date,
                e->group_type, e->group_control, e->group_sender,
                e->group_receiver, e->version, e->set_type, e->set_control,
                tx->has_errors);
    for (i = 0; i < tx->n_segments; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        sg_buf_addf(&s->b, " %ld %s", seg->index, seg->tag);
        if (s->positions) {
            sg_buf_addf(&s->b, "@%ld:%ld", seg->line, seg->column);
        }
        for (el = 1; el <= seg->n_elements; el++) {
            const struct sg_edi_element *x = &seg->elements[el - 1];

            for (r = 1; r <= x->n_repeats; r++) {
                const struct sg_edi_element *y =
                    r == 1 ? x : &x->repeats[r - 1];

                sg_buf_adds(&s->b, r == 1 ? "|" : "^");
                for (k = 0; k < y->n_components; k++) {
                    sg_buf_addf(&s->b, "%s%s", k ? ":" : "",
                                y->components[k]);
                }
            }
        }
        sg_buf_adds(&s->b, "\n");
    }
    return 0;
}

static int
script_diag(void *arg, const struct sg_diag *d)
{
    struct script *s = arg;

    s->n_diags++;
    sg_buf_addf(&s->b, "DIAG %s %ld %s %d.%d", d->code, d->segment,
                d->tag != NULL ? d->tag : "-", d->element, d->component);
    if (s->positions) {
        sg_buf_addf(&s->b, " @%ld:%ld %s", d->line, d->column, d->text);
    }
    sg_buf_adds(&s->b, "\n");
    return 0;
}

/* A body handed out in pieces: one byte at a time (seed 0), or random
 * sizes up to max. */
struct pieces {
    const unsigned char *data;
    size_t len, off, max;
    unsigned long seed;
    size_t fail_at;             /* failing_read(): -1 from here */
};

static long
pieces_read(void *arg, unsigned char *buf, size_t n)
{
    struct pieces *p = arg;
    size_t want = 1;

    if (p->seed != 0) {
        p->seed = p->seed * 6364136223846793005UL + 1442695040888963407UL;
        want = 1 + (p->seed >> 33) % p->max;
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

/* The transcript of a read: whole (max 0), or in pieces of up to max
 * bytes (seed 0: each of one byte); caller frees. */
static char *
script_read(enum sg_edi_syntax syntax, const unsigned char *data,
            size_t len, unsigned long seed, size_t max, int positions,
            long *n)
{
    struct script s;
    struct pieces p;

    memset(&s, 0, sizeof(s));
    sg_buf_init(&s.b);
    s.positions = positions;
    if (max == 0) {
        *n = sg_edi_read(syntax, data, len, script_tx, script_diag, &s);
    } else {
        p.data = data;
        p.len = len;
        p.off = 0;
        p.max = max;
        p.seed = seed;
        *n = sg_edi_read_stream(syntax, pieces_read, &p, script_tx,
                                script_diag, &s);
    }
    sg_buf_addf(&s.b, "READ %ld\n", *n);
    return sg_buf_steal(&s.b);
}

/* Is needle in the transcript?  Shows the transcript when it is not. */
static int
has(const char *script, const char *needle)
{
    if (strstr(script, needle) != NULL) {
        return 1;
    }
    fprintf(stderr, "no \"%s\" in:\n%.3000s\n", needle, script);
    return 0;
}

/* Whole, one byte at a time, and in pieces of three kinds of size:
 * the same transcript. */
static int
same_in_pieces(const char *name, enum sg_edi_syntax syntax,
               const unsigned char *data, size_t len)
{
    static const struct {
        unsigned long seed;
        size_t max;
    } runs[] = {{0, 1}, {12345, 7}, {777, 300}, {99, 100000}};
    char *whole, *got;
    size_t i;
    long n, m;
    int same = 1;

    whole = script_read(syntax, data, len, 0, 0, 1, &n);
    for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        got = script_read(syntax, data, len,
                          runs[i].seed ? runs[i].seed + len : 0,
                          runs[i].max, 1, &m);
        if (strcmp(whole, got) != 0 || n != m) {
            fprintf(stderr, "%s: pieces of up to %zu differ\n--- whole\n"
                    "%.2000s\n--- pieces\n%.2000s\n", name, runs[i].max,
                    whole, got);
            same = 0;
        }
        free(got);
    }
    free(whole);
    return same;
}

/* Every file of a test data directory, streamed against whole. */
static void
every_file_in_pieces(const char *rel)
{
    char path[1024], file[1400];
    struct dirent *e;
    unsigned char *data;
    size_t len;
    int syntax, files = 0, bad = 0;
    DIR *d;

    snprintf(path, sizeof(path), "%s", sg_test_srcpath(rel));
    d = opendir(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".edi") == NULL) {
            continue;
        }
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        data = sg_test_read(file, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(data);
        syntax = sg_edi_sniff(data, len);
        if (syntax < 0) {
            syntax = strstr(rel, "x12") != NULL ? SG_EDI_X12
                                                : SG_EDI_EDIFACT;
        }
        bad += !same_in_pieces(e->d_name, (enum sg_edi_syntax)syntax, data,
                               len);
        /* Read with the other syntax too: garbage in pieces. */
        bad += !same_in_pieces(e->d_name, (enum sg_edi_syntax)!syntax, data,
                               len);
        files++;
        free(data);
    }
    closedir(d);
    CU_ASSERT(files > 0);
    CU_ASSERT_EQUAL(bad, 0);
}

static void
test_corpus_in_pieces(void)
{
    every_file_in_pieces("tests/data/corpus/x12");
    every_file_in_pieces("tests/data/corpus/edifact");
    every_file_in_pieces("tests/data/fuzz-regressions/edifact");
}

/* Hand-made bodies whose chunk boundaries matter. */
static void
test_tricky_bodies_in_pieces(void)
{
    static const char *const x12[] = {
        /* CR LF after each segment, a three-byte terminator */
        "ISA*00*          *00*          *ZZ*S              *ZZ*R        "
        "      *260101*1200*U*00401*000000001*0*P*>\xE2\x80\xA6\r\nGS*PO*S"
        "*R*20260101*1200*1*X*004010\xE2\x80\xA6\r\nST*850*1\xE2\x80\xA6\r\n"
        "BEG*00*SA*P1**20260101\xE2\x80\xA6\r\nSE*3*1\xE2\x80\xA6\r\nGE*1*1"
        "\xE2\x80\xA6\r\nIEA*1*000000001\xE2\x80\xA6\r\n",
        /* a line feed terminator, CR LF line ends */
        "ISA*00*          *00*          *ZZ*S              *ZZ*R        "
        "      *260101*1200*U*00401*000000001*0*P*>\r\nGS*PO*S*R*20260101"
        "*1200*1*X*004010\r\nST*850*1\r\nSE*2*1\r\nGE*1*1\r\nIEA*1*1\r\n",
    };
    static const char *const edifact[] = {
        "UNA:+.? 'UNB+UNOC:3+S+R+260101:1200+7'UNH+1+ORDERS:D:96A:UN'"
        "FTX+AAI+++a?+b?:c??d?'e'UNT+3+1'UNZ+1+7'",
        "\xEF\xBB\xBF  UNA|^.\\*~UNB^UNOC|4^S^R^20260101|1200^7~"
        "UNH^1^ORDERS|D|96A|UN~FTX^AAI^^^x\\~y\\|z\\\\~UNT^3^1~UNZ^1^7~",
        "UNB+UNOA:2+S+R+260101:1200+7'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++"
        "?x'UNT+3+1'",
    };
    size_t i;

    for (i = 0; i < sizeof(x12) / sizeof(x12[0]); i++) {
        CU_ASSERT(same_in_pieces("x12", SG_EDI_X12,
                                 (const unsigned char *)x12[i],
                                 strlen(x12[i])));
    }
    for (i = 0; i < sizeof(edifact) / sizeof(edifact[0]); i++) {
        CU_ASSERT(same_in_pieces("edifact", SG_EDI_EDIFACT,
                                 (const unsigned char *)edifact[i],
                                 strlen(edifact[i])));
    }
}

/* --- hard-wrapped bodies ------------------------------------------------ */

/* A corpus file with its line breaks removed (they all follow a
 * segment terminator in the files used here). */
static unsigned char *
flat_file(const char *rel, size_t *len)
{
    char path[512];
    unsigned char *data;
    size_t i, n = 0, all;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", rel);
    data = sg_test_read(sg_test_srcpath(path), &all);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    for (i = 0; i < all; i++) {
        if (data[i] != '\n' && data[i] != '\r') {
            data[n++] = data[i];
        }
    }
    data[n] = '\0';            /* sg_test_read() left room for it */
    *len = n;
    return data;
}

/* data cut into lines of width bytes, each ended by eol. */
static unsigned char *
wrap_body(const unsigned char *data, size_t len, size_t width,
          const char *eol, size_t *out_len)
{
    struct sg_buf b;
    size_t i;

    sg_buf_init(&b);
    for (i = 0; i < len; i += width) {
        sg_buf_add(&b, data + i, len - i < width ? len - i : width);
        sg_buf_adds(&b, eol);
    }
    *out_len = b.len;
    return (unsigned char *)sg_buf_steal(&b);
}

/* The expected position of byte (1-based column) col of a one-line
 * body once it is wrapped at width. */
static void
wrapped_pos(long col, size_t width, long *line, long *column)
{
    *line = (long)((size_t)(col - 1) / width) + 1;
    *column = (long)((size_t)(col - 1) % width) + 1;
}

/* What one wrapped read must match: the flat read, positions mapped. */
struct wrap_check {
    size_t width;
    long n_segs, bad;
    const struct sg_edi_transaction *flat_tx;
};

/*
 * Wrapped at every width and with LF and CR LF, a flat body reads the
 * same: same transcript without positions, and each segment where the
 * wrap put it.
 */
static void
wrap_reads_same(const char *rel, enum sg_edi_syntax syntax)
{
    static const size_t widths[] = {50, 64, 80, 105, 106, 132};
    static const char *const eols[] = {"\n", "\r\n"};
    unsigned char *flat, *wrapped;
    char *want, *got, *want_pos, *got_pos;
    size_t len, wlen, w, e;
    long n, m;
    char *p, *q;

    flat = flat_file(rel, &len);
    want = script_read(syntax, flat, len, 0, 0, 0, &n);
    want_pos = script_read(syntax, flat, len, 0, 0, 1, &n);
    for (w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
        for (e = 0; e < 2; e++) {
            wrapped = wrap_body(flat, len, widths[w], eols[e], &wlen);
            got = script_read(syntax, wrapped, wlen, 0, 0, 0, &m);
            if (strcmp(want, got) != 0) {
                fprintf(stderr, "%s wrapped at %zu: differs\n%.1500s\n",
                        rel, widths[w], got);
            }
            CU_ASSERT_STRING_EQUAL(want, got);
            CU_ASSERT(same_in_pieces(rel, syntax, wrapped, wlen));

            /* Each "@line:column" of the flat read (line 1) mapped. */
            got_pos = script_read(syntax, wrapped, wlen, 0, 0, 1, &m);
            for (p = want_pos, q = got_pos;
                 (p = strchr(p, '@')) != NULL &&
                 (q = strchr(q, '@')) != NULL; p++, q++) {
                long fl, fc, gl, gc, el, ec;

                CU_ASSERT_EQUAL(sscanf(p, "@%ld:%ld", &fl, &fc), 2);
                CU_ASSERT_EQUAL(sscanf(q, "@%ld:%ld", &gl, &gc), 2);
                CU_ASSERT_EQUAL(fl, 1);
                wrapped_pos(fc, widths[w], &el, &ec);
                if (gl != el || gc != ec) {
                    fprintf(stderr, "%s at %zu: %ld:%ld, want %ld:%ld\n",
                            rel, widths[w], gl, gc, el, ec);
                }
                CU_ASSERT(gl == el && gc == ec);
            }
            free(got_pos);
            free(got);
            free(wrapped);
        }
    }
    free(want);
    free(want_pos);
    free(flat);
}

static void
test_wrapped_corpus(void)
{
    wrap_reads_same("x12/850-nodex12-vics.edi", SG_EDI_X12);
    wrap_reads_same("x12/855-staedi-two-transactions.edi", SG_EDI_X12);
    wrap_reads_same("x12/997-staedi-invalid-ak-elements.edi", SG_EDI_X12);
    wrap_reads_same("edifact/ORDERS-phpedifact-eancom-ok.edi",
                    SG_EDI_EDIFACT);
    wrap_reads_same("edifact/INVOIC-staedi-d97b.edi", SG_EDI_EDIFACT);
    wrap_reads_same("edifact/ORDERS-staedi-ung-group-eancom.edi",
                    SG_EDI_EDIFACT);
}

/* The corpus file wrapped at 50 characters: the U with diaeresis is
 * reported where it is in the file as sent. */
static void
test_wrapped_utf8_position(void)
{
    unsigned char *data;
    char *got;
    size_t len;
    long n;

    data = sg_test_read(sg_test_srcpath("tests/data/corpus/edifact/"
                                        "INVOIC-staedi-d97b-wrapped-50-"
                                        "columns.edi"), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    got = script_read(SG_EDI_EDIFACT, data, len, 0, 0, 1, &n);
    CU_ASSERT_EQUAL(n, 1);
    /* Line 5 is "NAD+SE+005435656::16++B\xC3\x9C" ...: byte 24. */
    CU_ASSERT(has(got, "DIAG edifact.charset 7 NAD 4.1 "
                                  "@5:24 "));
    CU_ASSERT(has(got, " 7 NAD@5:1|SE|005435656::16||B"));
    free(got);
    free(data);
}

/* The set type is seen through a wrap that cuts "ST*" or "UNH+". */
static void
test_wrapped_sniff(void)
{
    static const struct {
        const char *rel, *tag, *type;
    } files[] = {
        {"x12/850-nodex12-vics.edi", "~ST*", "850"},
        {"edifact/ORDERS-phpedifact-eancom-ok.edi", "'UNH+", "ORDERS"},
    };
    unsigned char *flat, *wrapped;
    size_t len, wlen, i, width;
    char type[8];

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        flat = flat_file(files[i].rel, &len);
        /* The first line ends after the tag's first letter. */
        width = (size_t)((unsigned char *)strstr((char *)flat,
                                                 files[i].tag) - flat) + 2;
        wrapped = wrap_body(flat, len, width, "\r\n", &wlen);
        CU_ASSERT_EQUAL(wrapped[width], '\r');
        CU_ASSERT(sg_edi_sniff_set(wrapped, wlen, type, sizeof(type)) >= 0);
        CU_ASSERT_STRING_EQUAL(type, files[i].type);
        free(wrapped);
        free(flat);
    }
}

/*
 * A body that is not uniformly wrapped keeps its line breaks, and each
 * one inside a segment is reported where it is; a body wrapped for a
 * while and then not is unwrapped up to the first break out of step.
 */
static void
test_not_uniformly_wrapped(void)
{
    static const char flat[] =
        "UNB+UNOA:3+S+R+260101:1200+7'UNH+1+ORDERS:D:96A:UN'"
        "BGM+220+PO1+9'DTM+137:20260101:102'NAD+BY+BUYER::9'"
        "NAD+SU+SUPPLIER::9'UNT+6+1'UNZ+1+7'";
    char body[512];
    char *got;
    long n;

    /* Lines of 40, then 43: out of step from the second break. */
    snprintf(body, sizeof(body), "%.40s\n%.43s\n%s", flat, flat + 40,
             flat + 83);
    got = script_read(SG_EDI_EDIFACT, (const unsigned char *)body,
                      strlen(body), 0, 0, 1, &n);
    CU_ASSERT_EQUAL(n, 1);
    /* The breaks fall before byte 41 of flat, in UNH's ORDERS, and
     * before byte 84, in DTM's third component. */
    CU_ASSERT(has(got, "DIAG edifact.charset 2 UNH 2.1 @1:41 "));
    CU_ASSERT(has(got, "DIAG edifact.charset 4 DTM 1.3 @2:44 "));
    free(got);

    /* Lines of 40, 40, then 35 and more: the first two breaks are
     * removed, the third is out of step and stays, reported. */
    snprintf(body, sizeof(body), "%.40s\n%.40s\n%.35s\n%s", flat,
             flat + 40, flat + 80, flat + 115);
    got = script_read(SG_EDI_EDIFACT, (const unsigned char *)body,
                      strlen(body), 0, 0, 1, &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_PTR_NULL(strstr(got, "DIAG edifact.charset 2 "));
    CU_ASSERT_PTR_NULL(strstr(got, "DIAG edifact.charset 4 "));
    /* The kept break, before byte 116 of flat, is in the second NAD's
     * SUPPLIER (segment 6): line 3, column 36. */
    CU_ASSERT(has(got, "DIAG edifact.charset 6 NAD 2.1 @3:36 "));
    /* ... and it is the only diag. */
    CU_ASSERT_PTR_NULL(strstr(strstr(got, "DIAG") + 1, "DIAG"));
    CU_ASSERT(same_in_pieces("partly wrapped", SG_EDI_EDIFACT,
                             (const unsigned char *)body, strlen(body)));
    free(got);
}

/* --- caps -------------------------------------------------------------- */

/* A segment over SG_EDI_MAX_SEGMENT_BYTES: reported, cut, skipped to its
 * terminator; the segments after it read as usual. */
static void
test_segment_too_long(void)
{
    static const char head[] = "UNB+UNOA:3+S+R+260101:1200+7'"
                               "UNH+1+ORDERS:D:96A:UN'FTX+AAI+++";
    static const char tail[] = "'DTM+137:20260101:102'UNT+4+1'UNZ+1+7'";
    size_t fill = SG_EDI_MAX_SEGMENT_BYTES + 1000;
    size_t len = strlen(head) + fill + strlen(tail);
    char *body = sg_xmalloc(len + 1), *got;
    long n;

    memcpy(body, head, strlen(head));
    memset(body + strlen(head), 'A', fill);
    /* A release pair right at the cut (the segment starts 10 bytes
     * before the fill), to be skipped as a pair. */
    body[strlen(head) + SG_EDI_MAX_SEGMENT_BYTES - 10] = '?';
    body[strlen(head) + SG_EDI_MAX_SEGMENT_BYTES - 9] = '\'';
    memcpy(body + strlen(head) + fill, tail, strlen(tail) + 1);
    got = script_read(SG_EDI_EDIFACT, (unsigned char *)body, len, 0, 0, 1,
                      &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT(has(got, "DIAG edifact.segment_too_long 3 "
                                  "FTX 0.0 @1:52 "));
    CU_ASSERT(has(got, "errors=1"));
    /* DTM is segment 4, UNT 5 and counts 4 segments: no count diag. */
    CU_ASSERT(has(got, " 4 DTM@1:"));
    CU_ASSERT_PTR_NULL(strstr(got, "unt_count"));
    CU_ASSERT(same_in_pieces("long segment", SG_EDI_EDIFACT,
                             (unsigned char *)body, len));
    free(got);
    free(body);
}

/* A transaction past SG_EDI_MAX_TX_BYTES: said once, the rest dropped
 * and its memory given back, the set handed over marked. */
static void
test_transaction_too_large(void)
{
    struct script s;
    struct sg_buf b;
    struct rusage ru;
    int i, j, segs = 8000;
    long n;

    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *ZZ*S              *ZZ*"
                "R              *260101*1200*U*00401*000000001*0*P*>~"
                "GS*PO*S*R*20260101*1200*1*X*004010~ST*850*1~");
    for (i = 0; i < segs; i++) {
        sg_buf_adds(&b, "N9");
        for (j = 0; j < 500; j++) {
            sg_buf_adds(&b, "*A");
        }
        sg_buf_adds(&b, "~");
    }
    sg_buf_addf(&b, "SE*%d*1~GE*1*1~IEA*1*1~", segs + 2);

    memset(&s, 0, sizeof(s));
    sg_buf_init(&s.b);
    n = sg_edi_read(SG_EDI_X12, (unsigned char *)b.data, b.len, script_tx,
                    script_diag, &s);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(s.n_diags, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.b.data, "DIAG x12.transaction_too_large"
                                  " "));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.b.data, "errors=1"));
    /* The SE after the dropped segments is dropped too: no SE kept. */
    CU_ASSERT_PTR_NULL(strstr(s.b.data, " SE|"));
    getrusage(RUSAGE_SELF, &ru);
    CU_ASSERT(ru.ru_maxrss < 400 * 1024);
    sg_buf_free(&s.b);
    sg_buf_free(&b);
}

/* A read that fails: -2, and nothing said after it. */
static long
failing_read(void *arg, unsigned char *buf, size_t n)
{
    struct pieces *p = arg;

    if (p->off >= p->fail_at) {
        return -1;
    }
    return pieces_read(arg, buf, n);
}

/*
 * A read that fails: -2, and nothing said after it; what was complete
 * before it has been handed over (the caller rejects the message).
 */
static void
test_read_failure(void)
{
    struct script s;
    struct pieces p;
    struct sg_buf b;
    long n;
    int i;

    sg_buf_init(&b);
    sg_buf_adds(&b, "UNB+UNOA:3+S+R+260101:1200+7'");
    for (i = 1; i <= 300; i++) {
        sg_buf_addf(&b, "UNH+%d+ORDERS:D:96A:UN'BGM+220+PO%d+9'UNT+3+%d'",
                    i, i, i);
    }
    sg_buf_adds(&b, "UNZ+300+7'");

    memset(&s, 0, sizeof(s));
    sg_buf_init(&s.b);
    memset(&p, 0, sizeof(p));
    p.data = (const unsigned char *)b.data;
    p.len = b.len;
    p.fail_at = b.len / 2;
    n = sg_edi_read_stream(SG_EDI_EDIFACT, failing_read, &p, script_tx,
                           script_diag, &s);
    CU_ASSERT_EQUAL(n, -2);
    CU_ASSERT(s.n_tx > 0 && s.n_tx < 300);
    CU_ASSERT_EQUAL(s.n_diags, 0);
    sg_buf_free(&s.b);

    /* Failing at once: -2, nothing at all. */
    memset(&s, 0, sizeof(s));
    sg_buf_init(&s.b);
    p.off = 0;
    p.fail_at = 0;
    n = sg_edi_read_stream(SG_EDI_EDIFACT, failing_read, &p, script_tx,
                           script_diag, &s);
    CU_ASSERT_EQUAL(n, -2);
    CU_ASSERT_EQUAL(s.n_tx + s.n_diags, 0);
    sg_buf_free(&s.b);
    sg_buf_free(&b);
}

/* --- bounded memory ------------------------------------------------------ */

/* An interchange of many 850s made as it is read, never held. */
struct generator {
    size_t target, made;
    long sets;
    int ended;
    char pending[2048];
    size_t pending_len, pending_off;
};

static void
generator_next(struct generator *g)
{
    int n, i;

    if (g->made == 0) {
        n = snprintf(g->pending, sizeof(g->pending), "ISA*00*          *00*"
                     "          *ZZ*S              *ZZ*R              "
                     "*260101*1200*U*00401*000000001*0*P*>~GS*PO*S*R*"
                     "20260101*1200*1*X*004010~");
    } else if (g->made < g->target) {
        /* About a kilobyte: a small real order. */
        g->sets++;
        n = snprintf(g->pending, sizeof(g->pending), "ST*850*%ld~"
                     "BEG*00*SA*PO%ld**20260101~", g->sets, g->sets);
        for (i = 1; i <= 12; i++) {
            n += snprintf(g->pending + n, sizeof(g->pending) - (size_t)n,
                          "PO1*%d*2*EA*3.5**BP*W-%d*VP*V-%d~PID*F****Part "
                          "%d~", i, i, i, i);
        }
        n += snprintf(g->pending + n, sizeof(g->pending) - (size_t)n,
                      "CTT*12~SE*28*%ld~\n", g->sets);
    } else {
        g->ended = 1;
        n = snprintf(g->pending, sizeof(g->pending), "GE*%ld*1~IEA*1*1~",
                     g->sets);
    }
    g->pending_len = (size_t)n;
    g->pending_off = 0;
    g->made += (size_t)n;
}

static long
generator_read(void *arg, unsigned char *buf, size_t n)
{
    struct generator *g = arg;
    size_t done = 0, k;

    while (done < n) {
        if (g->pending_off == g->pending_len) {
            if (g->ended) {
                break;
            }
            generator_next(g);
            continue;
        }
        k = g->pending_len - g->pending_off;
        if (k > n - done) {
            k = n - done;
        }
        memcpy(buf + done, g->pending + g->pending_off, k);
        g->pending_off += k;
        done += k;
    }
    return (long)done;
}

static int
count_tx(void *arg, const struct sg_edi_transaction *tx)
{
    *(long *)arg += tx->has_errors ? 1000000 : 1;
    return 0;
}

static int
count_diag(void *arg, const struct sg_diag *d)
{
    (void)d;
    *(long *)arg += 1000000;
    return 0;
}

static void
test_100mb_in_bounded_memory(void)
{
    struct generator g;
    struct rusage ru;
    long n, count = 0;

    memset(&g, 0, sizeof(g));
    g.target = (size_t)100 * 1024 * 1024;
    n = sg_edi_read_stream(SG_EDI_X12, generator_read, &g, count_tx,
                           count_diag, &count);
    CU_ASSERT(g.made >= g.target);
    CU_ASSERT(g.sets > 90000);
    CU_ASSERT_EQUAL(n, g.sets);
    CU_ASSERT_EQUAL(count, g.sets);
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "  %zu bytes, %ld sets, peak RSS of the test %ld KB\n",
            g.made, g.sets, ru.ru_maxrss);
    /* The whole test program, the cap tests above included, stays far
     * under 64 MB only if this read is bounded; the 128 MB transaction
     * test runs after it. */
    CU_ASSERT(ru.ru_maxrss < SG_STREAM_RSS_LIMIT_KB);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("edi_stream", NULL, NULL);
    CU_add_test(s, "100 MB in bounded memory", test_100mb_in_bounded_memory);
    CU_add_test(s, "corpus and fuzz inputs in pieces",
                test_corpus_in_pieces);
    CU_add_test(s, "tricky bodies in pieces", test_tricky_bodies_in_pieces);
    CU_add_test(s, "a read that fails", test_read_failure);
    CU_add_test(s, "segment too long", test_segment_too_long);
    CU_add_test(s, "transaction too large", test_transaction_too_large);

    s = CU_add_suite("edi_unwrap", NULL, NULL);
    CU_add_test(s, "wrapped corpus files", test_wrapped_corpus);
    CU_add_test(s, "UTF-8 wrapped at 50 characters",
                test_wrapped_utf8_position);
    CU_add_test(s, "not uniformly wrapped", test_not_uniformly_wrapped);
    CU_add_test(s, "set type sniffed through a wrap", test_wrapped_sniff);
    return sg_test_run();
}
