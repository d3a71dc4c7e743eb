#pragma once

#include "ServerStatus.h"
#include "models/common/Result.h"
#include "server/config/Config.h"
#include "server/secrets/SecretStoreFactory.h"

#include <QObject>
#include <QTimer>

#include <memory>

class EmbeddedServices;
class HttpService;
class SecretStore;
struct AppServices;
class Metrics;

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

    // The desktop console hands in its keychain (desktopKeychain(), gatehouse_keychain):
    // secret-store "auto" then prefers it on a first start, and "keychain" and a data dir whose
    // keys are there can be used. Without it (gatehoused) those two fail with
    // SECRET_STORE_UNAVAILABLE and "auto" uses the file store. Before prepare().
    void setKeychain(KeychainBackend keychain) { m_keychain = std::move(keychain); }

    Status prepare();       // embedded services + migrations; once
    Status startHttp();     // listen and serve
    void stopHttp();        // graceful: in-flight requests get shutdown-timeout to finish
    void shutdown();        // stopHttp, then stop embedded services

    ServerStatus status() const { return m_status; }
    const Config &config() const { return m_config; }
    QString databaseUrl() const { return m_databaseUrl; }
    QString redisUrl() const { return m_redisUrl; }
    quint16 port() const;
    // After prepare(): the store holding Gatehouse's keys, and the 32-byte data encryption key
    // (AES-256-GCM for data at rest) read from it or created there at first start.
    SecretStore *secretStore() const { return m_secrets.get(); }
    QByteArray dataEncryptionKey() const { return m_dataEncryptionKey; }

signals:
    void statusChanged(const ServerStatus &status);

private:
    void setState(ServerStatus::State state, const QString &message);
    Status migrate();
    Status openSecrets();

    Config m_config;
    KeychainBackend m_keychain;
    std::unique_ptr<SecretStore> m_secrets;
    QByteArray m_dataEncryptionKey;
    std::shared_ptr<AppServices> m_services; // after m_secrets: its key ring reads the store
    QTimer m_keyRefresh;                     // reload/rotate/publish signing keys every minute
    std::unique_ptr<EmbeddedServices> m_embedded;
    std::unique_ptr<Metrics> m_metrics; // outlives m_http, whose workers report to it
    std::unique_ptr<HttpService> m_http;
    QString m_databaseUrl;
    QString m_redisUrl;
    bool m_prepared = false;
    ServerStatus m_status;
};
