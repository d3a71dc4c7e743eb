#pragma once

#include "models/common/Result.h"

#include <QString>
#include <QStringList>
#include <sys/types.h>

class DataDirectory;

// The OS account that runs the embedded PostgreSQL and redis-server.
//
// Not root: the current user, nothing switches. Root: PostgreSQL refuses to run as root (and a
// root redis would be a needless risk), so the services run as an unprivileged system account,
// by default "gatehouse", created on first use; Debian's "postgres" account is the fallback when
// it cannot be created. Child processes drop to that account between fork and exec.
class ServiceAccount
{
public:
    // Output of a finished helper process (initdb, pg_ctl, redis-server, useradd).
    struct ProcessOutput
    {
        bool started = false;  // false: the program could not be executed at all
        bool timedOut = false; // killed after the timeout
        int exitCode = -1;     // valid when started && !timedOut && !crashed
        bool crashed = false;
        QString output; // stdout and stderr, merged
        bool succeeded() const { return started && !timedOut && !crashed && exitCode == 0; }
    };

    // Errors: SERVICE_ACCOUNT_UNAVAILABLE (no usable account), SERVICE_ACCOUNT_INVALID (uid 0).
    static Result<ServiceAccount> resolve(const QString &configuredName);

    QString name() const { return m_name; }
    uid_t uid() const { return m_uid; }
    gid_t gid() const { return m_gid; }
    // True when we are root and children drop to this account.
    bool switches() const { return m_switches; }
    // True when resolve() created the account just now.
    bool created() const { return m_created; }

    // Runs a program to completion as this account, with a clean environment (no PG* variables
    // from the caller, C.UTF-8 locale). Blocks up to timeoutMs.
    ProcessOutput run(const QString &program, const QStringList &arguments,
                      const QString &workingDirectory, int timeoutMs) const;

    // Hands the service directories to the account (recursively when an earlier run used a
    // different account) and lets it traverse the data directory: root-owned, group = the
    // account's group, mode 0710, so it can reach postgres/, redis/, run/, logs/ but cannot list
    // the data directory or read anything else in it. No-op unless switches().
    Status prepareDirectories(const DataDirectory &dir) const;
    // Gives a file we (root) wrote, such as redis.conf, to the account. No-op unless switches().
    Status giveFile(const QString &path) const;

    // Checks that the account can search (x) every directory on the way to each path, and the
    // paths themselves, by asking a forked child that has become the account. A directory
    // that does not exist yet is skipped. Error DATA_DIR_NOT_ACCESSIBLE naming the first
    // directory it cannot pass. No-op unless switches().
    Status checkTraversable(const QStringList &paths) const;

private:
    Status chownTree(const QString &path) const;

    QString m_name;
    uid_t m_uid = 0;
    gid_t m_gid = 0;
    bool m_switches = false;
    bool m_created = false;
};
