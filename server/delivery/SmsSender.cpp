#include "SmsSender.h"

#include "CurlCall.h"
#include "models/common/Log.h"
#include "server/config/Config.h"

#include <QUrl>

Result<std::shared_ptr<SmsSender>> SmsSender::create(const Config &config, QByteArray authToken)
{
    if (config.smsDriver == QLatin1String("log"))
        return std::shared_ptr<SmsSender>(std::make_shared<LogSmsSender>());
    if (config.smsDriver != QLatin1String("http"))
        return std::shared_ptr<SmsSender>();
    QStringList missing;
    if (config.smsUrl.isEmpty())
        missing.append(QStringLiteral("sms-url"));
    if (config.smsFrom.isEmpty())
        missing.append(QStringLiteral("sms-from"));
    if (config.smsAccountSid.isEmpty())
        missing.append(QStringLiteral("sms-account-sid"));
    if (authToken.isEmpty())
        missing.append(QStringLiteral("the secret sms-auth-token (gatehoused --store-secret sms-auth-token)"));
    if (!missing.isEmpty())
        return makeError(QStringLiteral("SMS_CONFIG_INVALID"),
                         QStringLiteral("sms-driver http needs ") + missing.join(QStringLiteral(", ")));
    HttpSmsSender::Settings settings;
    settings.url = config.smsUrl;
    settings.accountSid = config.smsAccountSid;
    settings.authToken = std::move(authToken);
    settings.from = config.smsFrom;
    settings.timeoutMs = config.smsTimeoutSeconds * 1000;
    return std::shared_ptr<SmsSender>(std::make_shared<HttpSmsSender>(std::move(settings)));
}

LogSmsSender::LogSmsSender()
{
    Log::warning(QStringLiteral("sms.log_driver"),
                 {{QStringLiteral("message"),
                   QStringLiteral("sms-driver is log: SMS messages, verification codes included, are "
                                  "written to the log. For development only; never in production.")}});
}

void LogSmsSender::send(const QString &toE164, const QString &text, QObject *context,
                        std::function<void(Status)> done)
{
    // By design (development driver, see the header): the message, code included, is logged.
    Log::warning(QStringLiteral("sms.development"),
                 {{QStringLiteral("sms"), QStringLiteral("SMS to %1: %2").arg(toE164, text)}});
    DeliveryCallback::onThreadOf(context, std::move(done))(Status{});
}

HttpSmsSender::HttpSmsSender(Settings settings) : m_settings(std::move(settings))
{
    CurlCall::globalInit();
    m_queue = std::make_unique<DeliveryQueue>(QStringLiteral("sms"));
}

HttpSmsSender::~HttpSmsSender()
{
    m_queue->stop();
    m_settings.authToken.fill('\0');
}

QString HttpSmsSender::describe() const
{
    const QUrl url(m_settings.url);
    return QStringLiteral("http %1://%2%3").arg(url.scheme(), url.authority(), url.path());
}

void HttpSmsSender::send(const QString &toE164, const QString &text, QObject *context,
                         std::function<void(Status)> done)
{
    auto reply = DeliveryCallback::onThreadOf(context, std::move(done));
    m_queue->postUrgent([this, toE164, text, reply] {
        CurlCall::FormPost post;
        post.url = m_settings.url;
        post.fields = {{QStringLiteral("To"), toE164},
                       {QStringLiteral("From"), m_settings.from},
                       {QStringLiteral("Body"), text}};
        post.user = m_settings.accountSid;
        post.password = m_settings.authToken;
        post.timeoutMs = m_settings.timeoutMs;
        const CurlCall::Outcome outcome = CurlCall::postForm(post, m_queue->stopFlag());
        post.password.fill('\0');
        // Any 2xx is accepted (Twilio answers 201); a redirect is not followed and fails.
        if (outcome.ok && outcome.responseCode >= 200 && outcome.responseCode < 300) {
            Log::info(QStringLiteral("sms.sent"), {{QStringLiteral("status"), qint64(outcome.responseCode)}});
            reply(Status{});
            return;
        }
        Log::warning(QStringLiteral("sms.failed"), {{QStringLiteral("status"), qint64(outcome.responseCode)},
                                                    {QStringLiteral("error"), outcome.error}});
        reply(makeError(QStringLiteral("SMS_UNAVAILABLE"),
                        outcome.ok ? QStringLiteral("the gateway answered %1").arg(outcome.responseCode) : outcome.error));
    });
}
