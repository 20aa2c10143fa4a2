/* facts.c — a node's workers, memory cgroup and local disk room (see facts.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "facts.h"
#include "text.h"

/* File systems that count as a local disk to copy inputs to (df -l also
 * lists tmpfs, devtmpfs, overlay...: those are memory or not ours). */
#define DISK_TYPES "ext2|ext3|ext4|xfs|btrfs|f2fs|zfs|jfs|nilfs2|bcachefs"
/* At most this many P lines are written; the counts stop there too. */
#define FACTS_MAX_PROCS 4000
/* Characters of a command line kept. */
#define FACTS_ARGS_MAX 200

/* Shell-quote s into buf at *len ('...' with ' as '\''); false if full. */
static bool squote(char *buf, size_t cap, size_t *len, const char *s)
{
	if (*len + 2 >= cap)
		return false;
	buf[(*len)++] = '\'';
	for (; *s; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t n = piece ? 4 : 1;
		if (*len + n + 2 >= cap)
			return false;
		if (piece)
			memcpy(buf + *len, piece, n);
		else
			buf[*len] = *s;
		*len += n;
	}
	buf[(*len)++] = '\'';
	buf[*len] = 0;
	return true;
}

/* Append a literal; false if full. */
static bool lit(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > cap)
		return false;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return true;
}

int facts_command(char *buf, size_t cap, const char *pattern, bool disks)
{
	size_t len = 0;
	if (cap == 0)
		return -1;
	buf[0] = 0;
	if (pattern) {
		/* The shell running this ($$) has the pattern in its command
		 * line: skip it and its children (the pipeline).  The clock
		 * rate is read before ps runs: a command substitution inside
		 * the pipeline is a grandchild with the same command line. */
		if (!lit(buf, cap, &len, "DOPTOP_PAT=") || !squote(buf, cap, &len, pattern) ||
		    !lit(buf, cap, &len,
		         "; export DOPTOP_PAT; hz=$(getconf CLK_TCK 2>/dev/null || echo 100); "
		         "LC_ALL=C ps -eo pid=,ppid=,stat=,args= 2>/dev/null | "
		         "awk -v me=$$ -v hz=\"$hz\" '{s=$0; sub(/^[ \\t]*[0-9]+[ \\t]+[0-9]+[ \\t]+[^ \\t]+[ \\t]*/, \"\", s)} "
		         "$1 != me && $2 != me && index(s, ENVIRON[\"DOPTOP_PAT\"]) > 0 "
		         "{n++; if (n <= 4000) print \"P\", $1, $2, $3, substr(s, 1, 200); if (n == 1) p = $1; "
		         "f = \"/proc/\" $1 \"/stat\"; if ((getline st < f) > 0) {sub(/^.*\\) /, \"\", st); "
		         "split(st, a, \" \"); c += a[12] + a[13] + a[14] + a[15]} close(f)} "
		         "END {printf \"C %.0f %s\\n\", c, hz; if (p == \"\") exit; f = \"\"; "
		         "while ((getline l < (\"/proc/\" p \"/cgroup\")) > 0) {split(l, a, \":\"); "
		         "if (a[2] == \"memory\") {f = \"/sys/fs/cgroup/memory\" a[3] \"/memory.limit_in_bytes\"; "
		         "u = \"/sys/fs/cgroup/memory\" a[3] \"/memory.usage_in_bytes\"} "
		         "else if (a[1] == \"0\" && a[2] == \"\" && f == \"\") {f = \"/sys/fs/cgroup\" a[3] \"/memory.max\"; "
		         "u = \"/sys/fs/cgroup\" a[3] \"/memory.current\"}} "
		         "if (f == \"\") exit; lim = \"\"; use = \"\"; getline lim < f; getline use < u; "
		         "if (lim != \"\") printf \"M %s %.0f\\n\", lim, use + 0}'"))
			return -1;
	}
	if (disks && !lit(buf, cap, &len,
	                  pattern ? "; LC_ALL=C df -P -T -k -l 2>/dev/null | awk 'NR > 1 && $2 ~ /^("
	                            DISK_TYPES ")$/ {printf \"D %.0f %s\\n\", $5 * 1024, $7}'"
	                          : "LC_ALL=C df -P -T -k -l 2>/dev/null | awk 'NR > 1 && $2 ~ /^("
	                            DISK_TYPES ")$/ {printf \"D %.0f %s\\n\", $5 * 1024, $7}'"))
		return -1;
	if (!pattern && !disks && !lit(buf, cap, &len, "true"))
		return -1;
	return (int)len;
}

/* Read at most cap-1 bytes of a small /proc or /sys file; -1 on error. */
static ssize_t slurp_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* One process: its state, parent and command line; false when it is gone
 * or does not match. */
static bool local_proc(const char *pid, const char *pattern, char *state, long *ppid,
                       double *ticks, char *args, size_t acap)
{
	char path[64], stat[512];
	snprintf(path, sizeof path, "/proc/%.20s/cmdline", pid);
	ssize_t n = slurp_small(path, args, acap);
	if (n <= 0)
		return false;           /* kernel threads have no command line */
	for (ssize_t i = 0; i < n; i++)
		if (args[i] == 0 || args[i] == '\n' || args[i] == '\t')
			args[i] = ' ';
	while (n > 0 && args[n - 1] == ' ')
		args[--n] = 0;
	if (!strstr(args, pattern))
		return false;
	snprintf(path, sizeof path, "/proc/%.20s/stat", pid);
	if (slurp_small(path, stat, sizeof stat) <= 0)
		return false;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
	char *rp = strrchr(stat, ')');
	unsigned long ut, st;
	long cut, cst;
	if (!rp || sscanf(rp + 1, " %c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
	                  state, ppid, &ut, &st, &cut, &cst) != 6)
		return false;
	/* the children's reaped time too: a worker that exits moves its
	 * time into its (matching) parent's, so the sum does not drop */
	*ticks = (double)ut + (double)st + (double)cut + (double)cst;
	return true;
}

/* The memory cgroup line for pid, as the remote command writes it. */
static void local_cgroup(const char *pid, char *buf, size_t cap, size_t *len)
{
	char path[600], cg[4096], f[600] = "", u[600] = "", lim[64], use[64];
	snprintf(path, sizeof path, "/proc/%.20s/cgroup", pid);
	if (slurp_small(path, cg, sizeof cg) <= 0)
		return;
	for (char *save = NULL, *l = strtok_r(cg, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		if (c2 - c1 == 7 && strncmp(c1 + 1, "memory", 6) == 0) {
			snprintf(f, sizeof f, "/sys/fs/cgroup/memory%.500s/memory.limit_in_bytes", c2 + 1);
			snprintf(u, sizeof u, "/sys/fs/cgroup/memory%.500s/memory.usage_in_bytes", c2 + 1);
		} else if (c1 - l == 1 && l[0] == '0' && c2 == c1 + 1 && !f[0]) {
			snprintf(f, sizeof f, "/sys/fs/cgroup%.500s/memory.max", c2 + 1);
			snprintf(u, sizeof u, "/sys/fs/cgroup%.500s/memory.current", c2 + 1);
		}
	}
	if (!f[0] || slurp_small(f, lim, sizeof lim) <= 0)
		return;
	lim[strcspn(lim, "\n")] = 0;
	if (slurp_small(u, use, sizeof use) <= 0)
		snprintf(use, sizeof use, "0");
	use[strcspn(use, "\n")] = 0;
	text_appendf(buf, cap, len, "M %s %s\n", lim, use);
}

/* D lines for this machine's local disk file systems. */
static void local_disks(char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char line[1024], src[256], mnt[512], type[64];
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%255s %511s %63s", src, mnt, type) != 3)
			continue;
		char want[80];
		snprintf(want, sizeof want, "|%s|", type);
		if (!strstr("|" DISK_TYPES "|", want))
			continue;
		struct statvfs sv;
		if (statvfs(mnt, &sv) == 0)
			text_appendf(buf, cap, len, "D %.0f %s\n", (double)sv.f_bavail * (double)sv.f_frsize, mnt);
	}
	fclose(f);
}

size_t facts_local(char *buf, size_t cap, const char *pattern, pid_t self, bool disks)
{
	size_t len = 0;
	if (cap == 0)
		return 0;
	buf[0] = 0;
	if (pattern) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		char first[32] = "", args[FACTS_ARGS_MAX + 1];
		int n = 0;
		double ticks = 0;
		while (d && (de = readdir(d)) && n < FACTS_MAX_PROCS) {
			char st;
			long ppid;
			double tk;
			if (!isdigit((unsigned char)de->d_name[0]) || atol(de->d_name) == (long)self)
				continue;
			if (!local_proc(de->d_name, pattern, &st, &ppid, &tk, args, sizeof args))
				continue;
			ticks += tk;
			text_appendf(buf, cap, &len, "P %s %ld %c %s\n", de->d_name, ppid, st, args);
			if (!n++)
				snprintf(first, sizeof first, "%.20s", de->d_name);
		}
		if (d)
			closedir(d);
		text_appendf(buf, cap, &len, "C %.0f %ld\n", ticks, sysconf(_SC_CLK_TCK));
		if (first[0])
			local_cgroup(first, buf, cap, &len);
	}
	if (disks)
		local_disks(buf, cap, &len);
	return len;
}

/* Split line in place into up to max blank-separated words (the last one
 * takes the rest of the line).  Returns how many. */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		w[n++] = p;
		if (n == max)
			break;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

/* Count one P line's state letter. */
static void count_state(struct workers *w, char st)
{
	w->count++;
	switch (st) {
	case 'R': w->running++; break;
	case 'S': case 'I': w->sleeping++; break;
	case 'D': w->blocked++; break;
	default: w->other++; break;
	}
}

/* Count the workers among n matching processes: a match whose child also
 * matches is a pool's manager (ProcessPoolExecutor, multiprocessing.Pool,
 * a shell running the job), not a worker. */
static void count_workers(struct workers *w, const uint64_t *pid, const uint64_t *ppid,
                          const char *st, int n)
{
	for (int i = 0; i < n; i++) {
		bool parent = false;
		for (int k = 0; k < n && !parent; k++)
			parent = k != i && ppid[k] == pid[i];
		if (!parent)
			count_state(w, st[i]);
	}
}

int facts_parse(const char *text, size_t len, bool procs, bool disks, struct facts *f)
{
	int used = 0, np = 0;
	uint64_t *pids = NULL, *ppids = NULL;
	char *sts = NULL;
	if (procs) {
		pids = malloc(FACTS_MAX_PROCS * sizeof *pids);
		ppids = malloc(FACTS_MAX_PROCS * sizeof *ppids);
		sts = malloc(FACTS_MAX_PROCS);
		if (!pids || !ppids || !sts)
			procs = false;   /* out of memory: keep what we had */
	}
	if (procs) {
		f->have_cpu = false;
		f->have_workers = true;
		memset(&f->w, 0, sizeof f->w);
		f->have_mem_limit = false;
		f->mem_limit_B = f->mem_usage_B = 0;
	}
	if (disks) {
		f->have_disks = false;
		f->disk_free_B = 0;
		f->disk_mount[0] = 0;
	}
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512], *w[5];
		uint64_t pid, ppid;
		double x, y;
		if (n >= sizeof line || n < 2) {
			p += n + 1;
			continue;
		}
		memcpy(line, p, n);
		line[n] = 0;
		p += n + 1;
		if (line[1] != ' ' || memchr(line, 0, n))
			continue;
		if (procs && line[0] == 'P' && np < FACTS_MAX_PROCS &&
		    words(line + 2, w, 4) >= 3 && text_u64_str(w[0], INT32_MAX, &pid) == 0 &&
		    pid > 0 && text_u64_str(w[1], INT32_MAX, &ppid) == 0 &&
		    isalpha((unsigned char)w[2][0])) {
			pids[np] = pid;
			ppids[np] = ppid;
			sts[np++] = w[2][0];
			used++;
		} else if (procs && line[0] == 'C' && words(line + 2, w, 2) == 2 &&
		           text_decimal_str(w[0], 0, 1e18, &x) == 0 &&
		           text_decimal_str(w[1], 1, 1e6, &y) == 0) {
			f->have_cpu = true;
			f->cpu_ticks = x;
			f->hz = y;
			used++;
		} else if (procs && line[0] == 'M' && words(line + 2, w, 2) == 2) {
			if (strcmp(w[0], "max") != 0 && text_decimal_str(w[0], 0, 1e30, &x) == 0 &&
			    x < FACTS_NO_LIMIT_B && text_decimal_str(w[1], 0, 1e30, &y) == 0) {
				f->have_mem_limit = true;
				f->mem_limit_B = x;
				f->mem_usage_B = y;
			}
			used++;
		} else if (disks && line[0] == 'D' && words(line + 2, w, 2) == 2 &&
		           text_decimal_str(w[0], 0, 1e30, &x) == 0) {
			if (!f->have_disks || x > f->disk_free_B) {
				f->have_disks = true;
				f->disk_free_B = x;
				text_sanitize(f->disk_mount, sizeof f->disk_mount, w[1]);
			}
			used++;
		}
	}
	if (procs)
		count_workers(&f->w, pids, ppids, sts, np);
	free(pids);
	free(ppids);
	free(sts);
	return used;
}

void facts_job_cpu(struct facts *f, double t)
{
	if (!f->have_cpu) {
		f->have_job_cores = false;
		f->have_prev = false;
		return;
	}
	if (f->have_prev && t > f->prev_t && f->cpu_ticks >= f->prev_ticks) {
		f->job_cores = (f->cpu_ticks - f->prev_ticks) / f->hz / (t - f->prev_t);
		f->have_job_cores = true;
	} else
		f->have_job_cores = false;   /* a worker gone unreaped, a new job */
	f->prev_ticks = f->cpu_ticks;
	f->prev_t = t;
	f->have_prev = true;
}
