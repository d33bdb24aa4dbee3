/*
 * monotime.h - CLOCK_MONOTONIC in nanoseconds: the one clock every process
 * of an instance reads, so a client's submit stamp and a worker's take
 * time can be subtracted (queue_ns), and timeouts and rates agree.
 */
#ifndef MP_MONOTIME_H
#define MP_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
