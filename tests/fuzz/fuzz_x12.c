/*
 * fuzz_x12.c - libFuzzer target for the X12 reader (core/edi_x12.c and
 * the splitter of core/edi_common.c).  Built by scripts/fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_edi_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_edi_read(SG_EDI_X12, data, size);
    (void)sg_edi_sniff(data, size);
    return 0;
}
