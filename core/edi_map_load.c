/*
 * edi_map_load.c - read segment map files (schemas/edi/README.md) into
 * the in-memory form of edi_map_int.h.
 *
 * A map is configuration: a bad one stops the plugin at init, so every
 * problem is reported with the file and the JSON path of the offending
 * value ("segments.BEG.elements[3]"), or the file, line and column when
 * the JSON itself does not parse.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "edi_map_int.h"
#include "util.h"

/* Loader state: the map being built and where errors go. */
struct ml {
    struct sg_edi_map *map;
    char *err;
    size_t errlen;
    int failed;
};

static void
ml_fail(struct ml *ml, const char *path, const char *fmt, ...)
    SG_PRINTF(3, 4);

static void
ml_fail(struct ml *ml, const char *path, const char *fmt, ...)
{
    char text[256];
    va_list ap;

    if (ml->failed) {
        return;     /* the first problem is the one worth reading */
    }
    ml->failed = 1;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(ml->err, ml->errlen, "%s: %s: %s", ml->map->file, path, text);
}

/* --- code lists --------------------------------------------------------- */

static int
ml_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
ml_codes(struct ml *ml, json_t *codes)
{
    struct sg_edi_map *m = ml->map;
    const char *name;
    json_t *list;
    char path[128];

    if (codes == NULL) {
        return;
    }
    if (!json_is_object(codes)) {
        ml_fail(ml, "codes", "must be an object of code lists");
        return;
    }
    m->codes = sg_xcalloc(json_object_size(codes) + 1, sizeof(*m->codes));
    json_object_foreach(codes, name, list) {
        struct sg_edi_codes *c = &m->codes[m->n_codes++];
        size_t i;
        json_t *v;

        c->name = sg_xstrdup(name);
        snprintf(path, sizeof(path), "codes.%s", name);
        if (!json_is_array(list) || json_array_size(list) == 0) {
            ml_fail(ml, path, "must be a non-empty array of strings");
            return;
        }
        c->values = sg_xcalloc(json_array_size(list), sizeof(char *));
        json_array_foreach(list, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0) {
                ml_fail(ml, path, "entry %zu is not a non-empty string",
                        i);
                return;
            }
            c->values[c->n++] = sg_xstrdup(json_string_value(v));
        }
        qsort(c->values, c->n, sizeof(char *), ml_cmp_str);
    }
}

static const struct sg_edi_codes *
ml_find_codes(const struct sg_edi_map *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->n_codes; i++) {
        if (strcmp(m->codes[i].name, name) == 0) {
            return &m->codes[i];
        }
    }
    return NULL;
}

/* --- element specifications: "M AN 1/35 @CODES *REPEAT" --------------- */

static int
ml_type(struct ml *ml, const char *path, const char *t,
        struct sg_edi_elemdef *e)
{
    int x12 = ml->map->syntax == SG_EDI_X12;

    e->decimals = 0;
    if (x12 && strcmp(t, "AN") == 0) {
        e->type = SG_EDI_T_AN;
    } else if (x12 && strcmp(t, "ID") == 0) {
        e->type = SG_EDI_T_ID;
    } else if (x12 && strcmp(t, "R") == 0) {
        e->type = SG_EDI_T_R;
    } else if (x12 && strcmp(t, "DT") == 0) {
        e->type = SG_EDI_T_DT;
    } else if (x12 && strcmp(t, "TM") == 0) {
        e->type = SG_EDI_T_TM;
    } else if (x12 && t[0] == 'N' && (t[1] == '\0' ||
               (isdigit((unsigned char)t[1]) && t[2] == '\0'))) {
        e->type = SG_EDI_T_N;
        e->decimals = t[1] ? t[1] - '0' : 0;
    } else if (!x12 && strcmp(t, "a") == 0) {
        e->type = SG_EDI_T_A;
    } else if (!x12 && strcmp(t, "an") == 0) {
        e->type = SG_EDI_T_EAN;
    } else if (!x12 && strcmp(t, "n") == 0) {
        e->type = SG_EDI_T_EN;
    } else {
        ml_fail(ml, path, "unknown %s element type \"%s\"",
                x12 ? "X12" : "EDIFACT", t);
        return -1;
    }
    return 0;
}

static int
ml_usage(struct ml *ml, const char *path, const char *u, char *out)
{
    int x12 = ml->map->syntax == SG_EDI_X12;

    if (strcmp(u, "M") == 0 || (x12 && (strcmp(u, "O") == 0 ||
        strcmp(u, "X") == 0)) || (!x12 && strcmp(u, "C") == 0)) {
        *out = u[0];
        return 0;
    }
    ml_fail(ml, path, "usage \"%s\" is not %s", u,
            x12 ? "M, O or X" : "M or C");
    return -1;
}

static int
ml_length(struct ml *ml, const char *path, const char *s,
          struct sg_edi_elemdef *e)
{
    char *end;
    long lo, hi;

    lo = strtol(s, &end, 10);
    if (end == s || *end != '/') {
        ml_fail(ml, path, "length \"%s\" is not MIN/MAX", s);
        return -1;
    }
    s = end + 1;
    hi = strtol(s, &end, 10);
    if (end == s || *end != '\0' || lo < 0 || hi < 1 || lo > hi ||
        hi > 100000) {
        ml_fail(ml, path, "length bounds %ld/%ld make no sense", lo, hi);
        return -1;
    }
    e->min = (int)lo;
    e->max = (int)hi;
    return 0;
}

/* Parse one "USAGE TYPE MIN/MAX [@CODES] [*REPEAT]" string. */
static int
ml_spec(struct ml *ml, const char *path, const char *spec,
        struct sg_edi_elemdef *e)
{
    char buf[128], *tok[5], *save = NULL, *p;
    int n = 0, i;

    if (strlen(spec) >= sizeof(buf)) {
        ml_fail(ml, path, "specification too long");
        return -1;
    }
    strcpy(buf, spec);
    for (p = strtok_r(buf, " ", &save); p != NULL;
         p = strtok_r(NULL, " ", &save)) {
        if (n == 5) {
            ml_fail(ml, path, "\"%s\" has too many words", spec);
            return -1;
        }
        tok[n++] = p;
    }
    if (n < 3) {
        ml_fail(ml, path, "\"%s\" is not \"USAGE TYPE MIN/MAX\"", spec);
        return -1;
    }
    e->repeat = 1;
    if (ml_usage(ml, path, tok[0], &e->usage) != 0 ||
        ml_type(ml, path, tok[1], e) != 0 ||
        ml_length(ml, path, tok[2], e) != 0) {
        return -1;
    }
    for (i = 3; i < n; i++) {
        if (tok[i][0] == '@') {
            e->codes = ml_find_codes(ml->map, tok[i] + 1);
            if (e->codes == NULL) {
                ml_fail(ml, path, "no code list \"%s\" in codes",
                        tok[i] + 1);
                return -1;
            }
        } else if (tok[i][0] == '*' && atoi(tok[i] + 1) >= 1) {
            e->repeat = atoi(tok[i] + 1);
        } else {
            ml_fail(ml, path, "\"%s\" is neither @CODES nor *REPEAT",
                    tok[i]);
            return -1;
        }
    }
    return 0;
}

/* A composite: {"usage": "M", "repeat": 1, "components": [SPEC, ...]}. */
static int
ml_composite(struct ml *ml, const char *path, json_t *obj,
             struct sg_edi_elemdef *e)
{
    json_t *usage = json_object_get(obj, "usage");
    json_t *repeat = json_object_get(obj, "repeat");
    json_t *comps = json_object_get(obj, "components");
    char sub[160];
    size_t i;
    json_t *c;

    if (!json_is_string(usage) ||
        ml_usage(ml, path, json_string_value(usage), &e->usage) != 0) {
        ml_fail(ml, path, "a composite needs a \"usage\"");
        return -1;
    }
    e->repeat = 1;
    if (repeat != NULL) {
        if (!json_is_integer(repeat) || json_integer_value(repeat) < 1) {
            ml_fail(ml, path, "\"repeat\" must be a positive integer");
            return -1;
        }
        e->repeat = (int)json_integer_value(repeat);
    }
    if (!json_is_array(comps) || json_array_size(comps) == 0) {
        ml_fail(ml, path, "a composite needs a \"components\" array");
        return -1;
    }
    e->n_components = (int)json_array_size(comps);
    e->components = sg_xcalloc(json_array_size(comps),
                               sizeof(*e->components));
    json_array_foreach(comps, i, c) {
        snprintf(sub, sizeof(sub), "%s.components[%zu]", path, i);
        if (!json_is_string(c) ||
            ml_spec(ml, sub, json_string_value(c),
                    &e->components[i]) != 0) {
            ml_fail(ml, sub, "must be a \"USAGE TYPE MIN/MAX\" string");
            return -1;
        }
    }
    return 0;
}

/* --- segments ----------------------------------------------------------- */

/* "P0405", "C020304": kind then two-digit element positions. */
static int
ml_condition(struct ml *ml, const char *path, const char *s,
             int n_elements, struct sg_edi_cond *c)
{
    size_t len = strlen(s), i;

    if (strchr("PRCLE", s[0]) == NULL || len < 5 || (len - 1) % 2 != 0 ||
        (len - 1) / 2 > SG_EDI_COND_MAX) {
        ml_fail(ml, path, "\"%s\" is not a condition like P0405", s);
        return -1;
    }
    c->kind = s[0];
    c->n = 0;
    for (i = 1; i < len; i += 2) {
        int pos;

        if (!isdigit((unsigned char)s[i]) ||
            !isdigit((unsigned char)s[i + 1])) {
            ml_fail(ml, path, "\"%s\" has a position that is not two "
                    "digits", s);
            return -1;
        }
        pos = (s[i] - '0') * 10 + (s[i + 1] - '0');
        if (pos < 1 || pos > n_elements) {
            ml_fail(ml, path, "\"%s\" names element %d; the segment has "
                    "%d", s, pos, n_elements);
            return -1;
        }
        c->pos[c->n++] = pos;
    }
    return 0;
}

static int
ml_segdef(struct ml *ml, const char *tag, json_t *obj,
          struct sg_edi_segdef *sd)
{
    json_t *elems, *syntax, *e;
    char path[64], sub[96];
    size_t i;

    snprintf(path, sizeof(path), "segments.%s", tag);
    if (strlen(tag) < 2 || strlen(tag) > 3) {
        ml_fail(ml, path, "a tag has two or three characters");
        return -1;
    }
    strcpy(sd->tag, tag);
    elems = json_object_get(obj, "elements");
    if (json_is_object(obj) && json_is_string(elems) &&
        strcmp(json_string_value(elems), "any") == 0) {
        /* Placed in the structure, its elements not described yet. */
        sd->n_elements = -1;
        return 0;
    }
    if (!json_is_object(obj) || !json_is_array(elems)) {
        ml_fail(ml, path, "needs an \"elements\" array or \"any\"");
        return -1;
    }
    sd->n_elements = (int)json_array_size(elems);
    sd->elements = sg_xcalloc(json_array_size(elems) + 1,
                              sizeof(*sd->elements));
    json_array_foreach(elems, i, e) {
        struct sg_edi_elemdef *d = &sd->elements[i];

        snprintf(sub, sizeof(sub), "%s.elements[%zu]", path, i);
        if (json_is_string(e)) {
            if (ml_spec(ml, sub, json_string_value(e), d) != 0) {
                return -1;
            }
        } else if (json_is_object(e)) {
            if (ml_composite(ml, sub, e, d) != 0) {
                return -1;
            }
        } else {
            ml_fail(ml, sub, "must be a specification string or a "
                    "composite object");
            return -1;
        }
    }

    syntax = json_object_get(obj, "syntax");
    if (syntax == NULL) {
        return 0;
    }
    if (!json_is_array(syntax)) {
        ml_fail(ml, path, "\"syntax\" must be an array of conditions");
        return -1;
    }
    sd->conds = sg_xcalloc(json_array_size(syntax) + 1, sizeof(*sd->conds));
    json_array_foreach(syntax, i, e) {
        snprintf(sub, sizeof(sub), "%s.syntax[%zu]", path, i);
        if (!json_is_string(e) ||
            ml_condition(ml, sub, json_string_value(e), sd->n_elements,
                         &sd->conds[sd->n_conds]) != 0) {
            ml_fail(ml, sub, "must be a condition string");
            return -1;
        }
        sd->n_conds++;
    }
    return 0;
}

static int
ml_cmp_segdef(const void *a, const void *b)
{
    return strcmp(((const struct sg_edi_segdef *)a)->tag,
                  ((const struct sg_edi_segdef *)b)->tag);
}

static int
ml_segments(struct ml *ml, json_t *segs)
{
    struct sg_edi_map *m = ml->map;
    const char *tag;
    json_t *obj;

    if (!json_is_object(segs) || json_object_size(segs) == 0) {
        ml_fail(ml, "segments", "must be an object of segment "
                "definitions");
        return -1;
    }
    m->segdefs = sg_xcalloc(json_object_size(segs), sizeof(*m->segdefs));
    json_object_foreach(segs, tag, obj) {
        if (ml_segdef(ml, tag, obj, &m->segdefs[m->n_segdefs++]) != 0) {
            return -1;
        }
    }
    qsort(m->segdefs, m->n_segdefs, sizeof(*m->segdefs), ml_cmp_segdef);
    return 0;
}

const struct sg_edi_segdef *
sg_edi_map_segdef(const struct sg_edi_map *map, const char *tag)
{
    struct sg_edi_segdef key;

    if (strlen(tag) >= sizeof(key.tag)) {
        return NULL;
    }
    strcpy(key.tag, tag);
    return bsearch(&key, map->segdefs, map->n_segdefs,
                   sizeof(*map->segdefs), ml_cmp_segdef);
}

/* --- structure ---------------------------------------------------------- */

static int ml_body(struct ml *ml, const char *path, json_t *arr,
                   struct sg_edi_node *parent);

/* A max: a positive integer, or ">1" for no limit. */
static int
ml_max(struct ml *ml, const char *path, json_t *v, long *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 1) {
        *out = (long)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), ">1") == 0) {
        *out = 0;
        return 0;
    }
    ml_fail(ml, path, "max must be a positive integer or \">1\"");
    return -1;
}

/* ["TAG", "M", 1] */
static int
ml_seg_node(struct ml *ml, const char *path, json_t *arr,
            struct sg_edi_node *n)
{
    json_t *tag = json_array_get(arr, 0), *usage = json_array_get(arr, 1);

    if (json_array_size(arr) != 3 || !json_is_string(tag) ||
        !json_is_string(usage)) {
        ml_fail(ml, path, "a segment is [\"TAG\", \"USAGE\", MAX]");
        return -1;
    }
    n->seg = sg_edi_map_segdef(ml->map, json_string_value(tag));
    if (n->seg == NULL) {
        ml_fail(ml, path, "segment %s is not defined in segments",
                json_string_value(tag));
        return -1;
    }
    strcpy(n->tag, n->seg->tag);
    if (ml_usage(ml, path, json_string_value(usage), &n->usage) != 0) {
        return -1;
    }
    return ml_max(ml, path, json_array_get(arr, 2), &n->max);
}

/* {"loop": "N1", "usage": "O", "max": 200, "body": [...]} */
static int
ml_loop_node(struct ml *ml, const char *path, json_t *obj,
             struct sg_edi_node *n)
{
    json_t *usage = json_object_get(obj, "usage");
    char sub[256];

    n->is_loop = 1;
    if (!json_is_string(json_object_get(obj, "loop")) ||
        !json_is_string(usage)) {
        ml_fail(ml, path, "a loop needs \"loop\" and \"usage\"");
        return -1;
    }
    if (ml_usage(ml, path, json_string_value(usage), &n->usage) != 0 ||
        ml_max(ml, path, json_object_get(obj, "max"), &n->max) != 0) {
        return -1;
    }
    snprintf(sub, sizeof(sub), "%.200s.body", path);
    if (ml_body(ml, sub, json_object_get(obj, "body"), n) != 0) {
        return -1;
    }
    if (n->body[0].is_loop || n->body[0].max != 1) {
        ml_fail(ml, sub, "a loop starts with its trigger segment, used "
                "once");
        return -1;
    }
    strcpy(n->tag, n->body[0].tag);
    return 0;
}

static int
ml_body(struct ml *ml, const char *path, json_t *arr,
        struct sg_edi_node *parent)
{
    char sub[256];
    size_t i;
    json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        ml_fail(ml, path, "must be a non-empty array");
        return -1;
    }
    parent->n_body = json_array_size(arr);
    parent->body = sg_xcalloc(parent->n_body, sizeof(*parent->body));
    json_array_foreach(arr, i, v) {
        struct sg_edi_node *n = &parent->body[i];
        int rc;

        snprintf(sub, sizeof(sub), "%.200s[%zu]", path, i);
        if (json_is_array(v)) {
            rc = ml_seg_node(ml, sub, v, n);
        } else if (json_is_object(v)) {
            rc = ml_loop_node(ml, sub, v, n);
        } else {
            ml_fail(ml, sub, "must be a segment array or a loop object");
            rc = -1;
        }
        if (rc != 0) {
            return -1;
        }
    }
    return 0;
}

/* --- the whole file ----------------------------------------------------- */

static int
ml_header(struct ml *ml, json_t *root)
{
    struct sg_edi_map *m = ml->map;
    const char *std, *ver, *set;

    std = json_string_value(json_object_get(root, "standard"));
    ver = json_string_value(json_object_get(root, "version"));
    set = json_string_value(json_object_get(root, "set"));
    if (std == NULL || (strcmp(std, "X12") != 0 &&
                        strcmp(std, "EDIFACT") != 0)) {
        ml_fail(ml, "standard", "must be \"X12\" or \"EDIFACT\"");
        return -1;
    }
    m->syntax = strcmp(std, "X12") == 0 ? SG_EDI_X12 : SG_EDI_EDIFACT;
    if (ver == NULL || ver[0] == '\0' || strlen(ver) >= sizeof(m->version)) {
        ml_fail(ml, "version", "must be a short string (\"004010\", "
                "\"D96A\")");
        return -1;
    }
    if (set == NULL || set[0] == '\0' || strlen(set) >= sizeof(m->set)) {
        ml_fail(ml, "set", "must be a short string (\"850\", "
                "\"ORDERS\")");
        return -1;
    }
    strcpy(m->version, ver);
    strcpy(m->set, set);
    return 0;
}

struct sg_edi_map *
sg_edi_map_load(const char *path, char *err, size_t errlen)
{
    struct ml ml;
    json_error_t jerr;
    json_t *root;

    memset(&ml, 0, sizeof(ml));
    ml.err = err;
    ml.errlen = errlen;
    ml.map = sg_xcalloc(1, sizeof(*ml.map));
    ml.map->file = sg_xstrdup(path);

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                 jerr.text);
        sg_edi_map_free(ml.map);
        return NULL;
    }
    if (!json_is_object(root)) {
        ml_fail(&ml, "$", "a map is a JSON object");
    } else if (ml_header(&ml, root) == 0) {
        ml_codes(&ml, json_object_get(root, "codes"));
        if (!ml.failed &&
            ml_segments(&ml, json_object_get(root, "segments")) == 0) {
            ml_body(&ml, "structure", json_object_get(root, "structure"),
                    &ml.map->root);
        }
    }
    json_decref(root);
    if (ml.failed) {
        sg_edi_map_free(ml.map);
        return NULL;
    }
    ml.map->root.is_loop = 1;
    ml.map->root.usage = 'M';
    ml.map->root.max = 1;
    return ml.map;
}

/* --- freeing ------------------------------------------------------------ */

static void
ml_free_elem(struct sg_edi_elemdef *e)
{
    free(e->components);
}

static void
ml_free_node(struct sg_edi_node *n)
{
    size_t i;

    for (i = 0; i < n->n_body; i++) {
        ml_free_node(&n->body[i]);
    }
    free(n->body);
}

void
sg_edi_map_free(struct sg_edi_map *m)
{
    size_t i, j;

    if (m == NULL) {
        return;
    }
    ml_free_node(&m->root);
    for (i = 0; i < m->n_segdefs; i++) {
        for (j = 0; (int)j < m->segdefs[i].n_elements; j++) {
            ml_free_elem(&m->segdefs[i].elements[j]);
        }
        free(m->segdefs[i].elements);
        free(m->segdefs[i].conds);
    }
    free(m->segdefs);
    for (i = 0; i < m->n_codes; i++) {
        for (j = 0; j < m->codes[i].n; j++) {
            free(m->codes[i].values[j]);
        }
        free(m->codes[i].values);
        free(m->codes[i].name);
    }
    free(m->codes);
    free(m->file);
    free(m);
}

enum sg_edi_syntax
sg_edi_map_syntax(const struct sg_edi_map *map)
{
    return map->syntax;
}

const char *
sg_edi_map_version(const struct sg_edi_map *map)
{
    return map->version;
}

const char *
sg_edi_map_set(const struct sg_edi_map *map)
{
    return map->set;
}

/* --- a directory of maps ------------------------------------------------ */

/* The set this file name is for, when it is one of sets. */
static int
ml_wanted(const char *name, const char *const *sets)
{
    size_t len = strlen(name);

    for (; sets != NULL && *sets != NULL; sets++) {
        size_t sl = strlen(*sets);

        if (len > sl + 6 && name[len - sl - 6] == '-' &&
            strncmp(name + len - sl - 5, *sets, sl) == 0 &&
            strcmp(name + len - 5, ".json") == 0) {
            return 1;
        }
    }
    return 0;
}

/* The file name must say what the file holds. */
static int
ml_name_agrees(const struct sg_edi_map *m, const char *name)
{
    char expect[64];

    snprintf(expect, sizeof(expect), "%s-%s-%s.json",
             m->syntax == SG_EDI_X12 ? "x12" : "edifact", m->version,
             m->set);
    return strcmp(expect, name) == 0;
}

static int
ml_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sg_edi_maps *
sg_edi_maps_load(const char *dir, const char *const *sets, char *err,
                 size_t errlen)
{
    struct sg_edi_maps *maps;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    DIR *d = opendir(dir);

    if (d == NULL) {
        snprintf(err, errlen, "%s: cannot read the map directory", dir);
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        if (!ml_wanted(de->d_name, sets)) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            names = sg_xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = sg_xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 1) {
        qsort(names, n, sizeof(*names), ml_cmp_name);
    }

    maps = sg_xcalloc(1, sizeof(*maps));
    maps->items = sg_xcalloc(n + 1, sizeof(*maps->items));
    for (i = 0; i < n && maps != NULL; i++) {
        char *path = sg_xasprintf("%s/%s", dir, names[i]);
        struct sg_edi_map *m = sg_edi_map_load(path, err, errlen);

        if (m != NULL && !ml_name_agrees(m, names[i])) {
            snprintf(err, errlen, "%s: the file name does not match its "
                     "standard, version and set (%s %s %s)", path,
                     m->syntax == SG_EDI_X12 ? "X12" : "EDIFACT",
                     m->version, m->set);
            sg_edi_map_free(m);
            m = NULL;
        }
        free(path);
        if (m == NULL) {
            sg_edi_maps_free(maps);
            maps = NULL;
        } else {
            maps->items[maps->n++] = m;
        }
    }
    for (i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    return maps;
}

void
sg_edi_maps_free(struct sg_edi_maps *maps)
{
    size_t i;

    if (maps == NULL) {
        return;
    }
    for (i = 0; i < maps->n; i++) {
        sg_edi_map_free(maps->items[i]);
    }
    free(maps->items);
    free(maps);
}

size_t
sg_edi_maps_count(const struct sg_edi_maps *maps)
{
    return maps != NULL ? maps->n : 0;
}

void
sg_edi_map_version_key(const struct sg_edi_envelope *env, char *out,
                       size_t outlen)
{
    const char *v = env->version, *colon;

    if (env->syntax == SG_EDI_X12) {
        snprintf(out, outlen, "%.6s", v);
        return;
    }
    /* "D:96A:UN:EAN008" -> "D96A" */
    colon = strchr(v, ':');
    if (colon == NULL) {
        snprintf(out, outlen, "%s", v);
        return;
    }
    snprintf(out, outlen, "%.*s%.*s", (int)(colon - v), v,
             (int)strcspn(colon + 1, ":"), colon + 1);
}

const struct sg_edi_map *
sg_edi_maps_find(const struct sg_edi_maps *maps,
                 const struct sg_edi_transaction *tx)
{
    char key[24];
    size_t i;

    if (maps == NULL) {
        return NULL;
    }
    sg_edi_map_version_key(&tx->env, key, sizeof(key));
    for (i = 0; i < maps->n; i++) {
        const struct sg_edi_map *m = maps->items[i];

        if (m->syntax == tx->env.syntax && strcmp(m->version, key) == 0 &&
            strcmp(m->set, tx->env.set_type) == 0) {
            return m;
        }
    }
    return NULL;
}
