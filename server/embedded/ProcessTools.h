#pragma once

#include <QString>

// Small helpers about processes and files that the embedded PostgreSQL and redis-server share.
// The services are daemons (pg_ctl and redis' daemonize detach them), so they are never our
// children: all we have is a pid from a pid file, and /proc to ask about it.
namespace ProcessTools {

// True when a process with this pid exists and is not a zombie. Zombies count as dead because
// the daemons are reparented to pid 1, which may not reap them promptly (it does not in some
// containers and micro-VMs), and a zombie holds no socket and no data file.
bool processAlive(qint64 pid);

// Polls processAlive() until the process is gone or the timeout elapses. True when gone.
bool waitForExit(qint64 pid, int timeoutMs);

// The first line of a pid file as a positive pid, or 0 when missing or not a number.
qint64 readPidFile(const QString &path);

// /proc/<pid>/cmdline with the NUL separators turned into spaces; empty when unreadable.
QString commandLine(qint64 pid);

// The file name that /proc/<pid>/exe points to (e.g. "redis-check-rdb"); empty when unreadable.
QString executableName(qint64 pid);

// The last `lines` lines of a text file (logs), for error messages; empty when unreadable.
QString tailOfFile(const QString &path, int lines = 20);

// True when some process has a unix socket bound to this path (/proc/net/unix lists it). A
// socket file nobody has bound is a leftover of a dead process and may be removed.
bool unixSocketBound(const QString &path);

// True when the path exists and is a unix socket (lstat: a symlink is not followed).
bool isSocketFile(const QString &path);

// True when the path exists at all, without following a final symlink.
bool pathExists(const QString &path);

} // namespace ProcessTools
