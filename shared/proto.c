/*
 * proto.c - strict parsers for the control-socket lines (proto.h).
 * Strict: every field present, in range, nothing after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

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
