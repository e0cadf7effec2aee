/*
 * approval.c - an operator approves or releases an order (approval.h).
 *
 * The script below reads the order's state and moves it in one step.
 * History lines and events have the shape the rules write (rules_order.c):
 * history {"type","at","detail"} and an sg:events entry with type,
 * subject "order", order (its key), detail and at.  Numbers are written
 * with string.format: Redis's cjson would print epoch milliseconds in
 * exponent notation.  cjson only escapes the operator's free text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "keys.h"
#include "util.h"

/*
 * KEYS: order hash, its history, the events stream, the deadlines.
 * ARGV: action, now (ms), by, note, order key.
 * Returns {0} no order, {1, new state}, {2, current state}.
 */
static const char sg_approval_lua[] =
    "local st = redis.call('HGET', KEYS[1], 'state')\n"
    "if not st then return {0} end\n"
    "local now = tonumber(ARGV[2])\n"
    "local function event(kind, detail)\n"
    "  redis.call('RPUSH', KEYS[2], '{\"type\":\"' .. kind ..\n"
    "    '\",\"at\":' .. ARGV[2] .. ',\"detail\":' .. detail .. '}')\n"
    "  redis.call('XADD', KEYS[3], '*', 'type', kind, 'subject',\n"
    "    'order', 'order', ARGV[5], 'detail', detail, 'at', ARGV[2])\n"
    "end\n"
    "local who = ',\"by\":' .. cjson.encode(ARGV[3]) ..\n"
    "  ',\"note\":' .. cjson.encode(ARGV[4])\n"
    "local level = redis.call('HGET', KEYS[1], 'approval') or 'auto'\n"
    "local function process()\n"
    "  local lim = tonumber(redis.call('HGET', KEYS[1],\n"
    "    'dispatch_limit') or '0')\n"
    "  local due = string.format('%d', now + lim)\n"
    "  redis.call('HSET', KEYS[1], 'state', 'processed',\n"
    "    'processed_at', ARGV[2], 'dispatch_due', due)\n"
    "  event('order_processed', '{\"processed_ms\":' .. ARGV[2] ..\n"
    "    ',\"dispatch_due_ms\":' .. due .. '}')\n"
    "  redis.call('ZADD', KEYS[4], due, ARGV[5] .. '|dispatch')\n"
    "  local pdue = tonumber(redis.call('HGET', KEYS[1],\n"
    "    'processing_due') or '0')\n"
    "  if now > pdue and\n"
    "     redis.call('HEXISTS', KEYS[1], 'breach_processing') == 0 then\n"
    "    redis.call('HSET', KEYS[1], 'breach_processing', '1')\n"
    "    event('sla_breach', string.format(\n"
    "      '{\"node\":\"processing\",\"due_ms\":%d,\"late_ms\":%d}',\n"
    "      pdue, now - pdue))\n"
    "  end\n"
    "  return 'processed'\n"
    "end\n"
    "if ARGV[1] == 'approve' then\n"
    "  if st ~= 'awaiting_approval' then return {2, st} end\n"
    "  redis.call('HSET', KEYS[1], 'decided_by', ARGV[3],\n"
    "    'decided_at', ARGV[2])\n"
    "  event('order_approved', '{\"level\":' .. cjson.encode(level) ..\n"
    "    who .. '}')\n"
    "  return {1, process()}\n"
    "end\n"
    "if st ~= 'held' then return {2, st} end\n"
    "redis.call('HSET', KEYS[1], 'decided_by', ARGV[3],\n"
    "  'decided_at', ARGV[2])\n"
    "event('order_released', '{\"holds\":' ..\n"
    "  (redis.call('HGET', KEYS[1], 'holds') or '[]') .. who .. '}')\n"
    "if level ~= 'auto' then\n"
    "  redis.call('HSET', KEYS[1], 'state', 'awaiting_approval')\n"
    "  event('approval_required', '{\"level\":' .. cjson.encode(level) ..\n"
    "    '}')\n"
    "  return {1, 'awaiting_approval'}\n"
    "end\n"
    "return {1, process()}\n";

enum sg_approval_result
sg_order_decide(redisContext *c, const char *key, const char *action,
                const char *by, const char *note, long long now_ms,
                char **state)
{
    redisReply *r;
    enum sg_approval_result res = SG_APPROVAL_ERROR;
    char now[32];

    *state = NULL;
    if (strcmp(action, "approve") != 0 && strcmp(action, "release") != 0) {
        return SG_APPROVAL_ERROR;
    }
    snprintf(now, sizeof(now), "%lld", now_ms);
    r = redisCommand(c, "EVAL %s 4 " SG_KEY_ORDER "%s " SG_KEY_ORDER
                     "%s:history %s %s %s %s %s %s %s", sg_approval_lua,
                     key, key, SG_KEY_EVENTS, SG_KEY_DEADLINES, action, now,
                     by, note != NULL ? note : "", key);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        goto out;
    }
    if (r->element[0]->integer == 0) {
        res = SG_APPROVAL_NOT_FOUND;
    } else if (r->elements == 2 &&
               r->element[1]->type == REDIS_REPLY_STRING) {
        *state = sg_xstrdup(r->element[1]->str);
        res = r->element[0]->integer == 1 ? SG_APPROVAL_DONE
                                          : SG_APPROVAL_WRONG_STATE;
    }
out:
    if (r != NULL) {
        freeReplyObject(r);
    }
    return res;
}
