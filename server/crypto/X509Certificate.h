#pragma once

#include "models/common/Result.h"
#include "server/crypto/PublicKey.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <QStringList>
#include <memory>
#include <optional>

struct x509_st; // OpenSSL's X509

// A parsed X.509 certificate, read-only: what WebAuthn attestation statements need to check
// (version, subject attributes, basic constraints, extensions by OID, the key, issuer
// signatures). No path building or trust decisions here. Immutable, cheap to copy.
namespace Crypto {

class X509Certificate
{
public:
    static constexpr QLatin1String kCertificateInvalid{"CERTIFICATE_INVALID"};

    // Exactly one DER certificate, nothing after it.
    static Result<X509Certificate> fromDer(QByteArrayView der);

    int version() const; // 1, 2 or 3 (the value shown to people, not the encoded 0..2)
    // Every value of one subject attribute, as UTF-8 text. `oid` in dotted form, e.g.
    // "2.5.4.3" (CN), "2.5.4.6" (C), "2.5.4.10" (O), "2.5.4.11" (OU).
    QStringList subjectValues(const char *oid) const;
    // nullopt when the certificate has no basicConstraints extension; otherwise its cA flag.
    // A malformed or duplicated extension → error.
    Result<std::optional<bool>> basicConstraintsCa() const;
    // The extnValue contents (the DER inside the OCTET STRING) of the extension with that OID,
    // nullopt when absent; present twice → error.
    Result<std::optional<QByteArray>> extensionValue(const char *oid) const;
    PublicKey publicKey() const;
    // True when `issuer`'s key verifies this certificate's signature.
    bool isSignedBy(const X509Certificate &issuer) const;

private:
    X509Certificate() = default;
    std::shared_ptr<x509_st> m_cert;
    PublicKey m_key;
};

} // namespace Crypto
