/*
 * wait.h - wait for a condition in a test: poll it every 10 ms, up to a
 * limit, and say whether it came true.  One loop for every test instead of
 * hand-counted ones.
 */
#ifndef MP_TEST_WAIT_H
#define MP_TEST_WAIT_H

#include <unistd.h>

#define WAIT_STEP_MS 10

/* 1 if cond held within ms milliseconds (checked at least once), else 0. */
#define wait_until(cond, ms) __extension__ ({                            \
	int wait_ok_ = 0, wait_i_;                                       \
	for (wait_i_ = 0; wait_i_ <= (ms) / WAIT_STEP_MS; wait_i_++) {   \
		if (cond) {                                              \
			wait_ok_ = 1;                                    \
			break;                                           \
		}                                                        \
		usleep(WAIT_STEP_MS * 1000);                             \
	}                                                                \
	wait_ok_;                                                        \
})

#endif
