/* SPDX-License-Identifier: BSD-3-Clause */
/* The helper's exit statuses (include/baro/chkcode.h): every verdict the
 * helper can give reaches the module as the same verdict, hence the same
 * PAM result as in-process; statuses only the helper or the fork produce
 * fail closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <security/_pam_types.h>

#include "baro/chkcode.h"

static const enum baro_auth_verdict verdicts[] = {
	BARO_AUTH_OK,		 BARO_AUTH_OK_EMERGENCY, BARO_AUTH_WRONG,
	BARO_AUTH_RATE_LIMITED,	 BARO_AUTH_NO_CODE,	 BARO_AUTH_UNKNOWN_USER,
	BARO_AUTH_IGNORE,	 BARO_AUTH_DENY,	 BARO_AUTH_UNAVAIL,
	BARO_AUTH_SYSERR,
};

static void every_verdict_round_trips(void **state)
{
	unsigned len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		int st = baro_chk_status(verdicts[i], 0);

		assert_int_equal(baro_chk_verdict(st, &len), verdicts[i]);
	}
}

static void accepted_codes_carry_their_length(void **state)
{
	unsigned len = 99, n;

	(void)state;
	for (n = 6; n <= 8; n++) {
		int st = baro_chk_status(BARO_AUTH_OK, n);

		assert_int_equal(baro_chk_verdict(st, &len), BARO_AUTH_OK);
		assert_int_equal(len, n);
	}
	assert_int_equal(baro_chk_status(BARO_AUTH_OK, 0), BARO_CHK_OK);
	assert_int_equal(baro_chk_status(BARO_AUTH_OK_EMERGENCY, 0),
			 BARO_CHK_OK_EMERGENCY);
	assert_int_equal(baro_chk_verdict(BARO_CHK_OK_EMERGENCY, &len),
			 BARO_AUTH_OK_EMERGENCY);
	assert_int_equal(len, 8);
	/* Only a success is 0..9. */
	for (n = 0; n < 10; n++) {
		enum baro_auth_verdict v = baro_chk_verdict((int)n, &len);

		assert_true(v == BARO_AUTH_OK || v == BARO_AUTH_OK_EMERGENCY ||
			    v == BARO_AUTH_SYSERR);
	}
}

static void the_documented_pam_results(void **state)
{
	static const struct {
		int status;
		int pam;
	} table[] = {
		{ 0, PAM_SUCCESS },	      { 7, PAM_SUCCESS },
		{ 8, PAM_SUCCESS },	      { 9, PAM_SUCCESS },
		{ 10, PAM_AUTH_ERR },	      { 11, PAM_AUTH_ERR },
		{ 12, PAM_AUTH_ERR },	      { 20, PAM_USER_UNKNOWN },
		{ 21, PAM_PERM_DENIED },      { 22, PAM_IGNORE },
		{ 30, PAM_AUTHINFO_UNAVAIL }, { 31, PAM_SYSTEM_ERR },
		{ 40, PAM_AUTH_ERR },	      { 41, PAM_AUTHINFO_UNAVAIL },
		{ 127, PAM_AUTHINFO_UNAVAIL },
	};
	unsigned len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(baro_auth_pam_result(baro_chk_verdict(
					 table[i].status, &len)),
				 table[i].pam);
}

static void unknown_statuses_fail_closed(void **state)
{
	static const int odd[] = { 1, 2, 3, 4, 5, 6, 13, 23, 32, 42, 126, 128,
				   255, -1 };
	unsigned len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		assert_int_equal(baro_chk_verdict(odd[i], &len),
				 BARO_AUTH_SYSERR);
		assert_int_equal(len, 0);
	}
	/* A verdict the helper never exits with (PROMPT) is not a success. */
	assert_int_equal(baro_chk_status(BARO_AUTH_PROMPT, 0), BARO_CHK_SYSTEM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_verdict_round_trips),
		cmocka_unit_test(accepted_codes_carry_their_length),
		cmocka_unit_test(the_documented_pam_results),
		cmocka_unit_test(unknown_statuses_fail_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
