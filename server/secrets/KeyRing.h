#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QString>

class SecretStore;

// The keys Gatehouse creates for itself at first start and finds again on every later start.
namespace KeyRing {

// AES-256-GCM key for data encrypted at rest (TOTP secrets).
inline QString dataEncryptionKeyName()
{
    return QStringLiteral("data-encryption-key");
}
constexpr int kDataEncryptionKeyBytes = 32;

// The secret `name` when the store has it, else `bytes` fresh random bytes from the system
// CSPRNG, stored first. Two processes racing here end up with the same bytes (create() is
// exclusive; the loser reads the winner's). A stored secret of another length is refused with
// SECRET_VALUE_INVALID, never replaced: data may already be encrypted with it. Blocks like the
// store does.
Result<QByteArray> ensureSecret(SecretStore &store, const QString &name, int bytes);

} // namespace KeyRing
