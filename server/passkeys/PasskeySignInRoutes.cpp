// POST /api/v1/auth/login/passkey/options and /verify: sign-in with a passkey, either for a
// given email (allowCredentials) or usernameless (discoverable credentials, conditional UI).
//
// Unknown addresses: options answers exactly as for a known one, with one or two decoy
// credential ids derived from the address and a server secret (stable per address, WebAuthn L3
// §14.6.2). An empty allowCredentials would tell "no such account" apart, and fresh random ids
// on every call would too (a real account's ids do not change between calls). The lookup is
// one statement either way.
#include "PasskeyChallenges.h"
#include "PasskeyResponses.h"
#include "PasskeyRoutes.h"
#include "models/common/Log.h"
#include "models/passkeys/PasskeyRepository.h"
#include "server/auth/EmailAddress.h"
#include "server/auth/SignIn.h"
#include "server/crypto/Crypto.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"

using namespace Qt::StringLiterals;

namespace PasskeySignInRoutes {

namespace {
void options(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const std::optional<QString> rawEmail = body.optionalString(u"email"_s, 254);
    QString email;
    if (!body.failed() && rawEmail && !rawEmail->isEmpty()) {
        auto normalised = EmailAddress::normalise(*rawEmail);
        if (normalised)
            email = *normalised;
        else
            body.fail(u"email"_s, normalised.error().code, normalised.error().message);
    }
    if (body.failed())
        return body.respondError();

    QString userId;
    QList<PasskeyOptions::CredentialRef> allow;
    if (!email.isEmpty()) {
        PreparedStatements *statements = flow->statementsOr503(exchange);
        if (!statements)
            return;
        auto account = PasskeyRepository(*statements).accountForEmail(email);
        if (!account)
            return flow->serviceError(exchange, account.error());
        if (account->has_value()) {
            userId = (*account)->userId;
            for (const PasskeyRepository::Descriptor &credential : (*account)->credentials)
                allow.append({credential.id, credential.transports});
        }
        if (allow.isEmpty())
            allow = flow->decoysFor(email);
    }

    const QByteArray challenge = PasskeyOptions::newChallenge();
    const QString loginToken = QString::fromLatin1(Crypto::base64UrlEncode(Crypto::randomBytes(32)));
    const QJsonObject answer{{u"loginToken"_s, loginToken},
                             {u"options"_s, PasskeyOptions::request(flow->settings(), challenge, allow)}};
    PasskeyChallenges::put(flow->context().redis(), PasskeyChallenges::authKey(loginToken),
                           flow->authFlow(challenge, userId), flow->settings().challengeTtlSeconds,
                           [flow, exchange, answer](Status stored) {
                               if (!stored)
                                   return flow->serviceError(exchange, stored.error());
                               exchange->respondJson(200, answer);
                           });
}

Error notFound()
{
    return makeError(u"PASSKEY_NOT_FOUND"_s, u"this passkey is not registered for this account"_s);
}

Error cloneSuspected()
{
    return makeError(u"PASSKEY_CLONE_SUSPECTED"_s,
                     u"this passkey's signature counter went backwards, so it may have been copied; "
                     u"it is blocked: sign in another way and remove it"_s);
}

void finish(const PasskeyFlowPtr &flow, const ExchangePtr &exchange, const QJsonObject &pending,
            const PasskeyResponses::Assertion &response)
{
    const QByteArray challenge =
        PasskeyChallenges::challengeOf(pending, flow->now(), flow->settings().challengeTtlSeconds);
    if (challenge.isEmpty())
        return flow->refuse(exchange, makeError(u"CHALLENGE_EXPIRED"_s, u"the sign-in expired; start again"_s), true);

    PreparedStatements *statements = flow->statementsOr503(exchange);
    if (!statements)
        return;
    PasskeyRepository passkeys(*statements);
    auto found = passkeys.findById(response.id);
    if (!found)
        return flow->serviceError(exchange, found.error());
    if (!found->has_value())
        return flow->refuse(exchange, notFound(), true);
    const PasskeyCredential credential = **found;

    // With an email the ceremony was for one account; usernameless it names itself by the user
    // handle, which must then be there and match (WebAuthn L3 §7.2 step 6).
    const QString expectedUser = pending.value(u"userId"_s).toString();
    if (!expectedUser.isEmpty() && expectedUser != credential.userId)
        return flow->refuse(exchange, notFound(), true);
    if (expectedUser.isEmpty() && response.userHandle.isEmpty())
        return flow->refuse(exchange, makeError(u"WEBAUTHN_USER_HANDLE_MISSING"_s,
                                                u"a usernameless sign-in needs the passkey's user handle"_s),
                            true);
    if (!response.userHandle.isEmpty() &&
        !Crypto::equalConstantTime(PasskeyOptions::userHandleFor(credential.userId), response.userHandle))
        return flow->refuse(exchange, makeError(u"WEBAUTHN_USER_HANDLE_MISMATCH"_s,
                                                u"userHandle does not belong to this passkey"_s),
                            true);
    if (credential.cloneSuspectedAt.isValid() && flow->settings().refuseCounterRegression)
        return flow->refuse(exchange, cloneSuspected(), true, 403);

    WebAuthn::StoredCredential stored{credential.publicKey, credential.counter, credential.backupEligible()};
    auto verified = WebAuthn::verifyAssertion(
        flow->settings().rp, {response.clientDataJson, response.authenticatorData, response.signature, challenge},
        stored);
    if (!verified)
        return flow->refuse(exchange, verified.error(), true);

    const QDateTime now = flow->now();
    quint32 counter = verified->signCount;
    if (verified->counterRegressed) {
        counter = qMax(counter, credential.counter);
        Log::warning(u"passkeys.clone_suspected"_s,
                     {{u"userId"_s, credential.userId},
                      {u"credential"_s, credential.id.left(16)},
                      {u"storedCounter"_s, qint64(credential.counter)},
                      {u"presentedCounter"_s, qint64(verified->signCount)},
                      {u"policy"_s, flow->settings().refuseCounterRegression ? u"refuse"_s : u"allow"_s}});
        if (Status flagged = passkeys.flagCloneSuspected(credential.id, now); !flagged)
            return flow->serviceError(exchange, flagged.error());
        flow->context().events().publish(
            {u"user:updated"_s, credential.userId, {}, u"system"_s, u"passkey_clone_suspected"_s});
        if (flow->settings().refuseCounterRegression)
            return flow->refuse(exchange, cloneSuspected(), true, 403);
    }
    auto user = passkeys.recordUse(credential.id, counter, verified->backedUp, now);
    if (!user)
        return flow->serviceError(exchange, user.error());
    if (!user->has_value())
        return flow->refuse(exchange, notFound(), true);
    SignIn::respond(flow->context(), exchange, **user);
}

void verify(const PasskeyFlowPtr &flow, const ExchangePtr &exchange)
{
    JsonBody body(exchange);
    const QString loginToken = body.requiredString(u"loginToken"_s, 64);
    const PasskeyResponses::Assertion response = PasskeyResponses::readAssertion(body);
    if (body.failed())
        return body.respondError();

    PasskeyChallenges::take(flow->context().redis(), PasskeyChallenges::authKey(loginToken),
                            [flow, exchange, response](Result<std::optional<QJsonObject>> pending) {
                                if (!pending)
                                    return flow->serviceError(exchange, pending.error());
                                if (!pending->has_value())
                                    return flow->refuse(exchange,
                                                        makeError(u"CHALLENGE_NOT_FOUND"_s,
                                                                  u"unknown loginToken: it expired, was used "
                                                                  u"already or never existed; start again"_s),
                                                        true);
                                finish(flow, exchange, **pending, response);
                            });
}
} // namespace

void install(Router &router, const PasskeyFlowPtr &flow)
{
    router.post(u"/api/v1/auth/login/passkey/options"_s,
                [flow](const ExchangePtr &exchange) { options(flow, exchange); }, RouteClass::Auth);
    router.post(u"/api/v1/auth/login/passkey/verify"_s,
                [flow](const ExchangePtr &exchange) { verify(flow, exchange); }, RouteClass::Auth);
}

} // namespace PasskeySignInRoutes
