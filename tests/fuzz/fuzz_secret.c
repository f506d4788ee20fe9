/* SPDX-License-Identifier: BSD-3-Clause */
/* The secret file parser (DESIGN.md §3) and its writer: whatever parses keeps
 * its meaning through format and parse again, and the writer is a fixed
 * point; whatever does not parse leaves no key text behind. */
#include <stdlib.h>
#include <string.h>

#include "baro/secret.h"
#include "fuzz_common.h"

static struct baro_secret first, second, third;

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* What a parsed secret promises about its values (the ranges of §3). */
static void check_ranges(const struct baro_secret *s)
{
	size_t i;

	FZ_CHECK(s->secure_key[0] != '\0');
	FZ_CHECK(s->cycle_time >= BARO_CYCLE_MIN && s->cycle_time <= BARO_CYCLE_MAX);
	FZ_CHECK(s->digits >= BARO_DIGITS_MIN && s->digits <= BARO_DIGITS_MAX);
	FZ_CHECK(s->window >= 1 && s->window <= BARO_WINDOW_MAX);
	FZ_CHECK(s->n_rate_ts <= s->rate_count);
	FZ_CHECK(!s->has_rate_limit ||
		 (s->rate_count >= 1 && s->rate_count <= BARO_RATE_COUNT_MAX &&
		  s->rate_interval >= 1 &&
		  s->rate_interval <= BARO_RATE_INTERVAL_MAX));
	FZ_CHECK(s->n_used <= BARO_WINDOW_MAX);
	FZ_CHECK(s->n_emergency <= BARO_EMERGENCY_MAX);
	FZ_CHECK(s->n_lines <= BARO_LINES_MAX);
	for (i = 0; i < s->n_lines; i++)
		FZ_CHECK(s->lines[i].kind != BARO_LINE_EMERGENCY_KEY ||
			 s->lines[i].index < s->n_emergency);
}

/* Same meaning: every option value and the line order. */
static void check_same(const struct baro_secret *a, const struct baro_secret *b)
{
	size_t i;

	FZ_CHECK(strcmp(a->secure_key, b->secure_key) == 0);
	FZ_CHECK(a->cycle_time == b->cycle_time && a->method == b->method);
	FZ_CHECK(a->digits == b->digits && a->window == b->window);
	FZ_CHECK(a->has_rate_limit == b->has_rate_limit);
	FZ_CHECK(a->rate_count == b->rate_count &&
		 a->rate_interval == b->rate_interval);
	FZ_CHECK(a->n_rate_ts == b->n_rate_ts &&
		 memcmp(a->rate_ts, b->rate_ts,
			a->n_rate_ts * sizeof(a->rate_ts[0])) == 0);
	FZ_CHECK(a->disallow_reuse == b->disallow_reuse);
	FZ_CHECK(a->n_used == b->n_used &&
		 memcmp(a->used, b->used, a->n_used * sizeof(a->used[0])) == 0);
	FZ_CHECK(a->n_emergency == b->n_emergency &&
		 memcmp(a->emergency, b->emergency,
			a->n_emergency * sizeof(a->emergency[0])) == 0);
	FZ_CHECK(a->n_lines == b->n_lines);
	for (i = 0; i < a->n_lines; i++) {
		FZ_CHECK(a->lines[i].kind == b->lines[i].kind);
		FZ_CHECK(a->lines[i].textlen == b->lines[i].textlen);
		FZ_CHECK(a->lines[i].kind != BARO_LINE_TEXT ||
			 memcmp(a->lines[i].text, b->lines[i].text,
				a->lines[i].textlen) == 0);
	}
}

/* Consuming an emergency key drops exactly its line. */
static void check_consumed(struct baro_secret *s)
{
	char *text;
	size_t len = 0, lines = s->n_lines;

	if (s->n_emergency == 0)
		return;
	s->emergency_used[0] = true;
	text = baro_secret_format(s, &len);
	FZ_CHECK(text != NULL);
	FZ_CHECK(baro_secret_parse(text, len, &third) == BARO_PARSE_OK);
	FZ_CHECK(third.n_emergency == s->n_emergency - 1);
	FZ_CHECK(third.n_lines == lines - 1);
	FZ_CHECK(memcmp(third.emergency[0], s->emergency[1],
			(s->n_emergency - 1) * sizeof(s->emergency[0])) == 0);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum baro_parse_err e;
	char *text1 = NULL, *text2 = NULL;
	size_t len1 = 0, len2 = 0;

	e = baro_secret_parse((const char *)data, size, &first);
	if (e != BARO_PARSE_OK) {
		FZ_CHECK(all_zero(first.secure_key, sizeof(first.secure_key)));
		/* A line error names its line; a missing option or a
		 * buffer refused whole (empty, too big, a NUL) has none. */
		FZ_CHECK(e == BARO_PARSE_NO_KEY || e == BARO_PARSE_NO_CYCLE ||
			 first.err_line > 0 || size == 0 ||
			 size > BARO_FILE_MAX || memchr(data, 0, size) != NULL);
		return 0;
	}
	check_ranges(&first);
	text1 = baro_secret_format(&first, &len1);
	FZ_CHECK(text1 != NULL && strlen(text1) == len1);
	FZ_CHECK(baro_secret_parse(text1, len1, &second) == BARO_PARSE_OK);
	check_same(&first, &second);
	text2 = baro_secret_format(&second, &len2);
	FZ_CHECK(text2 != NULL && len1 == len2 && memcmp(text1, text2, len1) == 0);
	check_consumed(&second);
	free(text1);
	free(text2);
	baro_secret_wipe(&first);
	return 0;
}
