/*
 * map_xml.c - tickets and updates as XML (README.md shows the shape),
 * read with libxml2.
 *
 * The body comes from outside: no network, no entities, no DTD, and a
 * DOCTYPE stops the parse before any of it is used.  Each parse has its
 * own context and error handler, since decode() runs in several threads.
 * libxml2 keeps the line of every element but not its column, so errors
 * give the line and the XPath of the element at fault.
 * XXX: no column for field errors in XML (syntax errors have one); a
 * partner with a long single-line body gets line 1 and the XPath only.
 * XXX: <ticket> and <ticketUpdate> are read in no namespace only, one
 * per message; a namespaced or batched body is refused.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "crm_feedback.h"

/* After this many syntax errors the rest is noise. */
#define CF_XML_MAX_ERRORS 10

struct cf_parse {
    struct cf_run *run;
    int n_errors;
    int doctype;
};

/* Element names of the fields, per kind of document. */
struct cf_element {
    const char *name;
    enum cf_field field;
};

static const struct cf_element cf_ticket_elements[] = {
    {"id", CF_ID}, {"customer", CF_CUSTOMER_NAME}, {"channel", CF_CHANNEL},
    {"category", CF_CATEGORY}, {"severity", CF_SEVERITY},
    {"order", CF_ORDER}, {"lot", CF_LOT}, {"item", CF_ITEM},
    {"text", CF_TEXT}, {"requestedOutcome", CF_REQUESTED},
    {"created", CF_CREATED}, {NULL, CF_N}
};

static const struct cf_element cf_update_elements[] = {
    {"ticket", CF_ID}, {"kind", CF_KIND}, {"at", CF_AT},
    {"outcome", CF_OUTCOME}, {"satisfaction", CF_SATISFACTION},
    {"note", CF_NOTE}, {NULL, CF_N}
};

/* --- the parser's own handlers ------------------------------------------- */

static void
cf_xml_on_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;
    struct cf_parse *cp = ctxt->_private;
    struct cf_pos pos;
    size_t n;

    if (cp == NULL || err == NULL || err->level < XML_ERR_ERROR ||
        cp->doctype || ++cp->n_errors > CF_XML_MAX_ERRORS) {
        return;
    }
    memset(&pos, 0, sizeof(pos));
    pos.line = err->line;
    pos.column = err->int2;
    n = strlen(err->message != NULL ? err->message : "");
    while (n > 0 && err->message[n - 1] == '\n') {
        n--;
    }
    cf_error(cp->run, "xml.syntax", &pos, "%.*s", (int)n,
             err->message != NULL ? err->message : "");
}

static void
cf_xml_on_doctype(void *data, const xmlChar *name, const xmlChar *ext,
                  const xmlChar *sys)
{
    xmlParserCtxtPtr ctxt = data;
    struct cf_parse *cp = ctxt->_private;
    struct cf_pos pos;

    (void)name;
    (void)ext;
    (void)sys;
    memset(&pos, 0, sizeof(pos));
    pos.line = xmlSAX2GetLineNumber(ctxt);
    pos.column = xmlSAX2GetColumnNumber(ctxt);
    cp->doctype = 1;
    cf_error(cp->run, "xml.doctype", &pos, "a DOCTYPE is not accepted in "
             "a ticket (no DTDs, no entities)");
    xmlStopParser(ctxt);
}

/* --- the shape ------------------------------------------------------------ */

static void
cf_xml_pos(struct cf_pos *pos, const xmlNode *n, const char *root,
           const char *name, const char *attr)
{
    memset(pos, 0, sizeof(*pos));
    pos->line = n != NULL ? xmlGetLineNo(n) : 0;
    snprintf(pos->path, sizeof(pos->path), "/%s/%s%s%s", root, name,
             attr != NULL ? "/@" : "", attr != NULL ? attr : "");
}

/* The text of n, or NULL when it holds elements rather than text. */
static int
cf_xml_take(struct cf_run *run, struct cf_doc *d, enum cf_field f,
            const xmlNode *n, const char *root)
{
    const xmlNode *c;
    xmlChar *text;

    for (c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            cf_error(run, "crm.xml_shape", &d->pos[f], "<%s> holds an "
                     "element <%s>; it takes text only", n->name, c->name);
            return -1;
        }
    }
    if (d->v[f] != NULL) {
        cf_error(run, "crm.duplicate_field", &d->pos[f], "<%s> appears "
                 "more than once in <%s>", n->name, root);
        return -1;
    }
    text = xmlNodeGetContent(n);
    d->v[f] = sg_xstrdup(text != NULL ? (const char *)text : "");
    xmlFree(text);
    return 0;
}

/* <customer id="...">name</customer> */
static int
cf_xml_customer(struct cf_run *run, struct cf_doc *d, const xmlNode *n)
{
    xmlChar *id = xmlGetProp(n, (const xmlChar *)"id");

    cf_xml_pos(&d->pos[CF_CUSTOMER], n, "ticket", "customer", "id");
    if (id != NULL && d->v[CF_CUSTOMER] == NULL) {
        d->v[CF_CUSTOMER] = sg_xstrdup((const char *)id);
    }
    xmlFree(id);
    if (cf_xml_take(run, d, CF_CUSTOMER_NAME, n, "ticket") != 0) {
        return -1;
    }
    /* An empty element names nobody: no name rather than "". */
    if (d->v[CF_CUSTOMER_NAME][strspn(d->v[CF_CUSTOMER_NAME],
                                      " \t\r\n")] == '\0') {
        free(d->v[CF_CUSTOMER_NAME]);
        d->v[CF_CUSTOMER_NAME] = NULL;
    }
    return 0;
}

static int
cf_xml_fields(struct cf_run *run, struct cf_doc *d, const xmlNode *root)
{
    const struct cf_element *table = d->is_update ? cf_update_elements
                                                  : cf_ticket_elements;
    const char *rname = (const char *)root->name;
    const struct cf_element *e;
    const xmlNode *c;
    int bad = 0;

    for (e = table; e->name != NULL; e++) {
        cf_xml_pos(&d->pos[e->field], root, rname, e->name, NULL);
    }
    if (!d->is_update) {
        cf_xml_pos(&d->pos[CF_CUSTOMER], root, rname, "customer", "id");
    }
    for (c = root->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        for (e = table; e->name != NULL &&
             strcmp(e->name, (const char *)c->name) != 0; e++) {
            /* Find the element. */
        }
        if (e->name == NULL) {
            struct cf_pos pos;

            cf_xml_pos(&pos, c, rname, (const char *)c->name, NULL);
            cf_error(run, "crm.unknown_field", &pos, "<%s> has no element "
                     "<%.40s> (README.md lists the elements)", rname,
                     (const char *)c->name);
            bad = 1;
            continue;
        }
        cf_xml_pos(&d->pos[e->field], c, rname, e->name, NULL);
        if (e->field == CF_CUSTOMER_NAME) {
            bad |= cf_xml_customer(run, d, c) != 0;
        } else {
            bad |= cf_xml_take(run, d, e->field, c, rname) != 0;
        }
    }
    return bad;
}

static int
cf_xml_root(struct cf_run *run, struct cf_doc *d, xmlDocPtr doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);
    struct cf_pos pos = {1, 0, "/"};

    if (root != NULL && root->ns == NULL &&
        strcmp((const char *)root->name, "ticket") == 0) {
        d->is_update = 0;
    } else if (root != NULL && root->ns == NULL &&
               strcmp((const char *)root->name, "ticketUpdate") == 0) {
        d->is_update = 1;
    } else {
        pos.line = root != NULL ? xmlGetLineNo(root) : 1;
        cf_error(run, "crm.xml_root", &pos, "the root element is <%s>%s; "
                 "expected <ticket> or <ticketUpdate> in no namespace",
                 root != NULL ? (const char *)root->name : "(none)",
                 root != NULL && root->ns != NULL ? " in a namespace" : "");
        return -1;
    }
    return cf_xml_fields(run, d, root);
}

int
cf_xml_read(struct cf_run *run, struct cf_doc *d)
{
    const struct sg_message *msg = run->msg;
    struct cf_parse cp;
    struct cf_pos pos = {0, 0, ""};
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    int rc = -1;

    if (msg->len > INT_MAX) {
        cf_error(run, "xml.too_large", &pos, "the XML body is larger than "
                 "libxml2 reads in one piece");
        return -1;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        cf_error(run, "xml.parser", &pos, "no XML parser context");
        return -1;
    }
    memset(&cp, 0, sizeof(cp));
    cp.run = run;
    ctxt->_private = &cp;
    ctxt->sax->serror = cf_xml_on_error;
    ctxt->sax->internalSubset = cf_xml_on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;

    doc = xmlCtxtReadMemory(ctxt, (const char *)msg->data, (int)msg->len,
                            "ticket.xml", NULL, XML_PARSE_NONET |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (cp.doctype) {
        /* Reported by the handler. */
    } else if (doc == NULL || !ctxt->wellFormed) {
        if (cp.n_errors == 0) {
            cf_error(run, "xml.syntax", &pos, "the body is not "
                     "well-formed XML");
        }
    } else {
        rc = cf_xml_root(run, d, doc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* --- sniffing ------------------------------------------------------------- */

/* The root element's name starts at the first '<' that does not open a
 * declaration, comment or processing instruction. */
int
cf_xml_is_ticket(const unsigned char *data, size_t len)
{
    const char *p = (const char *)data, *end = p + len, *name;
    size_t n;

    while (p < end) {
        p = memchr(p, '<', (size_t)(end - p));
        if (p == NULL || p + 1 >= end) {
            return 0;
        }
        if (p[1] != '?' && p[1] != '!') {
            break;
        }
        p++;
    }
    if (p == NULL || p >= end) {
        return 0;
    }
    name = p + 1;
    for (n = 0; name + n < end && name[n] != '>' && name[n] != '/' &&
         name[n] != ' ' && name[n] != '\t' && name[n] != '\r' &&
         name[n] != '\n'; n++) {
        /* The name's length. */
    }
    if ((n == 6 && memcmp(name, "ticket", 6) == 0) ||
        (n == 12 && memcmp(name, "ticketUpdate", 12) == 0)) {
        return 90;
    }
    return 0;
}
