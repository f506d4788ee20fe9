/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/clock.h"

#include <time.h>

#ifdef BARO_TEST_CLOCK
#include <stdlib.h>

#include "baro/util.h"

static int64_t injected_now(void)
{
	const char *s = getenv("BARO_TEST_NOW");
	int64_t v;

	if (s != NULL && baro_parse_int64(s, 0, INT64_MAX / 2, &v))
		return v;
	return -1;
}
#endif

int64_t baro_clock_now(void)
{
#ifdef BARO_TEST_CLOCK
	int64_t v = injected_now();

	if (v >= 0)
		return v;
#endif
	return (int64_t)time(NULL);
}
