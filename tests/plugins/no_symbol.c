/*
 * no_symbol.c - a shared object without sg_plugin_descriptor: the loader
 * must refuse it with a clear reason.
 */
int sg_not_a_plugin(void);

int
sg_not_a_plugin(void)
{
    return 42;
}
