/* SPDX-License-Identifier: BSD-3-Clause */
/* Sealing (DESIGN.md §5): SECURE_KEY sealed under the host key, opened back to
 * base32, or moved to a new host key. The codes never change. */
#include <stdio.h>

#include "keygen.h"

static void sealed(const struct kg_opts *o, const struct kg_target *t)
{
	(void)o;
	printf("%s: the key of %s is sealed under %s; the codes do not change.\n"
	       "The module needs encrypt=yes keyfile=%s (conf file or PAM line).\n",
	       t->path, t->user, t->keyfile, t->keyfile);
}

static void unsealed(const struct kg_opts *o, const struct kg_target *t)
{
	(void)o;
	printf("%s: the key of %s is plain base32 again; the codes do not change.\n"
	       "The module needs encrypt=no (conf file or PAM line).\n",
	       t->path, t->user);
}

static void resealed(const struct kg_opts *o, const struct kg_target *t)
{
	printf("%s: the key of %s is sealed under %s instead of %s; the codes do not change.\n"
	       "Install %s as keyfile= once every file is resealed.\n",
	       t->path, t->user, o->new_keyfile, t->keyfile, o->new_keyfile);
}

static bool edit_seal(const struct kg_opts *o, struct kg_target *t,
		      struct baro_store *st, struct kg_material *m)
{
	(void)o;
	if (baro_secret_is_sealed(&st->secret)) {
		kg_err("%s is sealed already", t->path);
		return false;
	}
	t->done = sealed;
	return kg_key_of(t->keyfile, t->user, st, m) &&
	       kg_set_secure_key(true, t->keyfile, t->user, m, &st->secret);
}

static bool edit_unseal(const struct kg_opts *o, struct kg_target *t,
			struct baro_store *st, struct kg_material *m)
{
	(void)o;
	if (!baro_secret_is_sealed(&st->secret)) {
		kg_err("%s is not sealed", t->path);
		return false;
	}
	t->done = unsealed;
	return kg_key_of(t->keyfile, t->user, st, m) &&
	       kg_set_secure_key(false, t->keyfile, t->user, m, &st->secret);
}

/* Host key rotation: open under --keyfile, seal under --new-keyfile. */
static bool edit_reseal(const struct kg_opts *o, struct kg_target *t,
			struct baro_store *st, struct kg_material *m)
{
	if (!baro_secret_is_sealed(&st->secret)) {
		kg_err("%s is not sealed: use seal", t->path);
		return false;
	}
	t->done = resealed;
	return kg_key_of(t->keyfile, t->user, st, m) &&
	       kg_set_secure_key(true, o->new_keyfile, t->user, m, &st->secret);
}

int kg_cmd_seal(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_seal);
}

int kg_cmd_unseal(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_unseal);
}

int kg_cmd_reseal(const struct kg_opts *o)
{
	return kg_with_file(o, true, edit_reseal);
}
