#pragma once

class Router;
class WorkerContext;

// GET /healthz: the process is up and serving (no dependencies checked).
// GET /readyz: PostgreSQL and Redis both answer; 503 naming what failed otherwise, so load
// balancers take this instance out and the administrator sees why.
namespace HealthRoutes {
void install(Router &router, WorkerContext &context);
}
