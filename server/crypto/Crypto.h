#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1String>
#include <QString>
#include <QStringView>

// Small, hard-to-misuse crypto primitives over OpenSSL 3 (EVP only). Only server/crypto includes
// OpenSSL; everything else uses these functions and types.
//
// Functions returning plain values fail hard (qFatal) when OpenSSL itself fails: that only
// happens when the library or the RNG is broken or memory is exhausted, and carrying on with a
// bad digest or predictable bytes would be worse than stopping. Everything that depends on
// input returns a Result instead. Nothing here logs key material, plaintext or digests of it.
// All functions are thread-safe.
namespace Crypto {

// Error codes.
inline constexpr QLatin1String kDecryptionFailed{"DECRYPTION_FAILED"};
inline constexpr QLatin1String kEncryptionFailed{"ENCRYPTION_FAILED"};
inline constexpr QLatin1String kKeyInvalid{"CRYPTO_KEY_INVALID"};
inline constexpr QLatin1String kBase64Invalid{"BASE64URL_INVALID"};

inline constexpr int kAesKeyBytes = 32;
inline constexpr int kAesGcmNonceBytes = 12;
inline constexpr int kAesGcmTagBytes = 16;
inline constexpr char kAesGcmFormatVersion = 0x01;

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes). n < 0 or an RNG failure stops the process.
QByteArray randomBytes(int n);

QByteArray sha256(QByteArrayView data);                         // 32 bytes
QString sha256Hex(QByteArrayView data);                         // 64 lower-case hex characters
QByteArray hmacSha1(QByteArrayView key, QByteArrayView data);   // 20 bytes (TOTP, RFC 6238)
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data); // 32 bytes

// True when a and b hold the same bytes. The time taken depends only on a.size(), never on the
// contents or on where they differ: pass the secret/expected value as `a`, the presented one as
// `b`. (A length mismatch still costs one full comparison of `a`.)
bool equalConstantTime(QByteArrayView a, QByteArrayView b);

// RFC 4648 §5 base64url without padding.
QByteArray base64UrlEncode(QByteArrayView data);
// Strict inverse of base64UrlEncode: only [A-Za-z0-9_-], no '=' padding, no whitespace, no
// impossible length (4k+1) and no non-zero unused bits in the last character, so every byte
// string has exactly one accepted encoding. Anything else → BASE64URL_INVALID.
Result<QByteArray> base64UrlDecode(QByteArrayView text);
// The same for UTF-16 text (a non-ASCII character is invalid).
Result<QByteArray> base64UrlDecode(QStringView text);

// AES-256-GCM with a fresh random 96-bit nonce. Output format (version 1):
//   0x01 || nonce (12 bytes) || ciphertext (plaintext.size() bytes) || tag (16 bytes)
// The version byte is authenticated too: GCM's AAD is 0x01 || associatedData. associatedData
// binds the ciphertext to its context (e.g. "totp:<userId>"), so a value copied to another row
// does not decrypt. key32 must be 32 bytes (else CRYPTO_KEY_INVALID). Random nonces are safe
// for up to 2^32 encryptions under one key, far beyond what Gatehouse stores.
Result<QByteArray> aesGcmEncrypt(QByteArrayView key32, QByteArrayView plaintext,
                                 QByteArrayView associatedData);
// Inverse of aesGcmEncrypt. Any failure (wrong key, wrong associated data, changed or truncated
// input, unknown version) → DECRYPTION_FAILED, and no unauthenticated plaintext is returned.
// Never throws.
Result<QByteArray> aesGcmDecrypt(QByteArrayView key32, QByteArrayView sealed,
                                 QByteArrayView associatedData);

// The raw primitive under aesGcmEncrypt, exposed only for known-answer tests (NIST/McGrew-Viega
// vectors). Returns ciphertext || 16-byte tag. Never call it with a nonce of your own choosing
// in production: reusing a nonce under one key destroys GCM's security.
Result<QByteArray> aesGcmSealRawForTesting(QByteArrayView key32, QByteArrayView nonce12,
                                           QByteArrayView plaintext, QByteArrayView aad);

} // namespace Crypto
