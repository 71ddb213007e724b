/*
 * replay.c - run a fuzz target over every file of its seed corpus, so the
 * regular suite replays what the fuzzers found without needing clang.
 *
 * usage: replay_fuzz_X DIR...   (prints "# replay: N passed, 0 failed")
 * A crash or sanitizer report fails the run (the process dies).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int i, pass = 0, fail = 0;

	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "FAIL cannot open corpus %s\n", argv[i]);
			fail++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name) >= (int)sizeof(path))
				continue;
			if (run_file(path) == 0)
				pass++;
			else {
				fprintf(stderr, "FAIL cannot read %s\n", path);
				fail++;
			}
		}
		closedir(d);
	}
	if (pass + fail == 0) {
		fprintf(stderr, "FAIL empty corpus\n");
		fail = 1;
	}
	printf("# replay: %d passed, %d failed\n", pass, fail);
	return fail != 0;
}
