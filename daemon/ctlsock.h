/*
 * ctlsock.h - the control socket: registration of clients, operator
 * commands, the end of a client's connection meaning it has gone.
 */
#ifndef MP_CTLSOCK_H
#define MP_CTLSOCK_H

struct supervisor;

/* Bind the instance's socket (its lock file held for our life): 0, or -1
 * with the reason logged (nothing left open). */
int  ctlsock_open(struct supervisor *sv);
/* Close every connection, the listener, the socket and the lock. */
void ctlsock_close(struct supervisor *sv);
/* Disconnect the clients the workers found breaking their rings. */
void ctlsock_drop_faulty(struct supervisor *sv);

#endif
