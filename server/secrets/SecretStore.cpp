#include "server/secrets/SecretStore.h"

bool SecretStore::isValidName(const QString &name)
{
    if (name.isEmpty() || name.size() > kMaxNameLength)
        return false;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        if (!((u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'-'))
            return false;
    }
    return true;
}

Status SecretStore::checkName(const QString &name)
{
    if (isValidName(name))
        return {};
    // The name itself is not secret; show it (shortened) so the caller can find the bug.
    return makeError(QString(kNameInvalid),
                     QStringLiteral("Invalid secret name \"%1\": use 1 to %2 characters of a-z, "
                                    "0-9 and '-'")
                         .arg(name.left(80))
                         .arg(kMaxNameLength));
}

Status SecretStore::checkValue(const QString &name, const QByteArray &value)
{
    if (value.isEmpty() || value.size() > kMaxValueBytes)
        return makeError(QString(kValueInvalid),
                         QStringLiteral("The secret %1 must be 1 to %2 bytes long (got %3)")
                             .arg(name)
                             .arg(kMaxValueBytes)
                             .arg(value.size()));
    return {};
}

Status SecretStore::create(const QString &name, const QByteArray &value)
{
    if (Status st = checkName(name); !st)
        return st;
    auto existing = read(name);
    if (existing)
        return makeError(QString(kExists),
                         QStringLiteral("The secret %1 already exists").arg(name));
    if (existing.error().code != kNotFound)
        return existing.error();
    return write(name, value);
}
