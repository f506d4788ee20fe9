/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 4648 base32: decode then encode gives back the canonical text, and
 * encode then decode gives back the bytes; a buffer one byte too small is
 * refused, never overrun. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "baro/base32.h"
#include "fuzz_common.h"

#define MAX_BYTES 1024
#define MAX_TEXT (MAX_BYTES * 8 / 5 + 2)

/* Text → bytes → text: the upper-case text without its padding. */
static void text_round_trip(const char *in)
{
	uint8_t bytes[MAX_BYTES], small[MAX_BYTES];
	char text[MAX_TEXT], want[MAX_TEXT];
	size_t len = 0, n = strlen(in), i, slen = 0;

	if (n >= MAX_TEXT || !baro_base32_decode(in, bytes, sizeof(bytes), &len))
		return;
	while (n > 0 && in[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		want[i] = (char)toupper((unsigned char)in[i]);
	want[n] = '\0';
	FZ_CHECK(len == n * 5 / 8);
	FZ_CHECK(baro_base32_encode(bytes, len, text, sizeof(text)));
	FZ_CHECK(strcmp(text, want) == 0);
	/* Exactly len bytes of room suffice, one less does not. */
	FZ_CHECK(baro_base32_decode(in, small, len, &slen) && slen == len);
	FZ_CHECK(len == 0 || !baro_base32_decode(in, small, len - 1, &slen));
}

/* Bytes → text → bytes, with the output size exactly right. */
static void bytes_round_trip(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT];
	uint8_t back[MAX_BYTES];
	size_t need = (size * 8 + 4) / 5 + 1, len = 0;

	if (size == 0 || size > MAX_BYTES)
		return;
	FZ_CHECK(baro_base32_encode(data, size, text, need));
	FZ_CHECK(strlen(text) == need - 1);
	FZ_CHECK(!baro_base32_encode(data, size, text, need - 1));
	FZ_CHECK(baro_base32_decode(text, back, sizeof(back), &len));
	FZ_CHECK(len == size && memcmp(back, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		bytes_round_trip(data + 1, size - 1);
		return 0;
	}
	s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	text_round_trip(s);
	free(s);
	return 0;
}
