/* out_progress.c — the progress line in JSON, batch text and on screen. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "job.h"
#include "model.h"
#include "text.h"
#include "out_batch.h"

void job_json(const struct job *j, FILE *f, double t)
{
	struct progress_view v;
	bool have = job_view(j, &v);
	fprintf(f, "{\"type\":\"progress\",\"t\":%.3f,", t);
	if (have)
		fprintf(f, "\"done\":%llu,", (unsigned long long)v.done);
	else
		fputs("\"done\":null,", f);
	if (v.has_total)
		fprintf(f, "\"total\":%llu,", (unsigned long long)v.total);
	else
		fputs("\"total\":null,", f);
	if (have && v.has_total)
		fprintf(f, "\"percent\":%.2f,", v.percent);
	else
		fputs("\"percent\":null,", f);
	fprintf(f, "\"rate_per_s\":%.3f,\"rate_avg_per_s\":%.3f,", have ? v.rate : 0,
	        have ? v.rate_avg : 0);
	if (have && v.has_eta && isfinite(v.eta_s))
		fprintf(f, "\"eta_s\":%.0f,", v.eta_s);
	else
		fputs("\"eta_s\":null,", f);
	double best_rate = 0, best_eta = 0;
	bool best = job_best(j, &best_rate, &best_eta);
	if (best)
		fprintf(f, "\"eta_best_s\":%.0f,\"rate_best_per_s\":%.3f,", best_eta, best_rate);
	else
		fputs("\"eta_best_s\":null,\"rate_best_per_s\":null,", f);
	fprintf(f, "\"stalled\":%s,", have && v.stalled ? "true" : "false");
	if (job_counted_at(j) > 0)
		fprintf(f, "\"counted_at\":%.3f,", job_counted_at(j));
	else
		fputs("\"counted_at\":null,", f);
	fputs("\"source\":", f);
	out_json_string(f, job_source(j));
	fputs(",\"message\":", f);
	if (have && v.msg)
		out_json_string(f, v.msg);
	else
		fputs("null", f);
	fputs(",\"error\":", f);
	if (job_error(j)[0])
		out_json_string(f, job_error(j));
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

/* "1234 / 5000 (24.7%)  3.2 files/s (avg 3.0)  ETA 6m12s (14:05)". */
static void summary(const struct job *j, char *buf, size_t cap, double *frac)
{
	struct progress_view v;
	char a[16], b[16], eta[160] = "";
	*frac = -1;
	if (!job_view(j, &v)) {
		snprintf(buf, cap, "progress: %s", job_error(j)[0] ? job_error(j) : "counting...");
		return;
	}
	if (v.has_eta && isfinite(v.eta_s)) {
		time_t end = time(NULL) + (time_t)v.eta_s;
		struct tm tm;
		char clock[16];
		localtime_r(&end, &tm);
		strftime(clock, sizeof clock, v.eta_s > 86400 ? "%a %H:%M" : "%H:%M", &tm);
		snprintf(eta, sizeof eta, "  ETA %s (%s)", fmt_duration(a, sizeof a, v.eta_s), clock);
		best_eta(j, v.eta_s, eta, sizeof eta);
	}
	if (v.has_total) {
		*frac = v.percent / 100.0;
		snprintf(buf, cap, "done %llu / %llu (%.1f%%)  %.1f files/s (avg %.1f)%s%s%s%s",
		         (unsigned long long)v.done, (unsigned long long)v.total, v.percent,
		         v.rate, v.rate_avg, eta, v.stalled ? "  STALLED" : "",
		         v.msg ? "  " : "", v.msg ? v.msg : "");
	} else
		snprintf(buf, cap, "done %llu  %.1f files/s (avg %.1f)%s%s%s",
		         (unsigned long long)v.done, v.rate, v.rate_avg,
		         v.stalled ? "  STALLED" : "", v.msg ? "  " : "", v.msg ? v.msg : "");
	double ago = time(NULL) - job_counted_at(j);
	size_t n = strlen(buf);
	if (n < cap && ago >= 2)
		snprintf(buf + n, cap - n, "  (counted %s ago)", fmt_duration(b, sizeof b, ago));
	n = strlen(buf);
	if (n < cap && job_error(j)[0])
		snprintf(buf + n, cap - n, "  [%s]", job_error(j));
}

void job_text(const struct job *j, FILE *f)
{
	char buf[JOB_LINE_MAX];
	double frac;
	summary(j, buf, sizeof buf, &frac);
	char src[128];
	fprintf(f, "progress %s %s\n", text_sanitize(src, sizeof src, job_source(j)), buf);
}

void job_line(const struct job *j, char *buf, size_t cap, double *frac, bool *stalled)
{
	struct progress_view v;
	*stalled = job_view(j, &v) && v.stalled;
	summary(j, buf, cap, frac);
}
