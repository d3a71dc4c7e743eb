#pragma once

#include "models/common/Result.h"
#include "models/domain/User.h"
#include "server/redis/RedisReply.h"
#include "server/sessions/SessionService.h"

#include <QByteArray>
#include <QDateTime>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>
#include <QVariantMap>
#include <functional>
#include <memory>

class EventPublisher;
class GeoLocator;
class LocalRedis;
class PreparedStatements;
class RedisClient;
class RedisSubscriber;
class ScratchDatabase;
class UserAgentParser;

// A SessionService built in the test thread the way a worker builds one, against real servers:
// a fresh migrated ScratchDatabase (PreparedStatements on its connection), a RedisClient on the
// given URL (the shared GH_TEST_REDIS_URL or a LocalRedis), the packaged uap-core and libloc
// data, an EventPublisher, and a clock the test sets. The `statements` dependency counts its
// calls, so a test can prove that a path ran no SQL. Synchronous wrappers run the local event
// loop until the service answers.
//
//     SessionServiceHarness h(qEnvironmentVariable("GH_TEST_REDIS_URL"));
//     QVERIFY2(h.isValid(), qPrintable(h.errorString()));
class SessionServiceHarness
{
public:
    explicit SessionServiceHarness(const QString &redisUrl, SessionSettings settings = {});
    ~SessionServiceHarness();
    SessionServiceHarness(const SessionServiceHarness &) = delete;
    SessionServiceHarness &operator=(const SessionServiceHarness &) = delete;

    bool isValid() const { return m_error.isEmpty(); }
    const QString &errorString() const { return m_error; }

    SessionService &service() { return *m_service; }
    // A new service with other settings and the same dependencies (clock, counters, Redis).
    void rebuildService(SessionSettings settings);
    RedisClient &redis() { return *m_redis; }
    QSqlDatabase database() const;
    QString instance() const { return m_instance; }
    const std::shared_ptr<const GeoLocator> &geo() const { return m_geo; }

    // The injected clock: whole seconds, starting at the real current time.
    QDateTime now() const { return m_now; }
    void setNow(const QDateTime &now) { m_now = now; }
    void advance(qint64 seconds) { m_now = m_now.addSecs(seconds); }

    // How often the service asked for its statements (one per SQL statement it runs).
    int statementCalls() const { return m_statementCalls; }
    void resetStatementCalls() { m_statementCalls = 0; }

    // A user row inserted with SQL (unique email), returned as the domain type.
    User insertUser(const QString &role = QStringLiteral("user"),
                    const QString &status = QStringLiteral("active"));
    bool setUserStatus(const QString &userId, const QString &status);

    // The service's calls, waited for (error TEST_TIMEOUT when no answer comes).
    Result<SessionService::Created> create(const User &user, const QString &userAgent,
                                           const QHostAddress &client = QHostAddress::LocalHost);
    Result<SessionService::Checked> check(const QString &token);
    Result<bool> revoke(const QString &sessionId, const QString &reason, const QString &by,
                        const QString &ownerUserId = {});
    Result<int> revokeAllForUser(const QString &userId, const QString &exceptSessionId,
                                 const QString &reason, const QString &by);
    Result<int> sweep(int limit);

    // Redis through the harness's own client.
    RedisReply call(const QList<QByteArray> &command, int timeoutMs = 5000);
    bool exists(const QByteArray &key);
    qint64 ttl(const QByteArray &key);         // -2 missing, -1 no TTL
    bool isCached(const QString &sessionId);   // both session:valid:{id} and session:{id}
    bool isUncached(const QString &sessionId); // neither key
    void dropCache(const QString &sessionId);
    // session:{id} parsed (empty object when missing or not JSON).
    QJsonObject cachedJson(const QString &sessionId);

    // Rows as column → value (timestamps as UTC QDateTime); empty when there is no such row.
    QVariantMap sessionRow(const QString &sessionId) const;
    QVariantMap userRow(const QString &userId) const;
    // Every column of every row of sessions and users, as text: equal before and after = no write.
    QString snapshot() const;

    static bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000);

private:
    SessionService::Dependencies dependencies();

    QString m_error;
    QString m_instance;
    std::unique_ptr<ScratchDatabase> m_database;
    std::unique_ptr<PreparedStatements> m_statements;
    std::unique_ptr<RedisClient> m_redis;
    std::unique_ptr<EventPublisher> m_events;
    std::unique_ptr<CachedUserAgentParser> m_userAgents;
    std::shared_ptr<const GeoLocator> m_geo;
    std::unique_ptr<SessionService> m_service;
    QDateTime m_now;
    int m_statementCalls = 0;
    int m_users = 0;
};

// Listens on channels of a Redis server (its own RedisSubscriber) and keeps the messages.
class EventInbox
{
public:
    EventInbox(const QString &redisUrl, const QList<QByteArray> &channels);
    ~EventInbox();
    EventInbox(const EventInbox &) = delete;
    EventInbox &operator=(const EventInbox &) = delete;

    bool isReady() const; // connected and every channel confirmed
    // Messages of `channel` whose JSON has this sessionId (or, if empty, this userId).
    QList<QJsonObject> events(const QByteArray &channel, const QString &sessionId,
                              const QString &userId = {}) const;

private:
    std::unique_ptr<RedisSubscriber> m_subscriber;
    QList<QByteArray> m_channels;
    QList<QPair<QByteArray, QJsonObject>> m_messages;
};

// "CODE: message" of a failed result, empty for a success: for QVERIFY2, whose message is
// evaluated even when the check passes.
template <typename T> QByteArray failureText(const Result<T> &result)
{
    return result ? QByteArray()
                  : (result.error().code + QStringLiteral(": ") + result.error().message).toUtf8();
}

// INFO commandstats of a LocalRedis: command name → calls since the last CONFIG RESETSTAT,
// without the commands redis-cli itself sends (info, config).
QMap<QString, qint64> redisCommandCalls(const LocalRedis &redis);
bool resetRedisCommandStats(const LocalRedis &redis);
// INFO memory's used_memory of a LocalRedis (bytes), or -1.
qint64 redisUsedMemory(const LocalRedis &redis);
