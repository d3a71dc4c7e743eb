#pragma once

#include "PasskeyOptions.h"
#include "PasskeyResponses.h"
#include "PasskeySettings.h"
#include "models/passkeys/PasskeyCredential.h"
#include "server/http/HttpExchange.h"

#include <QDateTime>

#include <memory>
#include <optional>

class PasskeyRepository;
class PreparedStatements;
class UserRepository;
class WorkerContext;
struct User;

// What the passkey routes of one worker share: the relying party settings, the worker's
// context, and the small steps every ceremony repeats (answering verifier and service errors,
// turning a verified registration into a row, the flow JSON kept in Redis).
class PasskeyFlow
{
public:
    PasskeyFlow(WorkerContext &context, PasskeySettings settings, QByteArray decoyKey);

    WorkerContext &context() const { return m_context; }
    const PasskeySettings &settings() const { return m_settings; }
    QDateTime now() const;

    // The worker's prepared statements, or answers 503 and returns null.
    PreparedStatements *statementsOr503(const ExchangePtr &exchange) const;
    // Infrastructure failures: 503/409/500 (ServiceErrors); a lost connection is reset.
    void serviceError(const ExchangePtr &exchange, const Error &error) const;
    // A refused ceremony: 400 with the verifier's WEBAUTHN_* code (or our own), logged at info
    // without any secret. signIn: also counted by SignInFailures.
    void refuse(const ExchangePtr &exchange, const Error &error, bool signIn, int status = 400) const;

    // The registration ceremony's checks for a pending flow taken from Redis: its challenge
    // still current, the verifier's verdict, and rawId equal to the attested credential id.
    // Answers the exchange (400) and returns nullopt when any fails.
    std::optional<WebAuthn::RegisteredCredential> verifyRegistration(
        const ExchangePtr &exchange, const QJsonObject &pending,
        const PasskeyResponses::Registration &response) const;

    // {"userId","email","firstName","lastName","challenge","createdAt"} (email null: an
    // addition by a signed-in user) and {"challenge","userId","createdAt"}.
    QJsonObject registrationFlow(const QString &userId, const QString &email, const QString &firstName,
                                 const QString &lastName, const QByteArray &challenge) const;
    QJsonObject authFlow(const QByteArray &challenge, const QString &userId) const;

    // A new row from what the verifier accepted and what the browser reported (transports).
    static PasskeyCredential credentialFrom(const WebAuthn::RegisteredCredential &registered,
                                            const PasskeyResponses::Registration &response,
                                            const QString &userId, const QString &name);

    // Plausible allowCredentials for an address with no passkeys: one or two ids derived from
    // the address with a server secret, so the same address always gets the same ones and
    // nobody can tell them from real ones (WebAuthn L3 §14.6.2, username enumeration).
    QList<PasskeyOptions::CredentialRef> decoysFor(const QString &email) const;

private:
    WorkerContext &m_context;
    PasskeySettings m_settings;
    QByteArray m_decoyKey;
};

using PasskeyFlowPtr = std::shared_ptr<const PasskeyFlow>;
