/*
 * ack_sent.h - what an outbound sender records so that the partner's
 * 997, 999 or CONTRL can be matched to it (rules_ack.c, keys.h
 * sg:sent:<partner>:<control>).
 */
#ifndef SG_ACK_SENT_H
#define SG_ACK_SENT_H

#include <hiredis/hiredis.h>

/*
 * Record on c that we sent partner ("QUAL:ID", as the partner's own
 * envelope will name itself) a group of type (GS01/ST01 such as "850")
 * under our control number (GS06, or the UNB 0020 for EDIFACT), with
 * sets_json (a JSON array of its set control numbers, may be NULL), at
 * at_ms.  An ack that arrived first is kept.  Returns 0, or -1 on a
 * Redis error.
 */
int sg_ack_sent_record(redisContext *c, const char *partner,
                       const char *control, const char *type,
                       const char *sets_json, long long at_ms);

#endif /* SG_ACK_SENT_H */
