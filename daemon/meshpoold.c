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
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "filelock.h"
#include "supervisor.h"

#define OPTIONS "fdc:n:w:t:a:m:p:hV"

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The default of setting s, as the usage text shows it. */
static void
default_of(const struct setting *s, char *buf, size_t len)
{
	struct config c;
	uint32_t n;

	config_defaults(&c);
	memcpy(&n, (const char *)&c + s->off, sizeof n);
	if (s->kind == SK_ALL_WORKERS || s->kind == SK_WORKERS)
		snprintf(buf, len, "auto");
	else
		snprintf(buf, len, "%u", n);
}

static void
usage(FILE *f)
{
	const struct setting *s;
	char def[32];
	const char *o;

	fprintf(f, "usage: meshpoold -f|-d [-c CONFIG] [-n NAME] [-p PIDFILE]");
	for (o = OPTIONS; *o != '\0'; o++)
		if ((s = setting_of_flag(*o)) != NULL)
			fprintf(f, " [-%c %s]", *o, s->key);
	fprintf(f, "\n"
	    "  -f  stay in the foreground, log to stderr\n"
	    "  -d  detach: run as a daemon, log to syslog, write a pidfile\n"
	    "  -c  configuration file (default " CONFIG_DEFAULT_PATH ", if present)\n"
	    "  -n  instance name (default \"default\")\n"
	    "  -p  pidfile with -d (default: next to the socket, NAME.pid)\n");
	for (o = OPTIONS; *o != '\0'; o++)
		if ((s = setting_of_flag(*o)) != NULL) {
			default_of(s, def, sizeof def);
			fprintf(f, "  -%c  %s: %s (default %s)\n", *o, s->key, s->help,
			    def);
		}
	fprintf(f, "  -h, --help     print this\n"
	    "  -V, --version  print the version\n");
}

/* A flag is a config key given on the command line: same checks. */
static void
flag(struct supervisor *sv, const struct setting *s, const char *v)
{
	const char *why = config_set(&sv->flags, s->key, v);

	if (why != NULL) {
		fprintf(stderr, "meshpoold: -%c %s: %s: %s\n", s->opt, v, s->key, why);
		exit(2);
	}
}

/* The pidfile, locked for our life: a second daemon finds it locked.  By
 * default it sits next to the socket (made first, on a first start). */
static int
write_pidfile(struct supervisor *sv)
{
	char buf[32], err[256];
	int fd, n;

	if (sv->pidfile[0] == '\0' && sv->cfg.socket[0] != '\0') {
		snprintf(sv->pidfile, sizeof sv->pidfile, "%s.pid", sv->cfg.socket);
	} else if (sv->pidfile[0] == '\0') {
		char dir[160];

		if (sock_dir_make(sv->cfg.group[0] != '\0', err, sizeof err) != 0) {
			log_msg(LOG_ERR, "%s", err);
			return -1;
		}
		if (sock_dir(dir, sizeof dir) != 0)
			return -1;
		snprintf(sv->pidfile, sizeof sv->pidfile, "%s/%s.pid", dir, sv->name);
	}
	fd = open(sv->pidfile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || file_lock(fd) != 0) {
		log_msg(LOG_ERR, "pidfile %s: %s", sv->pidfile, fd < 0 ?
		    strerror(errno) : "locked by a running meshpoold");
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n)
		return -1;
	return 0;       /* fd stays open: the lock lasts as long as we do */
}

/* In the process that ran "meshpoold -d": "y" from the daemon, it runs
 * (0); else whatever it wrote is why it could not start: print it (1). */
static int
await_start(int fd)
{
	char buf[4096], *line, *save;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof buf - 1 &&
	    (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (got > 0 && buf[0] == 'y')
		return 0;
	if (got == 0)
		fprintf(stderr, "meshpoold: the daemon exited before it started\n");
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "meshpoold: %s\n", line);
	return 1;
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

	if (pipe(p) != 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(await_start(p[0]));
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
	char why[512];
	int ch, i, ready = -1;

	snprintf(sv.name, sizeof sv.name, "default");
	snprintf(sv.config_path, sizeof sv.config_path, "%s", CONFIG_DEFAULT_PATH);
	sv.lock_fd = sv.spare_fd = sv.notify[0] = sv.notify[1] = -1;
	while ((ch = getopt_long(argc, argv, OPTIONS, long_options, NULL)) != -1) {
		const struct setting *st = setting_of_flag((char)ch);

		if (st != NULL) {
			flag(&sv, st, optarg);
			continue;
		}
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
	log_errors_to(ready);
	if (sv.daemonize && write_pidfile(&sv) != 0)
		return 1;
	if (sv_start(&sv) != 0) {
		if (sv.daemonize)
			unlink(sv.pidfile);
		return 1;
	}
	log_errors_to(-1);
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
