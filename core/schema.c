/*
 * schema.c - compile the canonical XSDs once, then parse and validate
 * every document a plugin produces against them.
 *
 * This sits between a plugin's decode() and the durable queue: what is
 * not valid here never reaches Redis.  The compiled schemas are shared
 * read-only by the HTTP threads; each call gets its own parser and
 * validation context, and errors are collected through per-context
 * structured handlers, never libxml2's global error state.
 *
 * Partner input is hostile by default, so parsing never touches the
 * network or the file system (see sg_xml_entity_loader), never
 * substitutes entities and refuses any DOCTYPE outright.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "schema.h"
#include "xml_guard.h"

#define SG_CANONICAL_NS "urn:supplygate:canonical:1"
#define SG_XSD_NS       "http://www.w3.org/2001/XMLSchema"

/*
 * No XML_PARSE_NOENT (entities stay references), no XML_PARSE_DTDLOAD,
 * and never XML_PARSE_HUGE, which would lift libxml2's depth and
 * entity-amplification limits.  BIG_LINES keeps line numbers right in
 * orders longer than 65535 lines.
 */
#define SG_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | \
                        XML_PARSE_BIG_LINES)

struct sg_schema {
    char *type;
    xmlSchemaPtr schema;
};

struct sg_schemas {
    struct sg_schema *v;
    size_t n;
    char **types;           /* NULL-terminated, the same strings as v */
};

/* --- entity loader -------------------------------------------------- */

static xmlExternalEntityLoader sg_default_loader;

/*
 * The directory sg_schemas_load() is reading, on the thread reading it.
 * Only then may libxml2 open a file, and only an .xsd file inside it.
 */
static _Thread_local const char *sg_loading_dir;

static int
sg_xsd_allowed(const char *url)
{
    char real[PATH_MAX];
    size_t dlen, len;

    if (sg_loading_dir == NULL || url == NULL) {
        return 0;
    }
    if (strncmp(url, "file://", 7) == 0) {
        url += 7;
    }
    if (url[0] != '/' || realpath(url, real) == NULL) {
        return 0;
    }
    dlen = strlen(sg_loading_dir);
    len = strlen(real);
    return strncmp(real, sg_loading_dir, dlen) == 0 && real[dlen] == '/' &&
           len > 4 && strcmp(real + len - 4, ".xsd") == 0;
}

static xmlParserInputPtr
sg_xml_entity_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    if (sg_default_loader != NULL && sg_xsd_allowed(url)) {
        return sg_default_loader(url, id, ctxt);
    }
    /* libxml2 reports "failed to load external entity" from here. */
    return NULL;
}

void
sg_xml_init(void)
{
    xmlInitParser();
    if (sg_default_loader == NULL) {
        sg_default_loader = xmlGetExternalEntityLoader();
    }
    xmlSetExternalEntityLoader(sg_xml_entity_loader);
}

void
sg_xml_cleanup(void)
{
    if (sg_default_loader != NULL) {
        xmlSetExternalEntityLoader(sg_default_loader);
    }
    xmlCleanupParser();
}

/* --- error collection ----------------------------------------------- */

/* What a per-call handler writes into. */
struct sg_collect {
    struct sg_errors *errs;
    const char *code;       /* "xml.malformed" or "xsd.invalid" */
    int doctype;            /* a DOCTYPE was seen and refused */
    long doctype_line;
    long doctype_column;
};

/* libxml2's message without its newline and the canonical namespace. */
static char *
sg_xml_message(const char *msg)
{
    static const char ns[] = "{" SG_CANONICAL_NS "}";
    struct sg_buf b;
    const char *p, *hit;
    char plain[512];
    size_t n;

    sg_buf_init(&b);
    sg_xml_plain_message(msg != NULL ? msg : "invalid", plain,
                         sizeof(plain));
    p = plain;
    while ((hit = strstr(p, ns)) != NULL) {
        sg_buf_add(&b, p, (size_t)(hit - p));
        p = hit + sizeof(ns) - 1;
    }
    sg_buf_adds(&b, p);
    n = b.len;
    while (n > 0 && isspace((unsigned char)b.data[n - 1])) {
        n--;
    }
    b.data[n] = '\0';
    b.len = n;
    return sg_buf_steal(&b);
}

static const char *
sg_node_local(const xmlNode *n)
{
    return (const char *)n->name;
}

static int
sg_same_name(const xmlNode *a, const xmlNode *b)
{
    if (a->type != XML_ELEMENT_NODE || b->type != XML_ELEMENT_NODE ||
        strcmp((const char *)a->name, (const char *)b->name) != 0) {
        return 0;
    }
    if (a->ns == NULL || b->ns == NULL) {
        return a->ns == b->ns;
    }
    return strcmp((const char *)a->ns->href, (const char *)b->ns->href) == 0;
}

/*
 * Our own XPath: xmlGetNodePath() writes "*" for every element in a
 * default namespace, which is all of ours, and a path of stars tells a
 * partner nothing.
 */
static void
sg_node_path(const xmlNode *n, struct sg_buf *b)
{
    const xmlNode *s;
    int pos = 0, count = 0;

    if (n == NULL || n->type == XML_DOCUMENT_NODE) {
        return;
    }
    if (n->type == XML_ATTRIBUTE_NODE) {
        sg_node_path(n->parent, b);
        sg_buf_addf(b, "/@%s", sg_node_local(n));
        return;
    }
    if (n->type != XML_ELEMENT_NODE) {
        sg_node_path(n->parent, b);
        return;
    }
    sg_node_path(n->parent, b);
    if (n->parent != NULL && n->parent->type == XML_ELEMENT_NODE) {
        for (s = n->parent->children; s != NULL; s = s->next) {
            if (sg_same_name(s, n)) {
                count++;
                if (s == n) {
                    pos = count;
                }
            }
        }
    }
    sg_buf_addf(b, "/%s", sg_node_local(n));
    if (count > 1) {
        sg_buf_addf(b, "[%d]", pos);
    }
}

/*
 * libxml2 2.9 reports an attribute's error on its element, naming the
 * attribute only in the text ("Element 'source', attribute 'format':
 * ..."): point the XPath at the attribute when the element has it.
 */
static void
sg_attribute_step(const xmlNode *n, const char *msg, struct sg_buf *path)
{
    static const char mark[] = "', attribute '";
    const char *p, *end;
    char name[128];

    if (n->type != XML_ELEMENT_NODE || msg == NULL ||
        (p = strstr(msg, mark)) == NULL) {
        return;
    }
    p += sizeof(mark) - 1;
    end = strchr(p, '\'');
    if (end == NULL || end == p || (size_t)(end - p) >= sizeof(name)) {
        return;
    }
    memcpy(name, p, (size_t)(end - p));
    name[end - p] = '\0';
    if (xmlHasProp((xmlNodePtr)n, (const xmlChar *)name) != NULL) {
        sg_buf_addf(path, "/@%s", name);
    }
}

static void
sg_collect_error(void *data, xmlErrorPtr err)
{
    struct sg_collect *col = data;
    struct sg_diag d;
    struct sg_buf path;
    char *text;

    if (col == NULL || err == NULL || err->level == XML_ERR_WARNING) {
        return;
    }
    sg_buf_init(&path);
    memset(&d, 0, sizeof(d));
    text = sg_xml_message(err->message);
    d.code = col->code;
    d.text = text;
    d.line = err->line;
    /* Only the parser knows the column; the validator reports 0. */
    d.column = err->domain == XML_FROM_SCHEMASV ? 0 : err->int2;
    if (err->node != NULL) {
        sg_node_path(err->node, &path);
        sg_attribute_step(err->node, err->message, &path);
        if (path.len > 0) {
            d.xpath = path.data;
        }
        if (d.line <= 0) {
            d.line = xmlGetLineNo(err->node);
        }
    }
    sg_errors_add(col->errs, &d);
    free(text);
    sg_buf_free(&path);
}

/* The parser's structured errors arrive with the parser context. */
static void
sg_parser_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;

    sg_collect_error(ctxt != NULL ? ctxt->_private : NULL, err);
}

/*
 * Called as soon as "<!DOCTYPE name ..." has been read, before its
 * internal subset: stop there, so no entity is even declared.
 */
static void
sg_refuse_doctype(void *data, const xmlChar *name, const xmlChar *ext_id,
                  const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = data;
    struct sg_collect *col = ctxt->_private;

    (void)name;
    (void)ext_id;
    (void)sys_id;
    col->doctype = 1;
    col->doctype_line = ctxt->input != NULL ? ctxt->input->line : 0;
    col->doctype_column = ctxt->input != NULL ? ctxt->input->col : 0;
    xmlStopParser(ctxt);
}

/* --- parsing ---------------------------------------------------------- */

struct _xmlDoc *
sg_xml_read(const char *xml, size_t len, struct sg_errors *errs)
{
    struct sg_collect col;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc = NULL;
    struct sg_diag d;
    size_t before = errs->n;
    char why[160];

    if (len > SG_XML_MAX_SIZE || len > INT_MAX) {
        sg_errors_addf(errs, "xml.too_large", "the document is %zu bytes; "
                       "at most %u are accepted", len, SG_XML_MAX_SIZE);
        return NULL;
    }
    if (sg_xml_guard_check(xml, len, &d, why, sizeof(why)) != 0) {
        sg_errors_add(errs, &d);
        return NULL;
    }
    memset(&col, 0, sizeof(col));
    col.errs = errs;
    col.code = "xml.malformed";
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        sg_errors_addf(errs, "xml.malformed", "cannot allocate a parser");
        return NULL;
    }
    ctxt->_private = &col;
    ctxt->sax->serror = sg_parser_error;
    ctxt->sax->internalSubset = sg_refuse_doctype;
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                            SG_XML_OPTIONS);

    if (col.doctype) {
        memset(&d, 0, sizeof(d));
        d.code = "xml.doctype";
        d.text = "a DOCTYPE is not allowed in a canonical document";
        d.line = col.doctype_line;
        d.column = col.doctype_column;
        sg_errors_add(errs, &d);
    } else if (doc == NULL || !ctxt->wellFormed ||
               xmlDocGetRootElement(doc) == NULL) {
        if (errs->n == before) {
            sg_errors_addf(errs, "xml.malformed", "the document is not "
                           "well-formed XML");
        }
    } else {
        xmlFreeParserCtxt(ctxt);
        return doc;
    }
    if (doc != NULL) {
        xmlFreeDoc(doc);
    }
    xmlFreeParserCtxt(ctxt);
    return NULL;
}

/* --- loading ---------------------------------------------------------- */

static int
sg_type_name_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') {
            return 0;
        }
    }
    return 1;
}

static int
sg_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.xsd names in dir, sorted, NULL-terminated; NULL if unreadable. */
static char **
sg_list_xsd(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t len, cap = 0;

    *n = 0;
    if (d == NULL) {
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".xsd") != 0 ||
            de->d_name[0] == '.') {
            continue;
        }
        if (*n + 1 >= cap) {
            cap = cap ? cap * 2 : 8;
            v = sg_xrealloc(v, cap * sizeof(*v));
        }
        v[(*n)++] = sg_xstrdup(de->d_name);
    }
    closedir(d);
    if (v == NULL) {
        v = sg_xcalloc(1, sizeof(*v));
    }
    qsort(v, *n, sizeof(*v), sg_cmp_names);
    v[*n] = NULL;
    return v;
}

/* Schema-compiler errors as "file:line: message". */
static void
sg_schema_parse_error(void *data, xmlErrorPtr err)
{
    struct sg_errors *errs = data;
    char *text;

    if (err == NULL || err->level == XML_ERR_WARNING) {
        return;
    }
    text = sg_xml_message(err->message);
    sg_errors_addf(errs, "schema.invalid", "%s:%d: %s",
                   err->file != NULL ? err->file : "?", err->line, text);
    free(text);
}

/* The same for the plain parse of an .xsd; data is the parser context. */
static void
sg_xsd_read_error(void *data, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = data;

    sg_schema_parse_error(ctxt->_private, err);
}

/*
 * Read path and tell whether it declares a top-level xs:element: 1 yes,
 * 0 no (an include-only file), -1 unreadable (errors added).
 */
static int
sg_xsd_has_element(const char *path, struct sg_errors *errs)
{
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDocPtr doc;
    xmlNodePtr root, n;
    size_t before = errs->n;
    int found = -1;

    if (ctxt == NULL) {
        sg_errors_addf(errs, "schema.invalid", "%s: out of memory", path);
        return -1;
    }
    ctxt->_private = errs;
    ctxt->sax->serror = sg_xsd_read_error;
    doc = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET);
    root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
    if (doc == NULL || !ctxt->wellFormed) {
        if (errs->n == before) {
            sg_errors_addf(errs, "schema.invalid", "%s:1: cannot be read "
                           "as XML", path);
        }
    } else if (root == NULL || root->ns == NULL ||
               strcmp((const char *)root->ns->href, SG_XSD_NS) != 0 ||
               strcmp((const char *)root->name, "schema") != 0) {
        sg_errors_addf(errs, "schema.invalid", "%s:%ld: not an XML Schema "
                       "document (the root is not xs:schema)", path,
                       root != NULL ? xmlGetLineNo(root) : 1L);
    } else {
        found = 0;
        for (n = root->children; n != NULL; n = n->next) {
            if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
                strcmp((const char *)n->ns->href, SG_XSD_NS) == 0 &&
                strcmp((const char *)n->name, "element") == 0) {
                found = 1;
                break;
            }
        }
    }
    if (doc != NULL) {
        xmlFreeDoc(doc);
    }
    xmlFreeParserCtxt(ctxt);
    return found;
}

static xmlSchemaPtr
sg_compile(const char *path, struct sg_errors *errs)
{
    xmlSchemaParserCtxtPtr pctxt;
    xmlSchemaPtr schema;
    size_t before = errs->n;

    pctxt = xmlSchemaNewParserCtxt(path);
    if (pctxt == NULL) {
        sg_errors_addf(errs, "schema.invalid", "%s: cannot create a "
                       "schema parser", path);
        return NULL;
    }
    xmlSchemaSetParserStructuredErrors(pctxt, sg_schema_parse_error, errs);
    schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (schema == NULL && errs->n == before) {
        sg_errors_addf(errs, "schema.invalid", "%s: does not compile",
                       path);
    }
    return schema;
}

struct sg_schemas *
sg_schemas_load(const char *dir, struct sg_errors *errs)
{
    struct sg_schemas *s;
    char real[PATH_MAX], *path, **names;
    size_t i, n, len, before = errs->n;
    int has;

    if (realpath(dir, real) == NULL ||
        (names = sg_list_xsd(real, &n)) == NULL) {
        sg_errors_addf(errs, "schema.dir", "%s: cannot read the schema "
                       "directory: %s", dir, strerror(errno));
        return NULL;
    }
    s = sg_xcalloc(1, sizeof(*s));
    s->v = sg_xcalloc(n + 1, sizeof(*s->v));
    sg_loading_dir = real;
    for (i = 0; i < n; i++) {
        path = sg_xasprintf("%s/%s", real, names[i]);
        len = strlen(names[i]) - 4;
        has = sg_xsd_has_element(path, errs);
        if (has == 1 && !sg_type_name_ok(names[i], len)) {
            sg_errors_addf(errs, "schema.invalid", "%s: a document type "
                           "name is 1 to 64 letters, digits, '-' or '_'",
                           path);
        } else if (has == 1) {
            xmlSchemaPtr schema = sg_compile(path, errs);

            if (schema != NULL) {
                s->v[s->n].type = sg_xstrndup(names[i], len);
                s->v[s->n].schema = schema;
                s->n++;
            }
        }
        free(path);
    }
    sg_loading_dir = NULL;
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);

    if (errs->n == before && s->n == 0) {
        sg_errors_addf(errs, "schema.dir", "%s: no *.xsd file declares a "
                       "top-level element, so no document type can be "
                       "validated", dir);
    }
    if (errs->n != before) {
        sg_schemas_free(s);
        return NULL;
    }
    s->types = sg_xcalloc(s->n + 1, sizeof(*s->types));
    for (i = 0; i < s->n; i++) {
        s->types[i] = s->v[i].type;
    }
    return s;
}

static xmlSchemaPtr
sg_schemas_find(const struct sg_schemas *s, const char *type)
{
    size_t i;

    if (s == NULL || type == NULL) {
        return NULL;
    }
    for (i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].type, type) == 0) {
            return s->v[i].schema;
        }
    }
    return NULL;
}

int
sg_schemas_has(const struct sg_schemas *s, const char *type)
{
    return sg_schemas_find(s, type) != NULL;
}

const char *const *
sg_schemas_types(const struct sg_schemas *s)
{
    return (const char *const *)s->types;
}

/* --- validation -------------------------------------------------------- */

/* The root must be <type> in the canonical namespace. */
static int
sg_check_root(xmlNodePtr root, const char *type, struct sg_errors *errs)
{
    const char *ns = root->ns != NULL ? (const char *)root->ns->href : NULL;
    struct sg_diag d;
    struct sg_buf path;
    char text[512];

    if (strcmp((const char *)root->name, type) == 0 && ns != NULL &&
        strcmp(ns, SG_CANONICAL_NS) == 0) {
        return 0;
    }
    if (strcmp((const char *)root->name, type) != 0) {
        snprintf(text, sizeof(text), "the root element is <%.100s>; a "
                 "document of type \"%.64s\" must have <%.64s>",
                 (const char *)root->name, type, type);
    } else {
        snprintf(text, sizeof(text), "the root element <%.64s> is in "
                 "namespace \"%.200s\"; it must be in \"%s\"", type,
                 ns != NULL ? ns : "(none)", SG_CANONICAL_NS);
    }
    sg_buf_init(&path);
    sg_node_path(root, &path);
    memset(&d, 0, sizeof(d));
    d.code = "xsd.invalid";
    d.text = text;
    d.line = xmlGetLineNo(root);
    d.xpath = path.data;
    sg_errors_add(errs, &d);
    sg_buf_free(&path);
    return -1;
}

int
sg_schemas_validate(const struct sg_schemas *s, const char *type,
                    const char *xml, size_t len, struct sg_errors *errs)
{
    xmlSchemaPtr schema = sg_schemas_find(s, type);
    xmlSchemaValidCtxtPtr vctxt;
    struct sg_collect col;
    xmlDocPtr doc;
    size_t before = errs->n;
    int rc;

    if (schema == NULL) {
        sg_errors_addf(errs, "schema.unknown_type", "no schema for "
                       "document type \"%s\"", type != NULL ? type : "");
        return -1;
    }
    doc = sg_xml_read(xml, len, errs);
    if (doc == NULL) {
        return -1;
    }
    if (sg_check_root(xmlDocGetRootElement(doc), type, errs) != 0) {
        xmlFreeDoc(doc);
        return -1;
    }

    memset(&col, 0, sizeof(col));
    col.errs = errs;
    col.code = "xsd.invalid";
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt == NULL) {
        sg_errors_addf(errs, "xsd.invalid", "cannot allocate a validator");
        xmlFreeDoc(doc);
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(vctxt, sg_collect_error, &col);
    rc = xmlSchemaValidateDoc(vctxt, doc);
    xmlSchemaFreeValidCtxt(vctxt);
    xmlFreeDoc(doc);
    if (rc != 0 && errs->n == before) {
        sg_errors_addf(errs, "xsd.invalid", "the document does not match "
                       "the schema of \"%s\"", type);
    }
    return rc == 0 ? 0 : -1;
}

void
sg_schemas_free(struct sg_schemas *s)
{
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->n; i++) {
        free(s->v[i].type);
        xmlSchemaFree(s->v[i].schema);
    }
    free(s->v);
    free(s->types);
    free(s);
}
