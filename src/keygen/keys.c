/* SPDX-License-Identifier: BSD-3-Clause */
/* Key material: new keys and emergency codes from the OS CSPRNG, the
 * SECURE_KEY line plain or sealed, and the key bytes of an existing file. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "baro/base32.h"
#include "baro/seal.h"
#include "baro/verify.h"
#include "keygen.h"

void kg_material_wipe(struct kg_material *m)
{
	OPENSSL_cleanse(m, sizeof(*m));
}

unsigned kg_default_key_bytes(enum baro_hash h)
{
	return h == BARO_SHA512 ? 64 : h == BARO_SHA256 ? 32 : 20;
}

/* 8 digits, uniform: reject the top of the 32-bit range. */
static bool random_code(char out[BARO_EMERGENCY_DIGITS + 1])
{
	uint32_t v;
	int n;

	do {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return false;
	} while (v >= 4200000000u);
	n = snprintf(out, BARO_EMERGENCY_DIGITS + 1, "%08u", v % 100000000u);
	OPENSSL_cleanse(&v, sizeof(v));
	return n == BARO_EMERGENCY_DIGITS;
}

bool kg_new_key(struct kg_material *m, unsigned bytes)
{
	m->keylen = bytes;
	return bytes <= sizeof(m->key) && RAND_bytes(m->key, (int)bytes) == 1 &&
	       baro_base32_encode(m->key, bytes, m->b32, sizeof(m->b32));
}

bool kg_new_emergency(struct baro_secret *s, struct kg_material *m, unsigned n)
{
	size_t i, kept = 0;
	unsigned j;

	for (i = 0; i < s->n_lines; i++)
		if (s->lines[i].kind != BARO_LINE_EMERGENCY_KEY)
			s->lines[kept++] = s->lines[i];
	s->n_lines = kept;
	s->n_emergency = 0;
	for (j = 0; j < n; j++) {
		if (!random_code(m->codes[j]) ||
		    !baro_emergency_hash(m->key, m->keylen, m->codes[j],
					 s->emergency[j]) ||
		    !baro_secret_add_line(s, BARO_LINE_EMERGENCY_KEY, j))
			return false;
		s->emergency_used[j] = false;
		s->n_emergency++;
	}
	m->n_codes = n;
	return true;
}

void kg_print_codes(const struct kg_material *m)
{
	unsigned i;

	if (m->n_codes == 0)
		return;
	printf("Emergency codes (each works once; shown only now):\n");
	for (i = 0; i < m->n_codes; i++)
		printf("  %s\n", m->codes[i]);
}

bool kg_set_secure_key(bool encrypt, const char *keyfile, const char *user,
		       const struct kg_material *m, struct baro_secret *s)
{
	uint8_t hk[BARO_HOSTKEY_LEN];
	bool ok;

	if (!encrypt) {
		return baro_base32_encode(m->key, m->keylen, s->secure_key,
					  sizeof(s->secure_key));
	}
	ok = baro_hostkey_load(keyfile, hk, &kg_log) &&
	     baro_seal(hk, user, m->key, m->keylen, s->secure_key,
		       sizeof(s->secure_key)) == BARO_SEAL_OK;
	OPENSSL_cleanse(hk, sizeof(hk));
	return ok;
}

bool kg_key_of(const char *keyfile, const char *user,
	       const struct baro_store *st, struct kg_material *m)
{
	return baro_store_key(st, baro_secret_is_sealed(&st->secret), keyfile,
			      user, m->key, sizeof(m->key), &m->keylen,
			      &kg_log) &&
	       baro_base32_encode(m->key, m->keylen, m->b32, sizeof(m->b32));
}
