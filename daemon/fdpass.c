/*
 * fdpass.c - see fdpass.h.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fdpass.h"

int
fd_send(int s, const void *buf, size_t len, const int *fds, int nfds,
    int flags)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FDPASS_MAX * sizeof(int))];
	} u;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr msg;
	struct cmsghdr *cm;

	if (nfds < 1 || nfds > FDPASS_MAX)
		return -1;
	memset(&msg, 0, sizeof msg);
	memset(&u, 0, sizeof u);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	return sendmsg(s, &msg, flags | MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}
