/* placeholder: being written */
typedef int sg_placeholder_rules;
