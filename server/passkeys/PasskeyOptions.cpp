#include "PasskeyOptions.h"

#include "server/crypto/Crypto.h"

#include <QJsonArray>
#include <QUuid>

namespace PasskeyOptions {

namespace {
QString b64(const QByteArray &bytes)
{
    return QString::fromLatin1(Crypto::base64UrlEncode(bytes));
}

QJsonArray descriptors(const QList<CredentialRef> &credentials)
{
    QJsonArray list;
    for (const CredentialRef &credential : credentials) {
        QJsonObject descriptor{{QStringLiteral("type"), QStringLiteral("public-key")},
                               {QStringLiteral("id"), credential.id}};
        if (!credential.transports.isEmpty())
            descriptor.insert(QStringLiteral("transports"), QJsonArray::fromStringList(credential.transports));
        list.append(descriptor);
    }
    return list;
}
} // namespace

QList<CredentialRef> decoys(const QByteArray &key, const QString &email)
{
    const QByteArray seed = Crypto::hmacSha256(key, QByteArrayLiteral("passkey-decoy\n") + email.toUtf8());
    const int count = 1 + (quint8(seed[0]) & 1);
    QList<CredentialRef> list;
    for (int i = 0; i < count; ++i) {
        const QByteArray id = Crypto::hmacSha256(seed, QByteArray::number(i));
        const bool platform = (quint8(seed[1 + i]) & 1) == 0;
        list.append({b64(platform ? id.left(16) : id),
                     platform ? QStringList{QStringLiteral("hybrid"), QStringLiteral("internal")}
                              : QStringList{QStringLiteral("nfc"), QStringLiteral("usb")}});
    }
    return list;
}

QByteArray newChallenge()
{
    return Crypto::randomBytes(32);
}

QByteArray userHandleFor(const QString &userId)
{
    const QUuid uuid = QUuid::fromString(userId);
    return uuid.isNull() ? QByteArray() : uuid.toRfc4122();
}

QJsonObject creation(const PasskeySettings &settings, const QByteArray &challenge,
                     const NewCredentialFor &user)
{
    // Preference order: ES256 is what nearly every authenticator has, EdDSA next, RS256 for
    // Windows Hello and older TPMs.
    QJsonArray params;
    for (int alg : {-7, -8, -257})
        params.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("public-key")},
                                  {QStringLiteral("alg"), alg}});
    return {{QStringLiteral("rp"), QJsonObject{{QStringLiteral("id"), settings.rp.rpId},
                                               {QStringLiteral("name"), settings.rpName}}},
            {QStringLiteral("user"), QJsonObject{{QStringLiteral("id"), b64(user.userHandle)},
                                                 {QStringLiteral("name"), user.name},
                                                 {QStringLiteral("displayName"), user.displayName}}},
            {QStringLiteral("challenge"), b64(challenge)},
            {QStringLiteral("pubKeyCredParams"), params},
            {QStringLiteral("timeout"), settings.challengeTtlSeconds * 1000},
            {QStringLiteral("excludeCredentials"), descriptors(user.exclude)},
            {QStringLiteral("authenticatorSelection"),
             QJsonObject{{QStringLiteral("residentKey"), QStringLiteral("preferred")},
                         {QStringLiteral("requireResidentKey"), false},
                         {QStringLiteral("userVerification"), settings.userVerification}}},
            {QStringLiteral("attestation"), settings.attestation},
            {QStringLiteral("extensions"), QJsonObject{{QStringLiteral("credProps"), true}}}};
}

QJsonObject request(const PasskeySettings &settings, const QByteArray &challenge,
                    const QList<CredentialRef> &allow)
{
    return {{QStringLiteral("challenge"), b64(challenge)},
            {QStringLiteral("rpId"), settings.rp.rpId},
            {QStringLiteral("timeout"), settings.challengeTtlSeconds * 1000},
            {QStringLiteral("allowCredentials"), descriptors(allow)},
            {QStringLiteral("userVerification"), settings.userVerification}};
}

} // namespace PasskeyOptions
