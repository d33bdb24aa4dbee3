/*
 * config.c - settings from the INI file and the command line (config.h).
 * Every value is checked whole (no trailing junk, in range); the first bad
 * line is reported with its number and the file is not applied at all.
 */
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "queue.h"
#include "layout.h"

static uint32_t
auto_workers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return cpus >= 2 ? (uint32_t)(cpus / 2) : 1;
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->min_workers = c->max_workers = c->start_workers = auto_workers();
	c->idle_timeout_s = 30;
	c->request_timeout_s = 10;
	c->arena_mb = 128;
	c->max_clients = 32;
	c->lane_depth = 256;
	c->mode = -1;
	c->log_level = LOG_INFO;
}

static int
number(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	if (v[0] < '0' || v[0] > '9')
		return -1;
	x = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static const char *
set_workers(struct config *c, const char *key, const char *v)
{
	uint32_t n;

	if (strcmp(v, "auto") == 0)
		n = auto_workers();
	else if (number(v, 1, MP_MAX_WORKERS, &n) != 0)
		return "want 1..64 or auto";
	if (strcmp(key, "workers") == 0) {
		c->min_workers = c->max_workers = c->start_workers = n;
		c->set |= CF_WORKERS;
	} else if (strcmp(key, "min_workers") == 0)
		c->min_workers = n, c->set |= CF_MIN;
	else if (strcmp(key, "max_workers") == 0)
		c->max_workers = n, c->set |= CF_MAX;
	else
		c->start_workers = n, c->set |= CF_START;
	return NULL;
}

static const char *
set_level(struct config *c, const char *v)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(v, levels[i].name) == 0) {
			c->log_level = levels[i].level;
			c->set |= CF_LOG;
			return NULL;
		}
	return "want error, warning, info or debug";
}

const char *
config_set(struct config *c, const char *key, const char *v)
{
	struct { const char *key; uint32_t *field, lo, hi, flag; const char *why; }
	    nums[] = {
		{ "idle_timeout", &c->idle_timeout_s, 1, 86400, CF_IDLE,
		    "want seconds, 1..86400" },
		{ "request_timeout", &c->request_timeout_s, 0, 86400, CF_TIMEOUT,
		    "want seconds, 0..86400 (0: none)" },
		{ "arena_mb", &c->arena_mb, 4, 1u << 20, CF_ARENA,
		    "want MiB, 4..1048576" },
		{ "max_clients", &c->max_clients, 1, MP_MAX_CLIENTS, CF_CLIENTS,
		    "want 1..64" },
		{ "lane_depth", &c->lane_depth, 16, 65536, CF_LANE,
		    "want a power of two, 16..65536" },
	};
	size_t i;

	if (strcmp(key, "workers") == 0 || strcmp(key, "min_workers") == 0 ||
	    strcmp(key, "max_workers") == 0 || strcmp(key, "start_workers") == 0)
		return set_workers(c, key, v);
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (number(v, nums[i].lo, nums[i].hi, nums[i].field) != 0 ||
		    (nums[i].flag == CF_LANE && (c->lane_depth & (c->lane_depth - 1))))
			return nums[i].why;
		c->set |= nums[i].flag;
		return NULL;
	}
	if (strcmp(key, "socket") == 0) {
		if (v[0] != '/' || strlen(v) > 100)
			return "want an absolute path of at most 100 bytes";
		snprintf(c->socket, sizeof c->socket, "%s", v);
		c->set |= CF_SOCKET;
		return NULL;
	}
	if (strcmp(key, "group") == 0) {
		struct group *g = getgrnam(v);

		if (g == NULL || strlen(v) >= sizeof c->group)
			return "no such group";
		snprintf(c->group, sizeof c->group, "%s", v);
		c->gid = g->gr_gid;
		c->set |= CF_GROUP;
		return NULL;
	}
	if (strcmp(key, "mode") == 0) {
		char *end;
		long m = strtol(v, &end, 8);

		if (v[0] != '0' || *end != '\0' || m < 0600 || m > 0666 ||
		    (m & 0111) != 0 || (m & 0600) != 0600)
			return "want an octal mode like 0600 or 0660";
		c->mode = (int)m;
		c->set |= CF_MODE;
		return NULL;
	}
	if (strcmp(key, "log_level") == 0)
		return set_level(c, v);
	return "unknown key";
}

const char *
config_merge(struct config *c, const struct config *o)
{
	if (o->set & CF_WORKERS)
		c->min_workers = o->min_workers, c->max_workers = o->max_workers,
		c->start_workers = o->start_workers;
	if (o->set & CF_MIN)
		c->min_workers = o->min_workers;
	if (o->set & CF_MAX)
		c->max_workers = o->max_workers;
	if (o->set & CF_START)
		c->start_workers = o->start_workers;
	if (o->set & CF_IDLE)
		c->idle_timeout_s = o->idle_timeout_s;
	if (o->set & CF_TIMEOUT)
		c->request_timeout_s = o->request_timeout_s;
	if (o->set & CF_ARENA)
		c->arena_mb = o->arena_mb;
	if (o->set & CF_CLIENTS)
		c->max_clients = o->max_clients;
	if (o->set & CF_LANE)
		c->lane_depth = o->lane_depth;
	if (o->set & CF_SOCKET)
		memcpy(c->socket, o->socket, sizeof c->socket);
	if (o->set & CF_GROUP)
		memcpy(c->group, o->group, sizeof c->group), c->gid = o->gid;
	if (o->set & CF_MODE)
		c->mode = o->mode;
	if (o->set & CF_LOG)
		c->log_level = o->log_level;
	c->set |= o->set;
	/* start_workers defaults to min_workers when only the range is given. */
	if ((c->set & (CF_MIN | CF_MAX)) && !(c->set & (CF_START | CF_WORKERS)))
		c->start_workers = c->min_workers;
	if (c->min_workers > c->max_workers)
		return "min_workers is above max_workers";
	if (c->start_workers < c->min_workers || c->start_workers > c->max_workers)
		return "start_workers is outside min_workers..max_workers";
	return NULL;
}

int
config_dynamic(const struct config *c)
{
	return c->min_workers < c->max_workers;
}

struct load {
	struct config *c;
	char          *err;
	size_t         len;
	const char    *path;
	int            failed;
};

/* inih calls this per key; returning 0 makes ini_parse report the line. */
static int
on_key(void *user, const char *section, const char *key, const char *value)
{
	struct load *l = user;
	const char *why;

	if (section[0] != '\0' && strcmp(section, "meshpoold") != 0)
		why = "unknown section (want none or [meshpoold])";
	else
		why = config_set(l->c, key, value);
	if (why != NULL && !l->failed) {
		snprintf(l->err, l->len, "%s \"%s\": %s", key, value, why);
		l->failed = 1;
	}
	return why == NULL;
}

/* inih reports the first bad line, whether a line it could not parse or a
 * key we refused; our handler does not see line numbers.  So when both
 * kinds occur, parse again the lines up to the reported one: if our
 * handler fails there, the line is one of ours, else it is inih's. */
static const char *
blame(const char *text, int line, struct config *c, char *why, size_t len)
{
	char *prefix;
	size_t n = 0;
	int k;
	struct config tmp = *c;
	struct load l = { &tmp, why, len, NULL, 0 };

	for (k = 1; k < line && text[n] != '\0'; n++)
		k += text[n] == '\n';
	n += strcspn(text + n, "\n");
	if ((prefix = strndup(text, n)) == NULL)
		return "out of memory";
	ini_parse_string(prefix, on_key, &l);
	free(prefix);
	return l.failed ? why : "not a key = value line";
}

/* Parse text with inih, then merge onto c. */
static int
load(const char *text, const char *name, struct config *c, char *err,
    size_t len)
{
	struct config file = *c;
	char why[256] = "", why2[256] = "";
	struct load l = { &file, why, sizeof why, name, 0 };
	const char *bad;
	int r;

	file.set = 0;
	if ((r = ini_parse_string(text, on_key, &l)) != 0) {
		if (r < 0)
			snprintf(err, len, "%s: out of memory", name);
		else
			snprintf(err, len, "%s:%d: %s", name, r,
			    blame(text, r, c, why2, sizeof why2));
		return -1;
	}
	{
		struct config merged = *c;

		if ((bad = config_merge(&merged, &file)) != NULL) {
			snprintf(err, len, "%s: %s", name, bad);
			return -1;
		}
		*c = merged;
	}
	return 0;
}

/* The whole file in memory, at most 1 MiB: a config is a few lines. */
static char *
slurp(const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc((1 << 20) + 1)) == NULL) {
		fclose(f);
		snprintf(err, len, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, 1 << 20, f);
	if (ferror(f) || !feof(f)) {
		snprintf(err, len, "%s: %s", path, ferror(f) ? strerror(errno) :
		    "larger than 1 MiB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, len, "%s: not a text file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int
config_load(const char *path, int missing_ok, struct config *c, char *err,
    size_t len)
{
	char *text;
	int r;

	if (missing_ok && access(path, F_OK) != 0)
		return 0;
	if ((text = slurp(path, err, len)) == NULL)
		return -1;
	r = load(text, path, c, err, len);
	free(text);
	return r;
}

int
config_load_text(const char *text, const char *name, struct config *c,
    char *err, size_t len)
{
	return load(text, name, c, err, len);
}
