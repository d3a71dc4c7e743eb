#include "ReturnTo.h"

#include <QUrl>

namespace ReturnTo {

namespace {

Error refused(const QString &why)
{
    return makeError(QStringLiteral("RETURN_TO_NOT_ALLOWED"),
                     QStringLiteral("returnTo must be a path on this server or a URL on an allowed "
                                    "origin: %1").arg(why));
}

QString originOf(const QUrl &url)
{
    QString origin = url.scheme() + QStringLiteral("://") + url.host(QUrl::FullyEncoded);
    if (url.port() != -1)
        origin += QLatin1Char(':') + QString::number(url.port());
    return origin;
}

} // namespace

Result<QString> resolve(const QString &returnTo, const QString &publicUrl, const QStringList &origins)
{
    const QString base = publicUrl.endsWith(QLatin1Char('/')) ? publicUrl.chopped(1) : publicUrl;
    if (returnTo.isEmpty())
        return base + QStringLiteral("/ui/");
    if (returnTo.size() > kMaxLength)
        return refused(QStringLiteral("too long"));
    for (const QChar c : returnTo) {
        // Browsers drop tabs and newlines inside URLs and read '\' as '/': either can turn a
        // harmless-looking path into another host.
        if (c.unicode() < 0x21 || c.unicode() == 0x7f || c == QLatin1Char('\\'))
            return refused(QStringLiteral("spaces, control characters and backslashes are not allowed"));
    }
    if (returnTo.startsWith(QLatin1Char('/'))) {
        if (returnTo.startsWith(QStringLiteral("//")))
            return refused(QStringLiteral("\"//\" starts another host"));
        const QUrl path(returnTo, QUrl::StrictMode);
        if (!path.isValid() || !path.isRelative() || !path.host().isEmpty())
            return refused(QStringLiteral("not a valid path"));
        return base + returnTo;
    }
    const QUrl url(returnTo, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return refused(QStringLiteral("only http(s) URLs and paths"));
    // Userinfo ("https://good.example@evil.example") shows one host and goes to another.
    const qsizetype authorityStart = returnTo.indexOf(QStringLiteral("://")) + 3;
    qsizetype authorityEnd = authorityStart;
    while (authorityEnd < returnTo.size() && !QStringLiteral("/?#").contains(returnTo[authorityEnd]))
        ++authorityEnd;
    if (!url.userInfo().isEmpty() ||
        QStringView(returnTo).sliced(authorityStart, authorityEnd - authorityStart).contains(QLatin1Char('@')))
        return refused(QStringLiteral("user information in the URL"));
    if (url.host().isEmpty())
        return refused(QStringLiteral("no host"));
    const QString origin = originOf(url);
    QStringList allowed = origins;
    allowed.append(originOf(QUrl(base)));
    for (const QString &candidate : allowed) {
        if (QString::compare(candidate, origin, Qt::CaseInsensitive) == 0)
            return url.toString(QUrl::FullyEncoded);
    }
    return refused(QStringLiteral("origin %1 is not allowed").arg(origin.left(200)));
}

} // namespace ReturnTo
