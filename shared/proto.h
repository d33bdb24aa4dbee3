/*
 * proto.h - the control socket's wire format: one text line each way,
 * small enough to read with a glance at strace and to fuzz.
 *
 *   client -> daemon   "hello ABI PID\n"          register this process
 *   daemon -> client   "ok SLOT GEN CTLBYTES ARENABYTES\n"
 *                      with SCM_RIGHTS: control fd, arena read-only fd
 *                      "err CODE message\n"       CODE is an MP_E* value
 *   meshpoolctl        "status\n" etc.: see daemon/ctlsock.c
 *
 * The connection of a registered client stays open; its end (EOF) tells
 * the daemon the client has gone.
 */
#ifndef MP_PROTO_H
#define MP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_LINE_MAX 512

struct proto_hello {
	uint32_t abi;
	int32_t  pid;
};

struct proto_welcome {
	uint32_t slot, gen;
	uint64_t ctl_bytes, arena_bytes;
};

/* Each parser: 0, or -1 for a line that is not exactly that message. */
int proto_parse_hello(const char *line, struct proto_hello *h);
int proto_parse_welcome(const char *line, struct proto_welcome *w);
/* "err CODE msg": the code (negative), msg copied; -1 if not an error. */
int proto_parse_error(const char *line, int *code, char *msg, size_t len);

#endif
