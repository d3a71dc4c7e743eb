#include "LocalRedis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QThread>

LocalRedis::LocalRedis() : m_dir(QDir::tempPath() + QStringLiteral("/ghr-XXXXXX")) {}

LocalRedis::~LocalRedis()
{
    kill();
}

bool LocalRedis::start()
{
    QFile::remove(socketPath());
    m_process.start(QStringLiteral("redis-server"),
                    {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--unixsocket"),
                     socketPath(), QStringLiteral("--save"), QString(),
                     QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                     m_dir.path()});
    if (!m_process.waitForStarted(10000))
        return false;
    QElapsedTimer timer;
    timer.start();
    while (!QFile::exists(socketPath()) && timer.elapsed() < 10000)
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
    QProcess cli;
    cli.start(QStringLiteral("redis-cli"), {QStringLiteral("-s"), socketPath(), QStringLiteral("CLIENT"),
                                            QStringLiteral("PAUSE"), QString::number(milliseconds),
                                            QStringLiteral("ALL")});
    return cli.waitForFinished(5000) && cli.readAllStandardOutput().trimmed() == "OK";
}
