#pragma once

class Router;
class WorkerContext;

// Social sign-in (issue 7): GET /api/v1/auth/oauth/providers, GET .../{provider}/start,
// GET and POST .../{provider}/callback, and the signed-in user's links: GET /api/v1/me/providers,
// POST /api/v1/me/providers/{type}/start, DELETE /api/v1/me/providers/{type}.
namespace OAuthRoutes {
void install(Router &router, WorkerContext &context);
} // namespace OAuthRoutes
