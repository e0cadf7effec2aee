/*
 * ack.c - understand an inbound interchange well enough to acknowledge
 * it: its header (whom to answer), its groups and sets (what to answer
 * for), and where each error the gateway found belongs.  The writers
 * (ack_x12.c, ack_edifact.c) only format what this file decided.
 *
 * Only the first interchange of a body is answered.
 * XXX: a body holding several interchanges gets an ack for the first
 * only; the partner sees the others unacknowledged and resends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SG_ACK_INTERNAL
#include "ack.h"

/* State of one re-read. */
struct sg_ack_reader {
    struct sg_ack_model *m;
    const struct sg_errors *errs;
    char (*bad)[100];           /* bad value per error item */
    char first_control[16];     /* the interchange we answer */
    int got_delims;
};

void
sg_ack_strcpy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* --- the header: ISA or UNA/UNB, read by hand ------------------------ */

static size_t
sg_ack_skip_blank(const unsigned char *p, size_t len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
                       p[i] == '\n')) {
        i++;
    }
    return i;
}

/* Copy without leading and trailing blanks. */
static void
sg_ack_copy_trim(char *dst, size_t size, const char *src, size_t n)
{
    while (n > 0 && *src == ' ') {
        src++;
        n--;
    }
    while (n > 0 && src[n - 1] == ' ') {
        n--;
    }
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/*
 * ISA01..ISA16 by counting element separators, as the reader does when
 * the fields have the wrong widths; the values are kept as sent.
 */
static int
sg_ack_scan_isa(struct sg_ack_model *m, const unsigned char *p, size_t len)
{
    size_t i = sg_ack_skip_blank(p, len), start, k;
    unsigned char es;

    if (len - i < 20 || memcmp(p + i, "ISA", 3) != 0) {
        return -1;
    }
    es = p[i + 3];
    start = i + 4;
    for (k = 1; k <= 15; k++) {
        size_t j = start;

        while (j < len && j - start < 40 && p[j] != es) {
            j++;
        }
        if (j >= len || p[j] != es) {
            return -1;
        }
        sg_ack_copy_trim(m->isa[k], sizeof(m->isa[k]),
                         (const char *)p + start, j - start);
        start = j + 1;
    }
    if (start + 1 >= len) {
        return -1;
    }
    m->isa[16][0] = (char)p[start];
    m->isa[16][1] = '\0';
    m->delims.element = (char)es;
    m->delims.component = (char)p[start];
    m->delims.segment[0] = (char)p[start + 1];
    m->delims.segment_len = 1;
    if (p[start + 1] == '\r' && start + 2 < len && p[start + 2] == '\n') {
        m->delims.segment[1] = '\n';
        m->delims.segment_len = 2;
    }
    sg_ack_strcpy(m->sender_qual, sizeof(m->sender_qual), m->isa[5]);
    sg_ack_strcpy(m->sender, sizeof(m->sender), m->isa[6]);
    sg_ack_strcpy(m->receiver_qual, sizeof(m->receiver_qual),
                  m->isa[7]);
    sg_ack_strcpy(m->receiver, sizeof(m->receiver), m->isa[8]);
    sg_ack_strcpy(m->control, sizeof(m->control), m->isa[13]);
    return 0;
}

/* The parts of UNB we need: S001, S002, S003, 0020 (element 5). */
struct sg_ack_unb {
    char part[6][3][40];
};

static void
sg_ack_split_unb(const struct sg_edi_delims *d, const unsigned char *p,
                 size_t len, struct sg_ack_unb *u)
{
    size_t i, n = 0;
    int e = 0, c = 0;

    memset(u, 0, sizeof(*u));
    for (i = 0; i < len && p[i] != (unsigned char)d->segment[0]; i++) {
        char ch = (char)p[i];

        if (ch == d->release && d->release != ' ' && i + 1 < len) {
            ch = (char)p[++i];
        } else if (ch == d->element) {
            e++;
            c = 0;
            n = 0;
            continue;
        } else if (ch == d->component) {
            c++;
            n = 0;
            continue;
        }
        if (e >= 1 && e <= 5 && c < 3 && n + 1 < sizeof(u->part[0][0])) {
            u->part[e][c][n++] = ch;
            u->part[e][c][n] = '\0';
        }
    }
}

static int
sg_ack_scan_unb(struct sg_ack_model *m, const unsigned char *p, size_t len)
{
    size_t i = sg_ack_skip_blank(p, len);
    struct sg_edi_delims *d = &m->delims;
    struct sg_ack_unb u;

    d->component = ':';
    d->element = '+';
    d->decimal = '.';
    d->release = '?';
    d->segment[0] = '\'';
    d->segment_len = 1;
    if (len - i >= 9 && memcmp(p + i, "UNA", 3) == 0) {
        d->component = (char)p[i + 3];
        d->element = (char)p[i + 4];
        d->decimal = (char)p[i + 5];
        d->release = (char)p[i + 6];
        d->segment[0] = (char)p[i + 8];
        m->has_una = 1;
        i += 9;
        i += sg_ack_skip_blank(p + i, len - i);
    }
    if (len - i < 4 || memcmp(p + i, "UNB", 3) != 0 ||
        p[i + 3] != (unsigned char)d->element) {
        return -1;
    }
    sg_ack_split_unb(d, p + i, len - i, &u);
    sg_ack_strcpy(m->syntax_id, sizeof(m->syntax_id), u.part[1][0]);
    sg_ack_strcpy(m->syntax_version, sizeof(m->syntax_version),
                  u.part[1][1]);
    sg_ack_strcpy(m->sender, sizeof(m->sender), u.part[2][0]);
    sg_ack_strcpy(m->sender_qual, sizeof(m->sender_qual),
                  u.part[2][1]);
    sg_ack_strcpy(m->receiver, sizeof(m->receiver), u.part[3][0]);
    sg_ack_strcpy(m->receiver_qual, sizeof(m->receiver_qual),
                  u.part[3][1]);
    sg_ack_strcpy(m->control, sizeof(m->control), u.part[5][0]);
    return m->sender[0] != '\0' ? 0 : -1;
}

static int
sg_ack_scan_header(struct sg_ack_model *m, const unsigned char *raw,
                   size_t len)
{
    int syntax = sg_edi_sniff(raw, len);

    if (syntax == SG_EDI_X12) {
        m->syntax = SG_EDI_X12;
        return sg_ack_scan_isa(m, raw, len);
    }
    if (syntax == SG_EDI_EDIFACT) {
        m->syntax = SG_EDI_EDIFACT;
        return sg_ack_scan_unb(m, raw, len);
    }
    return -1;
}

/* --- groups and sets, from the shared reader ------------------------- */

/* XXX: groups are learnt from their sets; a GS..GE holding no ST gets
 * no AK1..AK9 in the 997 (the partner sees it unacknowledged). */
static struct sg_ack_group *
sg_ack_group_for(struct sg_ack_model *m, const struct sg_edi_envelope *env)
{
    struct sg_ack_group *g;

    if (m->n_groups > 0) {
        g = &m->groups[m->n_groups - 1];
        if (strcmp(g->control, env->group_control) == 0 &&
            strcmp(g->type, env->group_type) == 0) {
            return g;
        }
    }
    if (m->n_groups == m->groups_cap) {
        m->groups_cap = m->groups_cap ? m->groups_cap * 2 : 4;
        m->groups = sg_xrealloc(m->groups, m->groups_cap *
                                sizeof(*m->groups));
    }
    g = &m->groups[m->n_groups++];
    memset(g, 0, sizeof(*g));
    sg_ack_strcpy(g->type, sizeof(g->type), env->group_type);
    sg_ack_strcpy(g->control, sizeof(g->control), env->group_control);
    sg_ack_strcpy(g->version, sizeof(g->version), env->version);
    sg_ack_strcpy(g->sender, sizeof(g->sender), env->group_sender);
    sg_ack_strcpy(g->receiver, sizeof(g->receiver),
                  env->group_receiver);
    return g;
}

/* The segment numbered index in tx, or NULL.  Numbers ascend; they
 * are consecutive unless the reader dropped segments past its limit. */
static const struct sg_edi_segment *
sg_ack_segment(const struct sg_edi_transaction *tx, long index)
{
    size_t lo = 0, hi = tx->n_segments, mid;
    long guess = index - tx->segments[0].index;

    if (guess >= 0 && (size_t)guess < tx->n_segments &&
        tx->segments[guess].index == index) {
        return &tx->segments[guess];
    }
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (tx->segments[mid].index == index) {
            return &tx->segments[mid];
        }
        if (tx->segments[mid].index < index) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* Keep a copy of each bad value this set holds, for AK404. */
static void
sg_ack_copy_bad(struct sg_ack_reader *r, const struct sg_edi_transaction *tx)
{
    const struct sg_edi_segment *seg;
    const struct sg_error_item *it;
    size_t i;

    for (i = 0; r->errs != NULL && i < r->errs->n; i++) {
        it = &r->errs->items[i];
        if (it->element <= 0 || it->segment <= 0) {
            continue;
        }
        seg = sg_ack_segment(tx, it->segment);
        if (seg != NULL) {
            sg_ack_strcpy(r->bad[i], sizeof(r->bad[i]),
                          sg_edi_value(seg, it->element, it->component));
        }
    }
}

static int
sg_ack_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct sg_ack_reader *r = arg;
    struct sg_ack_model *m = r->m;
    struct sg_ack_group *g;
    struct sg_ack_set *s;

    if (tx->n_segments == 0) {
        return 0;
    }
    if (r->first_control[0] == '\0') {
        sg_ack_strcpy(r->first_control, sizeof(r->first_control),
                      tx->env.interchange_control);
    } else if (strcmp(r->first_control, tx->env.interchange_control)) {
        return -1;              /* the next interchange: not ours */
    }
    if (!r->got_delims) {
        m->delims = tx->env.delims;
        r->got_delims = 1;
    }
    g = sg_ack_group_for(m, &tx->env);
    g->n_sets++;
    if (m->n_sets == m->sets_cap) {
        m->sets_cap = m->sets_cap ? m->sets_cap * 2 : 4;
        m->sets = sg_xrealloc(m->sets, m->sets_cap * sizeof(*m->sets));
    }
    s = &m->sets[m->n_sets++];
    memset(s, 0, sizeof(*s));
    s->group = (int)(g - m->groups);
    sg_ack_strcpy(s->type, sizeof(s->type), tx->env.set_type);
    sg_ack_strcpy(s->control, sizeof(s->control), tx->env.set_control);
    sg_ack_strcpy(s->version, sizeof(s->version), tx->env.version);
    if (m->syntax == SG_EDI_X12) {
        sg_ack_strcpy(s->guide, sizeof(s->guide),
                      sg_edi_value(&tx->segments[0], 3, 0));
    }
    s->first = tx->segments[0].index;
    s->last = tx->segments[tx->n_segments - 1].index;
    sg_ack_copy_bad(r, tx);
    return 0;
}

static int
sg_ack_on_diag(void *arg, const struct sg_diag *diag)
{
    /* The gateway already holds every diag (the plugin passed them
     * on); this re-read is for the structure only. */
    (void)arg;
    (void)diag;
    return 0;
}

/* --- placing the errors ---------------------------------------------- */

/* The set holding segment seg, or with strict 0 the last one begun
 * before it (a trailer reported after its set closed); -1 if none. */
static long
sg_ack_set_at(const struct sg_ack_model *m, long seg, int strict)
{
    size_t lo = 0, hi = m->n_sets, mid;

    /* Sets come in segment order: find the last that begins <= seg. */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (m->sets[mid].first <= seg) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0 || (strict && m->sets[lo - 1].last < seg)) {
        return -1;
    }
    return (long)lo - 1;
}

static void
sg_ack_add_code(const struct sg_ack_code **codes, int *n,
                const struct sg_ack_code *code)
{
    int i;

    for (i = 0; i < *n; i++) {
        if (codes[i] == code) {
            return;
        }
    }
    if (*n < 5) {
        codes[(*n)++] = code;
    }
}

static void
sg_ack_place_interchange(struct sg_ack_model *m,
                         const struct sg_ack_code *code,
                         const struct sg_error_item *it)
{
    if (m->ich_code == NULL) {
        m->ich_code = code;
        m->ich_element = it != NULL ? it->element : 0;
        sg_ack_strcpy(m->ich_tag, sizeof(m->ich_tag),
                      it != NULL && it->tag != NULL ? it->tag : "");
    }
    if (code->action == 'R' || m->ich_action == 0) {
        m->ich_action = code->action ? code->action : 'R';
    }
}

static void
sg_ack_place_in_set(struct sg_ack_model *m, long set,
                    const struct sg_ack_code *code,
                    const struct sg_error_item *it, const char *bad)
{
    struct sg_ack_set *s = &m->sets[set];
    struct sg_ack_err *e;
    size_t i;

    if (code->level == SG_ACK_SET) {
        sg_ack_add_code(s->codes, &s->n_codes, code);
        return;
    }
    /* The reader reports a bad release character once per occurrence;
     * the partner needs each place once. */
    for (i = 0; i < s->n_errs; i++) {
        e = &s->errs[i];
        if (e->code == code && e->item->segment == it->segment &&
            e->item->element == it->element &&
            e->item->component == it->component) {
            return;
        }
    }
    if (s->n_errs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->errs = sg_xrealloc(s->errs, s->cap * sizeof(*s->errs));
    }
    e = &s->errs[s->n_errs++];
    memset(e, 0, sizeof(*e));
    e->item = it;
    e->code = code;
    e->position = it->segment - s->first + 1;
    sg_ack_strcpy(e->tag, sizeof(e->tag), it->tag ? it->tag : "");
    sg_ack_strcpy(e->bad, sizeof(e->bad), bad);
}

static void
sg_ack_place(struct sg_ack_model *m, const struct sg_error_item *it,
             const char *bad)
{
    const struct sg_ack_code *code;
    long set = -1;

    code = sg_ack_code_find(it->code, it->segment > 0, it->element > 0,
                            it->doc > 0);
    switch (code->level) {
    case SG_ACK_INTERCHANGE:
        break;
    case SG_ACK_GROUP:
        set = sg_ack_set_at(m, it->segment, 0);
        if (set >= 0) {
            struct sg_ack_group *g = &m->groups[m->sets[set].group];

            sg_ack_add_code(g->codes, &g->n_codes, code);
            return;
        }
        break;
    case SG_ACK_SET:
        if (it->segment > 0) {
            set = sg_ack_set_at(m, it->segment, 0);
        } else if (it->doc > 0 && (size_t)it->doc <= m->n_sets) {
            set = it->doc - 1;
        }
        break;
    case SG_ACK_SEGMENT:
    case SG_ACK_ELEMENT:
        set = sg_ack_set_at(m, it->segment, 1);
        break;
    }
    if (set >= 0) {
        sg_ack_place_in_set(m, set, code, it, bad);
        return;
    }
    /* Nowhere inside a set: the interchange answers for it.  TA1 has
     * its own codes, but 0085 serves every level, so UCI keeps the
     * precise one. */
    if (code->level != SG_ACK_INTERCHANGE && m->ich_code == NULL) {
        m->ich_edifact = code->edifact;
    }
    sg_ack_place_interchange(m, code->level == SG_ACK_INTERCHANGE ? code :
                             sg_ack_code_find(NULL, 0, 0, 0), it);
}

/* Segments in the order of the set, then as reported. */
static int
sg_ack_err_cmp(const void *a, const void *b)
{
    const struct sg_ack_err *x = a, *y = b;

    if (x->position != y->position) {
        return x->position < y->position ? -1 : 1;
    }
    return x->item < y->item ? -1 : (x->item > y->item);
}

static void
sg_ack_place_all(struct sg_ack_model *m, struct sg_ack_reader *r)
{
    size_t i;

    for (i = 0; r->errs != NULL && i < r->errs->n; i++) {
        sg_ack_place(m, &r->errs->items[i], r->bad[i]);
    }
    for (i = 0; i < m->n_sets; i++) {
        if (m->sets[i].n_errs > 1) {
            qsort(m->sets[i].errs, m->sets[i].n_errs,
                  sizeof(*m->sets[i].errs), sg_ack_err_cmp);
        }
    }
    for (i = 0; i < m->n_sets; i++) {
        m->sets[i].rejected = m->rejected;
    }
}

/* Whatever else was found, the answer to a duplicate is "seen before",
 * and nothing of it is accepted. */
static void
sg_ack_mark_duplicate(struct sg_ack_model *m)
{
    size_t i;

    m->duplicate = 1;
    m->rejected = 1;
    m->ich_code = sg_ack_code_find("interchange.duplicate", 0, 0, 0);
    m->ich_edifact = NULL;
    m->ich_element = 0;
    m->ich_tag[0] = '\0';
    m->ich_action = 'R';
    for (i = 0; i < m->n_sets; i++) {
        m->sets[i].rejected = 1;
    }
}

/* --- building --------------------------------------------------------- */

static void
sg_ack_model_free(struct sg_ack_model *m)
{
    size_t i;

    for (i = 0; i < m->n_sets; i++) {
        free(m->sets[i].errs);
    }
    free(m->sets);
    free(m->groups);
}

static int
sg_ack_model_build(struct sg_ack_model *m, const struct sg_ack_request *rq)
{
    struct sg_ack_reader r;
    size_t n_errs = rq->errs != NULL ? rq->errs->n : 0;

    memset(m, 0, sizeof(*m));
    if (sg_ack_scan_header(m, rq->raw, rq->len) != 0) {
        return -1;
    }
    m->rejected = !rq->accepted;
    m->control_out = rq->control;
    m->now_ms = rq->now_ms;

    memset(&r, 0, sizeof(r));
    r.m = m;
    r.errs = rq->errs;
    r.bad = sg_xcalloc(n_errs + 1, sizeof(*r.bad));
    if (rq->read != NULL) {
        sg_edi_read_stream(m->syntax, rq->read, rq->read_arg, sg_ack_on_tx,
                           sg_ack_on_diag, &r);
    } else {
        sg_edi_read(m->syntax, rq->raw, rq->len, sg_ack_on_tx,
                    sg_ack_on_diag, &r);
    }
    sg_ack_place_all(m, &r);
    free(r.bad);
    if (rq->duplicate) {
        sg_ack_mark_duplicate(m);
    }
    return 0;
}

void
sg_ack_date(long long ms, int century, char *date, size_t datelen,
            char *time_out, size_t timelen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(date, datelen, century ? "%Y%m%d" : "%y%m%d", &tm);
    strftime(time_out, timelen, "%H%M", &tm);
}

static void
sg_ack_write(const struct sg_ack_model *m, struct sg_ack *out)
{
    struct sg_buf b;

    sg_buf_init(&b);
    if (m->syntax == SG_EDI_X12) {
        sg_ack_x12_write(m, &b, &out->kind);
        out->content_type = "application/EDI-X12";
    } else {
        sg_ack_edifact_write(m, &b);
        out->kind = "CONTRL";
        out->content_type = "application/EDIFACT";
    }
    out->len = b.len;
    out->text = sg_buf_steal(&b);
}

int
sg_ack_build(const struct sg_ack_request *rq, struct sg_ack *out)
{
    return sg_ack_build_pair(rq, out, NULL);
}

int
sg_ack_build_pair(const struct sg_ack_request *rq, struct sg_ack *out,
                  struct sg_ack *dup)
{
    struct sg_ack_model m;

    memset(out, 0, sizeof(*out));
    if (dup != NULL) {
        memset(dup, 0, sizeof(*dup));
    }
    if (sg_ack_model_build(&m, rq) != 0) {
        sg_ack_model_free(&m);
        return -1;
    }
    sg_ack_write(&m, out);
    if (dup != NULL) {
        sg_ack_mark_duplicate(&m);
        sg_ack_write(&m, dup);
    }
    sg_ack_model_free(&m);
    return 0;
}

void
sg_ack_free(struct sg_ack *ack)
{
    if (ack != NULL) {
        free(ack->text);
        memset(ack, 0, sizeof(*ack));
    }
}

int
sg_ack_identify(const unsigned char *raw, size_t len, char **partner,
                char **ich)
{
    struct sg_ack_model m;

    memset(&m, 0, sizeof(m));
    if (sg_ack_scan_header(&m, raw, len) != 0 || m.control[0] == '\0') {
        return -1;
    }
    if (m.sender_qual[0] != '\0') {
        *partner = sg_xasprintf("%s:%s", m.sender_qual, m.sender);
    } else {
        *partner = sg_xstrdup(m.sender);
    }
    *ich = sg_xasprintf("%s:%s|%s:%s|%s", m.sender_qual, m.sender,
                        m.receiver_qual, m.receiver, m.control);
    return 0;
}
