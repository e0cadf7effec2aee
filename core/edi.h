/*
 * edi.h - X12 and EDIFACT interchange readers shared by the plugins.
 *
 * Both readers cut an interchange into segments with the delimiters the
 * interchange itself declares (ISA for X12, UNA or the syntax defaults for
 * EDIFACT), check the envelopes (counts and control numbers of ISA/IEA,
 * GS/GE, ST/SE; UNB/UNZ, UNG/UNE, UNH/UNT) and hand each transaction set
 * or message to the caller as an array of segments with their positions.
 * Problems are reported as struct sg_diag through a callback, with the
 * segment number, tag, element position, line and column filled in.
 *
 * This code is linked into every plugin that reads EDI (a libtool
 * convenience library), never called across the plugin boundary.
 */
#ifndef SG_EDI_H
#define SG_EDI_H

#include <stddef.h>
#include "sg_plugin.h"

enum sg_edi_syntax {
    SG_EDI_X12,
    SG_EDI_EDIFACT
};

/* The delimiters in force for one interchange. */
struct sg_edi_delims {
    char element;           /* X12 ISA byte 4; EDIFACT '+' */
    char component;         /* X12 ISA16; EDIFACT ':' */
    char repetition;        /* X12 ISA11 from 00402, else 0; EDIFACT */
    char release;           /* EDIFACT only ('?'), 0 for X12 */
    char decimal;           /* EDIFACT UNA decimal mark, else '.' */
    char segment[4];        /* terminator; may be several UTF-8 bytes */
    size_t segment_len;
};

/*
 * One segment.  Values are already unescaped (EDIFACT release characters
 * removed) and NUL-terminated; they live as long as the transaction
 * that holds the segment.
 */
struct sg_edi_segment {
    long index;             /* 1-based position in the interchange */
    long line, column;      /* where the tag starts in the raw bytes */
    char tag[4];            /* "PO1", "UNH", NUL-terminated */
    int n_elements;         /* elements after the tag */
    struct sg_edi_element *elements;
};

struct sg_edi_element {
    int n_components;       /* at least 1 */
    char **components;      /* components[0] is the whole simple value */
    int n_repeats;          /* repetitions of this element, >= 1 */
};

/* Envelope data of the transaction set or message being handed over. */
struct sg_edi_envelope {
    enum sg_edi_syntax syntax;
    struct sg_edi_delims delims;
    char sender_qual[8], sender[40];        /* ISA05/06; UNB S002 */
    char receiver_qual[8], receiver[40];    /* ISA07/08; UNB S003 */
    char interchange_control[16];           /* ISA13; UNB 0020 */
    char interchange_date[16];              /* CCYYMMDD when known */
    char group_type[8];                     /* GS01 ("PO"); UNG 0038 */
    char group_control[16];                 /* GS06; UNG 0048 */
    char version[16];                       /* GS08 ("004010"); UNH
                                               S009 "D:96A:UN" */
    char set_type[8];                       /* ST01 "850"; UNH "ORDERS" */
    char set_control[40];                   /* ST02; UNH 0062 */
    char charset[8];                        /* UNB syntax id "UNOC" */
};

/* One transaction set (ST..SE) or message (UNH..UNT), envelope segments
 * included at both ends. */
struct sg_edi_transaction {
    struct sg_edi_envelope env;
    size_t n_segments;
    struct sg_edi_segment *segments;
    int has_errors;         /* the reader reported an error inside it */
};

/*
 * Called for each problem.  Return 0 to go on, -1 to stop reading.  The
 * diag's strings are only valid during the call.
 */
typedef int (*sg_edi_diag_fn)(void *arg, const struct sg_diag *diag);

/*
 * Called for each complete transaction set or message, in order.  The
 * transaction is only valid during the call.  Return 0 to go on, -1 to
 * stop reading.
 */
typedef int (*sg_edi_tx_fn)(void *arg, const struct sg_edi_transaction *tx);

/*
 * Read a whole X12 or EDIFACT body, which may hold several interchanges
 * one after the other.  Returns the number of transactions handed over,
 * or -1 when the body could not be read at all (no envelope, broken
 * ISA).  Envelope problems are reported through diag_fn either way.
 */
long sg_edi_read(enum sg_edi_syntax syntax,
                 const unsigned char *data, size_t len,
                 sg_edi_tx_fn tx_fn, sg_edi_diag_fn diag_fn, void *arg);

/* Guess the syntax from the first bytes: SG_EDI_X12, SG_EDI_EDIFACT, or
 * -1.  Skips a UTF-8 byte order mark and leading whitespace. */
int sg_edi_sniff(const unsigned char *data, size_t len);

/*
 * Accessors that never fail: a missing element, component or segment
 * gives "" (never NULL).  Positions are 1-based as in the standards.
 */
const char *sg_edi_value(const struct sg_edi_segment *seg, int element,
                         int component);

/* The first segment with this tag at or after *pos (0 to begin), or
 * NULL; *pos is left just after it. */
const struct sg_edi_segment *
sg_edi_find(const struct sg_edi_transaction *tx, const char *tag,
            size_t *pos);

#endif /* SG_EDI_H */
