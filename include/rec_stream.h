/*
 * rec_stream.h — the byte layer under record.c: the zstd chunk container
 * (written and read), bare text (read), either inside gzip (read).
 * Format in record.h.
 */
#ifndef DOPTOP_REC_STREAM_H
#define DOPTOP_REC_STREAM_H

#include <stddef.h>

#define RSTREAM_MAGIC      "#doptop-zst 1\n"
#define RSTREAM_MAGIC_LEN  14
#define RSTREAM_NEW        0x80000000u   /* chunk word: a new zstd stream */
#define RSTREAM_MAX_CHUNK  (16u * 1024 * 1024)  /* far above any record's */

enum rin_kind { RIN_TEXT, RIN_ZST };

/* What rin_read() returns besides a byte count. */
enum rin_ret {
	RIN_EOF      = 0,
	RIN_ERR      = -1,   /* read error or corrupt compressed data */
	RIN_BOUNDARY = -2,   /* a new stream starts: earlier bytes of an
	                      * unfinished record are to be dropped */
};

struct rin;
struct rout;

/* Decoded input from fd (owned: closed by rin_close()).  The kind is told
 * by the first bytes; either kind may come inside a gzip.  NULL on failure with a static reason in *why. */
struct rin *rin_open(int fd, const char **why);
enum rin_kind rin_kind(const struct rin *in);
/* True when a gzip wraps the file (it is read through gunzip first). */
int rin_gzip(const struct rin *in);
/* Up to n decoded bytes into buf: a count > 0, or an enum rin_ret. */
long rin_read(struct rin *in, char *buf, size_t n);
/* Why the last RIN_ERR (static text). */
const char *rin_error(const struct rin *in);
/* Close and free; NULL is a no-op. */
void rin_close(struct rin *in);

/* Where the last whole chunk of a container file ends (what follows is a
 * chunk cut off by a kill), or -1 when fd is not a container / unreadable.
 * Reads fd from its start with pread(). */
long long rstream_whole_end(int fd);

/* A compressor whose window holds about window_bytes of text.  NULL when
 * out of memory. */
struct rout *rout_new(size_t window_bytes);
/* Compress a then b (either may be empty) as one flushed chunk, its word
 * first; the first chunk after rout_new()/rout_restart() starts a new
 * stream.  *out is borrowed until the next call.  0 or -1. */
int rout_chunk(struct rout *o, const void *a, size_t alen, const void *b,
               size_t blen, const unsigned char **out, size_t *outlen);
/* A last chunk that ends the zstd frame, so that the chunks' payloads
 * make a complete zstd stream (`zstd -dc` reads it).  0 or -1. */
int rout_end(struct rout *o, const unsigned char **out, size_t *outlen);
/* The next chunk starts a new stream (a new file, or appending). */
void rout_restart(struct rout *o);
/* Free; NULL is a no-op. */
void rout_free(struct rout *o);

#endif
