#include "Config.h"

#include <QThread>
#include <QUrl>

int Config::effectiveWorkers() const
{
    return workers > 0 ? workers : qMax(1, QThread::idealThreadCount());
}

QString Config::effectivePublicUrl() const
{
    if (!publicUrl.isEmpty())
        return publicUrl.endsWith(QLatin1Char('/')) ? publicUrl.chopped(1) : publicUrl;
    const QString host = listenAddress.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + listenAddress.toString() + QLatin1Char(']')
                             : listenAddress.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(listenPort);
}

QStringList Config::effectiveOrigins() const
{
    if (!origins.isEmpty())
        return origins;
    const QUrl url(effectivePublicUrl());
    QString origin = url.scheme() + QStringLiteral("://") + url.host(QUrl::FullyEncoded);
    if (url.port() > 0)
        origin += QLatin1Char(':') + QString::number(url.port());
    QStringList list{origin};
    // A server on loopback is reached as localhost as often as as 127.0.0.1.
    if (url.host() == QLatin1String("127.0.0.1") && url.port() > 0)
        list.append(url.scheme() + QStringLiteral("://localhost:") + QString::number(url.port()));
    return list;
}
