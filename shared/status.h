/*
 * status.h - the instance's status, as `meshpoolctl status --json` prints
 * it: one JSON object.  Its flat fields are defined once, in the table in
 * status.c, for the daemon that writes them and the tools that read them
 * back (meshpoolctl, the tests); the lists after them (failed_by,
 * worker_list, clients) are written by the daemon and read with the
 * generic readers below.
 */
#ifndef MP_STATUS_H
#define MP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define STATUS_WORD 24          /* room for a short string field */

struct status {
	char     instance[72];
	int64_t  pid;
	char     state[STATUS_WORD];     /* starting, running, draining, stopped */
	double   uptime_s;
	uint64_t workers, busy_workers, live_workers;
	char     health[STATUS_WORD];    /* ok, degraded */
	char     spawn_error[96];        /* why a worker could not be forked */
	uint64_t clients, queued, in_flight;
	uint64_t completed, failed, requeued, poisoned;
	uint64_t arena_bytes, arena_used_bytes;
	uint64_t worker_restarts, min_workers, max_workers;
	char     mode[STATUS_WORD];      /* static, dynamic */
	uint64_t lock_repairs, client_faults;
	double   chunks_per_s_10s, compute_p50_us, compute_p99_us;
};

/* Write st's fields as "name":value pairs, comma separated, no braces:
 * the length written (as snprintf). */
int status_format(char *buf, size_t len, const struct status *st);
/* Read every field status_format writes from the object json into st:
 * how many were found. */
int status_parse(const char *json, struct status *st);

/* The first "key": number in json at or after from, or def. */
double      json_number(const char *from, const char *key, double def);
/* The first "key": "string" in json at or after from, into out (len bytes,
 * always ended); NULL if there is none. */
const char *json_string(const char *from, const char *key, char *out,
                size_t len);

#endif
