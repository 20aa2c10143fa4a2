/* out_progress.c — the progress line in JSON, batch text and on screen. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "job.h"
#include "model.h"
#include "text.h"
#include "out_batch.h"
#include "out_progress.h"

/* Seconds since the last new file as of unix time now: the figure at the
 * last count plus the time since that count (the clock keeps running
 * between counts; it stops when the job finished). */
static double last_file_s(const struct job *j, const struct progress_view *v, double now)
{
	double since = now - job_counted_at(j);
	return v->quiet_s + (since > 0 ? since : 0);
}

/* A number or null. */
static void json_num(FILE *f, const char *key, bool have, int decimals, double x)
{
	fprintf(f, "\"%s\":", key);
	if (have && isfinite(x))
		fprintf(f, "%.*f", decimals, x);
	else
		fputs("null", f);
	fputc(',', f);
}

void out_progress_json(const struct job *j, FILE *f, double t)
{
	struct progress_view v;
	bool have = job_view(j, &v);
	double at = job_counted_at(j);
	fprintf(f, "{\"type\":\"progress\",\"t\":%.3f,", t);
	if (have)
		fprintf(f, "\"done\":%llu,", (unsigned long long)v.done);
	else
		fputs("\"done\":null,", f);
	if (v.has_total)
		fprintf(f, "\"total\":%llu,", (unsigned long long)v.total);
	else
		fputs("\"total\":null,", f);
	json_num(f, "percent", have && v.has_total, 2, v.percent);
	fprintf(f, "\"rate_per_s\":%.3f,\"rate_avg_per_s\":%.3f,", have ? v.rate : 0,
	        have ? v.rate_avg : 0);
	json_num(f, "eta_s", have && v.has_eta, 0, v.eta_s);
	double best_rate = 0, best_eta = 0;
	bool best = job_best(j, &best_rate, &best_eta);
	json_num(f, "eta_best_s", best, 0, best_eta);
	json_num(f, "rate_best_per_s", best, 3, best_rate);
	struct insize in;
	double rem = -1;
	bool ins = job_inputs(j, &in, &rem);
	json_num(f, "input_B", ins, 0, in.bytes);
	json_num(f, "input_files", ins, 0, ins ? (double)in.files : 0);
	json_num(f, "input_sampled", ins, 0, ins ? (double)in.sampled : 0);
	json_num(f, "remaining_B", ins && rem >= 0, 0, rem);
	fprintf(f, "\"stalled\":%s,", have && v.stalled ? "true" : "false");
	json_num(f, "counted_at", at > 0, 3, at);
	fputs("\"source\":", f);
	out_json_string(f, job_source(j));
	fputs(",\"message\":", f);
	if (have && v.msg)
		out_json_string(f, v.msg);
	else if (job_note(j)[0])
		out_json_string(f, job_note(j));
	else
		fputs("null", f);
	fputs(",\"error\":", f);
	if (job_error(j)[0])
		out_json_string(f, job_error(j));
	else
		fputs("null", f);
	/* Added in 0.2: the job's state and its clock. */
	fprintf(f, ",\"state\":\"%s\",", have ? progress_state_name(v.state) : "waiting");
	json_num(f, "last_file_s", have && !v.finished, 1, last_file_s(j, &v, t));
	json_num(f, "window_s", have, 1, v.window_s);
	json_num(f, "elapsed_s", have && v.started, 1, v.run_s);
	json_num(f, "started_at", have && v.started, 3,
	         at - v.run_s - (v.finished ? v.finished_ago_s : 0));
	fprintf(f, "\"finished_at\":");
	if (have && v.finished && v.started)
		fprintf(f, "%.3f", at - v.finished_ago_s);
	else
		fputs("null", f);
	fputs("}\n", f);
	fflush(f);
}

/* Append " — at best 1h38m if the I/O waits went away" when the ceiling
 * is worth saying (above 1x and a cause to name). */
static void best_eta(const struct job *j, double eta_s, char *buf, size_t cap)
{
	double rate, best;
	char d[16];
	size_t n = strlen(buf);
	if (!job_best(j, &rate, &best) || !job_if_gone(j)[0] || best >= eta_s * 0.95 || n >= cap)
		return;
	snprintf(buf + n, cap - n, " \u2014 at best %s %s", fmt_duration(d, sizeof d, best),
	         job_if_gone(j));
}

enum clock_fmt { CLK_SECONDS, CLK_MINUTES, CLK_DAY };

/* "22:08:38", "22:08" or "Mon 22:08" for unix time t (local time). */
static char *clock_of(char *buf, size_t cap, double t, enum clock_fmt how)
{
	time_t tt = (time_t)t;
	struct tm tm;
	buf[0] = 0;
	if (!localtime_r(&tt, &tm))
		return buf;
	if (how == CLK_SECONDS)
		strftime(buf, cap, "%H:%M:%S", &tm);
	else if (how == CLK_MINUTES)
		strftime(buf, cap, "%H:%M", &tm);
	else
		strftime(buf, cap, "%a %H:%M", &tm);
	return buf;
}

/* Append printf output to buf (never past cap). */
static void add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

/* The state's words at the end of the line, marked for colour. */
static void state_mark(struct job_line *l, const struct progress_view *v)
{
	char a[16];
	size_t at = strlen(l->text);
	switch (v->state) {
	case PS_SLOWING:
		add(l->text, sizeof l->text, "  SLOWING (was %.1f/s)", v->rate_long);
		break;
	case PS_QUIET:
		add(l->text, sizeof l->text, "  NO NEW FILES");
		break;
	case PS_STALLED:
		add(l->text, sizeof l->text, "  STALLED");
		break;
	case PS_WAITING:
		add(l->text, sizeof l->text, "  waiting for the first new file (%s)",
		    fmt_duration(a, sizeof a, v->quiet_s));
		break;
	default:
		return;
	}
	l->mark = at + 2 < strlen(l->text) ? at + 2 : at;
	l->mark_len = strlen(l->text) - l->mark;
}

/* "  inputs 12.4G (sizes of 1000 of 20000 files), 8.1G to read". */
static void inputs_text(const struct job *j, char *buf, size_t cap)
{
	struct insize in;
	double rem;
	char a[16], b[16];
	if (!job_inputs(j, &in, &rem))
		return;
	add(buf, cap, "  inputs %s", fmt_bytes(a, sizeof a, in.bytes));
	if (!in.exact)
		add(buf, cap, " (sizes of %llu of %llu files)", (unsigned long long)in.sampled,
		    (unsigned long long)in.files);
	if (rem >= 0)
		add(buf, cap, ", %s to read%s", fmt_bytes(b, sizeof b, rem),
		    in.network ? " over the network" : "");
}

/* "1234 / 5000 (24.7%)  3.2 files/s (avg 3.0)  last file 0s ago  ETA
 * 6m12s (14:05)", "... FINISHED 22:08:38 in 1m00s, avg 33.3/s". */
static void summary(const struct job *j, struct job_line *l)
{
	struct progress_view v;
	char a[16], b[16], c[16];
	/* a replay's clock is the recording's */
	double now = job_is_replay(j) ? job_replay_now(j) : (double)time(NULL);
	memset(l, 0, sizeof *l);
	l->frac = -1;
	if (!job_view(j, &v)) {
		snprintf(l->text, sizeof l->text, "progress: %s",
		         job_error(j)[0] ? job_error(j) : "counting...");
		return;
	}
	l->state = v.state;
	if (v.has_total) {
		l->frac = v.percent / 100.0;
		snprintf(l->text, sizeof l->text, "done %llu / %llu (%.1f%%)", (unsigned long long)v.done,
		         (unsigned long long)v.total, v.percent);
	} else
		snprintf(l->text, sizeof l->text, "done %llu", (unsigned long long)v.done);
	if (v.finished) {
		size_t at = strlen(l->text) + 2;
		double end = job_counted_at(j) - v.finished_ago_s;
		if (v.started)
			add(l->text, sizeof l->text, "  FINISHED %s in %s, avg %.1f/s",
			    clock_of(a, sizeof a, end, CLK_SECONDS), fmt_duration(b, sizeof b, v.run_s),
			    v.rate_avg);
		else
			add(l->text, sizeof l->text, "  FINISHED (before counting began)");
		l->mark = at;
		l->mark_len = strlen(l->text) - at;
	} else {
		/* what a glance needs first (is it moving?), then the ETA and its
		 * best case, the longest part, which a narrow screen cuts */
		if (v.started)
			add(l->text, sizeof l->text, "  %.1f files/s (avg %.1f)  last file %s ago",
			    v.rate, v.rate_avg, fmt_duration(b, sizeof b, last_file_s(j, &v, now)));
		if (v.has_eta && isfinite(v.eta_s)) {
			add(l->text, sizeof l->text, "  ETA %s (%s)", fmt_duration(a, sizeof a, v.eta_s),
			    clock_of(c, sizeof c, now + v.eta_s, v.eta_s > 86400 ? CLK_DAY : CLK_MINUTES));
			best_eta(j, v.eta_s, l->text, sizeof l->text);
		}
		state_mark(l, &v);
	}
	inputs_text(j, l->text, sizeof l->text);
	if (v.msg)
		add(l->text, sizeof l->text, "  %s", v.msg);
	else if (job_note(j)[0])
		add(l->text, sizeof l->text, "  %s", job_note(j));
	double ago = now - job_counted_at(j);
	if (!v.finished && ago >= 2)
		add(l->text, sizeof l->text, "  (counted %s ago)", fmt_duration(b, sizeof b, ago));
	if (job_error(j)[0])
		add(l->text, sizeof l->text, "  [%s]", job_error(j));
}

void out_progress_text(const struct job *j, FILE *f)
{
	struct job_line l;
	char src[128];
	summary(j, &l);
	/* the line already starts with the word the screen's line leads with */
	const char *text = l.text;
	if (strncmp(text, "progress: ", 10) == 0)
		text += 10;
	fprintf(f, "progress %s %s\n", text_sanitize(src, sizeof src, job_source(j)), text);
}

void out_progress_line(const struct job *j, struct job_line *l)
{
	summary(j, l);
}
