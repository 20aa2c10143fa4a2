/*
 * ssh_known_hosts.c — OpenSSH's known_hosts rules (see ssh_known_hosts.h):
 * patterns, hashed names, markers, any-type mismatch, revocation.
 */
#include "ssh_known_hosts.h"
#include "ssh_match.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define KHS_MAX_LINES 1000000   /* lines per file: a bounded scan, never a stall */
#define KHS_MAX_KEY   8192      /* decoded key blob bytes (16384-bit RSA: ~2.1 KB) */
#define KHS_SHA1_LEN  20

/* Flags found while scanning; the verdict comes from them at the end. */
enum { KF_OK = 1, KF_CHANGED = 2, KF_REVOKED = 4, KF_CA = 8, KF_ERROR = 16 };

/* The lookup name: "host" or "[host]:port", lowercased. */
int ssh_known_hosts_name(const char *host, int port, char *buf, size_t cap)
{
	int n = port <= 0 || port == 22 ? snprintf(buf, cap, "%s", host)
	                                : snprintf(buf, cap, "[%s]:%d", host, port);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* Standard base64 with '=' padding. */
int ssh_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	if (cap < (n + 2) / 3 * 4 + 1)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

/* Value of one base64 character, or -1. */
static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict base64 decode (padding optional at the end only). */
int ssh_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;

	while (n > 0 && in[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return bits >= 6 ? -1 : (int)o;
}

/* How strongly a flag decides; the line of the strongest one is reported. */
static int rank(int flags)
{
	return flags & KF_ERROR ? 4 : flags & KF_REVOKED ? 3 : flags & KF_CHANGED ? 2
	     : flags & KF_CA ? 1 : 0;
}

/* Set flag f; remember its line when it decides more than what was seen. */
static void note(struct khs_result *r, int f, const char *path, long line, const char *why)
{
	int before = rank(r->flags);

	r->flags |= f;
	if (rank(f) <= before)
		return;
	snprintf(r->where, sizeof(r->where), "%s:%ld", path, line);
	if (why)
		snprintf(r->why, sizeof(r->why), "%s", why);
}

/* Whether one hashed entry "|1|salt|hash" names name: 1, 0, or -1 malformed. */
static int hashed_match(const char *field, size_t flen, const char *name)
{
	unsigned char salt[64], want[64], got[EVP_MAX_MD_SIZE];
	unsigned gotlen = 0;
	const char *s = field + 3, *end = field + flen;
	const char *bar = memchr(s, '|', (size_t)(end - s));

	if (!bar)
		return -1;
	int ns = ssh_b64_decode(s, (size_t)(bar - s), salt, sizeof(salt));
	int nw = ssh_b64_decode(bar + 1, (size_t)(end - bar - 1), want, sizeof(want));
	if (ns != KHS_SHA1_LEN || nw != KHS_SHA1_LEN)
		return -1;
	if (!HMAC(EVP_sha1(), salt, ns, (const unsigned char *)name, strlen(name), got, &gotlen) ||
	    gotlen != KHS_SHA1_LEN)
		return -1;
	return memcmp(got, want, KHS_SHA1_LEN) == 0;
}

/* Whether the host field names name: 1, 0, or -1 malformed. */
static int host_applies(const char *field, size_t flen, const char *name)
{
	char pat[KHS_MAX_LINE];

	if (flen >= 3 && !strncmp(field, "|1|", 3))
		return hashed_match(field, flen, name);
	if (field[0] == '|' || flen >= sizeof(pat))
		return -1;
	memcpy(pat, field, flen);
	pat[flen] = '\0';
	return ssh_match_hostname(name, pat) == 1;
}

/* Decode "KEYTYPE BASE64" at p into blob; the blob must carry KEYTYPE.
 * Returns the length, or -1 when the key is malformed. */
static int parse_key(const char *p, unsigned char *blob, size_t cap, char *type, size_t tcap)
{
	size_t tl = strcspn(p, " \t");
	if (tl == 0 || tl >= tcap)
		return -1;
	memcpy(type, p, tl);
	type[tl] = '\0';
	p += tl;
	p += strspn(p, " \t");
	size_t bl = strcspn(p, " \t");
	int n = bl ? ssh_b64_decode(p, bl, blob, cap) : -1;
	if (n < 4)
		return -1;
	/* The blob starts with the type as an SSH string (RFC 4253 6.6). */
	size_t sl = (size_t)blob[0] << 24 | (size_t)blob[1] << 16 | (size_t)blob[2] << 8 | blob[3];
	if (sl != tl || (size_t)n < 4 + sl || memcmp(blob + 4, type, tl) != 0)
		return -1;
	return n;
}

/* Remember a key type applying to the name (once each). */
static void add_type(struct khs_result *r, const char *type)
{
	for (int i = 0; i < r->ntypes; i++)
		if (!strcmp(r->types[i], type))
			return;
	if (r->ntypes < KHS_MAX_TYPES && strlen(type) < sizeof(r->types[0]))
		snprintf(r->types[r->ntypes++], sizeof(r->types[0]), "%.47s", type);
}

/* Evaluate one line (no newline) of path. */
static void scan_line(const char *name, const unsigned char *key, size_t keylen,
                      const char *path, long ln, const char *line, struct khs_result *r)
{
	unsigned char blob[KHS_MAX_KEY];
	char type[64];
	enum { M_NONE, M_CA, M_REVOKED } marker = M_NONE;
	const char *p = line + strspn(line, " \t");

	if (*p == '\0' || *p == '#')
		return;
	if (*p == '@') {
		size_t ml = strcspn(p, " \t");
		if (ml == 15 && !strncmp(p, "@cert-authority", 15))
			marker = M_CA;
		else if (ml == 8 && !strncmp(p, "@revoked", 8))
			marker = M_REVOKED;
		else {
			note(r, KF_ERROR, path, ln, "unknown marker");
			return;
		}
		p += ml;
		p += strspn(p, " \t");
	}
	size_t hl = strcspn(p, " \t");
	const char *field = p;
	p += hl;
	p += strspn(p, " \t");
	if (marker == M_REVOKED) {
		/* Revoked whatever the host pattern: the key must never be accepted. */
		int n = parse_key(p, blob, sizeof(blob), type, sizeof(type));
		if (n < 0)
			note(r, KF_ERROR, path, ln, "@revoked key cannot be read");
		else if (key && (size_t)n == keylen && !memcmp(blob, key, keylen))
			note(r, KF_REVOKED, path, ln, NULL);
		return;
	}
	if (hl == 0)
		return;
	int applies = host_applies(field, hl, name);
	if (applies < 0) {
		note(r, KF_ERROR, path, ln, "malformed hashed host name");
		return;
	}
	if (!applies)
		return;
	if (marker == M_CA) {
		note(r, KF_CA, path, ln, NULL);
		return;
	}
	int n = parse_key(p, blob, sizeof(blob), type, sizeof(type));
	if (n < 0)
		return;     /* ssh skips a line whose key it cannot read */
	add_type(r, type);
	if (!key)
		return;
	if ((size_t)n == keylen && !memcmp(blob, key, keylen))
		note(r, KF_OK, path, ln, NULL);
	else
		note(r, KF_CHANGED, path, ln, NULL);
}

/* Start a lookup. */
void ssh_known_hosts_begin(struct khs_result *r)
{
	memset(r, 0, sizeof(*r));
}

/* Scan one file's text. */
void ssh_known_hosts_text(const char *name, const unsigned char *key, size_t keylen,
                          const char *path, const char *text, size_t len, struct khs_result *r)
{
	char line[KHS_MAX_LINE + 1];
	long ln = 0;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		ln++;
		if (n > KHS_MAX_LINE || ln > KHS_MAX_LINES) {
			note(r, KF_ERROR, path, ln,
			     n > KHS_MAX_LINE ? "line too long" : "too many lines");
			return;
		}
		memcpy(line, text + i, n);
		line[n] = '\0';
		if (memchr(line, '\0', n)) {
			note(r, KF_ERROR, path, ln, "NUL byte in line");
			return;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		scan_line(name, key, keylen, path, ln, line, r);
		i += n + (nl != NULL);
	}
}

/* Turn the collected flags into the verdict. */
enum khs_status ssh_known_hosts_end(struct khs_result *r)
{
	int f = r->flags;

	r->status = f & KF_ERROR ? KHS_ERROR : f & KF_REVOKED ? KHS_REVOKED : f & KF_OK ? KHS_OK
	          : f & KF_CHANGED ? KHS_CHANGED : f & KF_CA ? KHS_CA : KHS_NEW;
	if (r->status == KHS_OK || r->status == KHS_NEW)
		r->where[0] = '\0';
	return r->status;
}

/* Scan one file from disk; a missing file is fine, other errors are not. */
static void scan_file(const char *name, const unsigned char *key, size_t keylen,
                      const char *path, struct khs_result *r)
{
	char why[160];
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
			note(r, KF_ERROR, path, 0, why);
		}
		return;
	}
	char *buf = NULL;
	size_t cap = 0;
	long ln = 0;
	ssize_t n;
	while ((n = getline(&buf, &cap, f)) >= 0) {
		ln++;
		if (n > KHS_MAX_LINE + 1 || ln > KHS_MAX_LINES) {
			note(r, KF_ERROR, path, ln,
			     ln > KHS_MAX_LINES ? "too many lines" : "line too long");
			break;
		}
		if ((size_t)n != strlen(buf)) {
			note(r, KF_ERROR, path, ln, "NUL byte in line");
			break;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		if (strlen(buf) > KHS_MAX_LINE) {
			note(r, KF_ERROR, path, ln, "line too long");
			break;
		}
		scan_line(name, key, keylen, path, ln, buf, r);
	}
	if (ferror(f)) {
		snprintf(why, sizeof(why), "read error: %s", strerror(errno));
		note(r, KF_ERROR, path, 0, why);
	}
	free(buf);
	fclose(f);
}

/* Look up key for name over files. */
enum khs_status ssh_known_hosts_check(const char *name, const unsigned char *key, size_t keylen,
                                      char *const *files, int nfiles, struct khs_result *r)
{
	ssh_known_hosts_begin(r);
	for (int i = 0; i < nfiles; i++)
		if (files[i])
			scan_file(name, key, keylen, files[i], r);
	return ssh_known_hosts_end(r);
}

/* Create ~/.ssh (mode 0700) when file is in it and it is missing; any
 * other missing directory stays missing, as with ssh
 * (hostfile_create_user_ssh_dir). */
static void ensure_dotssh(const char *file)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	struct passwd *pw = getpwuid(getuid());

	if (!slash || !pw || !pw->pw_dir)
		return;
	int n = snprintf(dir, sizeof(dir), "%s/.ssh", pw->pw_dir);
	if (n < 0 || (size_t)n >= sizeof(dir) || (size_t)(slash - file) != (size_t)n ||
	    strncmp(file, dir, (size_t)n) != 0)
		return;
	mkdir(dir, 0700);
}

/* Write all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "|1|salt|hash" for name, with a fresh random salt. */
static int hash_name(const char *name, char *out, size_t cap)
{
	unsigned char salt[KHS_SHA1_LEN], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char s64[64], h64[64];

	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return -1;
	if (!HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)name, strlen(name),
	          md, &mdlen) || mdlen != KHS_SHA1_LEN)
		return -1;
	ssh_b64_encode(salt, sizeof(salt), s64, sizeof(s64));
	ssh_b64_encode(md, mdlen, h64, sizeof(h64));
	int n = snprintf(out, cap, "|1|%s|%s", s64, h64);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Append name's key line to file, under an exclusive lock. */
int ssh_known_hosts_append(const char *file, const char *name, const unsigned char *key,
                           size_t keylen, bool hash)
{
	char line[KHS_MAX_LINE], host[256], last = '\n';
	char b64[KHS_MAX_KEY * 4 / 3 + 8];

	if (keylen < 4 || keylen > KHS_MAX_KEY) {
		errno = EINVAL;
		return -1;
	}
	size_t tl = (size_t)key[0] << 24 | (size_t)key[1] << 16 | (size_t)key[2] << 8 | key[3];
	if (tl == 0 || tl > 64 || tl > keylen - 4 || ssh_b64_encode(key, keylen, b64, sizeof(b64)) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (hash ? hash_name(name, host, sizeof(host)) < 0
	         : snprintf(host, sizeof(host), "%s", name) >= (int)sizeof(host)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int len = snprintf(line, sizeof(line), "%s %.*s %s\n", host, (int)tl,
	                   (const char *)key + 4, b64);
	if (len < 0 || (size_t)len >= sizeof(line)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	ensure_dotssh(file);
	int fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = flock(fd, LOCK_EX);
	off_t end = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (end < 0 || (end > 0 && pread(fd, &last, 1, end - 1) != 1))
		rc = -1;
	if (rc == 0 && last != '\n')
		rc = write_all(fd, "\n", 1);
	if (rc == 0)
		rc = write_all(fd, line, (size_t)len);
	int err = errno;
	if (close(fd) < 0 && rc == 0) {
		err = errno;
		rc = -1;
	}
	errno = err;
	return rc;
}
