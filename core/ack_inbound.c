/*
 * ack_inbound.c - acknowledgements partners send us (X12 997 and 999,
 * EDIFACT CONTRL), read by the core itself: acks are about our own
 * envelopes, the same for every business area, so no plugin owns them.
 *
 * The gateway asks sg_ack_inbound_plugin() first; when the body's first
 * set is a 997, 999 or CONTRL it decodes the body into one canonical
 * <ack> (schemas/ack.xsd) per acknowledged group (X12) or interchange
 * (CONTRL), and the ack rules (rules_ack.c) match it to what we sent.
 * An ack is never acknowledged in turn.
 *
 * XXX: a TA1 sent alone or before the groups is skipped by the reader;
 * an interchange-level rejection of ours by TA1 is not recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack_inbound.h"

/* One decode call. */
struct sg_inack_run {
    struct sg_sink *sink;
    int stop;
    int first_seen;             /* the first set was looked at */
    int is_ack;                 /* ... and it is an acknowledgement */
};

static int
sg_inack_type(const char *set_type)
{
    return strcmp(set_type, "997") == 0 || strcmp(set_type, "999") == 0 ||
           strcmp(set_type, "CONTRL") == 0;
}

/* --- recognising -------------------------------------------------------- */

static int
sg_inack_peek_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct sg_inack_run *run = arg;

    run->first_seen = 1;
    run->is_ack = sg_inack_type(tx->env.set_type);
    return -1;                  /* the first set is enough */
}

static int
sg_inack_quiet(void *arg, const struct sg_diag *diag)
{
    (void)arg;
    (void)diag;
    return 0;
}

/* Does the text occur in the first bytes?  Every POST is asked, so
 * the reader runs only when the set type may be there at all. */
static int
sg_inack_near_start(const unsigned char *data, size_t len, const char *text)
{
    size_t n = strlen(text), i, end = len < 4096 ? len : 4096;

    for (i = 0; i + n <= end; i++) {
        if (data[i] == (unsigned char)text[0] &&
            memcmp(data + i, text, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
sg_inack_sniff(const unsigned char *data, size_t len)
{
    struct sg_inack_run run;
    int syntax = sg_edi_sniff(data, len);

    if (syntax < 0) {
        return 0;
    }
    if (syntax == SG_EDI_X12 ? !sg_inack_near_start(data, len, "997") &&
                               !sg_inack_near_start(data, len, "999") :
        !sg_inack_near_start(data, len, "CONTRL")) {
        return 0;
    }
    memset(&run, 0, sizeof(run));
    sg_edi_read((enum sg_edi_syntax)syntax, data, len, sg_inack_peek_tx,
                sg_inack_quiet, &run);
    return run.is_ack ? 100 : 0;
}

/* --- decoding ----------------------------------------------------------- */

static void
sg_inack_diag(struct sg_inack_run *run, const char *code,
              const struct sg_edi_segment *seg, const char *text)
{
    struct sg_diag d;

    sg_edi_diag_at(&d, code, text, seg, NULL, 0, 0);
    if (run->sink->error(run->sink, &d) != 0) {
        run->stop = 1;
    }
}

/* X12 AK5/IK5 and AK9 codes A, E, P, R; M, W, X are rejections. */
static const char *
sg_inack_status(const char *code)
{
    if (strcmp(code, "A") == 0 || strcmp(code, "E") == 0 ||
        strcmp(code, "P") == 0) {
        return code;
    }
    return "R";
}

/* CONTRL 0083: 7 and 8 acknowledge, anything else rejects. */
static const char *
sg_inack_action(const char *code)
{
    return strcmp(code, "7") == 0 || strcmp(code, "8") == 0 ? "A" : "R";
}

static void
sg_inack_attr(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }
    sg_buf_addf(b, " %s=\"", name);
    sg_buf_add_xml(b, value);
    sg_buf_adds(b, "\"");
}

static void
sg_inack_elem(struct sg_buf *b, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }
    sg_buf_addf(b, "  <%s>", name);
    sg_buf_add_xml(b, value);
    sg_buf_addf(b, "</%s>\n", name);
}

static void
sg_inack_begin(struct sg_buf *b, const struct sg_edi_transaction *tx,
               const char *partner)
{
    const struct sg_edi_envelope *env = &tx->env;
    char receiver[64];

    if (env->receiver_qual[0] != '\0') {
        snprintf(receiver, sizeof(receiver), "%s:%s", env->receiver_qual,
                 env->receiver);
    } else {
        snprintf(receiver, sizeof(receiver), "%s", env->receiver);
    }
    sg_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<ack xmlns=\"urn:supplygate:canonical:1\">\n  <source");
    sg_inack_attr(b, "format", env->syntax == SG_EDI_X12 ? "x12" :
                  "edifact");
    sg_inack_attr(b, "sender", partner);
    sg_inack_attr(b, "receiver", receiver);
    sg_inack_attr(b, "interchange", env->interchange_control);
    sg_inack_attr(b, "group", env->group_control);
    sg_inack_attr(b, "message", env->set_control);
    sg_inack_attr(b, "messageType", env->set_type);
    sg_inack_attr(b, "version", env->version);
    sg_buf_adds(b, "/>\n");
    sg_inack_elem(b, "partner", partner);
}

static void
sg_inack_set(struct sg_buf *b, const char *type, const char *control,
             const char *status, const char *codes)
{
    sg_buf_adds(b, "  <set");
    sg_inack_attr(b, "type", type);
    sg_inack_attr(b, "control", control);
    sg_inack_attr(b, "status", status);
    sg_inack_attr(b, "codes", codes);
    sg_buf_adds(b, "/>\n");
}

/* AK502..AK506 as "3 5". */
static void
sg_inack_codes(const struct sg_edi_segment *seg, char *out, size_t size)
{
    size_t n = 0;
    int e;

    out[0] = '\0';
    for (e = 2; e <= 6; e++) {
        const char *v = sg_edi_value(seg, e, 0);

        if (v[0] != '\0' && n + strlen(v) + 2 < size) {
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "",
                                  v);
        }
    }
}

/* The sets of a 997/999: each AK2 closed by its AK5/IK5. */
static void
sg_inack_x12_sets(struct sg_buf *b, const struct sg_edi_transaction *tx)
{
    const char *type = "", *control = "";
    char codes[64];
    size_t i;

    for (i = 0; i < tx->n_segments; i++) {
        const struct sg_edi_segment *seg = &tx->segments[i];

        if (strcmp(seg->tag, "AK2") == 0) {
            type = sg_edi_value(seg, 1, 0);
            control = sg_edi_value(seg, 2, 0);
        } else if (strcmp(seg->tag, "AK5") == 0 ||
                   strcmp(seg->tag, "IK5") == 0) {
            sg_inack_codes(seg, codes, sizeof(codes));
            sg_inack_set(b, type, control[0] ? control : "?",
                         sg_inack_status(sg_edi_value(seg, 1, 0)), codes);
            type = control = "";
        }
    }
}

static int
sg_inack_x12(struct sg_inack_run *run, const struct sg_edi_transaction *tx,
             const char *partner, struct sg_buf *b, char *key, size_t klen)
{
    size_t pos = 0;
    const struct sg_edi_segment *ak1 = sg_edi_find(tx, "AK1", &pos);
    const struct sg_edi_segment *ak9;

    pos = 0;
    ak9 = sg_edi_find(tx, "AK9", &pos);
    if (ak1 == NULL || ak9 == NULL) {
        sg_inack_diag(run, "ack.missing_segment", ak1 == NULL ?
                      &tx->segments[0] : ak1, ak1 == NULL ?
                      "the acknowledgement has no AK1" :
                      "the acknowledgement has no AK9");
        return -1;
    }
    sg_inack_begin(b, tx, partner);
    sg_inack_elem(b, "groupControl", sg_edi_value(ak1, 2, 0));
    sg_inack_elem(b, "functionalId", sg_edi_value(ak1, 1, 0));
    sg_inack_elem(b, "status", sg_inack_status(sg_edi_value(ak9, 1, 0)));
    sg_inack_x12_sets(b, tx);
    snprintf(key, klen, "%s:%s", partner, sg_edi_value(ak1, 2, 0));
    return 0;
}

static int
sg_inack_contrl(struct sg_inack_run *run,
                const struct sg_edi_transaction *tx, const char *partner,
                struct sg_buf *b, char *key, size_t klen)
{
    size_t pos = 0, i;
    const struct sg_edi_segment *uci = sg_edi_find(tx, "UCI", &pos);

    if (uci == NULL) {
        sg_inack_diag(run, "ack.missing_segment", &tx->segments[0],
                      "the CONTRL has no UCI");
        return -1;
    }
    sg_inack_begin(b, tx, partner);
    sg_inack_elem(b, "groupControl", sg_edi_value(uci, 1, 0));
    sg_inack_elem(b, "status", sg_inack_action(sg_edi_value(uci, 4, 0)));
    for (i = 0; i < tx->n_segments; i++) {
        const struct sg_edi_segment *ucm = &tx->segments[i];

        if (strcmp(ucm->tag, "UCM") == 0) {
            sg_inack_set(b, sg_edi_value(ucm, 2, 1), sg_edi_value(ucm, 1, 0),
                         sg_inack_action(sg_edi_value(ucm, 3, 0)),
                         sg_edi_value(ucm, 4, 0));
        }
    }
    snprintf(key, klen, "%s:%s", partner, sg_edi_value(uci, 1, 0));
    return 0;
}

static int
sg_inack_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct sg_inack_run *run = arg;
    const struct sg_edi_envelope *env = &tx->env;
    char partner[64], key[128];
    struct sg_document doc;
    struct sg_buf b;
    int rc;

    if (run->stop) {
        return -1;
    }
    if (!sg_inack_type(env->set_type)) {
        sg_inack_diag(run, "ack.unexpected_set", &tx->segments[0],
                      "an interchange of acknowledgements holds another "
                      "kind of set; send it on its own");
        return run->stop ? -1 : 0;
    }
    if (tx->has_errors) {
        return 0;               /* the reader said what is wrong */
    }
    if (env->sender_qual[0] != '\0') {
        snprintf(partner, sizeof(partner), "%s:%s", env->sender_qual,
                 env->sender);
    } else {
        snprintf(partner, sizeof(partner), "%s", env->sender);
    }
    sg_buf_init(&b);
    rc = env->syntax == SG_EDI_X12 ?
         sg_inack_x12(run, tx, partner, &b, key, sizeof(key)) :
         sg_inack_contrl(run, tx, partner, &b, key, sizeof(key));
    if (rc == 0) {
        sg_buf_adds(&b, "</ack>\n");
        memset(&doc, 0, sizeof(doc));
        doc.type = "ack";
        doc.key = key;
        doc.partner = partner;
        doc.xml = b.data;
        doc.xml_len = b.len;
        if (run->sink->document(run->sink, &doc) != 0) {
            run->stop = 1;
        }
    }
    sg_buf_free(&b);
    return run->stop ? -1 : 0;
}

static int
sg_inack_on_diag(void *arg, const struct sg_diag *diag)
{
    struct sg_inack_run *run = arg;

    if (run->sink->error(run->sink, diag) != 0) {
        run->stop = 1;
    }
    return run->stop ? -1 : 0;
}

static int
sg_inack_decode(void *ctx, const struct sg_message *msg,
                struct sg_sink *sink)
{
    struct sg_inack_run run;
    int syntax = sg_edi_sniff(msg->data, msg->len);

    (void)ctx;
    memset(&run, 0, sizeof(run));
    run.sink = sink;
    if (syntax < 0 ||
        sg_edi_read((enum sg_edi_syntax)syntax, msg->data, msg->len,
                    sg_inack_on_tx, sg_inack_on_diag, &run) < 0) {
        return -1;
    }
    return 0;
}

/* --- the built-in "plugin" --------------------------------------------- */

static const char *const sg_inack_content_types[] = {NULL};
static const char *const sg_inack_doc_types[] = {"ack", NULL};

static const struct sg_plugin sg_inack_desc = {
    SG_PLUGIN_HEADER,
    .name = SG_ACK_INBOUND_NAME,
    .version = "1.0.0",
    .description = "acknowledgements partners send: X12 997/999, "
                   "EDIFACT CONTRL (built into the core)",
    .content_types = sg_inack_content_types,
    .document_types = sg_inack_doc_types,
    .sniff = sg_inack_sniff,
    .decode = sg_inack_decode,
};

static const struct sg_loaded_plugin sg_inack_plugin = {
    .name = (char *)SG_ACK_INBOUND_NAME,
    .path = (char *)"(core)",
    .desc = &sg_inack_desc,
    .ready = 1,
};

const struct sg_loaded_plugin *
sg_ack_inbound_plugin(const unsigned char *data, size_t len)
{
    return sg_inack_sniff(data, len) > 0 ? &sg_inack_plugin : NULL;
}
