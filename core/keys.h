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
 *
 * As the order rules (rules.c) use them:
 *   sg:applied:...         string: the message id; expires after 30 days
 *                          (the order hash's entry field still tells a
 *                          later redelivery that it was applied)
 *   sg:order:<number>      fields: type, order, state (processed | held
 *                          | awaiting_approval), supplier, supplier_name,
 *                          supplier_known, category, amount, currency,
 *                          approval (auto | manager | director), holds
 *                          (JSON [{code, message}]), order_date, lines,
 *                          received, processing_due, processed_at,
 *                          dispatch_due (epoch ms), msg, entry, stream,
 *                          partner, breach_<node> ("1"), dispatched_at
 *                          (written by whoever records the goods out;
 *                          closes the dispatch node)
 *   sg:order:<number>:history  each item {"type", "at" (epoch ms),
 *                          "detail" (object)}
 *   sg:events              subject is "order" for these; type is one of
 *                          order_received, supplier_hold,
 *                          approval_required, order_approved,
 *                          order_processed, duplicate_order, sla_breach
 *   sg:deadlines           nodes: processing (met by processed_at),
 *                          dispatch (met by dispatched_at); the sweep
 *                          removes a member once judged
 *
 * As the feedback rules (rules_feedback.c) use them:
 *   sg:ticket:<ticket>     hash: the ticket's state (see
 *                          rules_feedback.c for the fields)
 *   sg:ticket:<ticket>:history  list of JSON events, oldest first
 *   sg:feedback:deadlines  sorted set, score = due epoch ms, member =
 *                          "<ticket>|<node>", node first_response,
 *                          second_level or follow_up
 *   sg:feedback:satisfaction  hash: count, sum, score_1 .. score_5 of
 *                          every follow-up recorded
 *   sg:lot:<lot>           hash written by the warehouse rules (item,
 *                          supplier, order, asn, warehouse, expiry,
 *                          received, quantity); read here
 *   sg:lot:<lot>:complaints  set of ticket ids complaining about the lot
 *   sg:complaints:supplier:<supplier>  set of quality ticket ids counted
 *                          against the supplier
 *   sg:complaints:counts   hash: supplier -> number of those tickets
 *   sg:events              subject "feedback", field ticket; types
 *                          ticket_received, complaint_linked,
 *                          duplicate_ticket, first_response,
 *                          first_response_met, first_response_late,
 *                          ticket_resolved, follow_up_recorded,
 *                          update_ignored, escalation, follow_up_due
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
#define SG_KEY_TICKET       "sg:ticket:"
#define SG_KEY_FEEDBACK_DEADLINES "sg:feedback:deadlines"
#define SG_KEY_SATISFACTION "sg:feedback:satisfaction"
#define SG_KEY_LOT          "sg:lot:"
#define SG_KEY_SUPPLIER_COMPLAINTS "sg:complaints:supplier:"
#define SG_KEY_COMPLAINT_COUNTS "sg:complaints:counts"

#endif /* SG_KEYS_H */
