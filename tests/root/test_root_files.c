/* SPDX-License-Identifier: BSD-3-Clause */
/* The secret file rules of DESIGN.md §3 as root, through the real libpam with
 * the test module: ownership, mode, type, links and the directories on
 * the path; the atomic rewrite against whatever is planted beside the
 * file; and the §7 messages of a rewrite that cannot be done. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/secret.h"
#include "baro/util.h"
#include "pamtest.h"

#define T0 1700000000LL
#define CYCLE0 56666666LL /* T0 / 30 */
#define STATEFUL "DISALLOW_REUSE\nRATE_LIMIT 10 3600\n"
#define TEXT_BEFORE "SECURE_KEY " PT_KEY_B32 "\nCYCLE_TIME 30\n" STATEFUL
#define TEXT_AFTER                                         \
	"SECURE_KEY " PT_KEY_B32 "\nCYCLE_TIME 30\n"       \
	"DISALLOW_REUSE 56666666\nRATE_LIMIT 10 3600 1700000000\n"
#define CANARY_TEXT "canary: nothing may write here\n"
#define CANARY_MODE 0644
#define OPENED \
	"authentication key : verification code accepted for user nobody by (local ip=0.0.0.0,Remote ip=0.0.0.0)"
#define LINE_MAX_ (PATH_MAX + 160)

struct ctx {
	struct pt_env env;
	char dir[PATH_MAX];    /* env/secrets: the per-user directory */
	char secret[PATH_MAX]; /* dir/.baro_auth */
	char canary[PATH_MAX]; /* env/canary: root's, never to change */
	char mnt[PATH_MAX];    /* a tmpfs mounted by the test, or "" */
	char immutable[2][PATH_MAX]; /* given chattr +i by the test */
};

static bool have_mount_ns;
static const char *const only_secret_and_lock[] = { ".baro_auth",
						    ".baro_auth.lock", NULL };

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	pt_setup_secret(&c.env, c.secret, sizeof(c.secret));
	pt_path(&c.env, "secrets", c.dir, sizeof(c.dir));
	pt_path(&c.env, "canary", c.canary, sizeof(c.canary));
	pt_write(c.canary, CANARY_TEXT, CANARY_MODE);
	pt_write_secret(c.secret, "");
	*state = &c;
	return 0;
}

static bool set_immutable(const char *path, bool on)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int flags = 0;
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
	if (ok) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
	}
	close(fd);
	return ok;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(c->immutable); i++)
		if (c->immutable[i][0] != '\0')
			(void)set_immutable(c->immutable[i], false);
	if (c->mnt[0] != '\0' && umount2(c->mnt, MNT_DETACH) != 0)
		fprintf(stderr, "could not unmount %s: %m\n", c->mnt);
	pt_teardown(&c->env);
	return 0;
}

/* chattr +i, undone in teardown; the test is skipped where the file
 * system has no such flag. */
static void make_immutable(struct ctx *c, const char *path)
{
	size_t i = 0;

	while (c->immutable[i][0] != '\0')
		assert_true(++i < BARO_ARRAY_SIZE(c->immutable));
	if (!set_immutable(path, true)) {
		fprintf(stderr, "chattr +i unsupported on %s: %m\n", path);
		skip();
	}
	pt_format(c->immutable[i], PATH_MAX, "%s", path);
}

static void use_module(struct ctx *c, const char *secret)
{
	char args[PATH_MAX + 64];

	pt_format(args, sizeof(args), "secret=%s encrypt=no debug", secret);
	pt_simple_service(&c->env, args);
}

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A login with the right code at T0; every one must answer at once. A
 * login that blocks (on a FIFO, say) is killed by SIGALRM, not waited
 * for until the ctest timeout. */
static int login_at_t0(struct ctx *c)
{
	char code[16];
	struct pt_run r = { .user = PT_USER, .responses = { code } };
	double start;

	pt_set_now(T0);
	pt_code(T0, code, sizeof(code));
	pt_log_clear();
	start = monotonic();
	alarm(10);
	pt_login(&c->env, &r);
	alarm(0);
	assert_true(monotonic() - start < 1.0);
	return r.rc;
}

static void assert_text(const char *path, const char *want)
{
	char *text = pt_read(path);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static void assert_canary_intact(const struct ctx *c)
{
	struct stat st;

	assert_text(c->canary, CANARY_TEXT);
	assert_int_equal(lstat(c->canary, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, CANARY_MODE);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_nlink, 1);
}

/* Refused with the §7 line, and the debug line naming the check. */
static void assert_refused(struct ctx *c, const char *path, const char *why)
{
	use_module(c, path);
	assert_int_equal(login_at_t0(c), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Secret file %s must only be accessible by root", path);
	pt_assert_log("Secret file %s: %s", path, why);
	assert_false(pt_log_contains("code accepted"));
}

static void assert_accepted(struct ctx *c, const char *path)
{
	use_module(c, path);
	assert_int_equal(login_at_t0(c), PAM_SUCCESS);
	pt_assert_log(OPENED);
	assert_false(pt_log_contains("must only be accessible"));
}

static void file_path(const char *dir, const char *name, char *out)
{
	pt_format(out, PATH_MAX, "%s/%s", dir, name);
}

/* --- the secret file itself --- */

static void secret_owned_by_another_uid_is_refused(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(chown(c->secret, 1, 1), 0);
	assert_refused(c, c->secret, "not owned by root");
}

static void secret_with_group_or_other_bits_is_refused(void **state)
{
	static const mode_t modes[] = { 0444, 0440, 0404, 0640, 0604, 0660 };
	struct ctx *c = *state;
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(modes); i++) {
		assert_int_equal(chmod(c->secret, modes[i]), 0);
		assert_refused(c, c->secret,
			       "group or other permission bits are set");
	}
}

static void secret_mode_0400_and_0600_are_accepted(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(chmod(c->secret, 0400), 0);
	assert_accepted(c, c->secret);
	assert_int_equal(chmod(c->secret, 0600), 0);
	assert_accepted(c, c->secret);
}

static void secret_symlink_to_valid_file_is_refused_not_followed(void **state)
{
	struct ctx *c = *state;
	char real[PATH_MAX];

	pt_path(&c->env, "real", real, sizeof(real));
	pt_write_secret(real, STATEFUL);
	assert_int_equal(unlink(c->secret), 0);
	assert_int_equal(symlink(real, c->secret), 0);
	assert_refused(c, c->secret, "a symbolic link");
	assert_text(real, TEXT_BEFORE);
}

static void secret_fifo_without_writer_is_refused_at_once(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(unlink(c->secret), 0);
	assert_int_equal(mkfifo(c->secret, 0600), 0);
	/* login_at_t0() asserts that it took less than a second. */
	assert_refused(c, c->secret, "not a regular file");
}

static void secret_with_second_hard_link_is_refused(void **state)
{
	struct ctx *c = *state;
	char other[PATH_MAX];

	file_path(c->dir, "other", other);
	assert_int_equal(link(c->secret, other), 0);
	assert_refused(c, c->secret, "more than one hard link");
}

/* --- the directories on its path --- */

/* The last directory and one above it (not the test's own directory:
 * the conf file there would be refused first). */
static void writable_directory_on_path_is_refused(void **state)
{
	struct ctx *c = *state;
	char sub[PATH_MAX], secret[PATH_MAX];
	const struct {
		const char *dir;
		mode_t mode;
	} cases[] = {
		{ sub, 0770 },    { sub, 0777 },    { sub, 0702 },
		{ c->dir, 0777 }, { c->dir, 0730 },
	};
	size_t i;

	file_path(c->dir, "sub", sub);
	pt_mkdir(sub, 0700);
	file_path(sub, ".baro_auth", secret);
	pt_write_secret(secret, "");
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		assert_int_equal(chmod(cases[i].dir, cases[i].mode), 0);
		assert_refused(c, secret,
			       "a directory on the path is writable by group or other");
		assert_int_equal(chmod(cases[i].dir, 0700), 0);
	}
	assert_accepted(c, secret);
}

static void directory_on_path_owned_by_non_root_is_refused(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(chown(c->dir, 1, 1), 0);
	assert_refused(c, c->secret,
		       "a directory on the path is not owned by root");
}

static void symlinked_directory_on_path_is_refused(void **state)
{
	struct ctx *c = *state;
	char link_dir[PATH_MAX], via_link[PATH_MAX];

	pt_path(&c->env, "link", link_dir, sizeof(link_dir));
	assert_int_equal(symlink(c->dir, link_dir), 0);
	file_path(link_dir, ".baro_auth", via_link);
	assert_refused(c, via_link,
		       "a path component is a symbolic link or not a directory");
}

static void path_with_dotdot_is_refused(void **state)
{
	struct ctx *c = *state;
	char dotdot[PATH_MAX];

	file_path(c->dir, "../secrets/.baro_auth", dotdot);
	assert_refused(c, dotdot, "\"..\" in the path");
}

/* A sticky directory higher on the path (like /tmp) is fine: nothing is
 * created there. */
static void root_sticky_directory_above_the_secret_is_accepted(void **state)
{
	struct ctx *c = *state;

	pt_write_secret(c->secret, STATEFUL);
	assert_int_equal(chmod(c->env.dir, 01777), 0);
	assert_accepted(c, c->secret);
	assert_int_equal(chmod(c->env.dir, 0700), 0);
	assert_text(c->secret, TEXT_AFTER);
	pt_assert_dir_holds(c->dir, only_secret_and_lock);
}

/* In a sticky directory any user could plant the lock file (or the
 * temporary name) and lock root out: the directory that holds the secret
 * must be writable by root alone, and nothing is created when it is not. */
static void root_sticky_directory_holding_the_secret_is_refused(void **state)
{
	static const char *const only_secret[] = { ".baro_auth", NULL };
	struct ctx *c = *state;

	pt_write_secret(c->secret, STATEFUL);
	assert_int_equal(chmod(c->dir, 01777), 0);
	assert_refused(c, c->secret,
		       "the directory holding it is writable by group or other");
	assert_int_equal(chmod(c->dir, 0700), 0);
	assert_text(c->secret, TEXT_BEFORE);
	pt_assert_dir_holds(c->dir, only_secret);
}

/* A file that fails the checks (a copy of /etc/shadow: root's, 0640) gets
 * nothing created beside it: shadow-utils' own lock is "shadow.lock". */
static void refused_file_gets_no_lock_file_beside_it(void **state)
{
	static const char *const only_shadow[] = { "shadow", NULL };
	struct ctx *c = *state;
	char shadow[PATH_MAX];

	assert_int_equal(unlink(c->secret), 0);
	file_path(c->dir, "shadow", shadow);
	pt_write(shadow, "root:*:19000:0:99999:7:::\n", 0640);
	assert_refused(c, shadow, "group or other permission bits are set");
	pt_assert_dir_holds(c->dir, only_shadow);
}

/* --- the atomic rewrite --- */

static void state_rewrite_leaves_0400_root_file_and_no_temporary(void **state)
{
	struct ctx *c = *state;
	struct baro_secret *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	pt_write(c->secret, TEXT_BEFORE, 0600);
	assert_accepted(c, c->secret);
	pt_assert_secret_file(c->secret, s);
	assert_int_equal(s->n_used, 1);
	assert_int_equal(s->used[0], CYCLE0);
	assert_int_equal(s->n_rate_ts, 1);
	assert_int_equal(s->rate_ts[0], T0);
	assert_text(c->secret, TEXT_AFTER);
	pt_assert_dir_holds(c->dir, only_secret_and_lock);
	free(s);
}

enum plant {
	PLANT_SYMLINK_TO_CANARY,
	PLANT_HARD_LINK_TO_CANARY,
	PLANT_FIFO,
	PLANT_EMPTY_DIR,
	PLANT_NON_EMPTY_DIR,
	PLANT_FOREIGN_FILE,
};

static void plant_tmp(const struct ctx *c, enum plant what)
{
	char tmp[PATH_MAX], junk[PATH_MAX];

	file_path(c->dir, ".baro_auth~", tmp);
	file_path(tmp, "junk", junk);
	switch (what) {
	case PLANT_SYMLINK_TO_CANARY:
		assert_int_equal(symlink(c->canary, tmp), 0);
		break;
	case PLANT_HARD_LINK_TO_CANARY:
		assert_int_equal(link(c->canary, tmp), 0);
		break;
	case PLANT_FIFO:
		assert_int_equal(mkfifo(tmp, 0666), 0);
		break;
	case PLANT_EMPTY_DIR:
	case PLANT_NON_EMPTY_DIR:
		assert_int_equal(mkdir(tmp, 0755), 0);
		if (what == PLANT_NON_EMPTY_DIR)
			pt_write(junk, "junk\n", 0644);
		break;
	case PLANT_FOREIGN_FILE:
		pt_write(tmp, "SECURE_KEY planted\n", 0666);
		assert_int_equal(chown(tmp, 1, 1), 0);
		break;
	}
}

/* Something planted at ".baro_auth~" before a login that rewrites the
 * state: the login succeeds at once, the file is rewritten, the canary
 * is untouched, and only `left` remains in the directory. */
static void rewrite_despite_planted_tmp(struct ctx *c, enum plant what,
					const char *const *left)
{
	pt_write_secret(c->secret, STATEFUL);
	plant_tmp(c, what);
	assert_accepted(c, c->secret);
	assert_text(c->secret, TEXT_AFTER);
	assert_canary_intact(c);
	pt_assert_dir_holds(c->dir, left);
}

static void planted_tmp_symlink_to_canary_is_not_followed(void **state)
{
	rewrite_despite_planted_tmp(*state, PLANT_SYMLINK_TO_CANARY,
				    only_secret_and_lock);
}

static void planted_tmp_hard_link_to_canary_is_not_written(void **state)
{
	rewrite_despite_planted_tmp(*state, PLANT_HARD_LINK_TO_CANARY,
				    only_secret_and_lock);
}

static void planted_tmp_fifo_does_not_block(void **state)
{
	rewrite_despite_planted_tmp(*state, PLANT_FIFO, only_secret_and_lock);
}

static void planted_tmp_empty_directory_is_removed(void **state)
{
	rewrite_despite_planted_tmp(*state, PLANT_EMPTY_DIR,
				    only_secret_and_lock);
}

/* It cannot be removed: a unique variant of the name is used instead. */
static void planted_tmp_non_empty_directory_is_bypassed(void **state)
{
	static const char *const left[] = { ".baro_auth", ".baro_auth.lock",
					    ".baro_auth~", NULL };
	static const char *const inside[] = { "junk", NULL };
	struct ctx *c = *state;
	char tmp[PATH_MAX];

	rewrite_despite_planted_tmp(c, PLANT_NON_EMPTY_DIR, left);
	file_path(c->dir, ".baro_auth~", tmp);
	pt_assert_dir_holds(tmp, inside);
}

static void planted_tmp_foreign_regular_file_is_replaced(void **state)
{
	rewrite_despite_planted_tmp(*state, PLANT_FOREIGN_FILE,
				    only_secret_and_lock);
}

/* --- the lock file --- */

static void lock_path(const struct ctx *c, char *out)
{
	file_path(c->dir, ".baro_auth.lock", out);
}

/* The login fails closed at the lock; the secret is not rewritten. */
static void assert_lock_refused(struct ctx *c, const char *err)
{
	use_module(c, c->secret);
	assert_int_equal(login_at_t0(c), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Failed to lock secret file %s[%s]", c->secret, err);
	assert_false(pt_log_contains("code accepted"));
	assert_text(c->secret, TEXT_BEFORE);
	assert_canary_intact(c);
}

static void planted_lock_symlink_fails_closed_without_writing(void **state)
{
	struct ctx *c = *state;
	char lock[PATH_MAX];

	pt_write_secret(c->secret, STATEFUL);
	lock_path(c, lock);
	assert_int_equal(symlink(c->canary, lock), 0);
	assert_lock_refused(c, "Too many levels of symbolic links");
}

static void planted_dangling_lock_symlink_creates_nothing(void **state)
{
	struct ctx *c = *state;
	char lock[PATH_MAX], target[PATH_MAX];
	struct stat st;

	pt_write_secret(c->secret, STATEFUL);
	lock_path(c, lock);
	pt_path(&c->env, "created-through-link", target, sizeof(target));
	assert_int_equal(symlink(target, lock), 0);
	assert_lock_refused(c, "Too many levels of symbolic links");
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
}

/* A FIFO, another user's file, a file with a second link. */
static void unsafe_lock_file_fails_closed(void **state)
{
	struct ctx *c = *state;
	char lock[PATH_MAX], other[PATH_MAX];

	pt_write_secret(c->secret, STATEFUL);
	lock_path(c, lock);
	assert_int_equal(mkfifo(lock, 0600), 0);
	assert_lock_refused(c, "Operation not permitted");
	assert_int_equal(unlink(lock), 0);
	pt_write(lock, "", 0600);
	assert_int_equal(chown(lock, 1, 1), 0);
	assert_lock_refused(c, "Operation not permitted");
	assert_int_equal(unlink(lock), 0);
	pt_path(&c->env, "second-name", other, sizeof(other));
	pt_write(other, "", 0600);
	assert_int_equal(link(other, lock), 0);
	assert_lock_refused(c, "Operation not permitted");
}

/* --- a rewrite that cannot be done: §7 messages, the old file kept --- */

/* The right code for dir/.baro_auth, but its use cannot be recorded:
 * the log line, no success, the file as it was and nothing but `left` in
 * dir; and a wrong code fails the same way (PAM_AUTH_ERR, no message to
 * the user), so that making writes fail reveals nothing. */
static void assert_rewrite_fails(struct ctx *c, const char *dir,
				 const char *const *left, const char *line)
{
	char secret[PATH_MAX];
	struct pt_run wrong = { .user = PT_USER, .responses = { "000000" } };

	file_path(dir, ".baro_auth", secret);
	use_module(c, secret);
	assert_int_equal(login_at_t0(c), PAM_AUTH_ERR);
	pt_assert_log("%s", line);
	pt_log_clear();
	assert_int_equal(pt_login(&c->env, &wrong), PAM_AUTH_ERR);
	assert_int_equal(wrong.n_errors, 0);
	pt_assert_log("%s", line);
	assert_false(pt_log_contains("code accepted"));
	assert_text(secret, TEXT_BEFORE);
	pt_assert_dir_holds(dir, left);
}

static void immutable_directory_fails_tmp_open(void **state)
{
	struct ctx *c = *state;
	char lock[PATH_MAX], line[LINE_MAX_];

	pt_write_secret(c->secret, STATEFUL);
	lock_path(c, lock);
	pt_write(lock, "", 0600);
	make_immutable(c, c->dir);
	pt_format(line, sizeof(line),
		  "Failed to open tmp secret file %s~[Operation not permitted]",
		  c->secret);
	assert_rewrite_fails(c, c->dir, only_secret_and_lock, line);
}

static void immutable_secret_fails_update(void **state)
{
	struct ctx *c = *state;
	char line[LINE_MAX_];

	pt_write_secret(c->secret, STATEFUL);
	make_immutable(c, c->secret);
	pt_format(line, sizeof(line),
		  "Failed to update secret file %s[Operation not permitted]",
		  c->secret);
	assert_rewrite_fails(c, c->dir, only_secret_and_lock, line);
}

/* A tmpfs at env/mnt holding the secret and its lock file; skipped where
 * the test cannot mount (no private mount namespace). */
static void mount_tmpfs(struct ctx *c, const char *opts, char *secret)
{
	char lock[PATH_MAX];

	if (!have_mount_ns) {
		fprintf(stderr, "no private mount namespace\n");
		skip();
	}
	pt_path(&c->env, "mnt", c->mnt, sizeof(c->mnt));
	pt_mkdir(c->mnt, 0700);
	if (mount("tmpfs", c->mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0) {
		fprintf(stderr, "mount tmpfs %s: %m\n", opts);
		c->mnt[0] = '\0';
		skip();
	}
	file_path(c->mnt, ".baro_auth", secret);
	file_path(c->mnt, ".baro_auth.lock", lock);
	pt_write_secret(secret, STATEFUL);
	pt_write(lock, "", 0600);
}

/* Write to path until the file system says ENOSPC. */
static void fill_blocks(const char *path)
{
	static const char block[4096];
	size_t chunk = sizeof(block);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	while (chunk > 0) {
		if (write(fd, block, chunk) < 0) {
			assert_int_equal(errno, ENOSPC);
			chunk /= 2;
		}
	}
	assert_int_equal(close(fd), 0);
}

static void full_file_system_fails_tmp_write(void **state)
{
	static const char *const left[] = { ".baro_auth", ".baro_auth.lock",
					    "filler", NULL };
	struct ctx *c = *state;
	char secret[PATH_MAX], filler[PATH_MAX];

	mount_tmpfs(c, "size=64k,mode=0700", secret);
	file_path(c->mnt, "filler", filler);
	fill_blocks(filler);
	assert_rewrite_fails(c, c->mnt, left,
			     "Failed to create tmp secret file[No space left on device]");
}

static void inode_exhausted_file_system_fails_tmp_open(void **state)
{
	struct ctx *c = *state;
	char secret[PATH_MAX], probe[PATH_MAX], line[LINE_MAX_];
	int fd;

	/* The root directory, the secret and the lock use all three. */
	mount_tmpfs(c, "nr_inodes=3,mode=0700", secret);
	file_path(c->mnt, "probe", probe);
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ENOSPC);
	pt_format(line, sizeof(line),
		  "Failed to open tmp secret file %s~[No space left on device]",
		  secret);
	assert_rewrite_fails(c, c->mnt, only_secret_and_lock, line);
}

static void remount_read_only(struct ctx *c)
{
	assert_int_equal(mount(NULL, c->mnt, NULL,
			       MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
			       NULL),
			 0);
}

/* The lock file is opened read-only: on a read-only file system a login
 * that must record state fails closed at the rewrite, file unchanged. */
static void read_only_file_system_fails_closed_when_state_must_be_written(
	void **state)
{
	struct ctx *c = *state;
	char secret[PATH_MAX];

	mount_tmpfs(c, "mode=0700", secret);
	remount_read_only(c);
	use_module(c, secret);
	assert_int_equal(login_at_t0(c), PAM_AUTH_ERR);
	pt_assert_log("Failed to open tmp secret file %s~[Read-only file system]",
		   secret);
	assert_false(pt_log_contains("code accepted"));
	assert_text(secret, TEXT_BEFORE);
}

/* ... and a secret with no state to record logs in from it. */
static void read_only_file_system_allows_stateless_login(void **state)
{
	struct ctx *c = *state;
	char secret[PATH_MAX];

	mount_tmpfs(c, "mode=0700", secret);
	pt_write_secret(secret, "");
	remount_read_only(c);
	use_module(c, secret);
	assert_int_equal(login_at_t0(c), PAM_SUCCESS);
}

/* Without a lock file, a read-only file system fails at the lock a
 * secret with state needs ... */
static void read_only_file_system_without_lock_file_fails_closed(
	void **state)
{
	struct ctx *c = *state;
	char secret[PATH_MAX], lock[PATH_MAX];

	mount_tmpfs(c, "mode=0700", secret);
	file_path(c->mnt, ".baro_auth.lock", lock);
	assert_int_equal(unlink(lock), 0);
	remount_read_only(c);
	use_module(c, secret);
	assert_int_equal(login_at_t0(c), PAM_AUTHINFO_UNAVAIL);
	pt_assert_log("Failed to lock secret file %s[Read-only file system]",
		      secret);
	assert_text(secret, TEXT_BEFORE);
}

/* ... and a secret without state, which is only read, needs no lock. */
static void read_only_file_system_without_lock_file_allows_stateless_login(
	void **state)
{
	struct ctx *c = *state;
	char secret[PATH_MAX], lock[PATH_MAX];

	mount_tmpfs(c, "mode=0700", secret);
	pt_write_secret(secret, "");
	file_path(c->mnt, ".baro_auth.lock", lock);
	assert_int_equal(unlink(lock), 0);
	remount_read_only(c);
	use_module(c, secret);
	assert_int_equal(login_at_t0(c), PAM_SUCCESS);
}

/* A file with nothing a login can write (no RATE_LIMIT, DISALLOW_REUSE
 * or EMERGENCY_KEY) is read without the lock: no lock file appears
 * beside it. One with state is locked. */
static void stateless_login_creates_no_lock_file(void **state)
{
	static const char *const only_secret[] = { ".baro_auth", NULL };
	struct ctx *c = *state;
	char em[128];

	use_module(c, c->secret);
	assert_int_equal(login_at_t0(c), PAM_SUCCESS);
	pt_assert_dir_holds(c->dir, only_secret);
	pt_emergency_line("12345678", em, sizeof(em));
	pt_write_secret(c->secret, em);
	assert_int_equal(login_at_t0(c), PAM_SUCCESS);
	pt_assert_dir_holds(c->dir, only_secret_and_lock);
}

/* --- a writer that ignores the lock --- */

/* In a child: hold every open in dir (fanotify permission events) and,
 * when the module opens its temporary file, change the secret's mtime
 * before letting the open go on. Exits 0 once it did. */
static void touch_on_tmp_open(int fan, const char *secret, int ready)
{
	char buf[4096] __attribute__((aligned(8)));
	struct fanotify_event_metadata *m;
	struct fanotify_response resp;
	const struct timespec old[2] = { { 1000000000, 0 },
					 { 1000000000, 0 } };
	struct pollfd p = { .fd = fan, .events = POLLIN };
	char link[64], name[PATH_MAX];
	bool touched = false;
	ssize_t n, k;

	(void)!write(ready, "R", 1);
	while (!touched && poll(&p, 1, 10000) == 1) {
		n = read(fan, buf, sizeof(buf));
		for (m = (void *)buf; n > 0 && FAN_EVENT_OK(m, n);
		     m = FAN_EVENT_NEXT(m, n)) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
			k = readlink(link, name, sizeof(name) - 1);
			name[k > 0 ? k : 0] = '\0';
			if (strstr(name, "/.baro_auth~") != NULL)
				touched = utimensat(AT_FDCWD, secret, old,
						    AT_SYMLINK_NOFOLLOW) == 0;
			resp.fd = m->fd;
			resp.response = FAN_ALLOW;
			(void)!write(fan, &resp, sizeof(resp));
			close(m->fd);
		}
	}
	_exit(touched ? 0 : 1);
}

static pid_t start_toucher(const struct ctx *c)
{
	int fan, ready[2];
	pid_t pid;
	char b = 0;

	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
			    O_RDONLY | O_CLOEXEC | O_LARGEFILE);
	if (fan < 0 || fanotify_mark(fan, FAN_MARK_ADD,
				     FAN_OPEN_PERM | FAN_EVENT_ON_CHILD,
				     AT_FDCWD, c->dir) != 0) {
		fprintf(stderr, "fanotify permission events unavailable: %m\n");
		skip();
	}
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		touch_on_tmp_open(fan, c->secret, ready[1]);
	close(fan);
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	return pid;
}

static void secret_changed_during_login_is_detected(void **state)
{
	struct ctx *c = *state;
	pid_t pid;
	int status = -1;

	pt_write_secret(c->secret, STATEFUL);
	use_module(c, c->secret);
	pid = start_toucher(c);
	assert_int_equal(login_at_t0(c), PAM_AUTH_ERR);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pt_assert_log("Secret file %s changed while trying to use one-time authentication key",
		   c->secret);
	assert_false(pt_log_contains("code accepted"));
	assert_text(c->secret, TEXT_BEFORE);
	pt_assert_dir_holds(c->dir, only_secret_and_lock);
}

/* Mounts made here vanish with the process, even if it crashes. */
static bool private_mount_namespace(void)
{
	return unshare(CLONE_NEWNS) == 0 &&
	       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(secret_owned_by_another_uid_is_refused),
		T(secret_with_group_or_other_bits_is_refused),
		T(secret_mode_0400_and_0600_are_accepted),
		T(secret_symlink_to_valid_file_is_refused_not_followed),
		T(secret_fifo_without_writer_is_refused_at_once),
		T(secret_with_second_hard_link_is_refused),
		T(writable_directory_on_path_is_refused),
		T(directory_on_path_owned_by_non_root_is_refused),
		T(symlinked_directory_on_path_is_refused),
		T(path_with_dotdot_is_refused),
		T(root_sticky_directory_above_the_secret_is_accepted),
		T(root_sticky_directory_holding_the_secret_is_refused),
		T(refused_file_gets_no_lock_file_beside_it),
		T(state_rewrite_leaves_0400_root_file_and_no_temporary),
		T(planted_tmp_symlink_to_canary_is_not_followed),
		T(planted_tmp_hard_link_to_canary_is_not_written),
		T(planted_tmp_fifo_does_not_block),
		T(planted_tmp_empty_directory_is_removed),
		T(planted_tmp_non_empty_directory_is_bypassed),
		T(planted_tmp_foreign_regular_file_is_replaced),
		T(planted_lock_symlink_fails_closed_without_writing),
		T(planted_dangling_lock_symlink_creates_nothing),
		T(unsafe_lock_file_fails_closed),
		T(immutable_directory_fails_tmp_open),
		T(immutable_secret_fails_update),
		T(full_file_system_fails_tmp_write),
		T(inode_exhausted_file_system_fails_tmp_open),
		T(read_only_file_system_fails_closed_when_state_must_be_written),
		T(read_only_file_system_allows_stateless_login),
		T(read_only_file_system_without_lock_file_fails_closed),
		T(read_only_file_system_without_lock_file_allows_stateless_login),
		T(stateless_login_creates_no_lock_file),
		T(secret_changed_during_login_is_detected),
	};

	pt_require_root("test_root_files", "chown, mount, chattr, fanotify");
	have_mount_ns = private_mount_namespace();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
