#ifndef CCURL_H
#define CCURL_H

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call: these typed wrappers can be called, one per argument type.
#include <curl/curl.h>

CURLcode swnet_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode swnet_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode swnet_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode swnet_curl_set_pointer(CURL *handle, CURLoption option, void *value);

typedef size_t (*swnet_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*swnet_curl_progress_callback)(void *context, curl_off_t download_total, curl_off_t downloaded,
                                            curl_off_t upload_total, curl_off_t uploaded);
typedef int (*swnet_curl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *context);

/// CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION and CURLOPT_READFUNCTION.
CURLcode swnet_curl_set_data_callback(CURL *handle, CURLoption option, swnet_curl_data_callback callback);
/// CURLOPT_XFERINFOFUNCTION.
CURLcode swnet_curl_set_progress_callback(CURL *handle, swnet_curl_progress_callback callback);
/// CURLOPT_DEBUGFUNCTION.
CURLcode swnet_curl_set_debug_callback(CURL *handle, swnet_curl_debug_callback callback);

CURLcode swnet_curl_get_long(CURL *handle, CURLINFO info, long *value);
CURLcode swnet_curl_get_double(CURL *handle, CURLINFO info, double *value);
CURLcode swnet_curl_get_offset(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode swnet_curl_get_string(CURL *handle, CURLINFO info, char **value);

CURLMcode swnet_curl_multi_set_long(CURLM *multi, CURLMoption option, long value);
CURLSHcode swnet_curl_share_set_long(CURLSH *share, CURLSHoption option, long value);

#endif
