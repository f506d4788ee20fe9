/* SPDX-License-Identifier: BSD-3-Clause */
/* The fleet= connection file: "keyword=value" lines, '#' comments. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "baro/fileio.h"
#include "baro/util.h"
#include "fleet_int.h"

#define CONN_FILE_MAX 65536

/* The connection file and the client key: root's, no group or other bits. */
static const struct baro_file_rules conn_rules = {
	.forbidden_mode = 077,
	.max_size = CONN_FILE_MAX,
	.allow_empty = false,
	.single_link = true,
};

/* Certificates are public, but must not be replaceable by anyone else. */
static const struct baro_file_rules cert_rules = {
	.forbidden_mode = 022,
	.max_size = CONN_FILE_MAX,
	.allow_empty = false,
	.single_link = false,
};

enum kw_kind { KW_TEXT, KW_LIST, KW_PATH };

static const struct conn_keyword {
	const char *name;
	size_t offset;
	size_t size;
	enum kw_kind kind;
	bool required;
} keywords[] = {
/* clang-format off */
#define KW(n, k, r) { #n, offsetof(struct fleet_conn, n), \
		      sizeof(((struct fleet_conn *)0)->n), k, r }
	KW(host, KW_LIST, true),
	KW(hostaddr, KW_LIST, false),
	KW(port, KW_LIST, false),
	KW(dbname, KW_TEXT, true),
	KW(user, KW_TEXT, true),
	KW(sslrootcert, KW_PATH, true),
	KW(sslcert, KW_PATH, true),
	KW(sslkey, KW_PATH, true),
	KW(sslcrl, KW_PATH, false),
/* clang-format on */
#undef KW
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char *trim(char *s)
{
	char *end;

	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		*--end = '\0';
	return s;
}

/* Printable ASCII without spaces or quotes: no value needs more, and
 * nothing can be smuggled to libpq or into a log line. */
static bool value_ok(const char *v, enum kw_kind kind)
{
	const char *p;

	if (v[0] == '\0')
		return false;
	for (p = v; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == '\'' || *p == '"' ||
		    *p == '\\')
			return false;
	if (kind == KW_PATH)
		return v[0] == '/';
	/* A host starting with '/' would be a Unix socket: TLS only here. */
	return kind != KW_LIST || (v[0] != '/' && strstr(v, ",/") == NULL);
}

static const struct conn_keyword *find_keyword(const char *name)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(keywords); i++)
		if (strcmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

static const char *apply_line(struct fleet_conn *fc, char *line)
{
	const struct conn_keyword *kw;
	char *eq, *name, *value, *dst;
	size_t n;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return NULL;
	eq = strchr(line, '=');
	if (eq == NULL)
		return "not keyword=value";
	*eq = '\0';
	name = trim(line);
	value = trim(eq + 1);
	kw = find_keyword(name);
	if (kw == NULL)
		return "unknown keyword";
	if (!value_ok(value, kw->kind))
		return "invalid value";
	dst = (char *)fc + kw->offset;
	if (dst[0] != '\0')
		return "keyword given twice";
	n = strlen(value);
	if (n >= kw->size)
		return "value too long";
	memcpy(dst, value, n + 1);
	return NULL;
}

static const char *check_required(const struct fleet_conn *fc)
{
	size_t i;

	for (i = 0; i < BARO_ARRAY_SIZE(keywords); i++)
		if (keywords[i].required &&
		    ((const char *)fc + keywords[i].offset)[0] == '\0')
			return keywords[i].name;
	return NULL;
}

static bool parse(struct fleet_conn *fc, char *data, const char *path,
		  const struct baro_log *lg)
{
	const char *why = NULL, *missing;
	char *line, *next;
	unsigned lineno = 0;

	for (line = data; why == NULL && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		why = apply_line(fc, line);
	}
	if (why != NULL) {
		baro_log(lg, LOG_ERR,
			 "Invalid fleet connection file %s[line %u: %s]", path,
			 lineno, why);
		return false;
	}
	missing = check_required(fc);
	if (missing != NULL) {
		baro_log(lg, LOG_ERR, "Invalid fleet connection file %s[no %s]",
			 path, missing);
		return false;
	}
	if (fc->port[0] == '\0')
		memcpy(fc->port, "5432", sizeof("5432"));
	return true;
}

/* Open path with the rules; the contents are wiped on close. */
static bool check_file(const char *path, const struct baro_file_rules *rules,
		       struct baro_file *f, const struct baro_log *lg)
{
	enum baro_io_err e;

	baro_file_init(f);
	e = baro_file_open(f, path, rules, false);
	if (e == BARO_IO_OK)
		return true;
	if (e == BARO_IO_PERM)
		baro_log(lg, LOG_ERR,
			 "Fleet file %s must only be accessible by root[%s]",
			 path, f->why != NULL ? f->why : "bad permissions");
	else if (e == BARO_IO_SIZE)
		baro_log(lg, LOG_ERR, "Invalid file size for %s", path);
	else
		baro_log(lg, LOG_ERR, "Could not read %s[%s]", path,
			 strerror(f->saved_errno));
	baro_file_close(f);
	return false;
}

static bool check_named_files(const struct fleet_conn *fc,
			      const struct baro_log *lg)
{
	struct baro_file f;
	bool ok;

	ok = check_file(fc->sslkey, &conn_rules, &f, lg);
	if (ok)
		baro_file_close(&f);
	ok = ok && check_file(fc->sslcert, &cert_rules, &f, lg);
	if (ok)
		baro_file_close(&f);
	ok = ok && check_file(fc->sslrootcert, &cert_rules, &f, lg);
	if (ok)
		baro_file_close(&f);
	if (ok && fc->sslcrl[0] != '\0') {
		ok = check_file(fc->sslcrl, &cert_rules, &f, lg);
		if (ok)
			baro_file_close(&f);
	}
	return ok;
}

bool fleet_conn_load(const char *path, struct fleet_conn *fc,
		     const struct baro_log *lg)
{
	struct baro_file f;
	bool ok;

	memset(fc, 0, sizeof(*fc));
	if (path == NULL || path[0] != '/') {
		baro_log(lg, LOG_ERR, "Invalid fleet connection file %s[%s]",
			 path != NULL ? path : "(none)",
			 "not an absolute path");
		return false;
	}
	if (!check_file(path, &conn_rules, &f, lg))
		return false;
	ok = parse(fc, f.data, path, lg);
	baro_file_close(&f);
	return ok && check_named_files(fc, lg);
}
