/*
 * tui.h — the curses screen.  Reads the model, never changes it.  The
 * terminal is restored by tui_free() on every exit path (the caller makes
 * sure it runs on signals too).
 */
#ifndef DOPTOP_TUI_H
#define DOPTOP_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"
#include "procs.h"
#include "progress.h"
#include "source.h"

struct tui;

struct tui_info {                /* what the header shows besides the model */
	double interval;
	double wall;                 /* unix time to show */
	double now;                  /* monotonic, for "down 3m12s" */
	const char *progress;        /* one progress line, or NULL */
	enum progress_state pstate;  /* the job's state, for the line's colour */
	size_t pmark, pmark_len;     /* progress[pmark..+pmark_len): the state's words */
	double progress_frac;        /* 0..1, or < 0 when unknown */
	const char *source;          /* "live" or "replay FILE" */
	const double *rate_hist;     /* job's files/s history, oldest first, or NULL */
	size_t nrate_hist;
	const char *events;          /* the last events, newest first, or NULL */
	const struct source_pos *replay;   /* where a replay stands, or NULL (live) */
};

/* Start the screen on the terminal.  theme: a name or NULL; no_color also
 * when NO_COLOR is set.  NULL with a one-line reason in *why. */
struct tui *tui_new(const char *theme, bool no_color, const char **why);
/* Show only these columns (comma list of names: name, state, busy, user,
 * system, iowait, steal, load, forks, ctxt, disk-read, disk-write, util,
 * net-rx, net-tx, psi-io, verdict, advice); name and verdict always show.
 * 0, or -1 with a one-line reason in *why. */
int tui_set_columns(struct tui *t, const char *list, const char **why);
/* Start with this view (from the config file, saved by the W key): sort
 * is a column key or "order" ("" keeps the default), filter may be "". */
void tui_set_view(struct tui *t, const char *sort, bool reverse, bool group, const char *filter);
/* The descriptor keys come from: stdin, or /dev/tty when stdin is not a
 * terminal (a recording piped in). */
int tui_input_fd(const struct tui *t);
/* Restore the terminal and free. */
void tui_free(struct tui *t);
/* Read pending keys and mouse events.  Returns 1 when the user quits,
 * -1 when there was nothing to read (stdin at its end, when poll() said it
 * was readable), else 0. */
int tui_input(struct tui *t, const struct model *m);
/* Draw if anything changed (rate-limited by the caller). */
void tui_draw(struct tui *t, const struct model *m, const struct tui_info *info);
/* The interval the + / - keys asked for since the last call (0 = none). */
double tui_take_interval(struct tui *t);
/* Say the interval is now iv; kept: which nodes keep another one ("" =
 * every node follows). */
void tui_note_interval(struct tui *t, double iv, const char *kept);
/* The next replay request the keys made (pause, step, seek, speed), in
 * order: 1 with *c and *arg (source.h), 0 when there is none left. */
int tui_take_control(struct tui *t, enum source_ctl *c, double *arg);
/* The node the R key asked to retry now since the last call (-1 = none). */
int tui_take_retry(struct tui *t);
/* A one-line note for the footer (copied). */
void tui_note(struct tui *t, const char *msg);
/* The terminal was resized. */
void tui_resize(struct tui *t);
/* True while the screen is frozen (space): data keeps coming, view holds. */
bool tui_frozen(const struct tui *t);
/* The model index of the node shown in the detail view, or -1 when no
 * detail view is open (the loop fetches processes for it every ~2 s). */
int tui_detail_node(const struct tui *t);
/* Hand the screen a node's top processes (copied; at most PROCS_MAX kept;
 * n < 0: the list cannot be had, e.g. when replaying a recording).
 * Call tui_draw afterwards (mark the screen dirty). */
void tui_set_procs(struct tui *t, size_t node, const struct proc_row *rows, int n);

#endif
