/*
 * meshpoolctl.c - the operator's view of a meshpoold instance; see
 * meshpoolctl(1).  It speaks the daemon's control socket: one command
 * line, one answer line (JSON for the reports).
 *
 * Exit status: 0 done, 1 the daemon refused or failed, 2 usage,
 * 3 no such daemon running.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "demo.h"
#include "proto.h"
#include "sockpath.h"

enum { EXIT_DONE = 0, EXIT_ERR = 1, EXIT_USAGE = 2, EXIT_NODAEMON = 3 };

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: meshpoolctl [-n NAME] [--json] COMMAND\n"
	    "commands:\n"
	    "  status     state, workers, clients, queues, totals, arena\n"
	    "  workers    each worker: pid, state, current request, done\n"
	    "  clients    each client: pid, uid, in flight, arena held\n"
	    "  scale N    run N worker processes from now on\n"
	    "  drain      finish what is queued, accept nothing new\n"
	    "  reload     read the configuration file again\n"
	    "  demo [--size N] [--out FILE.obj] [--glb FILE.glb]\n"
	    "             mesh a region with LOD rings (through a private\n"
	    "             meshpoold unless -n is given) and write the mesh\n"
	    "options:\n"
	    "  -n NAME    instance (default \"default\"), or its socket's path\n"
	    "  --json     print the daemon's JSON as is\n"
	    "  -h, --help, -V, --version\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 daemon not running\n");
}

/* Send one line, read one line back into buf. */
static int
ask(const char *name, const char *line, char *buf, size_t len)
{
	struct sockaddr_un sun;
	size_t got = 0;
	ssize_t n;
	int s;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (instance_socket(name, sun.sun_path, sizeof sun.sun_path) != 0) {
		fprintf(stderr, "meshpoolctl: bad instance name \"%s\"\n", name);
		return EXIT_USAGE;
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s, (struct sockaddr *)&sun, sizeof sun) != 0) {
		fprintf(stderr, "meshpoolctl: no meshpoold instance \"%s\" running "
		    "(%s: %s)\n", name, sun.sun_path, strerror(errno));
		if (s >= 0)
			close(s);
		return EXIT_NODAEMON;
	}
	if (write(s, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(s);
		return EXIT_NODAEMON;
	}
	while (got + 1 < len && (n = read(s, buf + got, len - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	close(s);
	if (got == 0) {
		fprintf(stderr, "meshpoolctl: the daemon closed the connection\n");
		return EXIT_ERR;
	}
	buf[strcspn(buf, "\n")] = '\0';
	return EXIT_DONE;
}

/* Field extraction from the daemon's own flat JSON (no nesting in the
 * fields read this way, no escapes in its strings). */
static long long
num(const char *j, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	return (p = strstr(j, pat)) ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static double
dbl(const char *j, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	return (p = strstr(j, pat)) ? strtod(p + strlen(pat), NULL) : -1;
}

static const char *
str(const char *j, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	if ((p = strstr(j, pat)) == NULL)
		return "?";
	p += strlen(pat);
	n = strcspn(p, "\"");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static void
print_status(const char *j)
{
	char s1[64], s2[64];

	printf("instance %s (pid %lld): %s, up %.0f s\n", str(j, "instance", s1,
	    sizeof s1), num(j, "pid"), str(j, "state", s2, sizeof s2),
	    dbl(j, "uptime_s"));
	printf("workers   %lld busy of %lld, %lld restarts\n",
	    num(j, "busy_workers"), num(j, "workers"), num(j, "worker_restarts"));
	if (strcmp(str(j, "health", s1, sizeof s1), "ok") != 0)
		printf("health    %s: %lld of %lld workers running%s%s\n", s1,
		    num(j, "live_workers"), num(j, "workers"),
		    strstr(j, "\"spawn_error\"") ? "; " : "",
		    strstr(j, "\"spawn_error\"") ? str(j, "spawn_error", s2,
		    sizeof s2) : "");
	printf("clients   %lld\n", num(j, "clients"));
	printf("requests  %lld queued, %lld in flight, %lld completed, %lld failed "
	    "(%lld retried after a worker died, %lld poisoned)\n", num(j, "queued"),
	    num(j, "in_flight"), num(j, "completed"), num(j, "failed"),
	    num(j, "requeued"), num(j, "poisoned"));
	printf("arena     %.1f of %.1f MiB used\n",
	    num(j, "arena_used_bytes") / 1048576.0, num(j, "arena_bytes") / 1048576.0);
	printf("pool      %s, %lld..%lld workers\n", str(j, "mode", s1, sizeof s1),
	    num(j, "min_workers"), num(j, "max_workers"));
	printf("speed     %.1f chunks/s over the last 10 s; compute p50 %.0f us, "
	    "p99 %.0f us\n", dbl(j, "chunks_per_s_10s"), dbl(j, "compute_p50_us"),
	    dbl(j, "compute_p99_us"));
	{
		const char *f = strstr(j, "\"failed_by\":{");

		if (f != NULL && f[13] != '}')
			printf("failures  %.*s\n", (int)strcspn(f + 13, "}"), f + 13);
	}
}

/* Each {...} of a list, one line each. */
static void
print_list(const char *j, const char *first_key, int workers)
{
	char pat[64], s1[32];
	const char *p = j;

	snprintf(pat, sizeof pat, "{\"%s\":", first_key);
	if (workers)
		printf("%-5s %-8s %-5s %10s %12s %s\n", "SLOT", "PID", "STATE", "DONE",
		    "BUSY_MS", "REQUEST");
	else
		printf("%-5s %-8s %-6s %9s %10s %8s %10s\n", "SLOT", "PID", "UID",
		    "IN_FLIGHT", "COMPLETED", "FAILED", "ARENA_KiB");
	while ((p = strstr(p, pat)) != NULL) {
		if (workers)
			printf("%-5lld %-8lld %-5s %10lld %12.1f %lld\n", num(p, "slot"),
			    num(p, "pid"), str(p, "state", s1, sizeof s1), num(p, "done"),
			    dbl(p, "busy_for_ms"), num(p, "user_data"));
		else
			printf("%-5lld %-8lld %-6lld %9lld %10lld %8lld %10lld\n",
			    num(p, "slot"), num(p, "pid"), num(p, "uid"),
			    num(p, "in_flight"), num(p, "completed"), num(p, "failed"),
			    num(p, "arena_bytes") / 1024);
		p++;
	}
}

static int
demo_command(const char *instance, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "size", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "glb", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const char *obj = "terrain.obj", *glb = NULL;
	int ch, size = 4;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (ch == 's') {
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 2 || v > 32 || v % 2 != 0) {
				fprintf(stderr, "meshpoolctl: demo: --size: an even "
				    "number 2..32\n");
				return EXIT_USAGE;
			}
			size = (int)v;
		} else if (ch == 'o')
			obj = optarg;
		else if (ch == 'g')
			glb = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return demo_run(instance, size, obj, glb);
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = "default", *cmd;
	char line[64], msg[512], buf[65536];
	int ch, json = 0, r, code, named = 0;

	while ((ch = getopt_long(argc, argv, "+n:jhV", longs, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			named = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		case 'V':
			printf("meshpoolctl %s\n", PACKAGE_VERSION);
			return EXIT_DONE;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	for (r = optind; r < argc; r++)         /* "--help" after any command */
		if (strcmp(argv[r], "--help") == 0 || strcmp(argv[r], "-h") == 0) {
			usage(stdout);
			return EXIT_DONE;
		}
	if (optind < argc && strcmp(argv[optind], "--json") == 0)
		json = 1, optind++;
	if (name[0] != '/' && !instance_name_ok(name)) {
		fprintf(stderr, "meshpoolctl: bad instance name \"%s\"\n", name);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "demo") == 0)
		return demo_command(named ? name : NULL, argc - optind + 1,
		    argv + optind - 1);
	if (strcmp(cmd, "scale") == 0 && optind == argc - 1 &&
	    strspn(argv[optind], "0123456789") == strlen(argv[optind]) &&
	    strlen(argv[optind]) > 0 && strlen(argv[optind]) < 5)
		snprintf(line, sizeof line, "scale %s\n", argv[optind]);
	else if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "drain") == 0 ||
	    strcmp(cmd, "clients") == 0 || strcmp(cmd, "reload") == 0) &&
	    optind == argc)
		snprintf(line, sizeof line, "%s\n", cmd);
	else if (strcmp(cmd, "workers") == 0 && optind == argc)
		snprintf(line, sizeof line, "status\n");
	else {
		fprintf(stderr, "meshpoolctl: unknown command or wrong arguments: "
		    "%s\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((r = ask(name, line, buf, sizeof buf)) != EXIT_DONE)
		return r;
	if (proto_parse_error(buf, &code, msg, sizeof msg) == 0) {
		fprintf(stderr, "meshpoolctl: %s\n", msg);
		return EXIT_ERR;
	}
	if (json)
		printf("%s\n", buf);
	else if (strcmp(cmd, "status") == 0)
		print_status(buf);
	else if (strcmp(cmd, "workers") == 0)
		print_list(buf, "slot", 1);
	else if (strcmp(cmd, "clients") == 0)
		print_list(buf, "slot", 0);
	else
		printf("%s\n", buf);
	return EXIT_DONE;
}
