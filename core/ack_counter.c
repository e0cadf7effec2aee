/*
 * ack_counter.c - control numbers of the acknowledgements we send: one
 * Redis counter per partner (sg:ackctl:<partner>), so they are unique
 * per partner and keep increasing across restarts.
 *
 * HTTP threads ask for a number while decoding, before the message goes
 * to the ingest writer; they share one connection under a mutex (INCR
 * is one short round trip).  A number taken for a message that is then
 * not stored (Redis failed) is simply skipped: partners need unique
 * numbers, not gapless ones.
 * XXX: one INCR round trip per EDI message, under one mutex, on the
 * HTTP threads; at the ingest rates of bench/ this adds latency per
 * POST (reserving blocks of numbers would remove it).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ack_counter.h"
#include "keys.h"
#include "log.h"
#include "redis.h"
#include "util.h"

/* X12 ISA13 has nine digits; the counter wraps past them to 1. */
#define SG_ACK_CONTROL_MAX 999999999LL

struct sg_ack_counter {
    char *address;
    pthread_mutex_t lock;
    redisContext *c;            /* under lock; NULL until needed */
};

struct sg_ack_counter *
sg_ack_counter_new(const char *address)
{
    struct sg_ack_counter *k = sg_xcalloc(1, sizeof(*k));

    k->address = sg_xstrdup(address);
    pthread_mutex_init(&k->lock, NULL);
    return k;
}

void
sg_ack_counter_free(struct sg_ack_counter *k)
{
    if (k == NULL) {
        return;
    }
    if (k->c != NULL) {
        redisFree(k->c);
    }
    pthread_mutex_destroy(&k->lock);
    free(k->address);
    free(k);
}

/* INCR once, reconnecting first if needed; -1 on failure. */
static long long
sg_ack_counter_incr(struct sg_ack_counter *k, const char *key)
{
    char err[256];
    redisReply *r;
    long long v = -1;

    if (k->c == NULL) {
        k->c = sg_redis_connect(k->address, 2000, err, sizeof(err));
        if (k->c == NULL) {
            sg_log(SG_LOG_WARN, "ack", NULL, "%s", err);
            return -1;
        }
    }
    r = redisCommand(k->c, "INCR %s", key);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        v = r->integer;
    } else {
        sg_log(SG_LOG_WARN, "ack", NULL, "INCR %s failed: %s", key,
               r == NULL ? k->c->errstr :
               (r->type == REDIS_REPLY_ERROR ? r->str : "odd reply"));
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    if (k->c->err != 0) {
        redisFree(k->c);
        k->c = NULL;
    }
    return v;
}

long long
sg_ack_counter_next(struct sg_ack_counter *k, const char *partner)
{
    char *key = sg_xasprintf("%s%s", SG_KEY_ACKCTL, partner);
    long long v;

    pthread_mutex_lock(&k->lock);
    v = sg_ack_counter_incr(k, key);
    pthread_mutex_unlock(&k->lock);
    free(key);
    if (v < 0) {
        return -1;
    }
    return (v - 1) % SG_ACK_CONTROL_MAX + 1;
}
