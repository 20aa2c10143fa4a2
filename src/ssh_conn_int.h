/*
 * ssh_conn_int.h — private to ssh_conn.c (the SSH state machine) and
 * ssh_conn_net.c (the way to the node: resolve and connect, ProxyCommand,
 * ProxyJump tunnel): the connection's struct and what the two share.
 */
#ifndef DOPTOP_SSH_CONN_INT_H
#define DOPTOP_SSH_CONN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <libssh2.h>
#include "ssh_auth.h"
#include "ssh_config.h"
#include "ssh_conn.h"
#include "ssh_mem.h"

struct ssh_resolve;
struct ssh_proxy;
struct ssh_jumphost;
struct ssh_tunnel;
struct ssh_aux;
struct fparse;

#define CONN_MAX_ADDRS   4
#define CONN_READ_BUDGET (256 * 1024)   /* bytes per step before yielding to other nodes */
#define CONN_BACKOFF_MAX 30.0           /* seconds, the 1 s .. 30 s */
#define CONN_SLOW_RETRY  30.0           /* unresolvable host */
#define CONN_FATAL_RETRY 300.0          /* auth-failed / hostkey: re-check rarely, never in a loop */
/* s between two malloc_trim() calls after sessions were set up or freed
 * (ssh_conn_global_tidy): a link cut drops many at once, one trim will do;
 * and s between two trims at most, for bursts read by a loop that fell
 * behind (~0.1 ms each at 200 nodes) */
#define CONN_TRIM_EVERY  1.0
#define CONN_TRIM_IDLE   10.0
#define CONN_RESOLVE_MAX 30.0           /* s a name lookup may take: glibc's 5 s x 2 tries
                                         * x 3 servers, the resolv.conf maximum */
/* Frames a node may send: a burst (a backlog after a stall or a slow
 * pass) then CONN_FRAME_RATE per interval; the probe sends one per
 * interval, so only a broken or hostile node meets the cap. */
#define CONN_FRAME_BURST 16.0
#define CONN_FRAME_RATE  3.0

enum phase { PH_WAIT, PH_RESOLVE, PH_CONNECT, PH_HANDSHAKE, PH_AUTH, PH_OPEN, PH_EXEC, PH_STREAM,
             PH_READY /* a jump host, authenticated */ };

struct ssh_conn {
	char *name, *host, *user, *config_file, *identity;
	int spec_port, opt_port;
	bool accept_new, compress;
	double interval;        /* the pace the probe keeps now: the timers' */
	double want_iv;         /* the interval asked for (ssh_conn_set_interval) */
	double cmd_iv;          /* the interval cmd starts a probe at */
	double exec_iv;         /* ... and the running probe was started at */
	double probe_iv;        /* ... and keeps now (started at, or last told) */
	char iv_line[24];       /* a new interval still to be written to the probe */
	size_t iv_len, iv_off;
	ssh_frame_fn fn;
	void *arg;

	struct ssh_host_cfg cfg;
	bool have_cfg;
	int port;
	struct ssh_auth auth;
	double connect_timeout, stale_after, dead_after, keepalive_every, tcp_timeout;

	struct sockaddr_storage addr[CONN_MAX_ADDRS];
	socklen_t addrlen[CONN_MAX_ADDRS];
	int naddr, addr_i;

	int fd;                 /* the session's socket */
	int pfd;                /* what to poll now: fd, the resolver or the agent */
	struct ssh_resolve *rs;
	struct ssh_proxy *proxy;        /* ProxyCommand of this attempt */
	struct ssh_jumphost *jump;      /* ProxyJump: the hop that opens our channel */
	struct ssh_tunnel *tun;         /* ... and the channel of this attempt */
	/* role jump: a hop of someone's ProxyJump (stops after auth) */
	bool is_jump;
	struct ssh_jump via[SSHCFG_MAX_JUMPS];   /* chain that reaches it (has_via) */
	int nvia, depth;
	bool has_via;
	void (*jump_hook)(void *);
	void *jump_hook_arg;
	LIBSSH2_SESSION *sess;
	struct ssh_mem mem;     /* what sess holds; its abstract is &mem */
	LIBSSH2_CHANNEL *ch;
	struct fparse *fp;
	char *cmd;
	struct ssh_aux *aux;

	enum phase phase;
	short want;
	bool again;             /* budget used up: step again without waiting */
	double now, deadline, retry_at, backoff;
	double last_frame, next_keepalive;
	double last_rx;         /* monotonic time bytes last came from the server */
	bool got_frame, ever_up, fallback;
	unsigned reconnects;
	uint64_t rng;
	double tokens, tokens_at;   /* frame cap (token bucket) */
	bool throttled;
	double throttle_until;
	unsigned long dropped;      /* frames over the cap, not passed on */

	enum conn_state state;
	double since;
	char why[2400];         /* room for a 255-byte host twice (ssh-keygen -R fix) */
};

/* Give up on this attempt: enter st with why and retry after delay. */
void conn_fail(struct ssh_conn *c, enum conn_state st, const char *why, double delay);
/* Lost or refused: st (down...), retry with exponential backoff. */
void conn_fail_down(struct ssh_conn *c, enum conn_state st, const char *why);
/* This process ran short (err: errno): local-error with the numbers. */
void conn_fail_local(struct ssh_conn *c, const char *what, int err);
/* True for errno values that mean this process ran short, not the node. */
bool conn_local_errno(int e);
/* A socket to the node's sshd is in c->fd: start the SSH session. */
void conn_connected(struct ssh_conn *c);
/* Read the ssh config once and derive the timers; 0, or -1 (failed). */
int conn_load_config(struct ssh_conn *c);

/* ssh_conn_net.c: begin an attempt (config, then a socket by the way the
 * config says), and the phases before the SSH handshake. */
void conn_begin(struct ssh_conn *c);
void conn_step_resolve(struct ssh_conn *c);
void conn_step_connect(struct ssh_conn *c, short revents);

#endif
