/*
 * rec_stream.c — compress recordings as flushed zstd chunks and read them
 * back, with gzip and bare text beside them (format in record.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "rec_stream.h"

#define RIN_BUF      (64 * 1024)
/* The decoder refuses windows above 128 MiB (zstd's own default limit):
 * a hostile file cannot make it allocate more. */
#define RIN_WLOG_MAX 27
/* zstd level 1: on tests/data/fleet.rec (7 nodes, 4.4 KB frames) it made
 * 179 B per frame against 202 B at level 3 (the default) and 142 B at 9,
 * at half level 3's time and a third of level 9's. */
#define ROUT_LEVEL   1

struct rin {
	int fd;
	enum rin_kind kind;
	unsigned char buf[RIN_BUF];
	size_t pos, len;
	int eof;
	const char *err;
	ZSTD_DCtx *zd;
	size_t chunk_left;   /* bytes of the current chunk not yet decoded */
	z_stream zs;           /* an outer gzip, when zs_ready */
	int zs_ready;
	unsigned char zbuf[RIN_BUF];
	size_t zpos, zlen;
	int zeof;
	int gzip;
};

struct rout {
	ZSTD_CCtx *cc;
	unsigned char *out;
	size_t cap;
	int restart;
};

/* Read from the file, through gunzip when the file is gzip: members one
 * after another (as `cat a.gz b.gz` makes); a cut-off member ends the input
 * like a cut-off file would.  Bytes, 0 at the end, -1 on an error. */
static ssize_t raw_read(struct rin *in, unsigned char *dst, size_t n)
{
	if (!in->zs_ready) {
		if (in->zlen > in->zpos) {   /* bytes read to tell the kind */
			if (n > in->zlen - in->zpos)
				n = in->zlen - in->zpos;
			memcpy(dst, in->zbuf + in->zpos, n);
			in->zpos += n;
			return (ssize_t)n;
		}
		return read(in->fd, dst, n);
	}
	for (;;) {
		if (in->zpos == in->zlen && !in->zeof) {
			ssize_t got = read(in->fd, in->zbuf, sizeof in->zbuf);
			if (got < 0)
				return -1;
			in->zpos = 0;
			in->zlen = (size_t)got;
			in->zeof = got == 0;
		}
		if (in->zpos == in->zlen)
			return 0;
		in->zs.next_in = in->zbuf + in->zpos;
		in->zs.avail_in = (uInt)(in->zlen - in->zpos);
		in->zs.next_out = dst;
		in->zs.avail_out = (uInt)n;
		int rc = inflate(&in->zs, Z_NO_FLUSH);
		size_t got = n - in->zs.avail_out;
		in->zpos = in->zlen - in->zs.avail_in;
		if (rc == Z_STREAM_END)
			inflateReset(&in->zs);
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			in->err = "corrupt gzip data";
			errno = EIO;
			return -1;
		}
		if (got)
			return (ssize_t)got;
	}
}

/* Top up the input buffer; 0, or -1 on a read error. */
static int fill(struct rin *in)
{
	ssize_t n;

	if (in->pos > 0 && in->pos < in->len)
		memmove(in->buf, in->buf + in->pos, in->len - in->pos);
	in->len -= in->pos;
	in->pos = 0;
	while (!in->eof && in->len < sizeof in->buf) {
		n = raw_read(in, in->buf + in->len, sizeof in->buf - in->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (!in->err)
				in->err = "read error";
			return -1;
		}
		if (n == 0)
			in->eof = 1;
		in->len += (size_t)n;
		break;
	}
	return 0;
}

/* Make at least want bytes available unless the file ends first. */
static int want_bytes(struct rin *in, size_t want)
{
	while (in->len - in->pos < want && !in->eof)
		if (fill(in) < 0)
			return -1;
	return 0;
}

/* Open fd and tell its kind by the first bytes. */
struct rin *rin_open(int fd, const char **why)
{
	struct rin *in = calloc(1, sizeof *in);

	if (!in) {
		if (why)
			*why = "out of memory";
		close(fd);
		return NULL;
	}
	in->fd = fd;
	while (in->zlen < 2) {   /* gzip outside? */
		ssize_t got = read(fd, in->zbuf + in->zlen, 2 - in->zlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		in->zlen += (size_t)got;
	}
	if (in->zlen == 2 && in->zbuf[0] == 0x1f && in->zbuf[1] == 0x8b) {
		if (inflateInit2(&in->zs, 15 + 16) != Z_OK) {
			if (why)
				*why = "out of memory";
			rin_close(in);
			return NULL;
		}
		in->zs_ready = 1;
		in->gzip = 1;
	}
	if (want_bytes(in, RSTREAM_MAGIC_LEN) < 0) {
		if (why)
			*why = in->err;
		rin_close(in);
		return NULL;
	}
	if (in->len >= RSTREAM_MAGIC_LEN &&
	    memcmp(in->buf, RSTREAM_MAGIC, RSTREAM_MAGIC_LEN) == 0) {
		in->kind = RIN_ZST;
		in->pos = RSTREAM_MAGIC_LEN;
		in->zd = ZSTD_createDCtx();
		if (!in->zd || ZSTD_isError(ZSTD_DCtx_setParameter(in->zd,
		        ZSTD_d_windowLogMax, RIN_WLOG_MAX))) {
			if (why)
				*why = "out of memory";
			rin_close(in);
			return NULL;
		}
	} else {
		in->kind = RIN_TEXT;
	}
	return in;
}

/* The kind of input. */
enum rin_kind rin_kind(const struct rin *in)
{
	return in->kind;
}

/* True when the file is gzip outside. */
int rin_gzip(const struct rin *in)
{
	return in->gzip;
}

/* Bare text: the buffer, then the file. */
static long read_text(struct rin *in, char *out, size_t n)
{
	if (in->pos == in->len && fill(in) < 0)
		return RIN_ERR;
	if (in->pos == in->len)
		return RIN_EOF;
	if (n > in->len - in->pos)
		n = in->len - in->pos;
	memcpy(out, in->buf + in->pos, n);
	in->pos += n;
	return (long)n;
}

/* The zstd chunk container. */
static long read_zst(struct rin *in, char *out, size_t n)
{
	for (;;) {
		ZSTD_outBuffer ob = { out, n, 0 };
		ZSTD_inBuffer ib = { in->buf + in->pos, 0, 0 };
		size_t rc;

		if (in->chunk_left == 0) {
			/* what the last chunk left inside the decoder */
			rc = ZSTD_decompressStream(in->zd, &ob, &ib);
			if (ZSTD_isError(rc)) {
				in->err = "corrupt compressed data";
				return RIN_ERR;
			}
			if (ob.pos)
				return (long)ob.pos;
			if (want_bytes(in, 4) < 0)
				return RIN_ERR;
			if (in->len - in->pos < 4)
				return RIN_EOF;   /* cut off: the end */
			const unsigned char *w = in->buf + in->pos;
			uint32_t word = (uint32_t)w[0] | (uint32_t)w[1] << 8 |
			                (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
			in->pos += 4;
			in->chunk_left = word & ~RSTREAM_NEW;
			if (in->chunk_left > RSTREAM_MAX_CHUNK) {
				in->err = "chunk longer than any record";
				return RIN_ERR;
			}
			if (word & RSTREAM_NEW) {
				ZSTD_DCtx_reset(in->zd, ZSTD_reset_session_only);
				return RIN_BOUNDARY;
			}
			continue;
		}
		if (in->pos == in->len && fill(in) < 0)
			return RIN_ERR;
		if (in->pos == in->len)
			return RIN_EOF;   /* cut off inside a chunk: the end */
		ib.src = in->buf + in->pos;
		ib.size = in->len - in->pos;
		if (ib.size > in->chunk_left)
			ib.size = in->chunk_left;
		rc = ZSTD_decompressStream(in->zd, &ob, &ib);
		if (ZSTD_isError(rc)) {
			in->err = "corrupt compressed data";
			return RIN_ERR;
		}
		in->pos += ib.pos;
		in->chunk_left -= ib.pos;
		if (ob.pos)
			return (long)ob.pos;
	}
}

/* Up to n decoded bytes. */
long rin_read(struct rin *in, char *buf, size_t n)
{
	if (n == 0)
		return RIN_EOF;
	switch (in->kind) {
	case RIN_ZST:  return read_zst(in, buf, n);
	default:       return read_text(in, buf, n);
	}
}

/* Why the last read failed. */
const char *rin_error(const struct rin *in)
{
	return in->err ? in->err : "read error";
}

/* Close the file and free the decoders. */
void rin_close(struct rin *in)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	ZSTD_freeDCtx(in->zd);
	if (in->zs_ready)
		inflateEnd(&in->zs);
	free(in);
}

/* Walk the chunk words from the magic to the last whole chunk. */
long long rstream_whole_end(int fd)
{
	unsigned char buf[RIN_BUF];
	long long base = 0, pos = RSTREAM_MAGIC_LEN;
	ssize_t n = pread(fd, buf, sizeof buf, 0);

	if (n < RSTREAM_MAGIC_LEN || memcmp(buf, RSTREAM_MAGIC, RSTREAM_MAGIC_LEN) != 0)
		return -1;
	for (;;) {
		/* the word at pos must be inside buf[0..n) */
		if (pos + 4 > base + n) {
			base = pos;
			n = pread(fd, buf, sizeof buf, (off_t)base);
			if (n < 0)
				return -1;
			if (n < 4)
				return pos;
		}
		const unsigned char *w = buf + (pos - base);
		uint32_t word = (uint32_t)w[0] | (uint32_t)w[1] << 8 |
		                (uint32_t)w[2] << 16 | (uint32_t)w[3] << 24;
		long long next = pos + 4 + (word & ~RSTREAM_NEW);
		if ((word & ~RSTREAM_NEW) > RSTREAM_MAX_CHUNK)
			return pos;
		/* is the chunk whole?  one byte at its end tells */
		if (next > base + n) {
			unsigned char b;
			if (pread(fd, &b, 1, (off_t)(next - 1)) != 1)
				return pos;
		}
		pos = next;
	}
}

/* A compressor with a window of about window_bytes (2^20 .. 2^27). */
struct rout *rout_new(size_t window_bytes)
{
	struct rout *o = calloc(1, sizeof *o);
	int wlog = 20;

	if (!o)
		return NULL;
	while (wlog < RIN_WLOG_MAX && ((size_t)1 << wlog) < window_bytes)
		wlog++;
	o->cc = ZSTD_createCCtx();
	if (!o->cc ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(o->cc, ZSTD_c_compressionLevel, ROUT_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(o->cc, ZSTD_c_windowLog, wlog)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(o->cc, ZSTD_c_checksumFlag, 0))) {
		rout_free(o);
		return NULL;
	}
	o->restart = 1;
	return o;
}

/* Room for need more bytes after used. */
static int grow(struct rout *o, size_t used, size_t need)
{
	size_t cap = o->cap ? o->cap : 4096;
	unsigned char *p;

	while (cap - used < need)
		cap *= 2;
	if (cap == o->cap)
		return 0;
	if (!(p = realloc(o->out, cap)))
		return -1;
	o->out = p;
	o->cap = cap;
	return 0;
}

/* Feed one part; flush after the last. */
static int feed(struct rout *o, size_t *used, const void *p, size_t n,
                ZSTD_EndDirective how)
{
	ZSTD_inBuffer ib = { p, n, 0 };
	size_t left;

	do {
		if (grow(o, *used, ZSTD_compressBound(n - ib.pos) + 64) < 0)
			return -1;
		ZSTD_outBuffer ob = { o->out, o->cap, *used };
		left = ZSTD_compressStream2(o->cc, &ob, &ib, how);
		if (ZSTD_isError(left))
			return -1;
		*used = ob.pos;
	} while (ib.pos < n || (how != ZSTD_e_continue && left > 0));
	return 0;
}

/* One record in, one chunk out (the stream ended after it when end). */
static int chunk(struct rout *o, const void *a, size_t alen, const void *b,
                 size_t blen, int end, const unsigned char **out, size_t *outlen)
{
	size_t used = 4;
	uint32_t word;

	if (grow(o, 0, 4) < 0)
		return -1;
	if (o->restart)
		ZSTD_CCtx_reset(o->cc, ZSTD_reset_session_only);
	if (feed(o, &used, a, alen, ZSTD_e_continue) < 0 ||
	    feed(o, &used, b, blen, end ? ZSTD_e_end : ZSTD_e_flush) < 0 ||
	    used - 4 > RSTREAM_MAX_CHUNK)
		return -1;
	word = (uint32_t)(used - 4) | (o->restart ? RSTREAM_NEW : 0);
	o->out[0] = (unsigned char)word;
	o->out[1] = (unsigned char)(word >> 8);
	o->out[2] = (unsigned char)(word >> 16);
	o->out[3] = (unsigned char)(word >> 24);
	o->restart = 0;
	*out = o->out;
	*outlen = used;
	return 0;
}

/* One record in, one chunk out. */
int rout_chunk(struct rout *o, const void *a, size_t alen, const void *b,
               size_t blen, const unsigned char **out, size_t *outlen)
{
	return chunk(o, a, alen, b, blen, 0, out, outlen);
}

/* The chunk that ends the stream's zstd frame. */
int rout_end(struct rout *o, const unsigned char **out, size_t *outlen)
{
	return chunk(o, NULL, 0, NULL, 0, 1, out, outlen);
}

/* Begin a new stream with the next chunk. */
void rout_restart(struct rout *o)
{
	o->restart = 1;
}

/* Free the compressor. */
void rout_free(struct rout *o)
{
	if (!o)
		return;
	ZSTD_freeCCtx(o->cc);
	free(o->out);
	free(o);
}
