/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BARO_KEYGEN_H
#define BARO_KEYGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "baro/totp.h"

enum kg_qr { KG_QR_UTF8, KG_QR_ASCII, KG_QR_NONE };

struct kg_enrol {
	const char *issuer;
	const char *user;
	const char *secret_b32;
	enum baro_hash hash;
	unsigned digits;
	unsigned period;
};

/* otpauth://totp/ISSUER:USER?secret=...&issuer=...&algorithm=...&digits=...&period=... */
bool kg_uri(const struct kg_enrol *e, char *out, size_t outsz);

/* Print the URI and the QR code (libqrencode); qr_file: also a PBM. */
bool kg_show_enrolment(const struct kg_enrol *e, enum kg_qr qr,
		       const char *qr_file);

#endif
