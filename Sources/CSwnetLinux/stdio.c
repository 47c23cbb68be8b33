#include "CSwnetLinux.h"
#include <unistd.h>
#include <string.h>

/* Saved flags of fds 0 and 1, -1 when untouched; read by a signal handler. */
static volatile sig_atomic_t saved_flags[2] = {-1, -1};
static volatile sig_atomic_t interrupt_code = 130;

int swnet_make_stdio_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    if (fd == 0 || fd == 1) {
        if (saved_flags[fd] == -1) saved_flags[fd] = flags;
    }
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void swnet_restore_stdio(void) {
    for (int fd = 0; fd < 2; fd++) {
        if (saved_flags[fd] != -1) {
            fcntl(fd, F_SETFL, saved_flags[fd]);
            saved_flags[fd] = -1;
        }
    }
}

static void on_interrupt(int sig) {
    (void)sig;
    swnet_restore_stdio();
    static const char message[] = "swnet: interrupted\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(interrupt_code);
}

void swnet_exit_on_interrupt(int code) {
    interrupt_code = code;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
}
