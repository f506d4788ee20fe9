/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/auth.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <security/_pam_types.h>

#include "baro/acl.h"
#include "baro/fleet.h"
#include "baro/user.h"
#include "baro/util.h"
#include "baro/verify.h"

#define INPUT_MAX 512

void baro_auth_init(struct baro_auth *a, const struct baro_config *cfg,
		    const struct baro_log *lg)
{
	size_t after = offsetof(struct baro_auth, store) + sizeof(a->store);

	/* Everything but the store, which a check sets up when it loads the
	 * file (store_loaded), and which is closed only then. */
	memset(a, 0, offsetof(struct baro_auth, store));
	memset((char *)a + after, 0, sizeof(*a) - after);
	a->cfg = cfg;
	a->lg = lg;
	baro_audit_ip(a->who.local_ip, NULL, 0);
	baro_audit_ip(a->who.remote_ip, NULL, 0);
}

/* Close the file, release the lock, wipe the parsed secret. */
static void close_store(struct baro_auth *a)
{
	if (a->store_loaded)
		baro_store_close(&a->store);
	a->store_loaded = false;
}

static void audit(const struct baro_auth *a, enum baro_audit what)
{
	baro_audit_log(a->lg, what, &a->who);
}

/* skip and deny answer an unknown user as they answer nobody else: the
 * result must not tell who exists. */
static enum baro_auth_verdict check_acl(struct baro_auth *a)
{
	struct baro_acl_subject subj = { 0 };
	enum baro_acl_action action = BARO_ACL_DENY;
	enum baro_auth_verdict v = BARO_AUTH_UNAVAIL;
	gid_t *groups = NULL;
	size_t ngroups = 0;

	subj.user = a->user;
	subj.rhost = a->rhost;
	subj.service = a->service != NULL ? a->service : "";
	subj.gid = (gid_t)-1;
	if (a->pw != NULL) {
		if (!baro_user_groups(a->user, a->pw->pw_gid, &groups,
				      &ngroups)) {
			baro_log(a->lg, LOG_ERR,
				 "Cannot look up the groups of user %s",
				 a->who.user);
			goto out;
		}
		subj.gid = a->pw->pw_gid;
		subj.groups = groups;
		subj.ngroups = ngroups;
	}
	if (baro_acl_check(a->cfg->acl, &subj, &action, a->lg) != BARO_ACL_OK)
		goto out;
	if (action == BARO_ACL_REQUIRE ||
	    (action == BARO_ACL_SKIP && a->skip_is_require))
		v = BARO_AUTH_PROMPT;
	else if (a->pw == NULL)
		v = BARO_AUTH_UNKNOWN_USER;
	else
		v = action == BARO_ACL_SKIP ? BARO_AUTH_IGNORE : BARO_AUTH_DENY;
out:
	free(groups);
	return v;
}

enum baro_auth_verdict baro_auth_prepare(struct baro_auth *a)
{
	enum baro_auth_verdict v;

	a->who.user = baro_user_name_ok(a->user) ? a->user : "(invalid name)";
	if (a->pw == NULL)
		baro_log(a->lg, LOG_ERR, "Cannot look up user id %s",
			 a->who.user);
	if (a->cfg->acl[0] != '\0') {
		v = check_acl(a);
		if (v != BARO_AUTH_PROMPT)
			return v;
	}
	/* A fleet host that never falls back has no local file. */
	if (a->pw != NULL && baro_config_local_file(a->cfg) &&
	    !baro_expand_path(a->cfg->secret, a->user, a->pw->pw_dir, a->path,
			      sizeof(a->path))) {
		baro_log(a->lg, LOG_ERR,
			 "Failed to compute location of secret file");
		return BARO_AUTH_UNAVAIL;
	}
	/* nullok: an unknown user has no file either, so it is not prompted
	 * either: the prompt never tells who exists. */
	if (a->cfg->nullok && a->pw == NULL)
		return BARO_AUTH_UNKNOWN_USER;
	if (a->cfg->nullok && a->cfg->store == BARO_STORE_KIND_FILE &&
	    baro_store_missing(a->path)) {
		baro_log(a->lg, LOG_DEBUG, "No secret file %s: nullok",
			 a->path);
		return BARO_AUTH_IGNORE;
	}
	return BARO_AUTH_PROMPT;
}

size_t baro_auth_password_len(const char *input, unsigned code_digits)
{
	size_t n = strlen(input);

	return n >= code_digits ? n - code_digits : 0;
}

struct codes {
	char totp[INPUT_MAX];
	char emergency[INPUT_MAX];
};

static void pick_codes(const struct baro_auth *a, const char *input,
		       struct codes *c)
{
	unsigned digits = a->store.secret.digits;
	const char *totp = input, *emergency = input;

	if (a->cfg->forward_pass) {
		totp = input + baro_auth_password_len(input, digits);
		emergency = input +
			    baro_auth_password_len(input,
						   BARO_EMERGENCY_DIGITS);
	}
	if (!baro_code_normalise(totp, c->totp, sizeof(c->totp)))
		c->totp[0] = '\0';
	if (!baro_code_normalise(emergency, c->emergency, sizeof(c->emergency)))
		c->emergency[0] = '\0';
}

static void set_password_len(struct baro_auth *a, const char *input,
			     enum baro_auth_verdict v)
{
	unsigned digits = a->store_loaded && a->store.secret.digits > 0
				  ? a->store.secret.digits
				  : BARO_DIGITS_MIN;

	if (a->cfg->forward_pass)
		a->password_len = baro_auth_password_len(
			input, v == BARO_AUTH_OK_EMERGENCY
				       ? BARO_EMERGENCY_DIGITS
				       : digits);
}

static enum baro_auth_verdict load(struct baro_auth *a)
{
	enum baro_store_err e;

	close_store(a);
	baro_store_init(&a->store, a->path);
	a->store_loaded = true;
	e = baro_store_load_login(&a->store, a->lg);
	if (e == BARO_STORE_CONTENTS && a->store.parse == BARO_PARSE_NO_KEY)
		audit(a, BARO_AUDIT_NO_KEY);
	if (e == BARO_STORE_CONTENTS && a->store.parse == BARO_PARSE_NO_CYCLE)
		audit(a, BARO_AUDIT_NO_CYCLE);
	if (e != BARO_STORE_OK)
		return BARO_AUTH_UNAVAIL;
	if (!baro_store_key(&a->store, a->cfg->encrypt == BARO_ENCRYPT_YES,
			    a->cfg->keyfile, a->user, a->key, sizeof(a->key),
			    &a->keylen, a->lg))
		return BARO_AUTH_UNAVAIL;
	return BARO_AUTH_PROMPT;
}

static enum baro_auth_verdict report(struct baro_auth *a,
				     const struct baro_verdict *v)
{
	switch (v->result) {
	case BARO_OK:
	case BARO_OK_EMERGENCY:
		baro_log(a->lg, LOG_DEBUG,
			 "Verification code matched at offset %" PRId64
			 " cycles from now",
			 v->offset);
		audit(a, v->result == BARO_OK ? BARO_AUDIT_ACCEPTED
					      : BARO_AUDIT_ACCEPTED_EMERGENCY);
		return v->result == BARO_OK ? BARO_AUTH_OK
					    : BARO_AUTH_OK_EMERGENCY;
	case BARO_RATE_LIMITED:
		baro_log(a->lg, LOG_ERR, BARO_AUTH_BUSY_TEXT);
		audit(a, BARO_AUDIT_FAILED);
		return BARO_AUTH_RATE_LIMITED;
	case BARO_REUSED:
		baro_log(a->lg, LOG_ERR,
			 "Trying to reuse a previously used time-based code. Retry again in %u seconds. Warning! This might mean, you are currently subject to a man-in-the-middle attack.",
			 v->retry_secs);
		break;
	case BARO_ERROR:
		baro_log(a->lg, LOG_ERR,
			 "Verification code generation failed.[HMAC failure]");
		return BARO_AUTH_SYSERR;
	case BARO_WRONG:
	default:
		baro_log(a->lg, LOG_ERR, "Invalid verification code");
		break;
	}
	audit(a, BARO_AUDIT_FAILED);
	return BARO_AUTH_WRONG;
}

/* The state records this attempt (RATE_LIMIT), the used cycle or the used
 * emergency code. If it cannot be written the attempt fails the same way
 * whatever was typed: a caller who makes writes fail learns nothing and
 * gains nothing (DESIGN.md §3). */
static enum baro_auth_verdict verify(struct baro_auth *a, const char *input,
				     int64_t now, bool emergency_allowed)
{
	struct baro_verdict v = { .result = BARO_ERROR };
	struct codes c;

	pick_codes(a, input, &c);
	baro_verify(&a->store.secret, a->key, a->keylen, now, c.totp,
		    emergency_allowed ? c.emergency : NULL, &v);
	OPENSSL_cleanse(&c, sizeof(c));
	if (v.state_changed) {
		if (a->store.secret.has_rate_limit)
			baro_log(a->lg, LOG_DEBUG,
				 "Try to update RATE_LIMIT line.");
		if (!baro_store_save(&a->store, a->lg)) {
			audit(a, BARO_AUDIT_FAILED);
			return BARO_AUTH_WRONG;
		}
	}
	return report(a, &v);
}

/* store=pgsql (DESIGN.md §11): the database decides; its verdicts give the
 * file store's log and audit lines. *fallback: the server could not be
 * reached, nothing was sent, and fleet_offline=local lets the local file
 * decide. */
static enum baro_auth_verdict fleet_verify(struct baro_auth *a,
					   const char *input, bool *fallback)
{
	static const enum baro_result results[] = {
		[BARO_FLEET_OK] = BARO_OK,
		[BARO_FLEET_OK_EMERGENCY] = BARO_OK_EMERGENCY,
		[BARO_FLEET_WRONG] = BARO_WRONG,
		[BARO_FLEET_REUSED] = BARO_REUSED,
		[BARO_FLEET_RATE_LIMITED] = BARO_RATE_LIMITED,
	};
	struct baro_fleet_reply rep;
	struct baro_verdict v = { .result = BARO_WRONG };

	*fallback = false;
	baro_fleet_login(a->fleet_backend, a->cfg, a->user, a->service,
			 a->rhost, input, &rep, a->lg);
	if (a->cfg->forward_pass)
		a->password_len = baro_auth_password_len(
			input, rep.digits_used > 0 ? rep.digits_used
						   : BARO_DIGITS_MIN);
	switch (rep.verdict) {
	case BARO_FLEET_OFFLINE:
		*fallback = a->cfg->fleet_offline == BARO_OFFLINE_LOCAL;
		return BARO_AUTH_UNAVAIL;
	case BARO_FLEET_ERROR:
		return BARO_AUTH_UNAVAIL;
	case BARO_FLEET_NO_USER:
		baro_log(a->lg, LOG_ERR, "No fleet key for user %s",
			 a->who.user);
		audit(a, BARO_AUDIT_NO_KEY);
		return BARO_AUTH_UNAVAIL;
	default:
		v.result = results[rep.verdict];
		v.retry_secs = rep.retry_secs;
		return report(a, &v);
	}
}

/* A time the file cannot hold is never written (DESIGN.md §3). */
static bool clock_usable(const struct baro_auth *a, int64_t now)
{
	if (now >= 0 && now <= BARO_TIME_MAX)
		return true;
	baro_log(a->lg, LOG_ERR,
		 "Verification code generation failed.[clock out of range: %" PRId64
		 "]",
		 now);
	return false;
}

enum baro_auth_verdict baro_auth_check(struct baro_auth *a, const char *input,
				       int64_t now)
{
	enum baro_auth_verdict v;
	bool fallback = false;

	if (a->pw == NULL) {
		set_password_len(a, input, BARO_AUTH_WRONG);
		return BARO_AUTH_UNKNOWN_USER;
	}
	if (a->cfg->store == BARO_STORE_KIND_PGSQL) {
		v = fleet_verify(a, input, &fallback);
		if (!fallback)
			return v;
		baro_log(a->lg, LOG_WARNING,
			 "Fleet server unreachable: checking the local secret file %s; emergency codes refused",
			 a->path);
	}
	if (!clock_usable(a, now)) {
		v = BARO_AUTH_SYSERR;
		goto out;
	}
	v = load(a);
	/* The local file after an unreachable fleet: no emergency code (it
	 * may have been used on another host). */
	if (v == BARO_AUTH_PROMPT)
		v = verify(a, input, now, !fallback);
	set_password_len(a, input, v);
out:
	close_store(a);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	a->keylen = 0;
	return v;
}

enum baro_auth_verdict baro_auth_no_code(struct baro_auth *a)
{
	baro_log(a->lg, LOG_ERR, "Did not receive verification code from user");
	if (a->user != NULL)
		audit(a, BARO_AUDIT_NO_CODE);
	return BARO_AUTH_NO_CODE;
}

int baro_auth_pam_result(enum baro_auth_verdict v)
{
	switch (v) {
	case BARO_AUTH_OK:
	case BARO_AUTH_OK_EMERGENCY:
		return PAM_SUCCESS;
	case BARO_AUTH_WRONG:
	case BARO_AUTH_RATE_LIMITED:
	case BARO_AUTH_NO_CODE:
		return PAM_AUTH_ERR;
	case BARO_AUTH_UNKNOWN_USER:
		return PAM_USER_UNKNOWN;
	case BARO_AUTH_IGNORE:
		return PAM_IGNORE;
	case BARO_AUTH_DENY:
		return PAM_PERM_DENIED;
	case BARO_AUTH_UNAVAIL:
		return PAM_AUTHINFO_UNAVAIL;
	case BARO_AUTH_SYSERR:
	case BARO_AUTH_PROMPT:
	default:
		return PAM_SYSTEM_ERR;
	}
}

void baro_auth_end(struct baro_auth *a)
{
	close_store(a);
	OPENSSL_cleanse(a->key, sizeof(a->key));
	a->keylen = 0;
	a->password_len = 0;
}
