#include "EmailAddress.h"

#include <QRegularExpression>

namespace EmailAddress {

Result<QString> normalise(const QString &input)
{
    const QString email = input.trimmed().toLower();
    const auto invalid = [](const QString &why) { return makeError(QStringLiteral("EMAIL_INVALID"), why); };
    if (email.isEmpty())
        return invalid(QStringLiteral("email is empty"));
    if (email.size() > 254)
        return invalid(QStringLiteral("email is longer than 254 characters"));
    const qsizetype at = email.lastIndexOf(QLatin1Char('@'));
    if (at <= 0 || at == email.size() - 1)
        return invalid(QStringLiteral("email must look like name@example.org"));
    const QString local = email.left(at);
    const QString domain = email.mid(at + 1);
    static const QRegularExpression localPattern(
        QStringLiteral("^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$"));
    if (local.size() > 64 || !localPattern.match(local).hasMatch())
        return invalid(QStringLiteral("the part before @ is not a valid mailbox name"));
    static const QRegularExpression domainPattern(QStringLiteral(
        "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"));
    if (domain.size() > 253 || !domainPattern.match(domain).hasMatch())
        return invalid(QStringLiteral("the part after @ is not a valid domain name"));
    return email;
}

} // namespace EmailAddress
