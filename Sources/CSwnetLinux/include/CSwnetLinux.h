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
#include <sys/types.h>

/// Makes SIGINT restore the blocking mode of stdin and stdout, print
/// "swnet: interrupted" and exit with `code`: a client must not leave the
/// shell's terminal non-blocking behind it. An ignored SIGINT stays ignored.
void swnet_exit_on_interrupt(int code);
/// With --json, the interruption is told on stdout as the JSON error
/// document instead, as every other error is.
void swnet_interrupt_as_json(void);

/// Flushes stdio and ends the process with `status`, without the exit
/// handlers of the libraries libcurl brought in: they only free memory the
/// kernel is about to take back, and cost a small http-get 4 % of its
/// instructions (OpenSSL's cleanup most). Under a sanitizer, exit() as usual.
void swnet_exit(int status);

/// Sets O_NONBLOCK on `fd` unless it is set already, and remembers that it
/// did, so the SIGINT handler and `swnet_restore_stdio` clear it again.
/// Returns -1 on error.
int swnet_make_stdio_nonblocking(int fd);

/// Clears the O_NONBLOCK that `swnet_make_stdio_nonblocking` set on fds 0 and 1.
void swnet_restore_stdio(void);

/// accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC): glibc
/// declares accept4 only under _GNU_SOURCE, which Swift's view lacks.
int swnet_accept(int fd, struct sockaddr *address, socklen_t *length);

/// splice(from, NULL, to, NULL, length, SPLICE_F_MOVE | SPLICE_F_NONBLOCK):
/// moves bytes between a socket and a pipe inside the kernel. glibc
/// declares splice, pipe2 and F_SETPIPE_SZ only under _GNU_SOURCE.
ssize_t swnet_splice(int from, int to, size_t length);
/// pipe2(descriptors, O_NONBLOCK | O_CLOEXEC).
int swnet_pipe(int descriptors[2]);
/// fcntl(fd, F_SETPIPE_SZ, size): the pipe's capacity in bytes.
int swnet_set_pipe_size(int fd, int size);
/// Starts `path` (argv, envp) with `input` as its stdin and `output` as
/// its stdout, stderr shared, no other descriptor inherited, no signal
/// blocked and SIGPIPE at its default. Returns 0 or an errno value
/// (posix_spawn reports a failed exec this way); the child's id in `pid`.
int swnet_spawn(const char *path, char *const argv[], char *const envp[], int input, int output, pid_t *pid);

/// A descriptor that becomes readable when process `pid` exits (pidfd_open).
int swnet_pidfd_open(pid_t pid);

/// A counter shared by threads (sequentially consistent).
long swnet_atomic_add(long *counter, long delta);
long swnet_atomic_load(long *counter);

#endif
