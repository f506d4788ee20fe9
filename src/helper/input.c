/* SPDX-License-Identifier: BSD-3-Clause */
/* What the helper reads from its caller, with deadlines: the module puts
 * the code in the pipe before it starts the helper, so waiting at all is
 * only for a caller who runs the helper by hand or enrols. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baro/util.h"
#include "helper.h"

#define INPUT_WAIT_MS 10000

/* Every failure costs this much, as with unix_chkpwd and pam_unix's
 * default fail delay: calling the helper directly gains nothing. */
#define FAIL_DELAY_MS 2000

void chk_fail_delay(void)
{
	struct timespec left = { FAIL_DELAY_MS / 1000,
				 (FAIL_DELAY_MS % 1000) * 1000000L };

	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

static bool input_ready(int64_t deadline)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	int64_t left;
	int r;

	do {
		left = deadline - baro_monotonic_ms();
		r = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (r < 0 && errno == EINTR);
	return r > 0;
}

static ssize_t read_some(char *buf, size_t n, int64_t deadline)
{
	ssize_t r;

	do {
		if (!input_ready(deadline))
			return -1;
		r = read(STDIN_FILENO, buf, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

bool chk_read_all(char *buf, size_t bufsz)
{
	int64_t deadline = baro_monotonic_ms() + INPUT_WAIT_MS;
	size_t len = 0;
	ssize_t r;

	while ((r = read_some(buf + len, bufsz - len, deadline)) > 0) {
		len += (size_t)r;
		if (len == bufsz)
			return false;
	}
	buf[len] = '\0';
	return r == 0 && memchr(buf, '\0', len) == NULL;
}

/* A byte at a time: a line, and nothing of the next one, is consumed. */
bool chk_read_line(char *buf, size_t bufsz, int64_t deadline_ms)
{
	size_t len = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read_some(&c, 1, deadline_ms);
		if (r == 0 && len > 0)
			break; /* a last line without its newline */
		if (r != 1)
			return false;
		if (c == '\n')
			break;
		if (c == '\0' || len + 1 >= bufsz)
			return false;
		buf[len++] = c;
	}
	buf[len] = '\0';
	return true;
}
