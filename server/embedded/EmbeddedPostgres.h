#pragma once

#include "models/common/Result.h"
#include "server/embedded/ServiceAccount.h"

#include <QString>

class DataDirectory;

// A private PostgreSQL cluster in <dataDir>/postgres: unix socket only (listen_addresses=''),
// socket directory and socket mode 0700, trust authentication for the superuser "gatehouse"
// (safe because only the service account and root can reach the socket at all).
class EmbeddedPostgres
{
public:
    static constexpr const char *kSuperuser = "gatehouse";
    static constexpr const char *kDatabase = "gatehouse";
    static constexpr int kPort = 5432; // only names the socket file: there is no TCP listener
    // Written after a complete initdb; a cluster directory without it is a half-done initdb.
    static constexpr const char *kMarkerFile = "gatehouse-initialized";

    // `dir` must outlive this object and be open.
    EmbeddedPostgres(const DataDirectory &dir, ServiceAccount account);
    // Stops the server unless it was detached.
    ~EmbeddedPostgres();
    EmbeddedPostgres(const EmbeddedPostgres &) = delete;
    EmbeddedPostgres &operator=(const EmbeddedPostgres &) = delete;

    // The directory holding initdb/pg_ctl/postgres: the highest /usr/lib/postgresql/<N>/bin
    // (or exactly <N> = `preferredMajor` when installed, to match an existing cluster), else
    // `pg_config --bindir`, else PATH. Error POSTGRES_NOT_INSTALLED.
    static Result<QString> findBinDir(const QString &preferredMajor = {});

    // initdb when needed, start (or adopt a running postmaster of this cluster), create the
    // database. Errors: POSTGRES_NOT_INSTALLED, POSTGRES_INITDB_FAILED, POSTGRES_START_FAILED,
    // POSTGRES_DRIVER_MISSING.
    Status start();
    // pg_ctl stop -m fast. Safe to call when not running.
    Status stop();
    // Forgets the server without stopping it (what a crash does); for tests.
    void detach();

    bool running() const { return m_running; }
    bool adopted() const { return m_adopted; }         // last start() found it already running
    bool initialized() const { return m_initialized; } // last start() ran initdb
    qint64 pid() const;                                // the postmaster, 0 when not running
    QString clusterDir() const;
    QString socketDir() const;
    QString socketPath() const;
    QString logFile() const;
    QString binDir() const { return m_binDir; }
    // postgresql://gatehouse@/gatehouse?host=<percent-encoded socket dir>
    QString databaseUrl() const;

private:
    Status ensureCluster();
    Status writeSettings();
    Status startServer();
    Status createDatabase();
    // Connects over the socket; empty string on success, else the driver's message.
    QString tryConnect(const QString &database) const;
    bool waitUntilAccepting(int timeoutMs, QString *lastError) const;
    bool postmasterIsOurs(qint64 pid) const;
    Error startError(const QString &what) const;
    QString pgCtl() const;

    const DataDirectory &m_dir;
    ServiceAccount m_account;
    QString m_binDir;
    bool m_running = false;
    bool m_adopted = false;
    bool m_initialized = false;
};
