/*
 * ack.h - the acknowledgement a partner's EDI software expects back for
 * every interchange it sent us, accepted or rejected.
 *
 *   X12      TA1 for interchange-level problems (or when ISA14 asks for
 *            one), then, when the interchange could be read, a 997 per
 *            functional group (a 999 when GS08 is a 005010X guide) with
 *            AK1/AK2, AK3/AK4 or IK3/IK4, AK5 or IK5 and AK9.
 *   EDIFACT  CONTRL with UCI for the interchange, UCM per message, UCS
 *            and UCD for segment and element errors.
 *
 * The builder re-reads the raw interchange with the shared readers
 * (edi.h) to learn its envelope, groups and sets, then places every
 * error the gateway collected (reader diags, the plugin's decode errors,
 * schema errors) by its segment number and element position, and turns
 * its code into the standard's code through one table (ack_codes.c).
 * Everything here is plain computation: no Redis, no clock of its own,
 * so the unit tests can assert exact segments.
 */
#ifndef SG_ACK_H
#define SG_ACK_H

#include <stddef.h>

#include "edi.h"
#include "errors.h"

/* Where a code applies. */
enum sg_ack_level {
    SG_ACK_INTERCHANGE,     /* TA1 note / UCI */
    SG_ACK_GROUP,           /* AK9 code / (UCF) */
    SG_ACK_SET,             /* AK5 code / UCM */
    SG_ACK_SEGMENT,         /* AK3 code / UCS */
    SG_ACK_ELEMENT          /* AK4 code / UCD */
};

/*
 * One row of the mapping table.  x12 is the TA105, AK905, AK502, AK304
 * or AK403 code depending on level; edifact the 0085 syntax error code.
 * action is for the interchange level only: 'E' when the interchange
 * could still be read (a trailer problem: the 997 tells the rest), 'R'
 * when it could not be trusted at all (no 997 follows).
 */
struct sg_ack_code {
    const char *diag;       /* a code, or a prefix ending in '*' */
    enum sg_ack_level level;
    const char *x12;
    const char *edifact;
    char action;
};

/*
 * The row for a diag code, never NULL: unknown codes get a fallback
 * row of the level their position suggests (element, segment, set when
 * only the document is known, else interchange).
 */
const struct sg_ack_code *sg_ack_code_find(const char *diag, int has_segment,
                                           int has_element, int has_doc);

/* TA105 for an ISA field of the wrong width (x12.isa_length, element
 * 1..16). */
const char *sg_ack_isa_note(int element);

/* What the builder needs. */
struct sg_ack_request {
    const unsigned char *raw;   /* the interchange as received */
    size_t len;
    const struct sg_errors *errs;   /* every error found; may be NULL */
    int accepted;               /* the gateway's verdict */
    int duplicate;              /* already accepted: TA1 025 / UCI 26 */
    unsigned long control;      /* our control number, 1..999999999 */
    long long now_ms;           /* date and time written in the ack */
    /*
     * A spooled body: raw and len hold only its first bytes (for the
     * header); the whole interchange is pulled again through read()
     * (core/gateway_spool.c).  NULL for a body in memory.
     */
    long (*read)(void *read_arg, unsigned char *buf, size_t n);
    void *read_arg;
};

/* A built acknowledgement. */
struct sg_ack {
    char *text;                 /* caller frees with sg_ack_free() */
    size_t len;
    const char *content_type;   /* application/EDI-X12 or .../EDIFACT */
    const char *kind;           /* "997", "999", "TA1", "CONTRL" */
};

/*
 * Build the acknowledgement of rq->raw.  Returns 0, or -1 when the body
 * is not X12 or EDIFACT or its header is too broken to know whom to
 * answer (no ISA/UNB to swap); out is then zeroed.
 */
int sg_ack_build(const struct sg_ack_request *rq, struct sg_ack *out);

/* The same, and in dup (when not NULL) the ack the same interchange
 * gets if it turns out to be a duplicate; one reading for both. */
int sg_ack_build_pair(const struct sg_ack_request *rq, struct sg_ack *out,
                      struct sg_ack *dup);

void sg_ack_free(struct sg_ack *ack);

/*
 * Who sent the first interchange of raw and its control number, as the
 * duplicate check and the control-number counter key them: *partner
 * gets "QUAL:ID" of the sender, *ich "sender|receiver|control".  Both
 * are malloc'd (caller frees).  Returns -1 (nothing allocated) when raw
 * is not an EDI interchange with a readable header.
 */
int sg_ack_identify(const unsigned char *raw, size_t len, char **partner,
                    char **ich);

#ifdef SG_ACK_INTERNAL
/*
 * What ack.c shares with ack_x12.c and ack_edifact.c: the interchange
 * as the builder understands it, errors already placed.
 */
#include "util.h"

/* One error placed at its set, with what the ack must quote. */
struct sg_ack_err {
    const struct sg_error_item *item;
    const struct sg_ack_code *code;
    long position;          /* segment position in its set, ST/UNH = 1 */
    char tag[4];
    char bad[100];          /* copy of the bad value (X12 AK404) */
};

struct sg_ack_set {
    int group;              /* index into groups */
    char type[8];           /* ST01 / UNH S009 type */
    char control[40];       /* ST02 / UNH 0062 */
    char guide[40];         /* ST03 (999 AK203), "" when absent */
    char version[24];       /* UNH S009 "D:96A:UN[:EAN008]" */
    long first, last;       /* segment numbers of ST..SE / UNH..UNT */
    const struct sg_ack_code *codes[5];   /* set-level codes */
    int n_codes;
    struct sg_ack_err *errs;              /* segment and element errors */
    size_t n_errs, cap;
    int rejected;           /* not accepted, with or without a code */
};

struct sg_ack_group {
    char type[8];           /* GS01 */
    char control[16];       /* GS06 / UNG 0048 */
    char version[24];       /* GS08 */
    char sender[40], receiver[40];   /* GS02, GS03 */
    const struct sg_ack_code *codes[5];
    int n_codes;
    int n_sets;
};

struct sg_ack_model {
    enum sg_edi_syntax syntax;
    struct sg_edi_delims delims;
    /* The inbound header: X12 ISA01..ISA16 or the EDIFACT UNB parts. */
    char isa[17][20];
    char sender_qual[8], sender[40];
    char receiver_qual[8], receiver[40];
    char control[16];
    char syntax_id[8], syntax_version[4];   /* EDIFACT UNB S001 */
    int has_una;

    struct sg_ack_group *groups;
    size_t n_groups, groups_cap;
    struct sg_ack_set *sets;
    size_t n_sets, sets_cap;

    const struct sg_ack_code *ich_code;     /* first interchange error */
    const char *ich_edifact;                /* its 0085 when the error
                                               was of a lower level */
    int ich_element;                        /* its element, for UCI */
    char ich_tag[4];
    char ich_action;                        /* 0, 'E' or 'R' */
    int rejected;                           /* the gateway's verdict */
    int duplicate;
    unsigned long control_out;
    long long now_ms;
};

/* Write the ack text of a model into out. */
void sg_ack_x12_write(const struct sg_ack_model *m, struct sg_buf *out,
                      const char **kind);
void sg_ack_edifact_write(const struct sg_ack_model *m, struct sg_buf *out);

/* Copy src into dst, cut to size - 1 bytes. */
void sg_ack_strcpy(char *dst, size_t size, const char *src);

/* "YYMMDD"/"CCYYMMDD" and "HHMM" of ms (UTC). */
void sg_ack_date(long long ms, int century, char *date, size_t datelen,
                 char *time, size_t timelen);
#endif /* SG_ACK_INTERNAL */

#endif /* SG_ACK_H */
