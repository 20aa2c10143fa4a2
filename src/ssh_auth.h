/*
 * ssh_auth.h — private to ssh_conn.c: public key user authentication of one
 * libssh2 session, stepped without blocking on the network.
 *
 * Order: ssh-agent identities (IdentityAgent, else SSH_AUTH_SOCK; with
 * IdentitiesOnly only the agent keys whose public half is one of the key
 * files), then key files (-i first, then IdentityFile entries, else the
 * default ~/.ssh/id_ed25519, id_ecdsa, id_rsa).  Missing files are skipped
 * silently, like ssh does.  The agent is spoken to without blocking
 * (ssh_agent.c): while it is asked, ssh_auth_pollfd() names its socket;
 * an agent silent for SSH_AUTH_AGENT_TIMEOUT is skipped.  The agent
 * connection is closed as soon as authentication ends either way, so an
 * up node holds one descriptor, not two.
 */
#ifndef DOPTOP_SSH_AUTH_H
#define DOPTOP_SSH_AUTH_H

#include <stdbool.h>
#include <libssh2.h>
#include "ssh_config.h"

struct ssh_agent;

#define SSH_AUTH_MAX_FILES (SSHCFG_MAX_FILES + 4)
#define SSH_AUTH_KEY_MAX (64u * 1024)   /* bytes read of a key file (RSA 16384: ~13 KiB) */
#define SSH_AUTH_AGENT_TIMEOUT 5.0   /* s an agent request may take; a local
                                      * agent answers in well under 1 ms */

enum ssh_auth_rc {
	SSH_AUTH_DONE     = 1,   /* authenticated */
	SSH_AUTH_AGAIN    = 0,   /* would block: poll libssh2_session_block_directions */
	SSH_AUTH_EFAILED  = -1,  /* no key accepted; *why names the user and keys */
	SSH_AUTH_ESESSION = -2,  /* the connection broke, or the server did not
	                          * answer a key offer; *why says how */
	SSH_AUTH_ELOCAL   = -3,  /* this process ran short (descriptors, memory);
	                          * *why names what, local_err holds errno */
};

struct ssh_auth {
	char *user;                            /* owned */
	char *files[SSH_AUTH_MAX_FILES];       /* owned, in try order */
	int   nfiles;
	char *agent_path;                      /* owned; NULL = no agent */
	bool  only_files;                      /* IdentitiesOnly */
	/* per-session progress, cleared by ssh_auth_restart() */
	int   stage;
	int   file_i;
	char *priv, *pub;                      /* the key file being offered, read whole */
	size_t privlen, publen;
	struct ssh_agent *agent;
	int   key_i;
	int   agent_err;                       /* last ssh_agent rc from the sign callback */
	int   local_err;                       /* errno behind SSH_AUTH_ELOCAL */
	double agent_t0;                       /* monotonic start of the agent request */
	/* When the session last received bytes (monotonic), kept by the
	 * owner's libssh2 recv callback; borrowed, NULL = not known.  A key
	 * offer that fails after waiting, with no byte from the server in
	 * the failing call, was not refused: the server never answered. */
	const double *rx_at;
	bool  offer_waited;                    /* the current offer returned EAGAIN */
	void *cb_arg;                          /* = this struct, for libssh2's callback */
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
/* The agent socket to poll while the agent is asked (events set), else -1:
 * then poll the session's socket. */
int ssh_auth_pollfd(const struct ssh_auth *a, short *events);
/* Monotonic time by which ssh_auth_step must run again (agent timeout);
 * a large value when nothing waits on a timer. */
double ssh_auth_deadline(const struct ssh_auth *a);
/* Free everything a owns; a may be reused after ssh_auth_init(). */
void ssh_auth_free(struct ssh_auth *a);

#endif
