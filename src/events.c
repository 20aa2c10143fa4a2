/* events.c — events from changes between two looks at the model (see events.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "events.h"
#include "out_batch.h"
#include "text.h"

/* A boot time that moved by more than this is a restart, not a clock step
 * (the same figure as model.c's). */
#define BTIME_SLACK_S 60

struct node_mem {
	enum conn_state state;
	bool     was_up;          /* has been up: a failure after that is "down" */
	bool     said_down;       /* a "down" was reported: the next up is "up" */
	bool     restarted;
	uint64_t btime;
	enum verdict verdict;     /* last stable verdict seen while up */
};

struct events {
	size_t n;
	bool   started;
	struct node_mem *nodes;
	bool   job_seen, stalled, done;
	struct event recent[EVENTS_RECENT];
	unsigned nrecent, head;
};

static const char *const names[EV_COUNT] = {
	"stalled", "resumed", "done", "down", "up", "restarted", "verdict",
};

const char *event_name(enum event_kind k)
{
	return (unsigned)k < EV_COUNT ? names[k] : "unknown";
}

struct events *events_new(size_t n)
{
	struct events *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->nodes = calloc(n ? n : 1, sizeof *e->nodes);
	if (!e->nodes) {
		free(e);
		return NULL;
	}
	e->n = n;
	return e;
}

void events_free(struct events *e)
{
	if (!e)
		return;
	free(e->nodes);
	free(e);
}

bool events_done(const struct events *e)
{
	return e->done;
}

/* A state that means the node is lost (not merely slow or starting). */
static bool failed(enum conn_state s)
{
	return s != CS_UP && s != CS_STALE && s != CS_CONNECTING;
}

/* Append an event of kind k to out if there is room; returns it or NULL. */
static struct event *push(struct event *out, int max, int *n, enum event_kind k, double wall)
{
	if (*n >= max)
		return NULL;
	struct event *ev = &out[(*n)++];
	memset(ev, 0, sizeof *ev);
	ev->kind = k;
	ev->t = wall;
	return ev;
}

/* Node events for node i. */
static void scan_node(struct events *e, size_t i, const struct node *nd, double wall,
                      struct event *out, int max, int *n)
{
	struct node_mem *mem = &e->nodes[i];
	struct event *ev = NULL;
	if (e->started && nd->state != mem->state) {
		if (failed(nd->state) && mem->was_up && !mem->said_down &&
		    (ev = push(out, max, n, EV_DOWN, wall))) {
			snprintf(ev->detail, sizeof ev->detail, "%s%s%.150s", conn_state_name(nd->state),
			         nd->why[0] ? ": " : "", nd->why);
			mem->said_down = true;
		} else if (nd->state == CS_UP && mem->said_down &&
		           (ev = push(out, max, n, EV_UP, wall))) {
			snprintf(ev->detail, sizeof ev->detail, "back up after %u reconnect%s",
			         nd->reconnects, nd->reconnects == 1 ? "" : "s");
			mem->said_down = false;
		}
		if (ev) {
			text_sanitize(ev->node, sizeof ev->node, nd->spec->name);
			snprintf(ev->state, sizeof ev->state, "%s", conn_state_name(nd->state));
		}
	}
	bool boot = mem->btime && nd->btime &&
	            (nd->btime > mem->btime + BTIME_SLACK_S || mem->btime > nd->btime + BTIME_SLACK_S);
	if (e->started && (boot || (nd->restarted && !mem->restarted)) &&
	    (ev = push(out, max, n, EV_RESTARTED, wall))) {
		text_sanitize(ev->node, sizeof ev->node, nd->spec->name);
		snprintf(ev->state, sizeof ev->state, "%s", conn_state_name(nd->state));
		snprintf(ev->detail, sizeof ev->detail, "boot time changed: the node restarted (preempted?)");
	}
	if (nd->state == CS_UP && nd->have_rates && nd->j.verdict != V_UNKNOWN) {
		if (e->started && mem->verdict != V_UNKNOWN && nd->j.verdict != mem->verdict &&
		    (ev = push(out, max, n, EV_VERDICT, wall))) {
			text_sanitize(ev->node, sizeof ev->node, nd->spec->name);
			snprintf(ev->state, sizeof ev->state, "%s", conn_state_name(nd->state));
			ev->from = mem->verdict;
			ev->to = nd->j.verdict;
			ev->cause = nd->j.cause;
			snprintf(ev->detail, sizeof ev->detail, "%s -> %s%s%s: %s",
			         verdict_name(ev->from), verdict_name(ev->to),
			         ev->cause ? "/" : "", ev->cause ? cause_name(ev->cause) : "",
			         classify_advice(nd->j));
		}
		mem->verdict = nd->j.verdict;
	}
	if (nd->state == CS_UP)
		mem->was_up = true;
	mem->state = nd->state;
	mem->restarted = nd->restarted;
	if (nd->btime)
		mem->btime = nd->btime;
}

/* Fill the job's figures into ev. */
static void job_fields(struct event *ev, const struct progress_view *pv)
{
	ev->done = pv->done;
	ev->has_total = pv->has_total;
	ev->total = pv->total;
}

/* Job events: stalled, resumed, done. */
static void scan_job(struct events *e, const struct progress_view *pv, double wall,
                     struct event *out, int max, int *n)
{
	struct event *ev;
	bool done = pv->has_total && pv->done >= pv->total && pv->total > 0;
	if (done && !e->done && (ev = push(out, max, n, EV_DONE, wall))) {
		job_fields(ev, pv);
		snprintf(ev->detail, sizeof ev->detail, "done: %" PRIu64 " of %" PRIu64 " items",
		         pv->done, pv->total);
		e->done = true;
	}
	if (pv->stalled && !e->stalled && (ev = push(out, max, n, EV_STALLED, wall))) {
		job_fields(ev, pv);
		snprintf(ev->detail, sizeof ev->detail, "no new item for %.0f s at %" PRIu64 " done",
		         pv->quiet_s, pv->done);
		e->stalled = true;
	} else if (!pv->stalled && e->stalled && done) {
		e->stalled = false;      /* "done" says it: no "resumed" on top */
	} else if (!pv->stalled && e->stalled && (ev = push(out, max, n, EV_RESUMED, wall))) {
		job_fields(ev, pv);
		snprintf(ev->detail, sizeof ev->detail, "moving again: %" PRIu64 " done, %.2f items/s",
		         pv->done, pv->rate);
		e->stalled = false;
	}
	e->job_seen = true;
}

int events_scan(struct events *e, const struct model *m, const struct progress_view *pv,
                double wall, struct event *out, int max)
{
	int n = 0;
	size_t nn = m->n < e->n ? m->n : e->n;
	for (size_t i = 0; i < nn; i++)
		scan_node(e, i, &m->nodes[i], wall, out, max, &n);
	e->started = true;
	if (pv)
		scan_job(e, pv, wall, out, max, &n);
	return n;
}

void events_json(FILE *f, const struct event *ev)
{
	fprintf(f, "{\"type\":\"event\",\"t\":%.3f,\"event\":\"%s\",\"node\":", ev->t,
	        event_name(ev->kind));
	if (ev->node[0])
		out_json_string(f, ev->node);
	else
		fputs("null", f);
	if (ev->state[0])
		fprintf(f, ",\"state\":\"%s\"", ev->state);
	if (ev->kind == EV_VERDICT)
		fprintf(f, ",\"from\":\"%s\",\"verdict\":\"%s\",\"cause\":\"%s\"",
		        verdict_name(ev->from), verdict_name(ev->to), cause_name(ev->cause));
	if (ev->kind <= EV_DONE) {
		fprintf(f, ",\"done\":%" PRIu64 ",\"total\":", ev->done);
		if (ev->has_total)
			fprintf(f, "%" PRIu64, ev->total);
		else
			fputs("null", f);
	}
	fputs(",\"detail\":", f);
	out_json_string(f, ev->detail);
	fputs("}\n", f);
	fflush(f);
}

void events_text(FILE *f, const struct event *ev)
{
	fprintf(f, "event %s %s: %s\n", event_name(ev->kind), ev->node[0] ? ev->node : "job",
	        ev->detail);
	fflush(f);
}

void events_short(const struct event *ev, char *buf, size_t cap)
{
	time_t tt = (time_t)ev->t;
	struct tm tm;
	char hm[8];
	localtime_r(&tt, &tm);
	strftime(hm, sizeof hm, "%H:%M", &tm);
	if (ev->kind == EV_VERDICT)
		snprintf(buf, cap, "%s %s %s->%s", hm, ev->node, verdict_name(ev->from),
		         verdict_name(ev->to));
	else
		snprintf(buf, cap, "%s %s%s%s", hm, ev->node, ev->node[0] ? " " : "job ",
		         event_name(ev->kind));
}

void events_remember(struct events *e, const struct event *ev)
{
	e->recent[e->head] = *ev;
	e->head = (e->head + 1) % EVENTS_RECENT;
	if (e->nrecent < EVENTS_RECENT)
		e->nrecent++;
}

void events_recent_line(const struct events *e, char *buf, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return;
	buf[0] = 0;
	for (unsigned k = 0; k < e->nrecent && len + 1 < cap; k++) {
		const struct event *ev = &e->recent[(e->head + EVENTS_RECENT - 1 - k) % EVENTS_RECENT];
		char one[128];
		events_short(ev, one, sizeof one);
		int w = snprintf(buf + len, cap - len, "%s%s", k ? " | " : "", one);
		if (w < 0)
			break;
		len += (size_t)w < cap - len ? (size_t)w : cap - len - 1;
	}
}
