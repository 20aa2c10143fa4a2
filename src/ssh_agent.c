/*
 * ssh_agent.c — a non-blocking ssh-agent client (see ssh_agent.h).
 *
 * Wire form (draft-miller-ssh-agent): every message is uint32 length, then
 * a type byte and its fields; strings are uint32 length + bytes.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ssh_agent.h"

#define AGENT_FAILURE          5
#define AGENT_REQ_IDENTITIES   11
#define AGENT_IDENTITIES       12
#define AGENT_SIGN_REQUEST     13
#define AGENT_SIGN_RESPONSE    14

enum txn { TXN_IDLE, TXN_SEND, TXN_RECV };

struct ssh_agent {
	int fd;
	enum txn txn;
	unsigned char *out;           /* the request being sent */
	size_t olen, osent;
	unsigned char *in;            /* the answer being received */
	size_t ilen, icap;
	bool listed;
	struct ssh_agent_key keys[SSH_AGENT_MAX_KEYS];
	int nkeys;
};

/* True for errno values that mean this process ran short, not the agent. */
static bool agent_local_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS;
}

/* Connect to the agent socket at path without blocking. */
struct ssh_agent *ssh_agent_open(const char *path, int *rc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || !*path || strlen(path) >= sizeof sa.sun_path) {
		*rc = SSH_AGENT_ENOAGENT;
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	struct ssh_agent *a = calloc(1, sizeof *a);
	if (!a) {
		*rc = SSH_AGENT_ELOCAL;
		return NULL;
	}
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		int e = errno;
		free(a);
		errno = e;
		*rc = agent_local_errno(e) ? SSH_AGENT_ELOCAL : SSH_AGENT_ENOAGENT;
		return NULL;
	}
	/* A Unix connect completes at once or fails: EAGAIN means the agent's
	 * backlog is full, which counts as "no agent" here. */
	if (connect(a->fd, (const struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(a->fd);
		free(a);
		errno = e;
		*rc = agent_local_errno(e) ? SSH_AGENT_ELOCAL : SSH_AGENT_ENOAGENT;
		return NULL;
	}
	*rc = SSH_AGENT_DONE;
	return a;
}

/* Close and free. */
void ssh_agent_free(struct ssh_agent *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	for (int i = 0; i < a->nkeys; i++) {
		free(a->keys[i].blob);
		free(a->keys[i].comment);
	}
	free(a->out);
	free(a->in);
	free(a);
}

/* Big-endian uint32 at p. */
static uint32_t agent_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Store v big-endian at p; returns p + 4. */
static unsigned char *agent_put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return p + 4;
}

/* Store a string (length + bytes); returns the end. */
static unsigned char *agent_put_str(unsigned char *p, const unsigned char *s, size_t len)
{
	p = agent_put_u32(p, (uint32_t)len);
	memcpy(p, s, len);
	return p + len;
}

/* Read a string at *p within end; 0, or -1 when it does not fit. */
static int agent_get_str(const unsigned char **p, const unsigned char *end,
                         const unsigned char **s, size_t *len)
{
	if (end - *p < 4)
		return -1;
	uint32_t n = agent_u32(*p);
	if ((size_t)(end - *p - 4) < n)
		return -1;
	*s = *p + 4;
	*len = n;
	*p += 4 + n;
	return 0;
}

/* Start a request: body (type byte first) framed with its length. */
static int agent_start(struct ssh_agent *a, unsigned char *req, size_t len)
{
	free(a->out);
	a->out = req;
	agent_put_u32(req, (uint32_t)(len - 4));
	a->olen = len;
	a->osent = 0;
	a->ilen = 0;
	a->txn = TXN_SEND;
	return 0;
}

/* Send the request and receive the whole answer.  DONE with the answer's
 * body in a->in[4 .. ilen), AGAIN, or an error. */
static int agent_io(struct ssh_agent *a)
{
	while (a->txn == TXN_SEND) {
		ssize_t n = send(a->fd, a->out + a->osent, a->olen - a->osent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return SSH_AGENT_AGAIN;
		if (n <= 0)
			return SSH_AGENT_EPROTO;
		a->osent += (size_t)n;
		if (a->osent == a->olen)
			a->txn = TXN_RECV;
	}
	for (;;) {
		size_t want = a->ilen < 4 ? 4 : 4 + (size_t)agent_u32(a->in);
		if (a->ilen >= 4 && (want > SSH_AGENT_MAX_REPLY || want < 5))
			return SSH_AGENT_EPROTO;
		if (a->ilen == want && a->ilen > 4) {
			a->txn = TXN_IDLE;
			return SSH_AGENT_DONE;
		}
		if (want > a->icap) {
			unsigned char *p = realloc(a->in, want);
			if (!p)
				return SSH_AGENT_ELOCAL;
			a->in = p;
			a->icap = want;
		}
		ssize_t n = recv(a->fd, a->in + a->ilen, want - a->ilen, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return SSH_AGENT_AGAIN;
		if (n <= 0)
			return SSH_AGENT_EPROTO;
		a->ilen += (size_t)n;
	}
}

/* Parse an IDENTITIES_ANSWER into a->keys. */
static int agent_parse_keys(struct ssh_agent *a)
{
	const unsigned char *p = a->in + 4, *end = a->in + a->ilen;
	if (*p == AGENT_FAILURE)
		return SSH_AGENT_EREFUSED;
	if (*p++ != AGENT_IDENTITIES || end - p < 4)
		return SSH_AGENT_EPROTO;
	uint32_t n = agent_u32(p);
	p += 4;
	for (uint32_t i = 0; i < n && a->nkeys < SSH_AGENT_MAX_KEYS; i++) {
		const unsigned char *blob, *comment;
		size_t blen, clen;
		if (agent_get_str(&p, end, &blob, &blen) < 0 ||
		    agent_get_str(&p, end, &comment, &clen) < 0)
			return SSH_AGENT_EPROTO;
		struct ssh_agent_key *k = &a->keys[a->nkeys];
		k->blob = malloc(blen ? blen : 1);
		k->comment = malloc(clen + 1);
		if (!k->blob || !k->comment) {
			free(k->blob);
			free(k->comment);
			return SSH_AGENT_ELOCAL;
		}
		memcpy(k->blob, blob, blen);
		k->len = blen;
		memcpy(k->comment, comment, clen);
		k->comment[clen] = '\0';
		a->nkeys++;
	}
	a->listed = true;
	return SSH_AGENT_DONE;
}

/* Step the identities request. */
int ssh_agent_list(struct ssh_agent *a)
{
	if (a->listed)
		return SSH_AGENT_DONE;
	if (a->txn == TXN_IDLE) {
		unsigned char *req = malloc(5);
		if (!req)
			return SSH_AGENT_ELOCAL;
		req[4] = AGENT_REQ_IDENTITIES;
		agent_start(a, req, 5);
	}
	int rc = agent_io(a);
	return rc == SSH_AGENT_DONE ? agent_parse_keys(a) : rc;
}

/* Number of identities listed. */
int ssh_agent_nkeys(const struct ssh_agent *a)
{
	return a->nkeys;
}

/* Identity i. */
const struct ssh_agent_key *ssh_agent_key(const struct ssh_agent *a, int i)
{
	return i >= 0 && i < a->nkeys ? &a->keys[i] : NULL;
}

/* Parse a SIGN_RESPONSE: string(string algo, string raw signature). */
static int agent_parse_sig(struct ssh_agent *a, unsigned char **sig, size_t *siglen)
{
	const unsigned char *p = a->in + 4, *end = a->in + a->ilen, *full, *algo, *raw;
	size_t flen, alen, rlen;
	if (*p == AGENT_FAILURE)
		return SSH_AGENT_EREFUSED;
	if (*p++ != AGENT_SIGN_RESPONSE || agent_get_str(&p, end, &full, &flen) < 0)
		return SSH_AGENT_EPROTO;
	const unsigned char *q = full, *qend = full + flen;
	if (agent_get_str(&q, qend, &algo, &alen) < 0 || agent_get_str(&q, qend, &raw, &rlen) < 0)
		return SSH_AGENT_EPROTO;
	*sig = malloc(rlen ? rlen : 1);
	if (!*sig)
		return SSH_AGENT_ELOCAL;
	memcpy(*sig, raw, rlen);
	*siglen = rlen;
	return SSH_AGENT_DONE;
}

/* Step a signature request. */
int ssh_agent_sign(struct ssh_agent *a, const unsigned char *blob, size_t bloblen,
                   const unsigned char *data, size_t datalen,
                   unsigned char **sig, size_t *siglen)
{
	if (a->txn == TXN_IDLE) {
		if (bloblen > SSH_AGENT_MAX_REPLY || datalen > SSH_AGENT_MAX_REPLY)
			return SSH_AGENT_EPROTO;
		size_t len = 4 + 1 + 4 + bloblen + 4 + datalen + 4;
		unsigned char *req = malloc(len), *p;
		if (!req)
			return SSH_AGENT_ELOCAL;
		p = req + 4;
		*p++ = AGENT_SIGN_REQUEST;
		p = agent_put_str(p, blob, bloblen);
		p = agent_put_str(p, data, datalen);
		agent_put_u32(p, 0);   /* flags: the key's own algorithm */
		agent_start(a, req, len);
	}
	int rc = agent_io(a);
	if (rc == SSH_AGENT_AGAIN)
		return rc;
	a->txn = TXN_IDLE;
	return rc == SSH_AGENT_DONE ? agent_parse_sig(a, sig, siglen) : rc;
}

/* The socket and the events a pending request waits for. */
int ssh_agent_pollfd(const struct ssh_agent *a, short *events)
{
	*events = a->txn == TXN_SEND ? POLLOUT : a->txn == TXN_RECV ? POLLIN : 0;
	return a->fd;
}

/* True while a request is in flight. */
bool ssh_agent_busy(const struct ssh_agent *a)
{
	return a->txn != TXN_IDLE;
}
