/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_SECRET_H
#define BARO_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "baro/totp.h"

/* The secret file .baro_auth (DESIGN.md §3): pure parse and serialise, no I/O. */

#define BARO_FILE_MAX 65536
/* The times the file can hold (RATE_LIMIT timestamps, used cycles): the
 * parser refuses anything outside [0, BARO_TIME_MAX] (year ~36800), so the
 * module never writes such a time (DESIGN.md §3). */
#define BARO_TIME_MAX ((int64_t)1 << 40)
#define BARO_SECURE_KEY_TEXT_MAX 256 /* base32 of 64 bytes or enc:v1:... */
#define BARO_RATE_COUNT_MAX 100
#define BARO_RATE_INTERVAL_MAX 3600
#define BARO_WINDOW_MAX 100
#define BARO_CYCLE_MIN 15
#define BARO_CYCLE_MAX 300
#define BARO_EMERGENCY_MAX 10
#define BARO_EMERGENCY_DIGITS 8
#define BARO_EMERGENCY_HASH_LEN 32 /* HMAC-SHA256 */
#define BARO_LINES_MAX 1024
#define BARO_SEALED_PREFIX "enc:v1:"

enum baro_line_kind {
	BARO_LINE_TEXT, /* comment or blank line, kept verbatim */
	BARO_LINE_SECURE_KEY,
	BARO_LINE_CYCLE_TIME,
	BARO_LINE_KEY_METHOD,
	BARO_LINE_DIGITS,
	BARO_LINE_WINDOW_SIZE,
	BARO_LINE_RATE_LIMIT,
	BARO_LINE_DISALLOW_REUSE,
	BARO_LINE_EMERGENCY_KEY,
};

struct baro_line {
	enum baro_line_kind kind;
	unsigned index;   /* EMERGENCY_KEY: its slot in emergency[] */
	const char *text; /* BARO_LINE_TEXT: points into the parse buffer */
	size_t textlen;
};

enum baro_parse_err {
	BARO_PARSE_OK = 0,
	BARO_PARSE_INVALID,         /* Invalid file contents in PATH */
	BARO_PARSE_NO_KEY,          /* There is no secure key for user */
	BARO_PARSE_NO_CYCLE,        /* There is no cycle time for user */
	BARO_PARSE_BAD_RATE_LIMIT,  /* Invalid RATE_LIMIT option */
	BARO_PARSE_BAD_TIMESTAMPS,  /* Invalid list of timestamps in RATE_LIMIT */
	BARO_PARSE_BAD_WINDOW,      /* Invalid WINDOW_SIZE option */
};

struct baro_secret {
	char secure_key[BARO_SECURE_KEY_TEXT_MAX + 1]; /* as written */
	unsigned cycle_time;
	enum baro_hash method;
	unsigned digits;
	unsigned window;

	bool has_rate_limit;
	unsigned rate_count;
	unsigned rate_interval;
	size_t n_rate_ts;
	int64_t rate_ts[BARO_RATE_COUNT_MAX];

	bool disallow_reuse;
	size_t n_used;
	int64_t used[BARO_WINDOW_MAX];

	size_t n_emergency;
	uint8_t emergency[BARO_EMERGENCY_MAX][BARO_EMERGENCY_HASH_LEN];
	bool emergency_used[BARO_EMERGENCY_MAX];

	unsigned err_line; /* 1-based line of the first error */
	size_t n_lines;
	/* Last: only lines[0 .. n_lines - 1] are ever set or read, so that
	 * setting up and wiping a secret does not clear the whole table. */
	struct baro_line lines[BARO_LINES_MAX];
};

/* Parse buf (len bytes, not NUL-terminated needed). BARO_LINE_TEXT entries
 * point into buf, which must outlive s. Applies the defaults of §3. */
enum baro_parse_err baro_secret_parse(const char *buf, size_t len,
				      struct baro_secret *s);

/* Serialise in the original line order; consumed emergency keys are
 * dropped. Returns a malloc'd NUL-terminated buffer or NULL (ENOMEM). */
char *baro_secret_format(const struct baro_secret *s, size_t *len);

/* Append a line of the given kind (used by baro-keygen when creating). */
bool baro_secret_add_line(struct baro_secret *s, enum baro_line_kind kind,
			  unsigned index);

/* Append the option lines a new file has, in the order baro-keygen and
 * self-enrolment write them: SECURE_KEY, CYCLE_TIME, KEY_METHOD, DIGITS,
 * WINDOW_SIZE, then RATE_LIMIT and DISALLOW_REUSE if set. */
bool baro_secret_add_option_lines(struct baro_secret *s);

/* Initialise an empty secret with the defaults of §3 and no lines. */
void baro_secret_init(struct baro_secret *s);

/* Wipe the structure (the key text and the emergency hashes) and the used
 * part of the line table. */
void baro_secret_wipe(struct baro_secret *s);

bool baro_secret_is_sealed(const struct baro_secret *s);

#endif
