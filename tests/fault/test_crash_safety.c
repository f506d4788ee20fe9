/* SPDX-License-Identifier: BSD-3-Clause */
/* Crash safety (DESIGN.md §3): a child logs in again and again through libpam
 * with the test module, one TOTP cycle later each time, so that every
 * login rewrites the state (DISALLOW_REUSE and RATE_LIMIT); it is killed
 * with SIGKILL after a random delay, 200 times. After every kill the
 * secret file is exactly the version before or after the login that was
 * under way (never empty, partial or half-updated: both state lines
 * belong to the same login), and the next login succeeds whatever
 * temporary file the dead process left, leaving nothing behind.
 * BARO_CRASH_KILLS and BARO_CRASH_SEED change the count and the delays. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/base32.h"
#include "baro/totp.h"
#include "pamtest.h"

#define T0 1700000000LL /* 56666666 * 30 + 20 */
#define CYCLE0 56666666LL
#define MAX_DELAY_US 6000
#define TEXT_MAX 1024

struct progress {
	volatile long started; /* login under way in the child */
	volatile long done;    /* last login that returned PAM_SUCCESS */
};

struct ctx {
	struct pt_env env;
	char dir[PATH_MAX];
	char secret[PATH_MAX];
	char tmp[PATH_MAX];
	struct progress *p;
};

static const char *const secret_and_lock[] = { ".baro_auth", ".baro_auth.lock",
					       NULL };

static int64_t now_of(long i)
{
	return T0 + 30 * (int64_t)i;
}

/* The file after login i (0: as written by the test). */
static void version(long i, char *out, size_t n)
{
	char state[256];

	if (i == 0)
		pt_format(state, sizeof(state),
			  "DISALLOW_REUSE\nRATE_LIMIT 5 60\n");
	else if (i == 1)
		pt_format(state, sizeof(state),
			  "DISALLOW_REUSE %lld\nRATE_LIMIT 5 60 %lld\n",
			  CYCLE0 + 1, (long long)now_of(1));
	else
		pt_format(state, sizeof(state),
			  "DISALLOW_REUSE %lld %lld\nRATE_LIMIT 5 60 %lld %lld\n",
			  CYCLE0 + i - 1, CYCLE0 + i, (long long)now_of(i - 1),
			  (long long)now_of(i));
	pt_secret_text(out, n, state);
}

/* The right code at login i, from the core's HOTP (no oathtool process
 * per login: the child must spend its time in the module). */
static void code_of(long i, char *out, size_t n)
{
	uint8_t key[BARO_KEY_MAX];
	size_t keylen = 0;
	uint32_t v = 0;

	if (!baro_base32_decode(PT_KEY_B32, key, sizeof(key), &keylen) ||
	    !baro_hotp(BARO_SHA1, key, keylen, (uint64_t)(CYCLE0 + i), 6, &v))
		abort();
	pt_format(out, n, "%06u", v);
}

static int login(struct ctx *c, long i)
{
	char code[16];
	struct pt_run r = { .user = PT_USER, .responses = { code } };

	code_of(i, code, sizeof(code));
	pt_set_now(now_of(i));
	pt_log_clear();
	return pt_login(&c->env, &r);
}

static int setup(void **state)
{
	static struct ctx c;
	char text[TEXT_MAX], args[PATH_MAX + 32];

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "secrets", c.dir, sizeof(c.dir));
	pt_format(c.tmp, sizeof(c.tmp), "%s~", c.secret);
	version(0, text, sizeof(text));
	pt_write(c.secret, text, 0400);
	pt_format(args, sizeof(args), "secret=%s encrypt=no", c.secret);
	pt_simple_service(&c.env, args);
	c.p = mmap(NULL, sizeof(*c.p), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(c.p != MAP_FAILED);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	munmap(c->p, sizeof(*c->p));
	pt_teardown(&c->env);
	return 0;
}

/* The child: logins from, one cycle apart, until it is killed. */
static void child_loop(struct ctx *c, long from)
{
	long i;

	for (i = from; i < from + 100000; i++) {
		c->p->started = i;
		if (login(c, i) != PAM_SUCCESS) {
			pt_log_dump();
			_exit(3);
		}
		c->p->done = i;
	}
	_exit(4);
}

static unsigned long env_number(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);

	return s != NULL && s[0] != '\0' ? strtoul(s, NULL, 10) : dflt;
}

struct stats {
	unsigned kills, mid_login, stale_tmp, old_version, new_version;
};

/* Which version is the file: exactly done or done + 1. */
static long check_file(struct ctx *c, long done, struct stats *s)
{
	char want[TEXT_MAX], *text = pt_read(c->secret);
	struct stat st;
	long v = -1;

	assert_non_null(text);
	version(done, want, sizeof(want));
	if (strcmp(text, want) == 0)
		v = done;
	version(done + 1, want, sizeof(want));
	if (strcmp(text, want) == 0)
		v = done + 1;
	if (v < 0)
		fail_msg("after login %ld: not a version of the file:\n%s",
			 done, text);
	free(text);
	assert_int_equal(lstat(c->secret, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_equal(st.st_nlink, 1);
	if (v == done)
		s->old_version++;
	else
		s->new_version++;
	if (lstat(c->tmp, &st) == 0)
		s->stale_tmp++;
	return v;
}

static void kill_during_rewrites(struct ctx *c, unsigned long delay_us,
				 long *version_now, struct stats *s)
{
	long from = *version_now + 1, v;
	int status = 0;
	pid_t pid;

	c->p->started = c->p->done = from - 1;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_loop(c, from);
	usleep((useconds_t)delay_us);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("the child ended by itself (status %d)", status);
	s->kills++;
	if (c->p->started != c->p->done)
		s->mid_login++;
	v = check_file(c, c->p->done, s);
	/* The next login works whatever was left, and leaves nothing. */
	if (login(c, v + 1) != PAM_SUCCESS) {
		pt_log_dump();
		fail_msg("login %ld after a kill did not succeed", v + 1);
	}
	check_file(c, v + 1, &(struct stats){ 0 });
	pt_assert_dir_holds(c->dir, secret_and_lock);
	*version_now = v + 1;
}

static void killed_rewrites_leave_old_or_new_file_and_no_block(void **state)
{
	struct ctx *c = *state;
	unsigned long kills = env_number("BARO_CRASH_KILLS", 200);
	unsigned long seed = env_number("BARO_CRASH_SEED", 20240607);
	struct stats s = { 0, 0, 0, 0, 0 };
	long v = 0;
	unsigned long k;

	srandom((unsigned)seed);
	for (k = 0; k < kills; k++)
		kill_during_rewrites(c, (unsigned long)random() % MAX_DELAY_US,
				     &v, &s);
	fprintf(stderr,
		"crash safety (seed %lu): %u kills, %u in the middle of a login, "
		"file old %u / new %u, stale temporary file %u times, %ld "
		"logins in all\n",
		seed, s.kills, s.mid_login, s.old_version, s.new_version,
		s.stale_tmp, v);
	assert_int_equal(s.kills, kills);
	/* The delays really reached into the logins. */
	assert_true(kills < 20 || s.mid_login > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			killed_rewrites_leave_old_or_new_file_and_no_block,
			setup, teardown),
	};

	pt_require_root("test_crash_safety", "root-owned secret files");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
