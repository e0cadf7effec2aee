/*
 * partners.c - read and check the partner registry and the admin
 * credential (see partners.h for the configuration they come from).
 *
 * config.c declares the sections; this file turns them into struct
 * sg_partner and refuses a registry that would let one partner pass for
 * another (an id shared by two partners) or open the gateway to the
 * network without any credential.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <confuse.h>

#include "partners.h"

/* Shorter secrets are guessable by brute force from one signature. */
#define SG_SECRET_MIN 16
#define SG_SECRET_MAX 4096

int
sg_hex_to_sha256(const char *hex, unsigned char out[32])
{
    unsigned int byte;
    size_t i;

    if (hex == NULL || strlen(hex) != 64 ||
        strspn(hex, "0123456789abcdefABCDEF") != 64) {
        return -1;
    }
    for (i = 0; i < 32; i++) {
        if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
            return -1;
        }
        out[i] = (unsigned char)byte;
    }
    return 0;
}

int
sg_address_is_loopback(const char *address)
{
    struct in_addr a;

    if (address == NULL || inet_pton(AF_INET, address, &a) != 1) {
        return 0;
    }
    return (ntohl(a.s_addr) >> 24) == 127;
}

/* --- reading ----------------------------------------------------------- */

/* The whole secret file, without a trailing newline.  NULL on error. */
static unsigned char *
sg_partners_read_secret(const char *path, size_t *len, char *why,
                        size_t whylen)
{
    unsigned char *buf;
    struct stat st;
    FILE *f;
    size_t n;

    f = fopen(path, "rb");
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    if (st.st_size > SG_SECRET_MAX) {
        snprintf(why, whylen, "larger than %d bytes", SG_SECRET_MAX);
        fclose(f);
        return NULL;
    }
    buf = sg_xmalloc((size_t)st.st_size + 1);
    n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    if (n < SG_SECRET_MIN) {
        snprintf(why, whylen, "shorter than %d bytes", SG_SECRET_MIN);
        sg_wipe(buf, (size_t)st.st_size + 1);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void
sg_partners_read_key(struct sg_config *c, cfg_t *sec, const char *who,
                     unsigned char hash[32], int *has,
                     struct sg_errors *errs)
{
    const char *hex = cfg_getstr(sec, "api_key_sha256");

    if (hex == NULL || hex[0] == '\0') {
        return;
    }
    if (sg_hex_to_sha256(hex, hash) != 0) {
        sg_errors_addf(errs, "config", "%s:%d: %s: api_key_sha256 must be "
                       "64 hex digits (printf %%s KEY | sha256sum)",
                       c->file, sec->line, who);
        return;
    }
    *has = 1;
}

static void
sg_partners_read_one(struct sg_config *c, cfg_t *sec, struct sg_partner *p,
                     struct sg_errors *errs)
{
    const char *file = cfg_getstr(sec, "hmac_secret_file");
    char who[160], why[128];
    size_t j;

    p->name = sg_xstrdup(cfg_title(sec));
    snprintf(who, sizeof(who), "partner \"%s\"", p->name);
    p->n_ids = cfg_size(sec, "ids");
    p->ids = sg_xcalloc(p->n_ids + 1, sizeof(char *));
    for (j = 0; j < p->n_ids; j++) {
        p->ids[j] = sg_xstrdup(cfg_getnstr(sec, "ids", (unsigned)j));
    }
    p->n_plugins = cfg_size(sec, "plugins");
    p->plugins = sg_xcalloc(p->n_plugins + 1, sizeof(char *));
    for (j = 0; j < p->n_plugins; j++) {
        p->plugins[j] = sg_xstrdup(cfg_getnstr(sec, "plugins",
                                               (unsigned)j));
    }
    if (p->n_ids == 0) {
        sg_errors_addf(errs, "config", "%s:%d: %s lists no ids; name the "
                       "interchange senders it may use (\"ZZ:ACME\")",
                       c->file, sec->line, who);
    }
    sg_partners_read_key(c, sec, who, p->key_hash, &p->has_key, errs);
    if (file != NULL && file[0] != '\0') {
        char *path = file[0] == '/' ? sg_xstrdup(file)
                                    : sg_xasprintf("%s/%s", c->dir, file);

        p->hmac_secret = sg_partners_read_secret(path, &p->hmac_secret_len,
                                                 why, sizeof(why));
        if (p->hmac_secret == NULL) {
            sg_errors_addf(errs, "config", "%s:%d: %s: hmac_secret_file "
                           "%s: %s", c->file, sec->line, who, path, why);
        }
        free(path);
    }
    p->rate_limit = (int)cfg_getint(sec, "rate_limit");
    p->burst = (int)cfg_getint(sec, "burst");
    if (p->burst == 0) {
        p->burst = p->rate_limit;
    }
    p->body_limit = (size_t)cfg_getint(sec, "body_limit");
}

/* An id claimed by two partners would let either pass for the other. */
static void
sg_partners_check_ids(struct sg_config *c, struct sg_errors *errs)
{
    size_t a, b, i, j;

    for (a = 0; a < c->n_partners; a++) {
        for (b = a + 1; b < c->n_partners; b++) {
            for (i = 0; i < c->partners[a].n_ids; i++) {
                for (j = 0; j < c->partners[b].n_ids; j++) {
                    if (strcmp(c->partners[a].ids[i],
                               c->partners[b].ids[j]) == 0) {
                        sg_errors_addf(errs, "config", "%s: id \"%s\" is "
                                       "listed by partners \"%s\" and "
                                       "\"%s\"", c->file,
                                       c->partners[a].ids[i],
                                       c->partners[a].name,
                                       c->partners[b].name);
                    }
                }
            }
        }
    }
}

void
sg_partners_read(struct sg_config *c, void *tree, struct sg_errors *errs)
{
    cfg_t *cfg = tree, *admin = cfg_getsec(cfg, "admin");
    size_t i, n = cfg_size(cfg, "partner");

    c->partners = sg_xcalloc(n + 1, sizeof(*c->partners));
    for (i = 0; i < n; i++) {
        sg_partners_read_one(c, cfg_getnsec(cfg, "partner", (unsigned)i),
                             &c->partners[c->n_partners++], errs);
    }
    sg_partners_check_ids(c, errs);
    if (admin != NULL) {
        sg_partners_read_key(c, admin, "admin", c->admin_key_hash,
                             &c->has_admin_key, errs);
    }
    if (!sg_address_is_loopback(c->listen_address) &&
        !sg_partners_have_credentials(c)) {
        sg_errors_addf(errs, "config", "%s: http address %s is beyond "
                       "loopback but no partner has api_key_sha256 or "
                       "hmac_secret_file: anyone could post; add "
                       "credentials or listen on 127.0.0.1", c->file,
                       c->listen_address);
    }
}

void
sg_partners_free(struct sg_config *c)
{
    size_t i, j;

    for (i = 0; i < c->n_partners; i++) {
        struct sg_partner *p = &c->partners[i];

        for (j = 0; j < p->n_ids; j++) {
            free(p->ids[j]);
        }
        free(p->ids);
        for (j = 0; j < p->n_plugins; j++) {
            free(p->plugins[j]);
        }
        free(p->plugins);
        free(p->name);
        if (p->hmac_secret != NULL) {
            sg_wipe(p->hmac_secret, p->hmac_secret_len);
            free(p->hmac_secret);
        }
        sg_wipe(p->key_hash, sizeof(p->key_hash));
    }
    free(c->partners);
    c->partners = NULL;
    c->n_partners = 0;
}

/* --- lookups ----------------------------------------------------------- */

const struct sg_partner *
sg_partner_find(const struct sg_config *c, const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < c->n_partners; i++) {
        if (strcmp(c->partners[i].name, name) == 0) {
            return &c->partners[i];
        }
    }
    return NULL;
}

int
sg_partner_owns(const struct sg_partner *p, const char *sender)
{
    const char *colon = sender != NULL ? strchr(sender, ':') : NULL;
    size_t i;

    for (i = 0; sender != NULL && i < p->n_ids; i++) {
        if (strcmp(p->ids[i], sender) == 0) {
            return 1;
        }
        if (colon != NULL && strchr(p->ids[i], ':') == NULL &&
            strcmp(p->ids[i], colon + 1) == 0) {
            return 1;
        }
    }
    return 0;
}

int
sg_partners_have_credentials(const struct sg_config *c)
{
    size_t i;

    for (i = 0; i < c->n_partners; i++) {
        if (c->partners[i].has_key || c->partners[i].hmac_secret_len > 0) {
            return 1;
        }
    }
    return 0;
}

int
sg_partner_may_use(const struct sg_partner *p, const char *plugin)
{
    size_t i;

    if (p->n_plugins == 0) {
        return 1;
    }
    for (i = 0; i < p->n_plugins; i++) {
        if (strcmp(p->plugins[i], plugin) == 0) {
            return 1;
        }
    }
    return 0;
}
