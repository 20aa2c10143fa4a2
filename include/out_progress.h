/*
 * out_progress.h — the job's progress (job.h) as every view writes it: a
 * {"type":"progress"} JSON line (a contract, see README "JSON lines"), a
 * batch text line, the screen's line.  Reads the job, never changes it.
 */
#ifndef DOPTOP_OUT_PROGRESS_H
#define DOPTOP_OUT_PROGRESS_H

#include <stddef.h>
#include <stdio.h>
#include "progress.h"

struct job;

/* Bytes in the progress line (out_progress_line, _text), NUL included. */
#define JOB_LINE_MAX 512

/* The screen's progress line: its text, the fraction done, the job's
 * state, and where in text the state's words are (for their colour). */
struct job_line {
	char   text[JOB_LINE_MAX];
	double frac;                  /* 0..1, or -1 without a total */
	enum progress_state state;
	size_t mark, mark_len;        /* text[mark..mark+mark_len): the state */
};

/* One --json progress line stamped t (unix time; fields: README "JSON
 * lines") / one --batch text line / the screen's line. */
void out_progress_json(const struct job *j, FILE *f, double t);
void out_progress_text(const struct job *j, FILE *f);
void out_progress_line(const struct job *j, struct job_line *l);

#endif
