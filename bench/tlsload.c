/* tlsload: a small TLS load client for bench/tls.sh, on OpenSSL.
 * Every run is bounded in count and time; nothing is verified but the
 * bytes echoed (the server's certificate is not the point here).
 *
 *   tlsload handshakes HOST PORT TOTAL CONC   TOTAL full handshakes (no resumption), CONC at once
 *   tlsload echo HOST PORT BYTES CONNS        each of CONNS connections sends BYTES, reads them back, checks them
 *
 * Prints one line of key=value pairs; exits 0 only if every exchange succeeded.
 * Build: gcc -O2 -pthread tlsload.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const double DEADLINE_S = 300.0;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static SSL_CTX *context;
static double started;
static atomic_long done, failed;
static long total, per_connection_bytes;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int expired(void) { return now() - started > DEADLINE_S; }

static void resolve(const char *host, const char *port) {
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo(host, port, &hints, &res);
    if (e) { fprintf(stderr, "tlsload: %s\n", gai_strerror(e)); exit(2); }
    memcpy(&addr, res->ai_addr, res->ai_addrlen);
    addrlen = res->ai_addrlen;
    freeaddrinfo(res);
}

/* A connected blocking socket, or -1. */
static int dial(void) {
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval limit = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0) { close(fd); return -1; }
    return fd;
}

static void *handshakes(void *unused) {
    (void)unused;
    while (!expired()) {
        long n = atomic_fetch_add(&done, 1);
        if (n >= total) { atomic_fetch_sub(&done, 1); break; }
        int fd = dial();
        SSL *ssl = fd < 0 ? NULL : SSL_new(context);
        int ok = 0;
        if (ssl) {
            SSL_set_fd(ssl, fd);
            ok = SSL_connect(ssl) == 1;
            if (ok) SSL_shutdown(ssl);
            SSL_free(ssl);
        }
        if (fd >= 0) close(fd);
        if (!ok) atomic_fetch_add(&failed, 1);
    }
    return NULL;
}

/* One connection: writes and reads interleaved (non-blocking), so a server
 * with bounded buffers never deadlocks against us. */
static void *echo(void *seedp) {
    unsigned seed = (unsigned)(uintptr_t)seedp;
    long bytes = per_connection_bytes, sent = 0, received = 0;
    int fd = dial();
    SSL *ssl = fd < 0 ? NULL : SSL_new(context);
    if (!ssl) goto fail;
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) goto fail;
    int flags = 1;
    if (ioctl(fd, FIONBIO, &flags) < 0) goto fail;
    static __thread unsigned char out[16384], in[65536];
    while (received < bytes && !expired()) {
        int progressed = 0;
        if (sent < bytes) {
            long chunk = bytes - sent < (long)sizeof out ? bytes - sent : (long)sizeof out;
            for (long i = 0; i < chunk; i++) out[i] = (unsigned char)((sent + i) * 31 + seed);
            int n = SSL_write(ssl, out, (int)chunk);
            if (n > 0) { sent += n; progressed = 1; }
            else {
                int e = SSL_get_error(ssl, n);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) goto fail;
            }
        }
        int n = SSL_read(ssl, in, sizeof in);
        if (n > 0) {
            for (int i = 0; i < n; i++)
                if (in[i] != (unsigned char)((received + i) * 31 + seed)) goto fail;
            received += n;
            progressed = 1;
        } else {
            int e = SSL_get_error(ssl, n);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) goto fail;
        }
        if (!progressed) {
            struct pollfd p = {fd, POLLIN | (sent < bytes ? POLLOUT : 0), 0};
            poll(&p, 1, 1000);
        }
    }
    if (received != bytes) goto fail;
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    atomic_fetch_add(&done, 1);
    return NULL;
fail:
    if (ssl) SSL_free(ssl);
    if (fd >= 0) close(fd);
    atomic_fetch_add(&failed, 1);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6 || (strcmp(argv[1], "handshakes") && strcmp(argv[1], "echo"))) {
        fprintf(stderr, "usage: tlsload handshakes HOST PORT TOTAL CONC | echo HOST PORT BYTES CONNS\n");
        return 2;
    }
    resolve(argv[2], argv[3]);
    context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    /* Every handshake a full one: no session cache, no tickets. */
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    int handshaking = !strcmp(argv[1], "handshakes");
    long threads;
    if (handshaking) { total = atol(argv[4]); threads = atol(argv[5]); }
    else { per_connection_bytes = atol(argv[4]); threads = atol(argv[5]); total = threads; }
    if (total < 1 || threads < 1 || threads > 1000) { fprintf(stderr, "tlsload: counts out of range\n"); return 2; }
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    started = now();
    for (long i = 0; i < threads; i++)
        pthread_create(&ids[i], NULL, handshaking ? handshakes : echo, (void *)(uintptr_t)(i + 1));
    for (long i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    double seconds = now() - started;
    long ok = atomic_load(&done) - (handshaking ? atomic_load(&failed) : 0), bad = atomic_load(&failed);
    if (handshaking)
        printf("handshakes=%ld failed=%ld seconds=%.3f per_second=%.1f\n", ok, bad, seconds, ok / seconds);
    else
        printf("connections=%ld failed=%ld bytes=%ld seconds=%.3f mib_per_second=%.1f\n", ok, bad,
               ok * per_connection_bytes * 2, seconds, ok * per_connection_bytes * 2 / seconds / 1048576.0);
    return bad == 0 && ok == total ? 0 : 1;
}
