/*
 * ssh_jump.c — ProxyJump: shared jump sessions and the tunnel pumps (see
 * ssh_jump.h).  One hub per process, polled through one epoll descriptor.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh2.h>
#include "ssh_jump.h"

enum tag_kind { TAG_JUMP, TAG_TUNNEL };
enum tunnel_st { T_WAIT, T_OPENING, T_OPEN, T_DEAD };

struct hub_tag {
	enum tag_kind kind;
	void *p;
};

struct ssh_tunnel {
	struct ssh_tunnel *next;
	struct ssh_jumphost *j;
	char *host;
	int port;
	int a;                          /* our end of the socketpair */
	LIBSSH2_CHANNEL *ch;
	enum tunnel_st st;
	bool lost;                      /* killed with the jump session: why to fill */
	enum conn_state dead_st;
	char why[2600];                 /* jump host name + its why (2400) */
	unsigned char up[JUMP_BUF];     /* node -> channel, not yet written */
	size_t ulen;
	unsigned char down[JUMP_BUF];   /* channel -> node, not yet sent */
	size_t doff, dlen;
	bool a_ready, a_eof, eof_sent, down_eof;
	bool orphan;                    /* closed by its node while its open was in flight */
	struct hub_tag tag;
	uint32_t reg_ev;                /* events registered for a (0: none) */
	bool reg;
};

struct ssh_jumphost {
	struct ssh_jumphost *next;
	char *key, *name;
	struct ssh_conn *conn;
	int refs;
	struct ssh_tunnel *tunnels;
	struct ssh_tunnel *opening;     /* its channel open is in flight */
	LIBSSH2_CHANNEL **closing;      /* channels whose close is in flight */
	size_t nclosing, capclosing;
	struct hub_tag tag;
	int reg_fd;
	uint32_t reg_ev;
	short revents;
	bool dead;                      /* last reference gone during a hub step */
};

static struct {
	int epfd;
	struct ssh_jumphost *list;
	bool again;                     /* a pump stopped at its budget */
	bool stepping;                  /* inside ssh_conn_jumps_step: frees wait */
} hub = { -1, NULL, false, false };

/* Register, change or drop (ev 0 with fd -1) what epoll watches for fd. */
static void hub_watch(int *reg_fd, uint32_t *reg_ev, int fd, uint32_t ev, struct hub_tag *tag)
{
	if (hub.epfd < 0)
		return;
	struct epoll_event e = { .events = ev, .data.ptr = tag };
	if (*reg_fd >= 0 && *reg_fd != fd) {
		epoll_ctl(hub.epfd, EPOLL_CTL_DEL, *reg_fd, NULL);
		*reg_fd = -1;
	}
	if (fd < 0)
		return;
	if (*reg_fd == fd && *reg_ev == ev)
		return;
	if (*reg_fd == fd && epoll_ctl(hub.epfd, EPOLL_CTL_MOD, fd, &e) == 0) {
		*reg_ev = ev;
		return;
	}
	/* new, or the number was closed and reused since */
	if (epoll_ctl(hub.epfd, EPOLL_CTL_ADD, fd, &e) == 0 ||
	    (errno == EEXIST && epoll_ctl(hub.epfd, EPOLL_CTL_MOD, fd, &e) == 0)) {
		*reg_fd = fd;
		*reg_ev = ev;
	}
}

/* The epoll descriptor the loop polls (-1 while there is no jump host). */
int ssh_conn_jumps_pollfd(void)
{
	return hub.list ? hub.epfd : -1;
}

/* The hop's name as written. */
const char *ssh_jump_name(const struct ssh_jumphost *j)
{
	return j->name;
}

/* Append "user@host:port," for hop to buf. */
static void jump_key_add(char *buf, size_t cap, const struct ssh_jump *h)
{
	size_t len = strlen(buf);
	snprintf(buf + len, cap - len, "%s%s%s:%d,", h->user ? h->user : "", h->user ? "@" : "",
	         h->host, h->port);
}

/* Fail a tunnel: the node sees EOF and asks why. */
static void tunnel_kill(struct ssh_tunnel *t, enum conn_state st, const char *why)
{
	if (t->st == T_DEAD)
		return;
	t->st = T_DEAD;
	t->dead_st = st;
	snprintf(t->why, sizeof t->why, "%s", why ? why : "");
	if (t->j->opening == t)
		t->j->opening = NULL;
	shutdown(t->a, SHUT_RDWR);
}

/* The jump session is going away: its channels with it. */
static void jump_on_teardown(void *arg)
{
	struct ssh_jumphost *j = arg;
	for (struct ssh_tunnel *t = j->tunnels; t; t = t->next) {
		t->ch = NULL;   /* freed with the session */
		if (t->st != T_DEAD) {
			tunnel_kill(t, CS_DOWN, "");
			t->lost = true;
		}
	}
	j->opening = NULL;
	j->nclosing = 0;
}

/* Tunnels killed with the session take the jump host's state and reason
 * once its step has set them. */
static void jump_snapshot(struct ssh_jumphost *j)
{
	enum conn_state st = ssh_conn_state(j->conn);
	const char *why = ssh_conn_why(j->conn);
	for (struct ssh_tunnel *t = j->tunnels; t; t = t->next) {
		if (!t->lost)
			continue;
		t->lost = false;
		t->dead_st = st == CS_UP || st == CS_CONNECTING || st == CS_STALE ? CS_DOWN : st;
		snprintf(t->why, sizeof t->why, "jump host %s: %s", j->name,
		         why && *why ? why : "connection lost");
	}
}

/* The shared jump host for hop via the chain. */
struct ssh_jumphost *ssh_jump_get(const struct ssh_jump *hop, const struct ssh_jump *via,
                                  int nvia, const struct ssh_opts *o, int depth,
                                  const char **why)
{
	char key[2048] = "";
	if (depth > SSHCFG_MAX_JUMPS) {
		*why = "ProxyJump chain deeper than 8 hops (a loop in ssh_config?)";
		errno = ELOOP;
		return NULL;
	}
	jump_key_add(key, sizeof key, hop);
	snprintf(key + strlen(key), sizeof key - strlen(key), nvia ? "via:" : "own");
	for (int i = 0; i < nvia; i++)
		jump_key_add(key, sizeof key, &via[i]);
	for (struct ssh_jumphost *j = hub.list; j; j = j->next)
		if (strcmp(j->key, key) == 0) {
			j->refs++;
			return j;
		}
	*why = "out of memory";
	if (hub.epfd < 0 && (hub.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return NULL;
	struct ssh_jumphost *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	j->key = strdup(key);
	j->name = strdup(hop->host);
	struct node_spec spec = { .name = j->name, .host = j->name, .user = hop->user,
	                          .port = hop->port };
	/* ssh -J passes neither -i, -l nor -o to the jump: its own config rules */
	struct ssh_opts jo = { .config_file = o->config_file, .interval = o->interval };
	if (j->key && j->name)
		j->conn = ssh_conn_new_jump(&spec, &jo, via, nvia, depth);
	if (!j->conn) {
		free(j->key);
		free(j->name);
		free(j);
		errno = ENOMEM;
		return NULL;
	}
	j->reg_fd = -1;
	j->tag = (struct hub_tag){ TAG_JUMP, j };
	j->refs = 1;
	ssh_conn_jump_hook(j->conn, jump_on_teardown, j);
	j->next = hub.list;
	hub.list = j;
	return j;
}

/* Drop a reference; the last one closes the jump session (at the end of
 * the hub's pass when it is stepping: the pass holds pointers). */
void ssh_jump_put(struct ssh_jumphost *j)
{
	if (!j || --j->refs > 0)
		return;
	if (hub.stepping) {
		j->dead = true;
		return;
	}
	for (struct ssh_jumphost **pp = &hub.list; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	hub_watch(&j->reg_fd, &j->reg_ev, -1, 0, &j->tag);
	ssh_conn_free(j->conn);   /* its tunnels are closed (each held a ref) */
	free(j->closing);
	free(j->key);
	free(j->name);
	free(j);
}

/* A new tunnel to host:port over j. */
struct ssh_tunnel *ssh_jump_tunnel_open(struct ssh_jumphost *j, const char *host, int port,
                                        int *fd)
{
	int sp[2];
	struct ssh_tunnel *t = calloc(1, sizeof *t);
	if (!t || !(t->host = strdup(host))) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0) {
		int e = errno;
		free(t->host);
		free(t);
		errno = e;
		return NULL;
	}
	t->a = sp[0];
	*fd = sp[1];
	t->j = j;
	t->port = port;
	t->st = T_WAIT;
	t->tag = (struct hub_tag){ TAG_TUNNEL, t };
	t->next = j->tunnels;
	j->tunnels = t;
	j->refs++;
	hub.again = true;   /* start it on the next pass */
	return t;
}

/* The tunnel's fate. */
int ssh_jump_tunnel_status(const struct ssh_tunnel *t, enum conn_state *st, const char **why)
{
	static char buf[2800];
	if (t->st == T_OPEN) {
		*why = "";
		return 0;
	}
	if (t->st == T_DEAD && !t->lost) {
		*st = t->dead_st;
		*why = t->why;
		return -1;
	}
	const char *jw = ssh_conn_why(t->j->conn);
	if (t->st == T_OPENING)
		snprintf(buf, sizeof buf, "jump host %s is opening a channel to %s port %d",
		         t->j->name, t->host, t->port);
	else
		snprintf(buf, sizeof buf, "jump host %s: %s%s", t->j->name,
		         conn_state_name(ssh_conn_state(t->j->conn)), *jw ? " (" : "");
	if (*jw && t->st != T_OPENING)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s)", jw);
	*st = ssh_conn_state(t->j->conn);
	*why = buf;
	return 1;
}

/* Retry the channel closes in flight (a half-sent close would block every
 * other packet of the session). */
static void jump_flush_closing(struct ssh_jumphost *j)
{
	for (size_t i = 0; i < j->nclosing;) {
		if (libssh2_channel_free(j->closing[i]) == LIBSSH2_ERROR_EAGAIN) {
			i++;
			continue;
		}
		j->closing[i] = j->closing[--j->nclosing];
	}
}

static void tunnel_free(struct ssh_tunnel *t);

/* Close the channel (retried later when it would block) and free. */
void ssh_jump_tunnel_close(struct ssh_tunnel *t)
{
	if (!t)
		return;
	struct ssh_jumphost *j = t->j;
	for (struct ssh_tunnel **pp = &j->tunnels; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (j->opening == t) {
		/* libssh2 keeps the open in flight on the session: the hub
		 * finishes it, then closes the channel and frees this. */
		t->orphan = true;
		t->next = j->tunnels;
		j->tunnels = t;
		return;
	}
	tunnel_free(t);
}

/* Free a tunnel already unlinked; its channel is closed (later, if that
 * would block) and its reference on the jump host dropped. */
static void tunnel_free(struct ssh_tunnel *t)
{
	struct ssh_jumphost *j = t->j;
	if (t->ch && libssh2_channel_free(t->ch) == LIBSSH2_ERROR_EAGAIN) {
		if (j->nclosing == j->capclosing) {
			size_t cap = j->capclosing ? 2 * j->capclosing : 8;
			LIBSSH2_CHANNEL **v = realloc(j->closing, cap * sizeof *v);
			if (v) {
				j->closing = v;
				j->capclosing = cap;
			}
		}
		if (j->nclosing < j->capclosing)
			j->closing[j->nclosing++] = t->ch;
	}
	if (t->reg)
		epoll_ctl(hub.epfd, EPOLL_CTL_DEL, t->a, NULL);
	close(t->a);
	free(t->host);
	free(t);
	ssh_jump_put(j);
}

/* Open the next waiting tunnel's channel (one in flight per session). */
static void jump_open_next(struct ssh_jumphost *j, LIBSSH2_SESSION *s)
{
	if (!j->opening) {
		for (struct ssh_tunnel *t = j->tunnels; t && !j->opening; t = t->next)
			if (t->st == T_WAIT)
				j->opening = t;
		if (!j->opening)
			return;
		j->opening->st = T_OPENING;
	}
	struct ssh_tunnel *t = j->opening;
	t->ch = libssh2_channel_direct_tcpip_ex(s, t->host, t->port, "127.0.0.1", 22);
	if (t->ch) {
		t->st = T_OPEN;
		t->a_ready = true;
		j->opening = NULL;
		hub.again = true;   /* the next one */
		return;
	}
	char *msg = NULL, why[700];
	int err = libssh2_session_last_error(s, &msg, NULL, 0);
	if (err == LIBSSH2_ERROR_EAGAIN)
		return;
	snprintf(why, sizeof why, "jump host %s could not open a channel to %s port %d: %s",
	         j->name, t->host, t->port, msg && *msg ? msg : "refused");
	tunnel_kill(t, CS_DOWN, why);
	hub.again = true;
}

/* Free the tunnels whose node left while their open was in flight, once
 * the open is over. */
static void jump_reap_orphans(struct ssh_jumphost *j)
{
	for (struct ssh_tunnel **pp = &j->tunnels; *pp;) {
		struct ssh_tunnel *t = *pp;
		if (!t->orphan || j->opening == t) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		tunnel_free(t);
	}
}

/* True for libssh2 results that mean "not now" on a shared session. */
static bool jump_later(long rc)
{
	/* BAD_USE: another channel's packet is half sent; it is finished by
	 * that channel's retry, then this one goes. */
	return rc == LIBSSH2_ERROR_EAGAIN || rc == LIBSSH2_ERROR_BAD_USE;
}

/* True for libssh2 errors that mean the session itself is gone. */
static bool jump_session_error(long rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND ||
	       rc == LIBSSH2_ERROR_SOCKET_DISCONNECT || rc == LIBSSH2_ERROR_DECRYPT ||
	       rc == LIBSSH2_ERROR_INVALID_MAC || rc == LIBSSH2_ERROR_PROTO ||
	       rc == LIBSSH2_ERROR_SOCKET_TIMEOUT || rc == LIBSSH2_ERROR_BAD_SOCKET;
}

/* Channel -> node.  false when the jump session broke. */
static bool pump_down(struct ssh_tunnel *t)
{
	size_t moved = 0;
	while (moved < JUMP_PUMP_BUDGET) {
		if (t->doff == t->dlen && !t->down_eof) {
			/* jump_pull() read the socket: only read what is queued */
			if (!libssh2_poll_channel_read(t->ch, 0)) {
				if (!libssh2_channel_eof(t->ch))
					break;
				t->down_eof = true;
				continue;
			}
			ssize_t n = libssh2_channel_read(t->ch, (char *)t->down, sizeof t->down);
			if (n > 0) {
				t->doff = 0;
				t->dlen = (size_t)n;
			} else if (n == 0 || jump_later(n)) {
				if (libssh2_channel_eof(t->ch))
					t->down_eof = true;
				else
					break;
			} else {
				/* a channel-level error ends this tunnel only */
				t->down_eof = t->a_eof = true;
				t->ulen = 0;
				return !jump_session_error(n);
			}
		}
		if (t->doff < t->dlen) {
			ssize_t w = send(t->a, t->down + t->doff, t->dlen - t->doff, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno != EAGAIN && errno != EINTR)
					t->down_eof = t->a_eof = true;   /* the node end is gone */
				break;
			}
			t->doff += (size_t)w;
			moved += (size_t)w;
			continue;
		}
		if (t->down_eof) {
			shutdown(t->a, SHUT_WR);
			break;
		}
	}
	if (moved >= JUMP_PUMP_BUDGET)
		hub.again = true;
	return true;
}

/* Node -> channel.  false when the jump session broke. */
static bool pump_up(struct ssh_tunnel *t)
{
	size_t moved = 0;
	while (moved < JUMP_PUMP_BUDGET) {
		if (t->ulen == 0 && !t->a_eof && t->a_ready) {
			ssize_t n = recv(t->a, t->up, sizeof t->up, 0);
			if (n > 0) {
				t->ulen = (size_t)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				t->a_eof = true;
			} else {
				t->a_ready = false;
			}
		}
		if (t->ulen == 0) {
			if (t->a_eof && !t->eof_sent) {
				int rc = libssh2_channel_send_eof(t->ch);
				if (jump_later(rc))
					break;
				t->eof_sent = true;
			}
			break;
		}
		ssize_t w = libssh2_channel_write(t->ch, (const char *)t->up, t->ulen);
		if (w < 0 && jump_later(w))
			break;
		if (w < 0) {
			/* a channel-level error: this tunnel only */
			t->a_eof = t->down_eof = true;
			t->ulen = 0;
			t->doff = t->dlen;
			return !jump_session_error(w);
		}
		memmove(t->up, t->up + w, t->ulen - (size_t)w);
		t->ulen -= (size_t)w;
		moved += (size_t)w;
	}
	if (moved >= JUMP_PUMP_BUDGET)
		hub.again = true;
	return true;
}

/* Events to watch on a tunnel's end: readable while there is room to
 * take the node's bytes, writable while bytes wait for it. */
static uint32_t tunnel_events(const struct ssh_tunnel *t)
{
	if (t->st != T_OPEN)
		return 0;
	uint32_t ev = 0;
	if (t->ulen == 0 && !t->a_eof)
		ev |= EPOLLIN;
	if (t->doff < t->dlen)
		ev |= EPOLLOUT;
	return ev;
}

/* Read everything the socket holds into libssh2's queue (a zero-length
 * channel read does only that), so a readable socket never spins the loop
 * while every tunnel waits for its node; each channel's window bounds what
 * queues.  false when the session broke. */
static bool jump_pull(struct ssh_jumphost *j)
{
	char z;
	for (struct ssh_tunnel *t = j->tunnels; t; t = t->next)
		if (t->st == T_OPEN && t->ch)
			return !jump_session_error(libssh2_channel_read(t->ch, &z, 0));
	return true;
}

/* Move bytes both ways on every open tunnel of a ready jump host. */
static void jump_pump(struct ssh_jumphost *j, LIBSSH2_SESSION *s)
{
	jump_flush_closing(j);
	jump_open_next(j, s);
	jump_reap_orphans(j);
	bool ok = jump_pull(j);
	for (struct ssh_tunnel *t = j->tunnels; t && ok; t = t->next) {
		if (t->st != T_OPEN)
			continue;
		ok = pump_up(t) && pump_down(t);
		if (!ok)
			break;
		if (t->down_eof && t->a_eof && t->doff == t->dlen && t->ulen == 0 &&
		    t->st == T_OPEN) {
			char why[400];
			snprintf(why, sizeof why, "jump host %s: the channel to %s port %d closed",
			         j->name, t->host, t->port);
			tunnel_kill(t, CS_DOWN, why);
		}
	}
	if (!ok) {
		char *msg = NULL, why[400];
		libssh2_session_last_error(s, &msg, NULL, 0);
		snprintf(why, sizeof why, "connection lost: %s", msg && *msg ? msg : "?");
		ssh_conn_jump_lost(j->conn, why);   /* kills every tunnel */
		jump_snapshot(j);
	}
}

/* Watch the jump's descriptor and its tunnels' ends with the right events. */
static void jump_register(struct ssh_jumphost *j)
{
	LIBSSH2_SESSION *s = ssh_conn_jump_session(j->conn);
	short pev = 0;
	int fd = ssh_conn_pollfd(j->conn, &pev);
	uint32_t ev = 0;
	if (s) {
		int dir = libssh2_session_block_directions(s);
		ev = j->tunnels ? EPOLLIN : 0;
		if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			ev |= EPOLLOUT;
	} else {
		ev = (pev & POLLIN ? EPOLLIN : 0) | (pev & POLLOUT ? EPOLLOUT : 0);
	}
	hub_watch(&j->reg_fd, &j->reg_ev, fd, ev, &j->tag);
	for (struct ssh_tunnel *t = j->tunnels; t; t = t->next) {
		uint32_t tev = tunnel_events(t);
		if (tev == t->reg_ev && t->reg)
			continue;
		struct epoll_event e = { .events = tev, .data.ptr = &t->tag };
		if (t->reg ? epoll_ctl(hub.epfd, EPOLL_CTL_MOD, t->a, &e) == 0
		           : epoll_ctl(hub.epfd, EPOLL_CTL_ADD, t->a, &e) == 0) {
			t->reg = true;
			t->reg_ev = tev;
		}
	}
}

/* When the hub must be stepped again without I/O. */
double ssh_conn_jumps_deadline(void)
{
	double d = 1e300;
	for (struct ssh_jumphost *j = hub.list; j; j = j->next) {
		double t = ssh_conn_deadline(j->conn);
		if (t < d)
			d = t;
		if (j->nclosing)
			d = 0;
		for (struct ssh_tunnel *tn = j->tunnels; tn; tn = tn->next)
			if (tn->lost || (tn->st == T_WAIT && !j->opening &&
			                 ssh_conn_jump_session(j->conn)))
				d = 0;
	}
	return hub.again ? 0 : d;
}

/* Step every jump host: its own connection, channel opens, the pumps. */
void ssh_conn_jumps_step(double now)
{
	struct epoll_event ev[64];
	int n = hub.epfd >= 0 ? epoll_wait(hub.epfd, ev, 64, 0) : 0;
	hub.again = false;
	hub.stepping = true;
	for (int i = 0; i < n; i++) {
		struct hub_tag *tag = ev[i].data.ptr;
		short re = (short)((ev[i].events & EPOLLIN ? POLLIN : 0) |
		                   (ev[i].events & EPOLLOUT ? POLLOUT : 0) |
		                   (ev[i].events & EPOLLERR ? POLLERR : 0) |
		                   (ev[i].events & EPOLLHUP ? POLLHUP : 0));
		if (tag->kind == TAG_JUMP)
			((struct ssh_jumphost *)tag->p)->revents |= re;
		else
			((struct ssh_tunnel *)tag->p)->a_ready = true;
	}
	for (struct ssh_jumphost *j = hub.list; j; j = j->next) {
		short re = j->revents;
		j->revents = 0;
		LIBSSH2_SESSION *s = ssh_conn_jump_session(j->conn);
		if (s && !j->tunnels && (re & (POLLHUP | POLLERR)))
			ssh_conn_jump_lost(j->conn, "the jump host closed the connection");
		else if (re || ssh_conn_deadline(j->conn) <= now)
			ssh_conn_step(j->conn, now, re);
		jump_snapshot(j);
		s = ssh_conn_jump_session(j->conn);
		if (s) {
			jump_pump(j, s);
		} else if (ssh_conn_state(j->conn) != CS_CONNECTING) {
			/* the jump host is failing: so is every node waiting on it */
			char why[2600];
			snprintf(why, sizeof why, "jump host %s: %s", j->name, ssh_conn_why(j->conn));
			for (struct ssh_tunnel *t = j->tunnels; t; t = t->next)
				if (t->st == T_WAIT)
					tunnel_kill(t, ssh_conn_state(j->conn), why);
			jump_reap_orphans(j);
		}
		jump_register(j);
	}
	hub.stepping = false;
	/* the frees put off during the pass; each may free a parent too */
	for (bool again = true; again;) {
		again = false;
		for (struct ssh_jumphost *j = hub.list; j; j = j->next)
			if (j->dead) {
				j->refs = 1;
				j->dead = false;
				ssh_jump_put(j);
				again = true;
				break;
			}
	}
}
