/* clock.c — monotonic and wall-clock seconds (see clock.h). */
#include <time.h>
#include "clock.h"

/* Seconds of one clock. */
static double seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double clock_wall(void)
{
	return seconds(CLOCK_REALTIME);
}
