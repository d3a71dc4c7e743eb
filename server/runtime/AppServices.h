#pragma once

#include "models/common/Clock.h"
#include "server/config/Config.h"
#include "server/sessions/Authenticator.h"
#include "server/sessions/SessionService.h"

#include <memory>

class GeoLocator;
class JwtKeyRing;
class OAuthProviders;
class Mailer;
class SmsSender;
class UserAgentParser;

// Everything the workers share, built once at start-up by ServerRuntime and read-only after
// (the key ring is internally synchronised). Each worker builds its own per-thread objects
// (SessionService, caches, connections) from it.
struct AppServices
{
    Config config;
    QString instance;                               // "host:pid", in events and the JWKS table
    Clock clock = systemClock();
    std::shared_ptr<const UserAgentParser> userAgents; // null: no parsing
    std::shared_ptr<const GeoLocator> geo;             // null: no location
    std::shared_ptr<JwtKeyRing> jwtKeys;               // null: no access tokens
    AuthSettings auth;
    SessionSettings sessions;
    // AES-256-GCM key for data encrypted at rest (TOTP secrets), from the secret store. Never
    // logged. Instances sharing one database must share it (see README, "Several instances").
    QByteArray dataEncryptionKey;
    std::shared_ptr<Mailer> mailer;  // null: email not configured
    std::shared_ptr<SmsSender> sms;  // null: SMS off
    // Social sign-in providers, their discovery/JWKS caches and Apple's client secret
    // (internally synchronised). Never null once built; no provider enabled = empty list.
    std::shared_ptr<OAuthProviders> oauth;
};
