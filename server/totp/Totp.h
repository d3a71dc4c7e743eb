#pragma once

#include "models/common/Clock.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QStringView>

#include <optional>

// RFC 6238 TOTP over RFC 4226 HOTP as every common authenticator app does it: HMAC-SHA1,
// 6 digits, 30-second steps from the Unix epoch, and a window of one step either side for
// clock drift and typing time. Time is injected (a Clock) so tests move it instead of waiting.
namespace Totp {

inline constexpr int kDigits = 6;
inline constexpr int kPeriodSeconds = 30;
inline constexpr int kSecretBytes = 20; // RFC 4226 §4 recommends 160 bits, SHA-1's block output
inline constexpr int kWindowSteps = 1;

// The time step holding `time`: floor(unix seconds / period). Times before 1970 give step 0.
qint64 stepAt(const QDateTime &time, int periodSeconds = kPeriodSeconds);

// RFC 4226 §5.3: dynamic truncation of HMAC-SHA1(secret, counter as 8 big-endian bytes), modulo
// 10^digits, zero-padded to `digits` (6 to 8) ASCII digits.
QByteArray hotp(QByteArrayView secret, quint64 counter, int digits = kDigits);
// The code for the step holding `time`.
QByteArray codeAt(QByteArrayView secret, const QDateTime &time, int digits = kDigits);

// A fresh secret of kSecretBytes random bytes.
QByteArray newSecret();

// Exactly kDigits ASCII digits (what the API accepts before any check is made).
bool isWellFormedCode(QStringView code);

// Checks `code` against the steps now-1, now, now+1. Every candidate is computed and compared
// in constant time (no early exit, so the answer's timing does not say which step matched or how
// much of the code was right). A step at or before `lastUsedStep` is refused: a code, once
// accepted, is never accepted again, nor is an older one. Returns the matched step (the latest
// if several match), which the caller must record as the new last used step.
std::optional<qint64> verify(QByteArrayView secret, QByteArrayView code, const Clock &clock,
                             std::optional<qint64> lastUsedStep = std::nullopt);

} // namespace Totp
