/*
 * private.c - start and stop the viewer's own meshpoold.
 *
 * Its standard error goes to an unlinked temporary file, read only if it
 * fails: a daemon that cannot start says why in its own words, and one
 * that runs does not scribble over the viewer's output.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meshpool.h"
#include "mp_paths.h"
#include "private.h"

#define START_POLLS   500       /* times START_POLL_US: 5 s to come up */
#define START_POLL_US 10000

static void
exec_daemon(const char *name, int workers, int log_fd)
{
	const char *bin = getenv("MESHPOOLD");
	char w[16];
	char *argv[] = { "meshpoold", "-f", "-n", (char *)name, "-c",
	    "/dev/null", "-w", w, NULL };

	sigset_t none;

	snprintf(w, sizeof w, "%d", workers);
	/* If the viewer dies without stopping it, the daemon goes too; a
	 * Ctrl-C at the terminal is the viewer's to handle (its own process
	 * group), and the viewer's blocked signals are not the daemon's. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(log_fd, STDERR_FILENO) < 0 ||
	    freopen("/dev/null", "r", stdin) == NULL ||
	    freopen("/dev/null", "w", stdout) == NULL)
		_exit(127);
	if (bin != NULL)
		execv(bin, argv);
	else {
		execv(SBINDIR "/meshpoold", argv);
		execvp("meshpoold", argv);
	}
	fprintf(stderr, "meshpool-view: cannot run %s: %s\n",
	    bin != NULL ? bin : "meshpoold", strerror(errno));
	_exit(127);
}

void
private_show_log(const struct private_daemon *d, FILE *f)
{
	char buf[512];
	size_t n;

	if (d->log == NULL)
		return;
	fflush(d->log);
	rewind(d->log);
	while ((n = fread(buf, 1, sizeof buf, d->log)) > 0)
		fwrite(buf, 1, n, f);
}

/* Wait until the daemon takes clients: 0, or -1 if it died or never did. */
static int
wait_ready(struct private_daemon *d)
{
	int i, st;

	for (i = 0; i < START_POLLS; i++) {
		mp_client *c;

		if (mp_connect(d->name, &c) == MP_OK) {
			mp_disconnect(c);
			return 0;
		}
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return -1;
		}
		usleep(START_POLL_US);
	}
	return -1;
}

int
private_start(struct private_daemon *d, int workers)
{
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "view-%ld", (long)getpid());
	if ((d->log = tmpfile()) == NULL) {
		fprintf(stderr, "meshpool-view: temporary file: %s\n", strerror(errno));
		return -1;
	}
	/* Shared with the daemon: it appends wherever the viewer reads. */
	fcntl(fileno(d->log), F_SETFL, O_APPEND);
	fflush(NULL);
	if ((d->pid = fork()) < 0) {
		fprintf(stderr, "meshpool-view: fork: %s\n", strerror(errno));
		d->pid = 0;
		goto fail;
	}
	if (d->pid == 0)
		exec_daemon(d->name, workers, fileno(d->log));
	if (wait_ready(d) == 0)
		return 0;
	fprintf(stderr, "meshpool-view: the private meshpoold did not start "
	    "(set MESHPOOLD to its path, or use -n or --local); it said:\n");
	private_show_log(d, stderr);
fail:
	private_stop(d);
	return -1;
}

void
private_stop(struct private_daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (d->log != NULL)
		fclose(d->log);
	d->log = NULL;
}
