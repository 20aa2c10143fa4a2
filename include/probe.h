/*
 * probe.h — the tiny shell loop run on every node, and its wire protocol.
 *
 * Protocol versions 1 and 2.  Every interval the node prints one frame:
 *
 *   @@DOPTOP 1 <seq> <node-clock seconds, e.g. 1764133543.123456> <flags>
 *   %stat            then the raw text of /proc/stat
 *   %disk            /proc/diskstats
 *   %net             /proc/net/dev
 *   %load            /proc/loadavg
 *   %mem             /proc/meminfo
 *   %vm              /proc/vmstat (may be filtered to the lines we use)
 *   %psi-cpu         /proc/pressure/cpu      (sections absent on kernels
 *   %psi-io          /proc/pressure/io        without PSI)
 *   %psi-mem         /proc/pressure/memory
 *   @@END <seq>
 *
 * flags: "bash" (zero-fork loop) or "sh" (POSIX fallback, forks per sample).
 *
 * Version 2, a delta: "@@DOPTOP 2 ..." (same header fields) and a body
 * that says only what changed since the frame before it, in the format of
 * frame_delta.h: runs of unchanged lines ("=N"), changed numbers as
 * differences ("~ 100  3 98" for a cpu line), other changes as text.  A
 * version 1 frame stands alone; a version 2 frame needs the one before it,
 * so the bash loop sends version 1 first (after every (re)connect: a new
 * loop) and version 2 after; the sh loop sends version 1 only.  The parser
 * rebuilds every version 2 frame into the version 1 frame it stands for
 * (the text recordings keep), with each changed line's words joined by
 * single blanks.  Measured: ~340-400 B per node-sample on the wire
 * instead of ~2.6-3.2 KB on a 2-core node (bench/fleet.sh, README).
 * The bash loop drops /proc/stat's "intr" and "softirq" lines and the PSI
 * averages (nothing reads them) in both versions: "some total=N".
 *
 * doptop -> probe: the probe's stdin.  EOF ends the loop.  A line of
 * decimal digits (probe_interval_line) is a new interval in microseconds:
 * the bash loop takes it at once (its next frame comes at the last one
 * plus the new interval, or now when that has passed); the sh loop keeps
 * the interval it was started with.
 * /proc text never has lines starting with '%' or '@@', so the markers are
 * unambiguous.  Anything before the first "@@DOPTOP" line (banners, rc file
 * noise) is ignored.  Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_PROBE_H
#define DOPTOP_PROBE_H

#include <stddef.h>

#define PROBE_PROTO_VERSION 1   /* a whole frame */
#define PROBE_PROTO_DELTA   2   /* what changed since the last frame */

/* Write the remote command that runs the probe at the given interval into
 * buf (a single shell command line for an SSH exec channel; tries bash and
 * falls back to POSIX sh).  Returns the length, or -1 if buf is too small.
 * The loop ends when the channel's stdin reaches EOF (doptop closed it). */
int probe_command(char *buf, size_t cap, double interval_s);

/* Write the line that gives a running bash loop a new interval (clamped as
 * probe_command clamps it) into buf.  Returns its length, or -1 if buf is
 * too small (24 bytes are enough). */
int probe_interval_line(char *buf, size_t cap, double interval_s);

/* Quote s for a POSIX shell ('...' with '\'' for quotes) into buf.
 * Returns the length, or -1 if buf is too small. */
int probe_shell_quote(char *buf, size_t cap, const char *s);

#endif
