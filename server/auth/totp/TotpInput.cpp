#include "TotpInput.h"

#include "server/auth/EmailAddress.h"
#include "server/http/JsonBody.h"
#include "server/totp/Totp.h"

using namespace Qt::StringLiterals;

namespace TotpInput {

QString email(JsonBody &body)
{
    const QString text = body.requiredString(u"email"_s, 254);
    if (body.failed())
        return {};
    auto normalised = EmailAddress::normalise(text);
    if (!normalised) {
        body.fail(u"email"_s, u"INVALID_FIELD"_s, u"email is not valid: "_s + normalised.error().message);
        return {};
    }
    return *normalised;
}

QString code(JsonBody &body)
{
    const QString code = body.requiredString(u"code"_s, Totp::kDigits);
    if (!body.failed() && !Totp::isWellFormedCode(code))
        body.fail(u"code"_s, u"INVALID_FIELD"_s, u"code must be 6 digits"_s);
    return code;
}

} // namespace TotpInput
