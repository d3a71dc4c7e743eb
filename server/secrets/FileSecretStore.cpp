#include "server/secrets/FileSecretStore.h"

#include "models/common/Log.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

QString modeText(mode_t mode)
{
    return QStringLiteral("%1").arg(static_cast<uint>(mode & 07777), 4, 8, QLatin1Char('0'));
}

Error unavailable(const QString &message)
{
    return makeError(QString(SecretStore::kUnavailable), message);
}

Error unsafe(const QString &message)
{
    return makeError(QString(SecretStore::kUnsafe), message);
}

// Closes a descriptor and, unless released, removes a temporary file, on every return path.
class TempFile
{
public:
    TempFile(QByteArray path, int fd) : m_path(std::move(path)), m_fd(fd) {}
    ~TempFile()
    {
        closeFd();
        if (!m_path.isEmpty())
            ::unlink(m_path.constData());
    }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;

    int fd() const { return m_fd; }
    int closeFd()
    {
        const int result = m_fd >= 0 ? ::close(m_fd) : 0;
        m_fd = -1;
        return result;
    }
    void keep() { m_path.clear(); }

private:
    QByteArray m_path;
    int m_fd;
};

// Makes a rename/link/unlink in `directory` durable: a key that never reached the disk would
// leave data encrypted with it unreadable after a power cut.
void syncDirectory(const QByteArray &directory)
{
    const int fd = ::open(directory.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

bool writeAll(int fd, const QByteArray &bytes)
{
    qsizetype offset = 0;
    while (offset < bytes.size()) {
        const ssize_t written =
            ::write(fd, bytes.constData() + offset, static_cast<size_t>(bytes.size() - offset));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        offset += written;
    }
    return true;
}

} // namespace

FileSecretStore::FileSecretStore(const QString &dataDir)
    : m_dataDir(dataDir.isEmpty() ? QString()
                                  : QDir::cleanPath(QFileInfo(dataDir).absoluteFilePath())),
      m_directory(m_dataDir.isEmpty() ? QString() : m_dataDir + QStringLiteral("/secrets"))
{
}

QString FileSecretStore::describe() const
{
    return QStringLiteral("file store ") + m_directory;
}

QString FileSecretStore::filePath(const QString &name) const
{
    return m_directory + QLatin1Char('/') + name;
}

bool FileSecretStore::hasSecrets() const
{
    if (m_directory.isEmpty())
        return false;
    const QStringList entries =
        QDir(m_directory)
            .entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
    return std::any_of(entries.cbegin(), entries.cend(), &SecretStore::isValidName);
}

Status FileSecretStore::prepareDirectory(bool create) const
{
    if (m_directory.isEmpty())
        return unavailable(QStringLiteral("No data directory is configured, so there is nowhere "
                                          "to keep secret files (set data-dir)"));
    const QByteArray native = QFile::encodeName(m_directory);
    struct stat info
    {
    };
    if (::lstat(native.constData(), &info) != 0) {
        const int error = errno;
        if (error != ENOENT)
            return unavailable(QStringLiteral("Cannot read the secrets directory %1: %2")
                                   .arg(m_directory, errnoText(error)));
        if (!create)
            return makeError(QString(kNotFound),
                             QStringLiteral("There is no secrets directory %1").arg(m_directory));
        // A missing data dir is created private too; DataDirectory tightens it again later.
        if (!QFileInfo::exists(m_dataDir)) {
            QDir().mkpath(QFileInfo(m_dataDir).absolutePath());
            if (::mkdir(QFile::encodeName(m_dataDir).constData(), 0700) != 0 && errno != EEXIST)
                return unavailable(QStringLiteral("Cannot create the data directory %1: %2")
                                       .arg(m_dataDir, errnoText(errno)));
        }
        if (::mkdir(native.constData(), 0700) != 0 && errno != EEXIST)
            return unavailable(QStringLiteral("Cannot create the secrets directory %1: %2")
                                   .arg(m_directory, errnoText(errno)));
        if (::lstat(native.constData(), &info) != 0)
            return unavailable(QStringLiteral("Cannot read the secrets directory %1: %2")
                                   .arg(m_directory, errnoText(errno)));
    }
    if (S_ISLNK(info.st_mode))
        return unsafe(QStringLiteral("The secrets directory %1 is a symbolic link; Gatehouse keeps "
                                     "secrets only in a real directory it owns")
                          .arg(m_directory));
    if (!S_ISDIR(info.st_mode))
        return unsafe(QStringLiteral("%1 is not a directory").arg(m_directory));
    if (info.st_uid != ::geteuid())
        return unsafe(QStringLiteral("The secrets directory %1 belongs to uid %2, not to uid %3 "
                                     "that Gatehouse runs as")
                          .arg(m_directory)
                          .arg(info.st_uid)
                          .arg(::geteuid()));
    if ((info.st_mode & 07777) != 0700) {
        // Ours but opened up (by hand, or a umask that took owner bits): private again. The
        // files themselves are checked one by one on read.
        if (::chmod(native.constData(), 0700) != 0)
            return unsafe(
                QStringLiteral("Cannot make the secrets directory %1 private (mode %2): %3")
                    .arg(m_directory, modeText(info.st_mode), errnoText(errno)));
        Log::warning(QStringLiteral("secrets.directory_tightened"),
                     {{QStringLiteral("path"), m_directory},
                      {QStringLiteral("was"), modeText(info.st_mode)}});
    }
    return {};
}

Result<QByteArray> FileSecretStore::read(const QString &name)
{
    if (Status st = checkName(name); !st)
        return st.error();
    if (Status st = prepareDirectory(false); !st)
        return st.error();
    const QString path = filePath(name);
    const QByteArray native = QFile::encodeName(path);
    const auto notFound = [&] {
        return makeError(QString(kNotFound),
                         QStringLiteral("There is no secret %1 in %2").arg(name, m_directory));
    };
    struct stat info
    {
    };
    if (::lstat(native.constData(), &info) != 0) {
        if (errno == ENOENT)
            return notFound();
        return unavailable(
            QStringLiteral("Cannot read the secret file %1: %2").arg(path, errnoText(errno)));
    }
    if (S_ISLNK(info.st_mode))
        return unsafe(QStringLiteral("The secret file %1 is a symbolic link; Gatehouse reads only "
                                     "regular files it owns with mode 0600. Replace the link with "
                                     "the file itself.")
                          .arg(path));
    // O_NOFOLLOW and fstat: what we check is what we read, even if the name changes meanwhile.
    // O_NONBLOCK: a FIFO put there must not hang start-up.
    const int fd = ::open(native.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return notFound();
        if (errno == ELOOP)
            return unsafe(QStringLiteral("The secret file %1 is a symbolic link").arg(path));
        return unavailable(
            QStringLiteral("Cannot open the secret file %1: %2").arg(path, errnoText(errno)));
    }
    TempFile guard({}, fd);
    if (::fstat(fd, &info) != 0)
        return unavailable(
            QStringLiteral("Cannot read the secret file %1: %2").arg(path, errnoText(errno)));
    if (!S_ISREG(info.st_mode))
        return unsafe(QStringLiteral("The secret file %1 is not a regular file").arg(path));
    if (info.st_uid != ::geteuid())
        return unsafe(QStringLiteral("The secret file %1 belongs to uid %2, not to uid %3 that "
                                     "Gatehouse runs as; it was not written by Gatehouse")
                          .arg(path)
                          .arg(info.st_uid)
                          .arg(::geteuid()));
    if ((info.st_mode & 07777 & ~mode_t(0600)) != 0)
        return unsafe(QStringLiteral("The secret file %1 has mode %2: others may have read it, so "
                                     "Gatehouse refuses it. Find out who changed it; if the key "
                                     "is safe, run chmod 600 %1.")
                          .arg(path, modeText(info.st_mode)));
    if (info.st_size <= 0 || info.st_size > kMaxValueBytes)
        return makeError(QString(kValueInvalid),
                         QStringLiteral("The secret file %1 has %2 bytes; a secret has 1 to %3")
                             .arg(path)
                             .arg(static_cast<qint64>(info.st_size))
                             .arg(kMaxValueBytes));
    QByteArray value(static_cast<qsizetype>(info.st_size), Qt::Uninitialized);
    qsizetype offset = 0;
    while (offset < value.size()) {
        const ssize_t got =
            ::read(fd, value.data() + offset, static_cast<size_t>(value.size() - offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return unavailable(
                QStringLiteral("Cannot read the secret file %1: %2")
                    .arg(path, got < 0 ? errnoText(errno) : QStringLiteral("file shrank")));
        offset += got;
    }
    return value;
}

Status FileSecretStore::write(const QString &name, const QByteArray &value)
{
    return store(name, value, true);
}

Status FileSecretStore::create(const QString &name, const QByteArray &value)
{
    return store(name, value, false);
}

Status FileSecretStore::store(const QString &name, const QByteArray &value, bool replace)
{
    if (Status st = checkName(name); !st)
        return st;
    if (Status st = checkValue(name, value); !st)
        return st;
    if (Status st = prepareDirectory(true); !st)
        return st;
    const QString path = filePath(name);
    const QByteArray native = QFile::encodeName(path);
    // A dot name is never a valid secret name, so a crash cannot leave a file read() accepts.
    const QByteArray temp =
        QFile::encodeName(m_directory + QStringLiteral("/.") + name + QStringLiteral(".tmp-")) +
        QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    // Mode 0600 at creation (the umask can only take bits away): at no moment can another
    // account open it. fchmod then makes sure we can read it back whatever the umask was.
    const int fd =
        ::open(temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return unavailable(
            QStringLiteral("Cannot create a file in %1: %2").arg(m_directory, errnoText(errno)));
    TempFile file(temp, fd);
    if (::fchmod(fd, 0600) != 0 || !writeAll(fd, value) || ::fsync(fd) != 0 || file.closeFd() != 0)
        return unavailable(
            QStringLiteral("Cannot write the secret file %1: %2").arg(path, errnoText(errno)));
    if (replace) {
        if (::rename(temp.constData(), native.constData()) != 0)
            return unavailable(
                QStringLiteral("Cannot write the secret file %1: %2").arg(path, errnoText(errno)));
        file.keep();
    } else if (::link(temp.constData(), native.constData()) != 0) {
        // link(2) never replaces: whoever came first keeps their value.
        if (errno == EEXIST)
            return makeError(
                QString(kExists),
                QStringLiteral("The secret %1 already exists in %2").arg(name, m_directory));
        return unavailable(
            QStringLiteral("Cannot create the secret file %1: %2").arg(path, errnoText(errno)));
    }
    syncDirectory(QFile::encodeName(m_directory));
    return {};
}

Status FileSecretStore::remove(const QString &name)
{
    if (Status st = checkName(name); !st)
        return st;
    if (Status st = prepareDirectory(false); !st)
        return st.error().code == kNotFound ? Status() : st;
    const QString path = filePath(name);
    if (::unlink(QFile::encodeName(path).constData()) != 0 && errno != ENOENT)
        return unavailable(
            QStringLiteral("Cannot delete the secret file %1: %2").arg(path, errnoText(errno)));
    syncDirectory(QFile::encodeName(m_directory));
    return {};
}
