#include "server/embedded/ServiceAccount.h"

#include "models/common/Log.h"
#include "server/embedded/DataDirectory.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <grp.h>
#include <optional>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct Passwd
{
    QString name;
    uid_t uid = 0;
    gid_t gid = 0;
};

std::vector<char> passwdBuffer()
{
    const long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    return std::vector<char>(size > 0 ? static_cast<size_t>(size) : 16384);
}

// The _r variants: start() may run on a worker thread while something else resolves users.
std::optional<Passwd> lookupName(const QString &name)
{
    std::vector<char> buffer = passwdBuffer();
    passwd entry{};
    passwd *result = nullptr;
    const QByteArray native = name.toLocal8Bit();
    if (::getpwnam_r(native.constData(), &entry, buffer.data(), buffer.size(), &result) != 0 ||
        !result)
        return std::nullopt;
    return Passwd{QString::fromLocal8Bit(entry.pw_name), entry.pw_uid, entry.pw_gid};
}

std::optional<Passwd> lookupUid(uid_t uid)
{
    std::vector<char> buffer = passwdBuffer();
    passwd entry{};
    passwd *result = nullptr;
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) != 0 || !result)
        return std::nullopt;
    return Passwd{QString::fromLocal8Bit(entry.pw_name), entry.pw_uid, entry.pw_gid};
}

bool groupExists(const QString &name)
{
    std::vector<char> buffer(16384);
    group entry{};
    group *result = nullptr;
    const QByteArray native = name.toLocal8Bit();
    return ::getgrnam_r(native.constData(), &entry, buffer.data(), buffer.size(), &result) == 0 &&
           result;
}

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// Runs `program` and collects its output; `dropTo` switches the child to that account first.
ServiceAccount::ProcessOutput runProcess(const QString &program, const QStringList &arguments,
                                         const QString &workingDirectory, int timeoutMs,
                                         const std::optional<Passwd> &dropTo)
{
    ServiceAccount::ProcessOutput out;
    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);

    // PGDATA, PGPORT, PGHOST… of whoever started Gatehouse must not steer our cluster; a fixed
    // locale keeps server messages (which end up in error reports) predictable.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &key : keys) {
        if (key.startsWith(QLatin1String("PG")) || key.startsWith(QLatin1String("LC_")))
            env.remove(key);
    }
    env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    if (dropTo) {
        env.insert(QStringLiteral("USER"), dropTo->name);
        env.insert(QStringLiteral("LOGNAME"), dropTo->name);
        env.insert(QStringLiteral("HOME"),
                   workingDirectory.isEmpty() ? QStringLiteral("/") : workingDirectory);
        const uid_t uid = dropTo->uid;
        const gid_t gid = dropTo->gid;
        // Runs in the child between fork and exec: only async-signal-safe calls. Qt 6.4 cannot
        // report a failure from here, so exit with 126 rather than exec anything as root.
        process.setChildProcessModifier([uid, gid] {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
                ::_exit(126);
        });
    }
    process.setProcessEnvironment(env);

    process.start();
    if (!process.waitForStarted(10000)) {
        out.output = process.errorString();
        return out;
    }
    out.started = true;
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        out.timedOut = true;
        process.kill();
        process.waitForFinished(5000);
    }
    out.output = QString::fromLocal8Bit(process.readAll());
    out.crashed = process.exitStatus() == QProcess::CrashExit;
    out.exitCode = process.exitCode();
    return out;
}

Status createSystemAccount(const QString &name)
{
    QString useradd = QStandardPaths::findExecutable(
        QStringLiteral("useradd"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    if (useradd.isEmpty())
        useradd = QStandardPaths::findExecutable(QStringLiteral("useradd"));
    if (useradd.isEmpty())
        return makeError(QStringLiteral("SERVICE_ACCOUNT_UNAVAILABLE"),
                         QStringLiteral("useradd not found"));
    QStringList args{QStringLiteral("--system")};
    // --user-group fails when a group of that name already exists (left by an earlier userdel).
    if (groupExists(name))
        args << QStringLiteral("--gid") << name;
    else
        args << QStringLiteral("--user-group");
    args << QStringLiteral("--home-dir") << QStringLiteral("/nonexistent")
         << QStringLiteral("--no-create-home") << QStringLiteral("--shell")
         << QStringLiteral("/usr/sbin/nologin") << name;
    const ServiceAccount::ProcessOutput out = runProcess(useradd, args, {}, 30000, std::nullopt);
    if (!out.succeeded())
        return makeError(QStringLiteral("SERVICE_ACCOUNT_UNAVAILABLE"),
                         QStringLiteral("useradd %1 failed: %2").arg(name, out.output.trimmed()));
    return {};
}

} // namespace

Result<ServiceAccount> ServiceAccount::resolve(const QString &configuredName)
{
    ServiceAccount account;
    if (::geteuid() != 0) {
        const std::optional<Passwd> self = lookupUid(::geteuid());
        account.m_name = self ? self->name : QString::number(::geteuid());
        account.m_uid = ::geteuid();
        account.m_gid = ::getegid();
        return account;
    }

    const QString name = configuredName.isEmpty() ? QStringLiteral("gatehouse") : configuredName;
    // useradd would take a leading '-' as an option; accept what Debian's adduser accepts.
    static const QRegularExpression valid(QStringLiteral("^[a-z_][a-z0-9_-]{0,31}$"));
    if (!valid.match(name).hasMatch())
        return makeError(
            QStringLiteral("SERVICE_ACCOUNT_INVALID"),
            QStringLiteral("'%1' is not a valid account name for --service-user").arg(name));

    std::optional<Passwd> entry = lookupName(name);
    if (!entry) {
        if (Status st = createSystemAccount(name); st) {
            account.m_created = true;
            Log::info(QStringLiteral("embedded.account.created"), {{QStringLiteral("name"), name}});
            entry = lookupName(name);
        } else if (entry = lookupName(name); !entry) {
            // (Looked up again first: another Gatehouse starting at the same moment may have
            // created it, which makes our useradd fail.)
            Log::warning(QStringLiteral("embedded.account.create_failed"),
                         {{QStringLiteral("name"), name},
                          {QStringLiteral("error"), st.error().message},
                          {QStringLiteral("fallback"), QStringLiteral("postgres")}});
            entry = lookupName(QStringLiteral("postgres"));
        }
    }
    if (!entry)
        return makeError(
            QStringLiteral("SERVICE_ACCOUNT_UNAVAILABLE"),
            QStringLiteral("Gatehouse runs as root, and PostgreSQL refuses to run as root, "
                           "but the account '%1' does not exist and could not be created "
                           "(and there is no 'postgres' account). Create it with: useradd "
                           "--system --user-group --no-create-home %1")
                .arg(name));
    if (entry->uid == 0)
        return makeError(
            QStringLiteral("SERVICE_ACCOUNT_INVALID"),
            QStringLiteral("The service account '%1' has uid 0; it must be unprivileged")
                .arg(entry->name));
    account.m_name = entry->name;
    account.m_uid = entry->uid;
    account.m_gid = entry->gid;
    account.m_switches = true;
    return account;
}

ServiceAccount::ProcessOutput ServiceAccount::run(const QString &program,
                                                  const QStringList &arguments,
                                                  const QString &workingDirectory,
                                                  int timeoutMs) const
{
    std::optional<Passwd> dropTo;
    if (m_switches)
        dropTo = Passwd{m_name, m_uid, m_gid};
    return runProcess(program, arguments, workingDirectory, timeoutMs, dropTo);
}

Status ServiceAccount::chownTree(const QString &path) const
{
    const QByteArray native = QFile::encodeName(path);
    struct stat info
    {
    };
    if (::lstat(native.constData(), &info) != 0)
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot read %1: %2").arg(path, errnoText()));
    // Already ours: do not walk a cluster of thousands of files on every start.
    if (info.st_uid == m_uid && info.st_gid == m_gid)
        return {};
    if (::lchown(native.constData(), m_uid, m_gid) != 0)
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot give %1 to %2: %3").arg(path, m_name, errnoText()));
    // A previous run used another account (e.g. the postgres fallback): take over everything.
    // lchown and no FollowSymlinks: a symlink inside must not make us chown files elsewhere.
    QDirIterator it(path, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QByteArray entry = QFile::encodeName(it.next());
        if (::lchown(entry.constData(), m_uid, m_gid) != 0)
            return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                             QStringLiteral("Cannot give %1 to %2: %3")
                                 .arg(QFile::decodeName(entry), m_name, errnoText()));
    }
    return {};
}

Status ServiceAccount::prepareDirectories(const DataDirectory &dir) const
{
    if (!m_switches)
        return {};
    const QByteArray top = QFile::encodeName(dir.path());
    if (::chown(top.constData(), static_cast<uid_t>(-1), m_gid) != 0 ||
        ::chmod(top.constData(), 0710) != 0)
        return makeError(
            QStringLiteral("DATA_DIR_NOT_WRITABLE"),
            QStringLiteral("Cannot let %1 enter %2: %3").arg(m_name, dir.path(), errnoText()));
    QStringList owned{dir.postgresDir(), dir.redisDir(), dir.runDir(), dir.logsDir()};
    if (dir.usesShortSocketDir())
        owned << dir.socketDir();
    for (const QString &path : std::as_const(owned)) {
        if (Status st = chownTree(path); !st)
            return st;
    }
    return {};
}

Status ServiceAccount::giveFile(const QString &path) const
{
    if (!m_switches)
        return {};
    if (::lchown(QFile::encodeName(path).constData(), m_uid, m_gid) != 0)
        return makeError(QStringLiteral("DATA_DIR_NOT_WRITABLE"),
                         QStringLiteral("Cannot give %1 to %2: %3").arg(path, m_name, errnoText()));
    return {};
}

Status ServiceAccount::checkTraversable(const QStringList &paths) const
{
    if (!m_switches)
        return {};
    // Every existing directory from / down to each path, in order, so the first failure is the
    // outermost directory that blocks the account.
    QStringList dirs;
    for (const QString &path : paths) {
        QString walked;
        const QStringList parts =
            QFileInfo(path).absoluteFilePath().split(QLatin1Char('/'), Qt::SkipEmptyParts);
        QStringList chain{QStringLiteral("/")};
        for (const QString &part : parts) {
            walked += QLatin1Char('/') + part;
            chain << walked;
        }
        for (const QString &d : std::as_const(chain)) {
            struct stat info
            {
            };
            if (::stat(QFile::encodeName(d).constData(), &info) != 0 || !S_ISDIR(info.st_mode))
                break;
            if (!dirs.contains(d))
                dirs << d;
        }
    }
    // Encode before fork: the child may only make async-signal-safe calls.
    std::vector<QByteArray> natives;
    for (const QString &d : std::as_const(dirs))
        natives.push_back(QFile::encodeName(d));
    std::vector<const char *> pointers;
    for (const QByteArray &n : natives)
        pointers.push_back(n.constData());

    const uid_t uid = m_uid;
    const gid_t gid = m_gid;
    const pid_t child = ::fork();
    if (child < 0)
        return makeError(
            QStringLiteral("DATA_DIR_NOT_ACCESSIBLE"),
            QStringLiteral("Cannot check access for %1: fork: %2").arg(m_name, errnoText()));
    if (child == 0) {
        // Exactly the credentials the services will have; access() then applies modes and ACLs.
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
            ::_exit(255);
        for (size_t i = 0; i < pointers.size(); ++i) {
            if (::access(pointers[i], X_OK) != 0)
                ::_exit(static_cast<int>(std::min<size_t>(i + 1, 254)));
        }
        ::_exit(0);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
    if (code == 0)
        return {};
    if (code == 255)
        return makeError(QStringLiteral("DATA_DIR_NOT_ACCESSIBLE"),
                         QStringLiteral("Cannot check access for the account %1").arg(m_name));
    const QString blocked = dirs.value(code - 1, paths.value(0));
    return makeError(
        QStringLiteral("DATA_DIR_NOT_ACCESSIBLE"),
        QStringLiteral("The embedded PostgreSQL and redis-server run as the account '%1' "
                       "(PostgreSQL refuses to run as root), and that account cannot enter "
                       "%2. Use a data directory it can reach, e.g. --data-dir "
                       "/var/lib/gatehouse, or allow it to pass %2 (chmod o+x).")
            .arg(m_name, blocked));
}
