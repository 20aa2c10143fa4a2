/*
 * fuzz_parse.c — libFuzzer target for everything that reads remote text:
 * the incremental frame parser (in several chunk splits, which must all
 * agree; a whole frame and deltas after it, probe.h protocol 2),
 * frame_delta_apply() on its own (the input split after its first end
 * line into a previous frame and a delta), parse_frame() and every
 * parse_proc_*().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame_delta.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frames seen by one run of the incremental parser. */
struct tally {
	unsigned frames;
	uint64_t seqsum;
};

/* Count a frame and touch every byte of its raw text. */
static void on_frame(void *arg, const struct sample *s, const char *raw,
                     size_t rawlen)
{
	struct tally *t = arg;

	if (rawlen == 0 || raw[rawlen - 1] != '\n' || !(s->have & SP_STAT) ||
	    s->ncpu < 0 || s->ncpu > SAMPLE_MAX_CPUS ||
	    s->ndisks < 0 || s->ndisks > SAMPLE_MAX_DISKS)
		abort();
	t->frames++;
	t->seqsum += s->seq;
}

/* Feed data in pieces of step bytes (0: all at once); returns the code. */
static int feed_split(const char *d, size_t n, size_t step, struct tally *t)
{
	struct fparse *p = fparse_new();
	size_t off = 0, k;
	int rc = 0;

	if (!p)
		return 0;
	while (off < n && rc == 0) {
		k = step && step < n - off ? step : n - off;
		rc = fparse_feed(p, d + off, k, on_frame, t);
		off += k;
	}
	if (rc && fparse_feed(p, "x\n", 2, on_frame, t) != rc)
		abort();   /* errors must be sticky */
	fparse_free(p);
	return rc;
}

/* The input as a previous frame (to the end of its first "@@END" line)
 * and a delta after it. */
static void delta_apply(const char *d, size_t n, struct sample *s)
{
	const char *e = memmem(d, n, "\n@@END", 6), *nl;
	char *out;
	size_t len;

	if (!e)
		return;
	nl = memchr(e + 1, '\n', n - (size_t)(e + 1 - d));
	if (!nl)
		return;
	if (frame_delta_apply(d, (size_t)(nl + 1 - d), nl + 1, n - (size_t)(nl + 1 - d),
	                      &out, &len) < 0) {
		if (out)
			abort();
		return;
	}
	if (len > FPARSE_MAX_FRAME || out[len] != '\0' || len == 0 || out[len - 1] != '\n')
		abort();
	parse_frame(out, len, s);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[] = { 0, 1, 7, 4096 };
	const char *d = (const char *)data;
	struct sample *s = malloc(sizeof(*s));
	struct tally t0 = { 0, 0 };
	int rc0 = 0;
	size_t i;

	if (!s)
		return 0;
	/* Every split must give the same result and the same frames. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct tally t = { 0, 0 };
		int rc = feed_split(d, size, steps[i], &t);

		if (i == 0) {
			rc0 = rc;
			t0 = t;
		} else if (rc != rc0 || t.frames != t0.frames || t.seqsum != t0.seqsum) {
			abort();
		}
	}
	delta_apply(d, size, s);
	parse_frame(d, size, s);
	sample_clear(s);
	parse_proc_stat(d, size, s);
	parse_proc_diskstats(d, size, s);
	parse_proc_netdev(d, size, s);
	parse_proc_loadavg(d, size, s);
	parse_proc_meminfo(d, size, s);
	parse_proc_vmstat(d, size, s);
	parse_proc_psi(d, size, 'c', s);
	parse_proc_psi(d, size, 'i', s);
	parse_proc_psi(d, size, 'm', s);
	if (s->ncpu < 0 || s->ncpu > SAMPLE_MAX_CPUS ||
	    s->ndisks < 0 || s->ndisks > SAMPLE_MAX_DISKS)
		abort();
	free(s);
	return 0;
}
