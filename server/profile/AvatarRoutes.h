#pragma once

class Router;
class WorkerContext;

// PUT /api/v1/me/avatar (raw image body → 200 {avatarUrl}), DELETE /api/v1/me/avatar (204) and
// GET /avatars/{key} (the stored file, cacheable for a year: a key never changes content).
namespace AvatarRoutes {
void install(Router &router, WorkerContext &context);
}
