/*
 * fuzz_facts.c — libFuzzer target for what a node answers to the slow
 * commands: the facts text (workers, memory cgroup, disks), the inputs'
 * size line, and a job record (J) as a replay reads it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "insize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct facts f;
	struct insize in;
	memset(&f, 0, sizeof f);
	facts_parse((const char *)data, size, true, true, &f);
	facts_job_cpu(&f, 1.0);
	facts_parse((const char *)data, size, true, false, &f);
	facts_job_cpu(&f, 2.0);
	if (f.w.count < 0 || f.w.count > 4000 || f.w.running + f.w.sleeping + f.w.blocked +
	    f.w.other != f.w.count || strlen(f.disk_mount) >= sizeof f.disk_mount ||
	    (f.have_job_cores && !(f.job_cores >= 0)))
		abort();
	if (insize_parse((const char *)data, size, &in) == 0 &&
	    (in.sampled > in.files || !(in.bytes >= 0)))
		abort();
	return 0;
}
