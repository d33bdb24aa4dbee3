/*
 * futex.h - the raw futex calls both ends make on shared 32-bit words
 * (no glibc sem_*: a semaphore in memory a client can write is a lock the
 * client can break).  Waking never blocks, whatever the word holds.
 */
#ifndef MP_FUTEX_H
#define MP_FUTEX_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline void
futex_wake(_Atomic uint32_t *word, int n)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Sleep while *word == expect, at most timeout_ms (-1: no limit): 0 when
 * woken, -1 with errno (EAGAIN: the word had changed, ETIMEDOUT, EINTR). */
static inline int
futex_wait(_Atomic uint32_t *word, uint32_t expect, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

	return (int)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expect,
	    timeout_ms < 0 ? NULL : &ts, NULL, 0);
}

#endif
