#pragma once

#include "models/common/Result.h"
#include "server/crypto/EcSigningKey.h"

#include <QDateTime>
#include <QMutex>
#include <QString>

#include <memory>

// Sign in with Apple has no static client secret: the client proves itself with a short-lived
// ES256 JWT signed by the .p8 key Apple issued (header kid = key id; iss = team id, sub =
// client id, aud = https://appleid.apple.com, iat, exp at most six months later). We make it
// from the configured key and renew it a day before it expires, so nobody pastes one in.
// Thread-safe: workers share one instance.
class AppleClientSecret
{
public:
    static constexpr qint64 kLifetimeSeconds = 30 * 24 * 3600; // well inside Apple's 6 months
    static constexpr qint64 kRenewBeforeSeconds = 24 * 3600;

    // `p8` is the PEM ("-----BEGIN PRIVATE KEY-----", PKCS#8 P-256) file's contents.
    // Error: OAUTH_APPLE_KEY_INVALID (never with key bytes in the message).
    static Result<std::shared_ptr<AppleClientSecret>> create(const QByteArray &p8, const QString &teamId,
                                             const QString &keyId, const QString &clientId);

    // The current secret, made anew when it is within a day of expiring.
    QString current(const QDateTime &now);
    // Claims and header as signed, for tests.
    static QString sign(const EcSigningKey &key, const QString &teamId, const QString &keyId,
                        const QString &clientId, qint64 issuedAt, qint64 expiresAt);

private:
    AppleClientSecret(EcSigningKey key, QString teamId, QString keyId, QString clientId);
    EcSigningKey m_key;
    QString m_teamId;
    QString m_keyId;
    QString m_clientId;
    QMutex m_mutex;
    QString m_secret;
    qint64 m_expiresAt = 0;
};
