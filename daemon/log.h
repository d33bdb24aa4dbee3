/*
 * log.h - the daemon's log: stderr in the foreground, syslog when detached.
 */
#ifndef MP_LOG_H
#define MP_LOG_H

#include <syslog.h>

void log_open(const char *ident, int to_syslog, int max_level);
void log_set_level(int max_level);
/* Errors are also written to fd (one line each) until called with -1. */
void log_errors_to(int fd);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
