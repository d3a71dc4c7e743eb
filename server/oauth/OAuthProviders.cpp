#include "OAuthProviders.h"

#include "AppleClientSecret.h"
#include "OAuthHttp.h"
#include "OAuthOptions.h"
#include "models/common/Log.h"
#include "server/secrets/SecretStore.h"

#include <QFile>
#include <QHostAddress>
#include <QMutexLocker>

namespace {

Error configError(const QString &message)
{
    return makeError(QStringLiteral("OAUTH_CONFIG_INVALID"), message);
}

QString displayNameOf(const QString &name)
{
    if (name == QLatin1String("github"))
        return QStringLiteral("GitHub");
    if (name == QLatin1String("oidc"))
        return QStringLiteral("Single sign-on");
    QString display = name;
    display[0] = display[0].toUpper();
    return display;
}

// Plain http only to this machine (test stand-ins); a real provider is always https.
bool transportAllowed(const QString &url)
{
    const QUrl parsed(url);
    if (parsed.scheme() == QLatin1String("https"))
        return true;
    if (parsed.scheme() != QLatin1String("http"))
        return false;
    const QString host = parsed.host();
    return host == QLatin1String("localhost") || QHostAddress(host).isLoopback();
}

bool endpointAllowed(const QUrl &url)
{
    return url.isValid() && transportAllowed(url.toString());
}

} // namespace

Result<std::shared_ptr<OAuthProviders>> OAuthProviders::build(const Config &config, SecretStore &secrets,
                                                             Clock clock)
{
    auto providers = std::make_shared<OAuthProviders>();
    providers->m_clock = std::move(clock);
    providers->m_timeoutMs = config.oauthTimeoutSeconds * 1000;
    for (const QString &name : OAuthOptions::providerNames()) {
        const Config::OAuthProvider &block = *OAuthOptions::provider(config, name);
        if (block.clientId.isEmpty())
            continue;
        OAuthProviderSettings settings;
        settings.name = name;
        settings.displayName = displayNameOf(name);
        settings.openIdConnect = name != QLatin1String("github");
        settings.clientId = block.clientId;
        settings.scopes = block.scopes;
        settings.linkByVerifiedEmail = block.link == QLatin1String("verified-only");
        settings.issuer = block.issuer;
        settings.apiUrl = block.apiUrl;
        settings.formPost = name == QLatin1String("apple");
        const QString prefix = QStringLiteral("oauth-") + name;
        if (settings.issuer.isEmpty())
            return configError(prefix + (settings.openIdConnect ? QStringLiteral("-issuer") : QStringLiteral("-url")) +
                               QStringLiteral(": required when the client id is set"));
        if (!transportAllowed(settings.issuer) || (!settings.openIdConnect && !transportAllowed(settings.apiUrl)))
            return configError(prefix + QStringLiteral(": provider URLs must be https (http only for "
                                                       "localhost test stand-ins)"));
        if (name == QLatin1String("apple")) {
            if (config.oauthAppleTeamId.isEmpty() || config.oauthAppleKeyId.isEmpty() ||
                config.oauthApplePrivateKeyFile.isEmpty())
                return configError(QStringLiteral("oauth-apple-team-id, oauth-apple-key-id and "
                                                  "oauth-apple-private-key-file are required with "
                                                  "oauth-apple-client-id"));
            QFile file(config.oauthApplePrivateKeyFile);
            if (!file.open(QIODevice::ReadOnly))
                return configError(QStringLiteral("oauth-apple-private-key-file: cannot read %1: %2")
                                       .arg(config.oauthApplePrivateKeyFile, file.errorString()));
            auto secret = AppleClientSecret::create(file.read(64 * 1024), config.oauthAppleTeamId,
                                                    config.oauthAppleKeyId, settings.clientId);
            if (!secret)
                return configError(QStringLiteral("oauth-apple-private-key-file: ") + secret.error().message);
            providers->m_appleSecret = *secret;
        } else {
            auto secret = secrets.read(OAuthOptions::clientSecretName(name));
            if (secret) {
                settings.clientSecret = *secret;
            } else if (secret.error().code == SecretStore::kNotFound) {
                Log::warning(QStringLiteral("oauth.public_client"),
                             {{QStringLiteral("provider"), name},
                              {QStringLiteral("hint"), QStringLiteral("no secret %1: the client sends none (PKCE only)")
                                                           .arg(OAuthOptions::clientSecretName(name))}});
            } else {
                return secret.error();
            }
        }
        providers->m_providers.append(settings);
    }
    return providers;
}

const OAuthProviderSettings *OAuthProviders::find(QStringView name) const
{
    for (const OAuthProviderSettings &provider : m_providers) {
        if (provider.name == name)
            return &provider;
    }
    return nullptr;
}

QString OAuthProviders::clientSecret(const OAuthProviderSettings &provider) const
{
    if (provider.name == QLatin1String("apple") && m_appleSecret)
        return m_appleSecret->current(m_clock());
    return QString::fromUtf8(provider.clientSecret);
}

void OAuthProviders::metadata(const OAuthProviderSettings &provider, MetadataCallback done)
{
    if (!provider.openIdConnect) {
        OAuthProviderMetadata github;
        github.issuer = provider.issuer;
        github.authorizationEndpoint = QUrl(provider.issuer + QStringLiteral("/login/oauth/authorize"));
        github.tokenEndpoint = QUrl(provider.issuer + QStringLiteral("/login/oauth/access_token"));
        github.userinfoEndpoint = QUrl(provider.apiUrl + QStringLiteral("/user"));
        done(github);
        return;
    }
    const qint64 now = m_clock().toSecsSinceEpoch();
    {
        QMutexLocker lock(&m_mutex);
        const auto cached = m_metadata.constFind(provider.name);
        if (cached != m_metadata.cend() && now - cached->fetchedAt < kCacheSeconds) {
            const OAuthProviderMetadata metadata = cached->metadata;
            lock.unlock();
            done(metadata);
            return;
        }
    }
    const QUrl url(provider.issuer + QStringLiteral("/.well-known/openid-configuration"));
    const QString name = provider.name;
    const QString expectedIssuer = provider.issuer;
    OAuthHttp::get(url, {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}}, m_timeoutMs,
                   [this, name, expectedIssuer, now, done = std::move(done)](Result<OAuthHttp::Response> response) {
        if (!response) {
            done(response.error());
            return;
        }
        auto json = response->json();
        if (response->status != 200 || !json) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's discovery document could not be read (HTTP %1)")
                               .arg(response->status)));
            return;
        }
        OAuthProviderMetadata metadata;
        metadata.issuer = json->value(QStringLiteral("issuer")).toString();
        metadata.authorizationEndpoint = QUrl(json->value(QStringLiteral("authorization_endpoint")).toString());
        metadata.tokenEndpoint = QUrl(json->value(QStringLiteral("token_endpoint")).toString());
        metadata.jwksUri = QUrl(json->value(QStringLiteral("jwks_uri")).toString());
        const QString userinfo = json->value(QStringLiteral("userinfo_endpoint")).toString();
        if (!userinfo.isEmpty())
            metadata.userinfoEndpoint = QUrl(userinfo);
        const QJsonArray methods = json->value(QStringLiteral("token_endpoint_auth_methods_supported")).toArray();
        metadata.clientSecretBasic = !methods.isEmpty() &&
                                     !methods.contains(QStringLiteral("client_secret_post")) &&
                                     methods.contains(QStringLiteral("client_secret_basic"));
        // OIDC Discovery §4.3: the document's issuer must be the one we asked. Microsoft's
        // multi-tenant document names "{tenantid}" where we configured common/organizations.
        const bool issuerMatches =
            metadata.issuer == expectedIssuer ||
            (metadata.issuer.contains(QStringLiteral("{tenantid}")) &&
             metadata.issuer.startsWith(QStringLiteral("https://login.microsoftonline.com/")));
        if (!issuerMatches || !endpointAllowed(metadata.authorizationEndpoint) ||
            !endpointAllowed(metadata.tokenEndpoint) || !endpointAllowed(metadata.jwksUri) ||
            (!metadata.userinfoEndpoint.isEmpty() && !endpointAllowed(metadata.userinfoEndpoint))) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's discovery document names another issuer or "
                                          "unusable endpoints")));
            return;
        }
        {
            QMutexLocker lock(&m_mutex);
            m_metadata.insert(name, {metadata, now});
        }
        done(metadata);
    });
}

void OAuthProviders::jwks(const OAuthProviderSettings &provider, const OAuthProviderMetadata &metadata,
                          bool refresh, JwksCallback done)
{
    const qint64 now = m_clock().toSecsSinceEpoch();
    {
        QMutexLocker lock(&m_mutex);
        const auto cached = m_jwks.constFind(provider.name);
        if (cached != m_jwks.cend()) {
            const bool fresh = now - cached->fetchedAt < kCacheSeconds;
            const bool mayRefetch = now - cached->fetchedAt >= kJwksRefreshSeconds;
            if ((fresh && !refresh) || (refresh && !mayRefetch)) {
                const QJsonArray keys = cached->keys;
                lock.unlock();
                done(keys, false);
                return;
            }
        }
    }
    const QString name = provider.name;
    OAuthHttp::get(metadata.jwksUri, {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}},
                   m_timeoutMs, [this, name, now, done = std::move(done)](Result<OAuthHttp::Response> response) {
        if (!response) {
            done(response.error(), true);
            return;
        }
        auto json = response->json();
        if (response->status != 200 || !json || !json->value(QStringLiteral("keys")).isArray()) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's key set could not be read (HTTP %1)").arg(response->status)),
                 true);
            return;
        }
        const QJsonArray keys = json->value(QStringLiteral("keys")).toArray();
        {
            QMutexLocker lock(&m_mutex);
            m_jwks.insert(name, {keys, now});
        }
        done(keys, true);
    });
}
