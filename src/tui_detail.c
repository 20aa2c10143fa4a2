/*
 * tui_detail.c — one node in depth: state, per-core bars, history graphs
 * (block characters in a UTF-8 locale, ASCII otherwise), why this
 * verdict, and the top processes.  Scrolls as one page (t->dscroll).
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include "format.h"
#include "text.h"
#include "tui_view.h"

#define LABEL_W 18
/* Cells at the right of a graph for its scale ("max 1.2M"). */
#define SCALE_W 11

/* A page being drawn: virtual line vy lands on screen line vy - scroll. */
struct page {
	const struct tui *t;
	int vy, scroll;
};

/* The screen line for the page's current line, or -1 when off screen. */
static int line_y(const struct page *p)
{
	int y = p->vy - p->scroll + 1;     /* line 0 is the fixed title */
	return y >= 1 && y < LINES ? y : -1;
}

/* Write one text line of the page and advance. */
static void text(struct page *p, attr_t a, const char *s)
{
	int y = line_y(p);
	if (y >= 0)
		tui_put(y, 0, COLS, a, s, false);
	p->vy++;
}

/* One graph cell at level 0..8 (eighths of a cell). */
static void level_cell(const struct tui *t, int y, int x, int lv, attr_t a)
{
	static const wchar_t blocks[9] = { L' ', L'\u2581', L'\u2582', L'\u2583', L'\u2584',
	                                   L'\u2585', L'\u2586', L'\u2587', L'\u2588' };
	static const char ascii[] = " _.-:=+*#";
	lv = lv < 0 ? 0 : lv > 8 ? 8 : lv;
	if (t->utf8) {
		cchar_t cc;
		wchar_t w[2] = { blocks[lv], 0 };
		setcchar(&cc, w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);  /* the pair must go separately */
		mvadd_wch(y, x, &cc);
	} else {
		attron(a);
		mvaddch(y, x, (chtype)ascii[lv]);
		attroff(a);
	}
}

/* Samples that fit in w columns (newest at the right). */
static int span(const struct node *nd, int w)
{
	int n = (int)(nd->hist_n < MODEL_HIST ? nd->hist_n : MODEL_HIST);
	return n < w ? n : w;
}

/* The stacked CPU history, h rows high: user, system, iowait, steal. */
static void cpu_graph(struct page *p, const struct node *nd, int h)
{
	static const enum theme_elem el[4] = { TE_CPU_USER, TE_CPU_SYSTEM, TE_CPU_IOWAIT,
	                                       TE_CPU_STEAL };
	static const enum hist_series ser[4] = { H_USER, H_SYSTEM, H_IOWAIT, H_STEAL };
	const struct tui *t = p->t;
	int w = COLS - LABEL_W - SCALE_W, n = span(nd, w);
	for (int row = 0; row < h; row++) {
		int y = line_y(p);
		p->vy++;
		if (y < 0)
			continue;
		tui_put(y, 0, LABEL_W, tui_attr(t, TE_LABEL),
		        row == 0 ? "CPU history 100%" : row == h - 1 ? "u s i st      0%" : "", true);
		int r = h - 1 - row;            /* 0 = bottom row */
		for (int k = 0; k < n; k++) {
			float v[4], acc = 0;
			double b[4];
			for (int s = 0; s < 4; s++) {
				if (!model_hist(nd, ser[s], (unsigned)(n - 1 - k), &v[s]) || v[s] < 0)
					v[s] = 0;
				acc += v[s];
				b[s] = acc * h * 8 / 100.0;
			}
			int fill = (int)(b[3] - r * 8 + 0.5);
			if (fill <= 0)
				continue;
			fill = fill > 8 ? 8 : fill;
			double mid = r * 8 + fill / 2.0;
			int s = 0;
			while (s < 3 && b[s] <= mid)
				s++;
			level_cell(t, y, LABEL_W + k, fill, tui_attr(t, el[s]));
		}
	}
}

/* A one-row sparkline of a series, scaled to its maximum in view. */
static void spark(struct page *p, const struct node *nd, enum hist_series s,
                  const char *label, bool bytes, enum theme_elem el)
{
	const struct tui *t = p->t;
	int y = line_y(p);
	p->vy++;
	if (y < 0)
		return;
	int w = COLS - LABEL_W - SCALE_W, n = span(nd, w);
	float v, mx = 0, last = 0;
	for (int k = 0; k < n; k++)
		if (model_hist(nd, s, (unsigned)k, &v) && v > mx)
			mx = v;
	model_hist(nd, s, 0, &last);
	char num[16], lab[48];
	if (bytes)
		fmt_bytes(num, sizeof num, last);
	else   /* small figures keep a decimal: "max 0" under visible bars misled */
		snprintf(num, sizeof num, last > 0 && last < 9.95 ? "%.1f" : "%.0f", last);
	snprintf(lab, sizeof lab, "%-11s %5s", label, num);
	tui_put(y, 0, LABEL_W, tui_attr(t, TE_LABEL), lab, true);
	/* the scale: a full cell is the largest value in view */
	if (bytes)
		fmt_bytes(num, sizeof num, mx);
	else if (mx > 0 && mx < 9.95)
		snprintf(num, sizeof num, "%.1f", mx);
	else
		fmt_count(num, sizeof num, mx);
	snprintf(lab, sizeof lab, " max %s", num);
	tui_put(y, LABEL_W + n, SCALE_W, tui_attr(t, TE_DIM), lab, false);
	for (int k = 0; k < n; k++) {
		if (!model_hist(nd, s, (unsigned)(n - 1 - k), &v) || mx <= 0)
			continue;
		int lv = (int)(v / mx * 8 + 0.5);
		if (v > 0 && lv == 0)
			lv = 1;
		level_cell(t, y, LABEL_W + k, lv, tui_attr(t, el));
	}
}

/* The job's files/s history as a one-row sparkline (not per node: the
 * count is the whole job's). */
static void rate_spark(struct page *p, const double *h, size_t nh)
{
	const struct tui *t = p->t;
	int y = line_y(p);
	p->vy++;
	if (y < 0 || nh == 0)
		return;
	int w = COLS - LABEL_W - SCALE_W, n = (int)nh < w ? (int)nh : w;
	double mx = 0;
	for (int k = 0; k < n; k++)
		if (h[nh - 1 - (size_t)k] > mx)
			mx = h[nh - 1 - (size_t)k];
	char lab[48];
	snprintf(lab, sizeof lab, "%-11s %5.1f", "job files/s", h[nh - 1]);
	tui_put(y, 0, LABEL_W, tui_attr(t, TE_LABEL), lab, true);
	snprintf(lab, sizeof lab, " max %.1f", mx);
	tui_put(y, LABEL_W + n, SCALE_W, tui_attr(t, TE_DIM), lab, false);
	for (int k = 0; k < n && mx > 0; k++) {
		double v = h[nh - (size_t)n + (size_t)k];
		int lv = (int)(v / mx * 8 + 0.5);
		if (v > 0 && lv == 0)
			lv = 1;
		level_cell(t, y, LABEL_W + k, lv, tui_attr(t, TE_GRAPH_B));
	}
}

/* The time axis under the graphs: "now" under the newest column and the
 * age of every 20th column before it ("-20s", "-1m20s"). */
static void time_axis(struct page *p, const struct node *nd, double interval)
{
	int y = line_y(p);
	p->vy++;
	if (y < 0)
		return;
	int n = span(nd, COLS - LABEL_W - SCALE_W);
	char lab[24], d[16];
	tui_put(y, 0, LABEL_W, tui_attr(p->t, TE_LABEL), "time", true);
	for (int back = 0; back < n; back += 20) {
		int x = LABEL_W + n - 1 - back;
		if (back == 0)
			snprintf(lab, sizeof lab, "|now");
		else
			snprintf(lab, sizeof lab, "|-%s", fmt_duration(d, sizeof d, back * interval));
		if (x + (int)strlen(lab) <= LABEL_W + n + SCALE_W)
			tui_put(y, x, (int)strlen(lab), tui_attr(p->t, TE_DIM), lab, false);
	}
}

/* Per-core bars, as many columns as fit. */
static void core_bars(struct page *p, const struct rates *r)
{
	char lab[24];
	int cw = COLS >= 80 ? 40 : COLS, ncol = COLS / cw > 0 ? COLS / cw : 1;
	for (int i = 0; i < r->ncpu; i += ncol) {
		int y = line_y(p);
		p->vy++;
		for (int c = 0; y >= 0 && c < ncol && i + c < r->ncpu; c++) {
			struct cpu_split core = rates_core(r, i + c);
			const struct cpu_split *s = &core;
			int x = c * cw;
			snprintf(lab, sizeof lab, "%3d", i + c);
			tui_put(y, x, 4, tui_attr(p->t, TE_LABEL), lab, true);
			tui_cpu_bar(p->t, y, x + 4, cw - 10, s);
			snprintf(lab, sizeof lab, "%3.0f%%", rates_busy(s) + s->iowait);
			tui_put(y, x + cw - 6, 5, A_NORMAL, lab, false);
		}
	}
}

/* The top processes table; D-state rows highlighted. */
static void procs_table(struct page *p, int node, bool stale)
{
	const struct tui *t = p->t;
	char line[160], kb[16];
	text(p, tui_attr(t, TE_TITLE), stale ?
	     "Top processes, from when the node was last up (D = blocked: what it waited on)" :
	     "Top processes (D = blocked: what the node waits on)");
	if (t->procs_node != node) {
		text(p, tui_attr(t, TE_DIM), "  fetching...");
		return;
	}
	if (t->nprocs < 0) {
		text(p, tui_attr(t, TE_DIM), "  not in the recording (processes are fetched live only)");
		return;
	}
	if (t->nprocs == 0) {
		text(p, tui_attr(t, TE_DIM), "  no processes reported");
		return;
	}
	int y = line_y(p);
	if (y >= 0) {
		snprintf(line, sizeof line, "%7s %-12s %6s %6s %-5s %s", "PID", "USER", "CPU%", "RSS",
		         "S", "COMMAND");
		tui_put(y, 0, COLS, tui_attr(t, TE_HEADER), line, true);
	}
	p->vy++;
	for (int i = 0; i < t->nprocs; i++) {
		const struct proc_row *r = &t->procs[i];
		snprintf(line, sizeof line, "%7d %-12.12s %6.1f %6s %-5.5s %s", r->pid, r->user, r->cpu,
		         fmt_bytes(kb, sizeof kb, (double)r->rss_kb * 1024), r->state, r->cmd);
		text(p, r->state[0] == 'D' ? tui_attr(t, TE_DSTATE) : A_NORMAL, line);
	}
}

/* "Why this verdict": the classifier's signals, one per line. */
static void explain(struct page *p, const struct node *nd)
{
	char buf[2048];
	text(p, tui_attr(p->t, TE_TITLE), "Why this verdict");
	if (!tui_node_ok(nd)) {
		text(p, tui_attr(p->t, TE_DIM), "  no data from this node now");
		return;
	}
	classify_explain(&nd->r, nd->j, buf, sizeof buf);
	char *save = NULL, line[300];
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		snprintf(line, sizeof line, "  %s", l);
		text(p, A_NORMAL, line);
	}
	line[0] = line[1] = ' ';
	model_provenance(nd, line + 2, sizeof line - 2);
	text(p, tui_attr(p->t, TE_DIM), line);
}

/* The title line and the node's state and verdict. */
static void title(struct page *p, const struct node *nd, double now)
{
	const struct tui *t = p->t;
	char name[80], line[1400], d[16];
	text_sanitize(name, sizeof name, nd->spec->name);
	snprintf(line, sizeof line, " %s  (Esc back, arrows scroll)%s", name,
	         t->frozen ? "  [FROZEN]" : "");
	tui_put(0, 0, COLS, tui_attr(t, TE_HEADER), line, true);
	snprintf(line, sizeof line, "state %s for %s  reconnects %u%s%s%s%s",
	         conn_state_name(nd->state), nd->since > 0 ? fmt_duration(d, sizeof d, now - nd->since) : "-",
	         nd->reconnects, nd->restarted ? "  restarted" : "", nd->fallback_sh ? "  (sh probe)" : "",
	         nd->why[0] ? "  " : "", nd->why);
	text(p, tui_attr(t, tui_state_elem(nd->state)), line);
	if (tui_node_ok(nd)) {
		snprintf(line, sizeof line, "verdict %s%s%s: %s", verdict_name(nd->j.verdict),
		         nd->j.cause ? "/" : "", nd->j.cause ? cause_name(nd->j.cause) : "",
		         model_advice(nd));
		text(p, tui_attr(t, tui_verdict_elem(nd->j.verdict)), line);
		const struct rates *r = &nd->r;
		char a[4][16];
		snprintf(line, sizeof line, "%d cores  load %.2f  running %.0f  blocked %.0f  mem avail %s of %s",
		         r->cores, r->load1, r->procs_running, r->procs_blocked,
		         fmt_bytes(a[0], 16, r->mem_available_B), fmt_bytes(a[1], 16, r->mem_total_B));
		text(p, A_NORMAL, line);
		struct headroom h;
		classify_headroom(r, nd->j, model_job_cores(nd), &h);
		if (h.known)
			snprintf(line, sizeof line, "headroom %.1fx: %s", h.x, h.why);
		else
			snprintf(line, sizeof line, "headroom unknown: %s", h.why);
		text(p, A_NORMAL, line);
		const struct facts *f = &nd->facts;
		if (f->have_workers) {
			int n = snprintf(line, sizeof line, "workers %d: %d running, %d sleeping, %d blocked",
			                 f->w.count, f->w.running, f->w.sleeping, f->w.blocked);
			if (n > 0 && (size_t)n < sizeof line && f->have_job_cores)
				n += snprintf(line + n, sizeof line - (size_t)n, "  using %.2f cores",
				              f->job_cores);
			if (n > 0 && (size_t)n < sizeof line && f->have_mem_limit)
				snprintf(line + n, sizeof line - (size_t)n, "  memory cgroup limit %s",
				         fmt_bytes(a[2], 16, f->mem_limit_B));
			text(p, A_NORMAL, line);
		}
	} else if (nd->hist_n > 0 && nd->last_frame > 0) {
		/* Old figures unmarked read as now: say they are not. */
		snprintf(line, sizeof line, "NO DATA NOW: the graphs and processes below are from when "
		         "the node was last up, %s ago", fmt_duration(d, sizeof d, now - nd->last_frame));
		text(p, tui_attr(t, TE_STATE_STALE) | A_BOLD, line);
	}
}

void tui_detail_draw(struct tui *t, const struct model *m, const struct tui_info *in)
{
	const struct node *nd = &m->nodes[t->detail];
	struct page p = { t, 0, t->dscroll };
	title(&p, nd, in->now);
	if (tui_node_ok(nd) && nd->r.ncpu > 0) {
		text(&p, tui_attr(t, TE_TITLE), "Cores");
		core_bars(&p, &nd->r);
	}
	if (nd->hist_n > 0) {
		char hl[160], iv[16];
		snprintf(hl, sizeof hl, "History (one column per %s, newest right; each graph scaled to "
		         "its max at the right)", fmt_duration(iv, sizeof iv, in->interval));
		text(&p, tui_attr(t, TE_TITLE), hl);
		cpu_graph(&p, nd, 4);
		spark(&p, nd, H_DISK_R, "disk read", true, TE_GRAPH_A);
		spark(&p, nd, H_DISK_W, "disk write", true, TE_GRAPH_B);
		spark(&p, nd, H_NET_RX, "net rx", true, TE_GRAPH_A);
		spark(&p, nd, H_NET_TX, "net tx", true, TE_GRAPH_B);
		spark(&p, nd, H_PSI_IO, "psi io %", false, TE_GRAPH_A);
		spark(&p, nd, H_PSI_CPU, "psi cpu %", false, TE_GRAPH_B);
		spark(&p, nd, H_FORKS, "forks/s", false, TE_GRAPH_A);
		time_axis(&p, nd, in->interval);
	}
	if (in->rate_hist && in->nrate_hist > 0)
		rate_spark(&p, in->rate_hist, in->nrate_hist);
	explain(&p, nd);
	procs_table(&p, t->detail, !tui_node_ok(nd));
	/* Do not scroll past the end of the page. */
	if (t->dscroll > 0 && p.vy - t->dscroll < LINES - 1)
		t->dscroll = p.vy - (LINES - 1) > 0 ? p.vy - (LINES - 1) : 0;
}
