/*
 * sample.c — helpers on struct sample: clearing, and deciding which
 * /proc/diskstats devices count as whole disks.
 */
#include <string.h>

#include "sample.h"

/* Prefixes of virtual or stacked devices that are never counted: their I/O
 * is either not real disk traffic (loop, ram, zram, nbd, fd, sr) or is
 * already counted on the underlying whole disk (dm-*, md*). */
static const char *const skip_prefix[] = {
	"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd",
};

/* Reset a sample to "nothing present". */
void sample_clear(struct sample *s)
{
	memset(s, 0, sizeof(*s));
}

/* True when c is an ASCII digit (locale independent). */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when s[0..] is one or more digits and nothing else. */
static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

/* Skip digits; returns the first non-digit (NULL if there was none). */
static const char *skip_digits(const char *s)
{
	const char *p = s;

	while (is_digit(*p))
		p++;
	return p == s ? NULL : p;
}

/* "sd"/"vd"/"xvd"/"hd" + letters is a disk; letters followed by digits is
 * one of its partitions (sda1, vdb2, xvda1). */
static bool letter_disk(const char *rest)
{
	const char *p = rest;

	while (*p >= 'a' && *p <= 'z')
		p++;
	return p != rest && *p == '\0';
}

/* nvme<ctl>n<ns> is a namespace (whole disk); nvme<ctl>n<ns>p<part> and the
 * hidden multipath paths nvme<ctl>c<x>n<ns> are not counted. */
static bool nvme_disk(const char *rest)
{
	const char *p = skip_digits(rest);

	if (!p || *p != 'n')
		return false;
	p = skip_digits(p + 1);
	return p && *p == '\0';
}

/* Whether a diskstats device is a whole disk.  Whole disks only, so that
 * a partition's bytes are never counted a second time with its disk. */
bool sample_disk_is_whole(const char *name)
{
	size_t i, n;

	if (!name || !*name || strlen(name) >= SAMPLE_DISK_NAME)
		return false;
	for (i = 0; i < sizeof(skip_prefix) / sizeof(skip_prefix[0]); i++) {
		n = strlen(skip_prefix[i]);
		if (strncmp(name, skip_prefix[i], n) == 0)
			return false;
	}
	if (strncmp(name, "xvd", 3) == 0)
		return letter_disk(name + 3);
	if (strncmp(name, "sd", 2) == 0 || strncmp(name, "vd", 2) == 0 ||
	    strncmp(name, "hd", 2) == 0)
		return letter_disk(name + 2);
	if (strncmp(name, "nvme", 4) == 0)
		return nvme_disk(name + 4);
	if (strncmp(name, "mmcblk", 6) == 0)
		return all_digits(name + 6);
	/* Unknown driver: the kernel names partitions of a disk whose name
	 * ends in a digit "<disk>p<N>" (e.g. rbd0p1), so skip those. */
	n = strlen(name);
	while (n > 0 && is_digit(name[n - 1]))
		n--;
	if (n >= 2 && n < strlen(name) && name[n - 1] == 'p' && is_digit(name[n - 2]))
		return false;
	return true;
}

void sample_set_cpu(struct sample *s, int i, const struct cpu_times *c)
{
	struct cpu_ticks32 *t = &s->percpu[i];
	t->user = (uint32_t)c->user;
	t->nice = (uint32_t)c->nice;
	t->system = (uint32_t)c->system;
	t->idle = (uint32_t)c->idle;
	t->iowait = (uint32_t)c->iowait;
	t->irq = (uint32_t)c->irq;
	t->softirq = (uint32_t)c->softirq;
	t->steal = (uint32_t)c->steal;
}
