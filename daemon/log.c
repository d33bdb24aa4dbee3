/*
 * log.c - stderr or syslog.  Like tmux's log.c, the destination is process
 * state set once at start, not part of any request path.  While a
 * detaching daemon starts, its errors also go down the pipe to the process
 * that ran it, which prints them: syslog alone would hide why it failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static int log_syslog;
static int log_max = LOG_INFO;
static int log_errors_fd = -1;  /* errors also go here, or -1 */

void
log_open(const char *ident, int to_syslog, int max_level)
{
	log_syslog = to_syslog;
	log_max = max_level;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_errors_to(int fd)
{
	log_errors_fd = fd;
}

void
log_set_level(int max_level)
{
	log_max = max_level;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog)
		vsyslog(level, fmt, ap);
	else {
		fprintf(stderr, "meshpoold[%ld]: ", (long)getpid());
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	if (level <= LOG_ERR && log_errors_fd >= 0) {
		va_start(ap, fmt);
		vdprintf(log_errors_fd, fmt, ap);
		va_end(ap);
		dprintf(log_errors_fd, "\n");
	}
}
