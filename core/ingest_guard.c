/*
 * ingest_guard.c - store an interchange only if it was not accepted
 * before, in one atomic step.
 *
 * An accepted interchange whose sender, receiver and control number
 * must be unique within queue.duplicate_window is not written with the
 * usual MULTI/EXEC (ingest.c).  Its commands are gathered here instead
 * and sent as the arguments of one Lua script: the script sets the
 * marker key with SET NX EX and runs the accepted commands (message
 * hash, stream entries) if the marker was free, or the rejected ones
 * (hash with an interchange.duplicate error, sg:rejected entry) if it
 * was not.  Redis runs a script without interleaving anything else, and
 * writes it to the AOF whole, so two posts of the same interchange at
 * the same moment give one accepted message and one duplicate, and a
 * crash leaves either both the marker and the message, or neither.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ingest_guard.h"
#include "log.h"

/*
 * KEYS[1] the marker.  ARGV[1] message id, ARGV[2] ttl (s), ARGV[3] the
 * errors template, ARGV[4] where the rejected branch starts; from
 * ARGV[5] on, commands as (argc, arg, arg...).  In the rejected branch
 * an argument equal to the template becomes the template with
 * SG_INGEST_FIRST replaced by the first message's id.
 */
static const char sg_guard_script[] =
    "local function run(from, to, first)\n"
    "  local i = from\n"
    "  while i < to do\n"
    "    local argc = tonumber(ARGV[i])\n"
    "    local args = {}\n"
    "    for j = 1, argc do\n"
    "      local v = ARGV[i + j]\n"
    "      if first and v == ARGV[3] then\n"
    "        v = (string.gsub(v, '" SG_INGEST_FIRST "', first))\n"
    "      end\n"
    "      args[j] = v\n"
    "    end\n"
    "    redis.call(unpack(args))\n"
    "    i = i + argc + 1\n"
    "  end\n"
    "end\n"
    "local split = tonumber(ARGV[4])\n"
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then\n"
    "  run(5, split, nil)\n"
    "  return {1}\n"
    "end\n"
    "local first = redis.call('GET', KEYS[1])\n"
    "run(split, #ARGV + 1, first)\n"
    "return {0, first}\n";

struct sg_guard_cmds {
    struct sg_buf data;         /* every argument, back to back */
    size_t *off, *len;          /* one per ARGV entry from ARGV[5] */
    size_t n, cap;
    size_t split;               /* entries of the accepted branch */
};

struct sg_guard_cmds *
sg_guard_new(void)
{
    struct sg_guard_cmds *g = sg_xcalloc(1, sizeof(*g));

    sg_buf_init(&g->data);
    return g;
}

void
sg_guard_free(struct sg_guard_cmds *g)
{
    if (g == NULL) {
        return;
    }
    sg_buf_free(&g->data);
    free(g->off);
    free(g->len);
    free(g);
}

static void
sg_guard_entry(struct sg_guard_cmds *g, const void *p, size_t len)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->off = sg_xrealloc(g->off, g->cap * sizeof(*g->off));
        g->len = sg_xrealloc(g->len, g->cap * sizeof(*g->len));
    }
    g->off[g->n] = g->data.len;
    g->len[g->n] = len;
    g->n++;
    sg_buf_add(&g->data, p, len);
}

void
sg_guard_add(struct sg_guard_cmds *g, int argc, const char **argv,
             const size_t *argvlen)
{
    char count[16];
    int i;

    snprintf(count, sizeof(count), "%d", argc);
    sg_guard_entry(g, count, strlen(count));
    for (i = 0; i < argc; i++) {
        sg_guard_entry(g, argv[i], argvlen[i]);
    }
}

void
sg_guard_split(struct sg_guard_cmds *g)
{
    g->split = g->n;
}

char *
sg_guard_format(const struct sg_guard_cmds *g,
                const struct sg_ingest_guard *guard, const char *id,
                size_t *len)
{
    size_t n = 8 + g->n, i;
    const char **v = sg_xcalloc(n, sizeof(*v));
    size_t *l = sg_xcalloc(n, sizeof(*l));
    char ttl[24], split[24], *cmd = NULL, *out;
    int rc;

    snprintf(ttl, sizeof(ttl), "%ld", guard->ttl);
    snprintf(split, sizeof(split), "%zu", 5 + g->split);
    v[0] = "EVAL";
    v[1] = sg_guard_script;
    v[2] = "1";
    v[3] = guard->key;
    v[4] = id;
    v[5] = ttl;
    v[6] = guard->errors_json;
    v[7] = split;
    for (i = 0; i < 8; i++) {
        l[i] = strlen(v[i]);
    }
    for (i = 0; i < g->n; i++) {
        v[8 + i] = g->data.data + g->off[i];
        l[8 + i] = g->len[i];
    }
    rc = redisFormatCommandArgv(&cmd, (int)n, v, l);
    free(v);
    free(l);
    if (rc < 0 || cmd == NULL) {
        sg_log(SG_LOG_ERROR, "ingest", id, "out of memory formatting "
               "the duplicate guard");
        abort();
    }
    out = sg_xmalloc((size_t)rc + 1);
    memcpy(out, cmd, (size_t)rc);
    out[rc] = '\0';
    redisFreeCommand(cmd);
    *len = (size_t)rc;
    return out;
}

int
sg_guard_reply(const redisReply *r, struct sg_ingest_guard *guard)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        return -1;
    }
    if (r->element[0]->integer == 1) {
        guard->first[0] = '\0';
        return 0;
    }
    if (r->elements < 2 || r->element[1]->type != REDIS_REPLY_STRING) {
        return -1;
    }
    snprintf(guard->first, sizeof(guard->first), "%.*s",
             (int)r->element[1]->len, r->element[1]->str);
    return 0;
}
