/* replay_nav.c — the replay navigation's words (see replay_nav.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "replay_nav.h"
#include "text.h"

/* x0.25 to x64 in factors of two; past the top, as fast as possible. */
static const double ladder[] = { 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64 };
#define NLADDER (sizeof ladder / sizeof ladder[0])

double replay_nav_speed(double cur, int dir)
{
	if (cur <= 0)
		return dir > 0 ? 0 : ladder[NLADDER - 1];
	if (dir > 0) {
		for (size_t i = 0; i < NLADDER; i++)
			if (ladder[i] > cur * 1.001)
				return ladder[i];
		return 0;
	}
	for (size_t i = NLADDER; i-- > 0;)
		if (ladder[i] < cur * 0.999)
			return ladder[i];
	return ladder[0];
}

/* "HH:MM" or "HH:MM:SS" as seconds into a day, or -1. */
static long clock_secs(const char *s)
{
	unsigned h, m, sec = 0;
	int n = 0;
	if (sscanf(s, "%2u:%2u%n", &h, &m, &n) != 2)
		return -1;
	if (s[n] == ':') {
		int k = 0;
		if (sscanf(s + n + 1, "%2u%n", &sec, &k) != 1)
			return -1;
		n += 1 + k;
	}
	if (s[n] || h > 23 || m > 59 || sec > 59)
		return -1;
	return (long)h * 3600 + m * 60 + sec;
}

/* The first local time of day secs at or after `from` (unix time). */
static double next_clock(double from, long secs)
{
	time_t tt = (time_t)floor(from);
	struct tm tm;
	if (!localtime_r(&tt, &tm))
		return from;
	for (int day = 0; day < 2; day++) {
		struct tm x = tm;
		x.tm_mday += day;
		x.tm_hour = (int)(secs / 3600);
		x.tm_min = (int)(secs / 60 % 60);
		x.tm_sec = (int)(secs % 60);
		x.tm_isdst = -1;
		double t = (double)mktime(&x);
		if (t >= floor(from))
			return t;
	}
	return from;
}

int replay_nav_parse(const char *s, const struct source_pos *p, double *t, const char **why)
{
	char buf[40];
	size_t n;
	double v;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof buf) {
		*why = "go to: say 38%, 12:30, 12:30:05, +5m or -30s";
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	if (strcmp(buf, "start") == 0) {
		*t = p->first;
		return 0;
	}
	if (strcmp(buf, "end") == 0 || buf[n - 1] == '%') {
		if (p->end < 0) {
			*why = "the recording's end is not known yet (standard input, or still reading)";
			return -1;
		}
		if (buf[0] == 'e') {
			*t = p->end;
			return 0;
		}
		if (text_decimal(buf, n - 1, 0, 100, &v) < 0) {
			*why = "a percentage is 0% to 100%";
			return -1;
		}
		*t = p->first + (p->end - p->first) * v / 100;
		return 0;
	}
	if (strchr(buf, ':')) {
		long secs = clock_secs(buf);
		if (secs < 0) {
			*why = "a time of day is HH:MM or HH:MM:SS";
			return -1;
		}
		*t = next_clock(p->first, secs);
		return 0;
	}
	if (buf[0] == '+' || buf[0] == '-') {
		double unit = 1;
		size_t m = n;
		switch (buf[n - 1]) {
		case 's': m--; break;
		case 'm': unit = 60; m--; break;
		case 'h': unit = 3600; m--; break;
		default: break;
		}
		if (m < 2 || text_decimal(buf + 1, m - 1, 0, 1e7, &v) < 0) {
			*why = "an offset is +N or -N with s, m or h (+5m, -30s)";
			return -1;
		}
		*t = p->now + (buf[0] == '-' ? -v : v) * unit;
		if (*t < p->first)
			*t = p->first;
		return 0;
	}
	*why = "go to: say 38%, 12:30, 12:30:05, +5m or -30s";
	return -1;
}

/* HH:MM:SS of unix time t, local. */
static void hms(char *buf, size_t cap, double t)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;
	if (!localtime_r(&tt, &tm) || !strftime(buf, cap, "%H:%M:%S", &tm))
		snprintf(buf, cap, "?");
}

char *replay_nav_line(char *buf, size_t cap, const struct source_pos *p)
{
	char a[16], b[16] = "?", pct[16] = "", sp[16];
	hms(a, sizeof a, p->now);
	if (p->end >= 0) {
		hms(b, sizeof b, p->end);
		double f = p->end > p->first ? (p->now - p->first) / (p->end - p->first) : 1;
		snprintf(pct, sizeof pct, ", %.0f%%", 100 * (f < 0 ? 0 : f > 1 ? 1 : f));
	}
	if (p->speed <= 0)
		snprintf(sp, sizeof sp, "max");
	else
		snprintf(sp, sizeof sp, "x%g", p->speed);
	snprintf(buf, cap, "replay %s / %s%s, %s%s", a, b, pct, sp,
	         p->seeking ? ", seeking" : p->at_end ? ", end of recording" :
	         p->paused ? ", paused" : "");
	return buf;
}
