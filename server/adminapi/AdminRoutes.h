#pragma once

class Router;
class WorkerContext;

// The admin HTTP API (API.md `GET /api/v1/admin/...`): for callers whose session belongs to a
// `role=admin` user, pages of users and sessions with filters and keyset cursors, revoking a
// session or all of a user's, disabling and enabling a user. Disabling revokes the user's
// sessions at once (cache keys dropped, `session:revoked` each) and publishes `user:updated`,
// so every instance refuses the user's old tokens immediately. Everything else answers 403.
namespace AdminRoutes {
void install(Router &router, WorkerContext &context);
} // namespace AdminRoutes
