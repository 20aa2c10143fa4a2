/* tui_draw.c — drawing helpers every view uses (see tui_view.h): theme
 * attributes, clipped text, the CPU bar, state and verdict colours.  They
 * call nothing else in the screen, so the views never call back into the
 * screen core (tui.c). */
#include <stdlib.h>
#include <string.h>
#include "tui_view.h"

attr_t tui_attr(const struct tui *t, enum theme_elem e)
{
	const struct theme_style *s = &t->th.s[e];
	attr_t a = t->color ? COLOR_PAIR(e + 1) : A_NORMAL;
	if (s->attrs & THEME_BOLD)
		a |= A_BOLD;
	if (s->attrs & THEME_DIM)
		a |= A_DIM;
	if (s->attrs & THEME_REVERSE)
		a |= A_REVERSE;
	if (s->attrs & THEME_UNDERLINE)
		a |= A_UNDERLINE;
	/* Without colour, headers and the selection still need to stand out. */
	if (!t->color && (e == TE_HEADER || e == TE_SELECTION))
		a |= A_REVERSE;
	return a;
}

int tui_put(int y, int x, int w, attr_t a, const char *s, bool pad)
{
	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	int n = (int)strnlen(s, (size_t)w);
	attron(a);
	mvaddnstr(y, x, s, n);
	if (pad && n < w)
		mvhline(y, x + n, ' ', w - n);
	attroff(a);
	return pad ? w : n;
}

void tui_cpu_bar(const struct tui *t, int y, int x, int w, const struct cpu_split *c)
{
	static const char mono_ch[4] = { '|', '#', '.', '~' };
	static const enum theme_elem el[4] = { TE_CPU_USER, TE_CPU_SYSTEM, TE_CPU_IOWAIT,
	                                       TE_CPU_STEAL };
	const double v[4] = { c->user, c->system, c->iowait, c->steal };
	if (w < 3 || y < 0 || y >= LINES || x + w > COLS)
		return;
	mvaddch(y, x, '[');
	int inner = w - 2, pos = 0;
	double acc = 0;
	for (int k = 0; k < 4; k++) {
		acc += v[k] > 0 ? v[k] : 0;
		int end = (int)(acc * inner / 100.0 + 0.5);
		if (end > inner)
			end = inner;
		attr_t a = tui_attr(t, el[k]);
		attron(a);
		for (; pos < end; pos++)
			mvaddch(y, x + 1 + pos, (chtype)(t->color ? '|' : mono_ch[k]));
		attroff(a);
	}
	for (; pos < inner; pos++)
		mvaddch(y, x + 1 + pos, ' ');
	mvaddch(y, x + w - 1, ']');
}

enum theme_elem tui_verdict_elem(enum verdict v)
{
	switch (v) {
	case V_CPU_BOUND:     return TE_VERDICT_CPU_BOUND;
	case V_SYSCALL_HEAVY: return TE_VERDICT_SYSCALL_HEAVY;
	case V_IO_STARVED:    return TE_VERDICT_IO_STARVED;
	case V_UNDERUSED:     return TE_VERDICT_UNDERUSED;
	case V_IDLE:          return TE_VERDICT_IDLE;
	default:              return TE_VERDICT_UNKNOWN;
	}
}

enum theme_elem tui_state_elem(enum conn_state s)
{
	switch (s) {
	case CS_UP:         return TE_STATE_UP;
	case CS_CONNECTING: return TE_STATE_CONNECTING;
	case CS_STALE:      return TE_STATE_STALE;
	default:            return TE_STATE_DOWN;
	}
}

bool tui_node_ok(const struct node *nd)
{
	return nd->have_rates && nd->state == CS_UP;
}

