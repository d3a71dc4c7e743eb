#include "EventPublisher.h"

#include "models/common/Log.h"
#include "server/redis/RedisClient.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>

void EventPublisher::publish(const Event &event) const
{
    QJsonObject json{{QStringLiteral("type"), event.type},
                     {QStringLiteral("userId"), event.userId},
                     {QStringLiteral("at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                     {QStringLiteral("instance"), m_instance}};
    if (!event.sessionId.isEmpty())
        json.insert(QStringLiteral("sessionId"), event.sessionId);
    if (!event.by.isEmpty())
        json.insert(QStringLiteral("by"), event.by);
    if (!event.reason.isEmpty())
        json.insert(QStringLiteral("reason"), event.reason);
    const QString type = event.type;
    m_redis->command({QByteArrayLiteral("PUBLISH"), event.type.toUtf8(),
                      QJsonDocument(json).toJson(QJsonDocument::Compact)},
                     [type](const RedisReply &reply) {
                         if (reply.isError())
                             Log::warning(QStringLiteral("events.publish_failed"),
                                          {{QStringLiteral("type"), type},
                                           {QStringLiteral("error"), reply.errorText()}});
                     });
}

QString EventPublisher::defaultInstanceName()
{
    return QSysInfo::machineHostName() + QLatin1Char(':') +
           QString::number(QCoreApplication::applicationPid());
}
