/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/clock.h"
#include "baro/fleet.h"

#include <time.h>

#ifdef BARO_TEST_CLOCK
#include <stdbool.h>
#include <stdlib.h>

#include "baro/chkcode.h"
#include "baro/util.h"

/* The test builds (module, baro-keygen) also find the setuid helper where
 * the test put its setuid copy; the installed ones have no override. */
const char *baro_chk_helper_path_override(void)
{
	const char *p = getenv("BARO_TEST_CHKCODE");

	return p != NULL && p[0] == '/' ? p : NULL;
}

/* Any time the test asks for, before 1970 included: the module must
 * cope with clocks the file cannot hold. */
static bool injected_now(int64_t *v)
{
	const char *s = getenv("BARO_TEST_NOW");

	return s != NULL &&
	       baro_parse_int64(s, INT64_MIN / 2, INT64_MAX / 2, v);
}
#endif

/* The fleet backend (DESIGN.md §11) is, like the clock, fixed by the build: the
 * test module loads the build tree's. */
const char *baro_fleet_backend(void)
{
#ifdef BARO_FLEET_TEST_BACKEND
	return BARO_FLEET_TEST_BACKEND;
#else
	return BARO_FLEET_MODULE;
#endif
}

int64_t baro_clock_now(void)
{
#ifdef BARO_TEST_CLOCK
	int64_t v;

	if (injected_now(&v))
		return v;
#endif
	return (int64_t)time(NULL);
}
