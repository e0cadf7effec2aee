/*
 * test_generation.c - generations and reload: a reload swaps in a new
 * generation only when everything in it loaded, a holder keeps the old
 * one alive until it lets go, and a broken file or a refused plugin
 * leaves the running generation in place.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "generation.h"
#include "schema.h"
#include "testlib.h"
#include "util.h"

static char *tmp;
static char *conf;

/* Write the configuration with this manager threshold, HTTP port and
 * plugin path, plus extra lines at the end. */
static void
sg_write_conf(int manager_above, int port, const char *plugin,
              const char *extra)
{
    char *text, *schemas = sg_xstrdup(sg_test_srcpath("schemas"));

    text = sg_xasprintf(
        "state_dir = \"%s/state\"\n"
        "schema_dir = \"%s\"\n"
        "http {\n port = %d\n}\n"
        "approval \"default\" {\n manager_above = %d\n"
        " director_above = 1000000\n}\n"
        "plugin \"supplier_edi\" {\n path = \"%s\"\n}\n"
        "%s",
        tmp, schemas, port, manager_above, plugin, extra);
    free(conf);
    conf = sg_test_write(tmp, "gen.conf", text);
    free(text);
    free(schemas);
}

static const char *
sg_plugin_path(void)
{
    return sg_test_buildpath("plugins/supplier_edi/.libs/supplier_edi.so");
}

static double
sg_manager_above(const struct sg_generation *g)
{
    return sg_config_approval(g->cfg, "default")->manager_above;
}

static void
test_load_strict_and_lenient(void)
{
    struct sg_generation *g;
    struct sg_errors errs;

    sg_write_conf(100, 0, sg_plugin_path(), "");
    sg_errors_init(&errs, 50);
    g = sg_generation_load(conf, 1, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(errs.n, 0);
    CU_ASSERT_EQUAL(g->plugins->n, 1);
    CU_ASSERT_TRUE(sg_schemas_has(g->schemas, "order"));
    CU_ASSERT_PTR_NOT_NULL(g->rules);
    CU_ASSERT_EQUAL(atomic_load(&g->refs), 1);
    sg_generation_unref(g);

    /* A plugin that cannot be loaded: skipped at start, an error for
     * --check-config and reload. */
    sg_write_conf(100, 0, "/nonexistent/plugin.so", "");
    g = sg_generation_load(conf, 0, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(g->plugins->n_refused, 1);
    sg_generation_unref(g);
    CU_ASSERT_PTR_NULL(sg_generation_load(conf, 1, &errs));
    CU_ASSERT_EQUAL_FATAL(errs.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text,
                                  "1 plugin(s) refused"));
    sg_errors_free(&errs);
}

static void
test_reload_swaps_and_keeps_old_for_holders(void)
{
    struct sg_generations *gs;
    struct sg_generation *boot, *g1, *g2, *g3;
    struct sg_errors errs;

    sg_write_conf(100, 0, sg_plugin_path(), "");
    sg_errors_init(&errs, 50);
    boot = sg_generation_load(conf, 0, &errs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(boot);
    sg_errors_free(&errs);
    gs = sg_generations_new(boot);

    g1 = sg_generations_acquire(gs);
    CU_ASSERT_PTR_EQUAL(g1, boot);
    CU_ASSERT_EQUAL(g1->number, 1);

    /* A new threshold: new work gets generation 2, g1 is still whole. */
    sg_write_conf(10, 0, sg_plugin_path(), "");
    CU_ASSERT_EQUAL(sg_generations_reload(gs, conf), 0);
    g2 = sg_generations_acquire(gs);
    CU_ASSERT_NOT_EQUAL(g2, g1);
    CU_ASSERT_EQUAL(g2->number, 2);
    CU_ASSERT_DOUBLE_EQUAL(sg_manager_above(g2), 10.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(sg_manager_above(g1), 100.0, 1e-9);
    sg_generation_unref(g1);

    /* Once replaced, g2's only user is us: our unref frees it (ASan
     * would catch a use after that, or a leak if it never happened). */
    sg_write_conf(20, 0, sg_plugin_path(), "");
    CU_ASSERT_EQUAL(sg_generations_reload(gs, conf), 0);
    CU_ASSERT_EQUAL(atomic_load(&g2->refs), 1);
    sg_generation_unref(g2);

    /* A broken file and a refused plugin change nothing. */
    sg_write_conf(30, 0, sg_plugin_path(), "queue {\n workers = 0\n}\n");
    CU_ASSERT_EQUAL(sg_generations_reload(gs, conf), -1);
    sg_write_conf(30, 0, "/nonexistent/plugin.so", "");
    CU_ASSERT_EQUAL(sg_generations_reload(gs, conf), -1);
    g3 = sg_generations_acquire(gs);
    CU_ASSERT_EQUAL(g3->number, 3);
    CU_ASSERT_DOUBLE_EQUAL(sg_manager_above(g3), 20.0, 1e-9);
    sg_generation_unref(g3);

    /* A restart-only change loads (and is logged); the first
     * generation, which the listener was started from, keeps its port. */
    sg_write_conf(20, 18181, sg_plugin_path(), "");
    CU_ASSERT_EQUAL(sg_generations_reload(gs, conf), 0);
    g3 = sg_generations_acquire(gs);
    CU_ASSERT_EQUAL(g3->number, 4);
    CU_ASSERT_EQUAL(g3->cfg->listen_port, 18181);
    CU_ASSERT_EQUAL(boot->cfg->listen_port, 0);
    sg_generation_unref(g3);

    sg_generations_free(gs);
}

int
main(void)
{
    CU_pSuite s;
    int rc;

    sg_xml_init();
    tmp = sg_test_tmpdir("gen");
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("generations", NULL, NULL);
    CU_add_test(s, "load: strict refuses a refused plugin",
                test_load_strict_and_lenient);
    CU_add_test(s, "reload swaps, holders keep the old one, failures "
                "change nothing",
                test_reload_swaps_and_keeps_old_for_holders);
    rc = sg_test_run();
    sg_test_rmdir(tmp);
    free(tmp);
    free(conf);
    sg_xml_cleanup();
    return rc;
}
