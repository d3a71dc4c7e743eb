#pragma once

#include "models/common/Result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

// Everything the Users page's detail panel shows about one user, read in a few indexed queries.
struct UserDetails
{
    QString id, email, firstName, lastName, displayName, phone, status, role, avatarUrl, avatarKey;
    bool emailVerified = false, phoneVerified = false, totpEnabled = false;
    QDateTime createdAt, updatedAt, lastLoginAt;

    struct Provider { int rowId = 0; QString type, providerId, email; QDateTime linkedAt; };
    struct Passkey { QString id, deviceType; bool backedUp = false; QDateTime createdAt, lastUsedAt; };
    struct ActiveSession { QString id, ip, browser, os, country; QDateTime createdAt, lastActivityAt; };
    QList<Provider> providers;
    QList<Passkey> passkeys;
    QList<ActiveSession> sessions; // active ones, newest first (at most 100)

    // Errors: NOT_FOUND, DATABASE_UNAVAILABLE / DATABASE_ERROR.
    static Result<UserDetails> load(const QSqlDatabase &db, const QString &userId);
};
