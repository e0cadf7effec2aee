/*
 * ack_intake.h - acknowledgements and the duplicate guard for one
 * message on its way in: what the gateway and the HTTP layer call.
 *
 *   sg_gateway_decode()   decides, then sg_ack_intake() takes a control
 *                         number, builds the ack (and the duplicate ack
 *                         for an accepted interchange) and arms the
 *                         guard in the message handed to the writer;
 *   the writer            stores one or the other (ingest_guard.c);
 *   sg_http               calls sg_ack_intake_settle() once stored, then
 *                         sg_ack_intake_body() to answer with the ack
 *                         when the client's Accept header asks for it.
 */
#ifndef SG_ACK_INTAKE_H
#define SG_ACK_INTAKE_H

#include <stddef.h>

#include "ack.h"
#include "gateway.h"

struct sg_ack_pending {
    struct sg_ack ack;          /* for the gateway's verdict */
    struct sg_ack dup_ack;      /* for a duplicate (guarded only) */
    char *partner;              /* inbound sender "QUAL:ID" */
    char *key;                  /* sg:ich:... marker (guarded only) */
    char *dup_errors;           /* errors template, SG_INGEST_FIRST */
    struct sg_ingest_guard guard;
};

/*
 * Prepare the ack of an intake whose verdict is final and whose msg is
 * filled (after the gateway's finish step).  Does nothing for bodies
 * that are not X12 or EDIFACT, or when gw->acks is NULL; a Redis
 * failure while taking the control number only loses the ack (logged).
 */
void sg_ack_intake(struct sg_gateway *gw, struct sg_intake *in);

/*
 * After the writer stored the message: if the guard found the
 * interchange already accepted, turn the intake into a 409 rejection
 * naming the first message (in->status, in->answer).
 */
void sg_ack_intake_settle(struct sg_intake *in);

/*
 * The ack to send as the response body when accept (the request's
 * Accept header, may be NULL) names its media type; NULL otherwise.
 */
const char *sg_ack_intake_body(const struct sg_intake *in,
                               const char *accept, size_t *len,
                               const char **content_type);

void sg_ack_pending_free(struct sg_ack_pending *p);

#endif /* SG_ACK_INTAKE_H */
