/*
 * settings.h - meshpoold's configuration: defaults, then the INI file
 * (meshpoold.conf(5), parsed by libinih), then command-line flags, all
 * through one table of keys (settings_table.c).
 */
#ifndef MP_SETTINGS_H
#define MP_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONFIG_DEFAULT_PATH "/etc/meshpool/meshpoold.conf"

/* Which keys were given (flags override only those they set). */
enum {
	CF_WORKERS = 1 << 0, CF_MIN = 1 << 1, CF_MAX = 1 << 2, CF_START = 1 << 3,
	CF_IDLE = 1 << 4, CF_TIMEOUT = 1 << 5, CF_ARENA = 1 << 6,
	CF_CLIENTS = 1 << 7, CF_LANE = 1 << 8, CF_SOCKET = 1 << 9,
	CF_GROUP = 1 << 10, CF_MODE = 1 << 11, CF_LOG = 1 << 12,
};

struct config {
	uint32_t set;                    /* CF_* */
	uint32_t min_workers, max_workers, start_workers;
	uint32_t idle_timeout_s, request_timeout_s;
	uint32_t arena_mb, max_clients, lane_depth;
	char     socket[108];            /* "" = the default place */
	char     group[64];              /* "" = none */
	gid_t    gid;
	int      mode;                   /* socket mode; -1 = 0600 or 0660 */
	int      log_level;              /* syslog priority */
};

/* How a key's value is read. */
enum setting_kind {
	SK_WORKERS,     /* 1..MP_MAX_WORKERS or "auto" */
	SK_ALL_WORKERS, /* the same, into min, max and start at once */
	SK_NUMBER,      /* lo..hi */
	SK_POW2,        /* lo..hi, a power of two */
	SK_PATH,        /* an absolute path */
	SK_GROUP,       /* a group name (its gid goes along) */
	SK_MODE,        /* an octal socket mode */
	SK_LEVEL,       /* a syslog level name */
};

struct setting {
	const char *key;
	enum setting_kind kind;
	size_t      off;                 /* of the field in struct config */
	uint32_t    flag;                /* CF_* */
	uint32_t    lo, hi;              /* SK_NUMBER, SK_POW2 */
	const char *why;                 /* what a bad value is told */
	char        opt;                 /* its command-line flag, or 0 */
	int         live;                /* a reload applies it; else at start */
	const char *help;                /* one line, for usage texts */
};

extern const struct setting settings_table[];
extern const size_t settings_count;

/* The entry of key, or NULL. */
const struct setting *setting_find(const char *key);
/* The entry of command-line flag opt, or NULL. */
const struct setting *setting_of_flag(char opt);

/* Defaults; workers "auto" is half the online CPUs, at least 1. */
void config_defaults(struct config *c);
/* Read path over c.  0, 1 if it is missing and missing_ok (c unchanged),
 * or -1 with "PATH:LINE: reason" in err (c is then unchanged).  Lines are
 * "key = value", blank, a comment ("#" or ";" first, or after a blank
 * anywhere in a line), or "[meshpoold]"; leading blanks do not matter. */
int  config_load(const char *path, int missing_ok, struct config *c,
         char *err, size_t len);
/* The same from text in memory (tests, fuzzing); name is used in err. */
int  config_load_text(const char *text, const char *name, struct config *c,
         char *err, size_t len);
/* One key=value, as from the file (used for command-line flags too):
 * NULL, or why not (the rule it breaks, in words). */
const char *config_set(struct config *c, const char *key, const char *value);
/* Keys of over (those it set) copied onto c, then checked together:
 * NULL, or why not. */
const char *config_merge(struct config *c, const struct config *over);
/* Copy the keys a reload cannot apply from old into c; their names, ", "
 * separated, into changed (empty if none differed). */
void config_keep_static(struct config *c, const struct config *old,
         char *changed, size_t len);
int  config_dynamic(const struct config *c);   /* min < max */

#endif
