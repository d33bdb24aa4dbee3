/*
 * status.c - the status object's flat fields, written and read through one
 * table (status.h).  Strings in it are the daemon's own words (no quotes
 * or backslashes), so neither side needs escapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

enum field_kind { FK_U64, FK_I64, FK_DBL, FK_STR };

struct field {
	const char     *name;
	enum field_kind kind;
	size_t          off, size;
};

#define U(f) { #f, FK_U64, offsetof(struct status, f), 0 }
#define I(f) { #f, FK_I64, offsetof(struct status, f), 0 }
#define D(f) { #f, FK_DBL, offsetof(struct status, f), 0 }
#define S(f) { #f, FK_STR, offsetof(struct status, f), \
	    sizeof(((struct status *)0)->f) }

/* In the order they are written (the manual lists them). */
static const struct field fields[] = {
	S(instance), I(pid), S(state), D(uptime_s),
	U(workers), U(busy_workers), U(live_workers), S(health), S(spawn_error),
	U(clients), U(queued), U(in_flight),
	U(completed), U(failed), U(requeued), U(poisoned),
	U(arena_bytes), U(arena_used_bytes),
	U(worker_restarts), U(min_workers), U(max_workers), S(mode),
	U(lock_repairs), U(client_faults),
	D(chunks_per_s_10s), D(compute_p50_us), D(compute_p99_us),
};

static int
format_field(char *buf, size_t len, const struct field *f, const void *at)
{
	uint64_t u;
	int64_t i;
	double d;

	switch (f->kind) {
	case FK_U64:
		memcpy(&u, at, sizeof u);
		return snprintf(buf, len, "\"%s\":%llu", f->name,
		    (unsigned long long)u);
	case FK_I64:
		memcpy(&i, at, sizeof i);
		return snprintf(buf, len, "\"%s\":%lld", f->name, (long long)i);
	case FK_DBL:
		memcpy(&d, at, sizeof d);
		return snprintf(buf, len, "\"%s\":%.1f", f->name, d);
	case FK_STR:
		return snprintf(buf, len, "\"%s\":\"%s\"", f->name,
		    (const char *)at);
	}
	return 0;
}

int
status_format(char *buf, size_t len, const struct status *st)
{
	size_t i, at = 0;
	int n;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (at + 1 < len && i > 0)
			buf[at++] = ',', buf[at] = '\0';
		n = format_field(at < len ? buf + at : NULL, at < len ? len - at : 0,
		    &fields[i], (const char *)st + fields[i].off);
		at += (size_t)n;
	}
	return (int)at;
}

/* Where the value of "key": starts in json at or after from, or NULL. */
static const char *
value_of(const char *from, const char *key)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof pat, "\"%s\":", key);
	return (p = strstr(from, pat)) != NULL ? p + strlen(pat) : NULL;
}

double
json_number(const char *from, const char *key, double def)
{
	const char *v = value_of(from, key);
	char *end;
	double d;

	if (v == NULL)
		return def;
	d = strtod(v, &end);
	return end == v ? def : d;
}

const char *
json_string(const char *from, const char *key, char *out, size_t len)
{
	const char *v = value_of(from, key);
	size_t n;

	if (v == NULL || *v != '"' || len == 0)
		return NULL;
	v++;
	n = strcspn(v, "\"");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

int
status_parse(const char *json, struct status *st)
{
	size_t i;
	int found = 0;

	memset(st, 0, sizeof *st);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const struct field *f = &fields[i];
		char *at = (char *)st + f->off;
		uint64_t u;
		int64_t k;
		double d;

		if (value_of(json, f->name) == NULL)
			continue;
		found++;
		d = json_number(json, f->name, 0);
		switch (f->kind) {
		case FK_U64:
			u = (uint64_t)strtoull(value_of(json, f->name), NULL, 10);
			memcpy(at, &u, sizeof u);
			break;
		case FK_I64:
			k = (int64_t)strtoll(value_of(json, f->name), NULL, 10);
			memcpy(at, &k, sizeof k);
			break;
		case FK_DBL:
			memcpy(at, &d, sizeof d);
			break;
		case FK_STR:
			json_string(json, f->name, at, f->size);
			break;
		}
	}
	return found;
}
