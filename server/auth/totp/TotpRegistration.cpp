#include "TotpRegistration.h"

#include "TotpFlowStore.h"
#include "TotpInput.h"
#include "models/common/Log.h"
#include "models/users/TotpRepository.h"
#include "models/users/UserRepository.h"
#include "server/crypto/Crypto.h"
#include "server/delivery/Mailer.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/redis/RedisClient.h"
#include "server/runtime/AppServices.h"
#include "server/totp/Base32.h"
#include "server/totp/Totp.h"
#include "server/totp/TotpProvisioning.h"
#include "server/totp/TotpSecrets.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace TotpRegistration {

namespace {

// users.first_name / last_name are VARCHAR(50); blank names are refused too.
QString readName(JsonBody &body, const QString &field)
{
    const QString name = body.requiredString(field, 50).trimmed();
    if (!body.failed() && name.isEmpty())
        body.fail(field, u"INVALID_FIELD"_s, field + u" must not be blank"_s);
    return name;
}

void dropPending(RedisClient *redis, const QString &userId)
{
    redis->command({"DEL"_ba, TotpFlowStore::pendingKey(userId), TotpFlowStore::pendingAttemptsKey(userId)},
                   [](const RedisReply &) {});
}

void sendWelcome(const AppServices &services, const User &user)
{
    if (!services.mailer)
        return; // email is not configured
    Mailer::Message message;
    message.to = user.email;
    message.templateName = u"welcome"_s;
    message.values = {{u"firstName"_s, user.firstName},
                      {u"lastName"_s, user.lastName},
                      {u"email"_s, user.email},
                      {u"signInUrl"_s, services.config.effectivePublicUrl() + u"/ui/index.html"_s}};
    services.mailer->enqueue(std::move(message));
}

void finish(WorkerContext *ctx, const ExchangePtr &exchange, const QJsonObject &pending,
            const QString &userId, qint64 step)
{
    auto statements = ctx->statements();
    if (!statements) {
        ServiceErrors::respond(exchange, statements.error());
        return;
    }
    auto sealed = Crypto::base64UrlDecode(QStringView(pending.value(u"totpSecretEnc"_s).toString()));
    if (!sealed) {
        ServiceErrors::respond(exchange, sealed.error());
        return;
    }
    NewUser newUser;
    newUser.id = userId;
    newUser.email = pending.value(u"email"_s).toString();
    newUser.firstName = pending.value(u"firstName"_s).toString();
    newUser.lastName = pending.value(u"lastName"_s).toString();
    newUser.emailVerified = false;
    newUser.totpSecretEncrypted = *sealed; // bound to this user id: it is the same user
    ProviderLink link{u"email"_s, newUser.email, newUser.email, {}};
    UserRepository users(**statements);
    auto created = users.createWithProvider(newUser, link);
    if (!created) {
        if (created.error().code == u"EMAIL_TAKEN"_s) {
            // Someone completed a sign-up for this address meanwhile: this one can never finish.
            dropPending(ctx->redis(), userId);
            exchange->respondError(409, created.error().code, created.error().message);
        } else {
            ServiceErrors::respond(exchange, created.error());
        }
        return;
    }
    // The confirming step counts as used, like any accepted code. The user exists already, so
    // a failure here is logged rather than turned into an error the client cannot act on.
    TotpRepository totp(**statements);
    if (auto used = totp.useStep(userId, step); !used)
        Log::warning(u"totp.replay_guard_failed"_s, {{u"userId"_s, userId}, {u"code"_s, used.error().code}});
    dropPending(ctx->redis(), userId);
    ctx->events().publish({u"user:created"_s, userId, {}, userId, u"totp_registration"_s});
    sendWelcome(ctx->services(), *created);
    Log::info(u"totp.registered"_s, {{u"userId"_s, userId}});
    exchange->respondJson(201, {{u"user"_s, created->toJson()}});
}

} // namespace

void start(WorkerContext &context, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString email = TotpInput::email(body);
    const QString firstName = readName(body, u"firstName"_s);
    const QString lastName = readName(body, u"lastName"_s);
    if (body.failed()) {
        body.respondError();
        return;
    }

    auto statements = context.statements();
    if (!statements) {
        ServiceErrors::respond(exchange, statements.error());
        return;
    }
    auto existing = UserRepository(**statements).findByEmail(email);
    if (!existing) {
        ServiceErrors::respond(exchange, existing.error());
        return;
    }
    if (existing->has_value()) {
        exchange->respondError(409, u"EMAIL_TAKEN"_s, u"an account with this email already exists"_s);
        return;
    }

    const AppServices &services = context.services();
    const QString userId = UserRepository::newId();
    const QByteArray secret = Totp::newSecret();
    auto sealed = TotpSecrets::seal(services.dataEncryptionKey, secret, userId);
    if (!sealed) {
        ServiceErrors::respond(exchange, sealed.error());
        return;
    }
    const QString uri = TotpProvisioning::otpauthUri(services.config.totpIssuer, email, secret);
    auto svg = TotpProvisioning::qrSvg(uri);
    if (!svg) {
        ServiceErrors::respond(exchange, svg.error());
        return;
    }
    const QJsonObject pending{{u"userId"_s, userId},
                              {u"email"_s, email},
                              {u"firstName"_s, firstName},
                              {u"lastName"_s, lastName},
                              {u"totpSecretEnc"_s, *sealed},
                              {u"createdAt"_s, services.clock().toUTC().toString(Qt::ISODateWithMs)}};
    const QJsonObject answer{{u"userId"_s, userId},
                             {u"totpSecret"_s, QString::fromLatin1(Base32::encode(secret, Base32::Padding::Without))},
                             {u"otpauthUri"_s, uri},
                             {u"qrSvg"_s, *svg}};
    context.redis()->command(
        {"SET"_ba, TotpFlowStore::pendingKey(userId), QJsonDocument(pending).toJson(QJsonDocument::Compact),
         "EX"_ba, QByteArray::number(kPendingSeconds), "NX"_ba},
        [exchange, answer](const RedisReply &reply) {
            if (reply.isError() || reply.isNil()) {
                ServiceErrors::respond(exchange, TotpFlowStore::redisError("pending registration", reply.string,
                                                                           reply.transportError));
                return;
            }
            exchange->respondJson(201, answer);
        });
}

void verify(WorkerContext &context, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString userId = body.requiredString(u"userId"_s, 36);
    if (!body.failed() && !UserRepository::isUuid(userId))
        body.fail(u"userId"_s, u"INVALID_FIELD"_s, u"userId must be the id register/totp answered"_s);
    const QString code = TotpInput::code(body);
    if (body.failed()) {
        body.respondError();
        return;
    }

    WorkerContext *ctx = &context;
    TotpFlowStore::reservePendingAttempt(*context.redis(), userId,
        [ctx, exchange, userId, code](Result<std::optional<TotpFlowStore::PendingAttempt>> reserved) {
            if (!reserved) {
                ServiceErrors::respond(exchange, reserved.error());
                return;
            }
            if (!reserved->has_value()) {
                exchange->respondError(404, u"REGISTRATION_NOT_FOUND"_s,
                                       u"no pending registration with this userId: it expired, was completed "
                                       "or was dropped after too many wrong codes; register again"_s);
                return;
            }
            const AppServices &services = ctx->services();
            const QJsonObject pending = QJsonDocument::fromJson((*reserved)->json).object();
            auto secret = TotpSecrets::open(services.dataEncryptionKey,
                                            pending.value(u"totpSecretEnc"_s).toString(), userId);
            if (!secret || pending.value(u"userId"_s).toString() != userId) {
                // Another data-encryption key (instances not sharing it) or a damaged entry.
                dropPending(ctx->redis(), userId);
                ServiceErrors::respond(exchange, makeError(u"PENDING_REGISTRATION_UNREADABLE"_s,
                                                           u"the pending registration cannot be decrypted"_s));
                return;
            }
            const auto step = Totp::verify(*secret, code.toLatin1(), services.clock);
            if (!step) {
                const int left = TotpFlowStore::kMaxAttempts - (*reserved)->attempt;
                if (left <= 0)
                    dropPending(ctx->redis(), userId);
                exchange->respondError(400, u"TOTP_INVALID"_s,
                                       left > 0 ? u"the code is not valid; %1 attempt(s) left"_s.arg(left)
                                                : u"the code is not valid; the registration was dropped after "
                                                  "too many wrong codes: register again"_s);
                return;
            }
            finish(ctx, exchange, pending, userId, *step);
        });
}

} // namespace TotpRegistration
