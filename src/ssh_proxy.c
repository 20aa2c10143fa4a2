/*
 * ssh_proxy.c — ProxyCommand processes (see ssh_proxy.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "ssh_proxy.h"

struct ssh_proxy {
	pid_t pid;
	int errfd;
	int status;                     /* waitpid status once reaped, else -1 */
	char err[SSH_PROXY_ERR_KEEP];   /* the last bytes of its stderr */
	size_t errlen;
};

/* Stopped commands not reaped yet (they outlived SIGTERM so far). */
struct reapee {
	pid_t pid;
	double killed_at;
	int sigkilled;
};
static struct reapee *proxy_dead;
static size_t proxy_ndead, proxy_capdead;
static unsigned long long proxy_nofile = 0;   /* 0: leave the limit alone */

/* Remember the soft open-files limit to restore in children. */
void ssh_proxy_set_nofile(unsigned long long soft)
{
	proxy_nofile = soft;
}

/* In the child: stdin/stdout the socket, stderr the pipe, own session,
 * default signals and limits, then exec.  Async-signal-safe calls only
 * (the parent may have threads). */
static void proxy_child(int sock, int errw, const char *shell, char *const argv[])
{
	sigset_t none;
	struct rlimit rl;
	setsid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (proxy_nofile && getrlimit(RLIMIT_NOFILE, &rl) == 0 && proxy_nofile < rl.rlim_cur) {
		rl.rlim_cur = proxy_nofile;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (dup2(sock, 0) < 0 || dup2(sock, 1) < 0 || dup2(errw, 2) < 0)
		_exit(127);
	execv(shell, argv);
	_exit(127);
}

/* Start a ProxyCommand. */
struct ssh_proxy *ssh_proxy_start(const char *cmd, int *fd)
{
	const char *env = getenv("SHELL");
	size_t n = strlen(cmd);
	char *line = malloc(n + 6), dash_c[] = "-c";
	char *shell = strdup(env && *env ? env : "/bin/sh");
	struct ssh_proxy *p = calloc(1, sizeof *p);
	int sp[2] = { -1, -1 }, ep[2] = { -1, -1 }, e = ENOMEM;
	if (!line || !p || !shell)
		goto fail;
	memcpy(line, "exec ", 5);
	memcpy(line + 5, cmd, n + 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0) {
		e = errno;
		goto fail;
	}
	char *argv[] = { shell, dash_c, line, NULL };
	p->pid = fork();
	if (p->pid < 0) {
		e = errno == EAGAIN ? ENOMEM : errno;
		goto fail;
	}
	if (p->pid == 0)
		proxy_child(sp[1], ep[1], shell, argv);
	free(line);
	free(shell);
	close(sp[1]);
	close(ep[1]);
	fcntl(sp[0], F_SETFL, O_NONBLOCK);
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	p->errfd = ep[0];
	p->status = -1;
	*fd = sp[0];
	return p;
fail:
	for (int i = 0; i < 2; i++) {
		if (sp[i] >= 0)
			close(sp[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	free(line);
	free(shell);
	free(p);
	errno = e;
	return NULL;
}

/* Read stderr without blocking; keep the last bytes. */
void ssh_proxy_drain(struct ssh_proxy *p)
{
	char buf[4096];
	ssize_t n;
	for (int i = 0; p->errfd >= 0 && i < 16; i++) {
		n = read(p->errfd, buf, sizeof buf);
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(p->errfd);
				p->errfd = -1;
			}
			return;
		}
		size_t take = (size_t)n;
		if (take >= sizeof p->err) {
			memcpy(p->err, buf + take - sizeof p->err, sizeof p->err);
			p->errlen = sizeof p->err;
			continue;
		}
		if (p->errlen + take > sizeof p->err) {
			size_t drop = p->errlen + take - sizeof p->err;
			memmove(p->err, p->err + drop, p->errlen - drop);
			p->errlen -= drop;
		}
		memcpy(p->err + p->errlen, buf, take);
		p->errlen += take;
	}
}

/* One line on the command's fate. */
const char *ssh_proxy_why(struct ssh_proxy *p, char *buf, size_t cap)
{
	char text[SSH_PROXY_ERR_KEEP + 1];
	size_t k = 0;
	ssh_proxy_drain(p);
	/* The socket's EOF often comes a moment before the exit: wait for
	 * it up to 5 ms, so the reason can give the exit status. */
	for (int i = 0; p->status < 0 && i < 5; i++) {
		int st;
		if (waitpid(p->pid, &st, WNOHANG) == p->pid)
			p->status = st;
		else
			usleep(1000);
	}
	/* stderr lines joined with " / ", blank lines dropped */
	for (size_t i = 0; i < p->errlen && k + 4 < sizeof text; i++) {
		char ch = p->err[i];
		if (ch == '\r')
			continue;
		if (ch == '\n') {
			if (k > 0 && strcmp(text + (k >= 3 ? k - 3 : 0), " / ") != 0) {
				memcpy(text + k, " / ", 3);
				k += 3;
			}
			text[k] = '\0';
			continue;
		}
		text[k++] = ch;
		text[k] = '\0';
	}
	text[k] = '\0';
	while (k >= 3 && strcmp(text + k - 3, " / ") == 0)
		text[k -= 3] = '\0';
	if (p->status >= 0 && WIFEXITED(p->status))
		snprintf(buf, cap, "ProxyCommand exited with status %d%s%s",
		         WEXITSTATUS(p->status), k ? ": " : "", text);
	else if (p->status >= 0 && WIFSIGNALED(p->status))
		snprintf(buf, cap, "ProxyCommand killed by signal %d%s%s",
		         WTERMSIG(p->status), k ? ": " : "", text);
	else
		snprintf(buf, cap, "%s%s", k ? "ProxyCommand: " : "", text);
	return buf;
}

/* Reap what has exited; SIGKILL what outlived SIGTERM too long. */
void ssh_proxy_reap(double now, int wait)
{
	for (size_t i = 0; i < proxy_ndead;) {
		struct reapee *r = &proxy_dead[i];
		if (wait || (!r->sigkilled && now - r->killed_at >= SSH_PROXY_KILL_AFTER)) {
			kill(-r->pid, SIGKILL);
			kill(r->pid, SIGKILL);
			r->sigkilled = 1;
		}
		/* After SIGKILL a process exits at once unless stuck in the
		 * kernel; at exit wait for it (bounded by the kernel, not us). */
		if (waitpid(r->pid, NULL, wait ? 0 : WNOHANG) == r->pid ||
		    (errno == ECHILD && !wait)) {
			*r = proxy_dead[--proxy_ndead];
			continue;
		}
		if (wait)
			proxy_dead[i] = proxy_dead[--proxy_ndead];
		else
			i++;
	}
}

/* Kill the group and free. */
void ssh_proxy_stop(struct ssh_proxy *p)
{
	if (!p)
		return;
	if (p->errfd >= 0)
		close(p->errfd);
	if (p->status < 0) {
		kill(-p->pid, SIGTERM);
		kill(p->pid, SIGTERM);
		if (waitpid(p->pid, NULL, WNOHANG) != p->pid) {
			if (proxy_ndead == proxy_capdead) {
				size_t cap = proxy_capdead ? 2 * proxy_capdead : 16;
				struct reapee *v = realloc(proxy_dead, cap * sizeof *v);
				if (!v) {
					/* no memory to remember it: kill and wait now */
					kill(-p->pid, SIGKILL);
					waitpid(p->pid, NULL, 0);
					free(p);
					return;
				}
				proxy_dead = v;
				proxy_capdead = cap;
			}
			proxy_dead[proxy_ndead++] = (struct reapee){ p->pid, clock_mono(), 0 };
		}
	}
	free(p);
}
