/*
 * sockpath.c - control socket location, the client's search for an
 * instance, and folder checks (sockpath.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "meshpool.h"
#include "sockpath.h"

/* Root's instances, the system service's among them. */
#define SYSTEM_DIR "/run/meshpool"

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == SOCK_PATH_MAX,
    "SOCK_PATH_MAX is sun_path's size");

int
instance_name_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (n == 0 || n > INSTANCE_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int
sock_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "%s", SYSTEM_DIR);
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/meshpool", xdg);
	else
		n = snprintf(buf, len, "/tmp/meshpool-%ld", (long)geteuid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
in_dir(const char *dir, const char *name, const char *suffix, char *buf,
    size_t len)
{
	int n;

	if (!instance_name_ok(name))
		return -1;
	n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
sock_path(const char *name, char *buf, size_t len)
{
	char dir[SOCK_PATH_MAX];

	if (len > SOCK_PATH_MAX)
		len = SOCK_PATH_MAX;
	if (sock_dir(dir, sizeof dir) != 0)
		return -1;
	return in_dir(dir, name, ".sock", buf, len);
}

int
lock_path(const char *name, char *buf, size_t len)
{
	char dir[SOCK_PATH_MAX];

	if (sock_dir(dir, sizeof dir) != 0)
		return -1;
	return in_dir(dir, name, ".lock", buf, len);
}

int
instance_candidates(const char *instance,
    char paths[SOCK_CANDIDATES][SOCK_PATH_MAX])
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *name = instance != NULL ? instance : "default";
	char dirs[SOCK_CANDIDATES][SOCK_PATH_MAX];
	int n = 0, k, i;

	if (name[0] == '/') {
		if (strlen(name) >= SOCK_PATH_MAX)
			return -1;
		memcpy(paths[0], name, strlen(name) + 1);
		return 1;
	}
	if (geteuid() != 0) {
		if (xdg != NULL && xdg[0] == '/')
			k = snprintf(dirs[n], SOCK_PATH_MAX, "%s/meshpool", xdg);
		else
			k = snprintf(dirs[n], SOCK_PATH_MAX, "/run/user/%ld/meshpool",
			    (long)geteuid());
		n += k > 0 && k < SOCK_PATH_MAX;
		k = snprintf(dirs[n], SOCK_PATH_MAX, "/tmp/meshpool-%ld",
		    (long)geteuid());
		n += k > 0 && k < SOCK_PATH_MAX;
	}
	snprintf(dirs[n++], SOCK_PATH_MAX, "%s", SYSTEM_DIR);
	for (i = k = 0; i < n; i++)
		if (in_dir(dirs[i], name, ".sock", paths[k], SOCK_PATH_MAX) == 0)
			k++;
	return k > 0 ? k : -1;
}

/* Owner, group and mode of path as "root:games 0660" (or its folder's, when
 * the socket itself cannot be seen), to say who may connect. */
static void
describe_owner(const char *path, char *buf, size_t len)
{
	char dir[SOCK_PATH_MAX], *slash;
	struct passwd *pw;
	struct group *gr;
	struct stat st;
	const char *what = "socket";

	snprintf(dir, sizeof dir, "%s", path);
	if (stat(path, &st) != 0) {
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
			*slash = '\0';
		if (stat(dir, &st) != 0) {
			buf[0] = '\0';
			return;
		}
		what = "folder";
		path = dir;
	}
	pw = getpwuid(st.st_uid);
	gr = getgrgid(st.st_gid);
	snprintf(buf, len, " (%s %s is %s:%s %04o)", what, path,
	    pw ? pw->pw_name : "?", gr ? gr->gr_name : "?",
	    (unsigned)(st.st_mode & 07777));
}

/* Append "path: reason" to why. */
static void
note_try(char *why, size_t len, const char *path, int err)
{
	size_t used = strlen(why);
	char owner[SOCK_PATH_MAX + 64] = "";

	if (err == EACCES || err == EPERM)
		describe_owner(path, owner, sizeof owner);
	if (used < len)
		snprintf(why + used, len - used, "%s%s: %s%s", used ? "; " : "",
		    path, strerror(err), owner);
}

static int
dial_one(const char *path, int *fd)
{
	struct sockaddr_un sun;
	int s, e;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (connect(s, (struct sockaddr *)&sun, sizeof sun) != 0) {
		e = errno;
		close(s);
		return e;
	}
	*fd = s;
	return 0;
}

int
instance_dial(const char *instance, int *fd, char *why, size_t whylen)
{
	char paths[SOCK_CANDIDATES][SOCK_PATH_MAX], tried[768] = "";
	const char *name = instance != NULL ? instance : "default";
	int n, i, e, denied = 0, hidden = 0;
	struct stat st;

	if (whylen > 0)
		why[0] = '\0';
	if ((n = instance_candidates(instance, paths)) < 0) {
		snprintf(why, whylen, "bad instance name \"%s\": want 1..%d of "
		    "A-Z a-z 0-9 _ . - (not starting with a dot), or a socket's "
		    "path", name, INSTANCE_MAX);
		return MP_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if ((e = dial_one(paths[i], fd)) == 0) {
			snprintf(why, whylen, "%s", paths[i]);
			return MP_OK;
		}
		if (e == ENOMEM || e == ENOBUFS || e == EMFILE || e == ENFILE) {
			snprintf(why, whylen, "cannot make a socket: %s", strerror(e));
			return MP_ENOMEM;
		}
		if (e == EACCES || e == EPERM) {
			/* A socket we may not use, or a folder we may not enter
			 * (then we cannot tell whether anything listens). */
			if (stat(paths[i], &st) == 0)
				denied = 1;
			else
				hidden = 1;
		}
		note_try(tried, sizeof tried, paths[i], e);
	}
	if (denied)
		snprintf(why, whylen, "meshpoold instance \"%s\" is running but "
		    "this user may not connect (members of the socket's group "
		    "may): %s", name, tried);
	else if (hidden)
		snprintf(why, whylen, "cannot tell whether meshpoold instance "
		    "\"%s\" runs: this user may not enter its folder: %s", name,
		    tried);
	else
		snprintf(why, whylen, "meshpoold instance \"%s\" is not running "
		    "(tried %s)", name, tried);
	return denied || hidden ? MP_EPERM : MP_ENOENT;
}

int
sock_dir_make(int group_shared, char *err, size_t errlen)
{
	char dir[SOCK_PATH_MAX];
	struct stat st;
	mode_t want;

	if (sock_dir(dir, sizeof dir) != 0) {
		snprintf(err, errlen, "socket folder path too long");
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "cannot stat %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "unsafe permissions on %s (want a folder "
		    "of uid %ld or root that only its owner may write)", dir,
		    (long)geteuid());
		return -1;
	}
	want = (st.st_mode & 0777) | S_IXGRP | S_IXOTH;
	if (group_shared && want != (st.st_mode & 0777) &&
	    (st.st_uid != geteuid() || chmod(dir, want) != 0)) {
		snprintf(err, errlen, "%s: the group's members cannot reach the "
		    "socket: cannot add search permission (mode %04o): %s", dir,
		    (unsigned)want, st.st_uid != geteuid() ? "not our folder" :
		    strerror(errno));
		return -1;
	}
	return 0;
}
