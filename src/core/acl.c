/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The access-control list .baro_acl (DESIGN.md §4).
 *
 * One rule a line:   action : users : origins : services
 *
 * Fields: IPv6 addresses contain ':', so a line is not simply split on
 * every ':'. Action and users never contain ':' and end at the first and
 * second ':'; services never contain ':' and start after the LAST ':';
 * everything between is origins. Plain IPv6 may thus be written in the
 * origins field. A line whose last ':' has no blank on either side and
 * joins the last origin and the first service into one valid IPv6 address
 * or range (a forgotten services field: "skip : u : fe80::1:beef") is
 * ambiguous and rejected; blanks around that ':' resolve it.
 *
 * Inside a field, items are separated by spaces or tabs. '#' starts a
 * comment that runs to the end of the line, so a whole line or the tail
 * of a rule may be a comment; '#' can therefore appear in no item.
 * Blank lines are ignored.
 *
 * Fail closed: every line is validated, also after the first match, and
 * any malformed line fails the whole evaluation with its line number:
 * fewer than four fields, an empty field, an unknown action (require,
 * skip, deny; lower case), a bad address or prefix (decimal, no sign, no
 * leading zero, 0..32 or 0..128), a name with ',' or '/' or longer than
 * ACL_NAME_MAX, a keyword in the wrong place or case (ALL, LOCAL, EXCEPT:
 * "EXCEPT" and "!" negations of pam_access are not supported), a line
 * longer than ACL_LINE_MAX bytes, a NUL or control character anywhere
 * (tab excepted; so CRLF files are rejected), or a non-ASCII byte outside
 * a comment.
 *
 * Matching: users by name, @group against the primary gid and the
 * subject's group list, or ALL; origins against PAM_RHOST: LOCAL when it
 * is unset or empty, ALL always, an address rule only when PAM_RHOST is a
 * numeric address (a host name matches ALL only). IPv4-mapped IPv6
 * (::ffff:a.b.c.d), in a rule with a prefix of /96 or longer or in
 * PAM_RHOST, is treated as the IPv4 address it carries, so 10.0.0.0/8
 * and ::ffff:10.0.0.0/104 are the same rule; an IPv6 range shorter than
 * /96 never matches an IPv4 client. Host bits below a prefix are ignored.
 * An @group that does not exist matches nobody; a failing group lookup
 * fails the evaluation (BARO_ACL_ERR_READ).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "baro/acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "baro/fileio.h"
#include "baro/util.h"

#include "acl_net.h"

#define ACL_LINE_MAX 4096        /* bytes of one line, newline excluded */
#define ACL_NAME_MAX 256         /* bytes of a user, group or service name */
#define ACL_GRBUF_MAX (1u << 20) /* getgrnam_r buffer cap */

static const struct baro_file_rules acl_file_rules = {
	.forbidden_mode = 022,
	.max_size = 1u << 20,
	.allow_empty = true,
	.single_link = true,
};

struct span {
	const char *p;
	size_t n;
};

struct acl_rule {
	struct span action, users, origins, services;
	const char *last_colon; /* between origins and services */
};

enum acl_status {
	ACL_OK = 0,
	ACL_BAD_SYNTAX,
	ACL_BAD_LOOKUP,
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span span_trim(struct span s)
{
	while (s.n > 0 && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Take the next blank-separated word off *rest. */
static bool span_next_word(struct span *rest, struct span *word)
{
	size_t i = 0;

	*rest = span_trim(*rest);
	if (rest->n == 0)
		return false;
	while (i < rest->n && !is_blank(rest->p[i]))
		i++;
	word->p = rest->p;
	word->n = i;
	rest->p += i;
	rest->n -= i;
	return true;
}

static bool span_equals(struct span s, const char *str)
{
	return s.n == strlen(str) && memcmp(s.p, str, s.n) == 0;
}

static bool span_equals_nocase(struct span s, const char *str)
{
	return s.n == strlen(str) && strncasecmp(s.p, str, s.n) == 0;
}

static bool span_copy(struct span s, char *buf, size_t bufsz)
{
	if (s.n >= bufsz)
		return false;
	memcpy(buf, s.p, s.n);
	buf[s.n] = '\0';
	return true;
}

/* Control characters are refused everywhere (tab excepted), non-ASCII
 * bytes outside comments only. */
static bool check_line_chars(struct span line, size_t rule_len)
{
	for (size_t i = 0; i < line.n; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if (c == '\t')
			continue;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c > 0x7f && i < rule_len)
			return false;
	}
	return true;
}

/* A keyword allowed where it stands must be written exactly; any other
 * spelling of ALL, LOCAL or EXCEPT is an error rather than a name. */
static bool is_misplaced_keyword(struct span word)
{
	return span_equals_nocase(word, "ALL") ||
	       span_equals_nocase(word, "LOCAL") ||
	       span_equals_nocase(word, "EXCEPT");
}

static bool check_name(struct span name)
{
	if (name.n == 0 || name.n > ACL_NAME_MAX)
		return false;
	if (name.p[0] == '!' || name.p[0] == '@' || is_misplaced_keyword(name))
		return false;
	for (size_t i = 0; i < name.n; i++) {
		if (name.p[i] == ',' || name.p[i] == '/')
			return false;
	}
	return true;
}

/* Split at the first two and the last ':'. */
static bool split_rule(struct span line, struct acl_rule *rule)
{
	const char *c1, *c2, *c3;
	const char *end = line.p + line.n;

	c1 = memchr(line.p, ':', line.n);
	if (c1 == NULL)
		return false;
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (c2 == NULL)
		return false;
	c3 = memrchr(c2 + 1, ':', (size_t)(end - c2 - 1));
	if (c3 == NULL)
		return false;
	rule->last_colon = c3;
	rule->action = span_trim((struct span){ line.p, (size_t)(c1 - line.p) });
	rule->users = span_trim((struct span){ c1 + 1, (size_t)(c2 - c1 - 1) });
	rule->origins = span_trim((struct span){ c2 + 1, (size_t)(c3 - c2 - 1) });
	rule->services = span_trim((struct span){ c3 + 1, (size_t)(end - c3 - 1) });
	return rule->action.n > 0 && rule->users.n > 0 && rule->origins.n > 0 &&
	       rule->services.n > 0;
}

/* The last ':' glued to an origin and a service that together read as
 * one IPv6 address: the services field was most likely forgotten. */
static bool is_ambiguous(const struct acl_rule *rule)
{
	const char *colon = rule->last_colon;
	struct span rest = rule->services;
	struct span first, last = rule->origins;
	struct acl_net net;
	char buf[ACL_ADDR_MAX];
	size_t i, n;

	if (last.p + last.n != colon)
		return false;
	if (!span_next_word(&rest, &first) || first.p != colon + 1)
		return false;
	for (i = last.n; i > 0 && !is_blank(last.p[i - 1]); i--)
		;
	last.p += i;
	last.n -= i;
	n = last.n + 1 + first.n;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, last.p, last.n);
	buf[last.n] = ':';
	memcpy(buf + last.n + 1, first.p, first.n);
	/* with a ':' inside, only IPv6 can parse */
	return baro_acl_net_parse(buf, n, &net);
}

static bool parse_action(struct span s, enum baro_acl_action *action)
{
	static const struct {
		const char *name;
		enum baro_acl_action action;
	} actions[] = {
		{ "require", BARO_ACL_REQUIRE },
		{ "skip", BARO_ACL_SKIP },
		{ "deny", BARO_ACL_DENY },
	};

	for (size_t i = 0; i < BARO_ARRAY_SIZE(actions); i++) {
		if (span_equals(s, actions[i].name)) {
			*action = actions[i].action;
			return true;
		}
	}
	return false;
}

static bool subject_has_gid(const struct baro_acl_subject *subj, gid_t gid)
{
	if (subj->gid == gid)
		return true;
	for (size_t i = 0; subj->groups != NULL && i < subj->ngroups; i++) {
		if (subj->groups[i] == gid)
			return true;
	}
	return false;
}

/* Resolve a group name. A group that does not exist is not an error. */
static enum acl_status lookup_group(struct span name, gid_t *gid, bool *found)
{
	char gname[ACL_NAME_MAX + 1];
	size_t bufsz = 1024;
	int rc;

	*found = false;
	if (!span_copy(name, gname, sizeof(gname)))
		return ACL_BAD_SYNTAX;
	for (;;) {
		struct group gr, *res = NULL;
		char *buf = malloc(bufsz);

		if (buf == NULL)
			return ACL_BAD_LOOKUP;
		rc = getgrnam_r(gname, &gr, buf, bufsz, &res);
		if (rc == 0 && res != NULL) {
			*gid = res->gr_gid;
			*found = true;
		}
		free(buf);
		if (rc != ERANGE || bufsz >= ACL_GRBUF_MAX)
			break;
		bufsz *= 2;
	}
	/* getgrnam_r(3): these mean "not found" */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return ACL_OK;
	errno = rc;
	return ACL_BAD_LOOKUP;
}

static enum acl_status match_group(struct span name,
				   const struct baro_acl_subject *subj,
				   bool *matched)
{
	enum acl_status st;
	bool found;
	gid_t gid = 0;

	st = lookup_group(name, &gid, &found);
	if (st == ACL_OK && found && subject_has_gid(subj, gid))
		*matched = true;
	return st;
}

/* Validate every user word; with want, also match the subject. */
static enum acl_status scan_users(struct span field,
				  const struct baro_acl_subject *subj,
				  bool want, bool *matched)
{
	struct span word;
	enum acl_status st;

	*matched = false;
	while (span_next_word(&field, &word)) {
		if (span_equals(word, "ALL")) {
			*matched = true;
			continue;
		}
		if (word.p[0] == '@') {
			struct span group = { word.p + 1, word.n - 1 };

			if (!check_name(group))
				return ACL_BAD_SYNTAX;
			if (!want || *matched)
				continue;
			st = match_group(group, subj, matched);
			if (st != ACL_OK)
				return st;
			continue;
		}
		if (!check_name(word))
			return ACL_BAD_SYNTAX;
		if (want && subj->user != NULL && span_equals(word, subj->user))
			*matched = true;
	}
	return ACL_OK;
}

static enum acl_status scan_origins(struct span field,
				    const struct baro_acl_subject *subj,
				    bool want, bool *matched)
{
	struct span word;
	struct acl_net net, host;
	bool local = false, numeric = false;

	*matched = false;
	if (want) {
		local = subj->rhost == NULL || subj->rhost[0] == '\0';
		numeric = !local && baro_acl_net_parse_host(subj->rhost, &host);
	}
	while (span_next_word(&field, &word)) {
		if (span_equals(word, "ALL")) {
			*matched = true;
		} else if (span_equals(word, "LOCAL")) {
			if (local)
				*matched = true;
		} else if (baro_acl_net_parse(word.p, word.n, &net)) {
			if (numeric && baro_acl_net_contains(&net, &host))
				*matched = true;
		} else {
			return ACL_BAD_SYNTAX;
		}
	}
	return ACL_OK;
}

static enum acl_status scan_services(struct span field,
				     const struct baro_acl_subject *subj,
				     bool want, bool *matched)
{
	struct span word;

	*matched = false;
	while (span_next_word(&field, &word)) {
		if (span_equals(word, "ALL")) {
			*matched = true;
			continue;
		}
		if (!check_name(word))
			return ACL_BAD_SYNTAX;
		if (want && subj->service != NULL &&
		    span_equals(word, subj->service))
			*matched = true;
	}
	return ACL_OK;
}

/* Validate one rule; with want, also tell whether it matches subj.
 * Users come last so that groups are looked up only when needed. */
static enum acl_status scan_rule(const struct acl_rule *rule,
				 const struct baro_acl_subject *subj, bool want,
				 bool *matched)
{
	bool svc_ok = false, org_ok = false, usr_ok = false;
	enum acl_status st;

	st = scan_services(rule->services, subj, want, &svc_ok);
	if (st == ACL_OK)
		st = scan_origins(rule->origins, subj, want, &org_ok);
	if (st == ACL_OK)
		st = scan_users(rule->users, subj, want && svc_ok && org_ok,
				&usr_ok);
	*matched = st == ACL_OK && want && svc_ok && org_ok && usr_ok;
	return st;
}

/* One line, newline excluded. *decided is set once a rule matched. */
static enum acl_status eval_line(struct span line,
				 const struct baro_acl_subject *subj,
				 enum baro_acl_action *action, bool *decided)
{
	const char *hash = memchr(line.p, '#', line.n);
	struct span body = line;
	struct acl_rule rule;
	enum baro_acl_action act;
	enum acl_status st;
	bool matched;

	if (line.n > ACL_LINE_MAX)
		return ACL_BAD_SYNTAX;
	if (hash != NULL)
		body.n = (size_t)(hash - line.p);
	if (!check_line_chars(line, body.n))
		return ACL_BAD_SYNTAX;
	body = span_trim(body);
	if (body.n == 0)
		return ACL_OK;
	if (!split_rule(body, &rule) || is_ambiguous(&rule))
		return ACL_BAD_SYNTAX;
	if (!parse_action(rule.action, &act))
		return ACL_BAD_SYNTAX;
	st = scan_rule(&rule, subj, subj != NULL && !*decided, &matched);
	if (st == ACL_OK && matched) {
		*action = act;
		*decided = true;
	}
	return st;
}

enum baro_acl_err baro_acl_eval(const char *text, size_t len,
				const struct baro_acl_subject *subj,
				enum baro_acl_action *action,
				unsigned *err_line)
{
	enum baro_acl_action result = BARO_ACL_REQUIRE;
	enum acl_status st = ACL_OK;
	bool decided = false;
	unsigned lineno = 0;
	size_t pos = 0;

	while (st == ACL_OK && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - text) - pos : len - pos;

		lineno++;
		st = eval_line((struct span){ text + pos, n }, subj, &result,
			       &decided);
		pos += n + 1;
	}
	if (err_line != NULL)
		*err_line = st == ACL_OK ? 0 : lineno;
	if (action != NULL)
		*action = st == ACL_OK ? result : BARO_ACL_DENY;
	if (st == ACL_BAD_SYNTAX)
		return BARO_ACL_ERR_SYNTAX;
	return st == ACL_OK ? BARO_ACL_OK : BARO_ACL_ERR_READ;
}

enum baro_acl_err baro_acl_check(const char *path,
				 const struct baro_acl_subject *subj,
				 enum baro_acl_action *action,
				 const struct baro_log *lg)
{
	struct baro_file f = { .dirfd = -1, .fd = -1, .lockfd = -1 };
	enum baro_acl_err rc;
	enum baro_io_err io;
	unsigned line = 0;

	if (action != NULL)
		*action = BARO_ACL_DENY;
	io = baro_file_open(&f, path, &acl_file_rules, false);
	if (io == BARO_IO_PERM) {
		baro_log(lg, LOG_ERR,
			 "ACL file \"%s\" must only be accessible by user id root",
			 path);
		rc = BARO_ACL_ERR_PERM;
		goto out;
	}
	if (io != BARO_IO_OK) {
		baro_log(lg, LOG_ERR, "Failed to acl file read \"%s\"", path);
		rc = BARO_ACL_ERR_READ;
		goto out;
	}
	rc = baro_acl_eval(f.data, f.len, subj, action, &line);
	if (rc == BARO_ACL_ERR_SYNTAX) {
		baro_log(lg, LOG_ERR, "Invalid ACL rule in \"%s\" line %u",
			 path, line);
	} else if (rc == BARO_ACL_ERR_READ) {
		baro_log(lg, LOG_ERR,
			 "Cannot look up group in ACL file \"%s\" line %u",
			 path, line);
		baro_log(lg, LOG_ERR, "Failed to acl file read \"%s\"", path);
	}
out:
	baro_file_close(&f);
	return rc;
}
