/* SPDX-License-Identifier: BSD-3-Clause */
/* /dev/null, checked like every other open (DESIGN.md §12): the setuid
 * helper puts it on a closed standard descriptor, the module's spawner on
 * the helper's stderr. In a mount namespace a caller controls, /dev/null
 * can be a bind-mounted file or another device; only the kernel's null
 * device is taken. */
#include "baro/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NULL_MAJOR 1
#define NULL_MINOR 3

bool baro_is_null_device(const struct stat *st)
{
	return S_ISCHR(st->st_mode) &&
	       st->st_rdev == makedev(NULL_MAJOR, NULL_MINOR);
}

int baro_open_null(const char **why)
{
	struct stat st;
	int fd = open("/dev/null",
		      O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	*why = NULL;
	if (fd < 0)
		*why = "cannot open /dev/null";
	else if (fstat(fd, &st) != 0 || !baro_is_null_device(&st))
		*why = "/dev/null is not the null device (character device 1:3)";
	if (fd >= 0 && *why != NULL) {
		close(fd);
		fd = -1;
		errno = ENODEV;
	}
	return fd;
}
