#include "UserRepository.h"

#include "models/sessions/SessionRepository.h" // SqlRows::UserColumns, readUser

#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

namespace {
QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

QVariant jsonOrNull(const QJsonObject &object)
{
    if (object.isEmpty())
        return QVariant(QMetaType::fromType<QString>());
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

// A unique violation carries its own code, so callers can answer 409 rather than 500.
Error conflictOr(const Error &error, const QString &code, const QString &message)
{
    if (error.code == QLatin1String("DATABASE_CONFLICT"))
        return makeError(code, message);
    return error;
}
} // namespace

QString UserRepository::newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool UserRepository::isUuid(const QString &text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return pattern.match(text).hasMatch();
}

Result<std::optional<User>> UserRepository::findOne(const QString &sql, const QVariantList &values)
{
    return SqlRows::oneUser(m_sql.run(sql, values));
}

Result<std::optional<User>> UserRepository::findById(const QString &id)
{
    if (!isUuid(id))
        return std::optional<User>{}; // not an id PostgreSQL would accept: nobody
    return findOne(QStringLiteral("SELECT ") + SqlRows::UserColumns +
                       QStringLiteral(" FROM users u WHERE u.id = ?::uuid"),
                   {id});
}

Result<std::optional<User>> UserRepository::findByEmail(const QString &email)
{
    return findOne(QStringLiteral("SELECT ") + SqlRows::UserColumns +
                       QStringLiteral(" FROM users u WHERE u.email = ?"),
                   {email});
}

Result<std::optional<User>> UserRepository::findByProvider(const QString &type, const QString &providerId)
{
    return findOne(QStringLiteral("SELECT ") + SqlRows::UserColumns +
                       QStringLiteral(" FROM auth_providers p JOIN users u ON u.id = p.user_id "
                                      "WHERE p.type = ? AND p.provider_id = ?"),
                   {type, providerId});
}

Result<User> UserRepository::createWithProvider(const NewUser &user, const ProviderLink &provider,
                                                const std::function<Status()> &alsoInTransaction)
{
    QSqlDatabase &db = m_sql.database();
    if (!db.transaction())
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"), QStringLiteral("cannot begin a transaction"));
    const QString secret = user.totpSecretEncrypted.isEmpty()
                               ? QString()
                               : QString::fromLatin1(user.totpSecretEncrypted.toBase64(
                                     QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
    auto inserted = m_sql.run(
        QStringLiteral("INSERT INTO users (id, email, email_verified, email_verified_at, first_name, "
                       "last_name, display_name, totp_enabled, totp_secret) "
                       "VALUES (?::uuid, ?, ?, CASE WHEN ? THEN NOW() END, ?, ?, ?, ?, ?) RETURNING ") +
            QString(SqlRows::UserColumns).replace(QStringLiteral("u."), QString()),
        {user.id, user.email, user.emailVerified, user.emailVerified, user.firstName, user.lastName,
         nullable(user.displayName), !secret.isEmpty(), nullable(secret)});
    if (!inserted) {
        db.rollback();
        return conflictOr(inserted.error(), QStringLiteral("EMAIL_TAKEN"),
                          QStringLiteral("an account with this email already exists"));
    }
    QSqlQuery *q = *inserted;
    if (!q->next()) {
        db.rollback();
        return makeError(QStringLiteral("DATABASE_ERROR"), QStringLiteral("the new user was not returned"));
    }
    User created = SqlRows::readUser(*q);
    q->finish();
    if (Status linked = addProvider(created.id, provider); !linked) {
        db.rollback();
        return linked.error();
    }
    if (alsoInTransaction) {
        if (Status also = alsoInTransaction(); !also) {
            db.rollback();
            return also.error();
        }
    }
    if (!db.commit())
        return makeError(QStringLiteral("DATABASE_ERROR"), QStringLiteral("commit failed"));
    return created;
}

Status UserRepository::addProvider(const QString &userId, const ProviderLink &provider)
{
    auto inserted = m_sql.run(
        QStringLiteral("INSERT INTO auth_providers (user_id, type, provider_id, email, metadata) "
                       "VALUES (?::uuid, ?, ?, ?, ?::jsonb)"),
        {userId, provider.type, provider.providerId, nullable(provider.email), jsonOrNull(provider.metadata)});
    if (!inserted)
        return conflictOr(inserted.error(), QStringLiteral("PROVIDER_TAKEN"),
                          QStringLiteral("this sign-in method is already linked to an account"));
    return {};
}

Result<int> UserRepository::countSignInMethods(const QString &userId)
{
    auto query = m_sql.run(
        QStringLiteral("SELECT (SELECT count(*) FROM auth_providers WHERE user_id = ?::uuid "
                       "AND type NOT IN ('passkey', 'email')) "
                       "+ (SELECT count(*) FROM users WHERE id = ?::uuid AND totp_enabled) "
                       "+ (SELECT count(*) FROM passkey_credentials WHERE user_id = ?::uuid)"),
        {userId, userId, userId});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    const int count = q->next() ? q->value(0).toInt() : 0;
    q->finish();
    return count;
}
