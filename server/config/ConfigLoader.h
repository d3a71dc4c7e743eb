#pragma once

#include "Config.h"
#include "ConfigSchema.h"
#include "models/common/Result.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

// What the command line asked for, plus the configuration to do it with.
struct LoadedConfig
{
    enum class Action
    {
        Run,         // start normally
        Help,        // --help / -h: print ConfigLoader::helpText() and exit 0
        Version,     // --version: print ConfigLoader::versionText() and exit 0
        CheckConfig, // --check-config: print ConfigLoader::describe() and exit 0 (errors: exit 2)
        RotateJwtKey, // --rotate-jwt-key: make a new signing key (running servers pick it up)
        StoreSecret,  // --store-secret NAME: read a value from stdin into the secret store
    };
    Config config;
    Action action = Action::Run;
    QString secretName; // StoreSecret: the secret to write (smtp-password, sms-auth-token, …)
};

// Builds a Config from built-in defaults < config file < GATEHOUSE_* environment < flags.
//
// Error codes: CONFIG_INVALID (bad value, malformed line or flag), CONFIG_UNKNOWN_KEY (a key,
// GATEHOUSE_* variable or flag no option has), CONFIG_FILE_UNREADABLE. Every problem found is
// reported, one per line of Error::message, each naming the key and where the value came from:
//   listen: "abc" is not HOST:PORT (from GATEHOUSE_LISTEN)
// Error::code is the code of the first one. Secret values are masked in messages.
namespace ConfigLoader {

struct LoadOptions
{
    // Decides the default data-dir; injectable so tests need not run as root.
    bool runningAsRoot = isRunningAsRoot();

    static bool isRunningAsRoot();
};

// arguments[0] is the program name. --help and --version win over any other problem, so a
// broken environment cannot hide the help; the Config returned with them is the defaults.
Result<LoadedConfig> load(const QStringList &arguments, const QProcessEnvironment &environment,
                          const LoadOptions &options = {});

// $XDG_DATA_HOME/gatehouse, else $HOME/.local/share/gatehouse; /var/lib/gatehouse as root.
QString defaultDataDir(const QProcessEnvironment &environment, bool runningAsRoot);

// Usage, then every option with its flag, environment variable, default and help.
QString helpText(const QString &programName);
QString versionText(const QString &programName);

// The effective configuration as "key = value" lines in the syntax the config file accepts,
// secrets masked (postgresql://app:****@db:5432/gh). `config` itself is left out.
QString describe(const Config &config);

// One value of a config file line, after its '=': "…" with \" and \\ escapes (then only a
// comment may follow), or unquoted up to whitespace followed by # or ;. The console's Settings
// page reads the file with it. Errors: CONFIG_INVALID (bad escape, unterminated quote).
Result<QString> parseFileValue(const QString &rest);

// Safe-to-log form of a database or Redis URL; see ConfigSchema::maskUrl.
using ConfigSchema::maskUrl;

} // namespace ConfigLoader
