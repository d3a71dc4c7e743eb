// POST /api/v1/auth/register/passkey/options and /verify: a new account whose first way in is a
// passkey. Nothing is written to PostgreSQL until the browser's response verified: the pending
// registration lives in Redis (passkey_registration:{userId}) for five minutes.
#include "PasskeyChallenges.h"
#include "PasskeyResponses.h"
#include "PasskeyRoutes.h"
#include "models/passkeys/PasskeyRepository.h"
#include "models/users/UserRepository.h"
#include "server/auth/EmailAddress.h"
#include "server/auth/SignIn.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"

using namespace Qt::StringLiterals;

namespace PasskeySignUpRoutes {

namespace {
void options(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString rawEmail = body.requiredString(u"email"_s, 254);
    const QString firstName = body.requiredString(u"firstName"_s, 50);
    const QString lastName = body.requiredString(u"lastName"_s, 50);
    QString email;
    if (!body.failed()) {
        auto normalised = EmailAddress::normalise(rawEmail);
        if (normalised)
            email = *normalised;
        else
            body.fail(u"email"_s, normalised.error().code, normalised.error().message);
    }
    if (body.failed())
        return body.respondError();

    PreparedStatements *statements = flow->statementsOr503(exchange);
    if (!statements)
        return;
    auto existing = UserRepository(*statements).findByEmail(email);
    if (!existing)
        return flow->serviceError(exchange, existing.error());
    if (existing->has_value()) {
        exchange->respondError(409, u"EMAIL_TAKEN"_s, u"an account with this email already exists"_s);
        return;
    }

    const QString userId = UserRepository::newId();
    const QByteArray challenge = PasskeyOptions::newChallenge();
    PasskeyOptions::NewCredentialFor user;
    user.userHandle = PasskeyOptions::userHandleFor(userId);
    user.name = email;
    user.displayName = (firstName + u' ' + lastName).trimmed();
    const QJsonObject answer{{u"userId"_s, userId},
                             {u"options"_s, PasskeyOptions::creation(flow->settings(), challenge, user)}};
    PasskeyChallenges::put(flow->context().redis(), PasskeyChallenges::registrationKey(userId),
                           flow->registrationFlow(userId, email, firstName, lastName, challenge),
                           flow->settings().challengeTtlSeconds, [flow, exchange, answer](Status stored) {
                               if (!stored)
                                   return flow->serviceError(exchange, stored.error());
                               exchange->respondJson(200, answer);
                           });
}

void finish(const PasskeyFlowPtr &flow, const ExchangePtr &exchange, const QJsonObject &pending,
            const PasskeyResponses::Registration &response)
{
    const auto verified = flow->verifyRegistration(exchange, pending, response);
    if (!verified)
        return;
    PreparedStatements *statements = flow->statementsOr503(exchange);
    if (!statements)
        return;
    NewUser user;
    user.id = pending.value(u"userId"_s).toString();
    user.email = pending.value(u"email"_s).toString();
    user.firstName = pending.value(u"firstName"_s).toString();
    user.lastName = pending.value(u"lastName"_s).toString();
    UserRepository users(*statements);
    auto created = PasskeyRepository(*statements)
                       .createUserWithPasskey(users, user, PasskeyFlow::credentialFrom(*verified, response, user.id, {}));
    if (!created) {
        const Error &error = created.error();
        if (error.code == u"EMAIL_TAKEN" || error.code == u"PASSKEY_TAKEN")
            return exchange->respondError(409, error.code, error.message);
        return flow->serviceError(exchange, error);
    }
    flow->context().events().publish({u"user:created"_s, created->id, {}, created->id, u"passkey_registration"_s});
    SignIn::respond(flow->context(), exchange, *created);
}

void verify(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString userId = body.requiredString(u"userId"_s, 36);
    const PasskeyResponses::Registration response = PasskeyResponses::readRegistration(body);
    if (!body.failed() && !UserRepository::isUuid(userId))
        body.fail(u"userId"_s, u"INVALID_FIELD"_s, u"userId must be the id options answered"_s);
    if (body.failed())
        return body.respondError();

    PasskeyChallenges::takeRegistration(
        flow->context().redis(), userId, PasskeyChallenges::RegistrationKind::SignUp,
        [flow, exchange, response](Result<std::optional<QJsonObject>> pending) {
            if (!pending)
                return flow->serviceError(exchange, pending.error());
            if (!pending->has_value())
                return flow->refuse(exchange,
                                    makeError(u"CHALLENGE_NOT_FOUND"_s,
                                              u"no pending passkey registration for this userId: it expired, "
                                              u"was used already or never existed; start again"_s),
                                    false);
            finish(flow, exchange, **pending, response);
        });
}
} // namespace

void install(Router &router, const PasskeyFlowPtr &flow)
{
    router.post(u"/api/v1/auth/register/passkey/options"_s,
                [flow](const ExchangePtr &exchange) { options(flow, exchange); }, RouteClass::Auth);
    router.post(u"/api/v1/auth/register/passkey/verify"_s,
                [flow](const ExchangePtr &exchange) { verify(flow, exchange); }, RouteClass::Auth);
}

} // namespace PasskeySignUpRoutes
