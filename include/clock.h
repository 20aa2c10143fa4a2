/*
 * clock.h — the two clocks doptop reads, as seconds: monotonic for every
 * interval and timeout, realtime only for what is shown or written out.
 */
#ifndef DOPTOP_CLOCK_H
#define DOPTOP_CLOCK_H

/* CLOCK_MONOTONIC in seconds. */
double clock_mono(void);
/* CLOCK_REALTIME (unix time) in seconds. */
double clock_wall(void);

#endif
