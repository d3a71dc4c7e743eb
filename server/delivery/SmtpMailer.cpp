#include "SmtpMailer.h"

#include "CurlCall.h"
#include "MailTemplate.h"
#include "MimeMessage.h"
#include "models/common/Log.h"
#include "server/config/Config.h"

#include <QRegularExpression>
#include <QThread>

#include <algorithm>

namespace {
// The recipient's domain is enough to follow a delivery in the log; the address is personal.
QString domainOf(const QString &address)
{
    return address.mid(address.lastIndexOf(u'@') + 1);
}

Error unavailable(const QString &why)
{
    return makeError(QStringLiteral("MAIL_UNAVAILABLE"), why);
}
} // namespace

struct SmtpMailer::Attempt
{
    Message message;
    int number = 0;
};

SmtpMailer::Settings SmtpMailer::settingsFrom(const Config &config, QByteArray password)
{
    Settings settings;
    settings.host = config.smtpHost;
    settings.port = config.smtpPort;
    settings.security = config.smtpSecurity;
    settings.user = config.smtpUser;
    settings.password = std::move(password);
    settings.fromAddress = config.smtpFrom;
    settings.fromName = config.smtpFromName;
    settings.timeoutMs = config.smtpTimeoutSeconds * 1000;
    settings.publicUrl = config.effectivePublicUrl();
    return settings;
}

SmtpMailer::SmtpMailer(Settings settings) : m_settings(std::move(settings))
{
    CurlCall::globalInit();
    m_queue = std::make_unique<DeliveryQueue>(QStringLiteral("smtp"));
}

SmtpMailer::~SmtpMailer()
{
    m_queue->stop(); // joins the thread before the settings go
    m_settings.password.fill('\0');
}

QString SmtpMailer::describe() const
{
    return QStringLiteral("smtp://%1:%2 (%3%4)")
        .arg(m_settings.host)
        .arg(m_settings.port)
        .arg(m_settings.security,
             m_settings.user.isEmpty() ? QString() : QStringLiteral(", AUTH as ") + m_settings.user);
}

QHash<QString, QString> SmtpMailer::valuesFor(const Message &message) const
{
    QHash<QString, QString> values = message.values;
    values.insert(QStringLiteral("email"), message.to);
    if (!values.contains(QStringLiteral("publicUrl")))
        values.insert(QStringLiteral("publicUrl"), m_settings.publicUrl);
    if (!values.contains(QStringLiteral("signInUrl")))
        values.insert(QStringLiteral("signInUrl"), m_settings.publicUrl + QStringLiteral("/ui/"));
    if (!values.contains(QStringLiteral("productName")))
        values.insert(QStringLiteral("productName"),
                      m_settings.fromName.isEmpty() ? QStringLiteral("Gatehouse") : m_settings.fromName);
    return values;
}

Status SmtpMailer::deliver(const Message &message, int attempt, bool *transient)
{
    *transient = false;
    // The address goes into the To header and the SMTP envelope: nothing that could end either.
    static const QRegularExpression plainAddress(QStringLiteral("^[^\\s<>\"@\\x00-\\x1f\\x7f]{1,64}@[^\\s<>\"@\\x00-\\x1f\\x7f]{1,253}$"));
    if (!plainAddress.match(message.to).hasMatch()) {
        Log::error(QStringLiteral("mail.recipient_invalid"), {{QStringLiteral("template"), message.templateName}});
        return makeError(QStringLiteral("MAIL_RECIPIENT_INVALID"), QStringLiteral("not a plain email address"));
    }
    auto rendered = MailTemplate::render(message.templateName, valuesFor(message));
    if (!rendered) {
        Log::error(QStringLiteral("mail.template_failed"), {{QStringLiteral("template"), message.templateName},
                                                            {QStringLiteral("error"), rendered.error().message}});
        return unavailable(rendered.error().message);
    }
    MimeMessage mime;
    mime.fromAddress = m_settings.fromAddress;
    mime.fromName = m_settings.fromName;
    mime.to = message.to;
    mime.subject = rendered->subject;
    mime.text = rendered->text;
    mime.html = rendered->html;

    CurlCall::Smtp smtp;
    smtp.host = m_settings.host;
    smtp.port = m_settings.port;
    smtp.security = m_settings.security;
    smtp.user = m_settings.user;
    smtp.password = m_settings.password;
    smtp.from = m_settings.fromAddress;
    smtp.to = message.to;
    smtp.message = mime.build();
    smtp.timeoutMs = m_settings.timeoutMs;
    const CurlCall::Outcome outcome = CurlCall::sendMail(smtp, m_queue->stopFlag());
    smtp.password.fill('\0');
    const QJsonObject fields{{QStringLiteral("template"), message.templateName},
                             {QStringLiteral("domain"), domainOf(message.to)},
                             {QStringLiteral("attempt"), attempt}};
    if (outcome.ok) {
        Log::info(QStringLiteral("mail.sent"), fields);
        return {};
    }
    *transient = outcome.transient();
    QJsonObject failed = fields;
    failed.insert(QStringLiteral("error"), outcome.error);
    failed.insert(QStringLiteral("smtpCode"), qint64(outcome.responseCode));
    failed.insert(QStringLiteral("transient"), *transient);
    Log::warning(QStringLiteral("mail.failed"), failed);
    return unavailable(outcome.error);
}

void SmtpMailer::enqueue(Message message)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->message = std::move(message);
    m_queue->postAt(DeliveryQueue::Clock::now(), [this, attempt] { runQueued(attempt); });
}

void SmtpMailer::runQueued(std::shared_ptr<Attempt> attempt)
{
    ++attempt->number;
    bool transient = false;
    if (deliver(attempt->message, attempt->number, &transient))
        return;
    if (!transient || attempt->number >= m_settings.maxAttempts) {
        Log::error(QStringLiteral("mail.given_up"), {{QStringLiteral("template"), attempt->message.templateName},
                                                     {QStringLiteral("domain"), domainOf(attempt->message.to)},
                                                     {QStringLiteral("attempts"), attempt->number}});
        return;
    }
    // 2 s, 4 s, 8 s … capped: a short outage costs seconds, a long one no busy loop.
    const qint64 delay = std::min<qint64>(qint64(m_settings.initialBackoffMs) << std::min(attempt->number - 1, 20),
                                          m_settings.maxBackoffMs);
    m_queue->postAt(DeliveryQueue::Clock::now() + std::chrono::milliseconds(delay),
                    [this, attempt] { runQueued(attempt); });
}

void SmtpMailer::send(Message message, QObject *context, std::function<void(Status)> done)
{
    auto reply = DeliveryCallback::onThreadOf(context, std::move(done));
    m_queue->postUrgent([this, message = std::move(message), reply] {
        bool transient = false;
        Status outcome = deliver(message, 1, &transient);
        if (!outcome && transient && !m_queue->stopping()) {
            QThread::msleep(ulong(m_settings.promptRetryDelayMs));
            outcome = deliver(message, 2, &transient);
        }
        reply(outcome);
    });
}
