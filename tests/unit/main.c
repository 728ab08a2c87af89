/* main.c — unit-test runner: forks each registered test with a timeout and
 * prints "N passed, N failed". Usage: unit_tests [substring-filter] */
#include "gx_test.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test {
	const char *name, *file;
	gx_test_fn fn;
};
static struct test tests[1024];
static int ntests;
static char tmpdir[256];

void gx_test_register(const char *name, const char *file, gx_test_fn fn)
{
	if (ntests < (int)(sizeof tests / sizeof tests[0]))
		tests[ntests++] = (struct test){name, file, fn};
}

const char *gx_test_tmpdir(void)
{
	return tmpdir;
}

const char *gx_test_data_dir(void)
{
	static char path[512];
	const char *env = getenv("GX_SHARED_DATA");
	struct stat st;
	if (env && stat(env, &st) == 0)
		return env;
	snprintf(path, sizeof path, "../shared/data");
	if (stat(path, &st) == 0)
		return path;
	return NULL;
}

static int run_one(const struct test *t, int timeout_s)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gx-unit-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		alarm((unsigned)timeout_s);
		t->fn();
		/* exit, not _exit: LeakSanitizer checks at exit */
		exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0) { /* best effort */ }
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFSIGNALED(status))
		fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *to = getenv("GX_TEST_TIMEOUT");
	int timeout_s = to ? (int)strtol(to, NULL, 10) : 120;
	int passed = 0, failed = 0;
	for (int i = 0; i < ntests; i++) {
		if (filter && !strstr(tests[i].name, filter) && !strstr(tests[i].file, filter))
			continue;
		fflush(stdout);
		if (run_one(&tests[i], timeout_s)) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			printf("FAIL %s (%s)\n", tests[i].name, tests[i].file);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
