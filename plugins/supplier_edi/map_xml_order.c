/* placeholder: being written */
typedef int sg_placeholder_map_xml_order;
