/* SPDX-License-Identifier: BSD-3-Clause */
/* main() for a fuzz target built without libFuzzer (gcc, valgrind, the
 * sanitizer ctest run): run every file named, or found in a directory
 * named, through LLVMFuzzerTestOneInput once. Exits non-zero when no input
 * was found, so an empty or missing corpus cannot pass. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long replayed;

static void run_file(const char *path)
{
	size_t len = 0;
	char *data = fz_read(path, &len);

	if (data == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		exit(1);
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	replayed++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_path(const char *path)
{
	struct dirent **names = NULL;
	char file[4096];
	struct stat st;
	int n, i;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: no such input %s\n", path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	n = scandir(path, &names, NULL, by_name);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' &&
		    snprintf(file, sizeof(file), "%s/%s", path,
			     names[i]->d_name) < (int)sizeof(file))
			run_file(file);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	int i;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("replayed %lu inputs\n", replayed);
	return replayed > 0 ? 0 : 1;
}
