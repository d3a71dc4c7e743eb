#include "server/embedded/EmbeddedRedis.h"

#include "models/common/Log.h"
#include "server/embedded/DataDirectory.h"
#include "server/embedded/ProcessTools.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QSaveFile>
#include <QStandardPaths>
#include <QThread>
#include <QUrl>
#include <csignal>

namespace {

using Kind = EmbeddedRedis::Reply::Kind;

// Parses one RESP reply from the start of `buffer`; false while it is incomplete. Bytes that
// cannot start a RESP reply are reported at once: waiting for more would not make them RESP.
bool parseReply(const QByteArray &buffer, EmbeddedRedis::Reply &reply)
{
    if (buffer.isEmpty())
        return false;
    const char type = buffer.at(0);
    if (type != '+' && type != '-' && type != ':' && type != '$') {
        reply.kind = Kind::Other;
        reply.data = buffer;
        return true;
    }
    const qsizetype eol = buffer.indexOf("\r\n");
    if (eol < 0)
        return false;
    const QByteArray line = buffer.mid(1, eol - 1);
    switch (type) {
    case '+':
        reply.kind = Kind::Simple;
        reply.data = line;
        return true;
    case '-':
        reply.kind = Kind::Error;
        reply.data = line;
        return true;
    case ':':
        reply.kind = Kind::Integer;
        reply.data = line;
        return true;
    default: {
        bool ok = false;
        const qsizetype length = line.toLongLong(&ok);
        if (!ok) {
            reply.kind = Kind::Other;
            reply.data = buffer;
            return true;
        }
        if (length < 0) {
            reply.kind = Kind::Null;
            return true;
        }
        if (buffer.size() < eol + 2 + length + 2)
            return false;
        reply.kind = Kind::Bulk;
        reply.data = buffer.mid(eol + 2, length);
        return true;
    }
    }
}

QString describe(const EmbeddedRedis::Reply &reply)
{
    switch (reply.kind) {
    case Kind::NoAnswer:
        return QStringLiteral("no answer");
    case Kind::Refused:
        return QStringLiteral("connection refused");
    case Kind::NoSocket:
        return QStringLiteral("no socket");
    default:
        return QStringLiteral("\"%1\"").arg(QString::fromLatin1(reply.data.left(60)).trimmed());
    }
}

// A redis.conf argument: double quotes with \ and " escaped, so paths may contain spaces.
QByteArray quoted(const QString &value)
{
    QByteArray bytes = QFile::encodeName(value);
    bytes.replace('\\', "\\\\");
    bytes.replace('"', "\\\"");
    return '"' + bytes + '"';
}

// True when some process (other than a zombie) has `needle` in its command line.
bool anyProcessMentions(const QString &needle)
{
    const QStringList entries =
        QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (isPid && ProcessTools::commandLine(pid).contains(needle) &&
            ProcessTools::processAlive(pid))
            return true;
    }
    return false;
}

} // namespace

EmbeddedRedis::EmbeddedRedis(const DataDirectory &dir, ServiceAccount account)
    : m_dir(dir), m_account(std::move(account))
{
}

EmbeddedRedis::~EmbeddedRedis()
{
    if (m_running)
        (void)stop();
}

QString EmbeddedRedis::socketPath() const
{
    return m_dir.socketDir() + QStringLiteral("/redis.sock");
}
QString EmbeddedRedis::configFile() const
{
    return m_dir.redisDir() + QStringLiteral("/redis.conf");
}
QString EmbeddedRedis::pidFile() const
{
    return m_dir.runDir() + QStringLiteral("/redis.pid");
}
QString EmbeddedRedis::logFile() const
{
    return m_dir.logsDir() + QStringLiteral("/redis.log");
}

QString EmbeddedRedis::redisUrl() const
{
    return QStringLiteral("unix://") +
           QString::fromLatin1(QUrl::toPercentEncoding(socketPath(), QByteArrayLiteral("/")));
}

Result<QString> EmbeddedRedis::findServer()
{
    QString path = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                              {QStringLiteral("/usr/bin")});
    if (path.isEmpty())
        return makeError(
            QStringLiteral("REDIS_NOT_INSTALLED"),
            QStringLiteral("redis-server is not installed: install the package redis-server "
                           "(apt install redis-server), or configure --redis-url to use an "
                           "external Redis."));
    return path;
}

EmbeddedRedis::Reply EmbeddedRedis::command(const QString &socketPath,
                                            const QList<QByteArray> &arguments, int timeoutMs)
{
    Reply reply;
    if (!ProcessTools::pathExists(socketPath))
        return reply;
    QElapsedTimer timer;
    timer.start();
    QLocalSocket socket;
    socket.connectToServer(socketPath);
    if (!socket.waitForConnected(timeoutMs)) {
        reply.kind = Kind::Refused;
        return reply;
    }
    QByteArray request = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray &argument : arguments)
        request += '$' + QByteArray::number(argument.size()) + "\r\n" + argument + "\r\n";
    socket.write(request);
    socket.waitForBytesWritten(timeoutMs);

    QByteArray buffer;
    for (;;) {
        buffer += socket.readAll();
        if (parseReply(buffer, reply))
            return reply;
        const qint64 remaining = timeoutMs - timer.elapsed();
        if (remaining <= 0 || !socket.waitForReadyRead(static_cast<int>(remaining))) {
            buffer += socket.readAll();
            if (parseReply(buffer, reply))
                return reply;
            break;
        }
    }
    reply.kind = buffer.isEmpty() ? Kind::NoAnswer : Kind::Other;
    reply.data = buffer;
    return reply;
}

EmbeddedRedis::Identity EmbeddedRedis::identify() const
{
    // INFO names the config file the server was started with: the one test that tells our
    // redis apart from any other redis-server that might answer on the same path.
    Identity who;
    const Reply info =
        command(socketPath(), {QByteArrayLiteral("INFO"), QByteArrayLiteral("server")}, 2000);
    if (info.kind != Kind::Bulk)
        return who;
    const QList<QByteArray> lines = info.data.split('\n');
    for (const QByteArray &raw : lines) {
        const QByteArray line = raw.trimmed();
        if (line.startsWith("process_id:"))
            who.pid = line.mid(11).toLongLong();
        else if (line.startsWith("config_file:"))
            who.configFile = QFile::decodeName(line.mid(12));
    }
    return who;
}

bool EmbeddedRedis::isOurProcess(qint64 pid) const
{
    // redis-server retitles itself "redis-server unixsocket:<path>" once it listens.
    return ProcessTools::processAlive(pid) &&
           ProcessTools::commandLine(pid).contains(QStringLiteral("unixsocket:") + socketPath());
}

Error EmbeddedRedis::inUse(const QString &what) const
{
    return makeError(
        QStringLiteral("REDIS_SOCKET_IN_USE"),
        QStringLiteral("The redis socket path %1 is in use: %2. Stop that program or choose "
                       "another --data-dir.")
            .arg(socketPath(), what));
}

Error EmbeddedRedis::startError(const QString &what) const
{
    const QString tail = ProcessTools::tailOfFile(logFile(), 20);
    return makeError(QStringLiteral("REDIS_START_FAILED"),
                     tail.isEmpty()
                         ? what
                         : QStringLiteral("%1\nLast lines of %2:\n%3").arg(what, logFile(), tail));
}

Status EmbeddedRedis::terminate(qint64 pid, const QString &why)
{
    Log::warning(QStringLiteral("embedded.redis.terminate"),
                 {{QStringLiteral("pid"), pid}, {QStringLiteral("reason"), why}});
    // SIGTERM makes redis flush the AOF and exit cleanly; SIGKILL only if it hangs.
    ::kill(static_cast<pid_t>(pid), SIGTERM);
    if (ProcessTools::waitForExit(pid, 15000))
        return {};
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    if (ProcessTools::waitForExit(pid, 5000))
        return {};
    return makeError(QStringLiteral("REDIS_START_FAILED"),
                     QStringLiteral("redis-server pid %1 does not exit").arg(pid));
}

Status EmbeddedRedis::inspectExisting(bool *adopt)
{
    *adopt = false;
    const QString socket = socketPath();
    if (ProcessTools::pathExists(socket) && !ProcessTools::isSocketFile(socket))
        return inUse(QStringLiteral("it exists and is not a socket"));

    const Reply ping = command(socket, {QByteArrayLiteral("PING")}, 2000);
    const bool pong = ping.kind == Kind::Simple && ping.data == "PONG";
    const bool loading = ping.kind == Kind::Error && ping.data.startsWith("LOADING");
    if (pong || loading) {
        const Identity who = identify();
        if (who.configFile != configFile() || !ProcessTools::processAlive(who.pid))
            return inUse(
                QStringLiteral("another redis-server answers there (pid %1, config file %2)")
                    .arg(QString::number(who.pid),
                         who.configFile.isEmpty() ? QStringLiteral("unknown") : who.configFile));
        // A Gatehouse that died without stop() left its redis-server running: take it over.
        m_pid = who.pid;
        *adopt = true;
        return loading ? waitUntilReady(15000) : Status{};
    }
    const qint64 filePid = ProcessTools::readPidFile(pidFile());
    if (ping.kind != Kind::NoSocket && ping.kind != Kind::Refused) {
        if (ping.kind == Kind::NoAnswer && isOurProcess(filePid))
            return startError(
                QStringLiteral("redis-server pid %1 of this data directory does not answer on %2")
                    .arg(QString::number(filePid), socket));
        return inUse(QStringLiteral("a program that is not redis-server answers there (reply: %1)")
                         .arg(describe(ping)));
    }
    if (ping.kind == Kind::Refused && ProcessTools::unixSocketBound(socket))
        return inUse(QStringLiteral("another process has it bound but accepts no connections"));

    // Nobody serves the socket. Our own redis may still run without it (socket file deleted
    // by a tmp cleaner): two servers on one AOF would corrupt it, so that one must go first.
    if (isOurProcess(filePid)) {
        if (Status st = terminate(filePid, QStringLiteral("running without a reachable socket"));
            !st)
            return st;
    }
    if (ProcessTools::pathExists(pidFile())) {
        Log::info(QStringLiteral("embedded.redis.stale_pid_file"),
                  {{QStringLiteral("pid"), filePid}, {QStringLiteral("path"), pidFile()}});
        QFile::remove(pidFile());
    }
    if (ProcessTools::isSocketFile(socket)) {
        Log::info(QStringLiteral("embedded.redis.stale_socket"),
                  {{QStringLiteral("path"), socket}});
        QFile::remove(socket);
    }
    return {};
}

Status EmbeddedRedis::writeConfig()
{
    // Rewritten on every start so the socket follows the data directory and nobody's edits
    // can open a TCP port: port 0 means redis listens on the unix socket only.
    QByteArray conf = "# Written by Gatehouse on every start; changes are lost.\n";
    conf += "port 0\n";
    conf += "unixsocket " + quoted(socketPath()) + '\n';
    conf += "unixsocketperm 700\n";
    conf += "dir " + quoted(m_dir.redisDir()) + '\n';
    conf += "appendonly yes\n";
    conf += "appendfsync everysec\n";
    conf += "daemonize yes\n";
    conf += "pidfile " + quoted(pidFile()) + '\n';
    conf += "logfile " + quoted(logFile()) + '\n';
    conf += "protected-mode yes\n";
    QSaveFile file(configFile());
    if (!file.open(QIODevice::WriteOnly) || file.write(conf) < 0 || !file.commit())
        return makeError(
            QStringLiteral("REDIS_START_FAILED"),
            QStringLiteral("Cannot write %1: %2").arg(configFile(), file.errorString()));
    return m_account.giveFile(configFile());
}

Status EmbeddedRedis::waitUntilReady(int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        const Reply ping = command(socketPath(), {QByteArrayLiteral("PING")}, 1000);
        if (ping.kind == Kind::Simple && ping.data == "PONG")
            return {};
        // Fail early when the daemon is gone instead of waiting out the timeout: it has
        // either written its pid file and died, or never got that far (e.g. cannot bind).
        const qint64 pid = ProcessTools::readPidFile(pidFile());
        const bool died =
            pid ? !ProcessTools::processAlive(pid)
                : timer.elapsed() > 1000 && !anyProcessMentions(configFile()) &&
                      !anyProcessMentions(QStringLiteral("unixsocket:") + socketPath());
        if (died)
            return startError(QStringLiteral("redis-server exited during startup"));
        if (timer.elapsed() >= timeoutMs)
            return startError(
                QStringLiteral(
                    "redis-server did not answer PING on %1 within %2 s (last reply: %3)")
                    .arg(socketPath(), QString::number(timeoutMs / 1000), describe(ping)));
        QThread::msleep(50);
    }
}

Status EmbeddedRedis::start()
{
    if (m_running)
        return {};
    QElapsedTimer timer;
    timer.start();
    m_adopted = false;
    Result<QString> server = findServer();
    if (!server)
        return server.error();
    m_server = *server;

    bool adopt = false;
    if (Status st = inspectExisting(&adopt); !st)
        return st;
    if (!adopt) {
        if (Status st = writeConfig(); !st)
            return st;
        // With daemonize the first process exits once the daemon is forked; a bad config or
        // an unwritable log file fails here with redis' own message.
        const ServiceAccount::ProcessOutput out =
            m_account.run(m_server, {configFile()}, m_dir.redisDir(), 15000);
        if (!out.succeeded())
            return startError(QStringLiteral("redis-server failed to start%1: %2")
                                  .arg(out.timedOut
                                           ? QStringLiteral(" (timed out)")
                                           : QStringLiteral(" (exit code %1)").arg(out.exitCode),
                                       out.output.trimmed()));
        if (Status st =
                waitUntilReady(15000 - static_cast<int>(qMin<qint64>(timer.elapsed(), 10000)));
            !st) {
            // Do not leave a half-started daemon behind.
            const qint64 pid = ProcessTools::readPidFile(pidFile());
            if (isOurProcess(pid))
                (void)terminate(pid, QStringLiteral("did not become ready"));
            return st;
        }
        m_pid = ProcessTools::readPidFile(pidFile());
        if (!m_pid)
            m_pid = identify().pid;
    }
    m_running = true;
    m_adopted = adopt;
    Log::info(QStringLiteral("embedded.redis.started"), {{QStringLiteral("adopted"), adopt},
                                                         {QStringLiteral("ms"), timer.elapsed()},
                                                         {QStringLiteral("pid"), m_pid},
                                                         {QStringLiteral("socket"), socketPath()}});
    return {};
}

Status EmbeddedRedis::stop()
{
    if (!m_running)
        return {};
    QElapsedTimer timer;
    timer.start();
    const qint64 pid = m_pid;
    m_running = false;
    m_adopted = false;
    // SHUTDOWN fsyncs the AOF before exiting; success is the connection closing, unanswered.
    const Reply reply = command(socketPath(), {QByteArrayLiteral("SHUTDOWN")}, 15000);
    if (reply.kind == Kind::Error)
        Log::warning(QStringLiteral("embedded.redis.shutdown_refused"),
                     {{QStringLiteral("reply"), QString::fromLatin1(reply.data)}});
    Status result;
    if (!ProcessTools::waitForExit(pid, 15000))
        result = terminate(pid, QStringLiteral("SHUTDOWN did not stop it within 15 s"));
    // After a forced kill redis could not clean up: leave no stale files for the next start.
    if (!ProcessTools::processAlive(pid)) {
        if (ProcessTools::isSocketFile(socketPath()) &&
            !ProcessTools::unixSocketBound(socketPath()))
            QFile::remove(socketPath());
        if (ProcessTools::readPidFile(pidFile()) == pid)
            QFile::remove(pidFile());
    }
    Log::info(QStringLiteral("embedded.redis.stopped"),
              {{QStringLiteral("pid"), pid}, {QStringLiteral("ms"), timer.elapsed()}});
    return result;
}

void EmbeddedRedis::detach()
{
    m_running = false;
    m_adopted = false;
}
