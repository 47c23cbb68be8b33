// OpenSSL is loaded when a command first speaks TLS, not when swnet
// starts: linking libssl and libcrypto would make every run, `swnet
// --version` and plain `serve` included, map and relocate them.
//
// Each OpenSSL function swnet calls is defined here under its own name as a
// trampoline: the first call looks the real one up in libssl.so.3 (and the
// libcrypto it depends on) and keeps it; every call after that is one
// indirect jump. The trampolines forward the argument registers untouched,
// so one definition fits every signature, variadic ones included. A
// function missing from this list is an undefined symbol at link time:
// add a line for it. The trampolines are hidden: exported, they would also
// answer the calls libssl and libcurl make to these functions.
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

static void *library(void) {
    static void *handle;
    void *loaded = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (loaded) return loaded;
    loaded = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!loaded) {
        fprintf(stderr, "swnet: cannot load OpenSSL: %s (the Debian package is libssl3)\n", dlerror());
        _exit(10);
    }
    __atomic_store_n(&handle, loaded, __ATOMIC_RELEASE);
    return loaded;
}

// Called by a trampoline on its first use: stores the real function in `slot`.
void swnet_openssl_resolve(const char *name, void **slot) {
    void *function = dlsym(library(), name);
    if (!function) {
        fprintf(stderr, "swnet: the installed OpenSSL has no %s: it is older than 3.0\n", name);
        _exit(10);
    }
    __atomic_store_n(slot, function, __ATOMIC_RELEASE);
}

#if defined(__x86_64__)
// The System V argument registers (rdi, rsi, rdx, rcx, r8, r9, and al for
// variadic calls) are saved around the resolver; seven pushes keep the
// stack 16-byte aligned at the call. No OpenSSL function swnet calls takes
// a floating-point argument, so the xmm registers are not saved.
#define TRAMPOLINE(name)                                                          \
    __asm__(".text\n"                                                             \
            ".globl " #name "\n"                                                  \
            ".hidden " #name "\n"                                                 \
            ".type " #name ", @function\n"                                        \
            #name ":\n"                                                           \
            "    movq swnet_openssl_" #name "(%rip), %r11\n"                      \
            "    testq %r11, %r11\n"                                              \
            "    jz 1f\n"                                                         \
            "    jmpq *%r11\n"                                                    \
            "1:  pushq %rdi\n    pushq %rsi\n    pushq %rdx\n    pushq %rcx\n"    \
            "    pushq %r8\n    pushq %r9\n    pushq %rax\n"                      \
            "    leaq swnet_openssl_name_" #name "(%rip), %rdi\n"                 \
            "    leaq swnet_openssl_" #name "(%rip), %rsi\n"                      \
            "    call swnet_openssl_resolve@PLT\n"                                \
            "    popq %rax\n    popq %r9\n    popq %r8\n    popq %rcx\n"          \
            "    popq %rdx\n    popq %rsi\n    popq %rdi\n"                       \
            "    jmpq *swnet_openssl_" #name "(%rip)\n"                           \
            ".size " #name ", .-" #name "\n"                                      \
            ".data\n"                                                             \
            ".balign 8\n"                                                         \
            "swnet_openssl_" #name ": .quad 0\n"                                  \
            ".section .rodata\n"                                                  \
            "swnet_openssl_name_" #name ": .asciz \"" #name "\"\n"                \
            ".text\n");
#else
#error "OpenSSL trampolines are written for x86_64 only"
#endif

TRAMPOLINE(ASN1_INTEGER_set_uint64)
TRAMPOLINE(ASN1_INTEGER_to_BN)
TRAMPOLINE(ASN1_STRING_get0_data)
TRAMPOLINE(ASN1_STRING_length)
TRAMPOLINE(ASN1_TIME_to_tm)
TRAMPOLINE(BIO_ctrl)
TRAMPOLINE(BIO_free)
TRAMPOLINE(BIO_new)
TRAMPOLINE(BIO_new_file)
TRAMPOLINE(BIO_s_mem)
TRAMPOLINE(BN_bn2hex)
TRAMPOLINE(BN_free)
TRAMPOLINE(CRYPTO_free)
TRAMPOLINE(EC_curve_nid2nist)
TRAMPOLINE(ERR_clear_error)
TRAMPOLINE(ERR_get_error)
TRAMPOLINE(ERR_peek_last_error)
TRAMPOLINE(ERR_reason_error_string)
TRAMPOLINE(EVP_Digest)
TRAMPOLINE(EVP_EncodeBlock)
TRAMPOLINE(EVP_PKEY_Q_keygen)
TRAMPOLINE(EVP_PKEY_free)
TRAMPOLINE(EVP_PKEY_get0_type_name)
TRAMPOLINE(EVP_PKEY_get_base_id)
TRAMPOLINE(EVP_PKEY_get_bits)
TRAMPOLINE(EVP_PKEY_get_utf8_string_param)
TRAMPOLINE(EVP_sha256)
TRAMPOLINE(GENERAL_NAMES_free)
TRAMPOLINE(OBJ_nid2ln)
TRAMPOLINE(OBJ_sn2nid)
TRAMPOLINE(OCSP_BASICRESP_free)
TRAMPOLINE(OCSP_CERTID_free)
TRAMPOLINE(OCSP_RESPONSE_free)
TRAMPOLINE(OCSP_basic_verify)
TRAMPOLINE(OCSP_cert_status_str)
TRAMPOLINE(OCSP_cert_to_id)
TRAMPOLINE(OCSP_resp_find_status)
TRAMPOLINE(OCSP_response_get1_basic)
TRAMPOLINE(OCSP_response_status)
TRAMPOLINE(OCSP_response_status_str)
TRAMPOLINE(OPENSSL_sk_num)
TRAMPOLINE(OPENSSL_sk_value)
TRAMPOLINE(PEM_read_bio_X509)
TRAMPOLINE(RAND_bytes)
TRAMPOLINE(SSL_CIPHER_get_name)
TRAMPOLINE(SSL_CTX_check_private_key)
TRAMPOLINE(SSL_CTX_ctrl)
TRAMPOLINE(SSL_CTX_free)
TRAMPOLINE(SSL_CTX_get0_certificate)
TRAMPOLINE(SSL_CTX_get_cert_store)
TRAMPOLINE(SSL_CTX_load_verify_locations)
TRAMPOLINE(SSL_CTX_new)
TRAMPOLINE(SSL_CTX_set_alpn_protos)
TRAMPOLINE(SSL_CTX_set_client_CA_list)
TRAMPOLINE(SSL_CTX_set_default_read_buffer_len)
TRAMPOLINE(SSL_CTX_set_default_verify_paths)
TRAMPOLINE(SSL_CTX_set_num_tickets)
TRAMPOLINE(SSL_CTX_set_verify)
TRAMPOLINE(SSL_CTX_use_PrivateKey)
TRAMPOLINE(SSL_CTX_use_PrivateKey_file)
TRAMPOLINE(SSL_CTX_use_certificate)
TRAMPOLINE(SSL_CTX_use_certificate_chain_file)
TRAMPOLINE(SSL_ctrl)
TRAMPOLINE(SSL_do_handshake)
TRAMPOLINE(SSL_free)
TRAMPOLINE(SSL_get0_alpn_selected)
TRAMPOLINE(SSL_get0_param)
TRAMPOLINE(SSL_get0_peer_certificate)
TRAMPOLINE(SSL_get_current_cipher)
TRAMPOLINE(SSL_get_error)
TRAMPOLINE(SSL_get_peer_cert_chain)
TRAMPOLINE(SSL_get_verify_result)
TRAMPOLINE(SSL_get_version)
TRAMPOLINE(SSL_has_pending)
TRAMPOLINE(SSL_load_client_CA_file)
TRAMPOLINE(SSL_new)
TRAMPOLINE(SSL_read_ex)
TRAMPOLINE(SSL_set1_host)
TRAMPOLINE(SSL_set_accept_state)
TRAMPOLINE(SSL_set_connect_state)
TRAMPOLINE(SSL_set_fd)
TRAMPOLINE(SSL_set_hostflags)
TRAMPOLINE(SSL_set_verify)
TRAMPOLINE(SSL_shutdown)
TRAMPOLINE(SSL_write_ex)
TRAMPOLINE(TLS_client_method)
TRAMPOLINE(TLS_server_method)
TRAMPOLINE(X509V3_EXT_conf_nid)
TRAMPOLINE(X509V3_set_ctx)
TRAMPOLINE(X509_EXTENSION_free)
TRAMPOLINE(X509_NAME_add_entry_by_txt)
TRAMPOLINE(X509_NAME_print_ex)
TRAMPOLINE(X509_STORE_add_cert)
TRAMPOLINE(X509_STORE_free)
TRAMPOLINE(X509_STORE_new)
TRAMPOLINE(X509_VERIFY_PARAM_set1_ip_asc)
TRAMPOLINE(X509_add_ext)
TRAMPOLINE(X509_digest)
TRAMPOLINE(X509_free)
TRAMPOLINE(X509_get0_notAfter)
TRAMPOLINE(X509_get0_notBefore)
TRAMPOLINE(X509_get0_pubkey)
TRAMPOLINE(X509_get0_serialNumber)
TRAMPOLINE(X509_get_X509_PUBKEY)
TRAMPOLINE(X509_get_ext_d2i)
TRAMPOLINE(X509_get_issuer_name)
TRAMPOLINE(X509_get_serialNumber)
TRAMPOLINE(X509_get_signature_nid)
TRAMPOLINE(X509_get_subject_name)
TRAMPOLINE(X509_getm_notAfter)
TRAMPOLINE(X509_getm_notBefore)
TRAMPOLINE(X509_gmtime_adj)
TRAMPOLINE(X509_new)
TRAMPOLINE(X509_set_issuer_name)
TRAMPOLINE(X509_set_pubkey)
TRAMPOLINE(X509_set_version)
TRAMPOLINE(X509_sign)
TRAMPOLINE(X509_verify_cert_error_string)
TRAMPOLINE(d2i_OCSP_RESPONSE)
TRAMPOLINE(d2i_X509)
TRAMPOLINE(i2d_X509)
TRAMPOLINE(i2d_X509_PUBKEY)
