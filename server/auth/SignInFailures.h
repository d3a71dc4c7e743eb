#pragma once

#include <QDateTime>
#include <QString>

class RedisClient;

// Counts failed sign-in attempts (wrong codes, refused assertions, failed social callbacks)
// per hour in Redis, for the console's Overview: `stats:sign_in_failures:{yyyyMMddHH}` (UTC),
// an atomic INCR, kept 8 days. Fire and forget: a count lost while Redis is down is no loss.
// Successful sign-ins need no counter: they are the `sessions` rows.
namespace SignInFailures {
void record(RedisClient *redis, const QDateTime &now);
QByteArray keyFor(const QDateTime &hour);
inline constexpr int kRetentionSeconds = 8 * 24 * 3600;
} // namespace SignInFailures
