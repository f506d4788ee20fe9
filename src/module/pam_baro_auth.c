/* SPDX-License-Identifier: BSD-3-Clause */
/* pam_baro_auth: the PAM glue. Everything with a decision in it lives in
 * the core library; this file gathers the facts from libpam, asks, and
 * maps results to PAM return codes (SPEC §6). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "baro/acl.h"
#include "baro/base32.h"
#include "baro/clock.h"
#include "baro/config.h"
#include "baro/seal.h"
#include "baro/store.h"
#include "baro/util.h"
#include "baro/verify.h"

/* Everything is built -fvisibility=hidden; the version script then keeps
 * only these two. */
#define BARO_EXPORT __attribute__((visibility("default")))

#define IP_MAX 64
#define INPUT_MAX 512
#define MAX_GROUPS 256

struct login {
	pam_handle_t *pamh;
	int flags;
	struct baro_config cfg;
	struct baro_log lg;
	const char *user;
	const char *log_user; /* user, or a placeholder if unsafe to log */
	bool known;
	struct passwd pw;
	char *pwbuf;
	char path[PATH_MAX];
	char local_ip[IP_MAX];
	char remote_ip[IP_MAX];
	struct baro_store store;
	uint8_t key[BARO_KEY_MAX];
	size_t keylen;
};

enum audit {
	AUDIT_OK,
	AUDIT_OK_EMERGENCY,
	AUDIT_FAILED,
	AUDIT_NO_CYCLE,
	AUDIT_NO_CODE,
	AUDIT_NO_KEY,
};

static const char *const audit_format[] = {
	[AUDIT_OK] = "authentication key : session opened for user %s by (local ip=%s,Remote ip=%s)",
	[AUDIT_OK_EMERGENCY] = "emergency authentication key : session opened for user %s by (local ip=%s,Remote ip=%s)",
	[AUDIT_FAILED] = "authentication key : User %s authentication failed (local ip=%s,Remote ip=%s)",
	[AUDIT_NO_CYCLE] = "authentication key : There is no cycle time for user %s (local ip=%s,Remote ip=%s)",
	[AUDIT_NO_CODE] = "authentication key : There is no verification code for user %s (local ip=%s,Remote ip=%s)",
	[AUDIT_NO_KEY] = "authentication key : There is no secure key for user %s (local ip=%s,Remote ip=%s)",
};

static void audit(const struct login *l, enum audit what)
{
	int prio = what <= AUDIT_OK_EMERGENCY ? LOG_INFO : LOG_NOTICE;

	/* The format table is constant; the strings are sanitised. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	baro_log(&l->lg, prio, audit_format[what], l->log_user, l->local_ip,
		 l->remote_ip);
#pragma GCC diagnostic pop
}

/* An address for the audit line: a literal IPv4/IPv6 address or 0.0.0.0,
 * never attacker-chosen text in the log. */
static void set_ip(char *out, const char *in, size_t n)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tmp[IP_MAX];

	memcpy(out, "0.0.0.0", sizeof("0.0.0.0"));
	if (in == NULL || n == 0 || n >= sizeof(tmp))
		return;
	memcpy(tmp, in, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, buf) == 1 ||
	    inet_pton(AF_INET6, tmp, buf) == 1)
		memcpy(out, tmp, n + 1);
}

/* SSH_CONNECTION is "client port server port". */
static void find_addresses(struct login *l)
{
	const char *conn = pam_getenv(l->pamh, "SSH_CONNECTION");
	const void *rhost = NULL;
	const char *p, *sp;
	int field;

	set_ip(l->local_ip, NULL, 0);
	set_ip(l->remote_ip, NULL, 0);
	if (pam_get_item(l->pamh, PAM_RHOST, &rhost) == PAM_SUCCESS &&
	    rhost != NULL)
		set_ip(l->remote_ip, rhost, strlen(rhost));
	for (p = conn, field = 0; p != NULL && field < 2; field++) {
		sp = strchr(p, ' ');
		p = sp != NULL ? sp + 1 : NULL;
	}
	if (p != NULL) {
		sp = strchr(p, ' ');
		set_ip(l->local_ip, p, sp != NULL ? (size_t)(sp - p) : strlen(p));
	}
}

static int get_user(struct login *l)
{
	int rc = pam_get_user(l->pamh, &l->user, NULL);

	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || l->user == NULL || l->user[0] == '\0') {
		l->user = NULL;
		baro_log(&l->lg, LOG_ERR,
			 "No user name available when checking verification code");
		return rc != PAM_SUCCESS ? rc : PAM_USER_UNKNOWN;
	}
	l->log_user = baro_user_name_ok(l->user) ? l->user : "(invalid name)";
	return PAM_SUCCESS;
}

static void lookup_user(struct login *l)
{
	struct passwd *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t bufsz = sz > 0 ? (size_t)sz : 16384;
	int err;

	if (baro_user_name_ok(l->user)) {
		for (;;) {
			l->pwbuf = malloc(bufsz);
			if (l->pwbuf == NULL)
				break;
			err = getpwnam_r(l->user, &l->pw, l->pwbuf, bufsz, &res);
			if (err != ERANGE || bufsz >= 1024 * 1024)
				break;
			free(l->pwbuf);
			l->pwbuf = NULL;
			bufsz *= 2;
		}
	}
	l->known = res != NULL;
	if (!l->known)
		baro_log(&l->lg, LOG_ERR, "Cannot look up user id %s",
			 l->log_user);
}

/* skip → PAM_IGNORE, deny → PAM_PERM_DENIED, require → PAM_SUCCESS (go
 * on); an unknown user gets no answer that differs from a real one's. */
static int check_acl(struct login *l)
{
	gid_t groups[MAX_GROUPS];
	int ngroups = MAX_GROUPS;
	struct baro_acl_subject subj = { 0 };
	enum baro_acl_action action = BARO_ACL_DENY;
	const void *service = NULL, *rhost = NULL;

	if (l->cfg.acl[0] == '\0')
		return PAM_SUCCESS;
	(void)pam_get_item(l->pamh, PAM_SERVICE, &service);
	(void)pam_get_item(l->pamh, PAM_RHOST, &rhost);
	subj.rhost = rhost;
	subj.user = l->user;
	subj.service = service != NULL ? service : "";
	subj.gid = (gid_t)-1;
	if (l->known) {
		subj.gid = l->pw.pw_gid;
		if (getgrouplist(l->user, l->pw.pw_gid, groups, &ngroups) < 0)
			ngroups = 0; /* too many: primary group only */
		subj.groups = groups;
		subj.ngroups = (size_t)ngroups;
	}
	if (baro_acl_check(l->cfg.acl, &subj, &action, &l->lg) != BARO_ACL_OK)
		return PAM_AUTHINFO_UNAVAIL;
	if (action == BARO_ACL_SKIP)
		return l->known ? PAM_IGNORE : PAM_USER_UNKNOWN;
	if (action == BARO_ACL_DENY)
		return l->known ? PAM_PERM_DENIED : PAM_USER_UNKNOWN;
	return PAM_SUCCESS;
}

static bool compute_path(struct login *l)
{
	if (!l->known)
		return true;
	if (!baro_expand_path(l->cfg.secret, l->user, l->pw.pw_dir, l->path,
			      sizeof(l->path))) {
		baro_log(&l->lg, LOG_ERR, "Failed to compute location of secret file");
		return false;
	}
	return true;
}

/* nullok: only a file that does not exist lets the user through; any
 * other problem is found, and fails, after the prompt. */
static bool secret_missing(const struct login *l)
{
	char base[256];
	const char *why = NULL;
	struct stat st;
	int dirfd = -1;
	bool missing;
	enum baro_io_err e;

	e = baro_open_parent(l->path, &dirfd, base, sizeof(base), &why);
	missing = e == BARO_IO_MISSING ||
		  (e == BARO_IO_OK &&
		   fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0 &&
		   errno == ENOENT);
	if (dirfd >= 0)
		close(dirfd);
	return missing;
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
	const void *tok = NULL;

	if (pam_get_item(l->pamh, PAM_AUTHTOK, &tok) != PAM_SUCCESS ||
	    tok == NULL || strlen(tok) >= INPUT_MAX)
		return NULL;
	return strdup(tok);
}

static int decode_key(struct login *l)
{
	const struct baro_secret *s = &l->store.secret;
	uint8_t hostkey[BARO_HOSTKEY_LEN];
	const char *why = NULL;
	enum baro_seal_err e;

	if (l->cfg.encrypt == BARO_ENCRYPT_NO) {
		if (baro_secret_is_sealed(s))
			why = "sealed key but encrypt=no";
		else if (!baro_base32_decode(s->secure_key, l->key,
					     sizeof(l->key), &l->keylen))
			why = "invalid base32";
	} else if (!baro_secret_is_sealed(s)) {
		why = "plain key but encrypt=yes";
	} else if (!baro_hostkey_load(l->cfg.keyfile, hostkey, &l->lg)) {
		why = "host key unavailable";
	} else {
		e = baro_unseal(hostkey, l->user, s->secure_key, l->key,
				sizeof(l->key), &l->keylen);
		if (e != BARO_SEAL_OK)
			why = baro_seal_strerror(e);
		OPENSSL_cleanse(hostkey, sizeof(hostkey));
	}
	if (why == NULL && l->keylen < BARO_KEY_MIN)
		why = "key too short";
	if (why == NULL)
		return PAM_SUCCESS;
	OPENSSL_cleanse(l->key, sizeof(l->key));
	baro_log(&l->lg, LOG_ERR, "Can't find SECURE_KEY[%s]", why);
	return PAM_AUTHINFO_UNAVAIL;
}

static int load_secret(struct login *l)
{
	enum baro_store_err e;

	baro_store_init(&l->store, l->path);
	e = baro_store_load(&l->store, true, &l->lg);
	if (e == BARO_STORE_MISSING)
		baro_log(&l->lg, LOG_ERR, "Failed to secret file read %s",
			 l->path);
	if (e == BARO_STORE_CONTENTS &&
	    l->store.parse == BARO_PARSE_NO_KEY)
		audit(l, AUDIT_NO_KEY);
	if (e == BARO_STORE_CONTENTS &&
	    l->store.parse == BARO_PARSE_NO_CYCLE)
		audit(l, AUDIT_NO_CYCLE);
	if (e != BARO_STORE_OK)
		return PAM_AUTHINFO_UNAVAIL;
	return decode_key(l);
}

/* The codes to try: the whole input, or with forward_pass the trailing
 * DIGITS (and 8 for an emergency code) after the password. */
struct codes {
	char totp[INPUT_MAX];
	char emergency[INPUT_MAX];
};

static size_t split_at(const char *input, unsigned digits)
{
	size_t n = strlen(input);

	return n >= digits ? n - digits : 0;
}

static void pick_codes(const struct login *l, const char *input,
		       struct codes *c)
{
	unsigned digits = l->store.secret.digits;

	if (!l->cfg.forward_pass) {
		if (!baro_code_normalise(input, c->totp, sizeof(c->totp)))
			c->totp[0] = '\0';
		memcpy(c->emergency, c->totp, sizeof(c->totp));
		return;
	}
	if (!baro_code_normalise(input + split_at(input, digits), c->totp,
				 sizeof(c->totp)))
		c->totp[0] = '\0';
	if (!baro_code_normalise(input + split_at(input, BARO_EMERGENCY_DIGITS),
				 c->emergency, sizeof(c->emergency)))
		c->emergency[0] = '\0';
}

static void forward_password(const struct login *l, const char *input,
			     enum baro_result r)
{
	unsigned digits = l->known && l->store.secret.digits > 0
				  ? l->store.secret.digits
				  : BARO_DIGITS_MIN;
	size_t cut = split_at(input, r == BARO_OK_EMERGENCY
					    ? BARO_EMERGENCY_DIGITS
					    : digits);
	char *pass = strndup(input, cut);

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

static int report(struct login *l, const struct baro_verdict *v)
{
	switch (v->result) {
	case BARO_OK:
		audit(l, AUDIT_OK);
		return PAM_SUCCESS;
	case BARO_OK_EMERGENCY:
		audit(l, AUDIT_OK_EMERGENCY);
		return PAM_SUCCESS;
	case BARO_RATE_LIMITED:
		baro_log(&l->lg, LOG_ERR,
			 "Too many concurrent login attempts. Please try again.");
		tell_user(l, "Too many concurrent login attempts. Please try again.");
		break;
	case BARO_REUSED:
		baro_log(&l->lg, LOG_ERR,
			 "Trying to reuse a previously used time-based code. Retry again in %u seconds. Warning! This might mean, you are currently subject to a man-in-the-middle attack.",
			 v->retry_secs);
		break;
	case BARO_ERROR:
		baro_log(&l->lg, LOG_ERR,
			 "Verification code generation failed.[HMAC failure]");
		return PAM_SYSTEM_ERR;
	case BARO_WRONG:
	default:
		baro_log(&l->lg, LOG_ERR, "Invalid verification code");
		break;
	}
	audit(l, AUDIT_FAILED);
	return PAM_AUTH_ERR;
}

/* Lock, read, verify, write the state back, unlock: one attempt. */
static int attempt(struct login *l, const char *input, enum baro_result *res)
{
	struct baro_verdict v = { .result = BARO_ERROR };
	struct codes c;
	int rc;

	*res = BARO_ERROR;
	if (!l->known) {
		if (l->cfg.forward_pass)
			forward_password(l, input, BARO_WRONG);
		return PAM_USER_UNKNOWN;
	}
	rc = load_secret(l);
	if (rc != PAM_SUCCESS)
		goto out;
	pick_codes(l, input, &c);
	baro_verify(&l->store.secret, l->key, l->keylen, baro_clock_now(),
		    c.totp, c.emergency, &v);
	OPENSSL_cleanse(&c, sizeof(c));
	*res = v.result;
	if (v.state_changed) {
		if (l->store.secret.has_rate_limit)
			baro_log(&l->lg, LOG_DEBUG, "Try to update RATE_LIMIT line.");
		if (!baro_store_save(&l->store, &l->lg) &&
		    (v.result == BARO_OK || v.result == BARO_OK_EMERGENCY)) {
			/* A use that cannot be recorded must not count. */
			rc = PAM_SYSTEM_ERR;
			goto out;
		}
	}
	rc = report(l, &v);
	if (l->cfg.forward_pass)
		forward_password(l, input, v.result);
out:
	baro_store_close(&l->store);
	OPENSSL_cleanse(l->key, sizeof(l->key));
	l->keylen = 0;
	return rc;
}

static int no_code(struct login *l)
{
	baro_log(&l->lg, LOG_ERR, "Did not receive verification code from user");
	if (l->user != NULL)
		audit(l, AUDIT_NO_CODE);
	return PAM_AUTH_ERR;
}

/* try_first_pass/use_first_pass: the earlier module's PAM_AUTHTOK first;
 * try_first_pass prompts when that is missing or wrong. */
static int converse_and_verify(struct login *l)
{
	enum baro_result res = BARO_WRONG;
	char *input = NULL;
	int rc = PAM_AUTH_ERR;
	bool from_item = l->cfg.use_first_pass || l->cfg.try_first_pass;

	if (from_item) {
		input = first_pass(l);
		if (input == NULL && l->cfg.use_first_pass)
			return no_code(l);
		if (input != NULL) {
			rc = attempt(l, input, &res);
			baro_free_secret(input);
			input = NULL;
			if (l->cfg.use_first_pass || res != BARO_WRONG)
				return rc;
		}
	}
	input = ask_code(l);
	if (input == NULL || input[0] == '\0') {
		rc = no_code(l);
		goto out;
	}
	rc = attempt(l, input, &res);
out:
	baro_free_secret(input);
	return rc;
}

static int authenticate(struct login *l, int argc, const char **argv)
{
	int rc;

	if (baro_config_load(&l->cfg, argc, argv, &l->lg) != BARO_CONFIG_OK)
		return PAM_AUTHINFO_UNAVAIL;
	l->lg.debug = l->cfg.debug;
	l->lg.no_log_info = l->cfg.no_log_info;
	rc = get_user(l);
	if (rc != PAM_SUCCESS)
		return rc;
	lookup_user(l);
	find_addresses(l);
	rc = check_acl(l);
	if (rc != PAM_SUCCESS)
		return rc;
	if (!compute_path(l))
		return PAM_AUTHINFO_UNAVAIL;
	/* nullok: an unknown user has no file either, so it is not prompted
	 * either: the prompt never tells who exists. */
	if (l->cfg.nullok && !l->known)
		return PAM_USER_UNKNOWN;
	if (l->cfg.nullok && secret_missing(l)) {
		baro_log(&l->lg, LOG_DEBUG, "No secret file %s: nullok", l->path);
		return PAM_IGNORE;
	}
	return converse_and_verify(l);
}

BARO_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	struct login *l;
	int rc;

	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		pam_syslog(pamh, LOG_CRIT, "Out of memory");
		return PAM_BUF_ERR;
	}
	l->pamh = pamh;
	l->flags = flags;
	l->lg.pamh = pamh;
	rc = authenticate(l, argc, argv);
	free(l->pwbuf);
	OPENSSL_cleanse(l, sizeof(*l));
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
