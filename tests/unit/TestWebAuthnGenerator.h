#pragma once

// An independent WebAuthn response generator for the verifier tests: keys, signatures and
// certificates come from OpenSSL called directly here, CBOR from Qt's encoder (QCborValue::
// toCbor), so nothing in it shares code with server/webauthn or server/crypto. It builds the
// formats the W3C test vectors do not cover (fido-u2f, apple, packed x5c with an AAGUID
// extension) and the negative cases that need re-signed data. Header-only, test code only.

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>
#include <QList>
#include <QString>
#include <memory>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>

namespace WebAuthnGenerator {

inline QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

inline void require(bool ok, const char *what)
{
    if (!ok)
        throw std::runtime_error(what);
}

enum class KeyType
{
    P256,
    Ed25519,
    Rsa2048
};

// One OpenSSL key pair.
class Key
{
public:
    explicit Key(KeyType type) : m_type(type)
    {
        EVP_PKEY *key = nullptr;
        switch (type) {
        case KeyType::P256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case KeyType::Ed25519:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
        case KeyType::Rsa2048:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
            break;
        }
        require(key != nullptr, "keygen");
        m_key.reset(key, EVP_PKEY_free);
    }

    KeyType type() const { return m_type; }
    EVP_PKEY *get() const { return m_key.get(); }
    int coseAlgorithm() const
    {
        return m_type == KeyType::P256 ? -7 : m_type == KeyType::Ed25519 ? -8 : -257;
    }

    // The credential public key as a COSE_Key map.
    QCborMap coseMap() const
    {
        QCborMap map;
        if (m_type == KeyType::P256) {
            const QByteArray point = uncompressedPoint();
            map.insert(1, 2);
            map.insert(3, -7);
            map.insert(-1, 1);
            map.insert(-2, point.mid(1, 32));
            map.insert(-3, point.mid(33, 32));
        } else if (m_type == KeyType::Ed25519) {
            QByteArray raw(32, '\0');
            size_t length = 32;
            require(EVP_PKEY_get_raw_public_key(
                        get(), reinterpret_cast<unsigned char *>(raw.data()), &length) == 1,
                    "raw public key");
            map.insert(1, 1);
            map.insert(3, -8);
            map.insert(-1, 6);
            map.insert(-2, raw);
        } else {
            map.insert(1, 3);
            map.insert(3, -257);
            map.insert(-1, bigNumber(OSSL_PKEY_PARAM_RSA_N));
            map.insert(-2, bigNumber(OSSL_PKEY_PARAM_RSA_E));
        }
        return map;
    }
    QByteArray cose() const { return coseMap().toCborValue().toCbor(); }

    QByteArray uncompressedPoint() const
    {
        QByteArray point(65, '\0');
        size_t length = 0;
        require(EVP_PKEY_get_octet_string_param(get(), OSSL_PKEY_PARAM_PUB_KEY,
                                                reinterpret_cast<unsigned char *>(point.data()), 65,
                                                &length) == 1 &&
                    length == 65,
                "EC point");
        return point;
    }

    // ES256 → DER ECDSA, EdDSA → 64 bytes, RS256 → PKCS#1 v1.5.
    QByteArray sign(const QByteArray &data) const
    {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
        const EVP_MD *md = m_type == KeyType::Ed25519 ? nullptr : EVP_sha256();
        require(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, get()) == 1, "sign init");
        size_t length = 0;
        const auto *in = reinterpret_cast<const unsigned char *>(data.constData());
        require(EVP_DigestSign(ctx.get(), nullptr, &length, in, size_t(data.size())) == 1,
                "sign size");
        QByteArray out(qsizetype(length), '\0');
        require(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &length,
                               in, size_t(data.size())) == 1,
                "sign");
        out.resize(qsizetype(length));
        return out;
    }

private:
    QByteArray bigNumber(const char *name) const
    {
        BIGNUM *bn = nullptr;
        require(EVP_PKEY_get_bn_param(get(), name, &bn) == 1, "bn param");
        QByteArray out(BN_num_bytes(bn), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char *>(out.data()));
        BN_free(bn);
        return out;
    }

    KeyType m_type;
    std::shared_ptr<EVP_PKEY> m_key;
};

struct CertificateSpec
{
    int version = 3;
    QString country = QStringLiteral("AA");
    QString organization = QStringLiteral("Gatehouse Test Vendor");
    QString organizationalUnit = QStringLiteral("Authenticator Attestation");
    QString commonName = QStringLiteral("Gatehouse test attestation");
    bool addBasicConstraints = true;
    bool ca = false;
    QByteArray aaguidExtension;       // non-empty → id-fido-gen-ce-aaguid with these bytes
    QByteArray appleNonce;            // non-empty → 1.2.840.113635.100.8.2 with this nonce
    QByteArray androidKeyDescription; // non-empty → 1.3.6.1.4.1.11129.2.1.17 with this DER
    QByteArray rawExtensionValue;     // non-empty → replaces the DER of the AAGUID/nonce value
};

inline void addEntry(X509_NAME *name, const char *field, const QString &value)
{
    if (value.isNull())
        return;
    const QByteArray utf8 = value.toUtf8();
    // countryName as a plain PrintableString: OpenSSL's MBSTRING path would refuse anything
    // but two characters, and the tests need to build bad ones.
    const int type = qstrcmp(field, "C") == 0 ? V_ASN1_PRINTABLESTRING : MBSTRING_UTF8;
    require(X509_NAME_add_entry_by_txt(name, field, type,
                                       reinterpret_cast<const unsigned char *>(utf8.constData()),
                                       int(utf8.size()), -1, 0) == 1,
            "name entry");
}

inline void addRawExtension(X509 *cert, const char *oid, const QByteArray &der)
{
    ASN1_OBJECT *object = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char *>(der.constData()),
                          int(der.size()));
    X509_EXTENSION *extension = X509_EXTENSION_create_by_OBJ(nullptr, object, 0, value);
    require(extension && X509_add_ext(cert, extension, -1) == 1, "extension");
    X509_EXTENSION_free(extension);
    ASN1_OCTET_STRING_free(value);
    ASN1_OBJECT_free(object);
}

// DER TLV with a short or one/two-byte long length; `tag` is the whole identifier (one byte,
// or several for high tag numbers such as Android's [600] = bf 84 58).
inline QByteArray der(const QByteArray &tag, const QByteArray &content)
{
    QByteArray out = tag;
    if (content.size() < 0x80) {
        out.append(char(content.size()));
    } else if (content.size() < 0x100) {
        out.append(char(0x81)).append(char(content.size()));
    } else {
        out.append(char(0x82))
            .append(char(content.size() >> 8))
            .append(char(content.size() & 0xff));
    }
    return out + content;
}

inline QByteArray der(unsigned char tag, const QByteArray &content)
{
    return der(QByteArray(1, char(tag)), content);
}

struct AndroidKeySpec
{
    QByteArray challenge;
    qint64 origin = 0;            // KM_ORIGIN_GENERATED
    QList<int> purposes = {2, 3}; // SIGN, VERIFY
    bool allApplicationsTee = false;
    bool allApplicationsSoftware = false;
};

// A KeyDescription (Android Keystore attestation extension), purposes and origin in the
// teeEnforced list.
inline QByteArray androidKeyDescription(const AndroidKeySpec &spec)
{
    auto integer = [](int value) { return der(0x02, QByteArray(1, char(value))); };
    auto enumerated = [](int value) { return der(0x0a, QByteArray(1, char(value))); };
    const QByteArray allApplications = der(QByteArray::fromHex("bf8458"), der(0x05, {}));
    QByteArray purposes;
    for (int purpose : spec.purposes)
        purposes += integer(purpose);
    QByteArray tee = der(0xa1, der(0x31, purposes)) +
                     der(QByteArray::fromHex("bf853e"), integer(int(spec.origin)));
    if (spec.allApplicationsTee)
        tee += allApplications;
    QByteArray software = der(QByteArray::fromHex("bf853d"), integer(1)); // an unknown field
    if (spec.allApplicationsSoftware)
        software += allApplications;
    return der(0x30, integer(3) + enumerated(1) + integer(4) + enumerated(1) +
                         der(0x04, spec.challenge) + der(0x04, {}) + der(0x30, software) +
                         der(0x30, tee));
}

// A DER certificate for `subjectKey`, signed by `issuerKey` (a P-256 key; itself when null).
inline QByteArray certificate(const Key &subjectKey, const CertificateSpec &spec,
                              const Key *issuerKey = nullptr, long serial = 1)
{
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
    require(X509_set_version(cert.get(), spec.version - 1) == 1, "version");
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    require(X509_set_pubkey(cert.get(), subjectKey.get()) == 1, "pubkey");
    X509_NAME *name = X509_NAME_new();
    addEntry(name, "C", spec.country);
    addEntry(name, "O", spec.organization);
    addEntry(name, "OU", spec.organizationalUnit);
    addEntry(name, "CN", spec.commonName);
    X509_set_subject_name(cert.get(), name);
    X509_NAME *issuer = X509_NAME_new();
    addEntry(issuer, "CN", QStringLiteral("Gatehouse test attestation CA"));
    X509_set_issuer_name(cert.get(), issuerKey ? issuer : name);
    X509_NAME_free(name);
    X509_NAME_free(issuer);
    if (spec.version == 3) {
        if (spec.addBasicConstraints) {
            X509_EXTENSION *bc =
                X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints,
                                    spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
            require(bc && X509_add_ext(cert.get(), bc, -1) == 1, "basic constraints");
            X509_EXTENSION_free(bc);
        }
        if (!spec.aaguidExtension.isEmpty())
            addRawExtension(cert.get(), "1.3.6.1.4.1.45724.1.1.4",
                            spec.rawExtensionValue.isEmpty() ? der(0x04, spec.aaguidExtension)
                                                             : spec.rawExtensionValue);
        if (!spec.androidKeyDescription.isEmpty())
            addRawExtension(cert.get(), "1.3.6.1.4.1.11129.2.1.17", spec.androidKeyDescription);
        if (!spec.appleNonce.isEmpty())
            addRawExtension(cert.get(), "1.2.840.113635.100.8.2",
                            spec.rawExtensionValue.isEmpty()
                                ? der(0x30, der(0xa1, der(0x04, spec.appleNonce)))
                                : spec.rawExtensionValue);
    }
    const Key &signer = issuerKey ? *issuerKey : subjectKey;
    const EVP_MD *md = signer.type() == KeyType::Ed25519 ? nullptr : EVP_sha256();
    require(X509_sign(cert.get(), signer.get(), md) > 0, "x509 sign");
    const int length = i2d_X509(cert.get(), nullptr);
    QByteArray out(length, '\0');
    auto *cursor = reinterpret_cast<unsigned char *>(out.data());
    i2d_X509(cert.get(), &cursor);
    return out;
}

inline QByteArray bigEndian(quint64 value, int bytes)
{
    QByteArray out(bytes, '\0');
    for (int i = bytes - 1; i >= 0; --i, value >>= 8)
        out[i] = char(value & 0xff);
    return out;
}

// Authenticator data; attested credential data when credentialId is non-empty.
inline QByteArray authenticatorData(const QString &rpId, quint8 flags, quint32 signCount,
                                    const QByteArray &aaguid = {},
                                    const QByteArray &credentialId = {},
                                    const QByteArray &coseKey = {},
                                    const QByteArray &extensions = {})
{
    QByteArray out = sha256(rpId.toUtf8());
    out.append(char(flags)).append(bigEndian(signCount, 4));
    if (!credentialId.isEmpty() || !coseKey.isEmpty())
        out.append(aaguid)
            .append(bigEndian(quint64(credentialId.size()), 2))
            .append(credentialId)
            .append(coseKey);
    return out + extensions;
}

inline QByteArray clientDataJson(const char *type, const QByteArray &challenge,
                                 const QString &origin, const QByteArray &extra = {})
{
    return QByteArray("{\"type\":\"") + type + "\",\"challenge\":\"" +
           challenge.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) +
           "\",\"origin\":\"" + origin.toUtf8() + "\"" + extra + "}";
}

inline QByteArray attestationObject(const QString &format, const QCborMap &statement,
                                    const QByteArray &authData)
{
    QCborMap map;
    map.insert(QStringLiteral("fmt"), format);
    map.insert(QStringLiteral("attStmt"), statement);
    map.insert(QStringLiteral("authData"), authData);
    return map.toCborValue().toCbor();
}

} // namespace WebAuthnGenerator
