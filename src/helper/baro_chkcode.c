/* SPDX-License-Identifier: BSD-3-Clause */
/* baro_chkcode: the setuid-root helper that checks a verification code for
 * the user who runs it (DESIGN.md §12), as unix_chkpwd does for passwords. The
 * module runs it when it is not root (screen lockers); the protocol and
 * the exit statuses are in include/baro/chkcode.h. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/util.h"
#include "helper.h"

struct caller {
	uid_t uid;
	char name[257];
};

/* A PAM service name: a file name in /etc/pam.d. */
static bool service_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= BARO_CHK_SERVICE_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789._-+@",
			   s[i]) == NULL)
			return false;
	return true;
}

static bool parse_args(int argc, char **argv, struct chk_request *rq)
{
	if (argc != 4)
		return false;
	if (strcmp(argv[1], BARO_CHK_MODE_TAIL) == 0)
		rq->tail = true;
	else if (strcmp(argv[1], BARO_CHK_MODE_ENROL) == 0)
		rq->enrol = true;
	else if (strcmp(argv[1], BARO_CHK_MODE_CODE) != 0)
		return false;
	rq->user = argv[2];
	rq->service = argv[3];
	return baro_user_name_ok(rq->user) && service_ok(rq->service);
}

static bool caller_name(struct caller *c)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	size_t n;

	if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return false;
	n = strlen(pw.pw_name);
	if (n >= sizeof(c->name))
		return false;
	memcpy(c->name, pw.pw_name, n + 1);
	return true;
}

/* Who may ask for USER: only the user of the real uid (root too, for
 * root's own code: a module running as root needs no helper). */
static enum baro_chk_status check_caller(struct caller *c, const char *user,
					 const struct baro_log *lg)
{
	if (!caller_name(c)) {
		baro_log(lg, LOG_ERR, "Cannot look up user id %u",
			 (unsigned)c->uid);
		return BARO_CHK_USER_UNKNOWN;
	}
	if (strcmp(c->name, user) == 0)
		return BARO_CHK_OK;
	baro_log(lg, LOG_ERR,
		 "Refused: uid %u (%s) asked to check a code for user %s",
		 (unsigned)c->uid, c->name, user);
	return BARO_CHK_REFUSED;
}

static enum baro_chk_status serve(int argc, char **argv, struct caller *c,
				  struct baro_log *lg)
{
	struct chk_request rq = { 0 };
	char input[BARO_CHK_INPUT_MAX];
	enum baro_chk_status st;

	if (!parse_args(argc, argv, &rq)) {
		baro_log(lg, LOG_ERR,
			 "Inappropriate use of the helper by uid %u: usage: %s code|tail|enrol USER SERVICE",
			 (unsigned)c->uid, BARO_CHK_IDENT);
		return BARO_CHK_USAGE;
	}
	if (isatty(STDIN_FILENO)) {
		baro_log(lg, LOG_ERR,
			 "Inappropriate use of the helper by uid %u: the code comes on a pipe",
			 (unsigned)c->uid);
		return BARO_CHK_USAGE;
	}
	st = check_caller(c, rq.user, lg);
	if (st != BARO_CHK_OK)
		return st;
	if (rq.enrol)
		return chk_enrol(&rq, lg);
	if (!chk_read_all(input, sizeof(input)))
		input[0] = '\0';
	rq.input = input;
	st = chk_verify(&rq, lg);
	OPENSSL_cleanse(input, sizeof(input));
	return st;
}

static bool accepted(enum baro_chk_status st)
{
	return st == BARO_CHK_OK || st == BARO_CHK_OK_7 ||
	       st == BARO_CHK_OK_8 || st == BARO_CHK_OK_EMERGENCY;
}

int main(int argc, char **argv)
{
	struct caller c = { .uid = getuid() };
	struct baro_log lg = { 0 };
	enum baro_chk_status st;
	const char *why;

	if (geteuid() != 0) {
		/* Not setuid root (or a nosuid mount): nothing to protect and
		 * nothing it could read. */
		fprintf(stderr,
			"%s: not running as root: the helper must be "
			"installed setuid root (mode 4755, owner root)\n",
			BARO_CHK_IDENT);
		return BARO_CHK_USAGE;
	}
	why = chk_start_clean();
	baro_log_to_syslog(&lg, BARO_CHK_IDENT);
	if (why != NULL) {
		baro_log(&lg, LOG_ERR, "Refused to start for uid %u: %s",
			 (unsigned)c.uid, why);
		st = BARO_CHK_USAGE;
	} else {
		st = serve(argc, argv, &c, &lg);
	}
	if (!accepted(st))
		chk_fail_delay();
	return (int)st;
}
