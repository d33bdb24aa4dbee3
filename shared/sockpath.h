/*
 * sockpath.h - where an instance's control socket lives, how a client finds
 * it, and the checks that keep the folder safe (as tmux does).
 *
 * A daemon run by root listens in /run/meshpool, any other user's in
 * $XDG_RUNTIME_DIR/meshpool, else /tmp/meshpool-UID.  A client looks in its
 * own user's places first and then in /run/meshpool, so a game run by a
 * normal user finds the system service (when the socket's group lets it in).
 */
#ifndef MP_SOCKPATH_H
#define MP_SOCKPATH_H

#include <stddef.h>

#define INSTANCE_MAX 64
/* Where a client looks: the user's XDG folder (or the usual one,
 * /run/user/UID, when the game was started without XDG_RUNTIME_DIR), the
 * /tmp fallback, and the system folder. */
#define SOCK_CANDIDATES 3
#define SOCK_PATH_MAX 108       /* sizeof sun_path on Linux */

/* 1 if name is a usable instance name: [A-Za-z0-9_.-], 1..64, no leading
 * dot (it becomes part of a file name). */
int instance_name_ok(const char *name);
/* The folder a daemon of this user makes, and NAME.sock / NAME.lock in it:
 * 0, or -1 if it does not fit in len (or in sun_path, for the socket). */
int sock_dir(char *buf, size_t len);
int sock_path(const char *name, char *buf, size_t len);
int lock_path(const char *name, char *buf, size_t len);
/* The sockets a client tries for instance (NULL: "default"), in order: the
 * path as given if it starts with "/", else NAME.sock in each candidate
 * folder.  The count, or -1 for a bad name. */
int instance_candidates(const char *instance,
    char paths[SOCK_CANDIDATES][SOCK_PATH_MAX]);
/* Connect to the first candidate that accepts: MP_OK with *fd set and the
 * socket's path in why; MP_EPERM if a socket is there but this user may
 * not connect to it, MP_ENOENT if no daemon listens at any of them,
 * MP_EINVAL for a bad name, MP_ENOMEM, each with a sentence in why naming
 * every path tried and what it said. */
int instance_dial(const char *instance, int *fd, char *why, size_t whylen);
/* Create the folder 0700 or check an existing one: a real folder, ours or
 * root's, writable by nobody else.  A group-shared instance needs others to
 * pass through it, so it adds the search bits (0711); the folder is never
 * given to a group, its sockets carry their own mode and group.  0, or -1
 * with a sentence in err. */
int sock_dir_make(int group_shared, char *err, size_t errlen);

#endif
