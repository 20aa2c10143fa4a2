/* job.c — count the job's outputs and inputs, feed progress (see job.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
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
	struct counter *counter;     /* local only (not for JT_INPUTS) */
	struct ssh_conn *conn;       /* remote only, borrowed from the app */
	char    cmd[8192];
	bool    in_flight;
	double  started, next_due;
	/* result handed over by the worker thread or the aux callback */
	bool    result_ready;
	int     rc;
	uint64_t n;
	struct insize ins;           /* JT_INPUTS */
	double  took;
	double  done_at;             /* monotonic time the local count ended, 0 = now */
	struct counter *any;         /* local with a glob: every file, for a hint */
	uint64_t n_any;              /* files there when the glob matched none */
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
	char    note[TEXT_LINE_MAX];  /* a hint about the count ("" = none) */
	struct headroom hr;           /* the cluster's, set by the app */
	bool    have_ins;
	struct insize ins;
	unsigned gen;
	bool    replay;               /* fed from a recording */
	char    src[64];              /* its source, sanitised */
	double  replay_now;
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
		struct insize ins;
		int rc;
		if (k == JT_INPUTS) {
			char line[128];
			double t0 = clock_mono();
			rc = insize_local(t->dir, line, sizeof line, &why);
			if (rc == 0 && insize_parse(line, strlen(line), &ins) < 0) {
				rc = COUNT_ERR_READ;
				why = "bad inputs measurement";
			}
			took = clock_mono() - t0;
		} else
			rc = counter_count(t->counter, &n, &took, &why);
		double done_at = clock_mono();
		/* A glob that matches nothing in a directory with files is most
		 * likely a wrong pattern: count the rest once to say so. */
		uint64_t n_any = 0;
		const char *why_any;
		double took_any;
		if (rc == 0 && n == 0 && t->any && counter_count(t->any, &n_any, &took_any, &why_any) < 0)
			n_any = 0;
		pthread_mutex_lock(&j->mu);
		t->done_at = done_at;
		t->n_any = n_any;
		j->busy = false;
		t->rc = rc;
		t->n = n;
		if (k == JT_INPUTS && rc == 0)
			t->ins = ins;
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

/* A local directory to count: it may not exist yet (the job creates it),
 * but then its parent must: a missing parent is a typo, and waiting for
 * it would only hide that.  A path that is not a directory is refused.
 * 0, or -1 with a reason naming the path in *why (static). */
static int local_dir_check(const char *dir, const char **why)
{
	static char msg[TEXT_LINE_MAX + 64];
	char clean[TEXT_LINE_MAX], parent[4096];
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(msg, sizeof msg, "'%s' is not a directory",
		         text_sanitize(clean, sizeof clean, dir));
		*why = msg;
		return -1;
	}
	if (errno != ENOENT)
		return 0;          /* permission and the like: said on the progress line */
	snprintf(parent, sizeof parent, "%s", dir);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = 0;
	char *slash = strrchr(parent, '/');
	if (!slash)
		return 0;          /* "out": the current directory exists */
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	if (stat(parent, &st) == 0)
		return 0;          /* the job will make it */
	snprintf(msg, sizeof msg, "'%s' does not exist, nor its parent (a typo?)",
	         text_sanitize(clean, sizeof clean, dir));
	*why = msg;
	return -1;
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
	if (w == JT_INPUTS) {
		if (t->dest && insize_command(t->cmd, sizeof t->cmd, t->dir) < 0) {
			*why = "directory name too long";
			return -1;
		}
	} else if (t->dest) {
		if (count_remote_command(t->cmd, sizeof t->cmd, t->dir, glob, rec) < 0) {
			*why = "directory name too long";
			return -1;
		}
	} else if (!(t->counter = counter_new(t->dir, glob, rec)) ||
	           (glob && !(t->any = counter_new(t->dir, NULL, rec)))) {
		*why = "out of memory";
		return -1;
	} else if (local_dir_check(t->dir, why) < 0) {
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
	    ((o->inputs || o->todo) &&
	     target_init(j, JT_INPUTS, o->inputs ? o->inputs : o->todo, NULL, o, why) < 0) ||
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
		counter_free(j->t[i].any);
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
	if (t->which == JT_INPUTS) {
		if (status == 0 && insize_parse(out, len, &t->ins) == 0) {
			t->rc = 0;
			return;
		}
	} else if (status == 0 && count_parse_remote(out, len, &n) == 0) {
		t->rc = 0;
		t->n = n;
		return;
	}
	t->rc = COUNT_ERR_READ;
	snprintf(t->why, sizeof t->why, "cannot %s '%s' on %s (exit %d)",
	         t->which == JT_INPUTS ? "measure" : "count", t->dir, t->dest, status);
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
	if (t->which != JT_DONE && t->next_due < t->started + TODO_RECOUNT_S)
		t->next_due = t->started + TODO_RECOUNT_S;
	if (t->rc < 0) {
		const char *why = t->why[0] ? t->why : err_text(t->rc);
		char clean[TEXT_LINE_MAX];
		/* A remote failure already names its directory and host. */
		if (t->dest)
			snprintf(j->err, sizeof j->err, "%s", why);
		else
			snprintf(j->err, sizeof j->err, "cannot count '%s': %s",
			         text_sanitize(clean, sizeof clean, t->dir), why);
		return;
	}
	j->err[0] = 0;
	j->gen++;
	if (t->which == JT_INPUTS) {
		j->ins = t->ins;
		j->have_ins = true;
		return;
	}
	if (t->which == JT_DONE) {
		j->note[0] = 0;
		if (t->n == 0 && t->n_any > 0)
			snprintf(j->note, sizeof j->note,
			         "no file matches --done-glob (%llu other file%s there)",
			         (unsigned long long)t->n_any, t->n_any == 1 ? "" : "s");
	}
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
	/* The node that counts is not up yet: try again next interval, and
	 * say why (a name that does not resolve is no reason to wait
	 * silently forever). */
	t->next_due = now + j->interval;
	enum conn_state st = t->conn ? ssh_conn_state(t->conn) : CS_CONNECTING;
	char dest[TEXT_LINE_MAX], why[TEXT_LINE_MAX];
	text_sanitize(dest, sizeof dest, t->dest);
	if (st == CS_CONNECTING || st == CS_UP)
		snprintf(j->err, sizeof j->err, "waiting for %.80s to count on (connecting)", dest);
	else
		snprintf(j->err, sizeof j->err, "cannot count on %.60s: %s%s%.100s", dest,
		         conn_state_name(st), ssh_conn_why(t->conn)[0] ? ": " : "",
		         text_sanitize(why, sizeof why, ssh_conn_why(t->conn)));
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
	if (j->replay)
		return j->src[0] ? j->src : "replay";
	return j->t[JT_DONE].dest ? j->t[JT_DONE].dest : "local";
}

const char *job_error(const struct job *j)
{
	return j->err;
}

const char *job_note(const struct job *j)
{
	return j->note;
}

bool job_failing(const struct job *j)
{
	return j->err[0] && strncmp(j->err, "waiting for", 11) != 0;
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

bool job_inputs(const struct job *j, struct insize *in, double *remaining_B)
{
	struct progress_view v;
	*remaining_B = -1;
	if (!j->have_ins)
		return false;
	*in = j->ins;
	bool have = job_view(j, &v);
	uint64_t total = v.has_total ? v.total : j->ins.files;
	if (have && j->ins.files > 0) {
		double mean = j->ins.bytes / (double)j->ins.files;
		*remaining_B = total > v.done ? (double)(total - v.done) * mean : 0;
	} else if (!have)
		*remaining_B = -1;
	return true;
}

unsigned job_generation(const struct job *j)
{
	return j->gen;
}

size_t job_snapshot(const struct job *j, char *buf, size_t cap)
{
	struct progress_view v;
	bool have = job_view(j, &v);
	int n = snprintf(buf, cap, "source=%s\n", job_source(j));
	if (have)
		n += snprintf(buf + n, cap - (size_t)n, "done=%" PRIu64 "\ncounted_at=%.6f\nobserved=%.6f\n",
		              v.done, j->counted_at, j->p.t_last);
	if (v.has_total && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n, "total=%" PRIu64 "\n", v.total);
	if (j->have_ins && (size_t)n < cap)
		n += snprintf(buf + n, cap - (size_t)n,
		              "input_files=%" PRIu64 "\ninput_sampled=%" PRIu64 "\ninput_B=%.0f\n"
		              "input_network=%d\n", j->ins.files, j->ins.sampled, j->ins.bytes,
		              j->ins.network ? 1 : 0);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int job_new_replay(const struct options *o, struct job **out)
{
	struct job *j = calloc(1, sizeof *j);
	*out = NULL;
	if (!j)
		return -1;
	j->wake[0] = j->wake[1] = -1;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	progress_init(&j->p, o->stall_after);
	j->interval = o->interval;
	j->replay = true;
	*out = j;
	return 0;
}

/* A checked whole number from a J record. */
static bool rec_u64(const char *v, uint64_t *out)
{
	return text_u64_str(v, UINT64_MAX, out) == 0;
}

int job_feed(struct job *j, double t, const char *text, size_t len, bool nodes_up)
{
	char line[256];
	const char *p = text, *end = text + len;
	bool have_done = false;
	uint64_t done = 0, x;
	double counted_at = t, observed = t;
	struct insize ins = j->ins;
	bool have_ins = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n < sizeof line) {
			memcpy(line, p, n);
			line[n] = 0;
			char *eq = strchr(line, '=');
			if (eq) {
				*eq = 0;
				const char *k = line, *v = eq + 1;
				double d;
				if (!strcmp(k, "done") && rec_u64(v, &x)) {
					done = x;
					have_done = true;
				} else if (!strcmp(k, "total") && rec_u64(v, &x) && x > 0)
					progress_set_total(&j->p, x);
				else if (!strcmp(k, "input_files") && rec_u64(v, &x)) {
					ins.files = x;
					have_ins = true;
				} else if (!strcmp(k, "input_sampled") && rec_u64(v, &x))
					ins.sampled = x;
				else if (!strcmp(k, "input_B") && text_decimal_str(v, 0, 1e20, &d) == 0)
					ins.bytes = d;
				else if (!strcmp(k, "counted_at") && text_decimal_str(v, 0, 1e12, &d) == 0)
					counted_at = d;
				else if (!strcmp(k, "observed") && text_decimal_str(v, 0, 1e12, &d) == 0)
					observed = d;
				else if (!strcmp(k, "input_network"))
					ins.network = v[0] == '1';
				else if (!strcmp(k, "source"))
					snprintf(j->src, sizeof j->src, "%.60s", v);
			}
		}
		p += n + 1;
	}
	if (have_ins) {
		if (ins.sampled > ins.files)
			return -1;
		ins.exact = ins.sampled == ins.files;
		j->ins = ins;
		j->have_ins = true;
	}
	if (have_done && !(j->have && observed == j->p.t_last && done == j->p.n_last)) {
		/* The live count's own clock, so rates and ETAs come out the
		 * same as they did live. */
		progress_observe(&j->p, observed, done, nodes_up);
		j->counted_at = counted_at;
		j->have = true;
	}
	j->gen++;
	return 0;
}

bool job_is_replay(const struct job *j)
{
	return j->replay;
}

void job_set_replay_now(struct job *j, double t)
{
	j->replay_now = t;
}

double job_replay_now(const struct job *j)
{
	return j->replay_now;
}
