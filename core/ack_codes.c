/*
 * ack_codes.c - our error codes in the partners' language: one table
 * from the diag codes of the shared readers (edi.h), the plugins' decode
 * errors and the gateway's own errors to the codes of the X12 997/999
 * and TA1 and of the EDIFACT CONTRL.
 *
 * X12 codes by level: TA105 interchange note codes (001 control numbers
 * differ, 021 group count, 023 premature end, 024 invalid content, 025
 * duplicate, 026/027 separators), AK905 group codes (3 trailer missing,
 * 4 control numbers differ, 5 set count), AK502 set codes (1 not
 * supported, 2 trailer missing, 3 control numbers differ, 4 segment
 * count, 5 segments in error), AK304 segment codes (1 unrecognised,
 * 2 unexpected, 3 mandatory missing, 8 has element errors) and AK403
 * element codes (1 mandatory missing, 3 too many elements, 4 too short,
 * 5 too long, 6 invalid character, 7 invalid code value, 8 invalid
 * date, 12 too many repetitions, 13 too many components).
 * EDIFACT 0085: 12 invalid value, 13 missing, 16 too many constituents,
 * 18 unspecified, 20 invalid service character, 21 invalid character,
 * 26 duplicate, 28 references do not match, 29 control count wrong,
 * 35 too many repetitions, 37 invalid type of character.
 */
#include <string.h>

#include "ack.h"

#define I SG_ACK_INTERCHANGE
#define G SG_ACK_GROUP
#define S SG_ACK_SET
#define SEG SG_ACK_SEGMENT
#define EL SG_ACK_ELEMENT

/* First match wins: exact codes before the prefixes that cover them. */
static const struct sg_ack_code sg_ack_codes[] = {
    /* X12 envelope, from the reader. */
    {"x12.iea_control", I, "001", NULL, 'E'},
    {"x12.iea_count", I, "021", NULL, 'E'},
    {"x12.missing_iea", I, "023", NULL, 'E'},
    {"x12.truncated", I, "023", NULL, 'R'},
    {"x12.bad_delimiter", I, "026", NULL, 'R'},
    {"x12.isa_length", I, NULL, NULL, 'R'},     /* by element */
    {"x12.missing_isa", I, "022", NULL, 'R'},
    {"x12.missing_gs", I, "024", NULL, 'E'},
    {"x12.outside_envelope", I, "024", NULL, 'E'},
    {"x12.ge_control", G, "4", NULL, 0},
    {"x12.ge_count", G, "5", NULL, 0},
    {"x12.missing_ge", G, "3", NULL, 0},
    {"x12.se_control", S, "3", NULL, 0},
    {"x12.se_count", S, "4", NULL, 0},
    {"x12.missing_se", S, "2", NULL, 0},
    {"x12.too_many_segments", S, "5", NULL, 0},
    {"x12.too_many_elements", EL, "3", NULL, 0},
    {"x12.too_many_components", EL, "13", NULL, 0},
    {"x12.too_many_repeats", EL, "12", NULL, 0},
    {"x12.unterminated", SEG, "8", NULL, 0},

    /* EDIFACT envelope, from the reader. */
    {"edifact.unz_control", I, NULL, "28", 'E'},
    {"edifact.unz_count", I, NULL, "29", 'E'},
    {"edifact.missing_unz", I, NULL, "13", 'E'},
    {"edifact.truncated", I, NULL, "13", 'R'},
    {"edifact.bad_una", I, NULL, "20", 'R'},
    {"edifact.missing_unb", I, NULL, "13", 'R'},
    {"edifact.outside_envelope", I, NULL, "33", 'E'},
    {"edifact.une_control", G, NULL, "28", 0},
    {"edifact.une_count", G, NULL, "29", 0},
    {"edifact.missing_une", G, NULL, "13", 0},
    {"edifact.unt_control", S, NULL, "28", 0},
    {"edifact.unt_count", S, NULL, "29", 0},
    {"edifact.missing_unt", S, NULL, "13", 0},
    {"edifact.too_many_segments", S, NULL, "18", 0},
    {"edifact.too_many_elements", EL, NULL, "16", 0},
    {"edifact.too_many_components", EL, NULL, "16", 0},
    {"edifact.too_many_repeats", EL, NULL, "35", 0},
    {"edifact.bad_release", EL, NULL, "21", 0},
    {"edifact.charset", EL, NULL, "21", 0},
    {"edifact.unterminated", SEG, NULL, "18", 0},

    /* Segment maps (core/edi_map.h): the number is the X12 code. */
    {"edi.seg.1", SEG, "1", "15", 0},       /* unrecognised segment */
    {"edi.seg.2", SEG, "2", "15", 0},       /* unexpected here */
    {"edi.seg.3", SEG, "3", "13", 0},       /* mandatory missing */
    {"edi.seg.4", SEG, "4", "36", 0},       /* loop over its repeats */
    {"edi.seg.5", SEG, "5", "35", 0},       /* over its maximum use */
    {"edi.elem.1", EL, "1", "13", 0},       /* mandatory missing */
    {"edi.elem.2", EL, "2", "13", 0},       /* conditional missing */
    {"edi.elem.3", EL, "3", "16", 0},       /* too many elements */
    {"edi.elem.4", EL, "4", "40", 0},       /* too short */
    {"edi.elem.5", EL, "5", "39", 0},       /* too long */
    {"edi.elem.6", EL, "6", "21", 0},       /* invalid character */
    {"edi.elem.7", EL, "7", "12", 0},       /* invalid code value */
    {"edi.elem.8", EL, "8", "12", 0},       /* invalid date */
    {"edi.elem.9", EL, "9", "12", 0},       /* invalid time */
    {"edi.elem.10", EL, "10", "12", 0},     /* exclusion violated */
    {"edi.elem.12", EL, "12", "35", 0},     /* too many repetitions */
    {"edi.elem.13", EL, "13", "16", 0},     /* too many components */

    /* The procurement plugin's decode errors (plugins/supplier_edi). */
    {"supplier_edi.unsupported_set", S, "1", "18", 0},
    {"edi.unsupported_set", S, "1", "18", 0},
    {"supplier_edi.missing_beg", SEG, "3", "13", 0},
    {"supplier_edi.missing_bgm", SEG, "3", "13", 0},
    {"supplier_edi.no_lines", SEG, "3", "13", 0},
    {"supplier_edi.missing_order_number", EL, "1", "13", 0},
    {"supplier_edi.missing_date", EL, "1", "13", 0},
    {"supplier_edi.missing_item", EL, "1", "13", 0},
    {"supplier_edi.missing_quantity", EL, "1", "13", 0},
    {"supplier_edi.bad_date", EL, "8", "12", 0},
    {"supplier_edi.bad_quantity", EL, "6", "37", 0},
    {"supplier_edi.bad_price", EL, "6", "37", 0},
    {"supplier_edi.bad_currency", EL, "7", "12", 0},
    /* A count that disagrees with the lines: the value is wrong. */
    {"supplier_edi.ctt_count", EL, "7", "12", 0},
    {"supplier_edi.cnt_count", EL, "7", "12", 0},
    {"supplier_edi.too_many_documents", I, "024", "18", 'R'},

    /* The gateway: duplicates, and documents the XSD refused. */
    {"interchange.duplicate", I, "025", "26", 'R'},
    {"schema.*", S, "5", "18", 0},
};

/*
 * Fallbacks for codes the table does not know yet (a new plugin's), by
 * what the position says.  X12 has no "unspecified" element code: 7
 * (invalid code value) is the nearest to "this value is wrong".
 */
static const struct sg_ack_code sg_ack_fallback[] = {
    {"*", EL, "7", "18", 0},
    {"*", SEG, "8", "18", 0},
    {"*", S, "5", "18", 0},
    {"*", I, "024", "18", 'R'},
};

/* TA105 for each ISA field whose width is wrong (1-based). */
static const char *const sg_ack_isa_notes[17] = {
    "022", "010", "011", "012", "013", "005", "006", "007", "008",
    "014", "015", "016", "017", "018", "019", "020", "027"
};

const char *
sg_ack_isa_note(int element)
{
    if (element < 1 || element > 16) {
        return "022";
    }
    return sg_ack_isa_notes[element];
}

static int
sg_ack_code_matches(const char *pattern, const char *code)
{
    size_t n = strlen(pattern);

    if (n > 0 && pattern[n - 1] == '*') {
        return strncmp(pattern, code, n - 1) == 0;
    }
    return strcmp(pattern, code) == 0;
}

const struct sg_ack_code *
sg_ack_code_find(const char *diag, int has_segment, int has_element,
                 int has_doc)
{
    size_t i, n = sizeof(sg_ack_codes) / sizeof(sg_ack_codes[0]);

    for (i = 0; diag != NULL && i < n; i++) {
        if (sg_ack_code_matches(sg_ack_codes[i].diag, diag)) {
            return &sg_ack_codes[i];
        }
    }
    if (has_segment && has_element) {
        return &sg_ack_fallback[0];
    }
    if (has_segment) {
        return &sg_ack_fallback[1];
    }
    return has_doc ? &sg_ack_fallback[2] : &sg_ack_fallback[3];
}
