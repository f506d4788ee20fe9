/* SPDX-License-Identifier: BSD-3-Clause */
/* The enrolment shown to the user: the otpauth:// URI and its QR code. */
#include "keygen.h"

#include <stdio.h>
#include <string.h>

#include <qrencode.h>

/* RFC 3986 percent-encoding; unreserved characters are kept. */
static bool url_encode(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
			    c == '_' || c == '~';

		if (n + (keep ? 1 : 3) >= outsz)
			return false;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return true;
}

bool kg_uri(const struct kg_enrol *e, char *out, size_t outsz)
{
	char issuer[256], user[256];
	int n;

	if (!url_encode(e->issuer, issuer, sizeof(issuer)) ||
	    !url_encode(e->user, user, sizeof(user)))
		return false;
	n = snprintf(out, outsz,
		     "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=%s"
		     "&digits=%u&period=%u",
		     issuer, user, e->secret_b32, issuer, baro_hash_name(e->hash),
		     e->digits, e->period);
	return n > 0 && (size_t)n < outsz;
}

static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return (q->data[y * q->width + x] & 1) != 0;
}

#define MARGIN 2

/* Two rows per line with half blocks: compact and scannable. */
static void print_utf8(const QRcode *q, FILE *f)
{
	int x, y;

	for (y = -MARGIN; y < q->width + MARGIN; y += 2) {
		for (x = -MARGIN; x < q->width + MARGIN; x++) {
			bool top = dark(q, x, y), bottom = dark(q, x, y + 1);

			/* Light modules are drawn, dark ones left blank, so
			 * that it reads on a dark terminal. */
			fputs(top ? (bottom ? " " : "\u2584")
				  : (bottom ? "\u2580" : "\u2588"),
			      f);
		}
		fputc('\n', f);
	}
}

static void print_ascii(const QRcode *q, FILE *f)
{
	int x, y;

	for (y = -MARGIN; y < q->width + MARGIN; y++) {
		for (x = -MARGIN; x < q->width + MARGIN; x++)
			fputs(dark(q, x, y) ? "##" : "  ", f);
		fputc('\n', f);
	}
}

/* Plain PBM (P1), 4 pixels a module: readable by zbarimg, for tests. */
static bool write_pbm(const QRcode *q, const char *path)
{
	FILE *f = fopen(path, "wxe");
	int x, y, size = (q->width + 2 * MARGIN) * 4;
	bool ok;

	if (f == NULL)
		return false;
	fprintf(f, "P1\n%d %d\n", size, size);
	for (y = 0; y < size; y++) {
		for (x = 0; x < size; x++)
			fputs(dark(q, x / 4 - MARGIN, y / 4 - MARGIN) ? "1 " : "0 ",
			      f);
		fputc('\n', f);
	}
	ok = ferror(f) == 0;
	return fclose(f) == 0 && ok;
}

bool kg_show_enrolment(const struct kg_enrol *e, enum kg_qr qr,
		       const char *qr_file)
{
	char uri[1024];
	QRcode *q = NULL;
	bool ok = false;

	if (!kg_uri(e, uri, sizeof(uri)))
		return false;
	printf("%s\n", uri);
	if (qr == KG_QR_NONE && qr_file == NULL)
		return true;
	q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		goto out;
	if (qr == KG_QR_UTF8)
		print_utf8(q, stdout);
	else if (qr == KG_QR_ASCII)
		print_ascii(q, stdout);
	ok = qr_file == NULL || write_pbm(q, qr_file);
out:
	QRcode_free(q);
	return ok;
}
