/* placeholder: being written */
typedef int sg_placeholder_map_edifact_orders;
