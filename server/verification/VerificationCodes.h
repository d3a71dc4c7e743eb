#pragma once

#include "models/common/Result.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

#include <functional>

class RedisClient;

// One-time codes proving an email address or phone number (API.md): 6 digits from the CSPRNG,
// kept only as an HMAC in `email_verification:{userId}` / `phone_verification:{userId}` as
// {"codeHash","target","attempts","createdAt"} for 10 minutes. Every check counts one attempt
// atomically in Redis (Lua) before the code is compared (in constant time, here); the 5th
// wrong code burns it. A new code can be asked for once a minute per user and channel (key
// `verification_throttle:{channel}:{userId}`, which holds the hash of the code it throttles).
//
// The HMAC binds the code to the channel, the user and the target it was sent to, so a code
// is worthless for any other address, and a leaked Redis dump gives nothing to brute-force
// without the server's key.
namespace VerificationCodes {

inline constexpr int kDigits = 6;
inline constexpr int kTtlSeconds = 600;
inline constexpr int kMaxAttempts = 5;
inline constexpr int kResendSeconds = 60;

enum class Channel { Email, Phone };
QByteArray recordKey(Channel channel, const QString &userId);
QByteArray throttleKey(Channel channel, const QString &userId);

// Six uniformly random digits (rejection sampling over CSPRNG bytes).
QString newCode();
// Lower-case hex HMAC-SHA256 of the code for (channel, user, target), keyed by a key derived
// from `serverKey` (the data-encryption key from the secret store).
QByteArray codeHash(const QByteArray &serverKey, Channel channel, const QString &userId,
                    const QString &target, const QString &code);
bool isWellFormed(const QString &code); // exactly kDigits ASCII digits

// Stores a new code unless one was issued less than kResendSeconds ago. `done` gets 0 when
// stored, else the seconds to wait; errors are Redis failures (REDIS_UNAVAILABLE & co.).
void issue(RedisClient &redis, Channel channel, const QString &userId, const QString &target,
           const QByteArray &hash, const QDateTime &now, std::function<void(Result<qint64>)> done);
// Takes back a code that could not be delivered (record and throttle), if it is still this one,
// so the user can ask again at once.
void withdraw(RedisClient &redis, Channel channel, const QString &userId, const QByteArray &hash,
              std::function<void()> done);

struct Check
{
    enum class Outcome { Match, Wrong, NoCode };
    Outcome outcome = Outcome::NoCode;
    int attemptsLeft = 0; // after this one
};
// Counts one attempt and compares `presentedHash` with the stored hash in constant time. The
// target must equal the one the code was sent to. A match consumes the code; the last wrong
// attempt, or a code for another target, burns it.
void check(RedisClient &redis, Channel channel, const QString &userId, const QString &target,
           const QByteArray &presentedHash, std::function<void(Result<Check>)> done);
// Deletes the code if it is still `hash` (after a match has been recorded in PostgreSQL).
void consume(RedisClient &redis, Channel channel, const QString &userId, const QByteArray &hash,
             std::function<void()> done);

} // namespace VerificationCodes
