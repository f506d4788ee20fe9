/* SPDX-License-Identifier: BSD-3-Clause */
/* Fault injection through libpam: a login that rewrites state (RATE_LIMIT
 * and DISALLOW_REUSE, or a consumed emergency code) with each wrapped call
 * of the module failing in turn (pam_baro_auth_fault.so, see
 * fault_env.c): allocation, open, read, write, close, fsync, fstat,
 * rename, flock, fchown, the NSS look-ups, OpenSSL's HMAC (emergency
 * codes) and the TOTP window's HMAC context (EVP_MAC). Afterwards
 * the secret file is byte for byte one of the versions the login can
 * write, no temporary file is left, and the login succeeded only if the
 * failure did not matter (the whole new state is on disk). Then the §7
 * message of each kind of failure, exactly, and a full file system. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "pamtest.h"

#define T0 1700000000LL
#define EMERGENCY "12345678"
#define MAX_CALLS 32
#define TEXT_MAX 4096

struct ctx {
	struct pt_env env;
	char dir[PATH_MAX];
	char secret[PATH_MAX];
	char report[PATH_MAX];
	char old[TEXT_MAX];     /* the file before every login */
	char code[16];          /* right TOTP code at T0 */
	char mnt[PATH_MAX];     /* a tmpfs mounted by the test, or "" */
};

/* What one login did: its result, the file after, the module's report. */
struct outcome {
	int rc;
	char text[TEXT_MAX];
	size_t n_calls;
	char call[MAX_CALLS][32];
	unsigned long count[MAX_CALLS];
	bool hit;
	bool violation;
};

static bool have_mount_ns;
static const char *const secret_and_lock[] = { ".baro_auth", ".baro_auth.lock",
					       NULL };
static const char *const secret_only[] = { ".baro_auth", NULL };

static int setup(void **state)
{
	static struct ctx c;
	char em[128], conf[PATH_MAX], tail[256];

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "secrets", c.dir, sizeof(c.dir));
	pt_path(&c.env, "report", c.report, sizeof(c.report));
	pt_path(&c.env, "none.conf", conf, sizeof(conf));
	pt_write(conf, "", 0644);
	pt_emergency_line(EMERGENCY, em, sizeof(em));
	pt_format(tail, sizeof(tail),
		  "# state below\n"
		  "DISALLOW_REUSE 56666665\nRATE_LIMIT 5 60 1699999990\n%s",
		  em);
	pt_secret_text(c.old, sizeof(c.old), tail);
	pt_code(T0, c.code, sizeof(c.code));
	pt_service(&c.env, "baro-test",
		   "auth required " BARO_FAULT_MODULE " conf=%s secret=%s encrypt=no\n",
		   conf, c.secret);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unsetenv("BARO_FAULT");
	unsetenv("BARO_FAULT_REPORT");
	if (c->mnt[0] != '\0' && umount2(c->mnt, MNT_DETACH) != 0)
		fprintf(stderr, "could not unmount %s: %m\n", c->mnt);
	pt_teardown(&c->env);
	return 0;
}

static void read_report(const struct ctx *c, struct outcome *o)
{
	char *text = pt_read(c->report);
	char *tok, *save = NULL, *eq;

	assert_non_null(text);
	o->n_calls = 0;
	o->hit = strstr(text, "\nhit=1\n") != NULL;
	o->violation = strstr(text, "violation:") != NULL;
	if (o->violation)
		fprintf(stderr, "%s", text);
	text[strcspn(text, "\n")] = '\0';
	for (tok = strtok_r(text, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		assert_non_null(eq);
		assert_true(o->n_calls < MAX_CALLS);
		*eq = '\0';
		pt_format(o->call[o->n_calls], sizeof(o->call[0]), "%s", tok);
		o->count[o->n_calls++] = strtoul(eq + 1, NULL, 10);
	}
	free(text);
}

/* One login at T0 typing code, from the original file, with fault
 * ("CALL:N[:ERRNO[:TEXT]]") or none. */
static void login(struct ctx *c, const char *code, const char *fault,
		  struct outcome *o)
{
	struct pt_run r = { .user = PT_USER, .responses = { code } };
	char *text;
	int fds;

	pt_write(c->secret, c->old, 0400);
	if (fault != NULL)
		setenv("BARO_FAULT", fault, 1);
	else
		unsetenv("BARO_FAULT");
	setenv("BARO_FAULT_REPORT", c->report, 1);
	unlink(c->report);
	pt_set_now(T0);
	pt_log_clear();
	fds = pt_count_fds();
	o->rc = pt_login(&c->env, &r);
	/* No failure path leaves a descriptor open in the caller. */
	assert_int_equal(pt_count_fds(), fds);
	text = pt_read(c->secret);
	assert_non_null(text);
	pt_format(o->text, sizeof(o->text), "%s", text);
	free(text);
	read_report(c, o);
	assert_false(o->violation);
}

/* The file a failed rewrite leaves: 0400 root, one link, nothing beside
 * it but the lock file. */
static bool lock_made(const struct ctx *c)
{
	char lock[PATH_MAX + 32];
	struct stat st;

	pt_format(lock, sizeof(lock), "%s/.baro_auth.lock", c->dir);
	return lstat(lock, &st) == 0;
}

static void assert_sound_file(const struct ctx *c)
{
	struct stat st;

	assert_int_equal(lstat(c->secret, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_nlink, 1);
	/* The lock file is created once the file was read and found to hold
	 * state: a failure before that leaves none. */
	pt_assert_dir_holds(c->dir, lock_made(c) ? secret_and_lock
						  : secret_only);
}

struct scenario {
	const char *name;
	const char *code;
	bool right;
};

struct tally {
	unsigned injected, irrelevant, failed_closed;
};

/* Fail the nth call of one kind during the scenario's login. */
static void inject(struct ctx *c, const struct scenario *sc,
		   const struct outcome *success, const struct outcome *attempt,
		   const char *call, unsigned long nth, struct tally *t)
{
	struct outcome o;
	char fault[64];

	pt_format(fault, sizeof(fault), "%s:%lu", call, nth);
	login(c, sc->code, fault, &o);
	if (!o.hit)
		fail_msg("%s %s: the fault did not fire", sc->name, fault);
	t->injected++;
	assert_int_not_equal(o.rc, PAM_IGNORE);
	assert_true(o.rc == PAM_SUCCESS || o.rc == PAM_AUTH_ERR ||
		    o.rc == PAM_AUTHINFO_UNAVAIL || o.rc == PAM_SYSTEM_ERR ||
		    o.rc == PAM_BUF_ERR || o.rc == PAM_USER_UNKNOWN);
	if (o.rc == PAM_SUCCESS) {
		/* Only when the failure did not matter: the whole update. */
		if (!sc->right || strcmp(o.text, success->text) != 0) {
			pt_log_dump();
			fail_msg("%s %s: PAM_SUCCESS with file\n%s", sc->name,
				 fault, o.text);
		}
		assert_true(pt_log_contains("verification code accepted for user nobody"));
		t->irrelevant++;
	} else {
		assert_false(pt_log_contains("code accepted"));
		t->failed_closed++;
	}
	/* The old file, the whole new one, or the attempt only counted. */
	if (strcmp(o.text, c->old) != 0 && strcmp(o.text, success->text) != 0 &&
	    strcmp(o.text, attempt->text) != 0)
		fail_msg("%s %s: half-written file\n%s", sc->name, fault, o.text);
	assert_sound_file(c);
}

static void every_failure_in_turn(struct ctx *c, const struct scenario *sc,
				  const struct outcome *attempt)
{
	struct outcome base;
	struct tally t = { 0, 0, 0 };
	size_t i;
	unsigned long k;

	login(c, sc->code, NULL, &base);
	assert_int_equal(base.rc, sc->right ? PAM_SUCCESS : PAM_AUTH_ERR);
	assert_string_not_equal(base.text, c->old);
	for (i = 0; i < base.n_calls; i++)
		for (k = 1; k <= base.count[i]; k++)
			inject(c, sc, &base, attempt, base.call[i], k, &t);
	fprintf(stderr,
		"%s: %u failures injected: %u failed closed, %u did not matter\n",
		sc->name, t.injected, t.failed_closed, t.irrelevant);
	assert_true(t.failed_closed > 0);
}

static void wrong_code_attempt(struct ctx *c, struct outcome *attempt)
{
	login(c, "000000", NULL, attempt);
	assert_int_equal(attempt->rc, PAM_AUTH_ERR);
}

static void totp_login_survives_every_single_failure(void **state)
{
	struct ctx *c = *state;
	struct scenario sc = { "totp", c->code, true };
	struct outcome attempt;

	wrong_code_attempt(c, &attempt);
	every_failure_in_turn(c, &sc, &attempt);
}

static void emergency_login_survives_every_single_failure(void **state)
{
	struct ctx *c = *state;
	struct scenario sc = { "emergency", EMERGENCY, true };
	struct outcome attempt;

	wrong_code_attempt(c, &attempt);
	every_failure_in_turn(c, &sc, &attempt);
}

static void wrong_code_never_succeeds_under_any_single_failure(void **state)
{
	struct ctx *c = *state;
	struct scenario sc = { "wrong", "000000", false };
	struct outcome attempt;

	wrong_code_attempt(c, &attempt);
	every_failure_in_turn(c, &sc, &attempt);
}

/* --- the §7 message of each kind of failure --- */

/* A right code whose use cannot be recorded fails closed, file as it was. */
static void assert_failed_closed(const struct ctx *c, const struct outcome *o,
				 const char *fault)
{
	if (!o->hit)
		fail_msg("%s did not fire", fault);
	assert_int_equal(o->rc, PAM_AUTH_ERR);
	assert_false(pt_log_contains("code accepted"));
	assert_sound_file(c);
}

static void tmp_write_failure_logs_create_tmp(void **state)
{
	struct ctx *c = *state;
	struct outcome o;

	login(c, c->code, "write:1:ENOSPC", &o);
	assert_failed_closed(c, &o, "write");
	assert_string_equal(o.text, c->old);
	pt_assert_log("Failed to create tmp secret file[No space left on device]");
	login(c, c->code, "fsync:1:EIO", &o);
	assert_failed_closed(c, &o, "fsync");
	assert_string_equal(o.text, c->old);
	pt_assert_log("Failed to create tmp secret file[Input/output error]");
}

static void tmp_open_failure_logs_open_tmp(void **state)
{
	struct ctx *c = *state;
	struct outcome o;

	login(c, c->code, "openat:1:EACCES:~", &o);
	assert_failed_closed(c, &o, "openat ~");
	assert_string_equal(o.text, c->old);
	pt_assert_log("Failed to open tmp secret file %s~[Permission denied]",
		      c->secret);
}

static void rename_failure_logs_update_and_keeps_old_file(void **state)
{
	struct ctx *c = *state;
	struct outcome o;

	login(c, c->code, "renameat2:1:EIO", &o);
	assert_failed_closed(c, &o, "renameat2");
	assert_string_equal(o.text, c->old);
	pt_assert_log("Failed to update secret file %s[Input/output error]",
		      c->secret);
}

/* The rename is done when the directory fsync fails: the new file stays,
 * but a use whose durability is unknown does not log anyone in. */
static void directory_fsync_failure_logs_update_and_fails(void **state)
{
	struct ctx *c = *state;
	struct outcome good, o;

	login(c, c->code, NULL, &good);
	login(c, c->code, "fsync:2:EIO", &o);
	assert_failed_closed(c, &o, "fsync 2");
	assert_string_equal(o.text, good.text);
	pt_assert_log("Failed to update secret file %s[Input/output error]",
		      c->secret);
}

static unsigned long calls_of(const struct outcome *o, const char *call)
{
	size_t i;

	for (i = 0; i < o->n_calls; i++)
		if (strcmp(o->call[i], call) == 0)
			return o->count[i];
	fail_msg("no call %s in the report", call);
	return 0;
}

/* The last allocation of a rewriting login is the new file's buffer. */
static void allocation_failure_logs_update_memory(void **state)
{
	struct ctx *c = *state;
	struct outcome base, o;
	char fault[32];

	login(c, c->code, NULL, &base);
	pt_format(fault, sizeof(fault), "malloc:%lu",
		  calls_of(&base, "malloc"));
	login(c, c->code, fault, &o);
	assert_failed_closed(c, &o, fault);
	assert_string_equal(o.text, c->old);
	pt_assert_log("Failed to allocate memory when updating %s", c->secret);
}

static void read_failure_logs_could_not_read(void **state)
{
	struct ctx *c = *state;
	struct outcome o;

	login(c, c->code, "read:1:EIO", &o);
	assert_true(o.hit);
	assert_int_equal(o.rc, PAM_AUTHINFO_UNAVAIL);
	assert_string_equal(o.text, c->old);
	pt_assert_log("Could not read %s", c->secret);
	assert_sound_file(c);
}

/* The HMAC of the TOTP window failing: its context not allocated, its
 * key not set, or the last counter's HMAC (after the right code has
 * matched the current counter) fails the login all the same. */
static void hmac_failure_logs_code_generation_failed(void **state)
{
	struct ctx *c = *state;
	struct outcome attempt, base, o;
	char last[64];
	const char *faults[] = { "EVP_MAC_CTX_new:1", "EVP_MAC_init:1", last };
	size_t i;

	wrong_code_attempt(c, &attempt);
	login(c, c->code, NULL, &base);
	assert_int_equal(base.rc, PAM_SUCCESS);
	/* The key, then one per counter of the window (3 by default). */
	assert_int_equal(calls_of(&base, "EVP_MAC_init"), 1 + 3);
	pt_format(last, sizeof(last), "EVP_MAC_init:%lu",
		  calls_of(&base, "EVP_MAC_init"));
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		login(c, c->code, faults[i], &o);
		assert_true(o.hit);
		assert_int_equal(o.rc, PAM_SYSTEM_ERR);
		pt_assert_log("Verification code generation failed.[HMAC failure]");
		assert_false(pt_log_contains("code accepted"));
		/* The attempt still counts against RATE_LIMIT, nothing more. */
		assert_string_equal(o.text, attempt.text);
		assert_sound_file(c);
	}
}

/* A failing lock fails the login at once with its message. */
static void lock_failure_logs_and_fails_closed(void **state)
{
	struct ctx *c = *state;
	struct outcome o;

	login(c, c->code, "flock:1:EIO", &o);
	assert_true(o.hit);
	assert_int_equal(o.rc, PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Failed to lock secret file %s[Input/output error]",
		      c->secret);
	assert_string_equal(o.text, c->old);
}

/* --- a full file system --- */

static void mount_small_tmpfs(struct ctx *c)
{
	char filler[PATH_MAX], lock[PATH_MAX];
	static const char block[4096];
	size_t chunk = sizeof(block);
	int fd;

	if (!have_mount_ns) {
		fprintf(stderr, "no private mount namespace: skipped\n");
		skip();
	}
	pt_path(&c->env, "mnt", c->mnt, sizeof(c->mnt));
	pt_mkdir(c->mnt, 0700);
	if (mount("tmpfs", c->mnt, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=64k,mode=0700") != 0) {
		fprintf(stderr, "mount tmpfs: %m: skipped\n");
		c->mnt[0] = '\0';
		skip();
	}
	pt_format(c->dir, sizeof(c->dir), "%s", c->mnt);
	pt_format(c->secret, sizeof(c->secret), "%s/.baro_auth", c->mnt);
	pt_format(lock, sizeof(lock), "%s/.baro_auth.lock", c->mnt);
	pt_format(filler, sizeof(filler), "%s/filler", c->mnt);
	pt_write(c->secret, c->old, 0400);
	pt_write(lock, "", 0600);
	fd = open(filler, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (chunk > 0)
		if (write(fd, block, chunk) < 0) {
			assert_int_equal(errno, ENOSPC);
			chunk /= 2;
		}
	assert_int_equal(close(fd), 0);
}

static void use_test_module(struct ctx *c)
{
	char args[PATH_MAX + 64];

	pt_format(args, sizeof(args), "secret=%s encrypt=no", c->secret);
	pt_simple_service(&c->env, args);
}

static int plain_login(struct ctx *c, const char *code)
{
	struct pt_run r = { .user = PT_USER, .responses = { code } };

	pt_set_now(T0);
	pt_log_clear();
	return pt_login(&c->env, &r);
}

static void assert_text(const char *path, const char *want)
{
	char *text = pt_read(path);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

/* Full disk: every login that must record state fails closed with the
 * §7 line and the old file; one that records nothing still works; once
 * there is room again the same code logs in. */
static void full_file_system_fails_closed_until_space_returns(void **state)
{
	static const char *const left[] = { ".baro_auth", ".baro_auth.lock",
					    "filler", NULL };
	struct ctx *c = *state;
	const char *const codes[] = { c->code, EMERGENCY, "000000" };
	char filler[PATH_MAX];
	size_t i;

	mount_small_tmpfs(c);
	use_test_module(c);
	for (i = 0; i < 3; i++) {
		assert_int_not_equal(plain_login(c, codes[i]), PAM_SUCCESS);
		pt_assert_log("Failed to create tmp secret file[No space left on device]");
		assert_false(pt_log_contains("code accepted"));
		assert_text(c->secret, c->old);
		pt_assert_dir_holds(c->mnt, left);
	}
	pt_write_secret(c->secret, "");
	assert_int_equal(plain_login(c, c->code), PAM_SUCCESS);
	pt_write(c->secret, c->old, 0400);
	pt_format(filler, sizeof(filler), "%s/filler", c->mnt);
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(plain_login(c, c->code), PAM_SUCCESS);
	assert_int_equal(plain_login(c, c->code), PAM_AUTH_ERR); /* reused */
	pt_assert_dir_holds(c->mnt, secret_and_lock);
}

/* --- a leftover that cannot be removed, and no randomness --- */

static void getrandom_failure_with_blocked_tmp_name_fails_closed(void **state)
{
	struct ctx *c = *state;
	char tmpdir[PATH_MAX], inner[PATH_MAX];
	struct outcome o;

	pt_format(tmpdir, sizeof(tmpdir), "%s~", c->secret);
	pt_format(inner, sizeof(inner), "%s~/x", c->secret);
	pt_mkdir(tmpdir, 0700);
	pt_write(inner, "x", 0600);
	login(c, c->code, "getrandom:1", &o);
	assert_true(o.hit);
	assert_int_equal(o.rc, PAM_AUTH_ERR);
	pt_assert_log("Failed to open tmp secret file %s~[Input/output error]",
		      c->secret);
	assert_string_equal(o.text, c->old);
	assert_int_equal(unlink(inner), 0);
	assert_int_equal(rmdir(tmpdir), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(totp_login_survives_every_single_failure),
		T(emergency_login_survives_every_single_failure),
		T(wrong_code_never_succeeds_under_any_single_failure),
		T(tmp_write_failure_logs_create_tmp),
		T(tmp_open_failure_logs_open_tmp),
		T(rename_failure_logs_update_and_keeps_old_file),
		T(directory_fsync_failure_logs_update_and_fails),
		T(allocation_failure_logs_update_memory),
		T(read_failure_logs_could_not_read),
		T(hmac_failure_logs_code_generation_failed),
		T(lock_failure_logs_and_fails_closed),
		T(getrandom_failure_with_blocked_tmp_name_fails_closed),
		T(full_file_system_fails_closed_until_space_returns),
	};

	pt_require_root("test_fault_injection", "root-owned files, mount");
	have_mount_ns = unshare(CLONE_NEWNS) == 0 &&
			mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
