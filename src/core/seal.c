/* SPDX-License-Identifier: BSD-3-Clause */
/* Encryption at rest of SECURE_KEY (DESIGN.md §5) and the host key file.
 * docs/ENCRYPTION.md gives the format and the threat model. */
#include "baro/seal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "baro/fileio.h"
#include "baro/secret.h"
#include "baro/totp.h"

#define SEAL_PREFIX_LEN (sizeof(BARO_SEALED_PREFIX) - 1)
#define SEAL_NONCE_LEN 12
#define SEAL_TAG_LEN 16
#define SEAL_OVERHEAD (SEAL_NONCE_LEN + SEAL_TAG_LEN)
#define SEAL_RAW_MIN (SEAL_OVERHEAD + BARO_KEY_MIN)
#define SEAL_RAW_MAX (SEAL_OVERHEAD + BARO_KEY_MAX)

/* Padded base64 length of n bytes, and the most bytes that a base64 text
 * no longer than a sealed BARO_KEY_MAX key decodes to before the padding
 * is taken off (EVP_DecodeBlock writes whole groups of 3). */
#define B64_LEN(n) ((size_t)((n) + 2) / 3 * 4)
#define B64_TEXT_MAX B64_LEN(SEAL_RAW_MAX)
#define B64_DECODED_MAX (B64_TEXT_MAX / 4 * 3)

#define HOSTKEY_HEX_LEN ((size_t)2 * BARO_HOSTKEY_LEN)

_Static_assert(SEAL_PREFIX_LEN + B64_TEXT_MAX + 1 == BARO_SEALED_BUFSZ,
	       "BARO_SEALED_BUFSZ does not match the sealed format");
_Static_assert(SEAL_PREFIX_LEN + B64_TEXT_MAX <= BARO_SECURE_KEY_TEXT_MAX,
	       "a sealed key does not fit a SECURE_KEY line");

static const struct baro_file_rules hostkey_rules = {
	.forbidden_mode = 077,
	.max_size = 4096,
	.allow_empty = false,
	.single_link = true,
};

/* --- base64, strict ------------------------------------------------------- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* The text must be the one encoding of its bytes: a multiple of 4
 * characters of the standard alphabet, '=' only as the last one or two,
 * and no stray bits under the padding. EVP_DecodeBlock alone would skip
 * leading and trailing blanks and ignore stray bits. */
static bool b64_canonical(const char *in, size_t len, size_t *pad)
{
	size_t i;

	if (len == 0 || len % 4 != 0)
		return false;
	*pad = 0;
	if (in[len - 1] == '=')
		(*pad)++;
	if (in[len - 2] == '=')
		(*pad)++;
	for (i = 0; i < len - *pad; i++)
		if (b64_value(in[i]) < 0)
			return false;
	if (*pad == 1)
		return (b64_value(in[len - 2]) & 0x03) == 0;
	if (*pad == 2)
		return (b64_value(in[len - 3]) & 0x0f) == 0;
	return true;
}

static bool b64_decode(const char *in, size_t len, uint8_t *out,
		       size_t outsz, size_t *outlen)
{
	size_t pad = 0;
	int n;

	if (len > INT_MAX || len / 4 * 3 > outsz ||
	    !b64_canonical(in, len, &pad))
		return false;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0 || (size_t)n != len / 4 * 3)
		return false;
	*outlen = (size_t)n - pad;
	return true;
}

/* --- AES-256-GCM ---------------------------------------------------------- */

/* A context keyed for one message with the user name fed in as AAD.
 * EVP_CIPHER_CTX_free() wipes the key schedule. */
static EVP_CIPHER_CTX *gcm_start(int enc, const uint8_t *hostkey,
				 const uint8_t *nonce, const char *user)
{
	const EVP_CIPHER *aes = EVP_aes_256_gcm();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t aadlen = strlen(user);
	int n = 0;

	if (ctx == NULL || aadlen > INT_MAX ||
	    EVP_CipherInit_ex(ctx, aes, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, SEAL_NONCE_LEN,
				NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, hostkey, nonce, enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)user,
			     (int)aadlen) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* raw = random nonce || ciphertext of key || tag */
static enum baro_seal_err gcm_seal(const uint8_t *hostkey, const char *user,
				   const uint8_t *key, size_t keylen,
				   uint8_t *raw)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *ct = raw + SEAL_NONCE_LEN;
	enum baro_seal_err rc = BARO_SEAL_CRYPTO;
	int n = 0, fin = 0;

	if (RAND_bytes(raw, SEAL_NONCE_LEN) != 1)
		goto out;
	ctx = gcm_start(1, hostkey, raw, user);
	if (ctx == NULL ||
	    EVP_EncryptUpdate(ctx, ct, &n, key, (int)keylen) != 1 ||
	    n != (int)keylen ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &fin) != 1 || fin != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SEAL_TAG_LEN,
				ct + keylen) != 1)
		goto out;
	rc = BARO_SEAL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Decrypt raw (nonce || ciphertext || tag) into out; only a tag that
 * verifies makes it BARO_SEAL_OK. */
static enum baro_seal_err gcm_open(const uint8_t *hostkey, const char *user,
				   uint8_t *raw, size_t rawlen, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx;
	size_t ctlen = rawlen - SEAL_OVERHEAD;
	uint8_t *ct = raw + SEAL_NONCE_LEN;
	enum baro_seal_err rc = BARO_SEAL_CRYPTO;
	int n = 0, fin = 0;

	ctx = gcm_start(0, hostkey, raw, user);
	if (ctx == NULL ||
	    EVP_DecryptUpdate(ctx, out, &n, ct, (int)ctlen) != 1 ||
	    n != (int)ctlen ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, SEAL_TAG_LEN,
				ct + ctlen) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1 || fin != 0) {
		rc = BARO_SEAL_AUTH;
		goto out;
	}
	rc = BARO_SEAL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* --- sealed values -------------------------------------------------------- */

enum baro_seal_err baro_seal(const uint8_t hostkey[BARO_HOSTKEY_LEN],
			     const char *user, const uint8_t *key,
			     size_t keylen, char *out, size_t outsz)
{
	uint8_t raw[SEAL_RAW_MAX];
	size_t rawlen = keylen + SEAL_OVERHEAD;
	enum baro_seal_err rc;

	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (hostkey == NULL || user == NULL || key == NULL || out == NULL ||
	    keylen < BARO_KEY_MIN || keylen > BARO_KEY_MAX)
		return BARO_SEAL_FORMAT;
	if (outsz < SEAL_PREFIX_LEN + B64_LEN(rawlen) + 1)
		return BARO_SEAL_NOSPACE;
	rc = gcm_seal(hostkey, user, key, keylen, raw);
	if (rc != BARO_SEAL_OK)
		goto out;
	memcpy(out, BARO_SEALED_PREFIX, SEAL_PREFIX_LEN);
	if (EVP_EncodeBlock((unsigned char *)out + SEAL_PREFIX_LEN, raw,
			    (int)rawlen) != (int)B64_LEN(rawlen))
		rc = BARO_SEAL_CRYPTO;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc != BARO_SEAL_OK)
		OPENSSL_cleanse(out, outsz);
	return rc;
}

/* The nonce || ciphertext || tag bytes of an "enc:v1:" value. */
static enum baro_seal_err decode_sealed(const char *sealed, uint8_t *raw,
					size_t rawsz, size_t *rawlen)
{
	const char *b64;
	size_t len;

	if (strncmp(sealed, BARO_SEALED_PREFIX, SEAL_PREFIX_LEN) != 0)
		return BARO_SEAL_FORMAT;
	b64 = sealed + SEAL_PREFIX_LEN;
	len = strnlen(b64, B64_TEXT_MAX + 1);
	if (len > B64_TEXT_MAX || !b64_decode(b64, len, raw, rawsz, rawlen) ||
	    *rawlen < SEAL_RAW_MIN || *rawlen > SEAL_RAW_MAX)
		return BARO_SEAL_FORMAT;
	return BARO_SEAL_OK;
}

enum baro_seal_err baro_unseal(const uint8_t hostkey[BARO_HOSTKEY_LEN],
			       const char *user, const char *sealed,
			       uint8_t *out, size_t outsz, size_t *outlen)
{
	uint8_t raw[B64_DECODED_MAX];
	size_t rawlen = 0;
	enum baro_seal_err rc;

	if (outlen != NULL)
		*outlen = 0;
	if (hostkey == NULL || user == NULL || sealed == NULL || out == NULL ||
	    outlen == NULL) {
		rc = BARO_SEAL_FORMAT;
		goto out;
	}
	rc = decode_sealed(sealed, raw, sizeof(raw), &rawlen);
	if (rc != BARO_SEAL_OK)
		goto out;
	if (outsz < rawlen - SEAL_OVERHEAD) {
		rc = BARO_SEAL_NOSPACE;
		goto out;
	}
	rc = gcm_open(hostkey, user, raw, rawlen, out);
	if (rc == BARO_SEAL_OK)
		*outlen = rawlen - SEAL_OVERHEAD;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	if (rc != BARO_SEAL_OK && out != NULL)
		OPENSSL_cleanse(out, outsz);
	return rc;
}

const char *baro_seal_strerror(enum baro_seal_err e)
{
	switch (e) {
	case BARO_SEAL_OK:
		return "success";
	case BARO_SEAL_FORMAT:
		return "sealed value malformed";
	case BARO_SEAL_AUTH:
		return "sealed value does not open: wrong host key, user or "
		       "tampered data";
	case BARO_SEAL_CRYPTO:
		return "crypto failure";
	case BARO_SEAL_NOSPACE:
		return "buffer too small";
	}
	return "unknown error";
}

/* --- the host key file ---------------------------------------------------- */

/* A hex digit's value with no branch or table lookup on the digit, which
 * is key material (after libsodium's sodium_hex2bin). *bad gets bits set
 * if c is not a hex digit. */
static uint8_t hex_nibble(unsigned char c, unsigned *bad)
{
	unsigned num = c ^ 48u;
	unsigned num_ok = ((num - 10u) >> 8) & 0xffu;
	unsigned alpha = (c & ~32u) - 55u;
	unsigned alpha_ok = (((alpha - 10u) ^ (alpha - 16u)) >> 8) & 0xffu;

	*bad |= (num_ok | alpha_ok) ^ 0xffu;
	return (uint8_t)((num & num_ok) | (alpha & alpha_ok));
}

/* The lowercase hex digit of n (0..15), branch-free likewise. */
static char hex_digit(unsigned n)
{
	return (char)(unsigned char)(87u + n + (((n - 10u) >> 8) & ~38u));
}

bool baro_hostkey_parse(const char *text, size_t len,
			uint8_t key[BARO_HOSTKEY_LEN])
{
	unsigned bad = 0;
	size_t i;

	if (text != NULL && len == HOSTKEY_HEX_LEN + 1 &&
	    text[HOSTKEY_HEX_LEN] == '\n')
		len--;
	if (text == NULL || len != HOSTKEY_HEX_LEN) {
		OPENSSL_cleanse(key, BARO_HOSTKEY_LEN);
		return false;
	}
	for (i = 0; i < BARO_HOSTKEY_LEN; i++) {
		uint8_t hi = hex_nibble((unsigned char)text[2 * i], &bad);
		uint8_t lo = hex_nibble((unsigned char)text[2 * i + 1], &bad);

		key[i] = (uint8_t)(hi << 4 | lo);
	}
	if (bad != 0)
		OPENSSL_cleanse(key, BARO_HOSTKEY_LEN);
	return bad == 0;
}

bool baro_hostkey_format(const uint8_t key[BARO_HOSTKEY_LEN], char *out,
			 size_t outsz)
{
	size_t i;

	if (out == NULL || outsz == 0)
		return false;
	out[0] = '\0';
	if (outsz < BARO_HOSTKEY_TEXT_LEN + 1)
		return false;
	for (i = 0; i < BARO_HOSTKEY_LEN; i++) {
		out[2 * i] = hex_digit(key[i] >> 4);
		out[2 * i + 1] = hex_digit(key[i] & 0x0fu);
	}
	out[HOSTKEY_HEX_LEN] = '\n';
	out[HOSTKEY_HEX_LEN + 1] = '\0';
	return true;
}

/* strerror of a failed open or read; the layer keeps errno for those. */
static const char *io_reason(enum baro_io_err io, const struct baro_file *f)
{
	if (f->saved_errno != 0)
		return strerror(f->saved_errno);
	return strerror(io == BARO_IO_NOMEM ? ENOMEM : EIO);
}

static void log_hostkey_error(const char *path, enum baro_io_err io,
			      const struct baro_file *f,
			      const struct baro_log *lg)
{
	if (io == BARO_IO_PERM) {
		baro_log(lg, LOG_ERR,
			 "Host key file \"%s\" must only be accessible by root",
			 path);
		if (f->why != NULL)
			baro_log(lg, LOG_DEBUG, "Host key file \"%s\": %s",
				 path, f->why);
	} else if (io == BARO_IO_SIZE) {
		baro_log(lg, LOG_ERR, "Invalid host key in \"%s\"", path);
	} else {
		baro_log(lg, LOG_ERR, "Failed to host key file read \"%s\"[%s]",
			 path, io_reason(io, f));
	}
}

bool baro_hostkey_load(const char *path, uint8_t key[BARO_HOSTKEY_LEN],
		       const struct baro_log *lg)
{
	struct baro_file f;
	enum baro_io_err io;
	bool ok = false;

	baro_file_init(&f);
	OPENSSL_cleanse(key, BARO_HOSTKEY_LEN);
	io = baro_file_open(&f, path, &hostkey_rules, false);
	if (io != BARO_IO_OK) {
		log_hostkey_error(path, io, &f, lg);
		goto out;
	}
	if (!baro_hostkey_parse(f.data, f.len, key)) {
		baro_log(lg, LOG_ERR, "Invalid host key in \"%s\"", path);
		goto out;
	}
	ok = true;
out:
	baro_file_close(&f);
	return ok;
}
