#pragma once

#include "models/common/Result.h"

#include <QString>

// Phone numbers as people type them ("030 1234567", "+49 (30) 123-4567", "0049 30 …"), parsed
// and validated with libphonenumber and stored in E.164 ("+49301234567"). Thread-safe.
namespace PhoneNumbers {

inline constexpr int kMaxInputLength = 40; // longer input is not a phone number anyone types

// E.164 for `input`. `defaultRegion` (ISO 3166 alpha-2, "DE") is assumed for numbers written
// without a country code; empty: only international numbers (+… or 00…) are accepted.
// Errors: PHONE_INVALID with a message saying what is wrong (never echoing the input).
Result<QString> normalise(const QString &input, const QString &defaultRegion);

// "+49 30 1234567" for display; the input unchanged when it is not a valid E.164 number.
QString formatInternational(const QString &e164);

} // namespace PhoneNumbers
