/*
 * ingest.h - making accepted and rejected messages durable in Redis.
 *
 * HTTP threads hand a finished message to the ingest writer and wait (or
 * suspend their connection) until it is durable.  One writer thread owns
 * one Redis connection and sends everything that queued up while the
 * previous batch was in flight as one pipeline, each message inside its
 * own MULTI/EXEC.  With appendfsync always, Redis then fsyncs once for the
 * whole batch instead of once per request: that is where the ingest rate
 * comes from.
 */
#ifndef SG_INGEST_H
#define SG_INGEST_H

#include <stddef.h>

struct sg_ingest;

/* One canonical document of an accepted message. */
struct sg_ingest_doc {
    const char *type;
    const char *key;
    const char *partner;    /* may be NULL */
    const char *xml;
    size_t xml_len;
};

/*
 * An accepted interchange that must not be accepted twice: stored only
 * if key is free, else stored as rejected (ingest_guard.c).  Unlike the
 * rest of the message it is borrowed until done() is called, since the
 * writer fills in first.
 */
#define SG_INGEST_FIRST "@FIRST@"

struct sg_ingest_guard {
    const char *key;            /* marker key, set to the message id */
    long ttl;                   /* seconds the marker lives */
    const char *errors_json;    /* stored if a duplicate; SG_INGEST_FIRST
                                   in it becomes the first message id */
    const char *ack;            /* stored instead of msg->ack then */
    size_t ack_len;
    char first[64];             /* out: "" or the first message's id */
};

/* A message ready to be stored.  Everything is borrowed until submit
 * returns: the writer copies what it needs. */
struct sg_ingest_msg {
    const char *id;
    int accepted;               /* 1: documents go to their streams */
    const char *plugin;         /* may be NULL when none was found */
    const char *content_type;   /* may be NULL */
    const char *partner;        /* may be NULL */
    long long received_ms;
    const unsigned char *raw;
    size_t raw_len;
    const char *errors_json;    /* rejected: the error list */
    const char *receipt_json;   /* accepted: the receipt sent back */
    size_t n_docs;
    const struct sg_ingest_doc *docs;
    const char *ack;            /* acknowledgement sent back, or NULL */
    size_t ack_len;
    const char *ack_type;       /* its media type */
    struct sg_ingest_guard *guard;  /* accepted only: may be NULL */
};

/*
 * Called from the writer thread once the message is durable (status 0)
 * or could not be stored (status -1: Redis unreachable or refusing).
 * Must not block.
 */
typedef void (*sg_ingest_done_fn)(void *arg, int status);

/*
 * Start the writer on Redis at address.  If Redis is down the writer
 * keeps trying to reconnect; submissions fail fast meanwhile.
 */
struct sg_ingest *sg_ingest_start(const char *address);

/*
 * Queue msg for storing; done(arg, status) is called exactly once, from
 * the writer thread.  Returns 0, or -1 (done not called) when the writer
 * is stopping or knows Redis is down.
 */
int sg_ingest_submit(struct sg_ingest *in, const struct sg_ingest_msg *msg,
                     sg_ingest_done_fn done, void *arg);

/* Store and wait: a blocking wrapper around sg_ingest_submit. */
int sg_ingest_store(struct sg_ingest *in, const struct sg_ingest_msg *msg);

/* 1 when the writer's last contact with Redis succeeded. */
int sg_ingest_healthy(struct sg_ingest *in);

/*
 * Rounds written and messages they carried since start: messages/rounds
 * is the batching factor (one fsync per round).
 */
void sg_ingest_stats(struct sg_ingest *in, unsigned long *rounds,
                     unsigned long *messages);

/* Finish the queued messages, then stop the thread and free.  NULL ok. */
void sg_ingest_stop(struct sg_ingest *in);

#endif /* SG_INGEST_H */
