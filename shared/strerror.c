/*
 * strerror.c - names of the MP_E* codes.
 */
#include "meshpool.h"

const char *
mp_strerror(int err)
{
	switch (err) {
	case MP_OK:		return "success";
	case MP_EAGAIN:		return "MP_EAGAIN: queue full, try again";
	case MP_EINVAL:		return "MP_EINVAL: invalid request or argument";
	case MP_ENOMEM:		return "MP_ENOMEM: out of memory";
	case MP_ECANCELED:	return "MP_ECANCELED: request cancelled";
	case MP_ETIMEDOUT:	return "MP_ETIMEDOUT: timed out";
	case MP_EWORKER:	return "MP_EWORKER: request crashed its worker twice";
	case MP_ESHUTDOWN:	return "MP_ESHUTDOWN: daemon is shutting down";
	case MP_ENOENT:		return "MP_ENOENT: no such meshpool daemon";
	case MP_EPERM:		return "MP_EPERM: permission denied";
	case MP_EDISCONNECTED:	return "MP_EDISCONNECTED: daemon went away";
	case MP_EPROTO:		return "MP_EPROTO: protocol or ABI mismatch, or a "
				    "damaged or foreign file";
	case MP_EIO:		return "MP_EIO: system call failed";
	default:		return "unknown meshpool error";
	}
}
