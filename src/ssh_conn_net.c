/*
 * ssh_conn_net.c — the way to a node's sshd, for ssh_conn.c: the name
 * (numeric at once, else on a helper thread), a non-blocking TCP connect
 * over every address, or the config's ProxyCommand (its own process on a
 * socketpair) or ProxyJump (a channel over a shared jump session).  Each
 * ends in conn_connected() with a socket in c->fd, or in a failed attempt.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ssh_conn_int.h"
#include "ssh_jump.h"
#include "ssh_proxy.h"
#include "ssh_resolve.h"

static void conn_start_connect(struct ssh_conn *c);

/* Keep up to CONN_MAX_ADDRS addresses of res (freed here); 0, or -1
 * (down) when none is usable. */
static int conn_take_addrs(struct ssh_conn *c, struct addrinfo *res)
{
	c->naddr = 0;
	for (struct addrinfo *ai = res; ai && c->naddr < CONN_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof c->addr[0])
			continue;
		memcpy(&c->addr[c->naddr], ai->ai_addr, ai->ai_addrlen);
		c->addrlen[c->naddr++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	if (c->naddr > 0)
		return 0;
	conn_fail_down(c, CS_DOWN, "no usable address");
	return -1;
}

/* The address family to connect with (AddressFamily). */
static int conn_family(const struct ssh_conn *c)
{
	switch (c->cfg.address_family) {
	case SSHCFG_AF_INET:  return AF_INET;
	case SSHCFG_AF_INET6: return AF_INET6;
	default:              return AF_UNSPEC;
	}
}

/* Start resolving: a numeric address at once (0), a name on a helper
 * thread (1, phase PH_RESOLVE), or -1 after failing the attempt. */
static int conn_resolve_start(struct ssh_conn *c)
{
	struct addrinfo hints = { .ai_family = conn_family(c), .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST }, *res = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", c->port);
	int rc = getaddrinfo(c->cfg.hostname, port, &hints, &res);
	if (rc == 0)
		return conn_take_addrs(c, res);
	if (rc == EAI_MEMORY) {
		conn_fail_local(c, "name lookup", ENOMEM);
		return -1;
	}
	c->rs = ssh_resolve_start(c->cfg.hostname, c->port, conn_family(c));
	if (!c->rs) {
		conn_fail_local(c, "starting a name lookup", errno == EAGAIN ? ENOMEM : errno);
		return -1;
	}
	c->phase = PH_RESOLVE;
	c->pfd = ssh_resolve_fd(c->rs);
	c->want = POLLIN;
	c->deadline = c->now + CONN_RESOLVE_MAX;
	return 1;
}

/* The helper thread answered: connect, or say why the name is no good. */
void conn_step_resolve(struct ssh_conn *c)
{
	int gai = 0, err = 0;
	struct addrinfo *res = NULL;
	char why[400];
	if (!ssh_resolve_take(c->rs, &gai, &err, &res))
		return;
	ssh_resolve_drop(c->rs);
	c->rs = NULL;
	if (gai == EAI_MEMORY || (gai == EAI_SYSTEM && conn_local_errno(err))) {
		if (res)
			freeaddrinfo(res);
		conn_fail_local(c, "name lookup", gai == EAI_MEMORY ? ENOMEM : err);
		return;
	}
	if (gai != 0) {
		if (res)
			freeaddrinfo(res);
		snprintf(why, sizeof why, "cannot resolve %s: %s", c->cfg.hostname,
		         gai == EAI_SYSTEM ? strerror(err) : gai_strerror(gai));
		conn_fail(c, CS_UNREACHABLE, why, CONN_SLOW_RETRY);
		return;
	}
	if (conn_take_addrs(c, res) < 0)
		return;
	c->addr_i = 0;
	conn_start_connect(c);
}

/* Open a non-blocking socket to the current address and start connecting. */
static void conn_start_connect(struct ssh_conn *c)
{
	char why[400];
	for (; c->addr_i < c->naddr; c->addr_i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&c->addr[c->addr_i];
		c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0 && conn_local_errno(errno)) {
			conn_fail_local(c, "opening a socket", errno);
			return;
		}
		if (c->fd < 0)
			continue;
		if (connect(c->fd, sa, c->addrlen[c->addr_i]) == 0) {
			conn_connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->phase = PH_CONNECT;
			c->pfd = c->fd;
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

/* The user to log in as: user@ in the spec, -l, else the config's. */
static const char *conn_user(const struct ssh_conn *c)
{
	return c->user ? c->user : c->cfg.user;
}

/* ProxyJump: a channel over the (shared) last hop, on a socketpair. */
static void conn_via_jump(struct ssh_conn *c, const struct ssh_jump *hops, int nhops)
{
	const char *why = NULL;
	char msg[600];
	int fd = -1;
	if (!c->jump) {
		struct ssh_opts o = { .config_file = c->config_file, .interval = c->interval };
		c->jump = ssh_jump_get(&hops[nhops - 1], hops, nhops - 1, &o, c->depth + 1, &why);
		if (!c->jump && errno == ELOOP) {
			snprintf(msg, sizeof msg, "ssh config: %s", why);
			conn_fail(c, CS_UNREACHABLE, msg, CONN_SLOW_RETRY);
			return;
		}
		if (!c->jump) {
			conn_fail_local(c, "starting a jump host", ENOMEM);
			return;
		}
	}
	c->tun = ssh_jump_tunnel_open(c->jump, c->cfg.hostname, c->port, &fd);
	if (!c->tun) {
		conn_fail_local(c, "opening a channel through the jump host", errno);
		return;
	}
	c->fd = fd;
	conn_connected(c);
}

/* True when s could do more than name a host or user in a shell command
 * (the tokens are pasted unquoted into the ProxyCommand, as ssh does). */
static bool conn_shell_unsafe(const char *s)
{
	for (; s && *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-:@%[]+", *s)))
			return true;
	return false;
}

/* ProxyCommand: its own process on a socketpair. */
static void conn_via_proxy(struct ssh_conn *c)
{
	char msg[600];
	int fd = -1;
	const char *bad = conn_shell_unsafe(c->cfg.hostname) ? c->cfg.hostname
	                : conn_shell_unsafe(c->host) ? c->host
	                : conn_shell_unsafe(conn_user(c)) ? conn_user(c) : NULL;
	if (bad) {
		snprintf(msg, sizeof msg, "refusing to run the ProxyCommand: '%.200s' has shell "
		         "metacharacters (as OpenSSH 9.6+ refuses them in %%h %%n %%r)", bad);
		conn_fail(c, CS_UNREACHABLE, msg, CONN_SLOW_RETRY);
		return;
	}
	char *cmd = ssh_config_proxy_command(&c->cfg, conn_user(c), c->port);
	if (!cmd) {
		snprintf(msg, sizeof msg, "ssh config: bad %%-token in ProxyCommand %.400s",
		         c->cfg.proxy_command);
		conn_fail(c, CS_UNREACHABLE, msg, CONN_SLOW_RETRY);
		return;
	}
	c->proxy = ssh_proxy_start(cmd, &fd);
	free(cmd);
	if (!c->proxy) {
		conn_fail_local(c, "starting the ProxyCommand", errno);
		return;
	}
	c->fd = fd;
	conn_connected(c);
}

/* Begin an attempt: config, address, socket. */
void conn_begin(struct ssh_conn *c)
{
	if (conn_load_config(c) < 0)
		return;
	/* a hop reached by a chain ignores its own ProxyJump/ProxyCommand,
	 * as with ssh -J a,b */
	const struct ssh_jump *hops = c->has_via ? c->via : c->cfg.jump;
	int nhops = c->has_via ? c->nvia : c->cfg.njump;
	if (nhops > 0) {
		conn_via_jump(c, hops, nhops);
		return;
	}
	if (!c->has_via && c->cfg.proxy_command) {
		conn_via_proxy(c);
		return;
	}
	if (c->naddr == 0 && conn_resolve_start(c) != 0)
		return;
	c->addr_i = 0;
	conn_start_connect(c);
}

/* The TCP connect finished or failed. */
void conn_step_connect(struct ssh_conn *c, short revents)
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
