/*
 * map_xml.c - stock snapshots and goods receipts a warehouse system
 * sends already in the canonical form: <stock> (schemas/stock.xsd) or
 * <receipt> (schemas/receipt.xsd) in urn:supplygate:canonical:1.  The
 * body is parsed to find the type, key and sender, then passed on as
 * sent; the core validates it against the schema like any other.
 *
 * The parser is hardened against partner input: no network, no entity
 * substitution, no DTD loading, and a DOCTYPE is refused outright.
 * decode() runs in several threads, so each parse has its own context
 * and error handler.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "wms_stock.h"

#define WX_NS "urn:supplygate:canonical:1"
#define WX_MAX_ERRORS 10
/* How far the sniff looks for the root element. */
#define WX_SNIFF_SPAN 1024

struct wx_parse {
    struct ws_run *run;
    int n_errors;
    int doctype;
};

static void
wx_diag(struct ws_run *run, const char *code, long line, long column,
        const char *xpath, const char *text)
{
    struct sg_diag d;

    memset(&d, 0, sizeof(d));
    d.code = code;
    d.text = text;
    d.line = line;
    d.column = column;
    d.xpath = xpath;
    ws_report(run, &d);
}

static void
wx_on_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;
    struct wx_parse *xp = ctxt->_private;
    char text[512];
    size_t n;

    if (xp == NULL || err == NULL || err->level < XML_ERR_ERROR ||
        xp->doctype || ++xp->n_errors > WX_MAX_ERRORS) {
        return;
    }
    snprintf(text, sizeof(text), "%s", err->message ? err->message
                                                    : "XML error");
    n = strlen(text);
    while (n > 0 && text[n - 1] == '\n') {
        text[--n] = '\0';
    }
    wx_diag(xp->run, "xml.syntax", err->line, err->int2, NULL, text);
}

static void
wx_on_doctype(void *data, const xmlChar *name, const xmlChar *external_id,
              const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = data;
    struct wx_parse *xp = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    xp->doctype = 1;
    wx_diag(xp->run, "xml.doctype", xmlSAX2GetLineNumber(ctxt),
            xmlSAX2GetColumnNumber(ctxt), NULL, "a DOCTYPE is not "
            "accepted (no DTDs, no entities)");
    xmlStopParser(ctxt);
}

static int
wx_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, WX_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
wx_child(const xmlNode *parent, const char *name)
{
    const xmlNode *c;

    for (c = parent->children; c != NULL; c = c->next) {
        if (wx_is(c, name)) {
            return c;
        }
    }
    return NULL;
}

/* The root is <stock> or <receipt>: find its key and hand it over. */
static int
wx_root(struct ws_run *run, xmlDocPtr doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    const char *type, *key_name;
    const xmlNode *src;
    xmlChar *key = NULL, *sender = NULL;
    char *clean = NULL, text[256], xpath[64];
    int rc;

    if (wx_is(root, "stock")) {
        type = "stock";
        key_name = "snapshotId";
    } else if (wx_is(root, "receipt")) {
        type = "receipt";
        key_name = "receiptNumber";
    } else {
        snprintf(text, sizeof(text), "the root element is {%s}%s; "
                 "expected {" WX_NS "}stock or receipt",
                 root != NULL && root->ns != NULL ?
                 (const char *)root->ns->href : "",
                 root != NULL ? (const char *)root->name : "(none)");
        wx_diag(run, "xml.root", root != NULL ? xmlGetLineNo(root) : 0, 0,
                "/", text);
        return -1;
    }
    if (wx_child(root, key_name) != NULL) {
        key = xmlNodeGetContent(wx_child(root, key_name));
        ws_set(&clean, (const char *)key);
    }
    if (clean == NULL) {
        snprintf(xpath, sizeof(xpath), "/%s/%s", type, key_name);
        snprintf(text, sizeof(text), "the %s has no %s", type, key_name);
        wx_diag(run, "xml.missing_key", xmlGetLineNo(root), 0, xpath,
                text);
        xmlFree(key);
        return 0;
    }
    src = wx_child(root, "source");
    if (src != NULL) {
        sender = xmlGetProp(src, (const xmlChar *)"sender");
    }
    rc = ws_emit_xml(run, type, clean, (const char *)sender,
                     (const char *)run->msg->data, run->msg->len);
    xmlFree(sender);
    xmlFree(key);
    free(clean);
    return rc;
}

int
ws_xml_decode(struct ws_run *run)
{
    const struct sg_message *msg = run->msg;
    struct wx_parse xp;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    int rc = -1;

    memset(&xp, 0, sizeof(xp));
    xp.run = run;
    if (msg->len > INT_MAX) {
        wx_diag(run, "xml.too_large", 0, 0, NULL, "the XML body is larger "
                "than libxml2 reads in one piece");
        return -1;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        wx_diag(run, "xml.parser", 0, 0, NULL, "no XML parser context");
        return -1;
    }
    ctxt->_private = &xp;
    ctxt->sax->serror = wx_on_error;
    ctxt->sax->internalSubset = wx_on_doctype;
    ctxt->sax->externalSubset = NULL;
    doc = xmlCtxtReadMemory(ctxt, (const char *)msg->data, (int)msg->len,
                            "stock.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (xp.doctype) {
        /* Reported by the handler; whatever was parsed is dropped. */
    } else if (doc == NULL || !ctxt->wellFormed) {
        if (xp.n_errors == 0) {
            wx_diag(run, "xml.syntax", 0, 0, NULL,
                    "the body is not well-formed XML");
        }
    } else {
        rc = wx_root(run, doc);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* Skip blanks, the XML declaration, comments and processing
 * instructions; the offset of the root's '<', or len. */
static size_t
wx_skip_prolog(const unsigned char *p, size_t len)
{
    size_t i = len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf
               ? 3 : 0;
    const char *end;

    while (i < len) {
        if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
            i++;
        } else if (i + 1 < len && p[i] == '<' &&
                   (p[i + 1] == '?' || p[i + 1] == '!')) {
            end = memchr(p + i, '>', len - i);
            if (end == NULL) {
                return len;
            }
            i = (size_t)((const unsigned char *)end - p) + 1;
        } else {
            break;
        }
    }
    return i;
}

const char *
ws_xml_sniff(const unsigned char *data, size_t len)
{
    size_t span = len < WX_SNIFF_SPAN ? len : WX_SNIFF_SPAN;
    size_t i = wx_skip_prolog(data, span), j;
    const char *name = NULL;

    if (i >= span || data[i] != '<') {
        return NULL;
    }
    /* The local name after an optional prefix. */
    for (j = i + 1; j < span && data[j] != ':' && data[j] != ' ' &&
         data[j] != '>' && data[j] != '\n' && data[j] != '\t'; j++) {
    }
    if (j < span && data[j] == ':') {
        i = j;
    }
    if (span - i > 6 && memcmp(data + i + 1, "stock", 5) == 0 &&
        strchr(" \t\r\n>/", data[i + 6]) != NULL) {
        name = "stock";
    } else if (span - i > 8 && memcmp(data + i + 1, "receipt", 7) == 0 &&
               strchr(" \t\r\n>/", data[i + 8]) != NULL) {
        name = "receipt";
    }
    return name;
}
