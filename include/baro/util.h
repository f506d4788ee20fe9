/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_UTIL_H
#define BARO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BARO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Wipe then free a NUL-terminated secret; NULL is fine. */
void baro_free_secret(char *s);

/* Parse an unsigned decimal in [min, max]; the whole string must be used. */
bool baro_parse_ulong(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out);

/* Parse a signed 64-bit decimal in [min, max]; the whole string must be used. */
bool baro_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* A user name that is safe to put in a path: not empty, no '/', not "." or
 * "..", no control characters, at most 256 bytes. */
bool baro_user_name_ok(const char *user);

/* Milliseconds on CLOCK_MONOTONIC: for deadlines, never for TOTP time. */
int64_t baro_monotonic_ms(void);

/* Expand ${USER}, ${HOME} and a leading '~' (home) in tmpl into out.
 * Returns false on truncation, an unknown ${...}, or a relative result. */
bool baro_expand_path(const char *tmpl, const char *user, const char *home,
		      char *out, size_t outsz);

#endif
