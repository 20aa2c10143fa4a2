/*
 * ssh_config.c — read ssh_config(5) as ssh(1) 9.x does (readconf.c): Host
 * and Match blocks, Include, the final pass, first obtained value wins,
 * unknown keywords are errors unless IgnoreUnknown lists them.  What doptop
 * does with each keyword is in the one table of ssh_config_kw.c.  Pure.
 */
#include "ssh_config_int.h"
#include "ssh_match.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Hard caps, so a hostile or huge config cannot loop or explode. */
#define CFG_MAX_LINES  100000   /* lines read over all files */
#define CFG_MAX_DEPTH  16       /* Include depth, as OpenSSH's READCONF_MAX_DEPTH */
#define CFG_MAX_OPEN   256      /* files opened over all Includes */
#define CFG_MAX_ARGS   64       /* arguments on one line */

/* One resolution: inputs, pass, limits and what was collected. */
struct ctx {
	const struct cfg_who *who;
	const char *host;       /* what Host lines match: the alias, in the final
	                         * pass the final host name */
	const char *incdir;     /* base for relative Include paths */
	bool final_pass, want_final;
	int lines, opened;
	struct cfg_raw r;
	char why[512];
};

static int read_file(struct ctx *c, const char *path, int depth, bool must_exist, bool never);

/* Record "file:line: reason" as the one-line error. */
__attribute__((format(printf, 4, 5)))
static int fail(struct ctx *c, const char *path, int line, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(c->why, sizeof(c->why), "%s:%d: %s", path, line, what);
	else
		snprintf(c->why, sizeof(c->why), "%s: %s", path, what);
	return -1;
}

/* ssh's Host-line pattern match (case-sensitive). */
bool ssh_config_match_pattern(const char *pattern, const char *s)
{
	return ssh_match_pattern(s, pattern);
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
			if (ssh_match_pattern(s, pat)) {
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
		bool eq = *p == '=';
		*p++ = '\0';
		p += strspn(p, " \t\r\n");
		if (*p == '=' && !eq)
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

/* Set a single-valued option unless already set (first value wins). */
static int set_first(struct ctx *c, int opt, const char *v)
{
	if (c->r.opt[opt])
		return 0;
	c->r.opt[opt] = strdup(v);
	return c->r.opt[opt] ? 0 : fail(c, "ssh_config", 0, "out of memory");
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

/* A file list keyword: the first line wins, with every file on it. */
static int set_files(struct ctx *c, char **list, int *n, char **av, int ac)
{
	if (*n != 0)
		return 0;
	if (!strcasecmp(av[0], "none")) {
		*n = -1;
		return 0;
	}
	return push_all(c, list, n, av, ac);
}

/* Apply a keyword doptop uses; rest is the line after the keyword. */
static int apply_used(struct ctx *c, const struct kwdef *kw, char **av, int ac, const char *rest)
{
	struct cfg_raw *r = &c->r;

	switch (kw->opt) {
	case OPT_IDENTITYFILE:
		/* ssh ignores a duplicate (the final pass reads the files again). */
		for (int i = 0; i < r->nidentity; i++)
			if (!strcmp(r->identity[i], av[1]))
				return 0;
		return push_all(c, r->identity, &r->nidentity, av + 1, 1);
	case OPT_UKH:
		return set_files(c, r->user_kh, &r->nuser_kh, av + 1, ac - 1);
	case OPT_GKH:
		return set_files(c, r->global_kh, &r->nglobal_kh, av + 1, ac - 1);
	case OPT_PROXYCOMMAND:
		/* ssh: the rest of the line verbatim; a ProxyJump set first wins,
		 * but "ProxyJump none" does not block it (ssh -G 9.2). */
		if (r->opt[OPT_PROXYJUMP] && strcasecmp(r->opt[OPT_PROXYJUMP], "none"))
			return 0;
		return set_first(c, OPT_PROXYCOMMAND, rest);
	case OPT_PROXYJUMP: {
		/* As ssh's parse_jump(): comment and trailing blanks removed. */
		char jump[CFG_MAX_LINE + 2];
		snprintf(jump, sizeof(jump), "%.*s", (int)strcspn(rest, "#"), rest);
		for (size_t n = strlen(jump); n > 0 && strchr(" \t", jump[n - 1]); n--)
			jump[n - 1] = '\0';
		if (r->opt[OPT_PROXYCOMMAND])
			return 0;
		return set_first(c, OPT_PROXYJUMP, jump);
	}
	case OPT_CONNECTTIMEOUT:
		/* ssh: "none" is the unset value, so a later line may still set it. */
		if (!strcasecmp(av[1], "none"))
			return 0;
		return set_first(c, kw->opt, av[1]);
	default:
		return set_first(c, kw->opt, av[1]);
	}
}

/* Handle one keyword line (not Host/Match/Include). */
static int keyword_line(struct ctx *c, const char *path, int ln, char **av, int ac,
                        const char *rest, bool active)
{
	const struct kwdef *kw = ssh_config_kw_find(av[0]);

	if (!kw) {
		char low[128];
		snprintf(low, sizeof(low), "%s", av[0]);
		for (char *p = low; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (c->r.opt[OPT_IGNOREUNKNOWN] &&
		    ssh_match_list(low, c->r.opt[OPT_IGNOREUNKNOWN], true) == 1)
			return 0;
		return fail(c, path, ln, "Bad configuration option: %s", av[0]);
	}
	if (ac < 2)
		return fail(c, path, ln, "%s: missing argument", kw->name);
	if (kw->kind == SSHCFG_KW_USED && !kw->check(av[1]))
		return fail(c, path, ln, "bad %s value", kw->name);
	if (!active || kw->kind == SSHCFG_KW_IGNORED)
		return 0;
	if (kw->kind == SSHCFG_KW_REFUSED)
		return fail(c, path, ln, "%s is not supported by doptop (the node is refused "
		            "rather than reached differently from ssh)", kw->name);
	if (kw->kind == SSHCFG_KW_LIMITED) {
		if (kw->check(av[1]))
			return 0;
		return fail(c, path, ln, "%s is only supported as %s (the node is refused "
		            "rather than reached differently from ssh)", kw->name, kw->allowed);
	}
	return apply_used(c, kw, av, ac, rest);
}

/* Expand a leading "~" or "~/" (home) or "~user/" into buf. */
int ssh_config_tilde(const char *in, const char *home, char *buf, size_t cap)
{
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
		struct passwd *pw = getpwnam(name);
		if (!pw)
			return -1;
		n = snprintf(buf, cap, "%s%s", pw->pw_dir, in + 1 + len);
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Run every Include argument: ~, relative to incdir, glob(3), sorted. */
static int do_include(struct ctx *c, const char *path, int ln, char **av, int ac, int depth,
                      bool active)
{
	char pat[2 * CFG_MAX_LINE + 512];

	if (ac < 2)
		return fail(c, path, ln, "Include: missing argument");
	if (depth + 1 >= CFG_MAX_DEPTH)
		return fail(c, path, ln, "Include nested too deep");
	for (int i = 1; i < ac; i++) {
		glob_t g;
		char tmp[CFG_MAX_LINE + 256];
		if (ssh_config_tilde(av[i], c->who->home, tmp, sizeof(tmp)) < 0)
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
		/* An Include in a block that does not apply is read (for syntax)
		 * with nothing in it applying, as ssh's SSHCONF_NEVERMATCH. */
		for (size_t j = 0; j < g.gl_pathc && rc == 0; j++)
			rc = read_file(c, g.gl_pathv[j], depth + 1, false, !active);
		globfree(&g);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The host a Match "host" criterion sees: the HostName obtained so far
 * (%h expanded) or the host being resolved.  Caller frees. */
static char *match_host(const struct ctx *c)
{
	if (c->r.opt[OPT_HOSTNAME] && !c->final_pass)
		return ssh_config_expand_hostname(c->r.opt[OPT_HOSTNAME], c->host);
	return strdup(c->host);
}

/* Evaluate a Match line (readconf.c match_cfg_line): 1, 0, or -1. */
static int match_line(struct ctx *c, const char *path, int ln, char **av, int ac)
{
	int result = 1;
	bool only_canon = true;

	if (ac < 2)
		return fail(c, path, ln, "Match: missing criteria");
	for (int i = 1; i < ac; i++) {
		const char *attr = av[i];
		bool neg = attr[0] == '!';
		attr += neg;
		if (!strcasecmp(attr, "all")) {
			if (!only_canon || i + 1 < ac)
				return fail(c, path, ln, "Match all cannot be combined with other "
				            "criteria");
			if (result)
				result = !neg;
			return result;
		}
		if (!strcasecmp(attr, "canonical") || !strcasecmp(attr, "final")) {
			if (!strcasecmp(attr, "final"))
				c->want_final = true;
			if (c->final_pass == neg)
				result = 0;
			continue;
		}
		only_canon = false;
		if (i + 1 >= ac || av[i + 1][0] == '\0')
			return fail(c, path, ln, "Match: missing argument for %s", attr);
		const char *arg = av[++i];
		int r;
		if (!strcasecmp(attr, "host")) {
			char *h = match_host(c);
			if (!h)
				return fail(c, path, ln, "out of memory");
			r = ssh_match_hostname(h, arg) == 1;
			free(h);
		} else if (!strcasecmp(attr, "originalhost")) {
			r = ssh_match_hostname(c->who->alias, arg) == 1;
		} else if (!strcasecmp(attr, "user")) {
			const char *u = c->r.opt[OPT_USER] ? c->r.opt[OPT_USER] : c->who->luser;
			r = ssh_match_list(u, arg, false) == 1;
		} else if (!strcasecmp(attr, "localuser")) {
			r = ssh_match_list(c->who->luser, arg, false) == 1;
		} else if (!strcasecmp(attr, "exec")) {
			/* ssh skips exec once an earlier criterion failed; else it would
			 * run a command, which doptop does not: refuse the node. */
			if (!result)
				continue;
			return fail(c, path, ln, "Match exec is not supported by doptop (it would "
			            "run \"%s\"): the node is refused", arg);
		} else {
			return fail(c, path, ln, "Unsupported Match attribute %s", attr);
		}
		if (r == neg)
			result = 0;
	}
	return result;
}

/* Handle one split line; *active is whether the current block applies. */
static int handle_line(struct ctx *c, const char *path, int ln, char **av, int ac,
                       const char *rest, bool *active, int depth, bool never)
{
	if (!strcasecmp(av[0], "host")) {
		*active = false;
		for (int i = 1; i < ac && !never; i++) {
			bool neg = av[i][0] == '!';
			if (ssh_match_pattern(c->host, av[i] + neg)) {
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
		int m = match_line(c, path, ln, av, ac);
		if (m < 0)
			return m;
		*active = m == 1 && !never;
		return 0;
	}
	if (!strcasecmp(av[0], "include"))
		return do_include(c, path, ln, av, ac, depth, *active);
	return keyword_line(c, path, ln, av, ac, rest, *active);
}

/* The text after the keyword and its separator, verbatim, without the
 * line end (what ssh keeps for ProxyCommand and ProxyJump). */
static void line_rest(const char *line, char *rest, size_t cap)
{
	const char *p = line + strspn(line, " \t");
	p += strcspn(p, " \t=");
	p += strspn(p, " \t");
	if (*p == '=')
		p++;
	p += strspn(p, " \t");
	snprintf(rest, cap, "%s", p);
	size_t n = strcspn(rest, "\r\n");
	while (n > 0 && (rest[n - 1] == ' ' || rest[n - 1] == '\t'))
		n--;
	rest[n] = '\0';
}

/* Read one config file; the top of a file applies to every host. */
static int read_file(struct ctx *c, const char *path, int depth, bool must_exist, bool never)
{
	char line[CFG_MAX_LINE + 2], rest[CFG_MAX_LINE + 2];
	char *av[CFG_MAX_ARGS];
	bool active = !never;
	int ln = 0, rc = 0;

	if (++c->opened > CFG_MAX_OPEN)
		return fail(c, path, 0, "too many included files");
	FILE *f = fopen(path, "re");
	if (!f) {
		if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return fail(c, path, 0, "%s", strerror(errno));
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
		line_rest(line, rest, sizeof(rest));
		int ac = split_line(line, av);
		if (ac < 0)
			rc = fail(c, path, ln, "unterminated quote");
		else if (ac > 0)
			rc = handle_line(c, path, ln, av, ac, rest, &active, depth, never);
	}
	if (rc == 0 && ferror(f))
		rc = fail(c, path, 0, "read error");
	fclose(f);
	return rc;
}

/* Free every collected raw value. */
static void raw_free(struct cfg_raw *r)
{
	for (int i = 0; i < OPT_COUNT; i++)
		free(r->opt[i]);
	for (int i = 0; i < r->nidentity; i++)
		free(r->identity[i]);
	for (int i = 0; i < r->nuser_kh; i++)
		free(r->user_kh[i]);
	for (int i = 0; i < r->nglobal_kh; i++)
		free(r->global_kh[i]);
	memset(r, 0, sizeof(*r));
}

/* One pass over the files, as ssh's process_config_files(). */
static int read_all(struct ctx *c, const char *file)
{
	char user_cfg[4200], dotssh[4200];

	snprintf(dotssh, sizeof(dotssh), "%s/.ssh", c->who->home);
	c->incdir = dotssh;
	if (file)
		return read_file(c, file, 0, true, false);
	snprintf(user_cfg, sizeof(user_cfg), "%s/.ssh/config", c->who->home);
	int rc = read_file(c, user_cfg, 0, false, false);
	c->incdir = "/etc/ssh";
	if (rc == 0)
		rc = read_file(c, "/etc/ssh/ssh_config", 0, false, false);
	return rc;
}

/* The final pass (Match final/canonical): Host and Match host now see the
 * final host name; values set in the first pass stay (first wins). */
static int final_pass(struct ctx *c, const char *file, char **final_host)
{
	const char *h = c->r.opt[OPT_HOSTNAME] ? c->r.opt[OPT_HOSTNAME] : c->who->alias;
	char *host = ssh_config_expand_hostname(h, c->who->alias);

	if (!host)
		return fail(c, c->who->alias, 0, "out of memory");
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	free(c->r.opt[OPT_HOSTNAME]);
	c->r.opt[OPT_HOSTNAME] = strdup(host);
	*final_host = host;
	c->host = host;
	c->final_pass = true;
	c->lines = c->opened = 0;
	return c->r.opt[OPT_HOSTNAME] ? read_all(c, file) : -1;
}

/* Resolve alias from -F file, or ~/.ssh/config then /etc/ssh/ssh_config. */
int ssh_config_resolve(const char *alias, const char *file, const char *home,
                       struct ssh_host_cfg *out, const char **why)
{
	static char why_buf[512];
	struct cfg_who who = { .alias = alias };
	struct ctx c;
	char *final_host = NULL;
	struct passwd *pw = getpwuid(getuid());
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (!alias || !*alias || strlen(alias) >= CFG_MAX_LINE) {
		if (why)
			*why = "bad host name";
		return -1;
	}
	/* ssh takes ~ and %d from the password database, not $HOME. */
	who.home = home ? home : pw ? pw->pw_dir : getenv("HOME");
	who.luser = pw ? pw->pw_name : getenv("USER");
	if (!who.home || !*who.home)
		who.home = "/";
	if (!who.luser || !*who.luser)
		who.luser = "root";
	if (gethostname(who.lhost, sizeof(who.lhost)) < 0)
		snprintf(who.lhost, sizeof(who.lhost), "localhost");
	who.lhost[sizeof(who.lhost) - 1] = '\0';
	c.who = &who;
	c.host = alias;     /* pass 1: Host lines see the name as typed */
	rc = read_all(&c, file);
	if (rc == 0 && c.want_final)
		rc = final_pass(&c, file, &final_host);
	if (rc == 0)
		rc = ssh_config_finish(&c.r, &who, out, c.why, sizeof(c.why));
	raw_free(&c.r);
	free(final_host);
	if (rc < 0) {
		ssh_config_free(out);
		snprintf(why_buf, sizeof(why_buf), "%s", c.why[0] ? c.why : "cannot be resolved");
		if (why)
			*why = why_buf;
	}
	return rc;
}
