/* test_known_hosts.c — known_hosts files (plain, [host]:port, hashed,
 * garbage, several files) and host key checks against a real sshd. */
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "known_hosts.h"

static char dir[64];            /* scratch directory for keys and files */
static char keyb64[8][1024];    /* base64 public keys, by index below */
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
	return n == 1 ? 0 : -1;
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

/* known_hosts_algos on one file set; returns the list in buf. */
static int algos(const char *host, int port, char **files, int n, char *buf, size_t cap)
{
	return known_hosts_algos(host, port, files, n, buf, cap);
}

/* Plain entries, comma host lists, [host]:port, garbage lines, several files. */
static void test_algos_plain(void **state)
{
	char text[8192], f1[128], f2[128], buf[256];

	(void)state;
	snprintf(text, sizeof(text),
	         "# known hosts\n\nweb1 ssh-ed25519 %s\nweb1,10.0.0.5 ecdsa-sha2-nistp256 %s\n"
	         "this is garbage !!!\nweb1 ssh-ed25519 AAAA%%%%not-base64\n"
	         "[web1]:2222 ssh-rsa %s\n"
	         "web2 ecdsa-sha2-nistp384 %s comment here\n",
	         keyb64[K_ED], keyb64[K_ECDSA256], keyb64[K_RSA], keyb64[K_ECDSA384]);
	write_file("kh_plain", text, f1, sizeof(f1));
	snprintf(text, sizeof(text), "web3 ssh-rsa %s\nweb2 ssh-ed25519 %s\n", keyb64[K_RSA], keyb64[K_ED]);
	write_file("kh_second", text, f2, sizeof(f2));
	char *one[] = { f1 };
	char *both[] = { "/nonexistent/kh", f2, f1 };

	int n = algos("web1", 22, one, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ssh-ed25519,ecdsa-sha2-nistp256");
	assert_int_equal(n, (int)strlen(buf));
	algos("10.0.0.5", 22, one, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ecdsa-sha2-nistp256");
	algos("web1", 2222, one, 1, buf, sizeof(buf));
	assert_string_equal(buf, "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	/* A port-22 entry is not used for another port (OpenSSH semantics). */
	assert_int_equal(algos("web2", 2200, one, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	algos("web2", 22, one, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ecdsa-sha2-nistp384");
	algos("web2", 22, both, 3, buf, sizeof(buf));
	assert_string_equal(buf, "ssh-ed25519,ecdsa-sha2-nistp384");
	algos("web3", 22, both, 3, buf, sizeof(buf));
	assert_string_equal(buf, "rsa-sha2-512,rsa-sha2-256,ssh-rsa");
	assert_int_equal(algos("unknown", 22, both, 3, buf, sizeof(buf)), 0);
	/* Too small a buffer: nothing rather than a truncated list. */
	assert_int_equal(algos("web1", 22, one, 1, buf, 12), 0);
	assert_string_equal(buf, "");
	assert_int_equal(algos("web1", 22, NULL, 0, buf, sizeof(buf)), 0);
}

/* Hashed entries written by ssh-keygen -H, for port 22 and [host]:port. */
static void test_algos_hashed(void **state)
{
	char text[4096], f[128], cmd[256], buf[256];

	(void)state;
	snprintf(text, sizeof(text), "hashed1 ssh-ed25519 %s\n[hashed1]:2200 ecdsa-sha2-nistp256 %s\n",
	         keyb64[K_ED], keyb64[K_ECDSA256]);
	write_file("kh_hashed", text, f, sizeof(f));
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -H -f %s >/dev/null 2>&1", f);
	assert_int_equal(sh(cmd), 0);
	FILE *fp = fopen(f, "r");
	assert_non_null(fp);
	assert_non_null(fgets(text, sizeof(text), fp));
	fclose(fp);
	assert_memory_equal(text, "|1|", 3);
	assert_null(strstr(text, "hashed1"));
	char *files[] = { f };
	algos("hashed1", 22, files, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ssh-ed25519");
	algos("hashed1", 2200, files, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ecdsa-sha2-nistp256");
	assert_int_equal(algos("hashed2", 22, files, 1, buf, sizeof(buf)), 0);
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

/* NOTFOUND on an empty file, append, MATCH, then a changed key: MISMATCH. */
static void test_check_live(void **state)
{
	char kh[128], fp[128], want_fp[128], text[4096], expect[2048], buf[256];
	int fd;

	(void)state;
	keygen_fp("hostkey", want_fp, sizeof(want_fp));
	assert_memory_equal(want_fp, "SHA256:", 7);
	snprintf(kh, sizeof(kh), "%s/sub/known_hosts", dir);
	char *files[] = { kh };
	LIBSSH2_SESSION *s = open_session(&fd);

	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_NOTFOUND);
	assert_string_equal(fp, want_fp);
	assert_int_equal(known_hosts_append(s, "127.0.0.1", sshd_port, kh), 0);
	struct stat st;
	assert_int_equal(stat(kh, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(text, sizeof(text), "%s/sub", dir);
	assert_int_equal(stat(text, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	FILE *f = fopen(kh, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	snprintf(expect, sizeof(expect), "[127.0.0.1]:%d ssh-ed25519 %s\n", sshd_port, keyb64[K_HOST]);
	assert_string_equal(text, expect);
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_MATCH);
	algos("127.0.0.1", sshd_port, files, 1, buf, sizeof(buf));
	assert_string_equal(buf, "ssh-ed25519");
	/* The alias is what is looked up, not the address. */
	assert_int_equal(known_hosts_check(s, "compute.1234567", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_NOTFOUND);
	assert_int_equal(known_hosts_check(s, "127.0.0.1", 22, files, 1, fp, sizeof(fp)), KH_NOTFOUND);

	/* Same host, another ed25519 key: refuse, still report the real fingerprint. */
	snprintf(text, sizeof(text), "[127.0.0.1]:%d ssh-ed25519 %s\n", sshd_port, keyb64[K_OTHER]);
	write_file("sub/known_hosts", text, kh, sizeof(kh));
	fp[0] = '\0';
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_MISMATCH);
	assert_string_equal(fp, want_fp);
	/* Only a key of another type is known: not found, not a mismatch. */
	snprintf(text, sizeof(text), "[127.0.0.1]:%d ecdsa-sha2-nistp256 %s\n", sshd_port,
	         keyb64[K_ECDSA256]);
	write_file("sub/known_hosts", text, kh, sizeof(kh));
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_NOTFOUND);
	/* A plain (port 22) entry does not vouch for another port. */
	snprintf(text, sizeof(text), "127.0.0.1 ssh-ed25519 %s\n", keyb64[K_HOST]);
	write_file("sub/known_hosts", text, kh, sizeof(kh));
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_NOTFOUND);
	assert_int_equal(known_hosts_check(NULL, "127.0.0.1", sshd_port, files, 1, fp, sizeof(fp)),
	                 KH_ERROR);
	close_session(s, fd);
}

/* Hashed, garbage-then-good, several files, appending to a file without a
 * final newline, and @revoked. */
static void test_check_files(void **state)
{
	char kh1[128], kh2[128], text[4096], cmd[256], fp[128];
	int fd;

	(void)state;
	LIBSSH2_SESSION *s = open_session(&fd);
	snprintf(text, sizeof(text), "[127.0.0.1]:%d ssh-ed25519 %s\n", sshd_port, keyb64[K_HOST]);
	write_file("kh_h", text, kh1, sizeof(kh1));
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -H -f %s >/dev/null 2>&1", kh1);
	assert_int_equal(sh(cmd), 0);
	char *one[] = { kh1 };
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, one, 1, fp, sizeof(fp)), KH_MATCH);

	snprintf(text, sizeof(text), "garbage line\n[127.0.0.1]:%d ssh-ed25519 %s\n", sshd_port,
	         keyb64[K_HOST]);
	write_file("kh_g", text, kh2, sizeof(kh2));
	char *files[] = { "/nonexistent/kh", kh2 };
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, files, 2, fp, sizeof(fp)), KH_MATCH);

	/* A changed key in one file, the right one in another: accepted, like ssh. */
	snprintf(text, sizeof(text), "[127.0.0.1]:%d ssh-ed25519 %s", sshd_port, keyb64[K_OTHER]);
	write_file("kh_o", text, kh1, sizeof(kh1));
	char *two[] = { kh1, kh2 };
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, two, 2, fp, sizeof(fp)), KH_MATCH);
	/* Appending after a line without '\n' starts a new line. */
	assert_int_equal(known_hosts_append(s, "alias.example", 22, kh1), 0);
	one[0] = kh1;
	assert_int_equal(known_hosts_check(s, "alias.example", 22, one, 1, fp, sizeof(fp)), KH_MATCH);
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, one, 1, fp, sizeof(fp)),
	                 KH_MISMATCH);

	/* @revoked wins over a matching entry. */
	snprintf(text, sizeof(text), "[127.0.0.1]:%d ssh-ed25519 %s\n@revoked [127.0.0.1]:%d ssh-ed25519 %s\n",
	         sshd_port, keyb64[K_HOST], sshd_port, keyb64[K_HOST]);
	write_file("kh_r", text, kh1, sizeof(kh1));
	assert_int_equal(known_hosts_check(s, "127.0.0.1", sshd_port, one, 1, fp, sizeof(fp)),
	                 KH_MISMATCH);
	close_session(s, fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algos_plain),
		cmocka_unit_test(test_algos_hashed),
		cmocka_unit_test(test_check_live),
		cmocka_unit_test(test_check_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
