/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_VERIFY_H
#define BARO_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/secret.h"

/* The decision of DESIGN.md §6 on a parsed secret, with no I/O: RATE_LIMIT →
 * TOTP window → DISALLOW_REUSE → emergency keys. Updates the state in s. */

enum baro_result {
	BARO_OK = 0,
	BARO_OK_EMERGENCY,
	BARO_WRONG,
	BARO_RATE_LIMITED,
	BARO_REUSED,
	BARO_ERROR, /* HMAC failure */
};

struct baro_verdict {
	enum baro_result result;
	bool state_changed; /* the file must be rewritten */
	unsigned retry_secs; /* BARO_REUSED: until the next cycle */
	int64_t offset;      /* cycles between the matching code and now */
};

/* Keep only ASCII digits of `in` after dropping spaces into out (size
 * outsz). Returns false when anything but digits and spaces was typed or
 * out is too small; out is then empty. */
bool baro_code_normalise(const char *in, char *out, size_t outsz);

/* `totp_code` is checked against the TOTP window when it has the file's
 * DIGITS length, `emergency_code` against the emergency keys when it has 8
 * digits; either may be NULL. Both must already be normalised. */
void baro_verify(struct baro_secret *s, const uint8_t *key, size_t keylen,
		 int64_t now, const char *totp_code, const char *emergency_code,
		 struct baro_verdict *v);

/* HMAC-SHA256(key, code) as stored on an EMERGENCY_KEY line. */
bool baro_emergency_hash(const uint8_t *key, size_t keylen, const char *code,
			 uint8_t out[BARO_EMERGENCY_HASH_LEN]);

#endif
