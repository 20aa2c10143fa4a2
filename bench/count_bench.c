/*
 * count_bench.c — time doptop's directory counter (src/count.c) on DIR.
 * Usage: count_bench DIR [REPS] [GLOB]; prints "COUNT BEST_SECONDS" where
 * BEST_SECONDS is the fastest of REPS full reads (the mtime skip is defeated
 * by a fresh counter per repetition, so every run really reads the dir).
 * count_bench --create DIR N makes DIR (must not exist) with N empty files.
 */
#include "count.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create dir holding n empty files f0000000...; 0 or 1. */
static int create(const char *dir, long n)
{
	char name[32];
	int dfd;

	if (mkdir(dir, 0755) < 0) {
		perror(dir);
		return 1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(dir);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(name, sizeof name, "f%07ld", i);
		fd = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror(name);
			close(dfd);
			return 1;
		}
		close(fd);
	}
	close(dfd);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	const char *glob = argc > 3 ? argv[3] : NULL;
	double best = -1;
	uint64_t n = 0;

	if (argc == 4 && strcmp(argv[1], "--create") == 0)
		return create(argv[2], atol(argv[3]));
	if (argc < 2 || reps < 1) {
		fprintf(stderr, "usage: count_bench DIR [REPS] [GLOB]\n");
		return 2;
	}
	for (int i = 0; i < reps; i++) {
		struct counter *c = counter_new(argv[1], glob, false);
		const char *why = NULL;
		double took = 0;

		if (!c || counter_count(c, &n, &took, &why) < 0) {
			fprintf(stderr, "count_bench: %s\n", why ? why : "out of memory");
			counter_free(c);
			return 1;
		}
		if (counter_stats(c)->dirs_read != 1) {
			fprintf(stderr, "count_bench: directory was not read\n");
			counter_free(c);
			return 1;
		}
		if (best < 0 || took < best)
			best = took;
		counter_free(c);
	}
	printf("%llu %.6f\n", (unsigned long long)n, best);
	return 0;
}
