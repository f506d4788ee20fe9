/* SPDX-License-Identifier: BSD-3-Clause */
/* The fault-injection module pam_baro_auth_fault.so: the test module
 * (injected clock) with every failing call wrapped (fault_wrap.c). Its
 * pam_sm_authenticate resets the counters, runs the real one with the
 * fault armed, and reports.
 *
 *   BARO_FAULT=CALL:N[:ERRNO[:TEXT]]  fail the Nth call of CALL (a name of
 *       fault_call_names) during one pam_sm_authenticate, with ERRNO
 *       (default ENOMEM for allocations, EIO otherwise); with TEXT, only
 *       calls whose path argument contains TEXT count.
 *   BARO_FAULT_REPORT=PATH  write "CALL=COUNT ..." (every call made),
 *       "hit=0|1" and one "violation: ..." line per broken open rule. */
/* The target renames the module's entry point
 * (tests/fault/CMakeLists.txt); the exported one is defined here. */
#undef pam_sm_authenticate

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_modules.h>

#include "fault_wrap.h"

#define BARO_EXPORT __attribute__((visibility("default")))
#define REPORT_MAX 8192

int __real_open(const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_close(int fd);

/* pam_baro_auth.c is compiled with pam_sm_authenticate renamed to this. */
int baro_fault_real_authenticate(pam_handle_t *pamh, int flags, int argc,
				 const char **argv);

static struct {
	bool armed;
	int call; /* -1: count only */
	unsigned long nth;
	int err;
	char match[64];
	unsigned long counts[FC_COUNT];
	unsigned long matching;
	bool hit;
	char violations[2048];
	size_t vlen;
} st;

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EIO", EIO },       { "ENOSPC", ENOSPC }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EPERM", EPERM },   { "EINTR", EINTR },
	{ "EROFS", EROFS },   { "EDQUOT", EDQUOT }, { "EAGAIN", EAGAIN },
	{ "ENOENT", ENOENT }, { "EEXIST", EEXIST }, { "EBADF", EBADF },
};

static int parse_errno(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, s) == 0)
			return errnos[i].err;
	return 0;
}

static int parse_call(const char *s, size_t n)
{
	int i;

	for (i = 0; i < FC_COUNT; i++)
		if (strlen(fault_call_names[i]) == n &&
		    strncmp(fault_call_names[i], s, n) == 0)
			return i;
	return -1;
}

static bool is_allocation(int call)
{
	return call == FC_malloc || call == FC_calloc || call == FC_strdup ||
	       call == FC_strndup || call == FC_EVP_CIPHER_CTX_new;
}

/* A malformed BARO_FAULT aborts: a test must not pass by injecting
 * nothing. */
static void parse_spec(const char *spec)
{
	char copy[256], *field[4] = { NULL, NULL, NULL, NULL };
	char *p, *end = NULL;
	int n = 0;

	if (strlen(spec) >= sizeof(copy))
		abort();
	strcpy(copy, spec);
	for (p = copy; n < 4 && p != NULL; n++) {
		field[n] = p;
		p = strchr(p, ':');
		if (p != NULL && n < 3)
			*p++ = '\0';
		else
			p = NULL;
	}
	st.call = parse_call(field[0], strlen(field[0]));
	if (st.call < 0 || field[1] == NULL)
		abort();
	st.nth = strtoul(field[1], &end, 10);
	if (st.nth == 0 || *end != '\0')
		abort();
	st.err = is_allocation(st.call) ? ENOMEM : EIO;
	if (field[2] != NULL && field[2][0] != '\0') {
		st.err = parse_errno(field[2]);
		if (st.err == 0)
			abort();
	}
	if (field[3] != NULL && strlen(field[3]) < sizeof(st.match))
		strcpy(st.match, field[3]);
}

static void reset(void)
{
	const char *spec = getenv("BARO_FAULT");

	memset(&st, 0, sizeof(st));
	st.call = -1;
	if (spec != NULL && spec[0] != '\0')
		parse_spec(spec);
}

struct fault_action fault_decide(enum fault_call c, const char *name)
{
	struct fault_action a = { 0, 0 };

	if (!st.armed)
		return a;
	st.counts[c]++;
	if ((int)c != st.call || st.hit)
		return a;
	if (st.match[0] != '\0' && (name == NULL || strstr(name, st.match) == NULL))
		return a;
	if (++st.matching == st.nth) {
		st.hit = true;
		a.err = st.err;
	}
	return a;
}

void fault_violation(enum fault_call c, const char *what, const char *name)
{
	int n;

	if (!st.armed)
		return;
	n = snprintf(st.violations + st.vlen, sizeof(st.violations) - st.vlen,
		     "violation: %s %s %s\n", fault_call_names[c], what,
		     name != NULL ? name : "");
	if (n > 0 && (size_t)n < sizeof(st.violations) - st.vlen)
		st.vlen += (size_t)n;
}

static void report(void)
{
	const char *path = getenv("BARO_FAULT_REPORT");
	char buf[REPORT_MAX];
	size_t len = 0;
	int fd, i, n;

	if (path == NULL)
		return;
	for (i = 0; i < FC_COUNT; i++) {
		n = snprintf(buf + len, sizeof(buf) - len, "%s=%lu%s",
			     fault_call_names[i], st.counts[i],
			     i + 1 < FC_COUNT ? " " : "\n");
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			abort();
		len += (size_t)n;
	}
	n = snprintf(buf + len, sizeof(buf) - len, "hit=%d\n%s", st.hit ? 1 : 0,
		     st.violations);
	if (n < 0 || (size_t)n >= sizeof(buf) - len)
		abort();
	len += (size_t)n;
	fd = __real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || __real_write(fd, buf, len) != (ssize_t)len)
		abort();
	(void)__real_close(fd);
}

BARO_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	int rc;

	reset();
	st.armed = true;
	rc = baro_fault_real_authenticate(pamh, flags, argc, argv);
	st.armed = false;
	report();
	return rc;
}
