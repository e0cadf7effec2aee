/*
 * test_conformance.c - every file of the EDI corpus (tests/data/corpus,
 * real interchanges from other projects, see its PROVENANCE.md) through
 * the shared readers and, where it holds X12 850 or EDIFACT ORDERS (or
 * X12 810, 855, 856, EDIFACT INVOIC, ORDRSP, DESADV), through the
 * supplier_edi plugin's decode and the core's validation of each
 * canonical document against its schema (order, invoice,
 * order_response, ship_notice).
 *
 * What each file must give is data in the table below: the transactions
 * (type, control number, segment count, whether marked in error), the
 * exact diags with their positions, and for orders the order number,
 * line count and total amount of each document (for invoices
 * "invoice:NUMBER/LINES/TOTAL/ORDER").  A row is one of:
 *   READ     the file is sound; no diag at all
 *   REJECT   the file breaks the standard (on purpose, as its authors
 *            meant, or as our notes found); the diags say where
 *   KNOWN    a known failure: what a reader here cannot handle yet; the
 *            row pins what happens today and says why
 * The test prints "N files: X read as expected, Y rejected as expected,
 * Z known failures", and fails when a corpus file has no row.
 *
 * SG_CONFORMANCE_DUMP=1 prints what each file gives, in the table's
 * terms, to write a row for a new file.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "edi.h"
#include "errors.h"
#include "schema.h"
#include "sg_plugin.h"
#include "testlib.h"
#include "util.h"

enum conf_expect { READ, REJECT, KNOWN };

struct conf_case {
    const char *file;           /* under tests/data/corpus/ */
    enum conf_expect expect;
    long n_read;                /* sg_edi_read()'s answer */
    /* "INTERCHANGE.GROUP.TYPE#CONTROL/SEGMENTS" per transaction (the
     * control numbers of ISA/UNB, GS/UNG and ST/UNH), "!" when it has
     * errors, separated by spaces. */
    const char *sets;
    /* Every reader diag in order: "code@segment:tag:element:component". */
    const char *diags;
    /*
     * Only for files with 850 or ORDERS sets (NULL otherwise): each
     * valid canonical order the plugin produced, "NUMBER/LINES/TOTAL"
     * ("-" without a total), and the diags the plugin adds to the
     * reader's (same form as diags).
     */
    const char *orders;
    const char *plugin_diags;
    /* Intent, anomaly, or cause of failure; "meant invalid" first when
     * PROVENANCE.md says its authors made it invalid on purpose. */
    const char *why;
};

#define NO_ORDERS NULL, NULL

static const struct conf_case conf_cases[] = {
    /* --- X12 ---------------------------------------------------------- */
    {"x12/210-staedi-wrapped-80-columns.edi", READ, 1,
     "000026003.2619.210#1305/31",
     "", NO_ORDERS,
     "hard-wrapped at 80 columns, line breaks inside the ISA and inside "
     "values (ST02 '1'/LF/'305'): every line is 80 bytes, so the breaks "
     "are removed before reading and the set reads clean"},
    {"x12/214-edinet-bom-isa-line-break.edi", REJECT, 1,
     "000082265.82265.214#822650001/16!",
     "x12.isa_length@1:ISA:8:0", NO_ORDERS,
     "a line feed inside the ISA (after ISA08): the ISA is not the fixed "
     "106 bytes; read by counting, every set marked"},
    {"x12/214-edinet-mgctlyst.edi", READ, 1,
     "000082265.82265.214#822650001/16",
     "", NO_ORDERS,
     "clean carrier status"},
    {"x12/214-staedi-utf8-ellipsis-terminator.edi", READ, 1,
     "000075776.75776.214#757760001/20",
     "", NO_ORDERS,
     "segment terminator U+2026, three UTF-8 bytes, then LF"},
    {"x12/810-850-staedi-dual-groups.edi", READ, 3,
     "000000020.1.810#000000001/32 000000020.1.810#000000002/22 "
     "000000020.165.850#000191240/17",
     "",
     "invoice:00001/7/2554.38/A99999-01 invoice:00001/2/2554.38/A99999-04 "
     "S115921858/4/-",
     "",
     "two groups of two versions; both 810s (004010 map) become invoices "
     "and the 850 an order.  The second 810 bills 150 x 12.34 but keeps "
     "the first's TDS 255438: well formed, its total is the invoice "
     "rules' to flag (total_mismatch)"},
    {"x12/810-edinet-bom-tab-indented-short-isa.edi", REJECT, 1,
     "000000001.1.810#0001/64!",
     "x12.isa_length@1:ISA:2:0 x12.isa_length@1:ISA:4:0 "
     "x12.isa_length@1:ISA:8:0",
     "",
     "x12.isa_length@1:ISA:2:0 x12.isa_length@1:ISA:4:0 "
     "x12.isa_length@1:ISA:8:0",
     "ISA02, ISA04 and ISA08 not padded: the ISA is not fixed width; the "
     "810 is refused whole, no invoice"},
    {"x12/837-imsweb-isa-wrong-length.edi", REJECT, 1,
     "000000905.1.837#987654/34!",
     "x12.isa_length@1:ISA:2:0 x12.se_count@36:SE:1:0", NO_ORDERS,
     "meant invalid: ISA02 has 9 characters; SE01 25 for 34 segments"},
    {"x12/837-imsweb-missing-isa.edi", REJECT, -1,
     "",
     "x12.missing_isa@1:ISA:0:0", NO_ORDERS,
     "meant invalid: starts at GS, no delimiters declared"},
    {"x12/837-imsweb-tilde-element-underscore-segment.edi", REJECT, 1,
     "000000905.1.837#987654/34!",
     "x12.se_count@36:SE:1:0", NO_ORDERS,
     "element '~', segment '_' read right; SE01 says 25 for 34 segments"},
    {"x12/850-ediengine-syntax-notes-error.edi", REJECT, 1,
     "000003438.1421.850#000000010/33",
     "",
     "",
     "edi.elem.2@15:PO1:7:0 edi.elem.2@32:PO4:6:0 edi.elem.2@32:PO4:6:0",
     "meant invalid by X12 syntax notes (PO106 without PO107, PO4 C0506 "
     "and P0607): the reader finds nothing, the 850 segment map "
     "(schemas/edi) refuses PO107 and PO406 as conditionally required, "
     "PO406 once per note"},
    {"x12/850-edinet-bom-nbsp-isa.edi", REJECT, 1,
     "000000055.2.850#0003/11!",
     "x12.isa_length@1:ISA:2:0 x12.isa_length@1:ISA:4:0 "
     "x12.isa_length@1:ISA:6:0 x12.isa_length@1:ISA:8:0 "
     "x12.iea_control@15:IEA:2:0",
     "",
     "x12.isa_length@1:ISA:2:0 x12.isa_length@1:ISA:4:0 "
     "x12.isa_length@1:ISA:6:0 x12.isa_length@1:ISA:8:0 "
     "x12.iea_control@15:IEA:2:0",
     "ISA padded with U+00A0 (121 bytes); IEA02 differs from ISA13"},
    {"x12/850-edinet-missing-isa16-and-terminator.edi", REJECT, 2,
     "000000001.1.850#0001/87 000000001.1.850#0001/95!",
     "x12.duplicate_control@90:ST:2:0",
     "740150/10/-",
     "x12.duplicate_control@90:ST:2:0",
     "ISA16 empty: by position '~' is ISA16 and LF the terminator, so "
     "the unterminated DTM reads; two sets share ST02 0001 in one group, "
     "the second is refused"},
    {"x12/850-nodex12-newline-terminator.edi", READ, 1,
     "010001398.10000774.850#8830/14",
     "",
     "----------/1/225",
     "",
     "LF terminator; values redacted with '-' by the author"},
    {"x12/850-nodex12-vics.edi", READ, 1,
     "000003438.1421.850#000000010/33",
     "",
     "08292233294/6/13045.94",
     "",
     "VICS 850, ISA01/03 with values"},
    {"x12/855-nodex12.edi", READ, 1,
     "000000005.5.855#0005/26",
     "",
     "POTEST1112/4/accepted",
     "",
     "855 with ACK lines: order_response, acknowledged with detail (AD), "
     "two lines accepted (IA), two rejected (IR)"},
    {"x12/855-staedi-two-transactions.edi", READ, 2,
     "000001337.0001.855#0001/3 000001337.0001.855#0002/3",
     "",
     "ORDER1/0/changed ORDER2/0/changed",
     "",
     "ISA16 '^'; two minimal 855s (BAK02 AC, no lines), two "
     "order_response documents"},
    {"x12/856-ediengine-crossdock.edi", READ, 1,
     "000000091.91.856#0001/57",
     "",
     "asn:000009/5/60/POREF00,POREF01",
     "",
     "LF terminator, S/O/P/I hierarchy; five items under two orders, "
     "each tied to the PRF of its order level"},
    {"x12/856-nodex12-004060.edi", REJECT, 1,
     "000000049.49.856#0008/31",
     "",
     "",
     "edi.elem.12@8:REF:2:0 edi.elem.12@16:N4:3:0",
     "ISA11 '-' is the repetition separator (00406), and the data uses "
     "'-' too: REF02 '999999-001' and N403 '31139-0020' are two "
     "repetitions each of elements that do not repeat; the 004060 856 "
     "map refuses both (a delimiter may not stand in data)"},
    {"x12/940-ediengine-control-number-mismatch.edi", REJECT, 1,
     "000003438.3314.940#0001/5!",
     "x12.se_control@7:SE:2:0 x12.ge_control@8:GE:2:0 "
     "x12.iea_control@9:IEA:2:0", NO_ORDERS,
     "meant invalid: ST/SE, GS/GE and ISA/IEA control numbers differ"},
    {"x12/940-ediengine-wrong-group-and-tx-counts.edi", REJECT, 1,
     "000003438.3314.940#0001/5",
     "x12.ge_count@8:GE:1:0 x12.iea_count@9:IEA:1:0", NO_ORDERS,
     "meant invalid: GE01 and IEA01 say 2; IEA02 3438 equals ISA13 "
     "000003438 as a number"},
    {"x12/940-ediengine-wrong-se01.edi", REJECT, 1,
     "000009221.9221.940#20066/9!",
     "x12.se_count@11:SE:1:0", NO_ORDERS,
     "meant invalid: SE01 12 for 9 segments"},
    {"x12/997-staedi-extra-repetitions-components.edi", KNOWN, 1,
     "508121953.000005.997#0001/8",
     "", NO_ORDERS,
     "meant invalid: repetitions and components in AK3 elements that "
     "allow neither; no X12 element dictionary here"},
    {"x12/997-staedi-invalid-ak-elements.edi", KNOWN, 1,
     "508121953.000005.997#0001/8",
     "", NO_ORDERS,
     "meant invalid: AK402 too long and not numeric, AK101 not in its "
     "code list; no X12 element dictionary here"},
    {"x12/997-staedi-invalid-envelope-min.edi", REJECT, 1,
     "508121953.000005.997#0001/4!",
     "x12.bad_date@2:GS:4:0 x12.bad_time@2:GS:5:0 x12.ge_control@7:GE:2:0",
     NO_ORDERS,
     "meant invalid: GS04 BAD_DATE, GS05 295335, GE02 differs from GS06 "
     "(GE02's length is a dictionary rule)"},
    {"x12/997-staedi-isb-ise-interchange-services.edi", READ, 1,
     "000003438.000005.997#0001/4",
     "", NO_ORDERS,
     "ISB and ISE between ISA and GS"},
    {"x12/997-staedi-simple.edi", READ, 1,
     "508121953.000005.997#0001/8",
     "", NO_ORDERS,
     "ISA11 '^' (00501)"},
    {"x12/999-imsweb-accepted.edi", REJECT, 1,
     "000000286.1.999#0001/6!",
     "x12.bad_time@2:GS:5:0 x12.iea_control@10:IEA:2:0", NO_ORDERS,
     "GS05 102497 has 97 seconds; IEA02 000000001 differs from ISA13 "
     "000000286 (the authors check neither)"},
    {"x12/999-imsweb-rejected-pipe-component.edi", READ, 1,
     "095832987.95832987.999#95832987/7",
     "", NO_ORDERS,
     "ISA16 '|'"},
    {"x12/999-pyx12-bang-repetition-separator.edi", READ, 1,
     "000000238.146.999#0001/6",
     "", NO_ORDERS,
     "ISA11 '!'"},
    {"x12/999-staedi-invalid.edi", REJECT, 1,
     "000000286.287.999#2870001/18!",
     "x12.se_count@20:SE:1:0", NO_ORDERS,
     "meant invalid (IK5/AK2 content, not checked here); refused for "
     "SE01 16 for 18 segments"},
    {"x12/999-ta1-imsweb-ta1-before-gs.edi", READ, 1,
     "000000101.294082671.999#0001/8",
     "", NO_ORDERS,
     "a TA1 between ISA and GS"},
    {"x12/none-ediengine-not-edi.edi", REJECT, -1,
     "",
     "x12.missing_isa@1:ISA:0:0", NO_ORDERS,
     "meant invalid: not EDI"},

    /* --- EDIFACT ------------------------------------------------------ */
    {"edifact/APERAK-pydifact-accepted-syntax3.edi", REJECT, 1,
     "000000002..APERAK#1/7!",
     "edifact.charset@7:FTX:4:1 edifact.unt_count@8:UNT:1:0", NO_ORDERS,
     "lower case under UNOA; UNT01 8 for 7 segments"},
    {"edifact/APERAK-pydifact-rejected-syntax4.edi", REJECT, 1,
     "000000004..APERAK#1/7!",
     "edifact.bad_date@1:UNB:4:1 edifact.charset@7:FTX:4:1 "
     "edifact.unt_count@8:UNT:1:0", NO_ORDERS,
     "a 6-digit UNB date under syntax 4; lower case under UNOA; UNT01 8 "
     "for 7 segments"},
    {"edifact/DESADV-phpedifact-d96a.edi", READ, 1,
     "1..DESADV#142/21",
     "",
     "asn:Y02197250/2/2/6877871,6905456",
     "",
     "no UNA, UNOC; S009 version '0' is for a directory check, not the "
     "syntax, so no segment map applies (BGM 1225 '700101' would be too "
     "long for D96A's an..3); two lines, each with its own RFF+ON"},
    {"edifact/DESADV-phpedifact-utf8-under-unoc.edi", REJECT, 1,
     "1..DESADV#142/21!",
     "edifact.charset@12:IMD:3:4",
     "",
     "edifact.charset@12:IMD:3:4",
     "UTF-8 under UNOC (ISO 8859-1): byte 0x8B of 'E' with diaeresis is "
     "a C1 control"},
    {"edifact/IFCSUM-edinet-newline-terminator-no-una.edi", REJECT, 0,
     "",
     "edifact.unterminated@1:UNB:0:0 edifact.missing_unz@2:UNZ:0:0",
     NO_ORDERS,
     "segments end with LF and no UNA says so: with the default "
     "apostrophe the whole body is one unterminated UNB"},
    {"edifact/IFTSTA-apimeister-d00b.edi", REJECT, 1,
     "2803570..IFTSTA#2805567/31",
     "edifact.unz_control@33:UNZ:2:0", NO_ORDERS,
     "UNZ02 2805570 differs from UNB 0020 2803570"},
    {"edifact/INVOIC-edinet-bom-indented-no-bgm.edi", REJECT, 1,
     "1..INVOIC#12/102!",
     "edifact.unt_count@103:UNT:1:0 edifact.unt_control@103:UNT:2:0",
     "",
     "edifact.unt_count@103:UNT:1:0 edifact.unt_control@103:UNT:2:0",
     "BOM and indentation read; UNT+13+1 for UNH 12 of 102 segments, "
     "so the D01B EANCOM invoice (no map for D01B; its missing BGM "
     "would be the mapper's) is refused whole"},
    {"edifact/INVOIC-pydifact-trailing-component-separator.edi", READ, 1,
     "PAYO0012101221..INVOIC#1/24",
     "",
     "invoice:1060113800026/1/1960.29/-",
     "",
     "an empty last component; a D97A invoice (map: the D96A diagram) "
     "with one line priced 3630.1724 per 100 (PRI 5284), order X18V00003 "
     "named on the line only"},
    {"edifact/INVOIC-smooks-d03b-una-syntax4.edi", REJECT, 1,
     "17..INVOIC#30/35!",
     "edifact.bad_date@1:UNB:4:1 edifact.unt_count@36:UNT:1:0",
     "",
     "edifact.bad_date@1:UNB:4:1 edifact.unt_count@36:UNT:1:0",
     "released apostrophe read; a 6-digit UNB date under syntax 4; "
     "UNT01 36 for 35 segments: the D03B invoice is refused whole"},
    {"edifact/INVOIC-staedi-d93a-decimal-comma.edi", REJECT, 1,
     "9908021557..INVOIC#INVOIC0001/28!",
     "edifact.charset@7:NAD:3:1 edifact.charset@8:NAD:3:1 "
     "edifact.charset@10:IMD:3:4 edifact.charset@15:IMD:3:4 "
     "edifact.charset@20:IMD:3:4",
     "",
     "edifact.charset@7:NAD:3:1 edifact.charset@8:NAD:3:1 "
     "edifact.charset@10:IMD:3:4 edifact.charset@15:IMD:3:4 "
     "edifact.charset@20:IMD:3:4",
     "decimal comma UNA read; lower case and UTF-8 under UNOA break "
     "the syntax level: the D93A invoice is refused whole"},
    {"edifact/INVOIC-staedi-d97b-bad-values.edi", REJECT, 1,
     "00000000000778..INVOIC#00000000000117/25!",
     "edifact.charset@14:PRI:1:2",
     "",
     "edifact.charset@14:PRI:1:2",
     "meant invalid (NAD+BYZZ, QTY 1020A); refused by the reader for "
     "'$' under UNOA before the D97B map or the mapper see it"},
    {"edifact/INVOIC-staedi-d97b-una-custom-delimiters.edi", REJECT, 1,
     "00000000000778..INVOIC#00000000000117/24!",
     "edifact.bad_release@1:UNB:3:1",
     "",
     "edifact.bad_release@1:UNB:3:1",
     "UNA '=*.? ~' read; '?4' releases a digit, which the release "
     "character may not, and the broken UNB marks the message: no "
     "invoice"},
    {"edifact/INVOIC-staedi-d97b-wrapped-50-columns.edi", REJECT, 1,
     "00000000000778..INVOIC#00000000000117/24!",
     "edifact.charset@7:NAD:4:1",
     "",
     "edifact.charset@7:NAD:4:1",
     "hard-wrapped at 50 characters (the line with UTF-8 'U' with "
     "diaeresis is 51 bytes): unwrapped, it reads as "
     "INVOIC-staedi-d97b.edi, refused for that 'U' under UNOA"},
    {"edifact/INVOIC-staedi-d97b.edi", REJECT, 1,
     "00000000000778..INVOIC#00000000000117/24!",
     "edifact.charset@7:NAD:4:1",
     "",
     "edifact.charset@7:NAD:4:1",
     "UTF-8 'U' with diaeresis under UNOA: the D97B invoice is refused "
     "whole"},
    {"edifact/ORDERS-edifactrs-d96a-malformed-no-envelope.edi", REJECT, -1,
     "",
     "edifact.missing_unb@1:UNB:0:0", NO_ORDERS,
     "meant invalid: UNA then BGM, no UNB"},
    {"edifact/ORDERS-phpedifact-eancom-ok.edi", READ, 1,
     "896..ORDERS#2019265563/599",
     "",
     "2019265563/146/-",
     "",
     "16 KB EANCOM order, released ':' in IMD; U+FFFD bytes are valid "
     "ISO 8859-1"},
    {"edifact/ORDERS-phpedifact-eancom-release-char-error.edi", REJECT, 1,
     "896..ORDERS#2019265563/599!",
     "edifact.bad_release@84:IMD:3:4 edifact.bad_release@84:IMD:3:4 "
     "edifact.bad_release@84:IMD:3:4 edifact.bad_release@84:IMD:3:4",
     "",
     "edifact.bad_release@84:IMD:3:4 edifact.bad_release@84:IMD:3:4 "
     "edifact.bad_release@84:IMD:3:4 edifact.bad_release@84:IMD:3:4",
     "meant invalid: '?*' releases a character that is no delimiter in "
     "syntax 3"},
    {"edifact/ORDERS-pydifact-missing-unz.edi", REJECT, 1,
     "807..ORDERS#1/16!",
     "edifact.bad_date@1:UNB:4:1 edifact.missing_unz@18:UNZ:0:0",
     "",
     "edifact.bad_date@1:UNB:4:1 edifact.missing_unz@18:UNZ:0:0",
     "a 6-digit UNB date under syntax 4 marks the order; no UNZ"},
    {"edifact/ORDERS-smooks-d03b-syntax4-repetition.edi", REJECT, 1,
     "6002..ORDERS#SSDD1/22!",
     "edifact.charset@8:COM:1:1 edifact.charset@11:FTX:4:1 "
     "edifact.charset@14:FTX:4:1 edifact.charset@17:FTX:4:1 "
     "edifact.charset@20:FTX:4:1",
     "",
     "edifact.charset@8:COM:1:1 edifact.charset@11:FTX:4:1 "
     "edifact.charset@14:FTX:4:1 edifact.charset@17:FTX:4:1 "
     "edifact.charset@20:FTX:4:1",
     "syntax 4 '*' repetition without UNA read; lower case under UNOA"},
    {"edifact/ORDERS-smooks-d03b-too-many-dtm.edi", REJECT, 1,
     "6002..ORDERS#SSDD1/57!",
     "edifact.charset@43:COM:1:1 edifact.charset@46:FTX:4:1 "
     "edifact.charset@49:FTX:4:1 edifact.charset@52:FTX:4:1 "
     "edifact.charset@55:FTX:4:1 edifact.unt_count@58:UNT:1:0",
     "",
     "edifact.charset@43:COM:1:1 edifact.charset@46:FTX:4:1 "
     "edifact.charset@49:FTX:4:1 edifact.charset@52:FTX:4:1 "
     "edifact.charset@55:FTX:4:1 edifact.unt_count@58:UNT:1:0",
     "meant invalid (36 DTM, a directory rule not checked); refused for "
     "UNT01 22 of 57 and lower case under UNOA"},
    {"edifact/ORDERS-staedi-ung-group-eancom.edi", REJECT, 1,
     "2722166169492.1.ORDERS#1/18!",
     "edifact.unt_count@20:UNT:1:0",
     "",
     "edifact.unt_count@20:UNT:1:0",
     "UNG/UNE group read; UNT01 21 for 18 segments"},
    {"edifact/ORDRSP-edinet-single-line.edi", REJECT, 1,
     "DAREFNR0000001..ORDRSP#9IMX20YSP0009/31!",
     "edifact.unt_count@32:UNT:1:0 edifact.unt_control@32:UNT:2:0 "
     "edifact.unz_control@33:UNZ:2:0",
     "",
     "edifact.unt_count@32:UNT:1:0 edifact.unt_control@32:UNT:2:0 "
     "edifact.unz_control@33:UNZ:2:0",
     "one line, released '?+' read; UNT and UNZ disagree with their "
     "headers"},
    {"edifact/PNRGOV-staedi-empty-segment-backslash-release.edi", READ, 1,
     "0003..PNRGOV#1/5",
     "", NO_ORDERS,
     "backslash release, '*' repetition, a segment with a tag only "
     "(IATA is not checked)"},
    {"edifact/RECADV-smooks-d01b-utf8-under-unoa.edi", REJECT, 1,
     "000002..RECADV#1/24!",
     "edifact.charset@8:NAD:4:1 edifact.charset@10:NAD:4:1 "
     "edifact.charset@13:NAD:4:1", NO_ORDERS,
     "lower case and UTF-8 Chinese under UNOA"},
};

/* --- the reader's side ------------------------------------------------- */

struct conf_got {
    struct sg_buf sets;
    struct sg_buf diags;
};

static void
conf_add_word(struct sg_buf *b, const char *word)
{
    if (b->len > 0) {
        sg_buf_adds(b, " ");
    }
    sg_buf_adds(b, word);
}

static int
conf_on_tx(void *arg, const struct sg_edi_transaction *tx)
{
    struct conf_got *g = arg;
    char word[160];

    snprintf(word, sizeof(word), "%s.%s.%s#%s/%zu%s",
             tx->env.interchange_control, tx->env.group_control,
             tx->env.set_type, tx->env.set_control, tx->n_segments,
             tx->has_errors ? "!" : "");
    conf_add_word(&g->sets, word);
    return 0;
}

static void
conf_diag_word(struct sg_buf *b, const struct sg_diag *d)
{
    char word[160];

    snprintf(word, sizeof(word), "%s@%ld:%s:%d:%d", d->code, d->segment,
             d->tag != NULL ? d->tag : "", d->element, d->component);
    conf_add_word(b, word);
}

static int
conf_on_diag(void *arg, const struct sg_diag *d)
{
    struct conf_got *g = arg;

    conf_diag_word(&g->diags, d);
    return 0;
}

/* --- the plugin's side ------------------------------------------------- */

static void *dl;
static const struct sg_plugin *plugin;
static void *plugin_ctx;
static struct sg_schemas *schemas;

static void
host_log(enum sg_log_level level, const char *name, const char *msg_id,
         const char *fmt, ...)
{
    (void)level;
    (void)name;
    (void)msg_id;
    (void)fmt;
}

static const char *
host_string(const void *config, const char *name)
{
    (void)config;
    (void)name;
    return NULL;
}

/* The shipped defaults of conf/supplygate.conf. */
static long
host_int(const void *config, const char *name)
{
    (void)config;
    if (strcmp(name, "accept_xml") == 0) {
        return 1;
    }
    if (strcmp(name, "max_documents") == 0) {
        return 1000;
    }
    return 0;
}

/* schema_dir is filled in by main(): the plugin finds its segment
 * maps under it. */
static struct sg_host host = {
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(struct sg_host),
    .log = host_log,
    .option_string = host_string,
    .option_int = host_int,
};

struct conf_sink {
    struct sg_sink sink;
    struct sg_buf orders;
    struct sg_buf diags;
    int invalid;                /* documents the XSD refused */
};

/* The string value of an XPath in a canonical order ("" if none). */
static void
conf_xpath(xmlDocPtr doc, const char *expr, char *out, size_t size)
{
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r;
    xmlChar *s;

    out[0] = '\0';
    xmlXPathRegisterNs(xc, (const xmlChar *)"c",
                       (const xmlChar *)"urn:supplygate:canonical:1");
    r = xmlXPathEvalExpression((const xmlChar *)expr, xc);
    if (r != NULL) {
        s = xmlXPathCastToString(r);
        snprintf(out, size, "%s", (const char *)s);
        xmlFree(s);
        xmlXPathFreeObject(r);
    }
    xmlXPathFreeContext(xc);
}

/* An invoice from the plugin: validated against invoice.xsd, then noted
 * as "invoice:NUMBER/LINES/TOTAL/ORDER" among the documents. */
static int
conf_invoice(struct conf_sink *t, const struct sg_document *d)
{
    struct sg_errors errs;
    char number[128], lines[32], total[64], order[128], word[384];
    xmlDocPtr doc = NULL;

    sg_errors_init(&errs, 0);
    if (sg_schemas_validate(schemas, d->type, d->xml, d->xml_len,
                            &errs) == 0) {
        doc = sg_xml_read(d->xml, d->xml_len, &errs);
    }
    sg_errors_free(&errs);
    if (doc == NULL) {
        t->invalid++;
        return 0;
    }
    conf_xpath(doc, "string(/c:invoice/c:invoiceNumber)", number,
               sizeof(number));
    conf_xpath(doc, "count(/c:invoice/c:lines/c:line)", lines,
               sizeof(lines));
    conf_xpath(doc, "string(/c:invoice/c:totalAmount)", total,
               sizeof(total));
    conf_xpath(doc, "string(/c:invoice/c:orderNumber)", order,
               sizeof(order));
    xmlFreeDoc(doc);
    snprintf(word, sizeof(word), "invoice:%s/%s/%s/%s", number, lines,
             total[0] ? total : "-", order[0] ? order : "-");
    conf_add_word(&t->orders, word);
    return 0;
}

/* An order response: validated, then "ORDER/LINES/STATUS" noted. */
static int
conf_response(struct conf_sink *t, const struct sg_document *d)
{
    struct sg_errors errs;
    char number[128], lines[32], status[32], word[256];
    xmlDocPtr doc;

    sg_errors_init(&errs, 0);
    doc = sg_schemas_validate(schemas, d->type, d->xml, d->xml_len,
                              &errs) == 0
          ? sg_xml_read(d->xml, d->xml_len, &errs) : NULL;
    sg_errors_free(&errs);
    if (doc == NULL) {
        t->invalid++;
        return 0;
    }
    conf_xpath(doc, "string(/c:order_response/c:orderNumber)", number,
               sizeof(number));
    conf_xpath(doc, "count(/c:order_response/c:lines/c:line)", lines,
               sizeof(lines));
    conf_xpath(doc, "string(/c:order_response/c:status)", status,
               sizeof(status));
    xmlFreeDoc(doc);
    snprintf(word, sizeof(word), "%s/%s/%s", number, lines, status);
    conf_add_word(&t->orders, word);
    return 0;
}

/*
 * A ship notice in the table's terms: "asn:NUMBER/LINES/SHIPPED/ORDERS",
 * SHIPPED the sum of the lines' quantities, ORDERS the order of the
 * first line and of the last.
 */
static void
conf_ship_notice_word(xmlDocPtr doc, char *word, size_t size)
{
    char number[64], lines[16], shipped[32], first[48], last[48];

    conf_xpath(doc, "string(/c:ship_notice/c:shipNoticeNumber)", number,
               sizeof(number));
    conf_xpath(doc, "count(//c:line)", lines, sizeof(lines));
    conf_xpath(doc, "sum(//c:line/c:quantity)", shipped, sizeof(shipped));
    conf_xpath(doc, "string((//c:line)[1]/c:orderRef)", first,
               sizeof(first));
    conf_xpath(doc, "string((//c:line)[last()]/c:orderRef)", last,
               sizeof(last));
    snprintf(word, size, "asn:%s/%s/%s/%s,%s", number, lines, shipped,
             first[0] ? first : "-", last[0] ? last : "-");
}

/* A document from the plugin: validated as the core does, then its
 * key values noted. */
static int
conf_document(struct sg_sink *sink, const struct sg_document *d)
{
    struct conf_sink *t = (struct conf_sink *)sink;
    struct sg_errors errs;
    char number[128], lines[32], total[64], word[256];
    xmlDocPtr doc;

    sg_errors_init(&errs, 0);
    if (strcmp(d->type, "invoice") == 0) {
        return conf_invoice(t, d);
    }
    if (strcmp(d->type, "order_response") == 0) {
        return conf_response(t, d);
    }
    if ((strcmp(d->type, "order") != 0 &&
         strcmp(d->type, "ship_notice") != 0) ||
        sg_schemas_validate(schemas, d->type, d->xml, d->xml_len,
                            &errs) != 0) {
        t->invalid++;
        sg_errors_free(&errs);
        return 0;
    }
    doc = sg_xml_read(d->xml, d->xml_len, &errs);
    sg_errors_free(&errs);
    if (doc == NULL) {
        t->invalid++;
        return 0;
    }
    if (strcmp(d->type, "ship_notice") == 0) {
        conf_ship_notice_word(doc, word, sizeof(word));
        xmlFreeDoc(doc);
        conf_add_word(&t->orders, word);
        return 0;
    }
    conf_xpath(doc, "string(/c:order/c:orderNumber)", number,
               sizeof(number));
    conf_xpath(doc, "count(/c:order/c:lines/c:line)", lines, sizeof(lines));
    conf_xpath(doc, "string(/c:order/c:totalAmount)", total, sizeof(total));
    xmlFreeDoc(doc);
    snprintf(word, sizeof(word), "%s/%s/%s", number, lines,
             total[0] ? total : "-");
    conf_add_word(&t->orders, word);
    return 0;
}

static int
conf_error(struct sg_sink *sink, const struct sg_diag *d)
{
    struct conf_sink *t = (struct conf_sink *)sink;

    conf_diag_word(&t->diags, d);
    return 0;
}

/* --- one file ------------------------------------------------------------ */

struct conf_tally {
    int files, read, rejected, known, wrong;
};

static int
conf_same(const char *what, const char *file, const char *want,
          const char *got)
{
    if (strcmp(want, got) == 0) {
        return 1;
    }
    fprintf(stderr, "%s: %s\n  want: %s\n  got:  %s\n", file, what, want,
            got);
    return 0;
}

/* Does the reader hand over an order the plugin decodes? */
static int
conf_has_orders(const char *sets)
{
    return strstr(sets, "850#") != NULL || strstr(sets, "ORDERS#") != NULL ||
           strstr(sets, "810#") != NULL || strstr(sets, "INVOIC#") != NULL ||
           strstr(sets, "855#") != NULL || strstr(sets, "ORDRSP#") != NULL ||
           strstr(sets, "856#") != NULL || strstr(sets, "DESADV#") != NULL;
}

static void
conf_dump(const struct conf_case *c, long n, const struct conf_got *g,
          const struct conf_sink *t)
{
    printf("{\"%s\", ?, %ld,\n \"%s\",\n \"%s\",", c->file, n,
           (const char *)g->sets.data, (const char *)g->diags.data);
    if (t != NULL) {
        printf("\n \"%s\",\n \"%s\",", (const char *)t->orders.data,
               (const char *)t->diags.data);
    } else {
        printf(" NO_ORDERS,");
    }
    printf("\n \"\"},\n");
}

/* The plugin's decode of the whole body; caller frees with
 * conf_sink_free(). */
static struct conf_sink *
conf_decode(const char *file, const unsigned char *data, size_t len)
{
    struct conf_sink *t = sg_xcalloc(1, sizeof(*t));
    struct sg_message msg;

    t->sink.document = conf_document;
    t->sink.error = conf_error;
    sg_buf_init(&t->orders);
    sg_buf_init(&t->diags);
    sg_buf_adds(&t->orders, "");
    sg_buf_adds(&t->diags, "");
    memset(&msg, 0, sizeof(msg));
    msg.id = file;
    msg.data = data;
    msg.len = len;
    plugin->decode(plugin_ctx, &msg, &t->sink);
    return t;
}

static void
conf_sink_free(struct conf_sink *t)
{
    if (t != NULL) {
        sg_buf_free(&t->orders);
        sg_buf_free(&t->diags);
        free(t);
    }
}

/* Does what the file gave match its row?  Says why not on stderr. */
static int
conf_check(const struct conf_case *c, long n, const struct conf_got *g,
           const struct conf_sink *t)
{
    int ok = 1;

    if (n != c->n_read) {
        fprintf(stderr, "%s: read %ld, want %ld\n", c->file, n, c->n_read);
        ok = 0;
    }
    ok &= conf_same("sets", c->file, c->sets, g->sets.data);
    ok &= conf_same("diags", c->file, c->diags, g->diags.data);
    if (t != NULL) {
        /* Every file with orders has its orders in the table. */
        ok &= conf_same("orders", c->file,
                        c->orders != NULL ? c->orders : "(no row)",
                        t->orders.data);
        ok &= conf_same("plugin diags", c->file,
                        c->plugin_diags != NULL ? c->plugin_diags : "",
                        t->diags.data);
        if (t->invalid > 0) {
            fprintf(stderr, "%s: %d documents fail their XSD\n", c->file,
                    t->invalid);
            ok = 0;
        }
    }
    /* What its authors meant as invalid is never read as sound. */
    if (c->expect == READ && strncmp(c->why, "meant invalid", 13) == 0) {
        fprintf(stderr, "%s: meant invalid, yet a READ row\n", c->file);
        ok = 0;
    }
    /* A sound file says nothing; a rejected one says something. */
    if (c->expect == READ && (g->diags.len > 0 || strchr(c->sets, '!'))) {
        fprintf(stderr, "%s: READ row with diags\n", c->file);
        ok = 0;
    }
    if (c->expect == REJECT && g->diags.len == 0 &&
        (t == NULL || t->diags.len == 0)) {
        fprintf(stderr, "%s: REJECT row without a diag\n", c->file);
        ok = 0;
    }
    return ok;
}

static void
conf_run(const struct conf_case *c, struct conf_tally *tally)
{
    char path[512];
    unsigned char *data;
    struct conf_got g;
    struct conf_sink *t = NULL;
    int syntax, ok;
    long n;
    size_t len;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", c->file);
    data = sg_test_read(sg_test_srcpath(path), &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(data);

    /* The readers, with the syntax the file's folder says. */
    sg_buf_init(&g.sets);
    sg_buf_init(&g.diags);
    sg_buf_adds(&g.sets, "");
    sg_buf_adds(&g.diags, "");
    syntax = strncmp(c->file, "x12/", 4) == 0 ? SG_EDI_X12 : SG_EDI_EDIFACT;
    n = sg_edi_read((enum sg_edi_syntax)syntax, data, len, conf_on_tx,
                    conf_on_diag, &g);

    /* The plugin and the schema, for orders. */
    if (c->orders != NULL || conf_has_orders(g.sets.data)) {
        t = conf_decode(c->file, data, len);
    }
    if (getenv("SG_CONFORMANCE_DUMP") != NULL) {
        conf_dump(c, n, &g, t);
    }

    ok = conf_check(c, n, &g, t);
    CU_ASSERT(ok);
    tally->files++;
    if (!ok) {
        tally->wrong++;
    } else if (c->expect == READ) {
        tally->read++;
    } else if (c->expect == REJECT) {
        tally->rejected++;
    } else {
        tally->known++;
    }
    conf_sink_free(t);
    sg_buf_free(&g.sets);
    sg_buf_free(&g.diags);
    free(data);
}

/* --- the tests ------------------------------------------------------- */

#define N_CASES (sizeof(conf_cases) / sizeof(conf_cases[0]))

static const struct conf_case *
conf_find(const char *file)
{
    size_t i;

    for (i = 0; i < N_CASES; i++) {
        if (strcmp(conf_cases[i].file, file) == 0) {
            return &conf_cases[i];
        }
    }
    return NULL;
}

/* Every corpus file has exactly one row, and every row a file. */
static int
conf_check_folder(const char *sub)
{
    char path[512], rel[512];
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof(path), "tests/data/corpus/%s", sub);
    d = opendir(sg_test_srcpath(path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(rel, sizeof(rel), "%s/%s", sub, e->d_name);
        if (conf_find(rel) == NULL) {
            fprintf(stderr, "corpus file %s has no row\n", rel);
            CU_FAIL("corpus file without a row");
        }
        n++;
    }
    closedir(d);
    return n;
}

static void
test_every_file_has_a_row(void)
{
    int n = conf_check_folder("x12") + conf_check_folder("edifact");

    CU_ASSERT_EQUAL(n, (int)N_CASES);
}

static void
test_corpus(void)
{
    struct conf_tally tally;
    size_t i;

    memset(&tally, 0, sizeof(tally));
    for (i = 0; i < N_CASES; i++) {
        conf_run(&conf_cases[i], &tally);
    }
    printf("\nconformance: %d files: %d read as expected, %d rejected as "
           "expected, %d known failures", tally.files, tally.read,
           tally.rejected, tally.known);
    if (tally.wrong > 0) {
        printf(", %d NOT as the table says", tally.wrong);
    }
    printf("\n");
    CU_ASSERT_EQUAL(tally.wrong, 0);
    CU_ASSERT_EQUAL(tally.read + tally.rejected + tally.known,
                    (int)N_CASES);
}

/*
 * Several interchanges may follow one another in one body, each with its
 * own delimiters, byte order mark and line ends: all the sound files of
 * one syntax, end to end, read as they read one by one.
 */
static void
conf_concatenated(const char *prefix, enum sg_edi_syntax syntax)
{
    struct sg_buf body, want;
    struct conf_got g;
    unsigned char *data;
    char path[512];
    long n_want = 0, n;
    size_t i, len;

    sg_buf_init(&body);
    sg_buf_init(&want);
    sg_buf_adds(&want, "");
    for (i = 0; i < N_CASES; i++) {
        const struct conf_case *c = &conf_cases[i];

        if (c->expect != READ ||
            strncmp(c->file, prefix, strlen(prefix)) != 0) {
            continue;
        }
        snprintf(path, sizeof(path), "tests/data/corpus/%s", c->file);
        data = sg_test_read(sg_test_srcpath(path), &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(data);
        sg_buf_add(&body, data, len);
        sg_buf_adds(&body, "\r\n");
        free(data);
        n_want += c->n_read;
        conf_add_word(&want, c->sets);
    }

    sg_buf_init(&g.sets);
    sg_buf_init(&g.diags);
    sg_buf_adds(&g.sets, "");
    sg_buf_adds(&g.diags, "");
    n = sg_edi_read(syntax, (unsigned char *)body.data, body.len,
                    conf_on_tx, conf_on_diag, &g);
    CU_ASSERT_EQUAL(n, n_want);
    CU_ASSERT(conf_same("concatenated sets", prefix, want.data,
                        g.sets.data));
    CU_ASSERT(conf_same("concatenated diags", prefix, "", g.diags.data));
    sg_buf_free(&g.sets);
    sg_buf_free(&g.diags);
    sg_buf_free(&want);
    sg_buf_free(&body);
}

static void
test_sound_files_in_one_body(void)
{
    conf_concatenated("x12/", SG_EDI_X12);
    conf_concatenated("edifact/", SG_EDI_EDIFACT);
}

int
main(void)
{
    const char *so = sg_test_buildpath("plugins/supplier_edi/.libs/"
                                       "supplier_edi.so");
    struct sg_errors errs;
    CU_pSuite s;
    int rc;

    dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    plugin = dl != NULL ? dlsym(dl, SG_PLUGIN_SYMBOL) : NULL;
    if (plugin == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", so, dlerror());
        return 1;
    }
    host.schema_dir = sg_xstrdup(sg_test_srcpath("schemas"));
    if (plugin->init(&host, "config", &plugin_ctx) != 0) {
        fprintf(stderr, "supplier_edi init failed\n");
        return 1;
    }
    sg_xml_init();
    sg_errors_init(&errs, 0);
    schemas = sg_schemas_load(sg_test_srcpath("schemas"), &errs);
    sg_errors_free(&errs);
    if (schemas == NULL) {
        fprintf(stderr, "cannot load the schemas\n");
        return 1;
    }

    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    s = CU_add_suite("conformance", NULL, NULL);
    CU_add_test(s, "every corpus file has a row", test_every_file_has_a_row);
    CU_add_test(s, "corpus", test_corpus);
    CU_add_test(s, "sound files in one body", test_sound_files_in_one_body);
    rc = sg_test_run();
    if (plugin->exit != NULL) {
        plugin->exit(plugin_ctx);
    }
    sg_schemas_free(schemas);
    return rc;
}
