/* format.c — human-readable numbers (see format.h). */
#include <math.h>
#include <stdio.h>
#include "format.h"

/* Scale v by base until it fits, then print 1 decimal below 10. */
static char *scaled(char *buf, size_t cap, double v, double base, const char *units)
{
	int u = 0;
	if (!isfinite(v) || v < 0)
		v = 0;
	while (v >= 999.5 && units[u + 1]) {
		v /= base;
		u++;
	}
	if (v >= 999.5)
		snprintf(buf, cap, ">999%c", units[u]);   /* past the last unit */
	else if (u == 0)
		snprintf(buf, cap, "%.0f", v);
	else if (v < 9.95)
		snprintf(buf, cap, "%.1f%c", v, units[u]);
	else
		snprintf(buf, cap, "%.0f%c", v, units[u]);
	return buf;
}

char *fmt_bytes(char *buf, size_t cap, double v)
{
	return scaled(buf, cap, v, 1024.0, " KMGTPEZY");
}

char *fmt_count(char *buf, size_t cap, double v)
{
	return scaled(buf, cap, v, 1000.0, " kMGTPEZY");
}

char *fmt_duration(char *buf, size_t cap, double s)
{
	if (!isfinite(s) || s < 0) {
		snprintf(buf, cap, "-");
		return buf;
	}
	unsigned long long t = (unsigned long long)(s + 0.5);
	if (t < 60)
		snprintf(buf, cap, "%llus", t);
	else if (t < 3600)
		snprintf(buf, cap, "%llum%02llus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, cap, "%lluh%02llum", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, cap, "%llud%02lluh", t / 86400, t % 86400 / 3600);
	return buf;
}
