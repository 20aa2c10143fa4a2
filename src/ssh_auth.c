/*
 * ssh_auth.c — public key authentication for ssh_conn.c: ssh-agent first,
 * then key files, each step returning at once when libssh2 would block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libssh2.h>
#include "ssh_auth.h"

/* Internal result: this stage is done, run the next one now. */
#define AUTH_NEXT 2

enum { ST_LIST = 0, ST_AGENT_START, ST_AGENT_NEXT, ST_AGENT_TRY, ST_FILE_NEXT, ST_FILE_TRY, ST_END };

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
	a->use_agent = !cfg->identities_only && getenv("SSH_AUTH_SOCK") != NULL;
	return 0;
oom:
	ssh_auth_free(a);
	return -1;
}

/* Drop the agent handle (it belongs to the old session). */
static void auth_agent_drop(struct ssh_auth *a)
{
	if (a->agent) {
		libssh2_agent_disconnect(a->agent);
		libssh2_agent_free(a->agent);
	}
	a->agent = NULL;
	a->id = NULL;
}

/* Forget the progress of a previous session. */
void ssh_auth_restart(struct ssh_auth *a)
{
	auth_agent_drop(a);
	a->stage = ST_LIST;
	a->file_i = 0;
	a->ntried = a->nrsa = 0;
	a->tried[0] = '\0';
	a->why[0] = '\0';
}

/* Free everything a owns. */
void ssh_auth_free(struct ssh_auth *a)
{
	auth_agent_drop(a);
	for (int i = 0; i < a->nfiles; i++)
		free(a->files[i]);
	free(a->user);
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

/* True when a key file is RSA, judged from its .pub or a PEM RSA header. */
static bool auth_file_is_rsa(const char *priv, const char *pub)
{
	char head[48] = "";
	FILE *f = fopen(pub ? pub : priv, "r");
	if (!f)
		return false;
	size_t n = fread(head, 1, sizeof head - 1, f);
	fclose(f);
	head[n] = '\0';
	return pub ? strncmp(head, "ssh-rsa ", 8) == 0
	           : strstr(head, "BEGIN RSA PRIVATE KEY") != NULL;
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

/* Ask which methods the server takes; this also tries the "none" method. */
static int auth_list(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	char *list = libssh2_userauth_list(s, a->user, (unsigned)strlen(a->user));
	if (!list) {
		if (libssh2_userauth_authenticated(s))
			return SSH_AUTH_DONE;
		if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
			return SSH_AUTH_AGAIN;
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
	a->stage = a->use_agent ? ST_AGENT_START : ST_FILE_NEXT;
	return AUTH_NEXT;
}

/* Connect to the agent and list its keys (blocking, but a local socket). */
static void auth_agent_start(struct ssh_auth *a, LIBSSH2_SESSION *s)
{
	a->stage = ST_FILE_NEXT;
	a->agent = libssh2_agent_init(s);
	if (!a->agent)
		return;
	if (libssh2_agent_connect(a->agent) != 0 || libssh2_agent_list_identities(a->agent) != 0) {
		auth_agent_drop(a);
		return;
	}
	a->id = NULL;
	a->stage = ST_AGENT_NEXT;
}

/* What one offered key's answer means: wait, done, a broken session, or
 * on to the stage that offers the next key. */
static int auth_outcome(struct ssh_auth *a, LIBSSH2_SESSION *s, int rc, int next,
                        const char **why)
{
	if (rc == LIBSSH2_ERROR_EAGAIN)
		return SSH_AUTH_AGAIN;
	if (rc == 0)
		return SSH_AUTH_DONE;
	if (auth_session_error(rc))
		return auth_broken(a, s, why);
	a->stage = next;
	return AUTH_NEXT;
}

/* Offer the current agent key. */
static int auth_agent_try(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	return auth_outcome(a, s, libssh2_agent_userauth(a->agent, a->user, a->id),
	                    ST_AGENT_NEXT, why);
}

/* Pick the next agent key, or move on to key files. */
static void auth_agent_next(struct ssh_auth *a)
{
	struct libssh2_agent_publickey *next = NULL;
	if (libssh2_agent_get_identity(a->agent, &next, a->id) != 0) {
		auth_agent_drop(a);
		a->stage = ST_FILE_NEXT;
		return;
	}
	char what[96];
	snprintf(what, sizeof what, "agent:%.80s", next->comment ? next->comment : "?");
	auth_note(a, what, auth_blob_is_rsa(next->blob, next->blob_len));
	a->id = next;
	a->stage = ST_AGENT_TRY;
}

/* Offer the current key file (with its .pub when there is one). */
static int auth_file_try(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	const char *priv = a->files[a->file_i];
	char pub[4096 + 8];
	snprintf(pub, sizeof pub, "%s.pub", priv);
	bool have_pub = access(pub, R_OK) == 0;
	int rc = libssh2_userauth_publickey_fromfile_ex(s, a->user, (unsigned)strlen(a->user),
	                                                have_pub ? pub : NULL, priv, NULL);
	int out = auth_outcome(a, s, rc, ST_FILE_NEXT, why);
	if (out == AUTH_NEXT)
		a->file_i++;
	return out;
}

/* Pick the next readable key file, or give up. */
static int auth_file_next(struct ssh_auth *a, const char **why)
{
	while (a->file_i < a->nfiles && access(a->files[a->file_i], R_OK) != 0)
		a->file_i++;
	if (a->file_i >= a->nfiles)
		return auth_failed(a, why);
	const char *priv = a->files[a->file_i];
	char pub[4096 + 8];
	snprintf(pub, sizeof pub, "%s.pub", priv);
	auth_note(a, priv, auth_file_is_rsa(priv, access(pub, R_OK) == 0 ? pub : NULL));
	a->stage = ST_FILE_TRY;
	return AUTH_NEXT;
}

/* Advance authentication on s. */
int ssh_auth_step(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why)
{
	static const char ended[] = "authentication already failed";
	for (int guard = 0; guard < 4 * SSH_AUTH_MAX_FILES + 64; guard++) {
		int rc = AUTH_NEXT;
		switch (a->stage) {
		case ST_LIST:        rc = auth_list(a, s, why); break;
		case ST_AGENT_START: auth_agent_start(a, s); break;
		case ST_AGENT_NEXT:  auth_agent_next(a); break;
		case ST_AGENT_TRY:   rc = auth_agent_try(a, s, why); break;
		case ST_FILE_NEXT:   rc = auth_file_next(a, why); break;
		case ST_FILE_TRY:    rc = auth_file_try(a, s, why); break;
		default:
			*why = a->why[0] ? a->why : ended;
			return SSH_AUTH_EFAILED;
		}
		if (rc != AUTH_NEXT)
			return rc;
	}
	/* An agent with very many keys: continue on the next step. */
	return SSH_AUTH_AGAIN;
}
