/*
 * map_json.c - tickets and updates as JSON (README.md shows the shape),
 * read with jansson.
 *
 * jansson says where a syntax error is but keeps no positions for the
 * values it parsed, so a wrong severity would be an error without a
 * place.  Once the text is known to be valid JSON, a small walker finds
 * the line and column of the member a path names (cf_json_locate), and
 * every error says line, column and JSON path ("$.ticket.severity").
 */
#include <string.h>

#include <jansson.h>

#include "crm_feedback.h"
#include "json_guard.h"

/* --- where a member is ---------------------------------------------------- */

/* A cursor over text already known to be valid JSON. */
struct cf_cursor {
    const char *p, *end;
    long line;
    long column;        /* of *p, in characters, 1-based */
};

static void
cf_step(struct cf_cursor *c)
{
    if (*c->p == '\n') {
        c->line++;
        c->column = 1;
    } else if (((unsigned char)*c->p & 0xc0) != 0x80) {
        c->column++;
    }
    c->p++;
}

static void
cf_blanks(struct cf_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
                             *c->p == '\n' || *c->p == '\r')) {
        cf_step(c);
    }
}

/* Past a string; the cursor is on its opening quote. */
static void
cf_skip_string(struct cf_cursor *c)
{
    cf_step(c);
    while (c->p < c->end && *c->p != '"') {
        if (*c->p == '\\' && c->p + 1 < c->end) {
            cf_step(c);
        }
        cf_step(c);
    }
    if (c->p < c->end) {
        cf_step(c);
    }
}

/* Past any value: strings are skipped whole, brackets counted. */
static void
cf_skip_value(struct cf_cursor *c)
{
    int depth = 0;

    while (c->p < c->end) {
        char ch = *c->p;

        if (ch == '"') {
            cf_skip_string(c);
            if (depth == 0) {
                return;
            }
            continue;
        }
        if (depth == 0 && (ch == ',' || ch == '}' || ch == ']' ||
                           ch == ' ' || ch == '\t' || ch == '\n' ||
                           ch == '\r')) {
            return;
        }
        if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            depth--;
        }
        cf_step(c);
        if (depth == 0 && (ch == '}' || ch == ']')) {
            return;
        }
    }
}

/* On '{': move to the value of member key; 0, or -1 (cursor unmoved). */
static int
cf_enter(struct cf_cursor *c, const char *key)
{
    struct cf_cursor at = *c;
    size_t klen = strlen(key);

    if (c->p >= c->end || *c->p != '{') {
        return -1;
    }
    cf_step(&at);
    for (;;) {
        const char *name;

        cf_blanks(&at);
        if (at.p >= at.end || *at.p != '"') {
            return -1;
        }
        name = at.p + 1;
        cf_skip_string(&at);
        cf_blanks(&at);
        if (at.p >= at.end || *at.p != ':') {
            return -1;
        }
        cf_step(&at);
        cf_blanks(&at);
        if ((size_t)(at.p - name) >= klen + 1 &&
            strncmp(name, key, klen) == 0 && name[klen] == '"') {
            *c = at;
            return 0;
        }
        cf_skip_value(&at);
        cf_blanks(&at);
        if (at.p >= at.end || *at.p != ',') {
            return -1;
        }
        cf_step(&at);
    }
}

/*
 * Fill pos for the member the keys name (up to n of them): its value's
 * line and column, or those of the deepest object that exists.
 */
static void
cf_json_locate(const struct cf_run *run, const char *const *keys, int n,
               struct cf_pos *pos)
{
    struct cf_cursor c;
    int i;

    c.p = (const char *)run->msg->data;
    c.end = c.p + run->msg->len;
    c.line = 1;
    c.column = 1;
    if (c.end - c.p >= 3 && memcmp(c.p, "\xef\xbb\xbf", 3) == 0) {
        c.p += 3;
    }
    cf_blanks(&c);
    snprintf(pos->path, sizeof(pos->path), "$");
    for (i = 0; i < n; i++) {
        snprintf(pos->path + strlen(pos->path),
                 sizeof(pos->path) - strlen(pos->path), ".%s", keys[i]);
    }
    for (i = 0; i < n && cf_enter(&c, keys[i]) == 0; i++) {
        /* Deeper. */
    }
    pos->line = c.line;
    pos->column = c.column;
}

/* --- the shape ------------------------------------------------------------ */

/* JSON member names of the fields, per kind of document. */
struct cf_member {
    const char *name;
    enum cf_field field;
};

static const struct cf_member cf_ticket_members[] = {
    {"id", CF_ID}, {"channel", CF_CHANNEL}, {"category", CF_CATEGORY},
    {"severity", CF_SEVERITY}, {"order", CF_ORDER}, {"lot", CF_LOT},
    {"item", CF_ITEM}, {"text", CF_TEXT},
    {"requested_outcome", CF_REQUESTED}, {"created", CF_CREATED},
    {NULL, CF_N}
};

static const struct cf_member cf_update_members[] = {
    {"ticket", CF_ID}, {"kind", CF_KIND}, {"at", CF_AT},
    {"outcome", CF_OUTCOME}, {"satisfaction", CF_SATISFACTION},
    {"note", CF_NOTE}, {NULL, CF_N}
};

/*
 * Record where a field is (or would be), root.member[.sub], as a path
 * only: walking the body for its line and column is left to the rare
 * field that turns out to be wrong.
 */
static void
cf_json_place(const struct cf_run *run, struct cf_doc *d, enum cf_field f,
              const char *root, const char *member, const char *sub)
{
    struct cf_pos *pos = &d->pos[f];

    (void)run;
    memset(pos, 0, sizeof(*pos));
    pos->line = CF_POS_LATER;
    snprintf(pos->path, sizeof(pos->path), "$.%s.%s%s%s", root, member,
             sub != NULL ? "." : "", sub != NULL ? sub : "");
}

/* run->locate: the line and column of a path cf_json_place made. */
static void
cf_json_locate_path(const struct cf_run *run, struct cf_pos *pos)
{
    char copy[sizeof(pos->path)], *keys[3], *p, *dot;
    int n = 0;

    snprintf(copy, sizeof(copy), "%s", pos->path);
    for (p = copy + 2; n < 3 && p != NULL && *p != '\0'; n++) {
        keys[n] = p;
        dot = strchr(p, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
        p = dot != NULL ? dot + 1 : NULL;
    }
    cf_json_locate(run, (const char *const *)keys, n, pos);
}

/* A string member into d; other JSON types are errors. */
static int
cf_json_string(struct cf_run *run, struct cf_doc *d, enum cf_field f,
               json_t *v)
{
    if (f == CF_SATISFACTION && json_is_integer(v)) {
        d->v[f] = sg_xasprintf("%" JSON_INTEGER_FORMAT,
                               json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v) || f == CF_SATISFACTION) {
        cf_error(run, "crm.json_type", &d->pos[f], "%s must be %s",
                 cf_field_name(f), f == CF_SATISFACTION ? "a whole number "
                 "from 1 to 5" : "a string");
        return -1;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        cf_error(run, "crm.json_nul", &d->pos[f], "%s holds a NUL "
                 "character", cf_field_name(f));
        return -1;
    }
    d->v[f] = sg_xstrdup(json_string_value(v));
    return 0;
}

/* "customer": {"id": ..., "name": ...} */
static int
cf_json_customer(struct cf_run *run, struct cf_doc *d, json_t *v)
{
    static const char *const names[] = {"id", "name"};
    static const enum cf_field fields[] = {CF_CUSTOMER, CF_CUSTOMER_NAME};
    const char *key;
    json_t *m;
    int bad = 0;
    size_t i;

    if (!json_is_object(v)) {
        cf_error(run, "crm.json_type", &d->pos[CF_CUSTOMER], "customer "
                 "must be an object {\"id\": ..., \"name\": ...}");
        return -1;
    }
    json_object_foreach(v, key, m) {
        for (i = 0; i < 2 && strcmp(key, names[i]) != 0; i++) {
            /* Find the member. */
        }
        if (i == 2) {
            struct cf_pos pos;
            const char *keys[3] = {"ticket", "customer", key};

            cf_json_locate(run, keys, 3, &pos);
            cf_error(run, "crm.unknown_field", &pos, "customer has no "
                     "member \"%.40s\" (id and name are known)", key);
            bad = -1;
            continue;
        }
        cf_json_place(run, d, fields[i], "ticket", "customer", names[i]);
        bad |= cf_json_string(run, d, fields[i], m);
    }
    return bad;
}

static int
cf_json_members(struct cf_run *run, struct cf_doc *d, const char *root,
                json_t *obj)
{
    const struct cf_member *table = d->is_update ? cf_update_members
                                                 : cf_ticket_members;
    const struct cf_member *m;
    const char *key;
    json_t *v;
    int bad = 0;

    /* Where each field would be, for "missing" errors. */
    for (m = table; m->name != NULL; m++) {
        cf_json_place(run, d, m->field, root, m->name, NULL);
    }
    if (!d->is_update) {
        cf_json_place(run, d, CF_CUSTOMER, root, "customer", NULL);
        snprintf(d->pos[CF_CUSTOMER].path, sizeof(d->pos[CF_CUSTOMER].path),
                 "$.%s.customer.id", root);
    }
    json_object_foreach(obj, key, v) {
        for (m = table; m->name != NULL && strcmp(m->name, key) != 0; m++) {
            /* Find the member. */
        }
        if (m->name != NULL) {
            bad |= cf_json_string(run, d, m->field, v);
        } else if (!d->is_update && strcmp(key, "customer") == 0) {
            bad |= cf_json_customer(run, d, v);
        } else {
            struct cf_pos pos;
            const char *keys[2] = {root, key};

            cf_json_locate(run, keys, 2, &pos);
            cf_error(run, "crm.unknown_field", &pos, "%s has no member "
                     "\"%.40s\" (README.md lists the members)", root, key);
            bad = -1;
        }
    }
    return bad;
}

/* The one member of the root: "ticket" or "ticket_update". */
static json_t *
cf_json_root(struct cf_run *run, struct cf_doc *d, json_t *root,
             const char **name)
{
    struct cf_pos pos = {1, 1, "$"};
    json_t *inner;

    if (!json_is_object(root) || json_object_size(root) != 1) {
        cf_error(run, "crm.json_shape", &pos, "the body must be an object "
                 "with one member, \"ticket\" or \"ticket_update\"");
        return NULL;
    }
    if ((inner = json_object_get(root, "ticket")) != NULL) {
        *name = "ticket";
    } else if ((inner = json_object_get(root, "ticket_update")) != NULL) {
        *name = "ticket_update";
        d->is_update = 1;
    } else {
        cf_error(run, "crm.json_shape", &pos, "the body's member must be "
                 "\"ticket\" or \"ticket_update\"");
        return NULL;
    }
    if (!json_is_object(inner)) {
        const char *keys[1] = {*name};

        cf_json_locate(run, keys, 1, &pos);
        cf_error(run, "crm.json_type", &pos, "%s must be an object", *name);
        return NULL;
    }
    return inner;
}

int
cf_json_read(struct cf_run *run, struct cf_doc *d)
{
    json_error_t err;
    json_t *root, *inner;
    const char *name = NULL;
    struct cf_pos pos;
    struct sg_diag g;
    char text[128];
    int rc = -1;

    run->locate = cf_json_locate_path;
    if (sg_json_guard_check((const char *)run->msg->data, run->msg->len,
                            &g, text, sizeof(text)) != 0) {
        memset(&pos, 0, sizeof(pos));
        pos.line = g.line;
        pos.column = g.column;
        snprintf(pos.path, sizeof(pos.path), "$");
        cf_error(run, g.code, &pos, "%s", g.text);
        return -1;
    }
    root = json_loadb((const char *)run->msg->data, run->msg->len,
                      JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        memset(&pos, 0, sizeof(pos));
        pos.line = err.line;
        pos.column = err.column;
        snprintf(pos.path, sizeof(pos.path), "$");
        cf_error(run, "crm.json_syntax", &pos, "%s", err.text);
        return -1;
    }
    inner = cf_json_root(run, d, root, &name);
    if (inner != NULL) {
        /* Bad members were reported: the body was understood. */
        rc = cf_json_members(run, d, name, inner) == 0 ? 0 : 1;
    }
    json_decref(root);
    return rc;
}

/* --- sniffing ------------------------------------------------------------- */

int
cf_json_is_ticket(const unsigned char *data, size_t len)
{
    json_error_t err;
    json_t *root;
    struct sg_diag g;
    char text[128];
    int score = 0;

    /* Too large to parse: not recognised here; decode says why. */
    if (sg_json_guard_check((const char *)data, len, &g, text,
                            sizeof(text)) != 0) {
        return 0;
    }
    /* Only the shape counts: any JSON object is not ours. */
    root = json_loadb((const char *)data, len, 0, &err);
    if (json_is_object(root) && json_object_size(root) == 1 &&
        (json_object_get(root, "ticket") != NULL ||
         json_object_get(root, "ticket_update") != NULL)) {
        score = 90;
    }
    json_decref(root);
    return score;
}
