/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_FUZZ_COMMON_H
#define BARO_FUZZ_COMMON_H

/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <security/pam_modules.h>

#define FZ_EXPORT __attribute__((visibility("default")))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Reads an input front to back; past the end everything is 0 or "". */
struct fz {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz *in);
uint32_t fz_u32(struct fz *in);
/* The bytes up to the next NUL (or the end), NUL-terminated, malloc'd. */
char *fz_field(struct fz *in);
/* The rest of the input, NUL-terminated, malloc'd; *len its length. */
char *fz_rest(struct fz *in, size_t *len);

/* A PAM handle for the logger: never dereferenced. */
extern pam_handle_t *const fz_pamh;

/* Everything logged through pam_syslog()/pam_vsyslog(), one line each;
 * every line is formatted, so a bad format argument is found. */
void fz_log_clear(void);
bool fz_log_contains(const char *text);
const char *fz_log_text(void);

/* A private root-owned 0700 directory on a tmpfs (/dev/shm, else /tmp),
 * made once, removed at exit. */
const char *fz_dir(void);
/* Remove every entry of fz_dir(). */
void fz_dir_clear(void);
/* dir/name into out (aborts on truncation). */
void fz_path(char *out, size_t n, const char *name);
/* Create name in fz_dir() with the bytes and mode (aborts on failure). */
void fz_write(const char *name, const void *data, size_t len, mode_t mode);
/* Read a whole file; NULL if missing. */
char *fz_read(const char *path, size_t *len);
/* Open descriptors of the process (/proc/self/fd). */
int fz_count_fds(void);

/* Abort with a message: the invariant that a target checks is broken. */
void fz_fail(const char *what) __attribute__((noreturn));
#define FZ_CHECK(cond)                                   \
	do {                                             \
		if (!(cond))                             \
			fz_fail(#cond);                  \
	} while (0)

#endif
