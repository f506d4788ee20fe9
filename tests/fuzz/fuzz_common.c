/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_ext.h>

#define LOG_CAP (64 * 1024)

static char log_buf[LOG_CAP];
static size_t log_len;
static char dir[64];

static int handle_storage;
pam_handle_t *const fz_pamh = (pam_handle_t *)&handle_storage;

void fz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant broken: %s\n--- log ---\n%s--- end ---\n",
		what, log_buf);
	abort();
}

uint8_t fz_u8(struct fz *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

uint32_t fz_u32(struct fz *in)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)fz_u8(in) << (8 * i);
	return v;
}

static char *copy(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		fz_fail("out of memory");
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *fz_field(struct fz *in)
{
	const uint8_t *nul = in->n > 0 ? memchr(in->p, '\0', in->n) : NULL;
	size_t n = nul != NULL ? (size_t)(nul - in->p) : in->n;
	char *s = copy(in->p, n);

	in->p += n;
	in->n -= n;
	if (nul != NULL) {
		in->p++;
		in->n--;
	}
	return s;
}

char *fz_rest(struct fz *in, size_t *len)
{
	char *s = copy(in->p, in->n);

	*len = in->n;
	in->p += in->n;
	in->n = 0;
	return s;
}

/* --- the logger's side of libpam --- */

FZ_EXPORT void pam_vsyslog(const pam_handle_t *pamh, int prio,
			   const char *fmt, va_list ap);
FZ_EXPORT void pam_syslog(const pam_handle_t *pamh, int prio,
			  const char *fmt, ...);

void pam_vsyslog(const pam_handle_t *pamh, int prio, const char *fmt,
		 va_list ap)
{
	int n;

	(void)prio;
	if (pamh == NULL)
		fz_fail("pam_vsyslog without a handle");
	if (log_len >= LOG_CAP - 2)
		log_len = 0;
	n = vsnprintf(log_buf + log_len, LOG_CAP - log_len - 1, fmt, ap);
	if (n < 0)
		fz_fail("log line does not format");
	log_len += (size_t)n < LOG_CAP - log_len - 1 ? (size_t)n
						    : LOG_CAP - log_len - 2;
	log_buf[log_len++] = '\n';
	log_buf[log_len] = '\0';
}

void pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, prio, fmt, ap);
	va_end(ap);
}

void fz_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

bool fz_log_contains(const char *text)
{
	return strstr(log_buf, text) != NULL;
}

const char *fz_log_text(void)
{
	return log_buf;
}

/* --- files --- */

static void remove_dir(void)
{
	if (dir[0] != '\0') {
		fz_dir_clear();
		(void)rmdir(dir);
	}
}

const char *fz_dir(void)
{
	if (dir[0] != '\0')
		return dir;
	strcpy(dir, "/dev/shm/baro-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		strcpy(dir, "/tmp/baro-fuzz.XXXXXX");
		if (mkdtemp(dir) == NULL)
			fz_fail("mkdtemp");
	}
	if (chmod(dir, 0700) != 0)
		fz_fail("chmod");
	atexit(remove_dir);
	return dir;
}

void fz_dir_clear(void)
{
	DIR *d = opendir(fz_dir());
	struct dirent *de;
	int fd;

	if (d == NULL)
		fz_fail("opendir");
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) != 0 &&
		    unlinkat(fd, de->d_name, AT_REMOVEDIR) != 0)
			fz_fail("cannot clear the private directory");
	}
	closedir(d);
}

void fz_path(char *out, size_t n, const char *name)
{
	int r = snprintf(out, n, "%s/%s", fz_dir(), name);

	if (r < 0 || (size_t)r >= n)
		fz_fail("path too long");
}

void fz_write(const char *name, const void *data, size_t len, mode_t mode)
{
	char path[256];
	int fd;

	fz_path(path, sizeof(path), name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len) ||
	    fchmod(fd, mode) != 0 || close(fd) != 0)
		fz_fail("cannot write a file in the private directory");
}

char *fz_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size < 0 || st.st_size > (1 << 20))
		fz_fail("cannot stat a file in the private directory");
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		fz_fail("out of memory");
	r = read(fd, buf, (size_t)st.st_size);
	if (r != (ssize_t)st.st_size)
		fz_fail("short read in the private directory");
	buf[r] = '\0';
	*len = (size_t)r;
	close(fd);
	return buf;
}

int fz_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		fz_fail("opendir /proc/self/fd");
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}
