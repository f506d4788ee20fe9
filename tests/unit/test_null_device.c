/* SPDX-License-Identifier: BSD-3-Clause */
/* baro_is_null_device() and baro_open_null() (src/core/fileio_null.c),
 * what the setuid helper and the module's spawner put on a standard
 * descriptor: only the kernel's null device (character device 1:3) is
 * taken. The check is given real fstat results (/dev/null, a regular
 * file, /dev/zero) and made-up ones; the open is linked with
 * -Wl,--wrap=fstat so that its fstat can describe another file, without
 * touching the machine's /dev/null (tests/helper does that in a private
 * mount namespace). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "baro/fileio.h"

int __real_fstat(int fd, struct stat *st);
int __wrap_fstat(int fd, struct stat *st);

/* When >= 0, fstat of any descriptor describes this one instead. */
static int fstat_as = -1;
static bool fstat_fails;

int __wrap_fstat(int fd, struct stat *st)
{
	if (fstat_fails) {
		errno = EIO;
		return -1;
	}
	return __real_fstat(fstat_as >= 0 ? fstat_as : fd, st);
}

static char tmpl[] = "/tmp/baro-nulldev.XXXXXX";
static int regular_fd = -1;

static int setup(void **state)
{
	(void)state;
	regular_fd = mkstemp(tmpl);
	if (regular_fd < 0)
		return -1;
	(void)unlink(tmpl);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (regular_fd >= 0)
		close(regular_fd);
	return 0;
}

static struct stat stat_of_path(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	assert_true(fd >= 0);
	assert_int_equal(__real_fstat(fd, &st), 0);
	close(fd);
	return st;
}

/* The lowest free descriptor: the same before and after a call that
 * leaks none. */
static int next_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void the_real_null_device_is_accepted(void **state)
{
	struct stat st = stat_of_path("/dev/null");

	(void)state;
	assert_true(baro_is_null_device(&st));
}

static void a_regular_file_is_refused(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(__real_fstat(regular_fd, &st), 0);
	assert_false(baro_is_null_device(&st));
}

static void another_char_device_is_refused(void **state)
{
	struct stat st = stat_of_path("/dev/zero");

	(void)state;
	assert_true(S_ISCHR(st.st_mode));
	assert_false(baro_is_null_device(&st));
}

/* Made-up results: the kind and both numbers must match. */
static void only_char_1_3_is_accepted(void **state)
{
	static const struct {
		mode_t kind;
		unsigned major, minor;
		bool ok;
	} cases[] = {
		{ S_IFCHR, 1, 3, true },  { S_IFBLK, 1, 3, false },
		{ S_IFCHR, 1, 5, false }, { S_IFCHR, 3, 1, false },
		{ S_IFCHR, 0, 3, false }, { S_IFREG, 1, 3, false },
		{ S_IFIFO, 1, 3, false }, { S_IFSOCK, 1, 3, false },
		{ S_IFCHR, 257, 3, false },
	};
	struct stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.st_mode = cases[i].kind | 0666;
		st.st_rdev = makedev(cases[i].major, cases[i].minor);
		assert_int_equal(baro_is_null_device(&st), cases[i].ok);
	}
}

static void open_null_gives_the_null_device(void **state)
{
	const char *why = "unset";
	struct stat st;
	int fd;

	(void)state;
	fd = baro_open_null(&why);
	assert_true(fd >= 0);
	assert_null(why);
	assert_int_equal(__real_fstat(fd, &st), 0);
	assert_true(baro_is_null_device(&st));
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
}

static void expect_refused(const char *want)
{
	const char *why = NULL;
	int before = next_fd();

	assert_int_equal(baro_open_null(&why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_int_equal(next_fd(), before); /* the descriptor was closed */
}

static void open_null_refuses_a_regular_file(void **state)
{
	(void)state;
	fstat_as = regular_fd;
	expect_refused("/dev/null is not the null device (character device 1:3)");
	assert_int_equal(errno, ENODEV);
	fstat_as = -1;
}

static void open_null_refuses_another_char_device(void **state)
{
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(zero >= 0);
	fstat_as = zero;
	expect_refused("/dev/null is not the null device (character device 1:3)");
	fstat_as = -1;
	close(zero);
}

static void open_null_fails_closed_when_fstat_fails(void **state)
{
	(void)state;
	fstat_fails = true;
	expect_refused("/dev/null is not the null device (character device 1:3)");
	fstat_fails = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_real_null_device_is_accepted),
		cmocka_unit_test(a_regular_file_is_refused),
		cmocka_unit_test(another_char_device_is_refused),
		cmocka_unit_test(only_char_1_3_is_accepted),
		cmocka_unit_test(open_null_gives_the_null_device),
		cmocka_unit_test(open_null_refuses_a_regular_file),
		cmocka_unit_test(open_null_refuses_another_char_device),
		cmocka_unit_test(open_null_fails_closed_when_fstat_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
