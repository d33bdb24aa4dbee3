/*
 * fuzz_proto.c - libFuzzer target: the control socket's line parsers on
 * arbitrary bytes.  Whatever they accept must be exactly what the daemon
 * or client would print: parse, print, parse again, same values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[PROTO_LINE_MAX + 1], again[128], msg[64];
	struct proto_hello h, h2;
	struct proto_welcome w, w2;
	int code;

	if (size > PROTO_LINE_MAX)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (proto_parse_hello(line, &h) == 0) {
		proto_format_hello(again, sizeof again, &h);
		if (proto_parse_hello(again, &h2) != 0 || h2.abi != h.abi ||
		    h2.pid != h.pid)
			abort();
	}
	if (proto_parse_welcome(line, &w) == 0) {
		proto_format_welcome(again, sizeof again, &w);
		if (proto_parse_welcome(again, &w2) != 0 || memcmp(&w, &w2, sizeof w))
			abort();
	}
	if (proto_parse_error(line, &code, msg, sizeof msg) == 0 &&
	    (code >= 0 || strlen(msg) >= sizeof msg))
		abort();
	return 0;
}
