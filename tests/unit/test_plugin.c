/*
 * test_plugin.c - the plugin loader: the real supplier_edi plugin loads,
 * and plugins with a wrong ABI or no descriptor are refused while the
 * others keep working.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "plugin.h"
#include "testlib.h"

static const char *
sg_plugin_path(const char *rel)
{
    static char path[4096];

    snprintf(path, sizeof(path), "%s", sg_test_buildpath(rel));
    return path;
}

static void
test_load_real_plugin(void)
{
    struct sg_plugins *p = sg_plugins_new();
    struct sg_errors errs;
    const struct sg_option *o;
    const struct sg_loaded_plugin *lp;

    sg_errors_init(&errs, 10);
    o = sg_plugins_probe(p, "supplier_edi",
                         sg_plugin_path("plugins/supplier_edi/.libs/"
                                        "supplier_edi.so"), 1, &errs);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL_FATAL(p->n, 1);
    CU_ASSERT_EQUAL(p->n_refused, 0);
    CU_ASSERT_EQUAL(errs.n, 0);
    /* Not usable before init. */
    CU_ASSERT_PTR_NULL(sg_plugins_find(p, "supplier_edi"));
    p->items[0].ready = 1;
    lp = sg_plugins_for_type(p, "application/EDI-X12; charset=us-ascii");
    CU_ASSERT_PTR_NOT_NULL(lp);
    lp = sg_plugins_for_type(p, "APPLICATION/edifact");
    CU_ASSERT_PTR_NOT_NULL(lp);
    CU_ASSERT_PTR_NULL(sg_plugins_for_type(p, "application/edifactx"));
    CU_ASSERT_PTR_NULL(sg_plugins_for_type(p, "image/png"));
    lp = sg_plugins_sniff(p, (const unsigned char *)"ISA*00*", 7);
    CU_ASSERT_PTR_NOT_NULL(lp);
    CU_ASSERT_PTR_NULL(sg_plugins_sniff(p, (const unsigned char *)
                                        "\x89PNG\r\n", 6));
    p->items[0].ready = 0;
    sg_plugins_free(p);
    sg_errors_free(&errs);
}

static void
test_refusals(void)
{
    struct sg_plugins *p = sg_plugins_new();
    struct sg_errors errs;

    sg_errors_init(&errs, 10);
    CU_ASSERT_PTR_NULL(sg_plugins_probe(
        p, "bad_abi", sg_plugin_path("tests/plugins/.libs/bad_abi.so"), 3,
        &errs));
    CU_ASSERT_PTR_NULL(sg_plugins_probe(
        p, "newer", sg_plugin_path("tests/plugins/.libs/newer_minor.so"), 4,
        &errs));
    CU_ASSERT_PTR_NULL(sg_plugins_probe(
        p, "nosym", sg_plugin_path("tests/plugins/.libs/no_symbol.so"), 5,
        &errs));
    CU_ASSERT_PTR_NULL(sg_plugins_probe(
        p, "missing", "/nonexistent/plugin.so", 6, &errs));
    /* The good one still loads after the refusals. */
    CU_ASSERT_PTR_NOT_NULL(sg_plugins_probe(
        p, "supplier_edi",
        sg_plugin_path("plugins/supplier_edi/.libs/supplier_edi.so"), 7,
        &errs));
    /* And a second one of the same name is refused. */
    CU_ASSERT_PTR_NULL(sg_plugins_probe(
        p, "supplier_edi",
        sg_plugin_path("plugins/supplier_edi/.libs/supplier_edi.so"), 8,
        &errs));
    CU_ASSERT_EQUAL(p->n, 1);
    CU_ASSERT_EQUAL(p->n_refused, 5);
    CU_ASSERT_EQUAL(errs.n, 0);
    sg_plugins_free(p);
    sg_errors_free(&errs);
}

static void
test_check_reasons(void)
{
    struct sg_plugin d;
    char why[256];

    memset(&d, 0, sizeof(d));
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "bad magic"));

    d.magic = SG_PLUGIN_MAGIC;
    d.abi_major = SG_PLUGIN_ABI_MAJOR + 1;
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "rebuild the plugin"));

    d.abi_major = SG_PLUGIN_ABI_MAJOR;
    d.abi_minor = SG_PLUGIN_ABI_MINOR + 1;
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "upgrade supplygated"));

    d.abi_minor = SG_PLUGIN_ABI_MINOR;
    d.struct_size = 16;
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "bytes"));

    d.struct_size = sizeof(d);
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no name"));

    d.name = "x";
    CU_ASSERT_EQUAL(sg_plugin_check(&d, why, sizeof(why)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no decode"));
}

/* Two plugins read X12 and EDIFACT: the transaction set decides, and a
 * set neither reads is nobody's. */
static void
test_choice_by_body(void)
{
    struct sg_plugins *p = sg_plugins_new();
    struct sg_errors errs;
    const struct sg_loaded_plugin *lp;
    static const char x850[] = "ISA*00*~GS*PO~ST*850*0001~";
    static const char x214[] = "ISA*00*~GS*QM~ST*214*0001~";
    static const char x856[] = "ISA*00*~GS*SH~ST*856*0001~";
    static const char x940[] = "ISA*00*~GS*OW~ST*940*0001~";
    static const char iftsta[] = "UNB+UNOC:3'UNH+7+IFTSTA:D:01B:UN'";
    static const char xml_tracking[] = "<?xml version=\"1.0\"?>\n"
                                       "<trackingUpdate carrier=\"A\"/>";
    static const char xml_order[] = "<order xmlns=\"urn:supplygate:"
                                    "canonical:1\"/>";
    size_t i;

    sg_errors_init(&errs, 10);
    sg_plugins_probe(p, "supplier_edi", sg_plugin_path(
        "plugins/supplier_edi/.libs/supplier_edi.so"), 1, &errs);
    sg_plugins_probe(p, "carrier_tracking", sg_plugin_path(
        "plugins/carrier_tracking/.libs/carrier_tracking.so"), 2, &errs);
    CU_ASSERT_EQUAL_FATAL(p->n, 2);
    for (i = 0; i < p->n; i++) {
        p->items[i].ready = 1;
    }
    lp = sg_plugins_for_body(p, "application/EDI-X12",
                             (const unsigned char *)x850, strlen(x850));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "supplier_edi");
    lp = sg_plugins_for_body(p, "application/EDI-X12",
                             (const unsigned char *)x214, strlen(x214));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "carrier_tracking");
    lp = sg_plugins_for_body(p, "application/EDIFACT; charset=UNOC",
                             (const unsigned char *)iftsta, strlen(iftsta));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "carrier_tracking");
    /* Ship notices are the supplier's too; a warehouse order nobody's. */
    lp = sg_plugins_for_body(p, "application/EDI-X12",
                             (const unsigned char *)x856, strlen(x856));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "supplier_edi");
    CU_ASSERT_PTR_NULL(sg_plugins_for_body(p, "application/EDI-X12",
                       (const unsigned char *)x940, strlen(x940)));
    CU_ASSERT_PTR_NULL(sg_plugins_sniff(p, (const unsigned char *)x940,
                                        strlen(x940)));
    /* Both take XML: the root element decides. */
    lp = sg_plugins_for_body(p, "application/xml",
                             (const unsigned char *)xml_tracking,
                             strlen(xml_tracking));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "carrier_tracking");
    lp = sg_plugins_for_body(p, "text/xml",
                             (const unsigned char *)xml_order,
                             strlen(xml_order));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "supplier_edi");
    /* One claimant: it decides for itself, whatever the body. */
    lp = sg_plugins_for_body(p, "application/json",
                             (const unsigned char *)x856, strlen(x856));
    CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
    CU_ASSERT_STRING_EQUAL(lp->name, "carrier_tracking");
    CU_ASSERT_PTR_NULL(sg_plugins_for_body(p, "image/png",
                       (const unsigned char *)x214, strlen(x214)));
    for (i = 0; i < p->n; i++) {
        p->items[i].ready = 0;
    }
    sg_plugins_free(p);
    sg_errors_free(&errs);
}

int
main(void)
{
    CU_pSuite s;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 2;
    }
    s = CU_add_suite("plugin loader", NULL, NULL);
    CU_add_test(s, "the supplier_edi plugin loads and is chosen",
                test_load_real_plugin);
    CU_add_test(s, "wrong ABI, no symbol, duplicates are refused",
                test_refusals);
    CU_add_test(s, "each refusal says why", test_check_reasons);
    CU_add_test(s, "several plugins for one media type: the body decides",
                test_choice_by_body);
    return sg_test_run();
}
