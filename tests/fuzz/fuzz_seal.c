/* SPDX-License-Identifier: BSD-3-Clause */
/* Sealed SECURE_KEY values (DESIGN.md §5) and the host key file text: any
 * "enc:v1:" text either opens to 16..64 key bytes or fails with the output
 * wiped; a sealed key opens only for its host key and user, and any change
 * of its text is refused. Input: 32 host key bytes, the user up to a NUL,
 * then the sealed text (or, with the first user byte odd, key bytes to
 * seal). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "baro/seal.h"
#include "baro/secret.h"
#include "baro/totp.h"
#include "fuzz_common.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void check_unseal(const uint8_t *hostkey, const char *user,
			 const char *sealed)
{
	uint8_t out[BARO_KEY_MAX];
	size_t outlen = 99;
	enum baro_seal_err e;

	memset(out, 0xa5, sizeof(out));
	e = baro_unseal(hostkey, user, sealed, out, sizeof(out), &outlen);
	if (e == BARO_SEAL_OK) {
		FZ_CHECK(outlen >= BARO_KEY_MIN && outlen <= BARO_KEY_MAX);
		FZ_CHECK(strncmp(sealed, BARO_SEALED_PREFIX, 7) == 0);
		return;
	}
	FZ_CHECK(outlen == 0 && all_zero(out, sizeof(out)));
	FZ_CHECK(baro_seal_strerror(e)[0] != '\0');
}

static void check_seal_round_trip(const uint8_t *hostkey, const char *user,
				  const uint8_t *key, size_t keylen)
{
	char sealed[BARO_SEALED_BUFSZ];
	uint8_t out[BARO_KEY_MAX], other[BARO_HOSTKEY_LEN];
	size_t outlen = 0, n;
	enum baro_seal_err e;

	e = baro_seal(hostkey, user, key, keylen, sealed, sizeof(sealed));
	if (keylen < BARO_KEY_MIN || keylen > BARO_KEY_MAX) {
		FZ_CHECK(e == BARO_SEAL_FORMAT && sealed[0] == '\0');
		return;
	}
	FZ_CHECK(e == BARO_SEAL_OK);
	FZ_CHECK(strlen(sealed) < BARO_SECURE_KEY_TEXT_MAX);
	FZ_CHECK(baro_unseal(hostkey, user, sealed, out, sizeof(out),
			     &outlen) == BARO_SEAL_OK);
	FZ_CHECK(outlen == keylen && memcmp(out, key, keylen) == 0);
	/* Another host key does not open it. */
	memcpy(other, hostkey, sizeof(other));
	other[keylen % sizeof(other)] ^= 0x01;
	FZ_CHECK(baro_unseal(other, user, sealed, out, sizeof(out), &outlen) ==
		 BARO_SEAL_AUTH);
	/* Another character anywhere in the text does not open it. */
	n = strlen(BARO_SEALED_PREFIX) + keylen % (strlen(sealed) - 7);
	sealed[n] = sealed[n] == 'A' ? 'B' : 'A';
	FZ_CHECK(baro_unseal(hostkey, user, sealed, out, sizeof(out),
			     &outlen) != BARO_SEAL_OK);
}

static void check_hostkey_text(const char *text, size_t len)
{
	uint8_t key[BARO_HOSTKEY_LEN], again[BARO_HOSTKEY_LEN];
	char formatted[BARO_HOSTKEY_TEXT_LEN + 1];

	if (!baro_hostkey_parse(text, len, key)) {
		FZ_CHECK(all_zero(key, sizeof(key)));
		return;
	}
	FZ_CHECK(len == 64 || len == 65);
	FZ_CHECK(baro_hostkey_format(key, formatted, sizeof(formatted)));
	FZ_CHECK(strncasecmp(formatted, text, 64) == 0);
	FZ_CHECK(baro_hostkey_parse(formatted, strlen(formatted), again));
	FZ_CHECK(memcmp(key, again, sizeof(key)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hostkey[BARO_HOSTKEY_LEN] = { 0 };
	struct fz in = { data, size };
	char *user, *rest;
	size_t i, len = 0;

	for (i = 0; i < sizeof(hostkey); i++)
		hostkey[i] = fz_u8(&in);
	user = fz_field(&in);
	rest = fz_rest(&in, &len);
	check_hostkey_text(rest, len);
	if (user[0] != '\0' && (user[0] & 1))
		check_seal_round_trip(hostkey, user, (const uint8_t *)rest, len);
	else
		check_unseal(hostkey, user, rest);
	free(user);
	free(rest);
	return 0;
}
