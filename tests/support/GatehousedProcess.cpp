#include "GatehousedProcess.h"

#include "TestHttp.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <csignal>

GatehousedProcess::GatehousedProcess(QStringList arguments, QProcessEnvironment environment)
    : m_arguments(std::move(arguments)), m_environment(std::move(environment))
{
    const qsizetype listen = m_arguments.indexOf(QStringLiteral("--listen"));
    if (listen < 0) {
        m_port = TestHttp::freePort();
        m_arguments << QStringLiteral("--listen") << QStringLiteral("127.0.0.1:%1").arg(m_port);
    } else {
        m_port = m_arguments.value(listen + 1).section(QLatin1Char(':'), -1).toUShort();
    }
    const bool hasDataDir =
        m_environment.contains(QStringLiteral("GATEHOUSE_DATA_DIR")) ||
        std::any_of(m_arguments.cbegin(), m_arguments.cend(), [](const QString &argument) {
            return argument == QLatin1String("--data-dir") ||
                   argument.startsWith(QLatin1String("--data-dir="));
        });
    if (!hasDataDir) {
        m_dataDir = std::make_unique<QTemporaryDir>();
        m_arguments << QStringLiteral("--data-dir") << m_dataDir->path();
    }
    m_process.setProcessEnvironment(m_environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

GatehousedProcess::~GatehousedProcess()
{
    if (running()) {
        m_process.kill();
        m_process.waitForFinished(10000);
    }
}

QProcessEnvironment GatehousedProcess::cleanEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &key : environment.keys())
        if (key.startsWith(QLatin1String("GATEHOUSE_")))
            environment.remove(key);
    return environment;
}

bool GatehousedProcess::start()
{
    m_process.start(QStringLiteral(GATEHOUSED_PATH), m_arguments);
    return m_process.waitForStarted(10000);
}

bool GatehousedProcess::startAndWaitReady(int timeoutMs)
{
    if (!start())
        return false;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        if (!running())
            return false;
        if (TestHttp::get(url(QStringLiteral("/readyz")), 2000).status == 200)
            return true;
        QThread::msleep(50);
    }
    return false;
}

bool GatehousedProcess::waitForExit(int timeoutMs)
{
    return m_process.waitForFinished(timeoutMs);
}

void GatehousedProcess::terminate()
{
    m_process.terminate();
}

void GatehousedProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(10000);
}

QString GatehousedProcess::log()
{
    m_output += m_process.readAll();
    return QString::fromUtf8(m_output);
}

QUrl GatehousedProcess::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}
