/*
 * proto.c - strict parsers for the control-socket lines (proto.h).
 * Strict: every field present, in range, nothing after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "proto.h"

#define STR(x)  STR2(x)
#define STR2(x) #x

const struct proto_cmd_desc proto_cmds[CMD_NCMDS] = {
	[CMD_STATUS] = { "status", 0, 0, 0, NULL },
	[CMD_CLIENTS] = { "clients", 0, 0, 0, NULL },
	[CMD_SCALE] = { "scale", 1, 1, MP_MAX_WORKERS,
	    "want a number of workers, 1.." STR(MP_MAX_WORKERS) },
	[CMD_DRAIN] = { "drain", 0, 0, 0, NULL },
	[CMD_RELOAD] = { "reload", 0, 0, 0, NULL },
};

int
proto_format_hello(char *buf, size_t len, const struct proto_hello *h)
{
	return snprintf(buf, len, "hello %u %d\n", h->abi, (int)h->pid);
}

int
proto_format_welcome(char *buf, size_t len, const struct proto_welcome *w)
{
	return snprintf(buf, len, "ok %u %u %llu %llu %llu\n", w->slot, w->gen,
	    (unsigned long long)w->cseg_bytes, (unsigned long long)w->inst_bytes,
	    (unsigned long long)w->arena_bytes);
}

int
proto_format_error(char *buf, size_t len, int code, const char *msg)
{
	return snprintf(buf, len, "err %d %s\n", code, msg);
}

/* An unsigned decimal field up to max; advances *p past it and one
 * separator (space, or the end). */
static int
field_u64(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s == ' ')
		s++;
	else if (*s != '\0' && *s != '\n')
		return -1;
	*out = v;
	*p = s;
	return 0;
}

static int
at_end(const char *p)
{
	return p[0] == '\0' || (p[0] == '\n' && p[1] == '\0');
}

int
proto_format_command(char *buf, size_t len, enum proto_cmd cmd, uint32_t arg)
{
	if (proto_cmds[cmd].counted)
		return snprintf(buf, len, "%s %u\n", proto_cmds[cmd].name, arg);
	return snprintf(buf, len, "%s\n", proto_cmds[cmd].name);
}

int
proto_parse_command(const char *line, enum proto_cmd *cmd, uint32_t *arg,
    const char **why)
{
	size_t n = strcspn(line, " \n");
	const char *p = line + n;
	uint64_t v;
	int k;

	*arg = 0;
	for (k = 0; k < CMD_NCMDS; k++)
		if (strlen(proto_cmds[k].name) == n &&
		    strncmp(line, proto_cmds[k].name, n) == 0)
			break;
	if (k == CMD_NCMDS) {
		*why = "unknown command";
		return -1;
	}
	*cmd = (enum proto_cmd)k;
	if (!proto_cmds[k].counted) {
		*why = "takes no argument";
		return at_end(p) ? 0 : -1;
	}
	*why = proto_cmds[k].why;
	if (*p++ != ' ' || field_u64(&p, UINT32_MAX, &v) != 0 || !at_end(p) ||
	    v < proto_cmds[k].lo || v > proto_cmds[k].hi)
		return -1;
	*arg = (uint32_t)v;
	return 0;
}

int
proto_parse_hello(const char *line, struct proto_hello *h)
{
	const char *p = line;
	uint64_t abi, pid;

	if (strncmp(p, "hello ", 6) != 0)
		return -1;
	p += 6;
	if (field_u64(&p, UINT32_MAX, &abi) != 0 ||
	    field_u64(&p, INT32_MAX, &pid) != 0 || !at_end(p))
		return -1;
	h->abi = (uint32_t)abi;
	h->pid = (int32_t)pid;
	return 0;
}

int
proto_parse_welcome(const char *line, struct proto_welcome *w)
{
	const char *p = line;
	uint64_t slot, gen, cb, ib, ab;

	if (strncmp(p, "ok ", 3) != 0)
		return -1;
	p += 3;
	if (field_u64(&p, UINT32_MAX, &slot) != 0 ||
	    field_u64(&p, UINT32_MAX, &gen) != 0 ||
	    field_u64(&p, (uint64_t)1 << 40, &cb) != 0 ||
	    field_u64(&p, (uint64_t)1 << 20, &ib) != 0 ||
	    field_u64(&p, (uint64_t)1 << 44, &ab) != 0 || !at_end(p))
		return -1;
	w->slot = (uint32_t)slot;
	w->gen = (uint32_t)gen;
	w->cseg_bytes = cb;
	w->inst_bytes = ib;
	w->arena_bytes = ab;
	return 0;
}

int
proto_parse_error(const char *line, int *code, char *msg, size_t len)
{
	const char *p = line;
	uint64_t c;
	size_t n;

	if (strncmp(p, "err -", 5) != 0)
		return -1;
	p += 5;
	if (field_u64(&p, 1000, &c) != 0 || c == 0)
		return -1;
	*code = -(int)c;
	n = strcspn(p, "\n");
	if (len > 0) {
		if (n >= len)
			n = len - 1;
		memcpy(msg, p, n);
		msg[n] = '\0';
	}
	return 0;
}
