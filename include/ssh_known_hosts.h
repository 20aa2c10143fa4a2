/*
 * ssh_known_hosts.h — decide a server's host key from OpenSSH known_hosts
 * files with OpenSSH's rules (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT",
 * hostfile.c), without libssh2.
 *
 * The name looked up is "host" on port 22, else "[host]:port", lowercased
 * (or the HostKeyAlias, without a port, as ssh does).  A line applies when
 * its host field matches that name: a comma list of patterns with '*', '?'
 * and '!' negation, case-insensitive, or one hashed "|1|salt|hash" entry
 * (HMAC-SHA1 of the name keyed by the salt).  Then, over every file:
 *   - a key listed "@revoked" (under any host pattern) -> REVOKED;
 *   - an applying plain key equal to the server's     -> OK;
 *   - else any applying plain key (of any type)       -> CHANGED, as ssh's
 *     "REMOTE HOST IDENTIFICATION HAS CHANGED";
 *   - else an applying "@cert-authority" line          -> CA (host
 *     certificates are not supported; a plain key from the server is then
 *     unknown, as for ssh, and the refusal says why);
 *   - else                                             -> NEW.
 * What cannot be evaluated is ERROR, whatever else was found: a file that
 * exists but cannot be read, a line longer than KHS_MAX_LINE, an unknown
 * "@marker", a malformed hashed entry, a "@revoked" key that cannot be
 * decoded.  (Lines for other hosts with a malformed key are skipped, as
 * ssh skips them.)  Pure: no curses, no libssh2; HMAC/random from libcrypto.
 */
#ifndef DOPTOP_SSH_KNOWN_HOSTS_H
#define DOPTOP_SSH_KNOWN_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#define KHS_MAX_LINE  16384     /* bytes per line; an 16384-bit RSA key is ~2.8 KB */
#define KHS_MAX_TYPES 8

enum khs_status { KHS_OK = 0, KHS_NEW, KHS_CHANGED, KHS_REVOKED, KHS_CA, KHS_ERROR };

/* The outcome of one lookup. */
struct khs_result {
	enum khs_status status;
	char where[320];        /* "file:line" of the deciding line (CHANGED, REVOKED,
	                         * CA, ERROR), else "" */
	char why[160];          /* ERROR: what could not be evaluated */
	/* Key types ("ssh-ed25519", ...) of the plain keys that apply to the
	 * name, in file order, no duplicates: the handshake prefers these. */
	char types[KHS_MAX_TYPES][48];
	int  ntypes;
	int  flags;             /* internal: what the scan found so far */
};

/* The lookup name: lowercased "host" for port 22 (or port <= 0), else
 * "[host]:port".  0, or -1 when it does not fit. */
int ssh_known_hosts_name(const char *host, int port, char *buf, size_t cap);

/* Look up key (the server's public key blob, NULL to only collect types)
 * for name (from ssh_known_hosts_name) in files; a missing file is
 * skipped.  Fills r; returns r->status. */
enum khs_status ssh_known_hosts_check(const char *name, const unsigned char *key, size_t keylen,
                                      char *const *files, int nfiles, struct khs_result *r);

/* The same over one file's text (len bytes, need not end in '\n'),
 * accumulating into the state r was started with by
 * ssh_known_hosts_begin(); ssh_known_hosts_end() then sets r->status.
 * For tests and the fuzzer. */
void ssh_known_hosts_begin(struct khs_result *r);
void ssh_known_hosts_text(const char *name, const unsigned char *key, size_t keylen,
                          const char *path, const char *text, size_t len, struct khs_result *r);
enum khs_status ssh_known_hosts_end(struct khs_result *r);

/* Append "NAME KEYTYPE BASE64\n" for key to file -- NAME hashed ("|1|..."),
 * like ssh with HashKnownHosts, when hash -- under an exclusive lock
 * (flock), after a '\n' if the file lacks one; the file is created 0600,
 * and ~/.ssh 0700 when the file is in it (ssh creates no other directory).
 * 0, or -1 with errno set. */
int ssh_known_hosts_append(const char *file, const char *name, const unsigned char *key,
                           size_t keylen, bool hash);

/* Base64 (standard alphabet, padded) of in into out; -1 when it does not
 * fit.  Decode: strict, returns the length or -1. */
int ssh_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap);
int ssh_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

#endif
