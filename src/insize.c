/* insize.c — the bytes of the job's inputs, exact or sampled (see insize.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "insize.h"
#include "text.h"

bool insize_network_magic(unsigned long magic)
{
	switch (magic) {
	case 0x65735546UL:   /* FUSE (sshfs, s3fs, gcsfuse...) */
	case 0x6969UL:       /* NFS */
	case 0xff534d42UL:   /* CIFS */
	case 0xfe534d42UL:   /* SMB2 */
	case 0x517bUL:       /* SMB */
	case 0x01021997UL:   /* 9p */
	case 0x00c36400UL:   /* Ceph */
	case 0x0bd00bd0UL:   /* Lustre */
	case 0x47504653UL:   /* GPFS */
		return true;
	default:
		return false;
	}
}

int insize_command(char *buf, size_t cap, const char *dir)
{
	size_t len = 0;
	char q[4200];
	/* dir in single quotes, ' as '\'' */
	q[len++] = '\'';
	for (const char *s = dir; *s; s++) {
		if (len + 6 >= sizeof q)
			return -1;
		if (*s == '\'') {
			memcpy(q + len, "'\\''", 4);
			len += 4;
		} else
			q[len++] = *s;
	}
	q[len++] = '\'';
	q[len] = 0;
	int n = snprintf(buf, cap,
	        "cd %s || exit 1; t=$(stat -f -c %%t . 2>/dev/null); "
	        "n=$(find . -maxdepth %d -type f 2>/dev/null | wc -l); "
	        "if [ \"$n\" -le %d ]; then find . -maxdepth %d -type f -printf '%%s\\n' 2>/dev/null; "
	        "else find . -maxdepth %d -type f 2>/dev/null | shuf -n %d | tr '\\n' '\\0' | "
	        "xargs -0 stat -c %%s 2>/dev/null; fi | "
	        "awk -v n=\"$n\" -v t=\"${t:-0}\" '{s += $1; k++} END {printf \"I %%d %%d %%.0f %%s\\n\", n, k, s, t}'",
	        q, INSIZE_MAX_DEPTH + 1, INSIZE_EXACT_MAX, INSIZE_MAX_DEPTH + 1,
	        INSIZE_MAX_DEPTH + 1, INSIZE_SAMPLE);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

struct walk {
	uint64_t files;
	double exact_B;
	char **sample;        /* reservoir of paths, INSIZE_SAMPLE */
	size_t nsample;
	unsigned rng;
};

/* A small xorshift: the sample only needs to be unbiased, not secret. */
static unsigned next_rand(struct walk *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng;
}

/* Keep path in the reservoir (Vitter's algorithm R). */
static void keep(struct walk *w, const char *path)
{
	size_t slot;
	if (w->nsample < INSIZE_SAMPLE)
		slot = w->nsample++;
	else if ((slot = next_rand(w) % w->files) >= INSIZE_SAMPLE)
		return;
	else
		free(w->sample[slot]);
	w->sample[slot] = strdup(path);
}

/* Read one directory (and below). */
static void walk_dir(struct walk *w, const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub)
			continue;
		unsigned char type = de->d_type;
		struct stat st;
		bool have_st = false;
		if (type == DT_UNKNOWN) {
			if (lstat(sub, &st) != 0)
				continue;
			have_st = true;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		}
		if (type == DT_DIR && depth < INSIZE_MAX_DEPTH)
			walk_dir(w, sub, depth + 1);
		if (type != DT_REG)
			continue;
		w->files++;
		if (w->files <= INSIZE_EXACT_MAX && (have_st || lstat(sub, &st) == 0))
			w->exact_B += (double)st.st_size;
		keep(w, sub);
	}
	closedir(d);
}

int insize_local(const char *dir, char *buf, size_t cap, const char **why)
{
	struct statfs sf;
	struct walk w = { .rng = 2463534242u };
	if (statfs(dir, &sf) != 0) {
		*why = errno == ENOENT ? "inputs directory does not exist" : "cannot read the inputs directory";
		return -1;
	}
	if (!(w.sample = calloc(INSIZE_SAMPLE, sizeof *w.sample))) {
		*why = "out of memory";
		return -1;
	}
	w.rng ^= (unsigned)getpid();
	walk_dir(&w, dir, 0);
	uint64_t k = w.files;
	double bytes = w.exact_B;
	if (w.files > INSIZE_EXACT_MAX) {
		k = 0;
		bytes = 0;
		for (size_t i = 0; i < w.nsample; i++) {
			struct stat st;
			if (w.sample[i] && lstat(w.sample[i], &st) == 0) {
				bytes += (double)st.st_size;
				k++;
			}
		}
	}
	for (size_t i = 0; i < w.nsample; i++)
		free(w.sample[i]);
	free(w.sample);
	snprintf(buf, cap, "I %llu %llu %.0f %lx\n", (unsigned long long)w.files,
	         (unsigned long long)k, bytes, (unsigned long)sf.f_type);
	return 0;
}

int insize_parse(const char *out, size_t len, struct insize *r)
{
	uint64_t files, k;
	double b;
	const char *w[5];
	size_t wl[5];
	int n = 0;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len && n <= 5;) {
		size_t e = i;
		while (e < len && out[e] != ' ')
			e++;
		if (e > i) {
			if (n == 5)
				return -1;
			w[n] = out + i;
			wl[n++] = e - i;
		}
		i = e + 1;
	}
	if (n != 5 || wl[0] != 1 || w[0][0] != 'I' ||
	    text_u64(w[1], wl[1], UINT64_MAX, &files) < 0 || text_u64(w[2], wl[2], files, &k) < 0 ||
	    text_decimal(w[3], wl[3], 0, 1e20, &b) < 0 || (k == 0 && files > 0) || wl[4] > 16)
		return -1;
	/* statfs magic in hex: the one number here that is not decimal */
	unsigned long magic = 0;
	for (size_t i = 0; i < wl[4]; i++) {
		int d = isxdigit((unsigned char)w[4][i]) ? (isdigit((unsigned char)w[4][i]) ? w[4][i] - '0'
		                                             : (tolower((unsigned char)w[4][i]) - 'a' + 10)) : -1;
		if (d < 0)
			return -1;
		magic = magic * 16 + (unsigned long)d;
	}
	r->files = files;
	r->sampled = k;
	r->exact = k == files;
	r->bytes = k ? b / (double)k * (double)files : 0;
	r->network = insize_network_magic(magic);
	return 0;
}
