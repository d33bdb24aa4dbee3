/*
 * private.h - a meshpoold of the viewer's own, as "meshpoolctl demo"
 * starts one: $MESHPOOLD, else the configured sbindir, else $PATH.
 */
#ifndef MPV_PRIVATE_H
#define MPV_PRIVATE_H

#include <stdio.h>
#include <sys/types.h>

struct private_daemon {
	char   name[64];        /* the instance name to connect to */
	pid_t  pid;
	FILE  *log;             /* its standard error (an unlinked file) */
};

/* Start one with the given worker count and wait until it takes clients:
 * 0, or -1 after printing why (its own error message if it said one). */
int  private_start(struct private_daemon *d, int workers);
/* Print what it wrote to standard error, to f. */
void private_show_log(const struct private_daemon *d, FILE *f);
/* Stop it (SIGTERM) and wait for it. */
void private_stop(struct private_daemon *d);

#endif
