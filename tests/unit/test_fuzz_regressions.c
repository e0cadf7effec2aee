/*
 * test_fuzz_regressions.c - every input in tests/data/fuzz-regressions/
 * (those that once crashed a fuzz target, tripped a sanitizer or took
 * too long), run through the same path as its target, and checked
 * against its row: what the reader answers, how many diags, the first
 * one, and that it takes well under the time that exposed it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include "edi.h"
#include "testlib.h"
#include "util.h"

struct fr_case {
    const char *file;           /* under tests/data/fuzz-regressions/ */
    long n_read;                /* sg_edi_read()'s answer */
    long n_diags;
    const char *first_diag;     /* "code@segment:tag:element:component" */
    double max_seconds;         /* it once took far longer */
};

static const struct fr_case fr_cases[] = {
    /* 3000 bad release characters in one segment: quadratic before. */
    {"edifact/slow-release-flood.edi", 1, 3000,
     "edifact.bad_release@3:FTX:4:1", 1.0},
};

#define N_CASES (sizeof(fr_cases) / sizeof(fr_cases[0]))

struct fr_got {
    long n_diags;
    char first[160];
};

static int
fr_on_diag(void *arg, const struct sg_diag *d)
{
    struct fr_got *g = arg;

    if (g->n_diags++ == 0) {
        snprintf(g->first, sizeof(g->first), "%s@%ld:%s:%d:%d", d->code,
                 d->segment, d->tag != NULL ? d->tag : "", d->element,
                 d->component);
    }
    return 0;
}

static double
fr_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fr_run(const struct fr_case *c)
{
    char path[512];
    unsigned char *data, *copy;
    struct fr_got g;
    double start, spent;
    size_t len;
    long n;
    int syntax = strncmp(c->file, "x12/", 4) == 0 ? SG_EDI_X12
                                                  : SG_EDI_EDIFACT;

    snprintf(path, sizeof(path), "tests/data/fuzz-regressions/%s", c->file);
    data = sg_test_read(sg_test_srcpath(path), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);
    /* An exact-size copy, as the fuzzer hands it. */
    copy = sg_xmalloc(len ? len : 1);
    memcpy(copy, data, len);

    memset(&g, 0, sizeof(g));
    start = fr_now();
    n = sg_edi_read((enum sg_edi_syntax)syntax, copy, len, NULL,
                    fr_on_diag, &g);
    spent = fr_now() - start;
    if (n != c->n_read || g.n_diags != c->n_diags ||
        strcmp(g.first, c->first_diag) != 0 || spent > c->max_seconds) {
        fprintf(stderr, "%s: read %ld, %ld diags, first %s, %.3f s\n",
                c->file, n, g.n_diags, g.first, spent);
    }
    CU_ASSERT_EQUAL(n, c->n_read);
    CU_ASSERT_EQUAL(g.n_diags, c->n_diags);
    CU_ASSERT_STRING_EQUAL(g.first, c->first_diag);
    CU_ASSERT(spent <= c->max_seconds);
    free(copy);
    free(data);
}

static void
test_each_input(void)
{
    size_t i;

    for (i = 0; i < N_CASES; i++) {
        fr_run(&fr_cases[i]);
    }
}

/* Every input kept has its row. */
static void
test_every_input_has_a_row(void)
{
    static const char *const targets[] = {"x12", "edifact", "xml_order"};
    char path[512], rel[512];
    struct dirent *e;
    size_t t, i;
    int rows = 0;
    DIR *d;

    for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        snprintf(path, sizeof(path), "tests/data/fuzz-regressions/%s",
                 targets[t]);
        d = opendir(sg_test_srcpath(path));
        if (d == NULL) {
            continue;
        }
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            snprintf(rel, sizeof(rel), "%s/%s", targets[t], e->d_name);
            for (i = 0; i < N_CASES; i++) {
                if (strcmp(fr_cases[i].file, rel) == 0) {
                    break;
                }
            }
            if (i == N_CASES) {
                fprintf(stderr, "%s has no row\n", rel);
            }
            CU_ASSERT(i < N_CASES);
            rows++;
        }
        closedir(d);
    }
    CU_ASSERT_EQUAL(rows, (int)N_CASES);
}

/* The same flood at a size where n squared would take minutes: a
 * 600 KB of release characters before plain letters. */
static void
test_release_flood_is_linear(void)
{
    static const char head[] = "UNB+UNOB:3+S+R+260101:1200+7'"
                               "UNH+1+ORDERS:D:96A:UN'FTX+AAI+++";
    static const char tail[] = "'UNT+3+1'UNZ+1+7'";
    size_t pairs = 300000, len = strlen(head) + 2 * pairs + strlen(tail);
    char *body = sg_xmalloc(len + 1), *p = body;
    struct fr_got g;
    double start, spent;
    size_t i;

    p += sprintf(p, "%s", head);
    for (i = 0; i < pairs; i++) {
        *p++ = '?';
        *p++ = 'a';
    }
    sprintf(p, "%s", tail);

    memset(&g, 0, sizeof(g));
    start = fr_now();
    CU_ASSERT_EQUAL(sg_edi_read(SG_EDI_EDIFACT, (unsigned char *)body, len,
                                NULL, fr_on_diag, &g), 1);
    spent = fr_now() - start;
    CU_ASSERT_EQUAL(g.n_diags, (long)pairs);
    /* Quadratic, this took minutes; linear, milliseconds.  Ten seconds
     * leaves room for a busy machine. */
    if (spent > 10.0) {
        fprintf(stderr, "release flood: %.1f s\n", spent);
    }
    CU_ASSERT(spent < 10.0);
    free(body);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("fuzz_regressions", NULL, NULL);
    CU_add_test(s, "every input has a row", test_every_input_has_a_row);
    CU_add_test(s, "each input", test_each_input);
    CU_add_test(s, "release flood is linear", test_release_flood_is_linear);
    return sg_test_run();
}
