/*
 * admin.h - the operator's endpoints, behind the admin credential
 * (auth.h decides who gets here):
 *
 *   GET  /v1/admin/dead-letters                the oldest 100 dead
 *                                              letters, without their XML
 *   POST /v1/admin/dead-letters/<entry>/replay put one back on its stream
 *   POST /v1/admin/reload                      what SIGHUP does
 */
#ifndef SG_ADMIN_H
#define SG_ADMIN_H

#include "api.h"

struct sg_admin;

/* Dead letters are read from the Redis at redis_address. */
struct sg_admin *sg_admin_create(const char *redis_address);
void sg_admin_free(struct sg_admin *ad);

/* 1 when path (GET or POST) is one of the routes above. */
int sg_admin_handles(int is_post, const char *path);

/* Answer a route sg_admin_handles() accepted. */
void sg_admin_answer(struct sg_admin *ad, int is_post, const char *path,
                     struct sg_answer *out);

#endif /* SG_ADMIN_H */
