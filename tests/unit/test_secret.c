/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the secret-file parser and writer (DESIGN.md §3,
 * src/core/secret.c): every rule and range boundary, the line of the
 * first error, the defaults, and the round trip through format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "baro/secret.h"
#include "baro/util.h"

/* Keys of 15, 16, 20 (the RFC 6238 seed), 64 and 65 decoded bytes. */
#define K15 "AEBAGBAFAYDQQCIKBMGA2DQP"
#define K16 "AEBAGBAFAYDQQCIKBMGA2DQPCA"
#define K20 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define K64 "AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QCCIRDEQSSM" \
	    "JZIFEVCWLBNFYXTAMJSGM2DKNRXHA4TUOZ4HU7D6QA"
#define K65 "AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCULBOGAZDINRYHI6D4QCCIRDEQSSM" \
	    "JZIFEVCWLBNFYXTAMJSGM2DKNRXHA4TUOZ4HU7D6QCB"

#define HEX1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HEX3 "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"

#define KEYLINE "SECURE_KEY " K20 "\n"
#define CYCLINE "CYCLE_TIME 30\n"
#define BASE KEYLINE CYCLINE /* lines 1-2: a case's own line is line 3 */

/* Large: the parser's own line buffer is on its stack already. */
static struct baro_secret sec;

static enum baro_parse_err parse_len(const char *text, size_t len)
{
	memset(&sec, 0x5a, sizeof(sec));
	return baro_secret_parse(text, len, &sec);
}

static enum baro_parse_err parse(const char *text)
{
	return parse_len(text, strlen(text));
}

struct parse_case {
	const char *name;
	const char *text;
	enum baro_parse_err err;
	unsigned line; /* err_line: 0 for success and whole-file errors */
};

#define OK(name, text) { name, text, BARO_PARSE_OK, 0 }
#define BAD(name, text, err, line) { name, text, BARO_PARSE_##err, line }

static const struct parse_case parse_cases[] = {
	OK("minimal", BASE),
	OK("no final newline", KEYLINE "CYCLE_TIME 30"),
	OK("options in any order", CYCLINE "DIGITS 8\n" KEYLINE),

	/* SECURE_KEY: 16..64 decoded bytes of base32. */
	BAD("key 15 bytes", "SECURE_KEY " K15 "\n" CYCLINE, INVALID, 1),
	OK("key 16 bytes", "SECURE_KEY " K16 "\n" CYCLINE),
	OK("key 64 bytes", "SECURE_KEY " K64 "\n" CYCLINE),
	BAD("key 65 bytes", "SECURE_KEY " K65 "\n" CYCLINE, INVALID, 1),
	OK("key padded", "SECURE_KEY " K16 "======\n" CYCLINE),
	OK("key lower case", "SECURE_KEY gezdgnbvgy3tqojqgezdgnbvgy3tqojq\n"
			     CYCLINE),
	BAD("key bad base32 char", "SECURE_KEY GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ\n"
				   CYCLINE, INVALID, 1),
	BAD("key impossible length", "SECURE_KEY " K20 "G\n" CYCLINE,
	    INVALID, 1),
	BAD("key padding inside", "SECURE_KEY GEZDGNBV=Y3TQOJQGEZDGNBVGY3TQOJQ\n"
				  CYCLINE, INVALID, 1),
	BAD("key without value", "SECURE_KEY\n" CYCLINE, INVALID, 1),
	BAD("key two values", "SECURE_KEY " K20 " " K20 "\n" CYCLINE,
	    INVALID, 1),
	OK("sealed key syntax", "SECURE_KEY enc:v1:AAAAAAAAAAAAAAAA\n" CYCLINE),
	BAD("sealed key other version", "SECURE_KEY enc:v2:AAAA\n" CYCLINE,
	    INVALID, 1),

	/* CYCLE_TIME 15..300. */
	BAD("cycle 14", KEYLINE "CYCLE_TIME 14\n", INVALID, 2),
	OK("cycle 15", KEYLINE "CYCLE_TIME 15\n"),
	OK("cycle 300", KEYLINE "CYCLE_TIME 300\n"),
	BAD("cycle 301", KEYLINE "CYCLE_TIME 301\n", INVALID, 2),
	BAD("cycle 0", KEYLINE "CYCLE_TIME 0\n", INVALID, 2),
	BAD("cycle negative", KEYLINE "CYCLE_TIME -30\n", INVALID, 2),
	BAD("cycle plus sign", KEYLINE "CYCLE_TIME +30\n", INVALID, 2),
	BAD("cycle unit", KEYLINE "CYCLE_TIME 30s\n", INVALID, 2),
	BAD("cycle without value", KEYLINE "CYCLE_TIME\n", INVALID, 2),
	BAD("cycle two values", KEYLINE "CYCLE_TIME 30 60\n", INVALID, 2),
	BAD("cycle trailing comment", KEYLINE "CYCLE_TIME 30 # half a minute\n",
	    INVALID, 2),

	/* DIGITS 6..8. */
	BAD("digits 5", BASE "DIGITS 5\n", INVALID, 3),
	OK("digits 6", BASE "DIGITS 6\n"),
	OK("digits 7", BASE "DIGITS 7\n"),
	OK("digits 8", BASE "DIGITS 8\n"),
	BAD("digits 9", BASE "DIGITS 9\n", INVALID, 3),
	BAD("digits without value", BASE "DIGITS\n", INVALID, 3),

	/* WINDOW_SIZE 1..100, its own error. */
	BAD("window 0", BASE "WINDOW_SIZE 0\n", BAD_WINDOW, 3),
	OK("window 1", BASE "WINDOW_SIZE 1\n"),
	OK("window 100", BASE "WINDOW_SIZE 100\n"),
	BAD("window 101", BASE "WINDOW_SIZE 101\n", BAD_WINDOW, 3),
	BAD("window text", BASE "WINDOW_SIZE three\n", BAD_WINDOW, 3),
	BAD("window without value", BASE "WINDOW_SIZE\n", BAD_WINDOW, 3),
	BAD("window two values", BASE "WINDOW_SIZE 3 5\n", BAD_WINDOW, 3),

	/* KEY_METHOD. */
	OK("method SHA1", BASE "KEY_METHOD SHA1\n"),
	OK("method SHA256", BASE "KEY_METHOD SHA256\n"),
	OK("method SHA512", BASE "KEY_METHOD SHA512\n"),
	BAD("method MD5", BASE "KEY_METHOD MD5\n", INVALID, 3),
	BAD("method lower case", BASE "KEY_METHOD sha1\n", INVALID, 3),
	BAD("method without value", BASE "KEY_METHOD\n", INVALID, 3),

	/* RATE_LIMIT count 1..100, interval 1..3600, then timestamps. */
	BAD("rate count 0", BASE "RATE_LIMIT 0 30\n", BAD_RATE_LIMIT, 3),
	OK("rate count 1", BASE "RATE_LIMIT 1 30\n"),
	OK("rate count 100", BASE "RATE_LIMIT 100 30\n"),
	BAD("rate count 101", BASE "RATE_LIMIT 101 30\n", BAD_RATE_LIMIT, 3),
	BAD("rate interval 0", BASE "RATE_LIMIT 3 0\n", BAD_RATE_LIMIT, 3),
	OK("rate interval 1", BASE "RATE_LIMIT 3 1\n"),
	OK("rate interval 3600", BASE "RATE_LIMIT 3 3600\n"),
	BAD("rate interval 3601", BASE "RATE_LIMIT 3 3601\n", BAD_RATE_LIMIT,
	    3),
	BAD("rate no interval", BASE "RATE_LIMIT 3\n", BAD_RATE_LIMIT, 3),
	BAD("rate no values", BASE "RATE_LIMIT\n", BAD_RATE_LIMIT, 3),
	BAD("rate count text", BASE "RATE_LIMIT x 30\n", BAD_RATE_LIMIT, 3),
	OK("rate timestamps up to count",
	   BASE "RATE_LIMIT 3 30 1700000000 1700000001 1700000002\n"),
	OK("rate timestamp 0 and max", BASE "RATE_LIMIT 2 30 0 1099511627776\n"),
	BAD("rate timestamps over count",
	    BASE "RATE_LIMIT 3 30 1700000000 1700000001 1700000002 1700000003\n",
	    BAD_TIMESTAMPS, 3),
	BAD("rate timestamp negative", BASE "RATE_LIMIT 3 30 -5\n",
	    BAD_TIMESTAMPS, 3),
	BAD("rate timestamp text", BASE "RATE_LIMIT 3 30 1700000000 soon\n",
	    BAD_TIMESTAMPS, 3),
	BAD("rate timestamp too large", BASE "RATE_LIMIT 3 30 1099511627777\n",
	    BAD_TIMESTAMPS, 3),

	/* DISALLOW_REUSE [cycle...]. */
	OK("reuse bare", BASE "DISALLOW_REUSE\n"),
	OK("reuse with cycles", BASE "DISALLOW_REUSE 56666666 56666667\n"),
	BAD("reuse negative cycle", BASE "DISALLOW_REUSE -1\n", INVALID, 3),
	BAD("reuse text cycle", BASE "DISALLOW_REUSE yes\n", INVALID, 3),

	/* EMERGENCY_KEY: 64 hex digits (HMAC-SHA256). */
	OK("emergency lower hex", BASE "EMERGENCY_KEY " HEX1 "\n"),
	OK("emergency upper hex",
	   BASE "EMERGENCY_KEY FEDCBA9876543210FEDCBA9876543210"
		"FEDCBA9876543210FEDCBA9876543210\n"),
	OK("emergency repeated", BASE "EMERGENCY_KEY " HEX1 "\nEMERGENCY_KEY "
		HEX2 "\n"),
	BAD("emergency 63 hex", BASE "EMERGENCY_KEY "
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n",
	    INVALID, 3),
	BAD("emergency 65 hex", BASE "EMERGENCY_KEY " HEX1 "0\n", INVALID, 3),
	BAD("emergency bad hex", BASE "EMERGENCY_KEY "
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
	    INVALID, 3),
	BAD("emergency no value", BASE "EMERGENCY_KEY\n", INVALID, 3),
	BAD("emergency plain code", BASE "EMERGENCY_KEY 12345678\n", INVALID,
	    3),

	/* Unknown and repeated options. */
	BAD("unknown option", BASE "FOO 1\n", INVALID, 3),
	BAD("option lower case", "secure_key " K20 "\n" CYCLINE, INVALID, 1),
	BAD("option with colon", BASE "DIGITS: 6\n", INVALID, 3),
	BAD("option with equals", BASE "DIGITS=6\n", INVALID, 3),
	BAD("google-authenticator option", BASE "\" TOTP_AUTH\n", INVALID, 3),
	BAD("repeated SECURE_KEY", BASE KEYLINE, INVALID, 3),
	BAD("repeated CYCLE_TIME", BASE CYCLINE, INVALID, 3),
	BAD("repeated KEY_METHOD", BASE "KEY_METHOD SHA1\nKEY_METHOD SHA1\n",
	    INVALID, 4),
	BAD("repeated DIGITS", BASE "DIGITS 6\nDIGITS 6\n", INVALID, 4),
	BAD("repeated WINDOW_SIZE", BASE "WINDOW_SIZE 3\nWINDOW_SIZE 3\n",
	    INVALID, 4),
	BAD("repeated RATE_LIMIT", BASE "RATE_LIMIT 3 30\nRATE_LIMIT 3 30\n",
	    INVALID, 4),
	BAD("repeated DISALLOW_REUSE", BASE "DISALLOW_REUSE\nDISALLOW_REUSE\n",
	    INVALID, 4),

	/* Required lines: whole-file errors, no line. */
	BAD("no SECURE_KEY", CYCLINE, NO_KEY, 0),
	BAD("no CYCLE_TIME", KEYLINE, NO_CYCLE, 0),
	BAD("neither", "# nothing here\n", NO_KEY, 0),
	BAD("only blank lines", "\n\n\n", NO_KEY, 0),
	BAD("empty file", "", INVALID, 0),

	/* Blanks, comments, control characters. */
	OK("comments and blank lines", "# alice\n\n   \n\t\n" KEYLINE
	   "  # indented comment\n" CYCLINE "#\n"),
	OK("tabs and extra blanks", "\tSECURE_KEY\t" K20 "  \nCYCLE_TIME \t 30\t\n"),
	OK("CR inside a comment", "# written on Windows\r\n" BASE),
	BAD("CRLF line ends", "SECURE_KEY " K20 "\r\nCYCLE_TIME 30\r\n",
	    INVALID, 1),
	BAD("CR-only line", BASE "\r\n", INVALID, 3),
	BAD("control character", BASE "DIGITS 6\x01\n", INVALID, 3),
	BAD("DEL character", BASE "DIGITS \x7f" "6\n", INVALID, 3),
	BAD("vertical tab", BASE "DIGITS\v6\n", INVALID, 3),
	BAD("error after comments", "# c\n\n" KEYLINE "FOO\n" CYCLINE,
	    INVALID, 4),
	BAD("first error wins", BASE "DIGITS 9\nWINDOW_SIZE 0\n", INVALID, 3),
};

static const char *err_name(enum baro_parse_err e)
{
	static const char *const names[] = {
		"OK", "INVALID", "NO_KEY", "NO_CYCLE", "BAD_RATE_LIMIT",
		"BAD_TIMESTAMPS", "BAD_WINDOW",
	};

	return (size_t)e < BARO_ARRAY_SIZE(names) ? names[e] : "?";
}

static void test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < BARO_ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		enum baro_parse_err e = parse(c->text);
		if (e != c->err || sec.err_line != c->line)
			fail_msg("%s: got %s line %u, want %s line %u", c->name,
				 err_name(e), sec.err_line, err_name(c->err),
				 c->line);
		/* A rejected file leaves no key text behind. */
		if (e != BARO_PARSE_OK)
			assert_string_equal(sec.secure_key, "");
	}
}

/* A NUL byte anywhere rejects the whole file (no line is blamed). */
static void test_parse_rejects_nul_byte(void **state)
{
	static const char text[] = BASE "DIGITS 6\0\n";

	(void)state;
	assert_int_equal(parse_len(text, sizeof(text) - 1), BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, 0);
	assert_int_equal(parse_len(text, strlen(text)), BARO_PARSE_OK);
	assert_int_equal(parse_len(BASE "#\0", sizeof(BASE "#\0") - 1),
			 BARO_PARSE_INVALID);
}

static void test_parse_applies_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE), BARO_PARSE_OK);
	assert_string_equal(sec.secure_key, K20);
	assert_int_equal(sec.cycle_time, 30);
	assert_int_equal(sec.method, BARO_SHA1);
	assert_int_equal(sec.digits, 6);
	assert_int_equal(sec.window, 3);
	assert_false(sec.has_rate_limit);
	assert_int_equal(sec.n_rate_ts, 0);
	assert_false(sec.disallow_reuse);
	assert_int_equal(sec.n_used, 0);
	assert_int_equal(sec.n_emergency, 0);
	assert_int_equal(sec.n_lines, 2);
	assert_int_equal(sec.err_line, 0);
	assert_false(baro_secret_is_sealed(&sec));
}

static void test_parse_stores_every_value(void **state)
{
	static const uint8_t hex1[4] = { 0x01, 0x23, 0x45, 0x67 };
	static const uint8_t hex2[4] = { 0xfe, 0xdc, 0xba, 0x98 };

	(void)state;
	assert_int_equal(parse("SECURE_KEY enc:v1:QUJD\n"
			       "CYCLE_TIME 60\n"
			       "KEY_METHOD SHA512\n"
			       "DIGITS 8\n"
			       "WINDOW_SIZE 17\n"
			       "RATE_LIMIT 3 45 1700000000 1700000044\n"
			       "DISALLOW_REUSE 28333333 28333334 28333335\n"
			       "EMERGENCY_KEY " HEX1 "\n"
			       "EMERGENCY_KEY " HEX2 "\n"),
			 BARO_PARSE_OK);
	assert_string_equal(sec.secure_key, "enc:v1:QUJD");
	assert_true(baro_secret_is_sealed(&sec));
	assert_int_equal(sec.cycle_time, 60);
	assert_int_equal(sec.method, BARO_SHA512);
	assert_int_equal(sec.digits, 8);
	assert_int_equal(sec.window, 17);
	assert_true(sec.has_rate_limit);
	assert_int_equal(sec.rate_count, 3);
	assert_int_equal(sec.rate_interval, 45);
	assert_int_equal(sec.n_rate_ts, 2);
	assert_int_equal(sec.rate_ts[0], 1700000000);
	assert_int_equal(sec.rate_ts[1], 1700000044);
	assert_true(sec.disallow_reuse);
	assert_int_equal(sec.n_used, 3);
	assert_int_equal(sec.used[0], 28333333);
	assert_int_equal(sec.used[2], 28333335);
	assert_int_equal(sec.n_emergency, 2);
	assert_memory_equal(sec.emergency[0], hex1, sizeof(hex1));
	assert_memory_equal(sec.emergency[1], hex2, sizeof(hex2));
	assert_int_equal(sec.emergency[1][31], 0x10);
	assert_false(sec.emergency_used[0]);
	assert_false(sec.emergency_used[1]);
	assert_int_equal(sec.lines[7].kind, BARO_LINE_EMERGENCY_KEY);
	assert_int_equal(sec.lines[7].index, 0);
	assert_int_equal(sec.lines[8].index, 1);
}

/* Appends to buf, failing the test on overflow. */
static void append(char *buf, size_t bufsz, const char *s)
{
	size_t n = strlen(buf);

	assert_true(n + strlen(s) < bufsz);
	memcpy(buf + n, s, strlen(s) + 1);
}

/* 0..10 EMERGENCY_KEY lines are valid; the 11th is an error on its line. */
static void test_parse_emergency_key_count(void **state)
{
	static char text[4096];
	unsigned n;

	(void)state;
	text[0] = '\0';
	append(text, sizeof(text), BASE);
	for (n = 1; n <= BARO_EMERGENCY_MAX; n++) {
		append(text, sizeof(text), "EMERGENCY_KEY " HEX3 "\n");
		assert_int_equal(parse(text), BARO_PARSE_OK);
		assert_int_equal(sec.n_emergency, n);
	}
	append(text, sizeof(text), "EMERGENCY_KEY " HEX3 "\n");
	assert_int_equal(parse(text), BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, 2 + BARO_EMERGENCY_MAX + 1);
}

/* RATE_LIMIT 100 holds 100 timestamps; a 101st is rejected too, by the
 * tokenizer's cap, before the count check sees it. */
static void test_parse_rate_limit_full_list(void **state)
{
	static char text[4096];
	char ts[24];
	int i;

	(void)state;
	text[0] = '\0';
	append(text, sizeof(text), BASE "RATE_LIMIT 100 3600");
	for (i = 0; i < BARO_RATE_COUNT_MAX; i++) {
		snprintf(ts, sizeof(ts), " %d", 1700000000 + i);
		append(text, sizeof(text), ts);
	}
	append(text, sizeof(text), "\n");
	assert_int_equal(parse(text), BARO_PARSE_OK);
	assert_int_equal(sec.n_rate_ts, 100);
	assert_int_equal(sec.rate_ts[99], 1700000099);
	text[strlen(text) - 1] = '\0';
	append(text, sizeof(text), " 1700000100\n");
	assert_int_equal(parse(text), BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, 3);
}

/* A SECURE_KEY text longer than 256 characters is refused. */
static void test_parse_secure_key_text_cap(void **state)
{
	static char text[1024];
	char key[BARO_SECURE_KEY_TEXT_MAX + 2];

	(void)state;
	memset(key, 'A', sizeof(key));
	memcpy(key, BARO_SEALED_PREFIX, strlen(BARO_SEALED_PREFIX));
	key[BARO_SECURE_KEY_TEXT_MAX] = '\0';
	snprintf(text, sizeof(text), "SECURE_KEY %s\n" CYCLINE, key);
	assert_int_equal(parse(text), BARO_PARSE_OK);
	assert_int_equal(strlen(sec.secure_key), BARO_SECURE_KEY_TEXT_MAX);
	key[BARO_SECURE_KEY_TEXT_MAX] = 'A';
	key[BARO_SECURE_KEY_TEXT_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "SECURE_KEY %s\n" CYCLINE, key);
	assert_int_equal(parse(text), BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, 1);
}

/* Size 1..65536 and at most 1024 lines. */
static void test_parse_size_and_line_caps(void **state)
{
	static char text[BARO_FILE_MAX + 2];
	size_t n;

	(void)state;
	memset(text, '#', sizeof(text));
	memcpy(text, BASE, strlen(BASE));
	assert_int_equal(parse_len(text, BARO_FILE_MAX), BARO_PARSE_OK);
	assert_int_equal(parse_len(text, BARO_FILE_MAX + 1),
			 BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, 0);

	n = strlen(BASE);
	memset(text + n, '\n', BARO_LINES_MAX - 2);
	assert_int_equal(parse_len(text, n + BARO_LINES_MAX - 2),
			 BARO_PARSE_OK);
	assert_int_equal(sec.n_lines, BARO_LINES_MAX);
	text[n + BARO_LINES_MAX - 2] = '\n';
	assert_int_equal(parse_len(text, n + BARO_LINES_MAX - 1),
			 BARO_PARSE_INVALID);
	assert_int_equal(sec.err_line, BARO_LINES_MAX + 1);
}

static void test_parse_keeps_comments_and_blank_lines(void **state)
{
	static const char text[] = "# alice's key\n\n" KEYLINE "\t# next\n"
				   CYCLINE "   \n";

	(void)state;
	assert_int_equal(parse(text), BARO_PARSE_OK);
	assert_int_equal(sec.n_lines, 6);
	assert_int_equal(sec.lines[0].kind, BARO_LINE_TEXT);
	assert_int_equal(sec.lines[0].textlen, 13);
	assert_memory_equal(sec.lines[0].text, "# alice's key", 13);
	assert_int_equal(sec.lines[1].kind, BARO_LINE_TEXT);
	assert_int_equal(sec.lines[1].textlen, 0);
	assert_int_equal(sec.lines[2].kind, BARO_LINE_SECURE_KEY);
	assert_int_equal(sec.lines[3].kind, BARO_LINE_TEXT);
	assert_memory_equal(sec.lines[3].text, "\t# next", 7);
	assert_int_equal(sec.lines[4].kind, BARO_LINE_CYCLE_TIME);
	assert_int_equal(sec.lines[5].kind, BARO_LINE_TEXT);
	assert_int_equal(sec.lines[5].textlen, 3);
}

static char *format_or_fail(size_t *len)
{
	char *out;

	*len = 0;
	out = baro_secret_format(&sec, len);
	assert_non_null(out);
	assert_int_equal(strlen(out), *len);
	return out;
}

static void expect_format(const char *want)
{
	size_t len;
	char *out = format_or_fail(&len);

	assert_string_equal(out, want);
	free(out);
}

static const char canonical[] =
	"# BaroPAM secret for alice\n"
	"\n"
	"SECURE_KEY " K20 "\n"
	"# thirty-second codes\n"
	"CYCLE_TIME 30\n"
	"KEY_METHOD SHA256\n"
	"DIGITS 8\n"
	"WINDOW_SIZE 5\n"
	"\n"
	"RATE_LIMIT 3 30 1700000000 1700000010\n"
	"DISALLOW_REUSE 56666666 56666667\n"
	"EMERGENCY_KEY " HEX1 "\n"
	"EMERGENCY_KEY " HEX2 "\n"
	"   # indented, trailing blanks  \n"
	"EMERGENCY_KEY " HEX3 "\n";

static void test_format_round_trip_is_byte_identical(void **state)
{
	(void)state;
	assert_int_equal(parse(canonical), BARO_PARSE_OK);
	expect_format(canonical);
	assert_int_equal(parse(BASE), BARO_PARSE_OK);
	expect_format(BASE);
}

/* Formatting writes the canonical spelling of what it parsed. */
static void test_format_normalises_spelling(void **state)
{
	(void)state;
	assert_int_equal(parse("\tSECURE_KEY  " K20 " \n"
			       "CYCLE_TIME\t030\n"
			       "DIGITS 08\n"
			       "RATE_LIMIT 03 030 01700000000\n"
			       "EMERGENCY_KEY FEDCBA9876543210FEDCBA9876543210"
			       "FEDCBA9876543210FEDCBA9876543210\n"
			       "KEY_METHOD SHA1"),
			 BARO_PARSE_OK);
	expect_format(KEYLINE CYCLINE "DIGITS 8\n"
		      "RATE_LIMIT 3 30 1700000000\n"
		      "EMERGENCY_KEY " HEX2 "\nKEY_METHOD SHA1\n");
}

static void test_format_drops_consumed_emergency_keys(void **state)
{
	size_t len;
	char *out;

	(void)state;
	assert_int_equal(parse(BASE "EMERGENCY_KEY " HEX1 "\n# between\n"
			       "EMERGENCY_KEY " HEX2 "\nEMERGENCY_KEY " HEX3
			       "\n"),
			 BARO_PARSE_OK);
	sec.emergency_used[1] = true;
	out = format_or_fail(&len);
	assert_string_equal(out, BASE "EMERGENCY_KEY " HEX1 "\n# between\n"
				 "EMERGENCY_KEY " HEX3 "\n");
	/* What is written reads back with the two remaining keys. */
	assert_int_equal(parse(out), BARO_PARSE_OK);
	assert_int_equal(sec.n_emergency, 2);
	assert_int_equal(sec.emergency[0][0], 0x01);
	assert_int_equal(sec.emergency[1][0], 0x00);
	assert_int_equal(sec.emergency[1][1], 0xff);
	free(out);
	sec.emergency_used[0] = true;
	sec.emergency_used[1] = true;
	expect_format(BASE "# between\n");
}

/* The state lists are written from the structure, not the old text. */
static void test_format_writes_state_lists(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "RATE_LIMIT 3 30 1\nDISALLOW_REUSE 5\n"),
			 BARO_PARSE_OK);
	sec.n_rate_ts = 0;
	sec.n_used = 0;
	expect_format(BASE "RATE_LIMIT 3 30\nDISALLOW_REUSE\n");
	sec.rate_ts[0] = 1700000000;
	sec.rate_ts[1] = 1700000029;
	sec.rate_ts[2] = 0;
	sec.n_rate_ts = 3;
	sec.used[0] = 56666666;
	sec.used[1] = (int64_t)1 << 40;
	sec.n_used = 2;
	expect_format(BASE "RATE_LIMIT 3 30 1700000000 1700000029 0\n"
		      "DISALLOW_REUSE 56666666 1099511627776\n");
}

/* baro-keygen builds a file from nothing with baro_secret_add_line. */
static void test_add_line_builds_a_parseable_file(void **state)
{
	static const char want[] = "SECURE_KEY " K20 "\n"
				   "CYCLE_TIME 60\n"
				   "KEY_METHOD SHA256\n"
				   "DIGITS 7\n"
				   "WINDOW_SIZE 5\n"
				   "RATE_LIMIT 4 90\n"
				   "DISALLOW_REUSE\n"
				   "EMERGENCY_KEY " HEX1 "\n";
	static const uint8_t hex1_head[2] = { 0x01, 0x23 };
	size_t len;
	char *out;

	(void)state;
	baro_secret_init(&sec);
	assert_int_equal(sec.method, BARO_SHA1);
	assert_int_equal(sec.digits, 6);
	assert_int_equal(sec.window, 3);
	assert_int_equal(sec.n_lines, 0);
	memcpy(sec.secure_key, K20, sizeof(K20));
	sec.cycle_time = 60;
	sec.method = BARO_SHA256;
	sec.digits = 7;
	sec.window = 5;
	sec.has_rate_limit = true;
	sec.rate_count = 4;
	sec.rate_interval = 90;
	sec.disallow_reuse = true;
	sec.n_emergency = 1;
	memcpy(sec.emergency[0], "\x01\x23\x45\x67\x89\xab\xcd\xef"
				 "\x01\x23\x45\x67\x89\xab\xcd\xef"
				 "\x01\x23\x45\x67\x89\xab\xcd\xef"
				 "\x01\x23\x45\x67\x89\xab\xcd\xef", 32);
	assert_true(baro_secret_add_line(&sec, BARO_LINE_SECURE_KEY, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_CYCLE_TIME, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_KEY_METHOD, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_DIGITS, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_WINDOW_SIZE, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_RATE_LIMIT, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_DISALLOW_REUSE, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_EMERGENCY_KEY, 0));
	/* Text lines only come from a parse; a slot past n_emergency is
	 * written as nothing. */
	assert_false(baro_secret_add_line(&sec, BARO_LINE_TEXT, 0));
	assert_true(baro_secret_add_line(&sec, BARO_LINE_EMERGENCY_KEY, 1));
	out = format_or_fail(&len);
	assert_string_equal(out, want);
	assert_int_equal(parse(out), BARO_PARSE_OK);
	assert_int_equal(sec.digits, 7);
	assert_memory_equal(sec.emergency[0], hex1_head, 2);
	free(out);
}

static void test_add_line_stops_at_line_cap(void **state)
{
	size_t i;

	(void)state;
	baro_secret_init(&sec);
	for (i = 0; i < BARO_LINES_MAX; i++)
		assert_true(baro_secret_add_line(&sec, BARO_LINE_DIGITS, 0));
	assert_false(baro_secret_add_line(&sec, BARO_LINE_DIGITS, 0));
	assert_int_equal(sec.n_lines, BARO_LINES_MAX);
}

/* Everything but the line table's unused tail, which neither parse nor
 * init touches (it holds no secret: kinds and pointers into the wiped
 * file buffer). */
static void test_wipe_clears_key_and_emergency_hashes(void **state)
{
	static const uint8_t zero[sizeof(sec)];
	size_t used;

	(void)state;
	assert_int_equal(parse(BASE "EMERGENCY_KEY " HEX1 "\n"), BARO_PARSE_OK);
	assert_true(sec.n_lines > 0);
	assert_true(sec.secure_key[0] != '\0');
	used = offsetof(struct baro_secret, lines) +
	       sec.n_lines * sizeof(sec.lines[0]);
	baro_secret_wipe(&sec);
	assert_memory_equal(&sec, zero, used);
}

/* Setting up a secret clears what a parse reads, not the whole table. */
static void test_init_leaves_no_state_behind(void **state)
{
	(void)state;
	assert_int_equal(parse(BASE "RATE_LIMIT 3 30 100 200\n"
				    "DISALLOW_REUSE 5\n"
				    "EMERGENCY_KEY " HEX1 "\n"),
			 BARO_PARSE_OK);
	baro_secret_init(&sec);
	assert_int_equal(sec.n_lines, 0);
	assert_int_equal(sec.n_rate_ts, 0);
	assert_int_equal(sec.n_used, 0);
	assert_int_equal(sec.n_emergency, 0);
	assert_false(sec.has_rate_limit);
	assert_false(sec.disallow_reuse);
	assert_int_equal(sec.secure_key[0], '\0');
	assert_int_equal(sec.err_line, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_rejects_nul_byte),
		cmocka_unit_test(test_parse_applies_defaults),
		cmocka_unit_test(test_parse_stores_every_value),
		cmocka_unit_test(test_parse_emergency_key_count),
		cmocka_unit_test(test_parse_rate_limit_full_list),
		cmocka_unit_test(test_parse_secure_key_text_cap),
		cmocka_unit_test(test_parse_size_and_line_caps),
		cmocka_unit_test(test_parse_keeps_comments_and_blank_lines),
		cmocka_unit_test(test_format_round_trip_is_byte_identical),
		cmocka_unit_test(test_format_normalises_spelling),
		cmocka_unit_test(test_format_drops_consumed_emergency_keys),
		cmocka_unit_test(test_format_writes_state_lists),
		cmocka_unit_test(test_add_line_builds_a_parseable_file),
		cmocka_unit_test(test_add_line_stops_at_line_cap),
		cmocka_unit_test(test_wipe_clears_key_and_emergency_hashes),
		cmocka_unit_test(test_init_leaves_no_state_behind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
