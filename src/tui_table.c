/*
 * tui_table.c — the main view: cluster header, the node table (sorted,
 * filtered and grouped as a view over node indices; the model is never
 * reordered) and the footer with the selected node's full verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "format.h"
#include "replay_nav.h"
#include "text.h"
#include "tui_view.h"

#define NAME_MAX_W 28

const char *tui_sort_name(int sort)
{
	return sort >= 0 && sort < NCOLS && sort != COL_ADVICE ? columns[sort].key : "order";
}

/* A node's figure for a numeric column; -1 when it has none. */
static double value(const struct node *nd, int c)
{
	const struct rates *r = &nd->r;
	if (!tui_node_ok(nd))
		return -1;
	switch (c) {
	case COL_BAR:  return rates_busy(&r->cpu);
	case COL_USR:  return r->cpu.user;
	case COL_SYS:  return r->cpu.system;
	case COL_IOW:  return r->cpu.iowait;
	case COL_STL:  return r->cpu.steal;
	case COL_LOAD: return r->load1;
	case COL_FORK: return r->forks_per_s;
	case COL_CTXT: return r->ctxt_per_s;
	case COL_DR:   return r->disk_read_Bps;
	case COL_DW:   return r->disk_write_Bps;
	case COL_UTIL: return r->disk_util;
	case COL_RX:   return r->net_rx_Bps;
	case COL_TX:   return r->net_tx_Bps;
	case COL_PSI:  return (r->have & RP_PSI) ? r->psi_io_some : -1;
	default:       return 0;
	}
}

/* Rank of a state for sorting: working nodes first. */
static int state_rank(enum conn_state s)
{
	static const int rank[] = { [CS_UP] = 0, [CS_STALE] = 1, [CS_CONNECTING] = 2,
		[CS_DOWN] = 3, [CS_AUTH_FAILED] = 4, [CS_HOSTKEY_MISMATCH] = 5,
		[CS_HOSTKEY_UNKNOWN] = 6, [CS_UNREACHABLE] = 7, [CS_LOCAL_ERROR] = 8 };
	return (unsigned)s < sizeof rank / sizeof rank[0] ? rank[s] : 9;
}

/* Group of a node: its verdict, or unknown without data. */
static int group_of(const struct node *nd)
{
	return tui_node_ok(nd) && nd->j.verdict != V_UNKNOWN ? (int)nd->j.verdict : V_COUNT;
}

struct sort_ctx {
	const struct model *m;
	int sort;
	bool desc, group;
};

/* Compare two node indices under the current sort. */
static int cmp_nodes(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;
	int a = *(const int *)pa, b = *(const int *)pb;
	const struct node *x = &c->m->nodes[a], *y = &c->m->nodes[b];
	int r = 0;
	if (c->group && (r = group_of(x) - group_of(y)) != 0)
		return r;
	switch (c->sort) {
	case SORT_ORDER:
		break;
	case COL_NAME:
		r = strcmp(x->spec->name, y->spec->name);
		break;
	case COL_STATE:
		r = state_rank(x->state) - state_rank(y->state);
		break;
	case COL_VERDICT:
		r = group_of(x) - group_of(y);
		if (!r)
			r = (int)x->j.cause - (int)y->j.cause;
		break;
	default: {
		double vx = value(x, c->sort), vy = value(y, c->sort);
		r = vx < vy ? -1 : vx > vy ? 1 : 0;
	}
	}
	if (c->desc)
		r = -r;
	return r ? r : a - b;
}

/* True when the node passes the filter (name, state, verdict or cause). */
static bool matches(const struct node *nd, const char *f)
{
	if (!f[0])
		return true;
	bool ok = tui_node_ok(nd);
	return strcasestr(nd->spec->name, f) || strcasestr(conn_state_name(nd->state), f) ||
	       strcasestr(verdict_name(ok ? nd->j.verdict : V_UNKNOWN), f) ||
	       (ok && nd->j.cause && strcasestr(cause_name(nd->j.cause), f));
}

/* Make room for n entries in t->rows.  0 or -1. */
static int reserve(struct tui *t, size_t n)
{
	if (n <= t->caprows)
		return 0;
	int *r = realloc(t->rows, n * sizeof *r);
	if (!r)
		return -1;
	t->rows = r;
	t->caprows = n;
	return 0;
}

void tui_table_view(struct tui *t, const struct model *m)
{
	size_t n = 0;
	if (reserve(t, m->n + V_COUNT + 1) < 0) {
		t->nrows = 0;
		return;
	}
	for (size_t i = 0; i < m->n; i++)
		if (matches(&m->nodes[i], t->filter))
			t->rows[n++] = (int)i;
	bool desc = t->sort < NCOLS && columns[t->sort].desc;
	struct sort_ctx c = { m, t->sort, desc != t->reverse, t->group };
	if (t->sort != SORT_ORDER || t->group || t->reverse)
		qsort_r(t->rows, n, sizeof *t->rows, cmp_nodes, &c);
	if (t->group && n) {
		/* Insert a header before each run of one verdict (back to front). */
		size_t heads = 1;
		for (size_t i = 1; i < n; i++)
			heads += group_of(&m->nodes[t->rows[i]]) != group_of(&m->nodes[t->rows[i - 1]]);
		size_t w = n + heads;
		for (size_t i = n; i-- > 0;) {
			int g = group_of(&m->nodes[t->rows[i]]);
			t->rows[--w] = t->rows[i];
			if (i == 0 || group_of(&m->nodes[t->rows[i - 1]]) != g) {
				w--;
				t->rows[w] = -g - 1;
			}
		}
		n += heads;
	}
	t->nrows = n;
	/* Keep the selected node selected wherever it moved. */
	int found = -1;
	for (size_t i = 0; i < n && t->sel_node >= 0; i++)
		if (t->rows[i] == t->sel_node)
			found = (int)i;
	if (found >= 0)
		t->sel = found;
	if (t->sel >= (int)n)
		t->sel = n ? (int)n - 1 : 0;
	while (t->sel + 1 < (int)n && t->rows[t->sel] < 0)
		t->sel++;
	t->sel_node = n && t->rows[t->sel] >= 0 ? t->rows[t->sel] : -1;
}

void tui_table_click(struct tui *t, int y, int x)
{
	if (y == t->head_y) {
		for (int c = 0; c < NCOLS; c++) {
			if (t->colw[c] <= 0 || x < t->colx[c] || x >= t->colx[c] + t->colw[c] + 1)
				continue;
			if (c == COL_ADVICE)
				return;
			if (t->sort == c)
				t->reverse = !t->reverse;
			else {
				t->sort = c;
				t->reverse = false;
			}
			return;
		}
	} else if (y >= t->body_y && y < t->body_y + t->body_h) {
		int i = t->top + (y - t->body_y);
		if (i < (int)t->nrows && t->rows[i] >= 0) {
			t->sel = i;
			t->sel_node = t->rows[i];
		}
	}
}

/* The nodes per state, each in its state's colour, working ones first:
 * "3 up · 2 auth-failed · 1 unreachable".  Returns the columns written. */
static int state_counts(const struct tui *t, const struct model *m, int x0)
{
	static const enum conn_state order[] = { CS_UP, CS_STALE, CS_CONNECTING, CS_DOWN,
		CS_AUTH_FAILED, CS_HOSTKEY_MISMATCH, CS_HOSTKEY_UNKNOWN, CS_UNREACHABLE,
		CS_LOCAL_ERROR };
	enum { NSTATES = sizeof order / sizeof order[0] };
	int count[NSTATES] = { 0 }, x = x0, parts = 0;
	char part[48];
	for (size_t i = 0; i < m->n; i++)
		if ((unsigned)m->nodes[i].state < NSTATES)
			count[m->nodes[i].state]++;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		enum conn_state st = order[k];
		if (!count[st] && !(st == CS_UP && m->n))
			continue;
		if (parts++)
			x += tui_put(0, x, COLS - x, A_NORMAL, t->utf8 ? " \u00b7 " : ", ", false) -
			     (t->utf8 ? 1 : 0);   /* the dot is two bytes, one cell */
		snprintf(part, sizeof part, "%d %s", count[st], conn_state_name(st));
		x += tui_put(0, x, COLS - x, tui_attr(t, tui_state_elem(st)) | A_BOLD, part, false);
	}
	return x - x0;
}

/* Line 0: clock, interval, node counts, sort/filter, freeze. */
static void header_line(const struct tui *t, const struct model *m, const struct cluster *c,
                        const struct tui_info *in)
{
	char ts[16] = "", line[320], pos[120];
	time_t tt = (time_t)in->wall;
	struct tm tm;
	if (localtime_r(&tt, &tm))
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	int n = snprintf(line, sizeof line, "doptop %s  every %.1fs  ",
	                 in->replay ? replay_nav_line(pos, sizeof pos, in->replay) : ts,
	                 in->interval);
	int x = tui_put(0, 0, COLS, tui_attr(t, TE_TITLE), line, false);
	x += state_counts(t, m, x);
	(void)c;
	n = snprintf(line, sizeof line, "  sort %s%s%s%s%s%s", tui_sort_name(t->sort),
	             t->sort == SORT_ORDER ? "" : (columns[t->sort].desc != t->reverse ? " desc" : " asc"),
	             t->group ? "  grouped" : "", t->filter[0] ? "  filter \"" : "", t->filter,
	             t->filter[0] ? "\"" : "");
	(void)n;
	x += tui_put(0, x, COLS - x, A_NORMAL, line, false);
	if (in->source && strcmp(in->source, "live") && !in->replay)
		x += tui_put(0, x, COLS - x, tui_attr(t, TE_LABEL), "  [replay]", false);
	if (t->frozen)
		tui_put(0, x, COLS - x, tui_attr(t, TE_STALLED), "  [FROZEN]", false);
}

/* Cluster CPU bar, then the CPU split, disk and network totals and the
 * core count: each part whole or not at all, so a narrow screen drops the
 * last parts instead of cutting "cores 64" to "cores". */
static void cpu_line(const struct tui *t, int y, const struct cluster *c)
{
	char part[4][80], a[4][16];
	tui_put(y, 0, 4, tui_attr(t, TE_LABEL), "CPU", false);
	int bw = COLS / 3 > 12 ? COLS / 3 : 12;
	if (bw > COLS - 4)
		bw = COLS - 4;
	tui_cpu_bar(t, y, 4, bw, &c->cpu);
	snprintf(part[0], sizeof part[0], " usr %.0f%% sys %.0f%% iow %.0f%% stl %.0f%%",
	         c->cpu.user, c->cpu.system, c->cpu.iowait, c->cpu.steal);
	snprintf(part[1], sizeof part[1], "  disk r %s w %s B/s", fmt_bytes(a[0], 16, c->disk_read_Bps),
	         fmt_bytes(a[1], 16, c->disk_write_Bps));
	snprintf(part[2], sizeof part[2], "  net rx %s tx %s B/s", fmt_bytes(a[2], 16, c->net_rx_Bps),
	         fmt_bytes(a[3], 16, c->net_tx_Bps));
	snprintf(part[3], sizeof part[3], "  cores %d", c->cores);
	int x = 4 + bw;
	for (int i = 0; i < 4; i++) {
		int w = (int)strlen(part[i]);
		if (x + w > COLS && i > 0)
			break;
		x += tui_put(y, x, COLS - x, A_NORMAL, part[i], false);
	}
}

/* The theme element for the job's state words: amber for slowing and no
 * new files, red for stalled, green for finished. */
static enum theme_elem pstate_elem(enum progress_state s)
{
	switch (s) {
	case PS_SLOWING: case PS_QUIET: return TE_STATE_STALE;
	case PS_STALLED:                return TE_STALLED;
	case PS_FINISHED:               return TE_STATE_UP;
	default:                        return TE_NORMAL;
	}
}

/* The progress line: a bar for the fraction done, the text, the state's
 * words in the state's colour. */
static void progress_line(const struct tui *t, int y, const struct tui_info *in)
{
	char text[512];
	int x = 0;
	text_sanitize(text, sizeof text, in->progress);
	if (in->progress_frac >= 0 && COLS > 40) {
		int w = COLS / 5, fill = (int)(in->progress_frac * (w - 2) + 0.5);
		fill = fill < 0 ? 0 : fill > w - 2 ? w - 2 : fill;
		mvaddch(y, 0, '[');
		attron(tui_attr(t, TE_PROGRESS));
		for (int i = 0; i < w - 2; i++)
			mvaddch(y, 1 + i, (chtype)(i < fill ? '#' : ' '));
		attroff(tui_attr(t, TE_PROGRESS));
		mvaddch(y, w - 1, ']');
		x = w + 1;
	}
	size_t len = strlen(text), at = in->pmark < len ? in->pmark : len;
	size_t ml = in->pmark_len < len - at ? in->pmark_len : len - at;
	char head[512], mark[512];
	snprintf(head, sizeof head, "%.*s", (int)at, text);
	snprintf(mark, sizeof mark, "%.*s", (int)ml, text + at);
	x += tui_put(y, x, COLS - x, A_NORMAL, head, false);
	x += tui_put(y, x, COLS - x, tui_attr(t, pstate_elem(in->pstate)) | A_BOLD, mark, false);
	tui_put(y, x, COLS - x, A_NORMAL, text + at + ml, false);
}

/* The cluster's dominant verdict and its advice. */
static void verdict_line(const struct tui *t, int y, const struct cluster *c)
{
	char line[320];
	struct judgement d = c->dominant;
	if (d.verdict == V_UNKNOWN)
		snprintf(line, sizeof line, "waiting for data");
	else
		snprintf(line, sizeof line, "%d of %d nodes %s%s%s%s: %s", c->count[d.verdict],
		         c->nodes, verdict_name(d.verdict), d.cause ? " (" : "",
		         d.cause ? cause_name(d.cause) : "", d.cause ? ")" : "", classify_advice(d));
	tui_put(y, 0, COLS, tui_attr(t, tui_verdict_elem(d.verdict)) | A_BOLD, line, false);
}

int tui_set_columns(struct tui *t, const char *list, const char **why)
{
	bool want[NCOLS];
	char bad[64];
	if (columns_parse(list, want, bad, sizeof bad, why) < 0)
		return -1;
	for (int c = 0; c < NCOLS; c++)
		t->hidden[c] = !want[c];
	return 0;
}

/* Choose the columns that fit: drop by priority; advice takes the rest. */
static void layout(struct tui *t, const struct model *m)
{
	int namew = 4;
	for (size_t i = 0; i < m->n; i++) {
		int l = (int)strlen(m->nodes[i].spec->name);
		namew = l > namew ? l : namew;
	}
	namew = namew > NAME_MAX_W ? NAME_MAX_W : namew;
	/* The names' common prefix: a cut name keeps what follows it. */
	t->name_pfx = 0;
	if (m->n >= 2) {
		const char *a0 = m->nodes[0].spec->name;
		int p = (int)strlen(a0);
		for (size_t i = 1; i < m->n && p > 0; i++) {
			const char *b = m->nodes[i].spec->name;
			int k = 0;
			while (k < p && a0[k] && a0[k] == b[k])
				k++;
			p = k;
		}
		t->name_pfx = p;
	}
	/* On a narrow terminal the name gives way too (cut in the middle),
	 * so the verdict still fits. */
	int room = COLS - 1 - columns[COL_VERDICT].width;
	if (namew > room)
		namew = room > 8 ? room : 8;
	bool show[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		show[c] = !t->hidden[c];
	for (int drop = 10; drop >= 1; drop--) {
		int used = 0;
		for (int c = 0; c < NCOLS; c++)
			if (show[c] && c != COL_ADVICE)
				used += (c == COL_NAME ? namew : columns[c].width) + 1;
		if (used + (show[COL_ADVICE] ? 12 : 0) <= COLS)
			break;
		for (int c = 0; c < NCOLS; c++)
			if (columns[c].prio == drop)
				show[c] = false;
	}
	int x = 0;
	for (int c = 0; c < NCOLS; c++) {
		int w = !show[c] ? 0 : c == COL_NAME ? namew : c == COL_ADVICE ? COLS - x :
		        columns[c].width;
		if (x + w > COLS)
			w = COLS - x;
		t->colx[c] = x;
		t->colw[c] = w > 0 ? w : 0;
		if (w > 0)
			x += w + 1;
	}
}

/* One cell's text for a node (numbers human-readable). */
static void cell(const struct node *nd, int c, double now, char *buf, size_t cap,
                 enum theme_elem *el)
{
	char d[16];
	bool ok = tui_node_ok(nd);
	buf[0] = 0;
	*el = TE_NORMAL;
	switch (c) {
	case COL_NAME:
		text_sanitize(buf, cap, nd->spec->name);
		return;
	case COL_STATE:
		*el = tui_state_elem(nd->state);
		if (nd->state == CS_UP)
			snprintf(buf, cap, "%s", nd->restarted ? "up restarted" :
			         nd->fallback_sh ? "up (sh)" : "up");
		else
			snprintf(buf, cap, "%s %s", conn_state_name(nd->state),
			         nd->since > 0 ? fmt_duration(d, sizeof d, now - nd->since) : "");
		return;
	case COL_VERDICT:
		*el = ok ? tui_verdict_elem(nd->j.verdict) : TE_VERDICT_UNKNOWN;
		if (ok && nd->j.verdict != V_UNKNOWN)
			snprintf(buf, cap, "%s%s%s", verdict_name(nd->j.verdict),
			         nd->j.cause ? "/" : "", nd->j.cause ? cause_name(nd->j.cause) : "");
		else if (nd->state == CS_UP)
			snprintf(buf, cap, "unknown");
		return;
	case COL_ADVICE:
		if (ok)
			snprintf(buf, cap, "%s", model_advice(nd));
		else
			text_sanitize(buf, cap, nd->why);
		return;
	}
	if (!ok)
		return;
	double v = value(nd, c);
	switch (c) {
	case COL_USR: case COL_SYS: case COL_IOW: case COL_STL: case COL_UTIL:
		snprintf(buf, cap, "%.0f", v);
		break;
	case COL_PSI:
		if (v >= 0)
			snprintf(buf, cap, "%.0f", v);
		break;
	case COL_LOAD:
		snprintf(buf, cap, v < 100 ? "%.2f" : "%.0f", v);
		break;
	case COL_FORK: case COL_CTXT:
		fmt_count(buf, cap, v);
		break;
	default:
		fmt_bytes(buf, cap, v);
	}
}

/* Cells from the first number column to the verdict, where a node without
 * figures writes its reason; 0 when there are too few to say anything
 * (the advice column then carries the reason). */
static int reason_span(const struct tui *t)
{
	int x0 = -1;
	for (int c = COL_BAR; c < COL_VERDICT; c++)
		if (t->colw[c] > 0 && x0 < 0)
			x0 = t->colx[c];
	if (x0 < 0 || t->colw[COL_VERDICT] <= 0)
		return 0;
	int span = t->colx[COL_VERDICT] - 1 - x0;
	return span >= 20 ? span : 0;
}

/* A node name in w cells: cut in the middle when too long, keeping the
 * part that tells it from the others ("adhoc-pre…le-002.us-central1"):
 * the common prefix and suffix of all names (layout()) are what gives. */
static void name_cell(const struct tui *t, int y, int x, int w, attr_t a, const char *name)
{
	char cut[256];
	int len = (int)strlen(name);
	if (len <= w || w < 5) {
		tui_put(y, x, w, a, name, false);
		return;
	}
	int head = (w - 1) / 3, tail_len = w - 1 - head;
	int from = len - tail_len;                       /* plain middle cut */
	if (t->name_pfx > 0 && t->name_pfx - 4 < from)
		from = t->name_pfx - 4 > head ? t->name_pfx - 4 : head;
	if (t->name_pfx == 0) {
		head = (w - 1) / 2;
		tail_len = w - 1 - head;
		from = len - tail_len;
	}
	snprintf(cut, sizeof cut, "%.*s%s%.*s", head, name, t->utf8 ? "\u2026" : "~", tail_len,
	         name + from);
	/* the ellipsis is one cell but three bytes in UTF-8 */
	tui_put(y, x, w + (t->utf8 ? 2 : 0), a, cut, false);
}

/* One node row; the selection is drawn in the theme's selection style. */
static void node_row(const struct tui *t, int y, const struct node *nd, bool sel, double now)
{
	char buf[256];
	attr_t sa = tui_attr(t, TE_SELECTION);
	bool ok = tui_node_ok(nd);
	if (sel) {
		attron(sa);
		mvhline(y, 0, ' ', COLS);
		attroff(sa);
	}
	for (int c = 0; c < NCOLS; c++) {
		int w = t->colw[c], x = t->colx[c];
		if (w <= 0 || (!ok && c == COL_ADVICE && reason_span(t) > 0))
			continue;
		if (c == COL_BAR) {
			if (ok)
				tui_cpu_bar(t, y, x, w, &nd->r.cpu);
			continue;
		}
		enum theme_elem el;
		cell(nd, c, now, buf, sizeof buf, &el);
		attr_t a = sel ? sa : tui_attr(t, el);
		if (c == COL_NAME) {
			name_cell(t, y, x, w, a, buf);
		} else if (columns[c].right && (int)strlen(buf) < w) {
			int pad = w - (int)strlen(buf);
			tui_put(y, x + pad, w - pad, a, buf, true);
		} else {
			tui_put(y, x, w, a, buf, false);
		}
	}
	/* A node without figures says why across the empty number columns,
	 * so every row carries its reason, not only the selected one. */
	int span = reason_span(t);
	if (!ok && span > 0 && nd->why[0]) {
		char why[200], d[16];
		text_sanitize(why, sizeof why, nd->why);
		/* the countdown to the next attempt, and how to skip it */
		if (nd->retry_at > now && nd->state != CS_UP)
			snprintf(buf, sizeof buf, "retry in %s (R: now)  %s",
			         fmt_duration(d, sizeof d, nd->retry_at - now), why);
		else
			snprintf(buf, sizeof buf, "%s", why);
		tui_put(y, t->colx[COL_BAR], span, sel ? sa : tui_attr(t, tui_state_elem(nd->state)),
		        buf, false);
	}
}

/* A group line: verdict and how many nodes follow. */
static void group_row(const struct tui *t, int y, int at)
{
	char line[96];
	int g = -t->rows[at] - 1, n = 0;
	for (size_t i = (size_t)at + 1; i < t->nrows && t->rows[i] >= 0; i++)
		n++;
	snprintf(line, sizeof line, "-- %s: %d node%s --",
	         g == V_COUNT ? "no verdict" : verdict_name((enum verdict)g), n, n == 1 ? "" : "s");
	tui_put(y, 0, COLS, tui_attr(t, TE_GROUP), line, false);
}

/* The column titles; the sort column stands out. */
static void titles(const struct tui *t, int y)
{
	attr_t h = tui_attr(t, TE_HEADER);
	attron(h);
	mvhline(y, 0, ' ', COLS);
	attroff(h);
	for (int c = 0; c < NCOLS; c++) {
		int w = t->colw[c];
		if (w <= 0)
			continue;
		attr_t a = c == t->sort ? tui_attr(t, TE_SELECTION) | A_BOLD : h;
		char buf[32];
		snprintf(buf, sizeof buf, "%*s", columns[c].right ? (w < 31 ? w : 31) : 0, columns[c].title);
		tui_put(y, t->colx[c], w, a, buf, true);
	}
}

/* Lines the footer may take: a long reason (a host key's fix and
 * fingerprint, a ProxyCommand's stderr) wraps instead of being cut. */
#define FOOTER_MAX_LINES 3

/* The selected node in full, as the footer shows it, into line; false
 * when the footer shows something else (a prompt, a warning, nothing
 * selected). */
static bool node_footer(const struct tui *t, const struct model *m, char *line, size_t cap)
{
	char name[64];
	if (t->going || t->editing || t->warn[0] || t->sel_node < 0 ||
	    (size_t)t->sel_node >= m->n)
		return false;
	const struct node *nd = &m->nodes[t->sel_node];
	text_sanitize(name, sizeof name, nd->spec->name);
	if (tui_node_ok(nd))
		snprintf(line, cap, "%s: %s%s%s - %s", name, verdict_name(nd->j.verdict),
		         nd->j.cause ? "/" : "", nd->j.cause ? cause_name(nd->j.cause) : "",
		         model_advice(nd));
	else
		snprintf(line, cap, "%s: %s%s%s", name, conn_state_name(nd->state),
		         nd->why[0] ? " - " : "", nd->why);
	return true;
}

/* The footer's lines at this width: more than one only for a long node
 * text, and only while 3 rows of nodes stay above it (avail: the rows
 * left below the column titles). */
static int footer_lines(const struct tui *t, const struct model *m, int avail)
{
	char line[1400];
	int n = avail >= 3 ? 1 : 0;
	if (n && node_footer(t, m, line, sizeof line))
		while (n < FOOTER_MAX_LINES && strlen(line) > (size_t)(n * COLS) && avail - (n + 1) >= 3)
			n++;
	return n;
}

/* The bottom lines from y: filter prompt, a warning, or the selected node
 * in full (wrapped after a space in the line's second half, else at the
 * width; counted in bytes as tui_put counts them, never inside a UTF-8
 * character). */
static void footer(const struct tui *t, const struct model *m, int y)
{
	char line[1400];
	if (node_footer(t, m, line, sizeof line)) {
		const char *p = line, *end = line + strlen(line);
		for (; y < LINES && p < end; y++) {
			size_t n = (size_t)(end - p) > (size_t)COLS ? (size_t)COLS : (size_t)(end - p);
			while (n > 1 && p + n < end && ((unsigned char)p[n] & 0xC0) == 0x80)
				n--;
			size_t sp = n;
			while (p + n < end && sp > n / 2 && p[sp - 1] != ' ')
				sp--;
			if (p + n < end && sp > n / 2)
				n = sp;
			tui_put(y, 0, (int)n, tui_attr(t, TE_FOOTER), p, false);
			p += n;
		}
		return;
	}
	if (t->going) {
		tui_replay_prompt_draw(t, y);
		return;
	}
	if (t->editing) {
		snprintf(line, sizeof line, "filter: %s_   (Enter keeps, Esc clears)", t->filter);
		tui_put(y, 0, COLS, tui_attr(t, TE_LABEL) | A_BOLD, line, false);
		return;
	}
	if (t->warn[0]) {
		tui_put(y, 0, COLS, tui_attr(t, TE_STATE_STALE), t->warn, false);
		return;
	}
	tui_put(y, 0, COLS, tui_attr(t, TE_FOOTER),
	        t->filter[0] ? "no node matches the filter (Esc clears)" : "F1 help", false);
}

void tui_table_draw(struct tui *t, const struct model *m, const struct tui_info *in)
{
	struct cluster c;
	model_cluster(m, &c);
	header_line(t, m, &c, in);
	int y = 1;
	if (LINES >= 10) {
		cpu_line(t, y++, &c);
		if (in->progress)
			progress_line(t, y++, in);
	}
	if (LINES >= 14 && in->events) {
		char ev[512];
		text_sanitize(ev, sizeof ev, in->events);
		int x = tui_put(y, 0, COLS, A_BOLD, "events: ", false);
		tui_put(y++, x, COLS - x, A_NORMAL, ev, false);
	}
	if (LINES >= 7)
		verdict_line(t, y++, &c);
	layout(t, m);
	t->head_y = y;
	titles(t, y++);
	int nfoot = footer_lines(t, m, LINES - y);
	t->body_y = y;
	t->body_h = LINES - y - nfoot;
	if (t->body_h < 0)
		t->body_h = 0;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->body_h > 0 && t->sel >= t->top + t->body_h)
		t->top = t->sel - t->body_h + 1;
	if (t->top > 0 && t->top + t->body_h > (int)t->nrows)
		t->top = (int)t->nrows > t->body_h ? (int)t->nrows - t->body_h : 0;
	for (int i = t->top; i < (int)t->nrows && y < t->body_y + t->body_h; i++, y++) {
		if (t->rows[i] < 0)
			group_row(t, y, i);
		else
			node_row(t, y, &m->nodes[t->rows[i]], i == t->sel, in->now);
	}
	if (nfoot)
		footer(t, m, LINES - nfoot);
}
