/*
 * settings_table.c - every key of meshpoold.conf(5): how it is read, its
 * range, what a bad value is told, its command-line flag, and whether a
 * reload applies it.  Adding a key is one line here (and a field in struct
 * config).
 */
#include <stddef.h>

#include "layout.h"
#include "settings.h"

#define F(field) offsetof(struct config, field)
#define STR(x)   STR2(x)
#define STR2(x)  #x
#define ARENA_MB_MIN   4
#define ARENA_MB_MAX   1048576
#define LANE_MIN       16
#define LANE_MAX       65536
#define SECONDS_MAX    86400
#define WORKERS_WHY    "want 1.." STR(MP_MAX_WORKERS) " or auto"

const struct setting settings_table[] = {
	{ "workers", SK_ALL_WORKERS, F(start_workers), CF_WORKERS, 1,
	    MP_MAX_WORKERS, WORKERS_WHY, 'w', 1,
	    "worker processes (auto: half the CPUs, at least 1)" },
	{ "min_workers", SK_WORKERS, F(min_workers), CF_MIN, 1, MP_MAX_WORKERS,
	    WORKERS_WHY, 0, 1, "fewest workers of a growing pool" },
	{ "max_workers", SK_WORKERS, F(max_workers), CF_MAX, 1, MP_MAX_WORKERS,
	    WORKERS_WHY, 0, 1, "most workers of a growing pool" },
	{ "start_workers", SK_WORKERS, F(start_workers), CF_START, 1,
	    MP_MAX_WORKERS, WORKERS_WHY, 0, 1, "workers of a growing pool at start" },
	{ "idle_timeout", SK_NUMBER, F(idle_timeout_s), CF_IDLE, 1, SECONDS_MAX,
	    "want seconds, 1.." STR(SECONDS_MAX), 0, 1,
	    "seconds a worker may sleep before it is retired" },
	{ "request_timeout", SK_NUMBER, F(request_timeout_s), CF_TIMEOUT, 0,
	    SECONDS_MAX, "want seconds, 0.." STR(SECONDS_MAX) " (0: none)", 't', 1,
	    "seconds a request may run (0: no limit)" },
	{ "arena_mb", SK_NUMBER, F(arena_mb), CF_ARENA, ARENA_MB_MIN,
	    ARENA_MB_MAX, "want MiB, " STR(ARENA_MB_MIN) ".." STR(ARENA_MB_MAX),
	    'a', 0, "the mesh arena in MiB" },
	{ "max_clients", SK_NUMBER, F(max_clients), CF_CLIENTS, 1,
	    MP_MAX_CLIENTS, "want 1.." STR(MP_MAX_CLIENTS), 'm', 0,
	    "clients served at once" },
	{ "lane_depth", SK_POW2, F(lane_depth), CF_LANE, LANE_MIN, LANE_MAX,
	    "want a power of two, " STR(LANE_MIN) ".." STR(LANE_MAX), 0, 0,
	    "requests each lane holds" },
	{ "socket", SK_PATH, F(socket), CF_SOCKET, 0, 0,
	    "want an absolute path of at most 100 bytes", 0, 0,
	    "the control socket's path" },
	{ "group", SK_GROUP, F(group), CF_GROUP, 0, 0, "no such group", 0, 0,
	    "a group whose members may connect" },
	{ "mode", SK_MODE, F(mode), CF_MODE, 0, 0,
	    "want an octal mode like 0600 or 0660", 0, 0,
	    "the control socket's mode" },
	{ "log_level", SK_LEVEL, F(log_level), CF_LOG, 0, 0,
	    "want error, warning, info or debug", 0, 1,
	    "error, warning, info or debug" },
};

const size_t settings_count = sizeof settings_table / sizeof settings_table[0];
