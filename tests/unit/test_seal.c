/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of encryption at rest (DESIGN.md §5): src/core/seal.c. The
 * baro_hostkey_load() tests create root-owned files and skip unless run
 * as root. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "baro/seal.h"
#include "baro/totp.h"
#include "baro/util.h"

#define PREFIX "enc:v1:"
#define PREFIX_LEN (sizeof(PREFIX) - 1)
#define NONCE_LEN 12
#define TAG_LEN 16
#define RAW_MAX 256
#define TEXT_MAX 512
#define JUNK 0xa5

/* --- helpers ---------------------------------------------------------- */

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u + 1u);
}

static void test_hostkey(uint8_t hk[BARO_HOSTKEY_LEN])
{
	for (size_t i = 0; i < BARO_HOSTKEY_LEN; i++)
		hk[i] = (uint8_t)i;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static size_t b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

static void seal_ok(const char *user, const uint8_t *key, size_t keylen,
		    char *out, size_t outsz)
{
	uint8_t hk[BARO_HOSTKEY_LEN];

	test_hostkey(hk);
	assert_int_equal(baro_seal(hk, user, key, keylen, out, outsz),
			 BARO_SEAL_OK);
}

/* The bytes behind "enc:v1:<base64>", decoded independently of seal.c. */
static size_t to_raw(const char *sealed, uint8_t *raw)
{
	const char *b64 = sealed + PREFIX_LEN;
	size_t len = strlen(b64), pad = 0;
	int n;

	assert_memory_equal(sealed, PREFIX, PREFIX_LEN);
	assert_true(len > 0 && len % 4 == 0 && len / 4 * 3 <= RAW_MAX);
	n = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)len);
	assert_int_equal(n, len / 4 * 3);
	if (b64[len - 1] == '=')
		pad++;
	if (b64[len - 2] == '=')
		pad++;
	return (size_t)n - pad;
}

static void from_raw(const uint8_t *raw, size_t len, char *out, size_t outsz)
{
	assert_true(PREFIX_LEN + b64_len(len) + 1 <= outsz);
	memcpy(out, PREFIX, PREFIX_LEN);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out + PREFIX_LEN,
					 raw, (int)len),
			 b64_len(len));
}

/* Unseal with the test host key; on failure the output must be wiped
 * and the length zero. */
static enum baro_seal_err unseal_as(const uint8_t *hk, const char *user,
				    const char *sealed)
{
	uint8_t out[BARO_KEY_MAX];
	size_t outlen = 99;
	enum baro_seal_err rc;

	memset(out, JUNK, sizeof(out));
	rc = baro_unseal(hk, user, sealed, out, sizeof(out), &outlen);
	if (rc != BARO_SEAL_OK) {
		assert_true(all_zero(out, sizeof(out)));
		assert_int_equal(outlen, 0);
	}
	return rc;
}

static enum baro_seal_err unseal_text(const char *user, const char *sealed)
{
	uint8_t hk[BARO_HOSTKEY_LEN];

	test_hostkey(hk);
	return unseal_as(hk, user, sealed);
}

static enum baro_seal_err unseal_raw(const char *user, const uint8_t *raw,
				     size_t len)
{
	char text[TEXT_MAX];

	from_raw(raw, len, text, sizeof(text));
	return unseal_text(user, text);
}

static void expect_format(const char *sealed)
{
	enum baro_seal_err rc = unseal_text("alice", sealed);

	if (rc != BARO_SEAL_FORMAT)
		fail_msg("expected FORMAT, got %d for \"%s\"", rc, sealed);
}

static void expect_format_b64(const char *b64)
{
	char text[TEXT_MAX];
	int n = snprintf(text, sizeof(text), "%s%s", PREFIX, b64);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	expect_format(text);
}

static char b64_char(unsigned v)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz"
				       "0123456789+/";

	return alphabet[v & 63u];
}

static unsigned b64_index(char c)
{
	for (unsigned v = 0; v < 64; v++)
		if (b64_char(v) == c)
			return v;
	fail_msg("'%c' is not a base64 character", c);
	return 0;
}

static const size_t key_lengths[] = { 16, 20, 32, 64 };

/* --- round trip and format -------------------------------------------- */

static void test_round_trip_restores_key_of_every_length(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[BARO_KEY_MAX], out[BARO_KEY_MAX];
	char sealed[BARO_SEALED_BUFSZ];
	size_t outlen;

	(void)state;
	test_hostkey(hk);
	for (size_t len = BARO_KEY_MIN; len <= BARO_KEY_MAX; len++) {
		fill(key, len, (unsigned)len);
		seal_ok("alice", key, len, sealed, sizeof(sealed));
		memset(out, JUNK, sizeof(out));
		outlen = 0;
		assert_int_equal(baro_unseal(hk, "alice", sealed, out,
					     sizeof(out), &outlen),
				 BARO_SEAL_OK);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, key, len);
	}
}

static void test_sealed_value_is_prefix_and_base64_of_nonce_key_tag(void **state)
{
	uint8_t key[BARO_KEY_MAX], raw[RAW_MAX];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	for (size_t i = 0; i < BARO_ARRAY_SIZE(key_lengths); i++) {
		size_t len = key_lengths[i];
		size_t rawlen = NONCE_LEN + len + TAG_LEN;

		fill(key, len, 3);
		seal_ok("alice", key, len, sealed, sizeof(sealed));
		assert_memory_equal(sealed, PREFIX, PREFIX_LEN);
		assert_int_equal(strlen(sealed), PREFIX_LEN + b64_len(rawlen));
		assert_int_equal(to_raw(sealed, raw), rawlen);
		/* the key does not appear in the clear */
		assert_memory_not_equal(raw + NONCE_LEN, key, len);
	}
}

static void test_sealed_key_max_fits_sealed_bufsz(void **state)
{
	uint8_t key[BARO_KEY_MAX];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	fill(key, sizeof(key), 5);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	assert_int_equal(strlen(sealed) + 1, BARO_SEALED_BUFSZ);
}

/* Made with Python's cryptography AESGCM: host key 00..1f, nonce 00..0b,
 * user "alice", key "12345678901234567890" (the RFC 6238 SHA1 key). */
static const char known_vector[] =
	"enc:v1:AAECAwQFBgcICQoLdjDlL/DT9SO0caa5gt1NW7TuvgQxvzGeqg9HhcIVEDen7Nsr";

static void test_value_from_independent_implementation_opens(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], out[BARO_KEY_MAX];
	size_t outlen = 0;

	(void)state;
	test_hostkey(hk);
	assert_int_equal(baro_unseal(hk, "alice", known_vector, out,
				     sizeof(out), &outlen),
			 BARO_SEAL_OK);
	assert_int_equal(outlen, 20);
	assert_memory_equal(out, "12345678901234567890", 20);
	assert_int_equal(unseal_as(hk, "bob", known_vector), BARO_SEAL_AUTH);
}

static void test_two_seals_of_same_key_use_fresh_nonces(void **state)
{
	uint8_t key[20], raw1[RAW_MAX], raw2[RAW_MAX];
	char s1[BARO_SEALED_BUFSZ], s2[BARO_SEALED_BUFSZ];

	(void)state;
	fill(key, sizeof(key), 7);
	seal_ok("alice", key, sizeof(key), s1, sizeof(s1));
	seal_ok("alice", key, sizeof(key), s2, sizeof(s2));
	assert_string_not_equal(s1, s2);
	to_raw(s1, raw1);
	to_raw(s2, raw2);
	assert_memory_not_equal(raw1, raw2, NONCE_LEN);
	assert_int_equal(unseal_text("alice", s1), BARO_SEAL_OK);
	assert_int_equal(unseal_text("alice", s2), BARO_SEAL_OK);
}

/* --- tampering, truncation, wrong user or host key --------------------- */

static void test_flipping_any_bit_of_nonce_ciphertext_or_tag_fails_auth(void **state)
{
	uint8_t key[BARO_KEY_MAX], raw[RAW_MAX];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	for (size_t k = 0; k < BARO_ARRAY_SIZE(key_lengths); k++) {
		size_t len = key_lengths[k], rawlen;

		fill(key, len, 11);
		seal_ok("alice", key, len, sealed, sizeof(sealed));
		rawlen = to_raw(sealed, raw);
		for (size_t i = 0; i < rawlen; i++) {
			for (unsigned bit = 0; bit < 8; bit++) {
				enum baro_seal_err rc;

				raw[i] ^= (uint8_t)(1u << bit);
				rc = unseal_raw("alice", raw, rawlen);
				raw[i] ^= (uint8_t)(1u << bit);
				if (rc != BARO_SEAL_AUTH)
					fail_msg("key %zu byte %zu bit %u: "
						 "got %d", len, i, bit, rc);
			}
		}
		assert_int_equal(unseal_raw("alice", raw, rawlen),
				 BARO_SEAL_OK);
	}
}

static void expect_never_opens(const char *user, const uint8_t *raw,
			       size_t len)
{
	enum baro_seal_err rc = unseal_raw(user, raw, len);

	if (rc != BARO_SEAL_FORMAT && rc != BARO_SEAL_AUTH)
		fail_msg("%zu bytes: got %d", len, rc);
}

static void test_truncated_values_never_open(void **state)
{
	uint8_t key[BARO_KEY_MAX], raw[RAW_MAX];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	for (size_t k = 0; k < BARO_ARRAY_SIZE(key_lengths); k++) {
		size_t len = key_lengths[k], rawlen;

		fill(key, len, 13);
		seal_ok("alice", key, len, sealed, sizeof(sealed));
		rawlen = to_raw(sealed, raw);
		for (size_t cut = 1; cut < rawlen; cut++)
			expect_never_opens("alice", raw, rawlen - cut);
		/* text cut at every length, down to nothing after the prefix */
		for (size_t n = strlen(sealed) - 1; n >= PREFIX_LEN; n--) {
			sealed[n] = '\0';
			assert_int_not_equal(unseal_text("alice", sealed),
					     BARO_SEAL_OK);
		}
	}
}

static void test_truncation_below_minimum_is_format_above_is_auth(void **state)
{
	uint8_t key[32], raw[RAW_MAX];
	char sealed[BARO_SEALED_BUFSZ];
	size_t rawlen;

	(void)state;
	fill(key, sizeof(key), 17);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	rawlen = to_raw(sealed, raw);
	/* one byte short, and the whole tag removed: still 16+ bytes */
	assert_int_equal(unseal_raw("alice", raw, rawlen - 1), BARO_SEAL_AUTH);
	assert_int_equal(unseal_raw("alice", raw, rawlen - TAG_LEN),
			 BARO_SEAL_AUTH);
	/* less than nonce + 16 bytes + tag */
	assert_int_equal(unseal_raw("alice", raw, NONCE_LEN + 15 + TAG_LEN),
			 BARO_SEAL_FORMAT);
	assert_int_equal(unseal_raw("alice", raw, NONCE_LEN), BARO_SEAL_FORMAT);
	expect_format(PREFIX);
}

static void test_appended_bytes_fail_auth(void **state)
{
	uint8_t key[20], raw[RAW_MAX];
	char sealed[BARO_SEALED_BUFSZ];
	size_t rawlen;

	(void)state;
	fill(key, sizeof(key), 19);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	rawlen = to_raw(sealed, raw);
	raw[rawlen] = 0;
	assert_int_equal(unseal_raw("alice", raw, rawlen + 1), BARO_SEAL_AUTH);
}

static void test_sealed_key_does_not_open_for_another_user(void **state)
{
	static const char *const others[] = {
		"bob", "Alice", "alice ", " alice", "alic", "alicea", "",
		"alice\n", "root",
	};
	uint8_t key[20];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	fill(key, sizeof(key), 23);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	for (size_t i = 0; i < BARO_ARRAY_SIZE(others); i++)
		if (unseal_text(others[i], sealed) != BARO_SEAL_AUTH)
			fail_msg("opened for user \"%s\"", others[i]);
	assert_int_equal(unseal_text("alice", sealed), BARO_SEAL_OK);
}

static void test_wrong_host_key_fails_auth(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[20];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	fill(key, sizeof(key), 29);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	test_hostkey(hk);
	for (size_t i = 0; i < BARO_HOSTKEY_LEN; i++) {
		hk[i] ^= 0x80;
		assert_int_equal(unseal_as(hk, "alice", sealed), BARO_SEAL_AUTH);
		hk[i] ^= 0x80;
	}
	memset(hk, 0, sizeof(hk));
	assert_int_equal(unseal_as(hk, "alice", sealed), BARO_SEAL_AUTH);
}

/* --- malformed values -------------------------------------------------- */

static void test_bad_prefix_is_format(void **state)
{
	static const char *const bad[] = {
		"enc:v2:", "ENC:V1:", "enc:v1", "enc:", "enc:v1;", " enc:v1:",
		"",
	};
	uint8_t key[20];
	char sealed[BARO_SEALED_BUFSZ], text[TEXT_MAX];

	(void)state;
	fill(key, sizeof(key), 31);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	for (size_t i = 0; i < BARO_ARRAY_SIZE(bad); i++) {
		int n = snprintf(text, sizeof(text), "%s%s", bad[i],
				 sealed + PREFIX_LEN);

		assert_true(n > 0 && (size_t)n < sizeof(text));
		expect_format(text);
	}
	/* a plain base32 key, as under encrypt=no */
	expect_format("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	expect_format("");
}

static void test_bad_base64_characters_are_format(void **state)
{
	static const char bad[] = { '-', '_', '*', ' ', '\t', '\n', '.',
				    ':', '\x80', '\xff' };
	uint8_t key[20];
	char sealed[BARO_SEALED_BUFSZ], text[TEXT_MAX];
	size_t len;

	(void)state;
	fill(key, sizeof(key), 37);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	len = strlen(sealed);
	for (size_t i = 0; i < sizeof(bad); i++) {
		for (size_t pos = PREFIX_LEN; pos < len; pos += 9) {
			memcpy(text, sealed, len + 1);
			text[pos] = bad[i];
			expect_format(text);
		}
	}
	/* '=' inside the text */
	memcpy(text, sealed, len + 1);
	text[PREFIX_LEN + 4] = '=';
	expect_format(text);
	/* blanks around the base64 */
	snprintf(text, sizeof(text), "%s\n", sealed);
	expect_format(text);
	snprintf(text, sizeof(text), "%s %s", PREFIX, sealed + PREFIX_LEN);
	expect_format(text);
	/* a blank in the middle, length still a multiple of 4 */
	snprintf(text, sizeof(text), "%s%.4s    %s", PREFIX,
		 sealed + PREFIX_LEN, sealed + PREFIX_LEN + 4);
	expect_format(text);
}

static void test_base64_length_not_multiple_of_four_is_format(void **state)
{
	uint8_t key[20];
	char sealed[BARO_SEALED_BUFSZ], text[TEXT_MAX];
	size_t len;

	(void)state;
	fill(key, sizeof(key), 41);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	len = strlen(sealed);
	for (size_t extra = 1; extra <= 3; extra++) {
		snprintf(text, sizeof(text), "%s%.*s", sealed, (int)extra,
			 "AAA");
		expect_format(text);
		memcpy(text, sealed, len + 1);
		text[len - extra] = '\0';
		expect_format(text);
	}
	expect_format_b64("A");
	expect_format_b64("AA=");
}

/* A sealed value of keylen bytes ending in the given number of '='. */
static void sealed_with_padding(size_t keylen, size_t pad, char *sealed)
{
	uint8_t key[BARO_KEY_MAX];
	size_t len;

	fill(key, keylen, 43);
	seal_ok("alice", key, keylen, sealed, BARO_SEALED_BUFSZ);
	len = strlen(sealed);
	assert_true(pad == 0 || sealed[len - pad] == '=');
	assert_true(sealed[len - pad - 1] != '=');
}

static void test_bad_padding_is_format(void **state)
{
	char one[BARO_SEALED_BUFSZ], two[BARO_SEALED_BUFSZ];
	char text[TEXT_MAX];
	size_t n1, n2;

	(void)state;
	sealed_with_padding(16, 1, one); /* 44 bytes: "x=" */
	sealed_with_padding(18, 2, two); /* 46 bytes: "==" */
	n1 = strlen(one);
	n2 = strlen(two);
	assert_int_equal(unseal_text("alice", one), BARO_SEAL_OK);
	assert_int_equal(unseal_text("alice", two), BARO_SEAL_OK);
	/* "===" at the end */
	memcpy(text, two, n2 + 1);
	text[n2 - 3] = '=';
	expect_format(text);
	/* padding removed: the length is no longer a multiple of 4 */
	memcpy(text, one, n1 + 1);
	text[n1 - 1] = '\0';
	expect_format(text);
	/* padding moved before the last character: "=A" */
	memcpy(text, one, n1 + 1);
	text[n1 - 2] = '=';
	text[n1 - 1] = 'A';
	expect_format(text);
	/* a whole group of padding, then a group after padding */
	snprintf(text, sizeof(text), "%s====", one);
	expect_format(text);
	snprintf(text, sizeof(text), "%sAAAA", one);
	expect_format(text);
	expect_format_b64("====");
	expect_format_b64("A===");
}

/* The bits under the padding must be zero: else two texts give the same
 * bytes, and a value would not be the one encoding of its bytes. */
static void test_stray_bits_under_padding_are_format(void **state)
{
	char one[BARO_SEALED_BUFSZ], two[BARO_SEALED_BUFSZ];
	size_t n1, n2;

	(void)state;
	sealed_with_padding(16, 1, one);
	sealed_with_padding(18, 2, two);
	n1 = strlen(one);
	n2 = strlen(two);
	for (unsigned bit = 0; bit < 2; bit++) {
		char c = one[n1 - 2];

		one[n1 - 2] = b64_char(b64_index(c) ^ (1u << bit));
		expect_format(one);
		one[n1 - 2] = c;
	}
	for (unsigned bit = 0; bit < 4; bit++) {
		char c = two[n2 - 3];

		two[n2 - 3] = b64_char(b64_index(c) ^ (1u << bit));
		expect_format(two);
		two[n2 - 3] = c;
	}
	assert_int_equal(unseal_text("alice", one), BARO_SEAL_OK);
	assert_int_equal(unseal_text("alice", two), BARO_SEAL_OK);
}

static void test_decoded_length_out_of_range_is_format(void **state)
{
	uint8_t raw[RAW_MAX];
	char text[2048];

	(void)state;
	fill(raw, sizeof(raw), 47);
	/* a key of 15 and of 65 bytes */
	assert_int_equal(unseal_raw("alice", raw, NONCE_LEN + 15 + TAG_LEN),
			 BARO_SEAL_FORMAT);
	assert_int_equal(unseal_raw("alice", raw, NONCE_LEN + 65 + TAG_LEN),
			 BARO_SEAL_FORMAT);
	assert_int_equal(unseal_raw("alice", raw, 200), BARO_SEAL_FORMAT);
	memcpy(text, PREFIX, PREFIX_LEN);
	memset(text + PREFIX_LEN, 'A', sizeof(text) - PREFIX_LEN - 1);
	text[sizeof(text) - 1] = '\0';
	expect_format(text);
}

/* --- buffers and arguments --------------------------------------------- */

static void test_seal_output_too_small_is_nospace(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[BARO_KEY_MAX];
	char out[BARO_SEALED_BUFSZ];

	(void)state;
	test_hostkey(hk);
	fill(key, sizeof(key), 53);
	for (size_t k = 0; k < BARO_ARRAY_SIZE(key_lengths); k++) {
		size_t len = key_lengths[k];
		size_t need = PREFIX_LEN + b64_len(NONCE_LEN + len + TAG_LEN) + 1;

		memset(out, JUNK, sizeof(out));
		assert_int_equal(baro_seal(hk, "alice", key, len, out, need - 1),
				 BARO_SEAL_NOSPACE);
		assert_int_equal(out[0], '\0');
		assert_int_equal(baro_seal(hk, "alice", key, len, out, need),
				 BARO_SEAL_OK);
		assert_int_equal(strlen(out) + 1, need);
	}
	assert_int_equal(baro_seal(hk, "alice", key, 16, out, 0),
			 BARO_SEAL_NOSPACE);
}

static void test_unseal_output_too_small_is_nospace(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[32], out[32];
	char sealed[BARO_SEALED_BUFSZ];
	size_t outlen = 99;

	(void)state;
	test_hostkey(hk);
	fill(key, sizeof(key), 59);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	memset(out, JUNK, sizeof(out));
	assert_int_equal(baro_unseal(hk, "alice", sealed, out, 31, &outlen),
			 BARO_SEAL_NOSPACE);
	assert_int_equal(outlen, 0);
	assert_true(all_zero(out, 31));
	assert_int_equal(baro_unseal(hk, "alice", sealed, out, 32, &outlen),
			 BARO_SEAL_OK);
	assert_int_equal(outlen, 32);
	assert_memory_equal(out, key, 32);
}

static void test_seal_refuses_key_length_out_of_range(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[BARO_KEY_MAX + 1];
	char out[TEXT_MAX];

	(void)state;
	test_hostkey(hk);
	fill(key, sizeof(key), 61);
	assert_int_equal(baro_seal(hk, "alice", key, 0, out, sizeof(out)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_seal(hk, "alice", key, BARO_KEY_MIN - 1, out,
				   sizeof(out)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_seal(hk, "alice", key, BARO_KEY_MAX + 1, out,
				   sizeof(out)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(out[0], '\0');
}

static void test_null_arguments_are_refused(void **state)
{
	uint8_t hk[BARO_HOSTKEY_LEN], key[20], out[BARO_KEY_MAX];
	char sealed[BARO_SEALED_BUFSZ];
	size_t outlen = 99;

	(void)state;
	test_hostkey(hk);
	fill(key, sizeof(key), 67);
	assert_int_equal(baro_seal(NULL, "alice", key, 20, sealed,
				   sizeof(sealed)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_seal(hk, NULL, key, 20, sealed, sizeof(sealed)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_seal(hk, "alice", NULL, 20, sealed,
				   sizeof(sealed)),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_seal(hk, "alice", key, 20, NULL, 100),
			 BARO_SEAL_FORMAT);
	seal_ok("alice", key, sizeof(key), sealed, sizeof(sealed));
	assert_int_equal(baro_unseal(NULL, "alice", sealed, out, sizeof(out),
				     &outlen),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_unseal(hk, NULL, sealed, out, sizeof(out),
				     &outlen),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_unseal(hk, "alice", NULL, out, sizeof(out),
				     &outlen),
			 BARO_SEAL_FORMAT);
	assert_int_equal(baro_unseal(hk, "alice", sealed, NULL, 0, &outlen),
			 BARO_SEAL_FORMAT);
	assert_int_equal(outlen, 0);
	assert_int_equal(baro_unseal(hk, "alice", sealed, out, sizeof(out),
				     NULL),
			 BARO_SEAL_FORMAT);
}

static void test_empty_user_name_is_its_own_aad(void **state)
{
	uint8_t key[20];
	char sealed[BARO_SEALED_BUFSZ];

	(void)state;
	fill(key, sizeof(key), 71);
	seal_ok("", key, sizeof(key), sealed, sizeof(sealed));
	assert_int_equal(unseal_text("", sealed), BARO_SEAL_OK);
	assert_int_equal(unseal_text("alice", sealed), BARO_SEAL_AUTH);
}

static void test_strerror_names_each_error(void **state)
{
	(void)state;
	assert_string_equal(baro_seal_strerror(BARO_SEAL_OK), "success");
	assert_string_equal(baro_seal_strerror(BARO_SEAL_FORMAT),
			    "sealed value malformed");
	assert_string_equal(baro_seal_strerror(BARO_SEAL_AUTH),
			    "sealed value does not open: wrong host key, user "
			    "or tampered data");
	assert_string_equal(baro_seal_strerror(BARO_SEAL_CRYPTO),
			    "crypto failure");
	assert_string_equal(baro_seal_strerror(BARO_SEAL_NOSPACE),
			    "buffer too small");
	assert_string_equal(baro_seal_strerror((enum baro_seal_err)99),
			    "unknown error");
}

/* --- host key text ------------------------------------------------------ */

#define HEX_LOWER "000102030405060708090a0b0c0d0e0f" \
		  "101112131415161718191a1b1c1d1e1f"
#define HEX_UPPER "000102030405060708090A0B0C0D0E0F" \
		  "101112131415161718191A1B1C1D1E1F"

struct parse_case {
	const char *text;
	size_t len;
	bool ok;
	const char *what;
};

#define CASE(s, ok, what) { s, sizeof(s) - 1, ok, what }

static const struct parse_case parse_cases[] = {
	CASE(HEX_LOWER, true, "64 lowercase hex"),
	CASE(HEX_LOWER "\n", true, "trailing newline"),
	CASE(HEX_UPPER, true, "uppercase accepted"),
	CASE(HEX_UPPER "\n", true, "uppercase with newline"),
	CASE("000102030405060708090a0B0c0D0e0F"
	     "101112131415161718191A1b1C1d1E1f",
	     true, "mixed case"),
	CASE("", false, "empty"),
	CASE("\n", false, "newline only"),
	CASE("000102030405060708090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e1",
	     false, "63 characters"),
	CASE("000102030405060708090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e1\n",
	     false, "63 characters and newline"),
	CASE(HEX_LOWER "0", false, "65 characters"),
	CASE(HEX_LOWER "0\n", false, "65 characters and newline"),
	CASE(HEX_LOWER "\r\n", false, "CRLF"),
	CASE(HEX_LOWER "\r", false, "CR"),
	CASE(HEX_LOWER "\n\n", false, "blank line after"),
	CASE(HEX_LOWER "\n" HEX_LOWER "\n", false, "two lines"),
	CASE(HEX_LOWER " ", false, "trailing space"),
	CASE(" " HEX_LOWER, false, "leading space"),
	CASE("\n" HEX_LOWER, false, "leading newline"),
	CASE("0x000102030405060708090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e",
	     false, "0x prefix"),
	CASE("g00102030405060708090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e1f",
	     false, "non-hex g"),
	CASE("000102030405060708090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e1z",
	     false, "non-hex at the end"),
	CASE("0001020304050607\0""8090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e1f",
	     false, "embedded NUL"),
	CASE(HEX_LOWER "\0", false, "trailing NUL"),
	CASE("00010203 04050607 08090a0b0c0d0e0f"
	     "101112131415161718191a1b1c1d1e",
	     false, "spaces between groups"),
};

static void test_hostkey_parse_table(void **state)
{
	uint8_t expect[BARO_HOSTKEY_LEN], key[BARO_HOSTKEY_LEN];

	(void)state;
	test_hostkey(expect);
	for (size_t i = 0; i < BARO_ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		bool ok;

		memset(key, JUNK, sizeof(key));
		ok = baro_hostkey_parse(c->text, c->len, key);
		if (ok != c->ok)
			fail_msg("%s: expected %s", c->what,
				 c->ok ? "accept" : "reject");
		if (ok)
			assert_memory_equal(key, expect, sizeof(key));
		else if (!all_zero(key, sizeof(key)))
			fail_msg("%s: key not wiped", c->what);
	}
	memset(key, JUNK, sizeof(key));
	assert_false(baro_hostkey_parse(NULL, 64, key));
	assert_true(all_zero(key, sizeof(key)));
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Every byte value in both nibble positions: exactly the 22 hex digits
 * are accepted, each with its value (the decoder is branch-free, so its
 * ranges are worth proving). */
static void test_hostkey_parse_accepts_exactly_hex_digits(void **state)
{
	uint8_t key[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN];

	(void)state;
	for (int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < 2; pos++) {
			int v = hex_value(c);

			memcpy(text, HEX_LOWER, 64);
			text[pos] = (char)c;
			if (baro_hostkey_parse(text, 64, key) != (v >= 0))
				fail_msg("byte 0x%02x at %zu", c, pos);
			if (v >= 0)
				assert_int_equal(key[0],
						 pos == 0 ? v << 4 : v);
		}
	}
}

static void test_hostkey_format_writes_lowercase_hex_line(void **state)
{
	uint8_t key[BARO_HOSTKEY_LEN], back[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN + 1];

	(void)state;
	test_hostkey(key);
	assert_true(baro_hostkey_format(key, text, sizeof(text)));
	assert_string_equal(text, HEX_LOWER "\n");
	for (unsigned seed = 0; seed < 64; seed++) {
		fill(key, sizeof(key), seed * 97u);
		key[seed % BARO_HOSTKEY_LEN] = 0xff;
		assert_true(baro_hostkey_format(key, text, sizeof(text)));
		assert_int_equal(strlen(text), BARO_HOSTKEY_TEXT_LEN);
		assert_true(baro_hostkey_parse(text, strlen(text), back));
		assert_memory_equal(back, key, sizeof(key));
	}
}

static void test_hostkey_format_buffer_too_small_fails(void **state)
{
	uint8_t key[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN + 1];

	(void)state;
	test_hostkey(key);
	memset(text, 'x', sizeof(text));
	assert_false(baro_hostkey_format(key, text, BARO_HOSTKEY_TEXT_LEN));
	assert_int_equal(text[0], '\0');
	assert_false(baro_hostkey_format(key, text, 0));
	assert_false(baro_hostkey_format(key, NULL, sizeof(text)));
}

/* --- baro_hostkey_load(): the file and the log (needs root) ------------ */

struct load_env {
	char dir[64];
	char path[128];
	char other[128];
	char logpath[128];
};

static int setup_load(void **state)
{
	struct load_env *env = calloc(1, sizeof(*env));

	if (env == NULL)
		return -1;
	snprintf(env->dir, sizeof(env->dir), "/tmp/baro-seal-test.XXXXXX");
	if (mkdtemp(env->dir) == NULL) {
		free(env);
		return -1;
	}
	snprintf(env->path, sizeof(env->path), "%s/host.key", env->dir);
	snprintf(env->other, sizeof(env->other), "%s/other", env->dir);
	snprintf(env->logpath, sizeof(env->logpath), "%s/log", env->dir);
	*state = env;
	return 0;
}

static int teardown_load(void **state)
{
	struct load_env *env = *state;

	unlink(env->path);
	unlink(env->other);
	unlink(env->logpath);
	rmdir(env->dir);
	free(env);
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void write_file(const char *path, const char *text, size_t len,
		       mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Run baro_hostkey_load() with stderr (the logger without a PAM handle)
 * sent to a file; what was logged goes to log. */
static bool run_load(struct load_env *env, uint8_t *key, char *log,
		     size_t logsz)
{
	struct baro_log lg = { .pamh = NULL };
	int fd, saved;
	ssize_t n;
	bool ok;

	memset(key, JUNK, BARO_HOSTKEY_LEN);
	fd = open(env->logpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	ok = baro_hostkey_load(env->path, key, &lg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, log, logsz - 1, 0);
	close(fd);
	assert_true(n >= 0);
	log[n] = '\0';
	if (!ok)
		assert_true(all_zero(key, BARO_HOSTKEY_LEN));
	return ok;
}

/* The load fails and logs exactly before + PATH + after, one line. */
static void expect_load_log(struct load_env *env, const char *before,
			    const char *after)
{
	uint8_t key[BARO_HOSTKEY_LEN];
	char log[1024], want[512];
	int n;

	assert_false(run_load(env, key, log, sizeof(log)));
	n = snprintf(want, sizeof(want), "%s%s%s\n", before, env->path, after);
	assert_true(n > 0 && (size_t)n < sizeof(want));
	assert_string_equal(log, want);
}

#define PERM_LOG "Host key file \"", "\" must only be accessible by root"
#define INVALID_LOG "Invalid host key in \"", "\""

static void test_hostkey_load_reads_root_only_file(void **state)
{
	struct load_env *env = *state;
	uint8_t key[BARO_HOSTKEY_LEN], expect[BARO_HOSTKEY_LEN];
	static const mode_t modes[] = { 0400, 0600 };
	char log[1024];

	need_root();
	test_hostkey(expect);
	for (size_t i = 0; i < BARO_ARRAY_SIZE(modes); i++) {
		write_file(env->path, HEX_LOWER "\n", 65, modes[i]);
		assert_true(run_load(env, key, log, sizeof(log)));
		assert_memory_equal(key, expect, sizeof(key));
		assert_string_equal(log, "");
	}
	write_file(env->path, HEX_UPPER, 64, 0400);
	assert_true(run_load(env, key, log, sizeof(log)));
	assert_memory_equal(key, expect, sizeof(key));
}

static void test_hostkey_load_refuses_group_or_other_access(void **state)
{
	struct load_env *env = *state;
	static const mode_t modes[] = { 0440, 0404, 0444, 0640, 0604, 0644,
					0610, 0601 };

	need_root();
	for (size_t i = 0; i < BARO_ARRAY_SIZE(modes); i++) {
		write_file(env->path, HEX_LOWER "\n", 65, modes[i]);
		expect_load_log(env, PERM_LOG);
	}
}

static void test_hostkey_load_refuses_file_not_owned_by_root(void **state)
{
	struct load_env *env = *state;

	need_root();
	write_file(env->path, HEX_LOWER "\n", 65, 0400);
	assert_int_equal(chown(env->path, 65534, 65534), 0);
	expect_load_log(env, PERM_LOG);
}

static void test_hostkey_load_refuses_symlink(void **state)
{
	struct load_env *env = *state;

	need_root();
	write_file(env->other, HEX_LOWER "\n", 65, 0400);
	unlink(env->path);
	assert_int_equal(symlink(env->other, env->path), 0);
	expect_load_log(env, PERM_LOG);
}

static void test_hostkey_load_refuses_second_hard_link(void **state)
{
	struct load_env *env = *state;

	need_root();
	write_file(env->other, HEX_LOWER "\n", 65, 0400);
	unlink(env->path);
	assert_int_equal(link(env->other, env->path), 0);
	expect_load_log(env, PERM_LOG);
}

static void test_hostkey_load_missing_file_logs_strerror(void **state)
{
	struct load_env *env = *state;

	need_root();
	unlink(env->path);
	expect_load_log(env, "Failed to host key file read \"",
			"\"[No such file or directory]");
}

static void test_hostkey_load_bad_contents_log_invalid(void **state)
{
	struct load_env *env = *state;
	static char big[5000];

	need_root();
	write_file(env->path, "not a host key\n", 15, 0400);
	expect_load_log(env, INVALID_LOG);
	write_file(env->path, HEX_LOWER "\r\n", 66, 0400);
	expect_load_log(env, INVALID_LOG);
	write_file(env->path, "", 0, 0400);
	expect_load_log(env, INVALID_LOG);
	memset(big, '0', sizeof(big));
	write_file(env->path, big, sizeof(big), 0400);
	expect_load_log(env, INVALID_LOG);
}

#define LOAD_TEST(f) \
	cmocka_unit_test_setup_teardown(f, setup_load, teardown_load)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_restores_key_of_every_length),
		cmocka_unit_test(test_sealed_value_is_prefix_and_base64_of_nonce_key_tag),
		cmocka_unit_test(test_sealed_key_max_fits_sealed_bufsz),
		cmocka_unit_test(test_value_from_independent_implementation_opens),
		cmocka_unit_test(test_two_seals_of_same_key_use_fresh_nonces),
		cmocka_unit_test(test_flipping_any_bit_of_nonce_ciphertext_or_tag_fails_auth),
		cmocka_unit_test(test_truncated_values_never_open),
		cmocka_unit_test(test_truncation_below_minimum_is_format_above_is_auth),
		cmocka_unit_test(test_appended_bytes_fail_auth),
		cmocka_unit_test(test_sealed_key_does_not_open_for_another_user),
		cmocka_unit_test(test_wrong_host_key_fails_auth),
		cmocka_unit_test(test_bad_prefix_is_format),
		cmocka_unit_test(test_bad_base64_characters_are_format),
		cmocka_unit_test(test_base64_length_not_multiple_of_four_is_format),
		cmocka_unit_test(test_bad_padding_is_format),
		cmocka_unit_test(test_stray_bits_under_padding_are_format),
		cmocka_unit_test(test_decoded_length_out_of_range_is_format),
		cmocka_unit_test(test_seal_output_too_small_is_nospace),
		cmocka_unit_test(test_unseal_output_too_small_is_nospace),
		cmocka_unit_test(test_seal_refuses_key_length_out_of_range),
		cmocka_unit_test(test_null_arguments_are_refused),
		cmocka_unit_test(test_empty_user_name_is_its_own_aad),
		cmocka_unit_test(test_strerror_names_each_error),
		cmocka_unit_test(test_hostkey_parse_table),
		cmocka_unit_test(test_hostkey_parse_accepts_exactly_hex_digits),
		cmocka_unit_test(test_hostkey_format_writes_lowercase_hex_line),
		cmocka_unit_test(test_hostkey_format_buffer_too_small_fails),
		LOAD_TEST(test_hostkey_load_reads_root_only_file),
		LOAD_TEST(test_hostkey_load_refuses_group_or_other_access),
		LOAD_TEST(test_hostkey_load_refuses_file_not_owned_by_root),
		LOAD_TEST(test_hostkey_load_refuses_symlink),
		LOAD_TEST(test_hostkey_load_refuses_second_hard_link),
		LOAD_TEST(test_hostkey_load_missing_file_logs_strerror),
		LOAD_TEST(test_hostkey_load_bad_contents_log_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
