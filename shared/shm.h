/*
 * shm.h - POSIX shared-memory segments that never outlive their users.
 *
 * A segment is created under a unique name, backed by real pages up front,
 * opened a second time read-only (for clients), and unlinked before
 * shm_create returns: nothing is ever left in /dev/shm, whatever crashes
 * later.  The fds are what gets shared (inherited by forked workers, passed
 * to clients with SCM_RIGHTS).
 */
#ifndef MP_SHM_H
#define MP_SHM_H

#include <stddef.h>

struct shm_seg {
	int    fd;        /* read-write */
	int    ro_fd;     /* read-only, or -1 */
	void  *base;      /* read-write mapping */
	size_t size;
};

/* Create and map a segment of size bytes; want_ro also opens ro_fd.
 * Fails (-1, with a sentence in err) when the memory is not there, instead
 * of letting the first touch die of SIGBUS on a full tmpfs. */
int   shm_create(struct shm_seg *s, const char *tag, size_t size, int want_ro,
          char *err, size_t errlen);
/* A segment for memory a client will write (its client segment): an
 * anonymous memfd, backed up front and sealed so that nobody holding the
 * fd can shrink or grow it (a shrunk segment would be SIGBUS in the
 * daemon).  No read-only fd.  0, or -1 with a sentence in err. */
int   shm_create_sealed(struct shm_seg *s, const char *tag, size_t size,
          char *err, size_t errlen);
/* Map an inherited or received segment fd; NULL on failure. */
void *shm_map(int fd, size_t size, int writable);
void  shm_destroy(struct shm_seg *s);

#endif
