#ifndef COPENSSL_H
#define COPENSSL_H

// Many OpenSSL calls are macros, and a few are variadic; Swift can call
// neither. Each is wrapped here in a function of the same name, prefixed
// swnet_. OpenSSL itself is loaded by the first call (loader.c), which
// only a TLS command makes.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ocsp.h>

static inline long swnet_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return SSL_CTX_set_min_proto_version(context, version);
}

static inline long swnet_SSL_CTX_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

static inline long swnet_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long swnet_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_session_cache_mode(context, mode);
}

static inline const char *swnet_SSL_get_servername(const SSL *ssl) {
    return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
}

/// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen.
static inline EVP_PKEY *swnet_EVP_EC_gen(const char *curve) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

/// The verify callback that accepts every certificate but leaves the
/// result in SSL_get_verify_result: -k still learns why a chain is bad.
static inline int swnet_accept_any_certificate(int preverified, X509_STORE_CTX *context) {
    (void)preverified;
    (void)context;
    return 1;
}

static inline void swnet_SSL_set_verify_none_keep_result(SSL *ssl) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, swnet_accept_any_certificate);
}

static inline long swnet_SSL_CTX_set_read_ahead(SSL_CTX *context, int yes) {
    return SSL_CTX_set_read_ahead(context, yes);
}

static inline int swnet_MBSTRING_ASC(void) { return MBSTRING_ASC; }
static inline unsigned long swnet_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }

static inline int swnet_ERR_GET_LIB(unsigned long error) { return ERR_GET_LIB(error); }
static inline int swnet_ERR_GET_REASON(unsigned long error) { return ERR_GET_REASON(error); }

static inline int swnet_BIO_get_mem_data(BIO *bio, char **data) { return (int)BIO_get_mem_data(bio, data); }

#endif
