/* SPDX-License-Identifier: BSD-3-Clause */
/* Every §7 message and audit line the module produces through libpam, with
 * its exact text and PAM return code (DESIGN.md §6, §7). The error scenarios are
 * one table: each is a test of its own, and one more test runs them all
 * again, with `debug` and in a stack that passes the module's own code
 * through, to prove that none returns PAM_SUCCESS or PAM_IGNORE. No log
 * line may ever hold the key or the typed code.
 * Not here: the messages that need fault injection (tmp file, rename,
 * read and allocation failures), which the root tests cover. */
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
#include <security/pam_appl.h>

#include "baro/secret.h"
#include "baro/util.h"
#include "pamtest.h"

#define T0 1700000000LL /* counter 56666666, 10 s before the next cycle */
#define UNKNOWN_USER "baro-no-such-user"
#define ARGS "secret=PATH encrypt=no"
#define GOOD "SECURE_KEY " PT_KEY_B32 "\nCYCLE_TIME 30\n"
#define CODE "<the right code>" /* answer placeholder */
#define SSH_ENV "SSH_CONNECTION=192.0.2.10 50000 192.0.2.1 22"
#define NO_IP "(local ip=0.0.0.0,Remote ip=0.0.0.0)"
#define SSH_IP "(local ip=192.0.2.1,Remote ip=192.0.2.10)"
#define EMERGENCY_CODE "12345678"

struct scenario;

struct ctx {
	struct pt_env env;
	char dir[PATH_MAX];
	char secret[PATH_MAX];
	const struct scenario *sc; /* the table row under test, or NULL */
};

typedef void (*prepare_fn)(const struct ctx *c);

/* One error: arguments and file in, return code and log lines out. In
 * args and logs, "PATH" stands for the secret file's path. */
struct scenario {
	const char *name;
	const char *args;
	const char *file;   /* secret file text (0400), NULL: none */
	prepare_fn prepare; /* more set-up after the file is written */
	const char *user;   /* NULL: PT_USER */
	bool no_user;       /* pam_start without a user name */
	bool conv_null;
	const char *answer; /* CODE: the right code at T0 */
	const char *rhost;
	const char *env;
	int rc;
	int prompts;
	const char *logs[2];
};

static struct ctx the_ctx;

/* --- set-up --- */

static int setup(void **state)
{
	struct ctx *c = &the_ctx;
	char *slash;

	pt_setup_secret(&c->env, c->secret, sizeof(c->secret));
	memcpy(c->dir, c->secret, sizeof(c->dir));
	slash = strrchr(c->dir, '/');
	assert_non_null(slash);
	*slash = '\0';
	pt_set_now(T0);
	/* cmocka hands a table row in as the initial state. */
	c->sc = *state;
	*state = c;
	return 0;
}

static void sibling(const struct ctx *c, const char *name, char *out,
		    size_t n)
{
	pt_format(out, n, "%s/%s", c->dir, name);
}

/* tmpl with every "PATH" replaced by the secret file's path. */
static void expand(const struct ctx *c, const char *tmpl, char *out, size_t n)
{
	size_t len = 0, plen = strlen(c->secret);
	const char *p;

	for (p = tmpl; *p != '\0';) {
		if (strncmp(p, "PATH", 4) == 0) {
			assert_true(len + plen < n);
			memcpy(out + len, c->secret, plen);
			len += plen;
			p += 4;
		} else {
			assert_true(len + 1 < n);
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
}

static void use_module(const struct ctx *c, bool verdict, const char *args)
{
	char buf[PATH_MAX * 2];

	expand(c, args, buf, sizeof(buf));
	pt_module_service(&c->env, verdict, NULL, buf);
}

/* No captured line may hold the key or what the user typed. */
static void assert_no_secret_logged(const char *typed)
{
	if (pt_log_contains(PT_KEY_B32) ||
	    (typed != NULL && strlen(typed) >= 6 && pt_log_contains(typed))) {
		pt_log_dump();
		fail_msg("a secret reached the log");
	}
}

static void assert_logged(const struct ctx *c, const char *tmpl)
{
	char line[PATH_MAX * 2];

	expand(c, tmpl, line, sizeof(line));
	pt_assert_log("%s", line);
}

static void assert_fails_closed(int rc)
{
	assert_int_not_equal(rc, PAM_SUCCESS);
	assert_int_not_equal(rc, PAM_IGNORE);
}

/* --- prepare hooks --- */

static void chown_to_daemon(const struct ctx *c)
{
	assert_int_equal(chown(c->secret, 1, 1), 0);
}

static void replace_by_symlink(const struct ctx *c)
{
	char real[PATH_MAX];

	sibling(c, "real", real, sizeof(real));
	pt_write_secret(real, "");
	assert_int_equal(unlink(c->secret), 0);
	assert_int_equal(symlink(real, c->secret), 0);
}

static void add_hard_link(const struct ctx *c)
{
	char other[PATH_MAX];

	sibling(c, "other", other, sizeof(other));
	assert_int_equal(link(c->secret, other), 0);
}

static void make_dir_group_writable(const struct ctx *c)
{
	assert_int_equal(chmod(c->dir, 0770), 0);
}

static void make_secret_a_directory(const struct ctx *c)
{
	pt_mkdir(c->secret, 0700);
}

static void write_oversized(const struct ctx *c)
{
	char *text = malloc(BARO_FILE_MAX + 2);

	assert_non_null(text);
	memset(text, '#', BARO_FILE_MAX + 1);
	text[BARO_FILE_MAX + 1] = '\0';
	pt_write(c->secret, text, 0400);
	free(text);
}

#define MODE_HOOK(name, mode)                                   \
	static void name(const struct ctx *c)                   \
	{                                                       \
		assert_int_equal(chmod(c->secret, mode), 0);    \
	}
MODE_HOOK(mode_0440, 0440)
MODE_HOOK(mode_0404, 0404)
MODE_HOOK(mode_0444, 0444)
MODE_HOOK(mode_0600, 0600)

/* --- the error scenarios --- */

#define NOT_ROOT_ONLY "Secret file PATH must only be accessible by root"
#define FAILED "authentication key : User nobody authentication failed by "
#define CONTENTS "Invalid file contents in PATH"

static const struct scenario scenarios[] = {
	{ .name = "unknown_user_is_prompted_then_logged_and_user_unknown",
	  .args = ARGS, .file = GOOD, .user = UNKNOWN_USER, .answer = CODE,
	  .rc = PAM_USER_UNKNOWN, .prompts = 1,
	  .logs = { "Cannot look up user id " UNKNOWN_USER } },
	{ .name = "missing_secret_file_without_nullok_is_failed_to_read",
	  .args = ARGS, .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL,
	  .prompts = 1, .logs = { "Failed to secret file read PATH" } },
	{ .name = "secret_file_mode_0440_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = mode_0440, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_mode_0404_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = mode_0404, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_mode_0444_as_in_baropam_manual_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = mode_0444, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_owned_by_another_user_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = chown_to_daemon,
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_symlink_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = replace_by_symlink,
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_with_second_hard_link_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = add_hard_link,
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_file_in_group_writable_directory_is_refused",
	  .args = ARGS, .file = GOOD, .prepare = make_dir_group_writable,
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { NOT_ROOT_ONLY } },
	{ .name = "secret_path_that_is_a_directory_is_refused",
	  .args = ARGS, .prepare = make_secret_a_directory, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { NOT_ROOT_ONLY } },
	{ .name = "empty_secret_file_has_invalid_size",
	  .args = ARGS, .file = "", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid file size for PATH" } },
	{ .name = "secret_file_of_65537_bytes_has_invalid_size",
	  .args = ARGS, .prepare = write_oversized, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid file size for PATH" } },
	{ .name = "unknown_option_is_invalid_contents_with_line_under_debug",
	  .args = ARGS " debug", .file = GOOD "# note\nNO_SUCH_OPTION 1\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { CONTENTS, "PATH: error on line 4" } },
	{ .name = "bad_base32_key_is_invalid_contents",
	  .args = ARGS, .file = "SECURE_KEY 1NOT-BASE32!\nCYCLE_TIME 30\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { CONTENTS } },
	{ .name = "repeated_option_is_invalid_contents",
	  .args = ARGS, .file = GOOD "CYCLE_TIME 60\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { CONTENTS } },
	{ .name = "digits_out_of_range_is_invalid_contents",
	  .args = ARGS, .file = GOOD "DIGITS 9\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { CONTENTS } },
	{ .name = "cycle_time_out_of_range_is_invalid_contents",
	  .args = ARGS, .file = "SECURE_KEY " PT_KEY_B32 "\nCYCLE_TIME 14\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { CONTENTS } },
	{ .name = "unknown_key_method_is_invalid_contents",
	  .args = ARGS, .file = GOOD "KEY_METHOD MD5\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1, .logs = { CONTENTS } },
	{ .name = "rate_limit_count_zero_is_invalid_rate_limit_option",
	  .args = ARGS, .file = GOOD "RATE_LIMIT 0 30\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid RATE_LIMIT option. Check PATH" } },
	{ .name = "rate_limit_without_interval_is_invalid_rate_limit_option",
	  .args = ARGS, .file = GOOD "RATE_LIMIT 3\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid RATE_LIMIT option. Check PATH" } },
	{ .name = "rate_limit_interval_3601_is_invalid_rate_limit_option",
	  .args = ARGS, .file = GOOD "RATE_LIMIT 3 3601\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid RATE_LIMIT option. Check PATH" } },
	{ .name = "rate_limit_with_garbage_timestamp_is_invalid_list",
	  .args = ARGS, .file = GOOD "RATE_LIMIT 3 30 1699999990 abc\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid list of timestamps in RATE_LIMIT. Check PATH" } },
	{ .name = "rate_limit_with_more_timestamps_than_count_is_invalid_list",
	  .args = ARGS,
	  .file = GOOD "RATE_LIMIT 1 30 1699999990 1699999995\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid list of timestamps in RATE_LIMIT. Check PATH" } },
	{ .name = "window_size_zero_is_invalid_window_size",
	  .args = ARGS, .file = GOOD "WINDOW_SIZE 0\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid WINDOW_SIZE option in PATH" } },
	{ .name = "window_size_101_is_invalid_window_size",
	  .args = ARGS, .file = GOOD "WINDOW_SIZE 101\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Invalid WINDOW_SIZE option in PATH" } },
	{ .name = "right_code_beyond_rate_limit_is_too_many_attempts",
	  .args = ARGS, .file = GOOD "RATE_LIMIT 1 30 1699999995\n",
	  .answer = CODE, .rc = PAM_AUTH_ERR, .prompts = 1,
	  .logs = { "Too many concurrent login attempts. Please try again.",
		    FAILED NO_IP } },
	{ .name = "used_cycle_under_disallow_reuse_is_reuse_with_seconds",
	  .args = ARGS, .file = GOOD "DISALLOW_REUSE 56666666\n",
	  .answer = CODE, .rc = PAM_AUTH_ERR, .prompts = 1,
	  .logs = { "Trying to reuse a previously used time-based code. Retry again in 10 seconds. Warning! This might mean, you are currently subject to a man-in-the-middle attack.",
		    FAILED NO_IP } },
	{ .name = "sealed_key_under_encrypt_no_is_cant_find_secure_key",
	  .args = ARGS,
	  .file = "SECURE_KEY enc:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nCYCLE_TIME 30\n",
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Can't find SECURE_KEY[sealed key but encrypt=no]" } },
	{ .name = "plain_key_under_encrypt_yes_is_cant_find_secure_key",
	  .args = "secret=PATH encrypt=yes", .file = GOOD, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "Can't find SECURE_KEY[plain key but encrypt=yes]" } },
	{ .name = "wrong_code_is_invalid_and_audited_with_ssh_addresses",
	  .args = ARGS, .file = GOOD, .answer = "000000",
	  .rhost = "192.0.2.10", .env = SSH_ENV, .rc = PAM_AUTH_ERR,
	  .prompts = 1,
	  .logs = { "Invalid verification code", FAILED SSH_IP } },
	{ .name = "non_ip_rhost_is_audited_as_0_0_0_0",
	  .args = ARGS, .file = GOOD, .answer = "000000",
	  .rhost = "evil.example %s%n", .rc = PAM_AUTH_ERR, .prompts = 1,
	  .logs = { "Invalid verification code", FAILED NO_IP } },
	{ .name = "letters_typed_are_an_invalid_code",
	  .args = ARGS, .file = GOOD, .answer = "12ab56", .rc = PAM_AUTH_ERR,
	  .prompts = 1, .logs = { "Invalid verification code", FAILED NO_IP } },
	{ .name = "empty_user_name_is_no_user_name_available",
	  .args = ARGS, .file = GOOD, .no_user = true, .answer = "",
	  .rc = PAM_USER_UNKNOWN, .prompts = 1,
	  .logs = { "No user name available when checking verification code" } },
	{ .name = "unanswered_user_prompt_is_no_user_name_available",
	  .args = ARGS, .file = GOOD, .no_user = true, .conv_null = true,
	  .rc = PAM_CONV_ERR, .prompts = 1,
	  .logs = { "No user name available when checking verification code" } },
	{ .name = "no_secret_argument_fails_to_compute_secret_location",
	  .args = "encrypt=no", .file = GOOD, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 0,
	  .logs = { "Failed to compute location of secret file" } },
	{ .name = "unknown_variable_in_secret_fails_to_compute_location",
	  .args = "secret=PATH${NOPE} encrypt=no", .file = GOOD,
	  .answer = CODE, .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 0,
	  .logs = { "Failed to compute location of secret file" } },
	{ .name = "no_encrypt_argument_fails_to_compute_encrypt_flag",
	  .args = "secret=PATH", .file = GOOD, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 0,
	  .logs = { "Failed to compute location of encrypt flag" } },
	{ .name = "encrypt_maybe_fails_to_compute_encrypt_flag",
	  .args = "secret=PATH encrypt=maybe", .file = GOOD, .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 0,
	  .logs = { "Failed to compute location of encrypt flag" } },
	{ .name = "empty_answer_is_no_code_received_and_audited",
	  .args = ARGS, .file = GOOD, .answer = "", .rc = PAM_AUTH_ERR,
	  .prompts = 1,
	  .logs = { "Did not receive verification code from user",
		    "authentication key : There is no verification code for user nobody " NO_IP } },
	{ .name = "file_without_cycle_time_is_audited_as_no_cycle_time",
	  .args = ARGS, .file = "SECURE_KEY " PT_KEY_B32 "\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "authentication key : There is no cycle time for user nobody " NO_IP } },
	{ .name = "file_without_secure_key_is_audited_as_no_secure_key",
	  .args = ARGS, .file = "CYCLE_TIME 30\n", .answer = CODE,
	  .rc = PAM_AUTHINFO_UNAVAIL, .prompts = 1,
	  .logs = { "authentication key : There is no secure key for user nobody " NO_IP } },
};

/* Set the scenario up, log in once, return the result. With verdict the
 * stack returns the module's own code (pt_module_service). */
static void run(const struct ctx *c, const struct scenario *sc, bool verdict,
		const char *more_args, struct pt_run *r, char *code,
		size_t codesz)
{
	char args[PATH_MAX];

	pt_format(args, sizeof(args), "%s %s", sc->args, more_args);
	use_module(c, verdict, args);
	if (sc->file != NULL)
		pt_write(c->secret, sc->file, 0400);
	if (sc->prepare != NULL)
		sc->prepare(c);
	code[0] = '\0';
	if (sc->answer != NULL && strcmp(sc->answer, CODE) == 0)
		pt_code(T0, code, codesz);
	else if (sc->answer != NULL)
		pt_format(code, codesz, "%s", sc->answer);
	memset(r, 0, sizeof(*r));
	r->user = sc->no_user ? NULL : sc->user != NULL ? sc->user : PT_USER;
	r->responses[0] = sc->answer != NULL ? code : NULL;
	r->conv_null = sc->conv_null;
	r->rhost = sc->rhost;
	r->env[0] = sc->env;
	pt_log_clear();
	pt_login(&c->env, r);
}

/* A user is asked exactly as every user is asked (DESIGN.md §6). */
static void assert_prompted_like_anyone(const struct scenario *sc,
					const struct pt_run *r)
{
	assert_int_equal(r->n_prompts, sc->prompts);
	if (sc->no_user || sc->prompts == 0)
		return;
	assert_string_equal(r->prompts[0], "Verification code: ");
	assert_int_equal(r->styles[0], PAM_PROMPT_ECHO_OFF);
}

/* One login of sc (with more_args appended): fails as the table says,
 * logs its lines, prompts like any login and leaks nothing. */
static void check_scenario(const struct ctx *c, const struct scenario *sc,
			   bool verdict, const char *more_args)
{
	struct pt_run r;
	char code[64];
	size_t i;

	run(c, sc, verdict, more_args, &r, code, sizeof(code));
	if (r.rc != sc->rc)
		pt_log_dump();
	assert_int_equal(r.rc, sc->rc);
	assert_fails_closed(r.rc);
	assert_prompted_like_anyone(sc, &r);
	for (i = 0; i < BARO_ARRAY_SIZE(sc->logs) && sc->logs[i] != NULL; i++)
		assert_logged(c, sc->logs[i]);
	assert_no_secret_logged(code);
}

static void scenario_test(void **state)
{
	const struct ctx *c = *state;

	check_scenario(c, c->sc, false, "");
}

/* DESIGN.md §6: no error path returns PAM_SUCCESS or PAM_IGNORE, seen in a
 * stack that passes the module's own code through, and `debug` (which
 * logs more) still logs no key and no typed code. */
static void every_error_scenario_fails_closed_and_leaks_nothing_under_debug(
	void **state)
{
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(scenarios); i++) {
		pt_teardown_state(state);
		*state = NULL;
		setup(state);
		c = *state;
		check_scenario(c, &scenarios[i], true, "debug");
	}
}

/* --- the lines of a successful login --- */

static void login_ok(const struct ctx *c, const struct scenario *sc,
		     struct pt_run *r)
{
	char code[64];

	run(c, sc, false, "", r, code, sizeof(code));
	if (r->rc != PAM_SUCCESS)
		pt_log_dump();
	assert_int_equal(r->rc, PAM_SUCCESS);
	assert_no_secret_logged(code);
}

static void right_code_logs_session_opened_with_ssh_addresses(void **state)
{
	const struct ctx *c = *state;
	const struct scenario sc = { .args = ARGS, .file = GOOD,
				     .answer = CODE, .rhost = "192.0.2.10",
				     .env = SSH_ENV };
	struct pt_run r;

	login_ok(c, &sc, &r);
	assert_logged(c, "authentication key : verification code accepted for user nobody by " SSH_IP);
}

static void right_code_logs_session_opened_with_ipv6_addresses(void **state)
{
	const struct ctx *c = *state;
	const struct scenario sc = {
		.args = ARGS, .file = GOOD, .answer = CODE,
		.rhost = "2001:db8::5",
		.env = "SSH_CONNECTION=2001:db8::5 50000 2001:db8::1 22"
	};
	struct pt_run r;

	login_ok(c, &sc, &r);
	assert_logged(c, "authentication key : verification code accepted for user nobody by (local ip=2001:db8::1,Remote ip=2001:db8::5)");
}

static void emergency_code_logs_emergency_session_opened_once(void **state)
{
	const struct ctx *c = *state;
	char text[512];
	struct scenario sc = { .args = ARGS, .answer = EMERGENCY_CODE };
	struct pt_run r;
	char *after;

	pt_format(text, sizeof(text), "%s", GOOD);
	pt_emergency_line(EMERGENCY_CODE, text + strlen(text),
			  sizeof(text) - strlen(text));
	sc.file = text;
	login_ok(c, &sc, &r);
	assert_logged(c, "emergency authentication key : verification code accepted for user nobody by " NO_IP);
	assert_false(pt_log_has("authentication key : verification code accepted for user nobody by " NO_IP));
	after = pt_read(c->secret);
	assert_string_equal(after, GOOD);
	free(after);
	/* Consumed: the same code again is just a wrong code. */
	check_scenario(c, &(const struct scenario){
			       .args = ARGS, .answer = EMERGENCY_CODE,
			       .rc = PAM_AUTH_ERR, .prompts = 1,
			       .logs = { "Invalid verification code",
					 FAILED NO_IP } },
		       false, "");
}

static void rate_limit_update_is_logged_only_under_debug(void **state)
{
	const struct ctx *c = *state;
	struct scenario sc = { .args = ARGS, .file = GOOD "RATE_LIMIT 3 30\n",
			       .answer = CODE };
	struct pt_run r;

	login_ok(c, &sc, &r);
	assert_false(pt_log_contains("Try to update RATE_LIMIT line."));
	sc.args = ARGS " debug";
	login_ok(c, &sc, &r);
	assert_logged(c, "Try to update RATE_LIMIT line.");
}

/* The counterpart of the refusals: 0400 and 0600 owned by root pass. */
static void root_only_modes_0400_and_0600_are_accepted(void **state)
{
	const struct ctx *c = *state;
	struct scenario sc = { .args = ARGS, .file = GOOD, .answer = CODE };
	struct pt_run r;

	login_ok(c, &sc, &r);
	sc.prepare = mode_0600;
	login_ok(c, &sc, &r);
}

static void no_log_info_drops_accepted_line_but_not_failures(void **state)
{
	const struct ctx *c = *state;
	const struct scenario ok = { .args = ARGS " no_log_info", .file = GOOD,
				     .answer = CODE };
	const struct scenario wrong = {
		.args = ARGS " no_log_info", .file = GOOD, .answer = "000000",
		.rc = PAM_AUTH_ERR, .prompts = 1,
		.logs = { "Invalid verification code", FAILED NO_IP }
	};
	struct pt_run r;

	login_ok(c, &ok, &r);
	assert_false(pt_log_contains("code accepted"));
	check_scenario(c, &wrong, false, "");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test_setup_teardown(right_code_logs_session_opened_with_ssh_addresses, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(right_code_logs_session_opened_with_ipv6_addresses, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(emergency_code_logs_emergency_session_opened_once, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(rate_limit_update_is_logged_only_under_debug, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(root_only_modes_0400_and_0600_are_accepted, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(no_log_info_drops_accepted_line_but_not_failures, setup, pt_teardown_state),
		cmocka_unit_test_setup_teardown(every_error_scenario_fails_closed_and_leaks_nothing_under_debug, setup, pt_teardown_state),
	};
	struct CMUnitTest tests[BARO_ARRAY_SIZE(scenarios) +
				BARO_ARRAY_SIZE(fixed)];
	size_t i, n = BARO_ARRAY_SIZE(scenarios);

	for (i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ scenarios[i].name, scenario_test,
						setup, pt_teardown_state,
						(void *)&scenarios[i] };
	for (i = 0; i < BARO_ARRAY_SIZE(fixed); i++)
		tests[n + i] = fixed[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
