/*
 * ssh_jump.h — private to ssh_conn.c: ProxyJump.
 *
 * A jump host is an ssh_conn of its own (role "jump": it stops after
 * authentication), shared by every node behind it: one session per
 * distinct hop (user, host, port and the chain that reaches it).  A node
 * behind it gets a tunnel: a direct-tcpip channel on the jump session to
 * the node's HostName:Port, pumped to one end of a socketpair whose other
 * end is the node's socket, so the node's own libssh2 session, host key
 * check and authentication run unchanged.  Chains (ProxyJump a,b) reach b
 * through a tunnel over a, as ssh -J does.
 *
 * The jump sessions and pumps live in one hub that the loop polls through
 * a single epoll descriptor (ssh_conn_jumps_*() in ssh_conn.h).  Nothing
 * blocks: at most one channel open is in flight per jump session (libssh2
 * keeps its open state per session), each pump moves at most
 * JUMP_PUMP_BUDGET bytes per direction per pass, and each tunnel buffers
 * at most two JUMP_BUF bytes here (the channel window bounds the rest).
 *
 * A failure of the jump host (unreachable, host key, auth, lost) becomes
 * the state of every node behind it, with a reason naming the jump host;
 * a channel the jump host cannot open is "down" for that node only.
 */
#ifndef DOPTOP_SSH_JUMP_H
#define DOPTOP_SSH_JUMP_H

#include <libssh2.h>
#include "node_state.h"
#include "ssh_config.h"
#include "ssh_conn.h"

#define JUMP_BUF         16384        /* bytes buffered per tunnel and direction */
#define JUMP_PUMP_BUDGET (64 * 1024)  /* bytes per tunnel and direction per pass */

struct ssh_jumphost;
struct ssh_tunnel;

/* The shared jump host for hop, reached through via[0 .. nvia) (nvia 0:
 * the hop's own ssh_config decides how).  depth counts the hops below the
 * node (a loop in ssh_config ends at SSHCFG_MAX_JUMPS).  A reference the
 * caller drops with ssh_jump_put(); NULL with *why (static) when the
 * chain is too deep, or errno ENOMEM. */
struct ssh_jumphost *ssh_jump_get(const struct ssh_jump *hop, const struct ssh_jump *via,
                                  int nvia, const struct ssh_opts *o, int depth,
                                  const char **why);
void ssh_jump_put(struct ssh_jumphost *j);
/* The hop's name as written (for messages). */
const char *ssh_jump_name(const struct ssh_jumphost *j);

/* Ask j for a channel to host:port; *fd gets the node's end of the
 * socketpair (non-blocking; the caller closes it).  NULL with errno on a
 * local shortage. */
struct ssh_tunnel *ssh_jump_tunnel_open(struct ssh_jumphost *j, const char *host, int port,
                                        int *fd);
/* 0 while the tunnel is open; 1 while it waits (for the jump host or the
 * channel), -1 when it failed: then *st and *why (borrowed) say how,
 * naming the jump host.  For 1, *why says what it waits for. */
int ssh_jump_tunnel_status(const struct ssh_tunnel *t, enum conn_state *st, const char **why);
/* Close the channel and free the tunnel; NULL is a no-op. */
void ssh_jump_tunnel_close(struct ssh_tunnel *t);

/* Implemented in ssh_conn.c for the hub: */
/* A connection in the jump role (stops after authentication). */
struct ssh_conn *ssh_conn_new_jump(const struct node_spec *spec, const struct ssh_opts *o,
                                   const struct ssh_jump *via, int nvia, int depth);
/* The authenticated session of a jump connection, NULL when not ready. */
LIBSSH2_SESSION *ssh_conn_jump_session(const struct ssh_conn *c);
/* Call fn(arg) before the jump connection's session is freed. */
void ssh_conn_jump_hook(struct ssh_conn *c, void (*fn)(void *), void *arg);
/* The pump found the jump session broken: down with why, reconnect. */
void ssh_conn_jump_lost(struct ssh_conn *c, const char *why);

#endif
