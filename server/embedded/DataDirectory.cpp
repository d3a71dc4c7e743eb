#include "server/embedded/DataDirectory.h"

#include "models/common/Log.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace {

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// Creates `path` with `mode` when missing, and sets `mode` when it exists, so a directory that
// an earlier version or an administrator left group/world readable becomes private again.
// `keepGroupSearch` leaves an existing group search bit alone: ServiceAccount grants it on the
// top directory so the service account can reach its subdirectories (and nothing else).
Status ensurePrivateDir(const QString &path, mode_t mode, bool keepGroupSearch = false)
{
    const QByteArray native = QFile::encodeName(path);
    if (::mkdir(native.constData(), mode) != 0 && errno != EEXIST)
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot create directory %1: %2").arg(path, errnoText()));
    struct stat info
    {
    };
    if (::stat(native.constData(), &info) != 0 || !S_ISDIR(info.st_mode))
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("%1 exists and is not a directory").arg(path));
    if (keepGroupSearch)
        mode |= info.st_mode & S_IXGRP;
    if ((info.st_mode & 07777) != mode && ::chmod(native.constData(), mode) != 0)
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot make %1 private (chmod %2): %3")
                             .arg(path, QString::number(mode, 8), errnoText()));
    return {};
}

} // namespace

DataDirectory::DataDirectory(const QString &path)
    : m_path(QDir::cleanPath(QFileInfo(path).absoluteFilePath()))
{
}

DataDirectory::~DataDirectory()
{
    release();
}

Status DataDirectory::open(uid_t serviceUid)
{
    if (isOpen())
        return {};
    if (!QDir().mkpath(m_path))
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot create the data directory %1").arg(m_path));
    // Resolve symlinks once, so pid files, the postmaster's -D and our checks agree on one path.
    m_path = QFileInfo(m_path).canonicalFilePath();
    if (Status st = ensurePrivateDir(m_path, 0700, true); !st)
        return st;
    if (Status st = lock(); !st)
        return st;

    for (const QString &dir : {postgresDir(), redisDir(), runDir(), logsDir()}) {
        if (Status st = ensurePrivateDir(dir, 0700); !st) {
            release();
            return st;
        }
    }
    if (Status st = prepareSocketDir(serviceUid); !st) {
        release();
        return st;
    }
    Log::info(QStringLiteral("embedded.data_dir.opened"),
              {{QStringLiteral("path"), m_path}, {QStringLiteral("socketDir"), m_socketDir}});
    return {};
}

Status DataDirectory::lock()
{
    auto lockFile = std::make_unique<QLockFile>(lockFilePath());
    // Never treat a lock as stale because of its age: a Gatehouse may run for months. QLockFile
    // still removes a lock whose process is dead, which is the crash case.
    lockFile->setStaleLockTime(0);
    if (lockFile->tryLock(0)) {
        m_lock = std::move(lockFile);
        return {};
    }
    switch (lockFile->error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString host;
        QString app;
        lockFile->getLockInfo(&pid, &host, &app);
        return makeError(
            QStringLiteral("DATA_DIR_IN_USE"),
            QStringLiteral("The data directory %1 is in use by another Gatehouse process "
                           "(pid %2%3%4). Stop it first, or choose another --data-dir.")
                .arg(m_path, QString::number(pid),
                     app.isEmpty() ? QString() : QStringLiteral(", %1").arg(app),
                     host.isEmpty() ? QString() : QStringLiteral(" on %1").arg(host)));
    }
    case QLockFile::PermissionError:
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot create the lock file %1: permission denied")
                             .arg(lockFilePath()));
    default:
        return makeError(QStringLiteral("DATA_DIR_LOCK_FAILED"),
                         QStringLiteral("Cannot lock the data directory %1").arg(m_path));
    }
}

bool DataDirectory::socketPathFits(const QString &directory)
{
    const QByteArray path =
        QFile::encodeName(directory + QLatin1Char('/') + QLatin1String(kLongestSocketName));
    return path.size() <= kMaxSocketPathBytes;
}

QString DataDirectory::shortSocketDirFor(const QString &dataDir)
{
    const QString name = QStringLiteral("gatehouse-") +
                         QString::fromLatin1(QCryptographicHash::hash(QFile::encodeName(dataDir),
                                                                      QCryptographicHash::Sha256)
                                                 .toHex()
                                                 .left(12));
    QStringList bases;
    if (::geteuid() == 0)
        bases << QStringLiteral("/run");
    else if (const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR"); !runtime.isEmpty())
        bases << runtime;
    bases << QDir::tempPath() << QStringLiteral("/tmp");
    for (const QString &base : std::as_const(bases)) {
        const QString candidate = QDir::cleanPath(base) + QLatin1Char('/') + name;
        if (::access(QFile::encodeName(base).constData(), W_OK | X_OK) == 0 &&
            socketPathFits(candidate))
            return candidate;
    }
    return QStringLiteral("/tmp/") + name;
}

Status DataDirectory::prepareSocketDir(uid_t serviceUid)
{
    if (socketPathFits(runDir())) {
        m_socketDir = runDir();
        return {};
    }
    const QString dir = shortSocketDirFor(m_path);
    const QByteArray native = QFile::encodeName(dir);
    if (::mkdir(native.constData(), 0700) != 0 && errno != EEXIST)
        return makeError(
            QStringLiteral("DATA_DIR_NOT_WRITABLE"),
            QStringLiteral("Cannot create the socket directory %1: %2").arg(dir, errnoText()));
    // The base may be world-writable (/tmp): anybody could have created this name first, as a
    // symlink or a directory they own, to see or hijack our sockets. Accept only a real
    // directory owned by us or by the service account.
    struct stat info
    {
    };
    if (::lstat(native.constData(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        (info.st_uid != ::geteuid() && info.st_uid != serviceUid))
        return makeError(
            QStringLiteral("SOCKET_DIR_UNSAFE"),
            QStringLiteral("The socket directory %1 exists but is not a directory owned by "
                           "Gatehouse's service account; remove it and start again")
                .arg(dir));
    if (::chmod(native.constData(), 0700) != 0)
        return makeError(QStringLiteral("SOCKET_DIR_UNSAFE"),
                         QStringLiteral("Cannot make %1 private: %2").arg(dir, errnoText()));
    m_socketDir = dir;
    Log::info(QStringLiteral("embedded.socket_dir.short"),
              {{QStringLiteral("dataDir"), m_path},
               {QStringLiteral("socketDir"), dir},
               {QStringLiteral("reason"),
                QStringLiteral("%1/run would make socket paths longer than %2 bytes")
                    .arg(m_path)
                    .arg(kMaxSocketPathBytes)}});
    return {};
}

void DataDirectory::release()
{
    if (!m_lock)
        return;
    m_lock->unlock();
    m_lock.reset();
    // rmdir only removes an empty directory: sockets of a still-running (detached) service stay.
    if (!m_socketDir.isEmpty() && m_socketDir != runDir())
        ::rmdir(QFile::encodeName(m_socketDir).constData());
}
