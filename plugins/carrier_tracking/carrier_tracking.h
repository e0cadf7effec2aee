/*
 * carrier_tracking.h - what the carrier_tracking plugin's files share:
 * the plugin context, the state of one decode() call, the tracking event
 * the four mappers (X12 214, EDIFACT IFTSTA, XML and JSON webhooks) fill
 * in, the code tables, and the writer of canonical <tracking> documents
 * (schemas/tracking.xsd).
 *
 * Private to the plugin: the names carry its own prefix, ctrk_.
 */
#ifndef CTRK_CARRIER_TRACKING_H
#define CTRK_CARRIER_TRACKING_H

#include <stdarg.h>
#include <stddef.h>

#include "edi.h"
#include "sg_plugin.h"
#include "util.h"

#define CTRK_NAME "carrier_tracking"
#define CTRK_MAX_REFS 16

/* Set up by init(), read-only afterwards (decode runs in many threads). */
struct ctrk_ctx {
    const struct sg_host *host;
    long max_events;            /* option max_events */
};

/* One decode() call. */
struct ctrk_run {
    const struct ctrk_ctx *ctx;
    const struct sg_message *msg;
    struct sg_sink *sink;
    long n_documents;           /* handed to the sink so far */
    long n_errors;              /* diags handed to the sink so far */
    int stop;                   /* the sink or max_events said stop */
};

/*
 * One status event being built; every string is NULL or clean UTF-8
 * owned here.  The *_code fields hold the partner's code, the others
 * the canonical word from the tables below.
 */
struct ctrk_event {
    const char *format;         /* "x12", "edifact", "xml", "json" */
    char *sender, *receiver, *interchange, *group, *message;
    char *message_type, *version;

    char *shipment;
    char *order;
    char *ref_qual[CTRK_MAX_REFS], *ref_value[CTRK_MAX_REFS];
    int n_refs;
    char *carrier_id, *carrier_qual, *carrier_name;
    const char *status;         /* canonical; from a table */
    char *status_code;
    const char *code_list;      /* "x12-1650", "edifact-4405", "webhook" */
    const char *reason;         /* canonical; from a table, may be NULL */
    char *reason_code;
    char *time;                 /* xs:dateTime, offset when known */
    char *zone;                 /* the partner's zone code, may be NULL */
    char *loc_code, *loc_name, *loc_city, *loc_region, *loc_postal;
    char *loc_country;
    int damaged;
    char *driver;
    long sequence;              /* 1-based within the message */
};

void ctrk_event_init(struct ctrk_event *ev, const char *format);
void ctrk_event_free(struct ctrk_event *ev);
/* A copy of ev's shared parts (envelope, shipment, order, references,
 * carrier, driver) into a fresh event, for the next status of the same
 * shipment. */
void ctrk_event_copy_header(struct ctrk_event *dst,
                            const struct ctrk_event *src);

/*
 * Store a copy of value in *field (freeing the old one), trimmed, with
 * control characters made spaces and bytes that are not UTF-8 read as
 * Latin-1.  An empty value stores NULL.
 */
void ctrk_set(char **field, const char *value);
void ctrk_add_ref(struct ctrk_event *ev, const char *qualifier,
                  const char *value);
/* "QUAL:ID" or "ID", blanks trimmed; caller frees; NULL when no id. */
char *ctrk_partner(const char *qualifier, const char *id);

/* --- code tables (codes.c) ---------------------------------------------- */

/* Canonical status of an X12 AT7-01 (element 1650) code, or NULL. */
const char *ctrk_x12_status(const char *code, int *damaged);
/* Canonical reason of an X12 AT7-02 (element 1651) code, or NULL. */
const char *ctrk_x12_reason(const char *code);
/*
 * The UTC offset in minutes of an X12 time code (element 623) at the
 * local date y-m-d h:mi; 0 with *known = 0 for LT (local, zone not
 * said).  Returns -1 when the code is not in the table.
 */
int ctrk_x12_zone(const char *code, int y, int m, int d, int h, int mi,
                  int *offset_min, int *known);
/* Canonical status of an EDIFACT STS event code (4405 / 9011), or
 * NULL. */
const char *ctrk_edifact_status(const char *code, int *damaged);
/* Canonical reason of an EDIFACT STS reason code (4405 / 9013). */
const char *ctrk_edifact_reason(const char *code);
/* The table's own copy of a canonical status word, or NULL. */
const char *ctrk_status_word(const char *word);

/*
 * Build an xs:dateTime "YYYY-MM-DDTHH:MM:SS[+HH:MM]" from digits:
 * date CCYYMMDD, time HHMM or HHMMSS (may be "" for 00:00).  has_offset
 * 0 leaves the zone out.  Returns 0, or -1 when the date or time is not
 * real; *y..*mi get the parts.
 */
int ctrk_datetime(const char *date, const char *time, int has_offset,
                  int offset_min, char out[32], int parts[5]);

/* --- reporting and writing (carrier_tracking.c) ------------------------ */

/* Report one problem found in an EDI segment (see supplier_edi.h's
 * sedi_diag: tag from tag or seg, position from seg). */
void ctrk_diag(struct ctrk_run *run, const char *code,
               const struct sg_edi_segment *seg, const char *tag,
               int element, int component, const char *fmt, ...)
    SG_PRINTF(7, 8);

/* A problem located by XPath or JSON path (put in xpath) and line. */
void ctrk_diag_path(struct ctrk_run *run, const char *code, long line,
                    const char *path, const char *fmt, ...)
    SG_PRINTF(5, 6);

void ctrk_report(struct ctrk_run *run, const struct sg_diag *d);

/* Turn the event into canonical XML and hand it to the sink, unless
 * max_events is reached.  Returns 0, or -1 when decoding must stop. */
int ctrk_emit(struct ctrk_run *run, const struct ctrk_event *ev);

/* --- the mappers -------------------------------------------------------- */

/* map_x12_214.c: every AT7 of one 214; 0, or -1 after reporting. */
int ctrk_map_x12_214(struct ctrk_run *run,
                     const struct sg_edi_transaction *tx);

/* map_edifact_iftsta.c: every STS of one IFTSTA message. */
int ctrk_map_edifact_iftsta(struct ctrk_run *run,
                            const struct sg_edi_transaction *tx);

/* map_webhook.c: an XML (<trackingUpdate>) or JSON body; 0, or -1 when
 * the body is not a usable update (the reason already reported). */
int ctrk_xml_decode(struct ctrk_run *run);
int ctrk_json_decode(struct ctrk_run *run);
/* How sure we are that the body is one of our webhooks: 0 or 90. */
int ctrk_webhook_sniff(const unsigned char *data, size_t len);

#endif /* CTRK_CARRIER_TRACKING_H */
