#include "ErrorCounters.h"

#include <atomic>

namespace {
std::atomic<quint64> g_redisErrors{0};
std::atomic<quint64> g_databaseErrors{0};
} // namespace

namespace ErrorCounters {

void countRedisError(quint64 count)
{
    g_redisErrors.fetch_add(count, std::memory_order_relaxed);
}

void countDatabaseError(quint64 count)
{
    g_databaseErrors.fetch_add(count, std::memory_order_relaxed);
}

quint64 redisErrors()
{
    return g_redisErrors.load(std::memory_order_relaxed);
}

quint64 databaseErrors()
{
    return g_databaseErrors.load(std::memory_order_relaxed);
}

} // namespace ErrorCounters
