/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_PAMTEST_H
#define BARO_PAMTEST_H

/* Drive the built module through the real libpam (pam_start_confdir) in a
 * private directory, and capture what it sends to syslog. */

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PT_MAX_PROMPTS 8
#define PT_TEXT_MAX 256

struct pt_env {
	char dir[PATH_MAX];     /* private root-owned 0700 directory */
	char confdir[PATH_MAX]; /* dir/pam.d */
};

struct pt_run {
	const char *service;  /* default "baro-test" */
	const char *user;
	const char *responses[PT_MAX_PROMPTS]; /* answers, in order */
	const char *rhost;
	const char *authtok;  /* set as PAM_AUTHTOK before authenticating */
	const char *env[4];   /* NAME=VALUE for the PAM environment */
	bool conv_fail;       /* the conversation returns PAM_CONV_ERR */
	bool conv_null;       /* the conversation answers NULL */
	int flags;

	/* results */
	int rc;
	int n_prompts;
	int styles[PT_MAX_PROMPTS];
	char prompts[PT_MAX_PROMPTS][PT_TEXT_MAX];
	int n_errors;
	char errors[PT_MAX_PROMPTS][PT_TEXT_MAX];
	char authtok_after[PT_TEXT_MAX]; /* PAM_AUTHTOK after, "" if unset */
};

void pt_setup(struct pt_env *e);
void pt_teardown(struct pt_env *e);

/* dir/rel into out (aborts on truncation). */
void pt_path(const struct pt_env *e, const char *rel, char *out, size_t n);

/* Create or replace a file with the contents and mode, owned by root. */
void pt_write(const char *path, const char *content, mode_t mode);
char *pt_read(const char *path); /* malloc'd, NULL if missing */
void pt_mkdir(const char *path, mode_t mode);

/* Write the PAM service file confdir/service. */
void pt_service(const struct pt_env *e, const char *service,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A one-module stack: "auth required <test module> ARGS". */
void pt_simple_service(const struct pt_env *e, const char *args);

int pt_login(const struct pt_env *e, struct pt_run *r);

/* The injected clock of the test module. */
void pt_set_now(int64_t t);

/* A code from oathtool, the independent reference. */
void pt_oathtool(const char *b32, const char *hash, unsigned digits,
		 unsigned cycle, int64_t t, char *out, size_t outsz);

/* Captured syslog, message part only (after "module(service:auth): "). */
void pt_log_clear(void);
bool pt_log_has(const char *message);  /* an exact line */
bool pt_log_contains(const char *part);
const char *pt_log_all(void);
void pt_log_dump(void);

/* A user that exists on every Debian system and is not root. */
#define PT_USER "nobody"
#define PT_KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

#endif
