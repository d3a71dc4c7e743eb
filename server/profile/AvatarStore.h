#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QString>

#include <optional>

struct Config;

// The avatar directory: files named by the SHA-256 hex of their content plus extension, so a
// key never changes meaning, several instances may share one mounted directory, and the same
// picture uploaded twice is one file. Writes are atomic (temporary file in the same directory,
// then rename), so a reader never sees half a file.
//
// Error codes: AVATAR_STORE_FAILED (the directory or file cannot be written).
class AvatarStore
{
public:
    explicit AvatarStore(QString directory) : m_directory(std::move(directory)) {}

    // Config::avatarDir, or <data-dir>/avatars when it is empty.
    static QString directoryFor(const Config &config);
    // sha256hex(bytes) + "." + extension.
    static QString keyFor(const QByteArray &bytes, const QString &extension);
    // Exactly 64 lower-case hex characters, a dot and png or webp: nothing else ever names a
    // file here (no path separators, no dot files, no "..").
    static bool isValidKey(const QString &key);
    // The content type for a valid key's extension.
    static QByteArray mimeTypeFor(const QString &key);

    const QString &directory() const { return m_directory; }
    QString pathFor(const QString &key) const; // key must be valid

    // Writes `bytes` under `key` (0644). Already there: nothing to do, the name is the content.
    Status put(const QString &key, const QByteArray &bytes) const;
    bool contains(const QString &key) const;
    // The file's bytes, or an empty result when there is no such file.
    std::optional<QByteArray> read(const QString &key) const;
    // Deletes the file; a file already gone is fine.
    Status remove(const QString &key) const;

private:
    QString m_directory;
};
