// libcurl is loaded when a transfer command first needs it, not when swnet
// starts: linking it would make every run, `swnet --version` and
// `swnet serve` included, load libcurl and its dozens of libraries.
//
// Each libcurl function swnet calls is defined here under its own name and
// forwards to the real one, looked up once with dlsym. The forwarders are
// hidden: exported, they would also answer libcurl's own calls to them.
//
// RTLD_LAZY, not RTLD_NOW: RTLD_NOW would bind every function of libcurl's
// thirty-odd libraries before the first transfer (Kerberos, LDAP, SASL...),
// an eighth of a small http-get's instructions; lazily, only those called are
// bound. The functions swnet calls are checked here, with dlsym, either way.
//
// GnuTLS: Debian's libcurl uses OpenSSL, but two of its libraries (librtmp
// and libldap) bring GnuTLS, whose constructor initialises it as soon as it
// is loaded (its random generator, its ASN.1 trees, its configuration): a
// twentieth of a small http-get, for a library swnet never calls. Loaded
// with GNUTLS_NO_IMPLICIT_INIT=1 (GnuTLS's documented switch), it waits for
// an explicit gnutls_global_init, which librtmp and libldap make before
// their first use of it (swnet allows them no URL anyway: http, https, ftp
// and ftps only). The variable is set for the dlopen alone, when the user
// has not set it, so the programs swnet starts never inherit it; libcurl is
// loaded by the thread that runs the command, before it starts any other.
//
// RTLD_DEEPBIND: the libraries' own symbols are looked up among libcurl and
// its dependencies first, then among swnet, libc and libm, instead of the
// other way round. They bind to the same definitions on Debian 12 (LD_DEBUG=
// bindings lists the same 8,515 either way: swnet exports nothing, libc is
// among libcurl's dependencies), but each lookup no longer starts with
// misses in the global scope: a sixth fewer instructions loading libcurl, a
// thirteenth of a small http-get's. The sanitizers' runtimes refuse
// RTLD_DEEPBIND (their malloc must interpose on every library's), so a
// sanitized build loads libcurl as before.
#include "CCurl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// Defined only in a binary built with --sanitize=address or thread.
extern void __asan_init(void) __attribute__((weak));
extern void __tsan_init(void) __attribute__((weak));

void *swnet_curl_symbol(const char *name) {
    static void *library;
    if (!library) {
        int sanitized = __asan_init != NULL || __tsan_init != NULL;
        int deferGnuTLS = getenv("GNUTLS_NO_IMPLICIT_INIT") == NULL;
        if (deferGnuTLS) setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
        library = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_LOCAL | (sanitized ? 0 : RTLD_DEEPBIND));
        if (deferGnuTLS) unsetenv("GNUTLS_NO_IMPLICIT_INIT");
        if (!library) {
            fprintf(stderr, "swnet: cannot load libcurl: %s (the Debian package is libcurl4)\n", dlerror());
            _exit(10);
        }
    }
    void *function = dlsym(library, name);
    if (!function) {
        fprintf(stderr, "swnet: the installed libcurl has no %s: it is too old\n", name);
        _exit(10);
    }
    return function;
}

#define FORWARD(result, name, parameters, arguments)                     \
    __attribute__((visibility("hidden"))) result name parameters {       \
        static result(*real) parameters;                                 \
        if (!real) real = (result(*) parameters)swnet_curl_symbol(#name); \
        return real arguments;                                           \
    }

#define FORWARD_VOID(name, parameters, arguments)                        \
    __attribute__((visibility("hidden"))) void name parameters {         \
        static void(*real) parameters;                                   \
        if (!real) real = (void(*) parameters)swnet_curl_symbol(#name);  \
        real arguments;                                                  \
    }

FORWARD(CURLcode, curl_global_init, (long flags), (flags))
FORWARD(char *, curl_version, (void), ())
FORWARD(CURL *, curl_easy_init, (void), ())
FORWARD_VOID(curl_easy_cleanup, (CURL *handle), (handle))
FORWARD(CURLcode, curl_easy_perform, (CURL *handle), (handle))
FORWARD(const char *, curl_easy_strerror, (CURLcode code), (code))
FORWARD(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *text), (list, text))
FORWARD_VOID(curl_slist_free_all, (struct curl_slist *list), (list))
FORWARD(CURLM *, curl_multi_init, (void), ())
FORWARD(CURLMcode, curl_multi_cleanup, (CURLM *multi), (multi))
FORWARD(CURLMcode, curl_multi_add_handle, (CURLM *multi, CURL *handle), (multi, handle))
FORWARD(CURLMcode, curl_multi_remove_handle, (CURLM *multi, CURL *handle), (multi, handle))
FORWARD(CURLMcode, curl_multi_perform, (CURLM *multi, int *running), (multi, running))
FORWARD(CURLMcode, curl_multi_poll,
        (CURLM *multi, struct curl_waitfd extra[], unsigned int count, int timeout, int *ready),
        (multi, extra, count, timeout, ready))
FORWARD(CURLMsg *, curl_multi_info_read, (CURLM *multi, int *queued), (multi, queued))
FORWARD(const char *, curl_multi_strerror, (CURLMcode code), (code))
FORWARD(CURLSH *, curl_share_init, (void), ())
FORWARD(CURLSHcode, curl_share_cleanup, (CURLSH *share), (share))
FORWARD(const char *, curl_share_strerror, (CURLSHcode code), (code))
