/* SPDX-License-Identifier: BSD-3-Clause */
/* A library a hostile caller asks the loader to put into the setuid
 * helper (LD_PRELOAD, or as libcrypto.so.3 through LD_LIBRARY_PATH): if it
 * is ever loaded into a process running as root, it leaves a mark. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void leave_mark(void)
{
	const char *mark = getenv("BARO_EVIL_MARK");
	int fd;

	if (mark == NULL || geteuid() != 0)
		return;
	fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0)
		close(fd);
}
