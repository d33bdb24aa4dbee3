/*
 * fdpass.h - send bytes with file descriptors attached (SCM_RIGHTS): a
 * client's welcome on the control socket, a client segment on a worker's
 * channel.
 */
#ifndef MP_FDPASS_H
#define MP_FDPASS_H

#include <stddef.h>

/* Send len bytes of buf with fds[0..nfds) (nfds <= FDPASS_MAX) on socket
 * s, in one sendmsg (flags as for sendmsg; MSG_NOSIGNAL is added): 0 when
 * all of it went, else -1. */
#define FDPASS_MAX 4
int fd_send(int s, const void *buf, size_t len, const int *fds, int nfds,
        int flags);

#endif
