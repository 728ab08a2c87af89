/* bare_mhd.c — the ceiling of guanxi's HTTP layer: a libmicrohttpd daemon
 * started with the same flags and options as src/http/server.c that answers
 * every request with one fixed body (read from a file) as application/json.
 *
 * Usage: bare_mhd --listen 127.0.0.1:PORT --body FILE [--threads N]
 * PORT may be 0 (any free port); the chosen port is printed on stderr as
 * "listening on http://HOST:PORT (port N, T threads)". Runs until SIGINT or
 * SIGTERM. Build: cc -O2 bench/bare_mhd.c $(pkg-config --cflags --libs libmicrohttpd) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The limits guanxi uses by default (src/core/config.c). */
#define CONN_TIMEOUT_S 30u
#define HEADER_MAX ((size_t)64 << 10)
#define CONN_LIMIT 1024u
#define PER_IP_LIMIT 256u
#define BODY_FILE_MAX ((long)16 << 20)

static char *body;
static size_t body_len;
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Reads the whole of path into a malloc'd buffer; 0 or -1 (errno set). */
static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	int rc = -1;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) != 0)
		goto out;
	long n = ftell(f);
	if (n < 0 || n > BODY_FILE_MAX || fseek(f, 0, SEEK_SET) != 0) {
		errno = EFBIG;
		goto out;
	}
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
		goto out;
	data[n] = '\0';
	*out = data;
	*len = (size_t)n;
	data = NULL;
	rc = 0;
out:
	free(data);
	fclose(f);
	return rc;
}

/* "host:port" (IPv4, or [IPv6]) → sockaddr; 0 or -1. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return -1;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -1;
}

/* A listening socket for ss, as src/http/server.c makes it; -1 on error.
 * *port gets its port. */
static int listen_on(const struct sockaddr_storage *ss, unsigned *port)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	struct sockaddr_storage got;
	socklen_t glen = sizeof got;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
	    bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &glen) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						 : ((struct sockaddr_in *)&got)->sin_port);
	return fd;
}

/* What is waiting on the listening socket, handed to d (as server.c does:
 * libmicrohttpd gives each added connection to a pool thread by its socket
 * number). */
static void accept_waiting(struct MHD_Daemon *d, int lfd)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(10 * 1000);
			return;
		}
		(void)MHD_add_connection(d, fd, (struct sockaddr *)&ss, len);
	}
}

/* Same two-call pattern as guanxi: the first call (headers in) only marks
 * the request; the answer is queued once the (empty) body is complete. */
static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	static int marker;
	(void)cls, (void)url, (void)method, (void)version, (void)upload_data;
	if (!*con_cls) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* ignore any body */
		return MHD_YES;
	}
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("bare_mhd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static void usage(void)
{
	fprintf(stderr, "usage: bare_mhd --listen 127.0.0.1:PORT --body FILE [--threads N]\n");
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *body_path = NULL;
	long threads = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--listen") == 0) {
			listen = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--body") == 0) {
			body_path = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
			char *end;
			threads = strtol(argv[++i], &end, 10);
			if (*end || threads < 1 || threads > 256) {
				usage();
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}
	if (!listen || !body_path) {
		usage();
		return 2;
	}
	if (threads < 1)
		threads = 1;
	struct sockaddr_storage ss;
	if (parse_listen(listen, &ss) != 0) {
		fprintf(stderr, "bare_mhd: cannot understand listen address '%s' (want host:port)\n", listen);
		return 2;
	}
	if (read_file(body_path, &body, &body_len) != 0) {
		fprintf(stderr, "bare_mhd: cannot read %s: %s\n", body_path, strerror(errno));
		return 1;
	}
	/* Same flags and options as gx_server_run() in src/http/server.c (its
	 * own listening socket, connections added to the pool), minus guanxi's
	 * own per-request callbacks (arena, request log, metrics). */
	unsigned port = 0;
	int lfd = listen_on(&ss, &port);
	if (lfd < 0) {
		fprintf(stderr, "bare_mhd: cannot listen on %s (in use? permission?)\n", listen);
		free(body);
		return 1;
	}
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, access_cb, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
		MHD_OPTION_CONNECTION_TIMEOUT, CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, HEADER_MAX,
		MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot start the daemon on %s\n", listen);
		close(lfd);
		free(body);
		return 1;
	}
	fprintf(stderr, "bare_mhd: listening on http://%s (port %u, %ld threads, body %zu bytes)\n",
		listen, port, threads, body_len);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!stop_requested) {
		struct pollfd pfd = {.fd = lfd, .events = POLLIN};
		if (poll(&pfd, 1, 100) > 0 && (pfd.revents & POLLIN))
			accept_waiting(d, lfd);
	}
	close(lfd);
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
