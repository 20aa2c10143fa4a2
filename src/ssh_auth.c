/*
 * ssh_auth.c — public key authentication for ssh_conn.c: ssh-agent first,
 * then key files, each step returning at once when libssh2 would block.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libssh2.h>
#include "clock.h"
#include "ssh_agent.h"
#include "ssh_auth.h"
#include "ssh_mem.h"

/* Internal result: this stage is done, run the next one now. */
#define AUTH_NEXT 2

enum { ST_LIST = 0, ST_AGENT_START, ST_AGENT_LIST, ST_AGENT_NEXT, ST_AGENT_TRY, ST_FILE_NEXT, ST_FILE_TRY, ST_END };

/* True for libssh2 errors that mean the connection itself is gone. */
static bool auth_session_error(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_SOCKET_NONE: case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV: case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT: case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_BAD_SOCKET: case LIBSSH2_ERROR_DECRYPT:
	case LIBSSH2_ERROR_INVALID_MAC: case LIBSSH2_ERROR_PROTO:
	case LIBSSH2_ERROR_BAD_USE:
		return true;
	default:
		return false;
	}
}

/* Append path to the try list if there is room and it is not there yet. */
static int auth_add_file(struct ssh_auth *a, const char *path)
{
	if (!path || !*path || a->nfiles >= SSH_AUTH_MAX_FILES)
		return 0;
	for (int i = 0; i < a->nfiles; i++)
		if (strcmp(a->files[i], path) == 0)
			return 0;
	a->files[a->nfiles] = strdup(path);
	if (!a->files[a->nfiles])
		return -1;
	a->nfiles++;
	return 0;
}

/* The agent socket ssh would use: IdentityAgent, else $SSH_AUTH_SOCK;
 * NULL for none. */
static const char *auth_agent_path(const struct ssh_host_cfg *cfg)
{
	if (cfg->identity_agent)
		return strcmp(cfg->identity_agent, "none") == 0 ? NULL : cfg->identity_agent;
	const char *env = getenv("SSH_AUTH_SOCK");
	return env && *env ? env : NULL;
}

/* Fill a from the resolved user, the -i file and the config. */
int ssh_auth_init(struct ssh_auth *a, const char *user, const char *identity,
                  const struct ssh_host_cfg *cfg)
{
	memset(a, 0, sizeof *a);
	a->user = strdup(user ? user : "root");
	if (!a->user || auth_add_file(a, identity) < 0)
		goto oom;
	for (int i = 0; i < cfg->nidentity; i++)
		if (auth_add_file(a, cfg->identity[i]) < 0)
			goto oom;
	if (cfg->nidentity == 0) {
		/* ssh's defaults; ed25519 first since libssh2 1.10 cannot use RSA. */
		static const char *const def[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
		const char *home = getenv("HOME");
		char path[4096];
		for (size_t i = 0; home && i < sizeof def / sizeof def[0]; i++) {
			snprintf(path, sizeof path, "%s/.ssh/%s", home, def[i]);
			if (auth_add_file(a, path) < 0)
				goto oom;
		}
	}
	const char *agent = auth_agent_path(cfg);
	if (agent && !(a->agent_path = strdup(agent)))
		goto oom;
	a->only_files = cfg->identities_only;
	a->cb_arg = a;
	return 0;
oom:
	ssh_auth_free(a);
	return -1;
}

/* Close the agent connection (after authentication, or for a new session). */
static void auth_agent_drop(struct ssh_auth *a)
{
	ssh_agent_free(a->agent);
	a->agent = NULL;
	a->key_i = -1;
}

/* Forget the progress of a previous session. */
void ssh_auth_restart(struct ssh_auth *a)
{
	auth_agent_drop(a);
	a->stage = ST_LIST;
	a->file_i = 0;
	a->agent_err = 0;
	a->offer_waited = false;
	a->ntried = a->nrsa = 0;
	a->tried[0] = '\0';
	a->why[0] = '\0';
	a->cb_arg = a;
}

/* Free everything a owns. */
void ssh_auth_free(struct ssh_auth *a)
{
	auth_agent_drop(a);
	for (int i = 0; i < a->nfiles; i++)
		free(a->files[i]);
	free(a->priv);
	free(a->pub);
	free(a->user);
	free(a->agent_path);
	memset(a, 0, sizeof *a);
}

/* Note one offered key ("agent:comment" or a path) for the failure text. */
static void auth_note(struct ssh_auth *a, const char *what, bool rsa)
{
	size_t len = strlen(a->tried);
	a->ntried++;
	a->nrsa += rsa;
	if (len + 8 < sizeof a->tried)
		snprintf(a->tried + len, sizeof a->tried - len, "%s%s", len ? ", " : "", what);
}

/* True when an agent key blob is "ssh-rsa" (uint32 length, then the name). */
static bool auth_blob_is_rsa(const unsigned char *blob, size_t len)
{
	return len > 11 && memcmp(blob, "\0\0\0\7ssh-rsa", 11) == 0;
}

/* Build the final "no key accepted" text. */
static int auth_failed(struct ssh_auth *a, const char **why)
{
	if (a->ntried == 0)
		snprintf(a->why, sizeof a->why,
		         "no key to offer for user %s (no ssh-agent key, no readable IdentityFile)",
		         a->user);
	else if (a->nrsa == a->ntried)
		snprintf(a->why, sizeof a->why,
		         "only RSA keys offered for user %s (%s); libssh2 1.10 cannot use rsa-sha2 — add an ed25519 key",
		         a->user, a->tried);
	else
		snprintf(a->why, sizeof a->why, "no key accepted for user %s (tried: %s)",
		         a->user, a->tried);
	*why = a->why;
	a->stage = ST_END;
	return SSH_AUTH_EFAILED;
}

/* Turn a libssh2 error into a session failure with its message. */
static int auth_broken(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	snprintf(a->why, sizeof a->why, "connection lost during authentication: %s",
	         msg ? msg : "unknown error");
	*why = a->why;
	return SSH_AUTH_ESESSION;
}

/* This process ran short: what, and errno in local_err. */
static int auth_local(struct ssh_auth *a, const char *what, int err, const char **why)
{
	snprintf(a->why, sizeof a->why, "%s", what);
	a->local_err = err;
	*why = a->why;
	auth_agent_drop(a);
	return SSH_AUTH_ELOCAL;
}

/* Ask which methods the server takes; this also tries the "none" method. */
static int auth_list(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	char *list = libssh2_userauth_list(s, a->user, (unsigned)strlen(a->user));
	if (!list) {
		if (libssh2_userauth_authenticated(s))
			return SSH_AUTH_DONE;
		int err = libssh2_session_last_errno(s);
		if (err == LIBSSH2_ERROR_EAGAIN)
			return SSH_AUTH_AGAIN;
		if (err == LIBSSH2_ERROR_ALLOC)
			return auth_local(a, "libssh2", ENOMEM, why);
		return auth_broken(a, s, why);
	}
	if (!strstr(list, "publickey")) {
		snprintf(a->why, sizeof a->why,
		         "server does not accept public keys for user %s (methods: %.200s)",
		         a->user, list);
		*why = a->why;
		a->stage = ST_END;
		return SSH_AUTH_EFAILED;
	}
	a->stage = a->agent_path ? ST_AGENT_START : ST_FILE_NEXT;
	return AUTH_NEXT;
}

/* Connect to the agent without blocking; a missing agent is skipped like
 * ssh skips it, a descriptor shortage is this process's failure. */
static int auth_agent_start(struct ssh_auth *a, const char **why)
{
	int rc;
	a->stage = ST_FILE_NEXT;
	a->agent = ssh_agent_open(a->agent_path, &rc);
	if (!a->agent && rc == SSH_AGENT_ELOCAL)
		return auth_local(a, "cannot connect to ssh-agent", errno, why);
	if (!a->agent) {
		char what[96];
		snprintf(what, sizeof what, "agent:(%s)", strerror(errno));
		auth_note(a, what, false);
		a->ntried--;   /* a note, not a key */
		return AUTH_NEXT;
	}
	a->agent_t0 = clock_mono();
	a->stage = ST_AGENT_LIST;
	return AUTH_NEXT;
}

/* The agent failed at a request: local shortage, or skip it. */
static int auth_agent_failed(struct ssh_auth *a, int rc, const char **why)
{
	if (rc == SSH_AGENT_ELOCAL)
		return auth_local(a, "ssh-agent request", errno ? errno : ENOMEM, why);
	auth_note(a, rc == SSH_AGENT_EPROTO ? "agent:(hung up)" : "agent:(timed out)", false);
	a->ntried--;   /* a note, not a key */
	auth_agent_drop(a);
	a->stage = ST_FILE_NEXT;
	return AUTH_NEXT;
}

/* List the agent's keys. */
static int auth_agent_list(struct ssh_auth *a, const char **why)
{
	int rc = ssh_agent_list(a->agent);
	if (rc == SSH_AGENT_AGAIN)
		return SSH_AUTH_AGAIN;
	if (rc != SSH_AGENT_DONE)
		return auth_agent_failed(a, rc, why);
	a->key_i = -1;
	a->stage = ST_AGENT_NEXT;
	return AUTH_NEXT;
}

/* Decode base64 text into out; the length, or -1 on a bad character. */
static long auth_unbase64(const char *in, size_t n, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	int bits = 0;
	size_t len = 0;
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = in[i] ? strchr(tab, in[i]) : NULL;
		if (!p)
			return -1;
		acc = (acc << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len >= cap)
				return -1;
			out[len++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)len;
}

/* True when blob is the public half of one of the key files (their .pub):
 * with IdentitiesOnly ssh offers only those agent keys. */
static bool auth_blob_in_files(const struct ssh_auth *a, const unsigned char *blob, size_t len)
{
	for (int i = 0; i < a->nfiles; i++) {
		char path[4096 + 8], line[8192], *b64, *end;
		unsigned char key[6144];
		snprintf(path, sizeof path, "%s.pub", a->files[i]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		char *got = fgets(line, sizeof line, f);
		fclose(f);
		if (!got || !(b64 = strchr(line, ' ')))
			continue;
		b64++;
		end = b64 + strcspn(b64, " \t\r\n");
		long n = auth_unbase64(b64, (size_t)(end - b64), key, sizeof key);
		if (n == (long)len && memcmp(key, blob, len) == 0)
			return true;
	}
	return false;
}

/* The server did not answer a key offer: libssh2 1.10 reports a closed
 * connection, or its own 60-s wait for the reply (LIBSSH2_READ_TIMEOUT),
 * as a refused key (LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED).  Seen with an
 * emulated guest's sshd; ssh says "Connection closed", never "Permission
 * denied", so this is a session failure (down, retried), not auth-failed. */
static int auth_unanswered(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	snprintf(a->why, sizeof a->why,
	         "no answer to the public key offer (connection closed or silent during "
	         "authentication): %s", msg ? msg : "unknown error");
	*why = a->why;
	return SSH_AUTH_ESESSION;
}

/* What one offered key's answer means: wait, done, a broken session, or
 * on to the stage that offers the next key.  heard: the server sent bytes
 * during the call that returned rc. */
static int auth_outcome(struct ssh_auth *a, LIBSSH2_SESSION *s, int rc, bool heard, int next,
                        const char **why)
{
	if (rc == LIBSSH2_ERROR_EAGAIN) {
		a->offer_waited = true;
		return SSH_AUTH_AGAIN;
	}
	if (rc == 0)
		return SSH_AUTH_DONE;
	if (auth_session_error(rc))
		return auth_broken(a, s, why);
	/* A refusal is an answer: a failure right away (a key libssh2
	 * cannot use) or one read from the server.  AUTHENTICATION_FAILED
	 * is only ever the server's "no". */
	if (a->offer_waited && !heard && rc != LIBSSH2_ERROR_AUTHENTICATION_FAILED)
		return auth_unanswered(a, s, why);
	a->offer_waited = false;
	a->stage = next;
	return AUTH_NEXT;
}

/* The recv clock before a libssh2 call, to tell afterwards if it heard
 * from the server (no clock: assume it did, as before). */
static double auth_rx_mark(const struct ssh_auth *a)
{
	return a->rx_at ? *a->rx_at : 0;
}

/* True when the server sent bytes since mark. */
static bool auth_heard(const struct ssh_auth *a, double mark)
{
	return !a->rx_at || *a->rx_at != mark;
}

/* libssh2's sign callback: ask the agent without blocking; EAGAIN makes
 * libssh2 call again with the same data. */
static int auth_sign_cb(LIBSSH2_SESSION *s, unsigned char **sig, size_t *siglen,
                        const unsigned char *data, size_t datalen, void **abstract)
{
	struct ssh_auth *a = *abstract;
	const struct ssh_agent_key *k = a->agent ? ssh_agent_key(a->agent, a->key_i) : NULL;
	if (!k || a->agent_err)
		return -1;
	unsigned char *got = NULL;
	int rc = ssh_agent_sign(a->agent, k->blob, k->len, data, datalen, &got, siglen);
	if (rc == SSH_AGENT_AGAIN)
		return LIBSSH2_ERROR_EAGAIN;
	if (rc == SSH_AGENT_DONE) {
		/* libssh2 frees the signature with the session's allocator
		 * (ssh_mem.c, listing each block): hand it one of those */
		*sig = ssh_mem_alloc(*siglen ? *siglen : 1, libssh2_session_abstract(s));
		if (*sig)
			memcpy(*sig, got, *siglen);
		free(got);
		if (*sig)
			return 0;
		a->agent_err = SSH_AGENT_ELOCAL;
		return -1;
	}
	if (rc != SSH_AGENT_EREFUSED)
		a->agent_err = rc;
	return -1;
}

/* Offer the current agent key. */
static int auth_agent_try(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	const struct ssh_agent_key *k = ssh_agent_key(a->agent, a->key_i);
	double mark = auth_rx_mark(a);
	int rc = libssh2_userauth_publickey(s, a->user, k->blob, k->len, auth_sign_cb, &a->cb_arg);
	if (rc != LIBSSH2_ERROR_EAGAIN && a->agent_err) {
		int err = a->agent_err;
		a->agent_err = 0;
		a->offer_waited = false;
		return auth_agent_failed(a, err, why);
	}
	return auth_outcome(a, s, rc, auth_heard(a, mark), ST_AGENT_NEXT, why);
}

/* Pick the next agent key, or move on to key files. */
static void auth_agent_next(struct ssh_auth *a)
{
	const struct ssh_agent_key *k;
	while ((k = ssh_agent_key(a->agent, ++a->key_i)) &&
	       a->only_files && !auth_blob_in_files(a, k->blob, k->len))
		;
	if (!k) {
		auth_agent_drop(a);
		a->stage = ST_FILE_NEXT;
		return;
	}
	char what[96];
	snprintf(what, sizeof what, "agent:%.80s", k->comment);
	auth_note(a, what, auth_blob_is_rsa(k->blob, k->len));
	a->agent_t0 = clock_mono();
	a->stage = ST_AGENT_TRY;
}

/* Offer the current key file from memory (read in auth_file_next): libssh2
 * would open the private key again when signing, a round trip later, and
 * call a descriptor shortage then an unusable key. */
static int auth_file_try(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	double mark = auth_rx_mark(a);
	int rc = libssh2_userauth_publickey_frommemory(s, a->user, strlen(a->user),
	                                               a->pub, a->publen, a->priv, a->privlen, NULL);
	if (rc == LIBSSH2_ERROR_ALLOC)
		return auth_local(a, "reading key file", ENOMEM, why);
	int out = auth_outcome(a, s, rc, auth_heard(a, mark), ST_FILE_NEXT, why);
	if (out == AUTH_NEXT)
		a->file_i++;
	return out;
}

/* Read path whole (at most SSH_AUTH_KEY_MAX bytes) into *buf (owned by a,
 * replacing what was there).  1 read, 0 unreadable (skipped like ssh
 * does), or -errno for a descriptor or memory shortage. */
static int auth_slurp(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE || errno == ENOMEM ? -errno : 0;
	char *b = malloc(SSH_AUTH_KEY_MAX + 1);
	size_t n = 0;
	ssize_t r = 0;
	while (b && n < SSH_AUTH_KEY_MAX && (r = read(fd, b + n, SSH_AUTH_KEY_MAX - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (!b)
		return -ENOMEM;
	if (r < 0 || n == 0) {
		free(b);
		return 0;
	}
	b[n] = '\0';
	/* keep what was read, not the cap (a node keeps its key files) */
	char *t = realloc(b, n + 1);
	if (t)
		b = t;
	free(*buf);
	*buf = b;
	*len = n;
	return 1;
}

/* Pick the next readable key file and read it (and its .pub), or give up. */
static int auth_file_next(struct ssh_auth *a, const char **why)
{
	for (; a->file_i < a->nfiles; a->file_i++) {
		int rc = auth_slurp(a->files[a->file_i], &a->priv, &a->privlen);
		if (rc < 0)
			return auth_local(a, "cannot open key file", -rc, why);
		if (rc > 0)
			break;
	}
	if (a->file_i >= a->nfiles)
		return auth_failed(a, why);
	const char *priv = a->files[a->file_i];
	char pub[4096 + 8];
	snprintf(pub, sizeof pub, "%s.pub", priv);
	int rc = auth_slurp(pub, &a->pub, &a->publen);
	if (rc < 0)
		return auth_local(a, "cannot open key file", -rc, why);
	if (rc == 0) {
		free(a->pub);
		a->pub = NULL;
		a->publen = 0;
	}
	auth_note(a, priv, a->pub ? strncmp(a->pub, "ssh-rsa ", 8) == 0
	                          : strstr(a->priv, "BEGIN RSA PRIVATE KEY") != NULL);
	a->stage = ST_FILE_TRY;
	return AUTH_NEXT;
}

/* Advance authentication on s. */
int ssh_auth_step(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	static const char ended[] = "authentication already failed";
	/* An agent that does not answer is skipped; a sign request in flight
	 * is failed through the callback so libssh2 resets its own state. */
	if (a->agent && ssh_agent_busy(a->agent) &&
	    clock_mono() - a->agent_t0 > SSH_AUTH_AGENT_TIMEOUT) {
		if (a->stage == ST_AGENT_LIST)
			auth_agent_failed(a, SSH_AGENT_AGAIN, why);
		else
			a->agent_err = SSH_AGENT_AGAIN;
	}
	for (int guard = 0; guard < 4 * SSH_AUTH_MAX_FILES + 4 * SSH_AGENT_MAX_KEYS + 64; guard++) {
		int rc = AUTH_NEXT;
		switch (a->stage) {
		case ST_LIST:        rc = auth_list(a, s, why); break;
		case ST_AGENT_START: rc = auth_agent_start(a, why); break;
		case ST_AGENT_LIST:  rc = auth_agent_list(a, why); break;
		case ST_AGENT_NEXT:  auth_agent_next(a); break;
		case ST_AGENT_TRY:   rc = auth_agent_try(a, s, why); break;
		case ST_FILE_NEXT:   rc = auth_file_next(a, why); break;
		case ST_FILE_TRY:    rc = auth_file_try(a, s, why); break;
		default:
			*why = a->why[0] ? a->why : ended;
			return SSH_AUTH_EFAILED;
		}
		if (rc == SSH_AUTH_DONE || rc == SSH_AUTH_EFAILED || rc == SSH_AUTH_ESESSION)
			auth_agent_drop(a);   /* one descriptor per up node, not two */
		if (rc != AUTH_NEXT)
			return rc;
	}
	/* An agent with very many keys: continue on the next step. */
	return SSH_AUTH_AGAIN;
}

/* The agent socket while the agent is asked. */
int ssh_auth_pollfd(const struct ssh_auth *a, short *events)
{
	*events = 0;
	if (!a->agent || !ssh_agent_busy(a->agent))
		return -1;
	return ssh_agent_pollfd(a->agent, events);
}

/* When the agent request times out. */
double ssh_auth_deadline(const struct ssh_auth *a)
{
	if (!a->agent || !ssh_agent_busy(a->agent))
		return 1e300;
	return a->agent_t0 + SSH_AUTH_AGENT_TIMEOUT;
}
