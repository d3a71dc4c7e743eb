#pragma once

#include "models/common/Result.h"

#include <QByteArrayView>
#include <QCborValue>

// Strict CBOR decoding for what authenticators send (attestationObject, COSE keys, extension
// outputs). Built on QCborStreamReader so that every declared length is checked against the
// bytes actually present before anything is read or allocated: a header claiming a 4 GiB string
// or a billion array elements costs nothing.
//
// Accepted: unsigned and negative integers within qint64, byte strings, UTF-8 text strings,
// arrays, maps with integer or text keys (no duplicates), false, true, null. Refused: indefinite
// lengths (CTAP2 canonical encoding requires definite ones), tags, floats, undefined and other
// simple values, invalid UTF-8, nesting deeper than kMaxDepth, more than kMaxItems items.
// Every failure → WEBAUTHN_CBOR_INVALID with a message naming the problem and its offset.
namespace WebAuthn::Cbor {

inline constexpr int kMaxDepth = 16;
inline constexpr int kMaxItems = 4096;

// Exactly one data item that spans all of `data`.
Result<QCborValue> decodeExact(QByteArrayView data);

// The data item at the start of `data`; *consumed receives its encoded length (trailing bytes
// are the caller's business, e.g. the extensions after the COSE key in authenticator data).
Result<QCborValue> decodePrefix(QByteArrayView data, qsizetype *consumed);

} // namespace WebAuthn::Cbor
