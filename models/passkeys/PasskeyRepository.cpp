#include "PasskeyRepository.h"

#include "models/sessions/SessionRepository.h" // SqlRows::UserColumns, readUser
#include "models/users/UserRepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

#include <limits>

namespace {
const QString kColumns = QStringLiteral(
    "c.id, c.user_id, c.public_key, c.counter, c.device_type, c.backed_up, c.transports, "
    "c.created_at, c.last_used_at, c.name, c.aaguid, c.attestation_format, c.clone_suspected_at");

QDateTime utc(const QVariant &value)
{
    const QDateTime time = value.toDateTime();
    return time.isValid() ? time.toUTC() : QDateTime();
}

QVariant nullable(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

QStringList transportsFrom(const QVariant &value)
{
    QStringList list;
    const QJsonArray array = QJsonDocument::fromJson(value.toString().toUtf8()).array();
    for (const QJsonValue &item : array)
        if (item.isString())
            list.append(item.toString());
    return list;
}

QString transportsJson(const QStringList &transports)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(transports)).toJson(QJsonDocument::Compact));
}

// passkey_credentials.counter is a signed INTEGER; sign counts are unsigned 32-bit. Real
// authenticators never come near 2^31, and a clamped value still compares correctly with any
// larger count that follows.
qint64 storedCounter(quint32 counter)
{
    return qMin<qint64>(counter, std::numeric_limits<qint32>::max());
}

PasskeyCredential readCredential(const QSqlQuery &q)
{
    PasskeyCredential c;
    c.id = q.value(0).toString();
    c.userId = q.value(1).toString();
    c.publicKey = QByteArray::fromBase64(q.value(2).toString().toLatin1(),
                                         QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    c.counter = quint32(qMax<qint64>(0, q.value(3).toLongLong()));
    c.deviceType = q.value(4).toString();
    c.backedUp = q.value(5).toBool();
    c.transports = transportsFrom(q.value(6));
    c.createdAt = utc(q.value(7));
    c.lastUsedAt = utc(q.value(8));
    c.name = q.value(9).toString();
    c.aaguid = q.value(10).toString();
    c.attestationFormat = q.value(11).toString();
    c.cloneSuspectedAt = utc(q.value(12));
    return c;
}

QJsonValue timeValue(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue() : QJsonValue(text);
}
} // namespace

QJsonObject PasskeyCredential::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), textOrNull(name)},
            {QStringLiteral("deviceType"), deviceType},
            {QStringLiteral("backedUp"), backedUp},
            {QStringLiteral("transports"), QJsonArray::fromStringList(transports)},
            {QStringLiteral("aaguid"), textOrNull(aaguid)},
            {QStringLiteral("attestationFormat"), textOrNull(attestationFormat)},
            {QStringLiteral("createdAt"), timeValue(createdAt)},
            {QStringLiteral("lastUsedAt"), timeValue(lastUsedAt)},
            {QStringLiteral("cloneSuspectedAt"), timeValue(cloneSuspectedAt)}};
}

Result<std::optional<PasskeyCredential>> PasskeyRepository::findById(const QString &id)
{
    auto query = m_sql.run(QStringLiteral("SELECT ") + kColumns +
                               QStringLiteral(" FROM passkey_credentials c WHERE c.id = ?"),
                           {id});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    if (!q->next())
        return std::optional<PasskeyCredential>{};
    PasskeyCredential credential = readCredential(*q);
    q->finish();
    return std::optional<PasskeyCredential>{std::move(credential)};
}

Result<QList<PasskeyCredential>> PasskeyRepository::listForUser(const QString &userId)
{
    if (!UserRepository::isUuid(userId))
        return QList<PasskeyCredential>{};
    auto query = m_sql.run(QStringLiteral("SELECT ") + kColumns +
                               QStringLiteral(" FROM passkey_credentials c WHERE c.user_id = ?::uuid "
                                              "ORDER BY c.created_at, c.id"),
                           {userId});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    QList<PasskeyCredential> list;
    while (q->next())
        list.append(readCredential(*q));
    q->finish();
    return list;
}

Result<std::optional<PasskeyRepository::Account>> PasskeyRepository::accountForEmail(const QString &email)
{
    auto query = m_sql.run(
        QStringLiteral("SELECT u.id, c.id, c.transports FROM users u "
                       "LEFT JOIN passkey_credentials c ON c.user_id = u.id "
                       "WHERE u.email = ? ORDER BY c.created_at, c.id"),
        {email});
    if (!query)
        return query.error();
    QSqlQuery *q = *query;
    std::optional<Account> account;
    while (q->next()) {
        if (!account)
            account = Account{q->value(0).toString(), {}};
        if (!q->value(1).isNull())
            account->credentials.append({q->value(1).toString(), transportsFrom(q->value(2))});
    }
    q->finish();
    return account;
}

Status PasskeyRepository::insertRow(const PasskeyCredential &c)
{
    auto inserted = m_sql.run(
        QStringLiteral("INSERT INTO passkey_credentials (id, user_id, public_key, counter, device_type, "
                       "backed_up, transports, name, aaguid, attestation_format) "
                       "VALUES (?, ?::uuid, ?, ?, ?, ?, ?::jsonb, ?, ?::uuid, ?)"),
        {c.id, c.userId,
         QString::fromLatin1(c.publicKey.toBase64(QByteArray::Base64UrlEncoding |
                                                  QByteArray::OmitTrailingEquals)),
         storedCounter(c.counter), c.deviceType, c.backedUp, transportsJson(c.transports),
         nullable(c.name), nullable(c.aaguid), nullable(c.attestationFormat)});
    if (!inserted) {
        if (inserted.error().code == QLatin1String("DATABASE_CONFLICT"))
            return makeError(QStringLiteral("PASSKEY_TAKEN"),
                             QStringLiteral("this passkey is registered already"));
        return inserted.error();
    }
    return {};
}

Status PasskeyRepository::insert(const PasskeyCredential &credential)
{
    return insertRow(credential);
}

Result<User> PasskeyRepository::createUserWithPasskey(UserRepository &users, const NewUser &user,
                                                      const PasskeyCredential &credential)
{
    ProviderLink link;
    link.type = QStringLiteral("passkey");
    link.providerId = credential.id;
    link.email = user.email;
    auto created = users.createWithProvider(user, link, [&] { return insertRow(credential); });
    if (!created && created.error().code == QLatin1String("PROVIDER_TAKEN"))
        return makeError(QStringLiteral("PASSKEY_TAKEN"), QStringLiteral("this passkey is registered already"));
    return created;
}

Result<std::optional<User>> PasskeyRepository::recordUse(const QString &id, quint32 counter, bool backedUp,
                                                         const QDateTime &now)
{
    return SqlRows::oneUser(m_sql.run(QStringLiteral("WITH used AS (UPDATE passkey_credentials SET counter = ?, "
                                          "backed_up = ?, last_used_at = ? WHERE id = ? RETURNING user_id) "
                                          "SELECT ") +
                               SqlRows::UserColumns + QStringLiteral(" FROM users u JOIN used ON u.id = used.user_id"),
                           {storedCounter(counter), backedUp, now.toUTC(), id}));
}

Status PasskeyRepository::flagCloneSuspected(const QString &id, const QDateTime &now)
{
    auto updated = m_sql.run(QStringLiteral("UPDATE passkey_credentials SET clone_suspected_at = "
                                            "COALESCE(clone_suspected_at, ?) WHERE id = ?"),
                             {now.toUTC(), id});
    if (!updated)
        return updated.error();
    (*updated)->finish();
    return {};
}

Result<PasskeyRepository::Removal> PasskeyRepository::remove(UserRepository &users, const QString &userId,
                                                             const QString &id)
{
    if (!UserRepository::isUuid(userId))
        return Removal::NotFound;
    QSqlDatabase &db = m_sql.database();
    if (!db.transaction())
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"), QStringLiteral("cannot begin a transaction"));
    const auto fail = [&db](const Error &error) -> Result<Removal> {
        db.rollback();
        return error;
    };
    auto locked = m_sql.run(QStringLiteral("SELECT id FROM users WHERE id = ?::uuid FOR UPDATE"), {userId});
    if (!locked)
        return fail(locked.error());
    (*locked)->finish();
    auto owned = m_sql.run(QStringLiteral("SELECT 1 FROM passkey_credentials WHERE id = ? AND user_id = ?::uuid"),
                           {id, userId});
    if (!owned)
        return fail(owned.error());
    const bool exists = (*owned)->next();
    (*owned)->finish();
    if (!exists) {
        db.rollback();
        return Removal::NotFound;
    }
    auto methods = users.countSignInMethods(userId);
    if (!methods)
        return fail(methods.error());
    if (*methods <= 1) {
        db.rollback();
        return Removal::LastMethod;
    }
    auto deleted = m_sql.run(QStringLiteral("DELETE FROM passkey_credentials WHERE id = ? AND user_id = ?::uuid"),
                             {id, userId});
    if (!deleted)
        return fail(deleted.error());
    (*deleted)->finish();
    auto unlinked = m_sql.run(QStringLiteral("DELETE FROM auth_providers WHERE type = 'passkey' "
                                             "AND provider_id = ? AND user_id = ?::uuid"),
                              {id, userId});
    if (!unlinked)
        return fail(unlinked.error());
    (*unlinked)->finish();
    if (!db.commit())
        return makeError(QStringLiteral("DATABASE_ERROR"), QStringLiteral("commit failed"));
    return Removal::Removed;
}
