/* SPDX-License-Identifier: BSD-3-Clause */
/* The -Wl,--wrap side of fault injection: every call of the core and the
 * module that can fail goes through fault_decide() first. The targets
 * that link it are linked with -Wl,--wrap for each name of
 * BARO_FAULT_WRAPPED (tests/CMakeLists.txt). Every open is also checked
 * for O_CLOEXEC and, below "/", O_NOFOLLOW. */
#include "fault_wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define FAULT_CALL_NAME(name) [FC_##name] = #name,
const char *const fault_call_names[FC_COUNT] = { FAULT_CALLS(FAULT_CALL_NAME) };
#undef FAULT_CALL_NAME

#define WRAP(ret, name, ...)                   \
	ret __real_##name(__VA_ARGS__);        \
	ret __wrap_##name(__VA_ARGS__)

WRAP(void *, malloc, size_t n);
WRAP(void *, calloc, size_t n, size_t size);
WRAP(char *, strdup, const char *s);
WRAP(char *, strndup, const char *s, size_t n);
WRAP(int, open, const char *path, int flags, ...);
WRAP(int, openat, int dirfd, const char *path, int flags, ...);
WRAP(ssize_t, read, int fd, void *buf, size_t n);
WRAP(ssize_t, write, int fd, const void *buf, size_t n);
WRAP(int, close, int fd);
WRAP(int, fsync, int fd);
WRAP(int, fstat, int fd, struct stat *st);
WRAP(int, fstatat, int dirfd, const char *path, struct stat *st, int flags);
WRAP(int, renameat2, int olddirfd, const char *oldpath, int newdirfd,
     const char *newpath, unsigned flags);
WRAP(int, flock, int fd, int op);
WRAP(int, fchown, int fd, uid_t uid, gid_t gid);
WRAP(ssize_t, getrandom, void *buf, size_t n, unsigned flags);
WRAP(int, getpwnam_r, const char *name, struct passwd *pw, char *buf,
     size_t n, struct passwd **res);
WRAP(int, getgrouplist, const char *user, gid_t group, gid_t *groups,
     int *ngroups);
WRAP(int, getgrnam_r, const char *name, struct group *gr, char *buf,
     size_t n, struct group **res);
WRAP(unsigned char *, HMAC, const EVP_MD *md, const void *key, int keylen,
     const unsigned char *data, size_t datalen, unsigned char *out,
     unsigned int *outlen);
WRAP(EVP_MAC_CTX *, EVP_MAC_CTX_new, EVP_MAC *mac);
WRAP(int, EVP_MAC_init, EVP_MAC_CTX *ctx, const unsigned char *key,
     size_t keylen, const OSSL_PARAM params[]);
WRAP(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_new, void);

/* Shorthand: decide, and on a failure set errno and return fail_value. */
#define FAIL_IF(call, name, fail_value)                          \
	do {                                                     \
		struct fault_action a_ = fault_decide(call, name); \
		if (a_.err != 0) {                               \
			errno = a_.err;                          \
			return fail_value;                       \
		}                                                \
	} while (0)

void *__wrap_malloc(size_t n)
{
	FAIL_IF(FC_malloc, NULL, NULL);
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	FAIL_IF(FC_calloc, NULL, NULL);
	return __real_calloc(n, size);
}

char *__wrap_strdup(const char *s)
{
	FAIL_IF(FC_strdup, NULL, NULL);
	return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	FAIL_IF(FC_strndup, NULL, NULL);
	return __real_strndup(s, n);
}

static mode_t mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, unsigned);
	return 0;
}

static void check_open_flags(enum fault_call c, const char *path, int flags)
{
	if ((flags & O_CLOEXEC) == 0)
		fault_violation(c, "open without O_CLOEXEC", path);
	if ((flags & O_NOFOLLOW) == 0 && strcmp(path, "/") != 0)
		fault_violation(c, "open without O_NOFOLLOW", path);
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	check_open_flags(FC_open, path, flags);
	FAIL_IF(FC_open, path, -1);
	return __real_open(path, flags, mode);
}

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	check_open_flags(FC_openat, path, flags);
	FAIL_IF(FC_openat, path, -1);
	return __real_openat(dirfd, path, flags, mode);
}

static size_t shorten(size_t n, const struct fault_action *a)
{
	return a->short_len > 0 && a->short_len < n ? a->short_len : n;
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	struct fault_action a = fault_decide(FC_read, NULL);

	if (a.err != 0) {
		errno = a.err;
		return -1;
	}
	return __real_read(fd, buf, shorten(n, &a));
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	struct fault_action a = fault_decide(FC_write, NULL);

	if (a.err != 0) {
		errno = a.err;
		return -1;
	}
	return __real_write(fd, buf, shorten(n, &a));
}

/* A failing close(2) on Linux has still released the descriptor, so a
 * caller that closes again after a failure closes a number that another
 * thread may own by then: EBADF here is such a double close. */
int __wrap_close(int fd)
{
	struct fault_action a = fault_decide(FC_close, NULL);
	int rc = __real_close(fd);

	if (rc != 0 && errno == EBADF)
		fault_violation(FC_close, "close of a descriptor not open", NULL);
	if (a.err != 0) {
		errno = a.err;
		return -1;
	}
	return rc;
}

int __wrap_fsync(int fd)
{
	FAIL_IF(FC_fsync, NULL, -1);
	return __real_fsync(fd);
}

int __wrap_fstat(int fd, struct stat *st)
{
	FAIL_IF(FC_fstat, NULL, -1);
	return __real_fstat(fd, st);
}

int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	FAIL_IF(FC_fstatat, path, -1);
	return __real_fstatat(dirfd, path, st, flags);
}

int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd,
		     const char *newpath, unsigned flags)
{
	FAIL_IF(FC_renameat2, newpath, -1);
	return __real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

int __wrap_flock(int fd, int op)
{
	FAIL_IF(FC_flock, NULL, -1);
	return __real_flock(fd, op);
}

int __wrap_fchown(int fd, uid_t uid, gid_t gid)
{
	FAIL_IF(FC_fchown, NULL, -1);
	return __real_fchown(fd, uid, gid);
}

ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags)
{
	FAIL_IF(FC_getrandom, NULL, -1);
	return __real_getrandom(buf, n, flags);
}

/* The NSS calls report an error number instead of setting errno. */
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf,
		      size_t n, struct passwd **res)
{
	struct fault_action a = fault_decide(FC_getpwnam_r, name);

	if (a.err != 0) {
		*res = NULL;
		return a.err;
	}
	return __real_getpwnam_r(name, pw, buf, n, res);
}

/* Failure here is "more groups than fit". */
int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups,
			int *ngroups)
{
	struct fault_action a = fault_decide(FC_getgrouplist, user);

	if (a.err != 0) {
		*ngroups += 1;
		return -1;
	}
	return __real_getgrouplist(user, group, groups, ngroups);
}

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t n, struct group **res)
{
	struct fault_action a = fault_decide(FC_getgrnam_r, name);

	if (a.err != 0) {
		*res = NULL;
		return a.err;
	}
	return __real_getgrnam_r(name, gr, buf, n, res);
}

unsigned char *__wrap_HMAC(const EVP_MD *md, const void *key, int keylen,
			   const unsigned char *data, size_t datalen,
			   unsigned char *out, unsigned int *outlen)
{
	FAIL_IF(FC_HMAC, NULL, NULL);
	return __real_HMAC(md, key, keylen, data, datalen, out, outlen);
}

/* The TOTP window's HMAC context: its allocation, and each EVP_MAC_init
 * (the first sets the key and the digest, one more per counter). */
EVP_MAC_CTX *__wrap_EVP_MAC_CTX_new(EVP_MAC *mac)
{
	FAIL_IF(FC_EVP_MAC_CTX_new, NULL, NULL);
	return __real_EVP_MAC_CTX_new(mac);
}

int __wrap_EVP_MAC_init(EVP_MAC_CTX *ctx, const unsigned char *key,
			size_t keylen, const OSSL_PARAM params[])
{
	FAIL_IF(FC_EVP_MAC_init, NULL, 0);
	return __real_EVP_MAC_init(ctx, key, keylen, params);
}

EVP_CIPHER_CTX *__wrap_EVP_CIPHER_CTX_new(void)
{
	FAIL_IF(FC_EVP_CIPHER_CTX_new, NULL, NULL);
	return __real_EVP_CIPHER_CTX_new();
}
