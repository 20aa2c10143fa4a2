/* test_nodespec.c — node spec expansion: ranges, user/port, @FILE, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "nodespec.h"

/* One expansion case: spec in, the names joined by ' ' out. */
struct ok_case {
	const char *spec;
	const char *names;
};

static const struct ok_case ok_cases[] = {
	{ "a", "a" },
	{ "a,b,c", "a b c" },
	{ " a , b ", "a b" },
	{ "adhoc-preemptible-000..002", "adhoc-preemptible-000 adhoc-preemptible-001 adhoc-preemptible-002" },
	{ "rack1-n01..03.example", "rack1-n01.example rack1-n02.example rack1-n03.example" },
	{ "n8..11", "n8 n9 n10 n11" },
	{ "n08..11", "n08 n09 n10 n11" },
	{ "n98..101", "n98 n99 n100 n101" },
	{ "n5..5", "n5" },
	{ "1..3.x", "1.x 2.x 3.x" },
	{ "root@web1", "root@web1" },
	{ "web1:2222", "web1:2222" },
	{ "root@web1:2222", "root@web1:2222" },
	{ "root@n1..2:2200", "root@n1:2200 root@n2:2200" },
	{ "b,a,b,a,c", "b a c" },
	{ "n1..3,n2..4", "n1 n2 n3 n4" },
	{ "web1,root@web1,web1:22", "web1 root@web1 web1:22" },
	{ "local", "local" },
	{ "local,local,h", "local h" },
	{ "[::1]:2222", "[::1]:2222" },
	{ "::1", "::1" },
	{ "10.0.0.1", "10.0.0.1" },
	{ "my_host.example.com", "my_host.example.com" },
	/* pdsh / clush bracket lists */
	{ "adhoc-preemptible-[000-002]", "adhoc-preemptible-000 adhoc-preemptible-001 adhoc-preemptible-002" },
	{ "n[1,3-4]x", "n1x n3x n4x" },
	{ "root@n[8-10]:2200,b", "root@n8:2200 root@n9:2200 root@n10:2200 b" },
	{ "n[7]", "n7" },
};

/* Join list names with single spaces into buf. */
static void join_names(const struct node_list *l, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", l->v[i].name);
}

/* Every ok case expands to exactly the expected names, in order. */
static void test_expand_ok(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		struct node_list l = { 0 };
		const char *why = NULL;
		char got[1024];
		int rc = nodespec_add(&l, ok_cases[i].spec, &why);
		if (rc != 0)
			print_error("spec '%s': %s\n", ok_cases[i].spec, why);
		assert_int_equal(rc, 0);
		join_names(&l, got, sizeof(got));
		assert_string_equal(got, ok_cases[i].names);
		nodespec_clear(&l);
	}
}

/* One error case: spec in, a fragment of the reason expected. */
struct err_case {
	const char *spec;
	const char *reason;
};

static const struct err_case err_cases[] = {
	{ "n005..002", "reversed range" },
	{ "n001..16", "width" },
	{ "n01..100", "width" },
	{ "n1..016", "width" },
	{ "a,,b", "empty node name" },
	{ "a,", "empty node name" },
	{ ",a", "empty node name" },
	{ "", "empty node name" },
	{ " ", "empty node name" },
	{ "h:0", "port out of range" },
	{ "h:65536", "port out of range" },
	{ "h:99999999999", "port out of range" },
	{ "h:22x", "not a number" },
	{ "h:", "empty port" },
	{ "@h", "cannot read node file" },
	{ "a@@h", "not allowed" },
	{ "u@", "empty host" },
	{ "a b", "not allowed" },
	{ "a;b", "not allowed" },
	{ "a|b", "not allowed" },
	{ "a&b", "not allowed" },
	{ "a$b", "not allowed" },
	{ "a`b`", "not allowed" },
	{ "a'b", "not allowed" },
	{ "a\"b", "not allowed" },
	{ "a<b", "not allowed" },
	{ "a>b", "not allowed" },
	{ "a\tb", "not allowed" },
	{ "a\nb", "not allowed" },
	{ "a\x01" "b", "not allowed" },
	{ "r$(id)@h", "not allowed in user" },
	{ "n..5", "digits on both sides" },
	{ "n1..", "digits on both sides" },
	{ "n1..2..3", "only one range" },
	{ "n0..99999999", "more than 10000" },
	{ "n0..9999999999", "too large" },
	{ "[::1", "bad [address]" },
	{ "n[1-]", "numbers and A-B" },
	{ "n[a-b]", "numbers and A-B" },
	{ "n[]", "bad [A-B]" },
	{ "n[1-2][3]", "one bracket list" },
	{ "n[1-2", "bad [A-B]" },
	{ "n[3-1]", "reversed range" },
	{ "n[001-16]", "width" },
	{ "@/nonexistent/doptop-nodes", "/nonexistent/doptop-nodes" },
};

/* Every error case fails with the expected reason and leaves the list as it was. */
static void test_expand_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct node_list l = { 0 };
		const char *why = NULL;
		assert_int_equal(nodespec_add(&l, "keep", &why), 0);
		int rc = nodespec_add(&l, err_cases[i].spec, &why);
		if (rc == 0 || !why || !strstr(why, err_cases[i].reason))
			print_error("spec '%s': rc %d why '%s'\n", err_cases[i].spec, rc,
			            why ? why : "(null)");
		assert_int_equal(rc, -1);
		assert_non_null(strstr(why, err_cases[i].reason));
		assert_null(strchr(why, '\n'));
		assert_int_equal(l.n, 1);
		assert_string_equal(l.v[0].name, "keep");
		nodespec_clear(&l);
	}
}

/* user, host, port and local fields are split out. */
static void test_fields(void **state)
{
	struct node_list l = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(nodespec_add(&l, "alice@n07..08.ex:2022,local,plain", &why), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].user, "alice");
	assert_string_equal(l.v[0].host, "n07.ex");
	assert_int_equal(l.v[0].port, 2022);
	assert_false(l.v[0].local);
	assert_string_equal(l.v[1].name, "alice@n08.ex:2022");
	assert_string_equal(l.v[2].host, "local");
	assert_true(l.v[2].local);
	assert_null(l.v[2].user);
	assert_int_equal(l.v[2].port, 0);
	assert_null(l.v[3].user);
	assert_int_equal(l.v[3].port, 0);
	assert_string_equal(l.v[3].host, "plain");
	nodespec_clear(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	nodespec_clear(&l);
}

/* Several calls append, keep order and drop duplicates across calls. */
/* node_exporter URLs: kept verbatim, marked exporter, never SSH fields. */
static void test_urls(void **state)
{
	struct node_list l = { 0 };
	const char *why = NULL;

	(void)state;
	assert_int_equal(nodespec_add(&l, "http://n1:9100,https://n2.ex:9100/metrics,n3", &why), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].name, "http://n1:9100");
	assert_true(l.v[0].exporter);
	assert_true(l.v[1].exporter);
	assert_string_equal(l.v[1].name, "https://n2.ex:9100/metrics");
	assert_false(l.v[2].exporter);
	assert_int_equal(nodespec_add(&l, "http://", &why), -1);
	assert_int_equal(nodespec_add(&l, "http://a b", &why), -1);
	assert_int_equal(nodespec_add(&l, "http://a\"b", &why), -1);
	nodespec_clear(&l);
}

static void test_dedup_across_calls(void **state)
{
	struct node_list l = { 0 };
	const char *why;
	char got[256];

	(void)state;
	assert_int_equal(nodespec_add(&l, "c,a", &why), 0);
	assert_int_equal(nodespec_add(&l, "b,a,n1..2", &why), 0);
	assert_int_equal(nodespec_add(&l, "n2,c", &why), 0);
	join_names(&l, got, sizeof(got));
	assert_string_equal(got, "c a b n1 n2");
	nodespec_clear(&l);
}

/* Write text to a fresh temp file; path into buf. */
static void write_temp(char *buf, const char *text)
{
	strcpy(buf, "/tmp/doptop-nodes-XXXXXX");
	int fd = mkstemp(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* @FILE: comments, blank lines, comma lists and ranges on a line, nesting. */
static void test_file(void **state)
{
	char inner[64], outer[64], spec[96], got[512];
	struct node_list l = { 0 };
	const char *why;

	(void)state;
	write_temp(inner, "deep1\n");
	char text[256];
	snprintf(text, sizeof(text),
	         "# fleet\n\n  web1  \nweb2, root@db1:2222 # the db\n"
	         "\t\nn01..03\n@%s\nweb1\n", inner);
	write_temp(outer, text);
	snprintf(spec, sizeof(spec), "first,@%s,last", outer);
	int rc = nodespec_add(&l, spec, &why);
	if (rc)
		print_error("%s\n", why);
	assert_int_equal(rc, 0);
	join_names(&l, got, sizeof(got));
	assert_string_equal(got, "first web1 web2 root@db1:2222 n01 n02 n03 deep1 last");
	nodespec_clear(&l);

	/* A bad line inside a file fails the whole spec. */
	unlink(inner);   /* the first inner file: inner is reused below */
	write_temp(inner, "ok1\nbad;name\n");
	snprintf(spec, sizeof(spec), "@%s", inner);
	assert_int_equal(nodespec_add(&l, spec, &why), -1);
	assert_non_null(strstr(why, "not allowed"));
	assert_int_equal(l.n, 0);
	nodespec_clear(&l);
	unlink(inner);
	unlink(outer);
}

/* A file that names itself stops at the depth limit instead of looping. */
static void test_file_recursion(void **state)
{
	char path[64], text[96];
	struct node_list l = { 0 };
	const char *why;

	(void)state;
	strcpy(path, "/tmp/doptop-self-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(text, sizeof(text), "a\n@%s\n", path);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(text, sizeof(text), "@%s", path);
	assert_int_equal(nodespec_add(&l, text, &why), -1);
	assert_non_null(strstr(why, "too deep"));
	assert_int_equal(l.n, 0);
	nodespec_clear(&l);
	unlink(path);
}

/* Exactly 10,000 nodes is fine; one more fails, across calls too. */
static void test_limit(void **state)
{
	struct node_list l = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(nodespec_add(&l, "n0000..9999", &why), 0);
	assert_int_equal(l.n, 10000);
	assert_string_equal(l.v[9999].name, "n9999");
	assert_int_equal(nodespec_add(&l, "n0000", &why), 0);
	assert_int_equal(l.n, 10000);
	assert_int_equal(nodespec_add(&l, "extra", &why), -1);
	assert_non_null(strstr(why, "10000"));
	assert_int_equal(l.n, 10000);
	nodespec_clear(&l);
	assert_int_equal(nodespec_add(&l, "a,b,n1..9999", &why), -1);
	assert_int_equal(l.n, 0);
	nodespec_clear(&l);
}

/* A huge range fails without expanding: no allocation beyond a small cap. */
static void test_huge_range_fast(void **state)
{
	struct node_list l = { 0 };
	const char *why;
	struct timespec t0, t1;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(nodespec_add(&l, "n0..99999999,m0..999999999", &why), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(why, "more than 10000"));
	assert_int_equal(l.n, 0);
	assert_null(l.v);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 200.0);
}

/* Names over NODESPEC_MAX_NAME are refused; exactly the limit is fine. */
static void test_long_names(void **state)
{
	char name[NODESPEC_MAX_NAME + 2];
	struct node_list l = { 0 };
	const char *why;

	(void)state;
	memset(name, 'a', NODESPEC_MAX_NAME);
	name[NODESPEC_MAX_NAME] = '\0';
	assert_int_equal(nodespec_add(&l, name, &why), 0);
	assert_int_equal(strlen(l.v[0].name), NODESPEC_MAX_NAME);
	name[NODESPEC_MAX_NAME] = 'a';
	name[NODESPEC_MAX_NAME + 1] = '\0';
	assert_int_equal(nodespec_add(&l, name, &why), -1);
	assert_non_null(strstr(why, "too long"));
	/* The host fits but "user@host:port" does not. */
	char full[NODESPEC_MAX_NAME + 16];
	snprintf(full, sizeof(full), "u@%.*s:2222", NODESPEC_MAX_NAME - 6, name);
	assert_int_equal(nodespec_add(&l, full, &why), -1);
	assert_non_null(strstr(why, "too long"));
	assert_int_equal(l.n, 1);
	nodespec_clear(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_ok),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_dedup_across_calls),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_recursion),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_huge_range_fast),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
