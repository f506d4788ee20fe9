/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/chkcode.h"

#include "baro/secret.h"
#include "baro/util.h"

/* Looked up from the top: a verdict's first row is the status the helper
 * exits with; the rows after it are statuses only the helper itself (or
 * the module's fork) produces. */
static const struct status_verdict {
	int status;
	enum baro_auth_verdict verdict;
	unsigned code_len;
} table[] = {
	{ BARO_CHK_OK, BARO_AUTH_OK, 6 },
	{ BARO_CHK_OK_7, BARO_AUTH_OK, 7 },
	{ BARO_CHK_OK_8, BARO_AUTH_OK, 8 },
	{ BARO_CHK_OK_EMERGENCY, BARO_AUTH_OK_EMERGENCY,
	  BARO_EMERGENCY_DIGITS },
	{ BARO_CHK_WRONG, BARO_AUTH_WRONG, 0 },
	{ BARO_CHK_RATE_LIMITED, BARO_AUTH_RATE_LIMITED, 0 },
	{ BARO_CHK_NO_CODE, BARO_AUTH_NO_CODE, 0 },
	{ BARO_CHK_USER_UNKNOWN, BARO_AUTH_UNKNOWN_USER, 0 },
	{ BARO_CHK_DENIED, BARO_AUTH_DENY, 0 },
	{ BARO_CHK_IGNORE, BARO_AUTH_IGNORE, 0 },
	{ BARO_CHK_UNAVAIL, BARO_AUTH_UNAVAIL, 0 },
	{ BARO_CHK_SYSTEM, BARO_AUTH_SYSERR, 0 },
	{ BARO_CHK_REFUSED, BARO_AUTH_WRONG, 0 },
	{ BARO_CHK_USAGE, BARO_AUTH_UNAVAIL, 0 },
	{ BARO_CHK_EXEC, BARO_AUTH_UNAVAIL, 0 },
};

int baro_chk_status(enum baro_auth_verdict v, unsigned code_len)
{
	size_t i;

	if (v == BARO_AUTH_OK && code_len != 7 && code_len != 8)
		code_len = 6;
	for (i = 0; i < BARO_ARRAY_SIZE(table); i++)
		if (table[i].verdict == v &&
		    (v != BARO_AUTH_OK || table[i].code_len == code_len))
			return table[i].status;
	return BARO_CHK_SYSTEM;
}

enum baro_auth_verdict baro_chk_verdict(int status, unsigned *code_len)
{
	size_t i;

	*code_len = 0;
	for (i = 0; i < BARO_ARRAY_SIZE(table); i++) {
		if (table[i].status == status) {
			*code_len = table[i].code_len;
			return table[i].verdict;
		}
	}
	return BARO_AUTH_SYSERR;
}
