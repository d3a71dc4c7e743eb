#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

// One row of `users` (seed schema), without the TOTP secret: it never leaves the repository
// that needs it.
struct User
{
    QString id;
    QString email;
    bool emailVerified = false;
    QString phone;
    bool phoneVerified = false;
    QString firstName;
    QString lastName;
    QString displayName;
    QString avatarUrl;
    QString status = QStringLiteral("active"); // active | disabled
    QString role = QStringLiteral("user");     // user | admin
    bool totpEnabled = false;
    QJsonObject metadata;
    QDateTime createdAt;
    QDateTime updatedAt;
    QDateTime lastLoginAt;

    bool isActive() const { return status == QLatin1String("active"); }
    QJsonObject toJson() const; // the API's User object (API.md)
};
