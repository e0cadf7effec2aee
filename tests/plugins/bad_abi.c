/*
 * bad_abi.c - a plugin built for ABI major 2: the loader must refuse it.
 */
#include "sg_plugin.h"

static int
bad_decode(void *ctx, const struct sg_message *msg, struct sg_sink *sink)
{
    (void)ctx;
    (void)msg;
    (void)sink;
    return -1;
}

const struct sg_plugin sg_plugin_descriptor = {
    .magic = SG_PLUGIN_MAGIC,
    .abi_major = SG_PLUGIN_ABI_MAJOR + 1,
    .abi_minor = 0,
    .struct_size = sizeof(struct sg_plugin),
    .name = "bad_abi",
    .decode = bad_decode,
};
