/*
 * tui_view.h — private to the screen files (tui.c, tui_table.c,
 * tui_detail.c, tui_help.c, tui_draw.c): the screen's state and shared
 * drawing helpers.  Nothing outside src/tui*.c includes this.
 */
#ifndef DOPTOP_TUI_VIEW_H
#define DOPTOP_TUI_VIEW_H

#include <curses.h>
#include <stdbool.h>
#include "columns.h"
#include "model.h"
#include "procs.h"
#include "text.h"
#include "theme.h"
#include "progress.h"
#include "tui.h"

#define SORT_ORDER NCOLS        /* the order nodes were given in */

enum tui_screen { SCR_TABLE, SCR_DETAIL, SCR_HELP, SCR_COLUMNS };

/* Keys curses returns as plain bytes (no KEY_* name of its own). */
enum tui_keycode {
	TK_CTRL_H = 8,              /* backspace on some terminals */
	TK_ESC    = 27,
	TK_DEL    = 127,            /* backspace on most terminals */
};

struct tui {
	bool  color;                /* colour pairs in use */
	bool  no_color;             /* NO_COLOR / --no-color: never colour */
	bool  utf8;                 /* locale can draw block characters */
	struct theme th;
	char  themes[THEME_MAX_THEMES][THEME_NAME_MAX];
	int   ntheme, ith;
	char  warn[TEXT_LINE_MAX];  /* one-line warning for the footer, "" = none */
	FILE *keys;                 /* /dev/tty when stdin is not a terminal */
	SCREEN *scrn;               /* ... and the screen reading it */

	enum tui_screen scr;
	enum tui_screen back;       /* where help returns to */
	/* the table: a view over node indices; entries < 0 are group headers
	 * for verdict (-entry - 1) */
	int   *rows;
	size_t nrows, caprows;
	int   sel, top;             /* index into rows */
	int   sel_node;             /* model index of the selection, -1 none */
	int   sort;                 /* enum col or SORT_ORDER */
	bool  reverse, group;
	char  filter[64];
	bool  editing;              /* typing a filter */
	/* freeze: a copy of the model and header taken when space was pressed */
	bool  frozen;
	struct node *snap;
	size_t nsnap, capsnap;
	struct model snapm;
	struct tui_info snapi;
	char  snap_progress[256];
	double snap_rates[PROGRESS_HIST];
	/* geometry of the last table draw, for the mouse */
	int   head_y, body_y, body_h;
	int   colx[NCOLS], colw[NCOLS];
	bool  hidden[NCOLS];        /* left out by the config's "columns" or c */
	int   ccur;                 /* the column chooser's cursor */
	int   hscroll;              /* help lines scrolled off the top */
	int   name_pfx;             /* bytes all node names share at the start */
	double interval;            /* the loop's, as last drawn */
	double want_interval;       /* asked for by + / -, 0 = nothing asked */
	int   want_retry;           /* node R asked to retry now, -1 = none */
	/* a replay: where it stands (as last drawn), the go-to prompt, the
	 * requests the keys made (tui_replay.c) */
	bool  replay;
	struct source_pos rpos;
	bool  going;                /* typing in the go-to prompt */
	char  goto_text[32];
	struct { enum source_ctl c; double arg; } ctl[8];
	int   nctl;
	/* detail view */
	int   detail;               /* model index, -1 none */
	int   dscroll;
	struct proc_row procs[PROCS_MAX];
	int   nprocs;
	int   procs_node;           /* node the rows belong to, -1 none */
};

/* tui_draw.c: drawing helpers for every view (they call nothing else of
 * the screen; the calls go one way: tui.c -> views -> tui_draw.c). */

/* The attributes (colour pair + bold etc.) for a theme element. */
attr_t tui_attr(const struct tui *t, enum theme_elem e);
/* Write s at (y, x) clipped to w cells and the screen, padding with
 * spaces to w when pad.  Returns the columns written. */
int tui_put(int y, int x, int w, attr_t a, const char *s, bool pad);
/* An htop-style CPU bar "[|||   ]" of width w. */
void tui_cpu_bar(const struct tui *t, int y, int x, int w, const struct cpu_split *c);
/* Theme element for a verdict / a connection state. */
enum theme_elem tui_verdict_elem(enum verdict v);
enum theme_elem tui_state_elem(enum conn_state s);
/* True when the node has a fresh interval to show. */
bool tui_node_ok(const struct node *nd);

/* tui_table.c: the main view; the view order; a mouse click at (y, x). */
void tui_table_draw(struct tui *t, const struct model *m, const struct tui_info *in);
void tui_table_view(struct tui *t, const struct model *m);
const char *tui_sort_name(int sort);
void tui_table_click(struct tui *t, int y, int x);
/* tui_detail.c: the node detail view. */
void tui_detail_draw(struct tui *t, const struct model *m, const struct tui_info *in);
/* tui_replay.c: a replay's keys (true when ch was one), the go-to
 * prompt's keys, and its footer line. */
bool tui_replay_key(struct tui *t, int ch);
void tui_replay_prompt_key(struct tui *t, int ch);
void tui_replay_prompt_draw(const struct tui *t, int y);
/* tui_help.c: the help screen; the column chooser (c). */
void tui_help_draw(const struct tui *t);
void tui_columns_draw(const struct tui *t);

#endif
