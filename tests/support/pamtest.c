/* SPDX-License-Identifier: BSD-3-Clause */
#include "pamtest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "baro/base32.h"
#include "baro/secret.h"
#include "baro/totp.h"
#include "baro/verify.h"

#define LOG_CAP (256 * 1024)

static char log_buf[LOG_CAP];
static size_t log_len;

static void die(const char *what)
{
	fprintf(stderr, "pamtest: %s: %s\n", what, strerror(errno));
	abort();
}

/* --- syslog capture: libpam's pam_vsyslog() calls syslog(), which the
 * executable (built with ENABLE_EXPORTS) interposes. */

#define PT_EXPORT __attribute__((visibility("default")))
PT_EXPORT void vsyslog(int pri, const char *fmt, va_list ap);
PT_EXPORT void syslog(int pri, const char *fmt, ...);

static void capture(const char *fmt, va_list ap)
{
	char line[4096];
	const char *msg;
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	msg = strstr(line, "): ");
	msg = msg != NULL ? msg + 3 : line;
	n = snprintf(log_buf + log_len, LOG_CAP - log_len, "%s\n", msg);
	if (n > 0 && (size_t)n < LOG_CAP - log_len)
		log_len += (size_t)n;
	if (getenv("PT_VERBOSE") != NULL)
		fprintf(stderr, "syslog: %s\n", line);
}

PT_EXPORT void vsyslog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	capture(fmt, ap);
}

PT_EXPORT void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	(void)pri;
	va_start(ap, fmt);
	capture(fmt, ap);
	va_end(ap);
}

PT_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...);
PT_EXPORT void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)pri;
	(void)flag;
	va_start(ap, fmt);
	capture(fmt, ap);
	va_end(ap);
}

PT_EXPORT void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
PT_EXPORT void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)pri;
	(void)flag;
	capture(fmt, ap);
}

void pt_log_clear(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

const char *pt_log_all(void)
{
	return log_buf;
}

void pt_log_dump(void)
{
	fprintf(stderr, "--- captured log ---\n%s--- end ---\n", log_buf);
}

bool pt_log_contains(const char *part)
{
	return strstr(log_buf, part) != NULL;
}

bool pt_log_has(const char *message)
{
	size_t n = strlen(message);
	const char *p = log_buf;

	while ((p = strstr(p, message)) != NULL) {
		if ((p == log_buf || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

void pt_assert_log(const char *fmt, ...)
{
	char line[2 * PATH_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	if (!pt_log_has(line)) {
		pt_log_dump();
		fail_msg("missing log line: %s", line);
	}
}

int pt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* --- files --- */

void pt_format(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		die("text too long");
}

void pt_path(const struct pt_env *e, const char *rel, char *out, size_t n)
{
	int r = snprintf(out, n, "%s/%s", e->dir, rel);

	if (r < 0 || (size_t)r >= n)
		die("path too long");
}

void pt_mkdir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		die(path);
	if (chmod(path, mode) != 0)
		die(path);
}

void pt_write(const char *path, const char *content, mode_t mode)
{
	size_t len = strlen(content);
	int fd;

	if (unlink(path) != 0 && errno != ENOENT)
		die(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		die(path);
	if (write(fd, content, len) != (ssize_t)len || fchmod(fd, mode) != 0 ||
	    close(fd) != 0)
		die(path);
}

char *pt_read(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 70000);
	if (buf == NULL)
		die("calloc");
	n = fread(buf, 1, 69999, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void pt_setup(struct pt_env *e)
{
	strcpy(e->dir, "/tmp/baro-test.XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		die("mkdtemp");
	pt_path(e, "pam.d", e->confdir, sizeof(e->confdir));
	pt_mkdir(e->confdir, 0755);
	/* No site conf file: the default /etc/security one must not leak in. */
	pt_log_clear();
	unsetenv("BARO_TEST_NOW");
}

void pt_setup_secret(struct pt_env *e, char *secret, size_t n)
{
	char dir[PATH_MAX];

	pt_setup(e);
	pt_path(e, "secrets", dir, sizeof(dir));
	pt_mkdir(dir, 0700);
	pt_path(e, "secrets/.baro_auth", secret, n);
}

void pt_secret_text(char *out, size_t n, const char *extra)
{
	pt_format(out, n, "SECURE_KEY %s\nCYCLE_TIME 30\n%s", PT_KEY_B32,
		  extra);
}

void pt_write_secret(const char *path, const char *extra)
{
	char text[4096];

	pt_secret_text(text, sizeof(text), extra);
	pt_write(path, text, 0400);
}

void pt_teardown(struct pt_env *e)
{
	char cmd[PATH_MAX + 16];
	int n = snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);

	if (n > 0 && (size_t)n < sizeof(cmd) &&
	    strncmp(e->dir, "/tmp/", 5) == 0 && system(cmd) != 0)
		fprintf(stderr, "pamtest: could not remove %s\n", e->dir);
}

int pt_teardown_state(void **state)
{
	pt_teardown(*state);
	return 0;
}

void pt_service(const struct pt_env *e, const char *service,
		const char *fmt, ...)
{
	char path[PATH_MAX], text[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		die("service text too long");
	n = snprintf(path, sizeof(path), "%s/%s", e->confdir, service);
	if (n < 0 || (size_t)n >= sizeof(path))
		die("service path too long");
	pt_write(path, text, 0644);
}

void pt_simple_service(const struct pt_env *e, const char *args)
{
	pt_service(e, "baro-test",
		   "auth required " BARO_TEST_MODULE " conf=%s/none.conf %s\n",
		   e->dir, args);
	/* An empty conf file named explicitly: nothing from /etc leaks in. */
	{
		char p[PATH_MAX];

		pt_path(e, "none.conf", p, sizeof(p));
		pt_write(p, "", 0644);
	}
}

/* An empty conf file, named so that nothing from /etc leaks in. */
static void empty_conf(const struct pt_env *e, char *out, size_t n)
{
	pt_path(e, "none.conf", out, n);
	pt_write(out, "", 0644);
}

void pt_module_service(const struct pt_env *e, bool verdict,
		       const char *conf, const char *args)
{
	char none[PATH_MAX];

	if (conf == NULL) {
		empty_conf(e, none, sizeof(none));
		conf = none;
	}
	pt_service(e, "baro-test", "auth %s " BARO_TEST_MODULE " conf=%s %s\n%s",
		   verdict ? "[success=done ignore=ignore default=die]"
			   : "required",
		   conf, args, verdict ? "auth required pam_permit.so\n" : "");
}

bool pt_item_service(const struct pt_env *e, const char *args)
{
	char conf[PATH_MAX];

	if (access(PT_SET_ITEMS, R_OK) != 0 || access(PT_GET_ITEMS, R_OK) != 0)
		return false;
	empty_conf(e, conf, sizeof(conf));
	pt_service(e, "baro-test",
		   "auth required " PT_SET_ITEMS "\n"
		   "auth required " BARO_TEST_MODULE " conf=%s %s\n"
		   "auth required " PT_GET_ITEMS "\n",
		   conf, args);
	return true;
}

/* --- the conversation --- */

static void copy_text(char *dst, const char *src)
{
	snprintf(dst, PT_TEXT_MAX, "%s", src != NULL ? src : "");
}

static int answer(struct pt_run *r, const struct pam_message *m,
		  struct pam_response *resp)
{
	int i = r->n_prompts;

	if (m->msg_style == PAM_ERROR_MSG || m->msg_style == PAM_TEXT_INFO) {
		if (r->n_errors < PT_MAX_PROMPTS)
			copy_text(r->errors[r->n_errors++], m->msg);
		return PAM_SUCCESS;
	}
	if (i >= PT_MAX_PROMPTS)
		return PAM_CONV_ERR;
	r->n_prompts++;
	r->styles[i] = m->msg_style;
	copy_text(r->prompts[i], m->msg);
	if (r->conv_null || r->responses[i] == NULL)
		return PAM_SUCCESS;
	resp->resp = strdup(r->responses[i]);
	return resp->resp != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	struct pt_run *r = data;
	struct pam_response *out;
	int i;

	if (r->conv_fail)
		return PAM_CONV_ERR;
	out = calloc((size_t)n, sizeof(*out));
	if (out == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (answer(r, msg[i], &out[i]) != PAM_SUCCESS) {
			for (; i >= 0; i--)
				free(out[i].resp);
			free(out);
			return PAM_CONV_ERR;
		}
	}
	if (r->conv_null) {
		free(out);
		out = NULL;
	}
	*resp = out;
	return PAM_SUCCESS;
}

/* libpam calls this instead of sleeping out the fail delay: the tests
 * see what was requested and never wait for it. */
static void record_delay(int status, unsigned usec, void *appdata)
{
	struct pt_run *r = appdata;

	r->delay_called = true;
	r->delay_status = status;
	r->delay_usec = usec;
}

int pt_login(const struct pt_env *e, struct pt_run *r)
{
	struct pam_conv c = { conv, r };
	pam_handle_t *pamh = NULL;
	const void *tok = NULL;
	int rc, i;

	rc = pam_start_confdir(r->service != NULL ? r->service : "baro-test",
			       r->user, &c, e->confdir, &pamh);
	if (rc != PAM_SUCCESS)
		die("pam_start_confdir");
	r->delay_called = false;
	r->delay_usec = 0;
	if (!r->real_delay)
		pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)record_delay);
	if (r->rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, r->rhost);
	if (r->ruser != NULL)
		pam_set_item(pamh, PAM_RUSER, r->ruser);
	if (r->authtok != NULL)
		pam_set_item(pamh, PAM_AUTHTOK, r->authtok);
	/* What pam_set_items.so (pt_item_service) reads. */
	if (r->authtok != NULL)
		setenv("PAM_AUTHTOK", r->authtok, 1);
	else
		unsetenv("PAM_AUTHTOK");
	for (i = 0; i < 4 && r->env[i] != NULL; i++)
		pam_putenv(pamh, r->env[i]);
	r->rc = pam_authenticate(pamh, r->flags);
	r->authtok_after[0] = '\0';
	if (pam_get_item(pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS)
		copy_text(r->authtok_after, tok);
	else /* PAM_BAD_ITEM: what pam_get_items.so left, if in the stack */
		copy_text(r->authtok_after, pam_getenv(pamh, "PAM_AUTHTOK"));
	unsetenv("PAM_AUTHTOK");
	r->setcred_rc = PAM_SYSTEM_ERR;
	if (r->setcred)
		r->setcred_rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
	r->session_rc = PAM_SYSTEM_ERR;
	if (r->open_session)
		r->session_rc = pam_open_session(pamh, 0);
	pam_end(pamh, r->rc);
	return r->rc;
}

/* --- clock and reference codes --- */

void pt_set_now(int64_t t)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)t);
	setenv("BARO_TEST_NOW", buf, 1);
}

void pt_oathtool(const char *b32, const char *hash, unsigned digits,
		 unsigned cycle, int64_t t, char *out, size_t outsz)
{
	char cmd[512];
	FILE *p;
	int n;

	n = snprintf(cmd, sizeof(cmd),
		     OATHTOOL " --totp=%s -d %u -s %us -N '@%lld' --base32 %s",
		     hash, digits, cycle, (long long)t, b32);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		die("oathtool command too long");
	p = popen(cmd, "r");
	if (p == NULL || fgets(out, (int)outsz, p) == NULL)
		die("oathtool");
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
}

void pt_code(int64_t t, char *out, size_t outsz)
{
	pt_oathtool(PT_KEY_B32, "SHA1", 6, 30, t, out, outsz);
}

void pt_emergency_line(const char *code, char *out, size_t outsz)
{
	uint8_t key[BARO_KEY_MAX], h[BARO_EMERGENCY_HASH_LEN];
	char hex[2 * BARO_EMERGENCY_HASH_LEN + 1];
	size_t keylen = 0, i;

	if (!baro_base32_decode(PT_KEY_B32, key, sizeof(key), &keylen) ||
	    !baro_emergency_hash(key, keylen, code, h))
		die("emergency hash");
	for (i = 0; i < sizeof(h); i++)
		pt_format(hex + 2 * i, 3, "%02x", h[i]);
	pt_format(out, outsz, "EMERGENCY_KEY %s\n", hex);
}

/* --- what a state rewrite leaves --- */

void pt_assert_secret_file(const char *path, struct baro_secret *s)
{
	struct stat st;
	char *text;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0400);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(st.st_nlink, 1);
	text = pt_read(path);
	assert_non_null(text);
	assert_int_equal(baro_secret_parse(text, strlen(text), s),
			 BARO_PARSE_OK);
	assert_string_equal(s->secure_key, PT_KEY_B32);
	s->n_lines = 0; /* they point into text */
	free(text);
}

void pt_assert_dir_holds(const char *dir, const char *const *names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t want = 0, seen = 0, i;
	bool known;

	assert_non_null(d);
	while (names[want] != NULL)
		want++;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0, known = false; i < want && !known; i++)
			known = strcmp(de->d_name, names[i]) == 0;
		if (!known)
			fail_msg("unexpected entry %s/%s", dir, de->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, want);
}

void pt_require_root(const char *test, const char *why)
{
	if (geteuid() == 0)
		return;
	fprintf(stderr, "%s: needs root (%s); skipped\n", test, why);
	exit(77);
}

int pt_run_under_nss_wrapper(char **argv, void (*write_files)(const char *dir))
{
	char dir[] = "/tmp/baro-nss.XXXXXX";
	char passwd[PATH_MAX], group[PATH_MAX], cmd[PATH_MAX];
	int status = 1;
	pid_t pid;

	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		return 1;
	write_files(dir);
	pt_format(passwd, sizeof(passwd), "%s/passwd", dir);
	pt_format(group, sizeof(group), "%s/group", dir);
	pid = fork();
	if (pid == 0) {
		setenv("LD_PRELOAD", "libnss_wrapper.so", 1);
		setenv("NSS_WRAPPER_PASSWD", passwd, 1);
		setenv("NSS_WRAPPER_GROUP", group, 1);
		setenv(PT_NSS_DIR_ENV, dir, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = 1;
	pt_format(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
