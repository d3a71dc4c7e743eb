#pragma once

#include "models/common/Result.h"
#include "server/embedded/ServiceAccount.h"

#include <QString>
#include <memory>
#include <optional>

class DataDirectory;
class EmbeddedPostgres;
class EmbeddedRedis;

// What the runtime uses when the administrator configured no external database and/or redis:
// a private PostgreSQL cluster and redis-server inside the data directory, reachable only over
// unix sockets, stopped cleanly on exit. A crashed Gatehouse's servers are adopted on the next
// start. All calls block (initdb takes seconds): call them off the GUI thread.
class EmbeddedServices
{
public:
    EmbeddedServices(QString dataDir, QString serviceUser, bool wantPostgres, bool wantRedis);
    ~EmbeddedServices(); // stop()
    EmbeddedServices(const EmbeddedServices &) = delete;
    EmbeddedServices &operator=(const EmbeddedServices &) = delete;

    // Locks the data directory, resolves the service account, starts (or adopts) what is
    // wanted. On failure nothing it started is left running and the lock is released.
    // Errors: DATA_DIR_IN_USE, DATA_DIR_NOT_ACCESSIBLE, DATA_DIR_NOT_WRITABLE, SOCKET_DIR_UNSAFE,
    // SERVICE_ACCOUNT_*, POSTGRES_*, REDIS_* (see the classes).
    Status start();
    // Stops both servers and releases the lock. Safe to call twice and without start().
    void stop();
    // Test hook: forgets the servers without stopping them and releases the lock, like a
    // Gatehouse killed with SIGKILL (whose lock QLockFile then sees as stale).
    void detach();

    bool running() const;
    // postgresql://gatehouse@/gatehouse?host=<socket dir>; empty unless PostgreSQL runs.
    QString databaseUrl() const;
    // unix://<socket path>; empty unless redis-server runs.
    QString redisUrl() const;
    // One line for the console and the startup log.
    QString describe() const;

    const DataDirectory *dataDirectory() const { return m_dir.get(); }
    const EmbeddedPostgres *postgres() const { return m_postgres.get(); }
    const EmbeddedRedis *redis() const { return m_redis.get(); }
    const std::optional<ServiceAccount> &account() const { return m_account; }

private:
    Status startServices();

    QString m_dataDir;
    QString m_serviceUser;
    bool m_wantPostgres;
    bool m_wantRedis;
    std::optional<ServiceAccount> m_account;
    // Declared before the services: they hold a reference to it, so it must be destroyed last.
    std::unique_ptr<DataDirectory> m_dir;
    std::unique_ptr<EmbeddedPostgres> m_postgres;
    std::unique_ptr<EmbeddedRedis> m_redis;
};
