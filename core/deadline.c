/*
 * deadline.c - the request-head watchdog (deadline.h).
 *
 * Every connection is on one list under one lock.  The lock is also
 * held while the watchdog calls shutdown(): libmicrohttpd reports a
 * connection closed (sg_deadline_closed takes the lock) before it closes
 * the socket, so the watchdog never touches a descriptor that has been
 * closed and perhaps reused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "deadline.h"
#include "log.h"

/* How often the list is walked: the deadline is kept to within this. */
#define SG_DEADLINE_TICK_MS 250

struct sg_watch {
    int fd;
    long long since_ms;     /* start of the current request head */
    int busy;               /* a request is being answered */
    int shut;               /* already shut down */
    struct sg_watch *prev, *next;
};

struct sg_deadline {
    long long limit_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct sg_watch *head;
    int stop;
    pthread_t thread;
};

/* Shut every overdue connection; returns how many. */
static long
sg_deadline_sweep(struct sg_deadline *dl, long long now)
{
    struct sg_watch *w;
    long n = 0;

    for (w = dl->head; w != NULL; w = w->next) {
        if (!w->busy && !w->shut && now - w->since_ms > dl->limit_ms) {
            shutdown(w->fd, SHUT_RDWR);
            w->shut = 1;
            n++;
        }
    }
    return n;
}

static void *
sg_deadline_main(void *arg)
{
    struct sg_deadline *dl = arg;
    struct timespec until;
    long n;

    pthread_mutex_lock(&dl->lock);
    while (!dl->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += SG_DEADLINE_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&dl->wake, &dl->lock, &until);
        n = dl->stop ? 0 : sg_deadline_sweep(dl, sg_now_ms());
        if (n > 0) {
            sg_log(SG_LOG_NOTICE, "http", NULL, "closed %ld connection(s) "
                   "that did not send a whole request within "
                   "request_deadline (%lld s)", n, dl->limit_ms / 1000);
        }
    }
    pthread_mutex_unlock(&dl->lock);
    return NULL;
}

struct sg_deadline *
sg_deadline_start(int seconds)
{
    struct sg_deadline *dl = sg_xcalloc(1, sizeof(*dl));

    dl->limit_ms = seconds * 1000LL;
    pthread_mutex_init(&dl->lock, NULL);
    pthread_cond_init(&dl->wake, NULL);
    if (pthread_create(&dl->thread, NULL, sg_deadline_main, dl) != 0) {
        pthread_cond_destroy(&dl->wake);
        pthread_mutex_destroy(&dl->lock);
        free(dl);
        return NULL;
    }
    return dl;
}

void
sg_deadline_stop(struct sg_deadline *dl)
{
    if (dl == NULL) {
        return;
    }
    pthread_mutex_lock(&dl->lock);
    dl->stop = 1;
    pthread_cond_broadcast(&dl->wake);
    pthread_mutex_unlock(&dl->lock);
    pthread_join(dl->thread, NULL);
    pthread_cond_destroy(&dl->wake);
    pthread_mutex_destroy(&dl->lock);
    free(dl);
}

void
sg_deadline_opened(struct sg_deadline *dl, void **ctx, int fd)
{
    struct sg_watch *w = sg_xcalloc(1, sizeof(*w));

    w->fd = fd;
    w->since_ms = sg_now_ms();
    pthread_mutex_lock(&dl->lock);
    w->next = dl->head;
    if (dl->head != NULL) {
        dl->head->prev = w;
    }
    dl->head = w;
    pthread_mutex_unlock(&dl->lock);
    *ctx = w;
}

void
sg_deadline_closed(struct sg_deadline *dl, void **ctx)
{
    struct sg_watch *w = *ctx;

    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&dl->lock);
    if (w->prev != NULL) {
        w->prev->next = w->next;
    } else {
        dl->head = w->next;
    }
    if (w->next != NULL) {
        w->next->prev = w->prev;
    }
    pthread_mutex_unlock(&dl->lock);
    free(w);
    *ctx = NULL;
}

void
sg_deadline_busy(struct sg_deadline *dl, void *ctx, int busy)
{
    struct sg_watch *w = ctx;

    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&dl->lock);
    w->busy = busy;
    if (!busy) {
        w->since_ms = sg_now_ms();
    }
    pthread_mutex_unlock(&dl->lock);
}
