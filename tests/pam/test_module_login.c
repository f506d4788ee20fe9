/* SPDX-License-Identifier: BSD-3-Clause */
/* Logins through the real libpam with the built module, checked against
 * codes from oathtool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "pamtest.h"

#define T0 1700000000LL

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX];
};

static int setup(void **state)
{
	static struct ctx c;

	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	*state = &c;
	return 0;
}

static void write_secret(struct ctx *c, const char *extra)
{
	pt_write_secret(c->secret, extra);
}

static void use_module(struct ctx *c, const char *more)
{
	char args[PATH_MAX + 256];

	snprintf(args, sizeof(args), "secret=%s encrypt=no %s", c->secret,
		 more);
	pt_simple_service(&c->env, args);
}

static int login_with(struct ctx *c, const char *code)
{
	struct pt_run r = { .user = PT_USER, .responses = { code } };

	pt_log_clear();
	return pt_login(&c->env, &r);
}

static void login_succeeds_with_oathtool_code_for_every_hash_digits_cycle(
	void **state)
{
	static const char *const hashes[] = { "SHA1", "SHA256", "SHA512" };
	static const unsigned cycles[] = { 15, 30, 60, 300 };
	struct ctx *c = *state;
	char text[512], code[16];
	size_t h, ci;
	unsigned d;
	int64_t now = T0 + 7;

	use_module(c, "");
	for (h = 0; h < 3; h++)
		for (d = 6; d <= 8; d++)
			for (ci = 0; ci < 4; ci++) {
				snprintf(text, sizeof(text),
					 "SECURE_KEY %s\nCYCLE_TIME %u\nKEY_METHOD %s\nDIGITS %u\n",
					 PT_KEY_B32, cycles[ci], hashes[h], d);
				pt_write(c->secret, text, 0400);
				pt_set_now(now);
				pt_oathtool(PT_KEY_B32, hashes[h], d, cycles[ci],
					    now, code, sizeof(code));
				assert_int_equal(login_with(c, code),
						 PAM_SUCCESS);
				assert_true(pt_log_has(
					"authentication key : verification code accepted for user nobody by (local ip=0.0.0.0,Remote ip=0.0.0.0)"));
				now += 1000;
			}
}

static void wrong_code_fails_with_auth_err_and_is_logged(void **state)
{
	struct ctx *c = *state;
	char code[16];

	use_module(c, "");
	write_secret(c, "");
	pt_set_now(T0);
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0, code, sizeof(code));
	code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
	assert_int_equal(login_with(c, code), PAM_AUTH_ERR);
	assert_true(pt_log_has("Invalid verification code"));
	assert_true(pt_log_has(
		"authentication key : User nobody authentication failed by (local ip=0.0.0.0,Remote ip=0.0.0.0)"));
}

static void window_accepts_previous_and_next_cycle_only(void **state)
{
	struct ctx *c = *state;
	char code[16];
	int off;

	use_module(c, "");
	write_secret(c, "WINDOW_SIZE 3\n");
	for (off = -2; off <= 2; off++) {
		pt_set_now(T0);
		pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0 + off * 30, code,
			    sizeof(code));
		assert_int_equal(login_with(c, code),
				 off >= -1 && off <= 1 ? PAM_SUCCESS
						       : PAM_AUTH_ERR);
	}
}

static void spaces_in_typed_code_are_ignored(void **state)
{
	struct ctx *c = *state;
	char code[16], spaced[32];

	use_module(c, "");
	write_secret(c, "");
	pt_set_now(T0);
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0, code, sizeof(code));
	snprintf(spaced, sizeof(spaced), " %.3s %s ", code, code + 3);
	assert_int_equal(login_with(c, spaced), PAM_SUCCESS);
}

static void reused_code_is_refused_under_disallow_reuse(void **state)
{
	struct ctx *c = *state;
	char code[16];
	char *after;

	use_module(c, "");
	write_secret(c, "DISALLOW_REUSE\n");
	pt_set_now(T0);
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0, code, sizeof(code));
	assert_int_equal(login_with(c, code), PAM_SUCCESS);
	after = pt_read(c->secret);
	assert_non_null(strstr(after, "DISALLOW_REUSE 56666666\n"));
	free(after);
	assert_int_equal(login_with(c, code), PAM_AUTH_ERR);
	assert_true(pt_log_has(
		"Trying to reuse a previously used time-based code. Retry again in 10 seconds. Warning! This might mean, you are currently subject to a man-in-the-middle attack."));
}

static void rate_limit_refuses_attempts_beyond_count(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .user = PT_USER, .responses = { "000000" } };
	char code[16];
	int i;

	use_module(c, "");
	write_secret(c, "RATE_LIMIT 3 30\n");
	pt_set_now(T0);
	for (i = 0; i < 3; i++)
		assert_int_equal(login_with(c, "000000"), PAM_AUTH_ERR);
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0, code, sizeof(code));
	r.responses[0] = code;
	pt_log_clear();
	assert_int_equal(pt_login(&c->env, &r), PAM_AUTH_ERR);
	assert_true(pt_log_has(
		"Too many concurrent login attempts. Please try again."));
	assert_int_equal(r.n_errors, 1);
	assert_string_equal(r.errors[0],
			    "Too many concurrent login attempts. Please try again.");
	/* After the interval the right code works again. */
	pt_set_now(T0 + 30);
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, T0 + 30, code, sizeof(code));
	assert_int_equal(login_with(c, code), PAM_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(login_succeeds_with_oathtool_code_for_every_hash_digits_cycle),
		cmocka_unit_test(wrong_code_fails_with_auth_err_and_is_logged),
		cmocka_unit_test(window_accepts_previous_and_next_cycle_only),
		cmocka_unit_test(spaces_in_typed_code_are_ignored),
		cmocka_unit_test(reused_code_is_refused_under_disallow_reuse),
		cmocka_unit_test(rate_limit_refuses_attempts_beyond_count),
	};

	return cmocka_run_group_tests(tests, setup, pt_teardown_state);
}
