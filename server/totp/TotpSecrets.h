#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// TOTP secrets at rest: AES-256-GCM under the data-encryption key (AppServices), with the
// associated data "totp:<userId>" so a sealed secret copied to another user's row or pending
// registration does not decrypt. The sealed form is base64url without padding (the text stored
// in users.totp_secret and in pending_registration:{userId}.totpSecretEnc); a 20-byte secret
// seals to 66 characters.
namespace TotpSecrets {

QByteArray associatedData(const QString &userId);
// Errors: CRYPTO_KEY_INVALID (the key is not 32 bytes), ENCRYPTION_FAILED.
Result<QString> seal(QByteArrayView key, QByteArrayView secret, const QString &userId);
// The raw sealed bytes (for UserRepository::createWithProvider, which base64url-encodes them).
Result<QByteArray> sealRaw(QByteArrayView key, QByteArrayView secret, const QString &userId);
// Errors: DECRYPTION_FAILED (wrong key, wrong user, damaged or not base64url).
Result<QByteArray> open(QByteArrayView key, const QString &sealed, const QString &userId);

} // namespace TotpSecrets
