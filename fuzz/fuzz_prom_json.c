/*
 * fuzz_prom_json.c — libFuzzer target for Prometheus API answers: the
 * streaming vector walk and the status/config walk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of every label; check the caps held. */
static int on_series(void *arg, const struct expo_sample *s)
{
	size_t *n = arg;

	if (s->nlabels > EXPO_MAX_LABELS || strlen(s->name) > PROM_JSON_MAX_LABEL)
		abort();
	for (int i = 0; i < s->nlabels; i++)
		if (strlen(s->label[i].name) > PROM_JSON_MAX_LABEL ||
		    strlen(s->label[i].value) > PROM_JSON_MAX_LABEL)
			abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[128];
	size_t n = 0;
	double iv;

	prom_json_vector((const char *)data, size, on_series, &n, why, sizeof why);
	if (strlen(why) >= sizeof why)
		abort();
	if (prom_json_scrape_interval((const char *)data, size, &iv) == 0 && !(iv > 0))
		abort();
	return 0;
}
