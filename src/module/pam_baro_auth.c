/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_baro_auth: the PAM glue. Every decision lives in the core library
 * (baro/auth.h); this file gathers the facts from libpam, converses, and
 * maps verdicts to PAM return codes (DESIGN.md §6). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "baro/auth.h"
#include "baro/chkcode.h"
#include "baro/clock.h"
#include "baro/config.h"
#include "baro/fleet.h"
#include "baro/util.h"
#include "helper_client.h"

/* Everything is built -fvisibility=hidden; the version script then keeps
 * only the pam_sm_* entry points. */
#define BARO_EXPORT __attribute__((visibility("default")))

#define INPUT_MAX 512
/* libpam's fail delay for every failure, as pam_unix asks (DESIGN.md §6). */
#define FAIL_DELAY_USEC 2000000
/* Set in the auth phase when a code was accepted; read by the session. */
#define ACCEPTED_DATA "pam_baro_auth_accepted"
#define ACCEPTED_ENV "PAM_BARO_AUTH_ACCEPTED"

struct login {
	pam_handle_t *pamh;
	int flags;
	struct baro_config cfg;
	struct baro_log lg;
	struct baro_auth auth;
	bool via_helper; /* not root: the setuid helper checks the code */
};

static const char *pam_text(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* Who asked, and from where, for the audit lines. The caller's passwd
 * entry is looked up only when the line names it (not for root, as under
 * sshd, nor for the user themselves, as under sudo or a screen locker). */
static void find_who(pam_handle_t *pamh, struct baro_audit_who *who,
		     const struct passwd *target)
{
	const char *rhost = pam_text(pamh, PAM_RHOST);
	const char *ruser = pam_text(pamh, PAM_RUSER);
	const struct passwd *caller = NULL;
	uid_t uid = getuid(), target_uid = target != NULL ? target->pw_uid : 0;

	if (baro_audit_by_names_caller(ruser, uid, target_uid, target != NULL))
		caller = pam_modutil_getpwuid(pamh, uid);
	baro_audit_ip(who->remote_ip, rhost, rhost != NULL ? strlen(rhost) : 0);
	baro_audit_local_ip(who->local_ip, pam_getenv(pamh, "SSH_CONNECTION"));
	baro_audit_by(who, ruser, caller != NULL ? caller->pw_name : NULL, uid,
		      target_uid, target != NULL);
}

static int get_user(struct login *l, const char **user)
{
	int rc = pam_get_user(l->pamh, user, NULL);

	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || *user == NULL || (*user)[0] == '\0') {
		baro_log(&l->lg, LOG_ERR,
			 "No user name available when checking verification code");
		return rc != PAM_SUCCESS ? rc : PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

static const char *prompt_text(const struct login *l)
{
	if (l->cfg.forward_pass &&
	    strcmp(l->cfg.prompt, BARO_DEFAULT_PROMPT) == 0)
		return BARO_FORWARD_PROMPT;
	return l->cfg.prompt;
}

static char *ask_code(struct login *l)
{
	char *resp = NULL;
	int style = l->cfg.echo_code ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF;

	if (pam_prompt(l->pamh, style, &resp, "%s", prompt_text(l)) !=
		    PAM_SUCCESS ||
	    resp == NULL || strlen(resp) >= INPUT_MAX) {
		baro_free_secret(resp);
		return NULL;
	}
	return resp;
}

static char *first_pass(struct login *l)
{
	const char *tok = pam_text(l->pamh, PAM_AUTHTOK);

	if (tok == NULL || strlen(tok) >= INPUT_MAX)
		return NULL;
	return strdup(tok);
}

static void forward_password(const struct login *l, const char *input)
{
	char *pass;

	if (!l->cfg.forward_pass)
		return;
	pass = strndup(input, l->auth.password_len);
	if (pass == NULL)
		return;
	(void)pam_set_item(l->pamh, PAM_AUTHTOK, pass);
	baro_free_secret(pass);
}

static void tell_user(const struct login *l, const char *msg)
{
	if (!l->cfg.silent && (l->flags & (int)PAM_SILENT) == 0)
		(void)pam_error(l->pamh, "%s", msg);
}

/* Not root: the helper checks the code with root's settings. With
 * forward_pass it gets only the end of the input, never the password, and
 * says how long the accepted code was (else the password is taken to end
 * BARO_DIGITS_MIN characters before the end). */
static enum baro_auth_verdict helper_check(struct login *l, const char *input)
{
	const char *service = l->auth.service != NULL ? l->auth.service : "";
	size_t n = strlen(input), cut;
	unsigned code_len = 0;
	enum baro_auth_verdict v;

	if (!l->cfg.forward_pass)
		return baro_helper_verify(&l->lg, l->auth.user, service, input,
					  false, &code_len);
	v = baro_helper_verify(&l->lg, l->auth.user, service,
			       input + (n > BARO_CHK_TAIL_LEN
						? n - BARO_CHK_TAIL_LEN
						: 0),
			       true, &code_len);
	cut = code_len > 0 ? code_len : BARO_DIGITS_MIN;
	l->auth.password_len = n > cut ? n - cut : 0;
	return v;
}

static enum baro_auth_verdict attempt(struct login *l, const char *input)
{
	enum baro_auth_verdict v;

	if (l->via_helper && l->auth.pw != NULL)
		v = helper_check(l, input);
	else
		v = baro_auth_check(&l->auth, input, baro_clock_now());
	forward_password(l, input);
	if (v == BARO_AUTH_RATE_LIMITED)
		tell_user(l, BARO_AUTH_BUSY_TEXT);
	return v;
}

/* try_first_pass/use_first_pass: the earlier module's PAM_AUTHTOK first;
 * try_first_pass prompts when that is missing or wrong. */
static enum baro_auth_verdict converse_and_verify(struct login *l)
{
	enum baro_auth_verdict v;
	char *input = NULL;

	if (l->cfg.use_first_pass || l->cfg.try_first_pass) {
		input = first_pass(l);
		if (input == NULL && l->cfg.use_first_pass)
			return baro_auth_no_code(&l->auth);
		if (input != NULL) {
			v = attempt(l, input);
			baro_free_secret(input);
			input = NULL;
			if (l->cfg.use_first_pass || v != BARO_AUTH_WRONG)
				return v;
		}
	}
	input = ask_code(l);
	if (input == NULL || input[0] == '\0')
		v = baro_auth_no_code(&l->auth);
	else
		v = attempt(l, input);
	baro_free_secret(input);
	return v;
}

/* The session phase must know that this transaction accepted a code.
 * pam_set_data() is enough where one process runs both phases (su, sudo,
 * login); sshd runs keyboard-interactive authentication in a child and
 * hands only the PAM environment back, so the fact travels there too, and
 * the session phase removes it before the session's environment is built. */
static void remember_success(struct login *l, enum baro_auth_verdict v)
{
	static const int ok = BARO_AUTH_OK, emergency = BARO_AUTH_OK_EMERGENCY;
	bool em = v == BARO_AUTH_OK_EMERGENCY;

	(void)pam_set_data(l->pamh, ACCEPTED_DATA,
			   (void *)(em ? &emergency : &ok), NULL);
	(void)pam_putenv(l->pamh,
			 em ? ACCEPTED_ENV "=emergency" : ACCEPTED_ENV "=code");
}

/* Not root: the ACL, the secret file and nullok are the helper's, from
 * root's conf file; the caller's own arguments decide none of them. */
static enum baro_auth_verdict prepare(struct login *l)
{
	l->via_helper = baro_helper_needed();
	if (l->via_helper) {
		if (!baro_helper_usable(&l->lg))
			return BARO_AUTH_UNAVAIL;
		l->cfg.acl[0] = '\0';
		l->cfg.nullok = false;
	}
	return baro_auth_prepare(&l->auth);
}

static int authenticate(struct login *l, int argc, const char **argv)
{
	enum baro_auth_verdict v;
	const char *user = NULL;
	int rc;

	if (baro_config_load(&l->cfg, argc, argv, &l->lg) != BARO_CONFIG_OK) {
		(void)pam_fail_delay(l->pamh, FAIL_DELAY_USEC);
		return PAM_AUTHINFO_UNAVAIL;
	}
	l->lg.debug = l->cfg.debug;
	l->lg.no_log_info = l->cfg.no_log_info;
	/* Before anything else can fail, so that every failure is answered
	 * after the same delay. */
	if (!l->cfg.nodelay)
		(void)pam_fail_delay(l->pamh, FAIL_DELAY_USEC);
	rc = get_user(l, &user);
	if (rc != PAM_SUCCESS)
		return rc;
	baro_auth_init(&l->auth, &l->cfg, &l->lg);
	l->auth.user = user;
	l->auth.pw = baro_user_name_ok(user)
			     ? pam_modutil_getpwnam(l->pamh, user)
			     : NULL;
	l->auth.service = pam_text(l->pamh, PAM_SERVICE);
	l->auth.rhost = pam_text(l->pamh, PAM_RHOST);
	l->auth.fleet_backend = baro_fleet_backend();
	find_who(l->pamh, &l->auth.who, l->auth.pw);
	v = prepare(l);
	if (v == BARO_AUTH_PROMPT)
		v = converse_and_verify(l);
	if (v == BARO_AUTH_OK || v == BARO_AUTH_OK_EMERGENCY)
		remember_success(l, v);
	baro_auth_end(&l->auth);
	return baro_auth_pam_result(v);
}

BARO_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	struct login *l;
	int rc;

	/* Not zeroed as a whole (the check sets up its own part; the
	 * configuration is cleared here though its loader sets it all), nor wiped as a whole: the secrets in it, the key
	 * and the parsed file, are wiped by baro_auth_end(); the rest (paths,
	 * options, who logs in) is not secret. */
	l = malloc(sizeof(*l));
	if (l == NULL) {
		/* Before the options are known: nodelay cannot be honoured. */
		(void)pam_fail_delay(pamh, FAIL_DELAY_USEC);
		pam_syslog(pamh, LOG_CRIT, "Out of memory");
		return PAM_BUF_ERR;
	}
	l->pamh = pamh;
	l->flags = flags;
	memset(&l->lg, 0, sizeof(l->lg));
	memset(&l->cfg, 0, sizeof(l->cfg));
	l->lg.pamh = pamh;
	l->via_helper = false;
	rc = authenticate(l, argc, argv);
	free(l);
	return rc;
}

BARO_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* What the auth phase of this transaction accepted: 0 nothing, else
 * BARO_AUTH_OK or BARO_AUTH_OK_EMERGENCY. */
static int accepted_in_auth(pam_handle_t *pamh)
{
	const void *data = NULL;
	const char *env = pam_getenv(pamh, ACCEPTED_ENV);
	int what = 0;

	if (pam_get_data(pamh, ACCEPTED_DATA, &data) == PAM_SUCCESS &&
	    data != NULL)
		what = *(const int *)data;
	else if (env != NULL && strcmp(env, "code") == 0)
		what = BARO_AUTH_OK;
	else if (env != NULL && strcmp(env, "emergency") == 0)
		what = BARO_AUTH_OK_EMERGENCY;
	if (env != NULL)
		(void)pam_putenv(pamh, ACCEPTED_ENV);
	return what;
}

/* BaroPAM's "session opened" line, written only when a session really
 * opens after a code accepted in this transaction (DESIGN.md §7). */
BARO_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
				    const char **argv)
{
	struct baro_log lg = { .pamh = pamh };
	struct baro_audit_who who;
	const char *user;
	int what;

	(void)flags;
	(void)argc;
	(void)argv;
	what = accepted_in_auth(pamh);
	user = pam_text(pamh, PAM_USER);
	if (what == 0 || user == NULL)
		return PAM_IGNORE;
	memset(&who, 0, sizeof(who));
	who.user = baro_user_name_ok(user) ? user : "(invalid name)";
	find_who(pamh, &who, pam_modutil_getpwnam(pamh, user));
	baro_audit_log(&lg,
		       what == BARO_AUTH_OK ? BARO_AUDIT_SESSION
					    : BARO_AUDIT_SESSION_EMERGENCY,
		       &who);
	return PAM_SUCCESS;
}

/* Nothing to close: like setcred, a success. */
BARO_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
				     const char **argv)
{
	return pam_sm_setcred(pamh, flags, argc, argv);
}
