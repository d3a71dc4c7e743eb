#pragma once

#include "models/domain/User.h"
#include "server/http/HttpExchange.h"
#include "server/sessions/Authenticator.h"

#include <functional>

class WorkerContext;

// For the /api/v1/me/* routes: authenticates the caller (Authenticator) and reads their full
// `users` row (one primary-key read), so handlers get both. Answers the exchange itself when
// the caller is not signed in (401), the user is gone or disabled (401: the session is no
// longer good), or the database is down (503).
namespace CurrentUser {
void load(const ExchangePtr &exchange, WorkerContext &context,
          std::function<void(const Caller &, const User &)> then);
} // namespace CurrentUser
