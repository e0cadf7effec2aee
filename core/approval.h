/*
 * approval.h - an operator approves or releases an order.
 *
 * The rules (rules_order.c) leave an order "awaiting_approval" when its
 * amount needs a manager or a director, and "held" when its supplier
 * did not qualify.  Only a person moves it on:
 * - approve: awaiting_approval -> processed.  processed_at is now, the
 *   dispatch node is due now + the dispatch limit the order was filed
 *   with, and a processing node already past its due time is breached.
 * - release: held -> awaiting_approval when the amount still needs an
 *   approval, else processed as above.  The holds stay on the order for
 *   the record.
 * Each is one Lua script: the state is checked and changed atomically,
 * so two operators clicking at once move the order once.
 *
 * XXX: there is one operator role (the admin credential): nothing stops
 * a manager's approval of an order whose amount needs a director; the
 * level is recorded with the approval for the audit, not enforced.
 */
#ifndef SG_APPROVAL_H
#define SG_APPROVAL_H

#include <hiredis/hiredis.h>

enum sg_approval_result {
    SG_APPROVAL_DONE = 0,       /* moved; *state is the new state */
    SG_APPROVAL_NOT_FOUND = 1,  /* no such order */
    SG_APPROVAL_WRONG_STATE = 2, /* *state is the state it is in */
    SG_APPROVAL_ERROR = -1      /* Redis trouble */
};

/*
 * Apply action ("approve" or "release") to the order filed under key
 * ("PO-1" or "PO-1~ACME"), by the operator named by (free text for the
 * record, e.g. "admin"), with an optional note, at now_ms.  *state
 * receives a copy the caller frees (NULL on error or not found).
 */
enum sg_approval_result sg_order_decide(redisContext *c, const char *key,
                                        const char *action,
                                        const char *by, const char *note,
                                        long long now_ms, char **state);

#endif /* SG_APPROVAL_H */
