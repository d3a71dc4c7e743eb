#pragma once

class Router;
class WorkerContext;

// The four TOTP endpoints of API.md (TotpRegistration, TotpLogin), rate limited as Auth routes.
namespace TotpRoutes {
void install(Router &router, WorkerContext &context);
} // namespace TotpRoutes
