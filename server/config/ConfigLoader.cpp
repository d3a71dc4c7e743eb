#include "ConfigLoader.h"
#include "server/oauth/OAuthOptions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <unistd.h>
#include <utility>

using namespace Qt::StringLiterals;
using ConfigSchema::Option;
using ConfigSchema::Value;

namespace ConfigLoader {

namespace {

const QString kInvalid = u"CONFIG_INVALID"_s;
const QString kUnknownKey = u"CONFIG_UNKNOWN_KEY"_s;
const QString kUnreadable = u"CONFIG_FILE_UNREADABLE"_s;
constexpr qint64 kMaxFileSize = 1024 * 1024;

Log::Format formatFromName(const QString &name)
{
    return name == u"json" ? Log::Format::Json : Log::Format::Text;
}

QString formatName(Log::Format format)
{
    return format == Log::Format::Json ? u"json"_s : u"text"_s;
}

Log::Level levelFromName(const QString &name)
{
    if (name == u"debug")
        return Log::Level::Debug;
    if (name == u"warning")
        return Log::Level::Warning;
    if (name == u"error")
        return Log::Level::Error;
    return Log::Level::Info;
}

// Copies a parsed value into Config and reads it back for describe(). One line per option
// (besides `config`, which the loader handles itself); TestConfig checks none is missing.
struct Binding
{
    QStringView key;
    void (*apply)(Config &, const Value &);
    QString (*show)(const Config &);
};

QString rateText(const Config::Rate &rate)
{
    return QString::number(rate.capacity) + u'/' + QString::number(rate.perSecond);
}

const Binding kBindings[] = {
    {u"listen",
     [](Config &c, const Value &v) {
         c.listenAddress = v.address;
         c.listenPort = v.port;
     },
     [](const Config &c) { return ConfigSchema::formatHostPort(c.listenAddress, c.listenPort); }},
    {u"workers", [](Config &c, const Value &v) { c.workers = v.number; },
     [](const Config &c) { return QString::number(c.workers); }},
    {u"shutdown-timeout", [](Config &c, const Value &v) { c.shutdownTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.shutdownTimeoutSeconds); }},
    {u"data-dir", [](Config &c, const Value &v) { c.dataDir = v.text; },
     [](const Config &c) { return c.dataDir; }},
    {u"avatar-dir", [](Config &c, const Value &v) { c.avatarDir = v.text; },
     [](const Config &c) { return c.avatarDir; }},
    {u"database-url", [](Config &c, const Value &v) { c.databaseUrl = v.text; },
     [](const Config &c) { return c.databaseUrl; }},
    {u"redis-url", [](Config &c, const Value &v) { c.redisUrl = v.text; },
     [](const Config &c) { return c.redisUrl; }},
    {u"service-user", [](Config &c, const Value &v) { c.serviceUser = v.text; },
     [](const Config &c) { return c.serviceUser; }},
    {u"log-format", [](Config &c, const Value &v) { c.logFormat = formatFromName(v.text); },
     [](const Config &c) { return formatName(c.logFormat); }},
    {u"log-level", [](Config &c, const Value &v) { c.logLevel = levelFromName(v.text); },
     [](const Config &c) { return Log::levelName(c.logLevel); }},
    {u"tls-cert", [](Config &c, const Value &v) { c.tlsCertificateFile = v.text; },
     [](const Config &c) { return c.tlsCertificateFile; }},
    {u"tls-key", [](Config &c, const Value &v) { c.tlsKeyFile = v.text; },
     [](const Config &c) { return c.tlsKeyFile; }},
    {u"max-connections", [](Config &c, const Value &v) { c.maxConnections = v.number; },
     [](const Config &c) { return QString::number(c.maxConnections); }},
    {u"max-body-size", [](Config &c, const Value &v) { c.maxBodyBytes = v.number; },
     [](const Config &c) { return QString::number(c.maxBodyBytes); }},
    {u"max-avatar-size", [](Config &c, const Value &v) { c.maxAvatarBytes = v.number; },
     [](const Config &c) { return QString::number(c.maxAvatarBytes); }},
    {u"max-header-size", [](Config &c, const Value &v) { c.maxHeaderBytes = v.number; },
     [](const Config &c) { return QString::number(c.maxHeaderBytes); }},
    {u"max-url-size", [](Config &c, const Value &v) { c.maxUrlBytes = v.number; },
     [](const Config &c) { return QString::number(c.maxUrlBytes); }},
    {u"header-timeout", [](Config &c, const Value &v) { c.headerTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.headerTimeoutSeconds); }},
    {u"body-timeout", [](Config &c, const Value &v) { c.bodyTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.bodyTimeoutSeconds); }},
    {u"idle-timeout", [](Config &c, const Value &v) { c.idleTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.idleTimeoutSeconds); }},
    {u"trusted-proxies", [](Config &c, const Value &v) { c.trustedProxies = v.subnets; },
     [](const Config &c) {
         QStringList out;
         for (const auto &subnet : c.trustedProxies)
             out.append(subnet.first.toString() + u'/' + QString::number(subnet.second));
         return out.join(u',');
     }},
    {u"rate-limit-default", [](Config &c, const Value &v) { c.rateLimitDefault = {v.capacity, v.perSecond}; },
     [](const Config &c) { return rateText(c.rateLimitDefault); }},
    {u"rate-limit-auth", [](Config &c, const Value &v) { c.rateLimitAuth = {v.capacity, v.perSecond}; },
     [](const Config &c) { return rateText(c.rateLimitAuth); }},
    {u"rate-limit-session", [](Config &c, const Value &v) { c.rateLimitSession = {v.capacity, v.perSecond}; },
     [](const Config &c) { return rateText(c.rateLimitSession); }},
    {u"rate-limit-on-redis-failure",
     [](Config &c, const Value &v) { c.rateLimitFailOpen = v.text == u"allow"; },
     [](const Config &c) { return c.rateLimitFailOpen ? u"allow"_s : u"deny"_s; }},
    {u"geoip-city-database", [](Config &c, const Value &v) { c.geoipCityDatabase = v.text; },
     [](const Config &c) { return c.geoipCityDatabase; }},
    {u"geoip-libloc-database", [](Config &c, const Value &v) { c.geoipLibLocDatabase = v.text; },
     [](const Config &c) { return c.geoipLibLocDatabase; }},
    {u"public-url", [](Config &c, const Value &v) { c.publicUrl = v.text; },
     [](const Config &c) { return c.publicUrl; }},
    {u"origins",
     [](Config &c, const Value &v) {
         c.origins.clear();
         for (const QString &origin : v.text.split(u',', Qt::SkipEmptyParts))
             c.origins.append(origin.trimmed());
     },
     [](const Config &c) { return c.origins.join(u','); }},
    {u"session-lifetime", [](Config &c, const Value &v) { c.sessionLifetimeSeconds = v.number; },
     [](const Config &c) { return QString::number(c.sessionLifetimeSeconds); }},
    {u"session-idle-timeout", [](Config &c, const Value &v) { c.sessionIdleTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.sessionIdleTimeoutSeconds); }},
    {u"access-token-lifetime", [](Config &c, const Value &v) { c.accessTokenLifetimeSeconds = v.number; },
     [](const Config &c) { return QString::number(c.accessTokenLifetimeSeconds); }},
    {u"jwt-key-max-age", [](Config &c, const Value &v) { c.jwtKeyMaxAgeDays = v.number; },
     [](const Config &c) { return QString::number(c.jwtKeyMaxAgeDays); }},
    {u"token-audience", [](Config &c, const Value &v) { c.tokenAudience = v.text; },
     [](const Config &c) { return c.tokenAudience; }},
    {u"totp-issuer", [](Config &c, const Value &v) { c.totpIssuer = v.text; },
     [](const Config &c) { return c.totpIssuer; }},
    {u"totp-lockout-attempts", [](Config &c, const Value &v) { c.totpLockoutAttempts = v.number; },
     [](const Config &c) { return QString::number(c.totpLockoutAttempts); }},
    {u"totp-lockout-window", [](Config &c, const Value &v) { c.totpLockoutWindowSeconds = v.number; },
     [](const Config &c) { return QString::number(c.totpLockoutWindowSeconds); }},
    {u"totp-lockout-duration", [](Config &c, const Value &v) { c.totpLockoutDurationSeconds = v.number; },
     [](const Config &c) { return QString::number(c.totpLockoutDurationSeconds); }},
    {u"rp-id", [](Config &c, const Value &v) { c.rpId = v.text.toLower(); },
     [](const Config &c) { return c.rpId; }},
    {u"rp-name", [](Config &c, const Value &v) { c.rpName = v.text; },
     [](const Config &c) { return c.rpName; }},
    {u"webauthn-user-verification", [](Config &c, const Value &v) { c.webauthnUserVerification = v.text; },
     [](const Config &c) { return c.webauthnUserVerification; }},
    {u"webauthn-attestation", [](Config &c, const Value &v) { c.webauthnAttestation = v.text; },
     [](const Config &c) { return c.webauthnAttestation; }},
    {u"webauthn-cross-origin",
     [](Config &c, const Value &v) {
         c.webauthnCrossOrigin.clear();
         if (v.text != u"off")
             for (const QString &origin : v.text.split(u',', Qt::SkipEmptyParts))
                 c.webauthnCrossOrigin.append(origin.trimmed());
     },
     [](const Config &c) {
         return c.webauthnCrossOrigin.isEmpty() ? u"off"_s : c.webauthnCrossOrigin.join(u',');
     }},
    {u"webauthn-counter-policy", [](Config &c, const Value &v) { c.webauthnCounterPolicy = v.text; },
     [](const Config &c) { return c.webauthnCounterPolicy; }},
    {u"smtp-host", [](Config &c, const Value &v) { c.smtpHost = v.text; },
     [](const Config &c) { return c.smtpHost; }},
    {u"smtp-port", [](Config &c, const Value &v) { c.smtpPort = v.number; },
     [](const Config &c) { return QString::number(c.smtpPort); }},
    {u"smtp-security", [](Config &c, const Value &v) { c.smtpSecurity = v.text; },
     [](const Config &c) { return c.smtpSecurity; }},
    {u"smtp-user", [](Config &c, const Value &v) { c.smtpUser = v.text; },
     [](const Config &c) { return c.smtpUser; }},
    {u"smtp-from", [](Config &c, const Value &v) { c.smtpFrom = v.text; },
     [](const Config &c) { return c.smtpFrom; }},
    {u"smtp-from-name", [](Config &c, const Value &v) { c.smtpFromName = v.text; },
     [](const Config &c) { return c.smtpFromName; }},
    {u"smtp-timeout", [](Config &c, const Value &v) { c.smtpTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.smtpTimeoutSeconds); }},
    {u"sms-driver", [](Config &c, const Value &v) { c.smsDriver = v.text; },
     [](const Config &c) { return c.smsDriver; }},
    {u"sms-url", [](Config &c, const Value &v) { c.smsUrl = v.text; },
     [](const Config &c) { return c.smsUrl; }},
    {u"sms-account-sid", [](Config &c, const Value &v) { c.smsAccountSid = v.text; },
     [](const Config &c) { return c.smsAccountSid; }},
    {u"sms-from", [](Config &c, const Value &v) { c.smsFrom = v.text; },
     [](const Config &c) { return c.smsFrom; }},
    {u"sms-timeout", [](Config &c, const Value &v) { c.smsTimeoutSeconds = v.number; },
     [](const Config &c) { return QString::number(c.smsTimeoutSeconds); }},
    {u"phone-default-region", [](Config &c, const Value &v) { c.phoneDefaultRegion = v.text.toUpper(); },
     [](const Config &c) { return c.phoneDefaultRegion; }},
    {u"secret-store", [](Config &c, const Value &v) { c.secretStore = v.text; },
     [](const Config &c) { return c.secretStore; }},
    {u"bench-routes", [](Config &c, const Value &v) { c.benchRoutes = v.text == u"on"; },
     [](const Config &c) { return c.benchRoutes ? u"on"_s : u"off"_s; }},
};

const Binding *findBinding(QStringView key)
{
    for (const Binding &binding : kBindings) {
        if (binding.key == key)
            return &binding;
    }
    return nullptr;
}

// One key = value and where it came from: "--listen", "GATEHOUSE_LISTEN" or "/etc/g.conf:3".
struct Setting
{
    QString key;
    QString value;
    QString source;
};

enum class Layer
{
    File,
    Environment,
    Flags
};

// Every problem found. Flags are parsed first (they name the file), but an administrator reads
// problems best in precedence order, so each is tagged with the layer being worked on.
struct Problems
{
    Layer layer = Layer::File;
    QList<std::pair<Layer, Error>> found;

    void add(const QString &code, const QString &message)
    {
        found.append({layer, makeError(code, message)});
    }
    void add(const QString &code, QStringView key, const QString &what, const QString &source)
    {
        add(code, key.toString() + u": "_s + what + u" (from "_s + source + u')');
    }
    bool empty() const { return found.isEmpty(); }
    Error error() const
    {
        auto sorted = found;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        QStringList messages;
        for (const auto &problem : sorted)
            messages.append(problem.second.message);
        return makeError(sorted.first().second.code, messages.join(u'\n'));
    }
};

// "data_dir" and "DATA-DIR" are near misses worth pointing at.
QString unknownKeyMessage(const QString &key)
{
    const QString guess = key.toLower().replace(u'_', u'-');
    if (guess != key && ConfigSchema::find(guess))
        return u"unknown option; did you mean "_s + guess + u'?';
    return u"unknown option"_s;
}

// Flags: --key value, --key=value, and the action flags. Returns the settings in order.
QList<Setting> parseFlags(const QStringList &arguments, Problems &problems,
                          LoadedConfig::Action &action, bool &checkConfig, bool &rotateKey,
                          QString &storeSecret)
{
    QList<Setting> settings;
    bool afterUnknownFlag = false;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments[i];
        const bool maybeValueOfUnknown = std::exchange(afterUnknownFlag, false);
        const qsizetype eq = argument.indexOf(u'=');
        const QString name = eq < 0 ? argument : argument.left(eq);
        if (name == u"--store-secret") { // the secrets an administrator provides (delivery)
            const QString secret = eq >= 0 ? argument.mid(eq + 1)
                                   : i + 1 < arguments.size() ? arguments[++i] : QString();
            if (secret != u"smtp-password" && secret != u"sms-auth-token" &&
                !OAuthOptions::isClientSecretName(secret)) // oauth: social sign-in client secrets
                problems.add(kInvalid, name,
                             u"names smtp-password, sms-auth-token or oauth-PROVIDER-client-secret"_s,
                             argument);
            else
                storeSecret = secret;
            continue;
        }
        if (name == u"--help" || name == u"-h" || name == u"--version" ||
            name == u"--check-config" || name == u"--rotate-jwt-key") {
            if (eq >= 0) {
                problems.add(kInvalid, name, u"takes no value"_s, argument);
            } else if (name == u"--check-config") {
                checkConfig = true;
            } else if (name == u"--rotate-jwt-key") {
                rotateKey = true;
            } else if (action == LoadedConfig::Action::Run) {
                action = name == u"--version" ? LoadedConfig::Action::Version
                                              : LoadedConfig::Action::Help;
            }
            continue;
        }
        if (!argument.startsWith(u'-') || argument == u"-") {
            // Most likely the value of the unknown flag just reported: say nothing twice.
            if (!maybeValueOfUnknown)
                problems.add(kInvalid, u"unexpected argument \""_s + argument +
                                           u"\"; options are written --key value"_s);
            continue;
        }
        const QString key = argument.startsWith(u"--") ? name.mid(2) : QString();
        if (key.isEmpty() || !ConfigSchema::find(key)) {
            problems.add(kUnknownKey, u"unknown flag "_s + name + u"; see --help"_s);
            afterUnknownFlag = eq < 0;
            continue;
        }
        QString value;
        if (eq >= 0) {
            value = argument.mid(eq + 1);
        } else if (i + 1 < arguments.size() && !arguments[i + 1].startsWith(u"--")) {
            value = arguments[++i];
        } else {
            problems.add(kInvalid, key, u"missing value"_s, name);
            continue;
        }
        settings.append({key, value, name});
    }
    return settings;
}

QList<Setting> readEnvironment(const QProcessEnvironment &environment, Problems &problems)
{
    QList<Setting> settings;
    QStringList names = environment.keys();
    names.sort(); // deterministic messages
    for (const QString &name : names) {
        if (!name.startsWith(ConfigSchema::environmentPrefix))
            continue;
        const QString key =
            name.mid(ConfigSchema::environmentPrefix.size()).toLower().replace(u'_', u'-');
        // The round trip rejects lower-case or mixed names such as GATEHOUSE_Listen.
        if (!ConfigSchema::find(key) || ConfigSchema::environmentName(key) != name) {
            problems.add(kUnknownKey, name + u": unknown environment variable; see --help"_s);
            continue;
        }
        settings.append({key, environment.value(name), name});
    }
    return settings;
}

} // namespace

// Unquotes a value: "…" with \" and \\ escapes, then only a comment may follow. Unquoted,
// the value ends at whitespace followed by # or ;, so URLs and paths need no quotes.
Result<QString> parseFileValue(const QString &rest)
{
    if (rest.startsWith(u'#') || rest.startsWith(u';'))
        return QString();
    if (!rest.startsWith(u'"')) {
        for (qsizetype i = 1; i < rest.size(); ++i) {
            if ((rest[i] == u'#' || rest[i] == u';') && rest[i - 1].isSpace())
                return rest.left(i).trimmed();
        }
        return rest;
    }
    QString value;
    for (qsizetype i = 1; i < rest.size(); ++i) {
        const QChar c = rest[i];
        if (c == u'"') {
            const QString tail = rest.mid(i + 1).trimmed();
            if (!tail.isEmpty() && !tail.startsWith(u'#') && !tail.startsWith(u';'))
                return makeError(kInvalid, u"unexpected text after the closing quote"_s);
            return value;
        }
        if (c == u'\\') {
            if (i + 1 < rest.size() && (rest[i + 1] == u'"' || rest[i + 1] == u'\\')) {
                value += rest[++i];
                continue;
            }
            const QString escape = i + 1 < rest.size() ? rest.mid(i, 2) : u"\\"_s;
            return makeError(kInvalid, u"unknown escape "_s + escape +
                                           u" in quoted value; only \\\" and \\\\ are escapes"_s);
        }
        value += c;
    }
    return makeError(kInvalid, u"unterminated quoted value"_s);
}

namespace {

QList<Setting> parseFile(const QString &path, const QByteArray &contents, Problems &problems)
{
    QList<Setting> settings;
    QHash<QString, int> firstLine;
    QString text = QString::fromUtf8(contents);
    if (text.startsWith(QChar(0xFEFF)))
        text.remove(0, 1);
    const QStringList lines = text.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const int number = int(index + 1);
        const QString where = path + u':' + QString::number(number);
        const QString line = lines[index].trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line.startsWith(u';'))
            continue;
        if (line.startsWith(u'[')) {
            problems.add(kInvalid, where + u": [section] headers are not supported; the file "_s
                                           u"is flat key = value lines"_s);
            continue;
        }
        const qsizetype eq = line.indexOf(u'=');
        const QString key = line.left(eq).trimmed();
        if (eq < 0 || key.isEmpty()) {
            // The line may be a URL with its password: never echo it unmasked.
            problems.add(kInvalid, where + u": expected key = value, got \""_s +
                                       ConfigSchema::maskUrl(line) + u'"');
            continue;
        }
        const Result<QString> value = parseFileValue(line.mid(eq + 1).trimmed());
        if (!value) {
            problems.add(value.error().code, key, value.error().message, where);
            continue;
        }
        if (key == u"config") {
            problems.add(kInvalid, key, u"cannot be set inside a config file"_s, where);
            continue;
        }
        if (!ConfigSchema::find(key)) {
            problems.add(kUnknownKey, key, unknownKeyMessage(key), where);
            continue;
        }
        if (firstLine.contains(key)) {
            problems.add(kInvalid, key,
                         u"set twice, first on line "_s + QString::number(firstLine[key]), where);
            continue;
        }
        firstLine.insert(key, number);
        settings.append({key, *value, where});
    }
    return settings;
}

QString quoteIfNeeded(const QString &value)
{
    const bool plain = !value.isEmpty() && value == value.trimmed() && !value.contains(u'"') &&
                       !value.contains(u'\\') && !value.contains(u'#') && !value.contains(u';');
    if (plain)
        return value;
    QString escaped = value;
    escaped.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
    return u'"' + escaped + u'"';
}

} // namespace

bool LoadOptions::isRunningAsRoot()
{
    return geteuid() == 0;
}

QString defaultDataDir(const QProcessEnvironment &environment, bool runningAsRoot)
{
    if (runningAsRoot)
        return u"/var/lib/gatehouse"_s;
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    const QString xdg = environment.value(u"XDG_DATA_HOME"_s);
    if (!xdg.isEmpty() && QDir::isAbsolutePath(xdg))
        return QDir::cleanPath(xdg + u"/gatehouse"_s);
    const QString home = environment.value(u"HOME"_s);
    if (!home.isEmpty())
        return QDir::cleanPath(home + u"/.local/share/gatehouse"_s);
    // No home at all (a bare service environment): the system location is the only sane guess.
    return u"/var/lib/gatehouse"_s;
}

Result<LoadedConfig> load(const QStringList &arguments, const QProcessEnvironment &environment,
                          const LoadOptions &options)
{
    LoadedConfig loaded;
    loaded.config.dataDir = defaultDataDir(environment, options.runningAsRoot);

    Problems problems;
    problems.layer = Layer::Flags;
    bool checkConfig = false;
    bool rotateKey = false;
    const QList<Setting> flags =
        parseFlags(arguments, problems, loaded.action, checkConfig, rotateKey, loaded.secretName);
    if (loaded.action != LoadedConfig::Action::Run)
        return loaded;
    if (checkConfig)
        loaded.action = LoadedConfig::Action::CheckConfig;
    else if (rotateKey)
        loaded.action = LoadedConfig::Action::RotateJwtKey;
    else if (!loaded.secretName.isEmpty())
        loaded.action = LoadedConfig::Action::StoreSecret;

    problems.layer = Layer::Environment;
    const QList<Setting> variables = readEnvironment(environment, problems);
    const QString home = environment.value(u"HOME"_s);

    // The file to read: the last --config, else GATEHOUSE_CONFIG.
    const Setting *fileSetting = nullptr;
    for (const QList<Setting> *settings : {&variables, &flags}) {
        for (const Setting &setting : *settings) {
            if (setting.key == u"config")
                fileSetting = &setting;
        }
    }
    QList<Setting> fileSettings;
    if (fileSetting) {
        // Where the file was named is what the administrator must fix.
        problems.layer = fileSetting->source.startsWith(u'-') ? Layer::Flags : Layer::Environment;
        const Result<Value> path =
            ConfigSchema::parse(*ConfigSchema::find(u"config"), fileSetting->value, home);
        if (!path) {
            problems.add(path.error().code, u"config", path.error().message, fileSetting->source);
        } else if (!path->text.isEmpty()) {
            QFile file(path->text);
            if (QFileInfo(path->text).isDir() || !file.open(QIODevice::ReadOnly)) {
                const QString reason =
                    QFileInfo(path->text).isDir() ? u"it is a directory"_s : file.errorString();
                problems.add(kUnreadable, u"config",
                             u"cannot read \""_s + path->text + u"\": "_s + reason,
                             fileSetting->source);
            } else if (const QByteArray contents = file.read(kMaxFileSize + 1);
                       contents.size() > kMaxFileSize) {
                // Guards against --config /dev/zero and the like; real files are a few lines.
                problems.add(kUnreadable, u"config",
                             u"\""_s + path->text + u"\" is larger than 1 MiB"_s,
                             fileSetting->source);
            } else {
                loaded.config.configFile = path->text;
                problems.layer = Layer::File;
                fileSettings = parseFile(path->text, contents, problems);
            }
        }
    }
    // Later layers overwrite earlier ones; a bad value is reported even when a later layer
    // overrides it, because it would break as soon as that override goes away.
    const std::pair<Layer, const QList<Setting> *> layers[] = {
        {Layer::File, &fileSettings}, {Layer::Environment, &variables}, {Layer::Flags, &flags}};
    for (const auto &[layer, settings] : layers) {
        problems.layer = layer;
        for (const Setting &setting : *settings) {
            if (setting.key == u"config")
                continue;
            const Option *option = ConfigSchema::find(setting.key);
            const Binding *binding = findBinding(setting.key);
            const bool oauth = OAuthOptions::owns(setting.key); // bound by its own table
            if (!option || (!binding && !oauth)) { // a schema row without its binding line: a bug
                problems.add(kInvalid, setting.key, u"is not bound to Config"_s, setting.source);
                continue;
            }
            const Result<Value> value = ConfigSchema::parse(*option, setting.value, home);
            if (!value) {
                problems.add(value.error().code, setting.key, value.error().message,
                             setting.source);
                continue;
            }
            if (binding)
                binding->apply(loaded.config, *value);
            else
                OAuthOptions::apply(loaded.config, setting.key, *value);
        }
    }
    if (!problems.empty())
        return problems.error();
    return loaded;
}

QString helpText(const QString &programName)
{
    const QString name = QFileInfo(programName).fileName();
    QString text =
        u"Usage: "_s + name +
        u" [OPTIONS]\n\n"_s
        u"Gatehouse: self-hosted passwordless identity.\n"_s
        u"Settings come from built-in defaults, then the config file, then GATEHOUSE_* "_s
        u"environment\nvariables, then the flags below; each overrides the one before."_s
        u"\n\nOptions (flag, environment variable):\n"_s;
    for (const Option &option : ConfigSchema::options()) {
        text += u"  --"_s + option.key + u' ' + option.valueName + u"  ("_s +
                ConfigSchema::environmentName(option.key) + u")\n      "_s + option.help;
        if (option.type == ConfigSchema::Type::Enum)
            text += u": "_s + option.allowed.join(u", "_s);
        else if (option.type == ConfigSchema::Type::Int)
            text += u" ("_s + QString::number(option.minimum) + u".."_s +
                    QString::number(option.maximum) + u')';
        text += u"\n      Default: "_s + option.defaultText + u'\n';
    }
    text += u"  --check-config\n      Check the configuration, print it with secrets masked, "_s
            u"and exit\n"_s
            u"  --rotate-jwt-key\n      Make a new access-token signing key in the secret store and "_s
            u"exit;\n      running servers sign with it within a minute, old tokens stay valid\n"_s
            // "=NAME": an action, not an option, so it must not read like "--key VALUE".
            u"  --store-secret=NAME\n      Read the secret NAME (smtp-password, sms-auth-token or "_s
            u"oauth-PROVIDER-client-secret:\n      the SMTP password, the SMS gateway token or a "_s
            u"sign-in provider's client secret)\n      from standard input into the secret store "_s
            u"and exit (restart the server to use it)\n"_s
            u"  --version\n      Print the version and exit\n"_s
            u"  -h, --help\n      Print this help and exit\n\n"_s
            u"The config file holds key = value lines with the keys above (without --); "_s
            u"# and ; start\ncomments. "_s +
            name + u" --check-config prints the effective settings in that form.\n"_s;
    return text;
}

QString versionText(const QString &programName)
{
    return QFileInfo(programName).fileName() + u' ' + QString::fromUtf8(GATEHOUSE_VERSION);
}

QString describe(const Config &config)
{
    QString text;
    if (!config.configFile.isEmpty())
        text += u"# config file: "_s + config.configFile + u'\n';
    for (const Option &option : ConfigSchema::options()) {
        const Binding *binding = findBinding(option.key);
        const bool oauth = OAuthOptions::owns(option.key);
        if (!binding && !oauth)
            continue; // `config`: a file cannot name another file
        const QString value = binding ? binding->show(config) : OAuthOptions::show(config, option.key);
        text += option.key + u" = "_s +
                quoteIfNeeded(option.secret ? ConfigSchema::maskUrl(value) : value) + u'\n';
    }
    return text;
}

} // namespace ConfigLoader
