/*
 * snapshot.h - the supervisor's state as the control socket shows it,
 * read without changing anything.
 */
#ifndef MP_SNAPSHOT_H
#define MP_SNAPSHOT_H

#include <stdint.h>
#include <sys/types.h>

#include "status.h"
#include "supervisor.h"

struct sv_worker_info {
	pid_t       pid;             /* 0: down */
	const char *state;           /* idle, busy, stopped, down */
	uint64_t    done;
	double      busy_ms;         /* on its current request */
	uint64_t    user_data;       /* of its current request, or 0 */
};

struct sv_client_info {
	pid_t    pid;
	uid_t    uid;
	uint32_t in_flight;
	uint64_t completed, failed, arena_bytes;
};

/* The status object's fields into st, and the queue's figures (for the
 * lists that follow them) into qs. */
void sv_status(struct supervisor *sv, struct status *st, struct q_stats *qs);
/* Worker slot i (i < nworkers). */
void sv_worker_info(struct supervisor *sv, uint32_t i,
         struct sv_worker_info *wi);
/* Client slot: 1 and *ci if a client is registered there, else 0. */
int  sv_client_info(struct supervisor *sv, uint32_t slot,
         struct sv_client_info *ci);

#endif
