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
 *   sg:seen:<signature>    string: the partner whose HMAC signature
 *                          (lowercase hex) was accepted; expires after
 *                          twice hmac_window (auth.c, replay refusal)
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
 * As the shipment rules (rules_shipment.c) use them:
 *   sg:shipment:<id>       hash: shipment, state (created | at_pickup |
 *                          picked_up | in_transit | out_for_delivery |
 *                          arrived | delayed | exception | delivered),
 *                          rank, last_at, order, order_known ("1"/"0"),
 *                          carrier, carrier_name, carrier_known,
 *                          driver, condition (intact | damaged),
 *                          picked_up_at, delivery_due, promised ("1"
 *                          when due is the order's date), delivered_at,
 *                          on_time, breach_delivery ("1"),
 *                          breach_raised_at, created (epoch ms)
 *   sg:shipment:<id>:timeline  sorted set, score = event time (epoch ms),
 *                          member = the event as JSON
 *   sg:shipment:<id>:entries   set of applied stream entry ids (the
 *                          lasting redelivery guard)
 *   sg:shipment_deadlines  sorted set, score = delivery due (epoch ms),
 *                          member = shipment id; apart from
 *                          sg:deadlines so neither sweep drops the
 *                          other's members
 *   sg:carrier:<id>        hash: name, deliveries, on_time, intact,
 *                          late, damaged
 *   sg:carrier:<id>:drivers    set of driver names seen on deliveries
 *   sg:carrier:<id>:driver:<name>  hash: deliveries, on_time, intact
 *   sg:order:<number>      fields written by the shipment rules:
 *                          dispatched_at (pick-up), shipment_state,
 *                          delivery_due, delivered_at, breach_delivery
 *   sg:order:<number>:shipments  set of shipment ids
 *   sg:events              subject "shipment": tracking_event,
 *                          shipment_delayed, shipment_exception,
 *                          goods_damaged, delivery_late, delivered,
 *                          order_unknown, sla_breach (node delivery)
 * Acknowledgements and duplicates (ack*.c, ingest_guard.c):
 *   sg:msg:<id>            also ack (the TA1/997/999/CONTRL text sent
 *                          back) and ack_type (its media type)
 *   sg:ackctl:<partner>    counter: last control number of an ack sent
 *                          to partner ("QUAL:ID" of the inbound sender)
 *   sg:ich:<sender>|<receiver>|<control>  string: id of the message
 *                          that was accepted with this interchange
 *                          ("QUAL:ID" parties); expires after
 *                          queue.duplicate_window.  Set only together
 *                          with that message (one script)
 *   sg:sent:<partner>:<group control>  hash of what we sent to partner
 *                          under that group (X12 GS06) or interchange
 *                          (EDIFACT 0020) control number, written by the
 *                          sender: type (required: "850"), at, sets ...
 *                          Once the partner acknowledged it (rules_ack.c):
 *                          ack (A, E, P, R), ack_sets (JSON [{type,
 *                          control, status, codes}]), ack_msg, ack_at,
 *                          matched ("1" when type was there, else "0")
 *   sg:events              subject "ack", type ack_received or
 *                          ack_unmatched, detail {key, status, msg, sets}
 * As the stock rules (rules_stock.c) use them:
 *   sg:stock:<item>        hash: the item's state per warehouse W:
 *                          level:W (decimal), unit:W, updated:W (epoch
 *                          ms), alert:W ("ok" | "low" | "high"), open:W
 *                          (the open replenishment order), refused:W
 *                          (codes of the last refusal), version
 *   sg:stock:<item>:lots   hash: field "W|<lot>", value JSON {"q"
 *                          (decimal), "expiry" (YYYY-MM-DD or ""),
 *                          "received" (epoch ms)}
 *   sg:lot:<lot>           hash: one received lot.  Fields item,
 *                          supplier, order, asn, warehouse, expiry
 *                          (YYYY-MM-DD), received (epoch ms), quantity
 *                          (accepted so far), rejected, receipt,
 *                          version; other areas read the first eight
 *   sg:outbound:<id>       hash: one message to a partner (outbound.h):
 *                          id, kind, order, item, warehouse, supplier,
 *                          format, content_type, endpoint, body,
 *                          canonical, created, status ("pending" |
 *                          "delivered" | "failed" | "unsent"),
 *                          attempts, last_at, last_error, http_status,
 *                          next_at
 *   sg:outbound:<id>:attempts  list of JSON, one per try
 *   sg:outbound-due        sorted set: score = next try (epoch ms),
 *                          member = outbound id
 *   sg:control:interchange counter (INCR): interchange control numbers
 *                          of the messages we write
 *   sg:events              subject "stock", with item and warehouse:
 *                          stock_updated, goods_received, lot_received,
 *                          stock_low, stock_high, stock_normal,
 *                          replenishment_ordered, replenishment_refused,
 *                          replenishment_unsent, replenishment_received,
 *                          replenishment_delivered, replenishment_retry,
 *                          replenishment_failed
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
 * As the invoice rules (rules_invoice.c) use them:
 *   sg:invoice:<number>    hash: one supplier invoice (under
 *                          "<number>~<supplier>" when another supplier's
 *                          invoice holds the number).  Fields: type,
 *                          invoice, state (matched | mismatch | held),
 *                          invoice_type, invoice_date, supplier,
 *                          supplier_known, order, ship_notice, currency,
 *                          total (stated), computed, orders (JSON [{order,
 *                          filed_as, known}]), reasons (JSON [{code,
 *                          message, line}]), lines (JSON), n_lines,
 *                          received, msg, entry, stream, partner
 *   sg:invoice:<number>:history  list of JSON events, oldest first
 *   sg:order:<number>:invoices  set of invoice keys billing the order
 *   sg:order:<number>:invoiced  hash: order line number -> quantity
 *                          billed by matched invoices (HINCRBYFLOAT)
 *   sg:order:<number>:shipped   read: what the ship notice rules wrote
 *                          (below), for quantity_over_shipped
 *   sg:order:<number>:history   also invoice_matched / invoice_mismatch
 *   sg:events              subject "invoice", field invoice: types
 *                          invoice_matched, invoice_mismatch (detail:
 *                          state, reasons), duplicate_invoice
 * As the order response rules (rules_response.c) use them:
 *   sg:order:<number>      fields written when the order's supplier
 *                          answers (X12 855, EDIFACT ORDRSP): response
 *                          (accepted | changed | rejected | pending),
 *                          response_code, response_number, response_date,
 *                          response_at (epoch ms), response_msg,
 *                          response_entry, response_lines (JSON [{line,
 *                          status, code, quantity, price, promised}]),
 *                          response_price_flags, response_late_lines,
 *                          promised_delivery, responses (count)
 *   sg:order:<number>:history  order_response_received and the flags
 *   sg:events              subject "order": order_response_received,
 *                          response_price_deviation,
 *                          response_late_promise, response_line_unknown;
 *                          and, without touching any order,
 *                          response_order_unknown and
 *                          response_supplier_mismatch
 * As the ship notice rules (rules_shipnotice.c) use them:
 *   sg:asn:<number>        hash: one ship notice (X12 856, DESADV): asn,
 *                          supplier (registry id, else as sent),
 *                          supplier_sent, notice_date, ship_date,
 *                          expected_delivery, purpose, orders (JSON
 *                          array), lines (JSON [{order, item, quantity,
 *                          unit, ordered, lots: [{lot, quantity,
 *                          expiry, production}]}]), issues (JSON, the
 *                          events below but the first, each with its
 *                          code), state ("ok" | "issues"), received,
 *                          msg, entry, stream
 *   sg:order:<number>      fields written: asn (the last notice),
 *                          asn_at, ship_state (short | complete | over)
 *   sg:order:<number>:shipped  hash: "item:<item>" -> decimal shipped
 *                          so far by all its notices; version
 *   sg:order:<number>:asns     set of ship notice numbers
 *   sg:order:<number>:history  item {"type": "ship_notice", "at",
 *                          "detail": {asn, supplier, ship_state}}
 *   sg:lot:<lot>           fields item, supplier, order, asn, expiry,
 *                          production set only when absent (a receipt's
 *                          stay); version incremented; left alone when
 *                          it records another supplier or item
 *   sg:lot:<lot>:asns      set of ship notice numbers naming the lot
 *   sg:events              subject "ship_notice", fields order and asn:
 *                          ship_notice_received, asn_order_unknown,
 *                          asn_supplier_mismatch, asn_line_without_order,
 *                          short_shipment, over_shipment,
 *                          item_not_ordered, short_shelf_life,
 *                          duplicate_ship_notice, lot_conflict
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
#define SG_KEY_SEEN         "sg:seen:"
#define SG_KEY_SHIPMENT     "sg:shipment:"
#define SG_KEY_SHIPMENT_DEADLINES "sg:shipment_deadlines"
#define SG_KEY_CARRIER      "sg:carrier:"
#define SG_KEY_ACKCTL       "sg:ackctl:"
#define SG_KEY_ICH          "sg:ich:"
#define SG_KEY_SENT         "sg:sent:"
#define SG_KEY_STOCK        "sg:stock:"
#define SG_KEY_LOT          "sg:lot:"
#define SG_KEY_OUTBOUND     "sg:outbound:"
#define SG_KEY_OUTBOUND_DUE "sg:outbound-due"
#define SG_KEY_CONTROL      "sg:control:interchange"
#define SG_KEY_TICKET       "sg:ticket:"
#define SG_KEY_FEEDBACK_DEADLINES "sg:feedback:deadlines"
#define SG_KEY_SATISFACTION "sg:feedback:satisfaction"
#define SG_KEY_LOT          "sg:lot:"
#define SG_KEY_SUPPLIER_COMPLAINTS "sg:complaints:supplier:"
#define SG_KEY_COMPLAINT_COUNTS "sg:complaints:counts"
#define SG_KEY_INVOICE      "sg:invoice:"
#define SG_KEY_ASN          "sg:asn:"

#endif /* SG_KEYS_H */
