#include "server/crypto/X509Certificate.h"

#include <climits>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace Crypto {
namespace {

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

Error invalid(const QString &why)
{
    ERR_clear_error();
    return makeError(QString(X509Certificate::kCertificateInvalid),
                     QStringLiteral("Invalid certificate: ") + why);
}

struct ObjectFree
{
    void operator()(ASN1_OBJECT *p) const { ASN1_OBJECT_free(p); }
};
using OwnedObject = std::unique_ptr<ASN1_OBJECT, ObjectFree>;

OwnedObject objectFromOid(const char *oid)
{
    return OwnedObject(OBJ_txt2obj(oid, 1)); // 1: dotted numbers only, no names
}

} // namespace

Result<X509Certificate> X509Certificate::fromDer(QByteArrayView der)
{
    if (der.isEmpty() || der.size() > 64 * 1024)
        return invalid(QStringLiteral("empty or larger than 64 KiB"));
    const unsigned char *cursor = bytes(der);
    X509 *raw = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
    if (!raw)
        return invalid(QStringLiteral("malformed DER"));
    X509Certificate out;
    out.m_cert.reset(raw, [](X509 *p) { X509_free(p); });
    if (cursor != bytes(der) + der.size())
        return invalid(QStringLiteral("bytes after the certificate"));
    EVP_PKEY *key = X509_get0_pubkey(raw);
    if (!key || EVP_PKEY_up_ref(key) != 1)
        return invalid(QStringLiteral("unreadable subject public key"));
    auto publicKey = PublicKey::adopt(key);
    if (!publicKey)
        return invalid(publicKey.error().message);
    out.m_key = *publicKey;
    ERR_clear_error();
    return out;
}

int X509Certificate::version() const
{
    return static_cast<int>(X509_get_version(m_cert.get())) + 1;
}

QStringList X509Certificate::subjectValues(const char *oid) const
{
    QStringList out;
    OwnedObject object = objectFromOid(oid);
    const X509_NAME *name = X509_get_subject_name(m_cert.get());
    if (!object || !name)
        return out;
    for (int index = X509_NAME_get_index_by_OBJ(name, object.get(), -1); index >= 0;
         index = X509_NAME_get_index_by_OBJ(name, object.get(), index)) {
        const ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
        unsigned char *utf8 = nullptr;
        const int length = ASN1_STRING_to_UTF8(&utf8, value);
        if (length >= 0)
            out.append(QString::fromUtf8(reinterpret_cast<const char *>(utf8), length));
        OPENSSL_free(utf8);
    }
    ERR_clear_error();
    return out;
}

Result<std::optional<bool>> X509Certificate::basicConstraintsCa() const
{
    int critical = 0;
    auto *constraints = static_cast<BASIC_CONSTRAINTS *>(
        X509_get_ext_d2i(m_cert.get(), NID_basic_constraints, &critical, nullptr));
    if (!constraints) {
        ERR_clear_error();
        if (critical == -1)
            return std::optional<bool>{};
        return invalid(QStringLiteral("malformed or repeated basicConstraints"));
    }
    const bool ca = constraints->ca != 0;
    BASIC_CONSTRAINTS_free(constraints);
    return std::optional<bool>{ca};
}

Result<std::optional<QByteArray>> X509Certificate::extensionValue(const char *oid) const
{
    OwnedObject object = objectFromOid(oid);
    if (!object)
        return invalid(QStringLiteral("bad OID"));
    const int index = X509_get_ext_by_OBJ(m_cert.get(), object.get(), -1);
    if (index < 0)
        return std::optional<QByteArray>{};
    if (X509_get_ext_by_OBJ(m_cert.get(), object.get(), index) >= 0)
        return invalid(QStringLiteral("extension %1 appears twice").arg(QLatin1String(oid)));
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509_get_ext(m_cert.get(), index));
    if (!data)
        return invalid(QStringLiteral("extension without value"));
    return std::optional<QByteArray>{QByteArray(
        reinterpret_cast<const char *>(ASN1_STRING_get0_data(data)), ASN1_STRING_length(data))};
}

PublicKey X509Certificate::publicKey() const
{
    return m_key;
}

bool X509Certificate::isSignedBy(const X509Certificate &issuer) const
{
    const bool ok = X509_verify(m_cert.get(), issuer.m_key.m_key.get()) == 1;
    ERR_clear_error();
    return ok;
}

} // namespace Crypto
