/* SPDX-License-Identifier: BSD-3-Clause */
/* What the user is asked, and how the answer travels (DESIGN.md §2, §6): the
 * prompt text and echo style, nullok, forward_pass into the next module's
 * PAM_AUTHTOK, use_first_pass/try_first_pass, failing conversations, the
 * conf file, PAM_SILENT and pam_setcred, all through the real libpam. */
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

#include "baro/util.h"
#include "pamtest.h"

#define T0 1700000000LL
#define UNKNOWN_USER "baro-no-such-user"
#define DEFAULT_PROMPT "Verification code: "
#define FORWARD_PROMPT "Password & verification code: "
#define NO_CODE "Did not receive verification code from user"
#define RATE_MSG "Too many concurrent login attempts. Please try again."

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX];
	char conf[PATH_MAX]; /* an empty conf file, or one a test writes */
	char code[16];       /* the right code at T0 */
	bool verdict;        /* stacks return the module's own code */
};

static struct ctx the_ctx;

static int setup(void **state)
{
	struct ctx *c = &the_ctx;

	pt_setup_secret(&c->env, c->secret, sizeof(c->secret));
	pt_write_secret(c->secret, "");
	pt_path(&c->env, "baro_auth.conf", c->conf, sizeof(c->conf));
	pt_write(c->conf, "", 0644);
	pt_set_now(T0);
	pt_code(T0, c->code, sizeof(c->code));
	c->verdict = false;
	*state = c;
	return 0;
}

/* The module with the conf file c->conf and the secret file, then more
 * arguments (pt_module_service). */
static void use_module(const struct ctx *c, const char *more)
{
	char args[PATH_MAX + 256];

	pt_format(args, sizeof(args), "secret=%s encrypt=no %s", c->secret,
		  more);
	pt_module_service(&c->env, c->verdict, c->conf, args);
}

/* pam_set_items.so, the module, pam_get_items.so: PAM_AUTHTOK goes in
 * from pt_run.authtok and comes out in authtok_after, as the modules
 * before and after this one in a real stack see it. */
static void use_item_stack(const struct ctx *c, const char *more)
{
	char args[PATH_MAX + 256];

	pt_format(args, sizeof(args), "secret=%s encrypt=no %s", c->secret,
		  more);
	if (!pt_item_service(&c->env, args))
		skip();
}

static int login(const struct ctx *c, struct pt_run *r)
{
	if (r->user == NULL)
		r->user = PT_USER;
	pt_log_clear();
	return pt_login(&c->env, r);
}

static void assert_one_prompt(const struct pt_run *r, const char *text,
			      int style)
{
	assert_int_equal(r->n_prompts, 1);
	assert_string_equal(r->prompts[0], text);
	assert_int_equal(r->styles[0], style);
}

static void assert_fails_closed(int rc)
{
	assert_int_not_equal(rc, PAM_SUCCESS);
	assert_int_not_equal(rc, PAM_IGNORE);
}

/* A login that must fail; it fills r. */
typedef void (*failing_login_fn)(struct ctx *c, struct pt_run *r);

/* Its exact code, how often it prompted and its log line. */
static void expect_failure(struct ctx *c, failing_login_fn login_fn, int rc,
			   int prompts, const char *line)
{
	struct pt_run r = { 0 };

	login_fn(c, &r);
	if (r.rc != rc)
		pt_log_dump();
	assert_int_equal(r.rc, rc);
	assert_fails_closed(r.rc);
	assert_int_equal(r.n_prompts, prompts);
	pt_assert_log("%s", line);
}

/* "<password><code>" for forward_pass. */
static const char *joined(char *buf, size_t n, const char *pass,
			  const char *code)
{
	pt_format(buf, n, "%s%s", pass, code);
	return buf;
}

/* --- prompt text and style --- */

static void default_prompt_is_verification_code_with_echo_off(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code } };

	use_module(c, "");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, DEFAULT_PROMPT, PAM_PROMPT_ECHO_OFF);
}

static void prompt_argument_with_spaces_in_brackets_is_shown_verbatim(
	void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code } };

	use_module(c, "[prompt=Your code: ]");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, "Your code: ", PAM_PROMPT_ECHO_OFF);
}

static void echo_verification_code_prompts_with_echo_on(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code } };

	use_module(c, "echo_verification_code");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, DEFAULT_PROMPT, PAM_PROMPT_ECHO_ON);
}

/* --- nullok --- */

/* libpam turns a stack where every module ignores into PAM_PERM_DENIED:
 * here an ignoring module skips pam_deny and pam_permit decides, while
 * any other answer from it ends the stack in failure. */
static void use_ignore_probe_stack(const struct ctx *c, const char *more)
{
	pt_service(&c->env, "baro-test",
		   "auth [ignore=1 default=die] " BARO_TEST_MODULE
		   " conf=%s secret=%s encrypt=no %s\n"
		   "auth requisite pam_deny.so\n"
		   "auth required pam_permit.so\n",
		   c->conf, c->secret, more);
}

static void nullok_without_secret_file_ignores_without_prompting(
	void **state)
{
	struct ctx *c = *state;
	struct pt_run with_file = { .responses = { c->code } };
	struct pt_run without = with_file;

	use_ignore_probe_stack(c, "nullok");
	/* The probe: a right code (PAM_SUCCESS) does not get through. */
	assert_int_not_equal(login(c, &with_file), PAM_SUCCESS);
	assert_int_equal(with_file.n_prompts, 1);
	assert_int_equal(unlink(c->secret), 0);
	assert_int_equal(login(c, &without), PAM_SUCCESS);
	assert_int_equal(without.n_prompts, 0);
}

/* An unknown user has no file either: under nullok it is not prompted,
 * just like a real user without a file, and is refused. */
static void nullok_unknown_user_is_not_prompted_and_is_unknown(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .user = "no-such-user-baro", .responses = { "123456" } };

	use_module(c, "nullok");
	assert_int_equal(login(c, &r), PAM_USER_UNKNOWN);
	assert_int_equal(r.n_prompts, 0);
	pt_assert_log("Cannot look up user id no-such-user-baro");
}

static void nullok_with_group_readable_file_fails(struct ctx *c,
						  struct pt_run *r)
{
	use_module(c, "nullok");
	pt_write_secret(c->secret, "");
	assert_int_equal(chmod(c->secret, 0440), 0);
	r->responses[0] = c->code;
	login(c, r);
}

static void nullok_with_bad_permission_file_fails_not_ignores(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];

	pt_format(line, sizeof(line),
		 "Secret file %s must only be accessible by root", c->secret);
	expect_failure(c, nullok_with_group_readable_file_fails,
		       PAM_AUTHINFO_UNAVAIL, 1, line);
}

/* --- forward_pass --- */

static void forward_pass_asks_once_and_hands_password_to_next_module(
	void **state)
{
	struct ctx *c = *state;
	char input[64];
	struct pt_run r = { 0 };

	use_item_stack(c, "forward_pass");
	r.responses[0] = joined(input, sizeof(input), "hunter2", c->code);
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, FORWARD_PROMPT, PAM_PROMPT_ECHO_OFF);
	assert_string_equal(r.authtok_after, "hunter2");
}

static void forward_pass_keeps_trailing_digits_of_the_password(void **state)
{
	struct ctx *c = *state;
	char input[64];
	struct pt_run r = { 0 };

	use_item_stack(c, "forward_pass");
	r.responses[0] = joined(input, sizeof(input), "s3cret-1234", c->code);
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_string_equal(r.authtok_after, "s3cret-1234");
}

static void forward_pass_accepts_emergency_code_after_password(void **state)
{
	struct ctx *c = *state;
	char input[64], line[128];
	struct pt_run r = { 0 };

	pt_emergency_line("12345678", line, sizeof(line));
	pt_write_secret(c->secret, line);
	use_item_stack(c, "forward_pass");
	r.responses[0] = joined(input, sizeof(input), "hunter2", "12345678");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_string_equal(r.authtok_after, "hunter2");
	pt_assert_log("emergency authentication key : verification code accepted for user nobody by (local ip=0.0.0.0,Remote ip=0.0.0.0)");
}

/* The password still goes on so that the next module's check (and its
 * timing) does not reveal that the code was wrong. */
static void forward_pass_wrong_code_fails_and_still_forwards_password(
	void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { "hunter2000000" } };

	use_item_stack(c, "forward_pass");
	assert_int_equal(login(c, &r), PAM_AUTH_ERR);
	assert_string_equal(r.authtok_after, "hunter2");
	pt_assert_log("Invalid verification code");
}

/* --- use_first_pass / try_first_pass --- */

static void first_pass_options_take_right_authtok_without_prompting(
	void **state)
{
	static const char *const options[] = { "use_first_pass",
					       "try_first_pass" };
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(options); i++) {
		struct pt_run r = { .authtok = c->code };

		use_item_stack(c, options[i]);
		assert_int_equal(login(c, &r), PAM_SUCCESS);
		assert_int_equal(r.n_prompts, 0);
	}
}

static void use_first_pass_wrong_authtok_fails_without_prompting(
	void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .authtok = "000000",
			    .responses = { c->code } };

	use_item_stack(c, "use_first_pass");
	assert_int_equal(login(c, &r), PAM_AUTH_ERR);
	assert_int_equal(r.n_prompts, 0);
	pt_assert_log("Invalid verification code");
}

static void use_first_pass_without_authtok(struct ctx *c, struct pt_run *r)
{
	use_module(c, "use_first_pass");
	r->responses[0] = c->code;
	login(c, r);
}

static void use_first_pass_without_authtok_fails_without_prompting(
	void **state)
{
	expect_failure(*state, use_first_pass_without_authtok, PAM_AUTH_ERR, 0,
		       NO_CODE);
}

static void try_first_pass_wrong_authtok_prompts_and_right_code_succeeds(
	void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .authtok = "hunter2", .responses = { c->code } };

	use_item_stack(c, "try_first_pass");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, DEFAULT_PROMPT, PAM_PROMPT_ECHO_OFF);
}

/* --- conversations that fail --- */

static void failing_conversation(struct ctx *c, struct pt_run *r)
{
	use_module(c, "");
	r->conv_fail = true;
	login(c, r);
}

static void failing_conversation_fails_closed(void **state)
{
	expect_failure(*state, failing_conversation, PAM_AUTH_ERR, 0, NO_CODE);
}

static void null_conversation_answer(struct ctx *c, struct pt_run *r)
{
	use_module(c, "");
	r->conv_null = true;
	login(c, r);
}

static void null_conversation_answer_fails_closed(void **state)
{
	expect_failure(*state, null_conversation_answer, PAM_AUTH_ERR, 1,
		       NO_CODE);
}

/* --- unknown users look like real ones --- */

static void assert_same_prompts(const struct pt_run *a,
				const struct pt_run *b)
{
	int i;

	assert_int_equal(a->n_prompts, b->n_prompts);
	assert_int_equal(a->n_errors, b->n_errors);
	for (i = 0; i < a->n_prompts; i++) {
		assert_string_equal(a->prompts[i], b->prompts[i]);
		assert_int_equal(a->styles[i], b->styles[i]);
	}
}

static void unknown_user_is_prompted_exactly_like_a_real_user(void **state)
{
	static const char *const configs[] = {
		"", "echo_verification_code", "[prompt=Your code: ]",
		"forward_pass", "try_first_pass",
	};
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(configs); i++) {
		struct pt_run real = { .responses = { "hunter2000000" } };
		struct pt_run nofile = real, unknown = real;

		use_module(c, configs[i]);
		pt_write_secret(c->secret, "");
		assert_int_equal(login(c, &real), PAM_AUTH_ERR);
		assert_int_equal(real.n_prompts, 1);
		unknown.user = UNKNOWN_USER;
		assert_int_equal(login(c, &unknown), PAM_USER_UNKNOWN);
		assert_same_prompts(&real, &unknown);
		assert_int_equal(unlink(c->secret), 0);
		assert_int_equal(login(c, &nofile), PAM_AUTHINFO_UNAVAIL);
		assert_same_prompts(&real, &nofile);
	}
}

/* --- arguments and the conf file --- */

static void unknown_argument(struct ctx *c, struct pt_run *r)
{
	use_module(c, "bogus_option");
	r->responses[0] = c->code;
	login(c, r);
}

static void unknown_argument_fails_closed_and_is_logged(void **state)
{
	expect_failure(*state, unknown_argument, PAM_AUTHINFO_UNAVAIL, 0,
		       "Unknown module argument \"bogus_option\"");
}

/* A site conf file naming the secret; the PAM line names only the conf
 * file and line_args. */
static void use_conf(const struct ctx *c, const char *extra,
		     const char *line_args)
{
	char text[PATH_MAX + 256];

	pt_format(text, sizeof(text),
		 "# site settings\n"
		 "secret = %s\n"
		 "encrypt=no\n"
		 "  prompt = Code from conf:  \n"
		 "echo_verification_code\n"
		 "%s",
		 c->secret, extra);
	pt_write(c->conf, text, 0644);
	pt_module_service(&c->env, c->verdict, c->conf, line_args);
}

static void conf_file_supplies_the_options(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code } };

	use_conf(c, "", "");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, "Code from conf:", PAM_PROMPT_ECHO_ON);
}

static void pam_line_overrides_the_conf_file(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code } };
	struct pt_run again = r;

	use_conf(c, "", "[prompt=From the line: ]");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_one_prompt(&r, "From the line: ", PAM_PROMPT_ECHO_ON);
	/* A value the line overrides is really not used. */
	use_conf(c, "", "encrypt=yes");
	assert_int_equal(login(c, &again), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Can't find SECURE_KEY[plain key but encrypt=yes]");
}

static void named_missing_conf(struct ctx *c, struct pt_run *r)
{
	use_module(c, "");
	assert_int_equal(unlink(c->conf), 0);
	r->responses[0] = c->code;
	login(c, r);
}

static void named_missing_conf_file_fails_closed(void **state)
{
	struct ctx *c = *state;
	char line[PATH_MAX + 64];

	pt_format(line, sizeof(line),
		 "Failed to read conf file \"%s\"[No such file or directory]",
		 c->conf);
	expect_failure(c, named_missing_conf, PAM_AUTHINFO_UNAVAIL, 0, line);
}

static void unknown_option_in_conf(struct ctx *c, struct pt_run *r)
{
	use_conf(c, "no_such_option\n", "");
	r->responses[0] = c->code;
	login(c, r);
}

static void unknown_option_in_conf_file_fails_closed(void **state)
{
	expect_failure(*state, unknown_option_in_conf, PAM_AUTHINFO_UNAVAIL, 0,
		       "Unknown module argument \"no_such_option\"");
}

static void forward_pass_with_use_first_pass(struct ctx *c, struct pt_run *r)
{
	use_module(c, "forward_pass use_first_pass");
	r->authtok = c->code;
	login(c, r);
}

static void forward_pass_with_use_first_pass_fails_closed(void **state)
{
	expect_failure(*state, forward_pass_with_use_first_pass,
		       PAM_AUTHINFO_UNAVAIL, 0,
		       "Module arguments forward_pass and use_first_pass/try_first_pass conflict");
}

/* --- what the user is told --- */

static void rate_limited(struct ctx *c, const char *args, int flags,
			 struct pt_run *r)
{
	use_module(c, args);
	pt_write_secret(c->secret, "RATE_LIMIT 1 30 1699999995\n");
	r->responses[0] = c->code;
	r->flags = flags;
	assert_int_equal(login(c, r), PAM_AUTH_ERR);
	pt_assert_log(RATE_MSG);
}

static void rate_limit_message_is_shown_unless_silent(void **state)
{
	struct ctx *c = *state;
	struct pt_run shown = { 0 }, flag = { 0 }, arg = { 0 };

	rate_limited(c, "", 0, &shown);
	assert_int_equal(shown.n_errors, 1);
	assert_string_equal(shown.errors[0], RATE_MSG);
	rate_limited(c, "", PAM_SILENT, &flag);
	assert_int_equal(flag.n_errors, 0);
	rate_limited(c, "silent", 0, &arg);
	assert_int_equal(arg.n_errors, 0);
}

static void setcred_returns_success_through_libpam(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .responses = { c->code }, .setcred = true };

	use_module(c, "");
	assert_int_equal(login(c, &r), PAM_SUCCESS);
	assert_int_equal(r.setcred_rc, PAM_SUCCESS);
}

/* --- DESIGN.md §6: every failing login above fails closed, seen in a stack
 * that passes the module's own code through --- */

static void every_failing_login_is_neither_success_nor_ignore(void **state)
{
	static const failing_login_fn logins[] = {
		nullok_with_group_readable_file_fails,
		use_first_pass_without_authtok,
		failing_conversation,
		null_conversation_answer,
		unknown_argument,
		named_missing_conf,
		unknown_option_in_conf,
		forward_pass_with_use_first_pass,
	};
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(logins); i++) {
		struct pt_run r = { 0 };

		pt_teardown_state(state);
		setup(state);
		c->verdict = true;
		logins[i](c, &r);
		assert_fails_closed(r.rc);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, pt_teardown_state)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(default_prompt_is_verification_code_with_echo_off),
		T(prompt_argument_with_spaces_in_brackets_is_shown_verbatim),
		T(echo_verification_code_prompts_with_echo_on),
		T(nullok_without_secret_file_ignores_without_prompting),
		T(nullok_with_bad_permission_file_fails_not_ignores),
		T(nullok_unknown_user_is_not_prompted_and_is_unknown),
		T(forward_pass_asks_once_and_hands_password_to_next_module),
		T(forward_pass_keeps_trailing_digits_of_the_password),
		T(forward_pass_accepts_emergency_code_after_password),
		T(forward_pass_wrong_code_fails_and_still_forwards_password),
		T(first_pass_options_take_right_authtok_without_prompting),
		T(use_first_pass_wrong_authtok_fails_without_prompting),
		T(use_first_pass_without_authtok_fails_without_prompting),
		T(try_first_pass_wrong_authtok_prompts_and_right_code_succeeds),
		T(failing_conversation_fails_closed),
		T(null_conversation_answer_fails_closed),
		T(unknown_user_is_prompted_exactly_like_a_real_user),
		T(unknown_argument_fails_closed_and_is_logged),
		T(conf_file_supplies_the_options),
		T(pam_line_overrides_the_conf_file),
		T(named_missing_conf_file_fails_closed),
		T(unknown_option_in_conf_file_fails_closed),
		T(forward_pass_with_use_first_pass_fails_closed),
		T(rate_limit_message_is_shown_unless_silent),
		T(setcred_returns_success_through_libpam),
		T(every_failing_login_is_neither_success_nor_ignore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
