#include "AppleClientSecret.h"

#include "server/crypto/Crypto.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

namespace {
QByteArray encodeJson(const QJsonObject &object)
{
    return Crypto::base64UrlEncode(QJsonDocument(object).toJson(QJsonDocument::Compact));
}
} // namespace

Result<std::shared_ptr<AppleClientSecret>> AppleClientSecret::create(const QByteArray &p8, const QString &teamId,
                                                      const QString &keyId, const QString &clientId)
{
    const QByteArray begin = QByteArrayLiteral("-----BEGIN PRIVATE KEY-----");
    const QByteArray end = QByteArrayLiteral("-----END PRIVATE KEY-----");
    const qsizetype from = p8.indexOf(begin);
    const qsizetype to = p8.indexOf(end);
    if (from < 0 || to < from)
        return makeError(QStringLiteral("OAUTH_APPLE_KEY_INVALID"),
                         QStringLiteral("the Apple key file is not a PEM PRIVATE KEY (.p8)"));
    const QByteArray body = p8.mid(from + begin.size(), to - from - begin.size()).simplified().replace(' ', "");
    const auto decoded = QByteArray::fromBase64Encoding(body, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return makeError(QStringLiteral("OAUTH_APPLE_KEY_INVALID"),
                         QStringLiteral("the Apple key file holds invalid base64"));
    auto key = EcSigningKey::fromPkcs8Der(*decoded);
    if (!key)
        return makeError(QStringLiteral("OAUTH_APPLE_KEY_INVALID"),
                         QStringLiteral("the Apple key file holds no P-256 private key: %1").arg(key.error().message));
    return std::shared_ptr<AppleClientSecret>(new AppleClientSecret(*key, teamId, keyId, clientId));
}

AppleClientSecret::AppleClientSecret(EcSigningKey key, QString teamId, QString keyId, QString clientId)
    : m_key(std::move(key)), m_teamId(std::move(teamId)), m_keyId(std::move(keyId)),
      m_clientId(std::move(clientId))
{
}

QString AppleClientSecret::sign(const EcSigningKey &key, const QString &teamId, const QString &keyId,
                                const QString &clientId, qint64 issuedAt, qint64 expiresAt)
{
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("ES256")},
                             {QStringLiteral("kid"), keyId}};
    const QJsonObject claims{{QStringLiteral("iss"), teamId},
                             {QStringLiteral("sub"), clientId},
                             {QStringLiteral("aud"), QStringLiteral("https://appleid.apple.com")},
                             {QStringLiteral("iat"), issuedAt},
                             {QStringLiteral("exp"), expiresAt}};
    const QByteArray input = encodeJson(header) + '.' + encodeJson(claims);
    const QByteArray signature = key.signEs256(input);
    if (signature.isEmpty())
        return {};
    return QString::fromLatin1(input + '.' + Crypto::base64UrlEncode(signature));
}

QString AppleClientSecret::current(const QDateTime &now)
{
    const qint64 seconds = now.toSecsSinceEpoch();
    QMutexLocker lock(&m_mutex);
    if (m_secret.isEmpty() || seconds >= m_expiresAt - kRenewBeforeSeconds) {
        const qint64 expiresAt = seconds + kLifetimeSeconds;
        const QString secret = sign(m_key, m_teamId, m_keyId, m_clientId, seconds, expiresAt);
        if (!secret.isEmpty()) {
            m_secret = secret;
            m_expiresAt = expiresAt;
        }
    }
    return m_secret;
}
