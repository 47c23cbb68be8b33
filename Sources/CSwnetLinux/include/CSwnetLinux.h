#ifndef CSWNET_LINUX_H
#define CSWNET_LINUX_H

// Swift's Glibc module does not export epoll; this header does, together
// with the socket headers the socket layer needs in one place.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>

/// Makes SIGINT restore the blocking mode of stdin and stdout, print
/// "swnet: interrupted" and exit with `code`: a client must not leave the
/// shell's terminal non-blocking behind it. An ignored SIGINT stays ignored.
void swnet_exit_on_interrupt(int code);

/// Sets O_NONBLOCK on `fd` unless it is set already, and remembers that it
/// did, so the SIGINT handler and `swnet_restore_stdio` clear it again.
/// Returns -1 on error.
int swnet_make_stdio_nonblocking(int fd);

/// Clears the O_NONBLOCK that `swnet_make_stdio_nonblocking` set on fds 0 and 1.
void swnet_restore_stdio(void);

/// accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC): glibc
/// declares accept4 only under _GNU_SOURCE, which Swift's view lacks.
int swnet_accept(int fd, struct sockaddr *address, socklen_t *length);

/// A counter shared by threads (sequentially consistent).
long swnet_atomic_add(long *counter, long delta);
long swnet_atomic_load(long *counter);

#endif
