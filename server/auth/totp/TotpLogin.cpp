#include "TotpLogin.h"

#include "TotpFlowStore.h"
#include "TotpInput.h"
#include "models/common/Log.h"
#include "models/users/TotpRepository.h"
#include "models/users/UserRepository.h"
#include "server/auth/SignIn.h"
#include "server/auth/SignInFailures.h"
#include "server/crypto/Crypto.h"
#include "server/http/JsonBody.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/redis/RedisClient.h"
#include "server/runtime/AppServices.h"
#include "server/totp/Totp.h"
#include "server/totp/TotpSecrets.h"

#include <QJsonDocument>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace TotpLogin {

namespace {

bool isLoginToken(const QString &token)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9_-]{43}$"_s);
    return pattern.match(token).hasMatch();
}

TotpFlowStore::LockoutPolicy lockoutPolicy(const AppServices &services)
{
    return {services.config.totpLockoutAttempts, services.config.totpLockoutWindowSeconds,
            services.config.totpLockoutDurationSeconds};
}

// The one answer for every wrong, replayed or refused code, whatever the reason.
void refuse(WorkerContext *ctx, const ExchangePtr &exchange)
{
    SignInFailures::record(ctx->redis(), ctx->services().clock());
    exchange->respondError(400, u"TOTP_INVALID"_s,
                           u"the code is not valid (wrong, already used, or TOTP sign-in of this account "
                           "is paused for a while after repeated wrong codes)"_s);
}

// Counts the failure against the token (burnt after its last try) and the account, then refuses.
// The answer waits for Redis so the next request, on any instance, sees the counts.
void fail(WorkerContext *ctx, const ExchangePtr &exchange, const QString &loginToken,
          const TotpFlowStore::LoginAttempt &attempt)
{
    if (attempt.attempt >= TotpFlowStore::kMaxAttempts)
        ctx->redis()->command({"DEL"_ba, TotpFlowStore::loginKey(loginToken)}, [](const RedisReply &) {});
    if (attempt.userId.isEmpty() || attempt.locked) {
        // Nothing to count (unknown email) or not counted (locked: a pause is never extended).
        // One round trip all the same, so these answers take as long as the others.
        ctx->redis()->command({"EXISTS"_ba, TotpFlowStore::lockoutKey(attempt.userId)},
                              [ctx, exchange](const RedisReply &) { refuse(ctx, exchange); });
        return;
    }
    const QString userId = attempt.userId;
    TotpFlowStore::recordAccountFailure(*ctx->redis(), userId, lockoutPolicy(ctx->services()),
                                        [ctx, exchange, userId](Result<bool> locked) {
        if (locked && *locked)
            Log::warning(u"totp.lockout"_s, {{u"userId"_s, userId},
                                             {u"seconds"_s, ctx->services().config.totpLockoutDurationSeconds}});
        refuse(ctx, exchange);
    });
}

} // namespace

void start(WorkerContext &context, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString email = TotpInput::email(body);
    if (body.failed()) {
        body.respondError();
        return;
    }
    auto statements = context.statements();
    if (!statements) {
        ServiceErrors::respond(exchange, statements.error());
        return;
    }
    auto user = UserRepository(**statements).findByEmail(email);
    if (!user) {
        ServiceErrors::respond(exchange, user.error());
        return;
    }
    // The user id is kept whatever the account's state (no TOTP, disabled): the second step
    // decides, after the code, so this step does the same work and answers the same for all.
    const QJsonValue userId = user->has_value() ? QJsonValue((*user)->id) : QJsonValue(QJsonValue::Null);
    const QString loginToken = QString::fromLatin1(Crypto::base64UrlEncode(Crypto::randomBytes(32)));
    const QJsonObject attempt{{u"userId"_s, userId},
                              {u"attempts"_s, 0},
                              {u"createdAt"_s, context.services().clock().toUTC().toString(Qt::ISODateWithMs)}};
    context.redis()->command(
        {"SET"_ba, TotpFlowStore::loginKey(loginToken), QJsonDocument(attempt).toJson(QJsonDocument::Compact),
         "EX"_ba, QByteArray::number(kLoginTokenSeconds), "NX"_ba},
        [exchange, loginToken](const RedisReply &reply) {
            if (reply.isError() || reply.isNil()) {
                ServiceErrors::respond(exchange, TotpFlowStore::redisError("login attempt", reply.string,
                                                                           reply.transportError));
                return;
            }
            exchange->respondJson(200, {{u"loginToken"_s, loginToken}, {u"totpRequired"_s, true}});
        });
}

void verify(WorkerContext &context, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString loginToken = body.requiredString(u"loginToken"_s, 64);
    if (!body.failed() && !isLoginToken(loginToken))
        body.fail(u"loginToken"_s, u"INVALID_FIELD"_s, u"loginToken must be the token login/totp answered"_s);
    const QString code = TotpInput::code(body);
    if (body.failed()) {
        body.respondError();
        return;
    }

    WorkerContext *ctx = &context;
    TotpFlowStore::reserveLoginAttempt(*context.redis(), loginToken,
        [ctx, exchange, loginToken, code](Result<std::optional<TotpFlowStore::LoginAttempt>> reserved) {
            if (!reserved) {
                ServiceErrors::respond(exchange, reserved.error());
                return;
            }
            if (!reserved->has_value()) {
                SignInFailures::record(ctx->redis(), ctx->services().clock());
                exchange->respondError(400, u"LOGIN_TOKEN_INVALID"_s,
                                       u"this sign-in attempt is unknown, expired, used or out of tries: "
                                       "start again with login/totp"_s);
                return;
            }
            const TotpFlowStore::LoginAttempt attempt = **reserved;
            auto statements = ctx->statements();
            if (!statements) {
                ServiceErrors::respond(exchange, statements.error());
                return;
            }
            TotpRepository repository(**statements);
            // Read for unknown emails too (an id nobody has), so both take one indexed read.
            auto account = repository.find(attempt.userId);
            if (!account) {
                ServiceErrors::respond(exchange, account.error());
                return;
            }
            const AppServices &services = ctx->services();
            bool hasSecret = false;
            QByteArray secret;
            if (account->has_value() && (*account)->user.totpEnabled && !(*account)->sealedSecret.isEmpty()) {
                auto opened = TotpSecrets::open(services.dataEncryptionKey, (*account)->sealedSecret, attempt.userId);
                if (opened) {
                    secret = *opened;
                    hasSecret = true;
                } else {
                    Log::error(u"totp.secret_unreadable"_s, {{u"userId"_s, attempt.userId}});
                }
            }
            if (!hasSecret)
                secret = Crypto::randomBytes(Totp::kSecretBytes); // the same HMAC work, never a match
            const auto step = Totp::verify(secret, code.toLatin1(), services.clock,
                                           account->has_value() ? (*account)->lastUsedStep : std::nullopt);
            if (!step || !hasSecret || attempt.locked) {
                fail(ctx, exchange, loginToken, attempt);
                return;
            }
            // Claim the step (replay guard across instances), then the token (single use).
            auto user = repository.useStep(attempt.userId, *step);
            if (!user) {
                ServiceErrors::respond(exchange, user.error());
                return;
            }
            if (!user->has_value()) {
                fail(ctx, exchange, loginToken, attempt); // replayed: another request took this step
                return;
            }
            const User signingIn = **user;
            const QString userId = attempt.userId;
            ctx->redis()->command({"DEL"_ba, TotpFlowStore::loginKey(loginToken)},
                                  [ctx, exchange, signingIn, userId](const RedisReply &reply) {
                if (reply.isError()) {
                    ServiceErrors::respond(exchange, TotpFlowStore::redisError("login attempt", reply.string,
                                                                               reply.transportError));
                    return;
                }
                if (reply.integer != 1) { // a concurrent request with another good code used it
                    exchange->respondError(400, u"LOGIN_TOKEN_INVALID"_s,
                                           u"this sign-in attempt was already used: start again with login/totp"_s);
                    return;
                }
                // A success starts the account's failure count afresh (a running pause stays).
                ctx->redis()->command({"DEL"_ba, TotpFlowStore::failuresKey(userId)}, [](const RedisReply &) {});
                SignIn::respond(*ctx, exchange, signingIn);
            });
        });
}

} // namespace TotpLogin
