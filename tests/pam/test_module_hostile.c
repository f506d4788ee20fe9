/* SPDX-License-Identifier: BSD-3-Clause */
/* The module attacked as a hostile user or a confused admin would, through
 * the real libpam: many groups against a deny rule, a file at the size
 * limit, a clock the file cannot hold, every documented secret template,
 * the caller's file size limit, the fail delay on every failure, and the
 * audit lines of the auth and session phases (DESIGN.md §3, §4, §6, §7).
 * Users and groups come from cwrap's nss_wrapper (main() re-executes the
 * test under it), so nothing in /etc is touched. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/secret.h"
#include "pamtest.h"

#define T0 1700000000LL
#define MANY_GROUPS 300
#define NO_IP "(local ip=0.0.0.0,Remote ip=0.0.0.0)"

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX]; /* nobody's file in env/secrets */
	char conf[PATH_MAX];
};

static const char *nss_dir;

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "none.conf", c.conf, sizeof(c.conf));
	pt_write(c.conf, "", 0644);
	*state = &c;
	return 0;
}

/* "auth required TEST_MODULE conf=none ARGS" and the session line. */
static void use_module(const struct ctx *c, const char *args)
{
	pt_service(&c->env, "baro-test",
		   "auth required " BARO_TEST_MODULE " conf=%s %s\n"
		   "session optional " BARO_TEST_MODULE "\n",
		   c->conf, args);
}

static void use_secret(const struct ctx *c, const char *more)
{
	char args[PATH_MAX + 128];

	pt_format(args, sizeof(args), "secret=%s encrypt=no %s", c->secret,
		  more);
	use_module(c, args);
}

static int login_as(const struct ctx *c, struct pt_run *r, const char *user,
		    const char *code)
{
	r->user = user;
	r->responses[0] = code;
	r->n_prompts = 0;
	r->n_errors = 0;
	pt_log_clear();
	return pt_login(&c->env, r);
}

static int login_at(const struct ctx *c, struct pt_run *r, int64_t t,
		    bool right)
{
	static char code[16];

	pt_set_now(t);
	pt_code(t, code, sizeof(code));
	if (!right)
		code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	return login_as(c, r, PT_USER, code);
}

/* --- groups --- */

/* getgrouplist() with a fixed list of 256 used to fail for a member of
 * 301 groups, and the module fell back to the primary group only. */
static void deny_rule_matches_a_member_of_300_other_groups(void **state)
{
	const struct ctx *c = *state;
	struct pt_run r = { 0 };
	char acl[PATH_MAX], args[2 * PATH_MAX];

	pt_path(&c->env, "acl", acl, sizeof(acl));
	pt_write(acl, "deny : @contract : ALL : ALL\n", 0444);
	pt_format(args, sizeof(args), "secret=%s acl=%s encrypt=no",
		  c->secret, acl);
	use_module(c, args);
	assert_int_equal(login_as(c, &r, "many", "123456"), PAM_PERM_DENIED);
	assert_int_equal(r.n_prompts, 0);
	/* The member of few groups is refused the same way. */
	assert_int_equal(login_as(c, &r, "few", "123456"), PAM_PERM_DENIED);
}

/* --- the file's size limit --- */

static void pad_to(char *text, size_t size)
{
	size_t n = strlen(text);

	assert_true(n + 4 < size);
	text[n++] = '#';
	while (n < size - 1)
		text[n++] = 'x';
	text[n++] = '\n';
	text[n] = '\0';
}

/* One more timestamp would take a 65535-byte file past the 65536 bytes
 * the reader accepts: the rewrite is refused, the old file stays usable. */
static void state_never_grows_the_file_past_the_reader_limit(void **state)
{
	const struct ctx *c = *state;
	char *text = calloc(1, BARO_FILE_MAX + 1), *after;
	struct pt_run r = { 0 };

	assert_non_null(text);
	pt_secret_text(text, BARO_FILE_MAX, "RATE_LIMIT 5 300\n");
	pad_to(text, BARO_FILE_MAX - 1);
	assert_int_equal(strlen(text), BARO_FILE_MAX - 1);
	pt_write(c->secret, text, 0400);
	use_secret(c, "nodelay");
	assert_int_equal(login_at(c, &r, T0, false), PAM_AUTH_ERR);
	pt_assert_log("Failed to update secret file %s[File too large]",
		      c->secret);
	after = pt_read(c->secret);
	assert_string_equal(after, text);
	free(after);
	/* Still readable: the next login finds the same file, not a
	 * poisoned one. */
	assert_int_equal(login_at(c, &r, T0 + 30, true), PAM_AUTH_ERR);
	assert_false(pt_log_contains("Invalid file size"));
	pt_assert_log("Failed to update secret file %s[File too large]",
		      c->secret);
	/* With room for the state, the same file works. */
	pt_secret_text(text, BARO_FILE_MAX, "RATE_LIMIT 5 300\n");
	pad_to(text, BARO_FILE_MAX - 200);
	pt_write(c->secret, text, 0400);
	assert_int_equal(login_at(c, &r, T0 + 60, true), PAM_SUCCESS);
	free(text);
}

/* --- the clock --- */

static void assert_clock_refused(const struct ctx *c, int64_t t)
{
	struct pt_run r = { 0 };
	char *after;

	pt_write_secret(c->secret, "RATE_LIMIT 5 300\nDISALLOW_REUSE\n");
	assert_int_equal(login_at(c, &r, t, true), PAM_SYSTEM_ERR);
	pt_assert_log("Verification code generation failed.[clock out of range: %lld]",
		      (long long)t);
	after = pt_read(c->secret);
	assert_string_equal(after, "SECURE_KEY " PT_KEY_B32
				   "\nCYCLE_TIME 30\nRATE_LIMIT 5 300\nDISALLOW_REUSE\n");
	free(after);
	/* Nothing poisoned: a sane clock logs in. */
	assert_int_equal(login_at(c, &r, T0, true), PAM_SUCCESS);
}

static void clock_the_file_cannot_hold_fails_and_writes_nothing(void **state)
{
	const struct ctx *c = *state;

	use_secret(c, "nodelay");
	assert_clock_refused(c, ((int64_t)1 << 40) + 100);
	assert_clock_refused(c, -5);
}

/* --- every documented secret= form --- */

static void assert_template_works(const struct ctx *c, const char *tmpl,
				  const char *file)
{
	struct pt_run r = { 0 };
	char args[PATH_MAX + 64], code[16];

	pt_write_secret(file, "");
	pt_format(args, sizeof(args), "secret=%s encrypt=no nodelay", tmpl);
	use_module(c, args);
	pt_set_now(T0);
	pt_code(T0, code, sizeof(code));
	if (login_as(c, &r, "homer", code) != PAM_SUCCESS) {
		pt_log_dump();
		fail_msg("secret=%s: %d", tmpl, r.rc);
	}
	assert_int_equal(unlink(file), 0);
}

static void every_documented_secret_template_is_accepted(void **state)
{
	const struct ctx *c = *state;
	char home[PATH_MAX], file[PATH_MAX], tmpl[PATH_MAX], users[PATH_MAX];

	pt_format(home, sizeof(home), "%s/home/homer", nss_dir);
	pt_format(file, sizeof(file), "%s/.baro_auth", home);
	assert_template_works(c, "${HOME}/.baro_auth", file);
	assert_template_works(c, "~/.baro_auth", file);
	pt_format(tmpl, sizeof(tmpl), "%s/home/${USER}/.baro_auth", nss_dir);
	assert_template_works(c, tmpl, file);
	pt_format(users, sizeof(users), "%s/users", nss_dir);
	pt_format(tmpl, sizeof(tmpl), "%s/users/.baro_auth_${USER}", nss_dir);
	pt_format(file, sizeof(file), "%s/.baro_auth_homer", users);
	assert_template_works(c, tmpl, file);
}

/* --- the caller's limits --- */

/* A setuid program's caller sets RLIMIT_FSIZE to 0 and ignores SIGXFSZ:
 * the state is still written, and the caller's settings are restored. */
static void state_write_ignores_the_callers_file_size_limit(void **state)
{
	const struct ctx *c = *state;
	struct rlimit saved, zero, now;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old, after;
	struct pt_run r = { 0 };
	char *text;
	int rc;

	pt_write_secret(c->secret, "RATE_LIMIT 5 300\n");
	use_secret(c, "nodelay");
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	zero.rlim_cur = 0;
	zero.rlim_max = saved.rlim_max;
	assert_int_equal(sigaction(SIGXFSZ, &ign, &old), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &zero), 0);
	rc = login_at(c, &r, T0, false);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &now), 0);
	assert_int_equal(sigaction(SIGXFSZ, &old, &after), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	assert_int_equal(rc, PAM_AUTH_ERR);
	assert_true(now.rlim_cur == 0);
	assert_true(after.sa_handler == SIG_IGN);
	pt_assert_log("Invalid verification code");
	text = pt_read(c->secret);
	assert_non_null(strstr(text, "RATE_LIMIT 5 300 1700000000\n"));
	free(text);
}

/* With the hard limit at 0 too, root can lift it only with
 * CAP_SYS_RESOURCE. Where it cannot, the state cannot be written, and a
 * right code must then fail exactly like a wrong one: the same result,
 * nothing said to the user, the file unchanged. Run in a child, which
 * cannot raise its limit back. */
static void child_login_under_hard_limit(const struct ctx *c, bool right)
{
	struct rlimit zero = { 0, 0 };
	struct pt_run r = { 0 };
	int rc;

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &zero) != 0)
		_exit(100);
	rc = login_at(c, &r, right ? T0 + 30 : T0 + 60, right);
	if (rc == PAM_SUCCESS)
		_exit(0);
	_exit(rc == PAM_AUTH_ERR && r.n_errors == 0 ? 1 : 2);
}

static int run_child(const struct ctx *c, bool right)
{
	int status = -1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		child_login_under_hard_limit(c, right);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void hard_file_size_limit_gives_no_oracle(void **state)
{
	const struct ctx *c = *state;
	char *before, *after;
	int right, wrong;

	pt_write_secret(c->secret, "RATE_LIMIT 5 300\nDISALLOW_REUSE\n");
	use_secret(c, "nodelay");
	before = pt_read(c->secret);
	right = run_child(c, true);
	wrong = run_child(c, false);
	after = pt_read(c->secret);
	assert_int_not_equal(wrong, 0);
	if (right == 0) {
		/* CAP_SYS_RESOURCE: the limit was lifted, the state written. */
		assert_string_not_equal(before, after);
	} else {
		assert_int_equal(right, 1);
		assert_int_equal(wrong, 1);
		assert_string_equal(before, after);
	}
	free(before);
	free(after);
}

/* --- the fail delay --- */

static void assert_delayed(const struct pt_run *r, int rc)
{
	assert_int_equal(r->rc, rc);
	assert_true(r->delay_called);
	assert_int_equal(r->delay_status, rc);
	/* libpam varies the 2 s by up to half either way. */
	assert_true(r->delay_usec >= 1000000 && r->delay_usec <= 3000000);
}

static void every_failure_is_answered_after_the_fail_delay(void **state)
{
	const struct ctx *c = *state;
	struct pt_run r = { 0 };
	char acl[PATH_MAX], args[2 * PATH_MAX];

	pt_write_secret(c->secret, "");
	use_secret(c, "");
	login_at(c, &r, T0, false);
	assert_delayed(&r, PAM_AUTH_ERR);
	login_as(c, &r, "nosuchuser", "123456");
	assert_delayed(&r, PAM_USER_UNKNOWN);
	pt_format(args, sizeof(args), "secret=%s/secrets/.none encrypt=no",
		  c->env.dir);
	use_module(c, args);
	login_at(c, &r, T0, true); /* a user without a file */
	assert_delayed(&r, PAM_AUTHINFO_UNAVAIL);
	use_module(c, "secret=/x encrypt=no bogus");
	login_at(c, &r, T0, true);
	assert_delayed(&r, PAM_AUTHINFO_UNAVAIL);
	pt_path(&c->env, "acl", acl, sizeof(acl));
	pt_write(acl, "deny : ALL : ALL : ALL\n", 0444);
	pt_format(args, sizeof(args), "secret=%s acl=%s encrypt=no",
		  c->secret, acl);
	use_module(c, args);
	login_at(c, &r, T0, true);
	assert_delayed(&r, PAM_PERM_DENIED);
	/* Success: libpam calls the function, and waits for nothing. */
	use_secret(c, "");
	assert_int_equal(login_at(c, &r, T0 + 30, true), PAM_SUCCESS);
	/* nodelay: no delay is asked for. */
	use_secret(c, "nodelay");
	assert_int_equal(login_at(c, &r, T0, false), PAM_AUTH_ERR);
	assert_int_equal(r.delay_usec, 0);
}

/* --- audit: the auth phase, the session phase, who asked --- */

static void session_line_only_when_a_session_opens(void **state)
{
	const struct ctx *c = *state;
	struct pt_run r = { .open_session = true };

	pt_write_secret(c->secret, "");
	use_secret(c, "nodelay");
	assert_int_equal(login_at(c, &r, T0, true), PAM_SUCCESS);
	assert_int_equal(r.session_rc, PAM_SUCCESS);
	pt_assert_log("authentication key : verification code accepted for user nobody by " NO_IP);
	pt_assert_log("authentication key : session opened for user nobody by " NO_IP);
	/* Without a session (a password after the code failed, faillock
	 * refused…) no line says one opened. */
	r.open_session = false;
	assert_int_equal(login_at(c, &r, T0 + 30, true), PAM_SUCCESS);
	assert_false(pt_log_contains("session opened"));
	/* A session after a failed code is not the module's to announce. */
	r.open_session = true;
	assert_int_equal(login_at(c, &r, T0 + 60, false), PAM_AUTH_ERR);
	assert_false(pt_log_contains("session opened"));
}

static void audit_names_the_requesting_user(void **state)
{
	const struct ctx *c = *state;
	struct pt_run r = { .ruser = "alice", .open_session = true };

	pt_write_secret(c->secret, "");
	use_secret(c, "nodelay");
	assert_int_equal(login_at(c, &r, T0, true), PAM_SUCCESS);
	pt_assert_log("authentication key : verification code accepted for user nobody by alice " NO_IP);
	pt_assert_log("authentication key : session opened for user nobody by alice " NO_IP);
	assert_int_equal(login_at(c, &r, T0 + 30, false), PAM_AUTH_ERR);
	pt_assert_log("authentication key : User nobody authentication failed by alice " NO_IP);
}

/* --- nss_wrapper --- */

static void write_nss_files(const char *dir)
{
	char path[PATH_MAX], line[64];
	FILE *f;
	int i;

	pt_format(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n"
		   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
		   "many:x:6001:6001::/nonexistent:/bin/sh\n"
		   "few:x:6002:6002::/nonexistent:/bin/sh\n"
		   "homer:x:6003:6003::%s/home/homer:/bin/sh\n"
		   "alice:x:6004:6004::/nonexistent:/bin/sh\n",
		dir);
	assert_int_equal(fclose(f), 0);
	pt_format(path, sizeof(path), "%s/group", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "root:x:0:\nnogroup:x:65534:\nmany:x:6001:\nfew:x:6002:\n"
		   "homer:x:6003:\n");
	for (i = 0; i < MANY_GROUPS; i++) {
		snprintf(line, sizeof(line), "g%d:x:%d:many\n", i, 7000 + i);
		fputs(line, f);
	}
	/* Last, so that a list cut short loses it. */
	fprintf(f, "contract:x:5100:many,few\n");
	assert_int_equal(fclose(f), 0);
	pt_format(path, sizeof(path), "%s/home", dir);
	pt_mkdir(path, 0755);
	pt_format(path, sizeof(path), "%s/home/homer", dir);
	pt_mkdir(path, 0700);
	pt_format(path, sizeof(path), "%s/users", dir);
	pt_mkdir(path, 0700);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			deny_rule_matches_a_member_of_300_other_groups, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			state_never_grows_the_file_past_the_reader_limit, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			clock_the_file_cannot_hold_fails_and_writes_nothing,
			setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			every_documented_secret_template_is_accepted, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			state_write_ignores_the_callers_file_size_limit, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			hard_file_size_limit_gives_no_oracle, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			every_failure_is_answered_after_the_fail_delay, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(
			session_line_only_when_a_session_opens, setup,
			pt_teardown_state),
		cmocka_unit_test_setup_teardown(audit_names_the_requesting_user,
						setup, pt_teardown_state),
	};

	(void)argc;
	pt_require_root("test_module_hostile", "root-owned files");
	nss_dir = getenv(PT_NSS_DIR_ENV);
	if (nss_dir == NULL)
		return pt_run_under_nss_wrapper(argv, write_nss_files);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
