/*
 * parse_proc.c — one /proc file's text -> fields of struct sample.
 *
 * Rules shared by every parser here:
 *  - text is not NUL-terminated; nothing past len is read.
 *  - a last line without '\n' is treated as cut off and ignored (real /proc
 *    files always end in a newline), so a truncated file is missing lines
 *    rather than holding a half number.
 *  - every number is checked: digits only, no sign, fits in 64 bits.
 *  - unknown lines and extra columns (newer kernels) are ignored.
 *  - the SP_* bit is set only when the whole file parsed.
 */
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "text.h"

/* A run of bytes inside the caller's text (not NUL-terminated). */
struct tok {
	const char *p;
	size_t n;
};

/* Reading position over text: the current line, then its words. */
struct cursor {
	const char *p, *end;
};

/* Next complete line (without its '\n') into *line; 0 when none is left. */
static int next_line(struct cursor *c, struct cursor *line)
{
	const char *nl;

	if (c->p >= c->end)
		return 0;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!nl)
		return 0;
	line->p = c->p;
	line->end = nl;
	c->p = nl + 1;
	return 1;
}

/* True for the separators /proc uses between columns. */
static int is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Next whitespace-separated word of a line; 0 when none is left. */
static int next_word(struct cursor *line, struct tok *t)
{
	while (line->p < line->end && is_space(*line->p))
		line->p++;
	if (line->p >= line->end)
		return 0;
	t->p = line->p;
	while (line->p < line->end && !is_space(*line->p))
		line->p++;
	t->n = (size_t)(line->p - t->p);
	return 1;
}

/* True when the token is exactly the string s. */
static int tok_is(struct tok t, const char *s)
{
	return strlen(s) == t.n && memcmp(t.p, s, t.n) == 0;
}

/* A text.h result as a PARSE_E* code.  A leading '-' is a number, out
 * of range (a counter never goes negative), not garbage. */
static int tok_result(struct tok t, int rc)
{
	if (rc == 0)
		return 0;
	return rc == TEXT_ERANGE || (t.n > 0 && t.p[0] == '-') ? PARSE_ERANGE : PARSE_EFORMAT;
}

/* Convert a token of decimal digits into *v. */
static int tok_u64(struct tok t, uint64_t *v)
{
	return tok_result(t, text_u64(t.p, t.n, UINT64_MAX, v));
}

/* Convert "123", "0.52" or "1764133543.123456" (',' accepted for '.')
 * into *d without depending on the process locale. */
static int tok_decimal(struct tok t, double *d)
{
	return tok_result(t, text_decimal(t.p, t.n, 0, (double)UINT64_MAX, d));
}

/* Read the next word of a line as a number; PARSE_EFORMAT when absent. */
static int word_u64(struct cursor *line, uint64_t *v)
{
	struct tok t;

	if (!next_word(line, &t))
		return PARSE_EFORMAT;
	return tok_u64(t, v);
}

/* Fill a cpu_times from the rest of a "cpu" line.  Kernels before 2.6.11
 * print fewer columns (no steal, iowait, irq...): those stay 0.  At least
 * user, nice, system and idle must be there. */
static int parse_cpu_line(struct cursor *line, struct cpu_times *ct)
{
	uint64_t *field[] = { &ct->user, &ct->nice, &ct->system, &ct->idle,
	                      &ct->iowait, &ct->irq, &ct->softirq, &ct->steal };
	size_t nf = sizeof(field) / sizeof(field[0]), i = 0;
	uint64_t v;
	struct tok t;
	int rc;

	memset(ct, 0, sizeof(*ct));
	while (next_word(line, &t)) {
		if ((rc = tok_u64(t, &v)) < 0)
			return rc;
		if (i < nf)
			*field[i] = v;
		i++;
	}
	return i >= 4 ? 0 : PARSE_EFORMAT;
}

/* True for "cpu<digits>". */
static int is_cpun(struct tok t)
{
	size_t i;

	if (t.n < 4 || memcmp(t.p, "cpu", 3) != 0)
		return 0;
	for (i = 3; i < t.n; i++)
		if (t.p[i] < '0' || t.p[i] > '9')
			return 0;
	return 1;
}

/* /proc/stat: cpu lines and the scalar counters. */
int parse_proc_stat(const char *text, size_t len, struct sample *s)
{
	static const char *const key[] = { "ctxt", "processes", "btime",
	                                   "procs_running", "procs_blocked" };
	uint64_t *dst[] = { &s->ctxt, &s->processes, &s->btime,
	                    &s->procs_running, &s->procs_blocked };
	struct cursor c = { text, text + len }, line;
	unsigned seen = 0, all = (1u << 6) - 1;
	struct tok t;
	size_t i;
	int rc;

	s->ncpu = 0;
	s->cores = 0;
	while (next_line(&c, &line)) {
		if (!next_word(&line, &t))
			continue;
		if (tok_is(t, "cores")) {   /* not in /proc/stat: see sample.h */
			uint64_t n;
			if ((rc = word_u64(&line, &n)) < 0)
				return rc;
			s->cores = n > SAMPLE_MAX_CPUS * 64 ? SAMPLE_MAX_CPUS * 64 : (int)n;
			continue;
		}
		if (tok_is(t, "cpu")) {
			if ((rc = parse_cpu_line(&line, &s->cpu)) < 0)
				return rc;
			seen |= 1u << 5;
			continue;
		}
		if (is_cpun(t)) {
			if (s->ncpu >= SAMPLE_MAX_CPUS)
				continue;
			struct cpu_times ct;
			if ((rc = parse_cpu_line(&line, &ct)) < 0)
				return rc;
			sample_set_cpu(s, s->ncpu++, &ct);
			continue;
		}
		for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
			if (!tok_is(t, key[i]))
				continue;
			if ((rc = word_u64(&line, dst[i])) < 0)
				return rc;
			seen |= 1u << i;
		}
	}
	if (seen != all)
		return PARSE_EFORMAT;
	s->have |= SP_STAT;
	return 0;
}

/* True when every byte is printable ASCII: device names end up on screen. */
static int printable(struct tok t)
{
	size_t i;

	for (i = 0; i < t.n; i++)
		if (t.p[i] < 0x21 || t.p[i] > 0x7e)
			return 0;
	return 1;
}

/* One /proc/diskstats line of a whole disk into d (at least the 11 classic
 * counters after major, minor and name; newer kernels append more). */
static int parse_disk_line(struct cursor *line, struct tok name,
                           struct disk_counters *d)
{
	uint64_t v[11];
	size_t i;
	int rc;

	for (i = 0; i < 11; i++)
		if ((rc = word_u64(line, &v[i])) < 0)
			return rc;
	memset(d, 0, sizeof(*d));
	memcpy(d->name, name.p, name.n);
	d->rd_ios = v[0];
	d->rd_sectors = v[2];
	d->wr_ios = v[4];
	d->wr_sectors = v[6];
	d->io_ms = v[9];
	return 0;
}

/* /proc/diskstats: whole disks only, at most SAMPLE_MAX_DISKS. */
int parse_proc_diskstats(const char *text, size_t len, struct sample *s)
{
	struct cursor c = { text, text + len }, line;
	char name[SAMPLE_DISK_NAME];
	uint64_t major, minor;
	struct tok t;
	int rc;

	s->ndisks = 0;
	while (next_line(&c, &line)) {
		if (!next_word(&line, &t))
			continue;
		if ((rc = tok_u64(t, &major)) < 0 || (rc = word_u64(&line, &minor)) < 0)
			return rc;
		if (!next_word(&line, &t))
			return PARSE_EFORMAT;
		if (t.n >= sizeof(name) || !printable(t))
			continue;   /* not a disk name we would ever show */
		memcpy(name, t.p, t.n);
		name[t.n] = '\0';
		if (!sample_disk_is_whole(name) || s->ndisks >= SAMPLE_MAX_DISKS)
			continue;
		if ((rc = parse_disk_line(&line, t, &s->disk[s->ndisks])) < 0)
			return rc;
		s->ndisks++;
	}
	s->have |= SP_DISK;
	return 0;
}

/* Add b to *a, failing instead of wrapping. */
static int add_u64(uint64_t *a, uint64_t b)
{
	if (*a > UINT64_MAX - b)
		return PARSE_ERANGE;
	*a += b;
	return 0;
}

/* One /proc/net/dev interface line: "name: rx_bytes ... tx_bytes ...". */
static int parse_netdev_line(struct cursor *line, struct sample *s)
{
	const char *colon = memchr(line->p, ':', (size_t)(line->end - line->p));
	struct tok name;
	uint64_t v[9];
	size_t i;
	int rc;

	if (!colon)
		return PARSE_EFORMAT;
	/* Old kernels glue big numbers to the colon ("eth0:123"), so split on
	 * the colon rather than on whitespace. */
	name.p = line->p;
	while (name.p < colon && is_space(*name.p))
		name.p++;
	name.n = (size_t)(colon - name.p);
	if (name.n == 0)
		return PARSE_EFORMAT;
	line->p = colon + 1;
	for (i = 0; i < 9; i++)
		if ((rc = word_u64(line, &v[i])) < 0)
			return rc;
	if (tok_is(name, "lo"))
		return 0;
	if ((rc = add_u64(&s->net_rx_bytes, v[0])) < 0)
		return rc;
	return add_u64(&s->net_tx_bytes, v[8]);
}

/* /proc/net/dev: rx/tx bytes summed over every interface but lo. */
int parse_proc_netdev(const char *text, size_t len, struct sample *s)
{
	struct cursor c = { text, text + len }, line;
	int header = 0, rc;

	s->net_rx_bytes = 0;
	s->net_tx_bytes = 0;
	while (next_line(&c, &line)) {
		if (memchr(line.p, '|', (size_t)(line.end - line.p))) {
			header = 1;
			continue;
		}
		if (line.p == line.end)
			continue;
		if ((rc = parse_netdev_line(&line, s)) < 0)
			return rc;
	}
	if (!header)
		return PARSE_EFORMAT;
	s->have |= SP_NET;
	return 0;
}

/* /proc/loadavg: the three load averages. */
int parse_proc_loadavg(const char *text, size_t len, struct sample *s)
{
	struct cursor c = { text, text + len }, line;
	double *dst[] = { &s->load1, &s->load5, &s->load15 };
	double v[3];
	struct tok t;
	size_t i;
	int rc;

	if (!next_line(&c, &line))
		return PARSE_EFORMAT;
	for (i = 0; i < 3; i++) {
		if (!next_word(&line, &t))
			return PARSE_EFORMAT;
		if ((rc = tok_decimal(t, &v[i])) < 0)
			return rc;
	}
	for (i = 0; i < 3; i++)
		*dst[i] = v[i];
	s->have |= SP_LOAD;
	return 0;
}

/* Value of a "Key:   123 kB" meminfo line in bytes. */
static int meminfo_bytes(struct cursor *line, uint64_t *bytes)
{
	uint64_t v;
	struct tok unit;
	int rc;

	if ((rc = word_u64(line, &v)) < 0)
		return rc;
	if (!next_word(line, &unit) || !tok_is(unit, "kB"))
		return PARSE_EFORMAT;
	if (v > UINT64_MAX / 1024)
		return PARSE_ERANGE;
	*bytes = v * 1024;
	return 0;
}

/* /proc/meminfo: total/available memory and swap, in bytes. */
int parse_proc_meminfo(const char *text, size_t len, struct sample *s)
{
	static const char *const key[] = { "MemTotal:", "MemAvailable:",
	                                   "SwapTotal:", "SwapFree:",
	                                   "MemFree:", "Buffers:", "Cached:" };
	uint64_t v[7] = { 0 };
	struct cursor c = { text, text + len }, line;
	unsigned seen = 0;
	struct tok t;
	size_t i;
	int rc;

	while (next_line(&c, &line)) {
		if (!next_word(&line, &t))
			continue;
		for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
			if (!tok_is(t, key[i]))
				continue;
			if ((rc = meminfo_bytes(&line, &v[i])) < 0)
				return rc;
			seen |= 1u << i;
		}
	}
	if ((seen & 0x0d) != 0x0d)
		return PARSE_EFORMAT;
	/* MemAvailable exists since Linux 3.14; before that, free + page
	 * cache + buffers is the usual estimate. */
	if (!(seen & 0x02) && (add_u64(&v[1], v[4]) < 0 ||
	                       add_u64(&v[1], v[5]) < 0 || add_u64(&v[1], v[6]) < 0))
		return PARSE_ERANGE;
	s->mem_total = v[0];
	s->mem_available = v[1];
	s->swap_total = v[2];
	s->swap_free = v[3];
	s->have |= SP_MEM;
	return 0;
}

/* /proc/vmstat: swap-ins, swap-outs and page-cache refaults. */
int parse_proc_vmstat(const char *text, size_t len, struct sample *s)
{
	static const char *const key[] = { "pswpin", "pswpout",
	                                   "workingset_refault_file",
	                                   "workingset_refault_anon",
	                                   "workingset_refault" };
	uint64_t v[5] = { 0 }, x;
	struct cursor c = { text, text + len }, line;
	unsigned seen = 0;
	struct tok t;
	size_t i;
	int rc;

	while (next_line(&c, &line)) {
		if (!next_word(&line, &t))
			continue;
		if ((rc = word_u64(&line, &x)) < 0)
			return rc;
		for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
			if (tok_is(t, key[i])) {
				v[i] = x;
				seen |= 1u << i;
			}
		}
	}
	if (!seen)
		return PARSE_EFORMAT;
	/* Linux 5.9 split workingset_refault into _file and _anon. */
	if (seen & 0x0c) {
		if (add_u64(&v[2], v[3]) < 0)
			return PARSE_ERANGE;
	} else {
		v[2] = v[4];
	}
	s->pswpin = v[0];
	s->pswpout = v[1];
	s->refault = v[2];
	s->have |= SP_VMSTAT;
	if (seen & 0x1c)
		s->have |= SP_REFAULT;
	return 0;
}

/* The "total=" microseconds of a PSI "some"/"full" line. */
static int psi_total(struct cursor *line, uint64_t *total)
{
	struct tok t;

	while (next_word(line, &t)) {
		if (t.n > 6 && memcmp(t.p, "total=", 6) == 0) {
			t.p += 6;
			t.n -= 6;
			return tok_u64(t, total);
		}
	}
	return PARSE_EFORMAT;
}

/* /proc/pressure/{cpu,io,memory}: "some" and "full" totals.  The cpu file
 * has a "full" line since Linux 5.13; it is meaningless there and ignored. */
int parse_proc_psi(const char *text, size_t len, char which, struct sample *s)
{
	struct cursor c = { text, text + len }, line;
	uint64_t some = 0, full = 0;
	unsigned seen = 0, need;
	struct tok t;
	int rc;

	if (which != 'c' && which != 'i' && which != 'm')
		return PARSE_EFORMAT;
	need = which == 'c' ? 1u : 3u;
	while (next_line(&c, &line)) {
		if (!next_word(&line, &t))
			continue;
		if (tok_is(t, "some")) {
			if ((rc = psi_total(&line, &some)) < 0)
				return rc;
			seen |= 1;
		} else if (tok_is(t, "full")) {
			if ((rc = psi_total(&line, &full)) < 0)
				return rc;
			seen |= 2;
		} else {
			return PARSE_EFORMAT;
		}
	}
	if ((seen & need) != need)
		return PARSE_EFORMAT;
	if (which == 'c') {
		s->psi_cpu_some = some;
		s->have |= SP_PSI_CPU;
	} else if (which == 'i') {
		s->psi_io_some = some;
		s->psi_io_full = full;
		s->have |= SP_PSI_IO;
	} else {
		s->psi_mem_some = some;
		s->psi_mem_full = full;
		s->have |= SP_PSI_MEM;
	}
	return 0;
}
