#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

// RFC 4648 §6 base32 (alphabet A–Z, 2–7), the encoding authenticator apps expect for TOTP
// secrets (otpauth:// `secret=`).
namespace Base32 {

inline constexpr QLatin1String kInvalid{"BASE32_INVALID"};

enum class Padding { With, Without };

// Upper case; `Without` drops the trailing '=' as the otpauth:// key URI format asks.
QByteArray encode(QByteArrayView data, Padding padding = Padding::With);

// Strict inverse: upper-case alphabet only, either no padding or exactly the padding encode()
// writes, no whitespace or separators, no impossible length (8k+1, 8k+3, 8k+6 characters) and
// no non-zero unused bits in the last character, so every byte string has exactly one accepted
// unpadded and one padded spelling. Anything else → BASE32_INVALID.
Result<QByteArray> decode(QByteArrayView text);
Result<QByteArray> decode(QStringView text); // a non-ASCII character is invalid

} // namespace Base32
