#pragma once

#include "models/common/Result.h"

#include <QHash>
#include <QString>

// A mail rendered from the templates in resources/mail (compiled in as :/mail/<name>.subject,
// .txt, .html). {{name}} placeholders are replaced by `values`: verbatim in the subject (one
// line, control characters dropped) and the text part, HTML-escaped in the HTML part. A
// placeholder without a value becomes empty, so a template never shows its own syntax.
struct RenderedMail
{
    QString subject;
    QString text;
    QString html;
};

namespace MailTemplate {
// Template names are [a-z0-9-]; errors: MAIL_TEMPLATE_MISSING naming the file.
Result<RenderedMail> render(const QString &name, const QHash<QString, QString> &values);
// The substitution alone, for tests and for templates held elsewhere.
QString fill(const QString &templateText, const QHash<QString, QString> &values, bool escapeHtml);
} // namespace MailTemplate
