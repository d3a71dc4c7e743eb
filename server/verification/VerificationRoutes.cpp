#include "VerificationRoutes.h"

#include "VerificationCodes.h"
#include "models/users/ContactRepository.h"
#include "server/auth/CurrentUser.h"
#include "server/delivery/Mailer.h"
#include "server/delivery/PhoneNumbers.h"
#include "server/delivery/SmsSender.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/redis/RedisClient.h"
#include "server/runtime/AppServices.h"

namespace {
using VerificationCodes::Channel;

const HeaderPairs kRetrySoon{{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("30")}};

QJsonObject userAnswer(const User &user)
{
    return {{QStringLiteral("user"), user.toJson()}};
}

// The address a channel verifies, as stored on the user.
QString targetOf(Channel channel, const User &user)
{
    return channel == Channel::Email ? user.email : user.phone;
}

bool verified(Channel channel, const User &user)
{
    return channel == Channel::Email ? user.emailVerified : user.phoneVerified;
}

// A body is optional for the "send me a code" calls, but one that is sent must be a JSON
// object like any other: false (and answered) when it is not.
bool acceptOptionalBody(const ExchangePtr &exchange)
{
    if (exchange->body().isEmpty())
        return true;
    JsonBody body(exchange);
    if (!body.failed())
        return true;
    body.respondError();
    return false;
}

void userChanged(WorkerContext &ctx, const User &user, const QString &reason)
{
    ctx.events().publish({QStringLiteral("user:updated"), user.id, QString(), user.id, reason});
}

void databaseFailed(WorkerContext &ctx, const ExchangePtr &exchange, const Error &error)
{
    if (error.code == QLatin1String("DATABASE_UNAVAILABLE"))
        ctx.resetDatabase();
    ServiceErrors::respond(exchange, error);
}

// Delivers `code` for `channel` to `target`; `done` runs on the worker thread.
void deliver(WorkerContext &ctx, Channel channel, const User &user, const QString &code,
             std::function<void(Status)> done)
{
    const AppServices &services = ctx.services();
    const QString minutes = QString::number(VerificationCodes::kTtlSeconds / 60);
    if (channel == Channel::Email) {
        Mailer::Message message;
        message.to = user.email;
        message.templateName = QStringLiteral("email-verification");
        message.values = {{QStringLiteral("code"), code},
                          {QStringLiteral("minutes"), minutes},
                          {QStringLiteral("firstName"), user.firstName}};
        services.mailer->send(std::move(message), ctx.redis(), std::move(done));
        return;
    }
    const QString product = services.config.smtpFromName.isEmpty() ? QStringLiteral("Gatehouse")
                                                                    : services.config.smtpFromName;
    services.sms->send(user.phone,
                       QStringLiteral("%1 is your %2 verification code. It expires in %3 minutes.")
                           .arg(code, product, minutes),
                       ctx.redis(), std::move(done));
}

void requestCode(WorkerContext &ctx, Channel channel, const ExchangePtr &exchange)
{
    WorkerContext *context = &ctx;
    CurrentUser::load(exchange, ctx, [context, channel, exchange](const Caller &, const User &user) {
        if (!acceptOptionalBody(exchange))
            return;
        const bool email = channel == Channel::Email;
        const AppServices &services = context->services();
        if (!email && user.phone.isEmpty()) {
            exchange->respondError(409, QStringLiteral("PHONE_MISSING"),
                                   QStringLiteral("set a phone number first (PUT /api/v1/me/phone)"));
            return;
        }
        if (verified(channel, user)) {
            exchange->respondError(409, email ? QStringLiteral("EMAIL_ALREADY_VERIFIED") : QStringLiteral("PHONE_ALREADY_VERIFIED"),
                                   email ? QStringLiteral("the email address is already verified")
                                         : QStringLiteral("the phone number is already verified"));
            return;
        }
        if (email ? !services.mailer : !services.sms) {
            exchange->respondError(503, email ? QStringLiteral("MAIL_UNAVAILABLE") : QStringLiteral("SMS_UNAVAILABLE"),
                                   email ? QStringLiteral("this server sends no email (smtp-host is not configured)")
                                         : QStringLiteral("this server sends no SMS (sms-driver is off)"));
            return;
        }
        const QString target = targetOf(channel, user);
        const QString code = VerificationCodes::newCode();
        const QByteArray hash =
            VerificationCodes::codeHash(services.dataEncryptionKey, channel, user.id, target, code);
        VerificationCodes::issue(
            *context->redis(), channel, user.id, target, hash, services.clock(),
            [context, channel, exchange, user, code, hash, email](Result<qint64> issued) {
                if (!issued) {
                    ServiceErrors::respond(exchange, issued.error());
                    return;
                }
                if (*issued > 0) {
                    exchange->respondError(429, QStringLiteral("RESEND_THROTTLED"),
                                           QStringLiteral("a code was sent less than a minute ago; wait before asking again"),
                                           {{QByteArrayLiteral("Retry-After"), QByteArray::number(*issued)}});
                    return;
                }
                deliver(*context, channel, user, code, [context, channel, exchange, user, hash, email](Status sent) {
                    if (sent) {
                        exchange->respondJson(202, {{QStringLiteral("expiresInSeconds"), VerificationCodes::kTtlSeconds}});
                        return;
                    }
                    // Not delivered: take the code and the throttle back, so the user's retry
                    // once the server is back is not refused, and nothing waits for a dead code.
                    VerificationCodes::withdraw(*context->redis(), channel, user.id, hash, [exchange, email] {
                        exchange->respondError(503, email ? QStringLiteral("MAIL_UNAVAILABLE") : QStringLiteral("SMS_UNAVAILABLE"),
                                               email ? QStringLiteral("the mail server could not be reached; retry later")
                                                     : QStringLiteral("the SMS gateway could not be reached; retry later"),
                                               kRetrySoon);
                    });
                });
            });
    });
}

void verifyCode(WorkerContext &ctx, Channel channel, const ExchangePtr &exchange)
{
    WorkerContext *context = &ctx;
    CurrentUser::load(exchange, ctx, [context, channel, exchange](const Caller &, const User &user) {
        JsonBody body(exchange);
        const QString code = body.requiredString(QStringLiteral("code"), VerificationCodes::kDigits);
        if (!body.failed() && !VerificationCodes::isWellFormed(code))
            body.fail(QStringLiteral("code"), QStringLiteral("INVALID_FIELD"),
                      QStringLiteral("code must be %1 digits").arg(VerificationCodes::kDigits));
        if (body.failed()) {
            body.respondError();
            return;
        }
        const bool email = channel == Channel::Email;
        if (verified(channel, user)) {
            exchange->respondError(409, email ? QStringLiteral("EMAIL_ALREADY_VERIFIED") : QStringLiteral("PHONE_ALREADY_VERIFIED"),
                                   QStringLiteral("already verified"));
            return;
        }
        const QString target = targetOf(channel, user);
        const QByteArray presented = VerificationCodes::codeHash(context->services().dataEncryptionKey,
                                                                 channel, user.id, target, code);
        VerificationCodes::check(
            *context->redis(), channel, user.id, target, presented,
            [context, channel, exchange, user, target, presented, email](Result<VerificationCodes::Check> checked) {
                using Outcome = VerificationCodes::Check::Outcome;
                if (!checked) {
                    ServiceErrors::respond(exchange, checked.error());
                    return;
                }
                if (checked->outcome == Outcome::NoCode) {
                    exchange->respondError(400, QStringLiteral("CODE_EXPIRED"),
                                           QStringLiteral("no code is pending: it expired, was used up or never sent; ask for a new one"));
                    return;
                }
                if (checked->outcome == Outcome::Wrong) {
                    exchange->respondError(400, QStringLiteral("CODE_INVALID"),
                                           checked->attemptsLeft > 0
                                               ? QStringLiteral("wrong code; %1 attempts left").arg(checked->attemptsLeft)
                                               : QStringLiteral("wrong code; no attempts left: ask for a new code"));
                    return;
                }
                auto statements = context->statements();
                if (!statements) {
                    ServiceErrors::respond(exchange, statements.error());
                    return;
                }
                ContactRepository contacts(**statements);
                auto updated = email ? contacts.markEmailVerified(user.id, target)
                                     : contacts.markPhoneVerified(user.id, target);
                if (!updated) {
                    databaseFailed(*context, exchange, updated.error());
                    return;
                }
                if (!updated->has_value()) { // the address changed while the code was checked
                    exchange->respondError(400, QStringLiteral("CODE_INVALID"),
                                           QStringLiteral("the code was sent to an address you no longer have"));
                    return;
                }
                const User saved = **updated;
                userChanged(*context, saved, email ? QStringLiteral("email_verified") : QStringLiteral("phone_verified"));
                VerificationCodes::consume(*context->redis(), channel, user.id, presented,
                                           [exchange, saved] { exchange->respondJson(200, userAnswer(saved)); });
            });
    });
}

void setPhone(WorkerContext &ctx, const ExchangePtr &exchange)
{
    WorkerContext *context = &ctx;
    CurrentUser::load(exchange, ctx, [context, exchange](const Caller &, const User &user) {
        JsonBody body(exchange);
        const QString input = body.requiredString(QStringLiteral("phone"), PhoneNumbers::kMaxInputLength);
        QString phone;
        if (!body.failed()) {
            auto normalised = PhoneNumbers::normalise(input, context->services().config.phoneDefaultRegion);
            if (normalised)
                phone = *normalised;
            else
                body.fail(QStringLiteral("phone"), normalised.error().code, normalised.error().message);
        }
        if (body.failed()) {
            body.respondError();
            return;
        }
        auto statements = context->statements();
        if (!statements) {
            ServiceErrors::respond(exchange, statements.error());
            return;
        }
        auto updated = ContactRepository(**statements).setPhone(user.id, phone);
        if (!updated) {
            databaseFailed(*context, exchange, updated.error());
            return;
        }
        if (!updated->has_value()) {
            exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"), QStringLiteral("the account no longer exists"));
            return;
        }
        if (user.phone != phone)
            userChanged(*context, **updated, QStringLiteral("phone_changed"));
        exchange->respondJson(200, userAnswer(**updated));
    });
}
} // namespace

namespace VerificationRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;
    router.post(QStringLiteral("/api/v1/me/email/verification"),
                [ctx](const ExchangePtr &exchange) { requestCode(*ctx, Channel::Email, exchange); },
                RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/me/email/verify"),
                [ctx](const ExchangePtr &exchange) { verifyCode(*ctx, Channel::Email, exchange); },
                RouteClass::Auth);
    router.put(QStringLiteral("/api/v1/me/phone"),
               [ctx](const ExchangePtr &exchange) { setPhone(*ctx, exchange); }, RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/me/phone/verification"),
                [ctx](const ExchangePtr &exchange) { requestCode(*ctx, Channel::Phone, exchange); },
                RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/me/phone/verify"),
                [ctx](const ExchangePtr &exchange) { verifyCode(*ctx, Channel::Phone, exchange); },
                RouteClass::Auth);
}

} // namespace VerificationRoutes
