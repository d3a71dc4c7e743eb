#pragma once

class Router;
class WorkerContext;

// The session endpoints of API.md: the session check (the hot path), forward-auth for
// reverse proxies, access tokens and their JWKS, logout, and a user's own sessions.
namespace SessionRoutes {
void install(Router &router, WorkerContext &context);
}
