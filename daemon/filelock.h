/*
 * filelock.h - the lock meshpoold holds on its lock file and pidfile for
 * its life.  A POSIX record lock, not flock: it belongs to the process, so
 * a child caught between fork and closing what it inherited (a worker
 * being started when the supervisor is killed) does not keep holding it,
 * and a new daemon can start the moment the old one is gone.
 */
#ifndef MP_FILELOCK_H
#define MP_FILELOCK_H

#include <fcntl.h>

/* Lock the whole of fd's file for writing, without waiting: 0, or -1. */
static inline int
file_lock(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_SETLK, &fl);
}

#endif
