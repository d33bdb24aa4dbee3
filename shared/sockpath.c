/*
 * sockpath.c - control socket location and folder checks (sockpath.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockpath.h"

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
		n = snprintf(buf, len, "/run/meshpool");
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/meshpool", xdg);
	else
		n = snprintf(buf, len, "/tmp/meshpool-%ld", (long)geteuid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
in_dir(const char *name, const char *suffix, char *buf, size_t len)
{
	char dir[256];
	int n;

	if (!instance_name_ok(name) || sock_dir(dir, sizeof dir) != 0)
		return -1;
	n = snprintf(buf, len, "%s/%s%s", dir, name, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
sock_path(const char *name, char *buf, size_t len)
{
	struct sockaddr_un sun;

	if (len > sizeof sun.sun_path)
		len = sizeof sun.sun_path;
	return in_dir(name, ".sock", buf, len);
}

int
instance_socket(const char *instance, char *buf, size_t len)
{
	struct sockaddr_un sun;

	if (instance == NULL || instance[0] != '/')
		return sock_path(instance, buf, len);
	if (strlen(instance) >= len || strlen(instance) >= sizeof sun.sun_path)
		return -1;
	memcpy(buf, instance, strlen(instance) + 1);
	return 0;
}

int
lock_path(const char *name, char *buf, size_t len)
{
	return in_dir(name, ".lock", buf, len);
}

int
sock_dir_make(int group_shared, char *err, size_t errlen)
{
	char dir[256];
	struct stat st;
	mode_t mode = group_shared ? 0750 : 0700;

	if (sock_dir(dir, sizeof dir) != 0) {
		snprintf(err, errlen, "socket folder path too long");
		return -1;
	}
	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "cannot stat %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (!group_shared && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)) {
		snprintf(err, errlen, "unsafe permissions on %s (want a folder of "
		    "uid %ld, mode %o)", dir, (long)geteuid(), (unsigned)mode);
		return -1;
	}
	return 0;
}
