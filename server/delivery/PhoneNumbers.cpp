#include "PhoneNumbers.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {
Error invalid(const QString &message)
{
    return makeError(QStringLiteral("PHONE_INVALID"), message);
}

// libphonenumber reads letters as keypad digits ("1-800-FLOWERS"); for an account's phone
// number that is far more likely a typo, so only digits, spaces and the usual punctuation pass.
bool plausibleCharacters(const QString &input)
{
    for (const QChar c : input) {
        if (!(c.isDigit() && c.unicode() < 128) && c != u' ' && c != u'+' && c != u'-' &&
            c != u'(' && c != u')' && c != u'.' && c != u'/')
            return false;
    }
    return true;
}
} // namespace

namespace PhoneNumbers {

Result<QString> normalise(const QString &input, const QString &defaultRegion)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return invalid(QStringLiteral("phone must not be empty"));
    if (text.size() > kMaxInputLength)
        return invalid(QStringLiteral("phone is too long"));
    if (!plausibleCharacters(text))
        return invalid(QStringLiteral("phone may hold only digits, spaces, + - ( ) . and /"));
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    // "ZZ" (unknown region) makes the library accept only numbers with a country code.
    const std::string region =
        defaultRegion.isEmpty() ? std::string("ZZ") : defaultRegion.toUpper().toStdString();
    PhoneNumber number;
    const auto parsed = util.Parse(text.toStdString(), region, &number);
    if (parsed == PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR) {
        return invalid(defaultRegion.isEmpty()
                           ? QStringLiteral("phone needs the country code in international format, "
                                            "like +49 30 1234567")
                           : QStringLiteral("phone has an unknown country code"));
    }
    if (parsed == PhoneNumberUtil::TOO_SHORT_NSN || parsed == PhoneNumberUtil::TOO_SHORT_AFTER_IDD)
        return invalid(QStringLiteral("phone is too short"));
    if (parsed == PhoneNumberUtil::TOO_LONG_NSN)
        return invalid(QStringLiteral("phone is too long"));
    if (parsed != PhoneNumberUtil::NO_PARSING_ERROR)
        return invalid(QStringLiteral("phone is not a phone number"));
    if (!util.IsValidNumber(number))
        return invalid(QStringLiteral("phone is not a valid number for its country"));
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    return QString::fromStdString(e164);
}

QString formatInternational(const QString &e164)
{
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util.Parse(e164.toStdString(), "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR)
        return e164;
    std::string text;
    util.Format(number, PhoneNumberUtil::INTERNATIONAL, &text);
    return QString::fromStdString(text);
}

} // namespace PhoneNumbers
