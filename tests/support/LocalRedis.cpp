#include "LocalRedis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QThread>

LocalRedis::LocalRedis(QStringList extraArguments)
    : m_dir(QDir::tempPath() + QStringLiteral("/ghr-XXXXXX")), m_extraArguments(std::move(extraArguments))
{
    const qsizetype at = m_extraArguments.indexOf(QStringLiteral("--requirepass"));
    if (at >= 0 && at + 1 < m_extraArguments.size())
        m_password = m_extraArguments.at(at + 1);
}

LocalRedis::~LocalRedis()
{
    kill();
}

bool LocalRedis::start()
{
    QFile::remove(socketPath());
    m_process.start(QStringLiteral("redis-server"),
                    QStringList{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--unixsocket"),
                     socketPath(), QStringLiteral("--save"), QString(),
                     QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                     m_dir.path()} + m_extraArguments);
    if (!m_process.waitForStarted(10000))
        return false;
    QElapsedTimer timer;
    timer.start();
    while (!QFile::exists(socketPath()) && timer.elapsed() < 10000)
        QThread::msleep(10);
    // The socket file appears at bind(), a moment before listen(): wait for a real answer.
    while (cli({QStringLiteral("PING")}) != "PONG" && timer.elapsed() < 10000)
        QThread::msleep(10);
    return QFile::exists(socketPath());
}

void LocalRedis::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(10000);
}

bool LocalRedis::pause(int milliseconds)
{
    return cli({QStringLiteral("CLIENT"), QStringLiteral("PAUSE"), QString::number(milliseconds),
                QStringLiteral("ALL")}) == "OK";
}

QByteArray LocalRedis::cli(const QStringList &arguments) const
{
    QStringList all{QStringLiteral("-s"), socketPath()};
    if (!m_password.isEmpty())
        all << QStringLiteral("-a") << m_password << QStringLiteral("--no-auth-warning");
    QProcess cli;
    cli.start(QStringLiteral("redis-cli"), all + arguments);
    if (!cli.waitForFinished(5000))
        return {};
    return cli.readAllStandardOutput().trimmed();
}
