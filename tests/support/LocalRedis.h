#pragma once

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

// A private redis-server on a unix socket in a temporary directory, for tests that stop,
// restart or pause Redis without disturbing the shared test server. Extra redis-server
// arguments (e.g. --requirepass pw, or --port N --bind 127.0.0.1 for TCP) come after ours.
class LocalRedis
{
public:
    explicit LocalRedis(QStringList extraArguments = {});
    ~LocalRedis();

    bool start();                       // waits until the socket exists
    void kill();
    bool pause(int milliseconds);       // CLIENT PAUSE … ALL: every command waits
    // redis-cli over the socket (with the --requirepass password, if any); its trimmed output.
    QByteArray cli(const QStringList &arguments) const;
    QString socketPath() const { return m_dir.filePath(QStringLiteral("redis.sock")); }
    QString url() const { return QStringLiteral("unix://") + socketPath(); }

private:
    QTemporaryDir m_dir;
    QStringList m_extraArguments;
    QString m_password;
    QProcess m_process;
};
