/*
 * edi_map_int.h - the in-memory form of a segment map, shared by the
 * loader (edi_map_load.c) and the checker (edi_map.c).  Nothing outside
 * those two files sees it.
 */
#ifndef SG_EDI_MAP_INT_H
#define SG_EDI_MAP_INT_H

#include "edi_map.h"

/* Element types: X12 AN, ID, Nn, R, DT, TM; EDIFACT a, an, n. */
enum sg_edi_type {
    SG_EDI_T_AN,
    SG_EDI_T_ID,
    SG_EDI_T_N,             /* implied decimals in 'decimals' */
    SG_EDI_T_R,
    SG_EDI_T_DT,
    SG_EDI_T_TM,
    SG_EDI_T_A,             /* EDIFACT alphabetic */
    SG_EDI_T_EAN,           /* EDIFACT alphanumeric */
    SG_EDI_T_EN             /* EDIFACT numeric */
};

/* A sorted code list, shared by every element that names it. */
struct sg_edi_codes {
    char *name;
    size_t n;
    char **values;
};

/* A simple element, a component, or a composite (n_components > 0). */
struct sg_edi_elemdef {
    char usage;             /* 'M', 'O', 'X' (X12), 'C' (EDIFACT) */
    enum sg_edi_type type;
    int decimals;           /* N0..N9 */
    int min, max;           /* length bounds */
    int repeat;             /* most repetitions, at least 1 */
    const struct sg_edi_codes *codes;   /* NULL: any value */
    int n_components;
    struct sg_edi_elemdef *components;
};

/* An X12 relational condition: 'P', 'R', 'C', 'L' or 'E' over element
 * positions (1-based). */
#define SG_EDI_COND_MAX 10
struct sg_edi_cond {
    char kind;
    int n;
    int pos[SG_EDI_COND_MAX];
};

struct sg_edi_segdef {
    char tag[4];
    int n_elements;         /* -1: elements not described ("any") */
    struct sg_edi_elemdef *elements;
    int n_conds;
    struct sg_edi_cond *conds;
};

/* One place in the structure: a segment, or a loop (segment group)
 * whose body starts with its trigger segment. */
struct sg_edi_node {
    int is_loop;
    char usage;             /* 'M' mandatory, else optional */
    long max;               /* uses or loop repeats; 0 = no limit */
    char tag[4];            /* the segment, or the loop's trigger */
    const struct sg_edi_segdef *seg;    /* NULL for a loop */
    size_t n_body;
    struct sg_edi_node *body;
};

struct sg_edi_map {
    char *file;
    enum sg_edi_syntax syntax;
    char version[16];
    char set[8];
    size_t n_codes;
    struct sg_edi_codes *codes;
    size_t n_segdefs;
    struct sg_edi_segdef *segdefs;  /* sorted by tag */
    struct sg_edi_node root;        /* a loop holding the whole set */
};

struct sg_edi_maps {
    size_t n;
    struct sg_edi_map **items;
};

/* The segment definition for tag, or NULL. */
const struct sg_edi_segdef *sg_edi_map_segdef(const struct sg_edi_map *map,
                                              const char *tag);

#endif /* SG_EDI_MAP_INT_H */
