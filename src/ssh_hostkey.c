/*
 * ssh_hostkey.c — host key preference and verification for one session
 * (see ssh_hostkey.h); the rules live in ssh_known_hosts.c.
 */
#include "ssh_hostkey.h"
#include "ssh_known_hosts.h"
#include "probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* libssh2 host key method names for one known_hosts key type. */
static const struct { const char *type, *methods; } hk_methods[] = {
	{ "ssh-ed25519", "ssh-ed25519" },
	{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256" },
	{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384" },
	{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521" },
	{ "ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-rsa" },
	{ "ssh-dss", "ssh-dss" },
};
#define HK_NMETHODS (sizeof(hk_methods) / sizeof(hk_methods[0]))
/* Types offered after the known ones: ssh 9.2's defaults minus certificates
 * and sk keys, which libssh2 cannot verify (ssh-dss is off in ssh too). */
#define HK_NDEFAULT 5

/* The known_hosts name of cfg at port: HostKeyAlias (no port) or host[:port]. */
static int hk_name(const struct ssh_host_cfg *cfg, int port, char *buf, size_t cap)
{
	if (cfg->host_key_alias)
		return ssh_known_hosts_name(cfg->host_key_alias, 22, buf, cap);
	return ssh_known_hosts_name(cfg->hostname, port, buf, cap);
}

/* Whether libssh2 supports method m (it must only be handed supported
 * names: libssh2 1.10 drops others with an overlapping memcpy). */
static bool hk_supported(LIBSSH2_SESSION *s, const char *m, size_t len)
{
	const char **algs = NULL;
	int n = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs);
	bool ok = false;

	for (int i = 0; i < n && !ok; i++)
		ok = strlen(algs[i]) == len && !strncmp(algs[i], m, len);
	if (n > 0)
		libssh2_free(s, (void *)algs);
	return ok;
}

/* Append the supported methods of entry i to the comma list in buf, once. */
static void hk_add(LIBSSH2_SESSION *s, char *buf, size_t cap, bool *used, size_t i)
{
	if (used[i])
		return;
	used[i] = true;
	for (const char *m = hk_methods[i].methods; *m;) {
		size_t n = strcspn(m, ","), len = strlen(buf);
		if (hk_supported(s, m, n))
			snprintf(buf + len, cap - len, "%s%.*s", len ? "," : "", (int)n, m);
		m += n + (m[n] == ',');
	}
}

/* Known types first, then ssh's other defaults. */
void ssh_hostkey_prefer(LIBSSH2_SESSION *s, const struct ssh_host_cfg *cfg, int port)
{
	char name[1100], list[512] = "";
	bool used[HK_NMETHODS] = { false };
	struct khs_result r;

	if (hk_name(cfg, port, name, sizeof(name)) < 0)
		return;
	ssh_known_hosts_check(name, NULL, 0, cfg->known_hosts, cfg->nknown_hosts, &r);
	for (int t = 0; t < r.ntypes; t++)
		for (size_t i = 0; i < HK_NMETHODS; i++)
			if (!strcmp(r.types[t], hk_methods[i].type))
				hk_add(s, list, sizeof(list), used, i);
	if (!list[0])
		return;     /* nothing known: libssh2's own order */
	for (size_t i = 0; i < HK_NDEFAULT; i++)
		hk_add(s, list, sizeof(list), used, i);
	libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, list);
}

/* "SHA256:..." of the session's host key, as ssh prints it. */
static void hk_fingerprint(LIBSSH2_SESSION *s, char *fp, size_t cap)
{
	char b64[64];
	const unsigned char *h =
		(const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);

	snprintf(fp, cap, "(no fingerprint)");
	if (!h || ssh_b64_encode(h, 32, b64, sizeof(b64)) < 0)
		return;
	b64[strcspn(b64, "=")] = '\0';
	snprintf(fp, cap, "SHA256:%s", b64);
}

/* The `ssh-keygen -R` command for name, with -f when the line is not in
 * the default file; where is "file:line". */
static void hk_fix(const char *name, const char *where, char *out, size_t cap)
{
	char qname[300], qfile[700], file[640];
	const char *colon = strrchr(where, ':');
	size_t fl = colon ? (size_t)(colon - where) : strlen(where);

	snprintf(file, sizeof(file), "%.*s", (int)fl, where);
	if (probe_shell_quote(qname, sizeof(qname), name) < 0)
		snprintf(qname, sizeof(qname), "%.280s", name);
	if (probe_shell_quote(qfile, sizeof(qfile), file) < 0)
		snprintf(qfile, sizeof(qfile), "%.680s", file);
	snprintf(out, cap, "ssh-keygen -R %s -f %s", qname, qfile);
}

/* Record a new key in the first user file, when that is allowed.  ca:
 * the file:line of a @cert-authority line for the host, or NULL. */
static enum hk_verdict hk_new(LIBSSH2_SESSION *s, const struct ssh_host_cfg *cfg, bool accept_new,
                              const char *name, const char *fp, const char *ca,
                              char *why, size_t cap)
{
	size_t keylen = 0;
	int type = 0;
	const char *key = libssh2_session_hostkey(s, &keylen, &type);

	if (!accept_new && cfg->strict != SSHCFG_STRICT_ACCEPT_NEW &&
	    cfg->strict != SSHCFG_STRICT_NO) {
		if (ca)
			snprintf(why, cap, "%s is to be trusted through a host certificate authority "
			         "(%s); doptop does not support host certificates, and the plain key %s "
			         "is unknown", name, ca, fp);
		else
			/* the fix first: a row on the screen shows the start */
			snprintf(why, cap, "unknown host key for %s: use --accept-new or connect once "
			         "with ssh (StrictHostKeyChecking %s); key %s", name,
			         cfg->strict == SSHCFG_STRICT_YES ? "yes" : "ask: no prompt in doptop", fp);
		return HK_UNKNOWN;
	}
	if (cfg->nuser_known_hosts == 0) {
		snprintf(why, cap, "unknown host key %s for %s: UserKnownHostsFile none leaves "
		         "nowhere to record it (never a global file)", fp, name);
		return HK_UNKNOWN;
	}
	/* Like ssh, a key that cannot be recorded (say, the file's directory
	 * is missing) is still trusted for this connection. */
	ssh_known_hosts_append(cfg->known_hosts[0], name, (const unsigned char *)key, keylen,
	                       cfg->hash_known_hosts);
	return HK_TRUSTED;
}

/* Decide the session's host key. */
enum hk_verdict ssh_hostkey_verify(LIBSSH2_SESSION *s, const struct ssh_host_cfg *cfg, int port,
                                   bool accept_new, char *why, size_t cap)
{
	char name[1100], fp[80], fix[1100];
	size_t keylen = 0;
	int type = 0;
	struct khs_result r;

	const char *key = s ? libssh2_session_hostkey(s, &keylen, &type) : NULL;
	if (!key || keylen == 0) {
		snprintf(why, cap, "the server sent no usable host key");
		return HK_NO_KEY;
	}
	if (hk_name(cfg, port, name, sizeof(name)) < 0) {
		snprintf(why, cap, "host name too long for known_hosts");
		return HK_REFUSED;
	}
	hk_fingerprint(s, fp, sizeof(fp));
	enum khs_status st = ssh_known_hosts_check(name, (const unsigned char *)key, keylen,
	                                           cfg->known_hosts, cfg->nknown_hosts, &r);
	/* ssh: an unknown [host]:port is checked again without the port, and
	 * a matching key there is trusted ("found matching key w/out port"). */
	if ((st == KHS_NEW || st == KHS_CA) && !cfg->host_key_alias && port > 0 && port != 22) {
		char bare[1100];
		struct khs_result rb;
		if (ssh_known_hosts_name(cfg->hostname, 22, bare, sizeof(bare)) == 0 &&
		    ssh_known_hosts_check(bare, (const unsigned char *)key, keylen, cfg->known_hosts,
		                          cfg->nknown_hosts, &rb) == KHS_OK)
			return HK_TRUSTED;
	}
	switch (st) {
	case KHS_OK:
		return HK_TRUSTED;
	case KHS_NEW:
		return hk_new(s, cfg, accept_new, name, fp, NULL, why, cap);
	case KHS_CA:
		/* The server showed a plain key (libssh2 has no host certificates):
		 * ssh then treats it as unknown, so accept-new records it too. */
		return hk_new(s, cfg, accept_new, name, fp, r.where, why, cap);
	case KHS_CHANGED:
		hk_fix(name, r.where, fix, sizeof(fix));
		snprintf(why, cap, "host key for %s changed (now %s; known in %s); if expected, "
		         "remove the old key with: %s", name, fp, r.where, fix);
		return HK_REFUSED;
	case KHS_REVOKED:
		snprintf(why, cap, "host key %s for %s is revoked (%s)", fp, name, r.where);
		return HK_REFUSED;
	case KHS_ERROR:
		break;
	}
	snprintf(why, cap, "cannot evaluate known_hosts for %s: %s: %s", name, r.where, r.why);
	return HK_REFUSED;
}
