/*
 * fuzz_xml_order.c - libFuzzer target for the XML path of the core: the
 * hardened parse (sg_xml_read) and the validation of a canonical order
 * against schemas/order.xsd (sg_schemas_validate).  The schema directory
 * comes from SG_FUZZ_SCHEMAS, set by scripts/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "errors.h"
#include "schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sg_schemas *schemas;

/* No libxml2 chatter on stderr for each of millions of inputs. */
static void
fuzz_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("SG_FUZZ_SCHEMAS");
    struct sg_errors errs;

    (void)argc;
    (void)argv;
    sg_xml_init();
    xmlSetGenericErrorFunc(NULL, fuzz_quiet);
    sg_errors_init(&errs, 0);
    schemas = sg_schemas_load(dir != NULL ? dir : "schemas", &errs);
    if (schemas == NULL || !sg_schemas_has(schemas, "order")) {
        fprintf(stderr, "fuzz_xml_order: no order.xsd in %s (set "
                "SG_FUZZ_SCHEMAS)\n", dir != NULL ? dir : "schemas");
        exit(1);
    }
    sg_errors_free(&errs);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sg_errors errs;
    xmlDocPtr doc;
    int rc;

    sg_errors_init(&errs, 0);
    doc = sg_xml_read((const char *)data, size, &errs);
    if (doc != NULL) {
        xmlFreeDoc(doc);
    } else if (errs.n == 0) {
        abort();                /* a refusal must say why */
    }
    sg_errors_free(&errs);

    sg_errors_init(&errs, 0);
    rc = sg_schemas_validate(schemas, "order", (const char *)data, size,
                             &errs);
    if (rc != 0 && errs.n == 0) {
        abort();
    }
    sg_errors_free(&errs);
    return 0;
}
