/*
 * ssh_config_out.c — from the values read to what doptop uses: defaults,
 * ~ / ${ENV} / %-token expansion where ssh 9.2 expands (checked with
 * ssh -G), ProxyJump hops, and the `ssh -G` style printout.  Pure.
 */
#include "ssh_config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/sha.h>

/* Values of the %-tokens for one host. */
struct tokens {
	const char *h, *n, *r, *u, *d, *k, *l;
	int p;
	char L[256], C[2 * SHA_DIGEST_LENGTH + 1];
};

/* Fill t from the resolved host and who asks. */
static void tokens_init(struct tokens *t, const struct ssh_host_cfg *out,
                        const struct cfg_who *who)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char in[2 * CFG_MAX_LINE];

	*t = (struct tokens){ .h = out->hostname, .n = who->alias, .r = out->user,
	                      .u = who->luser, .d = who->home, .l = who->lhost, .p = out->port,
	                      .k = out->host_key_alias ? out->host_key_alias : who->alias };
	snprintf(t->L, sizeof(t->L), "%.*s", (int)strcspn(who->lhost, "."), who->lhost);
	/* %C: SHA1 of %l%h%p%r (ssh 9.2's ssh_connection_hash). */
	int n = snprintf(in, sizeof(in), "%s%s%d%s", who->lhost, out->hostname, out->port, out->user);
	SHA1((const unsigned char *)in, n > 0 ? (size_t)n : 0, md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(t->C + 2 * i, 3, "%02x", md[i]);
}

/* Append len bytes of s to out[*n]; -1 when it does not fit. */
static int put(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + len >= cap)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	return 0;
}

/* The value of token c, or NULL when ssh does not know it here. */
static const char *token(const struct tokens *t, char c, char *num, size_t cap)
{
	switch (c) {
	case '%': return "%";
	case 'h': return t->h;
	case 'n': return t->n;
	case 'r': return t->r;
	case 'u': return t->u;
	case 'd': return t->d;
	case 'k': return t->k;
	case 'l': return t->l;
	case 'L': return t->L;
	case 'C': return t->C;
	case 'p': snprintf(num, cap, "%d", t->p); return num;
	case 'i': snprintf(num, cap, "%u", (unsigned)getuid()); return num;
	default: return NULL;
	}
}

/* ~, then ${ENV} and %-tokens, as ssh's percent_dollar_expand(); NULL with
 * a reason in why on an unknown token or an unset variable. */
static char *expand_path(const char *in, const struct tokens *t, char *why, size_t wcap)
{
	char tmp[CFG_MAX_LINE], out[CFG_MAX_LINE], num[24];
	size_t n = 0;

	if (ssh_config_tilde(in, t->d, tmp, sizeof(tmp)) < 0) {
		snprintf(why, wcap, "cannot expand ~ in %.200s", in);
		return NULL;
	}
	for (const char *p = tmp; *p; p++) {
		const char *add = p;
		size_t len = 1;
		if (p[0] == '$' && p[1] == '{') {
			size_t nl = strcspn(p + 2, "}");
			char name[128];
			if (p[2 + nl] != '}' || nl == 0 || nl >= sizeof(name)) {
				snprintf(why, wcap, "bad ${ in %.200s", in);
				return NULL;
			}
			memcpy(name, p + 2, nl);
			name[nl] = '\0';
			if (!(add = getenv(name))) {
				snprintf(why, wcap, "environment variable ${%s} has no value", name);
				return NULL;
			}
			len = strlen(add);
			p += 2 + nl;
		} else if (p[0] == '%') {
			if (!(add = token(t, p[1], num, sizeof(num)))) {
				snprintf(why, wcap, "unknown token %%%c in %.200s", p[1] ? p[1] : ' ', in);
				return NULL;
			}
			len = strlen(add);
			p++;
		}
		if (put(out, sizeof(out), &n, add, len) < 0) {
			snprintf(why, wcap, "expanded path too long: %.200s", in);
			return NULL;
		}
	}
	out[n] = '\0';
	return strdup(out);
}

/* Expand HostName's %h and %% (ssh: only these two). */
char *ssh_config_expand_hostname(const char *raw, const char *host)
{
	char out[CFG_MAX_LINE];
	size_t n = 0;

	for (const char *p = raw; *p; p++) {
		const char *add = p;
		size_t len = 1;
		if (p[0] == '%' && p[1] == 'h') {
			add = host;
			len = strlen(host);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			p++;
		}
		if (put(out, sizeof(out), &n, add, len) < 0)
			return NULL;
	}
	out[n] = '\0';
	return strdup(out);
}

/* Parse one hop "[ssh://][user@]host[:port]" (IPv6 in brackets) into j. */
static int parse_hop(const char *s, struct ssh_jump *j)
{
	char buf[CFG_MAX_LINE];
	char *h, *at, *colon;

	if (!strncmp(s, "ssh://", 6))
		s += 6;
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf) || !*buf)
		return -1;
	h = buf;
	if ((at = strrchr(h, '@'))) {
		*at = '\0';
		if (!*h || !(j->user = strdup(h)))
			return -1;
		h = at + 1;
	}
	if (*h == '[') {
		char *end = strchr(h, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		h++;
	} else {
		colon = strchr(h, ':');
	}
	if (colon) {
		*colon = '\0';
		j->port = (int)ssh_config_uint(colon + 1);
		if (j->port < 1 || j->port > 65535)
			return -1;
	}
	if (!*h || strpbrk(h, " \t/"))
		return -1;
	j->host = strdup(h);
	return j->host ? 0 : -1;
}

/* Split a ProxyJump value (comma list) into out->jump[]. */
static int parse_jumps(const char *v, struct ssh_host_cfg *out)
{
	char buf[CFG_MAX_LINE];

	snprintf(buf, sizeof(buf), "%s", v);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (out->njump >= SSHCFG_MAX_JUMPS || parse_hop(tok, &out->jump[out->njump++]) < 0)
			return -1;
	}
	return out->njump > 0 ? 0 : -1;
}

/* IdentityAgent: what doptop uses, and what ssh -G prints. */
static int finish_agent(const char *raw, const struct tokens *t, struct ssh_host_cfg *out,
                        char *why, size_t cap)
{
	if (!strcmp(raw, "SSH_AUTH_SOCK") || !strcasecmp(raw, "none") ||
	    (raw[0] == '$' && raw[1] != '{')) {
		if (!(out->identity_agent_raw = strdup(raw)))
			return -1;
		if (!strcmp(raw, "SSH_AUTH_SOCK"))
			return 0;
		/* "$VAR": read now; unset means no agent, as in ssh. */
		const char *e = raw[0] == '$' ? getenv(raw + 1) : NULL;
		out->identity_agent = strdup(e && *e ? e : "none");
		return out->identity_agent ? 0 : -1;
	}
	if (!(out->identity_agent = expand_path(raw, t, why, cap)))
		return -1;
	out->identity_agent_raw = strdup(out->identity_agent);
	return out->identity_agent_raw ? 0 : -1;
}

/* Copy (global) or expand (user) list into out->known_hosts. */
static int add_known(struct ssh_host_cfg *out, char *const *list, int n, const struct tokens *t,
                     char *why, size_t cap)
{
	for (int i = 0; i < n && out->nknown_hosts < 2 * SSHCFG_MAX_FILES; i++) {
		char *s = t ? expand_path(list[i], t, why, cap) : strdup(list[i]);
		if (!s)
			return -1;
		out->known_hosts[out->nknown_hosts++] = s;
	}
	return 0;
}

/* The final host name: %h expanded, lowercased unless an address. */
static char *final_hostname(const char *raw, const char *alias)
{
	unsigned char addr[16];
	char *h = ssh_config_expand_hostname(raw ? raw : alias, alias);

	if (h && inet_pton(AF_INET, h, addr) != 1 && inet_pton(AF_INET6, h, addr) != 1)
		for (char *p = h; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return h;
}

/* Scalar options with their defaults. */
static void finish_scalars(const struct cfg_raw *r, struct ssh_host_cfg *out)
{
	const char *v;

	out->port = r->opt[OPT_PORT] ? (int)ssh_config_uint(r->opt[OPT_PORT]) : 22;
	out->identities_only = (v = r->opt[OPT_IDENTITIESONLY]) &&
	                       (!strcasecmp(v, "yes") || !strcasecmp(v, "true"));
	out->hash_known_hosts = (v = r->opt[OPT_HASHKNOWNHOSTS]) &&
	                        (!strcasecmp(v, "yes") || !strcasecmp(v, "true"));
	out->compression = (v = r->opt[OPT_COMPRESSION]) &&
	                   (!strcasecmp(v, "yes") || !strcasecmp(v, "true"));
	out->strict = SSHCFG_STRICT_ASK;
	if ((v = r->opt[OPT_STRICT]))
		out->strict = !strcasecmp(v, "accept-new") ? SSHCFG_STRICT_ACCEPT_NEW
		            : !strcasecmp(v, "ask") ? SSHCFG_STRICT_ASK
		            : !strcasecmp(v, "yes") || !strcasecmp(v, "true") ? SSHCFG_STRICT_YES
		            : SSHCFG_STRICT_NO;
	v = r->opt[OPT_CONNECTTIMEOUT];
	out->connect_timeout = v && strcasecmp(v, "none") ? (int)ssh_config_time(v) : 0;
	out->alive_interval = (v = r->opt[OPT_ALIVEINTERVAL]) ? (int)ssh_config_time(v) : 0;
	out->alive_count_max = (v = r->opt[OPT_ALIVECOUNT]) ? (int)ssh_config_uint(v) : 3;
	out->address_family = SSHCFG_AF_ANY;
	if ((v = r->opt[OPT_ADDRESSFAMILY]))
		out->address_family = !strcasecmp(v, "inet") ? SSHCFG_AF_INET
		                    : !strcasecmp(v, "inet6") ? SSHCFG_AF_INET6 : SSHCFG_AF_ANY;
}

/* Identities (configured, else doptop's defaults), expanded. */
static int finish_identities(const struct cfg_raw *r, const struct tokens *t,
                             struct ssh_host_cfg *out, char *why, size_t cap)
{
	/* libssh2 cannot use ssh's sk, xmss and dsa defaults; ed25519 first
	 * as libssh2 1.10 cannot sign with RSA SHA-2 in every build. */
	static char *const def_id[] = { "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa" };
	char *const *ids = r->nidentity ? r->identity : def_id;
	int nids = r->nidentity ? r->nidentity : 3;

	out->identity_default = r->nidentity == 0;
	for (int i = 0; i < nids; i++) {
		if (!(out->identity[i] = expand_path(ids[i], t, why, cap)) ||
		    !(out->identity_raw[i] = strdup(ids[i])))
			return -1;
		out->nidentity++;
	}
	return 0;
}

/* Convert the values read (plus defaults) into out. */
int ssh_config_finish(const struct cfg_raw *r, const struct cfg_who *who,
                      struct ssh_host_cfg *out, char *why, size_t cap)
{
	static char *const def_user_kh[] = { "~/.ssh/known_hosts", "~/.ssh/known_hosts2" };
	static char *const def_global_kh[] = { "/etc/ssh/ssh_known_hosts",
	                                       "/etc/ssh/ssh_known_hosts2" };
	const char *alias_key = r->opt[OPT_HOSTKEYALIAS];
	struct tokens t;

	snprintf(why, cap, "out of memory");
	out->alias = strdup(who->alias);
	out->hostname = final_hostname(r->opt[OPT_HOSTNAME], who->alias);
	out->user = strdup(r->opt[OPT_USER] ? r->opt[OPT_USER] : who->luser);
	if (!out->alias || !out->hostname || !out->user)
		return -1;
	finish_scalars(r, out);
	if (alias_key) {
		if (!(out->host_key_alias = strdup(alias_key)))
			return -1;
		for (char *p = out->host_key_alias; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	tokens_init(&t, out, who);
	if (finish_identities(r, &t, out, why, cap) < 0)
		return -1;
	if (r->opt[OPT_IDENTITYAGENT] && finish_agent(r->opt[OPT_IDENTITYAGENT], &t, out, why, cap) < 0)
		return -1;
	if (r->nuser_kh >= 0 && add_known(out, r->nuser_kh ? r->user_kh : def_user_kh,
	                                  r->nuser_kh ? r->nuser_kh : 2, &t, why, cap) < 0)
		return -1;
	out->nuser_known_hosts = out->nknown_hosts;
	/* ssh 9.2 uses GlobalKnownHostsFile as written: no ~ or tokens. */
	if (r->nglobal_kh >= 0 && add_known(out, r->nglobal_kh ? r->global_kh : def_global_kh,
	                                    r->nglobal_kh ? r->nglobal_kh : 2, NULL, why, cap) < 0)
		return -1;
	const char *pj = r->opt[OPT_PROXYJUMP], *pc = r->opt[OPT_PROXYCOMMAND];
	if (pj && strcasecmp(pj, "none")) {
		if (!(out->proxy_jump_raw = strdup(pj)))
			return -1;
		if (parse_jumps(pj, out) < 0) {
			snprintf(why, cap, "bad ProxyJump: %.200s", pj);
			return -1;
		}
	} else if (pc && strcasecmp(pc, "none") && !(out->proxy_command = strdup(pc))) {
		return -1;
	}
	why[0] = '\0';
	return 0;
}

/* The ProxyCommand with %h %p %r %n %% expanded for user and port. */
char *ssh_config_proxy_command(const struct ssh_host_cfg *cfg, const char *user, int port)
{
	char out[CFG_MAX_LINE], num[16];
	size_t n = 0;

	if (!cfg || !cfg->proxy_command)
		return NULL;
	for (const char *p = cfg->proxy_command; *p; p++) {
		const char *add = p;
		size_t len = 1;
		if (*p == '%') {
			switch (*++p) {
			case '%': add = "%"; break;
			case 'h': add = cfg->hostname; break;
			case 'n': add = cfg->alias; break;
			case 'r': add = user ? user : cfg->user; break;
			case 'p': snprintf(num, sizeof(num), "%d", port > 0 ? port : cfg->port);
			          add = num; break;
			default: return NULL;   /* ssh: "unknown key %x" */
			}
			len = strlen(add);
		}
		if (put(out, sizeof(out), &n, add, len) < 0)
			return NULL;
	}
	out[n] = '\0';
	return strdup(out);
}

/* Print the list of strings under key on one line, or "none". */
static void print_list(FILE *f, const char *key, char *const *v, int n)
{
	fprintf(f, "%s", key);
	for (int i = 0; i < n; i++)
		fprintf(f, " %s", v[i]);
	fprintf(f, "%s\n", n ? "" : " none");
}

/* Print cfg as ssh -G does, for the options doptop uses. */
void ssh_config_print(FILE *f, const struct ssh_host_cfg *cfg)
{
	static const char *const strict[] = { "true", "accept-new", "false", "ask" };
	static const char *const family[] = { "any", "inet", "inet6" };

	fprintf(f, "user %s\nhostname %s\nport %d\n", cfg->user, cfg->hostname, cfg->port);
	fprintf(f, "addressfamily %s\n", family[cfg->address_family]);
	fprintf(f, "compression %s\n", cfg->compression ? "yes" : "no");
	fprintf(f, "hashknownhosts %s\n", cfg->hash_known_hosts ? "yes" : "no");
	fprintf(f, "identitiesonly %s\n", cfg->identities_only ? "yes" : "no");
	fprintf(f, "stricthostkeychecking %s\n", strict[cfg->strict]);
	fprintf(f, "serveralivecountmax %d\nserveraliveinterval %d\n",
	        cfg->alive_count_max, cfg->alive_interval);
	if (cfg->host_key_alias)
		fprintf(f, "hostkeyalias %s\n", cfg->host_key_alias);
	if (cfg->identity_agent_raw)
		fprintf(f, "identityagent %s\n", cfg->identity_agent_raw);
	for (int i = 0; i < cfg->nidentity; i++)
		fprintf(f, "identityfile %s\n", cfg->identity_raw[i]);
	print_list(f, "globalknownhostsfile", cfg->known_hosts + cfg->nuser_known_hosts,
	           cfg->nknown_hosts - cfg->nuser_known_hosts);
	print_list(f, "userknownhostsfile", cfg->known_hosts, cfg->nuser_known_hosts);
	if (cfg->connect_timeout)
		fprintf(f, "connecttimeout %d\n", cfg->connect_timeout);
	else
		fprintf(f, "connecttimeout none\n");
	if (cfg->proxy_command)
		fprintf(f, "proxycommand %s\n", cfg->proxy_command);
	if (cfg->proxy_jump_raw)
		fprintf(f, "proxyjump %s\n", cfg->proxy_jump_raw);
}

/* Free every string in cfg; cfg may be reused. */
void ssh_config_free(struct ssh_host_cfg *cfg)
{
	free(cfg->alias);
	free(cfg->hostname);
	free(cfg->user);
	free(cfg->host_key_alias);
	free(cfg->identity_agent);
	free(cfg->identity_agent_raw);
	free(cfg->proxy_jump_raw);
	free(cfg->proxy_command);
	for (int i = 0; i < cfg->njump; i++) {
		free(cfg->jump[i].user);
		free(cfg->jump[i].host);
	}
	for (int i = 0; i < cfg->nidentity; i++) {
		free(cfg->identity[i]);
		free(cfg->identity_raw[i]);
	}
	for (int i = 0; i < cfg->nknown_hosts; i++)
		free(cfg->known_hosts[i]);
	memset(cfg, 0, sizeof(*cfg));
}
