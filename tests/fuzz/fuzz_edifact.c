/*
 * fuzz_edifact.c - libFuzzer target for the EDIFACT reader
 * (core/edi_edifact.c and the splitter of core/edi_common.c).  Built by
 * scripts/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_edi_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_edi_read(SG_EDI_EDIFACT, data, size);
    return 0;
}
