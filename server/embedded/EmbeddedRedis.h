#pragma once

#include "models/common/Result.h"
#include "server/embedded/ServiceAccount.h"

#include <QByteArray>
#include <QList>
#include <QString>

class DataDirectory;

// A private redis-server: no TCP (port 0), one unix socket (mode 700) in the socket directory,
// AOF persistence in <dataDir>/redis, daemonized with a pid file in <dataDir>/run.
// This module speaks the few RESP commands it needs itself; only server/redis uses hiredis.
class EmbeddedRedis
{
public:
    // One RESP reply, or why there was none.
    struct Reply
    {
        enum class Kind
        {
            NoSocket, // nothing at the path
            Refused,  // a socket file nobody accepts on (or not reachable)
            NoAnswer, // connected, but no complete reply before the timeout or the close
            Simple,   // +OK / +PONG
            Error,    // -ERR …, -LOADING …
            Integer,  // :1
            Bulk,     // $n …
            Null,     // $-1
            Other,    // arrays, or bytes that are not RESP at all
        };
        Kind kind = Kind::NoSocket;
        QByteArray data; // the payload (without type byte and CRLF); raw bytes for Other
    };

    // `dir` must outlive this object and be open.
    EmbeddedRedis(const DataDirectory &dir, ServiceAccount account);
    // Stops the server unless it was detached.
    ~EmbeddedRedis();
    EmbeddedRedis(const EmbeddedRedis &) = delete;
    EmbeddedRedis &operator=(const EmbeddedRedis &) = delete;

    // redis-server from PATH or /usr/bin. Error REDIS_NOT_INSTALLED.
    static Result<QString> findServer();
    // Sends one command and reads one reply, blocking up to timeoutMs.
    static Reply command(const QString &socketPath, const QList<QByteArray> &arguments,
                         int timeoutMs);

    // Starts redis-server, or adopts the one a crashed Gatehouse left running on our socket.
    // Errors: REDIS_NOT_INSTALLED, REDIS_SOCKET_IN_USE, REDIS_START_FAILED.
    Status start();
    // SHUTDOWN (flushes the AOF), waits up to 15 s, then SIGTERM / SIGKILL. Safe when stopped.
    Status stop();
    // Forgets the server without stopping it (what a crash does); for tests.
    void detach();

    bool running() const { return m_running; }
    bool adopted() const { return m_adopted; }
    qint64 pid() const { return m_running ? m_pid : 0; }
    QString socketPath() const;
    QString configFile() const;
    QString pidFile() const;
    QString logFile() const;
    // unix://<socket path>; the path is percent-encoded where a URL needs it (space, %, ?, #).
    QString redisUrl() const;

private:
    struct Identity
    {
        qint64 pid = 0;
        QString configFile;
    };
    Status inspectExisting(bool *adopt);
    Identity identify() const;
    bool isOurProcess(qint64 pid) const;
    Status terminate(qint64 pid, const QString &why);
    Status writeConfig();
    Status waitUntilReady(int timeoutMs);
    Error inUse(const QString &what) const;
    Error startError(const QString &what) const;

    const DataDirectory &m_dir;
    ServiceAccount m_account;
    QString m_server;
    qint64 m_pid = 0;
    bool m_running = false;
    bool m_adopted = false;
};
