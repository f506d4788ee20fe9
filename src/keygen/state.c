/* SPDX-License-Identifier: BSD-3-Clause */
/* A user's state: reset what locks the user out, show the settings and
 * the clock, and judge a code without changing anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include <openssl/crypto.h>

#include "baro/clock.h"
#include "baro/verify.h"
#include "keygen.h"

/* As faillock --reset: the attempts that hold the user at the limit go;
 * the used cycles stay, or a code just used would work a second time. */
static void reset_done(const struct kg_opts *o, const struct kg_target *t)
{
	(void)o;
	printf("%s: RATE_LIMIT attempts of %s cleared; the DISALLOW_REUSE history is kept\n",
	       t->path, t->user);
}

static bool edit_reset(const struct kg_opts *o, struct kg_target *t,
		       struct baro_store *st, struct kg_material *m)
{
	(void)o;
	(void)m;
	st->secret.n_rate_ts = 0;
	t->done = reset_done;
	return true;
}

int kg_cmd_reset(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_reset);
}

/* "1 h 2 min 30 s" */
static void print_duration(int64_t secs)
{
	const char *sep = "";

	if (secs >= 3600) {
		printf("%lld h", (long long)(secs / 3600));
		sep = " ";
	}
	if (secs % 3600 >= 60) {
		printf("%s%lld min", sep, (long long)(secs % 3600 / 60));
		sep = " ";
	}
	if (secs % 60 != 0 || secs == 0)
		printf("%s%lld s", sep, (long long)(secs % 60));
}

/* The kernel's view (adjtimex(2)): synchronised unless STA_UNSYNC or
 * TIME_ERROR, as timedatectl's "System clock synchronized". */
static void show_clock(const struct baro_secret *s, int64_t now)
{
	struct timex tx;
	struct tm tm;
	time_t tt = (time_t)now;
	char when[64] = "?";
	int state;

	memset(&tx, 0, sizeof(tx));
	state = adjtimex(&tx);
	if (gmtime_r(&tt, &tm) != NULL)
		(void)strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
			       &tm);
	printf("server time:    %s (%lld)\n", when, (long long)now);
	if (state < 0)
		printf("clock synchronised: unknown (adjtimex failed)\n");
	else if (state == TIME_ERROR || (tx.status & STA_UNSYNC) != 0)
		printf("clock synchronised: no (check NTP: timedatectl timesync-status)\n");
	else
		printf("clock synchronised: yes (estimated error %ld us)\n",
		       (long)tx.esterror);
	printf("current cycle:  %lld, %lld s left\n",
	       (long long)baro_totp_counter(now, s->cycle_time),
	       (long long)(s->cycle_time - now % s->cycle_time));
}

static void show_state(const struct baro_secret *s)
{
	size_t i, left = 0;

	for (i = 0; i < s->n_emergency; i++)
		left += !s->emergency_used[i];
	if (s->has_rate_limit) {
		printf("rate limit:     %u per %u s; recent attempts:",
		       s->rate_count, s->rate_interval);
		for (i = 0; i < s->n_rate_ts; i++)
			printf(" %lld", (long long)s->rate_ts[i]);
		printf("\n");
	} else {
		printf("rate limit:     off\n");
	}
	if (s->disallow_reuse) {
		printf("disallow reuse: on; used cycles:");
		for (i = 0; i < s->n_used; i++)
			printf(" %lld", (long long)s->used[i]);
		printf("\n");
	} else {
		printf("disallow reuse: off\n");
	}
	printf("emergency codes: %zu unused\n", left);
}

static bool read_show(const struct kg_opts *o, struct kg_target *t,
		      struct baro_store *st, struct kg_material *m)
{
	const struct baro_secret *s = &st->secret;

	(void)o;
	(void)m;
	printf("file:           %s\n", t->path);
	printf("secure key:     %s\n", baro_secret_is_sealed(s)
					       ? "sealed (encrypt=yes)"
					       : "plain base32 (encrypt=no)");
	printf("key method:     %s\ndigits:         %u\n",
	       baro_hash_name(s->method), s->digits);
	printf("cycle time:     %u s\nwindow size:    %u\n", s->cycle_time,
	       s->window);
	show_state(s);
	show_clock(s, baro_clock_now());
	return true;
}

int kg_cmd_show(const struct kg_opts *o)
{
	return kg_with_file(o, false, read_show);
}

/* How far a code may be from now for verify to find it. */
#define VERIFY_SPAN_SECS (12 * 3600)

static bool code_at(const struct baro_secret *s, const struct kg_material *m,
		    int64_t counter, const char *code)
{
	char text[BARO_DIGITS_MAX + 1];
	uint32_t v;
	bool same;

	if (counter < 0 ||
	    !baro_hotp(s->method, m->key, m->keylen, (uint64_t)counter,
		       s->digits, &v) ||
	    snprintf(text, sizeof(text), "%0*u", (int)s->digits, v) !=
		    (int)s->digits)
		return false;
	same = CRYPTO_memcmp(text, code, s->digits) == 0;
	OPENSSL_cleanse(text, sizeof(text));
	return same;
}

/* The nearest cycle within ±12 h whose code this is, 0 when none. */
static bool find_offset(const struct baro_secret *s,
			const struct kg_material *m, int64_t now,
			const char *code, int64_t *delta)
{
	int64_t counter = baro_totp_counter(now, s->cycle_time);
	int64_t d, span = VERIFY_SPAN_SECS / s->cycle_time;

	for (d = 1; d <= span; d++) {
		if (code_at(s, m, counter - d, code)) {
			*delta = -d;
			return true;
		}
		if (code_at(s, m, counter + d, code)) {
			*delta = d;
			return true;
		}
	}
	return false;
}

/* What the module would answer now, on a copy: nothing is saved. */
static struct baro_verdict module_verdict(const struct baro_secret *s,
					  const struct kg_material *m,
					  int64_t now, const char *code,
					  bool rate_limit)
{
	struct baro_verdict v = { .result = BARO_ERROR };
	struct baro_secret *c = malloc(sizeof(*c));
	size_t n = strlen(code);

	if (c == NULL)
		return v;
	memcpy(c, s, sizeof(*c));
	c->has_rate_limit = c->has_rate_limit && rate_limit;
	baro_verify(c, m->key, m->keylen, now, n == s->digits ? code : NULL,
		    n == BARO_EMERGENCY_DIGITS ? code : NULL, &v);
	baro_secret_wipe(c);
	free(c);
	return v;
}

static void report_far(const struct baro_secret *s, int64_t delta)
{
	printf("not valid now: it is the code of %lld cycle(s) %s: the phone is ",
	       (long long)(delta < 0 ? -delta : delta),
	       delta < 0 ? "ago" : "ahead");
	print_duration((delta < 0 ? -delta : delta) * s->cycle_time);
	printf(" %s the server (WINDOW_SIZE %u accepts %u cycle(s) around now).\n",
	       delta < 0 ? "behind" : "ahead of", s->window, s->window);
	printf("Set the phone's time to automatic, and check the server's with `baro-keygen show`.\n");
}

static void report_now(const struct baro_secret *s,
		       const struct baro_verdict *v, int64_t now)
{
	long long cycle = baro_totp_counter(now, s->cycle_time);

	printf("right now: the code of cycle %lld (offset %+lld in the window of %u)\n",
	       cycle + v->offset, (long long)v->offset, s->window);
}

/* The module's verdict now; when wrong, whether it is the code of another
 * time and how far the phone's clock is off. */
static bool judge_code(const struct baro_secret *s, const struct kg_material *m,
		       const char *code)
{
	int64_t now = baro_clock_now(), delta = 0;
	struct baro_verdict v = module_verdict(s, m, now, code, true);

	if (v.result == BARO_RATE_LIMITED) {
		printf("the module refuses every code now: RATE_LIMIT %u per %u s is reached (baro-keygen reset clears it).\n",
		       s->rate_count, s->rate_interval);
		v = module_verdict(s, m, now, code, false);
		if (v.result == BARO_OK)
			report_now(s, &v, now);
		return false;
	}
	switch (v.result) {
	case BARO_OK:
		report_now(s, &v, now);
		return true;
	case BARO_OK_EMERGENCY:
		printf("an unused emergency code: the module accepts it once.\n");
		return true;
	case BARO_REUSED:
		printf("right code, but already used (DISALLOW_REUSE): the module refuses it; the next code comes in %u s.\n",
		       v.retry_secs);
		return false;
	case BARO_ERROR:
		kg_err("Verification code generation failed.[HMAC failure]");
		return false;
	default:
		break;
	}
	if (strlen(code) == s->digits && find_offset(s, m, now, code, &delta))
		report_far(s, delta);
	else
		printf("wrong: the code matches no time within 12 h. Check the app's entry: the key (rotated since?), %s, %u digits, %u s period.\n",
		       baro_hash_name(s->method), s->digits, s->cycle_time);
	return false;
}

static bool read_verify(const struct kg_opts *o, struct kg_target *t,
			struct baro_store *st, struct kg_material *m)
{
	char code[64];
	bool ok;

	if (!baro_code_normalise(o->code, code, sizeof(code))) {
		printf("wrong: \"%s\" is not a code of digits\n", o->code);
		return false;
	}
	if (!kg_key_of(t->keyfile, t->user, st, m))
		return false;
	ok = judge_code(&st->secret, m, code);
	OPENSSL_cleanse(code, sizeof(code));
	return ok;
}

int kg_cmd_verify(const struct kg_opts *o)
{
	return kg_with_file(o, false, read_verify);
}
