#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>

#include <functional>
#include <optional>

class RedisClient;

// The flow state of API.md in Redis: `passkey_registration:{userId}` and
// `passkey_auth:{loginToken}`, JSON with the challenge (base64url of the raw bytes) and
// `createdAt`, TTL 5 minutes. take() reads and deletes in one GETDEL, so a challenge answers at
// most one ceremony even when two verify calls race on two instances.
//
// Error code: CACHE_UNAVAILABLE (Redis down or failing; the routes answer 503).
namespace PasskeyChallenges {

QByteArray registrationKey(const QString &userId);
QByteArray authKey(const QString &loginToken);

void put(RedisClient *redis, const QByteArray &key, const QJsonObject &value, int ttlSeconds,
         std::function<void(Status)> done);
// nullopt: no such key (never issued, used already or expired).
void take(RedisClient *redis, const QByteArray &key,
          std::function<void(Result<std::optional<QJsonObject>>)> done);

// passkey_registration:{userId} holds either a sign-up (email set) or an addition by a
// signed-in user (email null). Each verify route takes only its own kind, atomically (Lua), so
// a sign-up verify naming a signed-in user's id cannot consume their pending addition.
enum class RegistrationKind { SignUp, Addition };
void takeRegistration(RedisClient *redis, const QString &userId, RegistrationKind kind,
                      std::function<void(Result<std::optional<QJsonObject>>)> done);

// The raw challenge of a stored flow, or empty when the value is malformed or older than
// `ttlSeconds` at `now` (Redis expiry is the first guard; this one holds even if a key lost its
// TTL or the clocks of two instances disagree by less than the TTL).
QByteArray challengeOf(const QJsonObject &flow, const QDateTime &now, int ttlSeconds);

} // namespace PasskeyChallenges
