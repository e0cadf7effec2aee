/*
 * edi_edifact.c - the UN/EDIFACT interchange reader: UNA, UNB/UNZ,
 * UNG/UNE, UNH/UNT.
 *
 * The service string advice (UNA) is not a segment: it is six bytes that
 * replace the default delimiters for one interchange.  Without it the
 * defaults of ISO 9735 apply, and syntax version 4 adds '*' as the
 * repetition separator.  Messages are handed over at their UNT with
 * values unescaped (release characters removed).
 */
#include <stdio.h>
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"

/* Where one interchange is. */
struct sg_edifact_state {
    int in_group;
    long n_groups;              /* UNG seen in this interchange */
    long n_messages;            /* UNH outside any group */
    long group_messages;        /* UNH in the open group */
    char unb0020[16];
    char ung0048[16];
    char unh0062[40];
};

/*
 * Read the UNA at r->pos into r->delims.  Returns 0, or -1 when it is
 * cut short or declares the same byte twice.
 */
static int
sg_edifact_una(struct sg_edi_reader *r)
{
    const unsigned char *p;
    struct sg_edi_delims *d = &r->delims;
    unsigned char c[6];
    int i, j;

    if (sg_edi_want(r, r->pos, 9) < 9) {
        sg_edi_report_missing(r, "edifact.truncated", "UNA",
                              "the data ends inside the UNA");
        return -1;
    }
    p = SG_EDI_PTR(r, r->pos);
    memcpy(c, p + 3, 6);
    for (i = 0; i < 6; i++) {
        for (j = i + 1; j < 6; j++) {
            /* Position 5 (repetition, "reserved" before syntax 4) is
             * often a space like the unused release; spaces may repeat. */
            if (c[i] == c[j] && c[i] != ' ') {
                sg_edi_report_missing(r, "edifact.bad_una", "UNA",
                                      "the UNA declares '%c' twice",
                                      c[i]);
                return -1;
            }
        }
        if ((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'A' && c[i] <= 'Z') ||
            (c[i] >= 'a' && c[i] <= 'z') ||
            (c[i] == ' ' && i != 3 && i != 4)) {
            sg_edi_report_missing(r, "edifact.bad_una", "UNA",
                                  "the UNA declares '%c' as a delimiter",
                                  c[i]);
            return -1;
        }
    }
    d->component = (char)c[0];
    d->element = (char)c[1];
    d->decimal = (char)c[2];
    d->release = c[3] == ' ' ? 0 : (char)c[3];
    d->repetition = c[4] == ' ' ? 0 : (char)c[4];
    d->segment[0] = (char)c[5];
    d->segment_len = 1;
    sg_edi_advance(r, r->pos + 9);
    return 0;
}

static void
sg_edifact_defaults(struct sg_edi_delims *d)
{
    memset(d, 0, sizeof(*d));
    d->component = ':';
    d->element = '+';
    d->decimal = '.';
    d->release = '?';
    d->segment[0] = '\'';
    d->segment_len = 1;
}

/* UNB S004: YYMMDD up to syntax version 3, CCYYMMDD from version 4,
 * then HHMM.  Returns 1 when one was reported. */
static int
sg_edifact_bad_date_time(struct sg_edi_reader *r,
                         const struct sg_edi_segment *seg)
{
    const char *date = sg_edi_value(seg, 4, 1);
    const char *time = sg_edi_value(seg, 4, 2);
    int digits = sg_edi_count(sg_edi_value(seg, 1, 2)) >= 4 ? 8 : 6;
    int bad = 0;

    if (!sg_edi_valid_date(date, digits)) {
        sg_edi_report(r, "edifact.bad_date", seg, 4, 1,
                      "UNB date '%s' is not a %s date", date,
                      digits == 8 ? "CCYYMMDD (syntax 4)" :
                      "YYMMDD (syntax 1 to 3)");
        bad = 1;
    }
    if (!sg_edi_valid_time(time, 4)) {
        sg_edi_report(r, "edifact.bad_time", seg, 4, 2,
                      "UNB time '%s' is not HHMM", time);
        bad = 1;
    }
    return bad;
}

/* Read the UNB just read into r->env. */
static void
sg_edifact_unb(struct sg_edi_reader *r, struct sg_edifact_state *st,
               int una)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *syntax = sg_edi_value(seg, 1, 1);

    sg_edi_copy(r->env.charset, sizeof(r->env.charset), syntax);
    if (!una && sg_edi_count(sg_edi_value(seg, 1, 2)) >= 4) {
        r->delims.repetition = '*';
    }
    /* A broken header leaves every message of the interchange in
     * doubt, as a broken ISA does in X12. */
    if (r->seg_errors) {
        r->ich_errors = 1;
    }
    if (sg_edifact_bad_date_time(r, seg)) {
        r->ich_errors = 1;
    }
    r->charset_level = sg_edi_charset_find(syntax);
    if (r->charset_level == SG_EDI_CS_UNKNOWN) {
        r->ich_errors = 1;
        sg_edi_report(r, "edifact.syntax_id", seg, 1, 1,
                      "syntax identifier '%s' is not one of UNOA..UNOL, "
                      "UNOW, UNOX, UNOY, IATA, IATB, KECA; the character "
                      "set is unknown", syntax);
    }
    sg_edi_copy(r->env.sender, sizeof(r->env.sender),
                sg_edi_value(seg, 2, 1));
    sg_edi_copy(r->env.sender_qual, sizeof(r->env.sender_qual),
                sg_edi_value(seg, 2, 2));
    sg_edi_copy(r->env.receiver, sizeof(r->env.receiver),
                sg_edi_value(seg, 3, 1));
    sg_edi_copy(r->env.receiver_qual, sizeof(r->env.receiver_qual),
                sg_edi_value(seg, 3, 2));
    sg_edi_copy_date(r->env.interchange_date,
                     sizeof(r->env.interchange_date),
                     sg_edi_value(seg, 4, 1));
    sg_edi_copy(r->env.interchange_control,
                sizeof(r->env.interchange_control),
                sg_edi_value(seg, 5, 1));
    memcpy(st->unb0020, r->env.interchange_control, sizeof(st->unb0020));
}

static void
sg_edifact_lost_unt(struct sg_edi_reader *r, struct sg_edifact_state *st,
                    const struct sg_edi_segment *at)
{
    if (!r->in_tx) {
        return;
    }
    if (at != NULL) {
        sg_edi_report(r, "edifact.missing_unt", at, 0, 0,
                      "message %s has no UNT before this %s", st->unh0062,
                      at->tag);
    } else {
        sg_edi_report_missing(r, "edifact.missing_unt", "UNT",
                              "message %s has no UNT", st->unh0062);
    }
    sg_edi_tx_end(r);
}

static void
sg_edifact_lost_une(struct sg_edi_reader *r, struct sg_edifact_state *st,
                    const struct sg_edi_segment *at)
{
    if (!st->in_group) {
        return;
    }
    if (at != NULL) {
        sg_edi_report(r, "edifact.missing_une", at, 0, 0,
                      "group %s has no UNE before this %s", st->ung0048,
                      at->tag);
    } else {
        sg_edi_report_missing(r, "edifact.missing_une", "UNE",
                              "group %s has no UNE", st->ung0048);
    }
    st->in_group = 0;
}

static void
sg_edifact_ung(struct sg_edi_reader *r, struct sg_edifact_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;

    sg_edifact_lost_unt(r, st, seg);
    sg_edifact_lost_une(r, st, seg);
    st->in_group = 1;
    st->n_groups++;
    st->group_messages = 0;
    sg_edi_copy(st->ung0048, sizeof(st->ung0048), sg_edi_value(seg, 5, 1));
    sg_edi_copy(r->env.group_type, sizeof(r->env.group_type),
                sg_edi_value(seg, 1, 1));
    sg_edi_copy(r->env.group_sender, sizeof(r->env.group_sender),
                sg_edi_value(seg, 2, 1));
    sg_edi_copy(r->env.group_receiver, sizeof(r->env.group_receiver),
                sg_edi_value(seg, 3, 1));
    sg_edi_copy(r->env.group_control, sizeof(r->env.group_control),
                sg_edi_value(seg, 5, 1));
}

static void
sg_edifact_une(struct sg_edi_reader *r, struct sg_edifact_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *une01 = sg_edi_value(seg, 1, 1);
    const char *une02 = sg_edi_value(seg, 2, 1);

    sg_edifact_lost_unt(r, st, seg);
    if (!st->in_group) {
        sg_edi_report(r, "edifact.outside_envelope", seg, 0, 0,
                      "UNE without a UNG");
        return;
    }
    if (sg_edi_count(une01) != st->group_messages) {
        sg_edi_report(r, "edifact.une_count", seg, 1, 0,
                      "UNE01 says %s messages; the group has %ld", une01,
                      st->group_messages);
    }
    if (strcmp(une02, st->ung0048) != 0) {
        sg_edi_report(r, "edifact.une_control", seg, 2, 0,
                      "UNE02 %s differs from UNG 0048 %s", une02,
                      st->ung0048);
    }
    st->in_group = 0;
    r->env.group_type[0] = '\0';
    r->env.group_control[0] = '\0';
    r->env.group_sender[0] = '\0';
    r->env.group_receiver[0] = '\0';
}

/* S009 without the message type: "D:96A:UN", plus the association
 * code when there is one. */
static void
sg_edifact_version(struct sg_edi_reader *r, const struct sg_edi_segment *seg)
{
    char *v = r->env.version;
    size_t size = sizeof(r->env.version), n;
    int c, last = 1;

    for (c = 2; c <= 5; c++) {
        if (sg_edi_value(seg, 2, c)[0] != '\0') {
            last = c;
        }
    }
    v[0] = '\0';
    for (c = 2; c <= last; c++) {
        n = strlen(v);
        snprintf(v + n, size - n, "%s%s", c > 2 ? ":" : "",
                 sg_edi_value(seg, 2, c));
    }
}

static void
sg_edifact_unh(struct sg_edi_reader *r, struct sg_edifact_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;

    sg_edifact_lost_unt(r, st, seg);
    if (st->in_group) {
        st->group_messages++;
    } else {
        st->n_messages++;
    }
    sg_edi_copy(r->env.set_control, sizeof(r->env.set_control),
                sg_edi_value(seg, 1, 1));
    sg_edi_copy(r->env.set_type, sizeof(r->env.set_type),
                sg_edi_value(seg, 2, 1));
    sg_edifact_version(r, seg);
    memcpy(st->unh0062, r->env.set_control, sizeof(st->unh0062));
    sg_edi_tx_begin(r);

    /* The message reference is unique in the interchange. */
    if (!sg_edi_seen_add(&r->seen, st->unh0062)) {
        sg_edi_report(r, "edifact.duplicate_control", seg, 1, 0,
                      "message reference %s is used twice in interchange "
                      "%s", st->unh0062, st->unb0020);
    }
}

static void
sg_edifact_unt(struct sg_edi_reader *r, struct sg_edifact_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *unt01 = sg_edi_value(seg, 1, 1);
    const char *unt02 = sg_edi_value(seg, 2, 1);

    if (!r->in_tx) {
        sg_edi_report(r, "edifact.outside_envelope", seg, 0, 0,
                      "UNT without a UNH");
        return;
    }
    sg_edi_tx_add(r);
    if (sg_edi_count(unt01) != r->tx_count) {
        sg_edi_report(r, "edifact.unt_count", seg, 1, 0,
                      "UNT01 says %s segments; the message has %ld", unt01,
                      r->tx_count);
    }
    if (strcmp(unt02, st->unh0062) != 0) {
        sg_edi_report(r, "edifact.unt_control", seg, 2, 0,
                      "UNT02 %s differs from UNH 0062 %s", unt02,
                      st->unh0062);
    }
    sg_edi_tx_end(r);
}

static void
sg_edifact_unz(struct sg_edi_reader *r, struct sg_edifact_state *st)
{
    const struct sg_edi_segment *seg = &r->seg;
    const char *unz01 = sg_edi_value(seg, 1, 1);
    const char *unz02 = sg_edi_value(seg, 2, 1);
    long want = st->n_groups > 0 ? st->n_groups : st->n_messages;

    sg_edifact_lost_unt(r, st, seg);
    sg_edifact_lost_une(r, st, seg);
    if (sg_edi_count(unz01) != want) {
        sg_edi_report(r, "edifact.unz_count", seg, 1, 0,
                      "UNZ01 says %s; the interchange has %ld %s", unz01,
                      want, st->n_groups > 0 ? "groups" : "messages");
    }
    if (strcmp(unz02, st->unb0020) != 0) {
        sg_edi_report(r, "edifact.unz_control", seg, 2, 0,
                      "UNZ02 %s differs from UNB 0020 %s", unz02,
                      st->unb0020);
    }
}

/*
 * One interchange from its UNA or UNB to its UNZ, or to the end of the
 * data or the next UNA/UNB.  Returns 0, or -1 when it has no UNB.
 */
static int
sg_edifact_interchange(struct sg_edi_reader *r)
{
    struct sg_edifact_state st;
    const char *tag;
    int una = 0, rc;

    memset(&st, 0, sizeof(st));
    memset(&r->env, 0, sizeof(r->env));
    r->env.syntax = SG_EDI_EDIFACT;
    r->seg_index = 0;
    r->ich_errors = 0;
    r->charset_level = 0;
    sg_edi_seen_clear(&r->seen);
    sg_edifact_defaults(&r->delims);
    if (sg_edi_want(r, r->pos, 3) >= 3 &&
        memcmp(SG_EDI_PTR(r, r->pos), "UNA", 3) == 0) {
        if (sg_edifact_una(r) < 0) {
            return -1;
        }
        una = 1;
    }

    /* Look before reading: garbage is not worth cutting into segments. */
    sg_edi_skip_blank(r, 0);
    if (sg_edi_want(r, r->pos, 4) < 4 ||
        memcmp(SG_EDI_PTR(r, r->pos), "UNB", 3) != 0 ||
        SG_EDI_BYTE(r, r->pos + 3) != (unsigned char)r->delims.element) {
        sg_edi_report_missing(r, "edifact.missing_unb", "UNB",
                              una ? "no UNB after the UNA" :
                              "the data does not start with UNA or UNB");
        return -1;
    }
    sg_edi_next_segment(r, 1);
    sg_edifact_unb(r, &st, una);

    while (!r->stop) {
        rc = sg_edi_next_segment(r, 0);
        if (rc != 1) {
            sg_edifact_lost_unt(r, &st, NULL);
            sg_edifact_lost_une(r, &st, NULL);
            sg_edi_report_missing(r, "edifact.missing_unz", "UNZ",
                                  "interchange %s has no UNZ",
                                  st.unb0020);
            return 0;
        }
        tag = r->seg.tag;
        if (strcmp(tag, "UNZ") == 0) {
            sg_edifact_unz(r, &st);
            return 0;
        } else if (strcmp(tag, "UNG") == 0) {
            sg_edifact_ung(r, &st);
        } else if (strcmp(tag, "UNE") == 0) {
            sg_edifact_une(r, &st);
        } else if (strcmp(tag, "UNH") == 0) {
            sg_edifact_unh(r, &st);
        } else if (strcmp(tag, "UNT") == 0) {
            sg_edifact_unt(r, &st);
        } else if (r->in_tx) {
            sg_edi_tx_add(r);
        } else {
            sg_edi_report(r, "edifact.outside_envelope", &r->seg, 0, 0,
                          "segment %s outside a message",
                          tag[0] ? tag : "(no tag)");
        }
    }
    return 0;
}

long
sg_edi_edifact_read(struct sg_edi_reader *r)
{
    int first = 1;

    for (;;) {
        memset(&r->delims, 0, sizeof(r->delims));
        if (!sg_edi_skip_blank(r, 1)) {
            if (first) {
                sg_edi_report_missing(r, "edifact.missing_unb", "UNB",
                                      "no interchange in the data");
            }
            break;
        }
        if (r->stop || sg_edifact_interchange(r) < 0) {
            break;
        }
        first = 0;
    }
    return first ? -1 : r->n_handed;
}
