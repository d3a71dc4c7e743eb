#pragma once

#include "HttpExchange.h"
#include "models/common/Result.h"

// Answers for failures of the services behind a handler (database, Redis, delivery), so every
// route says the same thing about them: 503 SERVICE_UNAVAILABLE with Retry-After when a
// dependency is down (DATABASE_UNAVAILABLE, CACHE_UNAVAILABLE, REDIS_UNAVAILABLE and Redis
// transport failures), 409 CONFLICT for DATABASE_CONFLICT, 500 INTERNAL for anything else.
// The internal message is logged with the request id, never sent: it may hold SQL.
namespace ServiceErrors {
void respond(const ExchangePtr &exchange, const Error &error);
bool isUnavailable(const Error &error);
} // namespace ServiceErrors
