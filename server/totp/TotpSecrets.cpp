#include "TotpSecrets.h"

#include "server/crypto/Crypto.h"

namespace TotpSecrets {

QByteArray associatedData(const QString &userId)
{
    return QByteArrayLiteral("totp:") + userId.toUtf8();
}

Result<QByteArray> sealRaw(QByteArrayView key, QByteArrayView secret, const QString &userId)
{
    return Crypto::aesGcmEncrypt(key, secret, associatedData(userId));
}

Result<QString> seal(QByteArrayView key, QByteArrayView secret, const QString &userId)
{
    auto sealed = sealRaw(key, secret, userId);
    if (!sealed)
        return sealed.error();
    return QString::fromLatin1(Crypto::base64UrlEncode(*sealed));
}

Result<QByteArray> open(QByteArrayView key, const QString &sealed, const QString &userId)
{
    auto raw = Crypto::base64UrlDecode(QStringView(sealed));
    if (!raw)
        return makeError(QString(Crypto::kDecryptionFailed), QStringLiteral("the sealed secret is not base64url"));
    return Crypto::aesGcmDecrypt(key, *raw, associatedData(userId));
}

} // namespace TotpSecrets
