#include "SoftAuthenticator.h"

#include <QCborMap>
#include <QCborValue>
#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

namespace {

EVP_PKEY *keyOf(const SoftAuthenticator::Credential &credential)
{
    return static_cast<EVP_PKEY *>(credential.key.get());
}

std::shared_ptr<void> generate(SoftAuthenticator::Algorithm algorithm)
{
    EVP_PKEY *key = nullptr;
    switch (algorithm) {
    case SoftAuthenticator::Algorithm::ES256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case SoftAuthenticator::Algorithm::EdDSA:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    case SoftAuthenticator::Algorithm::RS256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
        break;
    }
    if (!key)
        qFatal("SoftAuthenticator: key generation failed");
    return std::shared_ptr<void>(key, [](void *p) { EVP_PKEY_free(static_cast<EVP_PKEY *>(p)); });
}

QByteArray bigNumber(EVP_PKEY *key, const char *name, int width = 0)
{
    BIGNUM *bn = nullptr;
    if (!EVP_PKEY_get_bn_param(key, name, &bn))
        qFatal("SoftAuthenticator: no %s", name);
    const int size = width > 0 ? width : BN_num_bytes(bn);
    QByteArray out(size, '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), size);
    BN_free(bn);
    return out;
}

int coseAlgorithm(SoftAuthenticator::Algorithm algorithm)
{
    switch (algorithm) {
    case SoftAuthenticator::Algorithm::ES256: return -7;
    case SoftAuthenticator::Algorithm::EdDSA: return -8;
    case SoftAuthenticator::Algorithm::RS256: return -257;
    }
    return 0;
}

// COSE_Key in CTAP2 canonical order (1, 3, -1, -2, -3).
QByteArray coseKey(const SoftAuthenticator::Credential &credential)
{
    EVP_PKEY *key = keyOf(credential);
    QCborMap map;
    switch (credential.algorithm) {
    case SoftAuthenticator::Algorithm::ES256:
        map.insert(1, 2);
        map.insert(3, -7);
        map.insert(-1, 1);
        map.insert(-2, bigNumber(key, OSSL_PKEY_PARAM_EC_PUB_X, 32));
        map.insert(-3, bigNumber(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
        break;
    case SoftAuthenticator::Algorithm::EdDSA: {
        QByteArray raw(32, '\0');
        size_t length = 32;
        EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char *>(raw.data()), &length);
        map.insert(1, 1);
        map.insert(3, -8);
        map.insert(-1, 6);
        map.insert(-2, raw);
        break;
    }
    case SoftAuthenticator::Algorithm::RS256:
        map.insert(1, 3);
        map.insert(3, -257);
        map.insert(-1, bigNumber(key, OSSL_PKEY_PARAM_RSA_N));
        map.insert(-2, bigNumber(key, OSSL_PKEY_PARAM_RSA_E));
        break;
    }
    return map.toCborValue().toCbor();
}

QByteArray sign(const SoftAuthenticator::Credential &credential, const QByteArray &data)
{
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    const EVP_MD *digest = credential.algorithm == SoftAuthenticator::Algorithm::EdDSA ? nullptr : EVP_sha256();
    size_t length = 0;
    QByteArray signature;
    if (EVP_DigestSignInit(context, nullptr, digest, nullptr, keyOf(credential)) == 1 &&
        EVP_DigestSign(context, nullptr, &length, reinterpret_cast<const unsigned char *>(data.constData()),
                       size_t(data.size())) == 1) {
        signature.resize(qsizetype(length));
        if (EVP_DigestSign(context, reinterpret_cast<unsigned char *>(signature.data()), &length,
                           reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size())) == 1)
            signature.resize(qsizetype(length));
        else
            signature.clear();
    }
    EVP_MD_CTX_free(context);
    if (signature.isEmpty())
        qFatal("SoftAuthenticator: signing failed");
    return signature;
}

QByteArray sha256(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256);
}

QByteArray bigEndian32(quint32 value)
{
    QByteArray out(4, '\0');
    for (int i = 0; i < 4; ++i)
        out[i] = char((value >> (24 - 8 * i)) & 0xff);
    return out;
}

QByteArray clientData(const QString &type, const QByteArray &challenge, const QString &origin)
{
    // Key order and spacing as browsers write it; the server must parse, not pattern-match.
    return "{\"type\":\"" + type.toUtf8() + "\",\"challenge\":\"" + SoftAuthenticator::toB64(challenge).toUtf8() +
           "\",\"origin\":\"" + origin.toUtf8() + "\",\"crossOrigin\":false}";
}

enum Flag : quint8 { UP = 0x01, UV = 0x04, BE = 0x08, BS = 0x10, AT = 0x40 };

} // namespace

SoftAuthenticator::SoftAuthenticator(QString origin, QString rpId)
    : m_origin(std::move(origin)), m_rpId(std::move(rpId))
{
}

SoftAuthenticator::~SoftAuthenticator() = default;

QByteArray SoftAuthenticator::fromB64(const QString &text)
{
    return QByteArray::fromBase64(text.toLatin1(), QByteArray::Base64UrlEncoding);
}

QString SoftAuthenticator::toB64(const QByteArray &bytes)
{
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QJsonObject SoftAuthenticator::create(const QJsonObject &creationOptions, const CreateOptions &options)
{
    const QString rpId = creationOptions.value(QStringLiteral("rp")).toObject().value(QStringLiteral("id")).toString(m_rpId);
    bool algorithmOffered = false;
    for (const QJsonValue &param : creationOptions.value(QStringLiteral("pubKeyCredParams")).toArray())
        algorithmOffered = algorithmOffered || param.toObject().value(QStringLiteral("alg")).toInt() ==
                                                   coseAlgorithm(options.algorithm);
    if (!algorithmOffered)
        return {};
    for (const QJsonValue &excluded : creationOptions.value(QStringLiteral("excludeCredentials")).toArray())
        for (const Credential &held : m_credentials)
            if (held.id == fromB64(excluded.toObject().value(QStringLiteral("id")).toString()))
                return {};

    Credential credential;
    credential.algorithm = options.algorithm;
    credential.key = generate(options.algorithm);
    credential.id = QByteArray(options.credentialIdLength, '\0');
    for (char &byte : credential.id)
        byte = char(QRandomGenerator::system()->bounded(256));
    credential.userHandle =
        fromB64(creationOptions.value(QStringLiteral("user")).toObject().value(QStringLiteral("id")).toString());
    credential.rpId = rpId;
    credential.counter = options.initialCounter;
    credential.backupEligible = options.backupEligible;

    const QByteArray challenge = options.challengeOverride.isEmpty()
                                     ? fromB64(creationOptions.value(QStringLiteral("challenge")).toString())
                                     : options.challengeOverride;
    const QByteArray clientDataJson =
        clientData(QStringLiteral("webauthn.create"), challenge, options.origin.isEmpty() ? m_origin : options.origin);

    quint8 flags = UP | AT;
    if (options.userVerified)
        flags |= UV;
    if (options.backupEligible)
        flags |= BE;
    if (options.backedUp)
        flags |= BS;
    QByteArray authData = sha256(rpId.toUtf8());
    authData.append(char(flags));
    authData.append(bigEndian32(credential.counter));
    authData.append(QByteArray(16, '\0')); // AAGUID: none, like most software authenticators
    authData.append(char((credential.id.size() >> 8) & 0xff));
    authData.append(char(credential.id.size() & 0xff));
    authData.append(credential.id);
    authData.append(coseKey(credential));

    QCborMap attestation;
    QCborMap statement;
    if (options.packedSelfAttestation) {
        attestation.insert(QStringLiteral("fmt"), QStringLiteral("packed"));
        statement.insert(QStringLiteral("alg"), coseAlgorithm(options.algorithm));
        statement.insert(QStringLiteral("sig"), sign(credential, authData + sha256(clientDataJson)));
    } else {
        attestation.insert(QStringLiteral("fmt"), QStringLiteral("none"));
    }
    attestation.insert(QStringLiteral("attStmt"), statement);
    attestation.insert(QStringLiteral("authData"), authData);

    m_credentials.append(credential);
    return {{QStringLiteral("id"), toB64(credential.id)},
            {QStringLiteral("rawId"), toB64(credential.id)},
            {QStringLiteral("type"), QStringLiteral("public-key")},
            {QStringLiteral("authenticatorAttachment"), QStringLiteral("platform")},
            {QStringLiteral("clientExtensionResults"), QJsonObject()},
            {QStringLiteral("response"),
             QJsonObject{{QStringLiteral("clientDataJSON"), toB64(clientDataJson)},
                         {QStringLiteral("attestationObject"), toB64(attestation.toCborValue().toCbor())},
                         {QStringLiteral("transports"), QJsonArray{QStringLiteral("internal")}}}}};
}

SoftAuthenticator::Credential *SoftAuthenticator::pick(const QJsonObject &requestOptions, const QByteArray &wanted)
{
    const QString rpId = requestOptions.value(QStringLiteral("rpId")).toString(m_rpId);
    const QJsonArray allowed = requestOptions.value(QStringLiteral("allowCredentials")).toArray();
    for (Credential &credential : m_credentials) {
        if (credential.rpId != rpId || (!wanted.isEmpty() && credential.id != wanted))
            continue;
        if (allowed.isEmpty())
            return &credential;
        for (const QJsonValue &item : allowed)
            if (fromB64(item.toObject().value(QStringLiteral("id")).toString()) == credential.id)
                return &credential;
    }
    return nullptr;
}

QJsonObject SoftAuthenticator::get(const QJsonObject &requestOptions, const GetOptions &options)
{
    Credential *credential = pick(requestOptions, options.credentialId);
    if (!credential)
        return {};
    credential->counter = options.counter ? *options.counter : credential->counter + quint32(counterStep);
    const QByteArray challenge = fromB64(requestOptions.value(QStringLiteral("challenge")).toString());
    const QByteArray clientDataJson =
        clientData(options.type, challenge, options.origin.isEmpty() ? m_origin : options.origin);
    quint8 flags = 0;
    if (options.userPresent)
        flags |= UP;
    if (options.userVerified)
        flags |= UV;
    if (options.backupEligible.value_or(credential->backupEligible))
        flags |= BE;
    if (options.backedUp)
        flags |= BS;
    QByteArray authData = sha256(credential->rpId.toUtf8());
    authData.append(char(flags));
    authData.append(bigEndian32(credential->counter));
    QByteArray signature = sign(*credential, authData + sha256(clientDataJson));
    if (options.corruptSignature)
        signature[signature.size() / 2] = char(signature[signature.size() / 2] ^ 0x01);

    QJsonObject response{{QStringLiteral("clientDataJSON"), toB64(clientDataJson)},
                         {QStringLiteral("authenticatorData"), toB64(authData)},
                         {QStringLiteral("signature"), toB64(signature)}};
    if (!options.userHandleOverride.isEmpty())
        response.insert(QStringLiteral("userHandle"), toB64(options.userHandleOverride));
    else if (options.includeUserHandle)
        response.insert(QStringLiteral("userHandle"), toB64(credential->userHandle));
    return {{QStringLiteral("id"), toB64(credential->id)},
            {QStringLiteral("rawId"), toB64(credential->id)},
            {QStringLiteral("type"), QStringLiteral("public-key")},
            {QStringLiteral("authenticatorAttachment"), QStringLiteral("platform")},
            {QStringLiteral("clientExtensionResults"), QJsonObject()},
            {QStringLiteral("response"), response}};
}
