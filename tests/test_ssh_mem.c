/* test_ssh_mem.c — the listing allocator behind each libssh2 session:
 * what the session holds is counted, survives realloc, and whatever is
 * left when the session is gone is freed by ssh_mem_release (LeakSanitizer
 * checks that nothing escapes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../src/ssh_mem.h"

static void test_count_and_free(void **state)
{
	(void)state;
	struct ssh_mem m = { 0 };
	void *ab = &m;
	char *a = ssh_mem_alloc(100, &ab);
	char *b = ssh_mem_alloc(28, &ab);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
	assert_true(m.bytes == 128 && m.blocks == 2);
	memset(a, 'a', 100);
	ssh_mem_free(a, &ab);
	assert_true(m.bytes == 28 && m.blocks == 1);
	ssh_mem_free(NULL, &ab);
	ssh_mem_free(b, &ab);
	assert_true(m.bytes == 0 && m.blocks == 0 && m.head == NULL);
}

static void test_realloc_keeps_data(void **state)
{
	(void)state;
	struct ssh_mem m = { 0 };
	void *ab = &m;
	char *keep = ssh_mem_alloc(10, &ab);       /* a neighbour in the list */
	char *p = ssh_mem_realloc(NULL, 16, &ab);  /* realloc(NULL) allocates */
	memcpy(p, "0123456789abcdef", 16);
	p = ssh_mem_realloc(p, 1 << 20, &ab);
	assert_non_null(p);
	assert_memory_equal(p, "0123456789abcdef", 16);
	assert_true(m.bytes == 10 + (1 << 20) && m.blocks == 2);
	p = ssh_mem_realloc(p, 4, &ab);
	assert_memory_equal(p, "0123", 4);
	assert_true(m.bytes == 14 && m.blocks == 2);
	assert_null(ssh_mem_realloc(p, SIZE_MAX - 8, &ab));   /* too big: old block kept */
	assert_true(m.bytes == 14 && m.blocks == 2);
	ssh_mem_free(p, &ab);
	ssh_mem_free(keep, &ab);
	assert_true(m.bytes == 0 && m.head == NULL);
}

/* A session freed mid key exchange leaves blocks behind; release frees
 * them (the test leaks under LeakSanitizer otherwise) and says how much. */
static void test_release(void **state)
{
	(void)state;
	struct ssh_mem m = { 0 };
	void *ab = &m;
	for (int i = 0; i < 5; i++)
		assert_non_null(ssh_mem_alloc(32, &ab));
	assert_true(ssh_mem_release(&m) == 160);
	assert_true(m.bytes == 0 && m.blocks == 0 && m.head == NULL);
	assert_true(ssh_mem_release(&m) == 0);
	assert_non_null(ssh_mem_alloc(8, &ab));    /* usable again */
	assert_true(ssh_mem_release(&m) == 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_free),
		cmocka_unit_test(test_realloc_keeps_data),
		cmocka_unit_test(test_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
