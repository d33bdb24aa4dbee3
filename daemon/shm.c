/*
 * shm.c - create-backed-unlinked POSIX shared memory segments (shm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

/* A name nobody else holds: tag, pid, a clock-derived nonce, and O_EXCL. */
static int
open_unique(const char *tag, char *name, size_t len)
{
	struct timespec ts;
	int tries, fd;

	for (tries = 0; tries < 64; tries++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, len, "/meshpool.%s.%ld.%lx", tag, (long)getpid(),
		    (unsigned long)(ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20) ^
		    (unsigned long)tries * 0x9e3779b9u));
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

/* Cheap early refusal when tmpfs plainly lacks the room (Docker's 64 MB
 * /dev/shm); posix_fallocate below is the authoritative check. */
static int
room_for(size_t size, char *err, size_t errlen)
{
	struct statvfs vfs;

	if (statvfs("/dev/shm", &vfs) != 0)
		return 1;
	if ((unsigned long long)vfs.f_bavail * vfs.f_frsize < size) {
		snprintf(err, errlen, "/dev/shm has %llu MiB free, segment needs "
		    "%zu MiB: enlarge it (e.g. docker --shm-size) or lower "
		    "arena_mb", (unsigned long long)vfs.f_bavail * vfs.f_frsize >> 20,
		    size >> 20);
		return 0;
	}
	return 1;
}

/* Map s->fd read-write: 0, or -1 with the reason in err. */
static int
map_segment(struct shm_seg *s, size_t size, char *err, size_t errlen)
{
	if ((s->base = shm_map(s->fd, size, 1)) == NULL) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		return -1;
	}
	s->size = size;
	return 0;
}

int
shm_create(struct shm_seg *s, const char *tag, size_t size, int want_ro,
    char *err, size_t errlen)
{
	char name[128];
	int e;

	memset(s, 0, sizeof *s);
	s->fd = s->ro_fd = -1;
	if (size == 0 || !room_for(size, err, errlen))
		goto fail;
	if ((s->fd = open_unique(tag, name, sizeof name)) < 0) {
		snprintf(err, errlen, "shm_open: %s", strerror(errno));
		goto fail;
	}
	if (want_ro && (s->ro_fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0)) < 0)
		snprintf(err, errlen, "shm_open read-only: %s", strerror(errno));
	shm_unlink(name);           /* from here on, only the fds name it */
	if (want_ro && s->ro_fd < 0)
		goto fail;
	if ((e = posix_fallocate(s->fd, 0, (off_t)size)) != 0) {
		snprintf(err, errlen, "cannot back %zu MiB of shared memory: %s",
		    size >> 20, strerror(e));
		goto fail;
	}
	if (map_segment(s, size, err, errlen) == 0)
		return 0;
fail:
	shm_destroy(s);
	return -1;
}

int
shm_create_sealed(struct shm_seg *s, const char *tag, size_t size,
    char *err, size_t errlen)
{
	char name[64];
	int e;

	memset(s, 0, sizeof *s);
	s->fd = s->ro_fd = -1;
	snprintf(name, sizeof name, "meshpool.%s", tag);
	if (size == 0)
		goto fail;
	if ((s->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		goto fail;
	}
	e = ftruncate(s->fd, (off_t)size) != 0 ? errno :
	    posix_fallocate(s->fd, 0, (off_t)size);
	if (e != 0) {
		snprintf(err, errlen, "cannot back %zu KiB of shared memory: %s",
		    size >> 10, strerror(e));
		goto fail;
	}
	if (fcntl(s->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) != 0) {
		snprintf(err, errlen, "memfd seals: %s", strerror(errno));
		goto fail;
	}
	if (map_segment(s, size, err, errlen) == 0)
		return 0;
fail:
	shm_destroy(s);
	return -1;
}

void *
shm_map(int fd, size_t size, int writable)
{
	void *p = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	    MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void
shm_destroy(struct shm_seg *s)
{
	if (s->base != NULL)
		munmap(s->base, s->size);
	if (s->fd >= 0)
		close(s->fd);
	if (s->ro_fd >= 0)
		close(s->ro_fd);
	memset(s, 0, sizeof *s);
	s->fd = s->ro_fd = -1;
}
