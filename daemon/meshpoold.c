/*
 * meshpoold.c - command line of the mesher daemon; see meshpoold(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: meshpoold -f [-n NAME] [-w WORKERS|auto] [-t SECONDS] "
	    "[-a ARENA_MB] [-m MAX_CLIENTS]\n"
	    "  -f  stay in the foreground, log to stderr\n"
	    "  -n  instance name (default \"default\")\n"
	    "  -w  worker processes (default auto: half the CPUs, at least 1)\n"
	    "  -t  request_timeout in seconds (default 10, 0 = none)\n"
	    "  -a  mesh arena in MiB (default 128)\n"
	    "  -m  most clients at once (default 32, at most 64)\n"
	    "  -V  print the version\n");
}

/* A whole decimal number in [lo, hi], or exit 2 with a message. */
static uint32_t
number(const char *flag, const char *s, uint32_t lo, uint32_t hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo ||
	    v > hi) {
		fprintf(stderr, "meshpoold: %s: want a number %u..%u, got \"%s\"\n",
		    flag, lo, hi, s);
		exit(2);
	}
	return (uint32_t)v;
}

int
main(int argc, char **argv)
{
	static struct supervisor sv;
	struct sv_config *c = &sv.cfg;
	int ch, i;

	snprintf(c->name, sizeof c->name, "default");
	c->request_timeout_ms = 10000;
	c->arena_mb = 128;
	c->max_clients = 32;
	c->lane_depth = 256;
	c->max_mesh_kb = 1024;
	while ((ch = getopt(argc, argv, "fn:w:t:a:m:hV")) != -1) {
		switch (ch) {
		case 'f':
			c->foreground = 1;
			break;
		case 'n':
			if (!instance_name_ok(optarg)) {
				fprintf(stderr, "meshpoold: -n: an instance name is 1-64 "
				    "of A-Z a-z 0-9 _ . - (not starting with .)\n");
				return 2;
			}
			snprintf(c->name, sizeof c->name, "%s", optarg);
			break;
		case 'w':
			c->workers = strcmp(optarg, "auto") == 0 ? 0 :
			    number("-w", optarg, 1, Q_MAX_WORKERS);
			break;
		case 't':
			c->request_timeout_ms = number("-t", optarg, 0, 86400) * 1000;
			break;
		case 'a':
			c->arena_mb = number("-a", optarg, 4, 1 << 20);
			break;
		case 'm':
			c->max_clients = number("-m", optarg, 1, CTL_MAX_CLIENTS);
			break;
		case 'V':
			printf("meshpoold %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !c->foreground) {
		usage(stderr);
		if (!c->foreground)
			fprintf(stderr, "meshpoold: only -f (foreground) is available "
			    "in this version\n");
		return 2;
	}
	log_open("meshpoold", 0, LOG_INFO);
	/* Workers get their titles written over argv's memory. */
	sv.title = argv[0];
	for (i = 0; i < argc; i++)
		sv.title_len = (size_t)(argv[i] + strlen(argv[i]) + 1 - argv[0]);
	sv.lock_fd = -1;
	if (sv_start(&sv) != 0)
		return 1;
	return sv_run(&sv);
}
