/*
 * map_xml_order.c - orders a partner sends already in the canonical form
 * (<order xmlns="urn:supplygate:canonical:1">, or several wrapped in
 * <orders>): parsed with libxml2, checked for the right root, and passed
 * on one document per order.  The core validates them against
 * schemas/order.xsd like any other.
 *
 * The parser is hardened against partner input: no network, no entity
 * substitution, no DTD loading, and a DOCTYPE is refused outright (it is
 * how entity expansion and external fetches get in).  decode() runs in
 * several threads at once, so every parse has its own parser context
 * and error handler; no libxml2 global state is touched after init.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "supplier_edi.h"
#include "xml_guard.h"

#define XO_NS "urn:supplygate:canonical:1"

/* More libxml2 errors than this in one body add nothing. */
#define XO_MAX_ERRORS 10

/* What the per-parse callbacks reach through ctxt->_private. */
struct xo_parse {
    struct sedi_run *run;
    int n_errors;
    int doctype;
};

void
sedi_xml_init(void)
{
    xmlInitParser();
}

static void
xo_diag(struct sedi_run *run, const char *code, long line, long column,
        const char *xpath, const char *text)
{
    struct sg_diag d;

    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = text;
    d.line = line;
    d.column = column;
    d.xpath = xpath;
    sedi_report(run, &d);
}

/* Structured errors of this parse only (ctxt->sax->serror). */
static void
xo_on_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;
    struct xo_parse *xp = ctxt->_private;
    char text[512];

    if (xp == NULL || err == NULL || err->level < XML_ERR_ERROR ||
        xp->doctype || ++xp->n_errors > XO_MAX_ERRORS) {
        return;
    }
    /* Never libxml2's advice to partners to "use XML_PARSE_HUGE". */
    sg_xml_plain_message(err->message, text, sizeof(text));
    xo_diag(xp->run, "xml.syntax", err->line, err->int2, NULL, text);
}

/* A DOCTYPE: stop before any of it is acted on. */
static void
xo_on_doctype(void *data, const xmlChar *name, const xmlChar *external_id,
              const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = data;
    struct xo_parse *xp = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    xp->doctype = 1;
    xo_diag(xp->run, "xml.doctype", xmlSAX2GetLineNumber(ctxt),
            xmlSAX2GetColumnNumber(ctxt), NULL, "a DOCTYPE is not "
            "accepted in an XML order (no DTDs, no entities)");
    xmlStopParser(ctxt);
}

static int
xo_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, XO_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
xo_child(const xmlNode *parent, const char *name)
{
    const xmlNode *c;

    for (c = parent->children; c != NULL; c = c->next) {
        if (xo_is(c, name)) {
            return c;
        }
    }
    return NULL;
}

/* Whether the body was UTF-8 (declared so, or with no declaration). */
static int
xo_utf8(const xmlDoc *doc)
{
    return doc->encoding == NULL ||
           xmlStrcasecmp(doc->encoding, (const xmlChar *)"UTF-8") == 0;
}

/*
 * One <order>: handed over as a document of its own.  Inside <orders>
 * it is copied out, so its lines count from the copy.
 */
static int
xo_emit(struct sedi_run *run, xmlNode *order, int index)
{
    const xmlNode *num = xo_child(order, "orderNumber");
    const xmlNode *src = xo_child(order, "source");
    xmlChar *key = NULL, *sender = NULL, *mem = NULL;
    xmlDocPtr doc;
    xmlNodePtr copy;
    char *clean = NULL, xpath[64];
    int size = 0, rc = 0;

    /* The schema's token rules: blanks around the number do not count. */
    if (num != NULL && (key = xmlNodeGetContent(num)) != NULL) {
        sedi_set(&clean, (const char *)key);
    }
    if (clean == NULL) {
        snprintf(xpath, sizeof(xpath), index > 0 ? "/orders/order[%d]"
                 "/orderNumber" : "/order/orderNumber", index);
        xo_diag(run, "xml.missing_order_number", xmlGetLineNo(order), 0,
                xpath, "the order has no orderNumber");
        xmlFree(key);
        return run->stop ? -1 : 0;
    }
    if (src != NULL) {
        sender = xmlGetProp(src, (const xmlChar *)"sender");
    }

    /*
     * A lone <order> in UTF-8 goes on as the partner wrote it, so that
     * the schema's errors name the partner's own lines.
     */
    if (index == 0 && xo_utf8(order->doc)) {
        rc = sedi_emit_xml(run, clean, (const char *)sender,
                           (const char *)run->msg->data, run->msg->len);
        xmlFree(sender);
        xmlFree(key);
        free(clean);
        return rc;
    }

    /* Copying pulls the namespace declaration down from <orders>. */
    doc = xmlNewDoc((const xmlChar *)"1.0");
    copy = xmlDocCopyNode(order, doc, 1);
    xmlDocSetRootElement(doc, copy);
    xmlReconciliateNs(doc, copy);
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (mem != NULL) {
        rc = sedi_emit_xml(run, clean, (const char *)sender,
                           (const char *)mem, (size_t)size);
    }
    xmlFree(mem);
    xmlFreeDoc(doc);
    xmlFree(sender);
    xmlFree(key);
    free(clean);
    return rc;
}

static int
xo_root(struct sedi_run *run, xmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *c;
    int index = 0;
    char text[256];

    if (xo_is(root, "order")) {
        return xo_emit(run, root, 0);
    }
    if (!xo_is(root, "orders")) {
        snprintf(text, sizeof(text), "the root element is {%s}%s; "
                 "expected {" XO_NS "}order or orders",
                 root != NULL && root->ns != NULL ?
                 (const char *)root->ns->href : "",
                 root != NULL ? (const char *)root->name : "(none)");
        xo_diag(run, "xml.root", root != NULL ? xmlGetLineNo(root) : 0, 0,
                "/", text);
        return -1;
    }
    for (c = root->children; c != NULL && !run->stop; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            continue;
        }
        index++;
        if (!xo_is(c, "order")) {
            snprintf(text, sizeof(text), "<orders> holds <%s>; only "
                     "<order> elements may appear in it", c->name);
            xo_diag(run, "xml.unexpected_element", xmlGetLineNo(c), 0,
                    "/orders", text);
            continue;
        }
        xo_emit(run, c, index);
    }
    if (index == 0) {
        xo_diag(run, "xml.empty", xmlGetLineNo(root), 0, "/orders",
                "<orders> holds no order");
    }
    return 0;
}

int
sedi_xml_decode(struct sedi_run *run)
{
    const struct sg_message *msg = run->msg;
    struct xo_parse xp;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    struct sg_diag guard;
    char why[160];
    int rc = -1;

    memset(&xp, 0, sizeof(xp));
    xp.run = run;
    if (msg->len > INT_MAX) {
        xo_diag(run, "xml.too_large", 0, 0, NULL, "the XML body is larger "
                "than libxml2 reads in one piece");
        return -1;
    }
    /* Declarations, deep nesting and attribute floods never reach
     * libxml2 (see xml_guard.h). */
    if (sg_xml_guard_check((const char *)msg->data, msg->len, &guard, why,
                           sizeof(why)) != 0) {
        sedi_report(run, &guard);
        return -1;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        xo_diag(run, "xml.parser", 0, 0, NULL, "no XML parser context");
        return -1;
    }
    /* This context's own handlers: no shared state between threads. */
    ctxt->_private = &xp;
    ctxt->sax->serror = xo_on_error;
    ctxt->sax->internalSubset = xo_on_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;

    doc = xmlCtxtReadMemory(ctxt, (const char *)msg->data, (int)msg->len,
                            "order.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS |
                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (xp.doctype) {
        /* Reported by the handler; whatever was parsed is dropped. */
    } else if (doc == NULL || !ctxt->wellFormed) {
        if (xp.n_errors == 0) {
            xo_diag(run, "xml.syntax", 0, 0, NULL,
                    "the body is not well-formed XML");
        }
    } else {
        rc = xo_root(run, doc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
