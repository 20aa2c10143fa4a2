/*
 * ssh_conn.h — one node's SSH connection: a non-blocking libssh2 state
 * machine stepped from the main poll() loop.
 *
 * States (node_state.h): connecting (resolve, TCP connect, handshake,
 * host key check, auth, exec) -> up (frames streaming) -> stale (no frame
 * for ~3 intervals) / down (lost or refused; reconnect with exponential
 * backoff 1 s .. 30 s plus jitter) / auth-failed / hostkey-mismatch /
 * unreachable.  The loop never blocks on a connection: every call here
 * returns at once.
 */
#ifndef DOPTOP_SSH_CONN_H
#define DOPTOP_SSH_CONN_H

#include <stdbool.h>
#include "node_state.h"
#include "nodespec.h"
#include "parse.h"

/* Options shared by every connection (from the command line). */
struct ssh_opts {
	const char *config_file;   /* -F FILE; NULL = ~/.ssh/config (+ /etc/ssh/ssh_config) */
	const char *user;          /* -l USER overrides config; NULL = none */
	int         port;          /* -p PORT overrides config; 0 = none */
	const char *identity;      /* -i FILE, tried first; NULL = none */
	bool        accept_new;    /* --accept-new: append unknown host keys */
	bool        compress;      /* -C: zlib on every session, as a node's
	                            * "Compression yes" in the config does */
	double      interval;      /* probe interval, seconds */
};

struct ssh_conn;

/* Called with every complete frame from the node (borrowed until return). */
typedef void (*ssh_frame_fn)(void *arg, const struct sample *s,
                             const char *raw, size_t rawlen);

/* Global init/exit of libssh2 (once per process). 0 or negative.  Init
 * also raises the soft RLIMIT_NOFILE to the hard limit. */
int ssh_conn_global_init(void);
void ssh_conn_global_exit(void);
/* Once per loop pass: when sessions were set up or freed (at most once a
 * second), and every 10 s anyway, hand the memory freed meanwhile back to
 * the system (ssh_conn.c says why). */
void ssh_conn_global_tidy(double now);
/* After init: 0 when n connections fit in the descriptor limit; else -1
 * with one line giving the numbers in why (to say once, at start). */
int ssh_conn_fit(size_t n, char *why, size_t cap);

/* New connection for a node; starts connecting on the first step.  The
 * spec and opts are copied.  Caller frees with ssh_conn_free(). */
struct ssh_conn *ssh_conn_new(const struct node_spec *spec, const struct ssh_opts *o,
                              ssh_frame_fn fn, void *arg);
/* Close the channel (which ends the remote loop) and the session, free. */
void ssh_conn_free(struct ssh_conn *c);

/* The descriptor to poll and the events wanted; -1 when there is none now. */
int ssh_conn_pollfd(const struct ssh_conn *c, short *events);
/* Monotonic time (seconds) by which ssh_conn_step() must run again even
 * without I/O (timeouts, keepalive, reconnect backoff). */
double ssh_conn_deadline(const struct ssh_conn *c);
/* Drive the state machine: now is the monotonic clock, revents what poll()
 * reported for this connection's fd (0 on a timer wake-up). */
void ssh_conn_step(struct ssh_conn *c, double now, short revents);

enum conn_state ssh_conn_state(const struct ssh_conn *c);
/* One line saying what is wrong / what to fix, "" when up.  Borrowed. */
const char *ssh_conn_why(const struct ssh_conn *c);
/* Monotonic time the current state began. */
double ssh_conn_since(const struct ssh_conn *c);
/* Successful reconnects after the first connect. */
unsigned ssh_conn_reconnects(const struct ssh_conn *c);
/* When the next connection attempt starts (monotonic), or 0 when the
 * connection is not waiting to retry (the screen's countdown). */
double ssh_conn_retry_at(const struct ssh_conn *c);
/* Retry now (the screen's R key): a connection waiting to retry starts its
 * next attempt at the next step, with the backoff reset.  0, or -1 when it
 * is not waiting. */
int ssh_conn_retry_now(struct ssh_conn *c);
/* A new probe interval (seconds): a running bash probe takes it at once
 * over its stdin (no reconnect, no fork; probe.h), and the stale / down
 * timers follow; any later start of the probe uses it.  0; 1 when the
 * running probe is the sh fallback, which keeps its interval until it
 * is started again; -1 for a jump host or a bad value. */
int ssh_conn_set_interval(struct ssh_conn *c, double iv);
/* True when the node runs the POSIX sh fallback (no bash). */
bool ssh_conn_fallback_sh(const struct ssh_conn *c);

/* Jump hosts (ProxyJump) are shared by the nodes behind them and stepped
 * apart from any one node.  The loop polls ssh_conn_jumps_pollfd() for
 * POLLIN (-1: there is no jump host now) and calls ssh_conn_jumps_step()
 * when it is readable or ssh_conn_jumps_deadline() has passed, before
 * stepping the connections. */
int ssh_conn_jumps_pollfd(void);
double ssh_conn_jumps_deadline(void);
void ssh_conn_jumps_step(double now);

/* Run an extra command on the node's existing session (progress counting,
 * top processes).  Its whole stdout (capped at cap bytes) is handed to fn
 * when it exits; a command still running after 120 s (SSH_AUX_TIMEOUT)
 * has its channel closed and fn gets status -1.  Returns 0, or negative
 * if the node is not up. */
typedef void (*ssh_aux_fn)(void *arg, int status, const char *out, size_t len);
int ssh_conn_aux_exec(struct ssh_conn *c, const char *cmd, size_t cap,
                      ssh_aux_fn fn, void *arg);
/* The same with its own timeout (seconds) instead of SSH_AUX_TIMEOUT. */
int ssh_conn_aux_exec_timeout(struct ssh_conn *c, const char *cmd, size_t cap,
                              double timeout, ssh_aux_fn fn, void *arg);

#endif
