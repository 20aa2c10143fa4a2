/*
 * known_hosts.c — strict host key checking against OpenSSH known_hosts
 * files with libssh2's knownhost API, one line at a time.
 */
#include "known_hosts.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Longest known_hosts line we look at (a 16384-bit RSA key is ~2.8 KB). */
#define KH_MAX_LINE 8192
/* Lines read per file: a huge file cannot stall the event loop for long. */
#define KH_MAX_LINES 200000

/* One host key type: libssh2 session type, knownhost bit, method names. */
struct kh_type {
	int session_type;
	int kh_bit;
	const char *methods;
};

/* In the order we prefer them, like OpenSSH's default HostKeyAlgorithms. */
static const struct kh_type kh_types[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521" },
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
	{ LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss" },
};

/* The kh_types entry for a libssh2 session host key type, or NULL. */
static const struct kh_type *type_of_session(int session_type)
{
	for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++)
		if (kh_types[i].session_type == session_type)
			return &kh_types[i];
	return NULL;
}

/* The name known_hosts uses: "host" on port 22, else "[host]:port". */
static int entry_name(const char *host, int port, char *buf, size_t cap)
{
	int n = port <= 0 || port == 22 ? snprintf(buf, cap, "%s", host)
	                                : snprintf(buf, cap, "[%s]:%d", host, port);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Feed every line of path to hosts (and "@revoked" lines to revoked, when
 * given); lines libssh2 cannot parse are skipped, not fatal. */
static void load_file(LIBSSH2_KNOWNHOSTS *hosts, LIBSSH2_KNOWNHOSTS *revoked, const char *path)
{
	char line[KH_MAX_LINE];
	int nlines = 0;
	bool skipping = false;

	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nlines++ < KH_MAX_LINES) {
		size_t n = strlen(line);
		bool whole = n > 0 && line[n - 1] == '\n';
		/* The tail of an over-long line is not a line of its own. */
		bool was_skipping = skipping;
		skipping = !whole && !feof(f);
		if (was_skipping || skipping)
			continue;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		LIBSSH2_KNOWNHOSTS *into = hosts;
		if (*p == '@') {
			/* Markers: "@revoked" keys are refused; "@cert-authority" lines
			 * are CA keys, which doptop does not use. */
			if (!revoked || strncmp(p, "@revoked", 8) != 0 || (p[8] != ' ' && p[8] != '\t'))
				continue;
			p += 8;
			p += strspn(p, " \t");
			into = revoked;
		}
		libssh2_knownhost_readline(into, p, strlen(p), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	}
	fclose(f);
}

/* Base64 of in[0..n) without '=' padding, as OpenSSH prints SHA256 hashes. */
static void base64_nopad(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
}

/* Write the session's "SHA256:..." host key fingerprint into fp. */
static void fingerprint(LIBSSH2_SESSION *s, char *fp, size_t fpcap)
{
	const unsigned char *h;
	char b64[64];

	if (!fp || fpcap == 0)
		return;
	fp[0] = '\0';
	h = (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (!h)
		return;
	base64_nopad(h, 32, b64, sizeof(b64));
	snprintf(fp, fpcap, "SHA256:%s", b64);
}

/* Check the session's host key for host:port against files. */
int known_hosts_check(LIBSSH2_SESSION *s, const char *host, int port,
                      char *const *files, int nfiles, char *fp, size_t fpcap)
{
	char name[1100];
	size_t keylen = 0;
	int type = 0, rc;

	if (fp && fpcap)
		fp[0] = '\0';
	const char *key = s ? libssh2_session_hostkey(s, &keylen, &type) : NULL;
	if (!key || !host)
		return KH_ERROR;
	fingerprint(s, fp, fpcap);
	const struct kh_type *kt = type_of_session(type);
	if (!kt || entry_name(host, port, name, sizeof(name)) < 0)
		return KH_ERROR;
	LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init(s);
	LIBSSH2_KNOWNHOSTS *revoked = libssh2_knownhost_init(s);
	if (!hosts || !revoked) {
		if (hosts)
			libssh2_knownhost_free(hosts);
		if (revoked)
			libssh2_knownhost_free(revoked);
		return KH_ERROR;
	}
	for (int i = 0; i < nfiles; i++)
		if (files[i])
			load_file(hosts, revoked, files[i]);
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt->kh_bit;
	/* Port -1: name already carries "[host]:port", so libssh2 must not
	 * fall back to the bare host as it does for other ports. */
	if (libssh2_knownhost_checkp(revoked, name, -1, key, keylen, mask, NULL) ==
	    LIBSSH2_KNOWNHOST_CHECK_MATCH) {
		rc = KH_MISMATCH;
	} else {
		switch (libssh2_knownhost_checkp(hosts, name, -1, key, keylen, mask, NULL)) {
		case LIBSSH2_KNOWNHOST_CHECK_MATCH: rc = KH_MATCH; break;
		case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: rc = KH_MISMATCH; break;
		case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: rc = KH_NOTFOUND; break;
		default: rc = KH_ERROR; break;
		}
	}
	libssh2_knownhost_free(hosts);
	libssh2_knownhost_free(revoked);
	return rc;
}

/* Create the directory holding file (mode 0700) when it is missing. */
static int ensure_dir(const char *file)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');

	if (!slash || slash == file)
		return 0;
	if ((size_t)(slash - file) >= sizeof(dir))
		return -1;
	memcpy(dir, file, (size_t)(slash - file));
	dir[slash - file] = '\0';
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

/* Append line to file (0600 when created), after a '\n' if the file lacks one. */
static int append_line(const char *file, const char *line, size_t len)
{
	char last = '\n';

	if (ensure_dir(file) < 0)
		return -1;
	int fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end > 0 && pread(fd, &last, 1, end - 1) != 1)
		last = '\n';
	int rc = 0;
	if (last != '\n' && write(fd, "\n", 1) != 1)
		rc = -1;
	if (rc == 0 && write(fd, line, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* Append the session's host key for host:port to file, plain form. */
int known_hosts_append(LIBSSH2_SESSION *s, const char *host, int port, const char *file)
{
	char name[1100], line[KH_MAX_LINE];
	struct libssh2_knownhost *entry = NULL;
	size_t keylen = 0, outlen = 0;
	int type = 0, rc = -1;

	const char *key = s ? libssh2_session_hostkey(s, &keylen, &type) : NULL;
	const struct kh_type *kt = key ? type_of_session(type) : NULL;
	if (!kt || !host || !file || entry_name(host, port, name, sizeof(name)) < 0)
		return -1;
	LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init(s);
	if (!hosts)
		return -1;
	int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kt->kh_bit;
	if (libssh2_knownhost_addc(hosts, name, NULL, key, keylen, NULL, 0, mask, &entry) == 0 &&
	    libssh2_knownhost_writeline(hosts, entry, line, sizeof(line), &outlen,
	                                LIBSSH2_KNOWNHOST_FILE_OPENSSH) == 0)
		rc = append_line(file, line, outlen);
	libssh2_knownhost_free(hosts);
	return rc;
}

/* Append text (with a ',' separator) to buf; -1 when it does not fit. */
static int list_add(char *buf, size_t cap, size_t *len, const char *text)
{
	int n = snprintf(buf + *len, cap - *len, "%s%s", *len ? "," : "", text);
	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* The host key algorithms known for host:port in files, preferred first. */
int known_hosts_algos(const char *host, int port, char *const *files, int nfiles,
                      char *buf, size_t cap)
{
	static const char probe_key[] = "doptop-probe";
	char name[1100];
	size_t len = 0;

	if (!buf || cap == 0)
		return 0;
	buf[0] = '\0';
	if (!host || entry_name(host, port, name, sizeof(name)) < 0)
		return 0;
	/* The knownhost API needs a session to allocate from; it never connects. */
	LIBSSH2_SESSION *s = libssh2_session_init();
	if (!s)
		return 0;
	LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init(s);
	if (hosts) {
		for (int i = 0; i < nfiles; i++)
			if (files[i])
				load_file(hosts, NULL, files[i]);
		/* A made-up key of each type: MISMATCH means a real key of that
		 * type is known for the name (plain or hashed entry alike). */
		for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++) {
			int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
			           kh_types[i].kh_bit;
			int r = libssh2_knownhost_checkp(hosts, name, -1, probe_key,
			                                 sizeof(probe_key) - 1, mask, NULL);
			if ((r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH || r == LIBSSH2_KNOWNHOST_CHECK_MATCH) &&
			    list_add(buf, cap, &len, kh_types[i].methods) < 0) {
				len = 0;
				buf[0] = '\0';
				break;
			}
		}
		libssh2_knownhost_free(hosts);
	}
	libssh2_session_free(s);
	return (int)len;
}
