#pragma once

#include <QtGlobal>

// Process-wide error counters for /metrics, incremented where the errors happen (the Redis
// client, the database checks). Lock-free and cheap: any thread may call them at any time, and
// they work whether or not a Metrics object exists (the console counts too).
namespace ErrorCounters {

// A Redis command failed without a reply from the server (not connected, disconnected,
// timed out). Errors Redis itself answered (WRONGTYPE, …) are not counted: they are bugs, not
// outages.
void countRedisError(quint64 count = 1);
// A PostgreSQL statement or connection attempt failed.
void countDatabaseError(quint64 count = 1);

quint64 redisErrors();
quint64 databaseErrors();

} // namespace ErrorCounters
