/*
 * ssh_agent.h — private to ssh_auth.c: a non-blocking ssh-agent client.
 *
 * Speaks the two requests doptop needs (draft-miller-ssh-agent:
 * REQUEST_IDENTITIES and SIGN_REQUEST) over a non-blocking Unix socket
 * that the caller polls, so a slow or stuck agent never stalls the loop
 * (libssh2 1.10's own agent client blocks on its socket).  One request at
 * a time; a step returns at once.  Every answer is capped.
 */
#ifndef DOPTOP_SSH_AGENT_H
#define DOPTOP_SSH_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#define SSH_AGENT_MAX_REPLY (256u * 1024)   /* bytes in one answer (OpenSSH: 256 KiB) */
#define SSH_AGENT_MAX_KEYS  64              /* identities kept from the list */

enum ssh_agent_rc {
	SSH_AGENT_DONE     = 1,    /* the request is answered */
	SSH_AGENT_AGAIN    = 0,    /* would block: poll ssh_agent_pollfd() */
	SSH_AGENT_ENOAGENT = -1,   /* no agent at the path (missing, refused) */
	SSH_AGENT_ELOCAL   = -2,   /* no descriptor / memory here (errno kept) */
	SSH_AGENT_EPROTO   = -3,   /* the agent hung up or answered garbage */
	SSH_AGENT_EREFUSED = -4,   /* the agent answered FAILURE (key refused) */
};

struct ssh_agent_key {
	unsigned char *blob;       /* public key blob (wire form) */
	size_t len;
	char  *comment;            /* NUL-terminated, unsanitised */
};

struct ssh_agent;

/* Connect to the agent socket at path without blocking.  Returns the new
 * client (caller frees with ssh_agent_free) or NULL with *rc set to
 * SSH_AGENT_ENOAGENT or SSH_AGENT_ELOCAL (errno says why). */
struct ssh_agent *ssh_agent_open(const char *path, int *rc);
/* Close the socket and free; NULL is a no-op. */
void ssh_agent_free(struct ssh_agent *a);

/* Step the identities request.  On DONE the keys are readable below. */
int ssh_agent_list(struct ssh_agent *a);
int ssh_agent_nkeys(const struct ssh_agent *a);
/* Key i (borrowed until ssh_agent_free). */
const struct ssh_agent_key *ssh_agent_key(const struct ssh_agent *a, int i);

/* Step a signature of data with the key blob.  Call again with the same
 * arguments after AGAIN.  On DONE *sig (malloc'd, caller frees) holds the
 * raw signature without its algorithm name, as libssh2's sign callback
 * returns it. */
int ssh_agent_sign(struct ssh_agent *a, const unsigned char *blob, size_t bloblen,
                   const unsigned char *data, size_t datalen,
                   unsigned char **sig, size_t *siglen);

/* The socket and the events a pending request waits for (0 when idle). */
int ssh_agent_pollfd(const struct ssh_agent *a, short *events);
/* True while a request is sent and not yet answered. */
bool ssh_agent_busy(const struct ssh_agent *a);

#endif
