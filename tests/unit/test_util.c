/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the helpers in src/core/util.c: strict number parsing,
 * user names that are safe in a path, and secret= path expansion. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "baro/util.h"

struct ulong_case {
	const char *text;
	unsigned long min, max;
	bool ok;
	unsigned long value;
};

static const struct ulong_case ulong_cases[] = {
	{ "0", 0, 10, true, 0 },
	{ "42", 0, 100, true, 42 },
	{ "007", 0, 10, true, 7 },
	{ "000", 0, 10, true, 0 },
	{ "15", 15, 300, true, 15 },    /* range boundaries are inclusive */
	{ "300", 15, 300, true, 300 },
	{ "14", 15, 300, false, 0 },
	{ "301", 15, 300, false, 0 },
	{ "18446744073709551615", 0, ULONG_MAX, true, ULONG_MAX },
	{ "18446744073709551616", 0, ULONG_MAX, false, 0 }, /* overflow */
	{ "99999999999999999999999", 0, ULONG_MAX, false, 0 },
	{ "", 0, 10, false, 0 },
	{ "-1", 0, ULONG_MAX, false, 0 }, /* strtoul would wrap it */
	{ "-0", 0, 10, false, 0 },
	{ "+1", 0, 10, false, 0 },
	{ " 1", 0, 10, false, 0 },
	{ "1 ", 0, 10, false, 0 },
	{ "\t1", 0, 10, false, 0 },
	{ "1\n", 0, 10, false, 0 },
	{ "0x10", 0, 100, false, 0 },
	{ "1e3", 0, 10000, false, 0 },
	{ "1.0", 0, 10, false, 0 },
	{ "1,000", 0, 10000, false, 0 },
	{ "abc", 0, 10, false, 0 },
};

static void test_parse_ulong_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(ulong_cases); i++) {
		const struct ulong_case *c = &ulong_cases[i];
		unsigned long v = 12345;
		bool ok = baro_parse_ulong(c->text, c->min, c->max, &v);
		if (ok != c->ok)
			fail_msg("\"%s\" in [%lu, %lu]: got %d", c->text,
				 c->min, c->max, ok);
		assert_int_equal(v, c->ok ? c->value : 12345);
	}
	assert_false(baro_parse_ulong(NULL, 0, 10, NULL));
}

struct int64_case {
	const char *text;
	int64_t min, max;
	bool ok;
	int64_t value;
};

static const struct int64_case int64_cases[] = {
	{ "0", 0, 10, true, 0 },
	{ "-0", -5, 5, true, 0 },
	{ "-1", -5, 5, true, -1 },
	{ "-5", -5, 5, true, -5 },
	{ "-6", -5, 5, false, 0 },
	{ "5", -5, 5, true, 5 },
	{ "6", -5, 5, false, 0 },
	{ "-1", 0, 100, false, 0 }, /* negative timestamps are refused */
	{ "0042", 0, 100, true, 42 },
	{ "-0042", -100, 0, true, -42 },
	{ "9223372036854775807", INT64_MIN, INT64_MAX, true, INT64_MAX },
	{ "9223372036854775808", INT64_MIN, INT64_MAX, false, 0 },
	{ "-9223372036854775808", INT64_MIN, INT64_MAX, true, INT64_MIN },
	{ "-9223372036854775809", INT64_MIN, INT64_MAX, false, 0 },
	{ "1099511627776", 0, (int64_t)1 << 40, true, (int64_t)1 << 40 },
	{ "1099511627777", 0, (int64_t)1 << 40, false, 0 },
	{ "", INT64_MIN, INT64_MAX, false, 0 },
	{ "-", INT64_MIN, INT64_MAX, false, 0 },
	{ "--1", INT64_MIN, INT64_MAX, false, 0 },
	{ "+1", INT64_MIN, INT64_MAX, false, 0 },
	{ "- 1", INT64_MIN, INT64_MAX, false, 0 },
	{ " -1", INT64_MIN, INT64_MAX, false, 0 },
	{ "-1 ", INT64_MIN, INT64_MAX, false, 0 },
	{ "1-", INT64_MIN, INT64_MAX, false, 0 },
	{ "0x1f", INT64_MIN, INT64_MAX, false, 0 },
	{ "12a", INT64_MIN, INT64_MAX, false, 0 },
};

static void test_parse_int64_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(int64_cases); i++) {
		const struct int64_case *c = &int64_cases[i];
		int64_t v = 12345;
		bool ok = baro_parse_int64(c->text, c->min, c->max, &v);
		if (ok != c->ok)
			fail_msg("\"%s\" in [%lld, %lld]: got %d", c->text,
				 (long long)c->min, (long long)c->max, ok);
		assert_int_equal(v, c->ok ? c->value : 12345);
	}
	assert_false(baro_parse_int64(NULL, 0, 10, NULL));
}

static void test_user_name_ok_table(void **state)
{
	static const struct {
		const char *user;
		bool ok;
	} cases[] = {
		{ "alice", true },
		{ "a", true },
		{ "deploy-bot_2", true },
		{ "first.last", true },
		{ "...", true },
		{ ".hidden", true },
		{ "user$", true },        /* Samba machine accounts */
		{ "DOMAIN\\user", true }, /* winbind names */
		{ "j\xc3\xbcrgen", true }, /* UTF-8 */
		{ "a b", true },
		{ "", false },
		{ ".", false },
		{ "..", false },
		{ "a/b", false },
		{ "/", false },
		{ "../root", false },
		{ "a\nb", false },
		{ "a\tb", false },
		{ "\x1b[0m", false },
		{ "del\x7f", false },
	};
	char longname[258];
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++)
		if (baro_user_name_ok(cases[i].user) != cases[i].ok)
			fail_msg("\"%s\": expected %d", cases[i].user,
				 cases[i].ok);
	assert_false(baro_user_name_ok(NULL));
	memset(longname, 'u', sizeof(longname));
	longname[256] = '\0';
	assert_true(baro_user_name_ok(longname));
	longname[256] = 'u';
	longname[257] = '\0';
	assert_false(baro_user_name_ok(longname));
}

struct expand_case {
	const char *tmpl, *user, *home;
	const char *want; /* NULL: expansion must fail */
};

static const struct expand_case expand_cases[] = {
	{ "/var/lib/baropam/${USER}/.baro_auth", "alice", "/home/alice",
	  "/var/lib/baropam/alice/.baro_auth" },
	{ "${HOME}/.baro_auth", "alice", "/home/alice",
	  "/home/alice/.baro_auth" },
	{ "~/.baro_auth", "alice", "/home/alice", "/home/alice/.baro_auth" },
	{ "~", "alice", "/home/alice", "/home/alice" },
	{ "/usr/baropam/.baro_auth", "alice", NULL,
	  "/usr/baropam/.baro_auth" }, /* one file for everyone */
	{ "/s/${USER}/${USER}.${HOME}", "bob", "/h",
	  "/s/bob/bob./h" },
	{ "~/${USER}", "bob", "/home/bob", "/home/bob/bob" },
	{ "/x/~/y", "bob", "/home/bob", "/x/~/y" }, /* only a leading ~ */
	{ "/a/$USER/{USER}/$", "bob", "/h", "/a/$USER/{USER}/$" },
	{ "/a/${USER}", "j\xc3\xbcrgen", "/h", "/a/j\xc3\xbcrgen" },
	/* Failures. */
	{ "/a/${X}", "bob", "/h", NULL },
	{ "/a/${user}", "bob", "/h", NULL },
	{ "/a/${USER", "bob", "/h", NULL },
	{ "/a/${", "bob", "/h", NULL },
	{ "var/${USER}", "bob", "/h", NULL },
	{ "${USER}/.baro_auth", "bob", "/h", NULL },
	{ "", "bob", "/h", NULL },
	{ "~bob/.baro_auth", "alice", "/home/alice", NULL },
	{ "~", "alice", NULL, NULL },
	{ "~/.baro_auth", "alice", "home/alice", NULL },
	{ "~/.baro_auth", "alice", "", NULL },
	{ "${HOME}/x", "alice", NULL, NULL },
	{ "${HOME}/x", "alice", "relative", NULL },
	{ "/a/${USER}", "a/b", "/h", NULL },
	{ "/a/${USER}", "..", "/h", NULL },
	{ "/a/${USER}", "", "/h", NULL },
	{ "/a/${USER}", NULL, "/h", NULL },
	{ "/a/${USER}", "x\ny", "/h", NULL },
};

static void test_expand_path_table(void **state)
{
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(expand_cases); i++) {
		const struct expand_case *c = &expand_cases[i];
		bool ok = baro_expand_path(c->tmpl, c->user, c->home, out,
					   sizeof(out));
		if (ok != (c->want != NULL))
			fail_msg("\"%s\" user \"%s\" home \"%s\": got %d (%s)",
				 c->tmpl, c->user ? c->user : "(null)",
				 c->home ? c->home : "(null)", ok, out);
		if (c->want != NULL)
			assert_string_equal(out, c->want);
	}
}

/* "/var/alice/.baro_auth" is 21 bytes: it needs a 22-byte buffer, and
 * every shorter buffer fails, whichever part (literal, ${USER}, ~) is cut. */
static void test_expand_path_truncation_fails(void **state)
{
	static const char *const tmpls[] = { "/var/${USER}/.baro_auth",
					     "${HOME}/.baro_auth",
					     "~/.baro_auth" };
	char out[64];
	size_t i, sz;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(tmpls); i++) {
		assert_true(baro_expand_path(tmpls[i], "alice", "/var/alice",
					     out, 22));
		assert_string_equal(out, "/var/alice/.baro_auth");
		for (sz = 0; sz < 22; sz++)
			if (baro_expand_path(tmpls[i], "alice", "/var/alice",
					     out, sz))
				fail_msg("\"%s\" fit in %zu bytes", tmpls[i],
					 sz);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ulong_table),
		cmocka_unit_test(test_parse_int64_table),
		cmocka_unit_test(test_user_name_ok_table),
		cmocka_unit_test(test_expand_path_table),
		cmocka_unit_test(test_expand_path_truncation_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
