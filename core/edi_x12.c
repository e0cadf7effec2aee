/*
 * edi_x12.c - the ANSI X12 interchange reader: ISA/IEA, GS/GE, ST/SE.
 *
 * The ISA is the only segment whose shape is fixed (106 bytes, 16
 * elements of fixed width), and the only place the delimiters are
 * declared, so it is read by position and counting before anything else;
 * every other segment is cut with the delimiters it declares.  Envelope
 * counts and control numbers are checked as the trailers arrive, and each
 * transaction set is handed over at its SE, errors and all, so that the
 * plugin can tell the partner what was wrong with which document.
 */
#include <stdio.h>
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"

/* ISA01..ISA16 widths; the terminator follows ISA16. */
static const int sg_x12_isa_width[17] = {
    0, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1
};
#define SG_X12_ISA_LEN 106
/* How far to look for the 16 separators of an ISA that is not fixed
 * width (padding with multi-byte spaces, a line break inside). */
#define SG_X12_ISA_SCAN 512

/* Where one interchange is. */
struct sg_x12_state {
    int in_group;
    int group_errors;           /* its GS was broken: mark its sets */
    long n_groups;
    long n_sets;
    char isa13[16];
    char gs06[16];
    char st02[40];
};

static int
sg_x12_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/* Length of the UTF-8 sequence a lead byte announces, 1 if none. */
static size_t
sg_x12_utf8_len(const unsigned char *p, size_t avail)
{
    size_t n, i;

    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
    } else {
        return 1;
    }
    if (n > avail) {
        return 1;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 1;
        }
    }
    return n;
}

/* X12 control numbers are numeric (N0): "0001" and "1" are the same;
 * anything else must match exactly. */
static int
sg_x12_same_control(const char *a, const char *b)
{
    long x = sg_edi_count(a), y = sg_edi_count(b);

    if (x >= 0 && y >= 0) {
        return x == y;
    }
    return strcmp(a, b) == 0;
}

/* A separator must be a graphic, non-alphanumeric byte. */
static int
sg_x12_bad_delim(unsigned char c)
{
    return sg_x12_alnum(c) || c == ' ';
}

/*
 * Check the date and time elements of an envelope segment: a date of
 * date_digits digits (6 or 8; 0 takes either), a time of 4 to
 * time_max digits.  Returns 1 when one was reported.
 */
static int
sg_x12_bad_date_time(struct sg_edi_reader *r,
                     const struct sg_edi_segment *seg, int date_el,
                     int date_digits, int time_el, int time_max)
{
    const char *date = sg_edi_value(seg, date_el, 1);
    const char *time = sg_edi_value(seg, time_el, 1);
    int bad = 0;

    if (date_digits ? !sg_edi_valid_date(date, date_digits) :
        !sg_edi_valid_date(date, 8) && !sg_edi_valid_date(date, 6)) {
        sg_edi_report(r, "x12.bad_date", seg, date_el, 0,
                      "%s%02d '%s' is not a date", seg->tag, date_el, date);
        bad = 1;
    }
    if (!sg_edi_valid_time(time, time_max)) {
        sg_edi_report(r, "x12.bad_time", seg, time_el, 0,
                      "%s%02d '%s' is not a time", seg->tag, time_el, time);
        bad = 1;
    }
    return bad;
}

/* The envelope data of the ISA just read. */
static void
sg_x12_isa_envelope(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;

    sg_edi_copy(r->env.sender_qual, sizeof(r->env.sender_qual),
                sg_edi_value(seg, 5, 1));
    sg_edi_copy(r->env.sender, sizeof(r->env.sender),
                sg_edi_value(seg, 6, 1));
    sg_edi_copy(r->env.receiver_qual, sizeof(r->env.receiver_qual),
                sg_edi_value(seg, 7, 1));
    sg_edi_copy(r->env.receiver, sizeof(r->env.receiver),
                sg_edi_value(seg, 8, 1));
    sg_edi_copy_date(r->env.interchange_date,
                     sizeof(r->env.interchange_date),
                     sg_edi_value(seg, 9, 1));
    sg_edi_copy(r->env.interchange_control,
                sizeof(r->env.interchange_control),
                sg_edi_value(seg, 13, 1));
    memcpy(st->isa13, r->env.interchange_control, sizeof(st->isa13));
}

/*
 * Read the ISA at r->pos: the delimiters, the envelope data, the field
 * widths.  Returns 0, or -1 when the delimiters cannot be found, in
 * which case nothing after it can be read.
 */
static int
sg_x12_isa(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const unsigned char *p;
    size_t avail, sep[18], i, tl, w;
    struct sg_edi_delims *d = &r->delims;
    struct sg_edi_segment *seg = &r->seg;
    unsigned char es;
    int n = 0, k;
    long version;

    /* Enough for the longest ISA looked at, its terminator included;
     * a window of more would change nothing below. */
    avail = sg_edi_want(r, r->pos, SG_X12_ISA_SCAN + 8);
    if (avail > SG_X12_ISA_SCAN + 8) {
        avail = SG_X12_ISA_SCAN + 8;
    }
    p = SG_EDI_PTR(r, r->pos);
    memset(&r->env, 0, sizeof(r->env));
    memset(d, 0, sizeof(*d));
    r->env.syntax = SG_EDI_X12;
    r->seg_index = 0;
    r->ich_errors = 0;

    /* The positions of the 16 element separators. */
    es = avail > 3 ? p[3] : 0;
    if (es != 0 && !sg_x12_bad_delim(es) && es != '\r' && es != '\n') {
        for (i = 3; i < avail && i < SG_X12_ISA_SCAN && n < 16; i++) {
            if (p[i] == es) {
                sep[++n] = i;
            }
        }
    }
    if (n < 16 || sep[16] + 2 >= avail) {
        const char *code = n == 0 ? "x12.bad_delimiter" :
                           avail < SG_X12_ISA_SCAN ? "x12.truncated" :
                           "x12.isa_length";

        sg_edi_report_missing(r, code, "ISA", "the ISA ends before its 16 "
                              "elements and terminator; no delimiters");
        return -1;
    }

    d->element = (char)es;
    d->component = (char)p[sep[16] + 1];
    d->release = 0;
    d->decimal = '.';
    tl = sg_x12_utf8_len(p + sep[16] + 2, avail - sep[16] - 2);
    memcpy(d->segment, p + sep[16] + 2, tl);
    d->segment_len = tl;
    if (sg_x12_bad_delim((unsigned char)d->component) ||
        d->component == d->element ||
        sg_x12_bad_delim((unsigned char)d->segment[0]) ||
        d->segment[0] == d->element || d->segment[0] == d->component) {
        sg_edi_report_missing(r, "x12.bad_delimiter", "ISA",
                              "the ISA declares unusable delimiters");
        return -1;
    }

    /* The ISA as a segment: elements only, no components. */
    r->seg_raw = 1;
    sg_edi_take_segment(r, r->pos + sep[16] + 2,
                        r->pos + sep[16] + 2 + tl);
    r->seg_raw = 0;
    if (r->seg_errors) {
        r->ich_errors = 1;
    }

    sep[17] = sep[16] + 2;
    for (k = 1; k <= 16; k++) {
        w = sep[k + 1] - sep[k] - 1;
        if (w != (size_t)sg_x12_isa_width[k]) {
            r->ich_errors = 1;
            sg_edi_report(r, "x12.isa_length", seg, k, 0,
                          "ISA%02d is %zu bytes long; the ISA is fixed "
                          "width and it must be %d", k, w,
                          sg_x12_isa_width[k]);
        }
    }

    /* ISA11 is the repetition separator only from version 00402 on. */
    version = sg_edi_count(sg_edi_value(seg, 12, 1));
    if (version >= 402) {
        unsigned char rc = (unsigned char)sg_edi_value(seg, 11, 1)[0];

        if (rc != 0 && !sg_x12_bad_delim(rc) && rc != es &&
            rc != (unsigned char)d->component &&
            rc != (unsigned char)d->segment[0]) {
            d->repetition = (char)rc;
        }
    }

    sg_x12_isa_envelope(r, st);
    if (sg_x12_bad_date_time(r, seg, 9, 6, 10, 4)) {
        r->ich_errors = 1;
    }
    return 0;
}

/* Hand over an open set whose SE never came. */
static void
sg_x12_lost_se(struct sg_edi_reader *r, struct sg_x12_state *st,
               const struct sg_edi_segment *at)
{
    if (!r->in_tx) {
        return;
    }
    if (at != NULL) {
        sg_edi_report(r, "x12.missing_se", at, 0, 0,
                      "transaction set %s has no SE before this %s",
                      st->st02, at->tag);
    } else {
        sg_edi_report_missing(r, "x12.missing_se", "SE",
                              "transaction set %s has no SE", st->st02);
    }
    sg_edi_tx_end(r);
}

static void
sg_x12_lost_ge(struct sg_edi_reader *r, struct sg_x12_state *st,
               const struct sg_edi_segment *at)
{
    if (!st->in_group) {
        return;
    }
    if (at != NULL) {
        sg_edi_report(r, "x12.missing_ge", at, 0, 0,
                      "group %s has no GE before this %s", st->gs06,
                      at->tag);
    } else {
        sg_edi_report_missing(r, "x12.missing_ge", "GE",
                              "group %s has no GE", st->gs06);
    }
    st->in_group = 0;
}

static void
sg_x12_gs(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;

    sg_x12_lost_se(r, st, seg);
    sg_x12_lost_ge(r, st, seg);
    st->in_group = 1;
    st->n_groups++;
    st->n_sets = 0;
    sg_edi_seen_clear(&r->seen);
    sg_edi_copy(st->gs06, sizeof(st->gs06), sg_edi_value(seg, 6, 1));
    sg_edi_copy(r->env.group_type, sizeof(r->env.group_type),
                sg_edi_value(seg, 1, 1));
    sg_edi_copy(r->env.group_sender, sizeof(r->env.group_sender),
                sg_edi_value(seg, 2, 1));
    sg_edi_copy(r->env.group_receiver, sizeof(r->env.group_receiver),
                sg_edi_value(seg, 3, 1));
    sg_edi_copy(r->env.group_control, sizeof(r->env.group_control),
                sg_edi_value(seg, 6, 1));
    sg_edi_copy(r->env.version, sizeof(r->env.version),
                sg_edi_value(seg, 8, 1));

    /* GS04 is CCYYMMDD from version 004010, YYMMDD before. */
    st->group_errors = r->seg_errors;
    if (sg_x12_bad_date_time(r, seg, 4, 0, 5, 8)) {
        st->group_errors = 1;
    }
}

static void
sg_x12_ge(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *ge01 = sg_edi_value(seg, 1, 1);
    const char *ge02 = sg_edi_value(seg, 2, 1);

    sg_x12_lost_se(r, st, seg);
    if (!st->in_group) {
        sg_edi_report(r, "x12.outside_envelope", seg, 0, 0,
                      "GE without a GS");
        return;
    }
    if (sg_edi_count(ge01) != st->n_sets) {
        sg_edi_report(r, "x12.ge_count", seg, 1, 0,
                      "GE01 says %s transaction sets; the group has %ld",
                      ge01, st->n_sets);
    }
    if (!sg_x12_same_control(ge02, st->gs06)) {
        sg_edi_report(r, "x12.ge_control", seg, 2, 0,
                      "GE02 %s differs from GS06 %s", ge02, st->gs06);
    }
    st->in_group = 0;
}

static void
sg_x12_st(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;

    sg_x12_lost_se(r, st, seg);
    if (!st->in_group) {
        sg_edi_report(r, "x12.missing_gs", seg, 0, 0,
                      "ST outside a functional group (no GS)");
        r->env.group_type[0] = '\0';
        r->env.group_control[0] = '\0';
        r->env.version[0] = '\0';
    } else {
        st->n_sets++;
    }
    sg_edi_copy(r->env.set_type, sizeof(r->env.set_type),
                sg_edi_value(seg, 1, 1));
    sg_edi_copy(r->env.set_control, sizeof(r->env.set_control),
                sg_edi_value(seg, 2, 1));
    memcpy(st->st02, r->env.set_control, sizeof(st->st02));
    sg_edi_tx_begin(r);
    if (st->in_group && st->group_errors) {
        r->tx.has_errors = 1;
    }

    /* ST02 is unique in its group: a second set with the same one is
     * a resend or a generator fault, never a new document. */
    if (st->in_group && !sg_edi_seen_add(&r->seen, st->st02)) {
        sg_edi_report(r, "x12.duplicate_control", seg, 2, 0,
                      "ST02 %s is used twice in group %s", st->st02,
                      st->gs06);
    }
}

static void
sg_x12_se(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *se01 = sg_edi_value(seg, 1, 1);
    const char *se02 = sg_edi_value(seg, 2, 1);

    if (!r->in_tx) {
        sg_edi_report(r, "x12.outside_envelope", seg, 0, 0,
                      "SE without an ST");
        return;
    }
    sg_edi_tx_add(r);
    if (sg_edi_count(se01) != r->tx_count) {
        sg_edi_report(r, "x12.se_count", seg, 1, 0,
                      "SE01 says %s segments; the set has %ld", se01,
                      r->tx_count);
    }
    if (strcmp(se02, st->st02) != 0) {
        sg_edi_report(r, "x12.se_control", seg, 2, 0,
                      "SE02 %s differs from ST02 %s", se02, st->st02);
    }
    sg_edi_tx_end(r);
}

static void
sg_x12_iea(struct sg_edi_reader *r, struct sg_x12_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *iea01 = sg_edi_value(seg, 1, 1);
    const char *iea02 = sg_edi_value(seg, 2, 1);

    sg_x12_lost_se(r, st, seg);
    sg_x12_lost_ge(r, st, seg);
    if (sg_edi_count(iea01) != st->n_groups) {
        sg_edi_report(r, "x12.iea_count", seg, 1, 0,
                      "IEA01 says %s groups; the interchange has %ld",
                      iea01, st->n_groups);
    }
    if (!sg_x12_same_control(iea02, st->isa13)) {
        sg_edi_report(r, "x12.iea_control", seg, 2, 0,
                      "IEA02 %s differs from ISA13 %s", iea02, st->isa13);
    }
}

/*
 * One interchange from its ISA to its IEA, or to the end of the data or
 * the next ISA.  Returns 0, or -1 when its ISA could not be read.
 */
static int
sg_x12_interchange(struct sg_edi_reader *r)
{
    struct sg_x12_state st;
    const char *tag;
    int rc;

    memset(&st, 0, sizeof(st));
    if (sg_x12_isa(r, &st) < 0) {
        return -1;
    }
    while (!r->stop) {
        rc = sg_edi_next_segment(r, 0);
        if (rc != 1) {
            /* The end of the data, or another ISA: the trailers are
             * missing. */
            sg_x12_lost_se(r, &st, NULL);
            sg_x12_lost_ge(r, &st, NULL);
            sg_edi_report_missing(r, "x12.missing_iea", "IEA",
                                  "interchange %s has no IEA", st.isa13);
            return 0;
        }
        tag = r->seg.tag;
        if (strcmp(tag, "IEA") == 0) {
            sg_x12_iea(r, &st);
            return 0;
        } else if (strcmp(tag, "GS") == 0) {
            sg_x12_gs(r, &st);
        } else if (strcmp(tag, "GE") == 0) {
            sg_x12_ge(r, &st);
        } else if (strcmp(tag, "ST") == 0) {
            sg_x12_st(r, &st);
        } else if (strcmp(tag, "SE") == 0) {
            sg_x12_se(r, &st);
        } else if (r->in_tx) {
            sg_edi_tx_add(r);
        } else if (!st.in_group && st.n_groups == 0 &&
                   (strcmp(tag, "ISB") == 0 || strcmp(tag, "ISE") == 0 ||
                    strcmp(tag, "TA1") == 0)) {
            /* Interchange services and acknowledgements: no set. */
            continue;
        } else {
            sg_edi_report(r, "x12.outside_envelope", &r->seg, 0, 0,
                          "segment %s outside a transaction set",
                          tag[0] ? tag : "(no tag)");
        }
    }
    return 0;
}

long
sg_edi_x12_read(struct sg_edi_reader *r)
{
    int first = 1;

    for (;;) {
        memset(&r->delims, 0, sizeof(r->delims));
        if (!sg_edi_skip_blank(r, 1)) {
            if (first) {
                sg_edi_report_missing(r, "x12.missing_isa", "ISA",
                                      "no interchange in the data");
            }
            break;
        }
        if (r->stop) {
            break;
        }
        if (sg_edi_want(r, r->pos, 3) < 3 ||
            memcmp(SG_EDI_PTR(r, r->pos), "ISA", 3) != 0) {
            r->seg_index = 0;
            sg_edi_report_missing(r, "x12.missing_isa", "ISA",
                                  first ? "the data does not start with "
                                  "an ISA" : "data after the IEA that is "
                                  "not an ISA");
            break;
        }
        if (sg_x12_interchange(r) < 0) {
            break;
        }
        first = 0;
    }
    return first ? -1 : r->n_handed;
}
