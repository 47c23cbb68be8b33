/* refudp: a minimal blocking UDP echo server in C, the UDP counterpart of
 * ../shared/bench/refecho.c (which serves TCP only), for bench/serve.sh.
 *   refudp PORT     send every datagram back to its sender, on 127.0.0.1
 * One socket, one thread, recvfrom then sendto: the least work a UDP echo
 * can do per datagram, so it is the reference for round trips per second.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: refudp PORT\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a)) { perror("bind"); return 1; }
    static char buf[65536];
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &len);
        if (n < 0) { if (errno == EINTR) continue; perror("recvfrom"); return 1; }
        (void)!sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
    }
}
