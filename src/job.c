/* job.c — count the job's outputs and inputs, feed progress (see job.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "count.h"
#include "job.h"
#include "text.h"

/* The inputs (--todo) change rarely: recount them every 10 minutes at most
 * often, on top of the 2% cost cadence. */
#define TODO_RECOUNT_S 600.0
/* Largest remote count output we accept: one number and a newline. */
#define REMOTE_OUT_CAP 64

struct target {
	struct job *job;
	enum job_target which;
	char   *dest, *dir;
	struct counter *counter;     /* local only */
	struct ssh_conn *conn;       /* remote only, borrowed from the app */
	char    cmd[8192];
	bool    in_flight;
	double  started, next_due;
	/* result handed over by the worker thread or the aux callback */
	bool    result_ready;
	int     rc;
	uint64_t n;
	double  took;
	double  done_at;             /* monotonic time the local count ended, 0 = now */
	char    why[TEXT_LINE_MAX];
};

struct job {
	struct target t[JT_COUNT];
	bool    active[JT_COUNT];
	struct progress p;
	double  interval;
	double  counted_at;           /* unix time of the last good done count */
	char    err[TEXT_LINE_MAX];
	bool    have;                 /* at least one good done count */
	int     wake[2];
	pthread_t worker;
	bool    worker_started, quit, busy;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool    want[JT_COUNT];       /* local counts requested from the worker */
	struct headroom hr;           /* the cluster's, set by the app */
	char    if_gone[64];
};

int job_split_target(const char *arg, char **dest, char **dir, const char **why)
{
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');
	*dest = *dir = NULL;
	/* "out:2024" that exists here is a local directory, not a host. */
	if (colon && (!slash || colon < slash) && access(arg, F_OK) != 0) {
		if (colon == arg) {
			*why = "empty destination before ':'";
			return -1;
		}
		*dest = strndup(arg, (size_t)(colon - arg));
		arg = colon + 1;
	}
	/* The remote side starts in the user's home: "~/x" is "x" there. */
	if (*dest && strncmp(arg, "~/", 2) == 0)
		arg += 2;
	if (!*arg) {
		free(*dest);
		*dest = NULL;
		*why = "empty directory";
		return -1;
	}
	*dir = strdup(arg);
	return 0;
}

/* The local counting thread: one count at a time, as asked. */
static void *worker_main(void *arg)
{
	struct job *j = arg;
	pthread_mutex_lock(&j->mu);
	while (!j->quit) {
		int k = -1;
		for (int i = 0; i < JT_COUNT; i++)
			if (j->want[i])
				k = i;
		if (k < 0) {
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		j->want[k] = false;
		j->busy = true;
		struct target *t = &j->t[k];
		pthread_mutex_unlock(&j->mu);
		uint64_t n = 0;
		double took = 0;
		const char *why = NULL;
		int rc = counter_count(t->counter, &n, &took, &why);
		double done_at = clock_mono();
		pthread_mutex_lock(&j->mu);
		t->done_at = done_at;
		j->busy = false;
		t->rc = rc;
		t->n = n;
		t->took = took;
		text_sanitize(t->why, sizeof t->why, rc < 0 && why ? why : "");
		t->result_ready = true;
		if (write(j->wake[1], "c", 1) < 0) {
			/* pipe full: the loop is already due to wake */
		}
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* Set up one target from "[DEST:]DIR"; 0 or -1 with *why. */
static int target_init(struct job *j, enum job_target w, const char *arg,
                       const char *from, const struct options *o, const char **why)
{
	struct target *t = &j->t[w];
	t->job = j;
	t->which = w;
	if (job_split_target(arg, &t->dest, &t->dir, why) < 0)
		return -1;
	if (from && !t->dest)
		t->dest = strdup(from);
	const char *glob = w == JT_DONE ? o->done_glob : NULL;
	bool rec = w == JT_DONE ? o->recursive : false;
	if (t->dest) {
		if (count_remote_command(t->cmd, sizeof t->cmd, t->dir, glob, rec) < 0) {
			*why = "directory name too long";
			return -1;
		}
	} else if (!(t->counter = counter_new(t->dir, glob, rec))) {
		*why = "out of memory";
		return -1;
	}
	j->active[w] = true;
	return 0;
}

int job_new(const struct options *o, struct job **out, const char **why)
{
	*out = NULL;
	if (!o->done)
		return 0;
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		*why = "out of memory";
		return -1;
	}
	j->wake[0] = j->wake[1] = -1;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	progress_init(&j->p, o->stall_after);
	if (o->total > 0)
		progress_set_total(&j->p, (uint64_t)o->total);
	j->interval = o->interval;
	if (target_init(j, JT_DONE, o->done, o->done_from, o, why) < 0 ||
	    (o->todo && target_init(j, JT_TODO, o->todo, NULL, o, why) < 0) ||
	    pipe2(j->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		job_free(j);
		return -1;
	}
	/* The worker takes no signals: SIGINT/SIGWINCH belong to the loop,
	 * and one landing in a FUSE read would turn it into EINTR. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int prc = pthread_create(&j->worker, NULL, worker_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0) {
		*why = "cannot start the counting thread";
		job_free(j);
		return -1;
	}
	j->worker_started = true;
	*out = j;
	return 0;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	if (j->worker_started) {
		pthread_mutex_lock(&j->mu);
		j->quit = true;
		bool busy = j->busy;
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		if (busy) {
			/* A count in flight may hang for good on a dead sshfs
			 * mount: never wait for it at exit; the process ends
			 * and takes the thread (and what it uses) along. */
			pthread_detach(j->worker);
			return;
		}
		pthread_join(j->worker, NULL);
	}
	for (int i = 0; i < JT_COUNT; i++) {
		counter_free(j->t[i].counter);
		free(j->t[i].dest);
		free(j->t[i].dir);
	}
	if (j->wake[0] >= 0)
		close(j->wake[0]);
	if (j->wake[1] >= 0)
		close(j->wake[1]);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

const char *job_dest(const struct job *j, enum job_target t)
{
	return j && j->active[t] ? j->t[t].dest : NULL;
}

void job_set_conn(struct job *j, enum job_target t, struct ssh_conn *c)
{
	j->t[t].conn = c;
}

int job_wake_fd(const struct job *j)
{
	return j->wake[0];
}

/* The remote count finished (called from ssh_conn_step, on the loop). */
static void on_remote(void *arg, int status, const char *out, size_t len)
{
	struct target *t = arg;
	uint64_t n;
	t->result_ready = true;
	t->took = 0;
	if (status == 0 && count_parse_remote(out, len, &n) == 0) {
		t->rc = 0;
		t->n = n;
		return;
	}
	t->rc = COUNT_ERR_READ;
	snprintf(t->why, sizeof t->why, "cannot count '%s' on %s (exit %d)", t->dir,
	         t->dest, status);
	char clean[sizeof t->why];
	text_sanitize(clean, sizeof clean, t->why);
	memcpy(t->why, clean, sizeof clean);
}

/* Apply a finished count. */
static void take_result(struct job *j, struct target *t, double now, double wall, bool up)
{
	t->result_ready = false;
	t->in_flight = false;
	double took = t->took > 0 ? t->took : now - t->started;
	t->next_due = progress_next_due(t->started, j->interval, took);
	if (t->which == JT_TODO && t->next_due < t->started + TODO_RECOUNT_S)
		t->next_due = t->started + TODO_RECOUNT_S;
	if (t->rc < 0) {
		snprintf(j->err, sizeof j->err, "%s", t->why[0] ? t->why : count_strerror(t->rc));
		return;
	}
	j->err[0] = 0;
	if (t->which == JT_TODO) {
		progress_set_total(&j->p, t->n);
		return;
	}
	/* Stamp the count with when it was taken, not when the loop got to
	 * it: on a busy machine the two can be a second apart, and the rate
	 * is files per second of the count's own clock. */
	double at = t->done_at > 0 && t->done_at <= now ? t->done_at : now;
	progress_observe(&j->p, at, t->n, up);
	j->counted_at = wall - (now - at);
	j->have = true;
}

/* Start one target's count if it is due and possible. */
static void start_count(struct job *j, struct target *t, double now)
{
	if (t->in_flight || now < t->next_due)
		return;
	t->started = now;
	if (!t->dest) {
		t->in_flight = true;
		pthread_mutex_lock(&j->mu);
		j->want[t->which] = true;
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		return;
	}
	if (t->conn && ssh_conn_state(t->conn) == CS_UP &&
	    ssh_conn_aux_exec(t->conn, t->cmd, REMOTE_OUT_CAP, on_remote, t) == 0) {
		t->in_flight = true;
		return;
	}
	/* The node that counts is not up yet: try again next interval. */
	t->next_due = now + j->interval;
	if (!j->have)
		snprintf(j->err, sizeof j->err, "waiting for %s to count on", t->dest);
}

void job_step(struct job *j, double now, double wall, bool nodes_up)
{
	char buf[64];
	while (read(j->wake[0], buf, sizeof buf) > 0)
		;
	for (int i = 0; i < JT_COUNT; i++) {
		if (!j->active[i])
			continue;
		struct target *t = &j->t[i];
		if (!t->dest)
			pthread_mutex_lock(&j->mu);
		bool ready = t->result_ready;
		if (!t->dest)
			pthread_mutex_unlock(&j->mu);
		if (ready)
			take_result(j, t, now, wall, nodes_up);
		start_count(j, t, now);
	}
}

double job_deadline(const struct job *j)
{
	double d = 1e300;
	for (int i = 0; i < JT_COUNT; i++)
		if (j->active[i] && !j->t[i].in_flight && j->t[i].next_due < d)
			d = j->t[i].next_due;
	return d;
}

bool job_view(const struct job *j, struct progress_view *v)
{
	progress_get(&j->p, v);
	return j->have;
}

double job_counted_at(const struct job *j)
{
	return j->counted_at;
}

const char *job_source(const struct job *j)
{
	return j->t[JT_DONE].dest ? j->t[JT_DONE].dest : "local";
}

const char *job_error(const struct job *j)
{
	return j->err;
}

const struct progress *job_progress(const struct job *j)
{
	return &j->p;
}

void job_set_headroom(struct job *j, const struct headroom *h, const char *if_gone)
{
	j->hr = *h;
	snprintf(j->if_gone, sizeof j->if_gone, "%s", if_gone ? if_gone : "");
}

bool job_best(const struct job *j, double *rate, double *eta_s)
{
	struct progress_view v;
	if (!job_view(j, &v) || !j->hr.known || j->hr.x < 1)
		return false;
	*rate = v.rate * j->hr.x;
	if (!v.has_eta || !isfinite(v.eta_s))
		return false;
	*eta_s = v.eta_s / j->hr.x;
	return true;
}

const char *job_if_gone(const struct job *j)
{
	return j->if_gone;
}
