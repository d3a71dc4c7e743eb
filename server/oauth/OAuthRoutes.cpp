#include "OAuthRoutes.h"

#include "OAuthAccounts.h"
#include "OAuthFlow.h"
#include "OAuthOptions.h"
#include "OAuthProviders.h"
#include "OAuthState.h"
#include "ReturnTo.h"
#include "models/providers/ProviderRepository.h"
#include "server/auth/CurrentUser.h"
#include "server/auth/SignIn.h"
#include "server/auth/SignInFailures.h"
#include "server/crypto/Crypto.h"
#include "server/events/EventPublisher.h"
#include "server/http/JsonBody.h"
#include "server/http/Router.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace OAuthRoutes {

namespace {

const QByteArray kBrowserCookie = QByteArrayLiteral("gh_oauth");
const QString kCallbackPath = QStringLiteral("/api/v1/auth/oauth/%1/callback");
constexpr qsizetype kMaxCodeLength = 4096;
constexpr qsizetype kMaxStateLength = 128;
constexpr qsizetype kMaxAppleUserLength = 4096;

QString publicUrl(const WorkerContext &context)
{
    return context.services().config.effectivePublicUrl();
}

bool wantsJson(const HttpExchange &exchange)
{
    return exchange.header("Accept").contains("application/json");
}

int statusFor(const QString &code)
{
    static const QHash<QString, int> statuses{
        {QStringLiteral("PROVIDER_NOT_ENABLED"), 404}, {QStringLiteral("PROVIDER_UNAVAILABLE"), 502},
        {QStringLiteral("PROVIDER_RESPONSE_INVALID"), 502}, {QStringLiteral("PROVIDER_TIMEOUT"), 504},
        {QStringLiteral("ACCESS_DENIED"), 403}, {QStringLiteral("USER_DISABLED"), 403},
        {QStringLiteral("ACCOUNT_EXISTS"), 409}, {QStringLiteral("PROVIDER_TAKEN"), 409},
        {QStringLiteral("USER_NOT_FOUND"), 404}};
    if (code.startsWith(QLatin1String("ID_TOKEN_")))
        return 401;
    return statuses.value(code, 400);
}

bool isServiceError(const Error &error)
{
    return error.code.startsWith(QLatin1String("DATABASE_")) || error.code == QLatin1String("CACHE_UNAVAILABLE") ||
           error.code.startsWith(QLatin1String("REDIS"));
}

// The browser-binding cookie of a flow (see OAuthState). Apple's form_post callback arrives
// as a cross-site POST, which never carries SameSite=Lax cookies, so over https the cookie is
// SameSite=None; Secure (HttpOnly, scoped to the OAuth routes, 10 minutes). Over plain http
// (local use) browsers refuse None without Secure, and Lax is the best there is.
QByteArray browserCookie(const WorkerContext &context, const QByteArray &value, int maxAge)
{
    const bool secure = context.services().auth.secureCookies;
    return kBrowserCookie + '=' + value + QByteArrayLiteral("; Path=/api/v1/auth/oauth/; HttpOnly; Max-Age=") +
           QByteArray::number(maxAge) + (secure ? QByteArrayLiteral("; SameSite=None; Secure") : QByteArrayLiteral("; SameSite=Lax"));
}

QByteArray cookieValue(const HttpExchange &exchange, const QByteArray &name)
{
    for (const auto &[header, value] : exchange.headers()) {
        if (header.compare("Cookie", Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &part : value.split(';')) {
            const QByteArray trimmed = part.trimmed();
            if (trimmed.startsWith(name + '='))
                return trimmed.mid(name.size() + 1);
        }
    }
    return {};
}

// Every failure of a flow: JSON when the client asked for it, else back to the hosted page
// with ?error=CODE (the page explains it). Nothing was written before we got here.
void fail(WorkerContext *context, const ExchangePtr &exchange, const Error &error, bool linking,
          bool countFailure = true)
{
    if (countFailure)
        SignInFailures::record(context->redis(), context->services().clock());
    HeaderPairs headers{{QByteArrayLiteral("Set-Cookie"), browserCookie(*context, {}, 0)}};
    if (wantsJson(*exchange)) {
        if (isServiceError(error))
            ServiceErrors::respond(exchange, error);
        else
            exchange->respondError(statusFor(error.code), error.code, error.message, headers);
        return;
    }
    const QString code = isServiceError(error) ? QStringLiteral("SERVICE_UNAVAILABLE") : error.code;
    headers.append({QByteArrayLiteral("Location"),
                    (publicUrl(*context) + (linking ? QStringLiteral("/ui/account.html?error=") : QStringLiteral("/ui/?error=")) +
                     code).toUtf8()});
    exchange->respondEmpty(302, headers);
}

QString randomToken()
{
    return QString::fromLatin1(Crypto::base64UrlEncode(Crypto::randomBytes(32)));
}

// Makes the state and answers with where to send the browser: `then(authorizeUrl, cookie)`.
void beginFlow(WorkerContext *context, const ExchangePtr &exchange, const OAuthProviderSettings &provider,
               const QString &returnTo, const QString &linkUserId,
               std::function<void(const QUrl &authorizeUrl, const QByteArray &cookie)> then)
{
    OAuthProviders &providers = *context->services().oauth;
    providers.metadata(provider, [context, exchange, provider, returnTo, linkUserId, then = std::move(then)](
                                     Result<OAuthProviderMetadata> metadata) {
        if (!metadata) {
            fail(context, exchange, metadata.error(), !linkUserId.isEmpty(), false);
            return;
        }
        const QString state = randomToken();
        const QByteArray browser = Crypto::base64UrlEncode(Crypto::randomBytes(32));
        OAuthStateData data;
        data.provider = provider.name;
        data.codeVerifier = randomToken();
        data.nonce = randomToken();
        data.returnTo = returnTo;
        data.createdAt = context->services().clock();
        data.linkUserId = linkUserId;
        data.browserHash = Crypto::sha256Hex(browser);

        QUrl url = metadata->authorizationEndpoint;
        QUrlQuery query(url);
        query.addQueryItem(QStringLiteral("response_type"), QStringLiteral("code"));
        query.addQueryItem(QStringLiteral("client_id"), provider.clientId);
        query.addQueryItem(QStringLiteral("redirect_uri"), publicUrl(*context) + kCallbackPath.arg(provider.name));
        query.addQueryItem(QStringLiteral("scope"), provider.scopes);
        query.addQueryItem(QStringLiteral("state"), state);
        query.addQueryItem(QStringLiteral("code_challenge"),
                           QString::fromLatin1(Crypto::base64UrlEncode(Crypto::sha256(data.codeVerifier.toLatin1()))));
        query.addQueryItem(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
        if (provider.openIdConnect)
            query.addQueryItem(QStringLiteral("nonce"), data.nonce);
        if (provider.formPost)
            query.addQueryItem(QStringLiteral("response_mode"), QStringLiteral("form_post"));
        url.setQuery(query);
        OAuthState::save(context->redis(), state, data,
                         [context, exchange, url, browser, linking = !linkUserId.isEmpty(), then](Status saved) {
            if (!saved) {
                fail(context, exchange, saved.error(), linking, false);
                return;
            }
            then(url, browserCookie(*context, browser, OAuthState::kTtlSeconds));
        });
    });
}

void providersList(WorkerContext *context, const ExchangePtr &exchange)
{
    QJsonArray list;
    for (const OAuthProviderSettings &provider : context->services().oauth->enabled())
        list.append(QJsonObject{{QStringLiteral("name"), provider.name},
                                {QStringLiteral("displayName"), provider.displayName},
                                {QStringLiteral("startUrl"), QStringLiteral("/api/v1/auth/oauth/%1/start").arg(provider.name)}});
    exchange->respondJson(200, {{QStringLiteral("providers"), list}});
}

void start(WorkerContext *context, const ExchangePtr &exchange)
{
    const OAuthProviderSettings *provider = context->services().oauth->find(exchange->pathParameter(QStringLiteral("provider")));
    if (!provider) {
        exchange->respondError(404, QStringLiteral("PROVIDER_NOT_ENABLED"),
                               QStringLiteral("this sign-in provider is not enabled here"));
        return;
    }
    const AppServices &services = context->services();
    auto returnTo = ReturnTo::resolve(exchange->query().queryItemValue(QStringLiteral("returnTo"), QUrl::FullyDecoded),
                                      publicUrl(*context), services.auth.origins);
    if (!returnTo) {
        exchange->respondError(400, returnTo.error().code, returnTo.error().message);
        return;
    }
    beginFlow(context, exchange, *provider, *returnTo, {}, [exchange](const QUrl &url, const QByteArray &cookie) {
        exchange->respondEmpty(302, {{QByteArrayLiteral("Location"), url.toEncoded()},
                                     {QByteArrayLiteral("Set-Cookie"), cookie},
                                     {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store")}});
    });
}

// The parameters of a callback, from the query (GET) or the form body (POST, Apple).
std::optional<QUrlQuery> callbackParameters(const ExchangePtr &exchange)
{
    if (exchange->method() != QHttpServerRequest::Method::Post)
        return exchange->query();
    const QByteArray type = exchange->header("Content-Type").split(';').first().trimmed().toLower();
    if (type != "application/x-www-form-urlencoded") {
        exchange->respondError(415, QStringLiteral("UNSUPPORTED_MEDIA_TYPE"),
                               QStringLiteral("the callback takes application/x-www-form-urlencoded"));
        return std::nullopt;
    }
    // In forms '+' is a space; QUrlQuery would keep it as '+'.
    QByteArray body = exchange->body();
    body.replace('+', "%20");
    return QUrlQuery(QString::fromUtf8(body));
}

void finish(WorkerContext *context, const ExchangePtr &exchange, const OAuthProviderSettings &provider,
            const OAuthStateData &state, const OAuthIdentity &identity)
{
    const bool linking = !state.linkUserId.isEmpty();
    auto statements = context->statements();
    if (!statements) {
        fail(context, exchange, statements.error(), linking);
        return;
    }
    auto outcome = linking ? OAuthAccounts::link(**statements, state.linkUserId, identity)
                           : OAuthAccounts::signIn(**statements, provider.linkByVerifiedEmail, identity);
    if (!outcome) {
        if (outcome.error().code == QLatin1String("DATABASE_UNAVAILABLE"))
            context->resetDatabase();
        fail(context, exchange, outcome.error(), linking);
        return;
    }
    const QString userId = outcome->user.id;
    if (outcome->created)
        context->events().publish({QStringLiteral("user:created"), userId, {}, userId, QStringLiteral("oauth:") + provider.name});
    else if (outcome->linked)
        context->events().publish({QStringLiteral("user:updated"), userId, {}, userId, QStringLiteral("linked ") + provider.name});
    HeaderPairs headers{{QByteArrayLiteral("Set-Cookie"), browserCookie(*context, {}, 0)}};
    if (linking) {
        if (wantsJson(*exchange))
            exchange->respondJson(200, {{QStringLiteral("linked"), provider.name}}, headers);
        else
            exchange->respondEmpty(302, headers + HeaderPairs{{QByteArrayLiteral("Location"), state.returnTo.toUtf8()}});
        return;
    }
    SignIn::begin(*context, outcome->user, *exchange,
                  [context, exchange, headers, returnTo = state.returnTo](Result<SignIn::SignedIn> signedIn) mutable {
        if (!signedIn) {
            fail(context, exchange, signedIn.error(), false);
            return;
        }
        headers.append(SignIn::cookieHeader(*context, *signedIn));
        if (wantsJson(*exchange)) {
            exchange->respondJson(200, SignIn::answerJson(*signedIn), headers);
            return;
        }
        headers.append({QByteArrayLiteral("Location"), returnTo.toUtf8()});
        exchange->respondEmpty(302, headers);
    });
}

void callback(WorkerContext *context, const ExchangePtr &exchange)
{
    const OAuthProviderSettings *found = context->services().oauth->find(exchange->pathParameter(QStringLiteral("provider")));
    if (!found) {
        exchange->respondError(404, QStringLiteral("PROVIDER_NOT_ENABLED"),
                               QStringLiteral("this sign-in provider is not enabled here"));
        return;
    }
    const OAuthProviderSettings provider = *found;
    const std::optional<QUrlQuery> parameters = callbackParameters(exchange);
    if (!parameters)
        return;
    const auto value = [&parameters](const char *name) {
        return parameters->queryItemValue(QString::fromLatin1(name), QUrl::FullyDecoded);
    };
    const QString stateText = value("state");
    const QString code = value("code");
    const QString providerError = value("error");
    static const QRegularExpression statePattern(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
    if (!statePattern.match(stateText).hasMatch() || stateText.size() > kMaxStateLength) {
        fail(context, exchange, makeError(QStringLiteral("STATE_INVALID"),
                                          QStringLiteral("the callback carries no valid state")), false);
        return;
    }
    if (providerError.isEmpty() && (code.isEmpty() || code.size() > kMaxCodeLength)) {
        fail(context, exchange, makeError(QStringLiteral("CODE_MISSING"),
                                          QStringLiteral("the callback carries no authorization code")), false);
        return;
    }
    const QString appleUserText = value("user");
    QJsonObject appleUser;
    if (provider.name == QLatin1String("apple") && !appleUserText.isEmpty() && appleUserText.size() <= kMaxAppleUserLength)
        appleUser = QJsonDocument::fromJson(appleUserText.toUtf8()).object();
    const QByteArray browser = cookieValue(*exchange, kBrowserCookie);

    // Taken (and deleted) before anything else, also on a provider error, so it cannot be reused.
    OAuthState::take(context->redis(), provider.name, stateText,
                     [context, exchange, provider, code, providerError, appleUser, browser](
                         Result<std::optional<OAuthStateData>> taken) {
        if (!taken) {
            fail(context, exchange, taken.error(), false);
            return;
        }
        if (!taken->has_value()) {
            fail(context, exchange, makeError(QStringLiteral("STATE_INVALID"),
                                              QStringLiteral("this sign-in has expired or was used already; start again")),
                 false);
            return;
        }
        const OAuthStateData state = **taken;
        const bool linking = !state.linkUserId.isEmpty();
        if (browser.isEmpty() || !Crypto::equalConstantTime(state.browserHash.toLatin1(), Crypto::sha256Hex(browser).toLatin1())) {
            fail(context, exchange, makeError(QStringLiteral("STATE_INVALID"),
                                              QStringLiteral("this sign-in was started in another browser; start again")),
                 linking);
            return;
        }
        if (!providerError.isEmpty()) {
            static const QRegularExpression plain(QStringLiteral("^[a-z_]{1,64}$"));
            const QString shown = plain.match(providerError).hasMatch() ? providerError : QStringLiteral("unknown");
            fail(context, exchange,
                 providerError == QLatin1String("access_denied")
                     ? makeError(QStringLiteral("ACCESS_DENIED"), QStringLiteral("the sign-in was cancelled at the provider"))
                     : makeError(QStringLiteral("PROVIDER_ERROR"), QStringLiteral("the provider reported an error: %1").arg(shown)),
                 linking);
            return;
        }
        OAuthFlow::Request request;
        request.code = code;
        request.redirectUri = publicUrl(*context) + kCallbackPath.arg(provider.name);
        request.codeVerifier = state.codeVerifier;
        request.nonce = state.nonce;
        request.appleUser = appleUser;
        OAuthFlow::identify(*context->services().oauth, provider, request,
                            [context, exchange, provider, state, linking](Result<OAuthIdentity> identity) {
            if (!identity) {
                fail(context, exchange, identity.error(), linking);
                return;
            }
            finish(context, exchange, provider, state, *identity);
        });
    });
}

void listLinked(WorkerContext *context, const ExchangePtr &exchange)
{
    CurrentUser::load(exchange, *context, [context, exchange](const Caller &, const User &user) {
        auto statements = context->statements();
        if (!statements) {
            ServiceErrors::respond(exchange, statements.error());
            return;
        }
        auto linked = ProviderRepository(**statements).listForUser(user.id);
        if (!linked) {
            ServiceErrors::respond(exchange, linked.error());
            return;
        }
        QJsonArray list;
        for (const LinkedProvider &provider : *linked)
            list.append(provider.toJson());
        QJsonArray available;
        for (const OAuthProviderSettings &provider : context->services().oauth->enabled())
            available.append(QJsonObject{{QStringLiteral("name"), provider.name},
                                         {QStringLiteral("displayName"), provider.displayName}});
        exchange->respondJson(200, {{QStringLiteral("providers"), list}, {QStringLiteral("available"), available}});
    });
}

void unlink(WorkerContext *context, const ExchangePtr &exchange)
{
    const QString type = exchange->pathParameter(QStringLiteral("type"));
    CurrentUser::load(exchange, *context, [context, exchange, type](const Caller &, const User &user) {
        if (!OAuthOptions::isProvider(type)) {
            exchange->respondError(404, QStringLiteral("PROVIDER_NOT_LINKED"),
                                   QStringLiteral("%1 is not a social sign-in provider").arg(type.left(32)));
            return;
        }
        auto statements = context->statements();
        if (!statements) {
            ServiceErrors::respond(exchange, statements.error());
            return;
        }
        const Status removed = ProviderRepository(**statements).unlink(user.id, type);
        if (!removed) {
            const QString &code = removed.error().code;
            if (code == QLatin1String("LAST_SIGN_IN_METHOD"))
                exchange->respondError(409, code, removed.error().message);
            else if (code == QLatin1String("PROVIDER_NOT_LINKED"))
                exchange->respondError(404, code, removed.error().message);
            else
                ServiceErrors::respond(exchange, removed.error());
            return;
        }
        context->events().publish({QStringLiteral("user:updated"), user.id, {}, user.id, QStringLiteral("unlinked ") + type});
        exchange->respondEmpty(204);
    });
}

void startLink(WorkerContext *context, const ExchangePtr &exchange)
{
    const QString type = exchange->pathParameter(QStringLiteral("type"));
    CurrentUser::load(exchange, *context, [context, exchange, type](const Caller &, const User &user) {
        const OAuthProviderSettings *provider = context->services().oauth->find(type);
        if (!provider) {
            exchange->respondError(404, QStringLiteral("PROVIDER_NOT_ENABLED"),
                                   QStringLiteral("this sign-in provider is not enabled here"));
            return;
        }
        QString requested;
        if (!exchange->body().isEmpty()) {
            JsonBody body(exchange);
            requested = body.optionalString(QStringLiteral("returnTo"), ReturnTo::kMaxLength).value_or(QString());
            if (body.failed())
                return body.respondError();
        }
        auto returnTo = ReturnTo::resolve(requested.isEmpty() ? QStringLiteral("/ui/account.html") : requested,
                                          publicUrl(*context), context->services().auth.origins);
        if (!returnTo) {
            exchange->respondError(400, returnTo.error().code, returnTo.error().message);
            return;
        }
        beginFlow(context, exchange, *provider, *returnTo, user.id, [exchange](const QUrl &url, const QByteArray &cookie) {
            exchange->respondJson(200, {{QStringLiteral("redirectUrl"), QString::fromUtf8(url.toEncoded())}},
                                  {{QByteArrayLiteral("Set-Cookie"), cookie}});
        });
    });
}

} // namespace

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;
    if (!context.services().oauth)
        return;
    router.get(QStringLiteral("/api/v1/auth/oauth/providers"),
               [ctx](const ExchangePtr &exchange) { providersList(ctx, exchange); });
    router.get(QStringLiteral("/api/v1/auth/oauth/{provider}/start"),
               [ctx](const ExchangePtr &exchange) { start(ctx, exchange); }, RouteClass::Auth);
    router.get(QStringLiteral("/api/v1/auth/oauth/{provider}/callback"),
               [ctx](const ExchangePtr &exchange) { callback(ctx, exchange); }, RouteClass::Auth);
    // Apple's response_mode=form_post: a cross-site POST from appleid.apple.com. It carries no
    // session cookie and needs none (the state is the credential), so the Origin rule of
    // cookie-authenticated requests does not apply to it.
    router.post(QStringLiteral("/api/v1/auth/oauth/{provider}/callback"),
                [ctx](const ExchangePtr &exchange) { callback(ctx, exchange); }, RouteClass::Auth);
    router.get(QStringLiteral("/api/v1/me/providers"), [ctx](const ExchangePtr &exchange) { listLinked(ctx, exchange); });
    router.post(QStringLiteral("/api/v1/me/providers/{type}/start"),
                [ctx](const ExchangePtr &exchange) { startLink(ctx, exchange); }, RouteClass::Auth);
    router.del(QStringLiteral("/api/v1/me/providers/{type}"), [ctx](const ExchangePtr &exchange) { unlink(ctx, exchange); });
}

} // namespace OAuthRoutes
