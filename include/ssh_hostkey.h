/*
 * ssh_hostkey.h — the host key step of an SSH connection: which host key
 * types to ask for, and whether to trust the key the server showed.
 *
 * The decision is ssh_known_hosts.c's (OpenSSH's rules), made over the
 * files, HostKeyAlias and StrictHostKeyChecking of the resolved
 * ssh_config; this file only feeds it the session's key and records a new
 * key when allowed (--accept-new, StrictHostKeyChecking accept-new or no):
 * in the first UserKnownHostsFile only, never in a global file, and never
 * when UserKnownHostsFile is none.  A changed or revoked key, and a
 * known_hosts that cannot be evaluated, are always refused.  A host vouched
 * for by a @cert-authority line shows a plain key here (libssh2 has no
 * host certificates): unknown, as for ssh, with the CA named when refused.
 */
#ifndef DOPTOP_SSH_HOSTKEY_H
#define DOPTOP_SSH_HOSTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <libssh2.h>
#include "ssh_config.h"

/* What ssh_hostkey_verify() decided. */
enum hk_verdict {
	HK_TRUSTED = 0,     /* known and equal, or new and recorded */
	HK_REFUSED = -1,    /* changed, revoked, or not evaluable */
	HK_NO_KEY = -2,     /* the session has no host key: a transport failure */
	HK_UNKNOWN = -3,    /* not known (or only through a CA) and not to be
	                     * recorded: StrictHostKeyChecking yes/ask without
	                     * --accept-new, or UserKnownHostsFile none */
};

/* Set the session's host key preference: the types known for the host
 * first (so the key we can check is the one negotiated), then the rest,
 * as ssh orders HostKeyAlgorithms.  port: the port connected to. */
void ssh_hostkey_prefer(LIBSSH2_SESSION *s, const struct ssh_host_cfg *cfg, int port);

/* Decide the session's host key for cfg at port; accept_new: the
 * --accept-new flag.  On HK_REFUSED / HK_UNKNOWN / HK_NO_KEY a one-line reason (with
 * the SHA256 fingerprint, the file:line that decided and the
 * `ssh-keygen -R` fix where one applies) goes to why. */
enum hk_verdict ssh_hostkey_verify(LIBSSH2_SESSION *s, const struct ssh_host_cfg *cfg, int port,
                                   bool accept_new, char *why, size_t cap);

#endif
