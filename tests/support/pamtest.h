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
	const char *authtok;  /* PAM_AUTHTOK before authenticating: libpam
			       * takes it only from a module, so this needs
			       * pt_item_service() (pam_set_items.so) */
	const char *env[4];   /* NAME=VALUE for the PAM environment */
	bool conv_fail;       /* the conversation returns PAM_CONV_ERR */
	bool conv_null;       /* the conversation answers NULL */
	int flags;
	bool setcred;         /* pam_setcred(PAM_ESTABLISH_CRED) afterwards */
	bool open_session;    /* pam_open_session() afterwards */
	const char *ruser;    /* PAM_RUSER */
	bool real_delay;      /* let libpam sleep out the fail delay */

	/* results */
	int rc;
	int n_prompts;
	int styles[PT_MAX_PROMPTS];
	char prompts[PT_MAX_PROMPTS][PT_TEXT_MAX];
	int n_errors;
	char errors[PT_MAX_PROMPTS][PT_TEXT_MAX];
	char authtok_after[PT_TEXT_MAX]; /* PAM_AUTHTOK after, "" if unset;
					  * needs pt_item_service() too */
	int setcred_rc;
	int session_rc;
	bool delay_called;    /* libpam's fail delay ran (PAM_FAIL_DELAY) */
	int delay_status;     /* ... for this result */
	unsigned delay_usec;  /* ... with this delay (0: none requested) */
};

void pt_setup(struct pt_env *e);
void pt_teardown(struct pt_env *e);

/* A cmocka teardown: pt_teardown() of the fixture *state points to, a
 * struct whose first member is its struct pt_env. */
int pt_teardown_state(void **state);

/* snprintf that aborts on truncation. */
void pt_format(char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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

/* "auth <control> <test module> conf=CONF ARGS" (conf NULL: an empty
 * one). With verdict, the control is [success=done ignore=ignore
 * default=die] and pam_permit follows, so pam_authenticate() returns the
 * module's own code and a PAM_IGNORE shows as PAM_SUCCESS (alone in a
 * stack libpam would turn it into PAM_PERM_DENIED); else "required". */
void pt_module_service(const struct pt_env *e, bool verdict,
		       const char *conf, const char *args);

/* Debian's libpam-wrapper modules: pam_set_items.so sets PAM items from
 * the process environment, pam_get_items.so copies them into the PAM
 * environment, the only way for an application to see PAM_AUTHTOK. */
#ifndef PT_PAM_WRAPPER_DIR
#define PT_PAM_WRAPPER_DIR "/usr/lib/x86_64-linux-gnu/pam_wrapper"
#endif
#define PT_SET_ITEMS PT_PAM_WRAPPER_DIR "/pam_set_items.so"
#define PT_GET_ITEMS PT_PAM_WRAPPER_DIR "/pam_get_items.so"

/* pam_set_items, the test module with args, pam_get_items: authtok and
 * authtok_after of struct pt_run work. False (nothing written) when
 * libpam-wrapper is not installed. */
bool pt_item_service(const struct pt_env *e, const char *args);

/* The usual fixture: pt_setup(), a root-only dir/secrets and the path
 * of the secret file in it. */
void pt_setup_secret(struct pt_env *e, char *secret, size_t n);

/* "SECURE_KEY PT_KEY_B32", "CYCLE_TIME 30", then extra: into out
 * (aborts on truncation), or as the file path with mode 0400. */
void pt_secret_text(char *out, size_t n, const char *extra);
void pt_write_secret(const char *path, const char *extra);

/* The injected clock of the test module. */
void pt_set_now(int64_t t);

/* A code from oathtool, the independent reference. */
void pt_oathtool(const char *b32, const char *hash, unsigned digits,
		 unsigned cycle, int64_t t, char *out, size_t outsz);

/* The code of PT_KEY_B32 at t with the defaults (SHA1, 6 digits, 30 s). */
void pt_code(int64_t t, char *out, size_t outsz);

/* "EMERGENCY_KEY <hex>\n" storing code for PT_KEY_B32 (DESIGN.md §3). */
void pt_emergency_line(const char *code, char *out, size_t outsz);

/* Captured syslog, message part only (after "module(service:auth): "). */
void pt_log_clear(void);
bool pt_log_has(const char *message);  /* an exact line */
bool pt_log_contains(const char *part);
const char *pt_log_all(void);
void pt_log_dump(void);

/* Assert (cmocka) that the exact line, formatted, is in the captured log;
 * else the log is dumped and the test fails naming the line. */
void pt_assert_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The number of open descriptors of this process (/proc/self/fd): the
 * same before and after a login, or the module leaked one. */
int pt_count_fds(void);

/* Assert (cmocka) what a state rewrite must leave at path: a regular
 * file owned by root:root, mode 0400, one link, parsing with the key
 * PT_KEY_B32. *s gets the parsed state; its text lines are dropped. */
struct baro_secret;
void pt_assert_secret_file(const char *path, struct baro_secret *s);

/* Assert that dir holds exactly the names of the NULL-terminated list. */
void pt_assert_dir_holds(const char *dir, const char *const *names);

/* Re-execute the test (argv) under cwrap's nss_wrapper with private
 * passwd and group files, written into a fresh root-owned 0755 directory by
 * write_files(dir); the child finds that directory in PT_NSS_DIR_ENV.
 * Returns the child's exit status; the directory is removed after. */
#define PT_NSS_DIR_ENV "BARO_TEST_NSS_DIR"
int pt_run_under_nss_wrapper(char **argv, void (*write_files)(const char *dir));

/* Unless running as root: say so on stderr and exit 77, the ctest
 * SKIP_RETURN_CODE of the root suites. */
void pt_require_root(const char *test, const char *why);

/* A user that exists on every Debian system and is not root. */
#define PT_USER "nobody"
#define PT_KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

#endif
