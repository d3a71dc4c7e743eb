#pragma once

#include "ServerStatus.h"
#include "server/config/Config.h"
#include "server/secrets/SecretStoreFactory.h"

#include <QObject>

class QThread;
class ServerRuntime;

// Runs a ServerRuntime in its own thread for the console, so start-up (initdb, migrations)
// and graceful stops never block the GUI. All calls are asynchronous except shutdown().
class ServerController : public QObject
{
    Q_OBJECT
public:
    explicit ServerController(Config config, QObject *parent = nullptr);
    // With the desktop keychain (desktopKeychain() from gatehouse_keychain, passed by the
    // console's main()): see ServerRuntime::setKeychain. Without it, no keychain, as gatehoused.
    ServerController(Config config, KeychainBackend keychain, QObject *parent = nullptr);
    ~ServerController() override; // shuts down

    const Config &config() const { return m_config; }
    ServerStatus lastStatus() const { return m_lastStatus; }

public slots:
    void start();    // services + migrations (first time) + HTTP
    void stop();     // HTTP only: the embedded services keep running for the console
    void shutdown(); // everything; blocks until done

signals:
    void statusChanged(const ServerStatus &status);

private:
    Config m_config;
    QThread *m_thread;
    ServerRuntime *m_runtime;
    ServerStatus m_lastStatus;
    bool m_shutDown = false;
};
