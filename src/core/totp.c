/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/totp.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>

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

static const uint32_t pow10_table[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* The key is set once per context; EVP_MAC_init() with no key then starts
 * a new message under it (HMAC_Init_ex semantics; OpenSSL 3.0.0-3.0.2
 * made that call a no-op that left the previous message in place, so with
 * such a libcrypto at run time the key is given again each time). */

/* One keyed HMAC context for a run of counters (a verification window):
 * the MAC is fetched and keyed once, not once per counter. */
struct hotp_mac {
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	/* Key the context again for every counter: a libcrypto older than
	 * 3.0.3 at run time ignores a NULL key without starting a new MAC. */
	const uint8_t *rekey;
	size_t rekeylen;
};

static void hotp_mac_close(struct hotp_mac *m)
{
	EVP_MAC_CTX_free(m->ctx); /* OpenSSL clears the key and its pads */
	EVP_MAC_free(m->mac);
	m->ctx = NULL;
	m->mac = NULL;
}

static bool hotp_mac_open(struct hotp_mac *m, enum baro_hash h,
			  const uint8_t *key, size_t keylen)
{
	static const uint8_t no_key[1];
	OSSL_PARAM params[2];

	m->mac = NULL;
	m->ctx = NULL;
	m->rekey = NULL;
	m->rekeylen = 0;
	/* The digest names are OpenSSL's; a parameter to set is only read. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)baro_hash_name(h),
						     0);
	params[1] = OSSL_PARAM_construct_end();
	/* A NULL key would mean "keep the key": an empty key is not NULL. */
	if (key == NULL)
		key = no_key;
	m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (m->mac != NULL)
		m->ctx = EVP_MAC_CTX_new(m->mac);
	if (m->ctx == NULL || EVP_MAC_init(m->ctx, key, keylen, params) != 1) {
		hotp_mac_close(m);
		return false;
	}
	if (OpenSSL_version_num() < 0x30000030L) {
		m->rekey = key;
		m->rekeylen = keylen;
	}
	return true;
}

/* RFC 4226 §5.3 over the keyed context: HMAC of the 8-byte big-endian
 * counter, dynamic truncation, reduced to `digits` digits. */
static bool hotp_mac_value(struct hotp_mac *m, uint64_t counter,
			   unsigned digits, uint32_t *value)
{
	uint8_t msg[8];
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	unsigned offset;
	uint32_t bin = 0;
	bool ok = false;
	int i;

	for (i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xff);
		counter >>= 8;
	}
	if (EVP_MAC_init(m->ctx, m->rekey, m->rekeylen, NULL) != 1 ||
	    EVP_MAC_update(m->ctx, msg, sizeof(msg)) != 1 ||
	    EVP_MAC_final(m->ctx, md, &mdlen, sizeof(md)) != 1 || mdlen < 20)
		goto out;
	offset = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[offset] & 0x7f) << 24) |
	      ((uint32_t)md[offset + 1] << 16) |
	      ((uint32_t)md[offset + 2] << 8) | (uint32_t)md[offset + 3];
	*value = bin % pow10_table[digits];
	ok = true;
out:
	OPENSSL_cleanse(md, sizeof(md));
	OPENSSL_cleanse(&bin, sizeof(bin));
	return ok;
}

static bool digits_valid(unsigned digits)
{
	return digits >= BARO_DIGITS_MIN && digits <= BARO_DIGITS_MAX;
}

bool baro_hotp(enum baro_hash h, const uint8_t *key, size_t keylen,
	       uint64_t counter, unsigned digits, uint32_t *value)
{
	struct hotp_mac m;
	bool ok;

	if (!digits_valid(digits) || !hotp_mac_open(&m, h, key, keylen))
		return false;
	ok = hotp_mac_value(&m, counter, digits, value);
	hotp_mac_close(&m);
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
	struct hotp_mac m;
	int rc = 0;

	if (strlen(code) != digits)
		return 0;
	if (!digits_valid(digits) || !hotp_mac_open(&m, h, key, keylen))
		return -1;
	baro_totp_window(baro_totp_counter(now, cycle), window, &first, &last);
	for (c = first; c <= last; c++) {
		if (!hotp_mac_value(&m, (uint64_t)c, digits, &value)) {
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
	hotp_mac_close(&m);
	OPENSSL_cleanse(candidate, sizeof(candidate));
	OPENSSL_cleanse(&value, sizeof(value));
	return rc;
}
