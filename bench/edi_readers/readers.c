/*
 * readers.c - how fast the shared EDI readers (core/edi.h) cut a body
 * into transactions, in MB/s, for bench/edi_readers/run.sh to set next
 * to the npm parsers on the same files.
 *
 *     readers SECONDS FILE...
 *
 * Each file is read into memory once, then handed to sg_edi_read() (the
 * syntax sniffed from its first bytes) again and again for about
 * SECONDS.  The callbacks only count, as a caller that keeps nothing
 * would.  One line per file:
 *     SGREAD file=NAME bytes=N tx=N diags=N runs=N mb_s=X
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edi.h"
#include "util.h"

struct counts {
    long tx, diags;
};

static int
count_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct counts *c = arg;

    (void)tx;
    c->tx++;
    return 0;
}

static int
count_diag(void *arg, const struct sg_diag *d)
{
    struct counts *c = arg;

    (void)d;
    c->diags++;
    return 0;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    rewind(f);
    data = sg_xmalloc((size_t)n + 1);
    *len = fread(data, 1, (size_t)n, f);
    fclose(f);
    return data;
}

/* Time one file; prints its SGREAD line. */
static int
bench_file(const char *path, double seconds)
{
    struct counts once, c;
    unsigned char *data;
    const char *name = strrchr(path, '/');
    double start, spent;
    long runs = 0;
    size_t len = 0;
    int syntax;

    data = slurp(path, &len);
    if (data == NULL) {
        fprintf(stderr, "readers: cannot read %s\n", path);
        return -1;
    }
    syntax = sg_edi_sniff(data, len);
    if (syntax < 0) {
        fprintf(stderr, "readers: %s is neither X12 nor EDIFACT\n", path);
        free(data);
        return -1;
    }
    memset(&once, 0, sizeof(once));
    sg_edi_read((enum sg_edi_syntax)syntax, data, len, count_tx,
                count_diag, &once);

    start = now();
    do {
        memset(&c, 0, sizeof(c));
        sg_edi_read((enum sg_edi_syntax)syntax, data, len, count_tx,
                    count_diag, &c);
        runs++;
        spent = now() - start;
    } while (spent < seconds);

    printf("SGREAD file=%s bytes=%zu tx=%ld diags=%ld runs=%ld mb_s=%.2f\n",
           name != NULL ? name + 1 : path, len, once.tx, once.diags, runs,
           (double)len * runs / spent / 1e6);
    free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    double seconds;
    int i, rc = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: readers SECONDS FILE...\n");
        return 2;
    }
    seconds = atof(argv[1]);
    for (i = 2; i < argc; i++) {
        if (bench_file(argv[i], seconds) != 0) {
            rc = 1;
        }
    }
    return rc;
}
