#pragma once

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

// Runs the real gatehoused binary for end-to-end tests and collects what it logs. Without a
// --data-dir in the arguments it gets a private temporary one, so no test writes keys or state
// into the real home or /var/lib/gatehouse.
class GatehousedProcess
{
public:
    explicit GatehousedProcess(QStringList arguments, QProcessEnvironment environment = cleanEnvironment());
    ~GatehousedProcess(); // SIGKILL if still running

    // Starts and waits until /readyz answers 200 (or the timeout). False with the log on failure.
    bool startAndWaitReady(int timeoutMs = 60000);
    bool start();
    bool waitForExit(int timeoutMs);
    void terminate();      // SIGTERM
    void kill();           // SIGKILL (a crash)
    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    qint64 pid() const { return m_process.processId(); }
    bool running() const { return m_process.state() != QProcess::NotRunning; }

    QString log();         // everything written to stderr and stdout so far
    QUrl url(const QString &path) const;
    quint16 port() const { return m_port; }

    // The environment without GATEHOUSE_* variables (so the developer's own settings do not
    // leak into tests), with a private XDG_DATA_HOME left to the caller.
    static QProcessEnvironment cleanEnvironment();

private:
    QStringList m_arguments;
    QProcessEnvironment m_environment;
    std::unique_ptr<QTemporaryDir> m_dataDir; // when the test passed no --data-dir
    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};
