#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

// Users and sessions put straight into PostgreSQL, as a sign-in flow would leave them, for the
// HTTP tests of the session endpoints (no sign-in flow is needed to get a session token). The
// token and its id are made here with Qt alone (QRandomGenerator, QCryptographicHash), not with
// the server's own Crypto code, so a mistake there cannot hide itself.
namespace SessionFixtures {

using Headers = QList<QPair<QByteArray, QByteArray>>;

// 32 random bytes, base64url without padding: 43 characters (API.md).
QString newToken();
// sessions.id for a token: sha256hex(token).
QString idFor(const QString &token);

// A new user (uuid) with this email, role and status. Empty on failure (the SQL error is logged).
QString insertUser(const QSqlDatabase &db, const QString &email,
                   const QString &role = QStringLiteral("user"),
                   const QString &status = QStringLiteral("active"));

struct SessionRow
{
    QString status = QStringLiteral("active");
    QDateTime expiresAt;      // default: now + 1 day
    QDateTime lastActivityAt; // default: now
};
// A new session of the user; returns its token (empty on failure).
QString insertSession(const QSqlDatabase &db, const QString &userId, const SessionRow &row = {});

// Every column of every session row, ordered by id, as text: equal snapshots = nothing changed.
QString sessionsSnapshot(const QSqlDatabase &db);
// One column of one session (empty when the row does not exist).
QString sessionColumn(const QSqlDatabase &db, const QString &sessionId, const QString &column);
// Runs one statement with bound values; false (and a warning) on failure.
bool exec(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {});

// Request headers carrying the token.
inline Headers bearer(const QString &token)
{
    return {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token.toLatin1()}};
}
inline Headers cookie(const QString &token, const QByteArray &origin = {})
{
    Headers headers{
        {QByteArrayLiteral("Cookie"), QByteArrayLiteral("gh_session=") + token.toLatin1()}};
    if (!origin.isEmpty())
        headers.append({QByteArrayLiteral("Origin"), origin});
    return headers;
}

} // namespace SessionFixtures
