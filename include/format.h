/*
 * format.h — number formatting shared by every view.  Pure.
 */
#ifndef DOPTOP_FORMAT_H
#define DOPTOP_FORMAT_H

#include <stddef.h>

/* Bytes (or bytes/s) in at most 5 characters: "0", "999", "1.2K", "34M",
 * "1.0G" (powers of 1024).  Returns buf. */
char *fmt_bytes(char *buf, size_t cap, double v);
/* A plain count in at most 5 characters: "999", "12.3k", "4.5M" (powers
 * of 1000).  Returns buf. */
char *fmt_count(char *buf, size_t cap, double v);
/* A duration: "45s", "3m12s", "2h05m", "3d04h".  Negative -> "-". */
char *fmt_duration(char *buf, size_t cap, double seconds);

#endif
