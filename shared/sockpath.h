/*
 * sockpath.h - where an instance's control socket lives, and checks that
 * the folder is safe (as tmux does): /run/meshpool when root, else
 * $XDG_RUNTIME_DIR/meshpool, else /tmp/meshpool-UID.
 */
#ifndef MP_SOCKPATH_H
#define MP_SOCKPATH_H

#include <stddef.h>

#define INSTANCE_MAX 64

/* 1 if name is a usable instance name: [A-Za-z0-9_.-], 1..64, no leading
 * dot (it becomes part of a file name). */
int instance_name_ok(const char *name);
/* The socket folder, and NAME.sock / NAME.lock in it: 0, or -1 if it does
 * not fit in len (or in sun_path, for the socket). */
int sock_dir(char *buf, size_t len);
int sock_path(const char *name, char *buf, size_t len);
int lock_path(const char *name, char *buf, size_t len);
/* Where instance listens: a path as given if it starts with "/" (the
 * daemon's "socket" setting), else sock_path of the name: 0 or -1. */
int instance_socket(const char *instance, char *buf, size_t len);
/* Create the folder (mode 0700, or 0750 when shared with a group) or check
 * an existing one: a real folder, ours or root's, writable by nobody else.
 * 0, or -1 with a sentence in err. */
int sock_dir_make(int group_shared, char *err, size_t errlen);

#endif
