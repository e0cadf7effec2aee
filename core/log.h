/*
 * log.h - the daemon's log: one line per event on stderr, with time,
 * level, [component] and the message id when there is one.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdarg.h>

#include "sg_plugin.h"
#include "util.h"

/* Lines below this level are dropped.  Default SG_LOG_INFO. */
void sg_log_set_level(enum sg_log_level level);

/* Parse "error", "warn", "notice", "info", "debug"; -1 if none. */
int sg_log_level_from_name(const char *name);

/* component is a short name ("http", "queue", "plugin:supplier_edi");
 * msg_id may be NULL. */
void sg_log(enum sg_log_level level, const char *component,
            const char *msg_id, const char *fmt, ...) SG_PRINTF(4, 5);

void sg_logv(enum sg_log_level level, const char *component,
             const char *msg_id, const char *fmt, va_list ap);

#endif /* SG_LOG_H */
