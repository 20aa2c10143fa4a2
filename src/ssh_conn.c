/*
 * ssh_conn.c — one node's SSH connection as a non-blocking state machine.
 *
 * Phases: wait (backoff) -> resolve -> TCP connect (or a ProxyCommand or
 * ProxyJump socket: ssh_conn_net.c) -> handshake -> host key check -> auth
 * (ssh_auth.c) -> open channel -> exec the probe -> stream; a jump host
 * stops at "ready" after auth (ssh_jump.c pumps its channels).
 * Every libssh2 call runs in non-blocking mode; LIBSSH2_ERROR_EAGAIN ends
 * the step and ssh_conn_pollfd() reports what libssh2 waits for.
 *
 * Nothing here blocks: names are resolved on a helper thread
 * (ssh_resolve.c), the ssh-agent is spoken to without blocking
 * (ssh_agent.c), and the descriptor to poll follows the phase (resolver,
 * socket, agent).
 *
 * Local shortages (no descriptor, no memory, no thread) are this
 * process's failure, never the node's: they become "local-error" with the
 * numbers, not auth-failed / hostkey-mismatch / unreachable.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
#include "ssh_jump.h"
#include "ssh_proxy.h"
#include "ssh_resolve.h"
#include "probe.h"
#include "ssh_conn_int.h"

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

/* A session was set up or freed since the last malloc_trim(); when that
 * trim was. */
static bool conn_trim_pending;
static double conn_trim_at = -1e300;

/* Give the pages of freed sessions back to the system, at most once per
 * CONN_TRIM_EVERY.  Why: a reconnect frees one session's blocks (and its
 * key exchange frees its buffers) while other nodes allocate in between,
 * so the next session's blocks land elsewhere and glibc keeps the freed
 * pages resident in free chunks inside the heap (it returns only the
 * heap's top by itself).  Every live allocation stayed the same (heaptrack:
 * 459 bytes more after 40 sshd kills than after 5), yet RssAnon grew at
 * each reconnect; bench/refault.sh, 20 nodes, 30 faults on one of them:
 * garbage floods +156 KiB before, +32 KiB with this; sshd kills +48 KiB
 * before, +12 KiB with this (what is left is glibc's per-size caches,
 * which are bounded).  A trim took 49 us on average at 200 nodes.
 * Every CONN_TRIM_IDLE it trims anyway: a loop that fell behind (a
 * starved machine) then reads a burst of queued frames, up to each
 * channel's window, and frees it (soak at load 60-130: [heap] from 15 to
 * 55 MB, kept resident). */
void ssh_conn_global_tidy(double now)
{
	double since = now - conn_trim_at;
	if (since < CONN_TRIM_EVERY || (!conn_trim_pending && since < CONN_TRIM_IDLE))
		return;
	conn_trim_pending = false;
	conn_trim_at = now;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Drop the connection: channel, session and socket. */
static void conn_teardown(struct ssh_conn *c, bool polite)
{
	ssh_aux_cancel(&c->aux);
	ssh_resolve_drop(c->rs);
	c->rs = NULL;
	c->throttled = false;
	if (c->sess && c->fd >= 0 && polite)
		conn_polite_close(c);
	/* After shutdown() every libssh2 write fails at once instead of
	 * returning EAGAIN, so the frees below cannot stall or leak. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	ssh_auth_restart(&c->auth);
	if (c->sess && c->jump_hook)
		c->jump_hook(c->jump_hook_arg);   /* channels over us go first */
	if (c->ch) {
		for (int i = 0; i < 4 && libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->ch = NULL;
	}
	if (c->sess) {
		for (int i = 0; i < 4 && libssh2_session_free(c->sess) == LIBSSH2_ERROR_EAGAIN; i++)
			;
		c->sess = NULL;
		/* what libssh2 forgot (see ssh_mem.h) */
		ssh_mem_release(&c->mem);
		conn_trim_pending = true;   /* ssh_conn_global_tidy() */
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = c->pfd = -1;
	c->want = 0;
	c->again = false;
	ssh_jump_tunnel_close(c->tun);
	c->tun = NULL;
	ssh_proxy_stop(c->proxy);
	c->proxy = NULL;
	ssh_proxy_reap(c->now, 0);
}

/* Give up on this attempt: enter st with why and retry after delay. */
void conn_fail(struct ssh_conn *c, enum conn_state st, const char *why, double delay)
{
	char keep[sizeof c->why];
	/* why may point into state that the teardown clears */
	snprintf(keep, sizeof keep, "%s", why ? why : "");
	conn_teardown(c, st != CS_DOWN && st != CS_LOCAL_ERROR && !c->is_jump);
	conn_set_state(c, st, keep);
	c->phase = PH_WAIT;
	c->retry_at = c->now + delay;
}

/* Lost or refused: down, retry with exponential backoff and +-20% jitter. */
void conn_fail_down(struct ssh_conn *c, enum conn_state st, const char *why)
{
	double d = c->backoff * (0.8 + 0.4 * conn_rand(c));
	c->backoff = c->backoff * 2 > CONN_BACKOFF_MAX ? CONN_BACKOFF_MAX : c->backoff * 2;
	conn_fail(c, st, why, d);
}

/* True for errno values that mean this process ran short, not the node. */
bool conn_local_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS;
}

/* This process ran short (err: errno): local-error with the numbers,
 * retried with backoff like a lost connection. */
void conn_fail_local(struct ssh_conn *c, const char *what, int err)
{
	char why[600];
	struct rlimit rl = { 0, 0 };
	if (err == EMFILE || err == ENFILE) {
		getrlimit(RLIMIT_NOFILE, &rl);
		snprintf(why, sizeof why, "doptop is out of file descriptors (%s: %s; open-files "
		         "limit %llu): raise ulimit -n or watch fewer nodes", what, strerror(err),
		         (unsigned long long)rl.rlim_cur);
	} else {
		snprintf(why, sizeof why, "doptop ran short on this machine (%s: %s)", what,
		         strerror(err ? err : ENOMEM));
	}
	conn_fail_down(c, CS_LOCAL_ERROR, why);
}

/* 0 when a descriptor can be had now; else local-error and -1.  Checked
 * before calls that open files and would report a shortage as something
 * else (an unknown host key, an unreadable config). */
static int conn_need_fd(struct ssh_conn *c, const char *what)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (!conn_local_errno(errno))
		return 0;
	conn_fail_local(c, what, errno);
	return -1;
}

/* The delay before retrying after st: rarely for what a retry will not
 * fix by itself, with backoff otherwise. */
static void conn_fail_as(struct ssh_conn *c, enum conn_state st, const char *why)
{
	if (st == CS_AUTH_FAILED || st == CS_HOSTKEY_MISMATCH || st == CS_HOSTKEY_UNKNOWN)
		conn_fail(c, st, why, CONN_FATAL_RETRY);
	else if (st == CS_UNREACHABLE)
		conn_fail(c, st, why, CONN_SLOW_RETRY);
	else
		conn_fail_down(c, st == CS_UP || st == CS_CONNECTING || st == CS_STALE ? CS_DOWN : st, why);
}

/* When the way to the node (jump host, ProxyCommand) explains a failure,
 * fail with its state and reason, prefixed by what; true when it did. */
static bool conn_fail_transport(struct ssh_conn *c, const char *what)
{
	enum conn_state st = CS_DOWN;
	const char *tw = NULL;
	char why[1400], pw[700];
	if (c->tun && ssh_jump_tunnel_status(c->tun, &st, &tw) != 0) {
		snprintf(why, sizeof why, "%s", tw);
		conn_fail_as(c, st, why);
		return true;
	}
	if (c->proxy && *ssh_proxy_why(c->proxy, pw, sizeof pw)) {
		snprintf(why, sizeof why, "%s: %s", what, pw);
		conn_fail_down(c, CS_DOWN, why);
		return true;
	}
	return false;
}

/* Down with libssh2's last error message after what. */
static void conn_fail_ssh(struct ssh_conn *c, const char *what)
{
	char *msg = NULL, why[400];
	if (libssh2_session_last_error(c->sess, &msg, NULL, 0) == LIBSSH2_ERROR_ALLOC) {
		conn_fail_local(c, what, ENOMEM);
		return;
	}
	if (conn_fail_transport(c, what))
		return;
	snprintf(why, sizeof why, "%s: %s", what, msg && *msg ? msg : "connection lost");
	conn_fail_down(c, CS_DOWN, why);
}

/* Poll events from the direction libssh2 is blocked in (or the agent's
 * socket while the agent is asked). */
static void conn_want_ssh(struct ssh_conn *c)
{
	short ev = 0;
	int afd = c->phase == PH_AUTH ? ssh_auth_pollfd(&c->auth, &ev) : -1;
	if (afd >= 0) {
		c->pfd = afd;
		c->want = ev;
		return;
	}
	c->pfd = c->fd;
	int dir = libssh2_session_block_directions(c->sess);
	c->want = POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		c->want |= POLLOUT;
}

/* The timers that follow the probe's interval (and the config). */
static void conn_timers(struct ssh_conn *c)
{
	c->stale_after = node_stale_after(c->interval);
	int count = c->cfg.alive_count_max > 0 ? c->cfg.alive_count_max : 3;
	c->dead_after = c->cfg.alive_interval > 0
	        ? c->stale_after + (double)c->cfg.alive_interval * count
	        : node_dead_after(c->interval);
	c->keepalive_every = c->cfg.alive_interval > 0 ? c->cfg.alive_interval
	                   : conn_max(5, 2 * c->interval);
}

/* The probe paces at iv from now on (timers follow); when the running
 * probe keeps another, the new interval is queued for its stdin (probe.h;
 * a line not yet written is replaced). */
static void conn_pace(struct ssh_conn *c, double iv)
{
	c->interval = iv;
	conn_timers(c);
	if (iv == c->probe_iv || c->iv_off > 0)
		return;     /* nothing to say, or a line half written: see below */
	int n = probe_interval_line(c->iv_line, sizeof c->iv_line, iv);
	if (n > 0) {
		c->iv_len = (size_t)n;
		c->probe_iv = iv;
	}
}

/* Write a queued new interval to the probe's stdin; EAGAIN keeps it for
 * the next step, a failure drops it (the reads notice a broken channel). */
static void conn_send_interval(struct ssh_conn *c)
{
	while (c->iv_len > 0) {
		ssize_t n = libssh2_channel_write(c->ch, c->iv_line + c->iv_off, c->iv_len - c->iv_off);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return;
		if (n < 0 || (c->iv_off += (size_t)n) >= c->iv_len)
			c->iv_len = c->iv_off = 0;
	}
	/* asked for another while a line was half written: say it now */
	if (c->interval != c->probe_iv)
		conn_pace(c, c->interval);
}

/* Read the ssh config once (again after a failure) and derive the timers. */
int conn_load_config(struct ssh_conn *c)
{
	const char *why = NULL;
	char msg[400];
	if (c->have_cfg)
		return 0;
	if (conn_need_fd(c, "reading the ssh config") < 0)
		return -1;
	if (ssh_config_resolve(c->host, c->config_file, NULL, &c->cfg, &why) < 0) {
		int err = errno;
		ssh_config_free(&c->cfg);
		if (conn_local_errno(err)) {
			conn_fail_local(c, "reading the ssh config", err);
			return -1;
		}
		snprintf(msg, sizeof msg, "ssh config: %s", why ? why : "cannot be read");
		conn_fail(c, CS_UNREACHABLE, msg, CONN_SLOW_RETRY);
		return -1;
	}
	const char *user = c->user ? c->user : c->cfg.user;
	if (ssh_auth_init(&c->auth, user, c->identity, &c->cfg) < 0) {
		ssh_config_free(&c->cfg);
		conn_fail_local(c, "reading the ssh config", ENOMEM);
		return -1;
	}
	c->auth.rx_at = &c->last_rx;   /* conn_recv keeps it: did the server answer? */
	c->have_cfg = true;
	c->port = c->spec_port ? c->spec_port : c->opt_port ? c->opt_port
	        : c->cfg.port > 0 ? c->cfg.port : 22;
	c->connect_timeout = c->cfg.connect_timeout > 0 ? c->cfg.connect_timeout : 10;
	conn_timers(c);
	c->tcp_timeout = conn_max(5, 3 * c->interval);
	return 0;
}





/* libssh2's recv: the default one, noting when the server last spoke
 * (a jump host has no frames to show it is alive). */
static ssize_t conn_recv(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
	ssize_t n = recv(fd, buf, len, flags);
	if (n < 0)
		return -errno;
	if (n > 0) {
		/* the clock, not c->now: the hub's pumps read a jump session
		 * between the steps of its connection */
		struct ssh_mem *m = *abstract;
		struct ssh_conn *c = m->owner;
		c->last_rx = clock_mono();
	}
	return n;
}

/* Connected: socket options, a non-blocking session, host key preference. */
void conn_connected(struct ssh_conn *c)
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
	c->pfd = c->fd;
	c->mem.owner = c;
	c->sess = libssh2_session_init_ex(ssh_mem_alloc, ssh_mem_free, ssh_mem_realloc, &c->mem);
	if (!c->sess) {
		conn_fail_local(c, "starting an ssh session", ENOMEM);
		return;
	}
	libssh2_session_callback_set(c->sess, LIBSSH2_CALLBACK_RECV, (void *)conn_recv);
	libssh2_session_set_blocking(c->sess, 0);
	/* zlib on the wire with -C or "Compression yes" (off by default, as
	 * in ssh): consecutive frames share most of their text, so the
	 * session's deflate stream carries ~9x fewer bytes, but libssh2 keeps
	 * a zlib state per direction (default window and level, not
	 * settable; one direction alone breaks libssh2 1.10, which decides
	 * inflating by the outbound method): bench/fleet.sh at 200 nodes,
	 * 274 B and 230 KiB per node with it, 2,563 B and 96 KiB without. */
	if (c->compress || c->cfg.compression)
		libssh2_session_flag(c->sess, LIBSSH2_FLAG_COMPRESS, 1);
	ssh_hostkey_prefer(c->sess, &c->cfg, c->port);
	c->phase = PH_HANDSHAKE;
	/* ConnectTimeout again for the SSH part, plus time for a first frame. */
	c->deadline = c->now + c->connect_timeout + conn_max(3 * c->interval, 3);
}







/* Verify the host key with OpenSSH's rules (ssh_hostkey.c); 0 when trusted. */
static int conn_check_hostkey(struct ssh_conn *c)
{
	char why[2400];
	if (conn_need_fd(c, "reading known_hosts") < 0)
		return -1;
	switch (ssh_hostkey_verify(c->sess, &c->cfg, c->port, c->accept_new, why, sizeof why)) {
	case HK_TRUSTED:
		return 0;
	case HK_REFUSED:
		conn_fail(c, CS_HOSTKEY_MISMATCH, why, CONN_FATAL_RETRY);
		return -1;
	case HK_UNKNOWN:
		conn_fail(c, CS_HOSTKEY_UNKNOWN, why, CONN_FATAL_RETRY);
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
	short ev;
	if (rc == SSH_AUTH_AGAIN) {
		conn_want_ssh(c);
		c->again = ssh_auth_pollfd(&c->auth, &ev) < 0 &&
		           libssh2_session_block_directions(c->sess) == 0;
	} else if (rc == SSH_AUTH_DONE && c->is_jump) {
		/* a jump host is ready once logged in: channels are the hub's */
		c->phase = PH_READY;
		c->backoff = 1;
		if (c->ever_up)
			c->reconnects++;
		c->ever_up = true;
		conn_set_state(c, CS_UP, "");
		/* replies wanted: they are how a silent jump host is noticed
		 * (last_rx); libssh2 keeps each one (see conn_step_exec), a
		 * few bytes a second per jump host, not per node */
		libssh2_keepalive_config(c->sess, 1, (unsigned)c->keepalive_every);
		c->next_keepalive = c->now + c->keepalive_every;
		c->last_rx = c->now;
	} else if (rc == SSH_AUTH_DONE) {
		c->phase = PH_OPEN;
	} else if (rc == SSH_AUTH_EFAILED) {
		conn_fail(c, CS_AUTH_FAILED, why, CONN_FATAL_RETRY);
	} else if (rc == SSH_AUTH_ELOCAL) {
		conn_fail_local(c, why, c->auth.local_err);
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
		/* the command is fixed from here until the exec is sent */
		if (c->cmd_iv != c->want_iv && probe_command(c->cmd, 65536, c->want_iv) >= 0)
			c->cmd_iv = c->want_iv;
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
	c->exec_iv = c->probe_iv = c->cmd_iv;
	c->iv_len = c->iv_off = 0;
	conn_pace(c, c->want_iv);   /* asked for another during the exec: say so */
	c->tokens = CONN_FRAME_BURST;
	c->tokens_at = c->now;
	c->phase = PH_STREAM;
	/* No reply wanted: libssh2 (1.10, libssh2/libssh2#623) queues every
	 * SSH_MSG_REQUEST_FAILURE that answers a keepalive in the session's
	 * packet list and never frees it (~100 bytes per node each 5 s: the
	 * memory growth of issue 14).  A node's liveness is its frames (stale,
	 * dead_after); the keepalive is data on the socket, so a cut link
	 * still ends in TCP_USER_TIMEOUT. */
	libssh2_keepalive_config(c->sess, 0, (unsigned)c->keepalive_every);
	c->next_keepalive = c->now + c->keepalive_every;
	conn_trim_pending = true;   /* the key exchange's buffers are free now */
}

/* Take a frame's token; false (and reading paused until the next token)
 * when the node sends faster than the cap. */
static bool conn_frame_token(struct ssh_conn *c)
{
	double rate = CONN_FRAME_RATE / c->interval;
	c->tokens += (c->now - c->tokens_at) * rate;
	c->tokens_at = c->now;
	if (c->tokens > CONN_FRAME_BURST)
		c->tokens = CONN_FRAME_BURST;
	if (c->tokens >= 1) {
		c->tokens -= 1;
		return true;
	}
	c->dropped++;
	c->throttled = true;
	c->throttle_until = c->now + (1 - c->tokens) / rate;
	return false;
}

/* Parser callback: a complete frame arrived. */
static void conn_on_frame(void *arg, const struct sample *s, const char *raw, size_t rawlen)
{
	struct ssh_conn *c = arg;
	c->last_frame = c->now;
	if (!conn_frame_token(c))
		return;
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
	if (c->fallback && c->interval != c->exec_iv) {
		/* the sh loop ignores interval lines: it keeps what it started at */
		c->probe_iv = c->exec_iv;
		c->iv_len = c->iv_off = 0;
		conn_pace(c, c->exec_iv);
	}
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
			snprintf(why, sizeof why, "protocol error: %s", err_text(rc));
			conn_fail_down(c, CS_DOWN, why);
			return -1;
		}
		total += (size_t)n;
		/* Over the frame cap: leave the rest in the channel (its window
		 * then holds the node back) until a token is due. */
		if (c->throttled)
			return 0;
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
	conn_send_interval(c);
	/* aux channels may pull probe data off the socket into libssh2's
	 * queue, where poll() cannot see it: read the probe once more. */
	if (ssh_aux_run(&c->aux, c->sess, c->now) && conn_read_probe(c) < 0)
		return;
	/* A keepalive only once the node has been silent for keepalive_every,
	 * as ssh's ServerAliveInterval is defined: a node that streams frames
	 * gets none.  With compression (-C) every byte we send goes through
	 * the session's deflate stream, whose 64 KiB window and 64 KiB prev
	 * table it touches page by page: a keepalive every 5 s grew RSS by
	 * 60-80 KiB per node an hour until ~192 KiB were touched, some three
	 * hours (issue 14; measured with bench/soak.sh and a map of the heap's
	 * allocations).  Without compression it is wire and wakeups saved. */
	if (c->next_keepalive < c->last_rx + c->keepalive_every)
		c->next_keepalive = c->last_rx + c->keepalive_every;
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

/* How long a ready jump host may stay silent: ServerAliveInterval x
 * ServerAliveCountMax as ssh counts it (keepalives ask for a reply), else
 * the nodes' own dead mark. */
static double conn_silent_max(const struct ssh_conn *c)
{
	int count = c->cfg.alive_count_max > 0 ? c->cfg.alive_count_max : 3;
	return c->cfg.alive_interval > 0 ? (double)c->cfg.alive_interval * count + 1
	                                 : node_dead_after(c->interval);
}

/* A ready jump host: keepalives, and a server gone silent is dropped
 * (its channels are pumped by the hub). */
static void conn_step_ready(struct ssh_conn *c)
{
	if (c->now - c->last_rx > conn_silent_max(c)) {
		char why[300];
		snprintf(why, sizeof why, "no answer for %.0f s (ServerAliveInterval %d x "
		         "ServerAliveCountMax %d)", c->now - c->last_rx, c->cfg.alive_interval,
		         c->cfg.alive_count_max > 0 ? c->cfg.alive_count_max : 3);
		conn_fail_down(c, CS_DOWN, why);
		return;
	}
	if (c->now < c->next_keepalive)
		return;
	int next = 0;
	int rc = libssh2_keepalive_send(c->sess, &next);
	if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN && rc != LIBSSH2_ERROR_BAD_USE) {
		conn_fail_ssh(c, "keepalive failed");
		return;
	}
	c->next_keepalive = c->now + (next > 0 ? next : 1);
}

/* The soft open-files limit doptop started with (restored for children). */
static struct rlimit conn_nofile0;
static bool conn_nofile_raised;

/* libssh2 global init; the soft descriptor limit raised to the hard one
 * (each node holds a socket; the usual soft 1024 would cap a fleet). */
int ssh_conn_global_init(void)
{
	struct rlimit rl;
	if (!conn_nofile_raised && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		conn_nofile0 = rl;
		conn_nofile_raised = true;
		ssh_proxy_set_nofile((unsigned long long)rl.rlim_cur);
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	return libssh2_init(0) == 0 ? 0 : -1;
}

/* Descriptors doptop needs besides its nodes' sockets: stdio, the
 * terminal, the wake pipe, the job's pipe and files, resolver and agent
 * sockets of the connections in flight (at most 48 at once, app.c). */
#define CONN_FD_RESERVE 64

/* -1 with the numbers in why when n connections cannot all fit. */
int ssh_conn_fit(size_t n, char *why, size_t cap)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	unsigned long long need = (unsigned long long)n + CONN_FD_RESERVE;
	if (need <= rl.rlim_cur)
		return 0;
	snprintf(why, cap, "%zu nodes need about %llu file descriptors (one each, %d for doptop) "
	         "but the limit is %llu (hard limit %llu): nodes that find none show local-error "
	         "until one frees up (raise ulimit -n)", n, need, CONN_FD_RESERVE,
	         (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	return -1;
}

/* libssh2 global exit. */
void ssh_conn_global_exit(void)
{
	ssh_proxy_reap(clock_mono(), 1);   /* no ProxyCommand outlives us */
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
	c->fd = c->pfd = -1;
	c->name = conn_dup(spec->name ? spec->name : spec->host, &ok);
	c->host = conn_dup(spec->host, &ok);
	/* user@host in the spec beats -l, which beats the config, like ssh. */
	c->user = conn_dup(spec->user ? spec->user : o->user, &ok);
	c->config_file = conn_dup(o->config_file, &ok);
	c->identity = conn_dup(o->identity, &ok);
	c->spec_port = spec->port;
	c->opt_port = o->port;
	c->accept_new = o->accept_new;
	c->compress = o->compress;
	c->interval = c->want_iv = c->cmd_iv = c->exec_iv = c->probe_iv =
		o->interval > 0 ? o->interval : 1;
	c->fn = fn;
	c->arg = arg;
	c->fp = fparse_new();
	c->cmd = malloc(65536);
	if (!ok || !c->host || !c->fp || !c->cmd || probe_command(c->cmd, 65536, c->interval) < 0) {
		ssh_conn_free(c);
		return NULL;
	}
	char *cmd = realloc(c->cmd, strlen(c->cmd) + 1);   /* the command, not the cap */
	if (cmd)
		c->cmd = cmd;
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
	conn_teardown(c, !c->is_jump);
	ssh_jump_put(c->jump);
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
	for (int i = 0; i < c->nvia; i++) {
		free(c->via[i].user);
		free(c->via[i].host);
	}
	free(c);
}

/* The descriptor to poll and its events; -1 while waiting on a timer. */
int ssh_conn_pollfd(const struct ssh_conn *c, short *events)
{
	*events = c->pfd >= 0 ? c->want : 0;
	return c->phase == PH_WAIT || c->throttled ? -1 : c->pfd;
}

/* The stream's (or a setup phase's) own deadline. */
static double conn_stream_deadline(const struct ssh_conn *c)
{
	if (c->phase != PH_STREAM || !c->got_frame)
		return c->phase == PH_STREAM && c->next_keepalive < c->deadline
		       ? c->next_keepalive : c->deadline;
	double t = c->last_frame + (c->state == CS_UP ? c->stale_after : c->dead_after);
	return c->next_keepalive < t ? c->next_keepalive : t;
}

double ssh_conn_retry_at(const struct ssh_conn *c)
{
	return c->phase == PH_WAIT ? c->retry_at : 0;
}

int ssh_conn_retry_now(struct ssh_conn *c)
{
	if (c->phase != PH_WAIT)
		return -1;
	c->retry_at = c->now;
	c->backoff = 1;
	return 0;
}

/* When step must run again without I/O. */
double ssh_conn_deadline(const struct ssh_conn *c)
{
	if (c->phase == PH_WAIT)
		return c->retry_at;
	if (c->again)
		return c->now;
	if (c->throttled)
		return c->throttle_until;
	if (c->phase == PH_AUTH)
		return fmin(c->deadline, ssh_auth_deadline(&c->auth));
	if (c->phase == PH_READY)
		return fmin(c->next_keepalive, c->last_rx + conn_silent_max(c) + 0.01);
	if (c->phase == PH_STREAM && c->aux)
		return fmin(ssh_aux_deadline(c->aux), conn_stream_deadline(c));
	return conn_stream_deadline(c);
}

/* Drive the state machine. */
void ssh_conn_step(struct ssh_conn *c, double now, short revents)
{
	c->now = now;
	if (c->throttled) {
		if (now < c->throttle_until)
			return;
		c->throttled = false;
	}
	if (c->phase == PH_WAIT) {
		if (now < c->retry_at)
			return;
		conn_begin(c);
	}
	if (c->phase == PH_RESOLVE && now >= c->deadline) {
		char why[400];
		snprintf(why, sizeof why, "no answer from the name resolver for %s within %.0f s",
		         c->cfg.hostname, CONN_RESOLVE_MAX);
		conn_fail(c, CS_UNREACHABLE, why, CONN_SLOW_RETRY);
		return;
	}
	if (c->proxy)
		ssh_proxy_drain(c->proxy);
	if (c->phase == PH_READY) {
		conn_step_ready(c);
		return;
	}
	if (c->phase != PH_WAIT && c->phase != PH_STREAM && now >= c->deadline) {
		char why[400];
		if (conn_fail_transport(c, "timed out"))
			return;
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
		case PH_RESOLVE:   conn_step_resolve(c); break;
		case PH_CONNECT:   conn_step_connect(c, revents); break;
		case PH_HANDSHAKE: conn_step_handshake(c); break;
		case PH_AUTH:      conn_step_auth(c); break;
		case PH_OPEN:      conn_step_open(c); break;
		case PH_EXEC:      conn_step_exec(c); break;
		case PH_STREAM:    conn_step_stream(c); return;
		case PH_READY:     return;
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

/* A new interval: a running bash probe takes it at once, the next start
 * of any probe uses it. */
int ssh_conn_set_interval(struct ssh_conn *c, double iv)
{
	if (!(iv > 0) || c->is_jump)
		return -1;
	c->want_iv = iv;
	if (c->phase == PH_STREAM && c->got_frame && c->fallback)
		return 1;
	if (c->phase == PH_STREAM) {
		/* written now, not at the next step: an idle node's next step
		 * may be its next frame, a whole old interval away */
		conn_pace(c, iv);
		conn_send_interval(c);
		conn_want_ssh(c);
	} else
		c->interval = iv;   /* the timers are derived at the next start */
	return 0;
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
	return ssh_conn_aux_exec_timeout(c, cmd, cap, SSH_AUX_TIMEOUT, fn, arg);
}

/* Queue an extra command with its own timeout. */
int ssh_conn_aux_exec_timeout(struct ssh_conn *c, const char *cmd, size_t cap,
                              double timeout, ssh_aux_fn fn, void *arg)
{
	if (c->phase != PH_STREAM || !c->got_frame)
		return -1;
	int rc = ssh_aux_add(&c->aux, cmd, cap, c->now, timeout, fn, arg);
	if (rc == 0)
		c->again = true;   /* start it on the next pass of the loop */
	return rc;
}

/* A connection in the jump role: no probe; ready after authentication. */
struct ssh_conn *ssh_conn_new_jump(const struct node_spec *spec, const struct ssh_opts *o,
                                   const struct ssh_jump *via, int nvia, int depth)
{
	struct ssh_conn *c = ssh_conn_new(spec, o, NULL, NULL);
	if (!c)
		return NULL;
	c->is_jump = true;
	c->depth = depth;
	c->has_via = nvia > 0;
	for (int i = 0; i < nvia && i < SSHCFG_MAX_JUMPS; i++) {
		bool ok = true;
		c->via[i].user = conn_dup(via[i].user, &ok);
		c->via[i].host = conn_dup(via[i].host, &ok);
		c->via[i].port = via[i].port;
		c->nvia = i + 1;
		if (!ok) {
			ssh_conn_free(c);
			return NULL;
		}
	}
	return c;
}

/* The authenticated session of a ready jump host. */
LIBSSH2_SESSION *ssh_conn_jump_session(const struct ssh_conn *c)
{
	return c->phase == PH_READY ? c->sess : NULL;
}

/* Call fn(arg) before the session is freed. */
void ssh_conn_jump_hook(struct ssh_conn *c, void (*fn)(void *), void *arg)
{
	c->jump_hook = fn;
	c->jump_hook_arg = arg;
}

/* The hub found the session broken. */
void ssh_conn_jump_lost(struct ssh_conn *c, const char *why)
{
	if (c->phase == PH_READY)
		conn_fail_down(c, CS_DOWN, why);
}
