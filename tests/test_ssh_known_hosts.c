/* test_ssh_known_hosts.c — OpenSSH's known_hosts rules (patterns, case,
 * ports, hashed names, markers, any-type mismatch, errors), appending under
 * a lock, and the host key step against a real sshd.
 * Tier: integration (starts sshd on 127.0.0.1: `make test`, not `make check`) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>
#include "ssh_config.h"
#include "ssh_hostkey.h"
#include "ssh_known_hosts.h"
#include "ssh_match.h"

static char dir[64];            /* scratch directory for keys and files */
static char keyb64[8][1024];    /* base64 public keys, by index below */
static unsigned char keyblob[8][1024];
static int keylen[8];
enum { K_ED = 0, K_ECDSA256, K_ECDSA384, K_RSA, K_HOST, K_OTHER };
static pid_t sshd_pid;
static int sshd_port;

/* Run a shell command; 0 when it exits 0. */
static int sh(const char *cmd)
{
	int rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* Make key dir/name with ssh-keygen and keep its base64 blob in keyb64[idx]. */
static int make_key(const char *name, const char *type, int idx)
{
	char cmd[512], path[128];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t %s -N '' -f %s/%s </dev/null >/dev/null",
	         type, dir, name);
	if (sh(cmd) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int n = fscanf(f, "%*s %1023s", keyb64[idx]);
	fclose(f);
	if (n != 1)
		return -1;
	keylen[idx] = ssh_b64_decode(keyb64[idx], strlen(keyb64[idx]), keyblob[idx],
	                             sizeof(keyblob[idx]));
	return keylen[idx] > 0 ? 0 : -1;
}

/* Write text to dir/name; path into out. */
static void write_file(const char *name, const char *text, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", dir, name);
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A free TCP port on 127.0.0.1 (bound, read back, released). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* TCP connect to the test sshd; fd or -1. */
static int connect_sshd(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)sshd_port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Start sshd -D on 127.0.0.1 with the K_HOST ed25519 key; wait until it listens. */
static int start_sshd(void)
{
	char cfg[128], text[1024], log[128];

	sshd_port = free_port();
	if (sshd_port <= 0 || sh("mkdir -p /run/sshd") < 0)
		return -1;
	snprintf(text, sizeof(text),
	         "ListenAddress 127.0.0.1\nHostKey %s/hostkey\nPidFile none\nUsePAM no\n"
	         "StrictModes no\nAuthorizedKeysFile none\nPasswordAuthentication no\n", dir);
	snprintf(cfg, sizeof(cfg), "%s/sshd_config", dir);
	FILE *f = fopen(cfg, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	snprintf(log, sizeof(log), "%s/sshd.log", dir);
	sshd_pid = fork();
	if (sshd_pid < 0)
		return -1;
	if (sshd_pid == 0) {
		char port[16];
		snprintf(port, sizeof(port), "%d", sshd_port);
		/* If this test process dies without teardown, sshd goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (!freopen(log, "w", stderr))
			_exit(127);
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", cfg, "-p", port, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int fd = connect_sshd();
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Scratch dir, keys of every type, a live sshd. */
static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/doptop-kh-XXXXXX");
	if (!mkdtemp(dir) || libssh2_init(0) != 0) {
		print_error("mkdtemp or libssh2_init failed\n");
		return -1;
	}
	if (make_key("ed", "ed25519", K_ED) < 0 || make_key("ec256", "ecdsa -b 256", K_ECDSA256) < 0 ||
	    make_key("ec384", "ecdsa -b 384", K_ECDSA384) < 0 || make_key("rsa", "rsa -b 2048", K_RSA) < 0 ||
	    make_key("hostkey", "ed25519", K_HOST) < 0 || make_key("other", "ed25519", K_OTHER) < 0) {
		print_error("ssh-keygen failed in %s\n", dir);
		return -1;
	}
	if (start_sshd() < 0) {
		print_error("sshd did not start on port %d (see %s/sshd.log)\n", sshd_port, dir);
		return -1;
	}
	return 0;
}

/* Stop our sshd by PID and remove the scratch dir. */
static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
	}
	libssh2_exit();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return sh(cmd);
}

/* A session after handshake with our sshd; *fd gets the socket. */
static LIBSSH2_SESSION *open_session(int *fd)
{
	*fd = connect_sshd();
	assert_true(*fd >= 0);
	LIBSSH2_SESSION *s = libssh2_session_init();
	assert_non_null(s);
	libssh2_session_set_blocking(s, 1);
	assert_int_equal(libssh2_session_handshake(s, *fd), 0);
	return s;
}

/* Close a session from open_session. */
static void close_session(LIBSSH2_SESSION *s, int fd)
{
	libssh2_session_disconnect(s, "bye");
	libssh2_session_free(s);
	close(fd);
}

/* What ssh-keygen prints as the SHA256 fingerprint of dir/name.pub. */
static void keygen_fp(const char *name, char *out, size_t cap)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -E sha256 -f %s/%s.pub", dir, name);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[512];
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(sscanf(line, "%*d %127s", out), 1);
	assert_true(cap >= 128);
	pclose(p);
}

/* One lookup of key idx for name over the text of one file. */
static enum khs_status check_text(const char *name, int idx, const char *text)
{
	struct khs_result r;

	ssh_known_hosts_begin(&r);
	ssh_known_hosts_text(name, idx < 0 ? NULL : keyblob[idx], idx < 0 ? 0 : (size_t)keylen[idx],
	                     "kh", text, strlen(text), &r);
	return ssh_known_hosts_end(&r);
}

/* Text "PATTERN TYPE KEY\n" for key idx (prefix: a marker or ""). */
static const char *line_for(const char *prefix, const char *pat, const char *type, int idx)
{
	static char buf[4][4096];
	static int turn;
	char *b = buf[turn++ % 4];
	snprintf(b, sizeof(buf[0]), "%s%s %s %s\n", prefix, pat, type, keyb64[idx]);
	return b;
}

/* OpenSSH's match.c: patterns, lists, negation, case, long sub-patterns. */
static void test_match(void **state)
{
	static const struct { const char *s, *list; bool lower; int want; } c[] = {
		{ "web1", "web?", false, 1 }, { "web12", "web?", false, 0 }, { "a.b.c", "*.c", false, 1 },
		{ "x", "a,b,x", false, 1 }, { "x", "!x,*", false, -1 }, { "x", "*,!x", false, -1 },
		{ "y", "!x", false, 0 }, { "web1", "WEB1", true, 1 }, { "web1", "WEB1", false, 0 },
		{ "", "", false, 0 }, { "a", ",a", false, 1 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "*a*a*a*a*a*a*a*a*a*b", false, 0 },
	};
	char longpat[1100];

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (ssh_match_list(c[i].s, c[i].list, c[i].lower) != c[i].want)
			fail_msg("'%s' vs '%s'", c[i].s, c[i].list);
	assert_int_equal(ssh_match_hostname("N1.Example.COM", "n1.example.com"), 1);
	memset(longpat, 'a', 1023);
	strcpy(longpat + 1023, ",*");
	/* A sub-pattern of 1023 bytes fails the whole list, as in OpenSSH. */
	assert_int_equal(ssh_match_list("a", longpat, false), 0);
}

/* Plain lines: patterns, negation, case, ports; any-type mismatch. */
static void test_plain_rules(void **state)
{
	(void)state;
	assert_int_equal(check_text("n1", K_HOST, ""), KHS_NEW);
	assert_int_equal(check_text("n1", K_HOST, line_for("", "n1", "ssh-ed25519", K_HOST)), KHS_OK);
	assert_int_equal(check_text("n1", K_HOST, line_for("", "n1", "ssh-ed25519", K_OTHER)),
	                 KHS_CHANGED);
	/* The cases: a wildcard and a differently-cased entry are the
	 * host's entries, so another key behind them is a change, not unknown. */
	assert_int_equal(check_text("n1.example.com", K_HOST,
	                            line_for("", "*.example.com", "ssh-ed25519", K_OTHER)), KHS_CHANGED);
	assert_int_equal(check_text("n1.example.com", K_HOST,
	                            line_for("", "N1.EXAMPLE.COM", "ssh-ed25519", K_OTHER)), KHS_CHANGED);
	assert_int_equal(check_text("n1.example.com", K_HOST,
	                            line_for("", "N?.Example.*", "ssh-ed25519", K_HOST)), KHS_OK);
	/* A key of another type is a change too (ssh: HOST_CHANGED). */
	assert_int_equal(check_text("n1", K_HOST, line_for("", "n1", "ecdsa-sha2-nistp256", K_ECDSA256)),
	                 KHS_CHANGED);
	/* Negation, comma lists. */
	assert_int_equal(check_text("n1", K_HOST, line_for("", "n*,!n1", "ssh-ed25519", K_OTHER)),
	                 KHS_NEW);
	assert_int_equal(check_text("n2", K_HOST, line_for("", "x,n2,y", "ssh-ed25519", K_OTHER)),
	                 KHS_CHANGED);
	/* Ports: [host]:port only; a port-22 entry does not vouch for another port. */
	assert_int_equal(check_text("[10.0.0.1]:2222", K_HOST,
	                            line_for("", "10.0.0.1", "ssh-ed25519", K_OTHER)), KHS_NEW);
	assert_int_equal(check_text("[10.0.0.1]:2222", K_HOST,
	                            line_for("", "[10.0.0.1]:*", "ssh-ed25519", K_HOST)), KHS_OK);
	/* A wrong key, then the right one (same or later line): trusted, like ssh. */
	char two[8192];
	snprintf(two, sizeof(two), "%s%s", line_for("", "n1", "ssh-ed25519", K_OTHER),
	         line_for("", "n1", "ssh-ed25519", K_HOST));
	assert_int_equal(check_text("n1", K_HOST, two), KHS_OK);
	/* Garbage lines for other hosts and comments are skipped; CRLF is fine. */
	snprintf(two, sizeof(two), "# c\n\n  garbage\nother ssh-ed25519 AAAA!!\nn1 ssh-ed25519 %s\r\n",
	         keyb64[K_HOST]);
	assert_int_equal(check_text("n1", K_HOST, two), KHS_OK);
	/* The key type must be the blob's type. */
	assert_int_equal(check_text("n1", K_HOST, line_for("", "n1", "ssh-rsa", K_HOST)), KHS_NEW);
}

/* Hashed names (ours and ssh-keygen -H), markers, and error states. */
static void test_hashed_markers_errors(void **state)
{
	char path[128], text[8192], cmd[512];
	struct khs_result r;

	(void)state;
	snprintf(text, sizeof(text), "%s%s", line_for("", "hashed1", "ssh-ed25519", K_HOST),
	         line_for("", "[hashed1]:2200", "ecdsa-sha2-nistp256", K_ECDSA256));
	write_file("kh_hashed", text, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -H -f %s >/dev/null 2>&1", path);
	assert_int_equal(sh(cmd), 0);
	char *files[] = { path };
	assert_int_equal(ssh_known_hosts_check("hashed1", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                       files, 1, &r), KHS_OK);
	assert_int_equal(ssh_known_hosts_check("[hashed1]:2200", keyblob[K_HOST],
	                                       (size_t)keylen[K_HOST], files, 1, &r), KHS_CHANGED);
	assert_int_equal(r.ntypes, 1);
	assert_string_equal(r.types[0], "ecdsa-sha2-nistp256");
	assert_int_equal(ssh_known_hosts_check("hashed2", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                       files, 1, &r), KHS_NEW);
	/* Our hashed append is read back by us and by ssh-keygen -F. */
	assert_int_equal(ssh_known_hosts_append(path, "[h3]:2022", keyblob[K_ED], (size_t)keylen[K_ED],
	                                        true), 0);
	assert_int_equal(ssh_known_hosts_check("[h3]:2022", keyblob[K_ED], (size_t)keylen[K_ED],
	                                       files, 1, &r), KHS_OK);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -F '[h3]:2022' -f %s | grep -q '^|1|'", path);
	assert_int_equal(sh(cmd), 0);
	assert_int_equal(check_text("n1", K_HOST, "|1|bad|bad ssh-ed25519 AAAA\n"), KHS_ERROR);

	/* @revoked: refused whatever the pattern, even with a matching entry. */
	snprintf(text, sizeof(text), "%s%s", line_for("", "n1", "ssh-ed25519", K_HOST),
	         line_for("@revoked ", "*", "ssh-ed25519", K_HOST));
	assert_int_equal(check_text("n1", K_HOST, text), KHS_REVOKED);
	assert_int_equal(check_text("n1", K_HOST, line_for("@revoked ", "elsewhere", "ssh-ed25519",
	                                                     K_HOST)), KHS_REVOKED);
	assert_int_equal(check_text("n1", K_HOST, line_for("@revoked ", "*", "ssh-ed25519", K_OTHER)),
	                 KHS_NEW);
	assert_int_equal(check_text("n1", K_HOST, "@revoked * ssh-ed25519 AAAA%%\n"), KHS_ERROR);
	/* @cert-authority: refused (not learnt), unless a plain key matches. */
	assert_int_equal(check_text("n1.x", K_HOST, line_for("@cert-authority ", "*.x", "ssh-ed25519",
	                                                       K_OTHER)), KHS_CA);
	snprintf(text, sizeof(text), "%s%s", line_for("@cert-authority ", "*", "ssh-ed25519", K_OTHER),
	         line_for("", "n1", "ssh-ed25519", K_HOST));
	assert_int_equal(check_text("n1", K_HOST, text), KHS_OK);
	/* Unknown marker, over-long line, NUL: error, never unknown. */
	snprintf(text, sizeof(text), "%s%s", line_for("@foo ", "*", "ssh-ed25519", K_OTHER),
	         line_for("", "n1", "ssh-ed25519", K_HOST));
	assert_int_equal(check_text("n1", K_HOST, text), KHS_ERROR);
	char *big = malloc(KHS_MAX_LINE + 10);
	assert_non_null(big);
	memset(big, 'a', KHS_MAX_LINE + 5);
	big[KHS_MAX_LINE + 5] = '\0';
	assert_int_equal(check_text("n1", K_HOST, big), KHS_ERROR);
	write_file("kh_big", big, path, sizeof(path));
	free(big);
	assert_int_equal(ssh_known_hosts_check("n1", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                       files, 1, &r), KHS_ERROR);
	assert_string_equal(r.why, "line too long");
	struct khs_result r2;
	ssh_known_hosts_begin(&r2);
	ssh_known_hosts_text("n1", NULL, 0, "kh", "n1 x\0y\n", 7, &r2);
	assert_int_equal(ssh_known_hosts_end(&r2), KHS_ERROR);
	/* A missing file is fine; one that cannot be read is an error. */
	char *missing[] = { "/nonexistent/known_hosts", dir };
	assert_int_equal(ssh_known_hosts_check("n1", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                       missing, 1, &r), KHS_NEW);
	assert_int_equal(ssh_known_hosts_check("n1", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                       missing, 2, &r), KHS_ERROR);
}

/* Appending: plain line, new line after a missing '\n', modes, directory. */
static void test_append(void **state)
{
	char path[128], text[4096], expect[4096];
	struct stat st;

	(void)state;
	/* A missing directory is not created (ssh only creates ~/.ssh). */
	snprintf(path, sizeof(path), "%s/newdir/known_hosts", dir);
	assert_int_equal(ssh_known_hosts_append(path, "[127.0.0.1]:2222", keyblob[K_HOST],
	                                        (size_t)keylen[K_HOST], false), -1);
	snprintf(path, sizeof(path), "%s/new_known_hosts", dir);
	assert_int_equal(ssh_known_hosts_append(path, "[127.0.0.1]:2222", keyblob[K_HOST],
	                                        (size_t)keylen[K_HOST], false), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	write_file("kh_nonl", "other ssh-ed25519 AAAA", path, sizeof(path));
	assert_int_equal(ssh_known_hosts_append(path, "n1", keyblob[K_HOST], (size_t)keylen[K_HOST],
	                                        false), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	snprintf(expect, sizeof(expect), "other ssh-ed25519 AAAA\nn1 ssh-ed25519 %s\n", keyb64[K_HOST]);
	assert_string_equal(text, expect);
	assert_int_equal(ssh_known_hosts_append(path, "n1", keyblob[K_HOST], 3, false), -1);

	/* The lock: while another writer (ssh-keygen, another doptop) holds it
	 * mid-line, the append waits, then starts on a line of its own. */
	write_file("kh_lock", "", path, sizeof(path));
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(write(fd, "half", 4), 4);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd);      /* its copy would hold the parent's lock */
		_exit(ssh_known_hosts_append(path, "n2", keyblob[K_HOST], (size_t)keylen[K_HOST],
		                             false) == 0 ? 0 : 1);
	}
	/* The child is blocked in flock(): nothing of it in the file yet. */
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(write(fd, " line\n", 6), 6);
	close(fd);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	snprintf(expect, sizeof(expect), "half line\nn2 ssh-ed25519 %s\n", keyb64[K_HOST]);
	assert_string_equal(text, expect);
}

/* A resolved config with the given known_hosts files (nuser of them user files). */
static void cfg_with(struct ssh_host_cfg *c, char **files, int n, int nuser)
{
	memset(c, 0, sizeof(*c));
	c->hostname = "127.0.0.1";
	c->strict = SSHCFG_STRICT_ASK;
	for (int i = 0; i < n; i++)
		c->known_hosts[i] = files[i];
	c->nknown_hosts = n;
	c->nuser_known_hosts = nuser;
}

/* The host key step on a live session: unknown, accept-new, changed, alias. */
static void test_verify_live(void **state)
{
	char kh[128], glob[128], why[1024], text[4096], expect[2048], want_fp[128];
	struct ssh_host_cfg c;
	int fd;

	(void)state;
	keygen_fp("hostkey", want_fp, sizeof(want_fp));
	snprintf(kh, sizeof(kh), "%s/live_known_hosts", dir);
	write_file("global_kh", "", glob, sizeof(glob));
	char *files[] = { kh, glob };
	LIBSSH2_SESSION *s = open_session(&fd);

	cfg_with(&c, files, 2, 1);
	assert_int_equal(ssh_hostkey_verify(s, &c, sshd_port, false, why, sizeof(why)), HK_UNKNOWN);
	assert_non_null(strstr(why, want_fp));
	assert_non_null(strstr(why, "unknown host key"));
	/* UserKnownHostsFile none: nowhere to record, the global file stays empty. */
	cfg_with(&c, files + 1, 1, 0);
	assert_int_equal(ssh_hostkey_verify(s, &c, sshd_port, true, why, sizeof(why)), HK_UNKNOWN);
	assert_non_null(strstr(why, "UserKnownHostsFile none"));
	struct stat st;
	assert_int_equal(stat(glob, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* accept-new: the first user file gets ssh's exact line. */
	cfg_with(&c, files, 2, 1);
	c.strict = SSHCFG_STRICT_ACCEPT_NEW;
	assert_int_equal(ssh_hostkey_verify(s, &c, sshd_port, false, why, sizeof(why)), HK_TRUSTED);
	FILE *f = fopen(kh, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	snprintf(expect, sizeof(expect), "[127.0.0.1]:%d ssh-ed25519 %s\n", sshd_port, keyb64[K_HOST]);
	assert_string_equal(text, expect);
	c.strict = SSHCFG_STRICT_YES;
	assert_int_equal(ssh_hostkey_verify(s, &c, sshd_port, false, why, sizeof(why)), HK_TRUSTED);
	/* HostKeyAlias: looked up without a port; a changed key names the fix. */
	c.host_key_alias = "node7";
	snprintf(text, sizeof(text), "Node7 ssh-ed25519 %s\n", keyb64[K_OTHER]);
	write_file("global_kh", text, glob, sizeof(glob));
	assert_int_equal(ssh_hostkey_verify(s, &c, sshd_port, true, why, sizeof(why)), HK_REFUSED);
	assert_non_null(strstr(why, "changed"));
	if (!strstr(why, "ssh-keygen -R 'node7' -f") && !strstr(why, "ssh-keygen -R node7 -f"))
		fail_msg("%s", why);
	char algos[8];
	ssh_hostkey_prefer(s, &c, sshd_port);
	(void)algos;
	assert_int_equal(ssh_hostkey_verify(NULL, &c, sshd_port, true, why, sizeof(why)), HK_NO_KEY);
	close_session(s, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_plain_rules),
		cmocka_unit_test(test_hashed_markers_errors),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_verify_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
