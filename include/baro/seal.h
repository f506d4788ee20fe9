/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_SEAL_H
#define BARO_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/log.h"

/* Encryption at rest of SECURE_KEY (DESIGN.md §5): AES-256-GCM under a 32-byte
 * host key, value "enc:v1:" + base64(nonce12 || ciphertext || tag16),
 * AAD = the user name. */

#define BARO_HOSTKEY_LEN 32

/* Host key file text: 64 lowercase hex characters and "\n". */
#define BARO_HOSTKEY_TEXT_LEN (2 * BARO_HOSTKEY_LEN + 1)

/* Output size baro_seal() needs for a key of BARO_KEY_MAX (64) bytes:
 * "enc:v1:" + base64 of 12 + 64 + 16 bytes (124) + NUL. */
#define BARO_SEALED_BUFSZ 132

enum baro_seal_err {
	BARO_SEAL_OK = 0,
	BARO_SEAL_FORMAT,  /* not enc:v1:, bad base64, bad length */
	BARO_SEAL_AUTH,    /* tag check failed: wrong key, user or tampered */
	BARO_SEAL_CRYPTO,  /* OpenSSL failure */
	BARO_SEAL_NOSPACE, /* output buffer too small */
};

/* Seal key bytes (BARO_KEY_MIN..BARO_KEY_MAX of them) for user into out
 * ("enc:v1:..."; NUL-terminated, empty on failure). A key length out of
 * range is BARO_SEAL_FORMAT. */
enum baro_seal_err baro_seal(const uint8_t hostkey[BARO_HOSTKEY_LEN],
			     const char *user, const uint8_t *key,
			     size_t keylen, char *out, size_t outsz);

/* Open a sealed value; key bytes to out (wiped on failure). BARO_KEY_MAX
 * bytes of out always suffice; *outlen is 0 on failure. */
enum baro_seal_err baro_unseal(const uint8_t hostkey[BARO_HOSTKEY_LEN],
			       const char *user, const char *sealed,
			       uint8_t *out, size_t outsz, size_t *outlen);

/* A short reason for logs: "Can't find SECURE_KEY[reason]". */
const char *baro_seal_strerror(enum baro_seal_err e);

/* Read the host key file (same open/fstat checks as the secret file, mode
 * 0400/0600, 64 hex characters on one line, optional trailing newline).
 * Logs the problem through lg. Returns false on any failure; key wiped. */
bool baro_hostkey_load(const char *path, uint8_t key[BARO_HOSTKEY_LEN],
		       const struct baro_log *lg);

/* Parse host key file contents: exactly 64 hex characters (either case),
 * then at most one "\n"; nothing else, no NUL. Key wiped on failure. */
bool baro_hostkey_parse(const char *text, size_t len,
			uint8_t key[BARO_HOSTKEY_LEN]);

/* Host key file contents: 64 lowercase hex characters, "\n" and a NUL, so
 * outsz >= BARO_HOSTKEY_TEXT_LEN + 1. Returns false (out empty) if not. */
bool baro_hostkey_format(const uint8_t key[BARO_HOSTKEY_LEN], char *out,
			 size_t outsz);

#endif
