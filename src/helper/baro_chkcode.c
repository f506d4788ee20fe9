/* SPDX-License-Identifier: BSD-3-Clause */
/* baro_chkcode: the setuid-root helper that checks a verification code for
 * the user who runs it (DESIGN.md §12), as unix_chkpwd does for passwords. The
 * module runs it when it is not root (screen lockers); the protocol and
 * the exit statuses are in include/baro/chkcode.h. */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "baro/util.h"
#include "helper.h"

/* Every failure costs this much, as with unix_chkpwd and pam_unix's
 * default fail delay: calling the helper directly gains nothing. */
#define FAIL_DELAY_MS 2000

struct caller {
	uid_t uid;
	char name[257];
};

static void fail_delay(void)
{
	struct timespec left = { FAIL_DELAY_MS / 1000,
				 (FAIL_DELAY_MS % 1000) * 1000000L };

	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

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

/* The module writes the code before it starts the helper: waiting for
 * it at all is for a caller who runs the helper by hand. */
#define INPUT_WAIT_MS 10000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Input to read before the deadline (one for the whole input). */
static bool input_ready(int64_t deadline)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int64_t left;
	int r;

	do {
		left = deadline - now_ms();
		r = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (r < 0 && errno == EINTR);
	return r > 0;
}

/* The code, from stdin to end of file: at most BARO_CHK_INPUT_MAX - 1
 * bytes, no NUL, within INPUT_WAIT_MS, else it is treated as no code. */
static bool read_input(char *buf, size_t bufsz)
{
	int64_t deadline = now_ms() + INPUT_WAIT_MS;
	size_t len = 0;
	ssize_t r;

	for (;;) {
		if (!input_ready(deadline))
			return false;
		r = read(STDIN_FILENO, buf + len, bufsz - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == bufsz)
			return false;
	}
	buf[len] = '\0';
	return r == 0 && memchr(buf, '\0', len) == NULL;
}

static enum baro_chk_status serve(int argc, char **argv, struct caller *c,
				  struct baro_log *lg)
{
	struct chk_request rq = { 0 };
	char input[BARO_CHK_INPUT_MAX];
	enum baro_chk_status st;

	if (!parse_args(argc, argv, &rq)) {
		baro_log(lg, LOG_ERR,
			 "Inappropriate use of the helper by uid %u: usage: %s code|tail USER SERVICE",
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
	if (!read_input(input, sizeof(input)))
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
	baro_log_to_syslog(BARO_CHK_IDENT);
	if (why != NULL) {
		baro_log(&lg, LOG_ERR, "Refused to start for uid %u: %s",
			 (unsigned)c.uid, why);
		st = BARO_CHK_USAGE;
	} else {
		st = serve(argc, argv, &c, &lg);
	}
	if (!accepted(st))
		fail_delay();
	return (int)st;
}
