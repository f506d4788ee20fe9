/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/totp.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const struct {
	const char *name;
	enum baro_hash hash;
} hash_names[] = {
	{ "SHA1", BARO_SHA1 },
	{ "SHA256", BARO_SHA256 },
	{ "SHA512", BARO_SHA512 },
};

const char *baro_hash_name(enum baro_hash h)
{
	size_t i;

	for (i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++)
		if (hash_names[i].hash == h)
			return hash_names[i].name;
	return "SHA1";
}

bool baro_hash_from_name(const char *name, enum baro_hash *h)
{
	size_t i;

	for (i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++) {
		if (strcmp(hash_names[i].name, name) == 0) {
			*h = hash_names[i].hash;
			return true;
		}
	}
	return false;
}

static const EVP_MD *hash_md(enum baro_hash h)
{
	switch (h) {
	case BARO_SHA256:
		return EVP_sha256();
	case BARO_SHA512:
		return EVP_sha512();
	case BARO_SHA1:
	default:
		return EVP_sha1();
	}
}

static const uint32_t pow10_table[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

bool baro_hotp(enum baro_hash h, const uint8_t *key, size_t keylen,
	       uint64_t counter, unsigned digits, uint32_t *value)
{
	uint8_t msg[8];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	unsigned offset;
	uint32_t bin;
	bool ok = false;
	int i;

	if (digits < BARO_DIGITS_MIN || digits > BARO_DIGITS_MAX ||
	    keylen > (size_t)INT32_MAX)
		return false;
	for (i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(hash_md(h), key, (int)keylen, msg, sizeof(msg), md,
		 &mdlen) == NULL || mdlen < 20)
		goto out;
	offset = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[offset] & 0x7f) << 24) |
	      ((uint32_t)md[offset + 1] << 16) |
	      ((uint32_t)md[offset + 2] << 8) | (uint32_t)md[offset + 3];
	*value = bin % pow10_table[digits];
	ok = true;
out:
	OPENSSL_cleanse(md, sizeof(md));
	return ok;
}

int64_t baro_totp_counter(int64_t now, unsigned cycle)
{
	if (now < 0 || cycle == 0)
		return 0;
	return now / (int64_t)cycle;
}

void baro_totp_window(int64_t counter, unsigned window, int64_t *first,
		      int64_t *last)
{
	int64_t before = window > 0 ? (int64_t)(window - 1) / 2 : 0;
	int64_t after = (int64_t)window / 2;

	*first = counter - before < 0 ? 0 : counter - before;
	*last = counter + after;
}

static void format_code(uint32_t value, unsigned digits, char *out)
{
	unsigned i;

	for (i = digits; i > 0; i--) {
		out[i - 1] = (char)('0' + value % 10);
		value /= 10;
	}
	out[digits] = '\0';
}

int baro_totp_match(enum baro_hash h, const uint8_t *key, size_t keylen,
		    int64_t now, unsigned cycle, unsigned digits,
		    unsigned window, const char *code, int64_t *matched)
{
	char candidate[BARO_DIGITS_MAX + 1];
	int64_t first, last, c, found = -1;
	uint32_t value = 0;
	int rc = 0;

	if (strlen(code) != digits)
		return 0;
	baro_totp_window(baro_totp_counter(now, cycle), window, &first, &last);
	for (c = first; c <= last; c++) {
		if (!baro_hotp(h, key, keylen, (uint64_t)c, digits, &value)) {
			rc = -1;
			goto out;
		}
		format_code(value, digits, candidate);
		/* No early exit: every candidate is computed and compared. */
		if (CRYPTO_memcmp(candidate, code, digits) == 0 && found < 0)
			found = c;
	}
	if (found >= 0) {
		*matched = found;
		rc = 1;
	}
out:
	OPENSSL_cleanse(candidate, sizeof(candidate));
	OPENSSL_cleanse(&value, sizeof(value));
	return rc;
}
