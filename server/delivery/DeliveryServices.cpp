#include "DeliveryServices.h"

#include "SmsSender.h"
#include "SmtpMailer.h"
#include "models/common/Log.h"
#include "server/runtime/AppServices.h"
#include "server/secrets/SecretStore.h"

namespace {
Error invalid(const QString &message)
{
    return makeError(QStringLiteral("CONFIG_INVALID"), message);
}

// The secret, or an error telling the administrator how to store it.
Result<QByteArray> readSecret(SecretStore &secrets, const QString &name, const QString &needer)
{
    auto value = secrets.read(name);
    if (value)
        return value;
    if (value.error().code == SecretStore::kNotFound)
        return invalid(QStringLiteral("%1 is set, but the secret store (%2) holds no %3; store it "
                                      "with: gatehoused --store-secret %3 (the value on standard input)")
                           .arg(needer, secrets.describe(), name));
    return value.error();
}
} // namespace

namespace DeliveryServices {

Status build(const Config &config, SecretStore &secrets, AppServices &services)
{
    if (!config.smtpHost.isEmpty()) {
        if (config.smtpFrom.isEmpty())
            return invalid(QStringLiteral("smtp-host is set but smtp-from is not: give the sender address"));
        QByteArray password;
        if (!config.smtpUser.isEmpty()) {
            auto secret = readSecret(secrets, QString::fromLatin1(kSmtpPasswordSecret), QStringLiteral("smtp-user"));
            if (!secret)
                return secret.error();
            password = *secret;
        }
        auto mailer = std::make_shared<SmtpMailer>(SmtpMailer::settingsFrom(config, std::move(password)));
        Log::info(QStringLiteral("mail.configured"), {{QStringLiteral("smtp"), mailer->describe()}});
        services.mailer = mailer;
    } else {
        Log::info(QStringLiteral("mail.off"), {{QStringLiteral("reason"), QStringLiteral("smtp-host is empty")}});
    }

    QByteArray token;
    if (config.smsDriver == QLatin1String("http")) {
        auto secret = readSecret(secrets, QString::fromLatin1(kSmsTokenSecret), QStringLiteral("sms-driver http"));
        if (!secret)
            return secret.error();
        token = *secret;
    }
    auto sms = SmsSender::create(config, std::move(token));
    if (!sms)
        return invalid(sms.error().message);
    services.sms = *sms;
    if (services.sms)
        Log::info(QStringLiteral("sms.configured"), {{QStringLiteral("driver"), services.sms->describe()}});
    return {};
}

} // namespace DeliveryServices
