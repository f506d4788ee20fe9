/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/secret.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "baro/base32.h"
#include "baro/util.h"

#define MAX_TOKENS (BARO_RATE_COUNT_MAX + 3)

struct tokens {
	const char *v[MAX_TOKENS];
	size_t n;
};

typedef enum baro_parse_err (*option_fn)(struct baro_secret *s,
					 const struct tokens *t);

static enum baro_parse_err opt_secure_key(struct baro_secret *s,
					  const struct tokens *t)
{
	uint8_t key[BARO_KEY_MAX];
	size_t keylen = 0, n;
	bool ok;

	if (t->n != 2)
		return BARO_PARSE_INVALID;
	n = strlen(t->v[1]);
	if (n > BARO_SECURE_KEY_TEXT_MAX)
		return BARO_PARSE_INVALID;
	if (strncmp(t->v[1], BARO_SEALED_PREFIX,
		    strlen(BARO_SEALED_PREFIX)) != 0) {
		/* A plain key must decode here; a sealed one opens later. */
		ok = baro_base32_decode(t->v[1], key, sizeof(key), &keylen) &&
		     keylen >= BARO_KEY_MIN;
		OPENSSL_cleanse(key, sizeof(key));
		if (!ok)
			return BARO_PARSE_INVALID;
	}
	memcpy(s->secure_key, t->v[1], n + 1);
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_cycle_time(struct baro_secret *s,
					  const struct tokens *t)
{
	unsigned long v;

	if (t->n != 2 ||
	    !baro_parse_ulong(t->v[1], BARO_CYCLE_MIN, BARO_CYCLE_MAX, &v))
		return BARO_PARSE_INVALID;
	s->cycle_time = (unsigned)v;
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_key_method(struct baro_secret *s,
					  const struct tokens *t)
{
	if (t->n != 2 || !baro_hash_from_name(t->v[1], &s->method))
		return BARO_PARSE_INVALID;
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_digits(struct baro_secret *s,
				      const struct tokens *t)
{
	unsigned long v;

	if (t->n != 2 ||
	    !baro_parse_ulong(t->v[1], BARO_DIGITS_MIN, BARO_DIGITS_MAX, &v))
		return BARO_PARSE_INVALID;
	s->digits = (unsigned)v;
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_window_size(struct baro_secret *s,
					   const struct tokens *t)
{
	unsigned long v;

	if (t->n != 2 || !baro_parse_ulong(t->v[1], 1, BARO_WINDOW_MAX, &v))
		return BARO_PARSE_BAD_WINDOW;
	s->window = (unsigned)v;
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_rate_limit(struct baro_secret *s,
					  const struct tokens *t)
{
	unsigned long count, interval;
	size_t i;

	if (t->n < 3 ||
	    !baro_parse_ulong(t->v[1], 1, BARO_RATE_COUNT_MAX, &count) ||
	    !baro_parse_ulong(t->v[2], 1, BARO_RATE_INTERVAL_MAX, &interval))
		return BARO_PARSE_BAD_RATE_LIMIT;
	/* The module never keeps more timestamps than the count. */
	if (t->n - 3 > count)
		return BARO_PARSE_BAD_TIMESTAMPS;
	for (i = 3; i < t->n; i++)
		if (!baro_parse_int64(t->v[i], 0, BARO_TIME_MAX,
				      &s->rate_ts[i - 3]))
			return BARO_PARSE_BAD_TIMESTAMPS;
	s->has_rate_limit = true;
	s->rate_count = (unsigned)count;
	s->rate_interval = (unsigned)interval;
	s->n_rate_ts = t->n - 3;
	return BARO_PARSE_OK;
}

static enum baro_parse_err opt_disallow_reuse(struct baro_secret *s,
					      const struct tokens *t)
{
	size_t i;

	if (t->n - 1 > BARO_WINDOW_MAX)
		return BARO_PARSE_INVALID;
	for (i = 1; i < t->n; i++)
		if (!baro_parse_int64(t->v[i], 0, BARO_TIME_MAX,
				      &s->used[i - 1]))
			return BARO_PARSE_INVALID;
	s->disallow_reuse = true;
	s->n_used = t->n - 1;
	return BARO_PARSE_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum baro_parse_err opt_emergency_key(struct baro_secret *s,
					     const struct tokens *t)
{
	uint8_t *out;
	size_t i;
	int hi, lo;

	if (t->n != 2 || s->n_emergency >= BARO_EMERGENCY_MAX ||
	    strlen(t->v[1]) != 2 * BARO_EMERGENCY_HASH_LEN)
		return BARO_PARSE_INVALID;
	out = s->emergency[s->n_emergency];
	for (i = 0; i < BARO_EMERGENCY_HASH_LEN; i++) {
		hi = hex_value(t->v[1][2 * i]);
		lo = hex_value(t->v[1][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return BARO_PARSE_INVALID;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	s->emergency_used[s->n_emergency] = false;
	s->n_emergency++;
	return BARO_PARSE_OK;
}

static const struct option {
	const char *name;
	enum baro_line_kind kind;
	option_fn fn;
	bool repeatable;
} options[] = {
	{ "SECURE_KEY", BARO_LINE_SECURE_KEY, opt_secure_key, false },
	{ "CYCLE_TIME", BARO_LINE_CYCLE_TIME, opt_cycle_time, false },
	{ "KEY_METHOD", BARO_LINE_KEY_METHOD, opt_key_method, false },
	{ "DIGITS", BARO_LINE_DIGITS, opt_digits, false },
	{ "WINDOW_SIZE", BARO_LINE_WINDOW_SIZE, opt_window_size, false },
	{ "RATE_LIMIT", BARO_LINE_RATE_LIMIT, opt_rate_limit, false },
	{ "DISALLOW_REUSE", BARO_LINE_DISALLOW_REUSE, opt_disallow_reuse,
	  false },
	{ "EMERGENCY_KEY", BARO_LINE_EMERGENCY_KEY, opt_emergency_key, true },
};

static const struct option *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(options); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Split line (modified in place) on blanks. False when there are too many
 * tokens or a character that has no place in the file. */
static bool tokenize(char *line, struct tokens *t)
{
	char *p = line;

	t->n = 0;
	while (*p != '\0') {
		if ((unsigned char)*p < 0x20 && !is_blank(*p))
			return false;
		if (is_blank(*p)) {
			*p++ = '\0';
			continue;
		}
		if (t->n == MAX_TOKENS)
			return false;
		t->v[t->n++] = p;
		while (*p != '\0' && !is_blank(*p)) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return false;
			p++;
		}
	}
	return true;
}

static bool is_comment_or_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && is_blank(p[i]); i++)
		;
	return i == n || p[i] == '#';
}

static bool add_line(struct baro_secret *s, enum baro_line_kind kind,
		     unsigned index, const char *text, size_t textlen)
{
	struct baro_line *l;

	if (s->n_lines == BARO_LINES_MAX)
		return false;
	l = &s->lines[s->n_lines++];
	l->kind = kind;
	l->index = index;
	l->text = text;
	l->textlen = textlen;
	return true;
}

static enum baro_parse_err parse_option_line(struct baro_secret *s,
					     const char *p, size_t n,
					     unsigned *seen)
{
	char line[BARO_FILE_MAX + 1];
	struct tokens t;
	const struct option *o;
	enum baro_parse_err e;
	unsigned index = (unsigned)s->n_emergency;

	memcpy(line, p, n);
	line[n] = '\0';
	e = BARO_PARSE_INVALID;
	if (!tokenize(line, &t) || t.n == 0)
		goto out;
	o = find_option(t.v[0]);
	if (o == NULL || (!o->repeatable && (*seen & (1u << o->kind))))
		goto out;
	e = o->fn(s, &t);
	if (e != BARO_PARSE_OK)
		goto out;
	*seen |= 1u << o->kind;
	if (!add_line(s, o->kind, index, NULL, 0))
		e = BARO_PARSE_INVALID;
out:
	OPENSSL_cleanse(line, n + 1);
	return e;
}

void baro_secret_init(struct baro_secret *s)
{
	memset(s, 0, offsetof(struct baro_secret, lines));
	s->method = BARO_SHA1;
	s->digits = 6;
	s->window = 3;
}

enum baro_parse_err baro_secret_parse(const char *buf, size_t len,
				      struct baro_secret *s)
{
	enum baro_parse_err e = BARO_PARSE_OK;
	unsigned seen = 0, lineno = 0;
	size_t pos = 0, n;
	const char *nl;

	baro_secret_init(s);
	if (len == 0 || len > BARO_FILE_MAX || memchr(buf, '\0', len) != NULL)
		return BARO_PARSE_INVALID;
	while (pos < len && e == BARO_PARSE_OK) {
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - buf) - pos : len - pos;
		lineno++;
		if (is_comment_or_blank(buf + pos, n)) {
			if (!add_line(s, BARO_LINE_TEXT, 0, buf + pos, n))
				e = BARO_PARSE_INVALID;
		} else {
			e = parse_option_line(s, buf + pos, n, &seen);
		}
		pos += n + 1;
	}
	if (e == BARO_PARSE_OK && !(seen & (1u << BARO_LINE_SECURE_KEY)))
		e = BARO_PARSE_NO_KEY;
	else if (e == BARO_PARSE_OK && !(seen & (1u << BARO_LINE_CYCLE_TIME)))
		e = BARO_PARSE_NO_CYCLE;
	else if (e != BARO_PARSE_OK)
		s->err_line = lineno;
	if (e != BARO_PARSE_OK)
		OPENSSL_cleanse(s->secure_key, sizeof(s->secure_key));
	return e;
}

bool baro_secret_add_line(struct baro_secret *s, enum baro_line_kind kind,
			  unsigned index)
{
	if (kind == BARO_LINE_TEXT)
		return false;
	return add_line(s, kind, index, NULL, 0);
}

bool baro_secret_add_option_lines(struct baro_secret *s)
{
	static const enum baro_line_kind always[] = {
		BARO_LINE_SECURE_KEY,  BARO_LINE_CYCLE_TIME,
		BARO_LINE_KEY_METHOD,  BARO_LINE_DIGITS,
		BARO_LINE_WINDOW_SIZE,
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		ok = ok && baro_secret_add_line(s, always[i], 0);
	if (s->has_rate_limit)
		ok = ok && baro_secret_add_line(s, BARO_LINE_RATE_LIMIT, 0);
	if (s->disallow_reuse)
		ok = ok && baro_secret_add_line(s, BARO_LINE_DISALLOW_REUSE, 0);
	return ok;
}

bool baro_secret_is_sealed(const struct baro_secret *s)
{
	return strncmp(s->secure_key, BARO_SEALED_PREFIX,
		       strlen(BARO_SEALED_PREFIX)) == 0;
}

void baro_secret_wipe(struct baro_secret *s)
{
	size_t used = s->n_lines < BARO_LINES_MAX ? s->n_lines : BARO_LINES_MAX;

	OPENSSL_cleanse(s, offsetof(struct baro_secret, lines) +
				   used * sizeof(s->lines[0]));
}

/* An output buffer whose size is computed up front: no realloc, so no
 * unwiped copy of the key is ever left behind. */
struct out {
	char *buf;
	size_t size;
	size_t len;
	bool ok;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->ok = false;
		return;
	}
	o->len += (size_t)n;
}

static void put_int64_list(struct out *o, const int64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put(o, " %lld", (long long)v[i]);
}

static void put_line(struct out *o, const struct baro_secret *s,
		     const struct baro_line *l)
{
	size_t i;

	switch (l->kind) {
	case BARO_LINE_TEXT:
		put(o, "%.*s\n", (int)l->textlen, l->text);
		break;
	case BARO_LINE_SECURE_KEY:
		put(o, "SECURE_KEY %s\n", s->secure_key);
		break;
	case BARO_LINE_CYCLE_TIME:
		put(o, "CYCLE_TIME %u\n", s->cycle_time);
		break;
	case BARO_LINE_KEY_METHOD:
		put(o, "KEY_METHOD %s\n", baro_hash_name(s->method));
		break;
	case BARO_LINE_DIGITS:
		put(o, "DIGITS %u\n", s->digits);
		break;
	case BARO_LINE_WINDOW_SIZE:
		put(o, "WINDOW_SIZE %u\n", s->window);
		break;
	case BARO_LINE_RATE_LIMIT:
		put(o, "RATE_LIMIT %u %u", s->rate_count, s->rate_interval);
		put_int64_list(o, s->rate_ts, s->n_rate_ts);
		put(o, "\n");
		break;
	case BARO_LINE_DISALLOW_REUSE:
		put(o, "DISALLOW_REUSE");
		put_int64_list(o, s->used, s->n_used);
		put(o, "\n");
		break;
	case BARO_LINE_EMERGENCY_KEY:
		if (l->index >= s->n_emergency || s->emergency_used[l->index])
			break;
		put(o, "EMERGENCY_KEY ");
		for (i = 0; i < BARO_EMERGENCY_HASH_LEN; i++)
			put(o, "%02x", s->emergency[l->index][i]);
		put(o, "\n");
		break;
	}
}

/* Longest formatted option line: RATE_LIMIT with 100 timestamps. */
#define OPTION_LINE_MAX (32 + (BARO_RATE_COUNT_MAX + 2) * 22)

char *baro_secret_format(const struct baro_secret *s, size_t *len)
{
	struct out o = { NULL, 1, 0, true };
	size_t i;

	for (i = 0; i < s->n_lines; i++)
		o.size += s->lines[i].kind == BARO_LINE_TEXT
				  ? s->lines[i].textlen + 1
				  : OPTION_LINE_MAX;
	o.buf = malloc(o.size);
	if (o.buf == NULL)
		return NULL;
	o.buf[0] = '\0';
	for (i = 0; i < s->n_lines; i++)
		put_line(&o, s, &s->lines[i]);
	if (!o.ok) {
		OPENSSL_cleanse(o.buf, o.size);
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
