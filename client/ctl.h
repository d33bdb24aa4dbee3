/*
 * ctl.h - what meshpoolctl's commands share: its exit statuses.
 */
#ifndef MP_CTL_H
#define MP_CTL_H

enum { EXIT_DONE = 0, EXIT_ERR = 1, EXIT_USAGE = 2, EXIT_NODAEMON = 3,
    EXIT_DENIED = 4 };

#endif
