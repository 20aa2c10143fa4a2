/*
 * tui.c — the curses screen's core: start/stop, themes, keys and mouse,
 * freeze, and which view draws.  The views live in tui_table.c,
 * tui_detail.c and tui_help.c.  Reads the model, never changes it.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "tui_view.h"

/* Map a theme colour to what the terminal has (-1 stays default). */
static short term_color(short c)
{
	if (c < 0)
		return -1;
	if (COLORS >= 256)
		return c;
	c = theme_map8(c);
	return c < COLORS ? c : -1;
}

/* Make the theme's colour pairs current (or none, for mono). */
static void apply_theme(struct tui *t)
{
	t->color = !t->no_color && !t->th.mono && has_colors();
	if (!t->color)
		return;
	for (int e = 0; e < TE_COUNT; e++)
		init_pair((short)(e + 1), term_color(t->th.s[e].fg), term_color(t->th.s[e].bg));
}

/* Load theme name (warning into t->warn on failure) and apply it. */
static void set_theme(struct tui *t, const char *name)
{
	if (theme_load(&t->th, name, t->warn, sizeof t->warn) < 0 && !t->warn[0])
		snprintf(t->warn, sizeof t->warn, "theme problem; using default");
	t->ith = 0;
	for (int i = 0; i < t->ntheme; i++)
		if (strcmp(t->themes[i], t->th.name) == 0)
			t->ith = i;
	apply_theme(t);
}

struct tui *tui_new(const char *theme, bool no_color, const char **why)
{
	struct tui *t = calloc(1, sizeof *t);
	if (!t) {
		*why = "out of memory";
		return NULL;
	}
	const char *nc = getenv("NO_COLOR");
	t->no_color = no_color || (nc && nc[0]);
	t->sel_node = t->detail = t->procs_node = -1;
	t->want_retry = -1;
	t->sort = SORT_ORDER;
	/* Block characters need a UTF-8 locale (LC_CTYPE only: numbers
	 * elsewhere keep the C format). */
	setlocale(LC_CTYPE, "");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* Keys come from the terminal even when stdin is not one (`zcat
	 * x.rec.gz | doptop --replay -`, `doptop </dev/null`): as less does,
	 * read them from /dev/tty; without one there are no keys. */
	if (!isatty(STDIN_FILENO) && (t->keys = fopen("/dev/tty", "r"))) {
		const char *term = getenv("TERM");
		if (!(t->scrn = newterm(term && term[0] ? term : NULL, stdout, t->keys))) {
			fclose(t->keys);
			t->keys = NULL;
		} else {
			set_term(t->scrn);
		}
	}
	if (!t->scrn && !initscr()) {
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
	set_escdelay(25);
	mouseinterval(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	if (!t->no_color && has_colors()) {
		start_color();
		use_default_colors();
	}
	t->ntheme = theme_list(t->themes, THEME_MAX_THEMES);
	set_theme(t, t->no_color ? "mono" : theme);
	return t;
}

/* The next interval up or down a 1-2-5 ladder within the allowed range. */
static double next_interval(double cur, int dir)
{
	static const double ladder[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600,
	                                 1800, 3600 };
	int n = (int)(sizeof ladder / sizeof ladder[0]);
	if (dir > 0) {
		for (int i = 0; i < n; i++)
			if (ladder[i] > cur + 1e-9 && ladder[i] <= INTERVAL_MAX_S)
				return ladder[i];
		return cur;
	}
	for (int i = n - 1; i >= 0; i--)
		if (ladder[i] < cur - 1e-9 && ladder[i] >= INTERVAL_MIN_S)
			return ladder[i];
	return cur;
}

int tui_take_retry(struct tui *t)
{
	int i = t->want_retry;
	t->want_retry = -1;
	return i;
}

void tui_note(struct tui *t, const char *msg)
{
	snprintf(t->warn, sizeof t->warn, "%s", msg);
}

double tui_take_interval(struct tui *t)
{
	double iv = t->want_interval;
	t->want_interval = 0;
	return iv;
}

void tui_note_interval(struct tui *t, double iv, const char *kept)
{
	t->interval = iv;
	snprintf(t->warn, sizeof t->warn, kept && kept[0] ? "interval %gs (%s)" : "interval %gs%s",
	         iv, kept ? kept : "");
}

void tui_set_view(struct tui *t, const char *sort, bool reverse, bool group, const char *filter)
{
	int c = sort && sort[0] && strcmp(sort, "order") ? columns_find(sort) : -1;
	if (c >= 0 && c != COL_ADVICE)
		t->sort = c;
	t->reverse = reverse;
	t->group = group;
	snprintf(t->filter, sizeof t->filter, "%s", filter ? filter : "");
}

void tui_free(struct tui *t)
{
	if (!t)
		return;
	endwin();
	if (t->scrn)
		delscreen(t->scrn);
	if (t->keys)
		fclose(t->keys);
	free(t->rows);
	free(t->snap);
	free(t);
}

int tui_input_fd(const struct tui *t)
{
	return t->keys ? fileno(t->keys) : STDIN_FILENO;
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

int tui_detail_node(const struct tui *t)
{
	return t->scr == SCR_DETAIL || (t->scr == SCR_HELP && t->back == SCR_DETAIL) ?
	       t->detail : -1;
}

void tui_set_procs(struct tui *t, size_t node, const struct proc_row *rows, int n)
{
	if (n > PROCS_MAX)
		n = PROCS_MAX;
	if (n > 0)
		memcpy(t->procs, rows, (size_t)n * sizeof *rows);
	t->nprocs = n < 0 ? -1 : n;
	t->procs_node = (int)node;
}

/* Copy the model (and header info) so a frozen screen holds still. */
static int take_snapshot(struct tui *t, const struct model *m)
{
	if (m->n > t->capsnap) {
		struct node *s = realloc(t->snap, m->n * sizeof *s);
		if (!s)
			return -1;
		t->snap = s;
		t->capsnap = m->n;
	}
	if (m->n)
		memcpy(t->snap, m->nodes, m->n * sizeof *t->snap);
	t->nsnap = m->n;
	t->snapm = (struct model){ .nodes = t->snap, .n = m->n };
	t->snapi.wall = 0;             /* filled by the next draw */
	return 0;
}

/* The model the screen shows: the live one, or the frozen copy. */
static const struct model *shown(const struct tui *t, const struct model *m)
{
	return t->frozen ? &t->snapm : m;
}

/* Move the selection by d rows, skipping group headers. */
static void move_sel(struct tui *t, int d)
{
	int n = (int)t->nrows, s = t->sel + d;
	if (n == 0)
		return;
	s = s < 0 ? 0 : s >= n ? n - 1 : s;
	int step = d < 0 ? -1 : 1;
	while (s >= 0 && s < n && t->rows[s] < 0)
		s += step;
	if (s < 0 || s >= n)     /* ran off the end: go back the other way */
		for (s = s < 0 ? 0 : n - 1; s >= 0 && s < n && t->rows[s] < 0; s -= step)
			;
	if (s >= 0 && s < n) {
		t->sel = s;
		t->sel_node = t->rows[s];
	}
}

/* A key while typing a filter. */
static void filter_key(struct tui *t, int ch)
{
	size_t n = strlen(t->filter);
	if (ch == TK_ESC) {
		t->filter[0] = 0;
		t->editing = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == TK_DEL || ch == TK_CTRL_H) {
		if (n)
			t->filter[n - 1] = 0;
	} else if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof t->filter) {
		t->filter[n] = (char)ch;
		t->filter[n + 1] = 0;
	}
	t->sel = 0;
	t->sel_node = -1;
}

static void save_view(struct tui *t);

/* Keys of the column chooser: move, space toggles, Esc/Enter/c closes. */
static void columns_key(struct tui *t, int ch)
{
	switch (ch) {
	case KEY_UP: case 'k': if (t->ccur > 0) t->ccur--; break;
	case KEY_DOWN: case 'j': if (t->ccur + 1 < NCOLS) t->ccur++; break;
	case ' ': case 'x':
		if (!columns[t->ccur].fixed)
			t->hidden[t->ccur] = !t->hidden[t->ccur];
		break;
	case TK_ESC: case '\n': case '\r': case KEY_ENTER: case 'c': case 'q':
		t->scr = SCR_TABLE;
		break;
	case 'W':
		save_view(t);
		t->scr = SCR_TABLE;
		break;
	default:
		break;
	}
}

/* A key with no meaning here: say so briefly rather than ignore it. */
static void unknown_key(struct tui *t, int ch)
{
	const char *k = keyname(ch);
	snprintf(t->warn, sizeof t->warn, "unknown key %s - h for help", k ? k : "?");
}

/* W: the view (sort, reverse, group, filter, columns, theme) into the
 * config file, so the next start looks the same. */
static void save_view(struct tui *t)
{
	char cols[256], path[1024];
	bool shown[NCOLS];
	const char *why = NULL;
	for (int c = 0; c < NCOLS; c++)
		shown[c] = !t->hidden[c];
	struct config_view v = {
		.sort = tui_sort_name(t->sort), .reverse = t->reverse, .group = t->group,
		.filter = t->filter, .columns = columns_format(shown, cols, sizeof cols),
		.theme = t->no_color ? NULL : t->th.name,
	};
	if (config_path(path, sizeof path) < 0 || config_save_view(path, &v, &why) < 0)
		snprintf(t->warn, sizeof t->warn, "cannot save the view: %s", why ? why : "no HOME");
	else
		snprintf(t->warn, sizeof t->warn, "view saved to %.150s", path);
}

/* Keys of the table view.  Returns 1 to quit. */
static int table_key(struct tui *t, const struct model *m, int ch)
{
	int page = t->body_h > 1 ? t->body_h - 1 : 10;
	switch (ch) {
	case 'q': case 'Q':
		return 1;
	case KEY_UP: case 'k': move_sel(t, -1); break;
	case KEY_DOWN: case 'j': move_sel(t, 1); break;
	case KEY_PPAGE: move_sel(t, -page); break;
	case KEY_NPAGE: move_sel(t, page); break;
	case KEY_HOME: move_sel(t, -(int)t->nrows); break;
	case KEY_END: move_sel(t, (int)t->nrows); break;
	case '\n': case '\r': case KEY_ENTER:
		if (t->sel_node >= 0 && (size_t)t->sel_node < m->n) {
			t->detail = t->sel_node;
			t->dscroll = 0;
			t->scr = SCR_DETAIL;
		}
		break;
	case '/':
		t->editing = true;
		break;
	case TK_ESC:
		t->filter[0] = 0;
		break;
	case 's': case KEY_F(6):
		t->sort = t->sort == SORT_ORDER ? COL_NAME :
		          t->sort == COL_VERDICT ? SORT_ORDER : t->sort + 1;
		t->reverse = false;
		break;
	case 'S':
		/* back one: eighteen sort keys are a long way round */
		t->sort = t->sort == SORT_ORDER ? COL_VERDICT :
		          t->sort == COL_NAME ? SORT_ORDER : t->sort - 1;
		t->reverse = false;
		break;
	case 'r':
		t->reverse = !t->reverse;
		break;
	case 'g':
		t->group = !t->group;
		break;
	case 'c':
		t->back = t->scr;
		t->scr = SCR_COLUMNS;
		break;
	case 'W':
		save_view(t);
		break;
	case 'R':
		t->want_retry = t->sel_node;
		break;
	case '+': case '=': case '-':
		/* two presses before the next draw step twice */
		t->want_interval = next_interval(t->want_interval > 0 ? t->want_interval : t->interval,
		                                 ch == '-' ? -1 : 1);
		break;
	default:
		unknown_key(t, ch);
		break;
	}
	return 0;
}

/* Keys of the detail view.  Returns 1 to quit. */
static int detail_key(struct tui *t, int ch)
{
	switch (ch) {
	case TK_ESC: case 'q': case 'Q': case '\n': case '\r': case KEY_ENTER: case KEY_LEFT:
		t->scr = SCR_TABLE;
		break;
	case KEY_UP: case 'k': if (t->dscroll > 0) t->dscroll--; break;
	case KEY_DOWN: case 'j': t->dscroll++; break;
	case KEY_PPAGE: t->dscroll = t->dscroll > 10 ? t->dscroll - 10 : 0; break;
	case KEY_NPAGE: t->dscroll += 10; break;
	case KEY_HOME: t->dscroll = 0; break;
	default: unknown_key(t, ch); break;
	}
	return 0;
}

/* A mouse event: header click sorts, row click selects. */
static void mouse_event(struct tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || t->scr != SCR_TABLE)
		return;
	if (ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))
		tui_table_click(t, ev.y, ev.x);
}

int tui_input(struct tui *t, const struct model *m)
{
	int ch, keys = 0;
	const struct model *sm = shown(t, m);
	while ((ch = getch()) != ERR) {
		keys++;
		if (ch == KEY_RESIZE)
			continue;
		t->warn[0] = 0;
		if (ch == KEY_F(10))
			return 1;
		if (t->scr == SCR_HELP) {
			if (ch == KEY_DOWN || ch == 'j' || ch == KEY_NPAGE)
				t->hscroll += ch == KEY_NPAGE ? 10 : 1;
			else if (ch == KEY_UP || ch == 'k' || ch == KEY_PPAGE)
				t->hscroll = t->hscroll > (ch == KEY_PPAGE ? 10 : 1) ?
				             t->hscroll - (ch == KEY_PPAGE ? 10 : 1) : 0;
			else
				t->scr = t->back;
			continue;
		}
		if (t->scr == SCR_COLUMNS) {
			columns_key(t, ch);
			continue;
		}
		if (t->editing) {
			filter_key(t, ch);
			continue;
		}
		if (t->going) {
			tui_replay_prompt_key(t, ch);
			continue;
		}
		if (ch == KEY_MOUSE) {
			mouse_event(t);
			continue;
		}
		if (ch == 'h' || ch == '?' || ch == KEY_F(1)) {
			t->hscroll = 0;
			t->back = t->scr;
			t->scr = SCR_HELP;
		} else if (tui_replay_key(t, ch)) {
			/* pause, step, speed, go to: taken by tui_take_control() */
		} else if (ch == ' ') {
			t->frozen = !t->frozen && take_snapshot(t, m) == 0;
			sm = shown(t, m);
		} else if (ch == 't') {
			if (t->no_color)
				snprintf(t->warn, sizeof t->warn, "colours are off (NO_COLOR / --no-color)");
			else if (t->ntheme > 0) {
				set_theme(t, t->themes[(t->ith + 1) % t->ntheme]);
				if (!t->warn[0])
					snprintf(t->warn, sizeof t->warn, "theme %s (%d of %d; t for the next)",
					         t->th.name, t->ith + 1, t->ntheme);
			}
		} else if (t->scr == SCR_DETAIL) {
			detail_key(t, ch);
		} else if (table_key(t, sm, ch)) {
			return 1;
		}
		tui_table_view(t, sm);
	}
	return keys ? 0 : -1;
}

void tui_draw(struct tui *t, const struct model *m, const struct tui_info *in)
{
	t->interval = in->interval;
	t->replay = in->replay != NULL;
	if (in->replay)
		t->rpos = *in->replay;
	if (t->frozen) {
		if (t->snapi.wall == 0) {
			t->snapi = *in;
			if (in->progress) {
				snprintf(t->snap_progress, sizeof t->snap_progress, "%s", in->progress);
				t->snapi.progress = t->snap_progress;
			}
			t->snapi.events = NULL;   /* not kept while frozen */
			/* the caller's history buffer does not outlive this call */
			size_t n = in->nrate_hist < PROGRESS_HIST ? in->nrate_hist : PROGRESS_HIST;
			if (in->rate_hist)
				memcpy(t->snap_rates, in->rate_hist, n * sizeof *in->rate_hist);
			t->snapi.rate_hist = in->rate_hist ? t->snap_rates : NULL;
			t->snapi.nrate_hist = in->rate_hist ? n : 0;
		}
		m = &t->snapm;
		in = &t->snapi;
	}
	erase();
	tui_table_view(t, m);
	if (t->scr == SCR_HELP)
		tui_help_draw(t);
	else if (t->scr == SCR_COLUMNS)
		tui_columns_draw(t);
	else if (t->scr == SCR_DETAIL && t->detail >= 0 && (size_t)t->detail < m->n)
		tui_detail_draw(t, m, in);
	else
		tui_table_draw(t, m, in);
	refresh();
}
