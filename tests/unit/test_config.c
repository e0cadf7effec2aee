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
    CU_ASSERT_EQUAL(c->n_plugins, 2);
    CU_ASSERT_STRING_EQUAL(c->plugins[0].name, "supplier_edi");
    CU_ASSERT_STRING_EQUAL(c->plugins[1].name, "crm_feedback");
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
    CU_add_test(s, "mistakes are refused with file:line",
                test_mistakes_have_lines);
    CU_add_test(s, "feedback limits", test_feedback_limits);
    CU_add_test(s, "plugins share option names",
                test_plugins_share_option_names);
    CU_add_test(s, "plugin sections follow the plugin's table",
                test_plugin_options);
    CU_add_test(s, "durations and dates", test_durations_and_dates);
    rc = sg_test_run();
    sg_test_rmdir(tmp);
    free(tmp);
    return rc;
}
