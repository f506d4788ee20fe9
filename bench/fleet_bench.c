/* SPDX-License-Identifier: BSD-3-Clause */
/* The fleet store's cost (bench/fleet.sh): logins through libpam
 * (pam_start_confdir) against a service, one after another for the
 * latency, then W worker processes at once for the throughput.
 *
 *   fleet_bench latency CONFDIR SERVICE USER CODE N
 *       N logins; prints "median_ms p95_ms max_ms failures"
 *   fleet_bench throughput CONFDIR_A CONFDIR_B SERVICE CODE SECONDS USER...
 *       one worker per USER, alternating hosts A and B, each logging in
 *       for SECONDS; prints "logins logins_per_s median_ms p95_ms failures"
 *
 * Every login must succeed (CODE is right for every USER); a failure is
 * counted and reported, never hidden. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_SAMPLES 200000 /* latency run */
#define MAX_WORKERS 16
#define WORKER_SAMPLES 65536

/* The module's log lines are not what is measured. */
__attribute__((visibility("default"))) void syslog(int pri, const char *fmt,
						   ...);
__attribute__((visibility("default"))) void syslog(int pri, const char *fmt,
						   ...)
{
	(void)pri;
	(void)fmt;
}
__attribute__((visibility("default"))) void vsyslog(int pri, const char *fmt,
						    va_list ap);
__attribute__((visibility("default"))) void vsyslog(int pri, const char *fmt,
						    va_list ap)
{
	(void)pri;
	(void)fmt;
	(void)ap;
}
__attribute__((visibility("default"))) void __syslog_chk(int pri, int flag,
							const char *fmt, ...);
__attribute__((visibility("default"))) void __syslog_chk(int pri, int flag,
							const char *fmt, ...)
{
	(void)pri;
	(void)flag;
	(void)fmt;
}

static const char *answer;

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			r[i].resp = strdup(answer);
	*resp = r;
	return PAM_SUCCESS;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One login; its time in ms, negative when it failed. */
static double login(const char *confdir, const char *service,
		    const char *user)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	double t0 = now_ms();
	int rc;

	if (pam_start_confdir(service, user, &c, confdir, &pamh) != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? now_ms() - t0 : -1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

static int run_latency(char **argv)
{
	size_t n = strtoul(argv[6], NULL, 10), ok = 0, fail = 0, i;
	double *v = calloc(n, sizeof(*v)), t;

	if (v == NULL || n == 0 || n > MAX_SAMPLES)
		return 2;
	answer = argv[5];
	for (i = 0; i < n; i++) {
		t = login(argv[2], argv[3], argv[4]);
		if (t < 0)
			fail++;
		else
			v[ok++] = t;
	}
	qsort(v, ok, sizeof(*v), cmp);
	printf("%.2f %.2f %.2f %zu\n", pct(v, ok, 0.5), pct(v, ok, 0.95),
	       ok > 0 ? v[ok - 1] : 0.0, fail);
	free(v);
	return 0;
}

struct shared {
	size_t n[MAX_WORKERS];
	size_t fail[MAX_WORKERS];
	double v[MAX_WORKERS][WORKER_SAMPLES];
};

static void worker(struct shared *sh, int w, const char *confdir,
		   const char *service, const char *user, double until)
{
	double t;

	while (now_ms() < until && sh->n[w] < WORKER_SAMPLES) {
		t = login(confdir, service, user);
		if (t < 0)
			sh->fail[w]++;
		else
			sh->v[w][sh->n[w]++] = t;
	}
	_exit(0);
}

static int run_throughput(int argc, char **argv)
{
	int workers = argc - 7, w;
	double secs = strtod(argv[6], NULL), t0, until, *all;
	size_t total = 0, fail = 0, k = 0, i;
	struct shared *sh;
	pid_t pid;

	if (workers < 1 || workers > MAX_WORKERS || secs <= 0)
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	answer = argv[5];
	t0 = now_ms();
	until = t0 + secs * 1000;
	for (w = 0; w < workers; w++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			worker(sh, w, w % 2 == 0 ? argv[2] : argv[3], argv[4],
			       argv[7 + w], until);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	for (w = 0; w < workers; w++) {
		total += sh->n[w];
		fail += sh->fail[w];
	}
	all = calloc(total + 1, sizeof(*all));
	if (all == NULL)
		return 1;
	for (w = 0; w < workers; w++)
		for (i = 0; i < sh->n[w]; i++)
			all[k++] = sh->v[w][i];
	qsort(all, total, sizeof(*all), cmp);
	printf("%zu %.0f %.2f %.2f %zu\n", total,
	       (double)total / ((now_ms() - t0) / 1000), pct(all, total, 0.5),
	       pct(all, total, 0.95), fail);
	free(all);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "latency") == 0)
		return run_latency(argv);
	if (argc >= 8 && strcmp(argv[1], "throughput") == 0)
		return run_throughput(argc, argv);
	fprintf(stderr,
		"usage: fleet_bench latency CONFDIR SERVICE USER CODE N\n"
		"       fleet_bench throughput CONFDIR_A CONFDIR_B SERVICE CODE SECONDS USER...\n");
	return 2;
}
