#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QLatin1String>
#include <QString>

// Where Gatehouse keeps its own keys (`data-encryption-key`, `jwt-signing-key-<kid>`): the
// desktop keychain (Secret Service) or a private directory of 0600 files in the data dir.
//
// Every call may block: the keychain answers over D-Bus (bounded by a timeout, seconds), the
// file store fsyncs. Call it at start-up and from admin actions, never on the HTTP request
// path: the runtime reads what it needs once and keeps it in memory. A store may be used from
// any one thread at a time.
//
// Names are 1 to 64 characters of [a-z0-9-]. Values are 1 byte to 64 KiB of binary data.
// Nothing here logs a value.
class SecretStore
{
public:
    // Error codes. Programs match on these; the messages are for administrators.
    static constexpr QLatin1String kNotFound{"SECRET_NOT_FOUND"};
    static constexpr QLatin1String kExists{"SECRET_EXISTS"};
    static constexpr QLatin1String kNameInvalid{"SECRET_NAME_INVALID"};
    static constexpr QLatin1String kValueInvalid{"SECRET_VALUE_INVALID"};
    static constexpr QLatin1String kUnavailable{"SECRET_STORE_UNAVAILABLE"};
    static constexpr QLatin1String kUnsafe{
        "SECRET_FILE_UNSAFE"}; // file store: mode, owner, symlink
    static constexpr qsizetype kMaxNameLength = 64;
    static constexpr qsizetype kMaxValueBytes = 64 * 1024;

    SecretStore() = default;
    virtual ~SecretStore() = default;
    SecretStore(const SecretStore &) = delete;
    SecretStore &operator=(const SecretStore &) = delete;

    // The secret, or SECRET_NOT_FOUND when there is none, SECRET_STORE_UNAVAILABLE when the
    // backend cannot be reached, SECRET_FILE_UNSAFE when the file store refuses a file.
    virtual Result<QByteArray> read(const QString &name) = 0;
    // Creates or replaces the secret.
    virtual Status write(const QString &name, const QByteArray &value) = 0;
    // Creates the secret only when there is none yet: SECRET_EXISTS otherwise, so two processes
    // starting at once cannot each keep a different key. The file store does this atomically;
    // the default (read, then write) is enough for a single desktop process.
    virtual Status create(const QString &name, const QByteArray &value);
    // Deletes the secret. Succeeds when it is already absent.
    virtual Status remove(const QString &name) = 0;
    // For logs and the console: "keychain (Secret Service)", "file store
    // /var/lib/gatehouse/secrets".
    virtual QString describe() const = 0;

    static bool isValidName(const QString &name);
    // SECRET_NAME_INVALID / SECRET_VALUE_INVALID with a message naming the problem.
    static Status checkName(const QString &name);
    static Status checkValue(const QString &name, const QByteArray &value);
};
