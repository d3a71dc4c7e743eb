#pragma once

#include "models/common/Result.h"

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

// Every configuration option, once: its key, how its value is checked, and what help shows.
// The loader, the help text, describe() and the environment names are all generated from this
// table, so an option cannot be accepted in one place and unknown in another.
//
// To add an option: add one row to the table in ConfigSchema.cpp, one field to Config, and one
// binding line in ConfigLoader.cpp that copies the parsed Value into that field (and back out
// for describe()). The schema knows nothing of Config so it stays a plain table.
namespace ConfigSchema {

enum class Type
{
    String,   // free text, optionally restricted by `pattern`
    Int,      // decimal integer in [minimum, maximum]
    Enum,     // one of `allowed`, case-insensitive, stored lower-case
    HostPort, // IPv4:PORT, localhost:PORT or [IPv6]:PORT, port 1..65535
    Url,      // URL whose scheme is in `allowed`; a scheme ending in "unix" takes an absolute path
    Path,     // absolute path or ~/…, normalised
    File,     // like Path, but relative names are taken from the working directory
    CidrList, // comma-separated IP addresses or subnets (10.0.0.0/8, ::1), may be empty
    Rate,     // leaky bucket "CAPACITY/PER_SECOND": 10/0.2 = bursts of 10, one more every 5 s
};

struct Option
{
    QString key{}; // kebab-case: the file key and the flag (--key)
    Type type = Type::String;
    QString valueName{};     // placeholder in help: HOST:PORT, N, DIR, URL …
    QString defaultText{};   // shown in help only; the real defaults live in Config / the loader
    QString help{};          // one line
    bool secret = false;     // value may hold a password: masked in describe() and in errors
    bool allowEmpty = false; // "" is accepted and means "not set" (embedded service, no file)
    int minimum = 0;         // Int
    int maximum = 0;         // Int
    QStringList allowed{};   // Enum: values; Url: schemes
    QString pattern{};       // String: full-match regular expression
    QString patternHelp{};   // String: what the pattern means, for the error message
};

// A value that passed its option's checks. `text` is the canonical spelling (lower-case enum,
// expanded path, normalised listen address); the typed members are filled for their type.
struct Value
{
    QString text{};
    int number = 0;         // Int
    QHostAddress address{}; // HostPort
    quint16 port = 0;       // HostPort
    QList<QPair<QHostAddress, int>> subnets{}; // CidrList
    double capacity = 0;    // Rate
    double perSecond = 0;   // Rate
};

const QList<Option> &options();
const Option *find(QStringView key);

// GATEHOUSE_ + key upper-cased, '-' → '_': "database-url" → "GATEHOUSE_DATABASE_URL".
QString environmentName(QStringView key);
inline const QString environmentPrefix = QStringLiteral("GATEHOUSE_");

// Checks `text` against `option`. `homeDir` expands "~/" (empty: "~" is an error). On failure
// the Error (code CONFIG_INVALID) says what is wrong with the value, without key or source:
// the caller knows those. Secret values are masked in the message.
Result<Value> parse(const Option &option, const QString &text, const QString &homeDir);

// Formats an address the way parse() reads it back: "127.0.0.1:8600", "[::1]:8600".
QString formatHostPort(const QHostAddress &address, quint16 port);

// Replaces a URL's password (user:PASSWORD@ and ?password=…) with ****, keeping scheme, user,
// host, port, path and the other parameters readable, so the result is safe to log.
QString maskUrl(const QString &url);

} // namespace ConfigSchema
