/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * baro_bench: what one login costs, in one process and one run.
 *
 * A login is pam_start_confdir() → pam_authenticate() → pam_end() through
 * the real libpam, timed as a whole. Every case runs its logins in each
 * round, the rounds interleave the cases (so that noise from the rest of
 * the machine falls on all of them alike), and the figure of a case is
 * the median over the rounds of its ns/login. Ratios are to pam_permit,
 * the floor: what libpam itself costs.
 *
 * The cases: pam_permit; pam_baro_auth read-only (right code, no state),
 * wrong code with WINDOW_SIZE 3 and 17, the state path (RATE_LIMIT and
 * DISALLOW_REUSE, the file rewritten every login, the test module's clock
 * moved one cycle per login), encrypt=yes and an ACL of 1000 rules; the
 * same for Debian's pam_google_authenticator and pam_oath; and the
 * cheapest durable rewrite (tmp, write, fsync, rename, fsync dir).
 * Then 2, 4 and 8 processes at once, on one user and on different users:
 * throughput, p50/p99 and exact accounting read back from the files.
 *
 * Needs root: every secret file must be root's (DESIGN.md §3).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "baro/base32.h"
#include "baro/fileio.h"
#include "baro/secret.h"
#include "baro/totp.h"
#include "baro/util.h"
#ifndef BARO_BENCH_NO_SEAL
#include "baro/seal.h"
#endif

#ifndef PAM_MODULE_DIR
#define PAM_MODULE_DIR "/lib/x86_64-linux-gnu/security"
#endif
#define GA_MODULE PAM_MODULE_DIR "/pam_google_authenticator.so"
#define OATH_MODULE PAM_MODULE_DIR "/pam_oath.so"

#define PERMIT "permit" /* the pam_permit case and its service */
#define CYCLE 30
#define RHOST "203.0.113.7"
#define USER "root"
#define KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" /* "12345678901234567890" */
#define KEY_HEX "3132333435363738393031323334353637383930"
#define STATE_T0 1700000000LL
#define ROUNDS_MAX 64
#define ACL_RULES 1000
#define SKEW_SPAN 1501 /* google-authenticator's skew search: ±25*60 cycles */
#define MAX_PROCS 8
#define ACCT_MAX 96 /* RATE_LIMIT 100 3600 holds every attempt */

/* --- small helpers ------------------------------------------------------- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	fputs("baro_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s)\n", strerror(saved));
	exit(2);
}

static void fmt(char *out, size_t n, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static void fmt(char *out, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(out, n, f, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		die("text too long: %.40s", out);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		die("mkdir %s", path);
}

/* A fresh inode with the contents, owned by root, mode as given. */
static void write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd;

	if (unlink(path) != 0 && errno != ENOENT)
		die("unlink %s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, mode) != 0 || close(fd) != 0)
		die("write %s", path);
}

static char *read_file(const char *path)
{
	static char buf[BARO_FILE_MAX + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s", path);
	n = read(fd, buf, BARO_FILE_MAX);
	close(fd);
	if (n < 0)
		die("read %s", path);
	buf[n] = '\0';
	return buf;
}

/* Flush what set-up wrote, so that a timed round does not pay for it. */
static void sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || syncfs(fd) != 0)
		die("syncfs %s", path);
	close(fd);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* --- syslog: a daemon on the other core --------------------------------
 *
 * This machine runs no syslog daemon: glibc's syslog() finds no /dev/log,
 * and once a module has called openlog(LOG_CONS) (google-authenticator
 * does, on every message) every later message of the process goes to
 * the console, which costs milliseconds. Neither is what a login costs on
 * a host with journald or rsyslog. So the driver exports syslog() and
 * vsyslog() (libpam's pam_syslog() and the modules bind to them, as in
 * tests/support/pamtest.c) and does what glibc does with a daemon:
 * format the header and the message, send() one datagram, which a
 * child process reads as the daemon would on the other core. (A process,
 * not a thread: with a second thread every munmap() of a dlclose() would
 * cost a TLB shoot-down, which a single-threaded sshd does not pay.)
 * --real-syslog turns this off and leaves glibc's own syslog() in place.
 */

#define BENCH_EXPORT __attribute__((visibility("default")))

static int log_fds[2] = { -1, -1 };
static bool real_syslog;
static unsigned long *log_lines; /* shared with the daemon */

BENCH_EXPORT void vsyslog(int pri, const char *f, va_list ap);
BENCH_EXPORT void syslog(int pri, const char *f, ...);
BENCH_EXPORT void __vsyslog_chk(int pri, int flag, const char *f, va_list ap);
BENCH_EXPORT void __syslog_chk(int pri, int flag, const char *f, ...);

static void forward_real(int pri, const char *f, va_list ap)
{
	static void (*real)(int, const char *, va_list);

	if (real == NULL)
		real = (void (*)(int, const char *, va_list))dlsym(RTLD_NEXT,
								    "vsyslog");
	if (real != NULL)
		real(pri, f, ap);
}

BENCH_EXPORT void vsyslog(int pri, const char *f, va_list ap)
{
	char msg[2048];
	struct tm tm;
	time_t t;
	size_t n;

	if (real_syslog || log_fds[1] < 0) {
		forward_real(pri, f, ap);
		return;
	}
	t = time(NULL);
	localtime_r(&t, &tm);
	n = (size_t)snprintf(msg, sizeof(msg), "<%d>", pri);
	n += strftime(msg + n, sizeof(msg) - n, "%h %e %T ", &tm);
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "baro_bench[%d]: ",
			      (int)getpid());
	if (n < sizeof(msg))
		(void)vsnprintf(msg + n, sizeof(msg) - n, f, ap);
	(void)send(log_fds[1], msg, strnlen(msg, sizeof(msg)), MSG_NOSIGNAL);
}

BENCH_EXPORT void syslog(int pri, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsyslog(pri, f, ap);
	va_end(ap);
}

BENCH_EXPORT void __vsyslog_chk(int pri, int flag, const char *f, va_list ap)
{
	(void)flag;
	vsyslog(pri, f, ap);
}

BENCH_EXPORT void __syslog_chk(int pri, int flag, const char *f, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, f);
	vsyslog(pri, f, ap);
	va_end(ap);
}

/* What a login of the bench logs when all goes well. */
static bool unexpected_line(const char *line)
{
	static const char *const expected[] = {
		"code accepted", "authentication failed", "Invalid verification",
		"reuse a previously used", "Too many concurrent",
		"session opened", "Try to update", "matched at offset",
		"google_authenticator", "pam_oath", "Accepted", "Invalid",
	};
	size_t i;

	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (strstr(line, expected[i]) != NULL)
			return false;
	return true;
}

static void log_daemon(void)
{
	char buf[4096];
	ssize_t r;

	unsigned shown = 0;

	for (;;) {
		r = recv(log_fds[0], buf, sizeof(buf) - 1, 0);
		if (r > 0) {
			__atomic_add_fetch(log_lines, 1, __ATOMIC_RELAXED);
			buf[r] = '\0';
			/* A file or lock error is never expected here: shown,
			 * so that a failing run says why. */
			if (shown < 20 && unexpected_line(buf)) {
				shown++;
				fprintf(stderr, "log: %s\n", buf);
			}
		} else if (r == 0 || errno != EINTR) { /* 0: every writer gone */
			_exit(0);
		}
	}
}

/* SOCK_SEQPACKET: datagrams, and an end of file once every writer has
 * closed its end, which is how the daemon learns to stop. */
static pid_t start_log_daemon(void)
{
	pid_t pid;

	log_lines = mmap(NULL, sizeof(*log_lines), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (log_lines == MAP_FAILED ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, log_fds) != 0)
		die("log daemon");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(log_fds[1]);
		log_daemon();
	}
	close(log_fds[0]);
	return pid;
}

/* Lines the daemon received, once it has read them all. */
static unsigned long stop_log_daemon(pid_t pid)
{
	close(log_fds[1]);
	log_fds[1] = -1;
	if (waitpid(pid, NULL, 0) < 0)
		die("waitpid");
	return __atomic_load_n(log_lines, __ATOMIC_RELAXED);
}

/* --- codes ------------------------------------------------------------- */

static uint8_t key[20];
static size_t keylen;

static void code_at(int64_t counter, char out[16])
{
	uint32_t v = 0;

	if (!baro_hotp(BARO_SHA1, key, keylen, (uint64_t)counter, 6, &v))
		die("baro_hotp");
	fmt(out, 16, "%06u", v);
}

static int64_t cycle_now(void)
{
	return baro_totp_counter((int64_t)time(NULL), CYCLE);
}

/* The right code now, computed once per cycle. */
static const char *code_now(void)
{
	static int64_t cached = -1;
	static char code[16];
	int64_t c = cycle_now();

	if (c != cached) {
		code_at(c, code);
		cached = c;
	}
	return code;
}

/* A code valid nowhere within SKEW_SPAN cycles of now: wrong for every
 * window and for google-authenticator's skew search too (a hit there
 * would rewrite its file). Once per cycle. */
static const char *wrong_now(void)
{
	static int64_t cached = -1;
	static char code[16];
	char near[16];
	int64_t c = cycle_now(), i;
	unsigned cand = 0;

	if (c == cached)
		return code;
	for (;; cand += 7919) {
		fmt(code, sizeof(code), "%06u", cand % 1000000);
		for (i = c - SKEW_SPAN - 1; i <= c + SKEW_SPAN + 1; i++) {
			code_at(i, near);
			if (strcmp(near, code) == 0)
				break;
		}
		if (i > c + SKEW_SPAN + 1)
			break;
	}
	cached = c;
	return code;
}

/* --- the login --------------------------------------------------------- */

/* The responses belong to the module once returned: pam_oath never frees
 * them. Under LeakSanitizer (the ASan run of ctest) that leak is theirs,
 * so it is suppressed by this function's name, and only it. */
__attribute__((visibility("default"))) const char *
__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:bench_conv\n";
}

static int bench_conv(int n, const struct pam_message **msg,
		      struct pam_response **resp, void *data)
{
	const char *code = data;
	struct pam_response *out = calloc((size_t)n, sizeof(*out));
	int i;

	if (out == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		out[i].resp = strdup(code);
		if (out[i].resp == NULL) {
			while (i-- > 0)
				free(out[i].resp);
			free(out);
			return PAM_BUF_ERR;
		}
	}
	*resp = out;
	return PAM_SUCCESS;
}

/* Where a login's time went: loading the stack, the module's work,
 * unloading. */
struct phases {
	int64_t start, auth, end;
};

static int pam_login(const char *confdir, const char *service,
		     const char *user, const char *code, struct phases *ph)
{
	struct pam_conv c = { bench_conv, (void *)code };
	pam_handle_t *pamh = NULL;
	int64_t t0 = now_ns(), t1, t2;
	int rc;

	rc = pam_start_confdir(service, user, &c, confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return -1;
	(void)pam_set_item(pamh, PAM_RHOST, RHOST);
	t1 = now_ns();
	rc = pam_authenticate(pamh, 0);
	t2 = now_ns();
	pam_end(pamh, rc);
	if (ph != NULL) {
		ph->start += t1 - t0;
		ph->auth += t2 - t1;
		ph->end += now_ns() - t2;
	}
	return rc;
}

/* --- the bench and its cases ------------------------------------------- */

struct bench {
	char dir[PATH_MAX];
	char confdir[PATH_MAX];
	char conf[PATH_MAX]; /* an empty conf file: nothing from /etc leaks in */
	const char *module;      /* the installed build */
	const char *test_module; /* BARO_TEST_NOW sets its clock */
	unsigned logins, rounds, warmup, conc_logins;
	bool quick;
	int64_t state_cycle; /* the injected clock of the state path */
};

/* What the next login uses. */
struct plan {
	char service[64];
	char code[16];
};

struct bench_case;
typedef bool (*setup_fn)(struct bench *, struct bench_case *);
typedef void (*round_fn)(struct bench *, struct bench_case *, unsigned n);
typedef void (*next_fn)(struct bench *, struct bench_case *, unsigned i,
			struct plan *);
typedef int (*run_fn)(struct bench *, struct bench_case *,
		      const struct plan *);

struct bench_case {
	const char *name;
	const char *what;
	int expect;
	setup_fn setup;
	round_fn round; /* before every round, with its login count */
	next_fn next;
	run_fn run;     /* NULL: a PAM login */
	unsigned param;     /* window size, or 0 */
	const char *option; /* extra PAM argument, or "" */
	bool ga;            /* a google-authenticator case */
	const char *module, *test_module; /* --compare twins: build B */

	const char *skip; /* why the case did not run */
	char path[PATH_MAX];
	int dirfd;
	unsigned done;
	double wall[ROUNDS_MAX], cpu[ROUNDS_MAX];
	double start[ROUNDS_MAX], auth[ROUNDS_MAX], end[ROUNDS_MAX];
	unsigned bad;
	int bad_rc;
};

static const char *module_of(const struct bench *b, const struct bench_case *c)
{
	return c->module != NULL ? c->module : b->module;
}

static const char *test_module_of(const struct bench *b,
				  const struct bench_case *c)
{
	return c->test_module != NULL ? c->test_module : b->test_module;
}

static void service_file(const struct bench *b, const char *name,
			 const char *line)
{
	char path[PATH_MAX];

	fmt(path, sizeof(path), "%s/%s", b->confdir, name);
	write_file(path, line, 0644);
}

static void case_dir(const struct bench *b, const struct bench_case *c,
		     char *out, size_t n)
{
	fmt(out, n, "%s/%s", b->dir, c->name);
	make_dir(out);
}

/* "auth required MODULE nodelay conf=... secret=... encrypt=... EXTRA":
 * nodelay, because libpam's fail delay (2 s after every failure) would be
 * all a wrong code costs (google-authenticator and pam_oath set none). */
static void baro_service(const struct bench *b, const struct bench_case *c,
			 const char *module, bool encrypt, const char *extra)
{
	char line[3 * PATH_MAX];

	fmt(line, sizeof(line),
	    "auth required %s nodelay conf=%s secret=%s encrypt=%s %s\n", module,
	    b->conf, c->path, encrypt ? "yes" : "no", extra);
	service_file(b, c->name, line);
}

static void baro_secret(struct bench_case *c, const char *key_text,
			const char *extra)
{
	char text[1024];

	fmt(text, sizeof(text), "SECURE_KEY %s\nCYCLE_TIME %d\n%s", key_text,
	    CYCLE, extra);
	write_file(c->path, text, 0400);
}

static void next_permit(struct bench *b, struct bench_case *c, unsigned i,
			struct plan *p)
{
	(void)b;
	(void)i;
	fmt(p->service, sizeof(p->service), "%s", c->name);
	p->code[0] = '\0';
}

static void next_right(struct bench *b, struct bench_case *c, unsigned i,
		       struct plan *p)
{
	next_permit(b, c, i, p);
	fmt(p->code, sizeof(p->code), "%s", code_now());
}

static void next_wrong(struct bench *b, struct bench_case *c, unsigned i,
		       struct plan *p)
{
	next_permit(b, c, i, p);
	fmt(p->code, sizeof(p->code), "%s", wrong_now());
}

/* The test module's clock, one cycle further every login. */
static void next_state(struct bench *b, struct bench_case *c, unsigned i,
		       struct plan *p)
{
	char now[32];

	next_permit(b, c, i, p);
	b->state_cycle++;
	fmt(now, sizeof(now), "%lld", (long long)b->state_cycle * CYCLE);
	setenv("BARO_TEST_NOW", now, 1);
	code_at(b->state_cycle, p->code);
}

static bool setup_permit(struct bench *b, struct bench_case *c)
{
	service_file(b, c->name, "auth required pam_permit.so\n");
	return true;
}

/* The case's directory, its secret file and its service. */
static void baro_case(struct bench *b, struct bench_case *c,
		      const char *module, const char *key_text,
		      const char *state, bool encrypt, const char *extra)
{
	char dir[PATH_MAX], lines[256] = "";

	case_dir(b, c, dir, sizeof(dir));
	fmt(c->path, sizeof(c->path), "%s/.baro_auth", dir);
	if (c->param > 0)
		fmt(lines, sizeof(lines), "WINDOW_SIZE %u\n", c->param);
	fmt(lines + strlen(lines), sizeof(lines) - strlen(lines), "%s", state);
	baro_secret(c, key_text, lines);
	baro_service(b, c, module, encrypt, extra);
}

static bool setup_baro(struct bench *b, struct bench_case *c)
{
	baro_case(b, c, module_of(b, c), KEY_B32, "", false, "");
	return true;
}

static bool setup_state(struct bench *b, struct bench_case *c)
{
	baro_case(b, c, test_module_of(b, c), KEY_B32,
		  "RATE_LIMIT 3 30\nDISALLOW_REUSE\n", false, "");
	b->state_cycle = STATE_T0 / CYCLE;
	return true;
}

static bool setup_encrypt(struct bench *b, struct bench_case *c)
{
#ifdef BARO_BENCH_NO_SEAL
	(void)b;
	c->skip = "src/core/seal.c not in the core library";
	return false;
#else
	uint8_t hostkey[BARO_HOSTKEY_LEN];
	char text[BARO_HOSTKEY_TEXT_LEN + 1], sealed[BARO_SEALED_BUFSZ];
	char keyfile[PATH_MAX], extra[PATH_MAX + 16];

	fmt(keyfile, sizeof(keyfile), "%s/%s.key", b->dir, c->name);
	if (getrandom(hostkey, sizeof(hostkey), 0) != sizeof(hostkey) ||
	    !baro_hostkey_format(hostkey, text, sizeof(text)) ||
	    baro_seal(hostkey, USER, key, keylen, sealed, sizeof(sealed)) !=
		    BARO_SEAL_OK)
		die("sealing the key");
	write_file(keyfile, text, 0400);
	fmt(extra, sizeof(extra), "keyfile=%s", keyfile);
	baro_case(b, c, module_of(b, c), sealed, "", true, extra);
	return true;
#endif
}

/* 999 rules that do not match (a mix of users, @groups, addresses, CIDR
 * ranges of both families and services; none gets as far as a group
 * lookup), a comment every 50, the matching rule last. */
static void acl_rule(char *out, size_t n, unsigned i)
{
	if (i % 50 == 0) {
		size_t k;

		fmt(out, n, "# block %u\n", i / 50);
		k = strlen(out);
		out += k;
		n -= k;
	}
	switch (i % 4) {
	case 0:
		fmt(out, n, "skip    : app%04u svc%04u : 10.%u.%u.0/24 192.168.%u.%u : sshd\n",
		    i, i, i % 256, i / 256, i % 200, i % 250 + 1);
		break;
	case 1:
		fmt(out, n, "deny    : guest%04u @contract%04u : ALL : sshd su\n", i, i);
		break;
	case 2:
		fmt(out, n, "skip    : deploy%04u : 2001:db8:%x::/48 fe80::%x : ALL\n",
		    i, i, i + 1);
		break;
	default:
		fmt(out, n, "require : ops%04u : LOCAL 172.16.%u.0/20 : baro-acl\n",
		    i, (i % 16) * 16);
		break;
	}
}

static bool setup_acl(struct bench *b, struct bench_case *c)
{
	static char text[ACL_RULES * 128];
	char acl[PATH_MAX], extra[PATH_MAX + 8];
	size_t len = 0;
	unsigned i;

	for (i = 0; i + 1 < ACL_RULES; i++) {
		acl_rule(text + len, sizeof(text) - len, i);
		len += strlen(text + len);
	}
	fmt(text + len, sizeof(text) - len,
	    "require : ALL : 203.0.113.0/24 : ALL\n");
	fmt(acl, sizeof(acl), "%s/.baro_acl", b->dir);
	write_file(acl, text, 0444);
	fmt(extra, sizeof(extra), "acl=%s", acl);
	baro_case(b, c, module_of(b, c), KEY_B32, "", false, extra);
	return true;
}

/* --- google-authenticator and pam_oath ---------------------------------- */

static bool peer_present(struct bench_case *c, const char *module)
{
	if (access(module, R_OK) == 0)
		return true;
	c->skip = "module not installed";
	return false;
}

static void ga_file(const char *path, unsigned window, bool state)
{
	char text[256], win[32] = "";

	if (window > 0)
		fmt(win, sizeof(win), "\" WINDOW_SIZE %u\n", window);
	fmt(text, sizeof(text), "%s\n%s%s\" TOTP_AUTH\n", KEY_B32,
	    state ? "\" RATE_LIMIT 3 30\n\" DISALLOW_REUSE\n" : "", win);
	write_file(path, text, 0400);
}

static void ga_service(const struct bench *b, const char *name,
		       const char *path, const char *option)
{
	char line[2 * PATH_MAX];

	fmt(line, sizeof(line),
	    "auth required " GA_MODULE " secret=%s user=" USER " %s\n", path,
	    option);
	service_file(b, name, line);
}

static bool setup_ga(struct bench *b, struct bench_case *c)
{
	char dir[PATH_MAX];

	if (!peer_present(c, GA_MODULE))
		return false;
	case_dir(b, c, dir, sizeof(dir));
	fmt(c->path, sizeof(c->path), "%s/google_authenticator", dir);
	ga_file(c->path, c->param, false);
	ga_service(b, c->name, c->path, c->option);
	return true;
}

static void oath_file(const char *path)
{
	write_file(path, "HOTP/T30 " USER " - " KEY_HEX "\n", 0600);
}

/* pam_oath's window=N searches N cycles either side: WINDOW_SIZE 2N+1. */
static void oath_service(const struct bench *b, const char *name,
			 const char *path, unsigned window)
{
	char line[2 * PATH_MAX];

	fmt(line, sizeof(line),
	    "auth required " OATH_MODULE " usersfile=%s window=%u\n", path,
	    window);
	service_file(b, name, line);
}

static bool setup_oath(struct bench *b, struct bench_case *c)
{
	char dir[PATH_MAX];

	if (!peer_present(c, OATH_MODULE))
		return false;
	case_dir(b, c, dir, sizeof(dir));
	fmt(c->path, sizeof(c->path), "%s/users.oath", dir);
	oath_file(c->path);
	oath_service(b, c->name, c->path, (c->param - 1) / 2);
	return true;
}

/*
 * The peers' state paths. Their clocks cannot be injected, and a code
 * used once is refused afterwards, so every login needs a code still
 * unused in the real time's window: each round rewrites ceil(n/2) fresh
 * files (one service file each, set up before the round, not timed) and
 * spends two codes on each, taken from the clock when used: the cycle
 * now, then the cycle after now. The two differ even when a cycle ends in
 * between, both are inside a window of 3, and they come in the
 * increasing order pam_oath requires.
 */
static void peer_state_files(struct bench *b, struct bench_case *c,
			     unsigned n, bool setup)
{
	char name[64], path[PATH_MAX];
	unsigned k;

	for (k = 0; k < (n + 1) / 2; k++) {
		fmt(name, sizeof(name), "%s-%04u", c->name, k);
		fmt(path, sizeof(path), "%s/%04u", c->path, k);
		if (c->ga) {
			ga_file(path, 0, true);
			if (setup)
				ga_service(b, name, path, "");
		} else {
			oath_file(path);
			if (setup)
				oath_service(b, name, path, 1);
		}
	}
	sync_dir(c->path);
}

static void round_peer_state(struct bench *b, struct bench_case *c,
			     unsigned n)
{
	peer_state_files(b, c, n, false);
}

static bool setup_peer_state(struct bench *b, struct bench_case *c,
			     const char *module)
{
	unsigned most = b->logins > b->warmup ? b->logins : b->warmup;

	if (!peer_present(c, module))
		return false;
	case_dir(b, c, c->path, sizeof(c->path));
	peer_state_files(b, c, most, true);
	return true;
}

static bool setup_ga_state(struct bench *b, struct bench_case *c)
{
	return setup_peer_state(b, c, GA_MODULE);
}

static bool setup_oath_state(struct bench *b, struct bench_case *c)
{
	return setup_peer_state(b, c, OATH_MODULE);
}

static void next_peer_state(struct bench *b, struct bench_case *c,
			    unsigned i, struct plan *p)
{
	(void)b;
	fmt(p->service, sizeof(p->service), "%s-%04u", c->name, i / 2);
	code_at(cycle_now() + i % 2, p->code);
}

/* --- the durable-rewrite floor ------------------------------------------ */

static bool setup_floor(struct bench *b, struct bench_case *c)
{
	char dir[PATH_MAX];

	case_dir(b, c, dir, sizeof(dir));
	c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0)
		die("open %s", dir);
	return true;
}

/* The cheapest durable replacement of a file of the state file's size:
 * create the tmp, write, fsync, close, rename over, fsync the directory
 * (kept open: no path walk, no lock, no read, no parse). With param 1 the
 * directory is not synced: the durability google-authenticator and
 * pam_oath settle for (a crash may lose the rename, so the old state). */
static int run_floor(struct bench *b, struct bench_case *c,
		     const struct plan *p)
{
	static const char text[] =
		"SECURE_KEY " KEY_B32 "\nCYCLE_TIME 30\n"
		"RATE_LIMIT 3 30 1700000000\nDISALLOW_REUSE 56666666 56666667\n";
	int fd;

	(void)b;
	(void)p;
	fd = openat(c->dirfd, "f~",
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1 ||
	    fsync(fd) != 0 || close(fd) != 0 ||
	    renameat(c->dirfd, "f~", c->dirfd, "f") != 0 ||
	    (c->param == 0 && fsync(c->dirfd) != 0))
		die("durable rewrite");
	return PAM_SUCCESS;
}

/* The two floors of the state path as one unit: a pam_permit login,
 * then the durable rewrite. It costs more than the sum of the two
 * measured apart (the rewrite right after a login's dlopen/dlclose, as
 * in the module, pays for it), so it is the fairer floor. */
static int run_floor_login(struct bench *b, struct bench_case *c,
			   const struct plan *p)
{
	if (pam_login(b->confdir, PERMIT, USER, "", NULL) != PAM_SUCCESS)
		return PAM_SYSTEM_ERR;
	return run_floor(b, c, p);
}

/* What DESIGN.md §3, §6 and §7 make a read-only login do at the least, with
 * no libpam and no module to load: the user lookup, every directory of
 * the secret's path opened and checked from "/" (the core library's own
 * walk), the file opened without following links, checked and read, and
 * the one audit line of a success. No lock, no parse, no HMAC. */
static bool setup_floor_read(struct bench *b, struct bench_case *c)
{
	char dir[PATH_MAX];

	case_dir(b, c, dir, sizeof(dir));
	fmt(c->path, sizeof(c->path), "%s/.baro_auth", dir);
	baro_secret(c, KEY_B32, "");
	return true;
}

static int run_floor_read(struct bench *b, struct bench_case *c,
			  const struct plan *p)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096], base[256], data[512];
	const char *why = NULL;
	struct stat st;
	int dirfd = -1, fd = -1, rc = PAM_SYSTEM_ERR;

	(void)b;
	(void)p;
	if (getpwnam_r(USER, &pw, pwbuf, sizeof(pwbuf), &res) != 0 ||
	    res == NULL ||
	    baro_open_parent(c->path, &dirfd, base, sizeof(base), &why) !=
		    BARO_IO_OK)
		goto out;
	fd = openat(dirfd, base,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || read(fd, data, sizeof(data)) <= 0)
		goto out;
	syslog(LOG_AUTHPRIV | LOG_INFO,
	       "authentication key : session opened for user %s by (local ip=%s,Remote ip=%s)",
	       USER, "0.0.0.0", RHOST);
	rc = PAM_SUCCESS;
out:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

/* --- the table of cases ------------------------------------------------- */

enum case_id {
	C_PERMIT,
	C_RO,
	C_WRONG3,
	C_WRONG17,
	C_STATE,
	C_ENCRYPT,
	C_ACL,
	C_GA_RO,
	C_GA_WRONG3,
	C_GA_WRONG17,
	C_GA_WRONG3_NOSKEW,
	C_GA_WRONG17_NOSKEW,
	C_GA_STATE,
	C_OATH_WRONG3,
	C_OATH_WRONG17,
	C_OATH_STATE,
	C_FLOOR,
	C_FLOOR_NODIR,
	C_FLOOR_LOGIN,
	C_FLOOR_READ,
	C_COUNT
};

#define PAM_CASE(id_, name_, what_, expect_, setup_, next_, param_) \
	[id_] = { .name = name_, .what = what_, .expect = expect_, \
		  .setup = setup_, .next = next_, .param = param_, .option = "" }

#define TWINS 6 /* --compare: the pam_baro_auth cases again, with build B */

static struct bench_case cases[C_COUNT + TWINS] = {
	PAM_CASE(C_PERMIT, PERMIT, "pam_permit (the floor)", PAM_SUCCESS,
		 setup_permit, next_permit, 0),
	PAM_CASE(C_RO, "baro-ro", "baro read-only, right code", PAM_SUCCESS,
		 setup_baro, next_right, 0),
	PAM_CASE(C_WRONG3, "baro-wrong3", "baro wrong code, WINDOW_SIZE 3",
		 PAM_AUTH_ERR, setup_baro, next_wrong, 3),
	PAM_CASE(C_WRONG17, "baro-wrong17", "baro wrong code, WINDOW_SIZE 17",
		 PAM_AUTH_ERR, setup_baro, next_wrong, 17),
	PAM_CASE(C_STATE, "baro-state", "baro state: RATE_LIMIT+DISALLOW_REUSE",
		 PAM_SUCCESS, setup_state, next_state, 0),
	PAM_CASE(C_ENCRYPT, "baro-encrypt", "baro encrypt=yes, right code",
		 PAM_SUCCESS, setup_encrypt, next_right, 0),
	PAM_CASE(C_ACL, "baro-acl", "baro acl= 1000 rules, match last",
		 PAM_SUCCESS, setup_acl, next_right, 0),
	PAM_CASE(C_GA_RO, "ga-ro", "google-auth read-only, right code",
		 PAM_SUCCESS, setup_ga, next_right, 0),
	PAM_CASE(C_GA_WRONG3, "ga-wrong3", "google-auth wrong, WINDOW_SIZE 3",
		 PAM_AUTH_ERR, setup_ga, next_wrong, 3),
	PAM_CASE(C_GA_WRONG17, "ga-wrong17", "google-auth wrong, WINDOW_SIZE 17",
		 PAM_AUTH_ERR, setup_ga, next_wrong, 17),
	[C_GA_WRONG3_NOSKEW] = { .name = "ga-wrong3-noskew",
		.what = "google-auth wrong, 3, noskewadj",
		.expect = PAM_AUTH_ERR, .setup = setup_ga, .next = next_wrong,
		.param = 3, .option = "noskewadj" },
	[C_GA_WRONG17_NOSKEW] = { .name = "ga-wrong17-noskew",
		.what = "google-auth wrong, 17, noskewadj",
		.expect = PAM_AUTH_ERR, .setup = setup_ga, .next = next_wrong,
		.param = 17, .option = "noskewadj" },
	[C_GA_STATE] = { .name = "ga-state",
		.what = "google-auth state: RATE_LIMIT+DISALLOW",
		.expect = PAM_SUCCESS, .setup = setup_ga_state,
		.round = round_peer_state, .next = next_peer_state, .ga = true },
	PAM_CASE(C_OATH_WRONG3, "oath-wrong3", "pam_oath wrong, window=1 (3)",
		 PAM_AUTH_ERR, setup_oath, next_wrong, 3),
	PAM_CASE(C_OATH_WRONG17, "oath-wrong17", "pam_oath wrong, window=8 (17)",
		 PAM_AUTH_ERR, setup_oath, next_wrong, 17),
	[C_OATH_STATE] = { .name = "oath-state",
		.what = "pam_oath state: every success rewrites",
		.expect = PAM_SUCCESS, .setup = setup_oath_state,
		.round = round_peer_state, .next = next_peer_state },
	[C_FLOOR] = { .name = "floor-rewrite",
		.what = "durable rewrite alone (no PAM)",
		.expect = PAM_SUCCESS, .setup = setup_floor, .next = next_permit,
		.run = run_floor },
	[C_FLOOR_NODIR] = { .name = "floor-rewrite-1",
		.what = "the same without the directory fsync",
		.expect = PAM_SUCCESS, .setup = setup_floor, .next = next_permit,
		.run = run_floor, .param = 1 },
	[C_FLOOR_LOGIN] = { .name = "floor-login+rewrite",
		.what = "pam_permit login, then the rewrite",
		.expect = PAM_SUCCESS, .setup = setup_floor, .next = next_permit,
		.run = run_floor_login },
	[C_FLOOR_READ] = { .name = "floor-read",
		.what = "mandatory read-only I/O alone (no PAM)",
		.expect = PAM_SUCCESS, .setup = setup_floor_read,
		.next = next_permit, .run = run_floor_read },
};
static unsigned n_cases = C_COUNT;

/* --- running the rounds ------------------------------------------------- */

static int run_one(struct bench *b, struct bench_case *c,
		   const struct plan *p, struct phases *ph)
{
	if (c->run != NULL)
		return c->run(b, c, p);
	return pam_login(b->confdir, p->service, USER, p->code, ph);
}

/* A round's tally of one case. */
struct tally {
	struct phases ph;
	int64_t wall, cpu;
};

/* Logins first .. first+n-1 of the round; the wall time of each is taken
 * from pam_start to pam_end. */
static void run_chunk(struct bench *b, struct bench_case *c, unsigned first,
		      unsigned n, struct tally *t)
{
	struct plan p;
	int64_t t0, cpu0 = cpu_ns();
	unsigned i;
	int rc;

	for (i = first; i < first + n; i++) {
		c->next(b, c, i, &p);
		t0 = now_ns();
		rc = run_one(b, c, &p, &t->ph);
		t->wall += now_ns() - t0;
		if (rc != c->expect) {
			c->bad++;
			c->bad_rc = rc;
		}
	}
	t->cpu += cpu_ns() - cpu0;
}

static void keep_round(struct bench_case *c, const struct tally *t,
		       unsigned n, unsigned round)
{
	c->wall[round] = (double)t->wall / n;
	c->cpu[round] = (double)t->cpu / n;
	c->start[round] = (double)t->ph.start / n;
	c->auth[round] = (double)t->ph.auth / n;
	c->end[round] = (double)t->ph.end / n;
	c->done++;
}

/*
 * One round: every case's n logins, interleaved CHUNK at a time, so that
 * each case is measured across the whole round and a burst of load on
 * the machine (the disk above all: fsync times vary several-fold when
 * something else writes) falls on every case alike.
 */
#define CHUNK 50

static void run_round(struct bench *b, unsigned n, int round)
{
	static struct tally t[C_COUNT + TWINS];
	unsigned first, k;

	memset(t, 0, sizeof(t));
	for (k = 0; k < n_cases; k++)
		if (cases[k].skip == NULL && cases[k].round != NULL)
			cases[k].round(b, &cases[k], n);
	for (first = 0; first < n; first += CHUNK)
		for (k = 0; k < n_cases; k++)
			if (cases[k].skip == NULL)
				run_chunk(b, &cases[k], first,
					  n - first < CHUNK ? n - first : CHUNK,
					  &t[k]);
	for (k = 0; round >= 0 && k < n_cases; k++)
		if (cases[k].skip == NULL)
			keep_round(&cases[k], &t[k], n, (unsigned)round);
}

static void run_cases(struct bench *b)
{
	struct bench_case *c;
	int r;

	for (c = cases; c < cases + n_cases; c++) {
		c->dirfd = -1;
		if (c->skip == NULL && !c->setup(b, c))
			fprintf(stderr, "skipped %s: %s\n", c->name, c->skip);
	}
	for (r = b->warmup > 0 ? -1 : 0; r < (int)b->rounds; r++) {
		fprintf(stderr, "%s %d/%u ...\n", r < 0 ? "warm-up" : "round",
			r + 1, b->rounds);
		run_round(b, r < 0 ? b->warmup : b->logins, r);
	}
}

static double case_median(const struct bench_case *c)
{
	return c->skip == NULL && c->done > 0 ? median(c->wall, c->done) : 0;
}

static void print_case(const struct bench_case *c, double permit)
{
	double m = case_median(c), lo = c->wall[0], hi = c->wall[0];
	unsigned r;

	for (r = 1; r < c->done; r++) {
		lo = c->wall[r] < lo ? c->wall[r] : lo;
		hi = c->wall[r] > hi ? c->wall[r] : hi;
	}
	printf("| %-19s | %-39s | %8.1f | %7.1f-%-7.1f | %6.2f | ", c->name,
	       c->what, m / 1e3, lo / 1e3, hi / 1e3, m / permit);
	if (c->run == NULL)
		printf("%6.1f / %6.1f / %5.1f", median(c->start, c->done) / 1e3,
		       median(c->auth, c->done) / 1e3,
		       median(c->end, c->done) / 1e3);
	else
		printf("%-24s", "(no PAM)");
	printf(" | %7.1f | %u", median(c->cpu, c->done) / 1e3, c->bad);
	if (c->bad > 0)
		printf(" (rc %d)", c->bad_rc);
	printf(" |\n");
}

static void print_cases(const struct bench *b)
{
	double permit = case_median(&cases[C_PERMIT]);
	const struct bench_case *c;

	printf("\nPer login: pam_start_confdir -> pam_authenticate -> pam_end, "
	       "%u logins x %u rounds; us = microseconds, median of the rounds\n\n",
	       b->logins, b->rounds);
	printf("| case | what | us/login | rounds min-max | x permit | start / auth / end us | cpu us | wrong rc |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---|\n");
	for (c = cases; c < cases + n_cases; c++) {
		if (c->skip != NULL)
			printf("| %-19s | %-39s | skipped: %s |\n", c->name,
			       c->what, c->skip);
		else if (c->done > 0 && permit > 0)
			print_case(c, permit);
	}
}

static bool ran(int id);

/* --- concurrency ------------------------------------------------------- */

struct conc_shared {
	pthread_barrier_t start, step;
	int64_t begin[MAX_PROCS], end[MAX_PROCS];
	unsigned ok[MAX_PROCS], fail[MAX_PROCS];
	unsigned other[MAX_PROCS]; /* neither success nor PAM_AUTH_ERR */
	int last_rc[MAX_PROCS], other_rc[MAX_PROCS];
	int64_t lat[]; /* procs * logins */
};

struct conc_run {
	unsigned procs;
	bool one_user;
	unsigned logins;  /* per process */
	bool lockstep;    /* every process tries the same cycle, step by step */
	const char *users[MAX_PROCS];
	int64_t base;     /* first cycle */
};

static struct conc_shared *conc_map(size_t nlat)
{
	size_t size = sizeof(struct conc_shared) + nlat * sizeof(int64_t);
	struct conc_shared *s = mmap(NULL, size, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		die("mmap");
	memset(s, 0, size);
	return s;
}

static void barrier_init(pthread_barrier_t *b, unsigned n)
{
	pthread_barrierattr_t a;

	if (pthread_barrierattr_init(&a) != 0 ||
	    pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_barrier_init(b, &a, n) != 0)
		die("barrier");
	pthread_barrierattr_destroy(&a);
}

/* The cycle of process p's i-th login: unique over all processes. */
static int64_t conc_cycle(const struct conc_run *r, unsigned p, unsigned i)
{
	if (r->lockstep)
		return r->base + i;
	if (r->one_user)
		return r->base + (int64_t)i * r->procs + p;
	return r->base + i;
}

static void conc_child(const struct bench *b, const struct conc_run *r,
		       struct conc_shared *s, unsigned p)
{
	const char *user = r->one_user ? USER : r->users[p];
	char now[32], code[16];
	int64_t cyc, t0;
	unsigned i;
	int rc;

	pthread_barrier_wait(&s->start);
	s->begin[p] = now_ns();
	for (i = 0; i < r->logins; i++) {
		cyc = conc_cycle(r, p, i);
		fmt(now, sizeof(now), "%lld", (long long)cyc * CYCLE);
		setenv("BARO_TEST_NOW", now, 1);
		code_at(cyc, code);
		if (r->lockstep)
			pthread_barrier_wait(&s->step);
		t0 = now_ns();
		rc = pam_login(b->confdir, "conc", user, code, NULL);
		s->lat[p * r->logins + i] = now_ns() - t0;
		if (rc == PAM_SUCCESS)
			s->ok[p]++;
		else
			s->fail[p]++;
		if (rc != PAM_SUCCESS && rc != PAM_AUTH_ERR) {
			s->other[p]++;
			s->other_rc[p] = rc;
		}
		s->last_rc[p] = rc;
	}
	s->end[p] = now_ns();
	_exit(0);
}

static void conc_path(const struct bench *b, const char *user, char *out,
		      size_t n)
{
	fmt(out, n, "%s/conc/%s/.baro_auth", b->dir, user);
}

static void conc_files(const struct bench *b, const struct conc_run *r,
		       const char *state)
{
	char path[PATH_MAX], dir[PATH_MAX], text[512];
	unsigned p;

	for (p = 0; p < (r->one_user ? 1 : r->procs); p++) {
		const char *user = r->one_user ? USER : r->users[p];

		fmt(dir, sizeof(dir), "%s/conc/%s", b->dir, user);
		make_dir(dir);
		conc_path(b, user, path, sizeof(path));
		fmt(text, sizeof(text), "SECURE_KEY %s\nCYCLE_TIME %d\n%s",
		    KEY_B32, CYCLE, state);
		write_file(path, text, 0400);
	}
	fmt(dir, sizeof(dir), "%s/conc", b->dir);
	sync_dir(dir);
}

static void conc_fork(const struct bench *b, const struct conc_run *r,
		      struct conc_shared *s)
{
	pid_t pids[MAX_PROCS];
	unsigned p;
	int status;

	barrier_init(&s->start, r->procs);
	barrier_init(&s->step, r->procs);
	fflush(NULL);
	for (p = 0; p < r->procs; p++) {
		pids[p] = fork();
		if (pids[p] < 0)
			die("fork");
		if (pids[p] == 0)
			conc_child(b, r, s, p);
	}
	for (p = 0; p < r->procs; p++)
		if (waitpid(pids[p], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			die("a login process failed");
	pthread_barrier_destroy(&s->start);
	pthread_barrier_destroy(&s->step);
}

static bool parse_state(const char *path, struct baro_secret *sec)
{
	char *text = read_file(path);

	return baro_secret_parse(text, strlen(text), sec) == BARO_PARSE_OK;
}

static unsigned total(const unsigned *v, unsigned n)
{
	unsigned t = 0, i;

	for (i = 0; i < n; i++)
		t += v[i];
	return t;
}

/* Throughput and latency: every login has a cycle of its own, so every
 * one must succeed; the files must parse afterwards and, where one
 * process owns a file, hold exactly the state of its last login. */
static bool conc_throughput(const struct bench *b, struct conc_run *r)
{
	static struct baro_secret sec;
	size_t n = (size_t)r->procs * r->logins;
	struct conc_shared *s = conc_map(n);
	int64_t first = INT64_MAX, last = 0, lastc;
	char path[PATH_MAX];
	unsigned p, ok;
	bool exact = true;

	r->lockstep = false;
	r->base = STATE_T0 / CYCLE + 10000000;
	conc_files(b, r, "RATE_LIMIT 3 30\nDISALLOW_REUSE\n");
	conc_fork(b, r, s);
	for (p = 0; p < r->procs; p++) {
		first = s->begin[p] < first ? s->begin[p] : first;
		last = s->end[p] > last ? s->end[p] : last;
	}
	ok = total(s->ok, r->procs);
	for (p = 0; p < (r->one_user ? 1 : r->procs); p++) {
		conc_path(b, r->one_user ? USER : r->users[p], path, sizeof(path));
		lastc = conc_cycle(r, p, r->logins - 1);
		if (!parse_state(path, &sec))
			exact = false;
		else if (!r->one_user &&
			 (sec.n_rate_ts != 1 || sec.rate_ts[0] != lastc * CYCLE ||
			  sec.n_used != 2 || sec.used[0] != lastc - 1 ||
			  sec.used[1] != lastc))
			exact = false;
	}
	qsort(s->lat, n, sizeof(int64_t), cmp_i64);
	printf("| %u | %-9s | %5u | %9.0f | %10.0f | %10.0f | %5u/%-5zu | %-6s |\n",
	       r->procs, r->one_user ? "one user" : "own users", r->logins,
	       (double)n * 1e9 / (double)(last - first),
	       (double)s->lat[n / 2] / 1000.0,
	       (double)s->lat[(n * 99 + 99) / 100 - 1] / 1000.0, ok, n,
	       !exact ? "BAD" : r->one_user ? "parses" : "exact");
	munmap(s, sizeof(*s) + n * sizeof(int64_t));
	return ok == n && exact;
}

/* Exact accounting under RATE_LIMIT 100 3600 (nothing pruned, nothing
 * refused): one user, all processes try each cycle's code together, so
 * exactly one success per cycle and one timestamp per attempt; own
 * users, one success and one timestamp per login. */
static bool conc_accounting(const struct bench *b, struct conc_run *r)
{
	static struct baro_secret sec;
	unsigned per = r->one_user ? ACCT_MAX / r->procs : ACCT_MAX;
	size_t n;
	struct conc_shared *s;
	char path[PATH_MAX];
	unsigned p, ok, want_ok, ts = 0, want_ts;
	bool good = true;

	if (b->quick)
		per = r->one_user ? 24 / r->procs : 24;
	n = (size_t)r->procs * per;
	s = conc_map(n);
	r->logins = per;
	r->lockstep = r->one_user;
	r->base = STATE_T0 / CYCLE + 20000000;
	conc_files(b, r, "RATE_LIMIT 100 3600\nDISALLOW_REUSE\n");
	conc_fork(b, r, s);
	ok = total(s->ok, r->procs);
	want_ok = r->one_user ? per : (unsigned)n;
	want_ts = (unsigned)n;
	for (p = 0; p < (r->one_user ? 1 : r->procs); p++) {
		conc_path(b, r->one_user ? USER : r->users[p], path, sizeof(path));
		if (!parse_state(path, &sec))
			good = false;
		ts += (unsigned)sec.n_rate_ts;
		if (!r->one_user && (s->ok[p] != per || sec.n_rate_ts != per))
			good = false;
	}
	good = good && ok == want_ok && ts == want_ts;
	for (p = 0; p < r->procs; p++)
		if (s->other[p] > 0) {
			fprintf(stderr, "process %u: %u logins returned %d (%s)\n",
				p, s->other[p], s->other_rc[p],
				pam_strerror(NULL, s->other_rc[p]));
			good = false;
		}
	printf("| %u | %-9s | %4u attempts | successes %4u (want %4u) | RATE_LIMIT timestamps %4u (want %4u) | %s |\n",
	       r->procs, r->one_user ? "one user" : "own users",
	       (unsigned)n, ok, want_ok, ts, want_ts,
	       good ? "exact" : "LOST UPDATE");
	munmap(s, sizeof(*s) + n * sizeof(int64_t));
	return good;
}

/* Users that exist here, for "different users". */
static unsigned pick_users(const char **users, unsigned want)
{
	struct passwd *pw;
	unsigned n = 0;

	setpwent();
	while (n < want && (pw = getpwent()) != NULL)
		if (baro_user_name_ok(pw->pw_name) && strlen(pw->pw_name) < 32)
			users[n++] = strdup(pw->pw_name);
	endpwent();
	return n;
}

static bool run_concurrency(struct bench *b)
{
	static const unsigned procs[] = { 2, 4, 8 };
	struct conc_run r = { 0 };
	char line[2 * PATH_MAX], dir[PATH_MAX];
	unsigned i, mode, have;
	bool good = true;

	have = pick_users(r.users, MAX_PROCS);
	fmt(dir, sizeof(dir), "%s/conc", b->dir);
	make_dir(dir);
	fmt(line, sizeof(line),
	    "auth required %s nodelay conf=%s secret=%s/conc/${USER}/.baro_auth encrypt=no\n",
	    b->test_module, b->conf, b->dir);
	service_file(b, "conc", line);
	printf("\nConcurrency: the state path (test module, RATE_LIMIT 3 30 + DISALLOW_REUSE), processes logging in at once\n");
	if (ran(C_STATE))
		printf("(one process alone: %.0f logins/s, the baro-state median)\n",
		       1e9 / case_median(&cases[C_STATE]));
	printf("\n| procs | users | logins/proc | logins/s | p50 us | p99 us | successes | file afterwards |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|---|\n");
	for (mode = 0; mode < 2; mode++)
		for (i = 0; i < BARO_ARRAY_SIZE(procs); i++) {
			r.procs = procs[i];
			r.one_user = mode == 0;
			r.logins = b->conc_logins;
			if (!r.one_user && have < r.procs)
				continue;
			good = conc_throughput(b, &r) && good;
		}
	printf("\nAccounting (RATE_LIMIT 100 3600 + DISALLOW_REUSE; one user: all processes try each cycle together)\n\n");
	printf("| procs | users | attempts | successes | timestamps | verdict |\n");
	printf("|---:|---|---|---|---|---|\n");
	for (mode = 0; mode < 2; mode++)
		for (i = 0; i < BARO_ARRAY_SIZE(procs); i++) {
			r.procs = procs[i];
			r.one_user = mode == 0;
			if (!r.one_user && have < r.procs)
				continue;
			good = conc_accounting(b, &r) && good;
		}
	for (i = 0; i < have; i++)
		free((char *)r.users[i]);
	return good;
}

/* --- verdicts ------------------------------------------------------------ */

static bool ran(int id)
{
	return cases[id].skip == NULL && cases[id].done > 0;
}

static void verdict(const char *what, bool have, bool ok,
		    const char *measured)
{
	printf("| %-50s | %-44s | %-4s |\n", what,
	       have ? measured : "a case did not run", !have ? "n/a"
							  : ok ? "met" : "MISS");
}

/* The ratio of two cases round by round (each round times both under
 * the same load), its median and range over the rounds. */
struct ratio {
	double median, lo, hi;
};

static bool round_ratio(const struct bench_case *a, const struct bench_case *b,
			struct ratio *out)
{
	double r[ROUNDS_MAX];
	unsigned i, n = a->done < b->done ? a->done : b->done;

	if (a->skip != NULL || b->skip != NULL || n == 0)
		return false;
	for (i = 0; i < n; i++) {
		r[i] = b->wall[i] > 0 ? a->wall[i] / b->wall[i] : 0;
		out->lo = i == 0 || r[i] < out->lo ? r[i] : out->lo;
		out->hi = i == 0 || r[i] > out->hi ? r[i] : out->hi;
	}
	out->median = median(r, n);
	return true;
}

/* what: case id at most limit times case ref (median of the rounds). */
static void ratio_target(const char *what, enum case_id id,
			 enum case_id ref, double limit)
{
	struct ratio q = { 0, 0, 0 };
	bool have = round_ratio(&cases[id], &cases[ref], &q);
	char text[96];

	fmt(text, sizeof(text), "%.2fx %s (rounds %.2f-%.2f; limit %.2fx)",
	    q.median, cases[ref].name, q.lo, q.hi, limit);
	verdict(what, have, q.median <= limit, text);
}

static void print_targets(void)
{
	printf("\nTargets (ratios: median over the rounds of the round's ratio)\n\n");
	printf("| %-50s | %-44s | %-4s |\n", "target", "measured", "");
	printf("|---|---|---|\n");
	ratio_target("right code, no state <= 1.0x google-auth read-only",
		     C_RO, C_GA_RO, 1.0);
	ratio_target("wrong code, WINDOW_SIZE 3 <= 1.3x pam_permit", C_WRONG3,
		     C_PERMIT, 1.3);
	ratio_target("wrong code, WINDOW_SIZE 17 <= 1.3x pam_permit",
		     C_WRONG17, C_PERMIT, 1.3);
	ratio_target("state path <= 1.1x durable-rewrite floor", C_STATE,
		     C_FLOOR_LOGIN, 1.1);
	ratio_target("state path < pam_oath's state path", C_STATE,
		     C_OATH_STATE, 0.9999);
	ratio_target("(state path against google-auth's, no fsync)", C_STATE,
		     C_GA_STATE, 1.0);
}

/* store=file loads nothing it does not use: after every case ran, the
 * fleet store's libpq is not mapped in this process. */
static bool libpq_mapped(void)
{
	char line[PATH_MAX + 128];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		die("/proc/self/maps");
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "/libpq.so") != NULL;
	fclose(f);
	return found;
}

static bool functional_ok(void)
{
	const struct bench_case *c;
	bool ok = true;

	for (c = cases; c < cases + n_cases; c++)
		if (c->skip == NULL && c->bad > 0) {
			fprintf(stderr, "%s: %u logins returned %d, not %d\n",
				c->name, c->bad, c->bad_rc, c->expect);
			ok = false;
		}
	return ok;
}

/* --- main ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: baro_bench --module PATH --test-module PATH [--quick]\n"
		"                  [--logins N] [--rounds N] [--conc-logins N]\n"
		"                  [--no-concurrency] [--keep] [--real-syslog]\n"
		"                  [--only CASE,CASE...] [--compare BUILD_B/src]\n");
	exit(2);
}

static unsigned number(const char *s, unsigned long max)
{
	unsigned long v;

	if (!baro_parse_ulong(s, 1, max, &v))
		usage();
	return (unsigned)v;
}

/* --compare DIR: each pam_baro_auth case again with the modules of
 * another build (DIR/pam_baro_auth.so, DIR/pam_baro_auth_test.so), in the
 * same rounds, so that a change is measured against the same noise. The
 * twins are named CASE@b (libpam lower-cases service names). */
static void add_twins(const char *dir)
{
	static const enum case_id ids[TWINS] = {
		C_RO, C_WRONG3, C_WRONG17, C_STATE, C_ENCRYPT, C_ACL,
	};
	static char names[TWINS][32], module[PATH_MAX], test_module[PATH_MAX];
	static char abs[PATH_MAX];
	struct bench_case *t;
	unsigned i;

	dir = realpath(dir, abs);
	if (dir == NULL)
		die("--compare");
	fmt(module, sizeof(module), "%s/pam_baro_auth.so", dir);
	fmt(test_module, sizeof(test_module), "%s/pam_baro_auth_test.so", dir);
	if (access(module, R_OK) != 0 || access(test_module, R_OK) != 0)
		die("--compare %s: no pam_baro_auth.so and pam_baro_auth_test.so",
		    dir);
	for (i = 0; i < TWINS; i++) {
		t = &cases[n_cases++];
		*t = cases[ids[i]];
		fmt(names[i], sizeof(names[i]), "%s@b", t->name);
		t->name = names[i];
		t->module = module;
		t->test_module = test_module;
	}
}

static void print_twin(const struct bench_case *a, const struct bench_case *b)
{
	struct ratio q = { 0, 0, 0 };

	(void)round_ratio(b, a, &q);
	printf("| %s | %.1f | %.1f | %.3f | %.3f-%.3f |\n", a->name,
	       case_median(a) / 1e3, case_median(b) / 1e3, q.median, q.lo,
	       q.hi);
}

static void print_compare(void)
{
	unsigned k, i;

	printf("\n--compare: build B against build A, same rounds\n\n");
	printf("| case | A us/login | B us/login | B/A (median of rounds) | B/A range |\n|---|---:|---:|---:|---:|\n");
	for (k = C_COUNT; k < n_cases; k++)
		for (i = 0; i < C_COUNT; i++)
			if (strncmp(cases[k].name, cases[i].name,
				    strlen(cases[i].name)) == 0 &&
			    strcmp(cases[k].name + strlen(cases[i].name), "@b") == 0 &&
			    ran((int)i) && ran((int)k))
				print_twin(&cases[i], &cases[k]);
}

/* --only: the other cases are skipped (pam_permit always runs). */
static void select_cases(const char *list)
{
	struct bench_case *c;
	const char *p;
	size_t n;

	for (c = cases + 1; c < cases + C_COUNT; c++) {
		n = strlen(c->name);
		for (p = strstr(list, c->name); p != NULL;
		     p = strstr(p + 1, c->name))
			if ((p == list || p[-1] == ',') &&
			    (p[n] == ',' || p[n] == '\0'))
				break;
		if (p == NULL)
			c->skip = "not selected (--only)";
	}
}

static void setup_dir(struct bench *b)
{
	fmt(b->dir, sizeof(b->dir), "/tmp/baro-bench.XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		die("mkdtemp");
	fmt(b->confdir, sizeof(b->confdir), "%s/pam.d", b->dir);
	make_dir(b->confdir);
	chmod(b->confdir, 0755);
	fmt(b->conf, sizeof(b->conf), "%s/none.conf", b->dir);
	write_file(b->conf, "", 0644);
	/* libpam reads "other" at every pam_start: missing, it logs a
	 * complaint each time; with modules in it, it loads them each time.
	 * Empty, it costs one read, in every case alike. */
	service_file(b, "other", "# no fallback stack\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "test-module", required_argument, NULL, 't' },
		{ "quick", no_argument, NULL, 'q' },
		{ "logins", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "conc-logins", required_argument, NULL, 'c' },
		{ "no-concurrency", no_argument, NULL, 'C' },
		{ "keep", no_argument, NULL, 'k' },
		{ "real-syslog", no_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ "compare", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .logins = 2000, .rounds = 5, .warmup = 200,
			   .conc_logins = 250 };
	bool conc = true, keep = false, good, pq;
	const char *only = NULL, *compare = NULL;
	static char module_abs[PATH_MAX], test_module_abs[PATH_MAX];
	pid_t logger = -1;
	char cmd[PATH_MAX + 16];
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'm': b.module = optarg; break;
		case 't': b.test_module = optarg; break;
		case 'q': b.quick = true; break;
		case 'n': b.logins = number(optarg, 1000000); break;
		case 'r': b.rounds = number(optarg, ROUNDS_MAX); break;
		case 'c': b.conc_logins = number(optarg, 100000); break;
		case 'C': conc = false; break;
		case 'k': keep = true; break;
		case 's': real_syslog = true; break;
		case 'o': only = optarg; break;
		case 'B': compare = optarg; break;
		default: usage();
		}
	}
	if (b.module == NULL || b.test_module == NULL || optind != argc)
		usage();
	/* libpam reads a relative module path as one in its own directory. */
	b.module = realpath(b.module, module_abs);
	b.test_module = realpath(b.test_module, test_module_abs);
	if (b.module == NULL || b.test_module == NULL)
		die("--module, --test-module");
	if (geteuid() != 0) {
		fprintf(stderr, "baro_bench: needs root (root-owned secret files)\n");
		return 77;
	}
	if (b.quick) {
		b.logins = 20;
		b.rounds = 1;
		b.warmup = 0;
		b.conc_logins = 10;
	}
	if (!baro_base32_decode(KEY_B32, key, sizeof(key), &keylen))
		die("key");
	if (!real_syslog)
		logger = start_log_daemon();
	setup_dir(&b);
	if (only != NULL)
		select_cases(only);
	if (compare != NULL)
		add_twins(compare);
	run_cases(&b);
	print_cases(&b);
	if (compare != NULL)
		print_compare();
	good = functional_ok();
	pq = libpq_mapped();
	printf("\nlibpq mapped after every case (store=file): %s\n",
	       pq ? "YES" : "no");
	good = good && !pq;
	if (conc)
		good = run_concurrency(&b) && good;
	if (!b.quick)
		print_targets();
	if (!keep) {
		fmt(cmd, sizeof(cmd), "rm -rf '%s'", b.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b.dir);
	} else {
		fprintf(stderr, "kept %s\n", b.dir);
	}
	if (logger > 0)
		printf("\nlog lines received by the syslog stand-in: %lu\n",
		       stop_log_daemon(logger));
	printf("\n%s\n", good ? "functional checks: all passed"
			      : "functional checks: FAILED");
	return good ? 0 : 1;
}
