/*
 * settings.c - the configuration from the INI file and the command line
 * (settings.h), key by key as settings_table.c says.  Every value is
 * checked whole (no trailing junk, in range); the first bad line is
 * reported with its number and the file is not applied at all.
 */
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "settings.h"
#include "layout.h"

#define SOCKET_PATH_MAX 100     /* within sun_path, with room to spare */

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

const struct setting *
setting_find(const char *key)
{
	size_t i;

	for (i = 0; i < settings_count; i++)
		if (strcmp(settings_table[i].key, key) == 0)
			return &settings_table[i];
	return NULL;
}

const struct setting *
setting_of_flag(char opt)
{
	size_t i;

	for (i = 0; opt != 0 && i < settings_count; i++)
		if (settings_table[i].opt == opt)
			return &settings_table[i];
	return NULL;
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

static int
level(const char *v, int *out)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(v, levels[i].name) == 0) {
			*out = levels[i].level;
			return 0;
		}
	return -1;
}

static int
mode(const char *v, int *out)
{
	char *end;
	long m = strtol(v, &end, 8);

	if (v[0] != '0' || *end != '\0' || m < 0600 || m > 0666 ||
	    (m & 0111) != 0 || (m & 0600) != 0600)
		return -1;
	*out = (int)m;
	return 0;
}

/* Read v for s into c: 0, or -1 (s->why says why). */
static int
read_value(struct config *c, const struct setting *s, const char *v)
{
	char *at = (char *)c + s->off;
	uint32_t n;
	struct group *g;

	switch (s->kind) {
	case SK_ALL_WORKERS:
	case SK_WORKERS:
		if (strcmp(v, "auto") == 0)
			n = auto_workers();
		else if (number(v, s->lo, s->hi, &n) != 0)
			return -1;
		if (s->kind == SK_ALL_WORKERS)
			c->min_workers = c->max_workers = n;
		memcpy(at, &n, sizeof n);
		return 0;
	case SK_NUMBER:
	case SK_POW2:
		if (number(v, s->lo, s->hi, &n) != 0 ||
		    (s->kind == SK_POW2 && (n & (n - 1)) != 0))
			return -1;
		memcpy(at, &n, sizeof n);
		return 0;
	case SK_PATH:
		if (v[0] != '/' || strlen(v) > SOCKET_PATH_MAX)
			return -1;
		snprintf(c->socket, sizeof c->socket, "%s", v);
		return 0;
	case SK_GROUP:
		if ((g = getgrnam(v)) == NULL || strlen(v) >= sizeof c->group)
			return -1;
		snprintf(c->group, sizeof c->group, "%s", v);
		c->gid = g->gr_gid;
		return 0;
	case SK_MODE:
		return mode(v, &c->mode);
	case SK_LEVEL:
		return level(v, &c->log_level);
	}
	return -1;
}

const char *
config_set(struct config *c, const char *key, const char *v)
{
	const struct setting *s = setting_find(key);
	struct config tmp = *c;

	if (s == NULL)
		return "unknown key";
	if (read_value(&tmp, s, v) != 0)
		return s->why;          /* c unchanged */
	*c = tmp;
	c->set |= s->flag;
	return NULL;
}

/* Copy s's value (and what goes with it) from src to dst. */
static void
copy_value(struct config *dst, const struct config *src,
    const struct setting *s)
{
	size_t n = s->kind == SK_PATH ? sizeof dst->socket :
	    s->kind == SK_GROUP ? sizeof dst->group :
	    s->kind == SK_MODE || s->kind == SK_LEVEL ? sizeof(int) :
	    sizeof(uint32_t);

	memcpy((char *)dst + s->off, (const char *)src + s->off, n);
	if (s->kind == SK_ALL_WORKERS)
		dst->min_workers = src->min_workers, dst->max_workers = src->max_workers;
	if (s->kind == SK_GROUP)
		dst->gid = src->gid;
}

static int
same_value(const struct config *a, const struct config *b,
    const struct setting *s)
{
	struct config x = *a;

	copy_value(&x, b, s);
	return memcmp(&x, a, sizeof x) == 0;
}

const char *
config_merge(struct config *c, const struct config *o)
{
	size_t i;

	for (i = 0; i < settings_count; i++)
		if (o->set & settings_table[i].flag)
			copy_value(c, o, &settings_table[i]);
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

void
config_keep_static(struct config *c, const struct config *old, char *changed,
    size_t len)
{
	size_t i, at = 0;

	if (len > 0)
		changed[0] = '\0';
	for (i = 0; i < settings_count; i++) {
		const struct setting *s = &settings_table[i];

		if (s->live)
			continue;
		if (!same_value(c, old, s) && at < len)
			at += (size_t)snprintf(changed + at, len - at, "%s%s",
			    at ? ", " : "", s->key);
		copy_value(c, old, s);
	}
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
	const char *why = config_set(l->c, key, value);

	(void)section;          /* tidy() let only [meshpoold] through */
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

/* Copy line [p, e) into out without leading blanks and comments ("#" or
 * ";" first, or after a blank), and trailing blanks: the new end. */
static char *
tidy_line(const char *p, const char *e, char *out)
{
	const char *q;

	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	for (q = p; q < e; q++)
		if ((*q == '#' || *q == ';') &&
		    (q == p || q[-1] == ' ' || q[-1] == '\t'))
			break;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
		q--;
	memcpy(out, p, (size_t)(q - p));
	return out + (q - p);
}

/*
 * The file as inih is to read it, line for line so the numbers stay right:
 * without leading blanks (inih would take an indented line for more of the
 * previous value), comments and trailing blanks; a section line other
 * than [meshpoold] is refused at its own line.  A malloc'd copy, or NULL
 * with err set.
 */
static char *
tidy(const char *text, const char *name, char *err, size_t len)
{
	size_t n = strlen(text);
	char *out = malloc(n + 2), *o = out, *start;
	const char *p = text, *e;
	int line = 1;

	if (out == NULL) {
		snprintf(err, len, "%s: out of memory", name);
		return NULL;
	}
	for (; *p != '\0'; p = *e ? e + 1 : e, line++) {
		e = p + strcspn(p, "\n");
		start = o;
		o = tidy_line(p, e, o);
		if (o > start && *start == '[' && ((size_t)(o - start) !=
		    sizeof "[meshpoold]" - 1 || memcmp(start, "[meshpoold]",
		    sizeof "[meshpoold]" - 1) != 0)) {
			snprintf(err, len, "%s:%d: unknown section %.*s (want none "
			    "or [meshpoold])", name, line, (int)(o - start > 40 ? 40 :
			    o - start), start);
			free(out);
			return NULL;
		}
		*o++ = '\n';
	}
	*o = '\0';
	return out;
}

/* Parse text with inih, then merge onto c. */
static int
load(const char *text, const char *name, struct config *c, char *err,
    size_t len)
{
	struct config file = *c;
	char why[256] = "", why2[256] = "", *clean;
	struct load l = { &file, why, sizeof why, name, 0 };
	const char *bad;
	int r;

	file.set = 0;
	if ((clean = tidy(text, name, err, len)) == NULL)
		return -1;
	if ((r = ini_parse_string(clean, on_key, &l)) != 0) {
		if (r < 0)
			snprintf(err, len, "%s: out of memory", name);
		else
			snprintf(err, len, "%s:%d: %s", name, r,
			    blame(clean, r, c, why2, sizeof why2));
		free(clean);
		return -1;
	}
	free(clean);
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
		return 1;
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
