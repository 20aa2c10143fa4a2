/*
 * app_loop.h — what the live loop (app.c) and the replay loop
 * (app_replay.c) share.  Internal to those two files.
 */
#ifndef DOPTOP_APP_LOOP_H
#define DOPTOP_APP_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include "cli.h"
#include "job.h"
#include "model.h"
#include "sink.h"
#include "source.h"
#include "ssh_conn.h"

/* Minimum time between two screen redraws: the screen never repaints more
 * than ~10 times a second however fast data arrives. */
#define REDRAW_MIN_S 0.1

struct app;

/* Per-node glue handed to the SSH frame callback. */
struct node_ctx {
	struct app *a;
	size_t idx;
};

struct app {
	struct options *o;
	struct model m;
	struct local_sampler *local;
	struct ssh_conn **conns;      /* per node (NULL for local), then one per
	                               * extra counting destination */
	size_t nconns;
	size_t next_start;            /* next node whose connection to open */
	struct ssh_opts so;
	struct node_list extra;       /* counting destinations that are not nodes */
	struct job *job;              /* --done, or NULL */
	size_t job_node[JT_COUNT];    /* 1 + node counted on, 0 = none */
	struct node_ctx *ctx;
	struct tui *tui;
	struct recorder *rec;         /* --record, or NULL (also after it failed) */
	char   rec_msg[512];          /* why recording stopped, shown at exit */
	struct replay *rp;            /* --replay, or NULL */
	char  *frame_buf;             /* local frames when recording */
	unsigned long long local_seq;
	bool   screen;
	double next_tick;             /* monotonic time of the next interval */
	double last_draw;
	double last_pass;             /* monotonic time of the last loop pass */
	bool   dirty;
	long   blocks;                /* blocks written (batch/json) */
	double start, wall0;          /* monotonic and unix time at start */
	double replay_t;              /* replay: the recording's time now */
	struct procs_local *procs;    /* local top-processes reader, on demand */
	int    procs_for;             /* node whose processes were fetched last */
	double next_procs;            /* monotonic time of the next fetch */
	struct sink *events;          /* the events sink (sink_events.h), always on */
	bool   finished;              /* --exit-when-done and the job is done */
	struct facts_fetch *ff;       /* per node, with --job-cmd / inputs */
	/* HTTP sources (source.h: Prometheus, node_exporter) and the
	 * exporter sink (sink.h), driven through their interfaces */
	struct source *hsrc[2];
	size_t nhsrc;
	struct source_feed feed;
	struct sink *expo;            /* --textfile / --listen, or NULL */
};

/* Set by the signal handler: the signal that asks to stop / a resize. */
extern volatile sig_atomic_t g_stop, g_winch;
/* Self-pipe the signal handler writes to, so poll() wakes up. */
extern int g_wake[2];

/* Empty the signal self-pipe after poll() saw it readable. */
void app_drain_wake(void);

/* Per-node facts (facts.h): start the fetches that are due (remote over
 * the node's session, local from /proc), and when the next is due. */
int app_facts_init(struct app *a);
void app_facts_step(struct app *a, double now);
double app_facts_deadline(const struct app *a);
void app_facts_free(struct app *a);
/* Facts text for node i arrived (live or from a recording). */
void app_facts_take(struct app *a, size_t i, const char *text, size_t len, bool procs,
                    bool disks, double wall);

/* The unix time stamp of the next block (records taken in now belong to
 * it, as local frames do; see tick()). */
double app_next_block_wall(const struct app *a);
/* The job took in a count or measurement (stamped wall): refresh the
 * model's inputs, record a J record. */
void app_job_changed(struct app *a, double wall);

/* Look for events (stamped wall) and report them: JSON/text line, the
 * screen's panel, the --on-event hook; sets finished for --exit-when-done. */
void app_events(struct app *a, double wall, double now);
/* Write one batch or JSON block stamped t (unix time). */
void app_emit(struct app *a, double t, double now);
/* Redraw the screen; now is the model's clock, shown_wall the header's. */
void app_draw(struct app *a, double now, double shown_wall);
/* While a detail view is open, refresh its node's top processes. */
void app_fetch_procs(struct app *a, double now);
/* --replay: read the recording's header into the options. 0 or -1. */
int app_open_replay(struct app *a);
/* Feed the recording through the model and views; the exit code. */
int app_loop_replay(struct app *a);

#endif
