// The signed-in user's passkeys: add one (options + verify, the same ceremony as sign-up with
// the user's existing passkeys excluded), list them, remove one unless it is the last way in.
#include "PasskeyChallenges.h"
#include "PasskeyResponses.h"
#include "PasskeyRoutes.h"
#include "models/passkeys/PasskeyRepository.h"
#include "models/users/UserRepository.h"
#include "server/auth/CurrentUser.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace PasskeyAccountRoutes {

namespace {
void options(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    CurrentUser::load(exchange, flow->context(), [flow, exchange](const Caller &, const User &user) {
        PreparedStatements *statements = flow->statementsOr503(exchange);
        if (!statements)
            return;
        auto existing = PasskeyRepository(*statements).listForUser(user.id);
        if (!existing)
            return flow->serviceError(exchange, existing.error());
        PasskeyOptions::NewCredentialFor target;
        target.userHandle = PasskeyOptions::userHandleFor(user.id);
        target.name = user.email;
        target.displayName = user.displayName.isEmpty() ? (user.firstName + u' ' + user.lastName).trimmed()
                                                        : user.displayName;
        for (const PasskeyCredential &credential : *existing)
            target.exclude.append({credential.id, credential.transports});
        const QByteArray challenge = PasskeyOptions::newChallenge();
        const QJsonObject answer{{u"options"_s, PasskeyOptions::creation(flow->settings(), challenge, target)}};
        PasskeyChallenges::put(flow->context().redis(), PasskeyChallenges::registrationKey(user.id),
                               flow->registrationFlow(user.id, {}, user.firstName, user.lastName, challenge),
                               flow->settings().challengeTtlSeconds, [flow, exchange, answer](Status stored) {
                                   if (!stored)
                                       return flow->serviceError(exchange, stored.error());
                                   exchange->respondJson(200, answer);
                               });
    });
}

void finish(const PasskeyFlowPtr &flow, const ExchangePtr &exchange, const QString &userId,
            const QJsonObject &pending, const PasskeyResponses::Registration &response, const QString &name)
{
    const auto verified = flow->verifyRegistration(exchange, pending, response);
    if (!verified)
        return;
    PreparedStatements *statements = flow->statementsOr503(exchange);
    if (!statements)
        return;
    PasskeyRepository passkeys(*statements);
    const PasskeyCredential credential = PasskeyFlow::credentialFrom(*verified, response, userId, name);
    if (Status inserted = passkeys.insert(credential); !inserted) {
        if (inserted.error().code == u"PASSKEY_TAKEN")
            return exchange->respondError(409, inserted.error().code, inserted.error().message);
        return flow->serviceError(exchange, inserted.error());
    }
    auto stored = passkeys.findById(credential.id);
    if (!stored || !stored->has_value())
        return flow->serviceError(exchange, stored ? makeError(u"DATABASE_ERROR"_s, u"the new passkey was not read back"_s)
                                                   : stored.error());
    flow->context().events().publish({u"user:updated"_s, userId, {}, userId, u"passkey_added"_s});
    exchange->respondJson(201, {{u"passkey"_s, (*stored)->toJson()}});
}

void verify(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    CurrentUser::load(exchange, flow->context(), [flow, exchange](const Caller &, const User &user) {
        JsonBody body(exchange);
        const PasskeyResponses::Registration response = PasskeyResponses::readRegistration(body);
        const QString name = body.optionalString(u"name"_s, 64).value_or(QString()).trimmed();
        if (body.failed())
            return body.respondError();
        const QString userId = user.id;
        PasskeyChallenges::takeRegistration(
            flow->context().redis(), userId, PasskeyChallenges::RegistrationKind::Addition,
            [flow, exchange, userId, response, name](Result<std::optional<QJsonObject>> pending) {
                if (!pending)
                    return flow->serviceError(exchange, pending.error());
                if (!pending->has_value())
                    return flow->refuse(exchange,
                                        makeError(u"CHALLENGE_NOT_FOUND"_s,
                                                  u"no pending passkey to add: it expired, was used already "
                                                  u"or was never asked for; start again"_s),
                                        false);
                finish(flow, exchange, userId, **pending, response, name);
            });
    });
}

void list(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    CurrentUser::load(exchange, flow->context(), [flow, exchange](const Caller &, const User &user) {
        PreparedStatements *statements = flow->statementsOr503(exchange);
        if (!statements)
            return;
        auto passkeys = PasskeyRepository(*statements).listForUser(user.id);
        if (!passkeys)
            return flow->serviceError(exchange, passkeys.error());
        QJsonArray items;
        for (const PasskeyCredential &credential : *passkeys)
            items.append(credential.toJson());
        exchange->respondJson(200, {{u"passkeys"_s, items}});
    });
}

void remove(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    CurrentUser::load(exchange, flow->context(), [flow, exchange](const Caller &, const User &user) {
        static const QRegularExpression base64Url(u"^[A-Za-z0-9_-]{1,255}$"_s);
        const QString id = exchange->pathParameter(u"id"_s);
        if (!base64Url.match(id).hasMatch())
            return exchange->respondError(404, u"PASSKEY_NOT_FOUND"_s, u"no such passkey of yours"_s);
        PreparedStatements *statements = flow->statementsOr503(exchange);
        if (!statements)
            return;
        UserRepository users(*statements);
        auto removed = PasskeyRepository(*statements).remove(users, user.id, id);
        if (!removed)
            return flow->serviceError(exchange, removed.error());
        switch (*removed) {
        case PasskeyRepository::Removal::NotFound:
            return exchange->respondError(404, u"PASSKEY_NOT_FOUND"_s, u"no such passkey of yours"_s);
        case PasskeyRepository::Removal::LastMethod:
            return exchange->respondError(409, u"LAST_SIGN_IN_METHOD"_s,
                                          u"this passkey is your last way to sign in: add another first"_s);
        case PasskeyRepository::Removal::Removed:
            flow->context().events().publish({u"user:updated"_s, user.id, {}, user.id, u"passkey_removed"_s});
            return exchange->respondEmpty(204);
        }
    });
}
} // namespace

void install(Router &router, const PasskeyFlowPtr &flow)
{
    router.post(u"/api/v1/me/passkeys/options"_s, [flow](const ExchangePtr &exchange) { options(flow, exchange); });
    router.post(u"/api/v1/me/passkeys/verify"_s, [flow](const ExchangePtr &exchange) { verify(flow, exchange); });
    router.get(u"/api/v1/me/passkeys"_s, [flow](const ExchangePtr &exchange) { list(flow, exchange); });
    router.del(u"/api/v1/me/passkeys/{id}"_s, [flow](const ExchangePtr &exchange) { remove(flow, exchange); });
}

} // namespace PasskeyAccountRoutes
