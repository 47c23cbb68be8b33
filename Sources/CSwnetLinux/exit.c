#include "CSwnetLinux.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SWNET_SANITIZED 1
#endif
#endif

void swnet_exit(int status) {
#ifdef SWNET_SANITIZED
    exit(status);  /* the sanitizers report from exit handlers */
#else
    fflush(NULL);
    _exit(status);
#endif
}
