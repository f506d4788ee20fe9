/* SPDX-License-Identifier: BSD-3-Clause */
#include "baro/base32.h"

#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int decode_char(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/* Lengths (mod 8) of unpadded base32 that encode whole bytes. */
static bool tail_length_ok(size_t n)
{
	switch (n % 8) {
	case 0: case 2: case 4: case 5: case 7:
		return true;
	default:
		return false;
	}
}

static size_t strip_padding(const char *in, size_t n, bool *ok)
{
	size_t pads = 0;

	while (n > 0 && in[n - 1] == '=') {
		n--;
		pads++;
	}
	/* Padding, when present, must complete a group of 8. */
	*ok = pads == 0 || ((n + pads) % 8 == 0 && pads < 7);
	return n;
}

bool baro_base32_decode(const char *in, uint8_t *out, size_t outsz,
			size_t *outlen)
{
	unsigned buffer = 0;
	unsigned bits = 0;
	size_t n, i, len = 0;
	bool ok;

	n = strip_padding(in, strlen(in), &ok);
	if (!ok || n == 0 || !tail_length_ok(n))
		return false;
	for (i = 0; i < n; i++) {
		int v = decode_char(in[i]);
		if (v < 0)
			return false;
		buffer = (buffer << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (len >= outsz)
				return false;
			out[len++] = (uint8_t)(buffer >> bits);
			buffer &= (1u << bits) - 1;
		}
	}
	if (buffer != 0)
		return false; /* non-canonical: leftover bits set */
	*outlen = len;
	return true;
}

bool baro_base32_encode(const uint8_t *in, size_t inlen, char *out,
			size_t outsz)
{
	unsigned buffer = 0;
	unsigned bits = 0;
	size_t i, pos = 0;

	for (i = 0; i < inlen; i++) {
		buffer = (buffer << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			if (pos + 1 >= outsz)
				return false;
			out[pos++] = alphabet[(buffer >> bits) & 31];
		}
		buffer &= (1u << bits) - 1;
	}
	if (bits > 0) {
		if (pos + 1 >= outsz)
			return false;
		out[pos++] = alphabet[(buffer << (5 - bits)) & 31];
	}
	if (pos >= outsz)
		return false;
	out[pos] = '\0';
	return true;
}
