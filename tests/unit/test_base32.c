/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of RFC 4648 base32 (src/core/base32.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "baro/base32.h"
#include "baro/util.h"

/* RFC 4648 §10, with the padding the RFC writes. */
static const struct {
	const char *plain;
	const char *padded;
	const char *unpadded;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "MY======", "MY" },
	{ "fo", "MZXQ====", "MZXQ" },
	{ "foo", "MZXW6===", "MZXW6" },
	{ "foob", "MZXW6YQ=", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI======", "MZXW6YTBOI" },
};

static void lower(const char *in, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outsz; i++)
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a')
						      : in[i];
	out[i] = '\0';
}

static void expect_decodes_to(const char *in, const char *plain)
{
	uint8_t out[64];
	size_t outlen = 999;

	memset(out, 0xee, sizeof(out));
	if (!baro_base32_decode(in, out, sizeof(out), &outlen))
		fail_msg("\"%s\" rejected", in);
	assert_int_equal(outlen, strlen(plain));
	assert_memory_equal(out, plain, outlen);
	assert_int_equal(out[outlen], 0xee); /* nothing written past */
}

static void expect_rejected(const char *in)
{
	uint8_t out[64];
	size_t outlen = 999;

	if (baro_base32_decode(in, out, sizeof(out), &outlen))
		fail_msg("\"%s\" accepted", in);
	assert_int_equal(outlen, 999);
}

static void expect_all_rejected(const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_rejected(list[i]);
}

static void test_encode_rfc4648_vectors_unpadded_upper(void **state)
{
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(rfc4648); i++) {
		memset(out, 'x', sizeof(out));
		assert_true(baro_base32_encode((const uint8_t *)rfc4648[i].plain,
					       strlen(rfc4648[i].plain), out,
					       sizeof(out)));
		assert_string_equal(out, rfc4648[i].unpadded);
	}
}

/* Every non-empty vector decodes padded, unpadded, and in lower case. */
static void test_decode_rfc4648_vectors_padded_unpadded_lower(void **state)
{
	char low[32];
	size_t i;

	(void)state;
	for (i = 1; i < BARO_ARRAY_SIZE(rfc4648); i++) {
		expect_decodes_to(rfc4648[i].padded, rfc4648[i].plain);
		expect_decodes_to(rfc4648[i].unpadded, rfc4648[i].plain);
		lower(rfc4648[i].padded, low, sizeof(low));
		expect_decodes_to(low, rfc4648[i].plain);
	}
	expect_decodes_to("mZxW6yTbOi", "foobar");
}

/* RFC 4648 decodes "" to zero bytes; this decoder refuses it on purpose
 * (no caller has a use for an empty key), as it refuses bare padding. */
static void test_decode_rejects_empty_input(void **state)
{
	(void)state;
	expect_rejected("");
	expect_rejected("=");
	expect_rejected("========");
}

static void test_decode_rejects_characters_outside_alphabet(void **state)
{
	static const char *const bad[] = {
		"MY0", "M0", "M1", "M8", "M9", "0A", "MZXW6YT1",
		"MZ XW6YTB", " MZXW6YTB", "MZXW6YTB ", "MZXW\t6YTB",
		"MZXW6YTB\n", "MZXW-YTB", "MZXW6YT+", "MZXW6YT/",
		"MZXW6YT\x80", "MZ\xc3\xa9W6YTB",
	};

	(void)state;
	expect_all_rejected(bad, BARO_ARRAY_SIZE(bad));
}

/* '=' belongs only at the end, and only as many as complete a group. */
static void test_decode_padding_only_at_the_end_and_exact(void **state)
{
	static const char *const bad[] = {
		"MY==MY==", "=MY", "M=Y", "MZXW6=YTB", "MY=", "MY=====",
		"MY=======", "MZXW6YTB=", "MZXW6YTB========", "MZXQ===",
		"MZXQ=====", "MZXW6YQ==",
	};

	(void)state;
	expect_all_rejected(bad, BARO_ARRAY_SIZE(bad));
}

/* Unpadded lengths of 1, 3 and 6 mod 8 encode no whole byte count. The
 * 'A's carry only zero bits, so nothing but the length can refuse them. */
static void test_decode_rejects_impossible_lengths(void **state)
{
	static const char *const bad[] = {
		"A", "AAA", "AAAAAA", "AAAAAAAAA", "AAAAAAAAAAA",
		"AAAAAAAAAAAAAA", "MZXW6YTBA", "MZXW6YTBAAA", "MZXW6YTBAAAAAA",
		"M", "MZX", "MZXW6Y", "A=======", "AAA=====", "AAAAAA==",
	};

	(void)state;
	expect_all_rejected(bad, BARO_ARRAY_SIZE(bad));
}

/* The last character may only carry zero bits past the last byte. */
static void test_decode_rejects_nonzero_leftover_bits(void **state)
{
	(void)state;
	expect_decodes_to("MY", "f");    /* Y = 11000: leftover 00 */
	expect_rejected("MZ");           /* Z = 11001: leftover 01 */
	expect_rejected("MB");           /* B = 00001 */
	expect_decodes_to("MZXQ", "fo"); /* Q = 10000: leftover 0000 */
	expect_rejected("MZXR");
	expect_decodes_to("MZXW6", "foo"); /* 6 = 11110: leftover 0 */
	expect_rejected("MZXW7");
	expect_decodes_to("MZXW6YQ", "foob"); /* Q: leftover 000 */
	expect_rejected("MZXW6YR");
	expect_rejected("MZXW6YR=");
}

static void test_decode_rejects_output_too_small(void **state)
{
	uint8_t out[6];
	size_t outlen = 999;

	(void)state;
	assert_false(baro_base32_decode("MZXW6YTBOI", out, 5, &outlen));
	assert_int_equal(outlen, 999);
	assert_false(baro_base32_decode("MY", out, 0, &outlen));
	assert_true(baro_base32_decode("MZXW6YTBOI", out, 6, &outlen));
	assert_int_equal(outlen, 6);
	assert_memory_equal(out, "foobar", 6);
}

/* "foobar" needs 10 characters and the NUL. */
static void test_encode_rejects_output_too_small(void **state)
{
	char out[16];

	(void)state;
	assert_false(baro_base32_encode((const uint8_t *)"foobar", 6, out, 10));
	assert_false(baro_base32_encode((const uint8_t *)"foobar", 6, out, 9));
	assert_false(baro_base32_encode((const uint8_t *)"f", 1, out, 2));
	assert_false(baro_base32_encode((const uint8_t *)"", 0, out, 0));
	assert_true(baro_base32_encode((const uint8_t *)"foobar", 6, out, 11));
	assert_string_equal(out, "MZXW6YTBOI");
	assert_true(baro_base32_encode((const uint8_t *)"f", 1, out, 3));
	assert_string_equal(out, "MY");
	assert_true(baro_base32_encode((const uint8_t *)"", 0, out, 1));
	assert_string_equal(out, "");
}

/* Every byte value of every key length survives encode then decode. */
static void test_round_trip_all_key_lengths(void **state)
{
	uint8_t in[64], out[64];
	char text[128];
	size_t n, i, outlen;

	(void)state;
	for (n = 1; n <= sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = (uint8_t)(i * 97 + n * 31 + 255 * (i & 1));
		assert_true(baro_base32_encode(in, n, text, sizeof(text)));
		assert_int_equal(strlen(text), (n * 8 + 4) / 5);
		assert_true(baro_base32_decode(text, out, sizeof(out),
					       &outlen));
		assert_int_equal(outlen, n);
		assert_memory_equal(out, in, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_rfc4648_vectors_unpadded_upper),
		cmocka_unit_test(test_decode_rfc4648_vectors_padded_unpadded_lower),
		cmocka_unit_test(test_decode_rejects_empty_input),
		cmocka_unit_test(test_decode_rejects_characters_outside_alphabet),
		cmocka_unit_test(test_decode_padding_only_at_the_end_and_exact),
		cmocka_unit_test(test_decode_rejects_impossible_lengths),
		cmocka_unit_test(test_decode_rejects_nonzero_leftover_bits),
		cmocka_unit_test(test_decode_rejects_output_too_small),
		cmocka_unit_test(test_encode_rejects_output_too_small),
		cmocka_unit_test(test_round_trip_all_key_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
