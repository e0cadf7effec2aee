/*
 * log.c - write log lines to stderr.
 *
 * Each line is built whole in a local buffer and written with a single
 * write(2), so lines from several threads never interleave.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static volatile int sg_log_threshold = SG_LOG_INFO;

static const char *const sg_level_names[] = {
    [SG_LOG_ERROR] = "error",
    [SG_LOG_WARN] = "warn",
    [SG_LOG_NOTICE] = "notice",
    [SG_LOG_INFO] = "info",
    [SG_LOG_DEBUG] = "debug",
};

void
sg_log_set_level(enum sg_log_level level)
{
    sg_log_threshold = level;
}

int
sg_log_level_from_name(const char *name)
{
    int i;

    for (i = SG_LOG_ERROR; i <= SG_LOG_DEBUG; i++) {
        if (strcasecmp(name, sg_level_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

void
sg_logv(enum sg_log_level level, const char *component, const char *msg_id,
        const char *fmt, va_list ap)
{
    char line[2048], when[32];
    int n, used;

    if ((int)level > sg_log_threshold) {
        return;
    }
    sg_format_time(sg_now_ms(), when, sizeof(when));
    n = snprintf(line, sizeof(line), "%s %-6s [%s]%s%s ", when,
                 sg_level_names[level], component,
                 msg_id != NULL ? " msg=" : "",
                 msg_id != NULL ? msg_id : "");
    used = n < 0 ? 0 : (n >= (int)sizeof(line) ? (int)sizeof(line) - 1 : n);
    n = vsnprintf(line + used, sizeof(line) - (size_t)used, fmt, ap);
    if (n > 0) {
        used += n;
    }
    if (used > (int)sizeof(line) - 2) {
        used = (int)sizeof(line) - 2;
    }
    line[used++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)used) < 0) {
        /* Nowhere left to report a failing stderr. */
    }
}

void
sg_log(enum sg_log_level level, const char *component, const char *msg_id,
       const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sg_logv(level, component, msg_id, fmt, ap);
    va_end(ap);
}
