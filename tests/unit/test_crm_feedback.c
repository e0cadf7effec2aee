/*
 * test_crm_feedback.c - the crm_feedback plugin as the daemon sees it:
 * loaded with dlopen, fed tickets and updates as JSON and as XML, each
 * canonical document validated against schemas/feedback.xsd, and bad
 * bodies answered with the right code at the right line, column and
 * path.  Also the choice between plugins that share a media type.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "plugin.h"
#include "sg_plugin.h"
#include "testlib.h"
#include "util.h"

static void *dl;
static const struct sg_plugin *plugin;
static void *ctx;
static xmlSchemaPtr schema;

/* --- a host and a sink of our own ------------------------------------ */

static void
host_log(enum sg_log_level level, const char *name, const char *msg_id,
         const char *fmt, ...)
{
    (void)level;
    (void)name;
    (void)msg_id;
    (void)fmt;
}

static const struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
};

struct t_sink {
    struct sg_sink sink;
    char *key[8], *xml[8];
    int n_docs;
    char *code[16], *text[16], *path[16];
    long line[16], column[16];
    int n_diags;
};

static int
t_document(struct sg_sink *sink, const struct sg_document *doc)
{
    struct t_sink *t = (struct t_sink *)sink;

    if (t->n_docs == 8 || strcmp(doc->type, "feedback") != 0) {
        return -1;
    }
    t->key[t->n_docs] = sg_xstrdup(doc->key);
    t->xml[t->n_docs++] = sg_xstrndup(doc->xml, doc->xml_len);
    return 0;
}

static int
t_error(struct sg_sink *sink, const struct sg_diag *d)
{
    struct t_sink *t = (struct t_sink *)sink;
    int i = t->n_diags;

    if (i == 16) {
        return -1;
    }
    t->code[i] = sg_xstrdup(d->code);
    t->text[i] = sg_xstrdup(d->text != NULL ? d->text : "");
    t->path[i] = sg_xstrdup(d->xpath != NULL ? d->xpath : "");
    t->line[i] = d->line;
    t->column[i] = d->column;
    t->n_diags++;
    return 0;
}

static void
t_free(struct t_sink *t)
{
    int i;

    for (i = 0; i < t->n_docs; i++) {
        free(t->key[i]);
        free(t->xml[i]);
    }
    for (i = 0; i < t->n_diags; i++) {
        free(t->code[i]);
        free(t->text[i]);
        free(t->path[i]);
    }
}

/* Decode body; the sink keeps what came out.  Returns decode()'s rc. */
static int
decode(struct t_sink *t, const char *body)
{
    struct sg_message m = {.id = "t-1",
                           .data = (const unsigned char *)body,
                           .len = strlen(body)};

    memset(t, 0, sizeof(*t));
    t->sink.document = t_document;
    t->sink.error = t_error;
    return plugin->decode(ctx, &m, &t->sink);
}

static int
valid(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "f.xml", NULL,
                                  XML_PARSE_NONET);
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
    int rc = doc != NULL ? xmlSchemaValidateDoc(v, doc) : -1;

    xmlSchemaFreeValidCtxt(v);
    xmlFreeDoc(doc);
    return rc == 0;
}

/* Exactly one error, with this code, line, column and path. */
static void
expect_error(const char *body, const char *code, long line, long column,
             const char *path)
{
    struct t_sink t;

    decode(&t, body);
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL(t.n_diags, 1);
    if (t.n_diags >= 1) {
        CU_ASSERT_STRING_EQUAL(t.code[0], code);
        CU_ASSERT_EQUAL(t.line[0], line);
        CU_ASSERT_EQUAL(t.column[0], column);
        CU_ASSERT_STRING_EQUAL(t.path[0], path);
        if (strcmp(t.code[0], code) != 0 || t.line[0] != line ||
            t.column[0] != column || strcmp(t.path[0], path) != 0) {
            fprintf(stderr, "\n  got %s %ld:%ld %s: %s\n", t.code[0],
                    t.line[0], t.column[0], t.path[0], t.text[0]);
        }
    }
    t_free(&t);
}

/* --- the shapes ---------------------------------------------------------- */

static const char json_ticket[] =
    "{\"ticket\": {\n"
    "  \"id\": \"T-1001\",\n"
    "  \"customer\": {\"id\": \"CUST-77\", \"name\": \"Jane Doe\"},\n"
    "  \"channel\": \"email\",\n"
    "  \"category\": \"quality\",\n"
    "  \"severity\": \"high\",\n"
    "  \"order\": \"PO-EX-5001\",\n"
    "  \"lot\": \"LOT-5001-A\",\n"
    "  \"item\": \"ITEM-600\",\n"
    "  \"text\": \"Hose splits at the fitting <after> a week & leaks\",\n"
    "  \"requested_outcome\": \"exchange\",\n"
    "  \"created\": \"2026-12-04T09:15:00+01:00\"\n"
    "}}\n";

static const char xml_ticket[] =
    "<?xml version=\"1.0\"?>\n"
    "<ticket>\n"
    "  <id>T-1001</id>\n"
    "  <customer id=\"CUST-77\">Jane Doe</customer>\n"
    "  <channel>email</channel>\n"
    "  <category>quality</category>\n"
    "  <severity>high</severity>\n"
    "  <order>PO-EX-5001</order>\n"
    "  <lot>LOT-5001-A</lot>\n"
    "  <item>ITEM-600</item>\n"
    "  <text>Hose splits at the fitting &lt;after&gt; a week &amp; "
    "leaks</text>\n"
    "  <requestedOutcome>exchange</requestedOutcome>\n"
    "  <created>2026-12-04T09:15:00+01:00</created>\n"
    "</ticket>\n";

static void
test_json_ticket(void)
{
    struct t_sink t;

    CU_ASSERT_EQUAL(decode(&t, json_ticket), 0);
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.key[0], "T-1001");
    CU_ASSERT_TRUE(valid(t.xml[0]));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<customer id=\"CUST-77\">\n"
                                  "      <name>Jane Doe</name>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<lotRef>LOT-5001-A</lotRef>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "&lt;after&gt; a week &amp;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<created>2026-12-04T09:15:00"
                                  "+01:00</created>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<source format=\"json\"/>"));
    t_free(&t);
}

static void
test_xml_ticket_same_as_json(void)
{
    struct t_sink j, x;
    char *p;

    decode(&j, json_ticket);
    decode(&x, xml_ticket);
    CU_ASSERT_EQUAL(x.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(x.n_docs, 1);
    CU_ASSERT_EQUAL_FATAL(j.n_docs, 1);
    CU_ASSERT_TRUE(valid(x.xml[0]));
    /* The same canonical document but for the source format. */
    p = strstr(j.xml[0], "\"json\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    memcpy(p, "\"xml\"", 5);
    memmove(p + 5, p + 6, strlen(p + 6) + 1);
    CU_ASSERT_STRING_EQUAL(j.xml[0], x.xml[0]);
    t_free(&j);
    t_free(&x);
}

static void
test_updates(void)
{
    struct t_sink t;

    decode(&t, "{\"ticket_update\": {\"ticket\": \"T-1001\", \"kind\": "
               "\"resolved\", \"at\": \"2026-12-05T08:00:00Z\", "
               "\"outcome\": \"refund\", \"note\": \"credited\"}}");
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_STRING_EQUAL(t.key[0], "T-1001");
    CU_ASSERT_TRUE(valid(t.xml[0]));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<resolved>\n      <at>"
                                  "2026-12-05T08:00:00Z</at>\n      "
                                  "<outcome>refund</outcome>"));
    t_free(&t);

    decode(&t, "<ticketUpdate><ticket>T-1001</ticket><kind>follow_up"
               "</kind><at>2026-12-12T10:00:00-05:00</at><satisfaction>4"
               "</satisfaction></ticketUpdate>");
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_TRUE(valid(t.xml[0]));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<satisfaction>4"
                                  "</satisfaction>"));
    t_free(&t);

    decode(&t, "{\"ticket_update\": {\"ticket\": \"T-1\", \"kind\": "
               "\"follow_up\", \"at\": \"2026-12-12T10:00:00Z\", "
               "\"satisfaction\": 5}}");
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_TRUE(valid(t.xml[0]));
    t_free(&t);

    decode(&t, "{\"ticket_update\": {\"ticket\": \"T-1\", \"kind\": "
               "\"first_response\", \"at\": \"2026-12-04T10:00:00Z\"}}");
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_TRUE(valid(t.xml[0]));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<firstResponse>"));
    t_free(&t);
}

static void
test_missing_optional(void)
{
    struct t_sink t;

    decode(&t, "{\"ticket\": {\"id\": \"T-2\", \"customer\": {\"id\": "
               "\"C\"}, \"channel\": \"phone\", \"category\": \"service\", "
               "\"severity\": \"low\", \"text\": \"rude driver\", "
               "\"created\": \"2026-12-04T10:00:00Z\"}}");
    CU_ASSERT_EQUAL(t.n_diags, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_docs, 1);
    CU_ASSERT_TRUE(valid(t.xml[0]));
    CU_ASSERT_PTR_NULL(strstr(t.xml[0], "orderRef"));
    CU_ASSERT_PTR_NULL(strstr(t.xml[0], "<name>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t.xml[0], "<requestedOutcome>none<"));
    t_free(&t);
}

/* --- bad JSON, with line, column and path ------------------------------ */

static void
test_json_errors(void)
{
    char *body;

    /* Syntax: jansson's own position. */
    expect_error("{\"ticket\": {\n  \"id\": \"T-1\",\n  \"severity\": }}",
                 "crm.json_syntax", 3, 15, "$");
    /* A bad value: where the value starts. */
    body = sg_xstrdup(json_ticket);
    memcpy(strstr(body, "\"high\""), "\"hi!!\"", 6);
    expect_error(body, "crm.bad_value", 6, 15, "$.ticket.severity");
    free(body);
    /* A time without its zone. */
    body = sg_xstrdup(json_ticket);
    memcpy(strstr(body, "+01:00\""), "\"      ", 7);
    expect_error(body, "crm.time_without_zone", 12, 14, "$.ticket.created");
    free(body);
    /* A misspelt member: where its value is. */
    body = sg_xstrdup(json_ticket);
    memcpy(strstr(body, "\"item\""), "\"itme\"", 6);
    expect_error(body, "crm.unknown_field", 9, 11, "$.ticket.itme");
    free(body);
    /* Missing: the path it should have had, the object's position. */
    expect_error("{\"ticket\":\n {\"id\": \"T\", \"customer\": {\"id\": "
                 "\"C\"}, \"channel\": \"chat\", \"category\": \"other\", "
                 "\"severity\": \"low\", \"text\": \"x\"}}",
                 "crm.missing_field", 2, 2, "$.ticket.created");
    expect_error("{\"ticket_update\": {\"ticket\": \"T\", \"kind\": "
                 "\"resolved\", \"at\": \"2026-12-04T10:00:00Z\"}}",
                 "crm.missing_field", 1, 19, "$.ticket_update.outcome");
    expect_error("{\"ticket_update\": {\"ticket\": \"T\", \"kind\": "
                 "\"follow_up\", \"at\": \"2026-12-04T10:00:00Z\", "
                 "\"satisfaction\": 7}}",
                 "crm.bad_satisfaction", 1, 102,
                 "$.ticket_update.satisfaction");
    expect_error("{\"ticket_update\": {\"ticket\": \"T\", \"kind\": "
                 "\"follow_up\", \"at\": \"2026-12-04T10:00:00Z\", "
                 "\"satisfaction\": \"4\"}}",
                 "crm.json_type", 1, 102, "$.ticket_update.satisfaction");
    expect_error("{\"ticket\": {\"id\": 17}}", "crm.json_type", 1, 19,
                 "$.ticket.id");
    /* Not a ticket at all. */
    expect_error("{\"shipment\": {\"id\": \"S\"}}", "crm.json_shape", 1, 1,
                 "$");
    expect_error("{\"ticket\": [1]}", "crm.json_type", 1, 12, "$.ticket");
}

/* --- bad XML, with line and XPath --------------------------------------- */

static void
test_xml_errors(void)
{
    char *body;

    body = sg_xstrdup(xml_ticket);
    memcpy(strstr(body, ">high<"), ">hugh<", 6);
    expect_error(body, "crm.bad_value", 7, 0, "/ticket/severity");
    free(body);
    body = sg_xstrdup(xml_ticket);
    memcpy(strstr(body, " id=\"CUST-77\""), " xx=\"CUST-77\"", 13);
    expect_error(body, "crm.missing_field", 4, 0, "/ticket/customer/@id");
    free(body);
    body = sg_xstrdup(xml_ticket);
    memcpy(strstr(body, "<item>"), "<iten>", 6);
    memcpy(strstr(body, "</item>"), "</iten>", 7);
    expect_error(body, "crm.unknown_field", 10, 0, "/ticket/iten");
    free(body);
    expect_error("<ticket>\n<id>T</id>\n<channel>email</chanel>\n</ticket>",
                 "xml.syntax", 3, 24, "");
    expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE ticket [<!ENTITY x "
                 "SYSTEM \"file:///etc/passwd\">]>\n<ticket>&x;</ticket>",
                 "xml.doctype", 2, 18, "");
    expect_error("<order xmlns=\"urn:supplygate:canonical:1\"/>",
                 "crm.xml_root", 1, 0, "/");
    expect_error("<ticketUpdate><ticket>T</ticket><kind>closed</kind><at>"
                 "2026-12-04T10:00:00Z</at></ticketUpdate>",
                 "crm.bad_value", 1, 0, "/ticketUpdate/kind");
    expect_error("plain text", "crm.unsupported_body", 1, 1, "");
}

/* --- options ------------------------------------------------------------- */

static long
host_no_json(const void *config, const char *name)
{
    (void)config;
    return strcmp(name, "accept_json") == 0 ? 0 : 1;
}

static void
test_json_switched_off(void)
{
    struct sg_host h = host;
    void *saved = ctx, *off = NULL;
    int dummy_section = 0;
    struct t_sink t;

    h.option_int = host_no_json;
    CU_ASSERT_EQUAL_FATAL(plugin->init(&h, &dummy_section, &off), 0);
    ctx = off;
    CU_ASSERT_EQUAL(decode(&t, json_ticket), -1);
    CU_ASSERT_EQUAL(t.n_docs, 0);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.code[0], "crm.unsupported_body");
    t_free(&t);
    /* XML still goes through. */
    decode(&t, xml_ticket);
    CU_ASSERT_EQUAL(t.n_docs, 1);
    t_free(&t);
    ctx = saved;
    plugin->exit(off);
}

/* --- sniffing and the choice between plugins -------------------------- */

static void
test_sniff(void)
{
    const char *order = "<order xmlns=\"urn:supplygate:canonical:1\"/>";

    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)json_ticket,
                                  strlen(json_ticket)), 90);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)xml_ticket,
                                  strlen(xml_ticket)), 90);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "{\"ticket_update\":{}}", 20), 90);
    /* A carrier's webhook is JSON too, but not a ticket. */
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)
                                  "{\"shipment\":{\"ticket\":1}}", 25), 0);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)"{", 1), 0);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)order,
                                  strlen(order)), 0);
    CU_ASSERT_EQUAL(plugin->sniff((const unsigned char *)"ISA*00*", 7), 0);
}

static void
test_choice(void)
{
    const char *order = "<order xmlns=\"urn:supplygate:canonical:1\"/>";
    const struct sg_loaded_plugin *lp;
    struct sg_plugins *p = sg_plugins_new();
    struct sg_errors errs;
    char path[4096];

    sg_errors_init(&errs, 10);
    snprintf(path, sizeof(path), "%s", sg_test_buildpath(
             "plugins/supplier_edi/.libs/supplier_edi.so"));
    CU_ASSERT_PTR_NOT_NULL(sg_plugins_probe(p, "supplier_edi", path, 1,
                                            &errs));
    snprintf(path, sizeof(path), "%s", sg_test_buildpath(
             "plugins/crm_feedback/.libs/crm_feedback.so"));
    CU_ASSERT_PTR_NOT_NULL(sg_plugins_probe(p, "crm_feedback", path, 2,
                                            &errs));
    CU_ASSERT_EQUAL_FATAL(p->n, 2);
    p->items[0].ready = 1;
    p->items[1].ready = 1;
    /* Both take application/xml: the body decides. */
    lp = sg_plugins_choose(p, "application/xml", (const unsigned char *)
                           xml_ticket, strlen(xml_ticket));
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "crm_feedback");
    lp = sg_plugins_choose(p, "application/xml", (const unsigned char *)
                           order, strlen(order));
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "supplier_edi");
    lp = sg_plugins_choose(p, "application/json; charset=utf-8",
                           (const unsigned char *)json_ticket,
                           strlen(json_ticket));
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "crm_feedback");
    /* The only plugin taking a type gets every body of it, ticket or
     * not (it will say what is wrong). */
    lp = sg_plugins_choose(p, "application/json", (const unsigned char *)
                           "{\"shipment\":{}}", 15);
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "crm_feedback");
    /* No type: the surest sniff. */
    lp = sg_plugins_choose(p, NULL, (const unsigned char *)json_ticket,
                           strlen(json_ticket));
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "crm_feedback");
    lp = sg_plugins_choose(p, "image/png", (const unsigned char *)
                           "ISA*00*", 7);
    CU_ASSERT_STRING_EQUAL(lp->desc->name, "supplier_edi");
    p->items[0].ready = 0;
    p->items[1].ready = 0;
    sg_plugins_free(p);
    sg_errors_free(&errs);
}

/* A body nested past the guard's depth is refused before parsing. */
static void
test_json_guard(void)
{
    struct t_sink t;
    char body[200];
    int i;

    snprintf(body, sizeof(body), "{\"ticket\": ");
    for (i = 0; i < 80; i++) {
        strcat(body, "[");
    }
    CU_ASSERT_EQUAL(decode(&t, body), -1);
    CU_ASSERT_EQUAL_FATAL(t.n_diags, 1);
    CU_ASSERT_STRING_EQUAL(t.code[0], "json.too_deep");
    CU_ASSERT_EQUAL(t.line[0], 1);
    /* '{' is level 1, the 64th '[' (from column 12) level 65. */
    CU_ASSERT_EQUAL(t.column[0], 12 + 63);
    t_free(&t);
}

int
main(void)
{
    xmlSchemaParserCtxtPtr pc;
    CU_pSuite s;
    int rc;

    xmlInitParser();
    dl = dlopen(sg_test_buildpath("plugins/crm_feedback/.libs/"
                                  "crm_feedback.so"), RTLD_NOW);
    if (dl == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    plugin = dlsym(dl, SG_PLUGIN_SYMBOL);
    if (plugin == NULL || plugin->init(&host, NULL, &ctx) != 0) {
        return 2;
    }
    pc = xmlSchemaNewParserCtxt(sg_test_srcpath("schemas/feedback.xsd"));
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (schema == NULL) {
        return 2;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("crm_feedback", NULL, NULL);
    CU_add_test(s, "JSON ticket", test_json_ticket);
    CU_add_test(s, "JSON guard", test_json_guard);
    CU_add_test(s, "XML ticket gives the same document",
                test_xml_ticket_same_as_json);
    CU_add_test(s, "updates", test_updates);
    CU_add_test(s, "optional fields left out", test_missing_optional);
    CU_add_test(s, "bad JSON: line, column, path", test_json_errors);
    CU_add_test(s, "bad XML: line, XPath", test_xml_errors);
    CU_add_test(s, "accept_json = false", test_json_switched_off);
    CU_add_test(s, "sniff by shape", test_sniff);
    CU_add_test(s, "choice between plugins of one type", test_choice);
    rc = sg_test_run();

    plugin->exit(ctx);
    xmlSchemaFree(schema);
    dlclose(dl);
    return rc;
}
