/*
 * crm_feedback.h - what the CRM feedback plugin's files share: the
 * ticket model both readers fill, with the position of every field, and
 * the reporting helpers.
 *
 * The readers (map_json.c, map_xml.c) only pull strings out of the body
 * and remember where each came from; crm_feedback.c checks them all the
 * same way and writes the canonical <feedback> (schemas/feedback.xsd),
 * so a bad severity gets the same verdict in JSON and in XML, each
 * pointing into the body as its sender wrote it.
 */
#ifndef CF_CRM_FEEDBACK_H
#define CF_CRM_FEEDBACK_H

#include <stddef.h>

#include "sg_plugin.h"
#include "util.h"

#define CF_NAME "crm_feedback"

/* The fields of a ticket or an update, as both readers name them. */
enum cf_field {
    CF_ID,              /* ticket id; in an update, the ticket updated */
    CF_CUSTOMER,        /* customer id */
    CF_CUSTOMER_NAME,
    CF_CHANNEL,
    CF_CATEGORY,
    CF_SEVERITY,
    CF_ORDER,
    CF_LOT,
    CF_ITEM,
    CF_TEXT,
    CF_REQUESTED,       /* requested outcome */
    CF_CREATED,
    CF_KIND,            /* update: first_response, resolved, follow_up */
    CF_AT,
    CF_OUTCOME,         /* update: outcome given on resolution */
    CF_SATISFACTION,
    CF_NOTE,
    CF_N
};

/*
 * Where a value is in the body; every part optional (0 / "").  A line
 * of CF_POS_LATER means only the path is known yet: the reader's
 * locate() finds line and column if an error needs them.
 */
#define CF_POS_LATER -1

struct cf_pos {
    long line;
    long column;
    char path[128];     /* "$.ticket.severity" or "/ticket/severity" */
};

/* One ticket or one update, as read; strings are owned, NULL if absent. */
struct cf_doc {
    const char *format;         /* "json" or "xml" */
    int is_update;
    char *v[CF_N];
    struct cf_pos pos[CF_N];    /* where v[i] is, or would have been */
};

/* Set up by init(), read-only afterwards. */
struct cf_ctx {
    const struct sg_host *host;
    int accept_xml;
    int accept_json;
};

/* One decode() call. */
struct cf_run {
    const struct cf_ctx *ctx;
    const struct sg_message *msg;
    struct sg_sink *sink;
    long n_errors;
    int stop;
    /* Fill line and column of a CF_POS_LATER position, or NULL. */
    void (*locate)(const struct cf_run *run, struct cf_pos *pos);
};

/* --- crm_feedback.c ------------------------------------------------ */

/* The name readers use for f in messages: "severity", "created" ... */
const char *cf_field_name(enum cf_field f);

/* Report one problem at pos (may be NULL). */
void cf_error(struct cf_run *run, const char *code,
              const struct cf_pos *pos, const char *fmt, ...)
    SG_PRINTF(4, 5);

/* Check d and hand the canonical document to the sink.  0 or -1. */
int cf_emit(struct cf_run *run, struct cf_doc *d);

void cf_doc_free(struct cf_doc *d);

/* --- map_json.c, map_xml.c ------------------------------------------- */

/* Shape tests for sniff(): 90 when the body is a ticket, else 0. */
int cf_json_is_ticket(const unsigned char *data, size_t len);
int cf_xml_is_ticket(const unsigned char *data, size_t len);

/*
 * Read the body into d (already zeroed): 0 read, 1 understood but some
 * members were bad (reported), -1 not understood (reported).
 */
int cf_json_read(struct cf_run *run, struct cf_doc *d);
int cf_xml_read(struct cf_run *run, struct cf_doc *d);

#endif /* CF_CRM_FEEDBACK_H */
