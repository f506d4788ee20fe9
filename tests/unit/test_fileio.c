/* SPDX-License-Identifier: BSD-3-Clause */
/* baro_file_open() against a file renamed over between its open and its
 * fstat, as a concurrent login's rewrite does: linked with
 * -Wl,--wrap=fstat, the wrapper renames a new file over the one just
 * opened at that moment, so the descriptor's file has no link left. The
 * new file is read; a file rewritten at every try fails closed. Root only
 * (a secret file must be root's); skipped otherwise. */
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "baro/fileio.h"

int __real_fstat(int fd, struct stat *st);
int __wrap_fstat(int fd, struct stat *st);

static char dir[] = "/tmp/baro-fileio.XXXXXX";
static char target[PATH_MAX];
static ino_t target_ino;
static unsigned renames_left, renames_done;

static void write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_ino;
}

/* The target's descriptor, before its fstat: "version N+1" is renamed
 * over the target. */
int __wrap_fstat(int fd, struct stat *st)
{
	char tmp[PATH_MAX + 16], text[32];
	struct stat now;

	if (renames_left > 0 && __real_fstat(fd, &now) == 0 &&
	    S_ISREG(now.st_mode) && now.st_ino == target_ino) {
		renames_left--;
		renames_done++;
		snprintf(tmp, sizeof(tmp), "%s.new", target);
		snprintf(text, sizeof(text), "version %u\n", renames_done + 1);
		write_new(tmp, text);
		assert_int_equal(rename(tmp, target), 0);
		target_ino = ino_of(target);
	}
	return __real_fstat(fd, st);
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(target, sizeof(target), "%s/.baro_auth", dir);
	write_new(target, "version 1\n");
	target_ino = ino_of(target);
	renames_left = renames_done = 0;
	return 0;
}

static int teardown(void **state)
{
	char tmp[PATH_MAX + 16];

	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.new", target);
	unlink(tmp);
	unlink(target);
	rmdir(dir);
	return 0;
}

static void file_replaced_after_open_is_read_anew(void **state)
{
	struct baro_file f;

	(void)state;
	if (geteuid() != 0)
		skip();
	renames_left = 1;
	baro_file_init(&f);
	assert_int_equal(baro_file_open(&f, target, &baro_secret_rules, false),
			 BARO_IO_OK);
	assert_int_equal(renames_done, 1);
	assert_string_equal(f.data, "version 2\n");
	assert_int_equal(f.st.st_nlink, 1);
	baro_file_close(&f);
}

static void file_replaced_at_every_try_fails_closed(void **state)
{
	struct baro_file f;

	(void)state;
	if (geteuid() != 0)
		skip();
	renames_left = 100;
	baro_file_init(&f);
	assert_int_equal(baro_file_open(&f, target, &baro_secret_rules, false),
			 BARO_IO_PERM);
	assert_true(renames_done > 1 && renames_done < 10);
	assert_null(f.data);
	baro_file_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			file_replaced_after_open_is_read_anew, setup, teardown),
		cmocka_unit_test_setup_teardown(
			file_replaced_at_every_try_fails_closed, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
