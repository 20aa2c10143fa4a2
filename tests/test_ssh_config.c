/* test_ssh_config.c — ssh_config resolution, checked against fixtures and
 * against the real OpenSSH client's `ssh -G`. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ssh_config.h"

#define FIX "tests/fixtures/ssh"

static char fixdir[PATH_MAX];   /* absolute path of FIX */
static char pwhome[PATH_MAX];   /* the home ssh itself uses (pw_dir) */
static char pwname[256];

/* Locate the fixtures and pin $USER to what ssh uses. */
static int setup(void **state)
{
	struct passwd *pw = getpwuid(getuid());

	(void)state;
	if (!realpath(FIX, fixdir) || !pw)
		return -1;
	snprintf(pwhome, sizeof(pwhome), "%s", pw->pw_dir);
	snprintf(pwname, sizeof(pwname), "%s", pw->pw_name);
	setenv("USER", pwname, 1);
	return 0;
}

/* Pattern and list matching, table-driven. */
static void test_match(void **state)
{
	static const struct { const char *pat, *s; bool want; } pats[] = {
		{ "*", "anything", true }, { "*", "", true }, { "web?", "web1", true },
		{ "web?", "web12", false }, { "web*", "web", true }, { "*.internal", "a.b.internal", true },
		{ "*.internal", "internal", false }, { "a*b*c", "aXXbYYc", true }, { "a*b*c", "aXXbYY", false },
		{ "WEB*", "web1", false }, { "web*", "Web1", false }, { "", "", true }, { "", "x", false },
		{ "*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	};
	static const struct { const char *list, *s; bool want; } lists[] = {
		{ "a,b,c", "b", true }, { "a b  c", "c", true }, { "a,b", "d", false },
		{ "adhoc-* !adhoc-002", "adhoc-002", false }, { "adhoc-* !adhoc-002", "adhoc-001", true },
		{ "!x", "y", false }, { "!x,*", "x", false }, { "", "x", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		if (ssh_config_match_pattern(pats[i].pat, pats[i].s) != pats[i].want)
			fail_msg("pattern '%s' vs '%s'", pats[i].pat, pats[i].s);
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (ssh_config_match_list(lists[i].list, lists[i].s) != lists[i].want)
			fail_msg("list '%s' vs '%s'", lists[i].list, lists[i].s);
	}
}

/* Resolve alias in the fleet fixture with pwhome; asserts success. */
static void resolve_fleet(const char *alias, struct ssh_host_cfg *c)
{
	char path[PATH_MAX + 32];
	const char *why = NULL;

	snprintf(path, sizeof(path), "%s/config_fleet", fixdir);
	int rc = ssh_config_resolve(alias, path, "/home/tester", c, &why);
	if (rc)
		fail_msg("%s: %s", alias, why);
}

/* The gcloud compute config-ssh block resolves exactly. */
static void test_gcloud_block(void **state)
{
	struct ssh_host_cfg c;

	(void)state;
	resolve_fleet("adhoc-preemptible-000.us-central1-a.my-project", &c);
	assert_string_equal(c.hostname, "34.122.10.1");
	assert_string_equal(c.user, "batch");
	assert_int_equal(c.port, 2222);
	assert_int_equal(c.nidentity, 3);
	assert_string_equal(c.identity[0], "/home/tester/.ssh/google_compute_engine");
	assert_string_equal(c.identity[1], "/home/tester/.ssh/id_fleet_34.122.10.1_batch");
	assert_string_equal(c.identity[2], "/home/tester/.ssh/id common");
	assert_true(c.identities_only);
	assert_int_equal(c.nknown_hosts, 3);
	assert_string_equal(c.known_hosts[0], "/home/tester/.ssh/google_compute_known_hosts");
	assert_string_equal(c.known_hosts[1], "/etc/ssh/ssh_known_hosts");
	assert_string_equal(c.known_hosts[2], "/etc/ssh/ssh_known_hosts2");
	assert_string_equal(c.host_key_alias, "compute.1234567");
	assert_int_equal(c.strict, SSHCFG_STRICT_ACCEPT_NEW);
	assert_int_equal(c.alive_interval, 15);
	assert_int_equal(c.alive_count_max, 5);
	assert_int_equal(c.connect_timeout, 0);
	ssh_config_free(&c);
	assert_null(c.hostname);
	ssh_config_free(&c);
}

/* Wildcards, negation, %h in HostName, Match skipping, defaults. */
static void test_fleet_hosts(void **state)
{
	struct ssh_host_cfg c;

	(void)state;
	resolve_fleet("adhoc-preemptible-002.us-central1-a.my-project", &c);
	assert_string_equal(c.hostname, "adhoc-preemptible-002.us-central1-a.my-project");
	assert_string_equal(c.user, "default-user");     /* negated: not "batch" */
	assert_int_equal(c.port, 22);
	assert_int_equal(c.strict, SSHCFG_STRICT_YES);
	assert_false(c.identities_only);
	assert_null(c.host_key_alias);
	assert_int_equal(c.nknown_hosts, 4);
	assert_string_equal(c.known_hosts[0], "/home/tester/.ssh/known_hosts");
	assert_string_equal(c.known_hosts[1], "/home/tester/.ssh/known_hosts2");
	ssh_config_free(&c);

	resolve_fleet("Jump7", &c);    /* case-sensitive, like ssh */
	assert_string_equal(c.hostname, "jump7");
	assert_string_equal(c.user, "default-user");
	ssh_config_free(&c);
	resolve_fleet("jump7", &c);
	assert_string_equal(c.hostname, "jump7.example.org");
	assert_string_equal(c.user, "ops");
	assert_int_equal(c.port, 2200);
	assert_int_equal(c.connect_timeout, 90);
	assert_int_equal(c.alive_count_max, 9);
	assert_int_equal(c.nidentity, 1);
	ssh_config_free(&c);

	resolve_fleet("web1", &c);
	assert_string_equal(c.user, "internal");
	assert_int_equal(c.strict, SSHCFG_STRICT_NO);
	assert_int_equal(c.nknown_hosts, 3);
	assert_string_equal(c.known_hosts[0], "/home/tester/.ssh/kh_internal");
	assert_string_equal(c.known_hosts[2], "/etc/ssh/fleet_known_hosts");
	ssh_config_free(&c);
}

/* Include: relative to ~/.ssh, globbed in order, and inside a Host block. */
static void test_include(void **state)
{
	char home[PATH_MAX + 16];
	char path[PATH_MAX + 32];
	struct ssh_host_cfg c;
	const char *why;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", fixdir);
	snprintf(path, sizeof(path), "%s/.ssh/config", home);
	assert_int_equal(ssh_config_resolve("web3", path, home, &c, &why), 0);
	assert_string_equal(c.user, "webuser");
	assert_int_equal(c.nidentity, 2);
	assert_string_equal(strrchr(c.identity[0], '/'), "/id_web");
	assert_string_equal(strrchr(c.identity[1], '/'), "/id_web2");
	ssh_config_free(&c);
	assert_int_equal(ssh_config_resolve("db9", path, home, &c, &why), 0);
	assert_string_equal(c.user, "dbuser");
	ssh_config_free(&c);
	assert_int_equal(ssh_config_resolve("inner", path, home, &c, &why), 0);
	assert_string_equal(c.hostname, "inner.example.net");
	assert_int_equal(c.port, 4022);
	assert_string_equal(c.user, "fallback");
	ssh_config_free(&c);
	assert_int_equal(ssh_config_resolve("other", path, home, &c, &why), 0);
	assert_string_equal(c.hostname, "other");   /* nested.inc only under Host inner */
	assert_int_equal(c.port, 22);
	ssh_config_free(&c);
	/* Without -F the same file is found as ~/.ssh/config. */
	assert_int_equal(ssh_config_resolve("db1", NULL, home, &c, &why), 0);
	assert_string_equal(c.user, "dbuser");
	ssh_config_free(&c);
}

/* Write text into a new temp file; path to buf. */
static void write_temp(char *buf, const char *text)
{
	strcpy(buf, "/tmp/doptop-sshcfg-XXXXXX");
	int fd = mkstemp(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Errors: unreadable -F, bad values, quotes, and the hard caps. */
static void test_errors(void **state)
{
	static const struct { const char *text, *why; } cases[] = {
		{ "Port 0\n", "bad Port" },
		{ "Host x\nPort 22\nHost *\n  Port 70000\n", "bad Port" },
		{ "Port abc\n", "bad Port" },
		{ "User \"unterminated\n", "unterminated quote" },
		{ "StrictHostKeyChecking maybe\n", "StrictHostKeyChecking" },
		{ "ConnectTimeout 5x\n", "ConnectTimeout" },
		{ "User\n", "missing argument" },
	};
	struct ssh_host_cfg c;
	const char *why = NULL;
	char path[64];

	(void)state;
	assert_int_equal(ssh_config_resolve("h", "/nonexistent/cfg", "/tmp", &c, &why), -1);
	assert_non_null(strstr(why, "/nonexistent/cfg"));
	assert_null(c.hostname);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_temp(path, cases[i].text);
		int rc = ssh_config_resolve("h", path, "/tmp", &c, &why);
		if (rc != -1 || !strstr(why, cases[i].why))
			fail_msg("case %zu: rc %d why %s", i, rc, rc ? why : "-");
		assert_non_null(strstr(why, path));
		unlink(path);
	}
	/* A bad value or an unknown keyword is an error even in a block that
	 * does not apply, as in ssh ("Bad port '0'", "Bad configuration option"). */
	write_temp(path, "Host other\n  Port 0\n");
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), -1);
	unlink(path);
	write_temp(path, "Host other\n  Bogus 0\n");
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), -1);
	assert_non_null(strstr(why, "Bad configuration option: Bogus"));
	unlink(path);
	/* ... unless IgnoreUnknown (obtained first) lists it. */
	write_temp(path, "IgnoreUnknown usekey*,bog?s\nHost other\n  Bogus 0\n");
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), 0);
	ssh_config_free(&c);
	unlink(path);
}

/* A config that includes itself (twice a line) stops at a cap, quickly. */
static void test_include_bomb(void **state)
{
	char path[64], text[256];
	struct ssh_host_cfg c;
	const char *why;

	(void)state;
	write_temp(path, "");
	snprintf(text, sizeof(text), "Include %s %s\nUser x\n", path, path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), -1);
	assert_true(strstr(why, "too deep") || strstr(why, "too many"));
	unlink(path);

	/* Too many lines, and one line too long. */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 100001; i++)
		fputs("#\n", f);
	fclose(f);
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), -1);
	assert_non_null(strstr(why, "too many lines"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("User ", f);
	for (int i = 0; i < 5000; i++)
		fputc('a', f);
	fputs("\n", f);
	fclose(f);
	assert_int_equal(ssh_config_resolve("h", path, "/tmp", &c, &why), -1);
	assert_non_null(strstr(why, "line too long"));
	unlink(path);
}

/* Defaults when nothing is configured; quoted and '=' forms; %-tokens. */
static void test_defaults_and_tokens(void **state)
{
	char path[64];
	struct ssh_host_cfg c;
	const char *why;

	(void)state;
	write_temp(path, "\n# nothing\n");
	assert_int_equal(ssh_config_resolve("Some.Host", path, "/h", &c, &why), 0);
	assert_string_equal(c.hostname, "some.host");
	assert_string_equal(c.user, pwname);
	assert_int_equal(c.port, 22);
	assert_int_equal(c.nidentity, 3);
	assert_string_equal(c.identity[0], "/h/.ssh/id_ed25519");
	assert_string_equal(c.identity[1], "/h/.ssh/id_ecdsa");
	assert_string_equal(c.identity[2], "/h/.ssh/id_rsa");
	assert_int_equal(c.nknown_hosts, 4);
	assert_string_equal(c.known_hosts[3], "/etc/ssh/ssh_known_hosts2");
	assert_int_equal(c.strict, SSHCFG_STRICT_ASK);
	assert_int_equal(c.alive_count_max, 3);
	ssh_config_free(&c);
	unlink(path);

	write_temp(path, "Host=h1\n  HostName = \"real %h\"\n  User 'r u'\n"
	                 "  IdentityFile %d/k_%h_%r_%u_%n_%p_%%\n"
	                 "  IdentityFile ~root/x\n"
	                 "  UserKnownHostsFile none\n  GlobalKnownHostsFile /g1 /g2\n"
	                 "  ServerAliveInterval 2m\n  StrictHostKeyChecking ask\n");
	assert_int_equal(ssh_config_resolve("h1", path, "/h", &c, &why), 0);
	assert_string_equal(c.hostname, "real h1");
	assert_string_equal(c.user, "r u");
	char want[PATH_MAX + 300];
	snprintf(want, sizeof(want), "/h/k_real h1_r u_%s_h1_22_%%", pwname);
	assert_string_equal(c.identity[0], want);
	struct passwd *pw = getpwnam("root");
	assert_non_null(pw);
	snprintf(want, sizeof(want), "%s/x", pw->pw_dir);
	assert_string_equal(c.identity[1], want);
	assert_int_equal(c.nknown_hosts, 2);
	assert_string_equal(c.known_hosts[0], "/g1");
	assert_string_equal(c.known_hosts[1], "/g2");
	assert_int_equal(c.alive_interval, 120);
	assert_int_equal(c.strict, SSHCFG_STRICT_ASK);
	ssh_config_free(&c);
	unlink(path);
}

/* The transport's fields: proxies, agent, family, and their precedence. */
static void test_transport_fields(void **state)
{
	char path[64];
	struct ssh_host_cfg c;
	const char *why;

	(void)state;
	write_temp(path, "Host j\n  ProxyJump alice@b1:2200,ssh://b2,[::1]:23 # c\n"
	                 "  ProxyCommand ignored\n  IdentityAgent none\n  AddressFamily inet6\n"
	                 "Host p\n  ProxyCommand nc %h %p %r %n %%\n  ProxyJump ignored\n"
	                 "  IdentityAgent ~/a.%r.sock\n  UserKnownHostsFile none\n"
	                 "Host n\n  ProxyCommand none\n  ProxyJump ignored\n"
	                 "  IdentityAgent SSH_AUTH_SOCK\n");
	assert_int_equal(ssh_config_resolve("j", path, "/h", &c, &why), 0);
	assert_int_equal(c.njump, 3);
	assert_string_equal(c.jump[0].user, "alice");
	assert_string_equal(c.jump[0].host, "b1");
	assert_int_equal(c.jump[0].port, 2200);
	assert_null(c.jump[1].user);
	assert_string_equal(c.jump[1].host, "b2");
	assert_int_equal(c.jump[1].port, 0);
	assert_string_equal(c.jump[2].host, "::1");
	assert_int_equal(c.jump[2].port, 23);
	assert_null(c.proxy_command);
	assert_string_equal(c.identity_agent, "none");
	assert_int_equal(c.address_family, SSHCFG_AF_INET6);
	assert_int_equal(c.nuser_known_hosts, 2);
	ssh_config_free(&c);

	assert_int_equal(ssh_config_resolve("p", path, "/h", &c, &why), 0);
	assert_int_equal(c.njump, 0);
	assert_string_equal(c.proxy_command, "nc %h %p %r %n %%");
	char *cmd = ssh_config_proxy_command(&c, "u", 2022);
	assert_string_equal(cmd, "nc p 2022 u p %");
	free(cmd);
	char want[300];
	snprintf(want, sizeof(want), "/h/a.%s.sock", c.user);
	assert_string_equal(c.identity_agent, want);
	assert_int_equal(c.nuser_known_hosts, 0);
	assert_int_equal(c.nknown_hosts, 2);
	ssh_config_free(&c);

	assert_int_equal(ssh_config_resolve("n", path, "/h", &c, &why), 0);
	assert_int_equal(c.njump, 0);
	assert_null(c.proxy_command);
	assert_null(c.identity_agent);
	ssh_config_free(&c);
	unlink(path);
}

/* The expected docs line for one kind: README (md) or man page form. */
static void kw_line(enum sshcfg_kw_kind kind, bool md, char *out, size_t cap)
{
	static const char *const label[] = { "Used", "Limited", "Refused", "Ignored" };
	size_t n = 0;
	const struct sshcfg_keyword *k;

	out[0] = '\0';
	if (md)
		n += (size_t)snprintf(out + n, cap - n, "- **%s**: ", label[kind]);
	bool first = true;
	for (size_t i = 0; (k = ssh_config_keyword(i)); i++) {
		if (k->kind != kind)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s%s%s%s%s%s", first ? "" : ", ",
		                      md ? "`" : "", k->name, md ? "`" : "",
		                      k->allowed ? " (" : "", k->allowed ? k->allowed : "",
		                      k->allowed ? ")" : "");
		first = false;
		assert_true(n < cap);
	}
}

/* Slurp a file of the tree into buf. */
static void slurp_doc(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* README's and the man page's "ssh_config support" lists are the table's. */
static void test_keyword_docs(void **state)
{
	static char readme[200000], man[200000];
	char line[8192];

	(void)state;
	slurp_doc("README.md", readme, sizeof(readme));
	slurp_doc("docs/doptop.1", man, sizeof(man));
	for (int kind = SSHCFG_KW_USED; kind <= SSHCFG_KW_IGNORED; kind++) {
		kw_line((enum sshcfg_kw_kind)kind, true, line, sizeof(line));
		if (!strstr(readme, line))
			fail_msg("README.md lacks the line:\n%s", line);
		kw_line((enum sshcfg_kw_kind)kind, false, line, sizeof(line));
		if (!strstr(man, line))
			fail_msg("docs/doptop.1 lacks the line:\n%s", line);
	}
	/* Every keyword is in the table once. */
	const struct sshcfg_keyword *k;
	for (size_t i = 0; (k = ssh_config_keyword(i)); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s", k->name);
		for (size_t j = i + 1; (k = ssh_config_keyword(j)); j++)
			if (!strcasecmp(k->name, name))
				fail_msg("%s twice in the table", name);
	}
}

/* Read `ssh -G -F file host` into key\tvalue lines (keys lowercase). */
static void ssh_dash_g(const char *file, const char *host, char *buf, size_t cap)
{
	char cmd[PATH_MAX * 2];
	size_t n = 0;

	snprintf(cmd, sizeof(cmd), "ssh -G -F '%s' '%s' 2>/dev/null </dev/null", file, host);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, cap - 1, p);
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_true(n > 100);
}

/* Values of key in ssh -G output, joined by ' ' (several lines accumulate). */
static void g_get(const char *out, const char *key, char *val, size_t cap)
{
	size_t klen = strlen(key), n = 0;

	val[0] = '\0';
	for (const char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			size_t len = strcspn(p + klen + 1, "\n");
			n += (size_t)snprintf(val + n, cap - n, "%s%.*s", n ? " " : "", (int)len, p + klen + 1);
		}
	}
}

/* Expand ~ and %h %r %u %d %% the way ssh documents, for ssh -G's raw IdentityFile. */
static void ref_expand(const char *in, const struct ssh_host_cfg *c, char *out, size_t cap)
{
	size_t n = 0;

	if (in[0] == '~' && in[1] == '/') {
		n = (size_t)snprintf(out, cap, "%s", pwhome);
		in++;
	}
	for (; *in && n + 1 < cap; in++) {
		const char *add = NULL;
		if (*in == '%') {
			switch (*++in) {
			case 'h': add = c->hostname; break;
			case 'r': add = c->user; break;
			case 'u': add = pwname; break;
			case 'd': add = pwhome; break;
			default: add = "%"; break;
			}
			n += (size_t)snprintf(out + n, cap - n, "%s", add);
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

/* Compare our resolution of host with ssh -G for the fields we implement. */
static void compare_with_ssh(const char *file, const char *host)
{
	char out[65536], val[4096], mine[4096], one[1024];
	struct ssh_host_cfg c;
	const char *why;
	size_t n = 0;

	ssh_dash_g(file, host, out, sizeof(out));
	assert_int_equal(ssh_config_resolve(host, file, pwhome, &c, &why), 0);
	g_get(out, "hostname", val, sizeof(val));
	if (strcmp(val, c.hostname))
		fail_msg("%s hostname: ssh '%s' ours '%s'", host, val, c.hostname);
	g_get(out, "user", val, sizeof(val));
	if (strcmp(val, c.user))
		fail_msg("%s user: ssh '%s' ours '%s'", host, val, c.user);
	g_get(out, "port", val, sizeof(val));
	assert_int_equal(atoi(val), c.port);
	g_get(out, "identitiesonly", val, sizeof(val));
	assert_int_equal(strcmp(val, "yes") == 0, c.identities_only);
	g_get(out, "hostkeyalias", val, sizeof(val));
	assert_string_equal(val, c.host_key_alias ? c.host_key_alias : "");
	g_get(out, "serveralivecountmax", val, sizeof(val));
	assert_int_equal(atoi(val), c.alive_count_max);
	g_get(out, "serveraliveinterval", val, sizeof(val));
	assert_int_equal(atoi(val), c.alive_interval);
	g_get(out, "connecttimeout", val, sizeof(val));
	assert_int_equal(atoi(val), c.connect_timeout);
	g_get(out, "stricthostkeychecking", val, sizeof(val));
	int strict = !strcmp(val, "accept-new") ? SSHCFG_STRICT_ACCEPT_NEW
	           : !strcmp(val, "false") ? SSHCFG_STRICT_NO
	           : !strcmp(val, "ask") ? SSHCFG_STRICT_ASK : SSHCFG_STRICT_YES;
	if (strict != (int)c.strict)
		fail_msg("%s strict: ssh '%s' ours %d", host, val, c.strict);
	/* Known hosts: ssh prints user files then global files, expanded. */
	g_get(out, "userknownhostsfile", val, sizeof(val));
	n = strlen(val);
	g_get(out, "globalknownhostsfile", val + n + 1, sizeof(val) - n - 1);
	val[n] = ' ';
	mine[0] = '\0';
	for (int i = 0, m = 0; i < c.nknown_hosts; i++)
		m += snprintf(mine + m, sizeof(mine) - (size_t)m, "%s%s", i ? " " : "", c.known_hosts[i]);
	if (strcmp(val, mine))
		fail_msg("%s known hosts: ssh '%s' ours '%s'", host, val, mine);
	/* IdentityFile: ssh -G prints them unexpanded; only configured ones compare
	 * (ssh's built-in default list differs from ours). */
	if (!strstr(out, "identityfile ~/.ssh/id_rsa\n")) {
		mine[0] = '\0';
		n = 0;
		for (const char *p = strstr(out, "\nidentityfile "); p; p = strstr(p + 1, "\nidentityfile ")) {
			char raw[1024];
			snprintf(raw, sizeof(raw), "%.*s", (int)strcspn(p + 14, "\n"), p + 14);
			ref_expand(raw, &c, one, sizeof(one));
			n += (size_t)snprintf(mine + n, sizeof(mine) - n, "%s%s", n ? "|" : "", one);
		}
		val[0] = '\0';
		for (int i = 0, m = 0; i < c.nidentity; i++)
			m += snprintf(val + m, sizeof(val) - (size_t)m, "%s%s", i ? "|" : "", c.identity[i]);
		if (strcmp(val, mine))
			fail_msg("%s identity: ssh '%s' ours '%s'", host, mine, val);
	}
	ssh_config_free(&c);
}

/* Match blocks, the final pass, tokens: each host checked against ssh -G,
 * then the cases ssh cannot show (refusals). */
static void test_match_blocks(void **state)
{
	char path[64], text[4096];
	struct ssh_host_cfg c;
	const char *why;

	(void)state;
	snprintf(text, sizeof(text),
	         "Match originalhost n3\n  StrictHostKeyChecking yes\n"
	         "Host a\n  HostName 10.0.0.5\n"
	         "Match host 10.0.0.*\n  User m\n"
	         "Host u\n  User bob\n"
	         "Match user bob\n  Port 2200\n"
	         "Match localuser %s !host zz*\n  ConnectTimeout 7\n"
	         "Match originalhost nomatch exec \"false\"\n  Port 1\n"
	         "Host f\n  HostName Final.Example\n"
	         "Match final host final.example\n  User fin\n"
	         "Host final.example\n  Port 2202\n"
	         "Match canonical originalhost f\n  HostKeyAlias Fin-Alias\n"
	         "Match !all\n  Port 9\n"
	         "Host t\n  UserKnownHostsFile ~/kh_%%C_%%L_%%l_%%k_%%i_%%n_%%u_%%d\n"
	         "  HostKeyAlias TK\n"
	         "Host *\n  StrictHostKeyChecking no\n  CanonicalizeHostname no\n"
	         "  Ciphers +aes128-cbc\n", pwname);
	write_temp(path, text);
	static const char *const hosts[] = { "n3", "n4", "a", "u", "zz1", "f", "t", "Final.Example" };
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		compare_with_ssh(path, hosts[i]);
	assert_int_equal(ssh_config_resolve("n3", path, NULL, &c, &why), 0);
	assert_int_equal(c.strict, SSHCFG_STRICT_YES);
	ssh_config_free(&c);
	assert_int_equal(ssh_config_resolve("n4", path, NULL, &c, &why), 0);
	assert_int_equal(c.strict, SSHCFG_STRICT_NO);
	assert_int_equal(c.connect_timeout, 7);
	ssh_config_free(&c);
	assert_int_equal(ssh_config_resolve("f", path, NULL, &c, &why), 0);
	assert_string_equal(c.user, "fin");
	assert_int_equal(c.port, 2202);
	assert_string_equal(c.host_key_alias, "fin-alias");
	ssh_config_free(&c);
	unlink(path);

	/* What ssh would do and doptop cannot: refused, the keyword named. */
	static const struct { const char *text, *why; } refuse[] = {
		{ "Match host x exec \"true\"\n", "Match exec" },
		{ "Host x\n  BindAddress 10.0.0.1\n", "BindAddress" },
		{ "Host x\n  CanonicalizeHostname yes\n", "CanonicalizeHostname" },
		{ "Host x\n  HostKeyAlgorithms ssh-ed25519\n", "HostKeyAlgorithms" },
		{ "Host x\n  KnownHostsCommand /bin/true\n", "KnownHostsCommand" },
		{ "Host x\n  UserKnownHostsFile /k/%z\n", "%z" },
		{ "Host x\n  UserKnownHostsFile /k/${DOPTOP_UNSET_VAR}\n", "DOPTOP_UNSET_VAR" },
		{ "Match bogus x\n", "bogus" },
		{ "Match all host x\n", "Match all" },
	};
	unsetenv("DOPTOP_UNSET_VAR");
	for (size_t i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++) {
		write_temp(path, refuse[i].text);
		int rc = ssh_config_resolve("x", path, NULL, &c, &why);
		if (rc != -1 || !strstr(why, refuse[i].why))
			fail_msg("refuse %zu: rc %d why %s", i, rc, rc ? why : "-");
		/* The same lines in a block for another host are fine. */
		snprintf(text, sizeof(text), "Host other\n%s", strchr(refuse[i].text, '\n') + 1);
		if (strncmp(refuse[i].text, "Match", 5) && strchr(refuse[i].text + 7, '%') == NULL &&
		    !strstr(refuse[i].text, "${")) {
			unlink(path);
			write_temp(path, text);
			assert_int_equal(ssh_config_resolve("x", path, NULL, &c, &why), 0);
			ssh_config_free(&c);
		}
		unlink(path);
	}
}

/* Our resolution equals OpenSSH's for many hosts of the fleet fixture. */
static void test_against_ssh_fleet(void **state)
{
	static const char *hosts[] = {
		"adhoc-preemptible-000.us-central1-a.my-project",
		"adhoc-preemptible-001.us-central1-a.my-project",
		"adhoc-preemptible-002.us-central1-a.my-project",
		"adhoc-preemptible-003", "ADHOC-Preemptible-004", "bastion", "jump1", "jumpxx",
		"web1", "db.internal", "plain.example.com",
	};
	char path[PATH_MAX + 32];

	(void)state;
	snprintf(path, sizeof(path), "%s/config_fleet", fixdir);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		compare_with_ssh(path, hosts[i]);
}

/* Same against ssh -G for a config with absolute Includes (globs, in Host). */
static void test_against_ssh_include(void **state)
{
	static const char *hosts[] = { "web1", "db1", "inner", "other", "x" };
	char path[64], text[PATH_MAX * 3];

	(void)state;
	snprintf(text, sizeof(text),
	         "Include %s/home/.ssh/conf.d/*.conf\nHost inner\n  Include %s/home/.ssh/nested.inc\n"
	         "Host *\n  User fallback\n  IdentityFile ~/.ssh/id_%%r@%%h\n", fixdir, fixdir);
	write_temp(path, text);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		compare_with_ssh(path, hosts[i]);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_gcloud_block),
		cmocka_unit_test(test_fleet_hosts),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_bomb),
		cmocka_unit_test(test_defaults_and_tokens),
		cmocka_unit_test(test_transport_fields),
		cmocka_unit_test(test_keyword_docs),
		cmocka_unit_test(test_against_ssh_fleet),
		cmocka_unit_test(test_against_ssh_include),
		cmocka_unit_test(test_match_blocks),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
