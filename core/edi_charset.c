/*
 * edi_charset.c - the character repertoires an EDIFACT interchange
 * declares in its UNB syntax identifier (data element 0001), and the
 * check of one character against them.
 *
 * The syntax identifier is a promise about every byte of the
 * interchange: UNOA and UNOB are subsets of ISO 646, UNOC to UNOL are
 * parts of ISO 8859, UNOW and UNOY are ISO 10646 sent as UTF-8.  A
 * byte outside the promised repertoire means the partner's system
 * sends something else than it says (often UTF-8 under UNOA or UNOC),
 * and the values cannot be read with certainty.  No repertoire holds a
 * control character, so a line break inside a segment is outside too.
 */
#include <string.h>

#define SG_EDI_INTERNAL
#include "edi.h"

/* Level A of ISO 9735: upper case letters, digits and these marks. */
static const char sg_edi_level_a_marks[] = " .,-()/='+:?!\"%&*;<>";

/*
 * Bytes 0xA0..0xFF that a part of ISO 8859 leaves unassigned; the
 * other parts assign all of them.  Part 6 (Arabic) and part 8 (Hebrew)
 * assign so few that the assigned ones are listed instead.
 */
static const char sg_edi_8859_3_holes[] = "\xA5\xAE\xBE\xC3\xD0\xE3\xF0";
static const char sg_edi_8859_7_holes[] = "\xAE\xD2\xFF";

struct sg_edi_charset_def {
    const char *id;             /* UNB 0001 */
    int repertoire;
};

/* The known identifiers (code list 0001, syntax versions 1 to 4). */
static const struct sg_edi_charset_def sg_edi_charsets[] = {
    {"UNOA", SG_EDI_CS_LEVEL_A},
    {"UNOB", SG_EDI_CS_LEVEL_B},
    {"UNOC", SG_EDI_CS_8859},           /* ISO 8859-1, Latin 1 */
    {"UNOD", SG_EDI_CS_8859},           /* ISO 8859-2, Latin 2 */
    {"UNOE", SG_EDI_CS_8859},           /* ISO 8859-5, Cyrillic */
    {"UNOF", SG_EDI_CS_8859_7},         /* ISO 8859-7, Greek */
    {"UNOG", SG_EDI_CS_8859_3},         /* ISO 8859-3, Latin 3 */
    {"UNOH", SG_EDI_CS_8859},           /* ISO 8859-4, Latin 4 */
    {"UNOI", SG_EDI_CS_8859_6},         /* ISO 8859-6, Arabic */
    {"UNOJ", SG_EDI_CS_8859_8},         /* ISO 8859-8, Hebrew */
    {"UNOK", SG_EDI_CS_8859},           /* ISO 8859-9, Latin 5 */
    {"UNOL", SG_EDI_CS_8859},           /* ISO 8859-15, Latin 9 */
    {"UNOW", SG_EDI_CS_UTF8},           /* ISO 10646, UTF-8 */
    {"UNOY", SG_EDI_CS_UTF8},           /* ISO 10646, read as UTF-8 */
    /*
     * XXX: UNOX (ISO 2022 code extension), IATA, IATB and KECA are
     * accepted unchecked; their escape sequences or national sets are
     * not modelled, so a byte outside them goes through.
     */
    {"UNOX", SG_EDI_CS_UNCHECKED},
    {"IATA", SG_EDI_CS_UNCHECKED},
    {"IATB", SG_EDI_CS_UNCHECKED},
    {"KECA", SG_EDI_CS_UNCHECKED},
};

int
sg_edi_charset_find(const char *id)
{
    size_t i;

    for (i = 0; i < sizeof(sg_edi_charsets) / sizeof(sg_edi_charsets[0]);
         i++) {
        if (strcmp(id, sg_edi_charsets[i].id) == 0) {
            return sg_edi_charsets[i].repertoire;
        }
    }
    return SG_EDI_CS_UNKNOWN;
}

/* Length of a well-formed UTF-8 character at p that is not a control
 * (C1 included), or 0. */
static size_t
sg_edi_utf8_char(const unsigned char *p, size_t avail)
{
    unsigned long cp;
    size_t n, i;

    if (p[0] < 0x80) {
        return p[0] >= 0x20 && p[0] != 0x7F ? 1 : 0;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        cp = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        cp = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n > avail) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates, past U+10FFFF, C1 controls. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF ||
        (cp >= 0x80 && cp <= 0x9F)) {
        return 0;
    }
    return n;
}

/* Is a byte 0xA0..0xFF assigned in this part of ISO 8859? */
static int
sg_edi_8859_high(int repertoire, unsigned char c)
{
    switch (repertoire) {
    case SG_EDI_CS_8859_3:
        return memchr(sg_edi_8859_3_holes, c,
                      sizeof(sg_edi_8859_3_holes) - 1) == NULL;
    case SG_EDI_CS_8859_7:
        return memchr(sg_edi_8859_7_holes, c,
                      sizeof(sg_edi_8859_7_holes) - 1) == NULL;
    case SG_EDI_CS_8859_6:
        return c == 0xA0 || c == 0xA4 || c == 0xAC || c == 0xAD ||
               c == 0xBB || c == 0xBF || (c >= 0xC1 && c <= 0xDA) ||
               (c >= 0xE0 && c <= 0xF2);
    case SG_EDI_CS_8859_8:
        return c == 0xA0 || (c >= 0xA2 && c <= 0xBE) || c == 0xDF ||
               (c >= 0xE0 && c <= 0xFA) || c == 0xFD || c == 0xFE;
    default:
        return 1;
    }
}

size_t
sg_edi_charset_char(int repertoire, const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];

    switch (repertoire) {
    case SG_EDI_CS_UNCHECKED:
    case SG_EDI_CS_UNKNOWN:
        return 1;
    case SG_EDI_CS_UTF8:
        return sg_edi_utf8_char(p, avail);
    default:
        break;
    }
    if (c < 0x20 || c == 0x7F) {
        return 0;
    }
    if (c < 0x7F) {
        if (repertoire != SG_EDI_CS_LEVEL_A || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9')) {
            return 1;
        }
        return strchr(sg_edi_level_a_marks, c) != NULL;
    }
    if (repertoire == SG_EDI_CS_LEVEL_A || repertoire == SG_EDI_CS_LEVEL_B ||
        c < 0xA0) {
        return 0;
    }
    return sg_edi_8859_high(repertoire, c) ? 1 : 0;
}
