/*
 * ack_counter.h - per-partner control numbers for outbound
 * acknowledgements, kept in Redis and reserved in blocks (see
 * ack_counter.c).
 */
#ifndef SG_ACK_COUNTER_H
#define SG_ACK_COUNTER_H

struct sg_ack_counter;

/* Counters on the Redis at address; connects on first use. */
struct sg_ack_counter *sg_ack_counter_new(const char *address);
void sg_ack_counter_free(struct sg_ack_counter *k);

/* The next control number for partner ("QUAL:ID"), 1..999999999, or -1
 * when Redis cannot be reached (logged).  Thread-safe. */
long long sg_ack_counter_next(struct sg_ack_counter *k,
                              const char *partner);

#endif /* SG_ACK_COUNTER_H */
