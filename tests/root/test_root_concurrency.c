/* SPDX-License-Identifier: BSD-3-Clause */
/* Concurrent logins on one secret file (DESIGN.md §3: a lock held from read to
 * rename, no lost update, a bounded wait): forked processes, each a whole
 * libpam login with the test module, released together by a barrier. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/fileio.h"
#include "baro/secret.h"
#include "pamtest.h"

#define T0 1700000000LL
#define CYCLE0 56666666LL /* T0 / 30 */
#define MAX_PROCS 32
#define REUSED \
	"Trying to reuse a previously used time-based code. Retry again in 10 seconds. Warning! This might mean, you are currently subject to a man-in-the-middle attack."
#define LIMITED "Too many concurrent login attempts. Please try again."

struct ctx {
	struct pt_env env;
	char secret[PATH_MAX];
	char right[16]; /* the code of T0 */
	char wrong[16]; /* a code valid nowhere in T0's window */
	struct baro_secret parsed;
};

/* What one login did, as its process saw it. */
struct outcome {
	int rc;
	bool invalid;  /* "Invalid verification code" */
	bool limited;  /* LIMITED */
	bool reused;   /* REUSED */
	bool lock_err; /* "Failed to lock secret file ..." */
};

struct tally {
	unsigned success, auth_err, other_rc;
	unsigned invalid, limited, reused, lock_err;
};

/* A code differing from every code of T0's window (WINDOW_SIZE 3). */
static void wrong_code(char *out, size_t n)
{
	char codes[3][16];
	int i;

	for (i = 0; i < 3; i++)
		pt_code(T0 + (i - 1) * 30, codes[i], sizeof(codes[i]));
	pt_format(out, n, "%s", codes[1]);
	do
		out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
	while (strcmp(out, codes[0]) == 0 || strcmp(out, codes[1]) == 0 ||
	       strcmp(out, codes[2]) == 0);
}

static int setup(void **state)
{
	static struct ctx c;
	char args[PATH_MAX + 32];

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_format(args, sizeof(args), "secret=%s encrypt=no", c.secret);
	pt_simple_service(&c.env, args);
	pt_code(T0, c.right, sizeof(c.right));
	wrong_code(c.wrong, sizeof(c.wrong));
	pt_set_now(T0);
	*state = &c;
	return 0;
}

/* The child: wait at the barrier, log in once, report, exit. */
static void child_login(const struct ctx *c, const char *code, int barrier,
			int report)
{
	struct pt_run r = { .user = PT_USER, .responses = { code } };
	struct outcome o;
	char b;

	pt_log_clear();
	while (read(barrier, &b, 1) < 0 && errno == EINTR)
		;
	pt_login(&c->env, &r);
	o.rc = r.rc;
	o.invalid = pt_log_has("Invalid verification code");
	o.limited = pt_log_has(LIMITED);
	o.reused = pt_log_has(REUSED);
	o.lock_err = pt_log_contains("Failed to lock secret file");
	_exit(write(report, &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
}

static void count(struct tally *t, const struct outcome *o)
{
	if (o->rc == PAM_SUCCESS)
		t->success++;
	else if (o->rc == PAM_AUTH_ERR)
		t->auth_err++;
	else
		t->other_rc++;
	t->invalid += o->invalid;
	t->limited += o->limited;
	t->reused += o->reused;
	t->lock_err += o->lock_err;
}

/* One process a code, all started at once: closing the barrier's write
 * end (the children closed theirs) ends every child's read together. */
static void run_parallel(const struct ctx *c, const char *const *codes,
			 size_t n, struct tally *t)
{
	int barrier[2], report[2], status;
	pid_t pids[MAX_PROCS];
	struct outcome o;
	size_t i;

	assert_true(n <= MAX_PROCS);
	memset(t, 0, sizeof(*t));
	assert_int_equal(pipe2(barrier, O_CLOEXEC), 0);
	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(barrier[1]);
			close(report[0]);
			child_login(c, codes[i], barrier[0], report[1]);
		}
	}
	close(barrier[0]);
	close(barrier[1]);
	close(report[1]);
	for (i = 0; i < n; i++) {
		assert_int_equal(read(report[0], &o, sizeof(o)),
				 (ssize_t)sizeof(o));
		count(t, &o);
	}
	close(report[0]);
	for (i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

/* The file after the run: root's 0400, parses with the same key, only
 * itself and its lock in the directory. */
static void assert_file_sound(struct ctx *c)
{
	static const char *const left[] = { ".baro_auth", ".baro_auth.lock",
					    NULL };
	char dir[PATH_MAX];

	pt_path(&c->env, "secrets", dir, sizeof(dir));
	pt_assert_secret_file(c->secret, &c->parsed);
	pt_assert_dir_holds(dir, left);
}

static void assert_timestamps(const struct baro_secret *s, size_t n)
{
	size_t i;

	assert_true(s->has_rate_limit);
	assert_int_equal(s->n_rate_ts, n);
	for (i = 0; i < n; i++)
		assert_int_equal(s->rate_ts[i], T0);
}

/* n_right logins with the right code and n_wrong with a wrong one,
 * interleaved, all at once on a file with the options extra; then the
 * file must still be sound. */
static void run_logins(struct ctx *c, const char *extra, size_t n_right,
		       size_t n_wrong, struct tally *t)
{
	const char *codes[MAX_PROCS];
	size_t i, n = n_right + n_wrong;
	bool right;

	assert_true(n <= MAX_PROCS);
	pt_write_secret(c->secret, extra);
	for (i = 0; i < n; i++) {
		right = n_right > 0 && (i % 2 == 0 || n_wrong == 0);
		codes[i] = right ? c->right : c->wrong;
		if (right)
			n_right--;
		else
			n_wrong--;
	}
	run_parallel(c, codes, n, t);
	assert_file_sound(c);
}

static void assert_tally(const struct tally *got, const struct tally *want)
{
	assert_int_equal(got->success, want->success);
	assert_int_equal(got->auth_err, want->auth_err);
	assert_int_equal(got->other_rc, want->other_rc);
	assert_int_equal(got->invalid, want->invalid);
	assert_int_equal(got->limited, want->limited);
	assert_int_equal(got->reused, want->reused);
	assert_int_equal(got->lock_err, want->lock_err);
}

static void same_code_in_16_processes_succeeds_exactly_once(void **state)
{
	static const struct tally want = { .success = 1, .auth_err = 15,
					   .reused = 15 };
	struct ctx *c = *state;
	struct tally t;

	run_logins(c, "DISALLOW_REUSE\n", 16, 0, &t);
	assert_tally(&t, &want);
	assert_true(c->parsed.disallow_reuse);
	assert_int_equal(c->parsed.n_used, 1);
	assert_int_equal(c->parsed.used[0], CYCLE0);
}

static void rate_limit_evaluates_at_most_count_of_20_parallel_attempts(
	void **state)
{
	static const struct tally want = { .auth_err = 20, .invalid = 5,
					   .limited = 15 };
	struct ctx *c = *state;
	struct tally t;

	run_logins(c, "RATE_LIMIT 5 3600\n", 0, 20, &t);
	assert_tally(&t, &want);
	assert_int_equal(c->parsed.rate_count, 5);
	assert_int_equal(c->parsed.rate_interval, 3600);
	assert_timestamps(&c->parsed, 5);
}

static void mixed_parallel_attempts_lose_no_update(void **state)
{
	static const struct tally want = { .success = 1, .auth_err = 15,
					   .reused = 7, .invalid = 8 };
	struct ctx *c = *state;
	struct tally t;

	run_logins(c, "DISALLOW_REUSE\nRATE_LIMIT 100 3600\n", 8, 8, &t);
	assert_tally(&t, &want);
	assert_timestamps(&c->parsed, 16);
	assert_int_equal(c->parsed.n_used, 1);
	assert_int_equal(c->parsed.used[0], CYCLE0);
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hold_lock(const struct ctx *c)
{
	char lock[PATH_MAX];
	int fd;

	pt_format(lock, sizeof(lock), "%s.lock", c->secret);
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	return fd;
}

/* A lock that is never released: the login fails after the bound, with
 * a log line, and the file is not touched. */
static void held_lock_fails_login_after_bounded_wait(void **state)
{
	struct ctx *c = *state;
	struct pt_run r = { .user = PT_USER, .responses = { c->right } };
	char line[PATH_MAX + 64], *before, *after;
	double start, secs;
	int fd;

	pt_write_secret(c->secret, "DISALLOW_REUSE\nRATE_LIMIT 5 3600\n");
	before = pt_read(c->secret);
	fd = hold_lock(c);
	pt_log_clear();
	start = monotonic();
	pt_login(&c->env, &r);
	secs = monotonic() - start;
	close(fd);
	assert_int_equal(r.rc, PAM_AUTHINFO_UNAVAIL);
	assert_true(secs >= BARO_LOCK_WAIT_MS / 1000.0 - 0.1);
	assert_true(secs < BARO_LOCK_WAIT_MS / 1000.0 + 2.0);
	pt_format(line, sizeof(line),
		  "Failed to lock secret file %s[Connection timed out]",
		  c->secret);
	assert_true(pt_log_has(line));
	assert_false(pt_log_contains("code accepted"));
	after = pt_read(c->secret);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* A lock released within the bound: the waiting login goes on and
 * succeeds. */
static void login_waits_for_a_lock_released_in_time(void **state)
{
	static const struct tally want = { .success = 1 };
	const struct timespec hold = { 0, 300 * 1000 * 1000 };
	struct ctx *c = *state;
	struct tally t;
	double start;
	pid_t releaser;
	int fd, status;

	fd = hold_lock(c);
	start = monotonic();
	/* run_logins() waits for its login, so another process lets the
	 * lock go: its copy of fd is the last one on the lock. */
	releaser = fork();
	assert_true(releaser >= 0);
	if (releaser == 0) {
		nanosleep(&hold, NULL);
		_exit(close(fd) == 0 ? 0 : 1);
	}
	close(fd);
	run_logins(c, "DISALLOW_REUSE\n", 1, 0, &t);
	assert_true(monotonic() - start >= 0.29);
	assert_int_equal(waitpid(releaser, &status, 0), releaser);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_tally(&t, &want);
	assert_int_equal(c->parsed.n_used, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, pt_teardown_state)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(same_code_in_16_processes_succeeds_exactly_once),
		T(rate_limit_evaluates_at_most_count_of_20_parallel_attempts),
		T(mixed_parallel_attempts_lose_no_update),
		T(held_lock_fails_login_after_bounded_wait),
		T(login_waits_for_a_lock_released_in_time),
	};

	pt_require_root("test_root_concurrency", "root-owned secret files");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
