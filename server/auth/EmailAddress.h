#pragma once

#include "models/common/Result.h"

#include <QString>

// Email addresses as every flow stores them: trimmed, lower case (the whole address: mailbox
// providers that tell case apart in the local part are vanishingly rare, while users typing
// "Alice@" and "alice@" expecting one account are common), at most 254 characters (RFC 5321
// path limit; users.email is 255), a local part of 1–64 dot-atom characters and a domain of
// letters, digits and hyphens in dot-separated labels with a TLD. Quoted local parts and
// address literals are refused: nobody signs up with them and they complicate every check.
// Internationalised domains must be given in their ASCII (xn--) form.
namespace EmailAddress {
// EMAIL_INVALID with a message saying what is wrong.
Result<QString> normalise(const QString &input);
} // namespace EmailAddress
