#include "SessionCounters.h"

#include <atomic>

namespace {
std::atomic<quint64> g_hits{0};
std::atomic<quint64> g_misses{0};
} // namespace

namespace SessionCounters {
void countHit() { g_hits.fetch_add(1, std::memory_order_relaxed); }
void countMiss() { g_misses.fetch_add(1, std::memory_order_relaxed); }
quint64 hits() { return g_hits.load(std::memory_order_relaxed); }
quint64 misses() { return g_misses.load(std::memory_order_relaxed); }
} // namespace SessionCounters
