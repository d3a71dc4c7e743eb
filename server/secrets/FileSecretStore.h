#pragma once

#include "server/secrets/SecretStore.h"

// Secrets as files: <dataDir>/secrets/<name>, one file per secret, raw bytes.
//
// The directory is 0700 and the files 0600, both owned by the account Gatehouse runs as (root
// for a system install: the data dir top is root:<service group> 0710 so the embedded services
// can reach their own directories, but they cannot enter secrets/). A file is created 0600 by
// open(2) itself, written, fsynced, then renamed (write) or linked (create) into place, so a
// reader sees the old value or the new one and never a file readable by anybody else.
// read() refuses a symlink, a file that is not ours, or one with any mode bit beyond 0600
// (SECRET_FILE_UNSAFE, naming the file): someone changed it, and the administrator must look.
class FileSecretStore final : public SecretStore
{
public:
    explicit FileSecretStore(const QString &dataDir);

    Result<QByteArray> read(const QString &name) override;
    Status write(const QString &name, const QByteArray &value) override;
    Status create(const QString &name, const QByteArray &value) override;
    Status remove(const QString &name) override;
    QString describe() const override;

    QString directory() const { return m_directory; }
    QString filePath(const QString &name) const;
    // True when the directory holds at least one secret (used by "auto" to stay with the store
    // that already has this data dir's keys).
    bool hasSecrets() const;

private:
    // Checks the directory (ours, a real directory, not a symlink; made 0700 when wider) and
    // creates it, and the data dir above it, when `create` is set. SECRET_NOT_FOUND when it is
    // missing and `create` is not set.
    Status prepareDirectory(bool create) const;
    Status store(const QString &name, const QByteArray &value, bool replace);

    QString m_dataDir;
    QString m_directory;
};
