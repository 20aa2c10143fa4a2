/*
 * ssh_proxy.h — private to ssh_conn.c: a ProxyCommand, run as ssh runs it
 * ($SHELL -c "exec CMD", /bin/sh without $SHELL), one process per
 * connection, talking SSH on one end of a socketpair; the other end is the
 * connection's socket.  Its stderr is kept (the last SSH_PROXY_ERR_KEEP
 * bytes) to tell the user why it failed.  It runs in its own session (no
 * controlling terminal: it cannot prompt over the screen) and is killed
 * with its whole process group when the connection ends; children are
 * always reaped (a child that outlives SIGTERM is killed and reaped on a
 * later call, never left a zombie).
 */
#ifndef DOPTOP_SSH_PROXY_H
#define DOPTOP_SSH_PROXY_H

#include <stddef.h>

#define SSH_PROXY_ERR_KEEP 512      /* bytes of stderr kept for the reason */
#define SSH_PROXY_KILL_AFTER 2.0    /* s from SIGTERM to SIGKILL */

struct ssh_proxy;

/* Start cmd (tokens already expanded).  *fd receives our end of the
 * socketpair (non-blocking, close-on-exec; owned by the caller from then
 * on).  NULL with errno set on a local failure (no descriptor, no process). */
struct ssh_proxy *ssh_proxy_start(const char *cmd, int *fd);
/* Read what the command wrote to stderr so far, without blocking. */
void ssh_proxy_drain(struct ssh_proxy *p);
/* One line on the command: its exit status when it has exited and the
 * tail of its stderr ("" when it is running and said nothing). */
const char *ssh_proxy_why(struct ssh_proxy *p, char *buf, size_t cap);
/* Kill the command's process group and free; reaping happens here or on
 * a later ssh_proxy_reap().  NULL is a no-op. */
void ssh_proxy_stop(struct ssh_proxy *p);
/* Reap stopped commands that have exited (SIGKILL after
 * SSH_PROXY_KILL_AFTER); with wait, kill and reap them all now (exit). */
void ssh_proxy_reap(double now, int wait);
/* Put the open-files limit doptop started with back (in children). */
void ssh_proxy_set_nofile(unsigned long long soft);

#endif
