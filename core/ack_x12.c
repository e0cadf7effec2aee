/*
 * ack_x12.c - write the X12 acknowledgement the model in ack.c decided:
 * ISA, an optional TA1, one FA group with a 997 (or a 999 for 005010X
 * guides) per inbound functional group, IEA.
 *
 * The ack uses the delimiters of the interchange it answers and swaps
 * its sender and receiver (ISA05/06 with ISA07/08, GS02 with GS03).
 * Trailing empty elements are dropped, as X12 requires.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SG_ACK_INTERNAL
#include "ack.h"

struct sg_x12_out {
    struct sg_buf *b;
    const struct sg_edi_delims *d;
    long n_in_set;              /* segments since ST, for SE01 */
};

/* One segment from its elements, a NULL-terminated list. */
static void
sg_x12_seg(struct sg_x12_out *o, const char *tag, ...)
{
    const char *v[32];
    int n = 0, last = 0, i;
    va_list ap;

    va_start(ap, tag);
    while (n < 32 && (v[n] = va_arg(ap, const char *)) != NULL) {
        if (v[n][0] != '\0') {
            last = n + 1;
        }
        n++;
    }
    va_end(ap);
    sg_buf_adds(o->b, tag);
    for (i = 0; i < last; i++) {
        sg_buf_add(o->b, &o->d->element, 1);
        sg_buf_adds(o->b, v[i]);
    }
    sg_buf_add(o->b, o->d->segment, o->d->segment_len);
    o->n_in_set++;
}

/* An ISA field at its fixed width: padded with blanks or cut. */
static void
sg_x12_fixed(char *out, size_t size, const char *v, int width)
{
    snprintf(out, size, "%-*.*s", width, width, v);
}

static void
sg_x12_isa(struct sg_x12_out *o, const struct sg_ack_model *m)
{
    char sq[4], sid[20], rq[4], rid[20], date[16], hm[8], ctl[24];
    char auth[12], isa11[4], isa12[8], isa15[4];

    sg_x12_fixed(rq, sizeof(rq), m->isa[7], 2);
    sg_x12_fixed(rid, sizeof(rid), m->isa[8], 15);
    sg_x12_fixed(sq, sizeof(sq), m->isa[5], 2);
    sg_x12_fixed(sid, sizeof(sid), m->isa[6], 15);
    sg_x12_fixed(auth, sizeof(auth), "", 10);
    sg_ack_strcpy(isa11, sizeof(isa11), m->isa[11][0] ? m->isa[11] : "U");
    sg_ack_strcpy(isa12, sizeof(isa12),
                  strlen(m->isa[12]) == 5 ? m->isa[12] : "00401");
    sg_ack_strcpy(isa15, sizeof(isa15), m->isa[15][0] ? m->isa[15] : "P");
    sg_ack_date(m->now_ms, 0, date, sizeof(date), hm, sizeof(hm));
    snprintf(ctl, sizeof(ctl), "%09lu", m->control_out);
    sg_x12_seg(o, "ISA", "00", auth, "00", auth, rq, rid, sq, sid, date,
               hm, isa11, isa12, ctl, "0", isa15, m->isa[16], NULL);
}

/* TA1 when the envelope had a problem, or when ISA14 asked for one. */
static int
sg_x12_ta1(struct sg_x12_out *o, const struct sg_ack_model *m)
{
    const char *note = "000", *status = "A";

    if (m->ich_code != NULL) {
        note = m->ich_code->x12 != NULL ? m->ich_code->x12 :
               sg_ack_isa_note(m->ich_element);
        status = m->ich_action == 'R' ? "R" : "E";
    } else if (strcmp(m->isa[14], "1") != 0) {
        return 0;
    }
    sg_x12_seg(o, "TA1", m->isa[13], m->isa[9], m->isa[10], status, note,
               NULL);
    return status[0] == 'R';
}

static int
sg_x12_is_999(const struct sg_ack_group *g)
{
    return strncmp(g->version, "005010X", 7) == 0;
}

/* AK3/AK4 (IK3/IK4) for each segment and element error of a set. */
static void
sg_x12_errors(struct sg_x12_out *o, const struct sg_ack_set *s, int v999)
{
    const struct sg_ack_err *e;
    char pos[24], where[24];
    size_t i;

    for (i = 0; i < s->n_errs; i++) {
        e = &s->errs[i];
        snprintf(pos, sizeof(pos), "%ld", e->position);
        if (e->code->level == SG_ACK_SEGMENT) {
            sg_x12_seg(o, v999 ? "IK3" : "AK3", e->tag, pos, "",
                       e->code->x12, NULL);
            continue;
        }
        sg_x12_seg(o, v999 ? "IK3" : "AK3", e->tag, pos, "", "8", NULL);
        if (e->item->element <= 0) {
            continue;           /* the element is not known: AK3 only */
        }
        if (e->item->component > 0) {
            snprintf(where, sizeof(where), "%d%c%d", e->item->element,
                     o->d->component, e->item->component);
        } else {
            snprintf(where, sizeof(where), "%d", e->item->element);
        }
        sg_x12_seg(o, v999 ? "IK4" : "AK4", where, "", e->code->x12,
                   e->bad, NULL);
    }
}

/* AK5 (IK5): A, E or R and up to five codes. */
static void
sg_x12_set_trailer(struct sg_x12_out *o, const struct sg_ack_set *s,
                   int v999)
{
    const char *c[5] = {"", "", "", "", ""};
    int n = 0, i, has5 = 0;

    for (i = 0; i < s->n_codes && n < 5; i++) {
        c[n++] = s->codes[i]->x12;
        has5 |= strcmp(s->codes[i]->x12, "5") == 0;
    }
    if (s->n_errs > 0 && !has5 && n < 5) {
        c[n++] = "5";
    }
    sg_x12_seg(o, v999 ? "IK5" : "AK5",
               s->rejected ? "R" : (n > 0 ? "E" : "A"),
               c[0], c[1], c[2], c[3], c[4], NULL);
}

/* One 997 or 999 for one inbound group. */
static void
sg_x12_group_ack(struct sg_x12_out *o, const struct sg_ack_model *m,
                 size_t gi, int st_number)
{
    const struct sg_ack_group *g = &m->groups[gi];
    int v999 = sg_x12_is_999(g), accepted = 0, noted = 0, i;
    char st02[16], n_sets[16], n_ok[16], count[24];
    const char *c[5] = {"", "", "", "", ""};
    const char *status;
    size_t k;

    snprintf(st02, sizeof(st02), "%04d", st_number);
    o->n_in_set = 0;
    sg_x12_seg(o, "ST", v999 ? "999" : "997", st02, v999 ? g->version : "",
               NULL);
    sg_x12_seg(o, "AK1", g->type, g->control, v999 ? g->version : "",
               NULL);
    for (k = 0; k < m->n_sets; k++) {
        const struct sg_ack_set *s = &m->sets[k];

        if (s->group != (int)gi) {
            continue;
        }
        sg_x12_seg(o, "AK2", s->type, s->control, v999 ? s->guide : "",
                   NULL);
        sg_x12_errors(o, s, v999);
        sg_x12_set_trailer(o, s, v999);
        accepted += !s->rejected;
        noted += !s->rejected && (s->n_codes > 0 || s->n_errs > 0);
    }
    for (i = 0; i < g->n_codes; i++) {
        c[i] = g->codes[i]->x12;
    }
    if (accepted == g->n_sets) {
        status = g->n_codes > 0 || noted > 0 ? "E" : "A";
    } else {
        status = accepted == 0 ? "R" : "P";
    }
    /* XXX: AK902 repeats the sets received, not GE01: a group whose GE01
     * overstates its sets shows only in the AK905 code 5. */
    snprintf(n_sets, sizeof(n_sets), "%d", g->n_sets);
    snprintf(n_ok, sizeof(n_ok), "%d", accepted);
    sg_x12_seg(o, "AK9", status, n_sets, n_sets, n_ok, c[0], c[1], c[2],
               c[3], c[4], NULL);
    snprintf(count, sizeof(count), "%ld", o->n_in_set + 1);
    sg_x12_seg(o, "SE", count, st02, NULL);
}

void
sg_ack_x12_write(const struct sg_ack_model *m, struct sg_buf *out,
                 const char **kind)
{
    struct sg_x12_out o;
    char date[16], hm[8], ctl[24], n[24];
    int rejected_whole;
    size_t gi;

    o.b = out;
    o.d = &m->delims;
    o.n_in_set = 0;
    sg_x12_isa(&o, m);
    rejected_whole = sg_x12_ta1(&o, m);
    *kind = "TA1";
    snprintf(ctl, sizeof(ctl), "%lu", m->control_out);
    if (rejected_whole || m->n_groups == 0) {
        snprintf(n, sizeof(n), "%09lu", m->control_out);
        sg_x12_seg(&o, "IEA", "0", n, NULL);
        return;
    }

    /* XXX: one FA group carries every 997/999 with the version of the
     * first inbound group; an interchange mixing 004010 and 005010
     * groups gets a GS08 that fits only the first. */
    sg_ack_date(m->now_ms, 1, date, sizeof(date), hm, sizeof(hm));
    sg_x12_seg(&o, "GS", "FA", m->groups[0].receiver, m->groups[0].sender,
               date, hm, ctl, "X", m->groups[0].version, NULL);
    for (gi = 0; gi < m->n_groups; gi++) {
        sg_x12_group_ack(&o, m, gi, (int)gi + 1);
    }
    *kind = sg_x12_is_999(&m->groups[0]) ? "999" : "997";
    snprintf(n, sizeof(n), "%zu", m->n_groups);
    sg_x12_seg(&o, "GE", n, ctl, NULL);
    snprintf(n, sizeof(n), "%09lu", m->control_out);
    sg_x12_seg(&o, "IEA", "1", n, NULL);
}
