#include "MailTemplate.h"

#include <QFile>
#include <QRegularExpression>

namespace {
Result<QString> readResource(const QString &name, const QString &suffix)
{
    static const QRegularExpression valid(QStringLiteral("^[a-z0-9-]{1,64}$"));
    const QString path = QStringLiteral(":/mail/") + name + suffix;
    QFile file(path);
    if (!valid.match(name).hasMatch() || !file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("MAIL_TEMPLATE_MISSING"), QStringLiteral("no mail template ") + path);
    return QString::fromUtf8(file.readAll());
}

// One header line: no CR, LF or other control character may reach the Subject header.
QString singleLine(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control)
            out += u' ';
        else
            out += c;
    }
    return out.simplified();
}
} // namespace

namespace MailTemplate {

QString fill(const QString &templateText, const QHash<QString, QString> &values, bool escapeHtml)
{
    static const QRegularExpression placeholder(QStringLiteral("\\{\\{\\s*([A-Za-z0-9_]+)\\s*\\}\\}"));
    QString out;
    out.reserve(templateText.size() + 64);
    qsizetype last = 0;
    // One pass over the template: a value that itself contains {{…}} is never expanded again.
    auto it = placeholder.globalMatch(templateText);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        out += QStringView(templateText).mid(last, match.capturedStart() - last);
        const QString value = values.value(match.captured(1));
        out += escapeHtml ? value.toHtmlEscaped().replace(u'\'', QStringLiteral("&#39;")) : value;
        last = match.capturedEnd();
    }
    out += QStringView(templateText).mid(last);
    return out;
}

Result<RenderedMail> render(const QString &name, const QHash<QString, QString> &values)
{
    auto subject = readResource(name, QStringLiteral(".subject"));
    if (!subject)
        return subject.error();
    auto text = readResource(name, QStringLiteral(".txt"));
    if (!text)
        return text.error();
    auto html = readResource(name, QStringLiteral(".html"));
    if (!html)
        return html.error();
    RenderedMail mail;
    mail.subject = singleLine(fill(*subject, values, false));
    mail.text = fill(*text, values, false);
    mail.html = fill(*html, values, true);
    return mail;
}

} // namespace MailTemplate
