/*
 * rules_stock.h - what the stock area (rules_stock.c) offers besides
 * its struct sg_rules_area: the read API's views and first-expired-
 * first-out picking.
 */
#ifndef SG_RULES_STOCK_H
#define SG_RULES_STOCK_H

#include <hiredis/hiredis.h>

#include "config.h"

/*
 * The item's stock as JSON text:
 *   { "item", "limits": {"lower", "upper", "preferred_supplier",
 *     "reorder_quantity", "unit"} or null when the item registry does
 *     not list it,
 *     "warehouses": [{"warehouse", "level" (number), "unit", "alert",
 *       "open_replenishment" (or null), "updated_ms",
 *       "lots": [{"lot", "quantity", "expiry" (or null),
 *                 "received_ms"}...] in picking order}...] }
 * The caller frees it.  NULL with *found = 0 when nothing is known of
 * the item, *found = -1 on a Redis error.
 */
char *sg_stock_item_json(redisContext *c, const struct sg_config *cfg,
                         const char *item, int *found);

/*
 * The lots to take quantity of item from warehouse, first expired
 * first out: earliest expiry first, lots without an expiry last, ties
 * by receipt time (then by lot).  Lots whose expiry day is before the
 * day of now_ms are not picked; they are listed apart.  JSON text:
 *   { "item", "warehouse", "quantity", "picks": [{"lot", "expiry",
 *     "take", "available"}...], "short" (what the lots cannot cover),
 *     "expired": [{"lot", "expiry", "available"}...] }
 * quantity is a decimal text.  NULL with *found = 0 when quantity is
 * not a decimal above 0, -1 on a Redis error.  The caller frees.
 */
char *sg_stock_pick_json(redisContext *c, const char *item,
                         const char *warehouse, const char *quantity,
                         long long now_ms, int *found);

#endif /* SG_RULES_STOCK_H */
