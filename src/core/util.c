/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

void baro_free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static bool is_decimal(const char *s, bool allow_sign)
{
	if (allow_sign && *s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool baro_parse_ulong(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (s == NULL || !is_decimal(s, false))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool baro_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || !is_decimal(s, true))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = (int64_t)v;
	return true;
}

bool baro_user_name_ok(const char *user)
{
	size_t n;

	if (user == NULL)
		return false;
	n = strlen(user);
	if (n == 0 || n > 256 || strcmp(user, ".") == 0 ||
	    strcmp(user, "..") == 0)
		return false;
	for (; *user != '\0'; user++) {
		unsigned char c = (unsigned char)*user;
		if (c == '/' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

static bool append(char *out, size_t outsz, size_t *pos, const char *s,
		   size_t n)
{
	if (n >= outsz - *pos)
		return false;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return true;
}

bool baro_expand_path(const char *tmpl, const char *user, const char *home,
		      char *out, size_t outsz)
{
	size_t pos = 0;
	const char *p = tmpl;

	if (outsz == 0)
		return false;
	out[0] = '\0';
	/* Only "~" or "~/...": "~name" is another user's home, not ours. */
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		if (home == NULL || home[0] != '/' ||
		    !append(out, outsz, &pos, home, strlen(home)))
			return false;
		p++;
	}
	while (*p != '\0') {
		if (strncmp(p, "${USER}", 7) == 0) {
			if (!baro_user_name_ok(user) ||
			    !append(out, outsz, &pos, user, strlen(user)))
				return false;
			p += 7;
		} else if (strncmp(p, "${HOME}", 7) == 0) {
			if (home == NULL || home[0] != '/' ||
			    !append(out, outsz, &pos, home, strlen(home)))
				return false;
			p += 7;
		} else if (p[0] == '$' && p[1] == '{') {
			return false;
		} else {
			if (!append(out, outsz, &pos, p, 1))
				return false;
			p++;
		}
	}
	return out[0] == '/';
}

int64_t baro_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
