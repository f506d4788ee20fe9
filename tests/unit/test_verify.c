/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the verification decision (DESIGN.md §6, src/core/verify.c):
 * RATE_LIMIT bookkeeping, DISALLOW_REUSE, emergency keys, code
 * normalisation and the order of the checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "baro/secret.h"
#include "baro/totp.h"
#include "baro/util.h"
#include "baro/verify.h"

static const uint8_t key[] = "12345678901234567890";
#define KEYLEN ((size_t)20)

#define CYCLE 30
#define T0 ((int64_t)CYCLE * 1000000) /* start of counter 1000000 */

static struct baro_secret sec;

/* SHA1, CYCLE_TIME 30, DIGITS 6, WINDOW_SIZE 3, nothing else. */
static int setup_secret(void **state)
{
	(void)state;
	baro_secret_init(&sec);
	memcpy(sec.secure_key, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 33);
	sec.cycle_time = CYCLE;
	return 0;
}

static void code_for(int64_t counter, unsigned digits, char *out,
		     size_t outsz)
{
	uint32_t v;

	assert_true(baro_hotp(sec.method, key, KEYLEN, (uint64_t)counter,
			      digits, &v));
	assert_true(snprintf(out, outsz, "%0*u", (int)digits, v) ==
		    (int)digits);
}

static struct baro_verdict verify(int64_t now, const char *totp,
				  const char *emergency)
{
	struct baro_verdict v;

	memset(&v, 0xa5, sizeof(v));
	baro_verify(&sec, key, KEYLEN, now, totp, emergency, &v);
	return v;
}

static void expect(struct baro_verdict v, enum baro_result r,
		   bool state_changed)
{
	assert_int_equal(v.result, r);
	assert_int_equal(v.state_changed, state_changed);
}

static void set_rate_limit(unsigned count, unsigned interval)
{
	sec.has_rate_limit = true;
	sec.rate_count = count;
	sec.rate_interval = interval;
	sec.n_rate_ts = 0;
}

/* --- TOTP basics ------------------------------------------------------ */

static void test_right_code_ok_wrong_code_wrong(void **state)
{
	char code[9], other[9];

	(void)state;
	code_for(T0 / CYCLE, 6, code, sizeof(code));
	expect(verify(T0 + 3, code, code), BARO_OK, false);
	/* The neighbours are in WINDOW_SIZE 3, two away are not. */
	code_for(T0 / CYCLE - 1, 6, other, sizeof(other));
	expect(verify(T0 + 3, other, other), BARO_OK, false);
	code_for(T0 / CYCLE + 2, 6, other, sizeof(other));
	expect(verify(T0 + 3, other, other), BARO_WRONG, false);
	expect(verify(T0 + 3, "000000", "000000"), BARO_WRONG, false);
	expect(verify(T0 + 3, NULL, NULL), BARO_WRONG, false);
	expect(verify(T0 + 3, "", ""), BARO_WRONG, false);
}

/* --- RATE_LIMIT ------------------------------------------------------- */

/* Each attempt, right or wrong, is recorded; at the limit the attempt is
 * refused before the code is looked at and nothing is recorded. */
static void test_rate_limit_counts_attempts_until_limit(void **state)
{
	char code[9];
	int64_t before[3];

	(void)state;
	set_rate_limit(3, 30);
	code_for(T0 / CYCLE, 6, code, sizeof(code));
	expect(verify(T0, "111111", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 1);
	expect(verify(T0 + 1, code, code), BARO_OK, true);
	assert_int_equal(sec.n_rate_ts, 2);
	expect(verify(T0 + 2, "222222", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 3);
	assert_int_equal(sec.rate_ts[0], T0);
	assert_int_equal(sec.rate_ts[1], T0 + 1);
	assert_int_equal(sec.rate_ts[2], T0 + 2);
	memcpy(before, sec.rate_ts, sizeof(before));

	/* At the limit: the right code is refused, nothing changes. */
	expect(verify(T0 + 3, code, code), BARO_RATE_LIMITED, false);
	expect(verify(T0 + 29, code, code), BARO_RATE_LIMITED, false);
	assert_int_equal(sec.n_rate_ts, 3);
	assert_memory_equal(sec.rate_ts, before, sizeof(before));
}

/* An attempt older than the interval is forgotten: at T0+30 the attempt
 * made at T0 has left the 30-second interval, the others have not. */
static void test_rate_limit_prunes_attempts_older_than_interval(void **state)
{
	(void)state;
	set_rate_limit(3, 30);
	sec.rate_ts[0] = T0;
	sec.rate_ts[1] = T0 + 10;
	sec.rate_ts[2] = T0 + 20;
	sec.n_rate_ts = 3;
	expect(verify(T0 + 29, "000000", NULL), BARO_RATE_LIMITED, false);
	expect(verify(T0 + 30, "000000", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 3);
	assert_int_equal(sec.rate_ts[0], T0 + 10);
	assert_int_equal(sec.rate_ts[1], T0 + 20);
	assert_int_equal(sec.rate_ts[2], T0 + 30);
	/* Much later every old attempt goes. */
	expect(verify(T0 + 1000, "000000", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 1);
	assert_int_equal(sec.rate_ts[0], T0 + 1000);
}

/* Timestamps further ahead than one interval (the clock was set back)
 * are dropped, so they cannot lock the user out; closer ones count. */
static void test_rate_limit_prunes_far_future_attempts(void **state)
{
	(void)state;
	set_rate_limit(2, 60);
	sec.rate_ts[0] = T0 + 60;      /* at the edge: kept */
	sec.rate_ts[1] = T0 + 86400;   /* a day ahead: dropped */
	sec.n_rate_ts = 2;
	expect(verify(T0, "000000", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 2);
	assert_int_equal(sec.rate_ts[0], T0 + 60);
	assert_int_equal(sec.rate_ts[1], T0);

	sec.rate_ts[0] = T0 + 61;
	sec.rate_ts[1] = T0 + 61;
	expect(verify(T0, "000000", NULL), BARO_WRONG, true);
	assert_int_equal(sec.n_rate_ts, 1);
	assert_int_equal(sec.rate_ts[0], T0);
}

/* Without RATE_LIMIT a wrong code changes nothing in the file. */
static void test_no_rate_limit_wrong_code_changes_nothing(void **state)
{
	(void)state;
	expect(verify(T0, "000000", "00000000"), BARO_WRONG, false);
	assert_false(sec.has_rate_limit);
	assert_int_equal(sec.n_rate_ts, 0);
}

/* DESIGN.md §6 order: the rate limit is checked before the code, so neither a
 * right TOTP code nor an emergency code gets through at the limit. */
static void test_rate_limited_refuses_right_and_emergency_code(void **state)
{
	char code[9];

	(void)state;
	sec.n_emergency = 1;
	assert_true(baro_emergency_hash(key, KEYLEN, "12345678",
					sec.emergency[0]));
	set_rate_limit(1, 30);
	sec.rate_ts[0] = T0 - 5;
	sec.n_rate_ts = 1;
	sec.disallow_reuse = true;
	code_for(T0 / CYCLE, 6, code, sizeof(code));
	expect(verify(T0, code, code), BARO_RATE_LIMITED, false);
	expect(verify(T0, NULL, "12345678"), BARO_RATE_LIMITED, false);
	assert_false(sec.emergency_used[0]);
	assert_int_equal(sec.n_used, 0);
}

/* --- DISALLOW_REUSE --------------------------------------------------- */

static void test_reuse_first_use_ok_and_recorded(void **state)
{
	char code[9];

	(void)state;
	sec.disallow_reuse = true;
	code_for(T0 / CYCLE, 6, code, sizeof(code));
	expect(verify(T0 + 7, code, code), BARO_OK, true);
	assert_int_equal(sec.n_used, 1);
	assert_int_equal(sec.used[0], T0 / CYCLE);
}

/* A reused code is refused with the seconds to the next cycle. */
static void test_reuse_refused_with_retry_seconds(void **state)
{
	static const struct {
		int64_t offset; /* from T0, the start of the code's cycle */
		unsigned retry;
	} when[] = {
		{ 0, 30 }, { 1, 29 }, { 7, 23 }, { 15, 15 }, { 29, 1 },
		/* Next cycle: the code is still in the window. */
		{ 30, 30 }, { 44, 16 }, { 59, 1 },
	};
	struct baro_verdict v;
	char code[9];
	size_t i;

	(void)state;
	sec.disallow_reuse = true;
	code_for(T0 / CYCLE, 6, code, sizeof(code));
	expect(verify(T0, code, code), BARO_OK, true);
	for (i = 0; i < BARO_ARRAY_SIZE(when); i++) {
		v = verify(T0 + when[i].offset, code, code);
		expect(v, BARO_REUSED, false);
		if (v.retry_secs != when[i].retry)
			fail_msg("at T0+%lld: retry %u, want %u",
				 (long long)when[i].offset, v.retry_secs,
				 when[i].retry);
	}
	assert_int_equal(sec.n_used, 1);
}

/* The counter that matched is recorded, not the current one: using the
 * previous cycle's code leaves the current code usable. */
static void test_reuse_records_matched_counter(void **state)
{
	const int64_t now = T0 + 12; /* counter T0/CYCLE */
	char prev[9], cur[9];

	(void)state;
	sec.disallow_reuse = true;
	code_for(T0 / CYCLE - 1, 6, prev, sizeof(prev));
	code_for(T0 / CYCLE, 6, cur, sizeof(cur));
	expect(verify(now, prev, prev), BARO_OK, true);
	assert_int_equal(sec.n_used, 1);
	assert_int_equal(sec.used[0], T0 / CYCLE - 1);
	expect(verify(now, cur, cur), BARO_OK, true);
	assert_int_equal(sec.n_used, 2);
	assert_int_equal(sec.used[1], T0 / CYCLE);
	expect(verify(now, prev, prev), BARO_REUSED, false);
}

/* Recording a use forgets cycles that have left the window. */
static void test_reuse_prunes_cycles_outside_window(void **state)
{
	const int64_t c = T0 / CYCLE;
	char code[9];

	(void)state;
	sec.disallow_reuse = true;
	sec.window = 3; /* c-1 .. c+1 */
	sec.used[0] = c - 10;
	sec.used[1] = c - 2;
	sec.used[2] = c - 1;
	sec.used[3] = c + 1;
	sec.used[4] = c + 2;
	sec.n_used = 5;
	code_for(c, 6, code, sizeof(code));
	expect(verify(T0, code, code), BARO_OK, true);
	assert_int_equal(sec.n_used, 3);
	assert_int_equal(sec.used[0], c - 1);
	assert_int_equal(sec.used[1], c + 1);
	assert_int_equal(sec.used[2], c);
}

/* A refused reuse does not prune: the file is left as it was. */
static void test_reuse_refusal_leaves_list_alone(void **state)
{
	const int64_t c = T0 / CYCLE;
	char code[9];

	(void)state;
	sec.disallow_reuse = true;
	sec.used[0] = c - 50;
	sec.used[1] = c;
	sec.n_used = 2;
	code_for(c, 6, code, sizeof(code));
	expect(verify(T0, code, code), BARO_REUSED, false);
	assert_int_equal(sec.n_used, 2);
	assert_int_equal(sec.used[0], c - 50);
}

/* --- emergency keys --------------------------------------------------- */

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* RFC 4231 §4.3 (test case 2) and §4.2 (test case 1), HMAC-SHA256. */
static void test_emergency_hash_matches_rfc4231(void **state)
{
	static const uint8_t jefe[] = "Jefe";
	uint8_t k1[20], h[BARO_EMERGENCY_HASH_LEN];
	char hex[2 * BARO_EMERGENCY_HASH_LEN + 1];

	(void)state;
	assert_true(baro_emergency_hash(jefe, 4, "what do ya want for nothing?",
					h));
	hex_of(h, sizeof(h), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	memset(k1, 0x0b, sizeof(k1));
	assert_true(baro_emergency_hash(k1, sizeof(k1), "Hi There", h));
	hex_of(h, sizeof(h), hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
				 "881dc200c9833da726e9376c2e32cff7");
}

/* The stored EMERGENCY_KEY value is HMAC-SHA256 keyed with the decoded
 * key over the code's ASCII digits (no NUL), as OpenSSL's EVP_Q_mac
 * computes it. */
static void test_emergency_hash_matches_openssl_mac(void **state)
{
	static const char *const codes[] = { "12345678", "00000000",
					     "98765432" };
	uint8_t h[BARO_EMERGENCY_HASH_LEN], ref[BARO_EMERGENCY_HASH_LEN];
	size_t i, reflen;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(codes); i++) {
		reflen = 0;
		assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
					  key, KEYLEN,
					  (const uint8_t *)codes[i], 8, ref,
					  sizeof(ref), &reflen));
		assert_int_equal(reflen, sizeof(ref));
		memset(h, 0, sizeof(h));
		assert_true(baro_emergency_hash(key, KEYLEN, codes[i], h));
		assert_memory_equal(h, ref, sizeof(h));
	}
}

static void add_emergency(const char *code)
{
	assert_true(sec.n_emergency < BARO_EMERGENCY_MAX);
	assert_true(baro_emergency_hash(key, KEYLEN, code,
					sec.emergency[sec.n_emergency]));
	sec.emergency_used[sec.n_emergency++] = false;
}

/* An emergency code works once, then is refused; a wrong one fails and
 * changes nothing. */
static void test_emergency_code_works_once(void **state)
{
	(void)state;
	add_emergency("11111111");
	add_emergency("12345678");
	expect(verify(T0, NULL, "87654321"), BARO_WRONG, false);
	expect(verify(T0, "123456", "12345678"), BARO_OK_EMERGENCY, true);
	assert_false(sec.emergency_used[0]);
	assert_true(sec.emergency_used[1]);
	expect(verify(T0, NULL, "12345678"), BARO_WRONG, false);
	expect(verify(T0, NULL, "11111111"), BARO_OK_EMERGENCY, true);
	assert_true(sec.emergency_used[0]);
	expect(verify(T0, NULL, "11111111"), BARO_WRONG, false);
}

/* Two slots holding the same code: a used slot is not matched again, the
 * next unused one is. */
static void test_emergency_used_slot_not_matched_again(void **state)
{
	(void)state;
	add_emergency("24682468");
	add_emergency("24682468");
	expect(verify(T0, NULL, "24682468"), BARO_OK_EMERGENCY, true);
	assert_true(sec.emergency_used[0]);
	assert_false(sec.emergency_used[1]);
	expect(verify(T0, NULL, "24682468"), BARO_OK_EMERGENCY, true);
	assert_true(sec.emergency_used[1]);
	expect(verify(T0, NULL, "24682468"), BARO_WRONG, false);
}

/* Only 8-digit codes are emergency codes. */
static void test_emergency_needs_eight_digits(void **state)
{
	(void)state;
	add_emergency("1234567");
	add_emergency("123456789");
	expect(verify(T0, NULL, "1234567"), BARO_WRONG, false);
	expect(verify(T0, NULL, "123456789"), BARO_WRONG, false);
	assert_false(sec.emergency_used[0]);
	assert_false(sec.emergency_used[1]);
}

/* With DIGITS 8 one typed code is tried as TOTP and as emergency code. */
static void test_digits_8_tries_totp_then_emergency(void **state)
{
	char code[9];

	(void)state;
	sec.digits = 8;
	add_emergency("31415926");
	code_for(T0 / CYCLE, 8, code, sizeof(code));
	expect(verify(T0, code, code), BARO_OK, false);
	assert_false(sec.emergency_used[0]);
	expect(verify(T0, "31415926", "31415926"), BARO_OK_EMERGENCY, true);
	assert_true(sec.emergency_used[0]);
}

/* DESIGN.md §6 order TOTP → DISALLOW_REUSE → emergency: a reused TOTP code is
 * refused as reused even when it is also an emergency code. */
static void test_reused_totp_does_not_fall_through_to_emergency(void **state)
{
	char code[9];

	(void)state;
	sec.digits = 8;
	sec.disallow_reuse = true;
	code_for(T0 / CYCLE, 8, code, sizeof(code));
	add_emergency(code);
	expect(verify(T0, code, code), BARO_OK, true);
	expect(verify(T0 + 1, code, code), BARO_REUSED, false);
	assert_false(sec.emergency_used[0]);
}

/* --- baro_code_normalise ---------------------------------------------- */

static void test_code_normalise_table(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: rejected */
	} cases[] = {
		{ "123456", "123456" },
		{ "123 456", "123456" },
		{ " 1 2 3 4 5 6 ", "123456" },
		{ "12345678", "12345678" },
		{ "0000 0000", "00000000" },
		{ "", NULL },
		{ "   ", NULL },
		{ "12345a", NULL },
		{ "123-456", NULL },
		{ "123.456", NULL },
		{ "123\t456", NULL },
		{ "123456\n", NULL },
		{ "+123456", NULL },
		{ "١٢٣٤٥٦", NULL }, /* Arabic-Indic digits */
		{ "１２３４５６", NULL }, /* full-width digits */
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(cases); i++) {
		memset(out, 'x', sizeof(out));
		bool ok = baro_code_normalise(cases[i].in, out, sizeof(out));
		if (ok != (cases[i].out != NULL))
			fail_msg("\"%s\": got %d", cases[i].in, ok);
		assert_string_equal(out, cases[i].out ? cases[i].out : "");
	}
}

/* The output must hold the digits and the NUL; spaces do not count. */
static void test_code_normalise_too_long(void **state)
{
	char out[9];

	(void)state;
	assert_true(baro_code_normalise(" 1234 5678 ", out, sizeof(out)));
	assert_string_equal(out, "12345678");
	memset(out, 'x', sizeof(out));
	assert_false(baro_code_normalise("123456789", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_false(baro_code_normalise("1234567", out, 7));
	assert_string_equal(out, "");
	assert_false(baro_code_normalise("1", out, 0));
}

#define TEST(f) cmocka_unit_test_setup(f, setup_secret)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_right_code_ok_wrong_code_wrong),
		TEST(test_rate_limit_counts_attempts_until_limit),
		TEST(test_rate_limit_prunes_attempts_older_than_interval),
		TEST(test_rate_limit_prunes_far_future_attempts),
		TEST(test_no_rate_limit_wrong_code_changes_nothing),
		TEST(test_rate_limited_refuses_right_and_emergency_code),
		TEST(test_reuse_first_use_ok_and_recorded),
		TEST(test_reuse_refused_with_retry_seconds),
		TEST(test_reuse_records_matched_counter),
		TEST(test_reuse_prunes_cycles_outside_window),
		TEST(test_reuse_refusal_leaves_list_alone),
		TEST(test_emergency_hash_matches_rfc4231),
		TEST(test_emergency_hash_matches_openssl_mac),
		TEST(test_emergency_code_works_once),
		TEST(test_emergency_used_slot_not_matched_again),
		TEST(test_emergency_needs_eight_digits),
		TEST(test_digits_8_tries_totp_then_emergency),
		TEST(test_reused_totp_does_not_fall_through_to_emergency),
		TEST(test_code_normalise_table),
		TEST(test_code_normalise_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
