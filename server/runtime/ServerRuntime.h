#pragma once

#include "ServerStatus.h"
#include "models/common/Result.h"
#include "server/config/Config.h"

#include <QObject>

#include <memory>

class EmbeddedServices;
class HttpService;

// The start-up and shut-down sequence of one Gatehouse process, shared by gatehoused and the
// desktop console: embedded PostgreSQL/Redis when no URLs are configured, migrations, then the
// HTTP workers. prepare() blocks (initdb takes seconds), so the console runs this object in
// its own thread, never in the GUI thread.
class ServerRuntime : public QObject
{
    Q_OBJECT
public:
    explicit ServerRuntime(Config config, QObject *parent = nullptr);
    ~ServerRuntime() override;

    Status prepare();       // embedded services + migrations; once
    Status startHttp();     // listen and serve
    void stopHttp();        // graceful: in-flight requests get shutdown-timeout to finish
    void shutdown();        // stopHttp, then stop embedded services

    ServerStatus status() const { return m_status; }
    const Config &config() const { return m_config; }
    QString databaseUrl() const { return m_databaseUrl; }
    QString redisUrl() const { return m_redisUrl; }
    quint16 port() const;

signals:
    void statusChanged(const ServerStatus &status);

private:
    void setState(ServerStatus::State state, const QString &message);
    Status migrate();

    Config m_config;
    std::unique_ptr<EmbeddedServices> m_embedded;
    std::unique_ptr<HttpService> m_http;
    QString m_databaseUrl;
    QString m_redisUrl;
    bool m_prepared = false;
    ServerStatus m_status;
};
