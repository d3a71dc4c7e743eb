#include "DatabaseSettings.h"

#include <QRegularExpression>
#include <QSqlError>
#include <QStringList>
#include <QUrl>

namespace {

const QString kInvalid = QStringLiteral("DATABASE_URL_INVALID");

Error invalid(const QString &what)
{
    return makeError(kInvalid, QStringLiteral("invalid database URL: ") + what);
}

// Strict percent-decoding: a malformed escape is an error rather than being passed through,
// because a silently mangled password or socket path is much harder to diagnose.
std::optional<QString> percentDecode(QStringView text)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray bytes;
    bytes.reserve(utf8.size());
    const auto hexValue = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const char c = utf8.at(i);
        if (c != '%') {
            bytes.append(c);
            continue;
        }
        if (i + 2 >= utf8.size())
            return std::nullopt;
        const int hi = hexValue(utf8.at(i + 1));
        const int lo = hexValue(utf8.at(i + 2));
        if (hi < 0 || lo < 0)
            return std::nullopt;
        bytes.append(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return QString::fromUtf8(bytes);
}

// Characters that may stay unescaped in our generated URLs (RFC 3986 unreserved).
QString percentEncode(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

// libpq conninfo quoting; QPSQL does the same for host/db/user/password but passes the
// connect options string through verbatim (after turning ';' into ' ').
QString conninfoQuote(QString value)
{
    value.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    value.replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + value + QLatin1Char('\'');
}

const QStringList &sslModes()
{
    static const QStringList modes{QStringLiteral("disable"),   QStringLiteral("allow"),
                                   QStringLiteral("prefer"),    QStringLiteral("require"),
                                   QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
    return modes;
}

const QStringList &extraOptionNames()
{
    static const QStringList names{QStringLiteral("sslrootcert"),
                                   QStringLiteral("sslcert"),
                                   QStringLiteral("sslkey"),
                                   QStringLiteral("sslcrl"),
                                   QStringLiteral("target_session_attrs"),
                                   QStringLiteral("keepalives"),
                                   QStringLiteral("keepalives_idle"),
                                   QStringLiteral("keepalives_interval"),
                                   QStringLiteral("keepalives_count")};
    return names;
}

std::optional<int> parsePort(const QString &text)
{
    bool ok = false;
    const int port = text.toInt(&ok);
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,5}$"));
    if (!ok || !digits.match(text).hasMatch() || port < 1 || port > 65535)
        return std::nullopt;
    return port;
}

// Puts a host value (from the authority or ?host=) into host or socketDir: like libpq, a value
// starting with '/' names a unix socket directory.
void assignHost(DatabaseSettings &s, const QString &value)
{
    if (value.startsWith(QLatin1Char('/'))) {
        s.socketDir = value;
        s.host.clear();
    } else {
        s.host = value;
        s.socketDir.clear();
    }
}

Status parseAuthority(QStringView authority, DatabaseSettings &s)
{
    QStringView hostPort = authority;
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        const QStringView userInfo = authority.left(at);
        hostPort = authority.mid(at + 1);
        const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
        const auto user = percentDecode(colon >= 0 ? userInfo.left(colon) : userInfo);
        if (!user)
            return invalid(QStringLiteral("the user name has a malformed %-escape"));
        s.user = *user;
        if (colon >= 0) {
            const auto password = percentDecode(userInfo.mid(colon + 1));
            if (!password)
                return invalid(QStringLiteral("the password has a malformed %-escape"));
            s.password = *password;
        }
    }

    if (hostPort.contains(QLatin1Char(',')))
        return invalid(QStringLiteral("several hosts are not supported; give one host"));

    QStringView hostText = hostPort;
    QStringView portText;
    bool hasPort = false;
    if (hostPort.startsWith(QLatin1Char('['))) {
        const qsizetype close = hostPort.indexOf(QLatin1Char(']'));
        if (close < 0)
            return invalid(QStringLiteral("an IPv6 address is missing its closing ']'"));
        hostText = hostPort.mid(1, close - 1);
        const QStringView rest = hostPort.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':')))
                return invalid(QStringLiteral("unexpected text after the IPv6 address"));
            portText = rest.mid(1);
            hasPort = true;
        }
    } else {
        const qsizetype colon = hostPort.indexOf(QLatin1Char(':'));
        if (colon >= 0) {
            if (hostPort.indexOf(QLatin1Char(':'), colon + 1) >= 0)
                return invalid(QStringLiteral("an IPv6 address must be written in brackets"));
            hostText = hostPort.left(colon);
            portText = hostPort.mid(colon + 1);
            hasPort = true;
        }
    }

    const auto host = percentDecode(hostText);
    if (!host)
        return invalid(QStringLiteral("the host has a malformed %-escape"));
    if (!host->isEmpty())
        assignHost(s, *host);
    if (hasPort) {
        const auto port = parsePort(portText.toString());
        if (!port)
            return invalid(QStringLiteral("port '%1' is not a number from 1 to 65535")
                               .arg(portText.toString()));
        s.port = *port;
    }
    return {};
}

Status applyParameter(const QString &key, const QString &value, DatabaseSettings &s)
{
    if (key == QLatin1String("host")) {
        if (value.contains(QLatin1Char(',')))
            return invalid(QStringLiteral("several hosts are not supported; give one host"));
        assignHost(s, value);
    } else if (key == QLatin1String("port")) {
        const auto port = parsePort(value);
        if (!port)
            return invalid(QStringLiteral("port '%1' is not a number from 1 to 65535").arg(value));
        s.port = *port;
    } else if (key == QLatin1String("dbname")) {
        s.databaseName = value;
    } else if (key == QLatin1String("user")) {
        s.user = value;
    } else if (key == QLatin1String("password")) {
        s.password = value;
    } else if (key == QLatin1String("connect_timeout")) {
        bool ok = false;
        const int seconds = value.toInt(&ok);
        if (!ok || seconds < 0 || value.startsWith(QLatin1Char('+')))
            return invalid(
                QStringLiteral("connect_timeout '%1' is not a whole number of seconds (0 or more)")
                    .arg(value));
        s.connectTimeoutSeconds = seconds;
    } else if (key == QLatin1String("sslmode")) {
        if (!sslModes().contains(value))
            return invalid(QStringLiteral("sslmode '%1' is not one of %2")
                               .arg(value, sslModes().join(QStringLiteral(", "))));
        s.sslMode = value;
    } else if (key == QLatin1String("application_name")) {
        s.applicationName = value;
    } else if (extraOptionNames().contains(key)) {
        s.extraOptions.insert(key, value);
    } else {
        return invalid(QStringLiteral("unknown parameter '%1' (known: host, port, dbname, user, "
                                      "password, connect_timeout, sslmode, application_name, %2)")
                           .arg(key, extraOptionNames().join(QStringLiteral(", "))));
    }
    // QPSQL turns every ';' of the options string into a space, so a value containing one
    // would be silently cut; refuse it instead.
    if (key != QLatin1String("password") && key != QLatin1String("user") &&
        key != QLatin1String("dbname") && key != QLatin1String("host") &&
        value.contains(QLatin1Char(';')))
        return invalid(QStringLiteral("parameter '%1' must not contain ';'").arg(key));
    return {};
}

Status parseQuery(QStringView query, DatabaseSettings &s)
{
    QStringList seen;
    for (const QStringView pair : query.split(QLatin1Char('&'), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return invalid(QStringLiteral("query parameters must look like name=value"));
        const auto key = percentDecode(pair.left(eq));
        if (!key)
            return invalid(QStringLiteral("a parameter name has a malformed %-escape"));
        const auto value = percentDecode(pair.mid(eq + 1));
        if (!value)
            return invalid(
                *key == QLatin1String("password")
                    ? QStringLiteral("the password has a malformed %-escape")
                    : QStringLiteral("parameter '%1' has a malformed %-escape").arg(*key));
        if (seen.contains(*key))
            return invalid(QStringLiteral("parameter '%1' is given twice").arg(*key));
        seen.append(*key);
        if (Status applied = applyParameter(*key, *value, s); !applied)
            return applied;
    }
    return {};
}

} // namespace

Result<DatabaseSettings> DatabaseSettings::fromUrl(const QString &url)
{
    const QString text = url.trimmed();
    if (text.isEmpty())
        return invalid(QStringLiteral("it is empty"));

    const qsizetype schemeEnd = text.indexOf(QStringLiteral("://"));
    if (schemeEnd < 0)
        return invalid(QStringLiteral("it must start with postgresql:// or postgres://"));
    const QString scheme = text.left(schemeEnd).toLower();
    if (scheme != QLatin1String("postgresql") && scheme != QLatin1String("postgres")) {
        // Echo the scheme only when it looks like one: the text before "://" could be
        // anything, including a pasted password.
        static const QRegularExpression schemeLike(QStringLiteral("^[a-z][a-z0-9+.-]{0,19}$"));
        return invalid(schemeLike.match(scheme).hasMatch()
                           ? QStringLiteral("scheme '%1' is not supported; use postgresql:// "
                                            "or postgres://")
                                 .arg(scheme)
                           : QStringLiteral("it must start with postgresql:// or postgres://"));
    }
    if (text.contains(QLatin1Char('#')))
        return invalid(QStringLiteral("it contains '#'; percent-encode it as %23"));

    QStringView rest = QStringView(text).mid(schemeEnd + 3);
    QStringView query;
    if (const qsizetype q = rest.indexOf(QLatin1Char('?')); q >= 0) {
        query = rest.mid(q + 1);
        rest = rest.left(q);
    }
    QStringView authority = rest;
    QStringView path;
    bool hasPath = false;
    if (const qsizetype slash = rest.indexOf(QLatin1Char('/')); slash >= 0) {
        authority = rest.left(slash);
        path = rest.mid(slash + 1);
        hasPath = true;
    }

    // A raw '@' after the host almost always means a password with an unencoded '/' or '?'
    // that cut the authority short; parsing on would put pieces of the password into host,
    // port or database name, and from there into error messages.
    if (rest.mid(authority.size()).contains(QLatin1Char('@')) ||
        query.contains(QLatin1Char('@')))
        return invalid(QStringLiteral("'@' after the host; percent-encode '@', '/', '?' and '#' "
                                      "in the user name and password (as %40, %2F, %3F, %23)"));

    DatabaseSettings s;
    if (Status parsed = parseAuthority(authority, s); !parsed)
        return parsed.error();
    if (hasPath && !path.isEmpty()) {
        const auto db = percentDecode(path);
        if (!db)
            return invalid(QStringLiteral("the database name has a malformed %-escape"));
        s.databaseName = *db;
    }
    if (Status parsed = parseQuery(query, s); !parsed)
        return parsed.error();

    if (s.user.isEmpty())
        return invalid(QStringLiteral("no user name; write postgresql://USER@host/dbname"));
    if (s.host.isEmpty() && s.socketDir.isEmpty())
        return invalid(QStringLiteral("no host; write postgresql://user@HOST[:port]/dbname or "
                                      "postgresql://user@/dbname?host=/socket/directory"));
    if (s.databaseName.isEmpty())
        s.databaseName = s.user; // libpq's default too
    return s;
}

// passwordPart is already encoded: toUrl() passes the percent-encoded password,
// redactedUrl() a literal marker that percent-encoding would otherwise turn into %2A%2A%2A.
static QString buildUrl(const DatabaseSettings &s, const QString &passwordPart)
{
    QString url = QStringLiteral("postgresql://") + percentEncode(s.user);
    if (!passwordPart.isEmpty())
        url += QLatin1Char(':') + passwordPart;
    url += QLatin1Char('@');
    if (!s.host.isEmpty())
        url += s.host.contains(QLatin1Char(':')) ? QLatin1Char('[') + s.host + QLatin1Char(']')
                                                 : percentEncode(s.host);
    url += QLatin1Char(':') + QString::number(s.port) + QLatin1Char('/') +
           percentEncode(s.databaseName);

    QStringList params;
    if (!s.socketDir.isEmpty())
        params << QStringLiteral("host=") + percentEncode(s.socketDir);
    if (s.connectTimeoutSeconds != DatabaseSettings::DefaultConnectTimeoutSeconds)
        params << QStringLiteral("connect_timeout=") + QString::number(s.connectTimeoutSeconds);
    if (!s.sslMode.isEmpty())
        params << QStringLiteral("sslmode=") + s.sslMode;
    if (!s.applicationName.isEmpty())
        params << QStringLiteral("application_name=") + percentEncode(s.applicationName);
    for (auto it = s.extraOptions.begin(); it != s.extraOptions.end(); ++it)
        params << it.key() + QLatin1Char('=') + percentEncode(it.value());
    if (!params.isEmpty())
        url += QLatin1Char('?') + params.join(QLatin1Char('&'));
    return url;
}

QString DatabaseSettings::toUrl() const
{
    return buildUrl(*this, percentEncode(password));
}

QString DatabaseSettings::redactedUrl() const
{
    return buildUrl(*this, password.isEmpty() ? QString() : QStringLiteral("***"));
}

QString DatabaseSettings::describeServer() const
{
    if (!socketDir.isEmpty())
        return QStringLiteral("unix socket %1 (port %2)").arg(socketDir, QString::number(port));
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host) +
           QLatin1Char(':') + QString::number(port);
}

QString DatabaseSettings::connectOptions() const
{
    QStringList options;
    options << QStringLiteral("connect_timeout=") + QString::number(connectTimeoutSeconds);
    if (!sslMode.isEmpty())
        options << QStringLiteral("sslmode=") + sslMode;
    if (!applicationName.isEmpty())
        options << QStringLiteral("application_name=") + conninfoQuote(applicationName);
    for (auto it = extraOptions.begin(); it != extraOptions.end(); ++it)
        options << it.key() + QLatin1Char('=') + conninfoQuote(it.value());
    return options.join(QLatin1Char(';'));
}

Result<QSqlDatabase> openDatabase(const DatabaseSettings &settings, const QString &connectionName)
{
    const QString driver = QStringLiteral("QPSQL");
    if (!QSqlDatabase::isDriverAvailable(driver))
        return makeError(QStringLiteral("DATABASE_UNAVAILABLE"),
                         QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not available; "
                                        "install the package libqt6sql6-psql"));
    if (QSqlDatabase::contains(connectionName))
        return makeError(
            QStringLiteral("DATABASE_UNAVAILABLE"),
            QStringLiteral("database connection name '%1' is already in use").arg(connectionName));

    QString message;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(driver, connectionName);
        // libpq reads a host starting with '/' as a socket directory.
        db.setHostName(settings.socketDir.isEmpty() ? settings.host : settings.socketDir);
        db.setPort(settings.port);
        db.setDatabaseName(settings.databaseName);
        db.setUserName(settings.user);
        db.setPassword(settings.password);
        db.setConnectOptions(settings.connectOptions());
        if (db.open())
            return db;
        message = db.lastError().text().trimmed();
    }
    // The QSqlDatabase handle above is gone, so the name can be removed without a warning.
    QSqlDatabase::removeDatabase(connectionName);
    // libpq does not echo passwords, but be certain: a message is shown and logged.
    if (settings.password.size() >= 4)
        message.replace(settings.password, QStringLiteral("***"));
    return makeError(
        QStringLiteral("DATABASE_UNAVAILABLE"),
        QStringLiteral("cannot connect to PostgreSQL at %1 (database '%2', user "
                       "'%3'): %4")
            .arg(settings.describeServer(), settings.databaseName, settings.user, message));
}
