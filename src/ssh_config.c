/*
 * ssh_config.c — resolve a host alias the way ssh_config(5) does: Host
 * blocks, Include, first value wins, then ~ and %-token expansion.  Pure.
 */
#include "ssh_config.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "text.h"

/* Hard caps, so a hostile or huge config cannot loop or explode. */
#define CFG_MAX_LINE   4096     /* bytes in one line (OpenSSH has no cap) */
#define CFG_MAX_LINES  100000   /* lines read over all files */
#define CFG_MAX_DEPTH  16       /* Include depth, as OpenSSH's READCONF_MAX_DEPTH */
#define CFG_MAX_OPEN   256      /* files opened over all Includes */
#define CFG_MAX_ARGS   64       /* arguments on one line */

/* Values collected while reading; the first obtained one wins. */
struct raw {
	char *hostname, *user, *alias_key, *agent, *proxy_command, *proxy_jump;
	int port, identities_only, strict, connect_timeout, alive_interval, alive_count;
	int family, hash_kh;
	char *identity[SSHCFG_MAX_FILES];
	int nidentity;
	char *user_kh[SSHCFG_MAX_FILES];
	int nuser_kh;       /* -1: UserKnownHostsFile seen (maybe "none") */
	char *global_kh[SSHCFG_MAX_FILES];
	int nglobal_kh;
};

/* One resolution: inputs, limits and what was collected. */
struct ctx {
	const char *alias, *home;
	const char *incdir;     /* base for relative Include paths */
	const char *rest;       /* the line's text after the keyword (ProxyCommand) */
	int lines, opened;
	struct raw r;
	char why[384];
};

static int read_file(struct ctx *c, const char *path, int depth, bool must_exist);

/* Record "file:line: reason" as the one-line error. */
static int fail(struct ctx *c, const char *path, int line, const char *what)
{
	if (line > 0)
		snprintf(c->why, sizeof(c->why), "%s:%d: %s", path, line, what);
	else
		snprintf(c->why, sizeof(c->why), "%s: %s", path, what);
	return -1;
}

/* ssh's pattern match: '*' and '?' wildcards, case-sensitive like OpenSSH's
 * match_pattern() (checked with ssh -G: "Host web1" does not apply to "Web1"). */
bool ssh_config_match_pattern(const char *pattern, const char *s)
{
	const char *star = NULL, *resume = NULL;

	/* Greedy match with backtracking to the last '*': linear, never exponential. */
	while (*s) {
		if (*pattern == '*') {
			star = ++pattern;
			resume = s;
		} else if (*pattern == '?' || (*pattern && *pattern == *s)) {
			pattern++;
			s++;
		} else if (star) {
			pattern = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

/* Match s against a comma/space list with '!' negations, like Host lines. */
bool ssh_config_match_list(const char *list, const char *s)
{
	char pat[CFG_MAX_LINE];
	bool hit = false;

	while (*list) {
		size_t n = strcspn(list, ", \t");
		if (n > 0 && n < sizeof(pat)) {
			bool neg = list[0] == '!';
			memcpy(pat, list + neg, n - neg);
			pat[n - neg] = '\0';
			if (ssh_config_match_pattern(pat, s)) {
				if (neg)
					return false;
				hit = true;
			}
		}
		list += n;
		list += strspn(list, ", \t");
	}
	return hit;
}

/* Split line into keyword and arguments (quotes, backslashes, '#' ends it).
 * Writes into line; returns the count or -1 for an unterminated quote. */
static int split_line(char *line, char **av)
{
	char *p = line, *out;
	int ac = 0;

	p += strspn(p, " \t\r\n");
	if (*p == '\0' || *p == '#')
		return 0;
	av[ac++] = p;
	p += strcspn(p, " \t\r\n=");
	if (*p) {
		*p++ = '\0';
		p += strspn(p, " \t\r\n");
		if (*p == '=')
			p++;
	}
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0' || *p == '#' || ac >= CFG_MAX_ARGS)
			return ac;
		av[ac++] = out = p;
		char quote = 0;
		while (*p && (quote || !strchr(" \t\r\n", *p))) {
			if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p++;
			} else if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (*p == '\\' && p[1] && (strchr("'\"\\", p[1]) ||
			                                  (!quote && strchr(" \t", p[1])))) {
				*out++ = p[1];
				p += 2;
			} else {
				*out++ = *p++;
			}
		}
		if (quote)
			return -1;
		if (*p)
			p++;
		*out = '\0';
	}
}

/* Parse "yes"/"no" style flags; -1 when neither. */
static int parse_flag(const char *v)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false"))
		return 0;
	return -1;
}

/* Parse an sshd time ("90", "1m30s", "2h"); -1 when malformed or huge. */
static int parse_time(const char *v)
{
	long total = 0;

	if (!*v)
		return -1;
	while (*v) {
		size_t nd = strspn(v, "0123456789");
		uint64_t n;
		if (text_u64(v, nd, 100000000, &n) < 0)
			return -1;
		v += nd;
		switch (tolower((unsigned char)*v)) {
		case '\0': break;
		case 's': v++; break;
		case 'm': n *= 60; v++; break;
		case 'h': n *= 3600; v++; break;
		case 'd': n *= 86400; v++; break;
		case 'w': n *= 604800; v++; break;
		default: return -1;
		}
		total += (long)n;
		if (total > 100000000)
			return -1;
	}
	return (int)total;
}

/* Parse a non-negative int (max 1e8); -1 when malformed. */
static int parse_uint(const char *v)
{
	uint64_t n;
	return text_u64_str(v, 100000000, &n) < 0 ? -1 : (int)n;
}

/* Set *dst to a copy of v unless already set (first value wins). */
static int set_first(struct ctx *c, char **dst, const char *v)
{
	if (*dst)
		return 0;
	*dst = strdup(v);
	return *dst ? 0 : fail(c, "ssh_config", 0, "out of memory");
}

/* Append copies of av[0..ac) to a list, up to SSHCFG_MAX_FILES entries. */
static int push_all(struct ctx *c, char **list, int *n, char **av, int ac)
{
	for (int i = 0; i < ac && *n < SSHCFG_MAX_FILES; i++) {
		if (!(list[*n] = strdup(av[i])))
			return fail(c, "ssh_config", 0, "out of memory");
		(*n)++;
	}
	return 0;
}

/* Apply a string or file-list keyword; 1 when k is not one of them. */
static int apply_string(struct ctx *c, char **av, int ac)
{
	struct raw *r = &c->r;
	const char *k = av[0], *v = av[1];

	if (!strcasecmp(k, "hostname"))
		return set_first(c, &r->hostname, v);
	if (!strcasecmp(k, "user"))
		return set_first(c, &r->user, v);
	if (!strcasecmp(k, "hostkeyalias"))
		return set_first(c, &r->alias_key, v);
	if (!strcasecmp(k, "identityagent"))
		return set_first(c, &r->agent, v);
	if (!strcasecmp(k, "proxycommand")) {
		/* ssh: the rest of the line, verbatim; ProxyJump set first wins. */
		if (r->proxy_jump && strcasecmp(r->proxy_jump, "none"))
			return 0;
		return set_first(c, &r->proxy_command, c->rest);
	}
	if (!strcasecmp(k, "proxyjump")) {
		if (r->proxy_command || r->proxy_jump)
			return 0;
		return set_first(c, &r->proxy_jump, c->rest);
	}
	if (!strcasecmp(k, "addressfamily")) {
		int f = !strcasecmp(v, "any") ? SSHCFG_AF_ANY : !strcasecmp(v, "inet") ? SSHCFG_AF_INET
		      : !strcasecmp(v, "inet6") ? SSHCFG_AF_INET6 : -1;
		if (f < 0)
			return fail(c, "ssh_config", 0, "bad AddressFamily");
		if (r->family < 0)
			r->family = f;
		return 0;
	}
	if (!strcasecmp(k, "identityfile"))
		return push_all(c, r->identity, &r->nidentity, av + 1, 1);
	if (!strcasecmp(k, "userknownhostsfile")) {
		/* OpenSSH (ssh -G): the first line wins, with all files on it. */
		if (r->nuser_kh != 0)
			return 0;
		if (!strcasecmp(v, "none")) {
			r->nuser_kh = -1;
			return 0;
		}
		return push_all(c, r->user_kh, &r->nuser_kh, av + 1, ac - 1);
	}
	if (!strcasecmp(k, "globalknownhostsfile")) {
		if (r->nglobal_kh != 0)
			return 0;
		if (!strcasecmp(v, "none")) {
			r->nglobal_kh = -1;
			return 0;
		}
		return push_all(c, r->global_kh, &r->nglobal_kh, av + 1, ac - 1);
	}
	return 1;
}

/* Apply one keyword of an active block.  av[0] is the keyword. */
static int apply(struct ctx *c, const char *path, int ln, char **av, int ac)
{
	struct raw *r = &c->r;
	const char *k = av[0], *v = av[1];
	int n = apply_string(c, av, ac);

	if (n <= 0)
		return n;
	if (!strcasecmp(k, "port")) {
		n = parse_uint(v);
		if (n < 1 || n > 65535)
			return fail(c, path, ln, "bad Port");
		if (!r->port)
			r->port = n;
		return 0;
	}
	if (!strcasecmp(k, "hashknownhosts")) {
		if ((n = parse_flag(v)) < 0)
			return fail(c, path, ln, "bad HashKnownHosts");
		if (r->hash_kh < 0)
			r->hash_kh = n;
		return 0;
	}
	if (!strcasecmp(k, "identitiesonly")) {
		if ((n = parse_flag(v)) < 0)
			return fail(c, path, ln, "bad IdentitiesOnly");
		if (r->identities_only < 0)
			r->identities_only = n;
		return 0;
	}
	if (!strcasecmp(k, "stricthostkeychecking")) {
		if (!strcasecmp(v, "accept-new"))
			n = SSHCFG_STRICT_ACCEPT_NEW;
		else if (!strcasecmp(v, "ask"))
			n = SSHCFG_STRICT_ASK;
		else if (parse_flag(v) == 1)
			n = SSHCFG_STRICT_YES;
		else if (!strcasecmp(v, "off") || parse_flag(v) == 0)
			n = SSHCFG_STRICT_NO;
		else
			return fail(c, path, ln, "bad StrictHostKeyChecking");
		if (r->strict < 0)
			r->strict = n;
		return 0;
	}
	if (!strcasecmp(k, "connecttimeout")) {
		n = !strcasecmp(v, "none") ? 0 : parse_time(v);
		if (n < 0)
			return fail(c, path, ln, "bad ConnectTimeout");
		if (r->connect_timeout < 0)
			r->connect_timeout = n;
		return 0;
	}
	if (!strcasecmp(k, "serveraliveinterval")) {
		if ((n = parse_time(v)) < 0)
			return fail(c, path, ln, "bad ServerAliveInterval");
		if (r->alive_interval < 0)
			r->alive_interval = n;
		return 0;
	}
	if (!strcasecmp(k, "serveralivecountmax")) {
		if ((n = parse_uint(v)) < 0)
			return fail(c, path, ln, "bad ServerAliveCountMax");
		if (r->alive_count < 0)
			r->alive_count = n;
		return 0;
	}
	return 0;
}

/* Expand a leading "~" or "~/" (home) or "~user/" into buf. */
static int expand_tilde(const char *in, const char *home, char *buf, size_t cap)
{
	const char *rest;
	int n;

	if (in[0] != '~')
		n = snprintf(buf, cap, "%s", in);
	else if (in[1] == '\0' || in[1] == '/')
		n = snprintf(buf, cap, "%s%s", home, in + 1);
	else {
		char name[256];
		size_t len = strcspn(in + 1, "/");
		if (len >= sizeof(name))
			return -1;
		memcpy(name, in + 1, len);
		name[len] = '\0';
		rest = in + 1 + len;
		struct passwd *pw = getpwnam(name);
		if (!pw)
			return -1;
		n = snprintf(buf, cap, "%s%s", pw->pw_dir, rest);
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Run every Include argument: ~, relative to incdir, glob(3), sorted. */
static int do_include(struct ctx *c, const char *path, int ln, char **av, int ac, int depth)
{
	char pat[2 * CFG_MAX_LINE + 512];

	if (depth + 1 >= CFG_MAX_DEPTH)
		return fail(c, path, ln, "Include nested too deep");
	for (int i = 1; i < ac; i++) {
		glob_t g;
		char tmp[CFG_MAX_LINE + 256];
		if (expand_tilde(av[i], c->home, tmp, sizeof(tmp)) < 0)
			return fail(c, path, ln, "bad Include path");
		int n = tmp[0] == '/' ? snprintf(pat, sizeof(pat), "%s", tmp)
		                      : snprintf(pat, sizeof(pat), "%s/%s", c->incdir, tmp);
		if (n < 0 || (size_t)n >= sizeof(pat))
			return fail(c, path, ln, "Include path too long");
		int rc = glob(pat, 0, NULL, &g);
		if (rc == GLOB_NOMATCH)
			continue;
		if (rc != 0)
			return fail(c, path, ln, "Include glob failed");
		for (size_t j = 0; j < g.gl_pathc && rc == 0; j++)
			rc = read_file(c, g.gl_pathv[j], depth + 1, false);
		globfree(&g);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Handle one split line; *active is whether the current block applies. */
static int handle_line(struct ctx *c, const char *path, int ln, char **av, int ac,
                       bool *active, int depth)
{
	if (!strcasecmp(av[0], "host")) {
		*active = false;
		for (int i = 1; i < ac; i++) {
			bool neg = av[i][0] == '!';
			if (ssh_config_match_pattern(av[i] + neg, c->alias)) {
				if (neg) {
					*active = false;
					break;
				}
				*active = true;
			}
		}
		return 0;
	}
	if (!strcasecmp(av[0], "match")) {
		/* Match criteria (host, exec, user, ...) are not evaluated: only
		 * "Match all" applies, every other Match block is skipped. */
		*active = ac == 2 && !strcasecmp(av[1], "all");
		return 0;
	}
	if (!*active)
		return 0;
	if (!strcasecmp(av[0], "include"))
		return do_include(c, path, ln, av, ac, depth);
	if (ac < 2)
		return fail(c, path, ln, "missing argument");
	return apply(c, path, ln, av, ac);
}

/* Read one config file; Host state starts active (the top of a file is global). */
static int read_file(struct ctx *c, const char *path, int depth, bool must_exist)
{
	char line[CFG_MAX_LINE + 2];
	char *av[CFG_MAX_ARGS];
	bool active = true;
	int ln = 0, rc = 0;

	if (++c->opened > CFG_MAX_OPEN)
		return fail(c, path, 0, "too many included files");
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist)
			return 0;
		return fail(c, path, 0, strerror(errno));
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		ln++;
		if (++c->lines > CFG_MAX_LINES) {
			rc = fail(c, path, ln, "too many lines");
			break;
		}
		if (strlen(line) > CFG_MAX_LINE && !feof(f)) {
			rc = fail(c, path, ln, "line too long");
			break;
		}
		char *restp = line + strspn(line, " \t");
		restp += strcspn(restp, " \t=");
		restp += strspn(restp, " \t=");
		char rest[CFG_MAX_LINE + 2];
		snprintf(rest, sizeof(rest), "%s", restp);
		rest[strcspn(rest, "\r\n")] = '\0';
		c->rest = rest;
		int ac = split_line(line, av);
		if (ac < 0)
			rc = fail(c, path, ln, "unterminated quote");
		else if (ac > 0)
			rc = handle_line(c, path, ln, av, ac, &active, depth);
	}
	if (rc == 0 && ferror(f))
		rc = fail(c, path, 0, "read error");
	fclose(f);
	return rc;
}

/* Values for the %-tokens of one resolved host. */
struct tokens {
	const char *h, *n, *r, *u, *d, *k;
	int p;
};

/* Expand ~ then %-tokens of in into a new string; NULL when too long. */
static char *expand_path(const char *in, const struct tokens *t)
{
	char tmp[CFG_MAX_LINE], out[CFG_MAX_LINE];
	size_t n = 0;

	if (expand_tilde(in, t->d, tmp, sizeof(tmp)) < 0)
		return NULL;
	for (const char *p = tmp; *p; p++) {
		char num[16];
		const char *add = NULL;
		if (*p == '%' && p[1]) {
			switch (*++p) {
			case '%': add = "%"; break;
			case 'h': add = t->h; break;
			case 'n': add = t->n; break;
			case 'r': add = t->r; break;
			case 'u': add = t->u; break;
			case 'd': add = t->d; break;
			case 'k': add = t->k; break;
			case 'p': snprintf(num, sizeof(num), "%d", t->p); add = num; break;
			case 'i': snprintf(num, sizeof(num), "%u", (unsigned)getuid()); add = num; break;
			default: p--; break;    /* unknown token: kept as written */
			}
		}
		if (!add) {
			num[0] = *p;
			num[1] = '\0';
			add = num;
		}
		size_t len = strlen(add);
		if (n + len >= sizeof(out))
			return NULL;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return strdup(out);
}

/* Expand "%h" and "%%" in HostName (the alias) and lowercase it, like ssh. */
static char *expand_hostname(const char *raw, const char *alias)
{
	char out[CFG_MAX_LINE];
	size_t n = 0;

	for (const char *p = raw; *p; p++) {
		const char *add = p;
		size_t len = 1;
		if (p[0] == '%' && p[1] == 'h') {
			add = alias;
			len = strlen(alias);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			p++;
		}
		if (n + len >= sizeof(out))
			return NULL;
		for (size_t i = 0; i < len; i++)
			out[n++] = (char)tolower((unsigned char)add[i]);
	}
	out[n] = '\0';
	return strdup(out);
}

/* Free every collected raw value. */
static void raw_free(struct raw *r)
{
	free(r->hostname);
	free(r->user);
	free(r->alias_key);
	free(r->agent);
	free(r->proxy_command);
	free(r->proxy_jump);
	for (int i = 0; i < r->nidentity; i++)
		free(r->identity[i]);
	for (int i = 0; i < r->nuser_kh; i++)
		free(r->user_kh[i]);
	for (int i = 0; i < r->nglobal_kh; i++)
		free(r->global_kh[i]);
}

/* Append expanded copies of list to out->known_hosts. */
static int add_known(struct ssh_host_cfg *out, char *const *list, int n, const struct tokens *t)
{
	for (int i = 0; i < n && out->nknown_hosts < 2 * SSHCFG_MAX_FILES; i++) {
		char *s = expand_path(list[i], t);
		if (!s)
			return -1;
		out->known_hosts[out->nknown_hosts++] = s;
	}
	return 0;
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
		if (!end)
			return -1;
		*end = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -1;
		h++;
	} else {
		colon = strchr(h, ':');
	}
	if (colon) {
		*colon = '\0';
		j->port = parse_uint(colon + 1);
		if (j->port < 1 || j->port > 65535)
			return -1;
	}
	if (!*h || strpbrk(h, " \t/"))
		return -1;
	j->host = strdup(h);
	return j->host ? 0 : -1;
}

/* Split a ProxyJump value (comma list, '#' ends it) into out->jump[]. */
static int parse_jumps(const char *v, struct ssh_host_cfg *out)
{
	char buf[CFG_MAX_LINE];

	snprintf(buf, sizeof(buf), "%s", v);
	buf[strcspn(buf, "#")] = '\0';
	size_t n = strlen(buf);
	while (n > 0 && strchr(" \t", buf[n - 1]))
		buf[--n] = '\0';
	if (!strcasecmp(buf, "none"))
		return 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (out->njump >= SSHCFG_MAX_JUMPS || parse_hop(tok, &out->jump[out->njump++]) < 0)
			return -1;
	}
	return out->njump > 0 ? 0 : -1;
}

/* Resolve IdentityAgent raw into what doptop uses (see the header). */
static int finish_agent(const char *raw, const struct tokens *t, struct ssh_host_cfg *out)
{
	if (!(out->identity_agent_raw = strdup(raw)))
		return -1;
	if (!strcmp(raw, "SSH_AUTH_SOCK"))
		return 0;
	if (!strcmp(raw, "none"))
		out->identity_agent = strdup("none");
	else if (raw[0] == '$' && raw[1] != '{') {
		const char *e = getenv(raw + 1);
		out->identity_agent = strdup(e && *e ? e : "none");
	} else {
		out->identity_agent = expand_path(raw, t);
		if (out->identity_agent) {
			free(out->identity_agent_raw);
			out->identity_agent_raw = strdup(out->identity_agent);
		}
	}
	return out->identity_agent && out->identity_agent_raw ? 0 : -1;
}

/* Turn the collected values plus defaults into the resolved settings. */
static int finish(struct ctx *c, const char *luser, struct ssh_host_cfg *out)
{
	static char *const def_id[] = { "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa" };
	static char *const def_user_kh[] = { "~/.ssh/known_hosts", "~/.ssh/known_hosts2" };
	static char *const def_global_kh[] = { "/etc/ssh/ssh_known_hosts",
	                                       "/etc/ssh/ssh_known_hosts2" };
	struct raw *r = &c->r;

	out->alias = strdup(c->alias);
	out->hostname = expand_hostname(r->hostname ? r->hostname : c->alias, c->alias);
	out->user = strdup(r->user ? r->user : luser);
	out->port = r->port ? r->port : 22;
	out->identities_only = r->identities_only == 1;
	out->hash_known_hosts = r->hash_kh == 1;
	out->strict = r->strict < 0 ? SSHCFG_STRICT_ASK : (enum sshcfg_strict)r->strict;
	out->connect_timeout = r->connect_timeout < 0 ? 0 : r->connect_timeout;
	out->alive_interval = r->alive_interval < 0 ? 0 : r->alive_interval;
	out->alive_count_max = r->alive_count < 0 ? 3 : r->alive_count;
	out->address_family = r->family < 0 ? SSHCFG_AF_ANY : (enum sshcfg_family)r->family;
	if (r->alias_key) {
		if (!(out->host_key_alias = strdup(r->alias_key)))
			return -1;
		for (char *p = out->host_key_alias; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (!out->alias || !out->hostname || !out->user)
		return -1;
	struct tokens t = { .h = out->hostname, .n = c->alias, .r = out->user, .u = luser,
	                    .d = c->home, .p = out->port,
	                    .k = r->alias_key ? r->alias_key : c->alias };
	char *const *ids = r->nidentity ? r->identity : def_id;
	int nids = r->nidentity ? r->nidentity : 3;
	out->identity_default = r->nidentity == 0;
	for (int i = 0; i < nids; i++) {
		if (!(out->identity[i] = expand_path(ids[i], &t)) ||
		    !(out->identity_raw[i] = strdup(ids[i])))
			return -1;
		out->nidentity++;
	}
	if (r->agent && finish_agent(r->agent, &t, out) < 0)
		return -1;
	if (r->nuser_kh >= 0 && add_known(out, r->nuser_kh ? r->user_kh : def_user_kh,
	                                  r->nuser_kh ? r->nuser_kh : 2, &t) < 0)
		return -1;
	out->nuser_known_hosts = out->nknown_hosts;
	if (r->nglobal_kh >= 0 && add_known(out, r->nglobal_kh ? r->global_kh : def_global_kh,
	                                    r->nglobal_kh ? r->nglobal_kh : 2, &t) < 0)
		return -1;
	if (r->proxy_jump && strcasecmp(r->proxy_jump, "none")) {
		if (!(out->proxy_jump_raw = strdup(r->proxy_jump)))
			return -1;
		if (parse_jumps(r->proxy_jump, out) < 0)
			return fail(c, c->alias, 0, "bad ProxyJump");
	} else if (r->proxy_command && strcasecmp(r->proxy_command, "none")) {
		if (!(out->proxy_command = strdup(r->proxy_command)))
			return -1;
	}
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
		if (n + len >= sizeof(out))
			return NULL;
		memcpy(out + n, add, len);
		n += len;
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

/* Resolve alias from -F file, or ~/.ssh/config then /etc/ssh/ssh_config. */
int ssh_config_resolve(const char *alias, const char *file, const char *home,
                       struct ssh_host_cfg *out, const char **why)
{
	static char why_buf[384];
	struct ctx c;
	char user_cfg[4096], dotssh[4096];
	const char *luser = getenv("USER");
	struct passwd *pw = getpwuid(getuid());
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.r.identities_only = c.r.strict = c.r.connect_timeout = -1;
	c.r.alive_interval = c.r.alive_count = c.r.family = c.r.hash_kh = -1;
	if (!home)
		home = getenv("HOME");
	if (!home || !*home)
		home = pw ? pw->pw_dir : "/";
	if (!luser || !*luser)
		luser = pw ? pw->pw_name : "root";
	if (!alias || !*alias || strlen(alias) >= CFG_MAX_LINE) {
		if (why)
			*why = "bad host name";
		return -1;
	}
	/* Host lines see the alias as typed; only the final HostName is lowercased. */
	c.alias = alias;
	c.home = home;
	snprintf(dotssh, sizeof(dotssh), "%s/.ssh", home);
	c.incdir = dotssh;
	if (file) {
		rc = read_file(&c, file, 0, true);
	} else {
		snprintf(user_cfg, sizeof(user_cfg), "%s/.ssh/config", home);
		rc = read_file(&c, user_cfg, 0, false);
		c.incdir = "/etc/ssh";
		if (rc == 0)
			rc = read_file(&c, "/etc/ssh/ssh_config", 0, false);
	}
	if (rc == 0 && finish(&c, luser, out) < 0) {
		if (!c.why[0])
			fail(&c, alias, 0, "out of memory or expanded path too long");
		rc = -1;
	}
	raw_free(&c.r);
	if (rc < 0) {
		ssh_config_free(out);
		memcpy(why_buf, c.why, sizeof(why_buf));
		if (why)
			*why = why_buf;
	}
	return rc;
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
