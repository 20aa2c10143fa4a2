/* tui_replay.c — a replay's keys: pause, step, speed, go to (see
 * tui_view.h); the requests wait in t->ctl for tui_take_control(). */
#include <stdio.h>
#include <string.h>
#include "replay_nav.h"
#include "tui_view.h"

/* Queue a request for the loop (the oldest is kept when full). */
static void ask(struct tui *t, enum source_ctl c, double arg)
{
	if (t->nctl < (int)(sizeof t->ctl / sizeof t->ctl[0])) {
		t->ctl[t->nctl].c = c;
		t->ctl[t->nctl].arg = arg;
		t->nctl++;
	}
}

int tui_take_control(struct tui *t, enum source_ctl *c, double *arg)
{
	if (t->nctl == 0)
		return 0;
	*c = t->ctl[0].c;
	*arg = t->ctl[0].arg;
	memmove(t->ctl, t->ctl + 1, (size_t)(t->nctl - 1) * sizeof t->ctl[0]);
	t->nctl--;
	return 1;
}

/* The speed after the requests queued so far. */
static double speed_now(const struct tui *t)
{
	double sp = t->rpos.speed;
	for (int i = 0; i < t->nctl; i++)
		if (t->ctl[i].c == SOURCE_SPEED)
			sp = t->ctl[i].arg;
	return sp;
}

bool tui_replay_key(struct tui *t, int ch)
{
	char note[64];
	if (!t->replay)
		return false;
	switch (ch) {
	case ' ': case 'p':
		t->rpos.paused = !t->rpos.paused;
		ask(t, t->rpos.paused ? SOURCE_PAUSE : SOURCE_RESUME, 0);
		return true;
	case '.': case '>':
		ask(t, SOURCE_STEP, 1);
		t->rpos.paused = true;
		return true;
	case ',': case '<':
		ask(t, SOURCE_STEP, -1);
		t->rpos.paused = true;
		return true;
	case KEY_RIGHT: case KEY_LEFT:
		if (t->scr != SCR_TABLE)
			return false;     /* Left leaves the detail view */
		ask(t, SOURCE_STEP, ch == KEY_RIGHT ? 1 : -1);
		t->rpos.paused = true;
		return true;
	case '+': case '=': case '-': {
		double sp = replay_nav_speed(speed_now(t), ch == '-' ? -1 : 1);
		ask(t, SOURCE_SPEED, sp);
		if (sp > 0)
			snprintf(note, sizeof note, "speed x%g", sp);
		else
			snprintf(note, sizeof note, "speed: as fast as possible");
		snprintf(t->warn, sizeof t->warn, "%s", note);
		return true;
	}
	case ':':
		if (t->scr != SCR_TABLE)
			return false;
		t->going = true;
		t->goto_text[0] = 0;
		return true;
	default:
		if (ch >= '0' && ch <= '9' && t->scr == SCR_TABLE) {
			t->going = true;
			t->goto_text[0] = (char)ch;
			t->goto_text[1] = 0;
			return true;
		}
		return false;
	}
}

void tui_replay_prompt_key(struct tui *t, int ch)
{
	size_t n = strlen(t->goto_text);
	double to;
	const char *why = NULL;
	if (ch == TK_ESC) {
		t->going = false;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		t->going = false;
		if (replay_nav_parse(t->goto_text, &t->rpos, &to, &why) < 0)
			snprintf(t->warn, sizeof t->warn, "%s", why);
		else
			ask(t, SOURCE_SEEK, to);
	} else if (ch == KEY_BACKSPACE || ch == TK_DEL || ch == TK_CTRL_H) {
		if (n)
			t->goto_text[n - 1] = 0;
	} else if (ch > 0x20 && ch < 0x7f && n + 1 < sizeof t->goto_text) {
		t->goto_text[n] = (char)ch;
		t->goto_text[n + 1] = 0;
	}
}

void tui_replay_prompt_draw(const struct tui *t, int y)
{
	char line[160];
	snprintf(line, sizeof line, "go to: %s_   (38%%, 12:30, 12:30:05, +5m, -30s, start, end; "
	         "Enter goes, Esc cancels)", t->goto_text);
	tui_put(y, 0, COLS, tui_attr(t, TE_LABEL) | A_BOLD, line, false);
}
