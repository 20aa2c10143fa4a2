/*
 * tui.c — the curses screen: header with the cluster summary, one row per
 * node with an htop-style CPU bar, verdict and advice.  Reads the model,
 * never changes it.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "tui.h"

enum pair { P_USER = 1, P_SYSTEM, P_IOWAIT, P_STEAL, P_HEADER, P_TITLE, P_GOOD,
            P_BAD, P_WARN, P_DIM, P_INFO, P_SEL, P_NPAIRS };

struct tui {
	bool color;
	int  sel;          /* selected row */
	int  top;          /* first visible row */
	bool help;
	bool frozen;
};

/* One theme colour pair: foreground, background (-1 = terminal default). */
static const short default_colors[P_NPAIRS][2] = {
	[P_USER] = { COLOR_GREEN, -1 }, [P_SYSTEM] = { COLOR_RED, -1 },
	[P_IOWAIT] = { COLOR_BLUE, -1 }, [P_STEAL] = { COLOR_CYAN, -1 },
	[P_HEADER] = { COLOR_BLACK, COLOR_GREEN }, [P_TITLE] = { COLOR_CYAN, -1 },
	[P_GOOD] = { COLOR_GREEN, -1 }, [P_BAD] = { COLOR_RED, -1 },
	[P_WARN] = { COLOR_YELLOW, -1 }, [P_DIM] = { COLOR_WHITE, -1 },
	[P_INFO] = { COLOR_CYAN, -1 }, [P_SEL] = { COLOR_BLACK, COLOR_CYAN },
};

struct tui *tui_new(const char *theme, bool no_color, const char **why)
{
	struct tui *t = calloc(1, sizeof *t);
	if (!t) {
		*why = "out of memory";
		return NULL;
	}
	if (!initscr()) {
		*why = "cannot start the screen (is TERM set?)";
		free(t);
		return NULL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	const char *nc = getenv("NO_COLOR");
	t->color = !no_color && !(nc && nc[0]) && has_colors() &&
	           !(theme && strcmp(theme, "mono") == 0);
	if (t->color) {
		start_color();
		use_default_colors();
		for (int p = 1; p < P_NPAIRS; p++)
			init_pair((short)p, default_colors[p][0], default_colors[p][1]);
	}
	return t;
}

void tui_free(struct tui *t)
{
	if (!t)
		return;
	endwin();
	free(t);
}

void tui_resize(struct tui *t)
{
	(void)t;
	endwin();
	refresh();
	clear();
}

bool tui_frozen(const struct tui *t)
{
	return t->frozen;
}

static attr_t attr(const struct tui *t, enum pair p)
{
	return t->color ? COLOR_PAIR(p) : A_NORMAL;
}

int tui_input(struct tui *t, const struct model *m)
{
	int ch;
	int rows = (int)m->n;
	while ((ch = getch()) != ERR) {
		if (t->help && ch != KEY_RESIZE) {
			t->help = false;
			continue;
		}
		switch (ch) {
		case 'q': case 'Q': case KEY_F(10):
			return 1;
		case 'h': case '?': case KEY_F(1):
			t->help = true;
			break;
		case ' ':
			t->frozen = !t->frozen;
			break;
		case KEY_UP: case 'k':
			if (t->sel > 0)
				t->sel--;
			break;
		case KEY_DOWN: case 'j':
			if (t->sel + 1 < rows)
				t->sel++;
			break;
		case KEY_PPAGE:
			t->sel = t->sel > 10 ? t->sel - 10 : 0;
			break;
		case KEY_NPAGE:
			t->sel = t->sel + 10 < rows ? t->sel + 10 : rows - 1;
			break;
		case KEY_HOME:
			t->sel = 0;
			break;
		case KEY_END:
			t->sel = rows - 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* An htop-style bar of width w: user, system, iowait, steal shares of
 * 100%.  Without colour each share uses its own character so the split
 * stays readable. */
static void cpu_bar(struct tui *t, int y, int x, int w, const struct cpu_split *c)
{
	static const char mono_ch[4] = { '|', '#', '.', '~' };
	const double v[4] = { c->user, c->system, c->iowait, c->steal };
	const enum pair pr[4] = { P_USER, P_SYSTEM, P_IOWAIT, P_STEAL };
	if (w < 3)
		return;
	mvaddch(y, x, '[');
	int inner = w - 2, pos = 0;
	double acc = 0;
	for (int k = 0; k < 4; k++) {
		acc += v[k];
		int end = (int)(acc * inner / 100.0 + 0.5);
		if (end > inner)
			end = inner;
		attron(attr(t, pr[k]));
		for (; pos < end; pos++)
			mvaddch(y, x + 1 + pos, (chtype)(t->color ? '|' : mono_ch[k]));
		attroff(attr(t, pr[k]));
	}
	for (; pos < inner; pos++)
		mvaddch(y, x + 1 + pos, ' ');
	mvaddch(y, x + w - 1, ']');
}

static enum pair verdict_pair(enum verdict v)
{
	switch (v) {
	case V_CPU_BOUND:     return P_GOOD;
	case V_SYSCALL_HEAVY: return P_BAD;
	case V_IO_STARVED:    return P_WARN;
	case V_UNDERUSED:     return P_INFO;
	default:              return P_DIM;
	}
}

static enum pair state_pair(enum conn_state s)
{
	switch (s) {
	case CS_UP:         return P_GOOD;
	case CS_CONNECTING: return P_DIM;
	case CS_STALE:      return P_WARN;
	default:            return P_BAD;
	}
}

/* Header: clock, nodes, cluster CPU bar and rates, cluster verdict. */
static int draw_header(struct tui *t, const struct model *m, const struct tui_info *in)
{
	int W = COLS;
	struct cluster c;
	char ts[16], a[4][16], line[512];
	model_cluster(m, &c);
	time_t tt = (time_t)in->wall;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(ts, sizeof ts, "%H:%M:%S", &tm);
	snprintf(line, sizeof line, "doptop %s  every %.1fs  nodes %d/%d up%s%s",
	         ts, in->interval, c.up, c.nodes, t->frozen ? "  [FROZEN]" : "",
	         in->source && strcmp(in->source, "live") ? "  [replay]" : "");
	attron(A_BOLD);
	mvaddnstr(0, 0, line, W);
	attroff(A_BOLD);
	if (c.down || c.stale) {
		snprintf(line, sizeof line, "  (%d down, %d stale)", c.down, c.stale);
		attron(attr(t, P_BAD));
		addnstr(line, W - getcurx(stdscr) > 0 ? W - getcurx(stdscr) : 0);
		attroff(attr(t, P_BAD));
	}
	int y = 1;
	if (LINES < 4)
		return y;
	mvaddnstr(y, 0, "CPU", W);
	int bw = W / 3 > 12 ? W / 3 : 12;
	if (bw > W - 4)
		bw = W - 4;
	cpu_bar(t, y, 4, bw, &c.cpu);
	snprintf(line, sizeof line, " usr %.0f%% sys %.0f%% iow %.0f%% stl %.0f%%  disk r %s w %s  net rx %s tx %s",
	         c.cpu.user, c.cpu.system, c.cpu.iowait, c.cpu.steal,
	         fmt_bytes(a[0], 16, c.disk_read_Bps), fmt_bytes(a[1], 16, c.disk_write_Bps),
	         fmt_bytes(a[2], 16, c.net_rx_Bps), fmt_bytes(a[3], 16, c.net_tx_Bps));
	if (4 + bw < W)
		mvaddnstr(y, 4 + bw, line, W - 4 - bw);
	y++;
	int with = c.count[c.dominant.verdict];
	if (c.dominant.verdict == V_UNKNOWN)
		snprintf(line, sizeof line, "waiting for data");
	else
		snprintf(line, sizeof line, "%d of %d nodes %s%s%s%s: %s", with, c.nodes,
		         verdict_name(c.dominant.verdict), c.dominant.cause ? " (" : "",
		         c.dominant.cause ? cause_name(c.dominant.cause) : "",
		         c.dominant.cause ? ")" : "", classify_advice(c.dominant));
	attron(attr(t, verdict_pair(c.dominant.verdict)) | A_BOLD);
	mvaddnstr(y, 0, line, W);
	attroff(attr(t, verdict_pair(c.dominant.verdict)) | A_BOLD);
	y++;
	if (in->progress && y < LINES - 2) {
		attron(in->stalled ? attr(t, P_BAD) | A_BOLD : A_NORMAL);
		mvaddnstr(y++, 0, in->progress, W);
		attroff(attr(t, P_BAD) | A_BOLD);
	}
	return y;
}

/* Columns, in the order shown; prio: lower drops last on narrow screens. */
enum col { COL_NAME, COL_STATE, COL_BAR, COL_USR, COL_SYS, COL_IOW, COL_STL, COL_LOAD,
           COL_FORK, COL_CTXT, COL_DR, COL_DW, COL_UTIL, COL_RX, COL_TX, COL_PSI,
           COL_VERDICT, COL_ADVICE, NCOLS };
static const struct { const char *title; int width, prio; } cols[NCOLS] = {
	[COL_NAME] = { "NODE", 18, 0 }, [COL_STATE] = { "STATE", 12, 1 },
	[COL_BAR] = { "CPU", 22, 3 }, [COL_USR] = { "USR%", 5, 4 },
	[COL_SYS] = { "SYS%", 5, 4 }, [COL_IOW] = { "IOW%", 5, 5 },
	[COL_STL] = { "STL%", 5, 7 }, [COL_LOAD] = { "LOAD", 5, 9 },
	[COL_FORK] = { "FORK/s", 6, 8 }, [COL_CTXT] = { "CTXT/s", 6, 8 },
	[COL_DR] = { "DSK_R", 5, 6 }, [COL_DW] = { "DSK_W", 5, 6 },
	[COL_UTIL] = { "UTIL", 4, 9 }, [COL_RX] = { "NETRX", 5, 6 },
	[COL_TX] = { "NETTX", 5, 6 }, [COL_PSI] = { "PSIO", 4, 8 },
	[COL_VERDICT] = { "VERDICT", 22, 2 }, [COL_ADVICE] = { "ADVICE", 10, 10 },
};

/* Decide which columns fit in width W (advice takes what is left). */
static void layout(int W, bool show[NCOLS])
{
	for (int c = 0; c < NCOLS; c++)
		show[c] = true;
	for (int drop = 10; drop >= 1; drop--) {
		int used = 0;
		for (int c = 0; c < NCOLS; c++)
			if (show[c])
				used += cols[c].width + 1;
		if (used <= W)
			return;
		for (int c = 0; c < NCOLS; c++)
			if (cols[c].prio == drop)
				show[c] = false;
	}
}

/* One node row. */
static void draw_row(struct tui *t, int y, const struct node *nd, bool sel,
                     const bool show[NCOLS], double now)
{
	int W = COLS, x = 0;
	char buf[256], d[16];
	const struct rates *r = &nd->r;
	bool ok = nd->have_rates && nd->state == CS_UP;
	if (sel)
		attron(A_REVERSE);
	mvhline(y, 0, ' ', W);
	for (int c = 0; c < NCOLS && x < W; c++) {
		if (!show[c])
			continue;
		int w = c == COL_ADVICE ? W - x : cols[c].width;
		if (w <= 0)
			break;
		buf[0] = 0;
		enum pair p = 0;
		bool right = c >= COL_USR && c <= COL_PSI;
		switch (c) {
		case COL_NAME:
			model_sanitize(buf, sizeof buf, nd->spec->name);
			break;
		case COL_STATE:
			if (nd->state == CS_UP)
				snprintf(buf, sizeof buf, "%s", nd->restarted ? "up restarted" :
				         nd->fallback_sh ? "up (sh)" : "up");
			else
				snprintf(buf, sizeof buf, "%s %s", conn_state_name(nd->state),
				         nd->since > 0 ? fmt_duration(d, sizeof d, now - nd->since) : "");
			p = state_pair(nd->state);
			break;
		case COL_BAR:
			if (ok)
				cpu_bar(t, y, x, w, &r->cpu);
			x += w + 1;
			continue;
		case COL_VERDICT:
			if (ok && nd->j.verdict != V_UNKNOWN)
				snprintf(buf, sizeof buf, "%s%s%s", verdict_name(nd->j.verdict),
				         nd->j.cause ? "/" : "", nd->j.cause ? cause_name(nd->j.cause) : "");
			else if (ok || nd->state == CS_UP)
				snprintf(buf, sizeof buf, "unknown");
			p = ok ? verdict_pair(nd->j.verdict) : P_DIM;
			break;
		case COL_ADVICE:
			if (ok)
				snprintf(buf, sizeof buf, "%s", classify_advice(nd->j));
			else
				snprintf(buf, sizeof buf, "%s", nd->why);
			break;
		default:
			if (!ok)
				break;
			switch (c) {
			case COL_USR: snprintf(buf, sizeof buf, "%.0f", r->cpu.user); break;
			case COL_SYS: snprintf(buf, sizeof buf, "%.0f", r->cpu.system); break;
			case COL_IOW: snprintf(buf, sizeof buf, "%.0f", r->cpu.iowait); break;
			case COL_STL: snprintf(buf, sizeof buf, "%.0f", r->cpu.steal); break;
			case COL_LOAD: snprintf(buf, sizeof buf, "%.2f", r->load1); break;
			case COL_FORK: fmt_count(buf, sizeof buf, r->forks_per_s); break;
			case COL_CTXT: fmt_count(buf, sizeof buf, r->ctxt_per_s); break;
			case COL_DR: fmt_bytes(buf, sizeof buf, r->disk_read_Bps); break;
			case COL_DW: fmt_bytes(buf, sizeof buf, r->disk_write_Bps); break;
			case COL_UTIL: snprintf(buf, sizeof buf, "%.0f", r->disk_util); break;
			case COL_RX: fmt_bytes(buf, sizeof buf, r->net_rx_Bps); break;
			case COL_TX: fmt_bytes(buf, sizeof buf, r->net_tx_Bps); break;
			case COL_PSI:
				if (r->have & RP_PSI)
					snprintf(buf, sizeof buf, "%.0f", r->psi_io_some);
				break;
			}
		}
		if (p && !sel)
			attron(attr(t, p));
		if (right)
			mvprintw(y, x, "%*.*s", w, w, buf);
		else
			mvprintw(y, x, "%-*.*s", w, w, buf);
		if (p && !sel)
			attroff(attr(t, p));
		x += w + 1;
	}
	if (sel)
		attroff(A_REVERSE);
}

/* Bottom line: the selected node's verdict and advice in full, or what
 * is wrong with it. */
static void draw_footer(struct tui *t, const struct node *nd)
{
	char name[64], line[512];
	model_sanitize(name, sizeof name, nd->spec->name);
	if (nd->have_rates && nd->state == CS_UP)
		snprintf(line, sizeof line, "%s: %s%s%s — %s", name, verdict_name(nd->j.verdict),
		         nd->j.cause ? "/" : "", nd->j.cause ? cause_name(nd->j.cause) : "",
		         classify_advice(nd->j));
	else
		snprintf(line, sizeof line, "%s: %s%s%s", name, conn_state_name(nd->state),
		         nd->why[0] ? " — " : "", nd->why);
	attron(attr(t, P_TITLE));
	mvaddnstr(LINES - 1, 0, line, COLS);
	attroff(attr(t, P_TITLE));
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"doptop — keys",
		"",
		"  Up/Down j/k  move      PgUp/PgDn Home/End  scroll",
		"  space        freeze the screen (data keeps coming)",
		"  h ? F1       this help  (any key closes it)",
		"  q F10        quit",
		"",
		"Verdicts: cpu-bound (green), syscall-heavy (red),",
		"io-starved (yellow), underused (cyan), idle.",
		"CPU bar: user green, system red, iowait blue, steal cyan;",
		"without colour: | user  # system  . iowait  ~ steal",
	};
	int n = (int)(sizeof lines / sizeof lines[0]);
	for (int i = 0; i < n && i < LINES; i++) {
		move(i, 0);
		clrtoeol();
		mvaddnstr(i, 0, lines[i], COLS);
	}
}

void tui_draw(struct tui *t, const struct model *m, const struct tui_info *in)
{
	if (t->frozen) {
		mvaddnstr(0, COLS > 10 ? COLS - 10 : 0, "[FROZEN]", COLS);
		refresh();
		return;
	}
	erase();
	if (t->help) {
		draw_help();
		refresh();
		return;
	}
	int y = draw_header(t, m, in);
	bool show[NCOLS];
	layout(COLS, show);
	if (y < LINES) {
		attron(attr(t, P_HEADER) | (t->color ? 0 : A_REVERSE));
		mvhline(y, 0, ' ', COLS);
		int x = 0;
		for (int c = 0; c < NCOLS && x < COLS; c++) {
			if (!show[c])
				continue;
			int w = c == COL_ADVICE ? COLS - x : cols[c].width;
			bool right = c >= COL_USR && c <= COL_PSI;
			if (w > 0)
				mvprintw(y, x, right ? "%*.*s" : "%-*.*s", w, w, cols[c].title);
			x += w + 1;
		}
		attroff(attr(t, P_HEADER) | A_REVERSE);
		y++;
	}
	int avail = LINES - y - (LINES - y >= 3 ? 1 : 0);
	if (t->sel >= (int)m->n)
		t->sel = m->n ? (int)m->n - 1 : 0;
	if (t->sel < t->top)
		t->top = t->sel;
	if (avail > 0 && t->sel >= t->top + avail)
		t->top = t->sel - avail + 1;
	bool footer = LINES - y >= 3 && m->n > 0;
	int last = footer ? LINES - 1 : LINES;
	for (int i = t->top; i < (int)m->n && y < last; i++, y++)
		draw_row(t, y, &m->nodes[i], i == t->sel, show, in->now);
	if (footer)
		draw_footer(t, &m->nodes[t->sel]);
	refresh();
}
