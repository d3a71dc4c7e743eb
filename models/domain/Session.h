#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

// One row of `sessions` (seed schema). `id` is sha256hex(sessionToken): the token itself is
// never stored.
struct Session
{
    QString id;
    QString userId;
    QString status = QStringLiteral("active"); // active | revoked | expired
    QString userAgent;
    QString ip;
    QString browser;
    QString os;
    QString device;
    QString country;
    QString city;
    QString timezone;
    QDateTime createdAt;
    QDateTime expiresAt;
    QDateTime lastActivityAt;
    QDateTime revokedAt;
    QString revokedReason;

    bool isActive() const { return status == QLatin1String("active"); }
    // The API's Session object (API.md). `current` marks the caller's own session.
    QJsonObject toJson(bool current = false) const;
};

namespace SessionStatus {
inline const QString Active = QStringLiteral("active");
inline const QString Revoked = QStringLiteral("revoked");
inline const QString Expired = QStringLiteral("expired");
} // namespace SessionStatus
