#include "CSwnetLinux.h"
#include <unistd.h>
#include <string.h>

/* Whether swnet itself set O_NONBLOCK on fd 0 or 1; read by a signal
 * handler. On a terminal both descriptors share one open file description:
 * only the one that found O_NONBLOCK clear set it, and only that bit is
 * cleared again, so the shell gets its terminal back as it was. */
static volatile sig_atomic_t we_set_nonblocking[2];
static volatile sig_atomic_t interrupt_code = 130;

int swnet_make_stdio_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    if (flags & O_NONBLOCK) return 0;
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
    if (fd == 0 || fd == 1) we_set_nonblocking[fd] = 1;
    return 0;
}

void swnet_restore_stdio(void) {
    for (int fd = 0; fd < 2; fd++) {
        if (!we_set_nonblocking[fd]) continue;
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        we_set_nonblocking[fd] = 0;
    }
}

static volatile sig_atomic_t interrupt_json = 0;

void swnet_interrupt_as_json(void) { interrupt_json = 1; }

static void on_interrupt(int sig) {
    (void)sig;
    swnet_restore_stdio();
    static const char message[] = "swnet: interrupted\n";
    static const char document[] = "{\"error\":{\"code\":130,\"kind\":\"interrupted\",\"message\":\"interrupted\"}}\n";
    if (interrupt_json) {
        (void)!write(1, document, sizeof document - 1);
    } else {
        (void)!write(2, message, sizeof message - 1);
    }
    _exit(interrupt_code);
}

void swnet_exit_on_interrupt(int code) {
    struct sigaction current;
    /* A job started in the background of a script ignores SIGINT: keep it so. */
    if (sigaction(SIGINT, NULL, &current) == 0 && current.sa_handler == SIG_IGN) return;
    interrupt_code = code;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
}
