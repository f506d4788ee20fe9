/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_CLOCK_H
#define BARO_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch. Only a test build (BARO_TEST_CLOCK) lets the
 * environment variable BARO_TEST_NOW set it; the installed module and
 * baro-keygen always use the system clock. */
int64_t baro_clock_now(void);

#endif
