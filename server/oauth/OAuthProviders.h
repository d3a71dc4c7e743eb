#pragma once

#include "models/common/Clock.h"
#include "models/common/Result.h"
#include "server/config/Config.h"

#include <QHash>
#include <QJsonArray>
#include <QMutex>
#include <QUrl>

#include <functional>
#include <memory>

class AppleClientSecret;
class SecretStore;

// One enabled social sign-in provider, as configured.
struct OAuthProviderSettings
{
    QString name;           // google, apple, github, microsoft, oidc (= auth_providers.type)
    QString displayName;    // for the buttons: "Google", "Apple", …
    bool openIdConnect = true; // false: GitHub (OAuth 2 + REST API, no ID token)
    QString clientId;
    QByteArray clientSecret; // from the secret store; empty = public client (PKCE only)
    QString scopes;
    bool linkByVerifiedEmail = true; // oauth-<p>-link = verified-only
    QString issuer;         // OIDC: discovery base and expected "iss"; GitHub: web URL
    QString apiUrl;         // GitHub's REST API
    bool formPost = false;  // Apple: response_mode=form_post (the callback is a POST)
};

// The endpoints of a provider: from discovery for OIDC, fixed for GitHub.
struct OAuthProviderMetadata
{
    QString issuer;         // may hold "{tenantid}" (Microsoft's multi-tenant endpoints)
    QUrl authorizationEndpoint;
    QUrl tokenEndpoint;
    QUrl userinfoEndpoint;  // may be empty
    QUrl jwksUri;
    bool clientSecretBasic = false; // the token endpoint takes only HTTP Basic client auth
};

// What every worker shares about the providers: their settings, the discovery documents and
// JWK sets fetched from them (cached for an hour; a JWK set is fetched again when a token names
// a key it does not hold, at most once per kJwksRefreshSeconds, so a provider's key rotation
// is picked up at once but a stream of unknown kids cannot make us hammer it), and Apple's
// generated client secret. Fetches run on the calling worker's thread (OAuthHttp); the caches
// are guarded by a mutex. Two workers missing the cache at once both fetch: harmless.
class OAuthProviders
{
public:
    static constexpr qint64 kCacheSeconds = 3600;
    static constexpr qint64 kJwksRefreshSeconds = 2;

    // Reads the client secrets (oauth-<p>-client-secret) and Apple's .p8 key; checks what a
    // provider needs. Error: OAUTH_CONFIG_INVALID naming the option.
    static Result<std::shared_ptr<OAuthProviders>> build(const Config &config, SecretStore &secrets,
                                                         Clock clock);

    QList<OAuthProviderSettings> enabled() const { return m_providers; }
    const OAuthProviderSettings *find(QStringView name) const;
    int timeoutMs() const { return m_timeoutMs; }
    QDateTime now() const { return m_clock(); }

    using MetadataCallback = std::function<void(Result<OAuthProviderMetadata>)>;
    void metadata(const OAuthProviderSettings &provider, MetadataCallback done);

    // The provider's JWK set ("keys"). `refresh`: the cached set lacks a token's kid; fetch
    // again unless that was done less than kJwksRefreshSeconds ago. `fetched` says whether
    // this answer came from the network (a second miss then is final).
    using JwksCallback = std::function<void(Result<QJsonArray>, bool fetched)>;
    void jwks(const OAuthProviderSettings &provider, const OAuthProviderMetadata &metadata,
              bool refresh, JwksCallback done);

    // The client secret to send: the configured one, or Apple's current JWT.
    QString clientSecret(const OAuthProviderSettings &provider) const;

private:
    struct CachedMetadata
    {
        OAuthProviderMetadata metadata;
        qint64 fetchedAt = 0;
    };
    struct CachedJwks
    {
        QJsonArray keys;
        qint64 fetchedAt = 0;
    };

    QList<OAuthProviderSettings> m_providers;
    int m_timeoutMs = 10000;
    Clock m_clock;
    std::shared_ptr<AppleClientSecret> m_appleSecret;
    mutable QMutex m_mutex;
    QHash<QString, CachedMetadata> m_metadata;
    QHash<QString, CachedJwks> m_jwks;
};
