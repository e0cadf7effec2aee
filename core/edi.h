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

#if defined(__GNUC__)
#define SG_EDI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SG_EDI_PRINTF(a, b)
#endif

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
    /*
     * All n_repeats repetitions, the first being the element itself
     * (the fields above describe it); NULL when n_repeats is 1.  Each
     * entry has n_repeats 1 and repeats NULL.
     */
    struct sg_edi_element *repeats;
};

/* Envelope data of the transaction set or message being handed over. */
struct sg_edi_envelope {
    enum sg_edi_syntax syntax;
    struct sg_edi_delims delims;
    char sender_qual[8], sender[40];        /* ISA05/06; UNB S002 */
    char receiver_qual[8], receiver[40];    /* ISA07/08; UNB S003 */
    char interchange_control[16];           /* ISA13; UNB 0020 */
    char interchange_date[16];              /* CCYYMMDD when known; a
                                               two-digit year 70..99 is
                                               19xx, else 20xx */
    char group_type[8];                     /* GS01 ("PO"); UNG 0038 */
    char group_control[16];                 /* GS06; UNG 0048 */
    char group_sender[40];                  /* GS02; UNG S006 */
    char group_receiver[40];                /* GS03; UNG S007 */
    char version[24];                       /* GS08 ("004010"); UNH
                                               S009 "D:96A:UN", with the
                                               association code when
                                               sent ("D:96A:UN:EAN008") */
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
 *
 * Diag codes, "x12." or "edifact." then:
 *   iea_count, iea_control, ge_count, ge_control, se_count, se_control;
 *   unz_count, unz_control, une_count, une_control, unt_count,
 *   unt_control (element 1 or 2 of the trailer);
 *   missing_isa, missing_unb (-1 when it is the first), missing_gs,
 *   missing_se, missing_ge, missing_iea, missing_unt, missing_une,
 *   missing_unz (at the segment that revealed it, or at the end with
 *   the segment number the trailer should have had);
 *   outside_envelope (a segment outside any set or message);
 *   isa_length (one per ISA field of the wrong width; the delimiters
 *   are then found by counting separators and every set of that
 *   interchange gets has_errors), truncated, bad_delimiter, bad_una;
 *   bad_release (at the release character), unterminated (the data
 *   ends inside a segment whose terminator is not a line break);
 *   too_many_segments, too_many_elements, too_many_components,
 *   too_many_repeats;
 *   segment_too_long (a segment longer than SG_EDI_MAX_SEGMENT_BYTES:
 *   its first bytes are kept, the rest up to its terminator skipped),
 *   transaction_too_large (a set or message whose segments take more
 *   than SG_EDI_MAX_TX_BYTES: the rest of it is dropped, it is handed
 *   over marked);
 *   edifact.charset (a character outside the repertoire the UNB
 *   syntax identifier declares, a control character such as a line
 *   break inside a segment included; once per segment);
 *   edifact.syntax_id (UNB 0001 is not a known syntax identifier);
 *   x12.bad_date, x12.bad_time (ISA09/ISA10, GS04/GS05 not a real
 *   date or time; the interchange's or the group's sets get has_errors),
 *   edifact.bad_date, edifact.bad_time (UNB S004: YYMMDD up to syntax
 *   version 3, CCYYMMDD from 4, and HHMM; every message gets has_errors);
 *   x12.duplicate_control (an ST02 already used in the group: element
 *   2 of the ST), edifact.duplicate_control (a UNH 0062 already used in
 *   the interchange: element 1 of the UNH); the set is handed over
 *   marked, so that the same document is never taken twice.
 * A transaction gets has_errors when a diag is reported while it is
 * open (from its ST/UNH to its SE/UNT), its interchange header (ISA,
 * UNB) or, in X12, its group header (GS) was broken; trailers after it
 * (GE, IEA, UNE, UNZ) cannot mark it.  edifact.charset is an error
 * like any other: a partner declaring UNOA and sending lower case or
 * UTF-8 must fix its syntax identifier.
 *
 * A body hard-wrapped at a fixed width (a mail or FTP system that
 * breaks every line after W bytes, segments or not) is unwrapped before
 * it is read: when its first line is W bytes long and so is its second
 * (or the second is the last), each line break found exactly W bytes
 * after the previous one is removed, until one is not where it should
 * be; from there on line breaks are data again.  Lines and columns in
 * diags are those of the file as sent.  A body whose first line break
 * is the X12 or UNA segment terminator is never unwrapped.
 * XXX: a body whose first two lines have the same length by chance
 * (one segment each, terminator not a line break) is unwrapped too;
 * harmless, the breaks removed lie between segments, where blanks are
 * skipped anyway.
 * XXX: in a body wrapped for a while and then not, the breaks removed
 * before the first one out of step stay removed: knowing better would
 * mean holding the whole body.
 * XXX: no segment dictionary: syntax notes, element lengths and code
 * lists are not checked.
 * XXX: UNOX, IATA, IATB and KECA are accepted but not checked
 * (core/edi_charset.c); values are never converted, UTF-8 and ISO
 * 8859 bytes are handed over as sent.
 */
long sg_edi_read(enum sg_edi_syntax syntax,
                 const unsigned char *data, size_t len,
                 sg_edi_tx_fn tx_fn, sg_edi_diag_fn diag_fn, void *arg);

/*
 * Where sg_edi_read_stream() pulls the body from: fill up to n bytes of
 * buf and return how many, 0 at the end, -1 when the body cannot be
 * read (the contract of struct sg_message's read()).
 */
typedef long (*sg_edi_read_fn)(void *read_arg, unsigned char *buf,
                               size_t n);

/*
 * sg_edi_read() for a body pulled piece by piece: the same engine, the
 * same diags and transactions, whatever the size of the pieces.  Memory
 * is bounded by a window of a few segments (each at most
 * SG_EDI_MAX_SEGMENT_BYTES) plus the largest transaction (at most
 * SG_EDI_MAX_TX_BYTES), never by the body.  Returns as sg_edi_read(),
 * or -2 when read_fn failed: nothing is reported or handed over after
 * the failure, and the caller says why.
 * XXX: the control numbers of a group (ST02) or interchange (UNH 0062)
 * are kept for the duplicate check, some 50 bytes a set: that memory
 * grows with the number of sets, not with their size.
 */
long sg_edi_read_stream(enum sg_edi_syntax syntax, sg_edi_read_fn read_fn,
                        void *read_arg, sg_edi_tx_fn tx_fn,
                        sg_edi_diag_fn diag_fn, void *arg);

/*
 * For a plugin's decode_stream(): the first bytes of a body pulled
 * through read_fn, kept to sniff the syntax, then handed out again
 * before the rest of the body.
 */
#define SG_EDI_HEAD_BYTES 4096

struct sg_edi_head {
    unsigned char buf[SG_EDI_HEAD_BYTES];
    size_t len;                 /* bytes in buf */
    size_t off;                 /* of them, handed out again */
    int eof;                    /* the body ends within buf */
    sg_edi_read_fn read_fn;
    void *read_arg;
};

/* Pull the first bytes of a body (up to SG_EDI_HEAD_BYTES, fewer only
 * when it is shorter) into h.  Returns 0, or -1 when read_fn failed.
 * XXX: a body starting with more than SG_EDI_HEAD_BYTES of blanks is
 * not recognised as EDI by sg_edi_sniff(h->buf, h->len); decode()
 * would see past them. */
int sg_edi_head_fill(struct sg_edi_head *h, sg_edi_read_fn read_fn,
                     void *read_arg);

/* An sg_edi_read_fn over h: its bytes again, then the rest. */
long sg_edi_head_read(void *head, unsigned char *buf, size_t n);

/*
 * The whole body in memory (the head and the rest), when it holds at
 * most max bytes: returns it, the caller frees it, and sets *len.
 * NULL with *len 0 when read_fn failed, max + 1 when the body is
 * longer than max (reading stops there).
 */
unsigned char *sg_edi_head_read_all(struct sg_edi_head *h, size_t max,
                                    size_t *len);

/*
 * The common part of an EDI plugin's decode_stream(): when msg (pulled
 * through msg->read) starts as X12 or EDIFACT, the interchange is read
 * as it streams, tx_fn, diag_fn and arg as for sg_edi_read_stream(),
 * whose result goes to *read_n: returns SG_EDI_STREAMED.  Any other
 * body (XML, JSON, CSV) is read whole, up to SG_EDI_WHOLE_MAX: *whole
 * becomes msg with the body in memory (the caller passes it to its
 * decode() and frees whole->data): returns SG_EDI_WHOLE.  Returns
 * SG_EDI_TOO_LARGE for a body that is neither and longer than that, -1
 * when the body could not be read.
 */
#define SG_EDI_WHOLE_MAX (16 * 1024 * 1024)

enum sg_edi_stream_way {
    SG_EDI_STREAMED = 1,
    SG_EDI_WHOLE = 2,
    SG_EDI_TOO_LARGE = 3
};

int sg_edi_stream_or_whole(const struct sg_message *msg, sg_edi_tx_fn tx_fn,
                           sg_edi_diag_fn diag_fn, void *arg, long *read_n,
                           struct sg_message *whole);

/*
 * Fill d for a problem at an element of seg (seg may be NULL: no
 * position; tag NULL: seg's own tag): what plugins report when a value
 * the reader handed them is wrong.  code, text and tag are borrowed.
 */
void sg_edi_diag_at(struct sg_diag *d, const char *code, const char *text,
                    const struct sg_edi_segment *seg, const char *tag,
                    int element, int component);

/* Guess the syntax from the first bytes: SG_EDI_X12, SG_EDI_EDIFACT, or
 * -1.  Skips a UTF-8 byte order mark and leading whitespace. */
int sg_edi_sniff(const unsigned char *data, size_t len);

/*
 * The type of the first transaction set or message, for choosing among
 * several plugins that read the same syntax: ST01 ("214", "850") or the
 * UNH message type ("IFTSTA", "ORDERS").  Writes it NUL-terminated into
 * out and returns the syntax, or -1 with out "" when the body is not
 * EDI or no ST / UNH can be found.  Only looks, never reports: the
 * reader says what is wrong with a body it can read.  When no ST / UNH
 * is seen, the first 64 KB are looked at again with every line break
 * taken out, for a hard-wrapped body whose wrap cuts the tag.
 */
int sg_edi_sniff_set(const unsigned char *data, size_t len, char *out,
                     size_t outlen);

/*
 * Accessors that never fail: a missing element, component or segment
 * gives "" (never NULL).  Positions are 1-based as in the standards;
 * component 0 means the first, as for a simple element.
 */
const char *sg_edi_value(const struct sg_edi_segment *seg, int element,
                         int component);

/* The first segment with this tag at or after *pos (0 to begin), or
 * NULL; *pos is left just after it. */
const struct sg_edi_segment *
sg_edi_find(const struct sg_edi_transaction *tx, const char *tag,
            size_t *pos);

/* Like sg_edi_value() for one repetition (1-based) of a repeated
 * element; repetition 1 is what sg_edi_value() gives. */
const char *sg_edi_repeat_value(const struct sg_edi_segment *seg,
                                int element, int repeat, int component);

/*
 * Limits on hostile input.  Past them the reader reports a diag
 * ("x12.too_many_segments", "edifact.too_many_elements" ...), marks the
 * transaction and drops the excess instead of growing without bound.
 */
#define SG_EDI_MAX_TX_SEGMENTS  500000  /* segments per transaction */
#define SG_EDI_MAX_ELEMENTS     512     /* elements per segment */
#define SG_EDI_MAX_COMPONENTS   128     /* components per element */
#define SG_EDI_MAX_REPEATS      512     /* repetitions per element */
#define SG_EDI_MAX_SEGMENT_BYTES (1024 * 1024)  /* raw bytes per segment */
#define SG_EDI_MAX_TX_BYTES     (128 * 1024 * 1024) /* a transaction held */

#ifdef SG_EDI_INTERNAL
/*
 * What edi_common.c shares with edi_x12.c and edi_edifact.c.  Plugins
 * do not define SG_EDI_INTERNAL and never see this.
 *
 * The reader pulls one segment at a time from a window over the body
 * with the delimiters in force; it keeps its own position, line and
 * column, and the window is refilled from read_fn as it needs bytes.
 */
struct sg_edi_arena;

/* Control numbers already used in one envelope (a hash set). */
struct sg_edi_seen {
    char **slots;
    size_t n, cap;
};

/* What one call of read_fn is asked for. */
#define SG_EDI_PIECE 65536

/*
 * Undoing a fixed-width wrap (edi_unwrap.c).  The width is counted in
 * bytes and in UTF-8 characters, as wrapping tools count either.  The
 * offsets (in the bytes the reader sees) where a removed break began a
 * new line are queued, from the reader's position on, for counting
 * lines as in the file as sent.
 */
#define SG_EDI_UNWRAP_MAX_WIDTH 4096
#define SG_EDI_UNWRAP_PROBE (3 * SG_EDI_UNWRAP_MAX_WIDTH + 8)

struct sg_edi_unwrap {
    int state;                  /* SG_EDI_WRAP_PROBE, _ON, _OFF */
    size_t width;               /* bytes per line before a break */
    size_t width_chars;         /* the same in UTF-8 characters */
    int crlf;                   /* breaks are CR LF, not LF alone */
    size_t col, col_chars;      /* since the last break removed */
    int pending_cr;             /* a CR at a break, its LF not yet seen */
    size_t out;                 /* bytes handed on so far */
    size_t *points;             /* line starts at removed breaks */
    size_t head, n_points, cap_points;
    unsigned char *probe;       /* the first bytes, held until decided */
    size_t probe_len;
};

enum {
    SG_EDI_WRAP_PROBE = 0,
    SG_EDI_WRAP_ON,
    SG_EDI_WRAP_OFF
};

/* Decide from u->probe whether the body is wrapped: 1 when decided, 0
 * when more bytes are needed (never once eof is set). */
int sg_edi_unwrap_decide(struct sg_edi_unwrap *u, int eof);

/* Copy n bytes from in to out, removing the wrap breaks; out has room
 * for n + 1 bytes.  Returns the bytes written. */
size_t sg_edi_unwrap_run(struct sg_edi_unwrap *u, const unsigned char *in,
                         size_t n, unsigned char *out);

/* At the end of the body: write a CR still held (0 or 1 byte). */
size_t sg_edi_unwrap_end(struct sg_edi_unwrap *u, unsigned char *out);

/* Forget the line starts at or before off: the reader is past them. */
void sg_edi_unwrap_forget(struct sg_edi_unwrap *u, size_t off);

struct sg_edi_reader {
    enum sg_edi_syntax syntax;

    /*
     * The window (edi_stream.c): bytes base .. len - 1 of the body as
     * the reader sees it (wrap breaks removed) are win[0 .. len - base).
     * Every offset below counts from the start of the body; bytes before
     * pos may be dropped whenever more are pulled.
     */
    unsigned char *win;
    size_t win_cap;
    size_t base;
    size_t len;
    int eof;                    /* read_fn said 0 or failed */
    int read_failed;            /* read_fn said -1: silence from now */
    sg_edi_read_fn read_fn;
    void *read_arg;
    unsigned char *raw;         /* one piece as read_fn gives it */
    struct sg_edi_unwrap wrap;

    size_t pos;                 /* next byte to read */
    long line;                  /* line of byte pos, 1-based */
    size_t line_start;          /* offset where that line begins */

    sg_edi_tx_fn tx_fn;
    sg_edi_diag_fn diag_fn;
    void *arg;
    int stop;                   /* a callback asked to stop */
    long n_handed;              /* transactions handed over */

    struct sg_edi_delims delims;
    struct sg_edi_envelope env;
    long seg_index;             /* segments read in this interchange */
    int ich_errors;             /* the interchange header was broken */

    /* The segment just read; lives in the arena. */
    struct sg_edi_segment seg;
    size_t seg_off;             /* offset of its tag */
    long seg_line;
    size_t seg_line_start;
    int seg_errors;             /* a diag was reported while reading it */
    /* The last position sg_edi_report_at() found inside it, so that
     * many diags in one long segment cost one walk, not one each. */
    size_t at_off;
    long at_line;
    size_t at_line_start;
    int splitting;              /* inside the splitter: diags mark seg */
    int seg_raw;                /* split on elements only (X12 ISA) */
    int charset_level;          /* EDIFACT: enum sg_edi_repertoire */

    /* Scratch for the splitter, sized by the limits above. */
    char **comps;
    struct sg_edi_element *reps;
    struct sg_edi_element *elems;

    /* The transaction being gathered. */
    int in_tx;
    struct sg_edi_transaction tx;
    size_t tx_cap;
    long tx_count;              /* segments seen, dropped ones included */

    struct sg_edi_arena *arena;
    size_t arena_bytes;         /* held by the arena's blocks */
    /* Where the arena stood before the segment just read, to give its
     * memory back when the transaction drops it. */
    struct sg_edi_arena *mark_block;
    size_t mark_used;
    int drop_seg;               /* the segment just read was dropped */
    int tx_over;                /* the open transaction is too large */
    char text[320];             /* the diag sentence being built */

    /* ST02 of the open group, UNH 0062 of the interchange. */
    struct sg_edi_seen seen;
};

void sg_edi_reader_init(struct sg_edi_reader *r, enum sg_edi_syntax syntax,
                        sg_edi_read_fn read_fn, void *read_arg,
                        sg_edi_tx_fn tx_fn, sg_edi_diag_fn diag_fn,
                        void *arg);
void sg_edi_reader_free(struct sg_edi_reader *r);

/* Pull bytes until off + n are in the window or the body ends; returns
 * how many bytes from off are there (0 when off is past the end). */
size_t sg_edi_want_more(struct sg_edi_reader *r, size_t off, size_t n);

static inline size_t
sg_edi_want(struct sg_edi_reader *r, size_t off, size_t n)
{
    if (r->len >= off + n) {
        return r->len - off;
    }
    return sg_edi_want_more(r, off, n);
}

/* The byte at offset off, and a pointer to it; off is in the window. */
#define SG_EDI_BYTE(r, off) ((r)->win[(off) - (r)->base])
#define SG_EDI_PTR(r, off) ((r)->win + ((off) - (r)->base))

/* Count the lines that start in (from, to]: after a line break the
 * body kept, or at a wrap break removed.  Updates *line and
 * *line_start. */
void sg_edi_lines(const struct sg_edi_reader *r, size_t from, size_t to,
                  long *line, size_t *line_start);

/* Move to offset to, counting the lines crossed. */
void sg_edi_advance(struct sg_edi_reader *r, size_t to);

/* Skip a byte order mark (bom != 0) and blanks; 0 at the end of data. */
int sg_edi_skip_blank(struct sg_edi_reader *r, int bom);

/*
 * Read the next segment into r->seg.  Returns 1 when one was read, 0 at
 * the end of the data, 2 (nothing consumed) when a new interchange
 * header starts here (X12 "ISA", EDIFACT "UNA" or "UNB") unless
 * header_ok says the caller is reading that header.
 */
int sg_edi_next_segment(struct sg_edi_reader *r, int header_ok);

/* Take the bytes from r->pos to end as one segment and go on at next;
 * for the X12 ISA, whose end is found by counting. */
void sg_edi_take_segment(struct sg_edi_reader *r, size_t end, size_t next);

/* Report a problem at a segment (seg may be NULL for "here"). */
void sg_edi_report(struct sg_edi_reader *r, const char *code,
                   const struct sg_edi_segment *seg, int element,
                   int component, const char *fmt, ...)
    SG_EDI_PRINTF(6, 7);

/* Report a trailer that never came: at the current position, as the
 * segment that should have followed. */
void sg_edi_report_missing(struct sg_edi_reader *r, const char *code,
                           const char *tag, const char *fmt, ...)
    SG_EDI_PRINTF(4, 5);

/* Report a problem at a byte offset inside the current segment. */
void sg_edi_report_at(struct sg_edi_reader *r, const char *code,
                      size_t offset, int element, int component,
                      const char *fmt, ...) SG_EDI_PRINTF(6, 7);

/* Transaction assembly: begin with r->seg, add r->seg, hand over. */
void sg_edi_tx_begin(struct sg_edi_reader *r);
void sg_edi_tx_add(struct sg_edi_reader *r);
void sg_edi_tx_end(struct sg_edi_reader *r);

/* Copy a value into a fixed envelope field, dropping trailing blanks. */
void sg_edi_copy(char *dst, size_t size, const char *src);

/* A 6-digit YYMMDD or 8-digit CCYYMMDD date as CCYYMMDD, else "". */
void sg_edi_copy_date(char *dst, size_t size, const char *src);

/* Note a control number: 1 when it is new in the set, 0 when it was
 * already there.  Clearing empties the set for the next envelope. */
int sg_edi_seen_add(struct sg_edi_seen *s, const char *id);
void sg_edi_seen_clear(struct sg_edi_seen *s);

/* 1 when s is a real calendar date of exactly digits (6: YYMMDD, 8:
 * CCYYMMDD) digits; 1 when s is a time HHMM, with seconds (HHMMSS) and
 * decimal seconds when max_digits allows them.  0 otherwise. */
int sg_edi_valid_date(const char *s, int digits);
int sg_edi_valid_time(const char *s, int max_digits);

/* Parse a count; -1 when it is not a plain non-negative number. */
long sg_edi_count(const char *s);

/* The repertoires of EDIFACT syntax identifiers (edi_charset.c). */
enum sg_edi_repertoire {
    SG_EDI_CS_UNKNOWN = 0,      /* not a known identifier: unchecked */
    SG_EDI_CS_UNCHECKED,        /* known, not modelled */
    SG_EDI_CS_LEVEL_A,          /* UNOA */
    SG_EDI_CS_LEVEL_B,          /* UNOB */
    SG_EDI_CS_8859,             /* ISO 8859 parts with 0xA0..0xFF full */
    SG_EDI_CS_8859_3,
    SG_EDI_CS_8859_6,
    SG_EDI_CS_8859_7,
    SG_EDI_CS_8859_8,
    SG_EDI_CS_UTF8              /* UNOW, UNOY */
};

/* The repertoire of a UNB syntax identifier ("UNOC"). */
int sg_edi_charset_find(const char *id);

/* Length (1..4) of the character at p, which has avail bytes, when it
 * is in the repertoire; 0 when it is not. */
size_t sg_edi_charset_char(int repertoire, const unsigned char *p,
                           size_t avail);

long sg_edi_x12_read(struct sg_edi_reader *r);
long sg_edi_edifact_read(struct sg_edi_reader *r);
#endif /* SG_EDI_INTERNAL */

#endif /* SG_EDI_H */
