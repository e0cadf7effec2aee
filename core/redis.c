/*
 * redis.c - connect to Redis, or start and stop an embedded redis-server.
 *
 * The embedded server listens only on a unix socket inside the state
 * directory (mode 0700), never on TCP, so nothing else on the machine can
 * reach the queue.  It runs with AOF and the configured appendfsync
 * policy: "always" is what makes a 202 mean "on disk".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "redis.h"

static void
sg_redis_timeout(int ms, struct timeval *tv)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}

redisContext *
sg_redis_connect(const char *address, int timeout_ms, char *err,
                 size_t errlen)
{
    struct timeval tv;
    redisContext *c;
    const char *colon;
    char host[256];
    long port;

    sg_redis_timeout(timeout_ms, &tv);
    if (strncmp(address, "unix:", 5) == 0) {
        c = redisConnectUnixWithTimeout(address + 5, tv);
    } else {
        colon = strrchr(address, ':');
        if (colon == NULL || (size_t)(colon - address) >= sizeof(host)) {
            snprintf(err, errlen, "bad Redis address \"%s\": want "
                     "host:port or unix:/path", address);
            return NULL;
        }
        port = strtol(colon + 1, NULL, 10);
        if (port <= 0 || port > 65535) {
            snprintf(err, errlen, "bad port in Redis address \"%s\"",
                     address);
            return NULL;
        }
        memcpy(host, address, (size_t)(colon - address));
        host[colon - address] = '\0';
        c = redisConnectWithTimeout(host, (int)port, tv);
    }
    if (c == NULL) {
        snprintf(err, errlen, "cannot allocate a Redis context");
        return NULL;
    }
    if (c->err) {
        snprintf(err, errlen, "Redis at %s: %s", address, c->errstr);
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

static int
sg_redis_ping(const char *address)
{
    char err[256];
    redisContext *c = sg_redis_connect(address, 500, err, sizeof(err));
    redisReply *r;
    int ok = 0;

    if (c == NULL) {
        return 0;
    }
    r = redisCommand(c, "PING");
    if (r != NULL && r->type == REDIS_REPLY_STATUS) {
        ok = 1;
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    redisFree(c);
    return ok;
}

static void
sg_redis_exec_child(const char *server, const char *dir, const char *sock,
                    const char *fsync, pid_t parent)
{
    char logfile[4200];
    sigset_t none;

    /* If the daemon dies without stopping us (SIGKILL, a crash), Redis
     * is told to stop too: left running, it would keep the state
     * directory's AOF open beside the next daemon's own redis-server.
     * Its SIGTERM shutdown writes the AOF out first. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
        _exit(127);
    }
    /* The daemon blocks its signals to wait for them in one thread; the
     * child must not inherit that, or it would ignore our SIGTERM. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    snprintf(logfile, sizeof(logfile), "%s/redis.log", dir);
    /* A new process group: a ^C at the terminal reaches the daemon,
     * which then stops Redis in order after draining. */
    setpgid(0, 0);
    execlp(server, server,
           "--port", "0",
           "--unixsocket", sock,
           "--unixsocketperm", "700",
           "--dir", dir,
           "--appendonly", "yes",
           "--appendfsync", fsync,
           "--save", "",
           "--logfile", logfile,
           "--daemonize", "no",
           (char *)NULL);
    fprintf(stderr, "supplygate: cannot run %s: %s\n", server,
            strerror(errno));
    _exit(127);
}

int
sg_redis_child_start(struct sg_redis_child *child, const char *server,
                     const char *dir, const char *appendfsync, char *err,
                     size_t errlen)
{
    char sock[sizeof(child->address) - 8];
    pid_t parent;
    int i, status;

    memset(child, 0, sizeof(*child));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create state directory %s: %s", dir,
                 strerror(errno));
        return -1;
    }
    if (snprintf(sock, sizeof(sock), "%s/redis.sock", dir) >= 108) {
        snprintf(err, errlen, "state directory %s is too long for a unix "
                 "socket path (108 bytes); choose a shorter state_dir",
                 dir);
        return -1;
    }
    snprintf(child->dir, sizeof(child->dir), "%s", dir);
    snprintf(child->address, sizeof(child->address), "unix:%s", sock);
    /* Two redis-servers on one AOF would corrupt it: never start ours
     * beside one that still answers on this state directory's socket. */
    if (sg_redis_ping(child->address)) {
        snprintf(err, errlen, "a redis-server already answers on %s: "
                 "another supplygated uses state_dir %s, or one was "
                 "killed and left its Redis running; stop that one "
                 "(redis-cli -s %s shutdown) and start again", sock, dir,
                 sock);
        child->address[0] = '\0';
        return -1;
    }
    unlink(sock);

    parent = getpid();
    child->pid = fork();
    if (child->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (child->pid == 0) {
        sg_redis_exec_child(server, dir, sock, appendfsync, parent);
    }

    /* Wait up to ten seconds: loading a large AOF takes a while. */
    for (i = 0; i < 200; i++) {
        if (sg_redis_ping(child->address)) {
            return 0;
        }
        if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
            snprintf(err, errlen, "%s exited at start (status %d); see "
                     "%s/redis.log", server, WEXITSTATUS(status), dir);
            child->pid = 0;
            return -1;
        }
        usleep(50 * 1000);
    }
    snprintf(err, errlen, "%s did not answer within 10 s; see %s/redis.log",
             server, dir);
    sg_redis_child_stop(child);
    return -1;
}

void
sg_redis_child_stop(struct sg_redis_child *child)
{
    int status, i;

    if (child->pid <= 0) {
        return;
    }
    kill(child->pid, SIGTERM);
    for (i = 0; i < 100; i++) {
        if (waitpid(child->pid, &status, WNOHANG) == child->pid) {
            child->pid = 0;
            return;
        }
        usleep(50 * 1000);
    }
    kill(child->pid, SIGKILL);
    waitpid(child->pid, &status, 0);
    child->pid = 0;
}
