/* hook.c — run --on-event CMD per event, bounded in time and number (see hook.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "hook.h"

extern char **environ;

/* While a run is going, look at it this often (no SIGCHLD handler: the
 * loop's signals belong to the loop). */
#define HOOK_POLL_S 0.2

struct run {
	pid_t  pid;        /* 0 = free slot */
	double started;
	bool   termed;
};

struct hook {
	char  *cmd;
	struct run run[HOOK_MAX_RUNNING];
	struct event queue[HOOK_MAX_QUEUED];
	unsigned qhead, qlen;
	struct hook_stats st;
};

struct hook *hook_new(const char *cmd)
{
	struct hook *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	if (!(h->cmd = strdup(cmd))) {
		free(h);
		return NULL;
	}
	return h;
}

const struct hook_stats *hook_stats(const struct hook *h)
{
	return &h->st;
}

/* The DOPTOP_* variables for ev, then the inherited environment (minus
 * any DOPTOP_* a parent set, so the hook sees this event's only). */
static char **make_env(const struct event *ev, char vars[][256], int nvars)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **env = calloc(n + (size_t)nvars + 1, sizeof *env);
	if (!env)
		return NULL;
	char total[32] = "";
	if (ev->has_total)
		snprintf(total, sizeof total, "%" PRIu64, ev->total);
	bool verdict = ev->kind == EV_VERDICT;
	snprintf(vars[0], 256, "DOPTOP_EVENT=%s", event_name(ev->kind));
	snprintf(vars[1], 256, "DOPTOP_NODE=%s", ev->node);
	snprintf(vars[2], 256, "DOPTOP_STATE=%s", ev->state);
	snprintf(vars[3], 256, "DOPTOP_DETAIL=%s", ev->detail);
	snprintf(vars[4], 256, "DOPTOP_TIME=%.3f", ev->t);
	snprintf(vars[5], 256, "DOPTOP_VERDICT=%s", verdict ? verdict_name(ev->to) : "");
	snprintf(vars[6], 256, "DOPTOP_FROM=%s", verdict ? verdict_name(ev->from) : "");
	snprintf(vars[7], 256, "DOPTOP_CAUSE=%s", verdict ? cause_name(ev->cause) : "");
	snprintf(vars[8], 256, "DOPTOP_DONE=%" PRIu64, ev->done);
	snprintf(vars[9], 256, "DOPTOP_TOTAL=%s", total);
	size_t k = 0;
	for (int i = 0; i < nvars; i++)
		env[k++] = vars[i];
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "DOPTOP_", 7) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	return env;
}

/* Start one run for ev in slot r.  0 or -1. */
static int spawn(struct hook *h, struct run *r, const struct event *ev, double now)
{
	char vars[10][256];
	char **env = make_env(ev, vars, 10);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc = -1;
	if (!env)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* SSH sockets and pipes are not the hook's business. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* Its own group, so a timeout kills what it started too; default
	 * signal dispositions and an empty mask (the loop ignores SIGPIPE). */
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                               POSIX_SPAWN_SETSIGDEF);
	char *argv[] = { (char *)"sh", (char *)"-c", h->cmd, NULL };
	pid_t pid;
	if (posix_spawn(&pid, "/bin/sh", &fa, &at, argv, env) == 0) {
		r->pid = pid;
		r->started = now;
		r->termed = false;
		h->st.started++;
		rc = 0;
	} else
		h->st.spawn_failed++;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(env);
	return rc;
}

/* Reap r if it ended; signal it when overdue. */
static void check(struct hook *h, struct run *r, double now)
{
	int status;
	pid_t p = waitpid(r->pid, &status, WNOHANG);
	if (p == r->pid || (p < 0 && errno == ECHILD)) {
		if (p == r->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			h->st.nonzero++;
		r->pid = 0;
		return;
	}
	if (!r->termed && now - r->started >= HOOK_TIMEOUT_S) {
		kill(-r->pid, SIGTERM);
		r->termed = true;
		h->st.killed++;
	} else if (r->termed && now - r->started >= HOOK_TIMEOUT_S + HOOK_KILL_S)
		kill(-r->pid, SIGKILL);
}

void hook_step(struct hook *h, double now)
{
	for (int i = 0; i < HOOK_MAX_RUNNING; i++) {
		struct run *r = &h->run[i];
		if (r->pid)
			check(h, r, now);
		while (!r->pid && h->qlen) {
			const struct event *ev = &h->queue[h->qhead];
			h->qhead = (h->qhead + 1) % HOOK_MAX_QUEUED;
			h->qlen--;
			if (spawn(h, r, ev, now) == 0)
				break;
		}
	}
}

void hook_event(struct hook *h, const struct event *ev, double now)
{
	if (h->qlen >= HOOK_MAX_QUEUED) {
		h->st.dropped++;
		return;
	}
	h->queue[(h->qhead + h->qlen) % HOOK_MAX_QUEUED] = *ev;
	h->qlen++;
	hook_step(h, now);
}

double hook_deadline(const struct hook *h)
{
	double d = 1e300;
	for (int i = 0; i < HOOK_MAX_RUNNING; i++)
		if (h->run[i].pid) {
			double t = clock_mono() + HOOK_POLL_S;
			if (t < d)
				d = t;
		}
	return d;
}

/* True while a run is going or queued. */
static bool busy(const struct hook *h)
{
	if (h->qlen)
		return true;
	for (int i = 0; i < HOOK_MAX_RUNNING; i++)
		if (h->run[i].pid)
			return true;
	return false;
}

void hook_free(struct hook *h, double wait_s)
{
	if (!h)
		return;
	double end = clock_mono() + wait_s;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	while (wait_s > 0 && busy(h) && clock_mono() < end) {
		hook_step(h, clock_mono());
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < HOOK_MAX_RUNNING; i++) {
		struct run *r = &h->run[i];
		if (!r->pid)
			continue;
		if (wait_s > 0) {
			/* Out of time: kill and reap (a killed group exits at once). */
			kill(-r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
		}
		/* Otherwise leave it running: when doptop exits it is
		 * re-parented and reaped by init, so quitting never waits on a
		 * slow webhook and leaves no zombie. */
	}
	free(h->cmd);
	free(h);
}
