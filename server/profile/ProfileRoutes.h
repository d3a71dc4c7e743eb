#pragma once

class Router;
class WorkerContext;

// The signed-in user's profile (API.md): GET and PATCH /api/v1/me, and through AvatarRoutes
// PUT/DELETE /api/v1/me/avatar and GET /avatars/{key}.
namespace ProfileRoutes {
void install(Router &router, WorkerContext &context);
}
