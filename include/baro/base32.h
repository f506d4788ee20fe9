/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_BASE32_H
#define BARO_BASE32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 4648 base32. Decoding accepts either case and optional '=' padding
 * at the end only; anything else (spaces, a length that no byte count
 * encodes, bits left over) is rejected. Returns false on bad input or when
 * out is too small. */
bool baro_base32_decode(const char *in, uint8_t *out, size_t outsz,
			size_t *outlen);

/* Upper case, no padding. Returns false when out is too small. */
bool baro_base32_encode(const uint8_t *in, size_t inlen, char *out,
			size_t outsz);

#endif
