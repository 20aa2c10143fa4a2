/*
 * parse.h — turn /proc text into struct sample.
 *
 * Two layers:
 *  - parse_proc_*(): one /proc file's text -> fields of a sample.  Each
 *    returns 0, or a negative PARSE_E* code when the text is not what that
 *    file looks like.  They never read past len and check every number.
 *  - struct fparse: an incremental parser for the probe's framed stream
 *    (protocol in probe.h).  Bytes may arrive in any pieces; a callback
 *    gets each complete frame as a parsed sample plus its raw text.
 * Pure: no curses, no libssh2.
 */
#ifndef DOPTOP_PARSE_H
#define DOPTOP_PARSE_H

#include <stddef.h>
#include "err.h"
#include "sample.h"

enum parse_err {
	PARSE_OK        = 0,
	PARSE_EFORMAT   = ERR_PARSE_BASE - 1,  /* text does not look like the expected file */
	PARSE_ERANGE    = ERR_PARSE_BASE - 2,  /* a number does not fit / is negative */
	PARSE_ELINE     = ERR_PARSE_BASE - 3,  /* a line longer than FPARSE_MAX_LINE */
	PARSE_EFRAME    = ERR_PARSE_BASE - 4,  /* a frame larger than FPARSE_MAX_FRAME */
	PARSE_EPROTO    = ERR_PARSE_BASE - 5,  /* frame markers out of order / bad version */
	PARSE_ENOFRAME  = ERR_PARSE_BASE - 6,  /* no frame marker in FPARSE_MAX_PREAMBLE */
	PARSE_ECONTROL  = ERR_PARSE_BASE - 7,  /* control characters inside a frame */
	PARSE_EDELTA    = ERR_PARSE_BASE - 8,  /* a delta frame that does not fit the
	                                        * frame before it (frame_delta.h) */
};

/* Hard caps on what a remote host can make us hold. */
#define FPARSE_MAX_LINE     4096
#define FPARSE_MAX_FRAME    (1024 * 1024)
#define FPARSE_MAX_PREAMBLE (64 * 1024)


int parse_proc_stat(const char *text, size_t len, struct sample *s);
int parse_proc_diskstats(const char *text, size_t len, struct sample *s);
int parse_proc_netdev(const char *text, size_t len, struct sample *s);
int parse_proc_loadavg(const char *text, size_t len, struct sample *s);
int parse_proc_meminfo(const char *text, size_t len, struct sample *s);
int parse_proc_vmstat(const char *text, size_t len, struct sample *s);
/* which: 'c' cpu, 'i' io, 'm' memory. */
int parse_proc_psi(const char *text, size_t len, char which, struct sample *s);

/* Called for every complete, valid frame.  s and raw are borrowed until return. */
typedef void (*fparse_frame_fn)(void *arg, const struct sample *s,
                                const char *raw, size_t rawlen);

struct fparse;

/* New incremental parser; caller frees with fparse_free().  NULL on OOM. */
struct fparse *fparse_new(void);
void fparse_free(struct fparse *p);
/* Forget any partial frame and wait for a new marker (after a reconnect). */
void fparse_reset(struct fparse *p);
/* Feed bytes.  Returns 0, or a negative PARSE_E* code; after an error the
 * parser stays failed (returns the same code) until fparse_reset(). */
int fparse_feed(struct fparse *p, const char *buf, size_t len,
                fparse_frame_fn fn, void *arg);
/* Header flags of the last frame, e.g. "sh" when the node fell back to POSIX sh. */
const char *fparse_flags(const struct fparse *p);

/* Parse one complete frame (marker to end marker) in one go. */
int parse_frame(const char *text, size_t len, struct sample *out);

#endif
