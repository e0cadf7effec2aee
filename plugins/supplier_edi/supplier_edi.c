/* placeholder */
#include "sg_plugin.h"
const struct sg_plugin sg_plugin_descriptor = { SG_PLUGIN_HEADER, .name = "supplier_edi" };
