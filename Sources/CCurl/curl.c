// The variadic calls go through pointers that loader.c looks up, typed as
// the variadic functions they are.
#define CURL_DISABLE_TYPECHECK
#include "CCurl.h"

void *swnet_curl_symbol(const char *name);

#define VARIADIC(result, name, first, second)                          \
    static result (*name##_real)(first, second, ...);                   \
    static result (*real_##name(void))(first, second, ...) {            \
        if (!name##_real) name##_real = swnet_curl_symbol(#name);       \
        return name##_real;                                             \
    }

VARIADIC(CURLcode, curl_easy_setopt, CURL *, CURLoption)
VARIADIC(CURLcode, curl_easy_getinfo, CURL *, CURLINFO)
VARIADIC(CURLMcode, curl_multi_setopt, CURLM *, CURLMoption)
VARIADIC(CURLSHcode, curl_share_setopt, CURLSH *, CURLSHoption)

CURLcode swnet_curl_set_long(CURL *handle, CURLoption option, long value) {
    return real_curl_easy_setopt()(handle, option, value);
}

CURLcode swnet_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return real_curl_easy_setopt()(handle, option, value);
}

CURLcode swnet_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return real_curl_easy_setopt()(handle, option, value);
}

CURLcode swnet_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return real_curl_easy_setopt()(handle, option, value);
}

CURLcode swnet_curl_set_data_callback(CURL *handle, CURLoption option, swnet_curl_data_callback callback) {
    return real_curl_easy_setopt()(handle, option, callback);
}

CURLcode swnet_curl_set_progress_callback(CURL *handle, swnet_curl_progress_callback callback) {
    return real_curl_easy_setopt()(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

CURLcode swnet_curl_set_debug_callback(CURL *handle, swnet_curl_debug_callback callback) {
    return real_curl_easy_setopt()(handle, CURLOPT_DEBUGFUNCTION, callback);
}

CURLcode swnet_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return real_curl_easy_getinfo()(handle, info, value);
}

CURLcode swnet_curl_get_double(CURL *handle, CURLINFO info, double *value) {
    return real_curl_easy_getinfo()(handle, info, value);
}

CURLcode swnet_curl_get_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return real_curl_easy_getinfo()(handle, info, value);
}

CURLcode swnet_curl_get_string(CURL *handle, CURLINFO info, char **value) {
    return real_curl_easy_getinfo()(handle, info, value);
}

CURLMcode swnet_curl_multi_set_long(CURLM *multi, CURLMoption option, long value) {
    return real_curl_multi_setopt()(multi, option, value);
}

CURLSHcode swnet_curl_share_set_long(CURLSH *share, CURLSHoption option, long value) {
    return real_curl_share_setopt()(share, option, value);
}
