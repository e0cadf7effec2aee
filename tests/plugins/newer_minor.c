/*
 * newer_minor.c - a plugin built for a newer minor ABI than the daemon's:
 * the loader must refuse it, since it may use fields the daemon lacks.
 */
#include "sg_plugin.h"

static int
newer_decode(void *ctx, const struct sg_message *msg, struct sg_sink *sink)
{
    (void)ctx;
    (void)msg;
    (void)sink;
    return -1;
}

const struct sg_plugin sg_plugin_descriptor = {
    .magic = SG_PLUGIN_MAGIC,
    .abi_major = SG_PLUGIN_ABI_MAJOR,
    .abi_minor = SG_PLUGIN_ABI_MINOR + 1,
    .struct_size = sizeof(struct sg_plugin),
    .name = "newer_minor",
    .decode = newer_decode,
};
