/*
 * test_config.c - the configuration reader: the shipped file is valid,
 * values land in the right fields, and every kind of mistake is refused
 * with the file and line where it is.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "config.h"
#include "plugin.h"
#include "testlib.h"
#include "util.h"

static char *tmp;

/* An options callback that loads nothing: plugin sections then take no
 * options beyond path. */
static const struct sg_option *
sg_no_options(void *arg, const char *name, const char *path, int line,
              struct sg_errors *errs)
{
    static const struct sg_option none[] = {{SG_OPT_END}};

    (void)arg;
    (void)name;
    (void)path;
    (void)line;
    (void)errs;
    return none;
}

/* A table like a plugin would declare. */
static const struct sg_option sg_test_options[] = {
    {SG_OPT_STRING, "greeting", "hello", 0, 0, 0, "a string"},
    {SG_OPT_INT, "max_documents", NULL, 100, 1, 1000, "bounded int"},
    {SG_OPT_BOOL, "accept_xml", NULL, 1, 0, 1, "a switch"},
    {SG_OPT_END}
};

static const struct sg_option *
sg_test_table(void *arg, const char *name, const char *path, int line,
              struct sg_errors *errs)
{
    (void)arg;
    (void)name;
    (void)path;
    (void)line;
    (void)errs;
    return sg_test_options;
}

/* A second plugin's table sharing names with the first: one with its
 * own default, one with another type. */
static const struct sg_option sg_other_options[] = {
    {SG_OPT_INT, "max_documents", NULL, 3, 1, 10, "same name, own default"},
    {SG_OPT_END}
};
static const struct sg_option sg_clash_options[] = {
    {SG_OPT_STRING, "max_documents", "x", 0, 0, 0, "same name, other type"},
    {SG_OPT_END}
};

/* Plugin "p" gets sg_test_options, "q" sg_other_options, "r" the clash. */
static const struct sg_option *
sg_two_tables(void *arg, const char *name, const char *path, int line,
              struct sg_errors *errs)
{
    (void)arg;
    (void)path;
    (void)line;
    (void)errs;
    return strcmp(name, "q") == 0 ? sg_other_options
           : strcmp(name, "r") == 0 ? sg_clash_options : sg_test_options;
}

/* Load text as a config file; errs gets the problems. */
static struct sg_config *
sg_load_text(const char *text, sg_config_options_fn fn,
             struct sg_errors *errs)
{
    char *path = sg_test_write(tmp, "t.conf", text);
    struct sg_config *c;

    sg_errors_init(errs, 50);
    c = sg_config_load(path, fn, NULL, errs);
    free(path);
    return c;
}

/* 1 when some error text contains needle. */
static int
sg_errors_mention(const struct sg_errors *errs, const char *needle)
{
    size_t i;

    for (i = 0; i < errs->n; i++) {
        if (strstr(errs->items[i].text, needle) != NULL) {
            return 1;
        }
    }
    return 0;
}

static void
test_shipped_config(void)
{
    struct sg_errors errs;
    struct sg_config *c;
    const struct sg_supplier *s;
    char *expect;

    sg_errors_init(&errs, 50);
    c = sg_config_load(sg_test_srcpath("conf/supplygate.conf"),
                       sg_no_options, NULL, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(errs.n, 0);
    CU_ASSERT_STRING_EQUAL(c->listen_address, "127.0.0.1");
    CU_ASSERT_EQUAL(c->listen_port, 8080);
    CU_ASSERT_EQUAL(c->processing_limit, 2 * 3600);
    CU_ASSERT_EQUAL(c->dispatch_limit, 4 * 3600);
    CU_ASSERT_EQUAL(c->reclaim_idle_ms, 30000);
    CU_ASSERT_STRING_EQUAL(c->redis_address, "");
    CU_ASSERT_STRING_EQUAL(c->redis_appendfsync, "always");
    /* Relative paths resolve against the file's directory. */
    expect = sg_xasprintf("%s/../schemas", c->dir);
    CU_ASSERT_STRING_EQUAL(c->schema_dir, expect);
    free(expect);
    CU_ASSERT_TRUE_FATAL(c->n_plugins >= 2);
    CU_ASSERT_STRING_EQUAL(c->plugins[0].name, "supplier_edi");
    CU_ASSERT_STRING_EQUAL(c->plugins[1].name, "carrier_tracking");
    CU_ASSERT_EQUAL(c->delivery_limit, 48 * 3600);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sg_config_carrier(c, "AFRT"));
    CU_ASSERT_STRING_EQUAL(sg_config_carrier(c, "AFRT")->id, "ACMEFREIGHT");
    CU_ASSERT_EQUAL(c->follow_up_after, 7 * 86400);
    CU_ASSERT_EQUAL(sg_config_feedback(c, "critical")->first_response,
                    3600);
    CU_ASSERT_EQUAL(sg_config_feedback(c, "low")->escalate_again,
                    3 * 86400);
    CU_ASSERT_PTR_NULL(sg_config_feedback(c, "urgent"));
    s = sg_config_supplier(c, "ZZ:ACMEPARTS");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s->id, "ACME");
    CU_ASSERT_PTR_NULL(sg_config_supplier(c, "NOBODY"));
    CU_ASSERT_STRING_EQUAL(sg_config_approval(c, "raw-materials")->category,
                           "raw-materials");
    CU_ASSERT_STRING_EQUAL(sg_config_approval(c, "no-such")->category,
                           "default");
    sg_config_free(c);
    sg_errors_free(&errs);
}

static void
test_stock_settings(void)
{
    struct sg_errors errs;
    struct sg_config *c = sg_load_text(
        "supplier \"ACME\" {\n order_format = \"edifact\"\n"
        " order_endpoint = \"http://127.0.0.1:9/o\"\n}\n"
        "supplier \"B\" {\n}\n"
        "replenishment {\n timeout = \"3s\"\n max_attempts = 4\n"
        " retry_backoff = \"1m\"\n}\n"
        "item \"SKU-1\" {\n lower = 5\n upper = 50.5\n"
        " preferred_supplier = \"ACME\"\n reorder_quantity = 20\n}\n",
        sg_no_options, &errs);
    const struct sg_item *it;

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->channels[0].format, "edifact");
    CU_ASSERT_STRING_EQUAL(c->channels[0].endpoint, "http://127.0.0.1:9/o");
    CU_ASSERT_STRING_EQUAL(c->channels[1].format, "x12");
    CU_ASSERT_STRING_EQUAL(c->channels[1].endpoint, "");
    CU_ASSERT_EQUAL(c->repl_timeout, 3);
    CU_ASSERT_EQUAL(c->repl_max_attempts, 4);
    CU_ASSERT_EQUAL(c->repl_backoff, 60);
    CU_ASSERT_STRING_EQUAL(c->repl_sender_id, "SUPPLYGATE");
    it = sg_config_item(c, "SKU-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_DOUBLE_EQUAL(it->lower, 5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(it->upper, 50.5, 1e-9);
    CU_ASSERT_STRING_EQUAL(it->preferred_supplier, "ACME");
    CU_ASSERT_STRING_EQUAL(it->unit, "EA");
    CU_ASSERT_PTR_NULL(sg_config_item(c, "SKU-2"));
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("supplier \"X\" {\n order_format = \"fax\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2:"));
    sg_errors_free(&errs);
    c = sg_load_text("supplier \"X\" {\n order_endpoint = \"ftp://h/x\"\n"
                     "}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "is not an http://"));
    sg_errors_free(&errs);
    c = sg_load_text("item \"S\" {\n lower = 10\n upper = 5\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "upper (5) is below lower"));
    sg_errors_free(&errs);
}

static void
test_values(void)
{
    struct sg_errors errs;
    struct sg_config *c = sg_load_text(
        "delivery {\n processing_limit = \"90m\"\n dispatch_limit = \"1d\"\n"
        " sweep_interval = \"5\"\n}\n"
        "supplier \"S1\" {\n status = \"blocked\"\n"
        " licence_expires = \"2024-02-29\"\n aliases = {\"a\", \"b\"}\n}\n"
        "approval \"default\" {\n manager_above = 5000.5\n"
        " director_above = 5000.5\n}\n", sg_no_options, &errs);

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->processing_limit, 5400);
    CU_ASSERT_EQUAL(c->dispatch_limit, 86400);
    CU_ASSERT_EQUAL(c->sweep_interval, 5);
    CU_ASSERT_EQUAL(c->n_suppliers, 1);
    CU_ASSERT_STRING_EQUAL(c->suppliers[0].status, "blocked");
    /* 2024-02-29 00:00:00 UTC */
    CU_ASSERT_EQUAL(c->suppliers[0].licence_expires, 1709164800LL);
    CU_ASSERT_EQUAL(c->suppliers[0].certificate_expires, 0);
    CU_ASSERT_EQUAL(c->suppliers[0].n_aliases, 2);
    CU_ASSERT_DOUBLE_EQUAL(c->approvals[0].manager_above, 5000.5, 1e-9);
    sg_config_free(c);
    sg_errors_free(&errs);
}

/* Feedback limits: shipped defaults, overrides, and refusals. */
static void
test_feedback_limits(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("feedback {\n follow_up_after = \"3d\"\n"
                     " severity \"high\" {\n first_response = \"30m\"\n"
                     " escalate_again = \"0\"\n }\n}\n", sg_no_options,
                     &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->follow_up_after, 3 * 86400);
    CU_ASSERT_EQUAL(sg_config_feedback(c, "high")->first_response, 1800);
    CU_ASSERT_EQUAL(sg_config_feedback(c, "high")->escalate_again, 0);
    /* Not named: the shipped limits. */
    CU_ASSERT_EQUAL(sg_config_feedback(c, "medium")->first_response,
                    86400);
    CU_ASSERT_EQUAL(sg_config_feedback(c, "critical")->escalate_again,
                    3600);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("feedback {\n severity \"urgent\" {\n"
                     " first_response = \"1h\"\n }\n}\n", sg_no_options,
                     &errs);
    CU_ASSERT_PTR_NULL(c);
    /* libconfuse knows the line where the section closed. */
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:4:"));
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "\"urgent\" is not one of"));
    sg_errors_free(&errs);

    c = sg_load_text("feedback {\n severity \"low\" {\n"
                     " first_response = \"0\"\n }\n}\n", sg_no_options,
                     &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "at least 1s"));
    sg_errors_free(&errs);

    c = sg_load_text("feedback {\n follow_up_after = \"a week\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2:"));
    sg_errors_free(&errs);
}

/* Two plugins declaring the same option names share them. */
static void
test_plugins_share_option_names(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("plugin \"a\" {\n path = \"/x/a.so\"\n"
                     " accept_xml = false\n}\n"
                     "plugin \"b\" {\n path = \"/x/b.so\"\n"
                     " max_documents = 7\n}\n", sg_test_table, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(errs.n, 0);
    CU_ASSERT_EQUAL(sg_config_plugin_int(c->plugins[0].section,
                                         "accept_xml"), 0);
    CU_ASSERT_EQUAL(sg_config_plugin_int(c->plugins[1].section,
                                         "accept_xml"), 1);
    CU_ASSERT_EQUAL(sg_config_plugin_int(c->plugins[1].section,
                                         "max_documents"), 7);
    sg_config_free(c);
    sg_errors_free(&errs);
}

static void
test_mistakes_have_lines(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("http {\n  port = 8080\n  colour = \"blue\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:3:"));
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "colour"));
    sg_errors_free(&errs);

    c = sg_load_text("\nhttp {\n port = 70000\n}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:3:"));
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "not a TCP port"));
    sg_errors_free(&errs);

    c = sg_load_text("supplier \"X\" {\n licence_expires = \"2025-02-30\"\n"
                     "}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "not a date"));
    sg_errors_free(&errs);

    c = sg_load_text("delivery {\n processing_limit = \"2 hours\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2:"));
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "not a duration"));
    sg_errors_free(&errs);

    c = sg_load_text("supplier \"X\" {\n status = \"asleep\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "asleep"));
    sg_errors_free(&errs);

    c = sg_load_text("approval \"default\" {\n manager_above = 10\n"
                     " director_above = 5\n}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "below manager_above"));
    sg_errors_free(&errs);

    c = sg_load_text("supplier \"X\" {\n}\nsupplier \"X\" {\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    sg_errors_free(&errs);

    sg_errors_init(&errs, 5);
    CU_ASSERT_PTR_NULL(sg_config_load("/nonexistent/x.conf", sg_no_options,
                                      NULL, &errs));
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "No such file"));
    sg_errors_free(&errs);
}

/* Two plugins may share an option name; each keeps its own default. */
static void
test_shared_option_names(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n}\n"
                     "plugin \"q\" {\n path = \"/x/q.so\"\n}\n",
                     sg_two_tables, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[0].section, "max_documents"), 100);
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[1].section, "max_documents"), 3);
    sg_config_free(c);
    sg_errors_free(&errs);

    /* Set in one section only: the other keeps its default. */
    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n}\n"
                     "plugin \"q\" {\n path = \"/x/q.so\"\n"
                     " max_documents = 9\n}\n", sg_two_tables, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[0].section, "max_documents"), 100);
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[1].section, "max_documents"), 9);
    sg_config_free(c);
    sg_errors_free(&errs);

    /* Each plugin's own bounds still apply. */
    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n}\n"
                     "plugin \"q\" {\n path = \"/x/q.so\"\n"
                     " max_documents = 50\n}\n", sg_two_tables, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "outside 1..10"));
    sg_errors_free(&errs);

    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n}\n"
                     "plugin \"r\" {\n path = \"/x/r.so\"\n}\n",
                     sg_two_tables, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "another type"));
    sg_errors_free(&errs);
}

static void
test_plugin_options(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n"
                     " greeting = \"hi\"\n max_documents = 7\n}\n",
                     sg_test_table, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->plugins[0].path, "/x/p.so");
    CU_ASSERT_STRING_EQUAL(
        sg_config_plugin_string(c->plugins[0].section, "greeting"), "hi");
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[0].section, "max_documents"), 7);
    /* Defaults apply to what the section leaves out. */
    CU_ASSERT_EQUAL(
        sg_config_plugin_int(c->plugins[0].section, "accept_xml"), 1);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n"
                     " max_documents = 5000\n}\n", sg_test_table, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "outside 1..1000"));
    sg_errors_free(&errs);

    c = sg_load_text("plugin \"p\" {\n path = \"/x/p.so\"\n"
                     " volume = 11\n}\n", sg_test_table, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "volume"));
    sg_errors_free(&errs);

    c = sg_load_text("plugin \"p\" {\n}\n", sg_test_table, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "has no path"));
    sg_errors_free(&errs);
}

static void
test_durations_and_dates(void)
{
    long s;
    long long e;

    CU_ASSERT_EQUAL(sg_parse_duration("2h", &s), 0);
    CU_ASSERT_EQUAL(s, 7200);
    CU_ASSERT_EQUAL(sg_parse_duration("0", &s), 0);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(sg_parse_duration("-1s", &s), -1);
    CU_ASSERT_EQUAL(sg_parse_duration("5w", &s), -1);
    CU_ASSERT_EQUAL(sg_parse_duration("5hh", &s), -1);
    CU_ASSERT_EQUAL(sg_parse_duration("", &s), -1);
    CU_ASSERT_EQUAL(sg_parse_duration("99999999999d", &s), -1);
    CU_ASSERT_EQUAL(sg_parse_date("1970-01-02", &e), 0);
    CU_ASSERT_EQUAL(e, 86400);
    CU_ASSERT_EQUAL(sg_parse_date("2023-02-29", &e), -1);
    CU_ASSERT_EQUAL(sg_parse_date("2000-02-29", &e), 0);
    CU_ASSERT_EQUAL(sg_parse_date("2024-13-01", &e), -1);
    CU_ASSERT_EQUAL(sg_parse_date("2024-1-01", &e), -1);
    CU_ASSERT_EQUAL(sg_parse_date("2024-01-01x", &e), -1);
}

static void
test_carriers(void)
{
    struct sg_errors errs;
    struct sg_config *c;
    const struct sg_carrier *k;

    c = sg_load_text("delivery {\n  delivery_limit = \"36h\"\n}\n"
                     "carrier \"FAST\" {\n  name = \"Fast Ltd\"\n"
                     "  aliases = {\"FSTL\", \"ZZ:FAST\"}\n}\n"
                     "carrier \"SLOW\" {\n}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->delivery_limit, 36 * 3600);
    CU_ASSERT_EQUAL(c->n_carriers, 2);
    k = sg_config_carrier(c, "ZZ:FAST");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_STRING_EQUAL(k->id, "FAST");
    CU_ASSERT_STRING_EQUAL(k->name, "Fast Ltd");
    CU_ASSERT_STRING_EQUAL(sg_config_carrier(c, "SLOW")->name, "");
    CU_ASSERT_PTR_NULL(sg_config_carrier(c, "fstl"));
    sg_config_free(c);
    sg_errors_free(&errs);

    /* Unset: 48 hours.  A bad limit or a twice-named carrier: file:line. */
    c = sg_load_text("log_level = \"info\"\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->delivery_limit, 48 * 3600);
    sg_config_free(c);
    sg_errors_free(&errs);
    c = sg_load_text("delivery {\n  delivery_limit = \"soon\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_errors_free(&errs);
    c = sg_load_text("carrier \"A\" {\n}\ncarrier \"A\" {\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(errs.n > 0);
    sg_errors_free(&errs);
}

/* rules: the order response options, their defaults and refusals. */
static void
test_response_rules(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("log_level = \"info\"\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_DOUBLE_EQUAL(c->response_price_tolerance, 2, 1e-9);
    CU_ASSERT_EQUAL(c->order_wait, 60);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("rules {\n  response_price_tolerance = 0.5\n"
                     "  order_wait = \"0s\"\n}\n", sg_no_options,
                     &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_DOUBLE_EQUAL(c->response_price_tolerance, 0.5, 1e-9);
    CU_ASSERT_EQUAL(c->order_wait, 0);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("rules {\n  response_price_tolerance = -1\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_errors_free(&errs);
    c = sg_load_text("rules {\n  order_wait = \"later\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_errors_free(&errs);
}

/* queue.duplicate_window: 30 days unless set, "0s" turns the check
 * off, a wrong value is refused at its line. */
static void
test_duplicate_window(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    c = sg_load_text("queue {\n  workers = 1\n}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->duplicate_window, 30L * 86400);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("queue {\n  duplicate_window = \"7d\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->duplicate_window, 7L * 86400);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("queue {\n  duplicate_window = \"0s\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->duplicate_window, 0);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("queue {\n  duplicate_window = \"soon\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_config_free(c);
    sg_errors_free(&errs);
}

/* The invoice tolerances: shipped values, defaults, negatives refused. */
static void
test_invoice_tolerances(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    sg_errors_init(&errs, 50);
    c = sg_config_load(sg_test_srcpath("conf/supplygate.conf"),
                       sg_no_options, NULL, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_DOUBLE_EQUAL(c->invoice_price_tolerance, 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(c->invoice_quantity_tolerance, 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(c->invoice_total_tolerance, 0.01, 1e-9);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("invoice {\n price_tolerance = 5.5\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_DOUBLE_EQUAL(c->invoice_price_tolerance, 5.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(c->invoice_total_tolerance, 0.01, 1e-9);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("invoice {\n total_tolerance = -1\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "must not be negative"));
    sg_errors_free(&errs);
}

/* rules: the ship notice options, their defaults and their checks. */
static void
test_ship_notice_rules(void)
{
    struct sg_errors errs;
    struct sg_config *c;

    sg_errors_init(&errs, 50);
    c = sg_config_load(sg_test_srcpath("conf/supplygate.conf"),
                       sg_no_options, NULL, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->min_shelf_life, 30 * 86400);
    CU_ASSERT_DOUBLE_EQUAL(c->ship_tolerance, 0, 1e-12);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("rules {\n  min_shelf_life = \"90d\"\n"
                     "  ship_tolerance = 2.5\n}\n", sg_no_options, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->min_shelf_life, 90 * 86400);
    CU_ASSERT_DOUBLE_EQUAL(c->ship_tolerance, 2.5, 1e-12);
    sg_config_free(c);
    sg_errors_free(&errs);

    c = sg_load_text("rules {\n  ship_tolerance = -1\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_errors_free(&errs);
    c = sg_load_text("rules {\n  min_shelf_life = \"a month\"\n}\n",
                     sg_no_options, &errs);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(sg_errors_mention(&errs, "t.conf:2"));
    sg_errors_free(&errs);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    tmp = sg_test_tmpdir("config");
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("config", NULL, NULL);
    CU_add_test(s, "the shipped configuration is valid",
                test_shipped_config);
    CU_add_test(s, "values land in their fields", test_values);
    CU_add_test(s, "stock: items, channels, replenishment",
                test_stock_settings);
    CU_add_test(s, "mistakes are refused with file:line",
                test_mistakes_have_lines);
    CU_add_test(s, "feedback limits", test_feedback_limits);
    CU_add_test(s, "plugins share option names",
                test_plugins_share_option_names);
    CU_add_test(s, "plugin sections follow the plugin's table",
                test_plugin_options);
    CU_add_test(s, "plugins sharing an option name",
                test_shared_option_names);
    CU_add_test(s, "durations and dates", test_durations_and_dates);
    CU_add_test(s, "carrier registry and delivery limit", test_carriers);
    CU_add_test(s, "queue duplicate_window", test_duplicate_window);
    CU_add_test(s, "invoice tolerances", test_invoice_tolerances);
    CU_add_test(s, "rules for order responses", test_response_rules);
    CU_add_test(s, "rules: ship notice options", test_ship_notice_rules);
    rc = sg_test_run();
    sg_test_rmdir(tmp);
    free(tmp);
    return rc;
}
