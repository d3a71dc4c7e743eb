#pragma once

// unique_ptr ownership of OpenSSL objects for the server/crypto sources (the only ones that may
// include OpenSSL): `Owned<EVP_PKEY> key(EVP_PKEY_new());` frees with the matching *_free.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>

namespace Crypto {

struct OpenSslFree
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
    void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); }
    void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); }
    void operator()(OSSL_ENCODER_CTX *p) const { OSSL_ENCODER_CTX_free(p); }
    void operator()(PKCS8_PRIV_KEY_INFO *p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

} // namespace Crypto
