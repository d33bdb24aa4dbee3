/*
 * meshpoolctl.c - the operator's view of a meshpoold instance; see
 * meshpoolctl(1).  It speaks the daemon's control socket: one command
 * line, one answer line (JSON for the reports), as shared/proto.h and
 * shared/status.h define them.
 *
 * Exit status: 0 done, 1 the daemon refused or failed, 2 usage,
 * 3 no such daemon running, 4 not allowed to talk to it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "demo.h"
#include "proto.h"
#include "meshpool.h"
#include "sockpath.h"
#include "status.h"

#define HELP_COLUMN 13          /* where the commands' help starts */

struct options {
	const char *name;            /* instance, or a socket's path */
	int         named;           /* -n was given */
	int         json;
};

static void print_status(const char *j);
static void print_workers(const char *j);
static void print_clients(const char *j);
static void print_line(const char *j);
static int  demo_command(const char *instance, int argc, char **argv);

/* Every command: the daemon's command it sends (or a local one), what it
 * takes, how its answer is shown. */
static const struct ctl_cmd {
	const char *name;
	const char *args;
	int         remote;          /* enum proto_cmd, or -1: runs here */
	void      (*print)(const char *reply);
	const char *help;
} cmds[] = {
	{ "status", "", CMD_STATUS, print_status,
	    "state, workers, clients, queues, totals, arena" },
	{ "workers", "", CMD_STATUS, print_workers,
	    "each worker: pid, state, current request, done" },
	{ "clients", "", CMD_CLIENTS, print_clients,
	    "each client: pid, uid, in flight, arena held" },
	{ "scale", " N", CMD_SCALE, print_line,
	    "run N worker processes from now on" },
	{ "drain", "", CMD_DRAIN, print_line,
	    "finish what is queued, accept nothing new" },
	{ "reload", "", CMD_RELOAD, print_line,
	    "read the configuration file again" },
	{ "demo", " [--size N] [--out FILE.obj] [--glb FILE.glb] [--force]", -1,
	    NULL, "mesh a region with LOD rings, a tunnel, a wall and a\n"
	    "             painted disc (through a private meshpoold unless -n is\n"
	    "             given) and write the mesh with its materials as colours;\n"
	    "             --force writes more than 1 GiB" },
};

static void
usage(FILE *f)
{
	size_t i;
	int w;

	fprintf(f, "usage: meshpoolctl [-n NAME] [--json] COMMAND\ncommands:\n");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		w = fprintf(f, "  %s%s", cmds[i].name, cmds[i].args);
		if (w >= HELP_COLUMN) {         /* too long: help below it */
			fprintf(f, "\n");
			w = 0;
		}
		fprintf(f, "%*s%s\n", HELP_COLUMN - w, "", cmds[i].help);
	}
	fprintf(f, "options:\n"
	    "  -n NAME    instance (default \"default\"), or its socket's path\n"
	    "  --json     print the daemon's JSON as is\n"
	    "  -h, --help, -V, --version\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 daemon not running,\n"
	    "  4 permission denied\n");
}

/* Send one line, read one line back into buf. */
static int
ask(const char *name, const char *line, char *buf, size_t len)
{
	char why[1024];
	size_t got = 0;
	ssize_t n;
	int s, r;

	if ((r = instance_dial(name, &s, why, sizeof why)) != MP_OK) {
		fprintf(stderr, "meshpoolctl: %s\n", why);
		return r == MP_EINVAL ? EXIT_USAGE : r == MP_EPERM ? EXIT_DENIED :
		    r == MP_ENOENT ? EXIT_NODAEMON : EXIT_ERR;
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

static void
print_status(const char *j)
{
	static const char failed_by[] = "\"failed_by\":{";
	struct status st;
	const char *f;

	status_parse(j, &st);
	printf("instance %s (pid %lld): %s, up %.0f s\n", st.instance,
	    (long long)st.pid, st.state, st.uptime_s);
	printf("workers   %llu busy of %llu, %llu restart%s\n",
	    (unsigned long long)st.busy_workers, (unsigned long long)st.workers,
	    (unsigned long long)st.worker_restarts,
	    st.worker_restarts == 1 ? "" : "s");
	if (strcmp(st.health, "ok") != 0)
		printf("health    %s: %llu of %llu worker%s running%s%s\n",
		    st.health, (unsigned long long)st.live_workers,
		    (unsigned long long)st.workers, st.workers == 1 ? "" : "s",
		    st.spawn_error[0] ? "; " : "",
		    st.spawn_error);
	printf("clients   %llu\n", (unsigned long long)st.clients);
	printf("requests  %llu queued, %llu in flight, %llu completed, %llu failed "
	    "(%llu retried after a worker died, %llu poisoned)\n",
	    (unsigned long long)st.queued, (unsigned long long)st.in_flight,
	    (unsigned long long)st.completed, (unsigned long long)st.failed,
	    (unsigned long long)st.requeued, (unsigned long long)st.poisoned);
	printf("arena     %.1f of %.1f MiB used\n", st.arena_used_bytes / 1048576.0,
	    st.arena_bytes / 1048576.0);
	printf("pool      %s, %llu..%llu workers\n", st.mode,
	    (unsigned long long)st.min_workers, (unsigned long long)st.max_workers);
	printf("speed     %.1f chunks/s over the last 10 s; compute p50 %.0f us, "
	    "p99 %.0f us\n", st.chunks_per_s_10s, st.compute_p50_us,
	    st.compute_p99_us);
	if ((f = strstr(j, failed_by)) != NULL && f[sizeof failed_by - 1] != '}')
		printf("failures  %.*s\n", (int)strcspn(f + sizeof failed_by - 1, "}"),
		    f + sizeof failed_by - 1);
}

/* Each {"slot":...} object of the lists in a reply, in turn. */
static const char *
next_object(const char *p)
{
	return strstr(p, "{\"slot\":");
}

static void
print_workers(const char *j)
{
	const char *p = j;
	char state[32];

	printf("%-5s %-8s %-7s %10s %12s %s\n", "SLOT", "PID", "STATE", "DONE",
	    "BUSY_MS", "REQUEST");
	while ((p = next_object(p)) != NULL) {
		printf("%-5.0f %-8.0f %-7s %10.0f %12.1f %.0f\n",
		    json_number(p, "slot", -1), json_number(p, "pid", -1),
		    json_string(p, "state", state, sizeof state) ? state : "?",
		    json_number(p, "done", -1), json_number(p, "busy_for_ms", -1),
		    json_number(p, "user_data", -1));
		p++;
	}
}

static void
print_clients(const char *j)
{
	const char *p = j;

	printf("%-5s %-8s %-6s %9s %10s %8s %10s\n", "SLOT", "PID", "UID",
	    "IN_FLIGHT", "COMPLETED", "FAILED", "ARENA_KiB");
	while ((p = next_object(p)) != NULL) {
		printf("%-5.0f %-8.0f %-6.0f %9.0f %10.0f %8.0f %10.0f\n",
		    json_number(p, "slot", -1), json_number(p, "pid", -1),
		    json_number(p, "uid", -1), json_number(p, "in_flight", -1),
		    json_number(p, "completed", -1), json_number(p, "failed", -1),
		    json_number(p, "arena_bytes", 0) / 1024);
		p++;
	}
}

static void
print_line(const char *j)
{
	printf("%s\n", j);
}

/* The demo's options into o: 0, or an exit status. */
static int
demo_options(int argc, char **argv, struct demo_opts *o)
{
	static const struct option longs[] = {
		{ "size", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "glb", required_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
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
			o->size = (int)v;
		} else if (ch == 'o')
			o->obj = optarg;
		else if (ch == 'g')
			o->glb = optarg;
		else if (ch == 'f')
			o->force = 1;
		else
			return EXIT_USAGE;
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_DONE;
}

static int
demo_command(const char *instance, int argc, char **argv)
{
	struct demo_opts o = { .instance = instance, .size = 4,
	    .obj = "terrain.obj" };
	int r;

	if ((r = demo_options(argc, argv, &o)) != EXIT_DONE)
		return r;
	return demo_run(&o);
}

/* Options before the command: 0, or an exit status to return now. */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->name = "default";
	while ((ch = getopt_long(argc, argv, "+n:jhV", longs, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->name = optarg;
			o->named = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE + 100;
		case 'V':
			printf("meshpoolctl %s\n", PACKAGE_VERSION);
			return EXIT_DONE + 100;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o->name[0] != '/' && !instance_name_ok(o->name)) {
		fprintf(stderr, "meshpoolctl: bad instance name \"%s\"\n", o->name);
		return EXIT_USAGE;
	}
	return 0;
}

static const struct ctl_cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* The daemon's line for c with the words args[0..n): 0, or -1 (usage).
 * A count is checked for being a number only: its range is the daemon's
 * to say, once, the same for every client. */
static int
command_line(const struct ctl_cmd *c, char **args, int n, char *line,
    size_t len)
{
	const struct proto_cmd_desc *d = &proto_cmds[c->remote];
	char *end;
	unsigned long v = 0;

	if (n != (d->counted ? 1 : 0))
		return -1;
	if (d->counted) {
		errno = 0;
		v = strtoul(args[0], &end, 10);
		if (args[0][0] < '0' || args[0][0] > '9' || *end != '\0' ||
		    errno != 0 || v > UINT32_MAX)
			return -1;
	}
	proto_format_command(line, len, (enum proto_cmd)c->remote, (uint32_t)v);
	return 0;
}

/* Ask the daemon and show its answer. */
static int
run_remote(const struct options *o, const struct ctl_cmd *c, const char *line)
{
	char msg[512], buf[65536];
	int r, code;

	if ((r = ask(o->name, line, buf, sizeof buf)) != EXIT_DONE)
		return r;
	if (proto_parse_error(buf, &code, msg, sizeof msg) == 0) {
		fprintf(stderr, "meshpoolctl: %s\n", msg);
		return code == MP_EPERM ? EXIT_DENIED : EXIT_ERR;
	}
	if (o->json)
		printf("%s\n", buf);
	else
		c->print(buf);
	return EXIT_DONE;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct ctl_cmd *c;
	char line[64];
	int r, i;

	if ((r = parse_options(argc, argv, &o)) != 0)
		return r >= 100 ? r - 100 : r;
	for (i = optind + 1; i < argc; i++)     /* "--help" after any command */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_DONE;
		}
	if ((c = find_command(argv[optind])) == NULL) {
		fprintf(stderr, "meshpoolctl: unknown command: %s\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c->remote < 0)
		return demo_command(o.named ? o.name : NULL, argc - optind,
		    argv + optind);
	i = optind + 1;
	if (i < argc && strcmp(argv[i], "--json") == 0)
		o.json = 1, i++;
	if (command_line(c, argv + i, argc - i, line, sizeof line) != 0) {
		fprintf(stderr, "meshpoolctl: usage: meshpoolctl %s%s\n", c->name,
		    c->args);
		return EXIT_USAGE;
	}
	return run_remote(&o, c, line);
}
