/*
 * theme.h — screen colours per element, from plain text theme files.
 *
 * A theme file has one `element = fg [bg] [attr...]` line per element and
 * `#` comments.  Colours are names (black red green yellow blue magenta
 * cyan white, bright-NAME, default) or numbers 0-255; attrs are bold, dim,
 * reverse, underline.  `colors = none` makes a theme without colour (mono).
 * Elements a file does not name keep the built-in default.  Files are
 * found in $XDG_CONFIG_HOME/doptop/themes (or ~/.config/doptop/themes),
 * then ./themes, then DOPTOP_DATADIR/themes; "default" and "mono" are
 * built in so doptop works without any file.
 * Pure: no curses (the screen maps styles to colour pairs itself).
 */
#ifndef DOPTOP_THEME_H
#define DOPTOP_THEME_H

#include <stdbool.h>
#include <stddef.h>

enum theme_elem {
	TE_NORMAL = 0, TE_CPU_USER, TE_CPU_SYSTEM, TE_CPU_IOWAIT, TE_CPU_STEAL,
	TE_HEADER, TE_TITLE, TE_LABEL, TE_DIM, TE_SELECTION, TE_FOOTER,
	TE_VERDICT_CPU_BOUND, TE_VERDICT_SYSCALL_HEAVY, TE_VERDICT_IO_STARVED,
	TE_VERDICT_UNDERUSED, TE_VERDICT_IDLE, TE_VERDICT_UNKNOWN,
	TE_STATE_UP, TE_STATE_CONNECTING, TE_STATE_DOWN, TE_STATE_STALE,
	TE_STALLED, TE_PROGRESS, TE_GROUP, TE_DSTATE, TE_GRAPH_A, TE_GRAPH_B,
	TE_COUNT
};

/* Attribute bits of a style. */
enum { THEME_BOLD = 1u << 0, THEME_DIM = 1u << 1, THEME_REVERSE = 1u << 2,
       THEME_UNDERLINE = 1u << 3 };

#define THEME_NAME_MAX 32
#define THEME_MAX_THEMES 32
#define THEME_FILE_MAX (64 * 1024)

struct theme_style {
	short    fg, bg;        /* -1 = terminal default, else 0..255 */
	unsigned attrs;         /* THEME_* bits */
};

struct theme {
	char name[THEME_NAME_MAX];
	bool mono;              /* no colour at all: attributes only */
	struct theme_style s[TE_COUNT];
};

/* The element's name in theme files ("cpu_user"), or NULL when out of range. */
const char *theme_elem_name(enum theme_elem e);
/* Fill t with the built-in theme "default" or "mono"; -1 for other names. */
int theme_builtin(struct theme *t, const char *name);
/* Parse theme text over the built-in default (or mono, when the text says
 * `colors = none`).  0, or -1 with the first bad line number in *bad_line
 * and a static reason in *why; t is then the untouched default. */
int theme_parse(struct theme *t, const char *name, const char *text, size_t len,
                int *bad_line, const char **why);
/* A colour word ("red", "bright-blue", "default", "208") to -1..255.
 * 0, or -1 when not a colour. */
int theme_color(const char *word, short *out);
/* The nearest of the 8 basic colours for a 256-colour index (-1 stays). */
short theme_map8(short c);
/* Load theme `name` from the search path (or the built-ins).  0; or -1
 * with a one-line warning in why (at most cap bytes), and t set to the
 * built-in default. */
int theme_load(struct theme *t, const char *name, char *why, size_t cap);
/* Names of every theme found (built-ins included), sorted, no duplicates.
 * Returns how many were written (at most max). */
int theme_list(char names[][THEME_NAME_MAX], int max);

#endif
