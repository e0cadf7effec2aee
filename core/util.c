/*
 * util.c - the allocation wrappers, buffers and time helpers every part
 * of supplygate uses.  See util.h for why allocation failure aborts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "util.h"

static void
sg_oom(size_t n)
{
    fprintf(stderr, "supplygate: out of memory allocating %zu bytes\n", n);
    abort();
}

void *
sg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL) {
        sg_oom(n);
    }
    return p;
}

void *
sg_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (p == NULL) {
        sg_oom(count * size);
    }
    return p;
}

void *
sg_xrealloc(void *old, size_t n)
{
    void *p = realloc(old, n ? n : 1);

    if (p == NULL) {
        sg_oom(n);
    }
    return p;
}

char *
sg_xstrdup(const char *s)
{
    return sg_xstrndup(s, strlen(s));
}

char *
sg_xstrndup(const char *s, size_t n)
{
    char *p = sg_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
sg_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return sg_xstrdup("");
    }
    p = sg_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
sg_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--) {
        *v++ = 0;
    }
}

void
sg_buf_init(struct sg_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void
sg_buf_free(struct sg_buf *b)
{
    free(b->data);
    sg_buf_init(b);
}

void
sg_buf_reset(struct sg_buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

static void
sg_buf_reserve(struct sg_buf *b, size_t more)
{
    size_t want = b->len + more + 1;

    if (want <= b->cap) {
        return;
    }
    if (b->cap == 0) {
        b->cap = 256;
    }
    while (b->cap < want) {
        b->cap *= 2;
    }
    b->data = sg_xrealloc(b->data, b->cap);
}

void
sg_buf_add(struct sg_buf *b, const void *p, size_t n)
{
    sg_buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
sg_buf_adds(struct sg_buf *b, const char *s)
{
    sg_buf_add(b, s, strlen(s));
}

void
sg_buf_addf(struct sg_buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    /* Most appends fit in the room left: format once, straight in. */
    sg_buf_reserve(b, 64);
    room = b->cap - b->len;
    va_start(ap, fmt);
    n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return;
    }
    sg_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
sg_buf_add_xml(struct sg_buf *b, const char *s)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *rep;

        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default: continue;
        }
        sg_buf_add(b, run, (size_t)(s - run));
        sg_buf_adds(b, rep);
        run = s + 1;
    }
    sg_buf_add(b, run, (size_t)(s - run));
}

char *
sg_buf_steal(struct sg_buf *b)
{
    char *p = b->data;

    if (p == NULL) {
        p = sg_xstrdup("");
    }
    sg_buf_init(b);
    return p;
}

long long
sg_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sg_format_time(long long ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int
sg_parse_duration(const char *s, long *seconds)
{
    char *end;
    long n, unit = 1;

    errno = 0;
    n = strtol(s, &end, 10);
    if (end == s || errno != 0 || n < 0) {
        return -1;
    }
    if (*end != '\0') {
        switch (*end) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return -1;
        }
        if (end[1] != '\0') {
            return -1;
        }
    }
    if (n > 100L * 365 * 86400 / unit) {
        return -1;
    }
    *seconds = n * unit;
    return 0;
}

static int
sg_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30,
                               31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

int
sg_parse_date(const char *s, long long *epoch)
{
    int y, m, d, used = 0;
    struct tm tm;

    if (strlen(s) != 10 ||
        sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) != 3 || used != 10) {
        return -1;
    }
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > sg_days_in_month(y, m)) {
        return -1;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *epoch = (long long)timegm(&tm);
    return 0;
}
