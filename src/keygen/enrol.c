/* SPDX-License-Identifier: BSD-3-Clause */
/* The enrolment shown to the user: the otpauth:// URI, its QR code on the
 * terminal, and optionally as an image (PNG with libpng, or PBM). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <qrencode.h>

#include "keygen.h"

#define MARGIN 2
#define SCALE 4 /* pixels a module in the image */

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
		     issuer, user, e->secret_b32, issuer,
		     baro_hash_name(e->hash), e->digits, e->period);
	return n > 0 && (size_t)n < outsz;
}

enum kg_image kg_image_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return KG_IMAGE_NONE;
	if (strcasecmp(dot, ".png") == 0)
		return KG_IMAGE_PNG;
	if (strcasecmp(dot, ".pbm") == 0)
		return KG_IMAGE_PBM;
	return KG_IMAGE_NONE;
}

static bool dark(const QRcode *q, int x, int y)
{
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return (q->data[y * q->width + x] & 1) != 0;
}

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

static bool write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* The image as 8-bit grey pixels, SCALE pixels a module, with margin. */
static unsigned char *pixels(const QRcode *q, int *size)
{
	unsigned char *px;
	int x, y;

	*size = (q->width + 2 * MARGIN) * SCALE;
	px = malloc((size_t)*size * (size_t)*size);
	if (px == NULL)
		return NULL;
	for (y = 0; y < *size; y++)
		for (x = 0; x < *size; x++)
			px[y * *size + x] = dark(q, x / SCALE - MARGIN,
						 y / SCALE - MARGIN)
						    ? 0
						    : 255;
	return px;
}

/* Plain PBM (P1): readable by zbarimg and netpbm. */
static bool write_pbm(int fd, const unsigned char *px, int size)
{
	char head[64];
	char *row = malloc((size_t)size * 2 + 1);
	int x, y, n;
	bool ok;

	n = snprintf(head, sizeof(head), "P1\n%d %d\n", size, size);
	ok = row != NULL && n > 0 && (size_t)n < sizeof(head) &&
	     write_all(fd, head, (size_t)n);
	for (y = 0; ok && y < size; y++) {
		for (x = 0; x < size; x++) {
			row[2 * x] = px[y * size + x] == 0 ? '1' : '0';
			row[2 * x + 1] = ' ';
		}
		row[2 * size - 1] = '\n';
		ok = write_all(fd, row, (size_t)size * 2);
	}
	free(row);
	return ok;
}

static void png_write_fd(png_structp png, png_bytep data, size_t len)
{
	const int *fd = png_get_io_ptr(png);

	if (!write_all(*fd, data, len))
		png_error(png, "write failed");
}

static void png_flush_fd(png_structp png)
{
	(void)png;
}

static bool write_png(int fd, unsigned char *px, int size)
{
	png_structp png;
	png_infop info = NULL;
	int y;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (png == NULL)
		return false;
	info = png_create_info_struct(png);
	if (info == NULL || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return false;
	}
	png_set_write_fn(png, &fd, png_write_fd, png_flush_fd);
	png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 8,
		     PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < size; y++)
		png_write_row(png, px + (size_t)y * (size_t)size);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return true;
}

/* A new file only (never through a link, never over an existing one). */
static bool write_image(const QRcode *q, const char *path, enum kg_image image)
{
	unsigned char *px;
	int fd, size = 0;
	bool ok;

	px = pixels(q, &size);
	if (px == NULL)
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	ok = fd >= 0 && (image == KG_IMAGE_PNG ? write_png(fd, px, size)
					       : write_pbm(fd, px, size));
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok)
		kg_err("cannot write %s: %s", path, strerror(errno));
	if (!ok && fd >= 0)
		(void)unlink(path);
	free(px);
	return ok;
}

static bool show_qr(const struct kg_opts *o, const char *uri)
{
	QRcode *q;
	bool ok;

	if (o->qr == KG_QR_NONE && o->qr_file == NULL)
		return true;
	q = QRcode_encodeString(uri, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return false;
	if (o->qr == KG_QR_UTF8)
		print_utf8(q, stdout);
	else if (o->qr == KG_QR_ASCII)
		print_ascii(q, stdout);
	ok = o->qr_file == NULL || write_image(q, o->qr_file, o->qr_image);
	QRcode_free(q);
	return ok;
}

bool kg_show_enrolment(const struct kg_opts *o, const char *user,
		       const struct baro_secret *s, const struct kg_material *m)
{
	char host[256] = { 0 }, uri[1024];
	struct kg_enrol e = {
		.issuer = o->issuer,
		.user = user,
		.secret_b32 = m->b32,
		.hash = s->method,
		.digits = s->digits,
		.period = s->cycle_time,
	};

	if (e.issuer == NULL) {
		/* The host name, or the product's when it cannot be had. */
		e.issuer = "pam_baro_auth";
		if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0')
			e.issuer = host;
	}
	if (!kg_uri(&e, uri, sizeof(uri)))
		return false;
	printf("%s\n", uri);
	if (!show_qr(o, uri))
		return false;
	kg_print_codes(m);
	return true;
}
