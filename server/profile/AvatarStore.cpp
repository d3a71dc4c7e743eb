#include "AvatarStore.h"

#include "server/config/Config.h"
#include "server/crypto/Crypto.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryFile>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace {
// Files larger than this are not ours (our output is a 256×256 PNG, well below it).
constexpr qint64 kMaxServedBytes = 4 * 1024 * 1024;

Error storeError(const QString &message)
{
    return makeError(QStringLiteral("AVATAR_STORE_FAILED"), message);
}
} // namespace

QString AvatarStore::directoryFor(const Config &config)
{
    if (!config.avatarDir.isEmpty())
        return config.avatarDir;
    return QDir::cleanPath(config.dataDir + QStringLiteral("/avatars"));
}

QString AvatarStore::keyFor(const QByteArray &bytes, const QString &extension)
{
    return Crypto::sha256Hex(bytes) + QLatin1Char('.') + extension;
}

bool AvatarStore::isValidKey(const QString &key)
{
    static const QRegularExpression pattern(QStringLiteral("^[0-9a-f]{64}\\.(png|webp)$"));
    return pattern.match(key).hasMatch();
}

QByteArray AvatarStore::mimeTypeFor(const QString &key)
{
    return key.endsWith(QLatin1String(".webp")) ? QByteArrayLiteral("image/webp")
                                                : QByteArrayLiteral("image/png");
}

QString AvatarStore::pathFor(const QString &key) const
{
    return m_directory + QLatin1Char('/') + key;
}

bool AvatarStore::contains(const QString &key) const
{
    return isValidKey(key) && QFileInfo(pathFor(key)).isFile();
}

Status AvatarStore::put(const QString &key, const QByteArray &bytes) const
{
    if (!isValidKey(key))
        return storeError(QStringLiteral("invalid avatar key"));
    if (!QDir().mkpath(m_directory))
        return storeError(QStringLiteral("cannot create the avatar directory %1").arg(m_directory));
    const QString target = pathFor(key);
    if (QFileInfo(target).isFile() && QFileInfo(target).size() == bytes.size())
        return {};

    // Same directory as the target, so rename() is atomic (same file system).
    QTemporaryFile file(m_directory + QStringLiteral("/.upload-XXXXXX"));
    if (!file.open())
        return storeError(QStringLiteral("cannot create a file in %1: %2")
                              .arg(m_directory, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.flush() || ::fsync(file.handle()) != 0)
        return storeError(QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    // Served to everyone and read by every instance sharing the directory.
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                        QFileDevice::ReadOther);
    // POSIX rename replaces atomically; QFile::rename would refuse an existing target.
    if (::rename(QFile::encodeName(file.fileName()).constData(),
                 QFile::encodeName(target).constData()) != 0)
        return storeError(QStringLiteral("cannot rename into %1: %2")
                              .arg(target, QString::fromLocal8Bit(std::strerror(errno))));
    file.setAutoRemove(false); // it has a new name now
    return {};
}

std::optional<QByteArray> AvatarStore::read(const QString &key) const
{
    if (!isValidKey(key))
        return std::nullopt;
    QFile file(pathFor(key));
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxServedBytes)
        return std::nullopt;
    return file.readAll();
}

Status AvatarStore::remove(const QString &key) const
{
    if (!isValidKey(key))
        return storeError(QStringLiteral("invalid avatar key"));
    if (::unlink(QFile::encodeName(pathFor(key)).constData()) != 0 && errno != ENOENT)
        return storeError(QStringLiteral("cannot delete %1: %2")
                              .arg(pathFor(key), QString::fromLocal8Bit(std::strerror(errno))));
    return {};
}
