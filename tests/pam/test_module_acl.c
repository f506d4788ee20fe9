/* SPDX-License-Identifier: BSD-3-Clause */
/* The access-control list (DESIGN.md §4) through libpam with the built module.
 * Users and groups come from cwrap's nss_wrapper: main() re-executes the
 * test with LD_PRELOAD=libnss_wrapper.so and private passwd/group files,
 * so group membership is tested without touching /etc. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "pamtest.h"

#define T0 1700000000LL

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX];
	char acl[PATH_MAX];
	char code[16];
};

static int setup(void **state)
{
	static struct ctx c;

	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_write_secret(c.secret, "");
	pt_path(&c.env, "baro_acl", c.acl, sizeof(c.acl));
	pt_set_now(T0);
	pt_code(T0, c.code, sizeof(c.code));
	*state = &c;
	return 0;
}

static void use_acl(struct ctx *c, const char *rules, mode_t mode)
{
	char args[2 * PATH_MAX + 64];

	if (rules != NULL)
		pt_write(c->acl, rules, mode);
	snprintf(args, sizeof(args), "secret=%s encrypt=no acl=%s", c->secret,
		 c->acl);
	/* ignore → pam_permit: a skip is PAM_SUCCESS without a prompt. */
	pt_module_service(&c->env, true, NULL, args);
}

static int login(struct ctx *c, const char *user, const char *rhost,
		 struct pt_run *r)
{
	r->user = user;
	r->rhost = rhost;
	r->responses[0] = c->code;
	pt_log_clear();
	return pt_login(&c->env, r);
}

static const char rules[] =
	"# action : users : origins : services\n"
	"skip    : alice         : 10.0.0.0/8 192.168.1.7 2001:db8::/32 : baro-test\n"
	"skip    : bob           : LOCAL         : ALL\n"
	"deny    : guest @contract : ALL         : ALL\n"
	"skip    : carol         : ALL           : sshd\n"
	"require : ALL           : ALL           : ALL\n";

static void skip_from_listed_network_needs_no_code(void **state)
{
	struct ctx *c = *state;
	static const char *const hosts[] = { "10.1.2.3", "192.168.1.7",
					     "2001:db8::5", "::ffff:10.9.9.9" };
	size_t i;

	use_acl(c, rules, 0400);
	for (i = 0; i < 4; i++) {
		struct pt_run r = { 0 };

		assert_int_equal(login(c, "alice", hosts[i], &r), PAM_SUCCESS);
		assert_int_equal(r.n_prompts, 0);
	}
}

static void require_from_other_network_asks_for_the_code(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 };
	struct pt_run bad = { .user = "alice", .rhost = "11.0.0.1",
			      .responses = { "000000" } };

	use_acl(c, rules, 0400);
	assert_int_equal(login(c, "alice", "192.168.1.8", &r), PAM_SUCCESS);
	assert_int_equal(r.n_prompts, 1);
	/* The code is really checked on a require: a wrong one fails. */
	assert_int_equal(pt_login(&c->env, &bad), PAM_AUTH_ERR);
	assert_int_equal(bad.n_prompts, 1);
}

static void deny_refuses_without_prompt(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 };

	use_acl(c, rules, 0400);
	assert_int_equal(login(c, "guest", "10.1.2.3", &r), PAM_PERM_DENIED);
	assert_int_equal(r.n_prompts, 0);
}

static void deny_matches_supplementary_group(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 }, primary = { 0 };

	use_acl(c, rules, 0400);
	/* dave is a supplementary member of contract, erin's primary group. */
	assert_int_equal(login(c, "dave", NULL, &r), PAM_PERM_DENIED);
	assert_int_equal(r.n_prompts, 0);
	assert_int_equal(login(c, "erin", NULL, &primary), PAM_PERM_DENIED);
	assert_int_equal(primary.n_prompts, 0);
}

static void local_matches_only_without_remote_host(void **state)
{
	struct ctx *c = *state;
	struct pt_run local = { 0 }, remote = { 0 };

	use_acl(c, rules, 0400);
	assert_int_equal(login(c, "bob", NULL, &local), PAM_SUCCESS);
	assert_int_equal(local.n_prompts, 0);
	assert_int_equal(login(c, "bob", "10.1.2.3", &remote), PAM_SUCCESS);
	assert_int_equal(remote.n_prompts, 1);
}

static void service_must_match(void **state)
{
	struct ctx *c = *state;
	struct pt_run other = { 0 }, sshd = { .service = "sshd" };

	use_acl(c, rules, 0400);
	/* carol's skip is for sshd only; the test service asks. */
	assert_int_equal(login(c, "carol", NULL, &other), PAM_SUCCESS);
	assert_int_equal(other.n_prompts, 1);
	pt_service(&c->env, "sshd",
		   "auth [success=done ignore=ignore default=die] " BARO_TEST_MODULE
		   " conf=%s/none.conf secret=%s encrypt=no acl=%s\n"
		   "auth required pam_permit.so\n",
		   c->env.dir, c->secret, c->acl);
	assert_int_equal(login(c, "carol", NULL, &sshd), PAM_SUCCESS);
	assert_int_equal(sshd.n_prompts, 0);
}

static void empty_acl_requires_code(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 };

	use_acl(c, "", 0400);
	assert_int_equal(login(c, "alice", "10.1.2.3", &r), PAM_SUCCESS);
	assert_int_equal(r.n_prompts, 1);
}

static void unknown_user_skipped_by_acl_is_still_unknown(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 };

	use_acl(c, "skip : ALL : ALL : ALL\n", 0400);
	assert_int_equal(login(c, "no-such-user-baro", NULL, &r),
			 PAM_USER_UNKNOWN);
	assert_int_equal(r.n_prompts, 0);
}

static void acl_is_read_before_the_secret_file(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { 0 };
	char missing[PATH_MAX + 32], args[3 * PATH_MAX];

	pt_write(c->acl, rules, 0400);
	snprintf(missing, sizeof(missing), "%s.missing", c->secret);
	snprintf(args, sizeof(args), "secret=%s encrypt=no acl=%s", missing,
		 c->acl);
	pt_module_service(&c->env, true, NULL, args);
	assert_int_equal(login(c, "guest", NULL, &r), PAM_PERM_DENIED);
	assert_false(pt_log_contains("Failed to secret file read"));
}

/* The shipped example is a working ACL. */
static void shipped_example_acl_works(void **state)
{
	struct ctx *c = *state;
	char *text = pt_read(BARO_SOURCE_DIR "/conf/baro_acl.example");
	struct pt_run skip = { .service = "sshd" }, deny = { 0 }, req = { 0 };

	assert_non_null(text);
	use_acl(c, text, 0444);
	free(text);
	pt_service(&c->env, "sshd",
		   "auth [success=done ignore=ignore default=die] " BARO_TEST_MODULE
		   " conf=%s/none.conf secret=%s encrypt=no acl=%s\n"
		   "auth required pam_permit.so\n",
		   c->env.dir, c->secret, c->acl);
	assert_int_equal(login(c, "deploy", "10.20.7.8", &skip), PAM_SUCCESS);
	assert_int_equal(skip.n_prompts, 0);
	assert_int_equal(login(c, "guest", "10.20.7.8", &deny), PAM_PERM_DENIED);
	assert_int_equal(login(c, "alice", "10.20.7.8", &req), PAM_SUCCESS);
	assert_int_equal(req.n_prompts, 1);
}

static void expect_acl_error(struct ctx *c, const char *line)
{
	struct pt_run r = { 0 };

	assert_int_equal(login(c, "alice", "10.1.2.3", &r),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(r.n_prompts, 0);
	pt_assert_log("%s", line);
}

static void writable_acl_fails_closed(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];
	static const mode_t modes[] = { 0666, 0620, 0602 };
	size_t i;

	snprintf(line, sizeof(line),
		 "ACL file \"%s\" must only be accessible by user id root",
		 c->acl);
	for (i = 0; i < 3; i++) {
		use_acl(c, rules, modes[i]);
		expect_acl_error(c, line);
	}
	/* 0444 is allowed (DESIGN.md §4). */
	use_acl(c, rules, 0444);
	{
		struct pt_run r = { 0 };

		assert_int_equal(login(c, "alice", "10.1.2.3", &r), PAM_SUCCESS);
		assert_int_equal(r.n_prompts, 0);
	}
}

static void acl_not_owned_by_root_fails_closed(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];

	use_acl(c, rules, 0400);
	assert_int_equal(chown(c->acl, 1, 1), 0);
	snprintf(line, sizeof(line),
		 "ACL file \"%s\" must only be accessible by user id root",
		 c->acl);
	expect_acl_error(c, line);
}

static void missing_acl_fails_closed(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];

	use_acl(c, NULL, 0);
	assert_int_equal(unlink(c->acl) == 0 || errno == ENOENT, 1);
	snprintf(line, sizeof(line), "Failed to acl file read \"%s\"", c->acl);
	expect_acl_error(c, line);
}

static void malformed_line_fails_closed_with_line_number(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];

	/* The first rule would skip alice; line 3 is broken: no login. */
	use_acl(c,
		"skip : alice : 10.0.0.0/8 : ALL\n"
		"# comment\n"
		"skip : alice : 10.0.0.0/33 : ALL\n",
		0400);
	snprintf(line, sizeof(line), "Invalid ACL rule in \"%s\" line 3",
		 c->acl);
	expect_acl_error(c, line);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pt_write(path, text, 0644);
}

static void write_nss_files(const char *dir)
{
	write_file(dir, "passwd",
		   "root:x:0:0:root:/root:/bin/sh\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
		   "alice:x:5001:5001::/nonexistent:/bin/sh\n"
		   "bob:x:5002:5002::/nonexistent:/bin/sh\n"
		   "carol:x:5003:5003::/nonexistent:/bin/sh\n"
		   "dave:x:5004:5004::/nonexistent:/bin/sh\n"
		   "erin:x:5005:5100::/nonexistent:/bin/sh\n"
		   "guest:x:5006:5006::/nonexistent:/bin/sh\n"
		   "deploy:x:5007:5007::/nonexistent:/bin/sh\n");
	write_file(dir, "group",
		   "root:x:0:\nnogroup:x:65534:\n"
		   "alice:x:5001:\nbob:x:5002:\ncarol:x:5003:\ndave:x:5004:\n"
		   "guest:x:5006:\ncontract:x:5100:dave\n");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(skip_from_listed_network_needs_no_code),
		cmocka_unit_test(require_from_other_network_asks_for_the_code),
		cmocka_unit_test(deny_refuses_without_prompt),
		cmocka_unit_test(deny_matches_supplementary_group),
		cmocka_unit_test(local_matches_only_without_remote_host),
		cmocka_unit_test(service_must_match),
		cmocka_unit_test(empty_acl_requires_code),
		cmocka_unit_test(unknown_user_skipped_by_acl_is_still_unknown),
		cmocka_unit_test(acl_is_read_before_the_secret_file),
		cmocka_unit_test(shipped_example_acl_works),
		cmocka_unit_test(writable_acl_fails_closed),
		cmocka_unit_test(acl_not_owned_by_root_fails_closed),
		cmocka_unit_test(missing_acl_fails_closed),
		cmocka_unit_test(malformed_line_fails_closed_with_line_number),
	};

	(void)argc;
	if (geteuid() != 0) {
		fprintf(stderr, "test_module_acl: needs root (root-owned files)\n");
		return 77;
	}
	if (getenv("NSS_WRAPPER_PASSWD") == NULL)
		return pt_run_under_nss_wrapper(argv, write_nss_files);
	return cmocka_run_group_tests(tests, setup, pt_teardown_state);
}
