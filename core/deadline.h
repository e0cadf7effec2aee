/*
 * deadline.h - close connections that take too long to send a request.
 *
 * libmicrohttpd 0.9 has an idle timeout but no limit on the time a
 * whole request head may take: a client sending a byte every few
 * seconds keeps its connection for hours.  The HTTP layer reports each
 * connection here as it opens, when a request head is complete (busy)
 * and when it has been answered (idle again); a watchdog thread shuts
 * down the socket of any connection that has been idle or reading for
 * longer than the deadline, and libmicrohttpd then closes it.
 */
#ifndef SG_DEADLINE_H
#define SG_DEADLINE_H

struct sg_deadline;

/* Start the watchdog for a deadline of seconds.  NULL if no thread. */
struct sg_deadline *sg_deadline_start(int seconds);

/* Stop the watchdog and free.  Every connection must be closed.  NULL
 * ok. */
void sg_deadline_stop(struct sg_deadline *dl);

/* A connection opened on socket fd; *ctx is its socket context. */
void sg_deadline_opened(struct sg_deadline *dl, void **ctx, int fd);

/* It closed: forget it before libmicrohttpd closes the socket. */
void sg_deadline_closed(struct sg_deadline *dl, void **ctx);

/* A request head is complete (busy 1) or its answer is done (busy 0:
 * the clock restarts for the next request).  ctx NULL is ignored. */
void sg_deadline_busy(struct sg_deadline *dl, void *ctx, int busy);

#endif /* SG_DEADLINE_H */
