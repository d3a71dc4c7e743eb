#pragma once

#include "models/common/Result.h"

#include <QString>
#include <QStringList>

// Where a social sign-in may send the browser back to (`returnTo` of the start route). Open
// redirects are how sign-in pages get abused for phishing, so only two shapes pass:
//   - a path on Gatehouse itself ("/ui/account.html?x=1"), made absolute on the public URL;
//   - an absolute http(s) URL whose origin (scheme, host, port) is one of the allowed origins.
// Everything else — "//evil.com", "/\evil.com", backslashes anywhere, userinfo
// ("https://good@evil.com"), look-alike hosts ("http://localhost.evil.com"), other schemes
// ("javascript:"), control characters, fragments with tricks — is RETURN_TO_NOT_ALLOWED.
namespace ReturnTo {
inline constexpr int kMaxLength = 2048;
// The absolute URL to redirect to. Empty `returnTo` → `{publicUrl}/ui/`.
Result<QString> resolve(const QString &returnTo, const QString &publicUrl, const QStringList &origins);
} // namespace ReturnTo
