/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the access-control list (DESIGN.md §4): src/core/acl.c.
 * Link with -Wl,--wrap=getgrnam_r (the group-lookup failure test). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "baro/acl.h"
#include "baro/util.h"

/* --- getgrnam_r wrapper: fails with EIO while lookup_fail is set. ---- */

int __real_getgrnam_r(const char *name, struct group *grp, char *buf,
		      size_t buflen, struct group **result);
int __wrap_getgrnam_r(const char *name, struct group *grp, char *buf,
		      size_t buflen, struct group **result);

static int lookup_fail;
static unsigned lookup_calls;

int __wrap_getgrnam_r(const char *name, struct group *grp, char *buf,
		      size_t buflen, struct group **result)
{
	lookup_calls++;
	if (lookup_fail) {
		*result = NULL;
		return EIO;
	}
	return __real_getgrnam_r(name, grp, buf, buflen, result);
}

/* --- helpers ---------------------------------------------------------- */

#define NO_GID ((gid_t)60001)

static struct baro_acl_subject subject(const char *user, const char *rhost,
				       const char *service)
{
	struct baro_acl_subject s = {
		.user = user,
		.gid = NO_GID,
		.groups = NULL,
		.ngroups = 0,
		.rhost = rhost,
		.service = service,
	};
	return s;
}

static enum baro_acl_action eval_ok(const char *text,
				    const struct baro_acl_subject *s)
{
	enum baro_acl_action a = BARO_ACL_DENY;
	unsigned line = 99;
	enum baro_acl_err rc = baro_acl_eval(text, strlen(text), s, &a, &line);

	if (rc != BARO_ACL_OK)
		fail_msg("expected OK, got %d at line %u for:\n%s", rc, line,
			 text);
	assert_int_equal(line, 0);
	return a;
}

/* Returns the reported line; the action must have been forced to DENY. */
static unsigned eval_syntax_len(const char *text, size_t len,
				const struct baro_acl_subject *s)
{
	enum baro_acl_action a = BARO_ACL_SKIP;
	unsigned line = 0;
	enum baro_acl_err rc = baro_acl_eval(text, len, s, &a, &line);

	if (rc != BARO_ACL_ERR_SYNTAX)
		fail_msg("expected SYNTAX, got %d for:\n%.*s", rc, (int)len,
			 text);
	assert_int_equal(a, BARO_ACL_DENY);
	return line;
}

static unsigned eval_syntax(const char *text)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	return eval_syntax_len(text, strlen(text), &s);
}

/* One rule "skip : ALL : ORIGIN : ALL" against rhost: SKIP or REQUIRE. */
static bool origin_matches(const char *origin, const char *rhost)
{
	struct baro_acl_subject s = subject("alice", rhost, "sshd");
	char text[512];
	int n = snprintf(text, sizeof(text), "skip : ALL : %s : ALL\n", origin);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	return eval_ok(text, &s) == BARO_ACL_SKIP;
}

struct origin_case {
	const char *origin;
	const char *rhost;
	bool match;
};

static void check_origin_table(const struct origin_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool got = origin_matches(t[i].origin, t[i].rhost);

		if (got != t[i].match)
			fail_msg("origin %s rhost %s: expected %s", t[i].origin,
				 t[i].rhost ? t[i].rhost : "(null)",
				 t[i].match ? "match" : "no match");
	}
}

static void check_bad_origin_table(const char *const *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char text[512];
		int len = snprintf(text, sizeof(text),
				   "# header\nskip : ALL : %s : sshd\n", t[i]);

		assert_true(len > 0 && (size_t)len < sizeof(text));
		if (eval_syntax(text) != 2)
			fail_msg("bad origin %s: wrong line", t[i]);
	}
}

/* --- empty, comments, blank lines ------------------------------------ */

static void test_empty_file_requires(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_DENY;
	unsigned line = 7;

	(void)state;
	assert_int_equal(baro_acl_eval(NULL, 0, &s, &a, &line), BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_REQUIRE);
	assert_int_equal(line, 0);
	assert_int_equal(eval_ok("", &s), BARO_ACL_REQUIRE);
}

static void test_comments_and_blank_lines_require(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("# only a comment\n\n   \n\t\n  # indented\n",
				 &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("\n\n\n", &s), BARO_ACL_REQUIRE);
}

static void test_trailing_comment_is_ignored(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : alice : ALL : sshd # deploy box\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : alice : ALL : sshd#glued\n", &s),
			 BARO_ACL_SKIP);
	/* the comment cuts the services field off: malformed */
	assert_int_equal(eval_syntax("skip : alice : ALL # : sshd\n"), 1);
}

static void test_utf8_allowed_in_comments_only(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("# 일회용 인증키 규칙\n"
				 "deny : alice : ALL : ALL # 거부\n",
				 &s),
			 BARO_ACL_DENY);
	assert_int_equal(eval_syntax("deny : \xc3\xa9lise : ALL : ALL\n"), 1);
}

static void test_last_line_without_newline(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("# x\ndeny : alice : ALL : ALL", &s),
			 BARO_ACL_DENY);
}

/* --- actions and order ------------------------------------------------ */

static void test_each_action_is_returned(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("require : ALL : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("skip : ALL : ALL : ALL\n", &s), BARO_ACL_SKIP);
	assert_int_equal(eval_ok("deny : ALL : ALL : ALL\n", &s), BARO_ACL_DENY);
}

static void test_no_match_requires(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : bob : ALL : ALL\n"
				 "deny : ALL : ALL : su\n"
				 "skip : ALL : 10.0.0.0/8 : ALL\n",
				 &s),
			 BARO_ACL_REQUIRE);
}

static void test_first_match_wins(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : alice : ALL : sshd\n"
				 "deny : alice : ALL : sshd\n",
				 &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("deny : alice : ALL : sshd\n"
				 "skip : alice : ALL : sshd\n",
				 &s),
			 BARO_ACL_DENY);
	/* a require rule stops the search too */
	assert_int_equal(eval_ok("require : alice : ALL : ALL\n"
				 "deny : ALL : ALL : ALL\n",
				 &s),
			 BARO_ACL_REQUIRE);
	/* duplicate rules */
	assert_int_equal(eval_ok("skip : alice : ALL : sshd\n"
				 "skip : alice : ALL : sshd\n",
				 &s),
			 BARO_ACL_SKIP);
}

static void test_spec_example(void **state)
{
	static const char acl[] =
		"# action : users            : origins                  : services\n"
		"skip     : deploy           : 10.0.0.0/8 192.168.1.7   : sshd\n"
		"deny     : guest @contract  : ALL                      : ALL\n"
		"require  : ALL              : ALL                      : ALL\n";
	struct baro_acl_subject s;

	(void)state;
	s = subject("deploy", "10.9.8.7", "sshd");
	assert_int_equal(eval_ok(acl, &s), BARO_ACL_SKIP);
	s = subject("deploy", "192.168.1.7", "sshd");
	assert_int_equal(eval_ok(acl, &s), BARO_ACL_SKIP);
	s = subject("deploy", "192.168.1.8", "sshd");
	assert_int_equal(eval_ok(acl, &s), BARO_ACL_REQUIRE);
	s = subject("deploy", "10.9.8.7", "su");
	assert_int_equal(eval_ok(acl, &s), BARO_ACL_REQUIRE);
	s = subject("guest", "10.9.8.7", "sshd");
	assert_int_equal(eval_ok(acl, &s), BARO_ACL_DENY);
}

static void test_compact_and_tab_separated_fields(void **state)
{
	struct baro_acl_subject s = subject("deploy", "10.1.2.3", "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip:deploy:10.0.0.0/8:sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("\tskip\t:\tdeploy\tbob\t:\t10.0.0.0/8\t:\tsshd\t\n",
				 &s),
			 BARO_ACL_SKIP);
}

/* --- malformed lines --------------------------------------------------- */

static void test_unknown_action_fails_with_line(void **state)
{
	(void)state;
	assert_int_equal(eval_syntax("# c\n\nallow : ALL : ALL : ALL\n"), 3);
	assert_int_equal(eval_syntax("Deny : ALL : ALL : ALL\n"), 1);
	assert_int_equal(eval_syntax("+ : ALL : ALL : ALL\n"), 1);
	assert_int_equal(eval_syntax("skip deny : ALL : ALL : ALL\n"), 1);
}

static void test_wrong_field_count_fails(void **state)
{
	static const char *const lines[] = {
		"skip\n",
		"skip : alice\n",
		"skip : alice : sshd\n",
		"skip : alice : ALL : sshd : extra\n",
		"skip : alice : ALL : sshd :\n",
		"skip alice ALL sshd\n",
	};

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(lines); i++) {
		if (eval_syntax(lines[i]) != 1)
			fail_msg("line %s", lines[i]);
	}
}

static void test_empty_field_fails(void **state)
{
	static const char *const lines[] = {
		" : alice : ALL : sshd\n",
		"skip :  : ALL : sshd\n",
		"skip : alice :  : sshd\n",
		"skip : alice : ALL :  \n",
		"skip:alice::sshd\n",
		":::\n",
	};

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(lines); i++) {
		if (eval_syntax(lines[i]) != 1)
			fail_msg("line %s", lines[i]);
	}
}

static void test_error_after_match_is_still_reported(void **state)
{
	(void)state;
	assert_int_equal(eval_syntax("skip : ALL : ALL : ALL\n"
				     "# fine\n"
				     "deny : alice : 10.0.0.0/33 : sshd\n"
				     "require : ALL : ALL : ALL\n"),
			 3);
}

static void test_line_length_limit(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");
	const char rule[] = "deny : alice : ALL : ALL";
	char *text = malloc(8192);
	size_t n;

	(void)state;
	assert_non_null(text);
	/* exactly 4096 bytes before the newline: accepted */
	memcpy(text, rule, sizeof(rule) - 1);
	memset(text + sizeof(rule) - 1, ' ', 4096 - (sizeof(rule) - 1));
	text[4096] = '\n';
	text[4097] = '\0';
	assert_int_equal(eval_ok(text, &s), BARO_ACL_DENY);

	/* 4097 bytes: refused, on line 2 */
	n = (size_t)snprintf(text, 8192, "# one\n");
	memcpy(text + n, rule, sizeof(rule) - 1);
	memset(text + n + sizeof(rule) - 1, ' ', 4097 - (sizeof(rule) - 1));
	text[n + 4097] = '\0';
	assert_int_equal(eval_syntax(text), 2);

	/* a long comment is refused too */
	memset(text, '#', 5000);
	text[5000] = '\0';
	assert_int_equal(eval_syntax(text), 1);
	free(text);
}

static void test_nul_byte_fails(void **state)
{
	static const char in_rule[] = "# ok\ndeny : ali\0ce : ALL : ALL\n";
	static const char in_comment[] = "# o\0k\ndeny : alice : ALL : ALL\n";
	static const char at_end[] = "deny : alice : ALL : ALL\n\0";
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_syntax_len(in_rule, sizeof(in_rule) - 1, &s), 2);
	assert_int_equal(eval_syntax_len(in_comment, sizeof(in_comment) - 1, &s),
			 1);
	assert_int_equal(eval_syntax_len(at_end, sizeof(at_end) - 1, &s), 2);
}

static void test_control_characters_fail(void **state)
{
	(void)state;
	assert_int_equal(eval_syntax("deny : alice : ALL : ALL\r\n"), 1);
	assert_int_equal(eval_syntax("deny : al\x01ice : ALL : ALL\n"), 1);
	assert_int_equal(eval_syntax("deny : alice : ALL : ALL\x7f\n"), 1);
	assert_int_equal(eval_syntax("\n# bell \a\n"), 2);
	assert_int_equal(eval_syntax("deny : alice : ALL : ALL\v\n"), 1);
}

/* --- users ------------------------------------------------------------ */

static void test_user_names_and_all(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : alice : ALL : ALL\n", &s), BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : bob alice carol : ALL : ALL\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : ALL : ALL : ALL\n", &s), BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : bob : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	/* no prefix or case folding */
	assert_int_equal(eval_ok("skip : alic Alice alice2 : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	/* SSSD-style names */
	s.user = "alice@example.com";
	assert_int_equal(eval_ok("skip : alice@example.com : ALL : ALL\n", &s),
			 BARO_ACL_SKIP);
}

static void test_null_user_matches_only_all(void **state)
{
	struct baro_acl_subject s = subject(NULL, NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("deny : alice : ALL : ALL\n"
				 "skip : ALL : ALL : ALL\n",
				 &s),
			 BARO_ACL_SKIP);
}

static void test_group_by_primary_gid(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	s.gid = 0; /* group "root" */
	assert_int_equal(eval_ok("deny : @root : ALL : ALL\n", &s), BARO_ACL_DENY);
	s.gid = 4; /* group "adm" */
	assert_int_equal(eval_ok("deny : @root : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("deny : @root @adm : ALL : ALL\n", &s),
			 BARO_ACL_DENY);
}

static void test_group_by_supplementary_gid(void **state)
{
	static const gid_t groups[] = { 100, 4, 27 };
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	s.groups = groups;
	s.ngroups = BARO_ARRAY_SIZE(groups);
	assert_int_equal(eval_ok("skip : @adm : ALL : ALL\n", &s), BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : @root : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	/* only ngroups entries count */
	s.ngroups = 1;
	assert_int_equal(eval_ok("skip : @adm : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
}

static void test_group_name_is_not_a_user_name(void **state)
{
	struct baro_acl_subject s = subject("root", NULL, "sshd");

	(void)state;
	/* user "root" whose groups do not include gid 0 */
	assert_int_equal(eval_ok("deny : @root : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
	s.user = "adm";
	assert_int_equal(eval_ok("deny : root : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
}

static void test_unknown_group_matches_nobody(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	s.gid = 0;
	assert_int_equal(eval_ok("deny : @no-such-group-baro : ALL : ALL\n", &s),
			 BARO_ACL_REQUIRE);
}

static void test_group_lookup_failure_fails_closed(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	unsigned line = 0;
	const char text[] = "# x\nskip : @adm : ALL : ALL\n";

	(void)state;
	lookup_fail = 1;
	assert_int_equal(baro_acl_eval(text, strlen(text), &s, &a, &line),
			 BARO_ACL_ERR_READ);
	lookup_fail = 0;
	assert_int_equal(a, BARO_ACL_DENY);
	assert_int_equal(line, 2);
}

static void test_groups_looked_up_only_when_needed(void **state)
{
	struct baro_acl_subject s = subject("alice", "10.0.0.1", "sshd");

	(void)state;
	lookup_calls = 0;
	/* service and origin do not match, and a rule already matched */
	assert_int_equal(eval_ok("deny : @adm : ALL : su\n"
				 "deny : @adm : 192.0.2.0/24 : ALL\n"
				 "skip : alice @root : ALL : ALL\n"
				 "deny : @adm : ALL : ALL\n",
				 &s),
			 BARO_ACL_SKIP);
	assert_int_equal(lookup_calls, 0);
}

static void test_bad_user_words_fail(void **state)
{
	static const char *const words[] = {
		"@", "@@adm", "all", "All", "LOCAL", "EXCEPT", "ALL EXCEPT root",
		"!root", "alice,bob", "a/b", "@ALL", "@adm,root",
	};

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(words); i++) {
		char text[128];

		snprintf(text, sizeof(text), "skip : %s : ALL : ALL\n", words[i]);
		if (eval_syntax(text) != 1)
			fail_msg("user word %s", words[i]);
	}
}

static void test_name_length_limit(void **state)
{
	struct baro_acl_subject s = subject(NULL, NULL, "sshd");
	char name[300];
	char text[400];

	(void)state;
	memset(name, 'u', 256);
	name[256] = '\0';
	s.user = name;
	snprintf(text, sizeof(text), "deny : %s : ALL : ALL\n", name);
	assert_int_equal(eval_ok(text, &s), BARO_ACL_DENY);
	name[256] = 'u';
	name[257] = '\0';
	snprintf(text, sizeof(text), "deny : %s : ALL : ALL\n", name);
	assert_int_equal(eval_syntax(text), 1);
}

/* --- origins ------------------------------------------------------------ */

static void test_local_and_remote(void **state)
{
	static const struct origin_case t[] = {
		{ "LOCAL", NULL, true },
		{ "LOCAL", "", true },
		{ "LOCAL", "10.0.0.1", false },
		{ "LOCAL", "::1", false },
		{ "LOCAL", "localhost", false },
		{ "ALL", NULL, true },
		{ "ALL", "", true },
		{ "ALL", "10.0.0.1", true },
		{ "0.0.0.0/0", NULL, false },
		{ "::/0", "", false },
		{ "127.0.0.1", NULL, false },
		{ "10.0.0.0/8 LOCAL", NULL, true },
		{ "10.0.0.0/8 LOCAL", "10.2.3.4", true },
		{ "10.0.0.0/8 LOCAL", "11.2.3.4", false },
	};

	(void)state;
	check_origin_table(t, BARO_ARRAY_SIZE(t));
}

static void test_ipv4_cidr_edges(void **state)
{
	static const struct origin_case t[] = {
		{ "10.0.0.0/8", "10.0.0.0", true },
		{ "10.0.0.0/8", "10.255.255.255", true },
		{ "10.0.0.0/8", "9.255.255.255", false },
		{ "10.0.0.0/8", "11.0.0.0", false },
		{ "192.168.1.0/25", "192.168.1.127", true },
		{ "192.168.1.0/25", "192.168.1.128", false },
		{ "192.168.1.128/25", "192.168.1.128", true },
		{ "192.168.1.128/25", "192.168.1.127", false },
		{ "172.16.0.0/12", "172.31.255.255", true },
		{ "172.16.0.0/12", "172.32.0.0", false },
		{ "172.16.0.0/12", "172.15.255.255", false },
		{ "192.168.1.7/32", "192.168.1.7", true },
		{ "192.168.1.7/32", "192.168.1.6", false },
		{ "192.168.1.7/32", "192.168.1.8", false },
		{ "192.168.1.7", "192.168.1.7", true },
		{ "192.168.1.7", "192.168.1.70", false },
		{ "192.168.1.6/31", "192.168.1.7", true },
		{ "192.168.1.6/31", "192.168.1.8", false },
		{ "0.0.0.0/0", "0.0.0.0", true },
		{ "0.0.0.0/0", "255.255.255.255", true },
		{ "0.0.0.0/0", "2001:db8::1", false },
		{ "128.0.0.0/1", "127.255.255.255", false },
		{ "128.0.0.0/1", "128.0.0.0", true },
		/* host bits below the prefix are ignored */
		{ "10.1.2.3/8", "10.200.0.1", true },
		{ "10.1.2.3/8", "11.1.2.3", false },
		/* several items */
		{ "192.0.2.1 198.51.100.0/24", "198.51.100.200", true },
		{ "192.0.2.1 198.51.100.0/24", "192.0.2.2", false },
	};

	(void)state;
	check_origin_table(t, BARO_ARRAY_SIZE(t));
}

static void test_ipv6_cidr_edges(void **state)
{
	static const struct origin_case t[] = {
		{ "2001:db8::/32", "2001:db8::", true },
		{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true },
		{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false },
		{ "2001:db8::/32", "2001:db9::", false },
		{ "2001:db8::1/128", "2001:db8::1", true },
		{ "2001:db8::1/128", "2001:db8::", false },
		{ "2001:db8::1/128", "2001:db8::2", false },
		{ "2001:db8::1", "2001:db8:0:0:0:0:0:1", true },
		{ "2001:DB8::1", "2001:db8::1", true },
		{ "::1", "::1", true },
		{ "::1", "::2", false },
		{ "::1", "127.0.0.1", false },
		{ "fe80::/10", "febf:ffff::1", true },
		{ "fe80::/10", "fec0::", false },
		{ "2001:db8::/127", "2001:db8::1", true },
		{ "2001:db8::/127", "2001:db8::2", false },
		{ "::/0", "::", true },
		{ "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true },
		/* IPv6 ranges never match IPv4 clients */
		{ "::/0", "10.1.2.3", false },
		{ "::/0", "::ffff:10.1.2.3", false },
		{ "2001:db8::/32 ::1", "::1", true },
	};

	(void)state;
	check_origin_table(t, BARO_ARRAY_SIZE(t));
}

static void test_ipv4_mapped_ipv6(void **state)
{
	static const struct origin_case t[] = {
		{ "10.0.0.0/8", "::ffff:10.1.2.3", true },
		{ "10.0.0.0/8", "::FFFF:10.1.2.3", true },
		{ "10.0.0.0/8", "::ffff:a01:203", true },
		{ "10.0.0.0/8", "::ffff:11.1.2.3", false },
		{ "10.1.2.3", "::ffff:10.1.2.3", true },
		{ "::ffff:10.0.0.0/104", "10.1.2.3", true },
		{ "::ffff:10.0.0.0/104", "11.1.2.3", false },
		{ "::ffff:10.0.0.0/104", "::ffff:10.255.255.255", true },
		{ "::ffff:10.1.2.3", "10.1.2.3", true },
		{ "::ffff:10.1.2.3/128", "10.1.2.4", false },
		{ "::ffff:0.0.0.0/96", "203.0.113.9", true },
		{ "::ffff:0.0.0.0/96", "2001:db8::1", false },
		{ "0.0.0.0/0", "::ffff:203.0.113.9", true },
		/* IPv4-compatible (not mapped) is plain IPv6 */
		{ "10.0.0.0/8", "::10.1.2.3", false },
	};

	(void)state;
	check_origin_table(t, BARO_ARRAY_SIZE(t));
}

static void test_host_name_rhost_matches_only_all(void **state)
{
	static const struct origin_case t[] = {
		{ "ALL", "client.example.com", true },
		{ "0.0.0.0/0", "client.example.com", false },
		{ "::/0", "client.example.com", false },
		{ "LOCAL", "client.example.com", false },
		/* a numeric-looking name or a scoped address is not an address */
		{ "0.0.0.0/0", "10.1.2", false },
		{ "0.0.0.0/0", "10.1.2.3 ", false },
		{ "::/0", "fe80::1%eth0", false },
		{ "::/0", "[::1]", false },
		{ "0.0.0.0/0", "10.0.0.0/8", false },
	};

	(void)state;
	check_origin_table(t, BARO_ARRAY_SIZE(t));
}

static void test_prefix_boundaries_accepted(void **state)
{
	static const char *const good[] = {
		"0.0.0.0/0", "10.0.0.0/8", "10.0.0.1/32", "::/0",
		"::1/128", "2001:db8::/32", "::ffff:10.0.0.0/96",
	};
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(good); i++) {
		char text[128];

		snprintf(text, sizeof(text), "skip : ALL : %s : sshd\n", good[i]);
		assert_int_equal(eval_ok(text, &s), BARO_ACL_REQUIRE);
	}
}

static void test_bad_prefixes_fail(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/",
		"10.0.0.0/+8", "10.0.0.0/8a", "10.0.0.0/0x8", "10.0.0.0/8/8",
		"10.0.0.0/ 8", "10.0.0.0/4294967304", "10.0.0.0/18446744073709551624",
		"10.0.0.0/99999999999999999999999", "2001:db8::/129",
		"2001:db8::/00", "::/-0", "/8", "10.0.0.0/8.0",
	};

	(void)state;
	check_bad_origin_table(bad, BARO_ARRAY_SIZE(bad));
}

static void test_bad_addresses_fail(void **state)
{
	static const char *const bad[] = {
		"10.0.0", "10.0.0.256", "10.0.0.1.2", "010.0.0.1", "10.0.0.-1",
		"2001:db8:::1", "2001:db8::g", "1:2:3:4:5:6:7:8:9",
		"fe80::1%eth0", "[::1]", "host.example.com", "local", "all",
		"EXCEPT", "*", "10.0.0.*", "10.0.0.0-10.0.0.9",
		"10.0.0.1,10.0.0.2", "@adm",
	};

	(void)state;
	check_bad_origin_table(bad, BARO_ARRAY_SIZE(bad));
}

static void test_ipv6_needs_no_brackets(void **state)
{
	struct baro_acl_subject s = subject("alice", "2001:db8::5", "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : alice : 2001:db8::/32 : sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip:alice:2001:db8::5 :sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip:alice:2001:db8::5: sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip:alice:::1 2001:db8::5 ::2:sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : alice : ::1 : sshd\n", &s),
			 BARO_ACL_REQUIRE);
}

static void test_forgotten_services_after_ipv6_fails(void **state)
{
	static const char *const lines[] = {
		"skip : alice : 2001:db8::1\n",
		"skip : alice : 2001:db8::/32\n",
		"skip : alice : ::1\n",
		"skip : alice : ::\n",
		"skip : alice : ::ffff:10.1.2.3\n",
		"skip : alice : fe80::1:beef\n",
		"skip:alice:fe80::1:add\n",
		"skip : alice : 10.0.0.1 2001:db8::1:cafe\n",
	};

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(lines); i++) {
		if (eval_syntax(lines[i]) != 1)
			fail_msg("line %s", lines[i]);
	}
}

/* --- services ----------------------------------------------------------- */

static void test_services(void **state)
{
	struct baro_acl_subject s = subject("alice", NULL, "sshd");

	(void)state;
	assert_int_equal(eval_ok("skip : ALL : ALL : sshd\n", &s), BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : ALL : ALL : su sudo sshd\n", &s),
			 BARO_ACL_SKIP);
	assert_int_equal(eval_ok("skip : ALL : ALL : su sudo\n", &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("skip : ALL : ALL : ssh sshd2 SSHD\n", &s),
			 BARO_ACL_REQUIRE);
	s.service = "gdm-password";
	assert_int_equal(eval_ok("skip : ALL : ALL : gdm-password\n", &s),
			 BARO_ACL_SKIP);
	s.service = NULL;
	assert_int_equal(eval_ok("deny : ALL : ALL : sshd\n"
				 "skip : ALL : ALL : ALL\n",
				 &s),
			 BARO_ACL_SKIP);
}

static void test_bad_service_words_fail(void **state)
{
	static const char *const words[] = {
		"sshd,su", "pam.d/sshd", "all", "LOCAL", "!sshd", "@sshd",
	};

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(words); i++) {
		char text[128];

		snprintf(text, sizeof(text), "skip : ALL : ALL : %s\n", words[i]);
		if (eval_syntax(text) != 1)
			fail_msg("service word %s", words[i]);
	}
}

static void test_all_fields_must_match(void **state)
{
	struct baro_acl_subject s = subject("alice", "10.1.2.3", "sshd");

	(void)state;
	assert_int_equal(eval_ok("deny : alice : 10.0.0.0/8 : sshd\n", &s),
			 BARO_ACL_DENY);
	assert_int_equal(eval_ok("deny : bob : 10.0.0.0/8 : sshd\n", &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("deny : alice : 11.0.0.0/8 : sshd\n", &s),
			 BARO_ACL_REQUIRE);
	assert_int_equal(eval_ok("deny : alice : 10.0.0.0/8 : su\n", &s),
			 BARO_ACL_REQUIRE);
}

/* --- validation without a subject -------------------------------------- */

static void test_null_subject_validates_only(void **state)
{
	static const char good[] = "skip : @adm : ::1 : sshd\n";
	static const char bad[] = "skip : @adm : ::1 : sshd\nfoo\n";
	enum baro_acl_action a = BARO_ACL_DENY;
	unsigned line = 5;

	(void)state;
	lookup_calls = 0;
	assert_int_equal(baro_acl_eval(good, strlen(good), NULL, &a, &line),
			 BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_REQUIRE);
	assert_int_equal(line, 0);
	assert_int_equal(lookup_calls, 0);
	assert_int_equal(baro_acl_eval(bad, strlen(bad), NULL, NULL, &line),
			 BARO_ACL_ERR_SYNTAX);
	assert_int_equal(line, 2);
	assert_int_equal(baro_acl_eval(bad, strlen(bad), NULL, NULL, NULL),
			 BARO_ACL_ERR_SYNTAX);
}

/* --- baro_acl_check(): the file and the log (needs root) ------------------ */

struct check_env {
	char dir[64];
	char path[128];
	char logpath[128];
	int saved_stderr;
};

static int setup_check(void **state)
{
	struct check_env *env = calloc(1, sizeof(*env));

	if (env == NULL)
		return -1;
	snprintf(env->dir, sizeof(env->dir), "/tmp/baro-acl-test.XXXXXX");
	if (mkdtemp(env->dir) == NULL) {
		free(env);
		return -1;
	}
	snprintf(env->path, sizeof(env->path), "%s/.baro_acl", env->dir);
	snprintf(env->logpath, sizeof(env->logpath), "%s/log", env->dir);
	env->saved_stderr = -1;
	*state = env;
	return 0;
}

static int teardown_check(void **state)
{
	struct check_env *env = *state;

	unlink(env->path);
	unlink(env->logpath);
	rmdir(env->dir);
	free(env);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Run baro_acl_check() with stderr (the logger without a PAM handle)
 * sent to a file; return what was logged. */
static enum baro_acl_err run_check(struct check_env *env,
				   const struct baro_acl_subject *s,
				   enum baro_acl_action *a, char *log,
				   size_t logsz)
{
	struct baro_log lg = { .pamh = NULL };
	enum baro_acl_err rc;
	ssize_t n;
	int fd;

	fd = open(env->logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	env->saved_stderr = dup(STDERR_FILENO);
	assert_true(env->saved_stderr >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	rc = baro_acl_check(env->path, s, a, &lg);
	fflush(stderr);
	dup2(env->saved_stderr, STDERR_FILENO);
	close(env->saved_stderr);
	env->saved_stderr = -1;
	n = pread(fd, log, logsz - 1, 0);
	close(fd);
	assert_true(n >= 0);
	log[n] = '\0';
	return rc;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void test_check_reads_valid_file(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", "10.1.2.3", "sshd");
	enum baro_acl_action a = BARO_ACL_DENY;
	char log[1024];

	need_root();
	write_file(env->path, "skip : deploy : 10.0.0.0/8 : sshd\n", 0400);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)), BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_SKIP);
	assert_string_equal(log, "");
	/* 0444 and 0644 are not writable by group or other: accepted */
	write_file(env->path, "deny : deploy : ALL : ALL\n", 0644);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)), BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_DENY);
	write_file(env->path, "skip : deploy : ALL : ALL\n", 0444);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)), BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_SKIP);
}

static void test_check_empty_file_requires(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_DENY;
	char log[1024];

	need_root();
	write_file(env->path, "", 0400);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)), BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_REQUIRE);
}

static void test_check_writable_file_is_refused(void **state)
{
	static const mode_t modes[] = { 0664, 0646, 0666, 0620, 0602 };
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char log[1024];
	char want[256];

	need_root();
	snprintf(want, sizeof(want),
		 "ACL file \"%s\" must only be accessible by user id root",
		 env->path);
	for (size_t i = 0; i < BARO_ARRAY_SIZE(modes); i++) {
		write_file(env->path, "skip : ALL : ALL : ALL\n", modes[i]);
		assert_int_equal(run_check(env, &s, &a, log, sizeof(log)),
				 BARO_ACL_ERR_PERM);
		assert_int_equal(a, BARO_ACL_DENY);
		if (strstr(log, want) == NULL)
			fail_msg("mode %o: log was: %s", modes[i], log);
	}
}

static void test_check_not_root_owned_is_refused(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char log[1024];
	char want[256];

	need_root();
	write_file(env->path, "skip : ALL : ALL : ALL\n", 0400);
	assert_int_equal(chown(env->path, 65534, 65534), 0);
	snprintf(want, sizeof(want),
		 "ACL file \"%s\" must only be accessible by user id root",
		 env->path);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)),
			 BARO_ACL_ERR_PERM);
	assert_int_equal(a, BARO_ACL_DENY);
	assert_non_null(strstr(log, want));
}

static void test_check_symlink_is_refused(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char target[160];
	char log[1024];

	need_root();
	snprintf(target, sizeof(target), "%s/real", env->dir);
	write_file(target, "skip : ALL : ALL : ALL\n", 0400);
	unlink(env->path);
	assert_int_equal(symlink(target, env->path), 0);
	assert_int_not_equal(run_check(env, &s, &a, log, sizeof(log)),
			     BARO_ACL_OK);
	assert_int_equal(a, BARO_ACL_DENY);
	unlink(target);
}

static void test_check_missing_file_fails_closed(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char log[1024];
	char want[256];

	need_root();
	unlink(env->path);
	snprintf(want, sizeof(want), "Failed to acl file read \"%s\"", env->path);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)),
			 BARO_ACL_ERR_READ);
	assert_int_equal(a, BARO_ACL_DENY);
	if (strstr(log, want) == NULL)
		fail_msg("log was: %s", log);
}

static void test_check_syntax_error_logs_line(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char log[1024];
	char want[256];

	need_root();
	write_file(env->path,
		   "skip : deploy : ALL : sshd\n# c\nskip : x : 10.0.0.0/33 : su\n",
		   0400);
	snprintf(want, sizeof(want), "Invalid ACL rule in \"%s\" line 3",
		 env->path);
	assert_int_equal(run_check(env, &s, &a, log, sizeof(log)),
			 BARO_ACL_ERR_SYNTAX);
	assert_int_equal(a, BARO_ACL_DENY);
	if (strstr(log, want) == NULL)
		fail_msg("log was: %s", log);
}

static void test_check_group_lookup_failure_logs(void **state)
{
	struct check_env *env = *state;
	struct baro_acl_subject s = subject("deploy", NULL, "sshd");
	enum baro_acl_action a = BARO_ACL_SKIP;
	char log[1024];
	char want1[256], want2[256];
	enum baro_acl_err rc;

	need_root();
	write_file(env->path, "skip : @adm : ALL : ALL\n", 0400);
	snprintf(want1, sizeof(want1),
		 "Cannot look up group in ACL file \"%s\" line 1", env->path);
	snprintf(want2, sizeof(want2), "Failed to acl file read \"%s\"",
		 env->path);
	lookup_fail = 1;
	rc = run_check(env, &s, &a, log, sizeof(log));
	lookup_fail = 0;
	assert_int_equal(rc, BARO_ACL_ERR_READ);
	assert_int_equal(a, BARO_ACL_DENY);
	if (strstr(log, want1) == NULL || strstr(log, want2) == NULL)
		fail_msg("log was: %s", log);
}

#define CHECK_TEST(f) cmocka_unit_test_setup_teardown(f, setup_check, teardown_check)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_file_requires),
		cmocka_unit_test(test_comments_and_blank_lines_require),
		cmocka_unit_test(test_trailing_comment_is_ignored),
		cmocka_unit_test(test_utf8_allowed_in_comments_only),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_each_action_is_returned),
		cmocka_unit_test(test_no_match_requires),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_compact_and_tab_separated_fields),
		cmocka_unit_test(test_unknown_action_fails_with_line),
		cmocka_unit_test(test_wrong_field_count_fails),
		cmocka_unit_test(test_empty_field_fails),
		cmocka_unit_test(test_error_after_match_is_still_reported),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_nul_byte_fails),
		cmocka_unit_test(test_control_characters_fail),
		cmocka_unit_test(test_user_names_and_all),
		cmocka_unit_test(test_null_user_matches_only_all),
		cmocka_unit_test(test_group_by_primary_gid),
		cmocka_unit_test(test_group_by_supplementary_gid),
		cmocka_unit_test(test_group_name_is_not_a_user_name),
		cmocka_unit_test(test_unknown_group_matches_nobody),
		cmocka_unit_test(test_group_lookup_failure_fails_closed),
		cmocka_unit_test(test_groups_looked_up_only_when_needed),
		cmocka_unit_test(test_bad_user_words_fail),
		cmocka_unit_test(test_name_length_limit),
		cmocka_unit_test(test_local_and_remote),
		cmocka_unit_test(test_ipv4_cidr_edges),
		cmocka_unit_test(test_ipv6_cidr_edges),
		cmocka_unit_test(test_ipv4_mapped_ipv6),
		cmocka_unit_test(test_host_name_rhost_matches_only_all),
		cmocka_unit_test(test_prefix_boundaries_accepted),
		cmocka_unit_test(test_bad_prefixes_fail),
		cmocka_unit_test(test_bad_addresses_fail),
		cmocka_unit_test(test_ipv6_needs_no_brackets),
		cmocka_unit_test(test_forgotten_services_after_ipv6_fails),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_bad_service_words_fail),
		cmocka_unit_test(test_all_fields_must_match),
		cmocka_unit_test(test_null_subject_validates_only),
		CHECK_TEST(test_check_reads_valid_file),
		CHECK_TEST(test_check_empty_file_requires),
		CHECK_TEST(test_check_writable_file_is_refused),
		CHECK_TEST(test_check_not_root_owned_is_refused),
		CHECK_TEST(test_check_symlink_is_refused),
		CHECK_TEST(test_check_missing_file_fails_closed),
		CHECK_TEST(test_check_syntax_error_logs_line),
		CHECK_TEST(test_check_group_lookup_failure_logs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
