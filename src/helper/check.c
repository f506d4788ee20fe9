/* SPDX-License-Identifier: BSD-3-Clause */
/* The helper's verification: the core's one login (baro/auth.h), as the
 * module runs it, with the settings of the root-owned conf file only and
 * the facts the helper can vouch for (DESIGN.md §12). */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "baro/auth.h"
#include "baro/config.h"
#include "helper.h"

struct check {
	struct baro_config cfg;
	struct baro_auth auth;
	struct passwd pw;
	char pwbuf[16384];
};

/* Root's conf file alone: no module arguments reach the helper. The
 * protocol's mode, not the file, says whether the input ends a password. */
static bool load_conf(struct check *k, const struct chk_request *rq,
		      struct baro_log *lg)
{
	if (baro_config_load(&k->cfg, 0, NULL, lg) != BARO_CONFIG_OK)
		return false;
	k->cfg.forward_pass = rq->tail;
	k->cfg.use_first_pass = false;
	k->cfg.try_first_pass = false;
	lg->debug = k->cfg.debug;
	lg->no_log_info = k->cfg.no_log_info;
	return true;
}

static bool lookup(struct check *k, const char *user)
{
	struct passwd *res = NULL;

	return getpwnam_r(user, &k->pw, k->pwbuf, sizeof(k->pwbuf), &res) ==
		       0 &&
	       res != NULL;
}

/* The code's length at the end of the input (tail mode), for the exit
 * status: the module cuts the password there. */
static unsigned code_len(const struct check *k, const char *input)
{
	size_t n = strlen(input);

	return k->cfg.forward_pass && n >= k->auth.password_len
		       ? (unsigned)(n - k->auth.password_len)
		       : 0;
}

static enum baro_chk_status run(struct check *k, const struct chk_request *rq,
				struct baro_log *lg)
{
	enum baro_auth_verdict v;
	enum baro_chk_status st;

	if (!load_conf(k, rq, lg))
		return BARO_CHK_UNAVAIL;
	baro_auth_init(&k->auth, &k->cfg, lg);
	k->auth.user = rq->user;
	k->auth.pw = lookup(k, rq->user) ? &k->pw : NULL;
	k->auth.service = rq->service;
	/* The caller chose the service and could claim any remote host: a
	 * local login, and no ACL skip; a deny still holds. */
	k->auth.rhost = NULL;
	k->auth.skip_is_require = true;
	/* who.by stays empty: the caller is the user (baro_chkcode.c). */
	v = baro_auth_prepare(&k->auth);
	if (v == BARO_AUTH_PROMPT && rq->input[0] == '\0')
		v = baro_auth_no_code(&k->auth);
	else if (v == BARO_AUTH_PROMPT)
		v = baro_auth_check(&k->auth, rq->input, (int64_t)time(NULL));
	st = (enum baro_chk_status)baro_chk_status(v, code_len(k, rq->input));
	baro_auth_end(&k->auth);
	return st;
}

enum baro_chk_status chk_verify(const struct chk_request *rq,
				struct baro_log *lg)
{
	struct check *k = calloc(1, sizeof(*k));
	enum baro_chk_status st;

	if (k == NULL) {
		baro_log(lg, LOG_CRIT, "Out of memory");
		return BARO_CHK_SYSTEM;
	}
	st = run(k, rq, lg);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
	return st;
}
