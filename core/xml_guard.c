/*
 * xml_guard.c - the linear pre-scan of outside XML and the rewording of
 * libxml2's limit errors (xml_guard.h).
 *
 * The scan knows just enough XML to find markup: comments, CDATA,
 * processing instructions, declarations, end tags, and start tags whose
 * quoted attribute values may hold '>' or '='.  Anything it cannot make
 * sense of is passed to libxml2, which reports it properly.
 */
#include <stdio.h>
#include <string.h>

#include "xml_guard.h"

/* Where a scan stands. */
struct sg_scan {
    const char *p;
    size_t len;
    size_t i;
};

static int
sg_scan_at(const struct sg_scan *s, const char *word)
{
    size_t n = strlen(word);

    return s->len - s->i >= n && memcmp(s->p + s->i, word, n) == 0;
}

/* Move past the next occurrence of end; 0, or -1 when there is none. */
static int
sg_scan_past(struct sg_scan *s, const char *end)
{
    size_t n = strlen(end);

    for (; s->len - s->i >= n; s->i++) {
        if (memcmp(s->p + s->i, end, n) == 0) {
            s->i += n;
            return 0;
        }
    }
    s->i = s->len;
    return -1;
}

/*
 * A start tag from its '<': count its attributes (each has one '='
 * outside quotes), move past its '>'.  *empty tells "<x/>".
 */
static size_t
sg_scan_start_tag(struct sg_scan *s, int *empty)
{
    size_t attrs = 0;
    char quote = 0, last = 0;

    for (s->i++; s->i < s->len; s->i++) {
        char c = s->p[s->i];

        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '=') {
            attrs++;
        } else if (c == '>') {
            s->i++;
            *empty = last == '/';
            return attrs;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            last = c;
        }
    }
    *empty = 1;
    return attrs;
}

/* Line and column (1-based) of byte at in data. */
static void
sg_scan_position(const char *data, size_t at, long *line, long *column)
{
    size_t i, start = 0;

    *line = 1;
    for (i = 0; i < at; i++) {
        if (data[i] == '\n') {
            (*line)++;
            start = i + 1;
        }
    }
    *column = (long)(at - start) + 1;
}

static int
sg_scan_refuse(const struct sg_scan *s, size_t at, const char *code,
               struct sg_diag *d, char *text)
{
    memset(d, 0, sizeof(*d));
    d->code = code;
    d->text = text;
    sg_scan_position(s->p, at, &d->line, &d->column);
    return -1;
}

int
sg_xml_guard_check(const char *data, size_t len, struct sg_diag *d,
                   char *text, size_t textlen)
{
    struct sg_scan s = {data, len, 0};
    size_t at, attrs;
    int depth = 0, empty;

    while (s.i < s.len) {
        const char *lt = memchr(s.p + s.i, '<', s.len - s.i);

        if (lt == NULL) {
            break;
        }
        s.i = at = (size_t)(lt - s.p);
        if (sg_scan_at(&s, "<!--")) {
            sg_scan_past(&s, "-->");
        } else if (sg_scan_at(&s, "<![CDATA[")) {
            sg_scan_past(&s, "]]>");
        } else if (sg_scan_at(&s, "<!")) {
            snprintf(text, textlen, "a DOCTYPE or other <!...> "
                     "declaration is not accepted: no DTDs, no entities");
            return sg_scan_refuse(&s, at, "xml.doctype", d, text);
        } else if (sg_scan_at(&s, "<?")) {
            sg_scan_past(&s, "?>");
        } else if (sg_scan_at(&s, "</")) {
            depth--;
            sg_scan_past(&s, ">");
        } else {
            attrs = sg_scan_start_tag(&s, &empty);
            if (attrs > SG_XML_MAX_ATTRIBUTES) {
                snprintf(text, textlen, "an element carries %zu "
                         "attributes; at most %d are accepted", attrs,
                         SG_XML_MAX_ATTRIBUTES);
                return sg_scan_refuse(&s, at, "xml.too_many_attributes",
                                      d, text);
            }
            if (!empty && ++depth > SG_XML_MAX_DEPTH) {
                snprintf(text, textlen, "elements are nested more than "
                         "%d deep", SG_XML_MAX_DEPTH);
                return sg_scan_refuse(&s, at, "xml.too_deep", d, text);
            }
        }
    }
    return 0;
}

/* --- wording ----------------------------------------------------------- */

/* libxml2 2.9 limit messages, by a phrase each contains. */
static const struct {
    const char *phrase;
    const char *ours;
} sg_xml_limit_words[] = {
    {"Excessive depth", "elements are nested deeper than the parser "
                        "accepts"},
    {"huge text node", "a text node is larger than the parser accepts"},
    {"Huge input lookup", "a name, value or token is longer than the "
                          "parser accepts"},
    {"amplification", "entity expansion is refused"},
    {"entity reference loop", "entity expansion is refused"},
    {"too long", "a name or value is longer than the parser accepts"},
    {NULL, NULL}
};

void
sg_xml_plain_message(const char *msg, char *out, size_t outlen)
{
    size_t i, n;

    if (msg == NULL) {
        msg = "XML error";
    }
    if (strstr(msg, "XML_PARSE_HUGE") != NULL ||
        strstr(msg, "Huge input lookup") != NULL) {
        for (i = 0; sg_xml_limit_words[i].phrase != NULL; i++) {
            if (strstr(msg, sg_xml_limit_words[i].phrase) != NULL) {
                snprintf(out, outlen, "%s", sg_xml_limit_words[i].ours);
                return;
            }
        }
        snprintf(out, outlen, "the document exceeds a limit of the XML "
                 "parser");
        return;
    }
    snprintf(out, outlen, "%s", msg);
    n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) {
        out[--n] = '\0';
    }
}
