/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_TOTP_H
#define BARO_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum baro_hash { BARO_SHA1 = 0, BARO_SHA256, BARO_SHA512 };

#define BARO_KEY_MIN 16
#define BARO_KEY_MAX 64
#define BARO_DIGITS_MIN 6
#define BARO_DIGITS_MAX 8

const char *baro_hash_name(enum baro_hash h);
bool baro_hash_from_name(const char *name, enum baro_hash *h);

/* RFC 4226 HOTP value (already reduced to `digits` digits). */
bool baro_hotp(enum baro_hash h, const uint8_t *key, size_t keylen,
	       uint64_t counter, unsigned digits, uint32_t *value);

/* The TOTP counter for time `now` and period `cycle`. */
int64_t baro_totp_counter(int64_t now, unsigned cycle);

/* First and last counter of the window around `counter`: WINDOW_SIZE w
 * covers counter-(w-1)/2 .. counter+w/2 (3 = previous, current, next). */
void baro_totp_window(int64_t counter, unsigned window, int64_t *first,
		      int64_t *last);

/* Compare `code` (exactly `digits` ASCII digits) against every counter of
 * the window in constant time, with no early exit. On a match *matched is
 * the counter; returns -1 on an internal (HMAC) failure, 0 no match,
 * 1 match. */
int baro_totp_match(enum baro_hash h, const uint8_t *key, size_t keylen,
		    int64_t now, unsigned cycle, unsigned digits,
		    unsigned window, const char *code, int64_t *matched);

#endif
