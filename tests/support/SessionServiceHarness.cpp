#include "SessionServiceHarness.h"

#include "LocalRedis.h"
#include "ScratchDatabase.h"
#include "models/database/PreparedStatements.h"
#include "server/device/GeoLocator.h"
#include "server/device/UserAgentParser.h"
#include "server/events/EventPublisher.h"
#include "server/redis/RedisClient.h"
#include "server/redis/RedisEndpoint.h"
#include "server/redis/RedisSubscriber.h"
#include "server/sessions/SessionCache.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlField>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <optional>

using namespace Qt::StringLiterals;

namespace {

// uap-core's ~1,200 regexes are compiled once per test process, like once per server.
Result<std::shared_ptr<const UserAgentParser>> sharedParser()
{
    static const Result<std::shared_ptr<const UserAgentParser>> parser = UserAgentParser::load();
    return parser;
}

// Starts an asynchronous call and runs the event loop until its callback has run.
template <typename T, typename Start> Result<T> await(Start start, int timeoutMs = 10000)
{
    // Shared: a callback that comes after a timeout must not write into a dead stack frame.
    auto slot = std::make_shared<std::optional<Result<T>>>();
    start([slot](Result<T> result) { slot->emplace(std::move(result)); });
    if (!SessionServiceHarness::waitUntil([&] { return slot->has_value(); }, timeoutMs))
        return makeError(u"TEST_TIMEOUT"_s, u"the service did not answer in time"_s);
    return std::move(**slot);
}

QVariantMap rowOf(const QSqlQuery &query)
{
    QVariantMap row;
    const QSqlRecord record = query.record();
    for (int i = 0; i < record.count(); ++i) {
        QVariant value = query.value(i);
        if (value.metaType() == QMetaType::fromType<QDateTime>() && !value.isNull())
            value = value.toDateTime().toUTC();
        row.insert(record.fieldName(i), value);
    }
    return row;
}

QVariantMap selectOne(const QSqlDatabase &db, const QString &sql, const QString &key)
{
    QSqlQuery query(db);
    query.prepare(sql);
    query.addBindValue(key);
    if (!query.exec()) {
        qWarning("SessionServiceHarness: %s", qPrintable(query.lastError().text()));
        return {};
    }
    return query.next() ? rowOf(query) : QVariantMap{};
}

QByteArray infoField(const QByteArray &info, const QByteArray &name)
{
    for (const QByteArray &line : info.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.startsWith(name + ':'))
            return trimmed.mid(name.size() + 1);
    }
    return {};
}

} // namespace

SessionServiceHarness::SessionServiceHarness(const QString &redisUrl, SessionSettings settings)
    : m_instance(u"test-sessions-"_s + QString::number(QRandomGenerator::global()->generate(), 36)),
      m_now(QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC))
{
    m_database = std::make_unique<ScratchDatabase>(ScratchDatabase::Schema::Migrated);
    if (!m_database->isValid()) {
        m_error = m_database->errorString();
        return;
    }
    m_statements = std::make_unique<PreparedStatements>(m_database->database());

    if (redisUrl.isEmpty()) {
        m_error = u"no Redis URL (GH_TEST_REDIS_URL is not set: run through scripts/test)"_s;
        return;
    }
    auto endpoint = RedisEndpoint::fromUrl(redisUrl);
    if (!endpoint) {
        m_error = endpoint.error().message;
        return;
    }
    m_redis = std::make_unique<RedisClient>(*endpoint);
    m_redis->start();
    if (!waitUntil([this] { return m_redis->isConnected(); }, 10000)) {
        m_error = u"cannot connect to Redis at "_s + endpoint->describe() + u": "_s +
                  m_redis->lastError();
        return;
    }

    auto parser = sharedParser();
    if (!parser) {
        m_error = parser.error().message;
        return;
    }
    m_userAgents = std::make_unique<CachedUserAgentParser>(*parser);
    auto geo = GeoLocator::open(GeoLocator::Options{});
    if (!geo) {
        m_error = geo.error().message;
        return;
    }
    m_geo = *geo;
    m_events = std::make_unique<EventPublisher>(m_redis.get(), m_instance);
    m_service = std::make_unique<SessionService>(settings, dependencies());
}

SessionServiceHarness::~SessionServiceHarness() = default;

SessionService::Dependencies SessionServiceHarness::dependencies()
{
    SessionService::Dependencies d;
    d.redis = m_redis.get();
    d.statements = [this]() -> Result<PreparedStatements *> {
        ++m_statementCalls;
        return m_statements.get();
    };
    d.resetDatabase = [] {}; // the scratch connection stays: a test that breaks it fails anyway
    d.userAgents = m_userAgents.get();
    d.geo = m_geo;
    d.events = m_events.get();
    d.clock = [this] { return m_now; };
    return d;
}

void SessionServiceHarness::rebuildService(SessionSettings settings)
{
    m_service = std::make_unique<SessionService>(settings, dependencies());
}

QSqlDatabase SessionServiceHarness::database() const
{
    return m_database->database();
}

User SessionServiceHarness::insertUser(const QString &role, const QString &status)
{
    User user;
    user.email = u"user%1.%2@example.org"_s.arg(++m_users).arg(
        QRandomGenerator::global()->generate(), 0, 36);
    user.firstName = u"Ada"_s;
    user.lastName = u"Lovelace"_s;
    user.role = role;
    user.status = status;
    QSqlQuery query(database());
    query.prepare(
        u"INSERT INTO users (id, email, email_verified, first_name, last_name, role, status) "
        "VALUES (gen_random_uuid(), ?, TRUE, ?, ?, ?, ?) RETURNING id::text"_s);
    for (const QString &value : {user.email, user.firstName, user.lastName, role, status})
        query.addBindValue(value);
    if (!query.exec() || !query.next()) {
        qWarning("insertUser: %s", qPrintable(query.lastError().text()));
        return {};
    }
    user.id = query.value(0).toString();
    user.emailVerified = true;
    return user;
}

bool SessionServiceHarness::setUserStatus(const QString &userId, const QString &status)
{
    QSqlQuery query(database());
    query.prepare(u"UPDATE users SET status = ? WHERE id = ?::uuid"_s);
    query.addBindValue(status);
    query.addBindValue(userId);
    return query.exec() && query.numRowsAffected() == 1;
}

Result<SessionService::Created> SessionServiceHarness::create(const User &user,
                                                              const QString &userAgent,
                                                              const QHostAddress &client)
{
    return await<SessionService::Created>(
        [&](auto done) { m_service->create(user, userAgent, client, std::move(done)); });
}

Result<SessionService::Checked> SessionServiceHarness::check(const QString &token)
{
    return await<SessionService::Checked>(
        [&](auto done) { m_service->check(token, std::move(done)); });
}

Result<bool> SessionServiceHarness::revoke(const QString &sessionId, const QString &reason,
                                           const QString &by, const QString &ownerUserId)
{
    return await<bool>(
        [&](auto done) { m_service->revoke(sessionId, reason, by, ownerUserId, std::move(done)); });
}

Result<int> SessionServiceHarness::revokeAllForUser(const QString &userId,
                                                    const QString &exceptSessionId,
                                                    const QString &reason, const QString &by)
{
    return await<int>([&](auto done) {
        m_service->revokeAllForUser(userId, exceptSessionId, reason, by, std::move(done));
    });
}

Result<int> SessionServiceHarness::sweep(int limit)
{
    return await<int>([&](auto done) { m_service->sweep(limit, std::move(done)); });
}

RedisReply SessionServiceHarness::call(const QList<QByteArray> &command, int timeoutMs)
{
    auto slot = std::make_shared<std::optional<RedisReply>>();
    m_redis->command(command, [slot](const RedisReply &reply) { *slot = reply; });
    if (!waitUntil([&] { return slot->has_value(); }, timeoutMs))
        return RedisReply::failure("TEST_TIMEOUT");
    return **slot;
}

bool SessionServiceHarness::exists(const QByteArray &key)
{
    return call({"EXISTS", key}).integer == 1;
}

qint64 SessionServiceHarness::ttl(const QByteArray &key)
{
    return call({"TTL", key}).integer;
}

bool SessionServiceHarness::isCached(const QString &sessionId)
{
    return call({"EXISTS", SessionCache::validKey(sessionId), SessionCache::dataKey(sessionId)})
               .integer == 2;
}

bool SessionServiceHarness::isUncached(const QString &sessionId)
{
    const RedisReply reply =
        call({"EXISTS", SessionCache::validKey(sessionId), SessionCache::dataKey(sessionId)});
    return reply.type == RedisReply::Type::Integer && reply.integer == 0;
}

void SessionServiceHarness::dropCache(const QString &sessionId)
{
    call({"DEL", SessionCache::validKey(sessionId), SessionCache::dataKey(sessionId)});
}

QJsonObject SessionServiceHarness::cachedJson(const QString &sessionId)
{
    return QJsonDocument::fromJson(call({"GET", SessionCache::dataKey(sessionId)}).string).object();
}

QVariantMap SessionServiceHarness::sessionRow(const QString &sessionId) const
{
    return selectOne(database(), u"SELECT * FROM sessions WHERE id = ?"_s, sessionId);
}

QVariantMap SessionServiceHarness::userRow(const QString &userId) const
{
    return selectOne(database(), u"SELECT * FROM users WHERE id = ?::uuid"_s, userId);
}

QString SessionServiceHarness::snapshot() const
{
    QString text;
    for (const QString &sql :
         {u"SELECT * FROM sessions ORDER BY id"_s, u"SELECT * FROM users ORDER BY id"_s}) {
        QSqlQuery query(database());
        if (!query.exec(sql))
            return u"error: "_s + query.lastError().text();
        while (query.next()) {
            const QVariantMap row = rowOf(query);
            for (auto it = row.cbegin(); it != row.cend(); ++it)
                text += it.key() + u'=' + it.value().toString() + u';';
            text += u'\n';
        }
    }
    return text;
}

bool SessionServiceHarness::waitUntil(const std::function<bool()> &condition, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        if (condition())
            return true;
        if (timer.elapsed() >= timeoutMs)
            return false;
        QTest::qWait(1);
    }
}

EventInbox::EventInbox(const QString &redisUrl, const QList<QByteArray> &channels)
    : m_channels(channels)
{
    auto endpoint = RedisEndpoint::fromUrl(redisUrl);
    if (!endpoint)
        return;
    m_subscriber = std::make_unique<RedisSubscriber>(*endpoint);
    QObject::connect(m_subscriber.get(), &RedisSubscriber::message, m_subscriber.get(),
                     [this](const QByteArray &channel, const QByteArray &payload) {
                         m_messages.append({channel, QJsonDocument::fromJson(payload).object()});
                     });
    m_subscriber->start();
    for (const QByteArray &channel : channels)
        m_subscriber->subscribe(channel);
}

EventInbox::~EventInbox() = default;

bool EventInbox::isReady() const
{
    if (!m_subscriber || !m_subscriber->isConnected())
        return false;
    for (const QByteArray &channel : m_channels)
        if (!m_subscriber->isSubscribed(channel))
            return false;
    return true;
}

QList<QJsonObject> EventInbox::events(const QByteArray &channel, const QString &sessionId,
                                      const QString &userId) const
{
    QList<QJsonObject> found;
    for (const auto &[name, json] : m_messages) {
        if (name != channel)
            continue;
        if (!sessionId.isEmpty() && json.value(u"sessionId"_s).toString() != sessionId)
            continue;
        if (!userId.isEmpty() && json.value(u"userId"_s).toString() != userId)
            continue;
        found.append(json);
    }
    return found;
}

QMap<QString, qint64> redisCommandCalls(const LocalRedis &redis)
{
    QMap<QString, qint64> calls;
    const QByteArray info = redis.cli({u"INFO"_s, u"commandstats"_s});
    for (const QByteArray &line : info.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (!trimmed.startsWith("cmdstat_"))
            continue;
        const qsizetype colon = trimmed.indexOf(':');
        const QString name = QString::fromLatin1(trimmed.mid(8, colon - 8));
        if (name == u"info"_s || name.startsWith(u"config"_s))
            continue; // redis-cli's own
        const QByteArray stats = trimmed.mid(colon + 1);
        for (const QByteArray &pair : stats.split(','))
            if (pair.startsWith("calls="))
                calls.insert(name, pair.mid(6).toLongLong());
    }
    return calls;
}

bool resetRedisCommandStats(const LocalRedis &redis)
{
    return redis.cli({u"CONFIG"_s, u"RESETSTAT"_s}) == "OK";
}

qint64 redisUsedMemory(const LocalRedis &redis)
{
    const QByteArray value = infoField(redis.cli({u"INFO"_s, u"memory"_s}), "used_memory");
    bool ok = false;
    const qint64 bytes = value.toLongLong(&ok);
    return ok ? bytes : -1;
}
