/*
 * keys.h - every Redis key supplygate uses, in one place.
 *
 *   sg:msg:<id>            hash: one received message.  Fields: id,
 *                          status ("accepted" | "rejected"), plugin,
 *                          content_type, partner, received (epoch ms),
 *                          raw (the body as sent), errors (JSON array),
 *                          receipt (JSON), docs (count)
 *   sg:rejected            stream: one entry per rejected message
 *                          (msg, code, received)
 *   sg:stream:<type>       stream per canonical document type.  Fields:
 *                          msg, doc (1-based index), type, key, partner,
 *                          received (epoch ms), xml
 *   sg:dead                dead-letter stream: stream, entry, msg, doc,
 *                          type, key, attempts, errors (JSON), xml
 *                          and reason ("failed 3 times", "delivered 5
 *                          times without completing")
 *   sg:attempts:<stream>:<entry>  hash of failure count and last error
 *                          (count, last, errors: every error so far as
 *                          one JSON array, at: epoch ms); <stream> is
 *                          the whole stream key: sg:stream:order
 *   sg:applied:<stream>:<entry>   marker that an entry was applied
 *   sg:order:<number>      hash: the order's state (see rules.c)
 *   sg:order:<number>:history  list of JSON events, oldest first
 *   sg:events              stream of every decision (type, subject,
 *                          order, detail JSON, at)
 *   sg:deadlines           sorted set, score = due epoch ms,
 *                          member = "<order>|<node>"
 */
#ifndef SG_KEYS_H
#define SG_KEYS_H

#define SG_KEY_MSG          "sg:msg:"
#define SG_KEY_REJECTED     "sg:rejected"
#define SG_KEY_STREAM       "sg:stream:"
#define SG_KEY_DEAD         "sg:dead"
#define SG_KEY_ATTEMPTS     "sg:attempts:"
#define SG_KEY_APPLIED      "sg:applied:"
#define SG_KEY_ORDER        "sg:order:"
#define SG_KEY_EVENTS       "sg:events"
#define SG_KEY_DEADLINES    "sg:deadlines"
#define SG_GROUP            "sg-workers"

#endif /* SG_KEYS_H */
