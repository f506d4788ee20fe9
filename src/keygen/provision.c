/* SPDX-License-Identifier: BSD-3-Clause */
/* Provisioning: create a user's file, rotate its key, replace the
 * emergency codes, create the host key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "baro/fileio.h"
#include "baro/seal.h"
#include "keygen.h"

void kg_add_option_lines(struct baro_secret *s)
{
	(void)baro_secret_add_option_lines(s);
}

void kg_build_secret(const struct kg_opts *o, struct baro_secret *s)
{
	baro_secret_init(s);
	s->method = o->hash;
	s->digits = o->digits;
	s->cycle_time = o->cycle;
	s->window = o->window;
	s->has_rate_limit = o->rate_limit;
	s->rate_count = o->rate_count;
	s->rate_interval = o->rate_interval;
	s->disallow_reuse = o->disallow_reuse;
	kg_add_option_lines(s);
}

int kg_cmd_create(const struct kg_opts *o)
{
	struct kg_target t;
	struct kg_material m;
	struct baro_secret *s = NULL;
	int rc = KG_EXIT_ERR;

	memset(&m, 0, sizeof(m));
	if (!kg_target_resolve(o, &t))
		return KG_EXIT_ERR;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return KG_EXIT_ERR;
	kg_build_secret(o, s);
	if (!kg_new_key(&m, o->key_bytes) ||
	    !kg_set_secure_key(t.encrypt, t.keyfile, t.user, &m, s) ||
	    !kg_new_emergency(s, &m, o->emergency) || !kg_make_parents(t.path))
		goto out;
	rc = kg_write_new(t.path, s, o->force);
	if (rc == KG_EXIT_OK)
		rc = kg_show_enrolment(o, t.user, s, &m) ? KG_EXIT_OK
							 : KG_EXIT_ERR;
out:
	kg_material_wipe(&m);
	baro_secret_wipe(s);
	free(s);
	return rc;
}

/* A new key (same options, state cleared), sealed if the old one was. */
static bool edit_rotate(const struct kg_opts *o, struct kg_target *t,
			struct baro_store *st, struct kg_material *m)
{
	struct baro_secret *s = &st->secret;
	unsigned bytes = (o->given & KO(KEY_BYTES)) != 0
				 ? o->key_bytes
				 : kg_default_key_bytes(s->method);

	s->n_rate_ts = 0;
	s->n_used = 0;
	return kg_new_key(m, bytes) &&
	       kg_set_secure_key(baro_secret_is_sealed(s), t->keyfile, t->user,
				 m, s) &&
	       kg_new_emergency(s, m, o->emergency) &&
	       kg_show_enrolment(o, t->user, s, m);
}

int kg_cmd_rotate(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_rotate);
}

static bool edit_emergency(const struct kg_opts *o, struct kg_target *t,
			   struct baro_store *st, struct kg_material *m)
{
	if (!kg_key_of(t->keyfile, t->user, st, m) ||
	    !kg_new_emergency(&st->secret, m, o->emergency))
		return false;
	kg_print_codes(m);
	return true;
}

int kg_cmd_emergency(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_emergency);
}

int kg_cmd_hostkey(const struct kg_opts *o)
{
	const char *path = o->keyfile != NULL ? o->keyfile
					      : BARO_DEFAULT_KEYFILE;
	uint8_t key[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN + 1], base[256];
	const char *why = NULL;
	int dirfd = -1, rc = KG_EXIT_ERR;

	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    !baro_hostkey_format(key, text, sizeof(text)) ||
	    !kg_make_parents(path))
		goto out;
	if (baro_open_parent(path, &dirfd, base, sizeof(base), &why) !=
	    BARO_IO_OK) {
		kg_err("%s: %s", path, why != NULL ? why : strerror(errno));
		goto out;
	}
	if (baro_file_create_at(dirfd, base, text, strlen(text), o->force) !=
	    BARO_IO_OK) {
		kg_err("cannot write %s: %s", path,
		       errno == EEXIST ? "exists (use --force)"
				       : strerror(errno));
		goto out;
	}
	printf("host key written to %s\n", path);
	rc = KG_EXIT_OK;
out:
	if (dirfd >= 0)
		close(dirfd);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}
