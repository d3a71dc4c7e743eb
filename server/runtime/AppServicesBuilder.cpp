#include "AppServicesBuilder.h"

#include "models/common/Log.h"
#include "models/database/DatabaseSettings.h"
#include "models/database/PreparedStatements.h"
#include "models/keys/PublicKeyRepository.h"
#include "server/crypto/JwtKeyRing.h"
#include "server/delivery/DeliveryServices.h"
#include "server/device/GeoLocator.h"
#include "server/device/UserAgentParser.h"
#include "server/events/EventPublisher.h"
#include "server/oauth/OAuthProviders.h"

#include <QElapsedTimer>
#include <QJsonArray>

namespace {
// Access tokens stay verifiable for their lifetime plus clock leeway after a key retires.
constexpr qint64 kVerificationLeewaySeconds = 60;

Status publishPublicKeys(const JwtKeyRing &keys, const QString &instance, const QString &databaseUrl,
                         const QDateTime &now)
{
    auto settings = DatabaseSettings::fromUrl(databaseUrl);
    if (!settings)
        return settings.error();
    const QString connectionName = QStringLiteral("gatehouse-keys");
    Status outcome;
    {
        auto db = openDatabase(*settings, connectionName);
        if (!db)
            return db.error();
        {
            PreparedStatements statements(*db);
            PublicKeyRepository repository(statements);
            const QJsonArray jwks = keys.jwks(now.toSecsSinceEpoch());
            for (const JwtKeyRing::KeyInfo &info : keys.keys()) {
                for (const QJsonValue &jwk : jwks) {
                    if (jwk.toObject().value(QStringLiteral("kid")).toString() != info.kid)
                        continue;
                    const QDateTime retired = info.retiredAt
                                                  ? QDateTime::fromSecsSinceEpoch(*info.retiredAt, Qt::UTC)
                                                  : QDateTime();
                    if (Status published = repository.publish(
                            info.kid, jwk.toObject(), instance,
                            QDateTime::fromSecsSinceEpoch(info.createdAt, Qt::UTC), retired);
                        !published)
                        outcome = published;
                }
            }
        }
        db->close();
    }
    QSqlDatabase::removeDatabase(connectionName);
    return outcome;
}
} // namespace

namespace AppServicesBuilder {

Result<std::shared_ptr<AppServices>> build(const Config &config, SecretStore &secrets,
                                           const QString &databaseUrl)
{
    QElapsedTimer timer;
    timer.start();
    auto services = std::make_shared<AppServices>();
    services->config = config;
    services->instance = EventPublisher::defaultInstanceName();

    // Without uap-core's rules sessions simply carry no browser/OS/device: worth a warning,
    // not a refusal to start.
    auto userAgents = UserAgentParser::load();
    if (userAgents)
        services->userAgents = *userAgents;
    else
        Log::warning(QStringLiteral("useragent.unavailable"), {{QStringLiteral("error"), userAgents.error().message}});

    GeoLocator::Options geo;
    geo.libLocDatabase = config.geoipLibLocDatabase;
    geo.cityMmdb = config.geoipCityDatabase;
    auto locator = GeoLocator::open(geo);
    if (!locator)
        return locator.error(); // a configured .mmdb that cannot be read is a mistake to fix
    services->geo = *locator;

    auto keys = std::make_shared<JwtKeyRing>(secrets, config.accessTokenLifetimeSeconds + kVerificationLeewaySeconds);
    const QDateTime now = services->clock();
    if (Status opened = keys->open(now.toSecsSinceEpoch()); !opened)
        return opened.error();
    if (Status published = publishPublicKeys(*keys, services->instance, databaseUrl, now); !published)
        return published.error();
    services->jwtKeys = keys;

    services->auth.origins = config.effectiveOrigins();
    services->auth.secureCookies = config.effectivePublicUrl().startsWith(QLatin1String("https://"));
    services->auth.issuer = config.effectivePublicUrl();
    services->auth.audience = config.tokenAudience;
    services->auth.accessTokenLifetimeSeconds = config.accessTokenLifetimeSeconds;
    services->sessions.lifetimeSeconds = config.sessionLifetimeSeconds;
    services->sessions.idleTimeoutSeconds = config.sessionIdleTimeoutSeconds;

    // Email and SMS: their passwords come from the secret store, read once here.
    if (Status delivery = DeliveryServices::build(config, secrets, *services); !delivery)
        return delivery.error();

    // Social sign-in: client secrets and Apple's .p8 key are read once here.
    auto oauth = OAuthProviders::build(config, secrets, services->clock);
    if (!oauth)
        return oauth.error();
    services->oauth = *oauth;

    Log::info(QStringLiteral("runtime.services_ready"),
              {{QStringLiteral("ms"), timer.elapsed()},
               {QStringLiteral("geo"), services->geo->describe()},
               {QStringLiteral("userAgents"), services->userAgents ? QStringLiteral("uap-core") : QStringLiteral("none")},
               {QStringLiteral("jwtKid"), keys->keys().isEmpty() ? QString() : keys->keys().last().kid}});
    return services;
}

Status refreshKeys(const AppServices &services, const QString &databaseUrl)
{
    if (!services.jwtKeys)
        return {};
    JwtKeyRing &keys = *services.jwtKeys;
    const qint64 now = services.clock().toSecsSinceEpoch();
    if (Status reloaded = keys.open(now); !reloaded)
        return reloaded;
    const qint64 maxAge = qint64(services.config.jwtKeyMaxAgeDays) * 24 * 3600;
    const QList<JwtKeyRing::KeyInfo> infos = keys.keys();
    if (maxAge > 0 && !infos.isEmpty()) {
        for (const JwtKeyRing::KeyInfo &info : infos) {
            if (!info.retiredAt && now - info.createdAt >= maxAge) {
                auto rotated = keys.rotate(now);
                if (!rotated)
                    return rotated.error();
                Log::info(QStringLiteral("jwt.rotated"), {{QStringLiteral("kid"), *rotated},
                                                          {QStringLiteral("reason"), QStringLiteral("max age")}});
                break;
            }
        }
    }
    if (auto pruned = keys.prune(now); !pruned)
        return pruned.error();
    return publishPublicKeys(keys, services.instance, databaseUrl, services.clock());
}

} // namespace AppServicesBuilder
