#include "PasskeySettings.h"

#include "server/config/Config.h"

#include <QHostAddress>
#include <QUrl>

QString PasskeySettings::effectiveRpId(const Config &config)
{
    if (!config.rpId.isEmpty())
        return config.rpId;
    const QString host = QUrl(config.effectivePublicUrl()).host().toLower();
    const QHostAddress address(host);
    if (!address.isNull() && address.isLoopback())
        return QStringLiteral("localhost");
    return host;
}

PasskeySettings PasskeySettings::fromConfig(const Config &config)
{
    PasskeySettings settings;
    settings.rp.rpId = effectiveRpId(config);
    settings.rp.origins = config.effectiveOrigins();
    settings.rp.allowCrossOrigin = !config.webauthnCrossOrigin.isEmpty();
    settings.rp.topOrigins = config.webauthnCrossOrigin;
    settings.userVerification = config.webauthnUserVerification;
    if (config.webauthnUserVerification == QLatin1String("required"))
        settings.rp.userVerification = WebAuthn::UserVerification::Required;
    else if (config.webauthnUserVerification == QLatin1String("discouraged"))
        settings.rp.userVerification = WebAuthn::UserVerification::Discouraged;
    else
        settings.rp.userVerification = WebAuthn::UserVerification::Preferred;
    settings.rpName = config.rpName;
    settings.attestation = config.webauthnAttestation;
    settings.refuseCounterRegression = config.webauthnCounterPolicy != QLatin1String("allow");
    return settings;
}
