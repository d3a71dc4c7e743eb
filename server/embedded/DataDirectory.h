#pragma once

#include "models/common/Result.h"

#include <QLockFile>
#include <QString>
#include <memory>
#include <sys/types.h>

// The data directory of one Gatehouse installation and its layout:
//   <dir>/gatehouse.lock   exclusive lock: one Gatehouse process per data directory
//   <dir>/postgres/        the embedded PostgreSQL cluster
//   <dir>/redis/           redis.conf and the AOF files
//   <dir>/run/             pid files, and the unix sockets when the path is short enough
//   <dir>/logs/            postgresql.log, redis.log, initdb.log
// Everything is created 0700: the services listen on unix sockets only and trust whoever can
// reach the socket, so the directories are the access control.
class DataDirectory
{
public:
    // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
    static constexpr qsizetype kMaxSocketPathBytes = 107;
    // The longest socket name we put in the socket directory (PostgreSQL's, port 5432).
    static constexpr const char *kLongestSocketName = ".s.PGSQL.5432";

    explicit DataDirectory(const QString &path);
    ~DataDirectory();
    DataDirectory(const DataDirectory &) = delete;
    DataDirectory &operator=(const DataDirectory &) = delete;

    // Creates the layout and takes the lock. `serviceUid` is the account that will run the
    // services: a pre-existing short socket directory may belong to it or to us, nobody else.
    // Errors: DATA_DIR_IN_USE, DATA_DIR_NOT_WRITABLE, DATA_DIR_LOCK_FAILED, SOCKET_DIR_UNSAFE.
    Status open(uid_t serviceUid);
    // Releases the lock and removes the short socket directory when it is empty. Idempotent.
    void release();
    bool isOpen() const { return m_lock != nullptr; }

    QString path() const { return m_path; }
    QString postgresDir() const { return m_path + QStringLiteral("/postgres"); }
    QString redisDir() const { return m_path + QStringLiteral("/redis"); }
    QString runDir() const { return m_path + QStringLiteral("/run"); }
    QString logsDir() const { return m_path + QStringLiteral("/logs"); }
    QString lockFilePath() const { return m_path + QStringLiteral("/gatehouse.lock"); }
    // Where the unix sockets live: runDir(), or a short private directory when runDir() would
    // make a socket path longer than kMaxSocketPathBytes. Valid after open().
    QString socketDir() const { return m_socketDir; }
    bool usesShortSocketDir() const { return m_socketDir != runDir(); }

    // The short directory used for this data directory when its run/ path is too long:
    // <base>/gatehouse-<12 hex of SHA-256(path)>. The base is /run for root (a tmpfs that
    // tmp cleaners leave alone), $XDG_RUNTIME_DIR for a user session, else the temp dir.
    static QString shortSocketDirFor(const QString &dataDir);
    static bool socketPathFits(const QString &directory);

private:
    Status lock();
    Status prepareSocketDir(uid_t serviceUid);

    QString m_path;
    QString m_socketDir;
    std::unique_ptr<QLockFile> m_lock;
};
