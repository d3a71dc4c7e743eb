#pragma once

#include <QString>

class JsonBody;

// The request fields the TOTP endpoints share, read and checked the same way everywhere; a
// problem is recorded in the JsonBody as a 400 naming the field.
namespace TotpInput {
// "email": required, at most 254 characters, normalised (EmailAddress: trimmed, lower case).
QString email(JsonBody &body);
// "code": required, exactly 6 ASCII digits.
QString code(JsonBody &body);
} // namespace TotpInput
