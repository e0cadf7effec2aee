/* placeholder: being written */
typedef int sg_placeholder_edi_x12;
