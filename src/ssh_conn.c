/*
 * ssh_conn.c — one node's SSH connection as a non-blocking state machine.
 *
 * Phases: wait (backoff) -> resolve -> TCP connect -> handshake -> host key
 * check -> auth (ssh_auth.c) -> open channel -> exec the probe -> stream.
 * Every libssh2 call runs in non-blocking mode; LIBSSH2_ERROR_EAGAIN ends
 * the step and ssh_conn_pollfd() reports what libssh2 waits for.
 *
 * Two calls may block, both bounded and documented: getaddrinfo() (once per
 * attempt at most, and only when the cached addresses failed; bounded by the
 * resolver's timeout in /etc/resolv.conf) and the ssh-agent requests (a
 * local Unix socket; see ssh_auth.h).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libssh2.h>
#include "clock.h"
#include "ssh_conn.h"
#include "ssh_auth.h"
#include "ssh_aux.h"
#include "ssh_config.h"
#include "ssh_hostkey.h"
#include "probe.h"

#define CONN_MAX_ADDRS   4
#define CONN_READ_BUDGET (256 * 1024)   /* bytes per step before yielding to other nodes */
#define CONN_BACKOFF_MAX 30.0           /* seconds, the 1 s .. 30 s */
#define CONN_SLOW_RETRY  30.0           /* unresolvable host */
#define CONN_FATAL_RETRY 300.0          /* auth-failed / hostkey: re-check rarely, never in a loop */

enum phase { PH_WAIT, PH_CONNECT, PH_HANDSHAKE, PH_AUTH, PH_OPEN, PH_EXEC, PH_STREAM };

struct ssh_conn {
	char *name, *host, *user, *config_file, *identity;
	int spec_port, opt_port;
	bool accept_new;
	double interval;
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

	int fd;
	LIBSSH2_SESSION *sess;
	LIBSSH2_CHANNEL *ch;
	struct fparse *fp;
	char *cmd;
	struct ssh_aux *aux;

	enum phase phase;
	short want;
	bool again;             /* budget used up: step again without waiting */
	double now, deadline, retry_at, backoff;
	double last_frame, next_keepalive;
	bool got_frame, ever_up, fallback;
	unsigned reconnects;
	uint64_t rng;

	enum conn_state state;
	double since;
	char why[1024];
};

/* A number in [0, 1) from the connection's own xorshift generator. */
static double conn_rand(struct ssh_conn *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (double)(c->rng >> 11) / 9007199254740992.0;
}

/* Larger of two doubles. */
static double conn_max(double a, double b)
{
	return a > b ? a : b;
}

/* Enter a public state (since only changes when the state does). */
static void conn_set_state(struct ssh_conn *c, enum conn_state st, const char *why)
{
	if (st != c->state) {
		c->state = st;
		c->since = c->now;
	}
	snprintf(c->why, sizeof c->why, "%s", why ? why : "");
}

/* Wait up to ms for the socket to be ready in libssh2's direction. */
static void conn_wait_io(struct ssh_conn *c, int ms)
{
	int dir = libssh2_session_block_directions(c->sess);
	struct pollfd p = { .fd = c->fd, .events = 0 };
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (p.events)
		poll(&p, 1, ms);
}

/* Tell the remote probe to stop (EOF on its stdin) and say goodbye; a few
 * short tries only, so a frozen node cannot hold us. */
static void conn_polite_close(struct ssh_conn *c)
{
	for (int i = 0; c->ch && i < 3; i++) {
		if (libssh2_channel_send_eof(c->ch) != LIBSSH2_ERROR_EAGAIN)
			break;
		conn_wait_io(c, 20);
	}
	for (int i = 0; i < 3; i++) {
		if (libssh2_session_disconnect(c->sess, "doptop closing") != LIBSSH2_ERROR_EAGAIN)
			break;
		conn_wait_io(c, 20);
	}
}

/* Drop the connection: channel, session and socket. */
static void conn_teardown(struct ssh_conn *c, bool polite)
{
	ssh_aux_cancel(&c->aux);
	if (c->sess && c->fd >= 0 && polite)
		conn_polite_close(c);
	/* After shutdown() every libssh2 write fails at once instead of
	 * returning EAGAIN, so the frees below cannot stall or leak. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	ssh_auth_restart(&c->auth);
	if (c->ch) {
		for (int i = 0; i < 4 && libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->ch = NULL;
	}
	if (c->sess) {
		for (int i = 0; i < 4 && libssh2_session_free(c->sess) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->sess = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->want = 0;
	c->again = false;
}

/* Give up on this attempt: enter st with why and retry after delay. */
static void conn_fail(struct ssh_conn *c, enum conn_state st, const char *why, double delay)
{
	char keep[sizeof c->why];
	/* why may point into state that the teardown clears */
	snprintf(keep, sizeof keep, "%s", why ? why : "");
	conn_teardown(c, st != CS_DOWN);
	conn_set_state(c, st, keep);
	c->phase = PH_WAIT;
	c->retry_at = c->now + delay;
}

/* Lost or refused: down, retry with exponential backoff and +-20% jitter. */
static void conn_fail_down(struct ssh_conn *c, enum conn_state st, const char *why)
{
	double d = c->backoff * (0.8 + 0.4 * conn_rand(c));
	c->backoff = c->backoff * 2 > CONN_BACKOFF_MAX ? CONN_BACKOFF_MAX : c->backoff * 2;
	conn_fail(c, st, why, d);
}

/* Down with libssh2's last error message after what. */
static void conn_fail_ssh(struct ssh_conn *c, const char *what)
{
	char *msg = NULL, why[400];
	libssh2_session_last_error(c->sess, &msg, NULL, 0);
	snprintf(why, sizeof why, "%s: %s", what, msg && *msg ? msg : "connection lost");
	conn_fail_down(c, CS_DOWN, why);
}

/* Poll events from the direction libssh2 is blocked in. */
static void conn_want_ssh(struct ssh_conn *c)
{
	int dir = libssh2_session_block_directions(c->sess);
	c->want = POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		c->want |= POLLOUT;
}

/* Read the ssh config once (again after a failure) and derive the timers. */
static int conn_load_config(struct ssh_conn *c)
{
	const char *why = NULL;
	char msg[400];
	if (c->have_cfg)
		return 0;
	if (ssh_config_resolve(c->host, c->config_file, NULL, &c->cfg, &why) < 0) {
		ssh_config_free(&c->cfg);
		snprintf(msg, sizeof msg, "ssh config: %s", why ? why : "cannot be read");
		conn_fail(c, CS_UNREACHABLE, msg, CONN_SLOW_RETRY);
		return -1;
	}
	const char *user = c->user ? c->user : c->cfg.user;
	if (ssh_auth_init(&c->auth, user, c->identity, &c->cfg) < 0) {
		ssh_config_free(&c->cfg);
		conn_fail(c, CS_DOWN, "out of memory", CONN_SLOW_RETRY);
		return -1;
	}
	c->have_cfg = true;
	c->port = c->spec_port ? c->spec_port : c->opt_port ? c->opt_port
	        : c->cfg.port > 0 ? c->cfg.port : 22;
	c->connect_timeout = c->cfg.connect_timeout > 0 ? c->cfg.connect_timeout : 10;
	c->stale_after = node_stale_after(c->interval);
	int count = c->cfg.alive_count_max > 0 ? c->cfg.alive_count_max : 3;
	c->dead_after = c->cfg.alive_interval > 0
	        ? c->stale_after + (double)c->cfg.alive_interval * count
	        : node_dead_after(c->interval);
	c->keepalive_every = c->cfg.alive_interval > 0 ? c->cfg.alive_interval
	                   : conn_max(5, 2 * c->interval);
	c->tcp_timeout = conn_max(5, 3 * c->interval);
	return 0;
}

/* Resolve the host name into the address cache. */
static int conn_resolve(struct ssh_conn *c)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV }, *res = NULL;
	char port[16], why[400];
	snprintf(port, sizeof port, "%d", c->port);
	int rc = getaddrinfo(c->cfg.hostname, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, sizeof why, "cannot resolve %s: %s", c->cfg.hostname, gai_strerror(rc));
		conn_fail(c, CS_UNREACHABLE, why, CONN_SLOW_RETRY);
		return -1;
	}
	c->naddr = 0;
	for (struct addrinfo *ai = res; ai && c->naddr < CONN_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof c->addr[0])
			continue;
		memcpy(&c->addr[c->naddr], ai->ai_addr, ai->ai_addrlen);
		c->addrlen[c->naddr++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return c->naddr > 0 ? 0 : -1;
}

/* Connected: socket options, a non-blocking session, host key preference. */
static void conn_connected(struct ssh_conn *c)
{
	/* TCP_USER_TIMEOUT: unacknowledged data (keepalives) on a cut link
	 * fails the socket after this long instead of the kernel's ~15 min. */
	unsigned ms = (unsigned)(c->tcp_timeout * 1000);
	int on = 1, idle = (int)c->keepalive_every, intvl = 5, cnt = 3;
	setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
	setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	c->sess = libssh2_session_init();
	if (!c->sess) {
		conn_fail_down(c, CS_DOWN, "out of memory");
		return;
	}
	libssh2_session_set_blocking(c->sess, 0);
	/* zlib on the wire when the server offers it (OpenSSH does, after
	 * auth): consecutive frames share most of their text, so one deflate
	 * stream over the session carries several times fewer bytes
	 * (bench/fleet.sh: wire B/ns). */
	libssh2_session_flag(c->sess, LIBSSH2_FLAG_COMPRESS, 1);
	ssh_hostkey_prefer(c->sess, &c->cfg, c->port);
	c->phase = PH_HANDSHAKE;
	/* ConnectTimeout again for the SSH part, plus time for a first frame. */
	c->deadline = c->now + c->connect_timeout + conn_max(3 * c->interval, 3);
}

/* Open a non-blocking socket to the current address and start connecting. */
static void conn_start_connect(struct ssh_conn *c)
{
	char why[400];
	for (; c->addr_i < c->naddr; c->addr_i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&c->addr[c->addr_i];
		c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, sa, c->addrlen[c->addr_i]) == 0) {
			conn_connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->phase = PH_CONNECT;
			c->want = POLLOUT;
			c->deadline = c->now + c->connect_timeout;
			return;
		}
		int err = errno;
		close(c->fd);
		c->fd = -1;
		if (c->addr_i + 1 >= c->naddr) {
			snprintf(why, sizeof why, "connect to %s port %d: %s",
			         c->cfg.hostname, c->port, strerror(err));
			c->naddr = 0;   /* resolve again next time: the address may have changed */
			conn_fail_down(c, err == ENETUNREACH || err == EHOSTUNREACH
			               ? CS_UNREACHABLE : CS_DOWN, why);
			return;
		}
	}
	c->naddr = 0;
	conn_fail_down(c, CS_DOWN, "no usable address");
}

/* Begin an attempt: config, address, socket. */
static void conn_begin(struct ssh_conn *c)
{
	if (conn_load_config(c) < 0)
		return;
	if (c->naddr == 0 && conn_resolve(c) < 0)
		return;
	c->addr_i = 0;
	conn_start_connect(c);
}

/* The TCP connect finished or failed. */
static void conn_step_connect(struct ssh_conn *c, short revents)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0) {
		conn_connected(c);
		return;
	}
	close(c->fd);
	c->fd = -1;
	errno = err;
	if (c->addr_i + 1 < c->naddr) {
		c->addr_i++;
		conn_start_connect(c);
		return;
	}
	char why[400];
	snprintf(why, sizeof why, "connect to %s port %d: %s", c->cfg.hostname, c->port, strerror(err));
	c->naddr = 0;
	conn_fail_down(c, err == ENETUNREACH || err == EHOSTUNREACH ? CS_UNREACHABLE : CS_DOWN, why);
}

/* Verify the host key with OpenSSH's rules (ssh_hostkey.c); 0 when trusted. */
static int conn_check_hostkey(struct ssh_conn *c)
{
	char why[1024];
	switch (ssh_hostkey_verify(c->sess, &c->cfg, c->port, c->accept_new, why, sizeof why)) {
	case HK_TRUSTED:
		return 0;
	case HK_REFUSED:
		conn_fail(c, CS_HOSTKEY_MISMATCH, why, CONN_FATAL_RETRY);
		return -1;
	case HK_NO_KEY:
		break;
	}
	conn_fail_down(c, CS_DOWN, why);
	return -1;
}

/* Handshake; then the host key check. */
static void conn_step_handshake(struct ssh_conn *c)
{
	int rc = libssh2_session_handshake(c->sess, c->fd);
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		conn_want_ssh(c);
		return;
	}
	if (rc != 0) {
		conn_fail_ssh(c, "ssh handshake failed");
		return;
	}
	if (conn_check_hostkey(c) == 0)
		c->phase = PH_AUTH;
}

/* Public key authentication (ssh_auth.c). */
static void conn_step_auth(struct ssh_conn *c)
{
	const char *why = NULL;
	int rc = ssh_auth_step(&c->auth, c->sess, &why);
	if (rc == SSH_AUTH_AGAIN) {
		conn_want_ssh(c);
		c->again = libssh2_session_block_directions(c->sess) == 0;
	} else if (rc == SSH_AUTH_DONE) {
		c->phase = PH_OPEN;
	} else if (rc == SSH_AUTH_EFAILED) {
		conn_fail(c, CS_AUTH_FAILED, why, CONN_FATAL_RETRY);
	} else {
		conn_fail_down(c, CS_DOWN, why);
	}
}

/* Open the session channel for the probe. */
static void conn_step_open(struct ssh_conn *c)
{
	c->ch = libssh2_channel_open_session(c->sess);
	if (c->ch) {
		c->phase = PH_EXEC;
	} else if (libssh2_session_last_errno(c->sess) == LIBSSH2_ERROR_EAGAIN) {
		conn_want_ssh(c);
	} else {
		conn_fail_ssh(c, "cannot open a channel");
	}
}

/* Start the probe loop on the node. */
static void conn_step_exec(struct ssh_conn *c)
{
	int rc = libssh2_channel_exec(c->ch, c->cmd);
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		conn_want_ssh(c);
		return;
	}
	if (rc != 0) {
		conn_fail_ssh(c, "cannot start the probe");
		return;
	}
	fparse_reset(c->fp);
	c->got_frame = false;
	c->phase = PH_STREAM;
	libssh2_keepalive_config(c->sess, 1, (unsigned)c->keepalive_every);
	c->next_keepalive = c->now + c->keepalive_every;
}

/* Parser callback: a complete frame arrived. */
static void conn_on_frame(void *arg, const struct sample *s, const char *raw, size_t rawlen)
{
	struct ssh_conn *c = arg;
	c->last_frame = c->now;
	if (!c->got_frame) {
		c->got_frame = true;
		if (c->ever_up)
			c->reconnects++;
		c->ever_up = true;
		c->backoff = 1;
	}
	if (c->state != CS_UP)
		conn_set_state(c, CS_UP, "");
	const char *flags = fparse_flags(c->fp);
	c->fallback = flags && strcmp(flags, "sh") == 0;
	if (c->fn)
		c->fn(c->arg, s, raw, rawlen);
}

/* Read stdout of the probe into the parser and discard its stderr;
 * 0, or -1 when the connection was dropped. */
static int conn_read_probe(struct ssh_conn *c)
{
	char buf[16384], why[300];
	size_t total = 0;
	ssize_t n;
	while ((n = libssh2_channel_read(c->ch, buf, sizeof buf)) > 0) {
		int rc = fparse_feed(c->fp, buf, (size_t)n, conn_on_frame, c);
		if (rc < 0) {
			snprintf(why, sizeof why, "protocol error: %s", parse_strerror(rc));
			conn_fail_down(c, CS_DOWN, why);
			return -1;
		}
		total += (size_t)n;
		if (total >= CONN_READ_BUDGET) {
			c->again = true;
			break;
		}
	}
	if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
		conn_fail_ssh(c, "connection lost");
		return -1;
	}
	/* stderr (rc files, errors) is read and dropped, within the same budget. */
	while (total < CONN_READ_BUDGET &&
	       (n = libssh2_channel_read_stderr(c->ch, buf, sizeof buf)) > 0)
		total += (size_t)n;
	if (total >= CONN_READ_BUDGET)
		c->again = true;
	if (libssh2_channel_eof(c->ch) && !c->again) {
		snprintf(why, sizeof why, "the probe exited%s (status %d)",
		         c->got_frame ? "" : " before its first frame",
		         libssh2_channel_get_exit_status(c->ch));
		conn_fail_down(c, CS_DOWN, why);
		return -1;
	}
	return 0;
}

/* Streaming: data, keepalives, stale and dead timers. */
static void conn_step_stream(struct ssh_conn *c)
{
	char why[200];
	c->again = false;
	if (conn_read_probe(c) < 0)
		return;
	/* aux channels may pull probe data off the socket into libssh2's
	 * queue, where poll() cannot see it: read the probe once more. */
	if (ssh_aux_run(&c->aux, c->sess) && conn_read_probe(c) < 0)
		return;
	if (c->now >= c->next_keepalive) {
		int next = 0;
		int rc = libssh2_keepalive_send(c->sess, &next);
		if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
			conn_fail_ssh(c, "keepalive failed");
			return;
		}
		c->next_keepalive = c->now + (next > 0 ? next : 1);
	}
	if (!c->got_frame) {
		if (c->now >= c->deadline) {
			snprintf(why, sizeof why, "no frame from the probe within %.0f s",
			         c->connect_timeout + conn_max(3 * c->interval, 3));
			conn_fail_down(c, CS_DOWN, why);
			return;
		}
	} else if (c->now - c->last_frame >= c->dead_after) {
		snprintf(why, sizeof why, "no data for %.0f s (node frozen or link cut)",
		         c->now - c->last_frame);
		conn_fail_down(c, CS_DOWN, why);
		return;
	} else if (c->now - c->last_frame >= c->stale_after && c->state == CS_UP) {
		snprintf(why, sizeof why, "no frame for %.0f s", c->now - c->last_frame);
		conn_set_state(c, CS_STALE, why);
	}
	conn_want_ssh(c);
}

/* libssh2 global init. */
int ssh_conn_global_init(void)
{
	return libssh2_init(0) == 0 ? 0 : -1;
}

/* libssh2 global exit. */
void ssh_conn_global_exit(void)
{
	libssh2_exit();
}

/* strdup that keeps NULL; *ok turns false on OOM. */
static char *conn_dup(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*ok = false;
	return d;
}

/* New connection; connects on the first step. */
struct ssh_conn *ssh_conn_new(const struct node_spec *spec, const struct ssh_opts *o,
                              ssh_frame_fn fn, void *arg)
{
	struct ssh_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	bool ok = true;
	c->fd = -1;
	c->name = conn_dup(spec->name ? spec->name : spec->host, &ok);
	c->host = conn_dup(spec->host, &ok);
	/* user@host in the spec beats -l, which beats the config, like ssh. */
	c->user = conn_dup(spec->user ? spec->user : o->user, &ok);
	c->config_file = conn_dup(o->config_file, &ok);
	c->identity = conn_dup(o->identity, &ok);
	c->spec_port = spec->port;
	c->opt_port = o->port;
	c->accept_new = o->accept_new;
	c->interval = o->interval > 0 ? o->interval : 1;
	c->fn = fn;
	c->arg = arg;
	c->fp = fparse_new();
	c->cmd = malloc(65536);
	if (!ok || !c->host || !c->fp || !c->cmd || probe_command(c->cmd, 65536, c->interval) < 0) {
		ssh_conn_free(c);
		return NULL;
	}
	c->backoff = 1;
	c->now = c->since = clock_mono();
	c->retry_at = c->now;
	c->rng = ((uint64_t)(uintptr_t)c ^ (uint64_t)(c->now * 1e9)) | 1;
	c->state = CS_CONNECTING;
	return c;
}

/* Close the channel (ending the remote loop) and the session; free. */
void ssh_conn_free(struct ssh_conn *c)
{
	if (!c)
		return;
	conn_teardown(c, true);
	if (c->have_cfg) {
		ssh_config_free(&c->cfg);
		ssh_auth_free(&c->auth);
	}
	fparse_free(c->fp);
	free(c->cmd);
	free(c->name);
	free(c->host);
	free(c->user);
	free(c->config_file);
	free(c->identity);
	free(c);
}

/* The descriptor to poll and its events; -1 while waiting on a timer. */
int ssh_conn_pollfd(const struct ssh_conn *c, short *events)
{
	*events = c->fd >= 0 ? c->want : 0;
	return c->phase == PH_WAIT ? -1 : c->fd;
}

/* When step must run again without I/O. */
double ssh_conn_deadline(const struct ssh_conn *c)
{
	if (c->phase == PH_WAIT)
		return c->retry_at;
	if (c->again)
		return c->now;
	if (c->phase != PH_STREAM || !c->got_frame)
		return c->phase == PH_STREAM && c->next_keepalive < c->deadline
		       ? c->next_keepalive : c->deadline;
	double t = c->last_frame + (c->state == CS_UP ? c->stale_after : c->dead_after);
	return c->next_keepalive < t ? c->next_keepalive : t;
}

/* Drive the state machine. */
void ssh_conn_step(struct ssh_conn *c, double now, short revents)
{
	c->now = now;
	if (c->phase == PH_WAIT) {
		if (now < c->retry_at)
			return;
		conn_begin(c);
	}
	if (c->phase != PH_WAIT && c->phase != PH_STREAM && now >= c->deadline) {
		char why[200];
		snprintf(why, sizeof why, "timed out %s %s port %d",
		         c->phase == PH_CONNECT ? "connecting to" : "setting up ssh with",
		         c->cfg.hostname, c->port);
		conn_fail_down(c, CS_DOWN, why);
		return;
	}
	/* Several phases can complete in one step when libssh2 has the data. */
	for (int i = 0; i < 8; i++) {
		enum phase before = c->phase;
		switch (c->phase) {
		case PH_WAIT:      return;
		case PH_CONNECT:   conn_step_connect(c, revents); break;
		case PH_HANDSHAKE: conn_step_handshake(c); break;
		case PH_AUTH:      conn_step_auth(c); break;
		case PH_OPEN:      conn_step_open(c); break;
		case PH_EXEC:      conn_step_exec(c); break;
		case PH_STREAM:    conn_step_stream(c); return;
		}
		if (c->phase == before)
			return;
		revents = 0;
	}
	c->again = true;
}

/* Current public state. */
enum conn_state ssh_conn_state(const struct ssh_conn *c)
{
	return c->state;
}

/* What is wrong, "" when up. */
const char *ssh_conn_why(const struct ssh_conn *c)
{
	return c->state == CS_UP ? "" : c->why;
}

/* When the current state began. */
double ssh_conn_since(const struct ssh_conn *c)
{
	return c->since;
}

/* Successful reconnects after the first connect. */
unsigned ssh_conn_reconnects(const struct ssh_conn *c)
{
	return c->reconnects;
}

/* True when the node runs the POSIX sh fallback. */
bool ssh_conn_fallback_sh(const struct ssh_conn *c)
{
	return c->fallback;
}

/* Queue an extra command on the node's session. */
int ssh_conn_aux_exec(struct ssh_conn *c, const char *cmd, size_t cap,
                      ssh_aux_fn fn, void *arg)
{
	if (c->phase != PH_STREAM || !c->got_frame)
		return -1;
	int rc = ssh_aux_add(&c->aux, cmd, cap, fn, arg);
	if (rc == 0)
		c->again = true;   /* start it on the next pass of the loop */
	return rc;
}
