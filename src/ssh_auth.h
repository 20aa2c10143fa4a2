/*
 * ssh_auth.h — private to ssh_conn.c: public key user authentication of one
 * libssh2 session, stepped without blocking on the network.
 *
 * Order: ssh-agent identities (SSH_AUTH_SOCK, skipped with IdentitiesOnly),
 * then key files (-i first, then IdentityFile entries, else the default
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa).  Missing files are skipped silently,
 * like ssh does.  The agent is a local Unix socket: libssh2 1.10 talks to it
 * with blocking calls, so each agent request may block for as long as the
 * local agent takes to answer (normally well under a millisecond).
 */
#ifndef DOPTOP_SSH_AUTH_H
#define DOPTOP_SSH_AUTH_H

#include <stdbool.h>
#include <libssh2.h>
#include "ssh_config.h"

#define SSH_AUTH_MAX_FILES (SSHCFG_MAX_FILES + 4)

enum ssh_auth_rc {
	SSH_AUTH_DONE     = 1,   /* authenticated */
	SSH_AUTH_AGAIN    = 0,   /* would block: poll libssh2_session_block_directions */
	SSH_AUTH_EFAILED  = -1,  /* no key accepted; *why names the user and keys */
	SSH_AUTH_ESESSION = -2,  /* the connection broke; *why says how */
};

struct ssh_auth {
	char *user;                            /* owned */
	char *files[SSH_AUTH_MAX_FILES];       /* owned, in try order */
	int   nfiles;
	bool  use_agent;
	/* per-session progress, cleared by ssh_auth_restart() */
	int   stage;
	int   file_i;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id;
	int   ntried, nrsa;
	char  tried[256];
	char  why[512];
};

/* Fill a from the resolved user, the -i file (NULL = none) and cfg.
 * 0, or -1 on OOM.  Free with ssh_auth_free(). */
int ssh_auth_init(struct ssh_auth *a, const char *user, const char *identity,
                  const struct ssh_host_cfg *cfg);
/* Forget the progress of a previous session (before a new attempt). */
void ssh_auth_restart(struct ssh_auth *a);
/* Advance authentication on s; returns an enum ssh_auth_rc.  *why is
 * borrowed from a until the next call. */
int ssh_auth_step(struct ssh_auth *a, LIBSSH2_SESSION *s, const char **why);
/* Free everything a owns; a may be reused after ssh_auth_init(). */
void ssh_auth_free(struct ssh_auth *a);

#endif
