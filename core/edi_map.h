/*
 * edi_map.h - structure validation of X12 transaction sets and EDIFACT
 * messages against declarative segment maps.
 *
 * A map is a data file (JSON, one per transaction set and version,
 * schemas/edi/README.md describes the format) that says which segments
 * a set holds, in which order, in which loops or segment groups, how
 * often each may occur, and what each segment's elements and components
 * are: usage, type, length, repetitions, code list and, for X12, the
 * relational conditions of the syntax notes.  The plugins load the maps
 * they need at init and check each transaction, as the readers in
 * edi.h hand it over, before they map it.
 *
 * Diag codes.  struct sg_diag has no numeric field, so the code string
 * carries the number of the X12 acknowledgment code it stands for, one
 * to one, for the 997/999 (and CONTRL) writers:
 *
 *   "edi.seg.N"  AK304 / IK304, segment syntax error code N:
 *      1 unrecognized segment ID (the tag is not in the map at all)
 *      2 unexpected segment (a known tag where it may not stand)
 *      3 mandatory segment missing (tag = the missing segment, or the
 *        trigger of a missing loop; segment, line and column = the
 *        segment where it was expected)
 *      4 loop occurs over maximum times (at the loop's trigger segment)
 *      5 segment exceeds maximum use
 *      8 segment has data element errors: never reported on its own;
 *        any "edi.elem.N" diag implies it for its segment.
 *   "edi.elem.N" AK403 / IK403, element syntax error code N, with the
 *      element position (and the component position inside a
 *      composite, else 0):
 *      1 mandatory data element missing
 *      2 conditional required data element missing (X12 P, R, C, L)
 *      3 too many data elements
 *      4 data element too short
 *      5 data element too long
 *      6 invalid character in data element
 *      7 invalid code value
 *      8 invalid date
 *      9 invalid time
 *      10 exclusion condition violated (X12 E)
 *      12 too many repetitions
 *      13 too many components
 *
 * Segment numbers in diags are positions in the interchange, as every
 * other EDI diag; the position in the set (AK302, IK302) is that minus
 * the index of the set's ST or UNH, plus one.
 *
 * This code is linked into every plugin that reads EDI (libsgcommon).
 * A loaded map is read-only: several threads may check with it at once.
 */
#ifndef SG_EDI_MAP_H
#define SG_EDI_MAP_H

#include <stddef.h>

#include "edi.h"

#define SG_EDI_SEG_UNRECOGNIZED     1
#define SG_EDI_SEG_UNEXPECTED       2
#define SG_EDI_SEG_MISSING          3
#define SG_EDI_SEG_LOOP_OVER_MAX    4
#define SG_EDI_SEG_OVER_MAX_USE     5
#define SG_EDI_SEG_ELEMENT_ERRORS   8

#define SG_EDI_ELEM_MISSING         1
#define SG_EDI_ELEM_COND_MISSING    2
#define SG_EDI_ELEM_TOO_MANY        3
#define SG_EDI_ELEM_TOO_SHORT       4
#define SG_EDI_ELEM_TOO_LONG        5
#define SG_EDI_ELEM_BAD_CHAR        6
#define SG_EDI_ELEM_BAD_CODE        7
#define SG_EDI_ELEM_BAD_DATE        8
#define SG_EDI_ELEM_BAD_TIME        9
#define SG_EDI_ELEM_EXCLUSION       10
#define SG_EDI_ELEM_TOO_MANY_REPS   12
#define SG_EDI_ELEM_TOO_MANY_COMPS  13

struct sg_edi_map;
struct sg_edi_maps;

/*
 * Load one map file.  Returns the map (free with sg_edi_map_free), or
 * NULL with the reason in err: "FILE:LINE:COL: ..." when the JSON does
 * not parse, "FILE: segments.BEG.elements[3]: ..." (a JSON path) when
 * the map says something this validator cannot use.
 */
struct sg_edi_map *sg_edi_map_load(const char *path, char *err,
                                   size_t errlen);

void sg_edi_map_free(struct sg_edi_map *map);

/* What the map is for: the syntax, the version ("004010", "D96A") and
 * the set ("850", "ORDERS"), as the file itself declares them. */
enum sg_edi_syntax sg_edi_map_syntax(const struct sg_edi_map *map);
const char *sg_edi_map_version(const struct sg_edi_map *map);
const char *sg_edi_map_set(const struct sg_edi_map *map);

/*
 * Load every map of a directory whose file name ends in "-SET.json"
 * for one of the NULL-terminated sets (e.g. {"850", "ORDERS", NULL}).
 * The file name must be "x12-VERSION-SET.json" or
 * "edifact-VERSION-SET.json" and agree with the file's content.
 * Returns the set of maps (possibly empty; free with
 * sg_edi_maps_free), or NULL with the reason in err when the directory
 * cannot be read or any matching file is a bad map.
 */
struct sg_edi_maps *sg_edi_maps_load(const char *dir,
                                     const char *const *sets,
                                     char *err, size_t errlen);

void sg_edi_maps_free(struct sg_edi_maps *maps);

size_t sg_edi_maps_count(const struct sg_edi_maps *maps);

/*
 * The map for this transaction's envelope, or NULL when none was
 * loaded: X12 by the first six characters of GS08 ("004010VICS" is
 * 004010), EDIFACT by UNH S009 version and release ("D:96A:UN:EAN008"
 * is D96A), and the set type (ST01, UNH 0065).
 */
const struct sg_edi_map *
sg_edi_maps_find(const struct sg_edi_maps *maps,
                 const struct sg_edi_transaction *tx);

/* The version key sg_edi_maps_find() uses, written to out. */
void sg_edi_map_version_key(const struct sg_edi_envelope *env, char *out,
                            size_t outlen);

/*
 * Check one transaction (its ST..SE or UNH..UNT segments) against the
 * map, calling diag_fn for each problem ("edi.seg.N", "edi.elem.N"
 * above).  Returns the number of problems reported, or -1 when
 * diag_fn asked to stop.
 */
long sg_edi_map_check(const struct sg_edi_map *map,
                      const struct sg_edi_transaction *tx,
                      sg_edi_diag_fn diag_fn, void *arg);

#endif /* SG_EDI_MAP_H */
