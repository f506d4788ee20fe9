/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole pam_sm_authenticate path (src/module/pam_baro_auth.c and the
 * core) with libpam replaced by the functions below, which take their
 * answers from the input, and every failing call of the core and the
 * module wrapped (tests/fault/fault_wrap.c, -Wl,--wrap) so that any of
 * them fails when the input says so. The files are real: the secret, ACL,
 * conf and host key files of the input are written to a private
 * root-owned directory on a tmpfs before each run.
 *
 * Input:
 *   8 bytes:  files  (1 encrypt=yes, 2 acl=, 4 conf=, 16 PAM_SILENT,
 *                     32 secret file present, 64 host key present,
 *                     128 secret file mode 0644 instead of 0400)
 *             pam    (3: pam_get_user 0 ok, 1 PAM_CONV_AGAIN,
 *                     2 PAM_SYSTEM_ERR, 3 ok with NULL; 4 PAM_RHOST,
 *                     8 PAM_SERVICE, 16 PAM_AUTHTOK, 32 SSH_CONNECTION,
 *                     64 pam_set_item fails, 128 pam_get_item fails)
 *             conv   (3: 0/3 answer, 1 PAM_CONV_ERR, 2 NULL answer)
 *             now    (4 bytes LE, seconds after 1700000000)
 *             extra  (1 lock file exists, 2 a stale "secret~" exists)
 *   then, each up to a NUL: user, rhost, service, SSH_CONNECTION,
 *   authtok, answer 1, answer 2, extra module arguments (one a line),
 *   secret file, ACL file, conf file, host key file;
 *   the rest: the fault tape, one byte a wrapped call in call order:
 *   0 lets it through, for read/write 128+n shortens it to n%64+1 bytes,
 *   anything else fails it with an errno of the table.
 *
 * What every run must keep (else abort): the return code is one of the
 * module's; PAM_SUCCESS only with a safe secret file that parses, a
 * known user, no exceeded RATE_LIMIT and a typed TOTP or emergency code
 * that is right (checked here with the HOTP primitive); a success that
 * changes state has replaced the file; PAM_IGNORE only for an ACL, or for
 * nullok with no file (or one the tape made the system call it missing:
 * ENOENT on a component of its path); the secret file is afterwards the
 * old bytes or a file that parses with the same key; no temporary file
 * and no descriptor is left behind; every open uses O_CLOEXEC and
 * O_NOFOLLOW.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "../fault/fault_wrap.h"
#include "baro/base32.h"
#include "baro/clock.h"
#include "baro/config.h"
#include "baro/seal.h"
#include "baro/secret.h"
#include "baro/totp.h"
#include "baro/util.h"
#include "baro/verify.h"
#include "fuzz_common.h"

#define T0 1700000000LL
#define MAX_ARGS 24
#define NAME_SECRET "secret"

enum { F_ENCRYPT = 1, F_ACL = 2, F_CONF = 4, F_SILENT = 16, F_SECRET = 32,
       F_HOSTKEY = 64, F_UNSAFE = 128 };
enum { P_USER_MODE = 3, P_RHOST = 4, P_SERVICE = 8, P_AUTHTOK = 16,
       P_SSH = 32, P_SET_FAILS = 64, P_GET_FAILS = 128 };
enum { X_LOCK = 1, X_STALE = 2 };

struct run {
	uint8_t files, pam, conv, extra;
	int64_t now;
	char *user, *rhost, *service, *ssh, *authtok, *answer[2], *args;
	char *secret, *acl, *conf, *hostkey;
	const uint8_t *tape;
	size_t tape_len, tape_pos;
	bool armed;
	char *item_authtok; /* what the module set as PAM_AUTHTOK */
	int n_prompts;
	unsigned delay_usec; /* pam_fail_delay() */
	const void *accepted; /* pam_set_data() */
	/* The tape made an open or stat of the secret's path say ENOENT:
	 * for the module the file is then missing, as it would be if the
	 * directory holding it were renamed away (by root) at that moment. */
	bool secret_enoent;
};

static struct run R;

/* --- the fault tape --- */

static const int errnos[] = { EIO,    ENOSPC, EACCES, EINTR,  EAGAIN,
			      ENOENT, EEXIST, ELOOP,  EPERM,  EROFS,
			      EDQUOT, ENOMEM, EMFILE, ESTALE, ENOTDIR,
			      EISDIR, ERANGE, ETIMEDOUT };

static const char *fz_file(char *out, size_t n, const char *name);

/* Whether call c on name looks up a component of the secret file's path
 * ("/", each directory, the file). */
static bool on_secret_path(enum fault_call c, const char *name)
{
	char path[256];
	const char *p;
	size_t n;

	if ((c != FC_open && c != FC_openat && c != FC_fstatat) ||
	    name == NULL)
		return false;
	if (strcmp(name, "/") == 0)
		return true;
	n = strlen(name);
	for (p = fz_file(path, sizeof(path), NAME_SECRET) + 1; *p != '\0'; p++)
		if (p[-1] == '/' && strncmp(p, name, n) == 0 &&
		    (p[n] == '/' || p[n] == '\0'))
			return true;
	return false;
}

struct fault_action fault_decide(enum fault_call c, const char *name)
{
	struct fault_action a = { 0, 0 };
	uint8_t b;

	(void)name;
	if (!R.armed || R.tape_pos >= R.tape_len)
		return a;
	b = R.tape[R.tape_pos++];
	if (b == 0)
		return a;
	if ((c == FC_read || c == FC_write) && (b & 0x80)) {
		a.short_len = (size_t)(b % 64) + 1;
		return a;
	}
	a.err = errnos[b % (sizeof(errnos) / sizeof(errnos[0]))];
	if (a.err == ENOENT && on_secret_path(c, name))
		R.secret_enoent = true;
	return a;
}

void fault_violation(enum fault_call c, const char *what, const char *name)
{
	if (!R.armed)
		return;
	fprintf(stderr, "%s: %s (%s)\n", fault_call_names[c], what,
		name != NULL ? name : "");
	fz_fail("open rule broken");
}

/* flock() is polled with a pause; a tape of failures must not sleep. */
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem);
int __wrap_nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)req;
	(void)rem;
	return 0;
}

char *__real_strdup(const char *s);

/* --- libpam, answered from the input --- */

int64_t baro_clock_now(void)
{
	return R.now;
}

/* store=pgsql in a fuzzed line loads nothing: no network while fuzzing. */
const char *baro_fleet_backend(void);
const char *baro_fleet_backend(void)
{
	return "/nonexistent/pam_baro_auth_fleet.so";
}

FZ_EXPORT int pam_get_user(pam_handle_t *pamh, const char **user,
			   const char *prompt)
{
	(void)pamh;
	(void)prompt;
	switch (R.pam & P_USER_MODE) {
	case 1:
		return PAM_CONV_AGAIN;
	case 2:
		return PAM_SYSTEM_ERR;
	case 3:
		*user = NULL;
		return PAM_SUCCESS;
	default:
		*user = R.user;
		return PAM_SUCCESS;
	}
}

FZ_EXPORT int pam_get_item(const pam_handle_t *pamh, int type,
			   const void **item)
{
	(void)pamh;
	*item = NULL;
	if (R.pam & P_GET_FAILS)
		return PAM_BAD_ITEM;
	if (type == PAM_RHOST && (R.pam & P_RHOST))
		*item = R.rhost;
	else if (type == PAM_SERVICE && (R.pam & P_SERVICE))
		*item = R.service;
	else if (type == PAM_AUTHTOK)
		*item = R.item_authtok != NULL ? R.item_authtok
		      : (R.pam & P_AUTHTOK) ? R.authtok : NULL;
	return PAM_SUCCESS;
}

FZ_EXPORT int pam_set_item(pam_handle_t *pamh, int type, const void *item)
{
	(void)pamh;
	if (R.pam & P_SET_FAILS)
		return PAM_BUF_ERR;
	if (type != PAM_AUTHTOK)
		fz_fail("the module sets an item other than PAM_AUTHTOK");
	if (R.item_authtok != NULL)
		baro_free_secret(R.item_authtok);
	R.item_authtok = item != NULL ? __real_strdup(item) : NULL;
	return PAM_SUCCESS;
}

/* libpam's NSS helpers keep their buffers in the handle; here the
 * plain calls do (the fuzzer's handle is not libpam's). */
FZ_EXPORT struct passwd *pam_modutil_getpwnam(pam_handle_t *pamh,
					      const char *user)
{
	(void)pamh;
	return getpwnam(user);
}

FZ_EXPORT struct passwd *pam_modutil_getpwuid(pam_handle_t *pamh, uid_t uid)
{
	(void)pamh;
	return getpwuid(uid);
}

FZ_EXPORT int pam_fail_delay(pam_handle_t *pamh, unsigned int usec)
{
	(void)pamh;
	R.delay_usec = usec;
	return PAM_SUCCESS;
}

FZ_EXPORT int pam_set_data(pam_handle_t *pamh, const char *name, void *data,
			   void (*cleanup)(pam_handle_t *, void *, int))
{
	(void)pamh;
	(void)name;
	(void)cleanup;
	R.accepted = data;
	return PAM_SUCCESS;
}

FZ_EXPORT int pam_get_data(const pam_handle_t *pamh, const char *name,
			   const void **data)
{
	(void)pamh;
	(void)name;
	*data = R.accepted;
	return R.accepted != NULL ? PAM_SUCCESS : PAM_NO_MODULE_DATA;
}

FZ_EXPORT int pam_putenv(pam_handle_t *pamh, const char *name_value)
{
	(void)pamh;
	FZ_CHECK(strncmp(name_value, "PAM_BARO_AUTH_ACCEPTED", 22) == 0);
	return PAM_SUCCESS;
}

FZ_EXPORT const char *pam_getenv(pam_handle_t *pamh, const char *name)
{
	(void)pamh;
	if (strcmp(name, "SSH_CONNECTION") == 0 && (R.pam & P_SSH))
		return R.ssh;
	return NULL;
}

FZ_EXPORT int pam_vprompt(pam_handle_t *pamh, int style, char **response,
			  const char *fmt, va_list ap)
{
	char text[1024];
	const char *answer;

	(void)pamh;
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		fz_fail("prompt does not format");
	if (style == PAM_ERROR_MSG || style == PAM_TEXT_INFO) {
		FZ_CHECK(response == NULL);
		FZ_CHECK(!(R.files & F_SILENT));
		return PAM_SUCCESS;
	}
	FZ_CHECK(style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON);
	FZ_CHECK(response != NULL && text[0] != '\0');
	*response = NULL;
	answer = R.answer[R.n_prompts < 2 ? R.n_prompts : 1];
	R.n_prompts++;
	switch (R.conv & 3) {
	case 1:
		return PAM_CONV_ERR;
	case 2:
		return PAM_SUCCESS;
	default:
		*response = __real_strdup(answer);
		return *response != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	}
}

FZ_EXPORT int pam_prompt(pam_handle_t *pamh, int style, char **response,
			 const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pam_vprompt(pamh, style, response, fmt, ap);
	va_end(ap);
	return rc;
}

/* --- the oracle --- */

static const char *fz_file(char *out, size_t n, const char *name)
{
	fz_path(out, n, name);
	return out;
}

/* Keep only the digits, in order. */
static void digits_of(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *in != '\0' && n + 1 < outsz; in++)
		if (*in >= '0' && *in <= '9')
			out[n++] = *in;
	out[n] = '\0';
}

static bool key_of(const struct baro_secret *s, uint8_t *key, size_t *keylen)
{
	uint8_t hostkey[BARO_HOSTKEY_LEN];

	if (!(R.files & F_ENCRYPT))
		return !baro_secret_is_sealed(s) &&
		       baro_base32_decode(s->secure_key, key, BARO_KEY_MAX,
					  keylen);
	return (R.files & F_HOSTKEY) &&
	       baro_hostkey_parse(R.hostkey, strlen(R.hostkey), hostkey) &&
	       baro_unseal(hostkey, R.user, s->secure_key, key, BARO_KEY_MAX,
			   keylen) == BARO_SEAL_OK;
}

/* Does a right TOTP (any counter of the window) or an unused emergency
 * code stand, as consecutive digits, in what the user could have typed? */
static bool typed_a_right_code(const struct baro_secret *s)
{
	static const unsigned p10[] = { 1000000, 10000000, 100000000 };
	const char *typed[3] = { R.answer[0], R.answer[1],
				 (R.pam & P_AUTHTOK) ? R.authtok : "" };
	uint8_t key[BARO_KEY_MAX], h[BARO_EMERGENCY_HASH_LEN];
	char digits[600], want[16];
	size_t keylen = 0, i, j, k;
	int64_t c, counter = R.now / s->cycle_time;
	uint32_t v;
	bool found = false;

	if (!key_of(s, key, &keylen))
		return false;
	for (i = 0; i < 3 && !found; i++) {
		digits_of(typed[i], digits, sizeof(digits));
		for (c = counter - (int64_t)(s->window - 1) / 2;
		     c <= counter + s->window / 2 && !found; c++) {
			if (c < 0 || !baro_hotp(s->method, key, keylen,
						(uint64_t)c, s->digits, &v))
				continue;
			snprintf(want, sizeof(want), "%0*u", (int)s->digits,
				 v % p10[s->digits - 6]);
			found = strstr(digits, want) != NULL;
		}
		for (j = 0; !found && strlen(digits) >= 8 &&
			    j + 8 <= strlen(digits); j++) {
			memcpy(want, digits + j, 8);
			want[8] = '\0';
			if (!baro_emergency_hash(key, keylen, want, h))
				continue;
			for (k = 0; k < s->n_emergency; k++)
				found |= memcmp(h, s->emergency[k], sizeof(h)) == 0;
		}
	}
	OPENSSL_cleanse(key, sizeof(key));
	return found;
}

/* RATE_LIMIT already reached at R.now (attempts inside the interval). */
static bool rate_limit_reached(const struct baro_secret *s)
{
	size_t i, kept = 0;

	if (!s->has_rate_limit)
		return false;
	for (i = 0; i < s->n_rate_ts; i++)
		if (s->rate_ts[i] > R.now - (int64_t)s->rate_interval &&
		    s->rate_ts[i] <= R.now + (int64_t)s->rate_interval)
			kept++;
	return kept >= s->rate_count;
}

static bool user_known(void)
{
	struct passwd pw, *res = NULL;
	char buf[16384];

	return (R.pam & P_USER_MODE) == 0 && baro_user_name_ok(R.user) &&
	       getpwnam_r(R.user, &pw, buf, sizeof(buf), &res) == 0 &&
	       res != NULL;
}

/* Nothing named "secret~…" but the stale file planted by the input. */
static bool no_temporary_left(void)
{
	DIR *d = opendir(fz_dir());
	struct dirent *de;
	bool clean = true;

	if (d == NULL)
		fz_fail("opendir");
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, NAME_SECRET "~", 7) == 0 &&
		    !((R.extra & X_STALE) && strcmp(de->d_name, NAME_SECRET "~") == 0))
			clean = false;
	closedir(d);
	return clean;
}

static struct baro_secret before, after;

static void check_result(int rc, const char *old, size_t oldlen,
			 const struct stat *old_st, bool nullok)
{
	char path[256];
	struct stat st;
	size_t len = 0;
	char *now = fz_read(fz_file(path, sizeof(path), NAME_SECRET), &len);
	bool parsed = (R.files & F_SECRET) &&
		      baro_secret_parse(old, oldlen, &before) == BARO_PARSE_OK;

	FZ_CHECK(rc == PAM_SUCCESS || rc == PAM_AUTH_ERR ||
		 rc == PAM_USER_UNKNOWN || rc == PAM_IGNORE ||
		 rc == PAM_PERM_DENIED || rc == PAM_AUTHINFO_UNAVAIL ||
		 rc == PAM_SYSTEM_ERR || rc == PAM_BUF_ERR ||
		 rc == PAM_INCOMPLETE);
	if (rc == PAM_IGNORE)
		FZ_CHECK((R.files & F_ACL) ||
			 (nullok && (!(R.files & F_SECRET) || R.secret_enoent)));
	if (rc == PAM_SUCCESS) {
		FZ_CHECK(parsed && !(R.files & F_UNSAFE) && user_known());
		FZ_CHECK(!rate_limit_reached(&before));
		FZ_CHECK(typed_a_right_code(&before));
		FZ_CHECK(fz_log_contains("code accepted for user"));
	}
	/* The file: the old bytes, or a whole new version. */
	if (R.files & F_SECRET) {
		FZ_CHECK(now != NULL);
		if (len != oldlen || memcmp(now, old, len) != 0) {
			FZ_CHECK(baro_secret_parse(now, len, &after) ==
				 BARO_PARSE_OK);
			FZ_CHECK(strcmp(after.secure_key, before.secure_key) == 0);
		}
		FZ_CHECK(stat(path, &st) == 0);
		if (rc == PAM_SUCCESS &&
		    (before.has_rate_limit || before.disallow_reuse ||
		     fz_log_contains("emergency authentication key : verification code accepted")))
			FZ_CHECK(st.st_ino != old_st->st_ino);
	}
	FZ_CHECK(no_temporary_left());
	free(now);
}

/* --- one run --- */

/* No argument may name a path outside the private directory: a module
 * given secret=/etc/passwd would put its lock file beside it. */
static void defuse_paths(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '/' || *s == '~' || *s == '$')
			*s = '_';
}

static int build_argv(const char **argv, char store[][300])
{
	static const char *const names[] = { "secret=", "keyfile=", "acl=",
					     "conf=" };
	static const char *const files[] = { NAME_SECRET, "host.key", "acl",
					     "conf" };
	int argc = 0, i;
	char *p, *nl;

	for (i = 0; i < 4; i++) {
		if ((i == 2 && !(R.files & F_ACL)) || (i == 3 && !(R.files & F_CONF)))
			continue;
		strcpy(store[i], names[i]);
		fz_path(store[i] + strlen(names[i]), 300 - strlen(names[i]),
			files[i]);
		argv[argc++] = store[i];
	}
	argv[argc++] = (R.files & F_ENCRYPT) ? "encrypt=yes" : "encrypt=no";
	defuse_paths(R.args);
	for (p = R.args; argc < MAX_ARGS && p != NULL && *p != '\0'; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		argv[argc++] = p;
	}
	argv[argc] = NULL;
	return argc;
}

static void write_files(void)
{
	fz_dir_clear();
	if (R.files & F_SECRET)
		fz_write(NAME_SECRET, R.secret, strlen(R.secret),
			 (R.files & F_UNSAFE) ? 0644 : 0400);
	if (R.files & F_ACL)
		fz_write("acl", R.acl, strlen(R.acl), 0444);
	if (R.files & F_CONF) {
		defuse_paths(R.conf);
		fz_write("conf", R.conf, strlen(R.conf), 0644);
	}
	if (R.files & F_HOSTKEY)
		fz_write("host.key", R.hostkey, strlen(R.hostkey), 0400);
	if (R.extra & X_LOCK)
		fz_write(NAME_SECRET ".lock", "", 0, 0600);
	if (R.extra & X_STALE)
		fz_write(NAME_SECRET "~", "stale", 5, 0400);
}

static void read_input(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };

	memset(&R, 0, sizeof(R));
	R.files = fz_u8(&in);
	R.pam = fz_u8(&in);
	R.conv = fz_u8(&in);
	R.now = T0 + (int64_t)fz_u32(&in);
	R.extra = fz_u8(&in);
	R.user = fz_field(&in);
	R.rhost = fz_field(&in);
	R.service = fz_field(&in);
	R.ssh = fz_field(&in);
	R.authtok = fz_field(&in);
	R.answer[0] = fz_field(&in);
	R.answer[1] = fz_field(&in);
	R.args = fz_field(&in);
	R.secret = fz_field(&in);
	R.acl = fz_field(&in);
	R.conf = fz_field(&in);
	R.hostkey = fz_field(&in);
	R.tape = in.p;
	R.tape_len = in.n;
}

static void free_input(void)
{
	char **s[] = { &R.user,    &R.rhost,     &R.service, &R.ssh,
		       &R.authtok, &R.answer[0], &R.answer[1], &R.args,
		       &R.secret,  &R.acl,       &R.conf,    &R.hostkey,
		       &R.item_authtok };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

/* The configuration the module ran with (the conf file is still there). */
static bool effective_nullok(int argc, const char **argv)
{
	static struct baro_config cfg;
	struct baro_log lg = { .pamh = fz_pamh };

	return baro_config_load(&cfg, argc, argv, &lg) == BARO_CONFIG_OK &&
	       cfg.nullok;
}

/* nodelay as the module reads it: on the line or in the conf file. A
 * configuration that does not load asks for the delay anyway. */
static bool effective_nodelay(int argc, const char **argv)
{
	static struct baro_config cfg;
	struct baro_log lg = { .pamh = fz_pamh };

	return baro_config_load(&cfg, argc, argv, &lg) == BARO_CONFIG_OK &&
	       cfg.nodelay;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char store[4][300];
	const char *argv[MAX_ARGS + 1];
	char path[256];
	struct stat old_st = { 0 };
	int argc, rc, fds;

	read_input(data, size);
	write_files();
	if (R.files & F_SECRET)
		FZ_CHECK(stat(fz_file(path, sizeof(path), NAME_SECRET), &old_st) == 0);
	argc = build_argv(argv, store);
	fz_log_clear();
	fds = fz_count_fds();
	R.armed = true;
	rc = pam_sm_authenticate(fz_pamh, (R.files & F_SILENT) ? PAM_SILENT : 0,
				 argc, argv);
	R.armed = false;
	FZ_CHECK(fz_count_fds() == fds);
	/* Every failure is answered after the fail delay, unless asked not
	 * to (nodelay on the line or in the conf file). */
	if (rc != PAM_SUCCESS && rc != PAM_IGNORE &&
	    !effective_nodelay(argc, argv))
		FZ_CHECK(R.delay_usec == 2000000);
	check_result(rc, R.secret, strlen(R.secret), &old_st,
		     effective_nullok(argc, argv));
	FZ_CHECK(pam_sm_setcred(fz_pamh, 0, argc, argv) == PAM_SUCCESS);
	free_input();
	return 0;
}
