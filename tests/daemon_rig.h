/*
 * daemon_rig.h - start and stop a private meshpoold instance for a test,
 * read its status, and talk to its socket raw (as a hostile client would).
 */
#ifndef MP_TEST_DAEMON_RIG_H
#define MP_TEST_DAEMON_RIG_H

#include <stdint.h>
#include <sys/types.h>

#include "port.h"

struct daemon {
	const char *bin;        /* NULL: ./meshpoold */
	const char *pre;        /* shell words before it, or NULL ("ulimit
	                         * -n 24;", "VAR=value") */
	char  name[64];
	pid_t pid;
	char  log[128];
};

/* Start ./meshpoold -f -n <unique> -w workers [extra args]; waits until it
 * answers.  0 or -1. */
int  daemon_start(struct daemon *d, int workers, const char *extra);
/* The same with another daemon binary (tests/meshpoold-fi). */
int  daemon_start_bin(struct daemon *d, const char *bin, int workers,
         const char *extra);
/* The same with shell words run before it (limits, environment). */
int  daemon_start_pre(struct daemon *d, const char *bin, const char *pre,
         int workers, const char *extra);
/* Start again under the same name (after it stopped or was killed). */
int  daemon_restart(struct daemon *d, int workers, const char *extra);
/* Send sig and wait for the exit status (as from waitpid). */
int  daemon_stop(struct daemon *d, int sig);
/* A connection to d's control socket: the fd, or -1. */
int  daemon_dial(const struct daemon *d);
/* One status JSON line into buf: 0 or -1. */
int  daemon_status(const struct daemon *d, char *buf, size_t len);
/* A numeric field of a status line ("workers", ...), or -1. */
long long json_num(const char *json, const char *key);

/* A client registered by hand, as a program that knows the layout would:
 * its socket, its three mappings (its own segment read-write), and a port
 * on them. */
struct raw_client {
	int    sock;
	void  *cseg, *inst, *arena;
	size_t cseg_size, inst_size, arena_size;
	struct port p;
};
/* Register by hand: the raw answer line into line; 1 and *rc filled on a
 * welcome, 0 on an error line (the socket stays open in rc->sock), -1 if
 * the daemon could not be reached. */
int  raw_register(const struct daemon *d, unsigned abi, char *line,
         size_t len, struct raw_client *rc);
void raw_close(struct raw_client *rc);

/* Until the pool runs want workers (status "workers" and live worker
 * processes agree), at most ms: the live processes then. */
int  wait_workers(const struct daemon *d, int want, int ms);

/* CPU ticks (utime+stime) and context switches of a process so far. */
struct proc_sample {
	char state;
	unsigned long long ticks, switches;
};
int  proc_sample(pid_t pid, struct proc_sample *s);
/* Running (not zombie) children of parent: the count; their pids into
 * out, up to max. */
int  daemon_children(pid_t parent, pid_t *out, int max);
/* The supervisor and every worker of d slept through ms: no tick of CPU,
 * no context switch.  Returns how many processes moved (0 = all asleep). */
int  daemon_asleep(const struct daemon *d, int ms);
/* Run cmd with sh; its standard output into out (len bytes, always ended
 * by a NUL; out may be NULL to drop it).  The exit status, or -1 if it
 * could not run or did not exit. */
int  shell_out(const char *cmd, char *out, size_t len);

#endif
