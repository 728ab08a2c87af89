/* test_log.c — core/log.c: the line format, and the batched mode (order kept,
 * nothing lost at stop or exit, errors written at once). */
#include "gx_test.h"

#include "core/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sends stderr to a fresh file of the test's temp dir; returns its path. */
static const char *capture_stderr(const char *name)
{
	static char path[400];
	snprintf(path, sizeof path, "%s/%s", gx_test_tmpdir(), name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(fd >= 0);
	fflush(stderr);
	ASSERT_TRUE(dup2(fd, 2) == 2);
	close(fd);
	return path;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ASSERT_TRUE(f != NULL);
	static char buf[1 << 22];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* True when line looks like "YYYY-MM-DDTHH:MM:SS.mmmZ LEVEL msg". */
static int well_formed(const char *line, const char *level, const char *msg)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9') : line[i] != shape[i])
			return 0;
	}
	size_t ll = strlen(level);
	return strncmp(line + 25, level, ll) == 0 && line[25 + ll] == ' ' &&
	       strncmp(line + 26 + ll, msg, strlen(msg)) == 0;
}

GX_TEST(log_line_format_and_cut)
{
	const char *path = capture_stderr("sync.log");
	gx_log_set_level(GX_LOG_INFO);
	gx_log_info("hello %d %s", 42, "世界");
	gx_log_msg(GX_LOG_WARN, "raw message", 11);
	gx_log_debug("not written at info");
	char big[5000];
	memset(big, 'x', sizeof big);
	gx_log_msg(GX_LOG_ERROR, big, sizeof big);
	gx_log_error("%.*s", 4000, big);
	char *out = slurp(path);
	ASSERT_EQ_INT(count_lines(out), 4);
	ASSERT_TRUE(well_formed(out, "INFO", "hello 42 世界\n"));
	char *l2 = strchr(out, '\n') + 1;
	ASSERT_TRUE(well_formed(l2, "WARN", "raw message\n"));
	/* long messages are cut at GX_LOG_MSG_MAX - 1 bytes, both ways */
	char *l3 = strchr(l2, '\n') + 1, *l4 = strchr(l3, '\n') + 1;
	ASSERT_EQ_INT(strchr(l3, '\n') - l3, 25 + 6 + GX_LOG_MSG_MAX - 1);
	ASSERT_EQ_INT(strchr(l4, '\n') - l4, 25 + 6 + GX_LOG_MSG_MAX - 1);
	ASSERT_TRUE(!gx_log_enabled(GX_LOG_DEBUG));
	ASSERT_TRUE(gx_log_enabled(GX_LOG_INFO));
}

struct writer_arg {
	int thread, lines;
};

static void *log_many(void *p)
{
	struct writer_arg *a = p;
	for (int i = 0; i < a->lines; i++)
		gx_log_info("t%d line %06d", a->thread, i);
	return NULL;
}

GX_TEST(log_batched_keeps_every_line_in_order)
{
	const char *path = capture_stderr("async.log");
	gx_log_set_level(GX_LOG_INFO);
	ASSERT_EQ_INT(gx_log_async_start(), 0);
	/* more than the queue holds, from two threads: loggers wait for the writer */
	enum { LINES = 20000 };
	pthread_t th[2];
	struct writer_arg args[2] = {{0, LINES}, {1, LINES}};
	for (int i = 0; i < 2; i++)
		ASSERT_EQ_INT(pthread_create(&th[i], NULL, log_many, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	gx_log_async_stop();
	gx_log_info("after stop");
	char *out = slurp(path);
	ASSERT_EQ_INT(count_lines(out), 2 * LINES + 1);
	int next[2] = {0, 0};
	for (char *line = out; *line; line = strchr(line, '\n') + 1) {
		int t, i;
		char *m = strstr(line, " INFO t");
		if (!m)
			break;
		ASSERT_EQ_INT(sscanf(m, " INFO t%d line %d", &t, &i), 2);
		ASSERT_EQ_INT(i, next[t]); /* each thread's lines in order, none lost */
		next[t]++;
	}
	ASSERT_EQ_INT(next[0], LINES);
	ASSERT_EQ_INT(next[1], LINES);
	ASSERT_TRUE(strstr(out, "INFO after stop\n") != NULL);
}

GX_TEST(log_batched_errors_are_written_at_once_after_what_is_queued)
{
	const char *path = capture_stderr("err.log");
	gx_log_set_level(GX_LOG_INFO);
	ASSERT_EQ_INT(gx_log_async_start(), 0);
	gx_log_info("queued first");
	gx_log_error("an error");
	/* no flush, no stop: both are in the file now, in order */
	char *out = slurp(path);
	ASSERT_EQ_INT(count_lines(out), 2);
	ASSERT_TRUE(well_formed(out, "INFO", "queued first\n"));
	ASSERT_TRUE(well_formed(strchr(out, '\n') + 1, "ERROR", "an error\n"));
	gx_log_info("queued again");
	gx_log_flush();
	ASSERT_EQ_INT(count_lines(slurp(path)), 3);
	gx_log_async_stop();
}

GX_TEST(log_batched_lines_reach_the_file_at_exit)
{
	const char *path = capture_stderr("exit.log");
	pid_t pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		gx_log_set_level(GX_LOG_INFO);
		if (gx_log_async_start())
			_exit(3);
		for (int i = 0; i < 100; i++)
			gx_log_info("line %d", i);
		exit(0); /* no stop: the atexit flush writes them */
	}
	int status;
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *out = slurp(path);
	ASSERT_EQ_INT(count_lines(out), 100);
	ASSERT_TRUE(strstr(out, "INFO line 99\n") != NULL);
}
