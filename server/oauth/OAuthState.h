#pragma once

#include "models/common/Result.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <optional>

class RedisClient;

// The flow state of one social sign-in between start and callback, in Redis as API.md says:
// `oauth_state:{state}` (`oauth_state:apple:{state}` for Apple) holding
// {"provider","codeVerifier","nonce","returnTo","createdAt"}, plus, beyond the contract,
// "linkUserId" when a signed-in user links a provider and "browser" (SHA-256 of the random
// value in the starting browser's gh_oauth cookie, so a callback URL cannot be replayed in
// someone else's browser: login CSRF). TTL 10 minutes; taken with GETDEL, so one callback
// consumes it and a replayed or forged state finds nothing.
struct OAuthStateData
{
    QString provider;
    QString codeVerifier;
    QString nonce;
    QString returnTo;
    QDateTime createdAt;
    QString linkUserId;  // empty: sign in or register
    QString browserHash; // hex SHA-256 of the gh_oauth cookie value
};

namespace OAuthState {
inline constexpr int kTtlSeconds = 600;
// Error codes: CACHE_UNAVAILABLE.
QByteArray keyFor(const QString &provider, const QString &state);
void save(RedisClient *redis, const QString &state, const OAuthStateData &data,
          std::function<void(Status)> done);
// The state, once; nullopt when it is unknown, expired or already used.
void take(RedisClient *redis, const QString &provider, const QString &state,
          std::function<void(Result<std::optional<OAuthStateData>>)> done);
} // namespace OAuthState
