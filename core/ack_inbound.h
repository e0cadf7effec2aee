/*
 * ack_inbound.h - the core's reader of partners' acknowledgements
 * (X12 997/999, EDIFACT CONTRL), shaped as a plugin the gateway can
 * choose before the loaded ones (see ack_inbound.c).
 */
#ifndef SG_ACK_INBOUND_H
#define SG_ACK_INBOUND_H

#include <stddef.h>

#include "edi.h"
#include "plugin.h"
#include "util.h"

#define SG_ACK_INBOUND_NAME "core-ack"

/* The built-in plugin when the body's first set is a 997, 999 or
 * CONTRL, else NULL. */
const struct sg_loaded_plugin *
sg_ack_inbound_plugin(const unsigned char *data, size_t len);

#endif /* SG_ACK_INBOUND_H */
