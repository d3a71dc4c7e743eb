#include "OAuthFlow.h"

#include "OAuthHttp.h"
#include "server/crypto/Crypto.h"
#include "server/crypto/Jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include <memory>

namespace OAuthFlow {

namespace {

using Done = std::function<void(Result<OAuthIdentity>)>;

const QByteArray kAcceptJson = QByteArrayLiteral("application/json");

Error invalidToken(const QString &code, const QString &message)
{
    return makeError(code, QStringLiteral("the provider's ID token was refused: %1").arg(message));
}

// Apple sends booleans as strings ("true"); everyone else as JSON booleans.
bool claimTrue(const QJsonValue &value)
{
    return value.isBool() ? value.toBool() : value.toString() == QLatin1String("true");
}

QString kidOf(const QString &token)
{
    const qsizetype dot = token.indexOf(QLatin1Char('.'));
    if (dot <= 0)
        return {};
    const auto header = Crypto::base64UrlDecode(QStringView(token).first(dot));
    if (!header)
        return {};
    return QJsonDocument::fromJson(*header).object().value(QStringLiteral("kid")).toString();
}

bool containsKid(const QJsonArray &jwks, const QString &kid)
{
    for (const QJsonValue &key : jwks) {
        if (key.toObject().value(QStringLiteral("kid")).toString() == kid)
            return true;
    }
    return false;
}

// A provider's own error answer ("error":"invalid_grant"), or a malformed one.
Error tokenEndpointError(const OAuthHttp::Response &response)
{
    const auto json = response.json();
    const QString error = json ? json->value(QStringLiteral("error")).toString() : QString();
    // GitHub answers a bad code with 200 and {"error":"bad_verification_code"}.
    if (!error.isEmpty() && response.status < 500)
        return makeError(QStringLiteral("PROVIDER_ERROR"),
                         QStringLiteral("the provider refused the sign-in code (%1)").arg(error.left(64)));
    return makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                     QStringLiteral("the provider's token endpoint answered HTTP %1 without a usable token")
                         .arg(response.status));
}

void splitName(const QString &name, QString *first, QString *last)
{
    const QString trimmed = name.simplified();
    const qsizetype space = trimmed.lastIndexOf(QLatin1Char(' '));
    if (space < 0) {
        *first = trimmed;
        return;
    }
    *first = trimmed.left(space);
    *last = trimmed.mid(space + 1);
}

void exchangeCode(OAuthProviders &providers, const OAuthProviderSettings &provider,
                  const OAuthProviderMetadata &metadata, const Request &request,
                  std::function<void(Result<QJsonObject>)> done)
{
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("authorization_code"));
    form.addQueryItem(QStringLiteral("code"), request.code);
    form.addQueryItem(QStringLiteral("redirect_uri"), request.redirectUri);
    form.addQueryItem(QStringLiteral("code_verifier"), request.codeVerifier);
    OAuthHttp::Headers headers{{QByteArrayLiteral("Accept"), kAcceptJson}};
    const QString secret = providers.clientSecret(provider);
    if (metadata.clientSecretBasic && !secret.isEmpty()) {
        // RFC 6749 §2.3.1: both parts form-encoded before base64.
        const QByteArray pair = QUrl::toPercentEncoding(provider.clientId) + ':' + QUrl::toPercentEncoding(secret);
        headers.append({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Basic ") + pair.toBase64()});
    } else {
        form.addQueryItem(QStringLiteral("client_id"), provider.clientId);
        if (!secret.isEmpty())
            form.addQueryItem(QStringLiteral("client_secret"), secret);
    }
    OAuthHttp::postForm(metadata.tokenEndpoint, form, headers, providers.timeoutMs(),
                        [done = std::move(done)](Result<OAuthHttp::Response> response) {
        if (!response) {
            done(response.error());
            return;
        }
        auto json = response->json();
        if (response->status != 200 || !json || json->contains(QStringLiteral("error"))) {
            done(tokenEndpointError(*response));
            return;
        }
        if (!json->value(QStringLiteral("access_token")).isString()) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's token answer has no access_token")));
            return;
        }
        done(*json);
    });
}

// GitHub: /user for the id and name, /user/emails for the primary address if verified.
void identifyGithub(OAuthProviders &providers, const OAuthProviderSettings &provider,
                    const QString &accessToken, Done done)
{
    const OAuthHttp::Headers headers{{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/vnd.github+json")},
                                     {QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + accessToken.toUtf8()},
                                     {QByteArrayLiteral("X-GitHub-Api-Version"), QByteArrayLiteral("2022-11-28")}};
    const QUrl emailsUrl(provider.apiUrl + QStringLiteral("/user/emails"));
    const int timeout = providers.timeoutMs();
    OAuthHttp::get(QUrl(provider.apiUrl + QStringLiteral("/user")), headers, timeout,
                   [headers, emailsUrl, timeout, name = provider.name, done = std::move(done)](Result<OAuthHttp::Response> user) {
        if (!user) {
            done(user.error());
            return;
        }
        auto json = user->json();
        const QJsonValue id = json ? json->value(QStringLiteral("id")) : QJsonValue();
        if (user->status != 200 || !json || !id.isDouble() || id.toDouble() <= 0) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("GitHub's user answer (HTTP %1) has no account id").arg(user->status)));
            return;
        }
        OAuthIdentity identity;
        identity.provider = name;
        identity.subject = QString::number(static_cast<qint64>(id.toDouble()));
        const QString login = json->value(QStringLiteral("login")).toString();
        splitName(json->value(QStringLiteral("name")).toString(), &identity.firstName, &identity.lastName);
        if (identity.firstName.isEmpty())
            identity.firstName = login;
        identity.displayName = login;
        OAuthHttp::get(emailsUrl, headers, timeout,
                       [identity, done](Result<OAuthHttp::Response> emails) mutable {
            if (!emails) {
                done(emails.error());
                return;
            }
            const QJsonDocument document = QJsonDocument::fromJson(emails->body);
            if (emails->status != 200 || !document.isArray()) {
                done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                               QStringLiteral("GitHub's email list (HTTP %1) could not be read").arg(emails->status)));
                return;
            }
            for (const QJsonValue &entry : document.array()) {
                const QJsonObject email = entry.toObject();
                if (email.value(QStringLiteral("primary")).toBool() && email.value(QStringLiteral("verified")).toBool()) {
                    identity.email = email.value(QStringLiteral("email")).toString();
                    identity.emailVerified = true;
                }
            }
            done(identity);
        });
    });
}

// Claims the ID token lacks (many providers put email and names only in user info).
void addUserInfo(OAuthProviders &providers, const OAuthProviderMetadata &metadata,
                 const QString &accessToken, QJsonObject claims,
                 std::function<void(Result<QJsonObject>)> done)
{
    if (claims.contains(QStringLiteral("email")) || metadata.userinfoEndpoint.isEmpty()) {
        done(claims);
        return;
    }
    OAuthHttp::get(metadata.userinfoEndpoint,
                   {{QByteArrayLiteral("Accept"), kAcceptJson},
                    {QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + accessToken.toUtf8()}},
                   providers.timeoutMs(), [claims, done = std::move(done)](Result<OAuthHttp::Response> response) mutable {
        if (!response) {
            done(response.error());
            return;
        }
        auto info = response->json();
        if (response->status != 200 || !info) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's user info (HTTP %1) could not be read").arg(response->status)));
            return;
        }
        // OIDC Core §5.3.2: user info for another sub must not be used.
        if (info->value(QStringLiteral("sub")).toString() != claims.value(QStringLiteral("sub")).toString()) {
            done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                           QStringLiteral("the provider's user info is about another subject")));
            return;
        }
        for (auto it = info->constBegin(); it != info->constEnd(); ++it) {
            if (!claims.contains(it.key()))
                claims.insert(it.key(), it.value());
        }
        done(claims);
    });
}

void verifyWithKeys(OAuthProviders &providers, const OAuthProviderSettings &provider,
                    const OAuthProviderMetadata &metadata, const QString &idToken,
                    const QString &nonce, bool refresh, std::function<void(Result<QJsonObject>)> done)
{
    providers.jwks(provider, metadata, refresh,
                   [&providers, provider, metadata, idToken, nonce, refresh, done = std::move(done)](
                       Result<QJsonArray> jwks, bool fetched) {
        if (!jwks) {
            done(jwks.error());
            return;
        }
        // A kid we do not hold: the provider may have rotated its keys; fetch once more.
        if (!refresh && !fetched && !containsKid(*jwks, kidOf(idToken))) {
            verifyWithKeys(providers, provider, metadata, idToken, nonce, true, done);
            return;
        }
        done(verifyIdToken(idToken, *jwks, provider, metadata, nonce, providers.now().toSecsSinceEpoch()));
    });
}

} // namespace

Result<QJsonObject> verifyIdToken(const QString &idToken, const QJsonArray &jwks,
                                  const OAuthProviderSettings &provider,
                                  const OAuthProviderMetadata &metadata, const QString &nonce,
                                  qint64 nowSeconds)
{
    Jwt::VerifyOptions options;
    options.nowSeconds = [nowSeconds] { return nowSeconds; };
    options.leewaySeconds = kLeewaySeconds;
    options.audience = provider.clientId;
    options.acceptRs256 = true;
    auto claims = Jwt::verify(idToken, jwks, options);
    if (!claims) {
        QString code = claims.error().code;
        if (code.startsWith(QLatin1String("TOKEN_")))
            code = QStringLiteral("ID_") + code;
        if (code == QLatin1String("ID_TOKEN_MALFORMED") || code == QLatin1String("ID_TOKEN_ALGORITHM_UNSUPPORTED") ||
            code == QLatin1String("ID_TOKEN_NOT_YET_VALID"))
            code = QStringLiteral("ID_TOKEN_INVALID");
        return invalidToken(code, claims.error().message);
    }
    // iss: exact, except Microsoft's multi-tenant "{tenantid}" filled from the token's tid.
    QString issuer = metadata.issuer;
    if (issuer.contains(QStringLiteral("{tenantid}"))) {
        const QString tid = claims->value(QStringLiteral("tid")).toString();
        if (tid.isEmpty())
            return invalidToken(QStringLiteral("ID_TOKEN_ISSUER_INVALID"), QStringLiteral("no tenant (tid)"));
        issuer.replace(QStringLiteral("{tenantid}"), tid);
    }
    // Google documents both spellings of its issuer in ID tokens.
    const QString iss = claims->value(QStringLiteral("iss")).toString();
    const bool googleShortForm = issuer == QLatin1String("https://accounts.google.com") &&
                                 iss == QLatin1String("accounts.google.com");
    if (iss != issuer && !googleShortForm)
        return invalidToken(QStringLiteral("ID_TOKEN_ISSUER_INVALID"), QStringLiteral("it was issued by someone else"));
    // OIDC Core §3.1.3.7: with several audiences, azp must be us.
    const QJsonValue azp = claims->value(QStringLiteral("azp"));
    if (claims->value(QStringLiteral("aud")).isArray() && !azp.isUndefined() && azp.toString() != provider.clientId)
        return invalidToken(QStringLiteral("ID_TOKEN_AUDIENCE_INVALID"), QStringLiteral("azp is another client"));
    if (!claims->value(QStringLiteral("exp")).isDouble() || !claims->value(QStringLiteral("iat")).isDouble())
        return invalidToken(QStringLiteral("ID_TOKEN_INVALID"), QStringLiteral("exp and iat are required"));
    if (claims->value(QStringLiteral("sub")).toString().isEmpty() ||
        claims->value(QStringLiteral("sub")).toString().size() > 255)
        return invalidToken(QStringLiteral("ID_TOKEN_INVALID"), QStringLiteral("sub is missing or too long"));
    const QString tokenNonce = claims->value(QStringLiteral("nonce")).toString();
    if (!Crypto::equalConstantTime(nonce.toUtf8(), tokenNonce.toUtf8()))
        return invalidToken(QStringLiteral("ID_TOKEN_NONCE_INVALID"),
                            QStringLiteral("its nonce is not the one this sign-in sent"));
    return claims;
}

OAuthIdentity identityFromClaims(const QString &provider, const QJsonObject &claims,
                                 const QJsonObject &appleUser)
{
    OAuthIdentity identity;
    identity.provider = provider;
    identity.subject = claims.value(QStringLiteral("sub")).toString();
    identity.email = claims.value(QStringLiteral("email")).toString();
    identity.emailVerified = !identity.email.isEmpty() && claimTrue(claims.value(QStringLiteral("email_verified")));
    identity.privateRelay = claimTrue(claims.value(QStringLiteral("is_private_email"))) ||
                            identity.email.endsWith(QStringLiteral("@privaterelay.appleid.com"), Qt::CaseInsensitive);
    identity.firstName = claims.value(QStringLiteral("given_name")).toString();
    identity.lastName = claims.value(QStringLiteral("family_name")).toString();
    identity.displayName = claims.value(QStringLiteral("name")).toString();
    // Apple names the user only once, in the form field "user" of the first authorisation.
    const QJsonObject appleName = appleUser.value(QStringLiteral("name")).toObject();
    if (identity.firstName.isEmpty())
        identity.firstName = appleName.value(QStringLiteral("firstName")).toString();
    if (identity.lastName.isEmpty())
        identity.lastName = appleName.value(QStringLiteral("lastName")).toString();
    if (identity.firstName.isEmpty() && identity.lastName.isEmpty() && !identity.displayName.isEmpty())
        splitName(identity.displayName, &identity.firstName, &identity.lastName);
    return identity;
}

void identify(OAuthProviders &providers, const OAuthProviderSettings &provider, const Request &request,
              Done done)
{
    OAuthProviders *shared = &providers;
    providers.metadata(provider, [shared, provider, request, done = std::move(done)](Result<OAuthProviderMetadata> metadata) {
        if (!metadata) {
            done(metadata.error());
            return;
        }
        exchangeCode(*shared, provider, *metadata, request,
                     [shared, provider, metadata = *metadata, request, done](Result<QJsonObject> tokens) {
            if (!tokens) {
                done(tokens.error());
                return;
            }
            const QString accessToken = tokens->value(QStringLiteral("access_token")).toString();
            if (!provider.openIdConnect) {
                identifyGithub(*shared, provider, accessToken, done);
                return;
            }
            const QString idToken = tokens->value(QStringLiteral("id_token")).toString();
            if (idToken.isEmpty()) {
                done(makeError(QStringLiteral("PROVIDER_RESPONSE_INVALID"),
                               QStringLiteral("the provider's token answer has no id_token")));
                return;
            }
            verifyWithKeys(*shared, provider, metadata, idToken, request.nonce, false,
                           [shared, provider, metadata, accessToken, request, done](Result<QJsonObject> claims) {
                if (!claims) {
                    done(claims.error());
                    return;
                }
                addUserInfo(*shared, metadata, accessToken, *claims,
                            [provider, request, done](Result<QJsonObject> all) {
                    if (!all) {
                        done(all.error());
                        return;
                    }
                    done(identityFromClaims(provider.name, *all, request.appleUser));
                });
            });
        });
    });
}

} // namespace OAuthFlow
