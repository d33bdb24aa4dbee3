/*
 * meshpoold.c - command line of the mesher daemon; see meshpoold(8).
 * Settings: defaults, then the configuration file, then these flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "supervisor.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: meshpoold -f|-d [-c CONFIG] [-n NAME] [-w WORKERS|auto] "
	    "[-t SECONDS] [-a ARENA_MB] [-m MAX_CLIENTS] [-p PIDFILE]\n"
	    "  -f  stay in the foreground, log to stderr\n"
	    "  -d  detach: run as a daemon, log to syslog, write a pidfile\n"
	    "  -c  configuration file (default " CONFIG_DEFAULT_PATH ", if present)\n"
	    "  -n  instance name (default \"default\")\n"
	    "  -w  worker processes (default auto: half the CPUs, at least 1)\n"
	    "  -t  request_timeout in seconds (default 10, 0 = none)\n"
	    "  -a  mesh arena in MiB (default 128)\n"
	    "  -m  most clients at once (default 32, at most 64)\n"
	    "  -p  pidfile with -d (default: next to the socket, NAME.pid)\n"
	    "  -V  print the version\n");
}

/* A flag is a config key given on the command line: same checks. */
static void
flag(struct supervisor *sv, const char *opt, const char *key, const char *v)
{
	const char *why = config_set(&sv->flags, key, v);

	if (why != NULL) {
		fprintf(stderr, "meshpoold: %s %s: %s\n", opt, v, why);
		exit(2);
	}
}

/* The pidfile, locked for our life: a second daemon finds it locked. */
static int
write_pidfile(struct supervisor *sv)
{
	char buf[32];
	int fd, n;

	if (sv->pidfile[0] == '\0') {
		char dir[160];

		if (sock_dir(dir, sizeof dir) != 0)
			return -1;
		snprintf(sv->pidfile, sizeof sv->pidfile, "%s/%s.pid", dir, sv->name);
	}
	fd = open(sv->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		log_msg(LOG_ERR, "pidfile %s: %s", sv->pidfile, fd < 0 ?
		    strerror(errno) : "locked by a running meshpoold");
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n)
		return -1;
	return 0;       /* fd stays open: the lock lasts as long as we do */
}

/*
 * Detach (double fork, setsid, chdir /, stdio on /dev/null).  The first
 * process waits for the daemon to say it started, so "meshpoold -d" fails
 * with status 1 and the reason when the daemon could not start.
 */
static int
detach(int *ready_fd)
{
	int p[2], null;
	pid_t pid;
	char c;

	if (pipe(p) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && c == 'y' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0 || (pid = fork()) < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0 || (null = open("/dev/null", O_RDWR)) < 0)
		_exit(1);
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	if (null > 2)
		close(null);
	umask(022);
	*ready_fd = p[1];
	return 0;
}

int
main(int argc, char **argv)
{
	static struct supervisor sv;
	char why[512], *end;
	int ch, i, ready = -1;

	snprintf(sv.name, sizeof sv.name, "default");
	snprintf(sv.config_path, sizeof sv.config_path, "%s", CONFIG_DEFAULT_PATH);
	sv.lock_fd = -1;
	while ((ch = getopt(argc, argv, "fdc:n:w:t:a:m:p:hV")) != -1) {
		switch (ch) {
		case 'f':
			sv.foreground = 1;
			break;
		case 'd':
			sv.daemonize = 1;
			break;
		case 'c':
			snprintf(sv.config_path, sizeof sv.config_path, "%s", optarg);
			sv.config_given = 1;
			break;
		case 'n':
			if (!instance_name_ok(optarg)) {
				fprintf(stderr, "meshpoold: -n: an instance name is 1-64 "
				    "of A-Z a-z 0-9 _ . - (not starting with .)\n");
				return 2;
			}
			snprintf(sv.name, sizeof sv.name, "%s", optarg);
			break;
		case 'w':
			flag(&sv, "-w", "workers", optarg);
			break;
		case 't':
			flag(&sv, "-t", "request_timeout", optarg);
			break;
		case 'a':
			flag(&sv, "-a", "arena_mb", optarg);
			break;
		case 'm':
			flag(&sv, "-m", "max_clients", optarg);
			break;
		case 'p':
			snprintf(sv.pidfile, sizeof sv.pidfile, "%s", optarg);
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
	(void)end;
	if (optind != argc || sv.foreground == sv.daemonize) {
		usage(stderr);
		if (optind == argc)
			fprintf(stderr, "meshpoold: give -f (foreground) or -d "
			    "(detach)\n");
		return 2;
	}
	if (sv_configure(&sv, &sv.cfg, why, sizeof why) != 0) {
		fprintf(stderr, "meshpoold: %s\n", why);
		return 1;
	}
	log_open("meshpoold", sv.daemonize, sv.cfg.log_level);
	if (sv.daemonize && detach(&ready) != 0) {
		fprintf(stderr, "meshpoold: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	/* Workers get their titles written over argv's memory. */
	sv.title = argv[0];
	for (i = 0; i < argc; i++)
		sv.title_len = (size_t)(argv[i] + strlen(argv[i]) + 1 - argv[0]);
	if ((sv.daemonize && write_pidfile(&sv) != 0) || sv_start(&sv) != 0)
		return 1;
	if (ready >= 0) {
		if (write(ready, "y", 1) != 1)
			log_msg(LOG_WARNING, "starter gone");
		close(ready);
	}
#ifdef HAVE_SYSTEMD
	sd_notifyf(0, "READY=1\nMAINPID=%ld", (long)getpid());
#endif
	sv_run(&sv);
	if (sv.daemonize)
		unlink(sv.pidfile);
	return 0;
}
