#pragma once

#include "models/common/Result.h"

#include <QByteArrayView>
#include <QString>

// What an authenticator app needs to add an account: the Key URI (Google's "otpauth" format,
// which every common app reads) and the same URI as a QR code to scan.
namespace TotpProvisioning {

// otpauth://totp/{issuer}:{email}?secret={base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30
// with the label and the issuer percent-encoded (RFC 3986 unreserved characters and '@' stay).
// `issuer` must not contain ':' (the label separator; the configuration refuses it).
QString otpauthUri(const QString &issuer, const QString &email, QByteArrayView secret);

// The text as a QR code (libqrencode, error correction M, byte mode) in a self-contained SVG:
// one path of dark modules on a white background with the 4-module quiet zone, scaled by its
// viewBox, no scripts, styles or external references. QR_ENCODE_FAILED when the text is too
// long for a QR code.
Result<QString> qrSvg(const QString &text);

} // namespace TotpProvisioning
