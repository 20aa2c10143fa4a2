/* tests/lib/fixture.h — read a fixture file whole, for the cmocka tests.
 * and capture a shell command's output.  Include after <cmocka.h>.  A
 * missing or unreadable fixture fails the test that asked for it. */
#ifndef DOPTOP_TESTS_FIXTURE_H
#define DOPTOP_TESTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/* DIR/NAME as a NUL-terminated buffer (caller frees); its length in *len. */
static inline char *fixture_read(const char *dir, const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, "%s%s", dir, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Run CMD with sh; its stdout (at most cap-1 bytes, NUL-terminated) in
 * out.  Returns the byte count. */
static inline size_t fixture_sh(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	pclose(p);
	return n;
}

#endif
