#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

class RedisClient;

// The Redis side of TOTP registration and sign-in. Every check-and-count is one Lua script
// (RedisScript), so concurrent requests on any instance sharing the Redis never get more tries
// than allowed: an attempt is counted *before* its code is checked.
//
// Keys (API.md, plus three of our own with TTLs):
//   pending_registration:{userId}           JSON of API.md, TTL 10 min
//   pending_registration_attempts:{userId}  wrong-code counter, expires with the registration
//   login_attempt:{loginToken}              JSON of API.md ({"userId"|null,"attempts","createdAt"})
//   totp_failures:{userId}                  wrong codes in the current lockout window
//   totp_lockout:{userId}                   present while TOTP sign-in of the account is paused
namespace TotpFlowStore {

inline constexpr int kMaxAttempts = 5; // per pending registration and per login token

QByteArray pendingKey(const QString &userId);
QByteArray pendingAttemptsKey(const QString &userId);
QByteArray loginKey(const QString &loginToken);
QByteArray failuresKey(const QString &userId);
QByteArray lockoutKey(const QString &userId);

// Redis failures as the error codes ServiceErrors understands (transport → 503).
Error redisError(const QByteArray &what, const QByteArray &reply, bool transport);

struct PendingAttempt
{
    QByteArray json;  // the pending registration as stored
    int attempt = 0;  // this attempt's number, 1 … kMaxAttempts
};
// Counts one attempt at a pending registration. Nothing when there is none (never made,
// expired, completed, or dropped after kMaxAttempts wrong codes).
void reservePendingAttempt(RedisClient &redis, const QString &userId,
                           std::function<void(Result<std::optional<PendingAttempt>>)> done);

struct LoginAttempt
{
    QString userId;   // empty: the email was unknown
    int attempt = 0;  // 1 … kMaxAttempts
    bool locked = false; // TOTP sign-in of this account is paused (lockout)
};
// Counts one attempt at a login token. Nothing when the token is unknown, expired, used, or
// burnt (its kMaxAttempts tries are spent: then the key is deleted).
void reserveLoginAttempt(RedisClient &redis, const QString &loginToken,
                         std::function<void(Result<std::optional<LoginAttempt>>)> done);

struct LockoutPolicy
{
    int attempts = 10;
    int windowSeconds = 900;
    int durationSeconds = 900;
};
// Counts a wrong code against the account. The count lives for one window from the first
// failure; reaching `attempts` sets the lockout for `durationSeconds` (SET NX: a lockout is
// never extended, and failures while locked are not counted, so an attacker's retries cannot
// stretch it) and starts a fresh count. `done` gets true when this failure started a lockout.
void recordAccountFailure(RedisClient &redis, const QString &userId, const LockoutPolicy &policy,
                          std::function<void(Result<bool>)> done);

} // namespace TotpFlowStore
