/*
 * replay_nav.h — the words of replay navigation, pure (no curses): the
 * speed ladder, what the "go to" prompt takes, and the position line the
 * screen shows ("replay 12:03:10 / 13:40:00, 38%, x4, paused").
 */
#ifndef DOPTOP_REPLAY_NAV_H
#define DOPTOP_REPLAY_NAV_H

#include <stddef.h>
#include "source.h"

/* The next speed up (dir > 0) or down the ladder x0.25 .. x64, then as
 * fast as possible (0); from 0 down is x64, up stays 0. */
double replay_nav_speed(double cur, int dir);

/* The time the "go to" prompt text s asks for, on the recording's clock
 * (p: where the replay stands; local time for clock times):
 *   38% 12.5%        of the way from the first record to the last
 *   12:30 12:30:05   that local time of day, the first one at or after
 *                    the recording's start
 *   +5m -30s +90 +1h an offset from the tick shown (s when no unit)
 *   start end        the first / the last record
 * 0 and *t, or -1 with a one-line reason in *why (static). */
int replay_nav_parse(const char *s, const struct source_pos *p, double *t, const char **why);

/* The position line: "replay 12:03:10 / 13:40:00, 38%, x4, paused", with
 * "end of recording" once every record was replayed and "seeking" while a
 * seek runs; "/ ?" while the end is not known.  Returns buf. */
char *replay_nav_line(char *buf, size_t cap, const struct source_pos *p);

#endif
