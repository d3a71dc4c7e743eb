#pragma once

#include <QString>

class RedisClient;

// Publishes the live events of API.md on their channels (user:created, user:updated,
// session:created, session:revoked) as {"type","userId","sessionId"?,"at","by"?,"reason"?,
// "instance"}. Fire and forget: an event lost while Redis is down is logged, never retried.
class EventPublisher
{
public:
    EventPublisher(RedisClient *redis, QString instance) : m_redis(redis), m_instance(std::move(instance)) {}

    struct Event
    {
        QString type;       // also the channel
        QString userId;
        QString sessionId;  // optional
        QString by;         // optional: who caused it (user id, "admin:<id>", "system")
        QString reason;     // optional
    };
    void publish(const Event &event) const;

    // "host:pid", the default instance name in events and logs.
    static QString defaultInstanceName();

private:
    RedisClient *m_redis;
    QString m_instance;
};
