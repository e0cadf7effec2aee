/*
 * test_edi_map.c - structure validation against the segment maps of
 * schemas/edi (core/edi_map.c): loading errors of bad maps, each
 * segment and element error code on hand-made transactions with its
 * exact position, and real corpus orders that must pass clean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "edi.h"
#include "edi_map.h"
#include "testlib.h"
#include "util.h"

static struct sg_edi_maps *maps;
static const struct sg_edi_map *only_map;   /* when set, used instead */

/* --- what a check found --------------------------------------------- */

struct t_diag {
    char code[24];
    char tag[4];
    long segment, line;
    int element, component;
};

struct t_run {
    struct t_diag diags[64];
    int n_diags;            /* structure diags kept */
    long n_total;           /* structure diags reported */
    int n_reader;           /* diags of the reader itself */
    int n_tx, n_mapped;     /* transactions, those with a map */
};

static int
t_on_diag(void *arg, const struct sg_diag *d)
{
    struct t_run *r = arg;
    struct t_diag *t;

    r->n_total++;
    fprintf(stderr, "  %s seg %ld %s%02d-%d line %ld: %s\n", d->code,
            d->segment, d->tag ? d->tag : "", d->element, d->component,
            d->line, d->text);
    if (r->n_diags == 64) {
        return 0;
    }
    t = &r->diags[r->n_diags++];
    snprintf(t->code, sizeof(t->code), "%s", d->code);
    snprintf(t->tag, sizeof(t->tag), "%s", d->tag ? d->tag : "");
    t->segment = d->segment;
    t->line = d->line;
    t->element = d->element;
    t->component = d->component;
    return 0;
}

static int
t_on_reader_diag(void *arg, const struct sg_diag *d)
{
    struct t_run *r = arg;

    fprintf(stderr, "  reader: %s %s\n", d->code, d->text);
    r->n_reader++;
    return 0;
}

static int
t_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct t_run *r = arg;
    const struct sg_edi_map *m = only_map != NULL ? only_map :
                                 sg_edi_maps_find(maps, tx);

    r->n_tx++;
    if (m != NULL) {
        r->n_mapped++;
        CU_ASSERT(sg_edi_map_check(m, tx, t_on_diag, r) >= 0);
    }
    return 0;
}

static struct t_run *
t_check_mem(const char *data, size_t len)
{
    struct t_run *r = sg_xcalloc(1, sizeof(*r));
    int syntax = sg_edi_sniff((const unsigned char *)data, len);

    CU_ASSERT_FATAL(syntax == SG_EDI_X12 || syntax == SG_EDI_EDIFACT);
    sg_edi_read((enum sg_edi_syntax)syntax, (const unsigned char *)data,
                len, t_on_tx, t_on_reader_diag, r);
    return r;
}

static struct t_run *
t_check_file(const char *rel)
{
    size_t len = 0;
    unsigned char *data = sg_test_read(sg_test_srcpath(rel), &len);
    struct t_run *r;

    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    fprintf(stderr, "\n %s\n", rel);
    r = t_check_mem((const char *)data, len);
    free(data);
    return r;
}

/* The index of the first diag with this code, or -1. */
static int
t_find(const struct t_run *r, const char *code)
{
    int i;

    for (i = 0; i < r->n_diags; i++) {
        if (strcmp(r->diags[i].code, code) == 0) {
            return i;
        }
    }
    return -1;
}

/* Assert one diag: code, tag, segment number, element, component. */
#define T_DIAG(r, i, c, t, s, e, k)                                      \
    do {                                                                 \
        CU_ASSERT_FATAL((i) >= 0 && (i) < (r)->n_diags);                 \
        CU_ASSERT_STRING_EQUAL((r)->diags[i].code, c);                   \
        CU_ASSERT_STRING_EQUAL((r)->diags[i].tag, t);                    \
        CU_ASSERT_EQUAL((r)->diags[i].segment, s);                       \
        CU_ASSERT_EQUAL((r)->diags[i].line, s);                          \
        CU_ASSERT_EQUAL((r)->diags[i].element, e);                       \
        CU_ASSERT_EQUAL((r)->diags[i].component, k);                     \
    } while (0)

/*
 * An X12 004010 interchange around one 850 body, one segment a line:
 * ISA is segment 1, GS 2, ST 3, the body from 4, so a segment's number
 * is its line.
 */
static struct t_run *
t_x12(const char *const *body)
{
    struct sg_buf b;
    struct t_run *r;
    int n = 0;

    sg_buf_init(&b);
    sg_buf_adds(&b, "ISA*00*          *00*          *ZZ*ACMEPARTS      "
                "*ZZ*SUPPLYGATE     *261204*1200*U*00401*000000901*0*P*>~"
                "\nGS*PO*ACMEPARTS*SUPPLYGATE*20261204*1200*901*X*004010~"
                "\nST*850*0001~\n");
    for (; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s~\n", body[n]);
    }
    sg_buf_addf(&b, "SE*%d*0001~\nGE*1*901~\nIEA*1*000000901~\n", n + 2);
    r = t_check_mem(b.data, b.len);
    CU_ASSERT_EQUAL(r->n_reader, 0);
    CU_ASSERT_EQUAL(r->n_mapped, 1);
    sg_buf_free(&b);
    return r;
}

/*
 * An EDIFACT interchange around one ORDERS body of this version ("96A"),
 * one segment a line: UNA is line 1 and not a segment, UNB is segment 1
 * on line 2, UNH segment 2 on line 3, the body from segment 3 on line
 * 4, so a segment's line is its number plus one.  syntax4 declares '*'
 * as the repetition separator.
 */
static struct t_run *
t_edifact(const char *release, int syntax4, const char *const *body)
{
    struct sg_buf b;
    struct t_run *r;
    int n = 0;

    sg_buf_init(&b);
    sg_buf_addf(&b, "UNA:+.?%c'\nUNB+UNOC:%d+SENDER:14+RECEIVER:14+"
                "%s:1607+77'\nUNH+1+ORDERS:D:%s:UN'\n",
                syntax4 ? '*' : ' ', syntax4 ? 4 : 3,
                syntax4 ? "20181205" : "181205", release);
    for (; body[n] != NULL; n++) {
        sg_buf_addf(&b, "%s'\n", body[n]);
    }
    sg_buf_addf(&b, "UNT+%d+1'\nUNZ+1+77'\n", n + 2);
    r = t_check_mem(b.data, b.len);
    CU_ASSERT_EQUAL(r->n_reader, 0);
    CU_ASSERT_EQUAL(r->n_mapped, 1);
    sg_buf_free(&b);
    return r;
}

/* EDIFACT diags are on the line after their segment number. */
#define T_EDIAG(r, i, c, t, s, e, k)                                     \
    do {                                                                 \
        CU_ASSERT_FATAL((i) >= 0 && (i) < (r)->n_diags);                 \
        CU_ASSERT_STRING_EQUAL((r)->diags[i].code, c);                   \
        CU_ASSERT_STRING_EQUAL((r)->diags[i].tag, t);                    \
        CU_ASSERT_EQUAL((r)->diags[i].segment, s);                       \
        CU_ASSERT_EQUAL((r)->diags[i].line, (s) + 1);                    \
        CU_ASSERT_EQUAL((r)->diags[i].element, e);                       \
        CU_ASSERT_EQUAL((r)->diags[i].component, k);                     \
    } while (0)

/* --- loading ------------------------------------------------------------ */

static char *tmp;

/* Load text written to tmp/name as a map: NULL expected, err kept. */
static void
t_bad_map(const char *name, const char *text, const char *expect)
{
    char err[512], *path = sg_test_write(tmp, name, text);
    struct sg_edi_map *m;

    err[0] = '\0';
    m = sg_edi_map_load(path, err, sizeof(err));
    fprintf(stderr, "  %s\n", err);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, expect));
    sg_edi_map_free(m);
    free(path);
}

static const char t_head[] =
    "{\"standard\": \"X12\", \"version\": \"004010\", \"set\": \"850\",\n";

static void
test_load_errors(void)
{
    char text[1024];

    /* Not JSON: file, line and column. */
    t_bad_map("a.json", "{\n\"standard\": \"X12\",\n\"set\" 850\n}\n",
              "a.json:3:");
    t_bad_map("b.json", "{\"standard\": \"HL7\"}", ": standard: must be");

    snprintf(text, sizeof(text), "%s\"segments\": {\"ST\": {\"elements\": "
             "[\"M ID 3/3\", \"M XX 4/9\"]}},\n\"structure\": "
             "[[\"ST\", \"M\", 1]]}", t_head);
    t_bad_map("c.json", text, "segments.ST.elements[1]: unknown X12 "
              "element type \"XX\"");

    snprintf(text, sizeof(text), "%s\"segments\": {\"ST\": {\"elements\": "
             "[\"M ID 3/3 @143\"]}},\n\"structure\": [[\"ST\", \"M\", 1]]}",
             t_head);
    t_bad_map("d.json", text, "segments.ST.elements[0]: no code list "
              "\"143\"");

    snprintf(text, sizeof(text), "%s\"segments\": {\"N1\": {\"elements\": "
             "[\"M ID 2/3\", \"X AN 1/60\"], \"syntax\": [\"R0203\"]}},\n"
             "\"structure\": [[\"N1\", \"M\", 1]]}", t_head);
    t_bad_map("e.json", text, "segments.N1.syntax[0]: \"R0203\" names "
              "element 3");

    snprintf(text, sizeof(text), "%s\"segments\": {\"ST\": {\"elements\": "
             "\"any\"}},\n\"structure\": [[\"ST\", \"M\", 1], {\"loop\": "
             "\"PO1\", \"usage\": \"M\", \"max\": 2, \"body\": [[\"PO1\", "
             "\"M\", 1]]}]}", t_head);
    t_bad_map("f.json", text, "structure[1].body[0]: segment PO1 is not "
              "defined");

    snprintf(text, sizeof(text), "%s\"segments\": {\"PO1\": {\"elements\": "
             "\"any\"}},\n\"structure\": [{\"loop\": \"PO1\", \"usage\": "
             "\"M\", \"max\": 2, \"body\": [[\"PO1\", \"M\", 3]]}]}",
             t_head);
    t_bad_map("g.json", text, "structure[0].body: a loop starts with its "
              "trigger segment");

    snprintf(text, sizeof(text), "%s\"segments\": {\"ST\": {\"elements\": "
             "[\"M ID 9/3\"]}},\n\"structure\": [[\"ST\", \"Q\", 1]]}",
             t_head);
    t_bad_map("h.json", text, "segments.ST.elements[0]: length bounds 9/3");
}

static void
test_load_directory(void)
{
    static const char *const sets[] = {"850", NULL};
    char text[512], err[512], *dir = sg_test_tmpdir("edimapdir"), *p;
    struct sg_edi_maps *m;

    /* A file whose name says another version than its content. */
    snprintf(text, sizeof(text), "%s\"segments\": {\"ST\": {\"elements\": "
             "\"any\"}},\n\"structure\": [[\"ST\", \"M\", 1]]}", t_head);
    p = sg_test_write(dir, "x12-005010-850.json", text);
    free(p);
    p = sg_test_write(dir, "x12-004010-855.json", "not even JSON");
    free(p);
    m = sg_edi_maps_load(dir, sets, err, sizeof(err));
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x12-005010-850.json: the file "
                                  "name does not match"));

    /* Files of sets not asked for are not even read. */
    p = sg_xasprintf("%s/x12-005010-850.json", dir);
    CU_ASSERT_EQUAL(remove(p), 0);
    free(p);
    m = sg_edi_maps_load(dir, sets, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(sg_edi_maps_count(m), 0);
    sg_edi_maps_free(m);

    CU_ASSERT_PTR_NULL(sg_edi_maps_load("/nonexistent/maps", sets, err,
                                        sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/maps"));
    sg_test_rmdir(dir);
    free(dir);
}

/* The shipped maps load and name themselves as their file names do. */
static void
test_shipped_maps(void)
{
    CU_ASSERT_EQUAL(sg_edi_maps_count(maps), 4);
}

/* --- clean corpus and examples ---------------------------------------- */

/* n_reader: envelope diags the file is known for (after its sets). */
static void
t_clean_envelope(const char *rel, int n_tx, int n_reader)
{
    struct t_run *r = t_check_file(rel);

    CU_ASSERT_EQUAL(r->n_reader, n_reader);
    CU_ASSERT_EQUAL(r->n_tx, n_tx);
    CU_ASSERT_EQUAL(r->n_mapped, n_tx);
    CU_ASSERT_EQUAL(r->n_total, 0);
    free(r);
}

static void
t_clean(const char *rel, int n_tx)
{
    t_clean_envelope(rel, n_tx, 0);
}

static void
test_clean_x12(void)
{
    t_clean("tests/data/corpus/x12/850-nodex12-vics.edi", 1);
    t_clean("tests/data/corpus/x12/850-nodex12-newline-terminator.edi", 1);
    /* Both its sets are ST02 0001 in one group: the reader says so
     * (x12.duplicate_control); their structure is sound. */
    t_clean_envelope("tests/data/corpus/x12/850-edinet-missing-isa16-and-"
                     "terminator.edi", 2, 1);
    t_clean("examples/03-x12-850-two-orders.edi", 2);
    t_clean("examples/07-x12-850-unknown-supplier.edi", 1);
    t_clean("examples/08-x12-850-director-approval.edi", 1);
    t_clean("examples/09-x12-850-corpus-redacted-vendor.edi", 1);
}

static void
test_clean_edifact(void)
{
    t_clean("tests/data/corpus/edifact/ORDERS-phpedifact-eancom-ok.edi", 1);
    t_clean("examples/04-edifact-orders-release-char.edi", 1);
    /* D96A with a decimal comma declared in UNA, EAN008; no UNZ, and a
     * six-digit UNB date under syntax 4: two reader diags. */
    t_clean_envelope("tests/data/corpus/edifact/ORDERS-pydifact-missing-"
                     "unz.edi", 1, 2);
}

/* The corpus file written to break X12 syntax notes breaks them. */
static void
test_corpus_syntax_notes(void)
{
    struct t_run *r = t_check_file("tests/data/corpus/x12/850-ediengine-"
                                   "syntax-notes-error.edi");

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 3);
    /* PO106 "CB" without PO107 (P0607). */
    T_DIAG(r, 0, "edi.elem.2", "PO1", 15, 7, 0);
    /* PO405 without PO406 (C0506), PO407 without PO406 (P0607). */
    T_DIAG(r, 1, "edi.elem.2", "PO4", 32, 6, 0);
    T_DIAG(r, 2, "edi.elem.2", "PO4", 32, 6, 0);
    free(r);
}

/* --- segment errors (AK3) ----------------------------------------------- */

static void
test_x12_missing_beg(void)
{
    static const char *const body[] = {
        "CUR*BY*USD", "PO1*1*3*EA*1**BP*A", "CTT*1", NULL
    };
    struct t_run *r = t_x12(body);

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 1);
    T_DIAG(r, 0, "edi.seg.3", "BEG", 4, 0, 0);
    free(r);
}

static void
test_x12_out_of_order(void)
{
    static const char *const body[] = {
        "CUR*BY*USD", "BEG*00*SA*PO-1**20261204", "PO1*1*3*EA*1**BP*A",
        "ZZZ*1", "CTT*1", NULL
    };
    struct t_run *r = t_x12(body);

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 3);
    /* Expected before CUR, found after it: missing, then unexpected. */
    T_DIAG(r, 0, "edi.seg.3", "BEG", 4, 0, 0);
    T_DIAG(r, 1, "edi.seg.2", "BEG", 5, 0, 0);
    /* A tag the 850 does not have at all. */
    T_DIAG(r, 2, "edi.seg.1", "ZZZ", 7, 0, 0);
    free(r);
}

static void
test_x12_over_max_use(void)
{
    static const char *const body[] = {
        "BEG*00*SA*PO-1**20261204",
        "PER*BD*A", "PER*BD*B", "PER*BD*C", "PER*BD*D",
        "PO1*1*3*EA*1**BP*A", "CTT*1", NULL
    };
    struct t_run *r = t_x12(body);

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 1);
    T_DIAG(r, 0, "edi.seg.5", "PER", 8, 0, 0);
    free(r);
}

/* The N1 loop repeats at most 200 times in the heading. */
static void
test_x12_n1_loop_over_max(void)
{
    const char *body[206];
    char lines[201][24];
    struct t_run *r;
    int i, n = 0;

    body[n++] = "BEG*00*SA*PO-1**20261204";
    for (i = 0; i < 201; i++) {
        snprintf(lines[i], sizeof(lines[i]), "N1*ST*Store %d", i + 1);
        body[n++] = lines[i];
    }
    body[n++] = "PO1*1*3*EA*1**BP*A";
    body[n++] = "CTT*1";
    body[n] = NULL;
    r = t_x12(body);
    CU_ASSERT_EQUAL_FATAL(r->n_diags, 1);
    /* ST 3, BEG 4, the 201st N1 is segment 205. */
    T_DIAG(r, 0, "edi.seg.4", "N1", 205, 0, 0);
    free(r);
}

/* The PO1 loop repeats at most 100000 times. */
static void
test_x12_po1_loop_over_max(void)
{
    const char **body = sg_xcalloc(100005, sizeof(*body));
    struct t_run *r;
    clock_t t0;
    int i, n = 0;

    body[n++] = "BEG*00*SA*PO-1**20261204";
    for (i = 0; i < 100001; i++) {
        body[n++] = "PO1**1*EA*1**BP*A";
    }
    body[n++] = "CTT*100001";
    body[n] = NULL;
    t0 = clock();
    r = t_x12(body);
    fprintf(stderr, "  100001 lines read and checked in %.0f ms CPU\n",
            (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC);
    CU_ASSERT_EQUAL_FATAL(r->n_diags, 1);
    /* BEG is 4, the 100001st PO1 is 4 + 100001. */
    T_DIAG(r, 0, "edi.seg.4", "PO1", 100005, 0, 0);
    free(r);
    free(body);
}

/* --- element errors (AK4) ----------------------------------------------- */

static void
test_x12_element_errors(void)
{
    static const char *const body[] = {
        "BEG*00*SA*PO-1234567890123456789012**20261345",  /* 4 */
        "SAC*Z*D240",                                     /* 5 */
        "DTM*002*20261204*2561",                          /* 6 */
        "N1*ST",                                          /* 7 */
        "N1*BY*Buyer*92",                                 /* 8 */
        "N3*12 Foundry>Road*Unit 4*Extra",                /* 9 */
        "N4*A",                                           /* 10 */
        "PO1*1*ten*EA*1**BP*A",                           /* 11 */
        "PID*F",                                          /* 12 */
        "CTT",                                            /* 13 */
        NULL
    };
    struct t_run *r = t_x12(body);
    int i = 0;

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 12);
    /* BEG03 of 23 characters (AN 1/22), BEG05 not a calendar date. */
    T_DIAG(r, i, "edi.elem.5", "BEG", 4, 3, 0); i++;
    T_DIAG(r, i, "edi.elem.8", "BEG", 4, 5, 0); i++;
    /* SAC01 is A, C, N, P, Q or R. */
    T_DIAG(r, i, "edi.elem.7", "SAC", 5, 1, 0); i++;
    /* 25:61 is not a time. */
    T_DIAG(r, i, "edi.elem.9", "DTM", 6, 3, 0); i++;
    /* N1 needs N102 or N103 (R0203); N103 and N104 pair (P0304). */
    T_DIAG(r, i, "edi.elem.2", "N1", 7, 2, 0); i++;
    T_DIAG(r, i, "edi.elem.2", "N1", 8, 4, 0); i++;
    /* A component separator in a simple element; a third element. */
    T_DIAG(r, i, "edi.elem.13", "N3", 9, 1, 2); i++;
    T_DIAG(r, i, "edi.elem.3", "N3", 9, 3, 0); i++;
    /* N401 is AN 2/30. */
    T_DIAG(r, i, "edi.elem.4", "N4", 10, 1, 0); i++;
    /* PO102 is R. */
    T_DIAG(r, i, "edi.elem.6", "PO1", 11, 2, 0); i++;
    /* PID with neither PID04 nor PID05 (R0405). */
    T_DIAG(r, i, "edi.elem.2", "PID", 12, 4, 0); i++;
    /* CTT01 is mandatory. */
    CU_ASSERT_EQUAL(t_find(r, "edi.elem.1"), 11);
    T_DIAG(r, i, "edi.elem.1", "CTT", 13, 1, 0);
    free(r);
}

/* --- EDIFACT ------------------------------------------------------------ */

static void
test_edifact_structure(void)
{
    static const char *const body[] = {
        "DTM+137:20181205:102",         /* 3: BGM missing before it */
        "NAD+BY+4250159300001::9",      /* 4 */
        "LIN+1++1001:SA",               /* 5 */
        "QTY+21:abc",                   /* 6: n..15 in D96A */
        "UNS+X",                        /* 7: D or S */
        NULL
    };
    struct t_run *r = t_edifact("96A", 0, body);

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 3);
    T_EDIAG(r, 0, "edi.seg.3", "BGM", 3, 0, 0);
    T_EDIAG(r, 1, "edi.elem.6", "QTY", 6, 1, 2);
    T_EDIAG(r, 2, "edi.elem.7", "UNS", 7, 1, 0);
    free(r);
}

static void
test_edifact_elements(void)
{
    static const char *const body[] = {
        "BGM+220+PO-1+9",                               /* 3 */
        "DTM+:20181205:102",                            /* 4 */
        "DTM+137:20181205:102:X",                       /* 5 */
        "NAD+BY+4250159300001::9",                      /* 6 */
        "CTA+PD+Herr Foo",                              /* 7 */
        "COM+1:TE*2:TE*3:FX*4:EM",                      /* 8 */
        "LIN+1++1001:SA",                               /* 9 */
        "QTY+21:2:GBND",                                /* 10 */
        "UNS+S",                                        /* 11 */
        NULL
    };
    struct t_run *r = t_edifact("01B", 1, body);

    CU_ASSERT_EQUAL_FATAL(r->n_diags, 3);
    /* C507's qualifier 2005 is mandatory. */
    T_EDIAG(r, 0, "edi.elem.1", "DTM", 4, 1, 1);
    /* C507 has three components. */
    T_EDIAG(r, 1, "edi.elem.13", "DTM", 5, 1, 4);
    /* C076 repeats at most three times. */
    T_EDIAG(r, 2, "edi.elem.12", "COM", 8, 1, 0);
    free(r);
}

/* More than 35 DTM in the heading. */
static void
test_edifact_over_max_use(void)
{
    const char *body[40];
    struct t_run *r;
    int n = 0, i;

    body[n++] = "BGM+220+PO-1+9";
    for (i = 0; i < 36; i++) {
        body[n++] = "DTM+137:20181205:102";
    }
    body[n++] = "UNS+S";
    body[n] = NULL;
    r = t_edifact("96A", 0, body);
    CU_ASSERT_EQUAL_FATAL(r->n_diags, 1);
    /* BGM is 3, the 36th DTM is 3 + 36. */
    T_EDIAG(r, 0, "edi.seg.5", "DTM", 39, 0, 0);
    free(r);
}

/* A version with no map is not checked (and not found). */
static void
test_no_map_for_version(void)
{
    static const char *const body[] = {"UNS+X", NULL};
    struct t_run *r;
    char text[512];
    size_t len;

    len = (size_t)snprintf(text, sizeof(text), "UNB+UNOC:3+S:14+R:14+"
                           "181205:1607+77'UNH+1+ORDERS:D:96B:UN'%s'"
                           "UNT+3+1'UNZ+1+77'", body[0]);
    r = t_check_mem(text, len);
    CU_ASSERT_EQUAL(r->n_tx, 1);
    CU_ASSERT_EQUAL(r->n_mapped, 0);
    free(r);
}

/* --- a map of our own: exclusion and a small loop limit ------------------ */

static void
test_own_map(void)
{
    static const char text[] =
        "{\"standard\": \"X12\", \"version\": \"004010\", \"set\": \"850\",\n"
        " \"segments\": {\n"
        "  \"ST\": {\"elements\": \"any\"},\n"
        "  \"SE\": {\"elements\": \"any\"},\n"
        "  \"XX\": {\"elements\": [\"O AN 1/5\", \"O AN 1/5\", "
        "\"O N2 1/4\"], \"syntax\": [\"E0102\"]},\n"
        "  \"PO1\": {\"elements\": [\"M AN 1/5 *2\"]}},\n"
        " \"structure\": [[\"ST\", \"M\", 1], [\"XX\", \"O\", \">1\"],\n"
        "   {\"loop\": \"PO1\", \"usage\": \"M\", \"max\": 2, \"body\": "
        "[[\"PO1\", \"M\", 1]]},\n"
        "   [\"SE\", \"M\", 1]]}\n";
    static const char x12[] =
        "ISA*00*          *00*          *ZZ*A              "
        "*ZZ*B              *261204*1200*^*00501*000000901*0*P*>~\n"
        "GS*PO*A*B*20261204*1200*901*X*004010~\n"
        "ST*850*0001~\n"
        "XX*a*b~\n"
        "XX***-12.5~\n"
        "PO1*1^2^3~\n"
        "PO1*2~\n"
        "PO1*3~\n"
        "SE*7*0001~\nGE*1*901~\nIEA*1*000000901~\n";
    char err[512], *path = sg_test_write(tmp, "own.json", text);
    struct sg_edi_map *m = sg_edi_map_load(path, err, sizeof(err));
    struct t_run *r;

    if (m == NULL) {
        fprintf(stderr, "%s\n", err);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    only_map = m;
    r = t_check_mem(x12, strlen(x12));
    only_map = NULL;
    CU_ASSERT_EQUAL_FATAL(r->n_diags, 4);
    /* XX01 and XX02 together (E0102). */
    T_DIAG(r, 0, "edi.elem.10", "XX", 4, 2, 0);
    /* N2 1/4 counts digits: 125 is three, but "-12.5" is no N2. */
    T_DIAG(r, 1, "edi.elem.6", "XX", 5, 3, 0);
    /* Two repetitions allowed (00501 declares '^'), three sent. */
    T_DIAG(r, 2, "edi.elem.12", "PO1", 6, 1, 0);
    /* A third PO1 loop. */
    T_DIAG(r, 3, "edi.seg.4", "PO1", 8, 0, 0);
    free(r);
    sg_edi_map_free(m);
    free(path);
}

int
main(void)
{
    static const char *const sets[] = {"850", "ORDERS", NULL};
    char err[512];
    CU_pSuite s;
    int rc;

    maps = sg_edi_maps_load(sg_test_srcpath("schemas/edi"), sets, err,
                            sizeof(err));
    if (maps == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    tmp = sg_test_tmpdir("edimap");
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("edi_map_load", NULL, NULL);
    CU_add_test(s, "bad map files", test_load_errors);
    CU_add_test(s, "map directories", test_load_directory);
    CU_add_test(s, "shipped maps", test_shipped_maps);

    s = CU_add_suite("edi_map_clean", NULL, NULL);
    CU_add_test(s, "X12 850 corpus and examples", test_clean_x12);
    CU_add_test(s, "EDIFACT ORDERS corpus and examples", test_clean_edifact);
    CU_add_test(s, "corpus 850 breaking syntax notes",
                test_corpus_syntax_notes);

    s = CU_add_suite("edi_map_segments", NULL, NULL);
    CU_add_test(s, "missing BEG", test_x12_missing_beg);
    CU_add_test(s, "out of order and unknown", test_x12_out_of_order);
    CU_add_test(s, "PER over max use", test_x12_over_max_use);
    CU_add_test(s, "N1 loop over 200", test_x12_n1_loop_over_max);
    CU_add_test(s, "PO1 loop over 100000", test_x12_po1_loop_over_max);

    s = CU_add_suite("edi_map_elements", NULL, NULL);
    CU_add_test(s, "X12 element errors", test_x12_element_errors);
    CU_add_test(s, "EDIFACT structure", test_edifact_structure);
    CU_add_test(s, "EDIFACT element errors", test_edifact_elements);
    CU_add_test(s, "EDIFACT DTM over max use", test_edifact_over_max_use);
    CU_add_test(s, "no map for the version", test_no_map_for_version);
    CU_add_test(s, "a map of our own", test_own_map);

    rc = sg_test_run();
    sg_test_rmdir(tmp);
    free(tmp);
    sg_edi_maps_free(maps);
    return rc;
}
