/*
 * text.h — text in and text out, for every module: the one checked number
 * parser and the one sanitiser for strings shown on a terminal.  Pure: no
 * curses, no libssh2, no process locale (a German LC_NUMERIC changes
 * nothing here).
 *
 * Numbers.  Every number doptop reads — options, the config file, /proc
 * text from a node, probe frames, recordings, ps output, ssh_config, a
 * metrics server's answers — goes through text_u64(), text_decimal() or
 * text_float().  Both read exactly the n bytes
 * given (no NUL needed, nothing skipped: no blanks, no sign), so the
 * caller decides what surrounds a number, and both check every digit and
 * every overflow.  A failure leaves *out untouched.
 *
 *   text_u64:     digits only: "0", "18446744073709551615".
 *   text_decimal: digits, then optionally a point ('.' or ',': a remote
 *                 `date` may print either) and digits, then optionally
 *                 'e' or 'E', an optional sign and up to 3 digits:
 *                 "1", "0.5", "1764133543.123456", "2,5", "1e6", ".5" and
 *                 "5." (digits on at least one side of the point).
 *   text_float:   a float as Prometheus and JSON write it (node_exporter's
 *                 /metrics, the HTTP API): an optional sign, the decimal
 *                 shape above with '.' only and any exponent, or "NaN",
 *                 "Inf", "+Inf", "-Inf" ("Infinity" too, any case).
 *                 Every digit counts (correctly rounded): node_time_seconds
 *                 is 1.7e+09 with microseconds in its 16th digit.
 *
 * Strings.  Anything that came from a node, a file or the command line
 * passes text_sanitize() before it reaches a terminal.
 */
#ifndef DOPTOP_TEXT_H
#define DOPTOP_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* A macro's value as a string literal: TEXT_STR(INTERVAL_MAX_S) is "3600". */
#define TEXT_STR_(x) #x
#define TEXT_STR(x)  TEXT_STR_(x)

/* Bytes in one line shown to the user (a node's why, a counting error, a
 * screen warning), NUL included: longer lines are cut; a terminal row is
 * rarely wider. */
#define TEXT_LINE_MAX 200

enum text_err {
	TEXT_EFORMAT = ERR_TEXT_BASE - 1,   /* not a number of the expected shape */
	TEXT_ERANGE  = ERR_TEXT_BASE - 2,   /* a number, but outside the allowed range */
};

/* s[0..n) as a decimal integer no larger than max.  0 or TEXT_E*. */
int text_u64(const char *s, size_t n, uint64_t max, uint64_t *out);
/* s[0..n) as a finite decimal number within [lo, hi].  0 or TEXT_E*.
 * Fraction digits past the ninth are checked but ignored (nanoseconds are
 * plenty for every number doptop reads). */
int text_decimal(const char *s, size_t n, double lo, double hi, double *out);
/* s[0..n) as a Prometheus/JSON float (see above); NaN and infinities
 * only from their words (a finite text past double's range is
 * TEXT_ERANGE).  At most TEXT_FLOAT_MAX bytes.  0 or TEXT_E*. */
#define TEXT_FLOAT_MAX 63
int text_float(const char *s, size_t n, double *out);
/* The same on a NUL-terminated string, for command-line and config words. */
int text_u64_str(const char *s, uint64_t max, uint64_t *out);
int text_decimal_str(const char *s, double lo, double hi, double *out);

/* Length (2-4) of the valid UTF-8 character at p that is not a C1
 * control, or 0 (an invalid or control byte). */
size_t text_utf8_len(const char *p);
/* Append printf-formatted text to buf at *len, never past cap (the text
 * is cut and buf stays NUL-terminated); *len grows by what was written. */
__attribute__((format(printf, 4, 5)))
void text_appendf(char *buf, size_t cap, size_t *len, const char *fmt, ...);

/* Copy src (NULL = "") for display: control characters (C0, DEL, C1),
 * escape sequences and broken UTF-8 become '?'; whole valid characters
 * pass, and a character that does not fit is not cut.  Always
 * NUL-terminates when cap > 0; returns dst. */
char *text_sanitize(char *dst, size_t cap, const char *src);

#endif
