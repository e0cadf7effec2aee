/*
 * util.h - allocation, growable buffers and time, shared by the core and
 * linked into every plugin (libsgcommon, a convenience library).
 *
 * Allocation failure is treated as fatal, as OpenBSD's x-wrappers do: a
 * gateway that cannot allocate a few bytes cannot keep any promise, and a
 * NULL check at every call site would hide the real logic.
 */
#ifndef SG_UTIL_H
#define SG_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define SG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SG_PRINTF(a, b)
#endif

void *sg_xmalloc(size_t n);
void *sg_xcalloc(size_t count, size_t size);
void *sg_xrealloc(void *p, size_t n);
char *sg_xstrdup(const char *s);
char *sg_xstrndup(const char *s, size_t n);
char *sg_xasprintf(const char *fmt, ...) SG_PRINTF(1, 2);

/* Overwrite a secret before it is freed; the compiler may not skip it. */
void sg_wipe(void *p, size_t n);

/* A growable byte buffer, always NUL-terminated. */
struct sg_buf {
    char *data;
    size_t len;
    size_t cap;
};

void sg_buf_init(struct sg_buf *b);
void sg_buf_free(struct sg_buf *b);
void sg_buf_reset(struct sg_buf *b);
void sg_buf_add(struct sg_buf *b, const void *p, size_t n);
void sg_buf_adds(struct sg_buf *b, const char *s);
void sg_buf_addf(struct sg_buf *b, const char *fmt, ...) SG_PRINTF(2, 3);
/* Append text escaped for XML character data and attribute values. */
void sg_buf_add_xml(struct sg_buf *b, const char *s);
/* Hand over the data; the caller frees it with free(). */
char *sg_buf_steal(struct sg_buf *b);

/* Wall-clock time in milliseconds since the epoch. */
long long sg_now_ms(void);

/* Format epoch milliseconds as "2026-12-04T12:13:17.123Z" into out
 * (at least 32 bytes). */
void sg_format_time(long long ms, char *out, size_t outlen);

/*
 * Parse a duration such as "90", "30s", "15m", "2h", "7d" into seconds.
 * Returns 0, or -1 when the text is not a duration.
 */
int sg_parse_duration(const char *s, long *seconds);

/*
 * Parse an ISO calendar date "YYYY-MM-DD" into epoch seconds at 00:00
 * UTC.  Returns 0, or -1 when it is not a real date.
 */
int sg_parse_date(const char *s, long long *epoch);

#endif /* SG_UTIL_H */
