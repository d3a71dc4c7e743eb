#include "server/secrets/KeyRing.h"

#include "models/common/Log.h"
#include "server/secrets/SecretStore.h"

#include <QRandomGenerator>
#include <algorithm>
#include <vector>

namespace {

QByteArray randomBytes(int count)
{
    std::vector<quint32> words((static_cast<size_t>(count) + 3) / 4);
    QRandomGenerator::system()->fillRange(words.data(), static_cast<qsizetype>(words.size()));
    QByteArray bytes(reinterpret_cast<const char *>(words.data()), count);
    std::fill(words.begin(), words.end(), 0u);
    return bytes;
}

Result<QByteArray> checked(const QString &name, QByteArray value, int bytes,
                           const SecretStore &store)
{
    if (value.size() != bytes)
        return makeError(QString(SecretStore::kValueInvalid),
                         QStringLiteral("The secret %1 in the %2 has %3 bytes, expected %4; "
                                        "restore it from a backup")
                             .arg(name, store.describe())
                             .arg(value.size())
                             .arg(bytes));
    return value;
}

} // namespace

namespace KeyRing {

Result<QByteArray> ensureSecret(SecretStore &store, const QString &name, int bytes)
{
    if (bytes <= 0 || bytes > SecretStore::kMaxValueBytes)
        return makeError(
            QString(SecretStore::kValueInvalid),
            QStringLiteral("Cannot create the secret %1 with %2 bytes").arg(name).arg(bytes));
    auto existing = store.read(name);
    if (existing)
        return checked(name, std::move(existing).value(), bytes, store);
    if (existing.error().code != SecretStore::kNotFound)
        return existing.error();

    const QByteArray fresh = randomBytes(bytes);
    Status created = store.create(name, fresh);
    if (created) {
        Log::info(QStringLiteral("secrets.created"), {{QStringLiteral("name"), name},
                                                      {QStringLiteral("bytes"), bytes},
                                                      {QStringLiteral("store"), store.describe()}});
        return fresh;
    }
    if (created.error().code != SecretStore::kExists)
        return created.error();
    // Another process created it between our read and create: use theirs.
    auto theirs = store.read(name);
    if (!theirs)
        return theirs.error();
    return checked(name, std::move(theirs).value(), bytes, store);
}

} // namespace KeyRing
