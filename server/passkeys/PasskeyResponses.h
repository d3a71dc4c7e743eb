#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

class JsonBody;

// The JSON forms browsers produce with PublicKeyCredential.toJSON() (WebAuthn Level 3 §5.1:
// RegistrationResponseJSON, AuthenticationResponseJSON), read from the request body's
// `response` member and decoded from base64url. Problems are recorded on the JsonBody with
// the full field path ("response.response.clientDataJSON"), so they are answered like every
// other 400 and nothing is consumed or written.
namespace PasskeyResponses {

struct Registration
{
    QByteArray rawId;
    QString id;            // base64url, as it will be stored
    QByteArray clientDataJson;
    QByteArray attestationObject;
    QStringList transports;
};

struct Assertion
{
    QByteArray rawId;
    QString id;
    QByteArray clientDataJson;
    QByteArray authenticatorData;
    QByteArray signature;
    QByteArray userHandle; // empty when the authenticator sent none
};

// Room for attestation certificate chains (packed x5c, TPM) within max-body-size.
inline constexpr qsizetype kMaxResponseBytes = 64 * 1024;

Registration readRegistration(JsonBody &body);
Assertion readAssertion(JsonBody &body);

} // namespace PasskeyResponses
