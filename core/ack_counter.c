/*
 * ack_counter.c - control numbers of the acknowledgements we send: one
 * Redis counter per partner (sg:ackctl:<partner>), so they are unique
 * per partner and keep increasing across restarts.
 *
 * HTTP threads ask for a number while decoding, before the message goes
 * to the ingest writer.  With appendfsync always every write to Redis
 * waits for an fsync, so numbers are reserved in blocks (INCRBY) and
 * handed out from memory: one round trip per block, not per message.
 * Numbers of a block not used before a restart, or taken for a message
 * that was then not stored, are skipped: partners need unique numbers,
 * not gapless ones.
 * XXX: two daemons on one Redis interleave their blocks; numbers stay
 * unique per partner but a partner sees them out of arrival order.
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

/* Numbers reserved per round trip, and partners remembered. */
#define SG_ACK_BLOCK 64
#define SG_ACK_PARTNERS 256

/* Numbers next .. end - 1 are reserved for partner. */
struct sg_ack_block {
    char *partner;
    long long next, end;
};

struct sg_ack_counter {
    char *address;
    pthread_mutex_t lock;
    redisContext *c;            /* under lock; NULL until needed */
    struct sg_ack_block blocks[SG_ACK_PARTNERS];   /* under lock */
    size_t n_blocks;
};

struct sg_ack_counter *
sg_ack_counter_new(const char *address)
{
    struct sg_ack_counter *k = sg_xcalloc(1, sizeof(*k));

    k->address = sg_xstrdup(address);
    pthread_mutex_init(&k->lock, NULL);
    return k;
}

static void
sg_ack_counter_forget(struct sg_ack_counter *k)
{
    size_t i;

    for (i = 0; i < k->n_blocks; i++) {
        free(k->blocks[i].partner);
    }
    k->n_blocks = 0;
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
    sg_ack_counter_forget(k);
    pthread_mutex_destroy(&k->lock);
    free(k->address);
    free(k);
}

/* INCRBY once, reconnecting first if needed; -1 on failure. */
static long long
sg_ack_counter_incrby(struct sg_ack_counter *k, const char *partner)
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
    r = redisCommand(k->c, "INCRBY %s%s %d", SG_KEY_ACKCTL, partner,
                     SG_ACK_BLOCK);
    if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
        v = r->integer;
    } else {
        sg_log(SG_LOG_WARN, "ack", NULL, "INCRBY %s%s failed: %s",
               SG_KEY_ACKCTL, partner, r == NULL ? k->c->errstr :
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

/* The block of partner, a new empty one if it has none. */
static struct sg_ack_block *
sg_ack_counter_block(struct sg_ack_counter *k, const char *partner)
{
    struct sg_ack_block *b;
    size_t i;

    for (i = 0; i < k->n_blocks; i++) {
        if (strcmp(k->blocks[i].partner, partner) == 0) {
            return &k->blocks[i];
        }
    }
    if (k->n_blocks == SG_ACK_PARTNERS) {
        /* Rare: start over; the unused numbers are skipped. */
        sg_ack_counter_forget(k);
    }
    b = &k->blocks[k->n_blocks++];
    b->partner = sg_xstrdup(partner);
    b->next = b->end = 0;
    return b;
}

long long
sg_ack_counter_next(struct sg_ack_counter *k, const char *partner)
{
    struct sg_ack_block *b;
    long long v = -1, top;

    pthread_mutex_lock(&k->lock);
    b = sg_ack_counter_block(k, partner);
    if (b->next >= b->end) {
        top = sg_ack_counter_incrby(k, partner);
        if (top >= 0) {
            b->next = top - SG_ACK_BLOCK + 1;
            b->end = top + 1;
        }
    }
    if (b->next < b->end) {
        v = b->next++;
    }
    pthread_mutex_unlock(&k->lock);
    if (v < 0) {
        return -1;
    }
    return (v - 1) % SG_ACK_CONTROL_MAX + 1;
}
