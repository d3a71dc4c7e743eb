#pragma once

#include <QDateTime>

#include <functional>

// "Now" in UTC, injected wherever time decides something (expiry, rate limits, TOTP), so
// tests can move time instead of sleeping.
using Clock = std::function<QDateTime()>;

inline Clock systemClock()
{
    return [] { return QDateTime::currentDateTimeUtc(); };
}
