/* placeholder */
typedef int sg_placeholder;
