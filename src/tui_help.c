/* tui_help.c — the help screen: keys, a legend for every column (from the
 * column table), and the colours with a swatch each, in the active theme. */
#include <stdio.h>
#include <string.h>
#include "tui_view.h"

static const char *const help_keys[] = {
	"doptop - keys",
	"  Up/Down j/k      move the selection     PgUp/PgDn Home/End  scroll",
	"  Enter            node details (Esc, Enter or q goes back)",
	"  /                filter by name, state or verdict (Enter keeps, Esc clears)",
	"  s F6 / S         next / previous sort column   r  reverse the sort",
	"  g                group rows by verdict",
	"  c                choose the columns     W  save sort, filter, group,",
	"                                             columns and theme to the config",
	"  R                retry the selected node's connection now",
	"  + -              longer / shorter interval, at once on every node (not",
	"                   on the sh probe until it reconnects, nor scraped ones)",
	"  space            freeze the screen (data keeps being collected)",
	"  replay: space p  pause   . , step   + - speed   : or 0-9 go to (38%, 12:30)",
	"  t                next colour theme (its name shows below)",
	"  h ? F1           this help (arrows scroll it, any other key closes it)",
	"  q F10            quit",
	"  mouse            click a column title to sort by it, a row to select it",
};

/* The screen row of help line y (the help scrolls with the arrows). */
static int row(const struct tui *t, int y)
{
	return y - t->hscroll;
}

/* A colour swatch and its name at (y, x); returns the width used. */
static int swatch(const struct tui *t, int y, int x, enum theme_elem e, const char *name,
                  const char *mono)
{
	char s[48];
	tui_put(row(t, y), x, 2, tui_attr(t, e) | (t->color ? A_REVERSE : 0), t->color ? "  " : mono,
	        false);
	snprintf(s, sizeof s, " %s  ", name);
	tui_put(row(t, y), x + 2, COLS - x - 2, A_NORMAL, s, false);
	return 2 + (int)strlen(s);
}

/* The colours: verdicts, states, CPU bar parts, job states. */
static int colours(const struct tui *t, int y)
{
	static const struct { enum theme_elem e; const char *name, *mono; } rows[][6] = {
		{ { TE_VERDICT_CPU_BOUND, "cpu-bound", "C " }, { TE_VERDICT_SYSCALL_HEAVY, "syscall-heavy", "S " },
		  { TE_VERDICT_IO_STARVED, "io-starved", "I " }, { TE_VERDICT_UNDERUSED, "underused", "U " },
		  { TE_VERDICT_IDLE, "idle", ". " }, { TE_VERDICT_UNKNOWN, "unknown", "? " } },
		{ { TE_STATE_UP, "up", "  " }, { TE_STATE_CONNECTING, "connecting", "  " },
		  { TE_STATE_STALE, "stale / job slowing, no new files", "  " },
		  { TE_STATE_DOWN, "down and every other failure", "  " },
		  { TE_STALLED, "job STALLED", "  " }, { TE_DSTATE, "D-state process", "  " } },
		{ { TE_CPU_USER, "CPU user", "| " }, { TE_CPU_SYSTEM, "system", "# " },
		  { TE_CPU_IOWAIT, "iowait", ". " }, { TE_CPU_STEAL, "steal", "~ " },
		  { TE_GRAPH_A, "graph", "  " }, { TE_PROGRESS, "job progress", "# " } },
	};
	tui_put(row(t, y++), 0, COLS, tui_attr(t, TE_TITLE), "Colours", false);
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++, y++) {
		int x = 2;
		for (int k = 0; k < 6 && x < COLS - 4; k++)
			x += swatch(t, y, x, rows[r][k].e, rows[r][k].name, rows[r][k].mono);
	}
	return y;
}

/* The columns, each with its unit and meaning (from columns.c). */
static void legend(const struct tui *t, int y, int x)
{
	char line[160];
	tui_put(row(t, y++), x, COLS - x, tui_attr(t, TE_TITLE), "Columns", false);
	for (int c = 0; c < NCOLS; c++, y++) {
		snprintf(line, sizeof line, "  %-8s %s%s", columns[c].title, columns[c].legend,
		         t->hidden[c] ? " (hidden)" : "");
		tui_put(row(t, y), x, COLS - x, A_NORMAL, line, false);
	}
}

void tui_help_draw(const struct tui *t)
{
	int n = (int)(sizeof help_keys / sizeof help_keys[0]), y = 0;
	char line[96];
	for (; y < n; y++)
		tui_put(row(t, y), 0, COLS, y == 0 ? tui_attr(t, TE_TITLE) : A_NORMAL, help_keys[y], false);
	snprintf(line, sizeof line, "theme: %s%s", t->th.name, t->color ? "" : " (no colour)");
	tui_put(row(t, y++), 0, COLS, tui_attr(t, TE_LABEL), line, false);
	y = colours(t, y + 1);
	/* The legend beside the keys on a wide screen, else below them. */
	if (COLS >= 150)
		legend(t, 0, 86);
	else
		legend(t, y + 1, 0);
}

void tui_columns_draw(const struct tui *t)
{
	char line[160];
	tui_put(0, 0, COLS, tui_attr(t, TE_TITLE),
	        "Columns - Up/Down move, space shows or hides, Enter/Esc/c done, W saves", false);
	for (int c = 0; c < NCOLS && c + 2 < LINES; c++) {
		snprintf(line, sizeof line, " [%c] %-8s %s%s", t->hidden[c] ? ' ' : 'x', columns[c].title,
		         columns[c].legend, columns[c].fixed ? " (always shown)" : "");
		tui_put(c + 2, 0, COLS, c == t->ccur ? tui_attr(t, TE_SELECTION) : A_NORMAL, line, true);
	}
}
