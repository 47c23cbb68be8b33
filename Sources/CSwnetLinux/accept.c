#define _GNU_SOURCE
#include "CSwnetLinux.h"

int swnet_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
