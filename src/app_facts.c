/* app_facts.c — fetch each node's facts (the job's processes, memory
 * cgroup, local disks: facts.h) at a slow cadence: over an extra channel of
 * the node's own SSH session, or from this machine's /proc.  Never from
 * the per-second probe, never a fork per sample on the node. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "app_loop.h"
#include "clock.h"
#include "facts.h"
#include "record.h"

struct facts_fetch {
	struct app *a;
	size_t idx;
	bool   busy, disks;      /* a command is out; it asked for disks */
	double due, disks_due;   /* monotonic */
};

/* What is fetched: processes with --job-cmd, disks with inputs to place. */
static bool want_procs(const struct app *a)
{
	return a->o->job_cmd != NULL;
}

static bool want_disks(const struct app *a)
{
	return a->o->inputs != NULL || a->o->todo != NULL;
}

int app_facts_init(struct app *a)
{
	if ((!want_procs(a) && !want_disks(a)) || a->rp)
		return 0;
	a->ff = calloc(a->m.n ? a->m.n : 1, sizeof *a->ff);
	if (!a->ff)
		return -1;
	for (size_t i = 0; i < a->m.n; i++)
		a->ff[i] = (struct facts_fetch){ .a = a, .idx = i };
	return 0;
}

void app_facts_free(struct app *a)
{
	free(a->ff);
	a->ff = NULL;
}

void app_facts_take(struct app *a, size_t i, const char *text, size_t len, bool procs,
                    bool disks, double wall)
{
	if (i >= a->m.n)
		return;
	double t_read = clock_wall();
	if (a->rec)
		recorder_facts(a->rec, (int)i, wall, procs, disks, t_read, text, len);
	facts_parse(text, len, procs, disks, &a->m.nodes[i].facts);
	if (procs)
		facts_job_cpu(&a->m.nodes[i].facts, t_read);
	model_facts_changed(&a->m, i);
	a->dirty = true;
}

/* The remote command finished (called on the loop from ssh_conn_step). */
static void on_facts(void *arg, int status, const char *out, size_t len)
{
	struct facts_fetch *f = arg;
	f->busy = false;
	/* status: awk's "exit" with no worker is 0; a failed df is not
	 * fatal.  Only a dropped connection (< 0) yields nothing. */
	if (status < 0 || !out)
		return;
	app_facts_take(f->a, f->idx, out, len, want_procs(f->a), f->disks, app_next_block_wall(f->a));
}

/* Start node i's fetch. */
static void fetch_one(struct app *a, struct facts_fetch *f, double now)
{
	bool disks = want_disks(a) && now >= f->disks_due;
	const char *pat = a->o->job_cmd;
	f->due = now + FACTS_PROCS_EVERY_S;
	if (!want_procs(a) && !disks)
		return;
	if (disks)
		f->disks_due = now + FACTS_DISKS_EVERY_S;
	if (a->m.nodes[f->idx].spec->local) {
		static char buf[FACTS_OUT_MAX];
		size_t n = facts_local(buf, sizeof buf, pat, getpid(), disks);
		app_facts_take(a, f->idx, buf, n, want_procs(a), disks, app_next_block_wall(a));
		return;
	}
	char cmd[FACTS_CMD_MAX];
	if (!a->conns || !a->conns[f->idx] || facts_command(cmd, sizeof cmd, pat, disks) < 0)
		return;
	f->disks = disks;
	if (ssh_conn_aux_exec(a->conns[f->idx], cmd, FACTS_OUT_MAX, on_facts, f) == 0)
		f->busy = true;
	else if (disks)
		f->disks_due = now;   /* not up: try the disks again next time */
}

void app_facts_step(struct app *a, double now)
{
	for (size_t i = 0; a->ff && i < a->m.n; i++) {
		struct facts_fetch *f = &a->ff[i];
		if (f->busy || now < f->due || a->m.nodes[i].state != CS_UP)
			continue;
		fetch_one(a, f, now);
	}
}

double app_facts_deadline(const struct app *a)
{
	double d = 1e300;
	for (size_t i = 0; a->ff && i < a->m.n; i++)
		if (!a->ff[i].busy && a->m.nodes[i].state == CS_UP && a->ff[i].due < d)
			d = a->ff[i].due;
	return d;
}
