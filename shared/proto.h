/*
 * proto.h - the control socket's wire format: one text line each way,
 * small enough to read with a glance at strace and to fuzz.
 *
 *   client -> daemon   "hello ABI PID\n"          register this process
 *   daemon -> client   "ok SLOT GEN CSEGBYTES INSTBYTES ARENABYTES\n"
 *                      with SCM_RIGHTS, in this order: the client
 *                      segment (read-write, this client's only), the
 *                      instance header and the arena (both read-only)
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

enum { PROTO_FD_CSEG = 0, PROTO_FD_INST, PROTO_FD_ARENA, PROTO_NFDS };

struct proto_welcome {
	uint32_t slot, gen;
	uint64_t cseg_bytes, inst_bytes, arena_bytes;
};

/* Each formatter writes the whole line, newline included, into buf and
 * returns its length (as snprintf). */
int proto_format_hello(char *buf, size_t len, const struct proto_hello *h);
int proto_format_welcome(char *buf, size_t len, const struct proto_welcome *w);
int proto_format_error(char *buf, size_t len, int code, const char *msg);
/* Each parser: 0, or -1 for a line that is not exactly that message. */
int proto_parse_hello(const char *line, struct proto_hello *h);
int proto_parse_welcome(const char *line, struct proto_welcome *w);
/* "err CODE msg": the code (negative), msg copied; -1 if not an error. */
int proto_parse_error(const char *line, int *code, char *msg, size_t len);

#endif
