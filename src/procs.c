/* procs.c — top processes: libproc2 locally, a ps parser for remote nodes. */
#include <errno.h>
#include <libproc2/pids.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "procs.h"
#include "text.h"

/* Next space-separated word of s[*i..n) into w (cap bytes, truncated);
 * returns its length, 0 at the end of the line. */
static size_t word(const char *s, size_t n, size_t *i, char *w, size_t cap)
{
	size_t k = 0;
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	size_t start = *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\t') {
		if (k + 1 < cap)
			w[k++] = s[*i];
		(*i)++;
	}
	w[k] = 0;
	return *i - start;
}

/* Parse one ps line into r; 0 or -1 when malformed. */
static int parse_line(const char *s, size_t n, struct proc_row *r)
{
	char w[PROCS_CMD_MAX];
	size_t i = 0;
	uint64_t pid, rss;
	double cpu;
	/* 4194304: the kernel's largest pid_max (PID_MAX_LIMIT) */
	if (!word(s, n, &i, w, sizeof w) || text_u64_str(w, 4194304, &pid) < 0 || pid == 0)
		return -1;
	if (!word(s, n, &i, w, sizeof w))
		return -1;
	text_sanitize(r->user, sizeof r->user, w);
	if (!word(s, n, &i, w, sizeof w) || text_decimal_str(w, 0, 1e5, &cpu) < 0)
		return -1;
	if (!word(s, n, &i, w, sizeof w) || text_u64_str(w, (uint64_t)1e15, &rss) < 0)
		return -1;
	if (!word(s, n, &i, w, sizeof w))
		return -1;
	text_sanitize(r->state, sizeof r->state, w);
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n)
		return -1;
	/* The command is the rest of the line (comm may hold spaces). */
	size_t len = n - i < sizeof w - 1 ? n - i : sizeof w - 1;
	memcpy(w, s + i, len);
	w[len] = 0;
	text_sanitize(r->cmd, sizeof r->cmd, w);
	r->pid = (int)pid;
	r->cpu = cpu;
	r->rss_kb = (unsigned long long)rss;
	return 0;
}

int procs_parse_ps(const char *out, size_t len, struct proc_row *rows, int max)
{
	int n = 0;
	size_t i = 0;
	if (!out || max <= 0)
		return 0;
	while (i < len && n < max) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t ln = nl ? (size_t)(nl - (out + i)) : len - i;
		/* Lines with NUL bytes are garbage, not truncated strings. */
		if (ln < 1024 && !memchr(out + i, 0, ln) && parse_line(out + i, ln, &rows[n]) == 0)
			n++;
		i += ln + 1;
	}
	return n;
}

struct procs_local {
	struct pids_info *info;
	double last;              /* monotonic time of the previous read, 0 = none */
	long   hz;
};

static enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_EUSER, PIDS_TICS_ALL_DELTA,
                                  PIDS_TICS_ALL, PIDS_TIME_ELAPSED, PIDS_MEM_RES,
                                  PIDS_STATE, PIDS_CMD };
enum { I_PID, I_USER, I_DELTA, I_TICS, I_ELAPSED, I_RES, I_STATE, I_CMD };

struct procs_local *procs_local_new(void)
{
	struct procs_local *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (procps_pids_new(&p->info, items, (int)(sizeof items / sizeof items[0])) < 0) {
		free(p);
		return NULL;
	}
	p->hz = sysconf(_SC_CLK_TCK);
	if (p->hz <= 0)
		p->hz = 100;
	return p;
}

void procs_local_free(struct procs_local *p)
{
	if (!p)
		return;
	procps_pids_unref(&p->info);
	free(p);
}

/* Insert r into rows (sorted by CPU, then RSS, descending), keeping max. */
static void top_insert(struct proc_row *rows, int *n, int max, const struct proc_row *r)
{
	int k = *n;
	while (k > 0 && (rows[k - 1].cpu < r->cpu ||
	                 (rows[k - 1].cpu == r->cpu && rows[k - 1].rss_kb < r->rss_kb)))
		k--;
	if (k >= max)
		return;
	int last = *n < max ? *n : max - 1;
	memmove(&rows[k + 1], &rows[k], (size_t)(last - k) * sizeof *rows);
	rows[k] = *r;
	if (*n < max)
		(*n)++;
}

int procs_local_read(struct procs_local *p, struct proc_row *rows, int max)
{
	if (!p || max <= 0)
		return -1;
	struct pids_fetch *f = procps_pids_reap(p->info, PIDS_FETCH_TASKS_ONLY);
	if (!f)
		return -1;
	double now = clock_mono(), dt = p->last > 0 ? now - p->last : 0;
	p->last = now;
	int n = 0;
	for (int i = 0; i < f->counts->total; i++) {
		struct pids_stack *s = f->stacks[i];
		struct proc_row r;
		memset(&r, 0, sizeof r);
		r.pid = PIDS_VAL(I_PID, s_int, s, p->info);
		if (dt > 0.05) {
			r.cpu = PIDS_VAL(I_DELTA, u_int, s, p->info) * 100.0 / (double)p->hz / dt;
		} else {
			double el = PIDS_VAL(I_ELAPSED, real, s, p->info);
			unsigned long long t = PIDS_VAL(I_TICS, ull_int, s, p->info);
			r.cpu = el > 0 ? (double)t * 100.0 / (double)p->hz / el : 0;
		}
		r.rss_kb = PIDS_VAL(I_RES, ul_int, s, p->info);
		char st[2] = { PIDS_VAL(I_STATE, s_ch, s, p->info), 0 };
		text_sanitize(r.state, sizeof r.state, st);
		text_sanitize(r.user, sizeof r.user, PIDS_VAL(I_USER, str, s, p->info));
		text_sanitize(r.cmd, sizeof r.cmd, PIDS_VAL(I_CMD, str, s, p->info));
		top_insert(rows, &n, max, &r);
	}
	return n;
}
