/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/verify.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

bool baro_code_normalise(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return false;
	for (; *in != '\0'; in++) {
		if (*in == ' ')
			continue;
		if (*in < '0' || *in > '9' || n + 1 >= outsz) {
			OPENSSL_cleanse(out, outsz);
			out[0] = '\0';
			return false;
		}
		out[n++] = *in;
	}
	out[n] = '\0';
	return n > 0;
}

bool baro_emergency_hash(const uint8_t *key, size_t keylen, const char *code,
			 uint8_t out[BARO_EMERGENCY_HASH_LEN])
{
	unsigned len = 0;

	if (keylen > (size_t)INT32_MAX)
		return false;
	return HMAC(EVP_sha256(), key, (int)keylen, (const uint8_t *)code,
		    strlen(code), out, &len) != NULL &&
	       len == BARO_EMERGENCY_HASH_LEN;
}

/* Forget attempts outside the interval around now (a clock set back must
 * not lock the user out for the distance it jumped). */
static bool prune_rate_limit(struct baro_secret *s, int64_t now)
{
	size_t i, kept = 0;
	int64_t lo = now - (int64_t)s->rate_interval;
	int64_t hi = now + (int64_t)s->rate_interval;

	for (i = 0; i < s->n_rate_ts; i++)
		if (s->rate_ts[i] > lo && s->rate_ts[i] <= hi)
			s->rate_ts[kept++] = s->rate_ts[i];
	if (kept == s->n_rate_ts)
		return false;
	s->n_rate_ts = kept;
	return true;
}

/* Count this attempt; false when the limit is already reached. */
static bool take_attempt(struct baro_secret *s, int64_t now,
			 struct baro_verdict *v)
{
	if (!s->has_rate_limit)
		return true;
	if (prune_rate_limit(s, now))
		v->state_changed = true;
	if (s->n_rate_ts >= s->rate_count)
		return false;
	s->rate_ts[s->n_rate_ts++] = now;
	v->state_changed = true;
	return true;
}

static bool cycle_used(const struct baro_secret *s, int64_t cycle)
{
	size_t i;

	for (i = 0; i < s->n_used; i++)
		if (s->used[i] == cycle)
			return true;
	return false;
}

/* Record the used cycle; keep only cycles still inside the window. */
static void mark_used(struct baro_secret *s, int64_t now, int64_t cycle)
{
	int64_t first, last;
	size_t i, kept = 0;

	baro_totp_window(baro_totp_counter(now, s->cycle_time), s->window,
			 &first, &last);
	for (i = 0; i < s->n_used; i++)
		if (s->used[i] >= first && s->used[i] <= last)
			s->used[kept++] = s->used[i];
	s->n_used = kept;
	if (s->n_used < BARO_WINDOW_MAX)
		s->used[s->n_used++] = cycle;
}

static unsigned seconds_to_next_cycle(const struct baro_secret *s,
				      int64_t now)
{
	int64_t next = (baro_totp_counter(now, s->cycle_time) + 1) *
		       (int64_t)s->cycle_time;

	return (unsigned)(next - now);
}

/* Every unused slot is compared, with no early exit. */
static int match_emergency(struct baro_secret *s, const uint8_t *key,
			   size_t keylen, const char *code)
{
	uint8_t h[BARO_EMERGENCY_HASH_LEN];
	int found = -1;
	size_t i;

	if (!baro_emergency_hash(key, keylen, code, h)) {
		found = -2;
		goto out;
	}
	for (i = 0; i < s->n_emergency; i++)
		if (CRYPTO_memcmp(h, s->emergency[i], sizeof(h)) == 0 &&
		    !s->emergency_used[i] && found < 0)
			found = (int)i;
out:
	OPENSSL_cleanse(h, sizeof(h));
	return found;
}

static enum baro_result check_totp(struct baro_secret *s, const uint8_t *key,
				   size_t keylen, int64_t now,
				   const char *code, struct baro_verdict *v)
{
	int64_t matched = -1;
	int m;

	m = baro_totp_match(s->method, key, keylen, now, s->cycle_time,
			    s->digits, s->window, code, &matched);
	if (m < 0)
		return BARO_ERROR;
	if (m == 0)
		return BARO_WRONG;
	v->offset = matched - baro_totp_counter(now, s->cycle_time);
	if (s->disallow_reuse) {
		if (cycle_used(s, matched)) {
			v->retry_secs = seconds_to_next_cycle(s, now);
			return BARO_REUSED;
		}
		mark_used(s, now, matched);
		v->state_changed = true;
	}
	return BARO_OK;
}

static enum baro_result check_emergency(struct baro_secret *s,
					const uint8_t *key, size_t keylen,
					const char *code,
					struct baro_verdict *v)
{
	int slot;

	if (s->n_emergency == 0 || strlen(code) != BARO_EMERGENCY_DIGITS)
		return BARO_WRONG;
	slot = match_emergency(s, key, keylen, code);
	if (slot == -2)
		return BARO_ERROR;
	if (slot < 0)
		return BARO_WRONG;
	s->emergency_used[slot] = true;
	v->state_changed = true;
	return BARO_OK_EMERGENCY;
}

void baro_verify(struct baro_secret *s, const uint8_t *key, size_t keylen,
		 int64_t now, const char *totp_code, const char *emergency_code,
		 struct baro_verdict *v)
{
	enum baro_result r = BARO_WRONG;

	memset(v, 0, sizeof(*v));
	if (!take_attempt(s, now, v)) {
		v->result = BARO_RATE_LIMITED;
		return;
	}
	if (totp_code != NULL)
		r = check_totp(s, key, keylen, now, totp_code, v);
	if (r == BARO_WRONG && emergency_code != NULL)
		r = check_emergency(s, key, keylen, emergency_code, v);
	v->result = r;
}
