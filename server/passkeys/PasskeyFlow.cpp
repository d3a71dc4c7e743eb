#include "PasskeyFlow.h"

#include "PasskeyChallenges.h"

#include "models/common/Log.h"
#include "server/auth/SignInFailures.h"
#include "server/crypto/Crypto.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

#include <QUuid>

PasskeyFlow::PasskeyFlow(WorkerContext &context, PasskeySettings settings, QByteArray decoyKey)
    : m_context(context), m_settings(std::move(settings)), m_decoyKey(std::move(decoyKey))
{
}

QDateTime PasskeyFlow::now() const
{
    return m_context.services().clock();
}

PreparedStatements *PasskeyFlow::statementsOr503(const ExchangePtr &exchange) const
{
    auto statements = m_context.statements();
    if (!statements) {
        serviceError(exchange, statements.error());
        return nullptr;
    }
    return *statements;
}

void PasskeyFlow::serviceError(const ExchangePtr &exchange, const Error &error) const
{
    if (error.code == QLatin1String("DATABASE_UNAVAILABLE"))
        m_context.resetDatabase();
    ServiceErrors::respond(exchange, error);
}

void PasskeyFlow::refuse(const ExchangePtr &exchange, const Error &error, bool signIn, int status) const
{
    // The code and the check that failed, never the bytes: they are the client's secrets.
    Log::info(QStringLiteral("passkeys.refused"),
              {{QStringLiteral("route"), exchange->path()},
               {QStringLiteral("code"), error.code},
               {QStringLiteral("reason"), error.message},
               {QStringLiteral("requestId"), QString::fromLatin1(exchange->requestId())}});
    if (signIn)
        SignInFailures::record(m_context.redis(), now());
    exchange->respondError(status, error.code, error.message);
}

std::optional<WebAuthn::RegisteredCredential> PasskeyFlow::verifyRegistration(
    const ExchangePtr &exchange, const QJsonObject &pending, const PasskeyResponses::Registration &response) const
{
    const QByteArray challenge = PasskeyChallenges::challengeOf(pending, now(), m_settings.challengeTtlSeconds);
    if (challenge.isEmpty()) {
        refuse(exchange, makeError(QStringLiteral("CHALLENGE_EXPIRED"),
                                   QStringLiteral("the registration expired; start again")),
               false);
        return std::nullopt;
    }
    auto verified = WebAuthn::verifyRegistration(m_settings.rp,
                                                 {response.clientDataJson, response.attestationObject, challenge});
    if (!verified) {
        refuse(exchange, verified.error(), false);
        return std::nullopt;
    }
    if (verified->credentialId != response.rawId) {
        refuse(exchange, makeError(QStringLiteral("WEBAUTHN_CREDENTIAL_ID_MISMATCH"),
                                   QStringLiteral("rawId is not the credential id in the authenticator data")),
               false);
        return std::nullopt;
    }
    return *verified;
}

QJsonObject PasskeyFlow::registrationFlow(const QString &userId, const QString &email,
                                          const QString &firstName, const QString &lastName,
                                          const QByteArray &challenge) const
{
    const auto orNull = [](const QString &text) { return text.isEmpty() ? QJsonValue() : QJsonValue(text); };
    return {{QStringLiteral("userId"), userId},
            {QStringLiteral("email"), orNull(email)},
            {QStringLiteral("firstName"), orNull(firstName)},
            {QStringLiteral("lastName"), orNull(lastName)},
            {QStringLiteral("challenge"), QString::fromLatin1(Crypto::base64UrlEncode(challenge))},
            {QStringLiteral("createdAt"), now().toUTC().toString(Qt::ISODateWithMs)}};
}

QJsonObject PasskeyFlow::authFlow(const QByteArray &challenge, const QString &userId) const
{
    return {{QStringLiteral("challenge"), QString::fromLatin1(Crypto::base64UrlEncode(challenge))},
            {QStringLiteral("userId"), userId.isEmpty() ? QJsonValue() : QJsonValue(userId)},
            {QStringLiteral("createdAt"), now().toUTC().toString(Qt::ISODateWithMs)}};
}

PasskeyCredential PasskeyFlow::credentialFrom(const WebAuthn::RegisteredCredential &registered,
                                              const PasskeyResponses::Registration &response,
                                              const QString &userId, const QString &name)
{
    PasskeyCredential credential;
    credential.id = QString::fromLatin1(Crypto::base64UrlEncode(registered.credentialId));
    credential.userId = userId;
    credential.publicKey = registered.cosePublicKey;
    credential.counter = registered.signCount;
    credential.deviceType = registered.backupEligible ? QStringLiteral("multiDevice")
                                                      : QStringLiteral("singleDevice");
    credential.backedUp = registered.backedUp;
    credential.transports = response.transports;
    credential.name = name;
    if (registered.aaguid.size() == 16) {
        const QUuid aaguid = QUuid::fromRfc4122(registered.aaguid);
        credential.aaguid = aaguid.toString(QUuid::WithoutBraces);
    }
    credential.attestationFormat = registered.attestationFormat;
    return credential;
}

QList<PasskeyOptions::CredentialRef> PasskeyFlow::decoysFor(const QString &email) const
{
    return PasskeyOptions::decoys(m_decoyKey, email);
}
