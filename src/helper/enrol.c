/* SPDX-License-Identifier: BSD-3-Clause */
/* Self-enrolment (DESIGN.md §12), off unless the conf file says
 * self_enrol: a user with no secret file gets a key made here, sees it
 * (stdout: "SECRET <base32> SHA1 6 30", which baro-keygen enrol turns into
 * the otpauth:// URI and QR code), and types a first code (stdin, one a
 * line, three tries); only a right one gets the file written, root's,
 * 0400, with that code's cycle already used. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "baro/auth.h"
#include "baro/base32.h"
#include "baro/config.h"
#include "baro/seal.h"
#include "baro/store.h"
#include "baro/util.h"
#include "baro/verify.h"
#include "helper.h"

#define ENROL_WAIT_MS (5 * 60 * 1000)
#define ENROL_TRIES 3
#define ENROL_KEY_BYTES 20
#define ENROL_CYCLE 30
#define ENROL_DIGITS 6
#define ENROL_WINDOW 3
#define ENROL_RATE_COUNT 3
#define ENROL_RATE_INTERVAL 30

struct enrol {
	const struct chk_request *rq;
	struct baro_log *lg;
	struct baro_config cfg;
	struct baro_auth auth;
	struct passwd pw;
	char pwbuf[16384];
	uint8_t key[ENROL_KEY_BYTES];
	char b32[BARO_SECURE_KEY_TEXT_MAX + 1];
	int64_t used; /* the cycle of the first code */
	struct baro_secret secret;
};

static enum baro_chk_status refuse(const struct enrol *e,
				   enum baro_chk_status st, const char *why)
{
	baro_log(e->lg, LOG_ERR, "Self-enrolment refused for %s: %s",
		 e->rq->user, why);
	return st;
}

/* Root's conf file, the ACL (deny holds, skip does not matter here) and
 * the path; no file may exist there yet. */
static enum baro_chk_status may_enrol(struct enrol *e)
{
	struct passwd *res = NULL;
	enum baro_auth_verdict v;

	if (baro_config_load(&e->cfg, 0, NULL, e->lg) != BARO_CONFIG_OK)
		return BARO_CHK_UNAVAIL;
	if (!e->cfg.self_enrol)
		return refuse(e, BARO_CHK_ENROL_OFF,
			      "self_enrol is not set in the conf file");
	e->cfg.nullok = false;
	if (getpwnam_r(e->rq->user, &e->pw, e->pwbuf, sizeof(e->pwbuf), &res) !=
		    0 ||
	    res == NULL)
		return BARO_CHK_USER_UNKNOWN;
	baro_auth_init(&e->auth, &e->cfg, e->lg);
	e->auth.user = e->rq->user;
	e->auth.pw = &e->pw;
	e->auth.service = e->rq->service;
	e->auth.skip_is_require = true;
	v = baro_auth_prepare(&e->auth);
	if (v != BARO_AUTH_PROMPT)
		return (enum baro_chk_status)baro_chk_status(v, 0);
	if (!baro_store_missing(e->auth.path))
		return refuse(e, BARO_CHK_ENROL_EXISTS,
			      "a secret file exists (or its path is unusable)");
	return BARO_CHK_OK;
}

static bool new_key(struct enrol *e)
{
	return RAND_bytes(e->key, sizeof(e->key)) == 1 &&
	       baro_base32_encode(e->key, sizeof(e->key), e->b32,
				  sizeof(e->b32));
}

static bool show_key(const struct enrol *e)
{
	return dprintf(STDOUT_FILENO, "SECRET %s %s %u %u\n", e->b32,
		       baro_hash_name(BARO_SHA1), ENROL_DIGITS,
		       ENROL_CYCLE) > 0;
}

static bool code_right(struct enrol *e, const char *line)
{
	char code[BARO_CHK_INPUT_MAX];
	bool ok;

	ok = baro_code_normalise(line, code, sizeof(code)) &&
	     baro_totp_match(BARO_SHA1, e->key, sizeof(e->key),
			     (int64_t)time(NULL), ENROL_CYCLE, ENROL_DIGITS,
			     ENROL_WINDOW, code, &e->used) == 1;
	OPENSSL_cleanse(code, sizeof(code));
	return ok;
}

/* Up to ENROL_TRIES codes, each wrong one answered "WRONG" after the
 * failure delay. */
static enum baro_chk_status first_code(struct enrol *e)
{
	int64_t deadline = baro_monotonic_ms() + ENROL_WAIT_MS;
	char line[BARO_CHK_INPUT_MAX];
	enum baro_chk_status st = BARO_CHK_NO_CODE;
	int i;

	for (i = 0; i < ENROL_TRIES; i++) {
		if (!chk_read_line(line, sizeof(line), deadline))
			break;
		if (code_right(e, line)) {
			st = BARO_CHK_OK;
			break;
		}
		st = BARO_CHK_WRONG;
		baro_log(e->lg, LOG_ERR,
			 "Self-enrolment for %s: invalid verification code",
			 e->rq->user);
		chk_fail_delay();
		if (dprintf(STDOUT_FILENO, "WRONG\n") < 0)
			break;
	}
	OPENSSL_cleanse(line, sizeof(line));
	return st;
}

/* SECURE_KEY as the conf file says: plain base32, or sealed for the user
 * under the host key. */
static bool set_secure_key(struct enrol *e)
{
	struct baro_secret *s = &e->secret;
	uint8_t hostkey[BARO_HOSTKEY_LEN];
	bool ok;

	if (e->cfg.encrypt != BARO_ENCRYPT_YES) {
		memcpy(s->secure_key, e->b32, sizeof(e->b32));
		return true;
	}
	if (!baro_hostkey_load(e->cfg.keyfile, hostkey, e->lg))
		return false;
	ok = baro_seal(hostkey, e->rq->user, e->key, sizeof(e->key),
		       s->secure_key, sizeof(s->secure_key)) == BARO_SEAL_OK;
	OPENSSL_cleanse(hostkey, sizeof(hostkey));
	return ok;
}

/* baro-keygen create's defaults, with the first code's cycle used. */
static bool build_secret(struct enrol *e)
{
	struct baro_secret *s = &e->secret;

	baro_secret_init(s);
	s->method = BARO_SHA1;
	s->digits = ENROL_DIGITS;
	s->cycle_time = ENROL_CYCLE;
	s->window = ENROL_WINDOW;
	s->has_rate_limit = true;
	s->rate_count = ENROL_RATE_COUNT;
	s->rate_interval = ENROL_RATE_INTERVAL;
	s->disallow_reuse = true;
	s->used[0] = e->used;
	s->n_used = 1;
	return set_secure_key(e) && baro_secret_add_option_lines(s);
}

/* The user's own directory (the last one of the path), made 0700 root
 * inside a checked parent if it is not there. */
static bool make_user_dir(const char *path)
{
	char dir[PATH_MAX], base[256];
	const char *why = NULL;
	char *slash;
	int pfd = -1;
	bool ok;

	if (strlen(path) >= sizeof(dir))
		return false;
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return false;
	*slash = '\0';
	ok = baro_open_parent(dir, &pfd, base, sizeof(base), &why) ==
		     BARO_IO_OK &&
	     (mkdirat(pfd, base, 0700) == 0 || errno == EEXIST);
	if (pfd >= 0)
		close(pfd);
	return ok;
}

static enum baro_chk_status write_file(struct enrol *e)
{
	char base[256], *text = NULL;
	const char *why = NULL;
	size_t len = 0;
	int dirfd = -1;
	enum baro_io_err io = BARO_IO_OPEN;

	if (!build_secret(e))
		goto out;
	text = baro_secret_format(&e->secret, &len);
	if (text == NULL || !make_user_dir(e->auth.path) ||
	    baro_open_parent(e->auth.path, &dirfd, base, sizeof(base), &why) !=
		    BARO_IO_OK)
		goto out;
	io = baro_file_create_at(dirfd, base, text, len, false);
out:
	if (dirfd >= 0)
		close(dirfd);
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (io != BARO_IO_OK) {
		baro_log(e->lg, LOG_ERR,
			 "Self-enrolment for %s: cannot write %s[%s]",
			 e->rq->user, e->auth.path,
			 why != NULL ? why : strerror(errno));
		return BARO_CHK_UNAVAIL;
	}
	baro_log(e->lg, LOG_NOTICE, "Self-enrolment: %s created %s",
		 e->rq->user, e->auth.path);
	return BARO_CHK_OK;
}

static enum baro_chk_status run(struct enrol *e)
{
	enum baro_chk_status st = may_enrol(e);

	if (st != BARO_CHK_OK)
		return st;
	if (!new_key(e) || !show_key(e)) {
		baro_log(e->lg, LOG_ERR, "Self-enrolment for %s: no key made",
			 e->rq->user);
		return BARO_CHK_SYSTEM;
	}
	st = first_code(e);
	if (st == BARO_CHK_NO_CODE)
		baro_log(e->lg, LOG_ERR,
			 "Self-enrolment for %s: no code received",
			 e->rq->user);
	return st == BARO_CHK_OK ? write_file(e) : st;
}

enum baro_chk_status chk_enrol(const struct chk_request *rq,
			       struct baro_log *lg)
{
	struct enrol *e = calloc(1, sizeof(*e));
	enum baro_chk_status st;

	if (e == NULL)
		return BARO_CHK_SYSTEM;
	e->rq = rq;
	e->lg = lg;
	st = run(e);
	baro_auth_end(&e->auth);
	OPENSSL_cleanse(e, sizeof(*e));
	free(e);
	return st;
}
