#include "RedisEndpoint.h"

#include <QUrl>
#include <QUrlQuery>

namespace {
Error invalid(const QString &why)
{
    return makeError(QStringLiteral("REDIS_URL_INVALID"), QStringLiteral("redis URL: ") + why);
}

Result<int> parseDatabase(const QString &text)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0 || db > 255)
        return invalid(QStringLiteral("database \"%1\" is not a number from 0 to 255").arg(text));
    return db;
}
} // namespace

QString RedisEndpoint::describe() const
{
    QString where = isUnix() ? QStringLiteral("unix:") + socketPath
                             : host + QLatin1Char(':') + QString::number(port);
    if (database != 0)
        where += QStringLiteral(" db ") + QString::number(database);
    return where;
}

Result<RedisEndpoint> RedisEndpoint::fromUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return invalid(QStringLiteral("not a valid URL"));
    const QString scheme = url.scheme().toLower();
    RedisEndpoint endpoint;
    endpoint.username = url.userName(QUrl::FullyDecoded);
    endpoint.password = url.password(QUrl::FullyDecoded);
    const QUrlQuery query(url);

    if (scheme == QLatin1String("rediss"))
        return invalid(QStringLiteral("rediss:// (TLS) is not supported by hiredis 0.14; use a "
                                      "unix socket or a TLS tunnel"));
    if (scheme == QLatin1String("unix") || scheme == QLatin1String("redis+unix")) {
        endpoint.socketPath = url.path(QUrl::FullyDecoded);
        if (!endpoint.socketPath.startsWith(QLatin1Char('/')))
            return invalid(QStringLiteral("unix socket path must be absolute"));
        if (query.hasQueryItem(QStringLiteral("password")))
            endpoint.password = query.queryItemValue(QStringLiteral("password"), QUrl::FullyDecoded);
        if (query.hasQueryItem(QStringLiteral("db"))) {
            auto db = parseDatabase(query.queryItemValue(QStringLiteral("db")));
            if (!db)
                return db.error();
            endpoint.database = *db;
        }
        return endpoint;
    }
    if (scheme != QLatin1String("redis"))
        return invalid(QStringLiteral("scheme must be redis:// or unix://, not \"%1\"").arg(scheme));
    endpoint.host = url.host();
    if (endpoint.host.isEmpty())
        return invalid(QStringLiteral("missing host"));
    const int port = url.port(6379);
    if (port < 1 || port > 65535)
        return invalid(QStringLiteral("bad port"));
    endpoint.port = static_cast<quint16>(port);
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        auto db = parseDatabase(path);
        if (!db)
            return db.error();
        endpoint.database = *db;
    }
    return endpoint;
}
