#pragma once

#include <QProcess>
#include <QTemporaryDir>

// A private redis-server on a unix socket in a temporary directory, for tests that stop,
// restart or pause Redis without disturbing the shared test server.
class LocalRedis
{
public:
    LocalRedis();
    ~LocalRedis();

    bool start();                       // waits until the socket exists
    void kill();
    bool pause(int milliseconds);       // CLIENT PAUSE … ALL: every command waits
    QString socketPath() const { return m_dir.filePath(QStringLiteral("redis.sock")); }
    QString url() const { return QStringLiteral("unix://") + socketPath(); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
};
