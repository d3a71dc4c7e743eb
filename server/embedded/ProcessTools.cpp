#include "server/embedded/ProcessTools.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QThread>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace ProcessTools {

namespace {

QByteArray readProcFile(qint64 pid, const char *name)
{
    QFile file(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    // EPERM means it exists but belongs to someone else (we are not root): still alive.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)
        return false;
    // /proc/<pid>/stat is "pid (comm) S ...": the state letter follows the last ')' because
    // comm itself may contain parentheses or spaces.
    const QByteArray stat = readProcFile(pid, "stat");
    const qsizetype close = stat.lastIndexOf(')');
    if (close >= 0 && close + 2 < stat.size()) {
        const char state = stat.at(close + 2);
        if (state == 'Z' || state == 'X')
            return false;
    }
    return true;
}

bool waitForExit(qint64 pid, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (processAlive(pid)) {
        if (timer.elapsed() >= timeoutMs)
            return false;
        QThread::msleep(25);
    }
    return true;
}

qint64 readPidFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    bool ok = false;
    const qint64 pid = file.readLine(64).trimmed().toLongLong(&ok);
    return ok && pid > 0 ? pid : 0;
}

QString commandLine(qint64 pid)
{
    QByteArray raw = readProcFile(pid, "cmdline");
    raw.replace('\0', ' ');
    return QString::fromLocal8Bit(raw).trimmed();
}

QString executableName(qint64 pid)
{
    return QFileInfo(QFile::symLinkTarget(QStringLiteral("/proc/%1/exe").arg(pid))).fileName();
}

QString tailOfFile(const QString &path, int lines)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    // Logs can grow large; the tail is in the last few kilobytes.
    constexpr qint64 window = 16 * 1024;
    if (file.size() > window)
        file.seek(file.size() - window);
    const QStringList all =
        QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return all.mid(qMax<qsizetype>(0, all.size() - lines)).join(QLatin1Char('\n'));
}

bool unixSocketBound(const QString &path)
{
    // Columns: Num RefCount Protocol Flags Type St Inode Path. The path is the last column and
    // may contain spaces, so compare the tail of each line.
    QFile file(QStringLiteral("/proc/net/unix"));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    // readAll, not atEnd(): /proc files report size 0, so atEnd() is true before the first read.
    const QByteArray wanted = ' ' + QFile::encodeName(path);
    const QList<QByteArray> lines = file.readAll().split('\n');
    return std::any_of(lines.begin(), lines.end(),
                       [&](const QByteArray &line) { return line.endsWith(wanted); });
}

bool isSocketFile(const QString &path)
{
    struct stat info
    {
    };
    return ::lstat(QFile::encodeName(path).constData(), &info) == 0 && S_ISSOCK(info.st_mode);
}

bool pathExists(const QString &path)
{
    struct stat info
    {
    };
    return ::lstat(QFile::encodeName(path).constData(), &info) == 0;
}

} // namespace ProcessTools
