#pragma once

#include <QtGlobal>

// How the session check was answered, for /metrics and the benchmark's cache-miss rate:
// from Redis (hit) or from PostgreSQL (miss, including Redis being unavailable).
namespace SessionCounters {
void countHit();
void countMiss();
quint64 hits();
quint64 misses();
} // namespace SessionCounters
