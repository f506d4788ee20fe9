/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_AUTH_H
#define BARO_AUTH_H

#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/audit.h"
#include "baro/config.h"
#include "baro/log.h"
#include "baro/store.h"
#include "baro/totp.h"

/* One login, decided in the core (DESIGN.md §6 and Part 2): the module,
 * the setuid helper and baro-keygen gather their facts, call these, and
 * only map the verdict to their own results. Every log and audit line of
 * a login is written here. */

enum baro_auth_verdict {
	BARO_AUTH_PROMPT = 0, /* baro_auth_prepare(): ask for the code */
	BARO_AUTH_OK,
	BARO_AUTH_OK_EMERGENCY,
	BARO_AUTH_WRONG,        /* wrong or reused code, or the state that
				  * would record it could not be written */
	BARO_AUTH_RATE_LIMITED, /* the user may be told (BARO_AUTH_BUSY_TEXT) */
	BARO_AUTH_NO_CODE,
	BARO_AUTH_UNKNOWN_USER,
	BARO_AUTH_IGNORE,  /* ACL skip, or nullok and no file */
	BARO_AUTH_DENY,    /* ACL deny */
	BARO_AUTH_UNAVAIL, /* configuration, file, key */
	BARO_AUTH_SYSERR,  /* HMAC failure, clock out of range */
};

#define BARO_AUTH_BUSY_TEXT \
	"Too many concurrent login attempts. Please try again."

struct baro_auth {
	/* Facts, set by the caller after baro_auth_init(). */
	const struct baro_config *cfg;
	const struct baro_log *lg;
	const char *user;        /* as given; need not exist */
	const struct passwd *pw; /* NULL: unknown user */
	const char *service;
	const char *rhost;         /* NULL or "": a local login */
	bool skip_is_require;      /* the setuid helper: the caller chose the
				   * service, so an ACL skip asks for the
				   * code all the same (deny still holds) */
	struct baro_audit_who who; /* by, local_ip, remote_ip */
	const char *fleet_backend; /* store=pgsql: baro_fleet_backend(), or
				    * NULL for the installed one */

	/* Filled in by the core. */
	char path[PATH_MAX];
	size_t password_len;     /* forward_pass: the password's bytes */
	bool store_loaded;       /* store set up by a check, not yet closed */
	struct baro_store store; /* set up only by a check (most of the
				   * struct's size: not zeroed at init) */
	uint8_t key[BARO_KEY_MAX];
	size_t keylen;
};

void baro_auth_init(struct baro_auth *a, const struct baro_config *cfg,
		    const struct baro_log *lg);

/* Before the prompt: the user, the ACL, the path, nullok. Returns
 * BARO_AUTH_PROMPT to go on, or the final verdict. */
enum baro_auth_verdict baro_auth_prepare(struct baro_auth *a);

/* The typed input (with forward_pass: password then code) at time now:
 * file checks, key, RATE_LIMIT, TOTP, DISALLOW_REUSE, emergency keys,
 * state written, audit line. */
enum baro_auth_verdict baro_auth_check(struct baro_auth *a, const char *input,
				       int64_t now);

/* No code was given (empty answer, failed conversation). */
enum baro_auth_verdict baro_auth_no_code(struct baro_auth *a);

/* forward_pass: the input is the password followed by a code of
 * code_digits digits; the password's length (0 when the input is no
 * longer than a code). */
size_t baro_auth_password_len(const char *input, unsigned code_digits);

/* The PAM result of a verdict (DESIGN.md §6). */
int baro_auth_pam_result(enum baro_auth_verdict v);

/* Wipe and release. */
void baro_auth_end(struct baro_auth *a);

#endif
