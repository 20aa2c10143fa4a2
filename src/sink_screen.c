/* sink_screen.c — the curses screen as a sink (sink.h): marks itself dirty
 * on every hook and redraws from its step, at most every REDRAW_MIN_S. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "config.h"
#include "job.h"
#include "out_progress.h"
#include "progress.h"
#include "sink.h"
#include "sink_events.h"
#include "tui.h"

/* Minimum time between two redraws: the screen never repaints more than
 * ~10 times a second however fast data arrives. */
#define REDRAW_MIN_S 0.1

/* Readable-but-empty wake-ups of stdin in a row taken as its end: at end
 * of file or after a hangup poll() says "readable" for ever, and polling
 * it spun the loop at ~90% of a core. */
#define STDIN_EMPTY_MAX 3

struct sink_screen {
	struct sink base;
	struct tui *tui;
	bool   dirty;
	bool   stdin_open;
	int    empty;           /* STDIN_EMPTY_MAX countdown */
	double last_draw;       /* monotonic */
	double start_iv;        /* the interval scraped nodes keep */
	struct source_pos pos;  /* a replay's position as last drawn */
};

static void mark(struct sink_screen *s)
{
	s->dirty = true;
}

static int screen_begin(struct sink *k, const struct sink_view *v, const char **why)
{
	(void)why;
	((struct sink_screen *)k)->start_iv = v->interval;
	return 0;
}

/* The + / - keys asked for another interval: the loop, local nodes and
 * running bash probes take it at once; nodes on the sh probe keep theirs
 * until they reconnect, and scraped nodes (node_exporter, Prometheus)
 * keep theirs (the footer counts both).  v->interval becomes the new one: the
 * view was made before the change, and a redraw from it would set the
 * screen back to the old interval, so that a second key soon after
 * stepped from the old one again (two quick '-' stepped once). */
static void take_interval(struct sink_screen *s, struct sink_view *v)
{
	double iv = tui_take_interval(s->tui);
	if (iv <= 0 || iv == v->interval || !v->control ||
	    v->control(v->ctl_arg, SOURCE_INTERVAL, iv) < 0)
		return;
	v->interval = iv;
	size_t sh = 0, scraped = 0;
	for (size_t i = 0; i < v->m->n; i++) {
		const struct node *nd = &v->m->nodes[i];
		scraped += nd->spec->exporter || nd->spec->prom;
		sh += !nd->spec->local && !nd->spec->exporter && !nd->spec->prom && nd->fallback_sh;
	}
	char kept[160] = "";
	if (sh)
		snprintf(kept, sizeof kept, "%zu node%s on the sh probe keep%s theirs until they "
		         "reconnect", sh, sh == 1 ? "" : "s", sh == 1 ? "s" : "");
	if (scraped)
		snprintf(kept + strlen(kept), sizeof kept - strlen(kept), "%s%zu scraped node%s keep%s %gs",
		         sh ? "; " : "", scraped, scraped == 1 ? "" : "s", scraped == 1 ? "s" : "",
		         s->start_iv);
	tui_note_interval(s->tui, iv, kept);
}

/* The R key: retry the selected node's connection now. */
static void take_retry(struct sink_screen *s, const struct sink_view *v)
{
	int i = tui_take_retry(s->tui);
	if (i < 0 || (size_t)i >= v->m->n)
		return;
	if (!v->control || v->control(v->ctl_arg, SOURCE_RETRY, i) < 0)
		tui_note(s->tui, "R: this node is not waiting to retry");
	else
		tui_note(s->tui, "retrying now");
}

/* A replay's keys: pause, step, seek, speed go to the source; what it
 * cannot do is said in the footer. */
static bool take_controls(struct sink_screen *s, const struct sink_view *v)
{
	enum source_ctl c;
	double arg;
	bool any = false;
	while (tui_take_control(s->tui, &c, &arg)) {
		any = true;
		if (v->control && v->control(v->ctl_arg, c, arg) == 0)
			continue;
		bool back = v->pos && !v->pos->can_back;
		tui_note(s->tui, c == SOURCE_STEP && arg > 0 ? "at the end of the recording" :
		         back ? "standard input cannot go back" :
		         c == SOURCE_STEP ? "at the first interval" : "cannot go there");
	}
	return any;
}

static int screen_frame(struct sink *k, const struct sink_view *v, size_t node,
                        const char *raw, size_t rawlen, const char **why)
{
	(void)v, (void)node, (void)raw, (void)rawlen, (void)why;
	mark((struct sink_screen *)k);
	return 0;
}

static int screen_facts(struct sink *k, const struct sink_view *v, size_t node,
                        const char *text, size_t len, bool procs, bool disks, double t_read,
                        const char **why)
{
	(void)v, (void)node, (void)text, (void)len, (void)procs, (void)disks, (void)t_read;
	(void)why;
	mark((struct sink_screen *)k);
	return 0;
}

static int screen_job(struct sink *k, const struct sink_view *v, const char **why)
{
	(void)v, (void)why;
	mark((struct sink_screen *)k);
	return 0;
}

static int screen_tick(struct sink *k, const struct sink_view *v, const char **why)
{
	(void)v, (void)why;
	mark((struct sink_screen *)k);
	return 0;
}

/* Draw the model, the header (times, source) and the job's line. */
static void draw(struct sink_screen *s, const struct sink_view *v)
{
	struct tui_info info = {
		.interval = v->interval, .wall = v->wall, .now = v->now,
		.progress = NULL, .progress_frac = -1, .source = v->replay ? "replay" : "live",
		.replay = v->pos,
	};
	struct job_line line;
	char evline[512];
	double hist[PROGRESS_HIST];
	if (v->job) {
		out_progress_line(v->job, &line);
		info.progress = line.text;
		info.progress_frac = line.frac;
		info.pstate = line.state;
		info.pmark = line.mark;
		info.pmark_len = line.mark_len;
		info.nrate_hist = progress_history(job_progress(v->job), hist, PROGRESS_HIST);
		info.rate_hist = hist;
	}
	if (v->events) {
		sink_events_recent(v->events, evline, sizeof evline);
		info.events = evline[0] ? evline : NULL;
	}
	tui_draw(s->tui, v->m, &info);
	s->last_draw = clock_mono();
	s->dirty = false;
}

static size_t screen_fill(struct sink *k, struct pollfd *pf, size_t cap, double *deadline)
{
	struct sink_screen *s = (struct sink_screen *)k;
	if (s->dirty && s->last_draw + REDRAW_MIN_S < *deadline)
		*deadline = s->last_draw + REDRAW_MIN_S;
	if (!s->stdin_open || cap < 1)
		return 0;
	pf[0] = (struct pollfd){ .fd = tui_input_fd(s->tui), .events = POLLIN };
	return 1;
}

/* Keys, then a redraw when one is due. */
static int screen_step(struct sink *k, const struct sink_view *v, const struct pollfd *pf,
                       size_t n, double now, const char **why)
{
	struct sink_screen *s = (struct sink_screen *)k;
	struct sink_view cur = *v;
	bool asked = false;
	(void)why;
	if (n > 0 && pf[0].revents) {
		int rc = tui_input(s->tui, v->m);
		if (rc == 1)
			return SINK_QUIT;
		if (rc == 0) {
			s->empty = 0;
			take_interval(s, &cur);
			take_retry(s, &cur);
			asked = take_controls(s, &cur);
			mark(s);
		} else if ((pf[0].revents & (POLLHUP | POLLERR | POLLNVAL)) ||
		           ++s->empty >= STDIN_EMPTY_MAX) {
			s->stdin_open = false;   /* at its end: keys can never come */
		}
	}
	if (v->pos && memcmp(v->pos, &s->pos, sizeof s->pos) != 0) {
		s->pos = *v->pos;   /* paused, stepped, at the end: show it */
		mark(s);
	}
	/* v was made before the replay took the keys: draw on the next pass */
	if (s->dirty && !asked && now - s->last_draw >= REDRAW_MIN_S)
		draw(s, &cur);
	return 0;
}

static void screen_resize(struct sink *k)
{
	struct sink_screen *s = (struct sink_screen *)k;
	tui_resize(s->tui);
	mark(s);
}

static int screen_wants_procs(const struct sink *k)
{
	const struct sink_screen *s = (const struct sink_screen *)k;
	return tui_detail_node(s->tui);
}

static void screen_procs(struct sink *k, size_t node, const struct proc_row *rows, int n)
{
	struct sink_screen *s = (struct sink_screen *)k;
	tui_set_procs(s->tui, node, rows, n);
	mark(s);
}

static void screen_free(struct sink *k)
{
	struct sink_screen *s = (struct sink_screen *)k;
	tui_free(s->tui);
	free(s);
}

static const struct sink_ops screen_ops = {
	.name = "screen", .begin = screen_begin, .frame = screen_frame, .facts = screen_facts,
	.job = screen_job, .tick = screen_tick,
	.fill_pollfds = screen_fill, .step = screen_step, .resize = screen_resize,
	.wants_procs = screen_wants_procs, .procs = screen_procs, .free = screen_free,
};

struct sink *sink_screen_new(const char *theme, bool no_color, const struct config *cfg,
                             const char **why, int *code)
{
	struct sink_screen *s = calloc(1, sizeof *s);
	*code = 1;
	if (!s) {
		*why = "out of memory";
		return NULL;
	}
	s->base.ops = &screen_ops;
	s->stdin_open = true;
	s->dirty = true;
	if (!(s->tui = tui_new(theme, no_color, why))) {
		free(s);
		return NULL;
	}
	tui_set_view(s->tui, cfg->sort, cfg->reverse, cfg->group, cfg->filter);
	if (cfg->columns[0] && tui_set_columns(s->tui, cfg->columns, why) < 0) {
		static char msg[TEXT_LINE_MAX];
		snprintf(msg, sizeof msg, "bad columns in the config file: %s", *why);
		*why = msg;
		*code = 2;
		tui_free(s->tui);
		free(s);
		return NULL;
	}
	return &s->base;
}
