/*
 * fuzz_record.c — libFuzzer target for the recording reader (--replay
 * reads files from anywhere): the input is a whole file, read through
 * replay_open() as bare text, gzip or doptop's zstd container, every
 * record visited, every frame, status (S) and tick (T) parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "parse.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replay one file image; every record's fields must be in range. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	struct replay *rp;
	struct rec_item it;
	struct sample s;
	struct rec_status st;
	double last = 0;
	int rc, n = 0;

	if (fd < 0 && (fd = memfd_create("fuzz-record", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	rp = replay_open(path, NULL);
	if (!rp)
		return 0;
	while ((rc = replay_next_item(rp, &it)) == 1 && n++ < 100000) {
		if (it.node < -1 || it.node >= replay_nnodes(rp) || it.t < last ||
		    it.t >= RECORD_MAX_TIME || it.len > RECORD_MAX_PAYLOAD ||
		    strlen(it.type) == 0 || strlen(it.type) > RECORD_MAX_TYPE)
			abort();
		last = it.t;
		if (strcmp(it.type, "F") == 0)
			parse_frame(it.data, it.len, &s);
		if (strcmp(it.type, "S") == 0 && replay_parse_status(it.data, it.len, &st) == 0 &&
		    (st.why + st.why_len > it.data + it.len || !(st.since >= 0) || !(st.retry_at >= 0)))
			abort();
		if (strcmp(it.type, "T") == 0 && !(replay_tick_time(it.data, it.len, it.t) >= 0))
			abort();
	}
	if (rc > 0 || (rc < 0 && !*replay_error(rp)))
		abort();
	replay_close(rp);
	return 0;
}
