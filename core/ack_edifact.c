/*
 * ack_edifact.c - write the CONTRL message the model in ack.c decided:
 * UCI for the interchange, then (unless the interchange itself was
 * refused) one UCM per message with UCS and UCD for its segment and
 * element errors, in an interchange addressed back to the sender.
 *
 * Action codes (0083): 7 acknowledged, 4 rejected.  Positions are those
 * of the inbound message, UNH being segment 1.
 * XXX: UNG groups get no UCF; their messages are answered by UCM only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SG_ACK_INTERNAL
#include "ack.h"

struct sg_contrl_out {
    struct sg_buf *b;
    const struct sg_edi_delims *d;
    long n_in_msg;
};

/* Add a value, releasing the characters that are delimiters; without
 * a release character (UNA position 6 a space) they become blanks. */
static void
sg_contrl_value(struct sg_contrl_out *o, const char *v)
{
    const struct sg_edi_delims *d = o->d;
    int has_release = d->release != 0 && d->release != ' ';

    for (; *v != '\0'; v++) {
        if (*v == d->element || *v == d->component ||
            *v == d->segment[0] || (has_release && *v == d->release)) {
            if (!has_release) {
                sg_buf_add(o->b, " ", 1);
                continue;
            }
            sg_buf_add(o->b, &d->release, 1);
        }
        sg_buf_add(o->b, v, 1);
    }
}

/*
 * One segment; each argument is an element whose components are
 * separated by '\x1f' (never in our values), NULL ends the list.
 * Trailing empty elements are dropped.
 */
static void
sg_contrl_seg(struct sg_contrl_out *o, const char *tag, ...)
{
    const char *v[16];
    int n = 0, last = 0, i;
    va_list ap;

    va_start(ap, tag);
    while (n < 16 && (v[n] = va_arg(ap, const char *)) != NULL) {
        if (v[n][0] != '\0') {
            last = n + 1;
        }
        n++;
    }
    va_end(ap);
    sg_buf_adds(o->b, tag);
    for (i = 0; i < last; i++) {
        const char *p = v[i], *us;
        char part[128];

        sg_buf_add(o->b, &o->d->element, 1);
        while ((us = strchr(p, '\x1f')) != NULL) {
            snprintf(part, sizeof(part), "%.*s", (int)(us - p), p);
            sg_contrl_value(o, part);
            sg_buf_add(o->b, &o->d->component, 1);
            p = us + 1;
        }
        sg_contrl_value(o, p);
    }
    sg_buf_add(o->b, o->d->segment, o->d->segment_len);
    o->n_in_msg++;
}

/* "id\x1fqual" or "id". */
static void
sg_contrl_party(char *out, size_t size, const char *id, const char *qual)
{
    if (qual[0] != '\0') {
        snprintf(out, size, "%s\x1f%s", id, qual);
    } else {
        snprintf(out, size, "%s", id);
    }
}

static void
sg_contrl_header(struct sg_contrl_out *o, const struct sg_ack_model *m)
{
    char syntax[24], from[64], to[64], when[24], date[16], hm[8], ctl[16];
    const struct sg_edi_delims *d = o->d;

    if (m->has_una) {
        char una[10] = {'U', 'N', 'A', d->component, d->element, d->decimal,
                        d->release, ' ', d->segment[0], '\0'};

        sg_buf_adds(o->b, una);
    }
    snprintf(syntax, sizeof(syntax), "%s\x1f%s",
             m->syntax_id[0] ? m->syntax_id : "UNOA",
             m->syntax_version[0] ? m->syntax_version : "3");
    sg_contrl_party(from, sizeof(from), m->receiver, m->receiver_qual);
    sg_contrl_party(to, sizeof(to), m->sender, m->sender_qual);
    sg_ack_date(m->now_ms, 0, date, sizeof(date), hm, sizeof(hm));
    snprintf(when, sizeof(when), "%s\x1f%s", date, hm);
    snprintf(ctl, sizeof(ctl), "%lu", m->control_out);
    sg_contrl_seg(o, "UNB", syntax, from, to, when, ctl, NULL);
}

static void
sg_contrl_uci(struct sg_contrl_out *o, const struct sg_ack_model *m)
{
    char from[64], to[64];
    const char *action = "7", *code = "", *tag = "";

    sg_contrl_party(from, sizeof(from), m->sender, m->sender_qual);
    sg_contrl_party(to, sizeof(to), m->receiver, m->receiver_qual);
    if (m->ich_code != NULL) {
        action = "4";
        code = m->ich_edifact != NULL ? m->ich_edifact :
               m->ich_code->edifact != NULL ? m->ich_code->edifact : "18";
        tag = m->ich_tag;
    } else if (m->rejected && m->n_sets == 0) {
        action = "4";
        code = "32";            /* lower level empty */
    }
    sg_contrl_seg(o, "UCI", m->control, from, to, action, code, tag, NULL);
}

/* UCS, and UCD for an element error. */
static void
sg_contrl_errors(struct sg_contrl_out *o, const struct sg_ack_set *s)
{
    const struct sg_ack_err *e;
    char pos[24], where[32];
    size_t i;

    for (i = 0; i < s->n_errs; i++) {
        e = &s->errs[i];
        snprintf(pos, sizeof(pos), "%ld", e->position);
        if (e->code->level == SG_ACK_SEGMENT || e->item->element <= 0) {
            sg_contrl_seg(o, "UCS", pos, e->code->edifact, NULL);
            continue;
        }
        sg_contrl_seg(o, "UCS", pos, NULL);
        if (e->item->component > 0) {
            snprintf(where, sizeof(where), "%d\x1f%d", e->item->element,
                     e->item->component);
        } else {
            snprintf(where, sizeof(where), "%d", e->item->element);
        }
        sg_contrl_seg(o, "UCD", e->code->edifact, where, NULL);
    }
}

static void
sg_contrl_ucm(struct sg_contrl_out *o, const struct sg_ack_set *s)
{
    char id[64], *p;
    const char *code = "";

    /* S009 "ORDERS:D:96A:UN[:EAN008]" from the reader's "D:96A:UN". */
    snprintf(id, sizeof(id), "%s:%s", s->type, s->version);
    for (p = id; *p != '\0'; p++) {
        if (*p == ':') {
            *p = '\x1f';
        }
    }
    if (s->n_codes > 0) {
        code = s->codes[0]->edifact;
    }
    sg_contrl_seg(o, "UCM", s->control, id, s->rejected ? "4" : "7", code,
                  NULL);
    sg_contrl_errors(o, s);
}

void
sg_ack_edifact_write(const struct sg_ack_model *m, struct sg_buf *out)
{
    struct sg_contrl_out o;
    char count[24], ctl[24];
    size_t i;

    o.b = out;
    o.d = &m->delims;
    o.n_in_msg = 0;
    sg_contrl_header(&o, m);
    o.n_in_msg = 0;
    sg_contrl_seg(&o, "UNH", "1", strcmp(m->syntax_version, "4") == 0 ?
                  "CONTRL\x1f" "4\x1f" "1\x1fUN" :
                  "CONTRL\x1f" "2\x1f" "2\x1fUN", NULL);
    sg_contrl_uci(&o, m);
    if (m->ich_action != 'R') {
        for (i = 0; i < m->n_sets; i++) {
            sg_contrl_ucm(&o, &m->sets[i]);
        }
    }
    snprintf(count, sizeof(count), "%ld", o.n_in_msg + 1);
    sg_contrl_seg(&o, "UNT", count, "1", NULL);
    snprintf(ctl, sizeof(ctl), "%lu", m->control_out);
    sg_contrl_seg(&o, "UNZ", "1", ctl, NULL);
}
