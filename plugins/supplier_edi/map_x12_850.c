/* placeholder: being written */
typedef int sg_placeholder_map_x12_850;
