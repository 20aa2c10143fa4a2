/*
 * expo.h — the Prometheus text exposition format (version 0.0.4), both
 * ways: parse what a node_exporter serves at /metrics, and write doptop's
 * own metrics for --textfile and --listen.
 *
 * Reading.  expo_parse() walks a whole body (the HTTP client caps it at
 * EXPO_MAX_BODY) and calls back once per sample line:
 *
 *   # HELP name text            ignored
 *   # TYPE name counter|gauge   ignored (doptop knows what it asks for)
 *   name{label="value",...} value [timestamp-ms]
 *
 * Values are Go floats: decimal, exponent, "NaN", "+Inf", "-Inf" (read by
 * text.h's text_float(), the one float parser).  Label
 * values may hold \\, \" and \n escapes.  A line longer than EXPO_MAX_LINE,
 * more than EXPO_MAX_LABELS labels, a name that is not [a-zA-Z_:][a-zA-Z0-9_:]*
 * or a number that does not parse stops the walk with EXPO_EFORMAT and the
 * 1-based line number: a hostile exporter is a clear error, never a crash.
 *
 * Writing.  expo_write_*() append to a caller-owned growable buffer; label
 * values are escaped as the format requires.
 * Pure: no curses, no libssh2, no curl.
 */
#ifndef DOPTOP_EXPO_H
#define DOPTOP_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define EXPO_MAX_BODY   (16 * 1024 * 1024)  /* node_exporter on a 256-core
                                             * host serves ~1 MB */
#define EXPO_MAX_LINE   (16 * 1024)
#define EXPO_MAX_LABELS 16

enum expo_err {
	EXPO_EFORMAT = ERR_EXPO_BASE - 1,   /* a line is not exposition format */
	EXPO_ENOMEM  = ERR_EXPO_BASE - 2,
	EXPO_ESTOP   = ERR_EXPO_BASE - 3,   /* the callback asked to stop */
};

struct expo_label {
	const char *name, *value;   /* NUL-terminated, unescaped */
};

/* One sample line; every pointer is borrowed until the callback returns. */
struct expo_sample {
	const char *name;
	int nlabels;
	struct expo_label label[EXPO_MAX_LABELS];
	double value;               /* may be NaN or +-Inf */
};

/* Called per sample; return 0 to go on, non-zero to stop (EXPO_ESTOP). */
typedef int (*expo_sample_fn)(void *arg, const struct expo_sample *s);

/* Parse text[0..len).  0, or a negative EXPO_E* code with the failing
 * line number in *err_line (if err_line). */
int expo_parse(const char *text, size_t len, expo_sample_fn fn, void *arg,
               size_t *err_line);

/* Value of label name in s, or NULL. */
const char *expo_label(const struct expo_sample *s, const char *name);

/* A growable output buffer; zero-initialise, free with expo_buf_free(). */
struct expo_buf {
	char *p;
	size_t len, cap;
	bool oom;                   /* an append failed: the text is incomplete */
};

void expo_buf_free(struct expo_buf *b);
/* Append printf-formatted text (C locale numbers: use expo_write_sample). */
void expo_buf_printf(struct expo_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "# HELP name help\n# TYPE name type\n". */
void expo_write_family(struct expo_buf *b, const char *name, const char *type,
                       const char *help);
/* One sample line: name{k="v",...} value.  labels: nlabels pairs of
 * name/value strings (values escaped here).  NaN and infinities are
 * written as the format spells them. */
void expo_write_sample(struct expo_buf *b, const char *name,
                       const char *const *labels, int nlabels, double value);

#endif
