/* tui_help.c — the help screen: keys, colours, verdicts. */
#include <stdio.h>
#include "tui_view.h"

static const char *const help_lines[] = {
	"doptop - keys",
	"",
	"  Up/Down j/k      move the selection     PgUp/PgDn Home/End  scroll",
	"  Enter            node details (Esc, Enter or q goes back)",
	"  /                filter by name, state or verdict (Enter keeps, Esc clears)",
	"  s F6             next sort column       r  reverse the sort",
	"  g                group rows by verdict",
	"  space            freeze the screen (data keeps being collected)",
	"  t                next colour theme",
	"  h ? F1           this help (any key closes it)",
	"  q F10            quit",
	"  mouse            click a column title to sort by it, a row to select it",
	"",
	"Verdicts: cpu-bound, syscall-heavy, io-starved, underused, idle, unknown",
	"(colours from the theme; the footer shows the selected node's advice).",
	"CPU bar: user, system, iowait, steal; without colour:",
	"  | user   # system   . iowait   ~ steal",
};

void tui_help_draw(const struct tui *t)
{
	int n = (int)(sizeof help_lines / sizeof help_lines[0]);
	char line[96];
	for (int i = 0; i < n && i < LINES; i++)
		tui_put(i, 0, COLS, i == 0 ? tui_attr(t, TE_TITLE) : A_NORMAL, help_lines[i], false);
	if (n + 1 < LINES) {
		snprintf(line, sizeof line, "theme: %s%s", t->th.name, t->color ? "" : " (no colour)");
		tui_put(n + 1, 0, COLS, tui_attr(t, TE_LABEL), line, false);
	}
}
