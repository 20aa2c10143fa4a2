/*
 * known_hosts.h — strict host key checking against OpenSSH known_hosts files.
 *
 * Uses libssh2's knownhost API, fed one line at a time so one bad line does
 * not hide the rest.  Handles hashed entries (|1|...), "[host]:port" entries
 * for non-22 ports, and several files.  Never auto-accepts a changed key.
 */
#ifndef DOPTOP_KNOWN_HOSTS_H
#define DOPTOP_KNOWN_HOSTS_H

#include <stddef.h>
#include <libssh2.h>

enum kh_result {
	KH_MATCH = 0,      /* the key is known for this host */
	KH_MISMATCH = -1,  /* a different key of the same type is known: refuse */
	KH_NOTFOUND = -2,  /* no key of this type for this host */
	KH_ERROR = -3,     /* could not check (no key from session, ...) */
};

/* Check the session's host key for host (the HostKeyAlias if set, else the
 * name connected to) and port against files.  On return fp holds the key's
 * "SHA256:..." fingerprint (like ssh prints it) when available. */
int known_hosts_check(LIBSSH2_SESSION *s, const char *host, int port,
                      char *const *files, int nfiles, char *fp, size_t fpcap);

/* Append the session's host key for host:port to file (creating it 0600 and
 * its directory 0700 when missing), in plain "host keytype base64" or
 * "[host]:port keytype base64" form.  0 or negative. */
int known_hosts_append(LIBSSH2_SESSION *s, const char *host, int port, const char *file);

/* The host key algorithms known for host:port in files, as a libssh2
 * method preference list ("ssh-ed25519,ecdsa-sha2-nistp256"), so that the
 * handshake negotiates a key type we can verify.  Returns the length, 0
 * when nothing is known (keep libssh2's default). */
int known_hosts_algos(const char *host, int port, char *const *files, int nfiles,
                      char *buf, size_t cap);

#endif
