/*
 * partners.h - the partner registry of the configuration: who may post,
 * which interchange senders each may name, and what proves who it is.
 *
 *   partner "ACME" {
 *       ids = {"ZZ:ACMEPARTS", "14:5412345000013"}
 *       api_key_sha256 = "<64 hex digits>"
 *       hmac_secret_file = "secrets/acme.key"
 *       rate_limit = 20        # requests per second, 0: unlimited
 *       burst = 40             # bucket size, default rate_limit
 *       body_limit = 1048576   # bytes, 0: the http body_limit
 *   }
 *   admin { api_key_sha256 = "<64 hex digits>" }
 *
 * Keys are kept only as their SHA-256; the HMAC secret is read from its
 * file at load and wiped when the configuration is freed.
 */
#ifndef SG_PARTNERS_H
#define SG_PARTNERS_H

#include "config.h"

/*
 * Read the partner and admin sections of cfg (a cfg_t) into c and check
 * them: key hashes are 64 hex digits, secret files readable and at
 * least 16 bytes, every partner names at least one id and no id belongs
 * to two partners, and a listener beyond loopback has partner
 * credentials.  Problems go to errs as "file:line: text".
 */
void sg_partners_read(struct sg_config *c, void *cfg,
                      struct sg_errors *errs);

/* Free what sg_partners_read() put into c, wiping secrets. */
void sg_partners_free(struct sg_config *c);

/* The partner with this section title, or NULL. */
const struct sg_partner *sg_partner_find(const struct sg_config *c,
                                         const char *name);

/*
 * 1 when sender (as a plugin records it, "QUAL:ID") is one of p's ids.
 * An id written without a qualifier matches that id under any
 * qualifier.
 */
int sg_partner_owns(const struct sg_partner *p, const char *sender);

/*
 * May partner p post messages that plugin decodes?  A partner section
 * with plugins = {...} names the only ones (a supplier posts orders, not
 * stock snapshots or complaints); without the list, any.
 */
int sg_partner_may_use(const struct sg_partner *p, const char *plugin);

/* 1 when at least one partner has an API key or an HMAC secret. */
int sg_partners_have_credentials(const struct sg_config *c);

/* 1 when the IPv4 address text is in 127.0.0.0/8. */
int sg_address_is_loopback(const char *address);

/* Parse 64 hex digits into 32 bytes.  Returns 0, or -1 if malformed. */
int sg_hex_to_sha256(const char *hex, unsigned char out[32]);

#endif /* SG_PARTNERS_H */
