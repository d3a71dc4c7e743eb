#pragma once

#include "OAuthProviders.h"
#include "models/common/Result.h"

#include <QJsonObject>
#include <QString>

#include <functional>

// Who the provider says the user is, after the code exchange and every check.
struct OAuthIdentity
{
    QString provider;      // auth_providers.type
    QString subject;       // auth_providers.provider_id: OIDC "sub", GitHub's numeric id
    QString email;         // as the provider gave it (normalised later); may be empty
    bool emailVerified = false; // only when the provider asserts it
    bool privateRelay = false;  // Apple's "Hide My Email" address: never linked automatically
    QString firstName;
    QString lastName;
    QString displayName;
};

// The callback's work with the provider: exchange the code (PKCE verifier, client secret) at
// the token endpoint, then for OIDC verify the ID token — signature against the provider's
// JWKS (RS256 or ES256; an unknown kid refetches the set once), iss, aud (= client id), azp,
// exp/iat with 60 s leeway, nonce — and read the user info endpoint for claims the ID token
// lacks (same sub required); for GitHub read /user and /user/emails (the primary email, and
// only when GitHub marks it verified). All asynchronous on the worker's thread.
//
// Error codes: PROVIDER_UNAVAILABLE, PROVIDER_TIMEOUT, PROVIDER_RESPONSE_INVALID (malformed
// answers), PROVIDER_ERROR (the provider refused the code), ID_TOKEN_INVALID, ID_TOKEN_EXPIRED,
// ID_TOKEN_KEY_UNKNOWN, ID_TOKEN_SIGNATURE_INVALID, ID_TOKEN_ISSUER_INVALID,
// ID_TOKEN_AUDIENCE_INVALID, ID_TOKEN_NONCE_INVALID.
namespace OAuthFlow {

inline constexpr qint64 kLeewaySeconds = 60;

struct Request
{
    QString code;
    QString redirectUri;
    QString codeVerifier;
    QString nonce;
    QJsonObject appleUser; // Apple's one-time "user" form field ({name:{firstName,lastName}})
};

void identify(OAuthProviders &providers, const OAuthProviderSettings &provider, const Request &request,
              std::function<void(Result<OAuthIdentity>)> done);

// Checks an ID token's claims and signature against `jwks`; exposed for unit tests.
Result<QJsonObject> verifyIdToken(const QString &idToken, const QJsonArray &jwks,
                                  const OAuthProviderSettings &provider,
                                  const OAuthProviderMetadata &metadata, const QString &nonce,
                                  qint64 nowSeconds);
// Identity from verified OIDC claims (plus Apple's user field).
OAuthIdentity identityFromClaims(const QString &provider, const QJsonObject &claims,
                                 const QJsonObject &appleUser);

} // namespace OAuthFlow
