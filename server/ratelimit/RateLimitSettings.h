#pragma once

#include "server/config/Config.h"

#include <QHostAddress>
#include <QList>
#include <QPair>

// What the rate limiter of every HTTP worker needs from Config: one leaky bucket per client IP
// and route class, and whose X-Forwarded-For to believe.
struct RateLimitSettings
{
    Config::Rate defaultRate{120, 20};   // RouteClass::Default, bucket ratelimit:{ip}
    Config::Rate authRate{10, 0.2};      // RouteClass::Auth, bucket ratelimit:{ip}:auth
    Config::Rate sessionRate{1000, 200}; // RouteClass::Session, bucket ratelimit:{ip}:session
    bool failOpen = true;                // Redis unreachable: allow (true) or answer 503
    QList<QPair<QHostAddress, int>> trustedProxies;

    static RateLimitSettings fromConfig(const Config &config)
    {
        RateLimitSettings settings;
        settings.defaultRate = config.rateLimitDefault;
        settings.authRate = config.rateLimitAuth;
        settings.sessionRate = config.rateLimitSession;
        settings.failOpen = config.rateLimitFailOpen;
        settings.trustedProxies = config.trustedProxies;
        return settings;
    }
};
