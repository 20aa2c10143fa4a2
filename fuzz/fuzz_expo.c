/*
 * fuzz_expo.c — libFuzzer target for what a node_exporter serves: the
 * exposition parser, node_metrics folding every series, and the frame it
 * writes, which parse_frame() must always read back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "node_metrics.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fold {
	struct nm_node n;
	struct nm_percpu pc;
};

/* Fold a series; touch every label byte. */
static int on_sample(void *arg, const struct expo_sample *s)
{
	struct fold *f = arg;
	size_t k = strlen(s->name);

	for (int i = 0; i < s->nlabels; i++)
		k += strlen(s->label[i].name) + strlen(s->label[i].value);
	if (k > EXPO_MAX_LINE || s->nlabels > EXPO_MAX_LABELS)
		abort();
	nm_add(&f->n, &f->pc, s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fold f;
	static struct sample s;
	static char frame[NM_FRAME_MAX];
	int n;

	nm_clear(&f.n);
	memset(&f.pc, 0, sizeof f.pc);
	if (expo_parse((const char *)data, size, on_sample, &f, NULL) != 0)
		return 0;
	n = nm_frame(&f.n, &f.pc, 1, "exporter", 1.0, frame, sizeof frame);
	/* whatever the exporter said, the frame we write must parse */
	if (n > 0 && parse_frame(frame, (size_t)n, &s) != 0)
		abort();
	return 0;
}
